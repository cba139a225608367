"""Briefing images: drawing grouped by style against one plot call per project, in one run.

Renders the whole catalog (all filtered projects, web boundaries) to PNG both
ways and prints the times. Grouped drawing is linear in the number of projects;
one call per project redraws the figure each time and grows with its square.

Run: ``.venv/bin/python bench/bench_render.py [dpi]``. Figures vary with machine load.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo import boundaries
from geo.catalog import Atlas
from geo.render import render


def main() -> None:
    dpi = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    atlas = Atlas()
    units = boundaries.filter_units(resolution="web")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in (100, 300, len(atlas.projects)):
            projects = atlas.projects.iloc[:n]
            times = []
            for per_project in (False, True):
                t0 = time.perf_counter()
                render(projects, units, Path(tmp) / f"{n}_{per_project}.png", title="bench", dpi=dpi, per_project=per_project)
                times.append(time.perf_counter() - t0)
            rows.append((n, *times))
    print(f"{'projects':>9}{'grouped s':>12}{'per project s':>16}")
    for n, grouped, each in rows:
        print(f"{n:>9}{grouped:>12.2f}{each:>16.2f}")


if __name__ == "__main__":
    main()
