"""The join and the per-unit statistics on dask-geopandas: the same rules, many machines.

:func:`geo.join.join` (geopandas) is the default and the fastest on one
machine up to a few million projects. Past one machine's memory, the same
join runs here on a dask cluster: a :class:`distributed.LocalCluster` on this
machine (processes, 2 workers) by default, or any dask scheduler given by
address (``tcp://host:8786``), where the same code runs unchanged.

Design
------
Broadcast join
    The units (2,875 county-level polygons for all of China) are small next
    to millions of projects, so every worker loads them once — from their
    GeoParquet file (a path, or a temporary file for a frame on a
    LocalCluster), or, for a frame on a remote scheduler, from a broadcast
    :meth:`distributed.Client.scatter` (pickling full-resolution outlines is
    slow: ~30 s for the national units on a busy 2-core machine) — keeps
    them prepared (:func:`shapely.prepare`) across its tasks, and joins
    every partition of projects to them with :func:`geo.join.join` itself.
    A project's rows depend only on that project and the units, so the rows
    are the same as one geopandas join over the whole catalog, by
    construction: border tie-break (lowest adcode), geodesic km and
    equal-area km² shares, the city-level rule.
Partitioned GeoParquet in, partitions streamed
    The projects are read with :func:`dask_geopandas.read_parquet` from a
    directory of GeoParquet files (``bench/gen_national.py`` writes one). A
    GeoDataFrame given in memory is first written to a temporary partitioned
    GeoParquet: :func:`dask_geopandas.from_geopandas` would put the whole
    frame into the task graph. With ``out=`` each partition's rows are
    written to ``out/part.N.parquet`` by the worker that computed them, so no
    process ever holds more than a few partitions.
Statistics
    A project lies in one partition, so :func:`geo.stats.district_stats` of
    each partition adds up to the statistics of the whole catalog: counts and
    kilometres are summed across partitions (sums of floats may differ from
    the single-machine figures in the last bits, ~1e-12 relative).

Pitfalls handled
    dask-geopandas 0.5 with pandas 3 keeps ``spatial_partitions`` in
    ``_meta.attrs`` and later fails on it (dask-geopandas #327): it is
    dropped after reading. A LocalCluster starts worker processes, so a
    script calling this must guard its entry point with
    ``if __name__ == "__main__":``.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import _files
from geo._errors import DataFileError
from geo.model import AREAL_CATEGORIES, CATEGORIES, LINEAR_CATEGORIES, STATUSES

#: Workers of the default LocalCluster (one thread each: shapely releases the GIL
#: only in parts, processes scale better).
LOCAL_WORKERS = 2
#: Rows per partition when a GeoDataFrame in memory is written to GeoParquet.
PARTITION_ROWS = 250_000
_STATS_KEYS = ["unit_adcode", "name_zh", "name_en", "level"]


@contextlib.contextmanager
def client(scheduler: str | None = None, *, n_workers: int | None = None) -> Iterator:
    """A :class:`distributed.Client` on ``scheduler``, or on a new LocalCluster closed on exit.

    Parameters
    ----------
    scheduler
        Address of a running dask scheduler (``tcp://10.0.0.5:8786``). ``None``
        starts a LocalCluster of ``n_workers`` processes (default
        :data:`LOCAL_WORKERS`), one thread each, dashboard on a free port.
    """
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as c:
            yield c
        return
    n = n_workers or LOCAL_WORKERS
    with LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, Client(cluster) as c:
        yield c


def read_partitions(path: str | Path):
    """A dask-geopandas frame over a directory (or file) of GeoParquet, #327 worked around.

    Raises
    ------
    DataFileError
        The path does not exist, is neither a directory nor a regular file, or
        holds no GeoParquet. Its size is not limited (read in partitions).
    """
    import dask_geopandas

    path = Path(path)
    if not path.is_dir():
        path = _files.input_file(path, max_bytes=sys.maxsize)
    try:
        frame = dask_geopandas.read_parquet(str(path), gather_spatial_partitions=False)
    except (ValueError, OSError) as exc:
        raise DataFileError(path, f"cannot be read as GeoParquet ({exc})") from exc
    frame._meta.attrs.pop("spatial_partitions", None)  # dask-geopandas #327 with pandas 3
    return frame


def write_partitions(projects: gpd.GeoDataFrame, out_dir: str | Path, *, rows: int | None = None) -> Path:
    """Write ``projects`` as ``out_dir/part.N.parquet`` files of ``rows`` rows each (in order).

    Earlier ``part.*.parquet`` files in ``out_dir`` are removed first.
    """
    rows = rows or PARTITION_ROWS
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob("part.*.parquet"):
        stale.unlink()
    for i, start in enumerate(range(0, max(len(projects), 1), rows)):
        projects.iloc[start:start + rows].to_parquet(out_dir / f"part.{i:05d}.parquet", index=False)
    return out_dir


@contextlib.contextmanager
def _as_partitions(projects) -> Iterator[Path]:
    """A partitioned GeoParquet path for ``projects`` (a path, or a frame written to a temp dir)."""
    if isinstance(projects, (str, Path)):
        yield Path(projects)
        return
    with tempfile.TemporaryDirectory(prefix="atlas-join-") as tmp:
        rows = max(1, -(-len(projects) // LOCAL_WORKERS)) if len(projects) < 2 * PARTITION_ROWS else PARTITION_ROWS
        yield write_partitions(projects, Path(tmp) / "projects.parquet", rows=rows)


@lru_cache(maxsize=2)
def _units_file(path: str, mtime: float) -> gpd.GeoDataFrame:
    """Units read once per worker process (keyed by path and mtime), outlines prepared."""
    units = gpd.read_parquet(path)
    shapely.prepare(units.geometry.values)
    return units


def _worker_units(source) -> gpd.GeoDataFrame:
    """The units on a worker: from a GeoParquet path, or the scattered frame (prepared in place)."""
    if isinstance(source, str):
        return _units_file(source, os.stat(source).st_mtime)
    shapely.prepare(source.geometry.values)
    return source


@contextlib.contextmanager
def _units_source(units, c, scheduler: str | None) -> Iterator:
    """What tasks receive for the units: a GeoParquet path where workers can read it, else a scattered frame."""
    if isinstance(units, (str, Path)):
        yield str(units)
        return
    if scheduler:
        yield c.scatter(units, broadcast=True, hash=False)
        return
    with tempfile.TemporaryDirectory(prefix="atlas-units-") as tmp:
        path = Path(tmp) / "units.parquet"
        units.to_parquet(path, index=False)
        yield str(path)


def _join_part(part: gpd.GeoDataFrame, units, out: str | None, index: int):
    from geo.join import join

    rows = join(part, _worker_units(units))
    if out is None:
        return rows
    Path(out).mkdir(parents=True, exist_ok=True)
    rows.to_parquet(Path(out) / f"part.{index:05d}.parquet", index=False)
    return len(rows)


def join(projects, units, *, scheduler: str | None = None, out: str | Path | None = None):
    """:func:`geo.join.join` on dask: one row per (project, unit), same rules, same rows.

    Parameters
    ----------
    projects
        A directory of GeoParquet files (one partition per file), or a
        GeoDataFrame (written to a temporary partitioned GeoParquet first).
        Needs ``id`` and a WGS84 geometry; ``location_precision`` if present.
    units
        The join units (:func:`geo.boundaries.join_units` or
        :func:`geo.national.join_units`), or the path of their GeoParquet
        file (:func:`geo.national.units_path`) readable by every worker.
    scheduler
        Dask scheduler address; ``None`` runs a 2-process LocalCluster.
    out
        If given, a directory: each partition's rows are written to
        ``out/part.N.parquet`` by its worker and the total row count is
        returned (memory stays flat). Otherwise the rows are gathered and
        returned as one DataFrame in the order of :func:`geo.join.join`.
    """
    import dask

    with _as_partitions(projects) as path, client(scheduler) as c, _units_source(units, c, scheduler) as shared:
        parts = read_partitions(path).to_delayed()
        target = None if out is None else str(out)
        tasks = [dask.delayed(_join_part)(p, shared, target, i) for i, p in enumerate(parts)]
        results = c.gather(c.compute(tasks))
    if out is not None:
        return int(sum(results))
    from geo.join import JOIN_COLUMNS

    frames = [r for r in results if len(r)]
    if not frames:
        return pd.DataFrame(columns=JOIN_COLUMNS)
    return pd.concat(frames, ignore_index=True)


def _stats_part(part: gpd.GeoDataFrame, units, stat_units: pd.DataFrame) -> pd.DataFrame:
    from geo.join import join
    from geo.stats import district_stats

    return district_stats(part, join(part, _worker_units(units)), stat_units)


def _stats_order(columns) -> list[str]:
    """The column order of :func:`geo.stats.district_stats` for a union of partition columns."""
    present = set(columns)
    order = [*_STATS_KEYS, "projects", *sorted(c for c in present if c.startswith("plan:"))]
    order += [f"status:{s}" for s in STATUSES if f"status:{s}" in present]
    order += [f"category:{c}" for c in CATEGORIES if f"category:{c}" in present]
    order += [f"km:{c}" for c in LINEAR_CATEGORIES] + [f"km2:{c}" for c in AREAL_CATEGORIES]
    return [c for c in order if c in present]


def combine_stats(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Add up per-partition :func:`geo.stats.district_stats` tables into the whole catalog's."""
    table = pd.concat(frames, ignore_index=True)
    keys = table[_STATS_KEYS].drop_duplicates("unit_adcode").set_index("unit_adcode")
    values = table.drop(columns=_STATS_KEYS[1:]).fillna(0).groupby("unit_adcode", sort=False).sum()
    out = keys.join(values).reset_index()
    counts = [c for c in out.columns if c == "projects" or c.split(":")[0] in ("plan", "status", "category")]
    out[counts] = out[counts].astype(np.int64)
    out = out[_stats_order(out.columns)]
    return out.sort_values(["projects", "unit_adcode"], ascending=[False, True]).reset_index(drop=True)


def district_stats(projects, units, stat_units: pd.DataFrame, *, scheduler: str | None = None) -> pd.DataFrame:
    """:func:`geo.stats.district_stats` of the join of ``projects`` to ``units``, on dask.

    ``projects`` as in :func:`join` (needs ``status``, ``category``,
    ``plan_ids`` too); ``stat_units`` are the roll-up units of the table
    (``adcode, name_zh, name_en, level``), as in the geopandas function.
    """
    import dask

    with _as_partitions(projects) as path, client(scheduler) as c, _units_source(units, c, scheduler) as shared:
        parts = read_partitions(path).to_delayed()
        shared_stat = c.scatter(stat_units, broadcast=True, hash=False)
        tasks = [dask.delayed(_stats_part)(p, shared, shared_stat) for p in parts]
        frames = c.gather(c.compute(tasks))
    return combine_stats(frames)
