"""Folium pieces of the workbench: the map's edit mode (leaflet-draw) and the old-vs-new comparison map.

No Streamlit here. The edit mode adds to a map, only while editing, a Draw
control whose editable group holds the selected record's current geometry
(so a point can be dragged, a line's vertices moved), and a small script that
keeps one drawing at a time: drawing a new shape replaces what was there.
streamlit-folium then returns the group's content as ``all_drawings``;
:func:`drawn_geometry` turns that into one WGS84 geometry.
"""

from __future__ import annotations

import folium
import geopandas as gpd
import shapely
from branca.element import MacroElement
from folium.plugins import Draw
from folium.template import Template

from geo import coords
from geo.tiles import BASEMAPS
from layers.assets import localize
from layers.basemaps import display_frame

#: What leaflet-draw offers: a point (marker), a line, a polygon. No circles or
#: rectangles (a circle is not a GeoJSON geometry; a rectangle is a polygon).
DRAW_OPTIONS = {"polyline": {"shapeOptions": {"color": "#d62728", "weight": 4}}, "polygon": {"shapeOptions": {"color": "#d62728"}},
                "marker": {}, "circle": False, "rectangle": False, "circlemarker": False}
EDITED_COLOR = "#d62728"


class _OneDrawing(MacroElement):
    """Before leaflet-draw adds a new shape to the editable group, empty the group: one geometry per record.

    Also points streamlit-folium's ``window.drawnItems`` (what it returns as ``all_drawings``) at
    this map's editable group on every drawing or edit (a rerun can leave it pointing at a group
    of an earlier render, and a moved point then came back unmoved), and points Leaflet's default
    marker images at the local copies (drawn and moved points use them)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
L.Icon.Default.imagePath = {{ this.image_path|tojson }};
{{ this._parent.get_name() }}.on('draw:created', function(e) { {{ this.group }}.clearLayers(); });
{{ this._parent.get_name() }}.on('draw:created draw:edited', function(e) { window.drawnItems = {{ this.group }}; });
{% endmacro %}"""
    )

    def __init__(self, group: folium.FeatureGroup, *, asset_base: str) -> None:
        super().__init__()
        self._name = "OneDrawing"
        self.group = group.get_name()
        self.image_path = f"{asset_base}/leaflet/images/"


def _editable_parts(geometry, basemap: str) -> list:
    """The current geometry as plain Leaflet layers that leaflet-draw can edit (it cannot edit inside L.geoJSON)."""
    if geometry is None or shapely.is_empty(geometry):
        return []
    shown = display_frame(gpd.GeoDataFrame(geometry=[geometry], crs=4326), basemap).geometry.iat[0]
    out: list = []
    for part in shapely.get_parts(shown):
        if part.geom_type == "Point":
            out.append(folium.Marker((part.y, part.x), draggable=False))
        elif part.geom_type == "LineString":
            out.append(folium.PolyLine([(y, x) for x, y in part.coords], color=EDITED_COLOR, weight=4))
        elif part.geom_type == "Polygon":
            out.append(folium.Polygon([(y, x) for x, y in part.exterior.coords], color=EDITED_COLOR, fill=True, fill_opacity=0.15))
    return out


def add_draw_tools(m: folium.Map, geometry: shapely.Geometry | None, *, basemap: str = "none", asset_base: str = "/app/static/vendor") -> folium.Map:
    """Give ``m`` the edit mode: a Draw control whose editable group starts with ``geometry`` (WGS84, or None).

    Only for the edit mode: the map is then a different map (streamlit-folium
    draws it anew once), which the browse mode never pays for. Returns ``m``.
    """
    group = folium.FeatureGroup(name="atlas_edit", control=False)
    _OneDrawing(group, asset_base=asset_base).add_to(m)  # first: the marker image path before any marker
    for layer in _editable_parts(geometry, basemap):
        layer.add_to(group)
    group.add_to(m)
    draw = Draw(feature_group=group, draw_options=DRAW_OPTIONS, edit_options={"remove": False}, show_geometry_on_click=False, position="topleft")
    draw.add_to(m)
    localize(draw, base=asset_base)  # leaflet-draw from static/vendor, never a CDN
    return m


def drawn_geometry(features: list | None, *, basemap: str = "none") -> shapely.Geometry | None:
    """The geometry the user drew or moved (WGS84), from streamlit-folium's ``all_drawings``; None if none.

    Several features of one kind (the parts of a multi-part line) become one
    Multi* geometry; of different kinds, the last drawn wins. Coordinates are
    converted back from the base map's frame (GCJ-02 tiles) and rounded to
    1e-6° (about 0.1 m).
    """
    geoms = [shapely.geometry.shape(f["geometry"]) for f in features or [] if isinstance(f, dict) and f.get("geometry")]
    if not geoms:
        return None
    kinds = {g.geom_type for g in geoms}
    if len(geoms) == 1 or len(kinds) > 1:
        geom = geoms[-1]
    else:
        multi = {"Point": shapely.MultiPoint, "LineString": shapely.MultiLineString, "Polygon": shapely.MultiPolygon}[kinds.pop()]
        geom = multi(geoms)
    crs = BASEMAPS[basemap].crs
    if crs != "WGS84":
        geom = coords.convert(geom, source=crs)
    return shapely.set_precision(geom, 1e-6)


def compare_map(before, after, units: gpd.GeoDataFrame, *, lang: str) -> folium.Map | None:
    """A small map of a record's current geometry (grey, dashed) and the proposed one (red); None without either.

    ``before``/``after`` are GeoJSON dicts, WKT or shapely geometries (WGS84).
    No base-map tiles (works offline); the district ``units`` around them give the context.
    """
    from geo.edits import to_geometry

    pair = (to_geometry(before), to_geometry(after))
    geoms = [g for g in pair if g is not None]
    if not geoms:
        return None
    w, s, e, n = shapely.bounds(shapely.GeometryCollection(geoms)).tolist()
    pad = max(e - w, n - s, 0.01) * 0.3
    m = folium.Map(tiles=None, control_scale=True)
    near = units.cx[w - pad : e + pad, s - pad : n + pad]
    folium.GeoJson(near[["name_zh", "name_en", "geometry"]].to_json(), style_function=lambda _: {"color": "#888", "weight": 1, "fill": False},
                   tooltip=folium.GeoJsonTooltip(["name_zh" if lang == "zh" else "name_en"], labels=False)).add_to(m)
    styles: tuple[dict[str, str | float], ...] = (
        {"color": "#666", "weight": 4, "dashArray": "6 6", "fillOpacity": 0.1}, {"color": EDITED_COLOR, "weight": 4, "fillOpacity": 0.2},
    )
    for geom, style in zip(pair, styles, strict=True):
        if geom is None:
            continue
        if geom.geom_type in ("Point", "MultiPoint"):
            for pt in shapely.get_parts(geom):
                folium.CircleMarker([pt.y, pt.x], radius=8, color=style["color"], dash_array=style.get("dashArray"), fill=True, fill_opacity=0.6).add_to(m)
        else:
            folium.GeoJson(gpd.GeoSeries([geom], crs="EPSG:4326").to_json(), style_function=lambda _, st_=style: st_).add_to(m)
    m.fit_bounds([[s - pad, w - pad], [n + pad, e + pad]])
    localize(m)
    return m
