"""The folium layers: escaping, local assets, GCJ-02 shift, grouping, legend."""

from __future__ import annotations

import json
import re

import shapely

from geo import boundaries
from geo.catalog import load_plans
from geo.tiles import BASEMAPS, available
from layers.basemaps import display_frame
from layers.legend import legend_html
from layers.projects import build_map, clicked_id, grouped_points, map_html

from .helpers import drawn_parts


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
    # folium's defaults that no Atlas map uses are not loaded at all (fewer requests before the first paint).
    assert not [link for link in links if any(w in link for w in ("jquery", "bootstrap", "fontawesome", "awesome-markers"))], links


def test_project_layers_are_compact_data_with_one_symbol_table(fixture_projects, fixture_units):
    """Each layer part carries its symbols once and every feature points at one; ids, escaped
    tooltips and geometries ride along. No folium object per feature."""
    from layers.projects import project_layer_data, project_layers

    data = project_layer_data(fixture_projects, plans=load_plans(), units=fixture_units)
    parts = [json.loads(p) for layer in data for p in layer.parts]
    kinds = {p["k"] for p in parts}
    assert {"paths", "points", "places"} <= kinds
    for part in parts:
        if part["k"] in ("paths", "points"):
            assert all(0 <= row[2] < len(part["s"]) for row in part["f"])  # a symbol for every feature
            assert len(part["s"]) <= len(part["f"])  # shared, not repeated
            assert all(row[3]["type"] in ("Point", "LineString", "Polygon", "MultiLineString", "MultiPolygon", "MultiPoint") for row in part["f"])
        if part["k"] == "points":
            assert all(s["className"] == "atlas-point" and s["html"].startswith("<svg") for s in part["s"])
    layers = project_layers(fixture_projects, plans=load_plans(), units=fixture_units)
    assert [len(layer._children) for layer in layers] == [len(item.parts) for item in data]


def test_project_text_is_never_read_as_a_template(fixture_projects, fixture_units):
    """Names go into the page as data: Jinja syntax in a name neither breaks the map nor is evaluated."""
    projects = fixture_projects.copy()
    projects.loc[projects.index[0], "name_zh"] = "{{ 7*7 }}名 {% if x %}名"
    html = map_html(build_map(projects, fixture_units, plans=load_plans()))
    # Evaluated, it would read "49名": a Chinese character, so no random element id ("…d49 = L.…") can match.
    assert "{{ 7*7 }}名 {% if x %}名" in html and "49名" not in html


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


def _with_region_record(frame):
    """The fixture frame plus a schema-v2 region-wide record (null geometry, scope, v2 notes)."""
    import pandas as pd

    row = frame.iloc[[0]].copy()
    row["id"] = "P0000RE61"
    row["name_zh"] = "全域性项目"
    row["location_precision"] = "region"
    row["geometry"] = None
    row["scope"] = "甲区"
    row["location_note_zh"] = "覆盖甲区全域"
    row["location_note_en"] = "Covers all of Jia district"
    out = pd.concat([frame.assign(scope=None), row], ignore_index=True)
    return out.set_geometry("geometry", crs=frame.crs)


def test_region_records_are_never_drawn(fixture_projects, fixture_units):
    from layers.projects import project_layers

    frame = _with_region_record(fixture_projects)
    layers = project_layers(frame, plans=load_plans(), units=fixture_units)
    m = build_map(frame, fixture_units, plans=load_plans())
    html = map_html(m)
    assert "P0000RE61" not in html and "\\u5168\\u57df" not in html
    assert sum(len(layer._children) for layer in layers) > 0


def test_one_place_symbol_for_all_plans_named_after_the_place(fixture_projects, fixture_units):
    from layers.projects import place_groups, project_layers

    places = place_groups(fixture_projects, lang="zh", units=fixture_units)
    assert sorted(places.n) == [1, 1, 2]
    assert all(not tip.startswith("G:") for tip in places.tip)
    assert any("乙区" in name for name in places.name)  # named after the containing unit
    layers = project_layers(fixture_projects, plans=load_plans(), units=fixture_units)
    import folium

    m = folium.Map()
    for layer in layers:
        layer.add_to(m)
    html = map_html(m)
    badges = [part for part in drawn_parts(html) if part["k"] == "places"]
    assert len(badges) == 1 and len(badges[0]["f"]) == len(places)  # one symbol per place, not one badge per plan
    assert sorted(row[1] for row in badges[0]["f"]) == [1, 1, 2]  # the count each badge shows
    assert "G:" not in html


def test_location_note_reads_v2_then_v1():
    from atlas_ui import location_note

    assert location_note({"location_note_zh": "甲", "location_note_en": "A", "location_note": "old"}, "en") == "A"
    assert location_note({"location_note_zh": "甲", "location_note": "old"}, "zh") == "甲"
    assert location_note({"location_note": "old"}, "en") == "old"
    assert location_note({}, "zh") == ""


def test_choropleth_has_a_colour_scale(fixture_units):
    import pandas as pd

    from layers.legend import shading_legend_html
    from layers.projects import shading_colors

    values = pd.Series({"500901": 0, "500902": 3, "500903": 12})
    fills, values_shown, classes = shading_colors(fixture_units, values)
    assert fills["500901"] == "#f7f7f7" and fills["500902"] != fills["500903"] and values_shown["500903"] == 12
    html = shading_legend_html(classes, title="Projects", lang="en")
    assert "none" in html and "12" in html and html.count("atlas-scale-item") == len(classes)


def test_tile_errors_show_a_notice_and_drop_the_credit(fixture_units):
    from layers.projects import base_map

    html = map_html(base_map(fixture_units, lang="en", basemap="osm" if "osm" in BASEMAPS else next(iter(BASEMAPS))))
    assert "tileerror" in html and "removeAttribution" in html and "could not be loaded" in html


def test_five_statuses_look_different_on_lines_and_points():
    from geo.styles import feature_style

    five = ("proposed", "preparatory", "under_construction", "completed", "operating")
    lines = {tuple(sorted(feature_style("rail", s, "exact", "line").items())) for s in five}
    points = {(st["dashArray"], st["fillOpacity"], st["weight"]) for st in (feature_style("airport", s, "exact", "point") for s in five)}
    assert len(lines) == 5 and len(points) == 5


def test_category_families_have_distinct_colours():
    from geo.styles import CATEGORY_COLORS, FAMILIES

    colours = [c for c, _, _ in FAMILIES.values()]
    assert len(set(colours)) == len(colours) <= 8
    assert CATEGORY_COLORS["rail"] != CATEGORY_COLORS["hospital"]
    assert CATEGORY_COLORS["rail"] == CATEGORY_COLORS["metro"]  # same family, told apart by weight and the legend


def test_every_choropleth_carries_its_colour_scale(fixture_units):
    import pandas as pd

    from layers.projects import base_map

    shaded = map_html(base_map(fixture_units, shading=pd.Series({"500901": 0, "500902": 3, "500903": 12}), lang="en"))
    assert "atlas-scale" in shaded and "Colour scale" in shaded
    assert "atlas-scale" not in map_html(base_map(fixture_units, lang="en"))


def test_same_colour_categories_have_different_shapes():
    from geo.styles import CATEGORY_COLORS, CATEGORY_SHAPE, point_svg

    pairs = {(CATEGORY_COLORS[c], CATEGORY_SHAPE[c]) for c in CATEGORY_COLORS}
    assert len(pairs) == len(CATEGORY_COLORS)  # colour + shape tells every category apart
    five = ("proposed", "preparatory", "under_construction", "completed", "operating")
    assert len({point_svg("hospital", s, "exact")[0] for s in five}) == 5
    assert "<rect" in point_svg("airport", "operating", "exact")[0]  # second of its family: a square, not a circle


def test_place_badge_tooltips_are_escaped(fixture_projects, fixture_units):
    # A place name from the gazetteer or a unit name is text, never markup, in the badge's tooltip.
    import folium

    from layers.projects import grouped_points, project_layers

    groups = grouped_points(fixture_projects)
    hostile = {(lon, lat): ("<script>alert(2)</script>镇", "<b onmouseover=x>Town</b>") for lon, lat in zip(groups.lon, groups.lat, strict=True)}
    for lang, raw, escaped in (("zh", "<script>alert(2)</script>", "&lt;script&gt;alert(2)&lt;/script&gt;"), ("en", "<b onmouseover=x>", "&lt;b onmouseover=x&gt;")):
        m = folium.Map()
        for layer in project_layers(fixture_projects, plans=load_plans(), units=fixture_units, place_names=hostile, lang=lang):
            layer.add_to(m)
        html = map_html(m).replace("\\u0026", "&")
        assert raw not in html, lang
        assert escaped in html, lang


def test_detail_panel_escapes_names_notes_and_quotes(fixture_projects, fixture_joined, monkeypatch):
    # atlas_ui.show_detail writes markdown with unsafe_allow_html off; escaping still guards every field it prints.
    from types import SimpleNamespace

    import atlas_ui

    shown: list[str] = []
    monkeypatch.setattr(atlas_ui.st, "markdown", lambda text, *a, **k: shown.append(text))
    projects = fixture_projects.copy()
    i = projects.index[projects.id == "F10"][0]
    projects.at[i, "location_note_en"] = "<iframe src=evil>"
    projects.at[i, "plans"] = [{**projects.at[i, "plans"][0], "quote": "<svg onload=alert(3)>"}]
    atlas = SimpleNamespace(projects=projects, joined=fixture_joined, plan_titles=lambda *, lang="zh": {})
    for lang in ("zh", "en"):
        shown.clear()
        assert atlas_ui.show_detail(atlas, "F10", lang) is not None
        text = "\n".join(shown)
        for raw in ("<script>", "<img src=x", "<svg onload", "<iframe"):
            assert raw not in text, (lang, raw)
        plain = text.replace("\\", "")  # markdown escapes (\( \)) come on top of the HTML escapes
        assert "&lt;svg onload=alert(3)&gt;" in plain
    assert "&lt;iframe src=evil&gt;" in plain and "&lt;img src=x onerror=alert(1)&gt;" in plain


def test_many_points_become_a_marker_cluster_on_a_map_with_a_max_zoom(fixture_projects, fixture_units):
    """Past ``cluster_threshold`` a plan's points are one cluster of [lat, lon]; Leaflet.markercluster
    refuses a map without maxZoom (a tiles-less folium map has none unless we set it)."""
    from layers.projects import base_map, project_layer_data

    data = project_layer_data(fixture_projects, plans=load_plans(), units=fixture_units, cluster_threshold=1)
    clusters = [json.loads(p) for layer in data for p in layer.parts if json.loads(p)["k"] == "cluster"]
    points = fixture_projects[(fixture_projects.geom_kind == "point") & (fixture_projects.location_precision.isin(["exact", "approximate"]))]
    assert clusters and sum(len(c["f"]) for c in clusters) >= len(points) > 1
    lat, lon = clusters[0]["f"][0]
    assert 28 < lat < 33 and 103 < lon < 110  # [lat, lon], not [lon, lat]
    assert re.search(r'"maxZoom": \d+', map_html(base_map(fixture_units)))
