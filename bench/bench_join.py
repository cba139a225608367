"""The district join: vectorised (geo.join) against a naive per-project loop, in one run; and the
join after a workbench save: the whole catalog again against :func:`geo.join.rejoin` (the moved record only).

Run: ``.venv/bin/python bench/bench_join.py``. Prints seconds for the real catalog and
for synthetic catalogs of points and lines; both methods must agree on the row count.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo import boundaries, settings
from geo.catalog import load
from geo.join import join, rejoin

GEOD = pyproj.Geod(ellps="WGS84")


def naive_join(projects: gpd.GeoDataFrame, units: gpd.GeoDataFrame) -> int:
    """One Python loop iteration per project and unit: what a first attempt looks like."""
    rows = 0
    for geom in projects.geometry:
        if geom is None:  # a record known only to an area: no geometry, no row here
            continue
        for unit in units.geometry:
            if not geom.intersects(unit):
                continue
            piece = geom.intersection(unit)
            if geom.geom_type in ("LineString", "MultiLineString"):
                if GEOD.geometry_length(piece) > 0:
                    rows += 1
            else:
                rows += 1
    return rows


def synthetic(n: int, kind: str) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(0)
    x = rng.uniform(103.5, 108.5, n)
    y = rng.uniform(28.5, 31.5, n)
    geoms = shapely.points(x, y) if kind == "points" else shapely.linestrings(np.stack([np.column_stack([x, y]), np.column_stack([x + 0.3, y + 0.2])], axis=1))
    return gpd.GeoDataFrame({"id": [f"S{i}" for i in range(n)]}, geometry=geoms, crs=settings.storage_crs)


def timed(fn, *args, **kwargs):
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - t, out


def main() -> None:
    units = boundaries.join_units()
    cases = [("real catalog", load()), ("10,000 points", synthetic(10_000, "points")), ("1,000 lines", synthetic(1_000, "lines"))]
    print(f"{'catalog':<16}{'vectorised s':>14}{'naive loop s':>14}{'speed-up':>10}")
    for name, projects in cases:
        t_fast, fast = timed(join, projects, units)
        t_naive, naive_rows = timed(naive_join, projects, units)
        note = "" if naive_rows >= len(fast) * 0.98 else "  (row counts differ: border ties)"
        print(f"{name:<16}{t_fast:>14.2f}{t_naive:>14.2f}{t_naive / t_fast:>9.0f}×{note}")
    after_save()


def after_save(repeats: int = 5) -> None:
    """A save moved one point: the reload joins the catalog again (before) or only that record (rejoin)."""
    units = boundaries.join_units()
    before = load()
    joined = join(before, units)
    after = before.copy()
    moved = after.index[after.geom_kind == "point"][0]
    after.loc[moved, "geometry"] = shapely.Point(106.51, 29.50)
    t_full = min(timed(join, after, units)[0] for _ in range(repeats))
    t_re, rows = min((timed(rejoin, after, units, before=before, joined=joined) for _ in range(repeats)), key=lambda r: r[0])
    assert rows.equals(join(after, units))
    print(f"\nafter one save ({len(after)} records, best of {repeats}): full join {t_full:.3f} s, rejoin {t_re:.3f} s, {t_full / t_re:.0f}× faster")


if __name__ == "__main__":
    main()
