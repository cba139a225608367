"""Coordinate systems: WGS84 ↔ GCJ-02 ↔ BD-09, CRS guards, geodesic measures.

pyproj has no GCJ-02 or BD-09 (they are obfuscations, not datums). The
published closed forms are applied to whole coordinate arrays (numpy) through
:func:`shapely.transform`; the inverses iterate them (Caijun 2014, as the PyPI
package ``prcoords`` does vertex by vertex, which the tests use as reference). Shared vertices of neighbouring
polygons convert identically, so a coverage stays a coverage.

Lengths are geodesic on the WGS84 ellipsoid; areas come from an equal-area
projection fitted to the region (``settings.area_crs``). Nothing is measured
in degrees.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import TypeAlias

import numpy as np
import pyproj
import shapely

from geo import settings
from geo._errors import OptionError

#: What the measuring and converting functions accept: one geometry (or None), or an array-like of them.
GeometryLike: TypeAlias = shapely.Geometry | np.ndarray | Sequence[shapely.Geometry | None] | None

# The published GCJ-02 constants (Krasovsky 1940 ellipsoid).
_GCJ_A = 6378245.0
_GCJ_EE = 0.00669342162296594323
_BD_DLAT, _BD_DLON = 0.0060, 0.0065
#: Stop refining an inverse once the last correction is below this (degrees), or after 10 rounds.
_INVERSE_EPS = 1e-5
_DEG = math.pi / 180.0


def wgs_to_gcj(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 (lon, lat) of WGS84 (lon, lat) arrays: the published closed form, vectorised.

    Applied everywhere (no "outside China" cut-off): callers decide where it makes sense.
    """
    x, y = lon - 105.0, lat - 35.0
    pi = math.pi
    d_lat_m = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x)) + (
        2 * np.sin(x * 6 * pi) + 2 * np.sin(x * 2 * pi) + 2 * np.sin(y * pi) + 4 * np.sin(y / 3 * pi)
        + 16 * np.sin(y / 12 * pi) + 32 * np.sin(y / 30 * pi)
    ) * 20 / 3
    d_lon_m = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x)) + (
        2 * np.sin(x * 6 * pi) + 2 * np.sin(x * 2 * pi) + 2 * np.sin(x * pi) + 4 * np.sin(x / 3 * pi)
        + 15 * np.sin(x / 12 * pi) + 30 * np.sin(x / 30 * pi)
    ) * 20 / 3
    rad_lat = lat * _DEG
    magic = 1 - _GCJ_EE * np.sin(rad_lat) ** 2
    lat_deg_arclen = (_GCJ_A * (1 - _GCJ_EE)) / np.power(magic, 1.5) * _DEG
    lon_deg_arclen = _GCJ_A * np.cos(rad_lat) / np.sqrt(magic) * _DEG
    return lon + d_lon_m / lon_deg_arclen, lat + d_lat_m / lat_deg_arclen


def gcj_to_bd(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """BD-09 (Baidu) of GCJ-02 arrays (closed form)."""
    r = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * _DEG * 3000)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _DEG * 3000)
    return r * np.cos(theta) + _BD_DLON, r * np.sin(theta) + _BD_DLAT


def _bd_to_gcj_rough(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = lon - _BD_DLON, lat - _BD_DLAT
    r = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _DEG * 3000)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _DEG * 3000)
    return r * np.cos(theta), r * np.sin(theta)


def _wgs_to_bd(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return gcj_to_bd(*wgs_to_gcj(lon, lat))


def _invert(forward: Callable, lon: np.ndarray, lat: np.ndarray, first_guess: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Invert ``forward`` by fixed-point iteration from ``first_guess`` (Caijun 2014, as prcoords' "bored").

    Each vertex stops on its own once its last correction is below ``_INVERSE_EPS``
    degrees, after at most 10 rounds: the round trip is then within 4 mm for GCJ-02
    and 2 cm for BD-09 over China (tested), far below any source's accuracy.
    """
    out_lon, out_lat = first_guess[0].copy(), first_guess[1].copy()
    active = np.ones(len(lon), dtype=bool)
    for _ in range(10):
        if not active.any():
            break
        f_lon, f_lat = forward(out_lon[active], out_lat[active])
        d_lon, d_lat = f_lon - lon[active], f_lat - lat[active]
        out_lon[active] -= d_lon
        out_lat[active] -= d_lat
        active[active] = np.hypot(d_lat, d_lon) > _INVERSE_EPS
    return out_lon, out_lat


def gcj_to_wgs(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 of GCJ-02 arrays: iterative inverse (round trip within 4 mm over China)."""
    f_lon, f_lat = wgs_to_gcj(lon, lat)
    return _invert(wgs_to_gcj, lon, lat, (2 * lon - f_lon, 2 * lat - f_lat))


def bd_to_wgs(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 of BD-09 arrays: iterative inverse of WGS84 → GCJ-02 → BD-09 (round trip within 2 cm)."""
    g_lon, g_lat = _bd_to_gcj_rough(lon, lat)
    f_lon, f_lat = wgs_to_gcj(g_lon, g_lat)
    return _invert(_wgs_to_bd, lon, lat, (2 * g_lon - f_lon, 2 * g_lat - f_lat))


_CONVERTERS: dict[tuple[str, str], Callable] = {
    ("GCJ-02", "WGS84"): gcj_to_wgs,
    ("BD-09", "WGS84"): bd_to_wgs,
    ("WGS84", "GCJ-02"): wgs_to_gcj,
    ("WGS84", "BD-09"): _wgs_to_bd,
}
# CGCS2000 and WGS84 differ by centimetres: treated as one for mapping.
_SAME_AS_WGS84 = {"WGS84", "CGCS2000"}


def _convert_xy(xy: np.ndarray, convert: Callable) -> np.ndarray:
    """Apply a vectorised (lon, lat) converter to an (n, 2) lon/lat array.

    Only distinct vertices are converted, so equal inputs (a border shared by two
    polygons) give bit-identical outputs and a coverage stays a coverage.
    """
    if len(xy) == 0:
        return xy
    unique, inverse = np.unique(xy, axis=0, return_inverse=True)
    lon, lat = convert(unique[:, 0], unique[:, 1])
    return np.column_stack([lon, lat])[inverse.reshape(-1)]


def convert(geometries: GeometryLike, *, source: str, target: str = "WGS84") -> GeometryLike:
    """Convert geometries between WGS84, CGCS2000, GCJ-02 and BD-09.

    Parameters
    ----------
    geometries
        A shapely geometry or array of them, lon/lat in ``source``.
    source, target
        ``"WGS84"``, ``"CGCS2000"``, ``"GCJ-02"`` or ``"BD-09"``. WGS84 and
        CGCS2000 are treated as the same frame (they differ by centimetres).

    Returns
    -------
    The geometries in ``target``. The GCJ-02 → WGS84 inverse is iterative
    (``*_bored``): its residual is below a centimetre in China. Outside China
    GCJ-02 equals WGS84 by definition, and so does this conversion.
    """
    src = "WGS84" if source in _SAME_AS_WGS84 else source
    dst = "WGS84" if target in _SAME_AS_WGS84 else target
    if src == dst:
        return geometries
    if src != "WGS84" and dst != "WGS84":
        return convert(convert(geometries, source=src), source="WGS84", target=dst)
    try:
        fn = _CONVERTERS[(src, dst)]
    except KeyError:
        raise OptionError("coordinate systems", f"{source} → {target}", [f"{a} → {b}" for a, b in _CONVERTERS]) from None
    return shapely.transform(geometries, lambda xy: _convert_xy(xy, fn))


@lru_cache(maxsize=4)
def _geod(ellps: str) -> pyproj.Geod:
    """The ellipsoid of ``settings.ellipsoid``, built once per name (settings are read when called)."""
    return pyproj.Geod(ellps=ellps)


@lru_cache(maxsize=4)
def _area_transformer(source: str, target: str) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(source, target, always_xy=True)


def geodesic_length_m(geometries: GeometryLike) -> np.ndarray:
    """Geodesic length in metres of each geometry on ``settings.ellipsoid``.

    Parameters
    ----------
    geometries
        A shapely geometry, ``None``, or an array-like of them.

    Returns
    -------
    numpy.ndarray
        One float per input geometry (a scalar input gives an array of one).
        Points have length 0; a polygon's length is that of its rings. A missing
        (``None``) or empty geometry has length **0**, like :func:`area_m2`: a
        record without a place contributes nothing to a sum, and NaN never
        reaches statistics.

    Notes
    -----
    Vectorised: all segments of all geometries go to one :meth:`pyproj.Geod.inv`
    call. Segments are consecutive vertices of the same part; the gap between
    two parts of a multi-geometry is not counted.
    """
    geoms = np.asarray(geometries, dtype=object).reshape(-1)
    result = np.zeros(len(geoms))
    if len(geoms) == 0:
        return result
    # Explode to simple parts, then to their linework, keeping the owner index.
    parts, owner = shapely.get_parts(geoms, return_index=True)
    lines = shapely.boundary(parts)
    is_line = shapely.get_type_id(parts) == 1
    lines[is_line] = parts[is_line]
    is_point = shapely.get_type_id(parts) == 0
    lines[is_point] = None
    line_parts, line_owner_idx = shapely.get_parts(lines, return_index=True)
    coords, vertex_part = shapely.get_coordinates(line_parts, return_index=True)
    if len(coords) < 2:
        return result
    same = vertex_part[1:] == vertex_part[:-1]
    _, _, dist = _geod(settings.ellipsoid).inv(coords[:-1, 0][same], coords[:-1, 1][same], coords[1:, 0][same], coords[1:, 1][same])
    seg_owner = owner[line_owner_idx[vertex_part[1:][same]]]
    np.add.at(result, seg_owner, dist)
    return result


def area_m2(geometries: GeometryLike) -> np.ndarray:
    """Area in square metres of each geometry, in the equal-area ``settings.area_crs``.

    Parameters
    ----------
    geometries
        A shapely geometry, ``None``, or an array-like of them (WGS84, ``settings.storage_crs``).

    Returns
    -------
    numpy.ndarray
        One float per input geometry. Points and lines have area 0; a missing
        (``None``) or empty geometry has area **0** (as in
        :func:`geodesic_length_m`), never NaN.

    Notes
    -----
    Within Sichuan and Chongqing the Albers scale error is below 0.3 %, well
    under the uncertainty of any outline here.
    """
    geoms = np.asarray(geometries, dtype=object).reshape(-1)
    transformer = _area_transformer(settings.storage_crs, settings.area_crs)
    projected = shapely.transform(geoms, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))
    return np.nan_to_num(shapely.area(projected), nan=0.0)


def looks_swapped(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """True where (lon, lat) is outside the region but (lat, lon) is inside it."""
    w, s, e, n = settings.region_bounds
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    inside = (lon >= w) & (lon <= e) & (lat >= s) & (lat <= n)
    swapped_inside = (lat >= w) & (lat <= e) & (lon >= s) & (lon <= n)
    return ~inside & swapped_inside


def looks_projected(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """True where values cannot be degrees (|x| > 180 or |y| > 90): metres passed as degrees."""
    return (np.abs(np.asarray(x, float)) > 180) | (np.abs(np.asarray(y, float)) > 90)


def in_region(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """True where (x, y) lies inside ``settings.region_bounds`` (edges included)."""
    w, s, e, n = settings.region_bounds
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    return (x >= w) & (x <= e) & (y >= s) & (y <= n)
