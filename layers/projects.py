"""The planner's map: projects layered by plan, styled by category, status and precision.

Everything here is a plain function of data frames; the Streamlit pages only
pass in what the user chose. Every string that reaches the browser inside a
tooltip or label is HTML-escaped here, once.
"""

from __future__ import annotations

import html
import json
import re

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from folium.plugins import FastMarkerCluster, Fullscreen, GroupedLayerControl

from geo import settings
from geo.i18n import t
from geo.model import CATEGORIES, PRECISIONS, STATUSES, label
from geo.styles import GROUPED_PRECISIONS, feature_style
from geo.tiles import BASEMAPS, tile_urls
from layers.assets import icon_path_script, localize
from layers.basemaps import display_frame

#: Tooltip prefix that identifies what was clicked: "P1234ABCD · name" or "G:lon,lat · …".
_ID_PATTERN = re.compile(r"^\s*(P[0-9A-F]{8}|G:[-0-9.]+,[-0-9.]+)\b")
DEFAULT_VIEW = ((29.9, 105.6), 7)
REGION_VIEW = (97.3, 26.0, 110.2, 34.4)  # Sichuan and Chongqing


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
    place, never scattered. A multi-district record counts at each of its places.
    """
    sub = frame[frame.location_precision.isin(GROUPED_PRECISIONS)]
    if sub.empty:
        return pd.DataFrame(columns=["lon", "lat", "precision", "ids"])
    xy, owner = shapely.get_coordinates(sub.geometry.values, return_index=True)
    rows = pd.DataFrame({"lon": xy[:, 0].round(6), "lat": xy[:, 1].round(6), "precision": sub.location_precision.to_numpy()[owner], "id": sub.id.to_numpy()[owner]})
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
    cluster_threshold: int = settings.cluster_threshold,
    tianditu_key: str | None = None,
) -> folium.Map:
    """The map of ``projects`` (already filtered) over the ``units`` boundaries.

    Parameters
    ----------
    projects
        Catalog rows with derived columns (:func:`geo.catalog.add_derived_columns`).
    units
        Boundaries to draw (web resolution), with ``adcode`` and names.
    plans
        :func:`geo.catalog.load_plans`: a layer per plan, in this order.
    basemap
        A key of :data:`geo.tiles.BASEMAPS`. For a GCJ-02 base map
        (Gaode) every overlay is shifted into GCJ-02.
    shading
        Optional value per unit adcode for a choropleth of the boundaries.
    place_names
        ``{(lon, lat): name}`` for group badges' tooltips (district names).
    location, zoom
        Initial view; without them the map fits the projects (or the region).
    """
    base = BASEMAPS[basemap]
    shown = display_frame(projects, basemap)
    units_shown = display_frame(units, basemap)
    m = folium.Map(location=location or DEFAULT_VIEW[0], zoom_start=zoom or DEFAULT_VIEW[1], tiles=None, prefer_canvas=True, max_zoom=base.max_zoom, control_scale=True)
    for url in tile_urls(base, tianditu_key=tianditu_key):
        folium.TileLayer(tiles=url, attr=base.attribution, name=base.name_zh if lang == "zh" else base.name_en, subdomains=base.subdomains, max_zoom=base.max_zoom, control=False).add_to(m)

    # Boundaries, with optional shading.
    colors = _shade(units_shown, shading)
    boundary_data = units_shown[["adcode", "name_zh", "name_en", "geometry"]].copy()
    boundary_data["tip"] = [html.escape(z if lang == "zh" else f"{e} ({z})") for z, e in zip(boundary_data.name_zh, boundary_data.name_en, strict=True)]
    if shading is not None:
        boundary_data["tip"] = [f"{tip}: {shading.get(a, 0):.4g}" for tip, a in zip(boundary_data.tip, boundary_data.adcode, strict=True)]
    boundary_data["fill"] = [colors.get(a, "#ffffff") for a in boundary_data.adcode]
    bounds_layer = folium.FeatureGroup(name=t("boundaries", lang), control=True)
    folium.GeoJson(
        boundary_data.to_json(drop_id=True),
        name="boundaries",
        style_function=lambda f: {"color": "#5b6b7a", "weight": 1, "fillColor": f["properties"]["fill"], "fillOpacity": 0.55 if shading is not None else 0.04},
        highlight_function=lambda f: {"weight": 2.5, "color": "#1f3b57"},
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False, sticky=False),
        smooth_factor=1.0,
    ).add_to(bounds_layer)
    bounds_layer.add_to(m)
    label_layer = folium.FeatureGroup(name=t("district", lang), control=True)
    reps = shapely.point_on_surface(units_shown.geometry.values)
    for pt, z, e in zip(reps, units_shown.name_zh, units_shown.name_en, strict=True):
        text = html.escape(z if lang == "zh" else e)
        folium.Marker(
            (pt.y, pt.x),
            icon=folium.DivIcon(html=f'<div class="atlas-label" style="font:11px sans-serif;color:#3b4a59;white-space:nowrap;transform:translate(-50%,-50%);text-shadow:0 0 3px #fff">{text}</div>', icon_size=(0, 0)),
            interactive=False,
        ).add_to(label_layer)
    label_layer.add_to(m)

    # A layer per plan: individually drawn features plus grouped badges.
    plan_layers = []
    names = place_names or {}
    for plan_id, plan in plans.items():
        in_plan = shown[[plan_id in p for p in shown.plan_ids]]
        if in_plan.empty:
            continue
        title = f"{plan.short(lang)} ({len(in_plan)})"
        layer = folium.FeatureGroup(name=html.escape(title), show=True)
        individual = in_plan[~in_plan.location_precision.isin(GROUPED_PRECISIONS)]
        points = individual[individual.geom_kind == "point"]
        others = individual[individual.geom_kind != "point"]
        if len(others):
            _geojson_layer(others, lang).add_to(layer)
        if len(points) > cluster_threshold:
            xy = shapely.get_coordinates(shapely.point_on_surface(points.geometry.values))
            FastMarkerCluster(data=np.column_stack([xy[:, 1], xy[:, 0]]).tolist()).add_to(layer)
        elif len(points):
            _geojson_layer(points, lang).add_to(layer)
        for g in grouped_points(display_frame(in_plan, "none") if basemap == "none" else in_plan).itertuples(index=False):
            place = names.get((g.lon, g.lat), "")
            tip = f"{group_key(g.lon, g.lat)} · " + t("group_badge", lang, place=place, n=len(g.ids), level=label(PRECISIONS, g.precision, lang=lang))
            folium.Marker((g.lat, g.lon), icon=_badge(len(g.ids), g.precision), tooltip=html.escape(tip)).add_to(layer)
        layer.add_to(m)
        plan_layers.append(layer)
    GroupedLayerControl({t("layers_by_plan", lang): plan_layers, t("boundaries", lang): [bounds_layer, label_layer]}, exclusive_groups=False, collapsed=False).add_to(m)
    Fullscreen().add_to(m)
    if location is None and len(shown):
        # Fit the projects, but never wider than Sichuan and Chongqing: a few lines run on to Shanghai or Xining.
        w, s, e, n = shown.total_bounds
        rw, rs, re_, rn = REGION_VIEW
        w, s, e, n = max(w, rw), max(s, rs), min(e, re_), min(n, rn)
        if w < e and s < n:
            m.fit_bounds([[s, w], [n, e]], max_zoom=12)
    m.get_root().script.add_child(folium.Element(icon_path_script(asset_base)))
    localize(m, base=asset_base)
    return m


def _geojson_layer(frame: gpd.GeoDataFrame, lang: str) -> folium.GeoJson:
    return folium.GeoJson(
        _feature_collection(frame, lang),
        style_function=lambda f: f["properties"]["style"],
        marker=folium.CircleMarker(radius=6),
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
        highlight_function=lambda f: {"weight": 6},
        embed=True,
    )


def _shade(units: gpd.GeoDataFrame, values: pd.Series | None) -> dict[str, str]:
    """A sequential colour per unit (light yellow → dark red), classed by quantiles of non-zero values."""
    if values is None:
        return {}
    palette = ["#ffffcc", "#fed976", "#fd8d3c", "#e31a1c", "#800026"]
    v = values.reindex(units.adcode).fillna(0)
    nonzero = v[v > 0]
    if nonzero.empty:
        return dict.fromkeys(units.adcode, "#f7f7f7")
    edges = np.unique(np.quantile(nonzero, [0.2, 0.4, 0.6, 0.8]))
    return {a: "#f7f7f7" if x <= 0 else palette[min(int(np.searchsorted(edges, x, side="left")), 4)] for a, x in v.items()}


def map_html(m: folium.Map) -> str:
    """The map as standalone HTML (what the Export page offers and tests inspect)."""
    return m.get_root().render()
