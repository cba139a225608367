"""National scale in one run: the join on geopandas vs dask-geopandas, and the map from tiles vs inline GeoJSON.

Run (sizes are options; the defaults are the issue's figures and take a long time on 2 shared cores)::

    .venv/bin/python bench/bench_scale.py --sizes 1000000,5000000 --map-sizes 100000,1000000
    .venv/bin/python bench/bench_scale.py --sizes 200000 --map-sizes 100000     # quick

Join: for each size N, a synthetic catalog (``bench/gen_national.py``, seeded)
of N points and N/``--line-divisor`` lines, as partitioned GeoParquet, joined
to every county-level unit of China (2,875; built first if missing). Each
engine runs in its own child process, timed from reading the GeoParquet to
the join rows written to GeoParquet: geopandas reads everything and joins in
memory; dask streams partitions on a 2-process LocalCluster (started inside
the timing: its start-up, ~2–4 s, is part of the cost on one machine) and
each worker writes its partition's rows. Peak memory: the child's maximum
RSS for geopandas; for dask, the peak of the summed RSS of the client and
its workers (sampled every 50 ms), and the largest single worker. The two
engines' row counts must agree.

Map: for each size, a PMTiles archive (``geo.vtiles``) drawn by
``layers.vector_tiles`` versus the same points inline as folium GeoJSON
circle markers on canvas (today's way), each in headless Chromium from a
local server answering range requests; first paint = time from navigation
start to the painted layer, payload = bytes the page transferred. Inline
pages above ``--inline-max`` projects are not attempted (said so in the
output).

Figures on a shared machine are noisy; re-measure on a quiet one.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


# --------------------------------------------------------------------------- join, in child processes
def _child_geopandas(parts: str, out: str) -> dict:
    import resource

    import geopandas as gpd

    from geo import national
    from geo.join import join

    units = national.join_units()
    t0 = time.perf_counter()
    rows = join(gpd.read_parquet(parts), units)
    rows.to_parquet(out, index=False)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "rows": len(rows), "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _tree_rss_mb(proc) -> tuple[float, float]:
    """(summed RSS of ``proc`` and its descendants, largest child RSS) in MB."""
    import psutil

    total, largest = 0.0, 0.0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            rss = p.memory_info().rss / 2**20
        except psutil.Error:
            continue
        total += rss
        if p is not proc:
            largest = max(largest, rss)
    return total, largest


def _child_dask(parts: str, out: str) -> dict:
    import psutil

    from geo import join_dask, national

    units = national.units_path()  # workers read it themselves (see geo.join_dask)
    me = psutil.Process()
    peak = {"total": 0.0, "worker": 0.0}
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            total, worker = _tree_rss_mb(me)
            peak["total"], peak["worker"] = max(peak["total"], total), max(peak["worker"], worker)
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t0 = time.perf_counter()
    n = join_dask.join(parts, units, out=out)
    seconds = time.perf_counter() - t0
    stop.set()
    sampler.join()
    return {"seconds": seconds, "rows": n, "peak_mb": peak["total"], "worker_peak_mb": peak["worker"]}


def run_engine(engine: str, parts: Path, work: Path) -> dict:
    out = work / f"rows-{engine}-{parts.name}"
    cmd = [sys.executable, __file__, "--child", engine, str(parts), str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=ROOT)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def make_catalog(n_points: int, n_lines: int, work: Path, *, rows: int) -> Path:
    import gen_national

    from geo import join_dask, national

    out = work / f"nat-{n_points}-{n_lines}"
    if not (out / "part.00000.parquet").exists():
        frame = gen_national.generate(national.join_units(), points=n_points, lines=n_lines, polygons=0, seed=13)
        join_dask.write_partitions(frame, out, rows=rows)
    return out


def bench_join(sizes: list[int], *, line_divisor: int, engines: list[str], work: Path, rows: int) -> None:
    print("\n== Join: synthetic projects × 2,875 county-level units of China ==")
    print(f"{'points':>9} {'lines':>7} {'engine':>10} {'seconds':>8} {'peak MB':>8} {'worker MB':>9} {'rows':>9}")
    for n in sizes:
        # At least 4 partitions, so that both workers are busy even for a small N.
        parts = make_catalog(n, n // line_divisor, work, rows=min(rows, -(-n // 4)))
        results = {e: run_engine(e, parts, work) for e in engines}
        for e, r in results.items():
            if "error" in r:
                print(f"{n:>9} {n // line_divisor:>7} {e:>10}  failed: {r['error']}")
                continue
            worker = f"{r['worker_peak_mb']:>9.0f}" if "worker_peak_mb" in r else f"{'-':>9}"
            print(f"{n:>9} {n // line_divisor:>7} {e:>10} {r['seconds']:>8.1f} {r['peak_mb']:>8.0f} {worker} {r['rows']:>9}")
        ok = [r for r in results.values() if "rows" in r]
        if len(ok) == 2 and ok[0]["rows"] != ok[1]["rows"]:
            print(f"   !! engines disagree: {[r['rows'] for r in ok]} rows")
        if len(ok) == 2:
            print(f"   dask / geopandas time: {results['dask']['seconds'] / results['geopandas']['seconds']:.2f}×")


# --------------------------------------------------------------------------- map, in Chromium
def _inline_page(frame, path: Path) -> None:
    import folium

    from layers.assets import localize

    m = folium.Map(location=(35.0, 105.0), zoom_start=4, tiles=None, prefer_canvas=True)
    folium.GeoJson(
        frame[["id", "geometry"]].to_json(),
        marker=folium.CircleMarker(radius=3, color="#d62728", weight=1, fill=True),
    ).add_to(m)
    localize(m, base="/vendor")
    m.get_root().script.add_child(folium.Element(
        "window.addEventListener('load', function () { requestAnimationFrame(function () {"
        " requestAnimationFrame(function () { window.__atlasTilesPainted = performance.now(); }); }); });"))
    m.save(str(path))


def _tiles_page(frame, site: Path, name: str) -> float:
    from geo import vtiles
    from layers.vector_tiles import standalone_map

    t0 = time.perf_counter()
    vtiles.build(frame, site / "tiles" / f"{name}.pmtiles")
    build_s = time.perf_counter() - t0
    standalone_map(f"/tiles/{name}.pmtiles", location=(35.0, 105.0), zoom=4, base="/vendor").save(str(site / f"{name}.html"))
    return build_s


def _paint(browser, url: str, timeout_s: float) -> tuple[float | None, int]:
    """(first paint in seconds from navigation start or None, bytes transferred)."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    sizes = []
    page.on("response", lambda r: sizes.append(int(r.headers.get("content-length", 0) or 0)))
    try:
        page.goto(url, timeout=timeout_s * 1000)
        page.wait_for_function("() => window.__atlasTilesPainted !== undefined", timeout=timeout_s * 1000)
        ms = page.evaluate("() => window.__atlasTilesPainted")
        time.sleep(0.5)  # let the remaining tile requests of the view finish for the payload figure
        return ms / 1000.0, sum(sizes)
    except Exception:  # a page too heavy to paint in time is a result, not a crash
        return None, sum(sizes)
    finally:
        page.close()


def bench_map(sizes: list[int], *, inline_max: int, work: Path, timeout_s: float) -> None:
    import shutil

    import gen_national
    from playwright.sync_api import sync_playwright

    from geo import national, settings
    from geo._browser import CHROMIUM_FLAGS, chromium_path
    from scripts.range_server import serving

    print("\n== Map: first paint and payload, PMTiles (protomaps-leaflet) vs inline GeoJSON (folium, canvas) ==")
    print(f"{'projects':>9} {'way':>8} {'build s':>8} {'paint s':>8} {'payload MB':>11}")
    site = work / "site"
    shutil.copytree(settings.vendor_dir, site / "vendor", dirs_exist_ok=True)
    units = national.join_units()
    with serving(site) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        for n in sizes:
            frame = gen_national.generate(units, points=n - n // 20, lines=n // 40, polygons=n // 40, seed=21)
            name = f"map{n}"
            build_s = _tiles_page(frame, site, name)
            paint, payload = _paint(browser, f"{base}/{name}.html", timeout_s)
            archive = (site / "tiles" / f"{name}.pmtiles").stat().st_size / 1e6
            print(f"{n:>9} {'tiles':>8} {build_s:>8.1f} {_fmt(paint):>8} {payload / 1e6:>11.1f}   (archive {archive:.0f} MB)")
            if n > inline_max:
                print(f"{n:>9} {'inline':>8}   not attempted (over --inline-max {inline_max})")
                continue
            t0 = time.perf_counter()
            _inline_page(frame, site / f"{name}-inline.html")
            build_s = time.perf_counter() - t0
            paint, payload = _paint(browser, f"{base}/{name}-inline.html", timeout_s)
            print(f"{n:>9} {'inline':>8} {build_s:>8.1f} {_fmt(paint):>8} {payload / 1e6:>11.1f}")
        browser.close()


def _fmt(seconds: float | None) -> str:
    return "timeout" if seconds is None else f"{seconds:.2f}"


def _ints(text: str) -> list[int]:
    return [int(v) for v in text.split(",") if v.strip()]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="1000000,5000000", help="join sizes (points), comma-separated; empty to skip")
    p.add_argument("--line-divisor", type=int, default=100, help="lines = points / this")
    p.add_argument("--engines", default="geopandas,dask")
    p.add_argument("--rows", type=int, default=250_000, help="rows per GeoParquet partition")
    p.add_argument("--map-sizes", default="100000,1000000", help="map sizes (projects); empty to skip")
    p.add_argument("--inline-max", type=int, default=1_000_000, help="largest inline-GeoJSON page to attempt")
    p.add_argument("--paint-timeout", type=float, default=120.0)
    p.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temporary one)")
    args = p.parse_args(argv)
    sys.path.insert(0, str(ROOT / "bench"))
    with tempfile.TemporaryDirectory(prefix="atlas-scale-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        print(f"bench_scale on {os.cpu_count()} cores; figures on a shared machine are noisy")
        if _ints(args.sizes):
            bench_join(_ints(args.sizes), line_divisor=args.line_divisor, engines=args.engines.split(","), work=work, rows=args.rows)
        if _ints(args.map_sizes):
            bench_map(_ints(args.map_sizes), inline_max=args.inline_max, work=work, timeout_s=args.paint_timeout)
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        fn = {"geopandas": _child_geopandas, "dask": _child_dask}[sys.argv[2]]
        print(json.dumps(fn(sys.argv[3], sys.argv[4])))
        sys.exit(0)
    sys.exit(main())
