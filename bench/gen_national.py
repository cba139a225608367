"""Synthetic national catalog: N points, lines and polygons over China's land, as partitioned GeoParquet.

Run: ``.venv/bin/python bench/gen_national.py --points 1000000 --lines 50000 --polygons 20000 --out /tmp/nat``
(the national units are built first if missing: ``python -m geo boundaries build --national``).

Deterministic: the same ``--seed`` and sizes give the same records. Each
record has the catalog's columns (``id, name_zh, name_en, kind, category,
status, plan_ids, location_precision, geom_kind, geometry``); every value is
synthetic and says so (``name_en`` starts with ``synthetic``). Places: a unit
is drawn for each record, half by area, half uniformly per unit (dense
eastern counties get records too, not only Xinjiang and Tibet), then a point
uniformly inside that unit (rejection sampling against the outline). Lines
are random walks of 3–8 vertices from that point (0.02–0.2° steps);
polygons are small octagons (0.005–0.03° radius).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo import settings
from geo.model import AREAL_CATEGORIES, CATEGORIES, LINEAR_CATEGORIES, STATUSES

POINT_CATEGORIES = [c for c in CATEGORIES if c not in LINEAR_CATEGORIES + AREAL_CATEGORIES]
PLANS = [f"synthetic{i:02d}" for i in range(30)]


def sample_points(units: gpd.GeoDataFrame, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points, each uniformly inside a unit drawn half by area, half uniformly."""
    geoms = units.geometry.values
    area = shapely.area(geoms)
    weight = 0.5 * area / area.sum() + 0.5 / len(geoms)
    owner = rng.choice(len(geoms), size=n, p=weight / weight.sum())
    bounds = shapely.bounds(geoms)
    shapely.prepare(geoms)
    xy = np.full((n, 2), np.nan)
    todo = np.arange(n)
    while len(todo):
        b = bounds[owner[todo]]
        x = rng.uniform(b[:, 0], b[:, 2])
        y = rng.uniform(b[:, 1], b[:, 3])
        inside = shapely.contains_xy(geoms[owner[todo]], x, y)
        xy[todo[inside]] = np.column_stack([x[inside], y[inside]])
        todo = todo[~inside]
    return xy


def random_lines(start: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Random walks of 3–8 vertices from each start point."""
    n = len(start)
    k = rng.integers(3, 9, size=n)
    owner = np.repeat(np.arange(n), k)
    step = rng.uniform(0.02, 0.2, size=len(owner))
    heading = np.repeat(rng.uniform(0, 2 * np.pi, size=n), k) + rng.normal(0, 0.4, size=len(owner))
    dxy = np.column_stack([np.cos(heading), np.sin(heading)]) * step[:, None]
    first = np.r_[0, np.cumsum(k)[:-1]]
    dxy[first] = 0.0
    walk = np.cumsum(dxy, axis=0)
    walk -= np.repeat(walk[first], k, axis=0)
    coords = walk + np.repeat(start, k, axis=0)
    return shapely.linestrings(coords, indices=owner)


def random_polygons(centre: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Small octagons around each centre."""
    radius = rng.uniform(0.005, 0.03, size=len(centre))
    return shapely.buffer(shapely.points(centre), radius, quad_segs=2)


def generate(units: gpd.GeoDataFrame, *, points: int, lines: int, polygons: int, seed: int = 0) -> gpd.GeoDataFrame:
    """The synthetic catalog (see the module docstring), rows in a seeded random order."""
    rng = np.random.default_rng(seed)
    xy = sample_points(units, points + lines + polygons, rng)
    geoms = np.concatenate([
        shapely.points(xy[:points]),
        random_lines(xy[points:points + lines], rng),
        random_polygons(xy[points + lines:], rng),
    ])
    kind = np.repeat(np.array(["point", "line", "polygon"]), [points, lines, polygons])
    category = np.concatenate([
        rng.choice(POINT_CATEGORIES, points), rng.choice(LINEAR_CATEGORIES, lines), rng.choice(AREAL_CATEGORIES, polygons)
    ])
    n = len(geoms)
    order = rng.permutation(n)
    ids = np.char.add("N", np.char.zfill(np.arange(1, n + 1).astype(str), 8))
    plan = rng.choice(PLANS, n)
    frame = gpd.GeoDataFrame(
        {
            "id": ids,
            "name_zh": np.char.add("合成项目", ids),
            "name_en": np.char.add("synthetic project ", ids),
            "kind": "project",
            "category": category[order],
            "status": rng.choice(list(STATUSES), n),
            "plan_ids": [[p] for p in plan],
            "location_precision": rng.choice(["exact", "approximate"], n, p=[0.7, 0.3]),
            "geom_kind": kind[order],
        },
        geometry=geoms[order],
        crs=settings.storage_crs,
    )
    return frame


def main(argv: list[str] | None = None) -> int:
    from geo import join_dask, national

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--points", type=int, default=1_000_000)
    p.add_argument("--lines", type=int, default=50_000)
    p.add_argument("--polygons", type=int, default=20_000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--rows", type=int, default=join_dask.PARTITION_ROWS, help="rows per partition file")
    p.add_argument("--out", type=Path, required=True, help="output directory of part.N.parquet files")
    args = p.parse_args(argv)
    frame = generate(national.join_units(), points=args.points, lines=args.lines, polygons=args.polygons, seed=args.seed)
    out = join_dask.write_partitions(frame, args.out, rows=args.rows)
    print(f"{len(frame)} synthetic projects in {len(list(out.glob('*.parquet')))} partitions under {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
