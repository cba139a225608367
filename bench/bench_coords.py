"""GCJ-02 → WGS84 for many vertices: geo.coords (vectorised numpy) vs prcoords vertex by vertex, in one run.

Run: ``.venv/bin/python bench/bench_coords.py [N]``
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo import coords


def main(n: int = 200_000) -> None:
    import prcoords

    rng = np.random.default_rng(0)
    lon, lat = rng.uniform(97, 110, n), rng.uniform(26, 34, n)
    t0 = time.perf_counter()
    v_lon, v_lat = coords.gcj_to_wgs(lon, lat)
    vec = time.perf_counter() - t0
    t0 = time.perf_counter()
    ref = np.array([prcoords.gcj_wgs_bored((b, a), check_china=False) for a, b in zip(lon, lat, strict=True)])
    loop = time.perf_counter() - t0
    worst = max(np.abs(v_lat - ref[:, 0]).max(), np.abs(v_lon - ref[:, 1]).max())
    print(f"{n:,} vertices GCJ-02 → WGS84")
    print(f"{'vectorised (geo.coords)':<28}{vec:>8.3f} s")
    print(f"{'vertex by vertex (prcoords)':<28}{loop:>8.3f} s   ({loop / vec:.0f}× slower)")
    print(f"largest difference: {worst:.1e}°")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)
