"""Projects ↔ districts: which units each project lies in, and how much of it.

Units are the finest of :func:`geo.boundaries.join_units`: Chongqing's
district/county units and Sichuan's counties, each carrying the unit a
planner filters by (``unit_adcode``: the Chongqing district, or the Sichuan
county's prefecture-level city).

Semantics
---------
Points
    A point belongs to the unit that covers it (interior or border). A point
    exactly on a border shared by several units is given to the one with the
    **lowest adcode**: deterministic, documented, and independent of the
    order of the files. A point in no unit (e.g. a railway terminus in
    Shaanxi) gets no row.
Lines
    A row for every unit the line crosses, with the geodesic length of the
    part inside (``length_km``) and its ``share`` of the line's total
    length. A segment lying exactly on a shared border counts in both units.
    Shares of a line that leaves the region sum to less than 1.
Polygons
    As lines, with equal-area areas (``area_km2``) and area shares.
Multi-points
    Each part is a point; ``share`` is the fraction of parts in the unit.
City-level records
    A record whose ``location_precision`` is ``city`` stands for a whole city;
    its point only draws it. In Sichuan it keeps the row of its prefecture-level
    city (``unit_*``) with the county columns set to the city as well, since
    the county under the point is an artefact. In Chongqing, a province-level
    city whose units are the districts themselves, it gets no row: counting
    a municipality-wide project in the district that happens to hold the
    drawing point (渝中区, the anchor) would be false.
Records without geometry
    A record known only to an area (precision ``district``, ``city`` or
    ``region``, see ``geo.model.PLACELESS_PRECISIONS``) has no geometry; its
    ``scope`` names the area. When the scope is a filter unit (a Chongqing
    district or a Sichuan city, by its Chinese name) it gets one ``count`` row
    for that unit, with the finest-unit columns set to the unit as for
    city-level records; a Sichuan county gets its row in the county and its
    city; any other scope (重庆市, 四川省, 两江新区, 成渝地区) gets no row, by
    the same reasoning as the city rule.

Everything is vectorised: one ``sjoin`` for candidate pairs, one
:func:`shapely.intersection` over all pairs, one geodesic-length or
equal-area pass over all pieces.
"""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import coords
from geo._errors import OptionError
from geo.coords import GeometryLike
from geo.i18n import t

JOIN_COLUMNS = [
    "id", "adcode", "name_zh", "name_en", "unit_adcode", "unit_name_zh", "unit_name_en",
    "measure", "length_km", "area_km2", "share",
]


def unit_names(joined: pd.DataFrame, *, lang: str = "zh", sep: str | None = None) -> pd.Series:
    """The units each project lies in, as one string per project id ("九龙坡区、沙坪坝区").

    Units appear once each, in the join's order (by adcode). ``sep`` defaults to the
    language's list separator (:func:`geo.i18n.t` ``list_sep``). A project with no
    join row (a municipality-wide record) is absent from the result: callers
    ``.map`` ids and fill with ``""``.
    """
    sep = t("list_sep", lang) if sep is None else sep
    column = "unit_name_zh" if lang == "zh" else "unit_name_en"
    return joined.groupby("id", sort=False)[column].agg(lambda s: sep.join(dict.fromkeys(s)))


def project_measures(projects: gpd.GeoDataFrame) -> pd.DataFrame:
    """Total geodesic length (km) and equal-area area (km²) of each project, indexed like ``projects``."""
    geoms = projects.geometry.values
    return pd.DataFrame(
        {
            "length_km": np.where(shapely.get_dimensions(geoms) == 1, coords.geodesic_length_m(geoms) / 1000.0, 0.0),
            "area_km2": np.nan_to_num(coords.area_m2(geoms) / 1e6),  # 0 without geometry
        },
        index=projects.index,
    )


def _unit_columns(units: gpd.GeoDataFrame, idx: np.ndarray) -> dict:
    sub = units.iloc[idx]
    return {c: sub[c].to_numpy() for c in ("adcode", "name_zh", "name_en", "unit_adcode", "unit_name_zh", "unit_name_en")}


def assign_points(points: GeometryLike, units: gpd.GeoDataFrame) -> np.ndarray:
    """Index (position in ``units``) of the unit holding each point, or -1.

    Border rule: among all units covering the point, the lowest adcode wins.
    """
    points = np.asarray(points, dtype=object)
    result = np.full(len(points), -1, dtype=np.int64)
    if len(points) == 0:
        return result
    # Tree on the points, units as the queries: shapely prepares each query polygon once, so a
    # point-in-polygon test no longer walks every vertex of a county outline (10x at national scale).
    u_idx, p_idx = shapely.STRtree(points).query(units.geometry.values, predicate="intersects")
    if len(p_idx) == 0:
        return result
    adcodes = units.adcode.to_numpy()[u_idx].astype(np.int64)
    order = np.lexsort((adcodes, p_idx))  # by point, then adcode ascending
    p_sorted, u_sorted = p_idx[order], u_idx[order]
    first = np.ones(len(p_sorted), dtype=bool)
    first[1:] = p_sorted[1:] != p_sorted[:-1]
    result[p_sorted[first]] = u_sorted[first]
    return result


def join(projects: gpd.GeoDataFrame, units: gpd.GeoDataFrame, *, engine: str = "geopandas", scheduler: str | None = None) -> pd.DataFrame:
    """One row per (project, unit) the project lies in; see the module docstring.

    Parameters
    ----------
    projects
        Must have ``id`` and a WGS84 geometry. With ``engine="dask"`` it may
        also be a directory of partitioned GeoParquet.
    units
        :func:`geo.boundaries.join_units`.
    engine
        ``"geopandas"`` (one machine, the default) or ``"dask"``
        (:mod:`geo.join_dask`: same rules, same rows, on a dask cluster).
    scheduler
        With ``engine="dask"``: a dask scheduler address, or ``None`` for a
        local 2-process cluster.
    """
    if engine != "geopandas":
        return _join_other_engine(projects, units, engine=engine, scheduler=scheduler)
    geoms = projects.geometry.values
    ids = projects["id"].to_numpy()
    dims = shapely.get_dimensions(geoms)
    present = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    frames = []

    # Points and multi-points: explode, assign each part, aggregate.
    pt = np.flatnonzero(present & (dims == 0))
    if len(pt):
        parts, owner = shapely.get_parts(geoms[pt], return_index=True)
        unit = assign_points(parts, units)
        n_parts = np.bincount(owner, minlength=len(pt))
        keep = unit >= 0
        rows = pd.DataFrame({"p": pt[owner[keep]], "u": unit[keep]})
        agg = rows.groupby(["p", "u"]).size().rename("n").reset_index()
        share = agg.n.to_numpy() / n_parts[np.searchsorted(pt, agg.p.to_numpy())]
        frames.append(
            pd.DataFrame({"id": ids[agg.p], **_unit_columns(units, agg.u.to_numpy()), "measure": "count", "length_km": 0.0, "area_km2": 0.0, "share": share})
        )

    # Lines and polygons: candidate pairs, then exact pieces.
    tree = shapely.STRtree(units.geometry.values)
    for dim, measure in ((1, "length"), (2, "area")):
        sel = np.flatnonzero(present & (dims == dim))
        if not len(sel):
            continue
        g_idx, u_idx, piece_amount, total = _piece_amounts(geoms[sel], units.geometry.values, tree, dim=dim)
        if not len(g_idx):
            continue
        keep = piece_amount > 0  # touching a border only is not crossing
        g_idx, u_idx, piece_amount = g_idx[keep], u_idx[keep], piece_amount[keep]
        tot = total[g_idx]
        share = np.divide(piece_amount, tot, out=np.zeros_like(piece_amount), where=tot > 0)
        frames.append(
            pd.DataFrame(
                {
                    "id": ids[sel][g_idx],
                    **_unit_columns(units, u_idx),
                    "measure": measure,
                    "length_km": piece_amount if dim == 1 else 0.0,
                    "area_km2": piece_amount if dim == 2 else 0.0,
                    "share": share,
                }
            )
        )
    frames = [f for f in frames if len(f)]
    out = pd.concat(frames, ignore_index=True)[JOIN_COLUMNS] if frames else pd.DataFrame(columns=JOIN_COLUMNS)
    if "location_precision" in projects.columns:
        out = _city_level_rows(out, set(projects.loc[projects.location_precision == "city", "id"]))
    scoped = _region_rows(projects, units)  # already at their unit: the city rule does not apply again
    out = pd.concat([f for f in (out, scoped) if len(f)], ignore_index=True) if len(scoped) else out
    if out.empty:
        return pd.DataFrame(columns=JOIN_COLUMNS)
    return _in_project_order(out, ids)


def _in_project_order(rows: pd.DataFrame, ids: np.ndarray) -> pd.DataFrame:
    """Join ``rows`` sorted as :func:`join` gives them: by the project's position in ``ids``, then adcode."""
    order = {pid: i for i, pid in enumerate(ids)}
    rows = rows.assign(_o=rows["id"].map(order))
    return rows.sort_values(["_o", "adcode"]).drop(columns="_o").reset_index(drop=True)


#: The columns of a record that decide its join rows (see the module docstring).
JOIN_INPUTS = ("location_precision", "scope")


def _join_keys(projects: gpd.GeoDataFrame) -> pd.DataFrame:
    """Per record id, what its join rows depend on: geometry (as WKB) and :data:`JOIN_INPUTS`."""
    keys = pd.DataFrame({"wkb": shapely.to_wkb(np.asarray(projects.geometry.values, dtype=object))}, index=projects["id"].to_numpy())
    for column in JOIN_INPUTS:
        keys[column] = projects[column].to_numpy() if column in projects.columns else None
    return keys


def rejoin(projects: gpd.GeoDataFrame, units: gpd.GeoDataFrame, *, before: gpd.GeoDataFrame, joined: pd.DataFrame) -> pd.DataFrame:
    """:func:`join` of ``projects``, joining again only the records that changed since ``before``.

    A record's rows depend on its geometry, ``location_precision`` and ``scope`` alone, so the rows
    of ``joined`` (the join of ``before`` with the same ``units``) are kept for every record whose
    three are unchanged; new and changed records are joined; removed ones lose their rows. The
    result equals ``join(projects, units)``, row for row and in the same order. A workbench save
    changes one record: this takes milliseconds where the whole join of today's catalog takes
    about a second (docs/PERFORMANCE.md "District join").

    Parameters
    ----------
    projects
        The records now (``id`` unique, WGS84).
    units
        :func:`geo.boundaries.join_units`, the same units ``joined`` was made with.
    before, joined
        The records of the previous join and its rows.
    """
    now, then = _join_keys(projects), _join_keys(before)
    known = now.index.isin(then.index)
    then = then.reindex(now.index)
    same = known & ((now == then) | (now.isna() & then.isna())).all(axis=1).to_numpy()
    parts = [joined[joined["id"].isin(now.index[same])]]
    if not same.all():
        parts.append(join(projects[~same], units))
    rows = pd.concat([p for p in parts if len(p)] or parts[:1], ignore_index=True)  # no empty frame in a concat: pandas warns
    return _in_project_order(rows, projects["id"].to_numpy())[JOIN_COLUMNS]


#: Vertices (of the record and the unit, an upper bound of the piece's) intersected at once: bounds
#: the memory the pieces take (a piece of a county outline holds thousands of vertices; a file of
#: region-sized polygons made 3.9 million piece vertices, 120 MB, in one call) without a Python loop per record.
PIECE_VERTICES_PER_BATCH = 500_000


def _batches(weights: np.ndarray, budget: int) -> list[np.ndarray]:
    """Split positions ``0..len(weights)`` into consecutive runs whose weights sum to about ``budget`` (each run ≥ 1)."""
    if not len(weights):
        return []
    ends = np.cumsum(weights)
    starts = np.searchsorted(ends, np.arange(0, ends[-1], budget), side="right")
    bounds = np.unique(np.concatenate([[0], starts, [len(weights)]]))
    return [np.arange(a, b) for a, b in itertools.pairwise(bounds)]


def _piece_amounts(geoms: np.ndarray, unit_geoms: np.ndarray, tree: shapely.STRtree, *, dim: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Candidate pairs of lines (``dim`` 1, km) or polygons (2, km²) and units, with the amount inside each unit.

    Returns ``(g_idx, u_idx, amount, total)``: positions in ``geoms`` and
    ``unit_geoms`` of each intersecting pair, the geodesic length or equal-area
    area of the piece inside the unit, and each geometry's total. A geometry
    lying strictly inside a unit (:func:`shapely.contains_properly`) is its own
    piece: no intersection is computed. The others are intersected in batches
    of about :data:`PIECE_VERTICES_PER_BATCH` vertices and only the amounts are
    kept, so memory stays bounded whatever the file's size.
    """
    measure = (lambda g: coords.geodesic_length_m(g) / 1000.0) if dim == 1 else (lambda g: coords.area_m2(g) / 1e6)
    total = measure(geoms)
    g_idx, u_idx = tree.query(geoms, predicate="intersects")
    if not len(g_idx):
        return g_idx, u_idx, np.zeros(0), total
    shapely.prepare(unit_geoms)
    inside = shapely.contains_properly(unit_geoms[u_idx], geoms[g_idx])
    amount = np.where(inside, total[g_idx], 0.0)
    cut = np.flatnonzero(~inside)
    weights = shapely.get_num_coordinates(unit_geoms)[u_idx[cut]] + shapely.get_num_coordinates(geoms)[g_idx[cut]]
    for batch in _batches(weights, PIECE_VERTICES_PER_BATCH):
        pairs = cut[batch]
        amount[pairs] = measure(shapely.intersection(geoms[g_idx[pairs]], unit_geoms[u_idx[pairs]]))
    return g_idx, u_idx, amount, total


def _region_rows(projects: gpd.GeoDataFrame, units: gpd.GeoDataFrame) -> pd.DataFrame:
    """One ``count`` row per record without geometry whose scope is a join unit (see the module docstring)."""
    if "scope" not in projects.columns:
        return pd.DataFrame(columns=JOIN_COLUMNS)
    region = projects[shapely.is_missing(np.asarray(projects.geometry.values, dtype=object))]
    # Scopes resolve to a filter unit (its own finest unit) or to a Sichuan county (finest) in its city.
    as_unit = units.drop_duplicates("unit_name_zh").assign(name_zh=lambda u: u.unit_name_zh, name_en=lambda u: u.unit_name_en, adcode=lambda u: u.unit_adcode)
    finest = units[~units.name_zh.isin(as_unit.name_zh)].drop_duplicates("name_zh")
    table = pd.concat([as_unit, finest]).set_index("name_zh")
    region = region[region["scope"].isin(table.index)]
    if region.empty:
        return pd.DataFrame(columns=JOIN_COLUMNS)
    hit = table.loc[region["scope"].to_numpy()]
    return pd.DataFrame(
        {
            "id": region["id"].to_numpy(),
            "adcode": hit["adcode"].to_numpy(),
            "name_zh": hit.index.to_numpy(),
            "name_en": hit["name_en"].to_numpy(),
            "unit_adcode": hit["unit_adcode"].to_numpy(),
            "unit_name_zh": hit["unit_name_zh"].to_numpy(),
            "unit_name_en": hit["unit_name_en"].to_numpy(),
            "measure": "count",
            "length_km": 0.0,
            "area_km2": 0.0,
            "share": 1.0,
        }
    )


def _city_level_rows(rows: pd.DataFrame, city_ids: set) -> pd.DataFrame:
    """Apply the city-level rule of the module docstring to join ``rows``."""
    city = rows["id"].isin(city_ids)
    district_unit = rows["adcode"] == rows["unit_adcode"]  # a Chongqing district is its own unit
    rows = rows[~(city & district_unit)].copy()
    lift = rows["id"].isin(city_ids)
    for level in ("adcode", "name_zh", "name_en"):
        rows.loc[lift, level] = rows.loc[lift, f"unit_{level}"]
    return rows


def _join_other_engine(projects, units, *, engine: str, scheduler: str | None) -> pd.DataFrame:
    """Dispatch :func:`join` to an engine other than geopandas."""
    if engine != "dask":
        raise OptionError("join engine", engine, ("geopandas", "dask"))
    from geo import join_dask

    return join_dask.join(projects, units, scheduler=scheduler)
