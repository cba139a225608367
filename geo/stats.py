"""Figures: per-district statistics and the catalog report.

Counting rules: a project counts once in every unit it lies in (a railway
through five districts counts in all five); kilometres and areas count only
the part inside the unit. Units are Chongqing districts and Sichuan cities
(``unit_adcode`` of the join).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import numpy as np
import pandas as pd
import shapely

from geo.model import AREAL_CATEGORIES, CATEGORIES, KINDS, LINEAR_CATEGORIES, LOCATION_SOURCES, PRECISIONS, STATUSES

#: Issue 9's cap: no single point should carry more records than this.
POINT_CAP = 25


def district_stats(projects: pd.DataFrame, joined: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """One row per unit (all units, zero rows included), columns:

    ``unit_adcode, name_zh, name_en, projects``, ``plan:<id>``,
    ``status:<status>``, ``category:<category>`` (project counts),
    ``km:<rail|metro|highway>`` (kilometres inside the unit) and
    ``km2:<category>`` for parks, industrial parks, science parks and new
    towns (square kilometres inside the unit).
    """
    rows = joined.merge(projects[["id", "status", "category", "plan_ids"]], on="id", how="inner")
    by_unit_project = rows.groupby(["unit_adcode", "id"], sort=False).agg(
        status=("status", "first"), category=("category", "first"), plan_ids=("plan_ids", "first"),
        length_km=("length_km", "sum"), area_km2=("area_km2", "sum"),
    ).reset_index()
    out = units[["adcode", "name_zh", "name_en", "level"]].rename(columns={"adcode": "unit_adcode"}).set_index("unit_adcode")
    out["projects"] = by_unit_project.groupby("unit_adcode").size()
    exploded = by_unit_project.explode("plan_ids")
    for plan, counts in exploded.groupby("plan_ids").unit_adcode.value_counts().unstack(0, fill_value=0).items():
        out[f"plan:{plan}"] = counts
    for key, column in (("status", STATUSES), ("category", CATEGORIES)):
        table = by_unit_project.groupby(["unit_adcode", key]).size().unstack(fill_value=0)
        for value in column:
            if value in table.columns:
                out[f"{key}:{value}"] = table[value]
    for cat in LINEAR_CATEGORIES:
        out[f"km:{cat}"] = by_unit_project[by_unit_project.category == cat].groupby("unit_adcode").length_km.sum()
    for cat in AREAL_CATEGORIES:
        out[f"km2:{cat}"] = by_unit_project[by_unit_project.category == cat].groupby("unit_adcode").area_km2.sum()
    out = out.fillna(0)
    count_cols = [c for c in out.columns if c == "projects" or c.split(":")[0] in ("plan", "status", "category")]
    out[count_cols] = out[count_cols].astype(int)
    return out.reset_index().sort_values(["projects", "unit_adcode"], ascending=[False, True]).reset_index(drop=True)


def counts(projects: pd.DataFrame) -> dict[str, pd.Series]:
    """Counts of records by kind, plan, category, status, precision, location source (vocabulary order) and geometry.

    A schema v1 frame (no ``kind`` / ``location_source``) counts every record
    as a project and leaves the source out.
    """
    by_plan = projects.explode("plan_ids").plan_ids.value_counts()
    kind = projects["kind"] if "kind" in projects.columns else pd.Series("project", index=projects.index)
    out = {"kind": kind.value_counts().reindex(list(KINDS)).dropna().astype(int)}
    if "location_source" in projects.columns:
        out["location_source"] = projects.location_source.value_counts().reindex(list(LOCATION_SOURCES)).dropna().astype(int)
    return out | {
        "plan": by_plan,
        "category": projects.category.value_counts().reindex(list(CATEGORIES)).dropna().astype(int),
        "status": projects.status.value_counts().reindex(list(STATUSES)).dropna().astype(int),
        "precision": projects.location_precision.value_counts().reindex(list(PRECISIONS)).dropna().astype(int),
        "geometry": projects.geom_kind.value_counts(),
    }


def precision_shares(projects: pd.DataFrame) -> pd.Series:
    """Share (0–1) of records at each location precision."""
    c = projects.location_precision.value_counts().reindex(list(PRECISIONS), fill_value=0)
    return c / max(len(projects), 1)


def format_report(projects: pd.DataFrame, failures: list, *, plan_titles: dict[str, str]) -> str:
    """The catalog report as text: counts, precision shares and failing checks."""
    lines = [f"Catalog: {len(projects)} projects"]
    for name, series in counts(projects).items():
        lines.append(f"\nBy {name}:")
        for key, value in series.items():
            extra = f"  {plan_titles[key]}" if name == "plan" and key in plan_titles else ""
            lines.append(f"  {key:<24}{value:>6}{extra}")
    lines.append("\nShare of records by location precision:")
    for key, share in precision_shares(projects).items():
        lines.append(f"  {key:<24}{share:>7.1%}")
    lines.append(f"\nRecords failing a check: {len({f.record for f in failures})} ({len(failures)} problems)")
    lines.extend(f"  {f}" for f in failures)
    return "\n".join(lines)



def placement_figures(projects: pd.DataFrame, *, programmes: Collection[str] = ()) -> dict[str, Any]:
    """The figures of issue 9's "Done when", over the records that are drawn or listed.

    ``on_unit_point_share``: share of records whose geometry is a district's or
    city's representative point (precision ``district``/``city``);
    ``max_on_one_point`` and ``busiest_point``: the most records sharing one
    point (any precision, multi-point parts counted); ``over_cap``: every
    point carrying more than :data:`POINT_CAP` records, as ``((lon, lat), n)``,
    most first (the busiest point alone would hide a second stack over the
    cap); ``linear_not_lines``:
    rail, metro and expressway records drawn, but not as lines (names);
    ``linear_unplaced``: those with no geometry that are not programmes (a
    course no evidence gives, ``not_line: course_not_stated``);
    ``linear_programmes``: programmes of several lines, not lines by the rule of
    docs/DATA_MODEL.md "Lines" (ids in ``programmes``, from
    :func:`geo.catalog_build.line_exceptions`; none when not given);
    ``region``: records with no place of their own.
    """
    n = max(len(projects), 1)
    has_geometry = ~shapely.is_missing(np.asarray(projects.geometry.values, dtype=object))
    unit_level = projects.location_precision.isin(["district", "city"]).to_numpy()
    on_unit = int((unit_level & has_geometry).sum())
    xy, owner = shapely.get_coordinates(projects.geometry.values[(projects.geom_kind == "point").to_numpy()], return_index=True)
    ids = projects.id.to_numpy()[(projects.geom_kind == "point").to_numpy()][owner] if len(owner) else []
    pts = pd.DataFrame({"x": xy[:, 0].round(5), "y": xy[:, 1].round(5), "id": ids}).drop_duplicates()
    per_point = pts.groupby(["x", "y"]).size().sort_values(ascending=False)
    linear = projects[projects.category.isin(LINEAR_CATEGORIES) & (projects.geom_kind != "line")]
    drawn = ~shapely.is_missing(np.asarray(linear.geometry.values, dtype=object))
    programme = linear.id.isin(list(programmes)).to_numpy() & ~drawn
    return {
        "records": len(projects),
        "on_unit_point": int(on_unit),
        "on_unit_point_share": on_unit / n,
        "max_on_one_point": int(per_point.iat[0]) if len(per_point) else 0,
        "busiest_point": tuple(float(v) for v in per_point.index[0]) if len(per_point) else None,
        "over_cap": [((float(x), float(y)), int(n)) for (x, y), n in per_point[per_point > POINT_CAP].items()],
        "linear_not_lines": linear.name_zh[drawn].tolist(),
        "linear_unplaced": linear.name_zh[~drawn & ~programme].tolist(),
        "linear_programmes": linear.name_zh[programme].tolist(),
        "region": int((projects.location_precision == "region").sum()),
        "unit_without_point": int((unit_level & ~has_geometry).sum()),
    }


def format_placement(figures: dict, duplicates: list, *, names: dict[str, str] | None = None, place_names: dict | None = None) -> str:
    """The placement figures and duplicate candidates as report text.

    ``names`` maps record ids to names (duplicate candidates); ``place_names``
    maps a point ``(lon, lat)`` of ``figures["over_cap"]`` to the name of its
    place (:func:`geo.gazetteer.name_at`); an unnamed point shows its coordinates only.
    """
    over = figures.get("over_cap", [])
    place_names = place_names or {}
    lines = [
        "\nPlacement (issue 9 targets in brackets):",
        f"  on a district/city point     {figures['on_unit_point']:>6}  {figures['on_unit_point_share']:.1%}  [<= 25%]",
        f"  most records on one point    {figures['max_on_one_point']:>6}  at {figures['busiest_point']}  [<= {POINT_CAP}]",
        f"  points over {POINT_CAP} records       {len(over):>6}  [0]",
        *(f"    {place_names.get(xy) or '?'} {xy}: {n}" for xy, n in over),
        f"  rail/metro/expressway not lines  {len(figures['linear_not_lines']) + len(figures['linear_unplaced']):>6}  [0]"
        f" (drawn otherwise {len(figures['linear_not_lines'])}, course not stated {len(figures['linear_unplaced'])})",
        f"  rail/metro/expressway programmes {len(figures['linear_programmes']):>6}  (several lines, not one: no line by rule)",
        f"  known only to a district/city, no point drawn {figures['unit_without_point']:>6}  {figures['unit_without_point'] / max(figures['records'], 1):.1%}",
        f"  region-wide, no place        {figures['region']:>6}  {figures['region'] / max(figures['records'], 1):.1%}",
        f"  duplicate candidate pairs    {len(duplicates):>6}  [0] (pairs explained in distinct.json left out)",
    ]
    if figures["linear_not_lines"]:
        lines.append("  not lines: " + "、".join(figures["linear_not_lines"]))
    if figures["linear_unplaced"]:
        lines.append("  course not stated: " + "、".join(figures["linear_unplaced"]))
    if figures["linear_programmes"]:
        lines.append("  programmes: " + "、".join(figures["linear_programmes"]))
    names = names or {}
    lines.extend(f"  candidate: {a} {names.get(a, '')} | {b} {names.get(b, '')} ({why})" for a, b, why in duplicates)
    return "\n".join(lines)
