"""Inside the running app: time to first painted map, and time from a filter change to the repainted map.

Starts ``streamlit run app.py`` on 127.0.0.1, opens it in headless Chromium, then picks
a category in the sidebar and times until the map's drawn layers change. Also reloads
the same URL with the filter applied (the shareable link) for comparison.

Run: ``.venv/bin/python bench/bench_app.py``
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.screenshot import CHROMIUM_FLAGS, chromium_path  # noqa: E402
from geo.screenshot import DRAWN_LAYERS_JS as COUNT_JS  # noqa: E402
from scripts.serve_app import running_app  # noqa: E402


def map_frame(page, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        for f in page.frames:
            try:
                if f.locator(".leaflet-container").count() and f.evaluate(COUNT_JS) > 0:
                    return f
            except Exception:
                pass
        time.sleep(0.05)
    raise RuntimeError("no map")


def main() -> None:
    from playwright.sync_api import sync_playwright

    with running_app() as base_url, sync_playwright() as p:
        url = base_url + "/"
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 950})
        page.goto(url)
        map_frame(page, timeout=120)  # warm-up: the first session loads and joins the catalog
        results = []
        for _ in range(3):
            page.goto(url)
            t0 = time.perf_counter()
            frame = map_frame(page)
            first = time.perf_counter() - t0
            before = frame.evaluate(COUNT_JS)
            time.sleep(1.0)
            page.locator("[data-testid='stMultiSelect']").nth(2).click()
            t0 = time.perf_counter()
            page.keyboard.type("铁路")
            page.keyboard.press("Enter")
            deadline = time.time() + 30
            repaint = None
            while time.time() < deadline:
                try:
                    f = map_frame(page, timeout=5)
                    if f.evaluate(COUNT_JS) != before:
                        repaint = time.perf_counter() - t0
                        break
                except Exception:  # the map's frame is replaced while Streamlit reruns
                    pass
                time.sleep(0.02)
            results.append((first, repaint))
        browser.close()
    print(f"{'run':<6}{'first paint s':>15}{'filter → repaint s':>22}")
    for i, (first, repaint) in enumerate(results, 1):
        print(f"{i:<6}{first:>15.2f}{(repaint if repaint is not None else float('nan')):>22.2f}")


if __name__ == "__main__":
    main()
