"""Browser-side cost of the map: time from navigation to a painted map, and bytes transferred.

Compares, in one run and in headless Chromium, the app's map (canvas rendering,
clustering past ``settings.cluster_threshold``, grouped badges, web boundaries)
with a naive folium map (one ``folium.Marker`` per project) for the real catalog
and synthetic catalogs of 10,000 and 100,000 projects. Pages are served from
127.0.0.1 with the same local assets the app uses.

Run: ``.venv/bin/python bench/bench_map.py`` (prints a table; numbers go to docs/PERFORMANCE.md).
"""

from __future__ import annotations

import functools
import http.server
import shutil
import socketserver
import sys
import tempfile
import threading
import time
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo import boundaries, settings
from geo._browser import CHROMIUM_FLAGS, DRAWN_LAYERS_JS, chromium_path
from geo.catalog import Atlas, add_derived_columns
from layers.assets import localize
from layers.projects import build_map, map_html

NAIVE_TIMEOUT_S = 90


def synthetic(n: int, atlas: Atlas) -> gpd.GeoDataFrame:
    """``n`` exact points scattered over Chongqing's main urban area and Sichuan's basin."""
    rng = np.random.default_rng(42)
    lon = rng.uniform(103.5, 107.5, n)
    lat = rng.uniform(28.8, 31.2, n)
    template = atlas.projects.iloc[0]
    frame = gpd.GeoDataFrame(
        {
            "id": [f"P{i:08X}" for i in range(n)],
            "name_zh": [f"项目{i}" for i in range(n)],
            "name_en": [f"Project {i}" for i in range(n)],
            "aliases": [[]] * n,
            "category": rng.choice(["rail", "hospital", "industrial_park", "water", "energy"], n),
            "status": rng.choice(["proposed", "under_construction", "operating"], n),
            "status_as_of": "2023",
            "status_source": "cq2023",
            "location_precision": "exact",
            "source_crs": "WGS84",
            "location_note": "",
            "admin_stated": [[]] * n,
            "plans": [[{**template.plans[0], "plan": "cq2023"}]] * n,
        },
        geometry=gpd.points_from_xy(lon, lat),
        crs=settings.storage_crs,
    )
    return add_derived_columns(frame)


def naive_map(projects: gpd.GeoDataFrame) -> folium.Map:
    m = folium.Map(location=(29.9, 105.6), zoom_start=7, tiles=None, max_zoom=18)
    pts = projects.geometry.representative_point()
    for name, p in zip(projects.name_zh, pts, strict=True):
        folium.Marker((p.y, p.x), tooltip=name).add_to(m)
    m.get_root().script.add_child(folium.Element("L.Icon.Default.imagePath = '/app/static/vendor/leaflet/images/';"))
    localize(m)
    return m


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(root: Path) -> tuple[socketserver.TCPServer, str]:
    handler = functools.partial(_Quiet, directory=str(root))
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"




def measure(browser, url: str, *, timeout: float) -> tuple[float | None, float]:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sizes = []
    page.on("response", lambda r: sizes.append(int(r.headers.get("content-length") or 0) or len(r.body() or b"")))
    start = time.perf_counter()
    try:
        page.goto(url, timeout=timeout * 1000)
        page.wait_for_function(f"({DRAWN_LAYERS_JS})() > 0", timeout=timeout * 1000)
        # Let the frame paint.
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        elapsed = time.perf_counter() - start
    except Exception:
        elapsed = None
    page.close()
    return elapsed, sum(sizes) / 1e6


def main() -> None:
    from playwright.sync_api import sync_playwright

    atlas = Atlas()
    units = boundaries.filter_units(resolution="web")
    cases = [("real catalog", atlas.projects), ("synthetic 10,000", synthetic(10_000, atlas)), ("synthetic 100,000", synthetic(100_000, atlas))]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "app" / "static").mkdir(parents=True)
        shutil.copytree(settings.vendor_dir, root / "app" / "static" / "vendor")
        server, base = serve(root)
        rows = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
            for name, projects in cases:
                t0 = time.perf_counter()
                ours = map_html(build_map(projects, units, plans=atlas.plans))
                build_s = time.perf_counter() - t0
                (root / "ours.html").write_text(ours, encoding="utf-8")
                paint, mb = measure(browser, f"{base}/ours.html", timeout=60)
                rows.append((name, "Atlas map", build_s, paint, mb))
                if len(projects) <= 10_000:
                    t0 = time.perf_counter()
                    naive = map_html(naive_map(projects))
                    build_s = time.perf_counter() - t0
                    (root / "naive.html").write_text(naive, encoding="utf-8")
                    paint, mb = measure(browser, f"{base}/naive.html", timeout=NAIVE_TIMEOUT_S)
                    rows.append((name, "naive folium.Marker", build_s, paint, mb))
                else:
                    rows.append((name, "naive folium.Marker", None, None, None))
            browser.close()
        server.shutdown()
    print(f"{'catalog':<20}{'map':<22}{'build s':>9}{'paint s':>9}{'MB':>8}")
    for name, kind, build_s, paint, mb in rows:
        fmt = lambda v, f: f"{'—':>{f[:-2]}}" if v is None else format(v, f)  # noqa: E731
        print(f"{name:<20}{kind:<22}{fmt(build_s, '9.2f')}{fmt(paint, '9.2f')}{fmt(mb, '8.2f')}")
    print(f"(— : not run or not painted within {NAIVE_TIMEOUT_S} s; naive 100,000 is skipped: 10,000 already takes tens of seconds)")


if __name__ == "__main__":
    main()
