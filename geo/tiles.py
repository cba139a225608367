"""Base maps: the tile sources that can lie under the data, on the web map and in briefing images.

One registry (:data:`BASEMAPS`) serves both. The web map (:mod:`layers.basemaps`)
hands the URLs to Leaflet; :func:`add_tiles` fetches the same tiles for a static
image with contextily, caches them on disk (``settings.tile_cache_dir``) and
warps them from Web Mercator into the image's projection.

Gaode (Amap) tiles are drawn in GCJ-02: the web map shifts every overlay to
match them, but a briefing image is drawn in true coordinates, so they are
refused there (they would sit about 500 m off). Tianditu needs a key
(``TIANDITU_KEY``; free from the Tianditu developer console after
registration) and is hidden without one. "none" shows the district boundaries
only: the default, and what works offline.

Tiles are never required: when a tile server cannot be reached,
:func:`add_tiles` raises :class:`~geo._errors.TileError` and the caller draws
without them.
"""

from __future__ import annotations

import html
import math
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from geo import settings
from geo._errors import TileError, TileSourceError
from geo.i18n import TEXT

if TYPE_CHECKING:
    from matplotlib.axes import Axes


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

    def name(self, lang: str = "zh") -> str:
        return self.name_zh if lang == "zh" else self.name_en


_TDT = "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}"
_TDT_ATTR = '&copy; <a href="https://www.tianditu.gov.cn/">天地图 Tianditu</a> 审图号: GS(2024)0568号'

BASEMAPS: dict[str, BaseMap] = {
    "none": BaseMap("none", "无底图(仅行政区划)", "None (boundaries only)", (), "Boundaries: " + TEXT["boundary_credit"][1]),
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



def providers(source: str, *, tianditu_key: str | None = None, attribution: str | None = None) -> list:
    """The tile layers of ``source`` as :class:`xyzservices.TileProvider` objects (imagery first).

    Parameters
    ----------
    source
        A key of :data:`BASEMAPS` drawn in WGS84, or an XYZ URL template
        (``http(s)://…{z}…{x}…{y}…``, optionally ``{s}`` for a subdomain
        ``a``–``c``) of Web Mercator tiles in the WGS84 datum.
    attribution
        Credit line for a URL template (a registry key brings its own).

    Raises
    ------
    TileSourceError
        ``source`` is "none", unknown, GCJ-02, a URL without ``{x}``/``{y}``/``{z}``,
        or Tianditu without a key.
    """
    from xyzservices import TileProvider

    if source in BASEMAPS:
        base = BASEMAPS[source]
        if not base.tiles:
            raise TileSourceError(source, "is the boundaries-only base map: it has no tiles")
        if base.crs != "WGS84":
            raise TileSourceError(source, f"is drawn in {base.crs}; its tiles would sit about 500 m off the WGS84 data in a static image")
        if base.needs_key and not (tianditu_key or settings.tianditu_key):
            raise TileSourceError(source, "needs a Tianditu key (environment TIANDITU_KEY)")
        return [
            TileProvider(name=f"{source}-{i}", url=url, attribution=plain_attribution(base.attribution), subdomains=base.subdomains, max_zoom=base.max_zoom)
            for i, url in enumerate(tile_urls(base, tianditu_key=tianditu_key))
        ]
    if re.match(r"https?://", source) and all(f"{{{k}}}" in source for k in "xyz"):
        return [TileProvider(name="custom", url=source, attribution=attribution or "", subdomains="abc", max_zoom=19)]
    usable = [k for k, b in BASEMAPS.items() if b.tiles and b.crs == "WGS84"]
    raise TileSourceError(source, f"is neither a base map ({', '.join(usable)}) nor an XYZ URL with {{x}}, {{y}} and {{z}}")


def plain_attribution(text: str) -> str:
    """An HTML attribution as plain text for print ("&copy; <a>OSM</a>" → "© OSM")."""
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


def zoom_for(bounds_3857: tuple[float, float, float, float], width_px: int, *, max_zoom: int = 19, max_tiles: int | None = None) -> int:
    """The tile zoom whose pixels are about as fine as the image's, capped so at most ``max_tiles`` are fetched.

    ``bounds_3857`` is the view in Web Mercator metres; ``width_px`` the width of
    the map in the output image. A tile is 256 px wide and the world is
    40,075,016.7 m of Web Mercator at zoom 0.
    """
    import mercantile

    west, south, east, north = bounds_3857
    world = 2 * math.pi * 6378137.0
    zoom = max(0, min(max_zoom, round(math.log2(world * width_px / (256 * max(east - west, 1.0))))))
    limit = max_tiles if max_tiles is not None else settings.tile_max
    lon_lat = mercantile.lnglat(west, south), mercantile.lnglat(east, north)
    while zoom > 0 and sum(1 for _ in mercantile.tiles(lon_lat[0].lng, lon_lat[0].lat, lon_lat[1].lng, lon_lat[1].lat, [zoom])) > limit:
        zoom -= 1
    return zoom


def add_tiles(ax: Axes, source: str, *, crs: str, width_px: int, attribution: str | None = None, cache_dir: Path | None = None, timeout: float | None = None) -> str:
    """Lay the tiles of ``source`` under what ``ax`` shows; return the credit line to print.

    ``ax`` is in ``crs`` (projected metres) and keeps its limits. Tiles are
    fetched once per URL and kept in ``cache_dir`` (default
    ``settings.tile_cache_dir``): a second image of the same view reads them
    from disk, with no request.

    Raises
    ------
    TileSourceError
        ``source`` cannot be used (see :func:`providers`).
    TileError
        A tile could not be fetched or read; nothing has been drawn.
    """
    import contextily
    import requests
    from pyproj import Transformer

    layers = providers(source, attribution=attribution)
    folder = Path(cache_dir or settings.tile_cache_dir)
    folder.mkdir(parents=True, exist_ok=True)
    contextily.set_cache_dir(str(folder))
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    to_3857 = Transformer.from_crs(crs, "EPSG:3857", always_xy=True)
    bounds = to_3857.transform_bounds(x0, y0, x1, y1)
    zoom = zoom_for(bounds, width_px, max_zoom=min(p.get("max_zoom", 19) for p in layers))
    images = len(ax.images)
    with warnings.catch_warnings():
        # contextily's warp multiplies with affine's `*`, which affine 3 marks as pending deprecation
        warnings.filterwarnings("ignore", message="Use `@` matmul", category=PendingDeprecationWarning)
        try:
            for i, layer in enumerate(layers):
                contextily.add_basemap(ax, source=layer, crs=crs, zoom=zoom, attribution=False, timeout=timeout or settings.tile_timeout, zorder=0.5 + 0.1 * i, interpolation="bilinear")
        except (requests.RequestException, OSError, ValueError) as exc:
            for image in ax.images[images:]:
                image.remove()
            raise TileError(source, _reason(exc)) from exc
    return layers[0].get("attribution", "")


def _reason(exc: Exception) -> str:
    """A one-line cause a user can act on, instead of urllib3's retry chain."""
    import requests

    host = getattr(getattr(exc, "request", None), "url", None)
    host = re.sub(r"^https?://([^/]+).*", r"\1", host) if host else "the tile server"
    if isinstance(exc, requests.Timeout):
        return f"{host} did not answer in time"
    if isinstance(exc, requests.ConnectionError):
        return f"no connection to {host} (offline, or the name does not resolve)"
    return str(exc).splitlines()[0]
