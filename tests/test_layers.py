"""The folium layers: escaping, local assets, GCJ-02 shift, grouping, legend."""

from __future__ import annotations

import re

import shapely

from geo import boundaries
from geo.catalog import load_plans
from geo.tiles import BASEMAPS, available
from layers.basemaps import display_frame
from layers.legend import legend_html
from layers.projects import build_map, clicked_id, grouped_points, map_html


def _html(projects, **kw):
    units = boundaries.filter_units(resolution="web")
    return map_html(build_map(projects, units, plans=load_plans(), **kw))


def test_names_are_escaped_in_tooltips(fixture_projects):
    html = _html(fixture_projects)
    assert "<script>alert(1)</script>" not in html
    assert "<img src=x onerror" not in html
    # Escaped once for HTML; folium's JSON then writes "&" as \u0026.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html.replace("\\u0026", "&")
    en = _html(fixture_projects, lang="en").replace("\\u0026", "&")
    assert "<img src=x onerror" not in en and "&lt;img src=x onerror=alert(1)&gt;" in en


def test_every_asset_is_local(fixture_projects):
    html = _html(fixture_projects)
    links = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html)
    assert links and all(link.startswith("/app/static/vendor/") for link in links), links


def test_gaode_shifts_overlays_and_back(fixture_projects):
    shifted = display_frame(fixture_projects, "gaode")
    moved = shapely.get_coordinates(shifted.geometry.values) - shapely.get_coordinates(fixture_projects.geometry.values)
    assert ((moved[:, 0] > 0.002) & (moved[:, 0] < 0.01) & (abs(moved[:, 1]) < 0.01)).all()
    assert display_frame(fixture_projects, "none") is fixture_projects
    from geo import coords

    back = coords.convert(shifted.geometry.values, source="GCJ-02")
    assert shapely.equals_exact(back, fixture_projects.geometry.values, tolerance=1e-7).all()


def test_district_level_records_become_one_badge_per_place(fixture_projects):
    groups = grouped_points(fixture_projects)
    # F06 (two district points), F11 (town), F12 (district) → three places; F06 and F12 share one.
    assert sorted(len(ids) for ids in groups.ids) == [1, 1, 2]
    assert clicked_id("P1234ABCD · 名称") == "P1234ABCD"
    assert clicked_id("G:106.15000,29.05000 · 乙区") == "G:106.15000,29.05000"
    assert clicked_id("<b>nothing</b>") is None


def test_legend_lists_only_what_is_shown(fixture_projects):
    html = legend_html(fixture_projects[fixture_projects.category == "rail"], lang="en")
    assert "Railway" in html and "Hospital" not in html
    assert "(2)" in html


def test_tianditu_needs_a_key():
    assert "tianditu_vec" not in available(tianditu_key="")
    assert "tianditu_vec" in available(tianditu_key="abc")
    assert all(b.attribution for b in BASEMAPS.values())
