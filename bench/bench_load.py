"""Load on the running app: N concurrent sessions changing filters; repaint times and server memory.

Starts ``streamlit run app.py`` on 127.0.0.1 (never another interface), warms it up with one
session, then opens N browser sessions at once (separate contexts of one headless Chromium).
Each loads the map and changes the category filter K times, timing each change until the
map's drawn layers change. The server's resident memory is sampled throughout. "Before" is
read ``--settle`` seconds after the warm-up session closed, "after" ``--settle`` seconds after
the N sessions closed: Streamlit keeps a closed session ``server.disconnectedSessionTTL``
(120 s) for a reconnect, and the app's janitor (every 20 s) then shuts it down, so the default
170 s covers both. The load average is printed at the start and the end.

Run: ``nice -n -5 .venv/bin/python bench/bench_load.py [--sessions 20] [--changes 4] [--settle 170]``
Bounded: every wait has a timeout; a session that times out is counted, not retried.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo._browser import CHROMIUM_FLAGS, DRAWN_LAYERS_JS, chromium_path  # noqa: E402
from scripts.serve_app import running_app  # noqa: E402

CATEGORIES = ["铁路", "机场", "医疗", "港口", "高速"]


def server_process(port: int):
    """The psutil process listening on ``port`` (the Streamlit server)."""
    import psutil

    for conn in psutil.net_connections(kind="tcp"):
        if conn.laddr and conn.laddr.port == port and conn.status == psutil.CONN_LISTEN and conn.pid:
            return psutil.Process(conn.pid)
    raise RuntimeError(f"no process listens on port {port}")


class MemorySampler(threading.Thread):
    """Samples a process's RSS every 0.2 s; ``peak`` is the largest seen."""

    def __init__(self, proc):
        super().__init__(daemon=True)
        self.proc, self.peak, self.stop = proc, 0, threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(0.2)


async def drawn(page) -> int:
    for frame in page.frames:
        try:
            if await frame.locator(".leaflet-container").count():
                return int(await frame.evaluate(DRAWN_LAYERS_JS))
        except Exception:  # the frame is being replaced by a rerun
            continue
    return 0


async def wait_changed(page, before: int, timeout: float) -> float | None:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        n = await drawn(page)
        if n and n != before:
            return time.perf_counter() - t0
        await asyncio.sleep(0.02)
    return None


async def session(browser, url: str, changes: int, timeout: float) -> tuple[float | None, list[float | None]]:
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    page = await context.new_page()
    try:
        t0 = time.perf_counter()
        await page.goto(url, timeout=timeout * 1000)
        first = await wait_changed(page, 0, timeout)
        first = None if first is None else time.perf_counter() - t0
        repaints: list[float | None] = []
        for k in range(changes):
            before = await drawn(page)
            box = page.locator("[data-testid='stMultiSelect']").nth(2)
            await box.click(timeout=timeout * 1000)
            await page.keyboard.type(CATEGORIES[k % len(CATEGORIES)])
            await page.keyboard.press("Enter")
            repaints.append(await wait_changed(page, before, timeout))
            await page.keyboard.press("Escape")
        return first, repaints
    finally:
        await context.close()


async def run(url: str, sessions: int, changes: int, timeout: float):
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        if sessions == 0:  # warm-up: the first session loads and joins the catalog
            return [await session(browser, url, 1, 180)]
        results = await asyncio.gather(*(session(browser, url, changes, timeout) for _ in range(sessions)), return_exceptions=True)
        await browser.close()
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--changes", type=int, default=4)
    ap.add_argument("--timeout", type=float, default=90)
    ap.add_argument("--settle", type=float, default=170, help="seconds to wait after the warm-up and after the sessions close before reading memory")
    args = ap.parse_args()
    load_start = os.getloadavg()
    with running_app() as url:
        proc = server_process(int(url.rsplit(":", 1)[1]))
        asyncio.run(run(url + "/", 0, 1, args.timeout))
        time.sleep(args.settle)
        rss0 = proc.memory_info().rss  # the start: catalog loaded, warm-up session gone
        sampler = MemorySampler(proc)
        sampler.start()
        t0 = time.perf_counter()
        results = asyncio.run(run(url + "/", args.sessions, args.changes, args.timeout))
        wall = time.perf_counter() - t0
        warm = proc.memory_info().rss
        time.sleep(args.settle)
        sampler.stop.set()
        after = proc.memory_info().rss
    load_end = os.getloadavg()
    failures = [r for r in results if isinstance(r, BaseException)]
    ok = [r for r in results if not isinstance(r, BaseException)]
    firsts = [f for f, _ in ok if f is not None]
    repaints = [x for _, rs in ok for x in rs if x is not None]
    timeouts = sum(1 for _, rs in ok for x in rs if x is None) + sum(1 for f, _ in ok if f is None)

    def q(values: list[float], p: float) -> float:
        return statistics.quantiles(values, n=100)[p - 1] if len(values) >= 2 else (values[0] if values else float("nan"))

    mb = 1 / 1e6
    print(f"{args.sessions} sessions × {args.changes} filter changes, {wall:.0f} s wall; {len(failures)} sessions failed, {timeouts} waits timed out")
    print("load average (1/5/15 min) at start " + "/".join(f"{v:.1f}" for v in load_start) + ", at end " + "/".join(f"{v:.1f}" for v in load_end))
    print(f"{'':<22}{'median s':>10}{'p95 s':>10}{'n':>6}")
    print(f"{'first paint':<22}{statistics.median(firsts) if firsts else float('nan'):>10.2f}{q(firsts, 95):>10.2f}{len(firsts):>6}")
    print(f"{'filter → repaint':<22}{statistics.median(repaints) if repaints else float('nan'):>10.2f}{q(repaints, 95):>10.2f}{len(repaints):>6}")
    print(f"server memory MB (after warm-up): before {rss0 * mb:.0f}, peak {sampler.peak * mb:.0f}, at close {warm * mb:.0f}, {args.settle:.0f} s after close {after * mb:.0f} ({(after - rss0) / rss0:+.0%} of before)")
    for f in failures[:3]:
        print(f"  failed session: {type(f).__name__}: {str(f)[:200]}")


if __name__ == "__main__":
    main()
