"""The map's edit mode (layers/edit.py): Draw only when editing, its assets local, drawings back to WGS84."""

from __future__ import annotations

import re

import shapely

from geo import boundaries, coords
from layers.edit import add_draw_tools, compare_map, drawn_geometry
from layers.projects import base_map

UNITS = None


def _units():
    global UNITS
    if UNITS is None:
        UNITS = boundaries.filter_units(resolution="web")
    return UNITS


def _base():
    return base_map(_units(), boundaries_url="/app/static/data/b.geojson")


def test_browse_map_has_no_draw():
    html = _base().get_root().render()
    assert "leaflet.draw" not in html and "L.Control.Draw" not in html and "atlas_edit" not in html


def test_edit_map_has_draw_with_local_assets_and_the_current_geometry():
    m = add_draw_tools(_base(), shapely.Point(106.5, 29.5))
    html = m.get_root().render()
    assert "L.Control.Draw" in html and "clearLayers" in html
    links = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html)
    assert "/app/static/vendor/leaflet-draw/leaflet.draw.js" in links
    assert all(link.startswith("/app/static/vendor/") for link in links), links
    assert "[29.5, 106.5]" in html  # the point to move sits in the editable group
    assert "L.Icon.Default.imagePath" in html


def test_drawn_geometry_one_feature_parts_and_gcj02():
    point = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [106.123456789, 29.5]}, "properties": {}}
    one = drawn_geometry([point])
    assert one is not None and one.equals(shapely.Point(106.123457, 29.5))
    assert drawn_geometry([]) is None and drawn_geometry(None) is None
    line = {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[106, 29], [106.1, 29.1]]}}
    line2 = {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[106.2, 29], [106.3, 29.1]]}}
    parts, mixed = drawn_geometry([line, line2]), drawn_geometry([line, point])
    assert parts is not None and parts.geom_type == "MultiLineString"
    assert mixed is not None and mixed.geom_type == "Point"  # mixed kinds: the last drawn wins
    shown = coords.convert(shapely.Point(106.5, 29.5), source="WGS84", target="GCJ-02")
    drawn = {"type": "Feature", "geometry": shapely.geometry.mapping(shown)}
    back = drawn_geometry([drawn], basemap="gaode")
    assert back is not None and back.distance(shapely.Point(106.5, 29.5)) < 1e-5  # stored in WGS84, not in the tiles' frame


def test_compare_map_shows_both_geometries():
    m = compare_map({"type": "Point", "coordinates": [106.5, 29.5]}, "POINT (106.51 29.51)", _units(), lang="zh")
    assert m is not None
    html = m.get_root().render()
    assert "29.5, 106.5" in html.replace("[", "").replace("]", "") and "29.51, 106.51" in html.replace("[", "").replace("]", "")
    assert compare_map(None, None, _units(), lang="zh") is None
