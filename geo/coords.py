"""Coordinate systems: WGS84 ↔ GCJ-02 ↔ BD-09, CRS guards, geodesic measures.

pyproj has no GCJ-02 or BD-09 (they are obfuscations, not datums), so the
conversions use :mod:`prcoords` (CC0), applied to every vertex of a geometry
array with :func:`shapely.transform`. Shared vertices of neighbouring
polygons convert identically, so a coverage stays a coverage.

Lengths are geodesic on the WGS84 ellipsoid; areas come from an equal-area
projection fitted to the region (``settings.area_crs``). Nothing is measured
in degrees.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import prcoords
import pyproj
import shapely

from geo import settings

_CONVERTERS: dict[tuple[str, str], Callable] = {
    ("GCJ-02", "WGS84"): prcoords.gcj_wgs_bored,
    ("BD-09", "WGS84"): prcoords.bd_wgs_bored,
    ("WGS84", "GCJ-02"): prcoords.wgs_gcj,
    ("WGS84", "BD-09"): prcoords.wgs_bd,
}
# CGCS2000 and WGS84 differ by centimetres: treated as one for mapping.
_SAME_AS_WGS84 = {"WGS84", "CGCS2000"}


def _convert_xy(xy: np.ndarray, convert: Callable) -> np.ndarray:
    """Apply a prcoords (lat, lon) converter to an (n, 2) lon/lat array.

    Only distinct vertices are converted: borders shared by two polygons
    cost once, and equal inputs give bit-identical outputs.
    """
    if len(xy) == 0:
        return xy
    unique, inverse = np.unique(xy, axis=0, return_inverse=True)
    out = np.empty_like(unique)
    for i, (lon, lat) in enumerate(unique):
        c = convert((lat, lon), check_china=False)
        out[i] = (c.lon, c.lat)
    return out[inverse.reshape(-1)]


def convert(geometries, *, source: str, target: str = "WGS84"):
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
        raise ValueError(f"unknown coordinate system pair {source!r} → {target!r}") from None
    return shapely.transform(geometries, lambda xy: _convert_xy(xy, fn))


_GEOD = pyproj.Geod(ellps=settings.ellipsoid)


def geodesic_length_m(geometries) -> np.ndarray:
    """Geodesic length in metres of each geometry (0 for points; rings for polygons).

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
    _, _, dist = _GEOD.inv(coords[:-1, 0][same], coords[:-1, 1][same], coords[1:, 0][same], coords[1:, 1][same])
    seg_owner = owner[line_owner_idx[vertex_part[1:][same]]]
    np.add.at(result, seg_owner, dist)
    return result


_AREA_TRANSFORMER = pyproj.Transformer.from_crs(settings.storage_crs, settings.area_crs, always_xy=True)


def area_m2(geometries) -> np.ndarray:
    """Area in square metres of each geometry, in the equal-area ``settings.area_crs``.

    Points and lines have area 0. Within Sichuan and Chongqing the Albers
    scale error is below 0.3 %, well under the uncertainty of any outline here.
    """
    geoms = np.asarray(geometries, dtype=object).reshape(-1)
    projected = shapely.transform(geoms, lambda xy: np.column_stack(_AREA_TRANSFORMER.transform(xy[:, 0], xy[:, 1])))
    return shapely.area(projected)


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
