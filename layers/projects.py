"""The planner's map: projects layered by plan, styled by category, status and precision.

Everything here is a plain function of data frames; the Streamlit pages only
pass in what the user chose. Every string that reaches the browser inside a
tooltip or label is HTML-escaped here, once.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import cast

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement, Template
from folium.elements import JSCSSMixin
from folium.plugins import FastMarkerCluster, Fullscreen

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
    return f"G:{lon:.5f},{lat:.5f}"


def _tooltip_text(row, lang: str) -> str:
    name = row.name_zh if lang == "zh" else row.name_en
    parts = [f"{row.id} · {name}", label(CATEGORIES, row.category, lang=lang), label(STATUSES, row.status, lang=lang)]
    if row.location_precision != "exact":
        parts.append(label(PRECISIONS, row.location_precision, lang=lang))
    return html.escape(" · ".join(parts))


def _feature_collection(frame: gpd.GeoDataFrame, lang: str) -> dict:
    """GeoJSON of the individually drawn projects with the style and tooltip precomputed."""
    geoms = shapely.to_geojson(shapely.transform(frame.geometry.values, lambda xy: np.round(xy, 6)))
    features = []
    for row, geom in zip(frame.itertuples(index=False), geoms, strict=True):
        if row.geom_kind == "point":
            svg, size = point_svg(row.category, row.status, row.location_precision)
            style = {"html": svg, "iconSize": [size, size], "iconAnchor": [size // 2, size // 2], "className": "atlas-point"}
        else:
            style = feature_style(row.category, row.status, row.location_precision, row.geom_kind)
        features.append(
            {
                "type": "Feature",
                "properties": {"id": row.id, "tip": _tooltip_text(row, lang), "style": style},
                "geometry": json.loads(geom),
            }
        )
    return {"type": "FeatureCollection", "features": features}


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


def _badge(n: int, precision: str) -> folium.DivIcon:
    size = int(22 + min(18, 4 * np.log2(max(n, 1))))
    ring = {"town": "#444", "district": "#666", "city": "#888"}.get(precision, "#666")
    html_text = (
        f'<div class="atlas-badge" style="width:{size}px;height:{size}px;line-height:{size - 4}px;'
        f"border:2px dashed {ring};border-radius:50%;background:rgba(255,255,255,0.75);"
        f'text-align:center;font:600 12px sans-serif;color:#333">{n}</div>'
    )
    return folium.DivIcon(html=html_text, icon_size=(size, size), icon_anchor=(size // 2, size // 2), class_name="atlas-badge-icon")


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
    label_layer = folium.FeatureGroup(name=t("district", lang), control=False)
    reps = shapely.point_on_surface(units_shown.geometry.values)
    for pt, z, e in zip(reps, units_shown.name_zh, units_shown.name_en, strict=True):
        text = html.escape(z if lang == "zh" else e)
        folium.Marker(
            (round(pt.y, 5), round(pt.x, 5)),
            icon=folium.DivIcon(html=f'<div class="atlas-label" style="font:11px sans-serif;color:#3b4a59;white-space:nowrap;transform:translate(-50%,-50%);text-shadow:0 0 3px #fff">{text}</div>', icon_size=(0, 0)),
            interactive=False,
        ).add_to(label_layer)
    label_layer.add_to(m)
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


def project_layers(
    projects: gpd.GeoDataFrame,
    *,
    plans: dict,
    lang: str = "zh",
    basemap: str = "none",
    place_names: dict | None = None,
    units: gpd.GeoDataFrame | None = None,
    cluster_threshold: int | None = None,
    asset_base: str = "/app/static/vendor",
) -> list[folium.FeatureGroup]:
    """The filter-dependent layers: one per plan (individually placed projects) and one of places.

    Region-wide records (no geometry, ``location_precision == "region"``) are
    never drawn. Town-, district- and city-level records of every plan, with or
    without a geometry of their own, are drawn as **one** symbol per place
    (:func:`grouped_points`), named after the place.
    """
    cluster_threshold = cluster_threshold or settings.cluster_threshold
    drawable = projects[~(projects.geometry.isna() | projects.geometry.is_empty)] if len(projects) else projects
    shown = display_frame(drawable, basemap)
    layers = []
    individual = shown[~shown.location_precision.isin(GROUPED_PRECISIONS)]
    for plan_id, plan in plans.items():
        in_plan = individual[[plan_id in p for p in individual.plan_ids]]
        if in_plan.empty:
            continue
        layer = folium.FeatureGroup(name=html.escape(f"{plan.short(lang)} ({len(in_plan)})"), show=True)
        points = in_plan[in_plan.geom_kind == "point"]
        others = in_plan[in_plan.geom_kind != "point"]
        if len(others):
            _geojson_layer(others, lang).add_to(layer)
        if len(points) > cluster_threshold:
            xy = shapely.get_coordinates(shapely.point_on_surface(points.geometry.values))
            FastMarkerCluster(data=np.column_stack([xy[:, 1], xy[:, 0]]).tolist()).add_to(layer)
        elif len(points):
            _geojson_layer(points, lang).add_to(layer)
        layers.append(layer)
    places = place_groups(projects, lang=lang, place_names=place_names, units=units)  # incl. records known only to a unit
    if len(places):
        shifted = display_frame(gpd.GeoDataFrame(places, geometry=gpd.points_from_xy(places.lon, places.lat), crs=4326), basemap)
        layer = folium.FeatureGroup(name=html.escape(t("places_layer", lang, n=int(places.n.sum()))), show=True)
        for g, pt in zip(places.itertuples(index=False), shifted.geometry, strict=True):
            folium.Marker((pt.y, pt.x), icon=_badge(g.n, g.precision), tooltip=html.escape(g.tip)).add_to(layer)
        layers.append(layer)
    for layer in layers:
        localize(layer, base=asset_base)
    return layers


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
    :func:`project_layers` on each rerun. Without ``location`` the map fits the
    projects (never wider than the region).
    """
    m = base_map(units, lang=lang, basemap=basemap, boundaries_url=boundaries_url, shading=shading, location=location, zoom=zoom, asset_base=asset_base, tianditu_key=tianditu_key)
    layers = project_layers(projects, plans=plans, lang=lang, basemap=basemap, place_names=place_names, units=units, cluster_threshold=cluster_threshold, asset_base=asset_base)
    for layer in layers:
        layer.add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    drawable = projects[~(projects.geometry.isna() | projects.geometry.is_empty)] if len(projects) else projects
    if location is None and len(drawable):
        box = fit_region(tuple(display_frame(drawable, basemap).total_bounds))
        if box:
            m.fit_bounds([[box[1], box[0]], [box[3], box[2]]], max_zoom=12)
    return m


def _geojson_layer(frame: gpd.GeoDataFrame, lang: str) -> folium.GeoJson:
    """Lines and polygons (canvas paths, highlighted on hover) or points (small SVG symbols:
    shape by category, see :func:`geo.styles.point_svg`)."""
    points = bool(len(frame)) and (frame.geom_kind == "point").all()
    return folium.GeoJson(
        _feature_collection(frame, lang),
        style_function=lambda f: f["properties"]["style"],
        marker=folium.Marker(icon=folium.DivIcon(html="", icon_size=(14, 14))) if points else None,
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
        highlight_function=None if points else (lambda f: {"weight": 6}),
        embed=True,
    )


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
    instead of :func:`project_layers`. Geometries are shifted into the base
    map's frame first (GCJ-02 maps get a GCJ-02 archive); the archive is built
    by :func:`geo.vtiles.ensure` only when no archive of the same content exists.
    """
    from geo import vtiles

    drawable = projects[~(shapely.is_missing(projects.geometry.values) | shapely.is_empty(projects.geometry.values))]
    frame = BASEMAPS[basemap].crs.lower().replace("-", "")
    return vtiles.tiles_url(vtiles.ensure(display_frame(drawable, basemap), prefix=f"projects-{frame}"))
