"""The planner's map: projects layered by plan, styled by category, status and precision.

Everything here is a plain function of data frames; the Streamlit pages only
pass in what the user chose. Every string that reaches the browser inside a
tooltip or label is HTML-escaped here, once.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement, Template
from folium.elements import JSCSSMixin
from folium.plugins import Fullscreen

from geo import io, settings
from geo.boundaries import REGION
from geo.i18n import t
from geo.model import CATEGORIES, PRECISIONS, STATUSES, label
from geo.styles import GROUPED_PRECISIONS, feature_style, point_svg
from geo.tiles import BASEMAPS, tile_urls
from layers.assets import icon_path_script, localize
from layers.basemaps import display_frame

#: Tooltip prefix that identifies what was clicked: "P1234ABCD · name" or "G:lon,lat · …".
_ID_PATTERN = re.compile(r"^\s*(P[0-9A-F]{8}|G:[-0-9.]+,[-0-9.]+)\b")
DEFAULT_VIEW = ((29.9, 105.6), 7)
REGION_VIEW = REGION  # Sichuan and Chongqing (geo.boundaries.REGION)


def clicked_id(tooltip: str | None) -> str | None:
    """The project id (``P…``) or group key (``G:lon,lat``) at the start of a clicked tooltip."""
    if not tooltip:
        return None
    m = _ID_PATTERN.match(tooltip)
    return m.group(1) if m else None


def group_key(lon: float, lat: float) -> str:
    """The selection key of the place symbol at ``(lon, lat)`` (:func:`geo.urlstate.place_key`)."""
    from geo.urlstate import place_key

    return place_key(lon, lat)


def _tooltip_text(row, lang: str) -> str:
    name = row.name_zh if lang == "zh" else row.name_en
    parts = [f"{row.id} · {name}", label(CATEGORIES, row.category, lang=lang), label(STATUSES, row.status, lang=lang)]
    if row.location_precision != "exact":
        parts.append(label(PRECISIONS, row.location_precision, lang=lang))
    return html.escape(" · ".join(parts))


def _json(value: object) -> str:
    """Compact JSON that is safe inside an HTML ``<script>`` (no ``</``)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


def _geometries_json(geoms: np.ndarray) -> list[str]:
    """GeoJSON text of each geometry, coordinates rounded to 6 decimals (about 0.1 m)."""
    return list(shapely.to_geojson(shapely.transform(geoms, lambda xy: np.round(xy, 6))))


def _features_json(frame: gpd.GeoDataFrame, lang: str, kind: str) -> str:
    """One layer's individually drawn projects as compact JSON for ``atlasProjects`` (see :class:`_ProjectsScript`).

    ``{"k": kind, "s": [style, …], "f": [[id, tooltip, style index, geometry], …]}``:
    each distinct symbol is sent once (a point's SVG, a path's Leaflet options) and
    every feature points at it. Tooltips are HTML-escaped here.
    """
    styles: dict[tuple, int] = {}
    table: list[dict] = []
    index = []
    for key in zip(frame.category, frame.status, frame.location_precision, frame.geom_kind, strict=True):
        if key not in styles:
            styles[key] = len(table)
            table.append(_symbol(*key))
        index.append(styles[key])
    tips = [_tooltip_text(row, lang) for row in frame[["id", "name_zh", "name_en", "category", "status", "location_precision"]].itertuples(index=False)]
    rows = ",".join(f"[{_json(i)},{_json(tip)},{k},{g}]" for i, tip, k, g in zip(frame.id, tips, index, _geometries_json(frame.geometry.values), strict=True))
    return f'{{"k":{_json(kind)},"s":{_json(table)},"f":[{rows}]}}'


def _symbol(category: str, status: str, precision: str, geom_kind: str) -> dict:
    """A point's divIcon options (SVG shape, class ``atlas-point``) or a path's Leaflet style."""
    if geom_kind != "point":
        return feature_style(category, status, precision, geom_kind)
    svg, size = point_svg(category, status, precision)
    return {"html": svg, "iconSize": [size, size], "iconAnchor": [size // 2, size // 2], "className": "atlas-point"}


def _places_json(places: pd.DataFrame, xy: np.ndarray) -> str:
    """The place symbols as compact JSON: ``[tooltip, count, precision, lon, lat]`` per place (tooltips escaped)."""
    rows = [[html.escape(tip), int(n), p, round(float(x), 6), round(float(y), 6)] for tip, n, p, (x, y) in zip(places.tip, places.n, places.precision, xy, strict=True)]
    return _json({"k": "places", "f": rows})


def _cluster_json(points: gpd.GeoDataFrame) -> str:
    """Many points (past ``settings.cluster_threshold``) as bare ``[lat, lon]`` pairs for a marker cluster."""
    xy = np.round(shapely.get_coordinates(shapely.point_on_surface(points.geometry.values)), 6)
    return _json({"k": "cluster", "f": np.column_stack([xy[:, 1], xy[:, 0]]).tolist()})


def grouped_points(frame: gpd.GeoDataFrame) -> pd.DataFrame:
    """Town/district/city-level records as (lon, lat, precision, ids), one row per place.

    Their points are representative points, not sites: drawn as one badge per
    place, never scattered. A multi-district record counts at each of its places;
    a record known only to its district (no geometry, ``scope``) counts at that
    district's point (:func:`geo.catalog.symbol_points`).
    """
    from geo.catalog import symbol_points

    rows = symbol_points(frame)
    if rows.empty:
        return pd.DataFrame(columns=["lon", "lat", "precision", "ids"])
    return rows.groupby(["lon", "lat"], sort=True).agg(precision=("precision", "first"), ids=("id", lambda s: list(dict.fromkeys(s)))).reset_index()


def static_boundaries(units: gpd.GeoDataFrame, *, static_dir: Path | None = None) -> dict[str, str]:
    """Write the boundaries once as static GeoJSON files (WGS84 and GCJ-02); return ``{crs: url}``.

    The browser fetches them from Streamlit's static route (``/app/static/...``)
    once per page, so a rerun never re-sends 2 MB of boundaries. A file is
    rewritten only when its content changes (atomic replace).
    """
    static_dir = static_dir or settings.static_dir
    out = {}
    for crs in ("WGS84", "GCJ-02"):
        frame = display_frame(units, "gaode") if crs == "GCJ-02" else units
        frame = frame[["adcode", "name_zh", "name_en", "geometry"]].copy()
        frame["geometry"] = shapely.set_precision(frame.geometry.values, 1e-5)
        text = frame.to_json(drop_id=True, ensure_ascii=False)
        name = f"boundaries_{crs.lower().replace('-', '')}.geojson"
        path = static_dir / "data" / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            io.write_text_atomic(path, text)  # a unique temporary name: app servers and test workers may race here
        out[crs] = f"/app/static/data/{name}"
    return out


class _FetchedBoundaries(MacroElement):
    """Boundaries fetched by the browser from a static URL, styled per unit, added under the project layers.

    ``fills`` maps adcode → fill colour (a choropleth) and ``values`` adcode →
    the shaded value shown in the tooltip; both are small. Names come from the file.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
(function(map){
  var fills = {{ this.fills|tojson }}, values = {{ this.values|tojson }}, lang = {{ this.lang|tojson }};
  var pane = map.createPane("atlasBoundaries"); pane.style.zIndex = 350;
  fetch({{ this.url|tojson }}).then(function(r){ return r.json(); }).then(function(g){
    var layer = L.geoJSON(g, {pane: "atlasBoundaries", interactive: true,
      style: function(f){ var a = f.properties.adcode; return {color: "#5b6b7a", weight: 1,
        fillColor: fills[a] || "#ffffff", fillOpacity: {{ 0.6 if this.fills else 0.04 }}}; },
      onEachFeature: function(f, l){
        var p = f.properties, name = lang == "zh" ? p.name_zh : p.name_en + " (" + p.name_zh + ")";
        var v = values[p.adcode];
        l.bindTooltip(String(name + (v === undefined ? "" : ": " + v)).replace(/[&<>"]/g, function(c){
          return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]; }), {sticky: false});
      }});
    layer.addTo(map); window.atlasBoundaries = layer;
  });
})({{ this._parent.get_name() }});
{% endmacro %}"""
    )

    def __init__(self, url: str, *, fills: dict, values: dict, lang: str) -> None:
        super().__init__()
        self._name = "FetchedBoundaries"
        self.url, self.fills, self.values, self.lang = url, fills, values, lang


class _TileErrorNotice(MacroElement):
    """When a tile layer fails to load, say so on the map and drop its credit."""

    _template = Template(
        """{% macro script(this, kwargs) %}
(function(map){
  var shown = false;
  map.eachLayer(function(layer){
    if (!(layer instanceof L.TileLayer)) return;
    layer.on("tileerror", function(){
      if (shown) return; shown = true;
      if (map.attributionControl && layer.getAttribution && layer.getAttribution()) map.attributionControl.removeAttribution(layer.getAttribution());
      var box = L.DomUtil.create("div", "atlas-tile-error");
      box.setAttribute("role", "alert");
      box.style.cssText = "position:absolute;left:50%;top:8px;transform:translateX(-50%);z-index:1000;background:#fff3cd;color:#664d03;border:1px solid #ffe69c;padding:4px 10px;border-radius:4px;font:13px sans-serif;pointer-events:none";
      box.textContent = {{ this.text|tojson }};
      map.getContainer().appendChild(box);
    });
  });
})({{ this._parent.get_name() }});
{% endmacro %}"""
    )

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "TileErrorNotice"
        self.text = text


class _MapControl(MacroElement):
    """A small static Leaflet control holding HTML (the choropleth's colour scale)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
(function(map){
  var c = L.control({position: {{ this.position|tojson }}});
  c.onAdd = function(){ var d = L.DomUtil.create("div", "atlas-map-control");
    d.style.cssText = "background:rgba(255,255,255,0.9);padding:4px 8px;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3);margin-bottom:28px";
    d.innerHTML = {{ this.html|tojson }}; return d; };
  c.addTo(map);
})({{ this._parent.get_name() }});
{% endmacro %}"""
    )

    def __init__(self, html_text: str, *, position: str = "bottomleft") -> None:
        super().__init__()
        self._name = "MapControl"
        self.html, self.position = html_text, position


class _Assets(JSCSSMixin, MacroElement):
    """Scripts that project layers may need later (a rerun cannot load new scripts into the map)."""

    _template = Template("")

    def __init__(self) -> None:
        super().__init__()
        from folium.plugins import MarkerCluster

        self.default_js = list(MarkerCluster.default_js)
        self.default_css = list(MarkerCluster.default_css)


class _FrameOnce(MacroElement):
    """Fit the map to ``bounds`` once per ``token`` (a rerun that re-sends the layers does not re-fit)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
if (window.atlasFrame !== {{ this.token|tojson }}) { window.atlasFrame = {{ this.token|tojson }};
  (window.map || {{ this._parent.get_name() }}).fitBounds({{ this.bounds|tojson }}, {maxZoom: {{ this.max_zoom }}, padding: [20, 20]}); }
{% endmacro %}"""
    )

    def __init__(self, bounds: list, *, token: str, max_zoom: int = 13) -> None:
        super().__init__()
        self._name = "FrameOnce"
        self.bounds, self.token, self.max_zoom = bounds, token, max_zoom


class _Text(Element):
    """Text put into the page as it is (no Jinja pass: data can be large and may contain ``{{``)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs) -> str:
        return self.text


class _Script(MacroElement):
    """A script built in Python (:meth:`js`), rendered without compiling it as a template.

    folium's ``MacroElement.render`` turns every rendered script into a new Jinja
    template; for a layer carrying 100 kB of GeoJSON that lexing was most of a
    rerun's Python time. streamlit-folium reads the same text through the
    ``script`` macro.
    """

    _template = Template("{% macro script(this, kwargs) %}{{ this.js() }}{% endmacro %}")

    def js(self) -> str:
        raise NotImplementedError

    def render(self, **kwargs) -> str:
        figure = self.get_root()
        figure.script.add_child(_Text(self.js()), name=self.get_name())  # type: ignore[attr-defined]
        return ""  # like every MacroElement, it writes into the figure and shows nothing in place


class _ProjectData(_Script):
    """One part of a project layer (paths, points, places or a cluster), drawn by ``window.atlasProjects``."""

    def __init__(self, data: str) -> None:
        super().__init__()
        self._name = "ProjectData"
        self.data = data

    def js(self) -> str:
        return f"atlasProjects({self._parent.get_name()}, {self.data});\n"  # type: ignore[union-attr]


class _ProjectsScript(_Script):
    """Defines ``window.atlasProjects(parent, data)`` once in the base map: it turns the compact JSON of
    :func:`project_layer_data` into Leaflet layers (symbols, tooltips, hover) inside ``parent``."""

    def js(self) -> str:
        return _PROJECTS_JS


_PROJECTS_JS = """
window.atlasProjects = function (parent, d) {
  if (d.k === "cluster") {
    var mc = L.markerClusterGroup();
    mc.addLayers(d.f.map(function (r) { return L.marker(r); }));
    return mc.addTo(parent);
  }
  if (d.k === "places") {
    var rings = {town: "#444", district: "#666", city: "#888"}, group = L.featureGroup();
    d.f.forEach(function (r) {
      var n = r[1], size = Math.floor(22 + Math.min(18, 4 * Math.log2(Math.max(n, 1)))), half = Math.floor(size / 2);
      var badge = '<div class="atlas-badge" style="box-sizing:border-box;width:' + size + 'px;height:' + size + 'px;line-height:' + (size - 4) + 'px;' +
        'border:2px dashed ' + (rings[r[2]] || "#666") + ';border-radius:50%;background:rgba(255,255,255,0.75);' +
        'text-align:center;font:600 12px sans-serif;color:#333">' + n + '</div>';
      L.marker([r[4], r[3]], {icon: L.divIcon({html: badge, iconSize: [size, size], iconAnchor: [half, half], className: "atlas-badge-icon"})})
        .bindTooltip(r[0], {sticky: true}).addTo(group);
    });
    return group.addTo(parent);
  }
  var icons = {}, paths = d.k === "paths";
  var layer = L.geoJSON({type: "FeatureCollection", features: d.f.map(function (r) {
    return {type: "Feature", properties: {id: r[0], tip: r[1], s: r[2]}, geometry: r[3]}; })}, {
    pointToLayer: function (f, ll) {
      var s = f.properties.s;
      return L.marker(ll, {icon: icons[s] || (icons[s] = L.divIcon(d.s[s]))});
    },
    style: function (f) { return d.s[f.properties.s]; },
    onEachFeature: function (f, l) {
      l.bindTooltip(f.properties.tip, {sticky: true});
      if (paths) l.on({mouseover: function (e) { e.target.setStyle({weight: 6}); }, mouseout: function (e) { layer.resetStyle(e.target); }});
    }
  });
  return layer.addTo(parent);
};
"""


class _Labels(_Script):
    """The units' names as non-interactive labels (one script, not one folium marker per label)."""

    def __init__(self, labels: list) -> None:
        super().__init__()
        self._name = "Labels"
        self.labels = labels

    def js(self) -> str:
        style = "font:11px sans-serif;color:#3b4a59;white-space:nowrap;transform:translate(-50%,-50%);text-shadow:0 0 3px #fff"
        return (
            f"(function (map, labels) {{ var g = L.layerGroup(); labels.forEach(function (l) {{\n"
            f"  L.marker([l[0], l[1]], {{interactive: false, icon: L.divIcon({{html: '<div class=\"atlas-label\" style=\"{style}\">' + l[2] + '</div>', iconSize: [0, 0], className: ''}})}}).addTo(g); }});\n"
            f"  g.addTo(map); }})({self._parent.get_name()}, {_json(self.labels)});\n"  # type: ignore[union-attr]
        )


def shading_colors(units: gpd.GeoDataFrame, shading: pd.Series | None) -> tuple[dict, dict, list]:
    """``(fills, values, classes)`` of a choropleth: colour and value per adcode, and the legend's classes."""
    if shading is None:
        return {}, {}, []
    fills, classes = _shade(units, shading)
    values = {a: float(f"{shading.get(a, 0):.4g}") for a in units.adcode}
    return fills, values, classes


def base_map(
    units: gpd.GeoDataFrame,
    *,
    lang: str = "zh",
    basemap: str = "none",
    boundaries_url: str | None = None,
    shading: pd.Series | None = None,
    location: tuple[float, float] | None = None,
    zoom: int | None = None,
    asset_base: str = "/app/static/vendor",
    tianditu_key: str | None = None,
) -> folium.Map:
    """The part of the map that does not depend on the filters: tiles, boundaries, labels, controls.

    Built the same way from the same arguments it is byte-identical, so
    streamlit-folium keeps the browser's map across reruns (its identity is a
    hash of this script) and only swaps the project layers. With
    ``boundaries_url`` the browser fetches the boundaries from that static URL;
    without it they are embedded (a standalone HTML file).
    """
    base = BASEMAPS[basemap]
    units_shown = display_frame(units, basemap)
    m = folium.Map(location=location or DEFAULT_VIEW[0], zoom_start=zoom or DEFAULT_VIEW[1], tiles=None, prefer_canvas=True, max_zoom=base.max_zoom, control_scale=True)
    m.options["max_zoom"] = base.max_zoom  # folium gives max_zoom to its tile layer only; a marker cluster needs the map's
    for url in tile_urls(base, tianditu_key=tianditu_key):
        folium.TileLayer(tiles=url, attr=base.attribution, name=base.name(lang), subdomains=base.subdomains, max_zoom=base.max_zoom, control=False).add_to(m)
    fills, values, classes = shading_colors(units_shown, shading)
    if classes:
        from layers.legend import shading_legend_html

        _MapControl(shading_legend_html(classes, title=t("choropleth", lang), lang=lang), position="bottomleft").add_to(m)
    if boundaries_url:
        _FetchedBoundaries(boundaries_url, fills=fills, values=values, lang=lang).add_to(m)
    else:
        _embedded_boundaries(units_shown, fills=fills, values=values, lang=lang).add_to(m)
    reps = shapely.point_on_surface(units_shown.geometry.values)
    names = units_shown.name_zh if lang == "zh" else units_shown.name_en
    _Labels([[round(y, 5), round(x, 5), html.escape(n)] for x, y, n in zip(shapely.get_x(reps), shapely.get_y(reps), names, strict=True)]).add_to(m)
    _ProjectsScript().add_to(m)
    _Assets().add_to(m)
    # Inside streamlit-folium the map's div is #map_div: let it fill its frame, whose height the page sets.
    root = cast(folium.Figure, m.get_root())  # a Map's root is always its Figure
    root.header.add_child(folium.Element("<style>#map_div{height:100vh!important}.leaflet-control-layers-expanded{max-height:60vh;overflow-y:auto}</style>"), name="atlas_fill")
    Fullscreen().add_to(m)
    _TileErrorNotice(t("tile_error", lang, name=base.name(lang))).add_to(m)
    root.script.add_child(folium.Element(icon_path_script(asset_base)))
    localize(m, base=asset_base)
    return m


def _embedded_boundaries(units: gpd.GeoDataFrame, *, fills: dict, values: dict, lang: str) -> folium.GeoJson:
    data = units[["adcode", "name_zh", "name_en", "geometry"]].copy()
    data["tip"] = [html.escape(z if lang == "zh" else f"{e} ({z})") for z, e in zip(data.name_zh, data.name_en, strict=True)]
    if values:
        data["tip"] = [f"{tip}: {values.get(a, 0):.4g}" for tip, a in zip(data.tip, data.adcode, strict=True)]
    data["fill"] = [fills.get(a, "#ffffff") for a in data.adcode]
    return folium.GeoJson(
        data.to_json(drop_id=True),
        name=t("boundaries", lang),
        style_function=lambda f: {"color": "#5b6b7a", "weight": 1, "fillColor": f["properties"]["fill"], "fillOpacity": 0.6 if fills else 0.04},
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False, sticky=False),
        control=False,
    )


@dataclass(frozen=True)
class LayerData:
    """One project layer as plain data: its name in the layer control (HTML-escaped) and its parts,
    each the compact JSON drawn by ``window.atlasProjects`` (immutable: safe to cache and share)."""

    name: str
    parts: tuple[str, ...]


def project_layer_data(
    projects: gpd.GeoDataFrame,
    *,
    plans: dict,
    lang: str = "zh",
    basemap: str = "none",
    place_names: dict | None = None,
    units: gpd.GeoDataFrame | None = None,
    cluster_threshold: int | None = None,
) -> tuple[LayerData, ...]:
    """The filter-dependent layers as data: one per plan (individually placed projects) and one of places.

    Region-wide records (no geometry, ``location_precision == "region"``) are
    never drawn. Town-, district- and city-level records of every plan, with or
    without a geometry of their own, are drawn as **one** symbol per place
    (:func:`grouped_points`), named after the place. Lines and polygons of a plan
    form one part and its points another; past ``cluster_threshold`` points a
    plan's points are a marker cluster (no symbols, no tooltips). Empty plans
    have no layer. :func:`project_layers` wraps the result in folium layers.
    """
    cluster_threshold = cluster_threshold or settings.cluster_threshold
    drawable = projects[~(projects.geometry.isna() | projects.geometry.is_empty)] if len(projects) else projects
    shown = display_frame(drawable, basemap)
    individual = shown[~shown.location_precision.isin(GROUPED_PRECISIONS)]
    out = []
    for plan_id, plan in plans.items():
        in_plan = individual[[plan_id in p for p in individual.plan_ids]]
        if in_plan.empty:
            continue
        is_point = (in_plan.geom_kind == "point").to_numpy()
        points, others = in_plan[is_point], in_plan[~is_point]
        parts = [_features_json(others, lang, "paths")] if len(others) else []
        if len(points) > cluster_threshold:
            parts.append(_cluster_json(points))
        elif len(points):
            parts.append(_features_json(points, lang, "points"))
        out.append(LayerData(html.escape(f"{plan.short(lang)} ({len(in_plan)})"), tuple(parts)))
    places = place_layer_data(projects, lang=lang, basemap=basemap, place_names=place_names, units=units)  # incl. records known only to a unit
    if places is not None:
        out.append(places)
    return tuple(out)


def place_layer_data(
    projects: gpd.GeoDataFrame, *, lang: str = "zh", basemap: str = "none", place_names: dict | None = None, units: gpd.GeoDataFrame | None = None,
) -> LayerData | None:
    """One badge per place of the town-, district- and city-level records (:func:`place_groups`), or None if there are none.

    Each badge shows the count of its records (all plans together); its tooltip
    names the place; a click on it selects the place (``handle_click`` in the
    app finds it by position). The inline map and the tiled map
    (:mod:`layers.vector_tiles`, which leaves these records out of its archive)
    both draw this layer.
    """
    places = place_groups(projects, lang=lang, place_names=place_names, units=units)
    if not len(places):
        return None
    shifted = display_frame(gpd.GeoDataFrame(geometry=gpd.points_from_xy(places.lon, places.lat), crs=4326), basemap)
    return LayerData(html.escape(t("places_layer", lang, n=int(places.n.sum()))), (_places_json(places, shapely.get_coordinates(shifted.geometry.values)),))


def place_layer(projects: gpd.GeoDataFrame, **kwargs) -> folium.FeatureGroup | None:
    """:func:`place_layer_data` (same keyword arguments) as one folium layer, or None; it draws
    through ``window.atlasProjects``, which :func:`base_map` defines (the tiled map adds it too)."""
    data = place_layer_data(projects, **kwargs)
    return None if data is None else layers_from_data((data,))[0]


def layers_from_data(data: tuple[LayerData, ...]) -> list[folium.FeatureGroup]:
    """Fresh folium layers (one FeatureGroup per :class:`LayerData`) for ``feature_group_to_add`` or a map.

    Cheap: each part is already JSON text. New objects every call, because
    streamlit-folium renames and re-parents the groups it is given.
    """
    layers = []
    for item in data:
        layer = folium.FeatureGroup(name=item.name, show=True)
        for part in item.parts:
            _ProjectData(part).add_to(layer)
        layers.append(layer)
    return layers


def project_layers(projects: gpd.GeoDataFrame, **kwargs) -> list[folium.FeatureGroup]:
    """The filter-dependent layers as folium layers: :func:`project_layer_data` (same keyword arguments)
    wrapped by :func:`layers_from_data`. They draw through ``window.atlasProjects``, which
    :func:`base_map` defines: add them to a base map (or pass them to ``st_folium`` with one)."""
    return layers_from_data(project_layer_data(projects, **kwargs))


def place_groups(projects: gpd.GeoDataFrame, *, lang: str = "zh", place_names: dict | None = None, units: gpd.GeoDataFrame | None = None) -> pd.DataFrame:
    """One row per place of town/district/city-level records: ``lon, lat, precision, ids, n, name, tip``.

    ``place_names`` maps ``(lon, lat)`` (rounded to 6 decimals) to ``(name_zh, name_en)``;
    a place not in it is named after the unit that contains it ("a town in 九龙坡区").
    """
    groups = grouped_points(projects)
    if groups.empty:
        return groups.assign(n=[], name=[], tip=[])
    names = place_names or {}
    unit_name = _containing_unit_names(groups, units, lang) if units is not None else [""] * len(groups)
    out = []
    for g, inside in zip(groups.itertuples(index=False), unit_name, strict=True):
        pair = names.get((g.lon, g.lat))
        if pair:
            out.append(pair[0] if lang == "zh" else pair[1])
        else:
            level = label(PRECISIONS, g.precision, lang=lang)
            # A district- or city-level record sits at its unit's point: the unit is the place.
            out.append((inside if g.precision in ("district", "city") else t("place_in_unit", lang, unit=inside, level=level)) if inside else level)
    groups = groups.assign(n=[len(i) for i in groups.ids], name=out)
    groups["tip"] = [t("group_badge", lang, place=name, n=n, level=label(PRECISIONS, p, lang=lang)) for name, n, p in zip(groups.name, groups.n, groups.precision, strict=True)]
    return groups


def _containing_unit_names(groups: pd.DataFrame, units: gpd.GeoDataFrame, lang: str) -> list[str]:
    pts = shapely.points(groups.lon.to_numpy(), groups.lat.to_numpy())
    tree = shapely.STRtree(units.geometry.values)
    pt_idx, unit_idx = tree.query(pts, predicate="intersects")
    names = (units.name_zh if lang == "zh" else units.name_en).to_numpy()
    found = dict(zip(pt_idx.tolist(), unit_idx.tolist(), strict=True))
    return [names[found[i]] if i in found else "" for i in range(len(groups))]


def place_at(groups: pd.DataFrame, lat: float, lng: float, *, tolerance: float = 1e-4) -> int | None:
    """Index (row position) of the place symbol clicked at ``(lat, lng)``, or None."""
    if groups.empty:
        return None
    d = np.hypot(groups.lon.to_numpy() - lng, groups.lat.to_numpy() - lat)
    i = int(np.argmin(d))
    return i if d[i] <= tolerance else None


def highlight_layer(geometries: gpd.GeoSeries, *, basemap: str = "none", color: str = "#111111", fill: bool = False, name: str = "highlight") -> folium.FeatureGroup:
    """An outline (a framed district, a selected project) drawn above the projects, not clickable."""
    layer = folium.FeatureGroup(name=name, control=False)
    frame = display_frame(gpd.GeoDataFrame(geometry=geometries.reset_index(drop=True), crs=4326), basemap)
    if frame.empty:
        return layer
    folium.GeoJson(
        frame.to_json(drop_id=True),
        style_function=lambda f: {"color": color, "weight": 3.5, "opacity": 0.95, "fill": fill, "fillOpacity": 0.0, "dashArray": ""},
        marker=folium.CircleMarker(radius=14, color=color, weight=3.5, fill=False),
        interactive=False,
        control=False,
    ).add_to(layer)
    return layer


def frame_layer(bounds: tuple[float, float, float, float], *, token: str, max_zoom: int = 13) -> folium.FeatureGroup:
    """A layer whose only job is to fit the map to ``bounds`` (west, south, east, north) once per ``token``."""
    layer = folium.FeatureGroup(name="frame", control=False)
    w, s, e, n = bounds
    _FrameOnce([[round(s, 5), round(w, 5)], [round(n, 5), round(e, 5)]], token=token, max_zoom=max_zoom).add_to(layer)
    return layer


def fit_region(bounds: tuple[float, float, float, float]) -> tuple[float, float, float, float] | None:
    """``bounds`` clipped to Sichuan and Chongqing (a few lines run on to Shanghai or Xining); None if empty."""
    w, s, e, n = bounds
    rw, rs, re_, rn = REGION_VIEW
    w, s, e, n = max(w, rw), max(s, rs), min(e, re_), min(n, rn)
    return (w, s, e, n) if w < e and s < n else None


def build_map(
    projects: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    *,
    plans: dict,
    lang: str = "zh",
    basemap: str = "none",
    shading: pd.Series | None = None,
    place_names: dict | None = None,
    location: tuple[float, float] | None = None,
    zoom: int | None = None,
    asset_base: str = "/app/static/vendor",
    cluster_threshold: int | None = None,
    tianditu_key: str | None = None,
    boundaries_url: str | None = None,
) -> folium.Map:
    """The whole map in one object (standalone HTML export, screenshots, tests).

    The app does not use it: it sends :func:`base_map` once and
    :func:`project_layer_data` (cached per filter) on each rerun. Without ``location`` the map fits the
    projects (never wider than the region).
    """
    m = base_map(units, lang=lang, basemap=basemap, boundaries_url=boundaries_url, shading=shading, location=location, zoom=zoom, asset_base=asset_base, tianditu_key=tianditu_key)
    layers = project_layers(projects, plans=plans, lang=lang, basemap=basemap, place_names=place_names, units=units, cluster_threshold=cluster_threshold)
    for layer in layers:
        layer.add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    drawable = projects[~(projects.geometry.isna() | projects.geometry.is_empty)] if len(projects) else projects
    if location is None and len(drawable):
        box = fit_region(tuple(display_frame(drawable, basemap).total_bounds))
        if box:
            m.fit_bounds([[box[1], box[0]], [box[3], box[2]]], max_zoom=12)
    return m


SHADE_PALETTE = ("#ffffcc", "#fed976", "#fd8d3c", "#e31a1c", "#800026")
SHADE_ZERO = "#f7f7f7"


def _shade(units: gpd.GeoDataFrame, values: pd.Series) -> tuple[dict[str, str], list[tuple[str, float, float]]]:
    """A sequential colour per unit (light yellow → dark red), classed by quantiles of non-zero values.

    Returns the colour per adcode and the classes ``(colour, low, high)`` for
    the colour-scale legend (zero first, in grey).
    """
    v = values.reindex(units.adcode).fillna(0)
    nonzero = v[v > 0]
    if nonzero.empty:
        return dict.fromkeys(units.adcode, SHADE_ZERO), [(SHADE_ZERO, 0.0, 0.0)]
    edges = np.unique(np.quantile(nonzero, [0.2, 0.4, 0.6, 0.8]))
    fills = {a: SHADE_ZERO if x <= 0 else SHADE_PALETTE[min(int(np.searchsorted(edges, x, side="left")), 4)] for a, x in v.items()}
    bounds = [float(nonzero.min()), *edges.tolist(), float(nonzero.max())]
    classes = [(SHADE_ZERO, 0.0, 0.0)]
    for i in range(len(bounds) - 1):
        if bounds[i + 1] >= bounds[i]:
            classes.append((SHADE_PALETTE[min(i, 4)], bounds[i], bounds[i + 1]))
    return fills, classes


def map_html(m: folium.Map) -> str:
    """The map as standalone HTML (what the Export page offers and tests inspect)."""
    return m.get_root().render()


def drawn_count(projects: gpd.GeoDataFrame) -> int:
    """How many of ``projects`` the map would draw (records with a geometry; region records have none)."""
    if not len(projects):
        return 0
    geoms = projects.geometry.values
    return int((~(shapely.is_missing(geoms) | shapely.is_empty(geoms))).sum())


def project_tiles_url(projects: gpd.GeoDataFrame, *, basemap: str = "none") -> str:
    """The URL of a PMTiles archive of ``projects`` as drawn on ``basemap`` (the tiled map's hook).

    Past ``settings.vector_tiles_threshold`` drawn projects the map page draws
    them from this archive (:func:`layers.vector_tiles.vector_tile_layer`)
    instead of :func:`project_layers`. Town-, district- and city-level records are left out: the tiled map
    draws them as place badges (:func:`place_layer`), as the inline map does. Geometries are shifted into the base
    map's frame first (GCJ-02 maps get a GCJ-02 archive); the archive is built
    by :func:`geo.vtiles.ensure` only when no archive of the same content exists.
    """
    from geo import vtiles

    drawable = projects[~(shapely.is_missing(projects.geometry.values) | shapely.is_empty(projects.geometry.values))]
    drawable = drawable[~drawable.location_precision.isin(GROUPED_PRECISIONS)]  # drawn as place badges (place_layer)
    frame = BASEMAPS[basemap].crs.lower().replace("-", "")
    return vtiles.tiles_url(vtiles.ensure(display_frame(drawable, basemap), prefix=f"projects-{frame}"))
