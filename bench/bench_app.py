"""Inside the running app: first paint and filter → repaint, as built against as shipped, in one run.

Starts ``streamlit run`` on 127.0.0.1 three times — the app as built (``app.py``: base
map kept by the browser, boundaries fetched once from ``/app/static``, project
layers sent as ``feature_group_to_add``, the catalog frozen out of the garbage
collector's scans), the same with ``ATLAS_GC_FREEZE=0``, and the map page as shipped before
issue 15 (``bench/shipped_page.py``: one map with everything embedded, rebuilt
on each rerun) — opens each in headless Chromium, then picks a category in the
sidebar and times until the map's drawn layers change. It also reports whether
the browser re-created the map (a marker set on ``window`` survives or not).

Run: ``.venv/bin/python bench/bench_app.py [runs]``. The machine is shared:
figures vary with load; compare the columns of one run (run it at `nice -n -20` beside other jobs).
"""

from __future__ import annotations

import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo._browser import CHROMIUM_FLAGS, chromium_path, painted_map_frame  # noqa: E402
from geo._browser import DRAWN_LAYERS_JS as COUNT_JS  # noqa: E402
from scripts.serve_app import running_app  # noqa: E402

SHIPPED = "_bench_shipped_page.py"  # copied next to app.py so Streamlit serves the same static/


def _repaint(page, before: int) -> float | None:
    t0 = time.perf_counter()
    page.keyboard.type("铁路")
    page.keyboard.press("Enter")
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            f = painted_map_frame(page, timeout_s=5)
            if f.evaluate(COUNT_JS) != before:
                return time.perf_counter() - t0
        except Exception:  # the map's frame is replaced while Streamlit reruns
            pass
        time.sleep(0.02)
    return None


def measure(script: str, runs: int, *, port: int | None = None, env: dict[str, str] | None = None) -> list[tuple[float, float | None, bool]]:
    """``(first paint s, repaint s, map kept)`` per run of the app started from ``script`` (on ``port``, with ``env``)."""
    from playwright.sync_api import sync_playwright

    with running_app(script=script, port=port, env=env) as base_url, sync_playwright() as p:
        url = base_url + "/"
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 950})
        page.goto(url)
        painted_map_frame(page, timeout_s=120)  # warm-up: the first session loads and joins the catalog
        results = []
        for _ in range(runs):
            page.goto(url)
            t0 = time.perf_counter()
            frame = painted_map_frame(page)
            first = time.perf_counter() - t0
            time.sleep(1.5)  # let boundaries and labels finish
            frame = painted_map_frame(page)
            before = frame.evaluate(COUNT_JS)
            frame.evaluate("() => { window.__benchMarker = 1; }")
            page.locator("[data-testid='stMultiSelect']").nth(2).click()
            repaint = _repaint(page, before)
            time.sleep(0.5)
            kept = bool(painted_map_frame(page).evaluate("() => window.__benchMarker === 1"))
            results.append((first, repaint, kept))
        browser.close()
    return results


#: The three servers of one run: the app as built, the same without freezing the catalog out of the
#: garbage collector's scans (``settings.freeze_catalog``), and the map page as shipped.
VARIANTS = (("built", "app.py", {}), ("no freeze", "app.py", {"ATLAS_GC_FREEZE": "0"}), ("shipped", SHIPPED, {}))


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    shutil.copy(ROOT / "bench" / "shipped_page.py", ROOT / SHIPPED)
    try:
        results = [measure(script, runs, port=8611 + i, env=env) for i, (_, script, env) in enumerate(VARIANTS)]
    finally:
        (ROOT / SHIPPED).unlink(missing_ok=True)
    nan = float("nan")
    names = [name for name, _, _ in VARIANTS]
    print(f"{'run':<5}" + "".join(f"{'first paint s ' + n:>24}" for n in names) + "".join(f"{'repaint s ' + n:>22}" for n in names)
          + "".join(f"{'kept ' + n:>16}" for n in names))
    for i in range(runs):
        rows = [r[i] for r in results]
        print(f"{i + 1:<5}" + "".join(f"{r[0]:>24.2f}" for r in rows) + "".join(f"{(r[1] or nan):>22.2f}" for r in rows)
              + "".join(f"{r[2]!s:>16}" for r in rows))
    med = statistics.median
    print(f"{'med':<5}" + "".join(f"{med(x[0] for x in r):>24.2f}" for r in results)
          + "".join(f"{med(x[1] or nan for x in r):>22.2f}" for r in results))


if __name__ == "__main__":
    main()
