"""Where a filter → repaint of the map page goes: Python by part, payload bytes, browser timeline.

Two parts, one run:

1. **Python** (in-process, ``streamlit.testing`` AppTest): the map page rerun with
   a category toggled, each step of the page timed by wrapping the functions it
   calls (``atlas_ui.*``, ``layers.projects.*``, ``st_folium``), plus the size of
   what the map component receives (base script, project layers' JS).
2. **Browser** (the real app on port 8611, headless Chromium): from the key press
   that picks a category, the time of the first websocket message (the rerun
   started), of the message carrying the map's layers, of the component frame's
   render message, of the frame in which the new layers were evaluated, and of
   the next painted frame.

Run: ``.venv/bin/python bench/profile_repaint.py [reruns] [--python-only | --browser-only]``. Figures depend on the
machine's load: print ``uptime`` next to them.
"""

from __future__ import annotations

import collections
import functools
import json
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo._browser import painted_map_frame  # noqa: E402

PORT = 8611

#: Recorded in every frame before any page script: websocket messages (main page), the component's
#: render messages (map iframe).
INIT_JS = """
(() => {
  const now = () => performance.timeOrigin + performance.now();
  window.__log = [];
  const WS = window.WebSocket;
  if (WS && !WS.__wrapped) {
    window.WebSocket = function (...a) {
      const ws = new WS(...a);
      ws.addEventListener('message', ev => {
        const size = ev.data.byteLength || ev.data.size || 0;
        let layers = false;
        if (ev.data.byteLength && size > 5000) layers = new TextDecoder().decode(ev.data).includes('feature_group_feature_group');
        window.__log.push(['ws', now(), size, layers]);
      });
      return ws;
    };
    window.WebSocket.prototype = WS.prototype; window.WebSocket.__wrapped = true;
    Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
  }
  if (window !== window.top) {  // the map's frame: when Leaflet's map exists, and when it first drew a layer
    const poll = () => {
      const m = window.map;
      if (m && !window.__mapAt) { window.__mapAt = now(); window.__log.push(['map', window.__mapAt]); }
      if (m) { let drawn = false; m.eachLayer(l => { if (l._icon || l._path || l._parts) drawn = true; });
        if (drawn) { window.__log.push(['drawn', now()]); return; } }
      setTimeout(poll, 5);  // not requestAnimationFrame: a frame not laid out yet gets no animation frames
    };
    setTimeout(poll, 5);
  }
  window.addEventListener('message', ev => {
    if (ev.data && ev.data.type === 'streamlit:render') window.__log.push(['render', now()]);
  }, true);
})();
"""

#: Run in the map frame before each measurement: records the animation frame in which the component
#: evaluated new project layers, and the next one (painted).
WATCH_JS = """() => {
  const now = () => performance.timeOrigin + performance.now();
  window.__log = []; const token = {}; window.__watch = token;
  let last = window.__GLOBAL_DATA__.last_feature_group;
  const tick = () => {
    if (window.__watch !== token) return;
    if (window.__GLOBAL_DATA__.last_feature_group !== last) {
      window.__log.push(['applied', now()]);
      requestAnimationFrame(() => requestAnimationFrame(() => window.__log.push(['painted', now()])));
      return;
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""

PARTS = {
    "atlas_ui": ("get_atlas", "language", "sidebar_filters", "sign_in_box", "filtered", "init_view_and_selection", "shading_values",
                 "web_units", "project_layer_data", "selection_layers", "handle_click", "sync_url", "selection_panel", "region_wide_panel", "place_names"),
    "layers.projects": ("base_map", "layers_from_data", "project_layers", "drawn_count"),
    "layers.legend": ("legend_html",),
    "streamlit_folium": ("st_folium",),
}


def _wrap(times: dict, module, name: str) -> None:
    _wrap_as(times, module, name, name)


def _wrap_as(times: dict, module, name: str, label: str) -> None:
    f = getattr(module, name)

    @functools.wraps(f)
    def timed(*a, **k):
        t0, c0 = time.perf_counter(), time.thread_time()
        try:
            return f(*a, **k)
        finally:
            times[label].append((time.perf_counter() - t0, time.thread_time() - c0))

    if hasattr(f, "clear"):  # a Streamlit cache: the app may clear it
        timed.clear = f.clear  # type: ignore[attr-defined]
    setattr(module, name, timed)


def python_parts(reruns: int) -> None:
    """Time each part of the map page's rerun in-process (AppTest), a category toggled on and off."""
    import importlib
    import logging

    from streamlit.testing.v1 import AppTest

    logging.disable(logging.WARNING)
    times: dict[str, list[tuple[float, float]]] = collections.defaultdict(list)  # (wall s, CPU s of the script thread)
    for mod, names in PARTS.items():
        module = importlib.import_module(mod)
        for name in names:
            if hasattr(module, name):  # an older checkout may lack some
                _wrap(times, module, name)
    from streamlit.navigation.page import StreamlitPage

    _wrap_as(times, StreamlitPage, "run", "page")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    at.multiselect(key="f_category").set_value(["rail"]).run()
    at.multiselect(key="f_category").set_value([]).run()  # both filters seen once (caches warm)
    times.clear()
    total: list[float] = []
    for _ in range(reruns):
        for cats in (["rail"], []):
            t0 = time.perf_counter()
            at.multiselect(key="f_category").set_value(cats).run()
            total.append(time.perf_counter() - t0)
    page = [c for w, c in times["page"]]
    args = json.loads(next(iter(at.get("component_instance"))).proto.json_args)
    n = len(total)
    print(f"Python, {n} reruns (category on/off): whole rerun (AppTest) median {statistics.median(total) * 1000:.0f} ms wall "
          f"(min {min(total) * 1000:.0f}, max {max(total) * 1000:.0f}); the page's script thread median {statistics.median(page) * 1000:.0f} ms CPU")
    print(f"  {'part':<26}{'wall ms':>10}{'CPU ms':>10}   (per rerun; CPU = the script thread's own time, less sensitive to load)")
    for name, v in sorted(times.items(), key=lambda kv: -sum(c for _, c in kv[1])):
        if name != "page" and sum(w for w, _ in v) / n >= 0.0005:
            print(f"  {name:<26}{sum(w for w, _ in v) / n * 1000:>10.1f}{sum(c for _, c in v) / n * 1000:>10.1f}")
    print(f"Payload (all projects): base script {len(args['script']) / 1000:.1f} kB, project layers "
          f"{len(args['feature_group'] or '') / 1000:.1f} kB, layer control {len(args['layer_control'] or '') / 1000:.1f} kB")


def _one_repaint(page, category: str) -> dict[str, float]:
    frame = painted_map_frame(page)
    page.evaluate("() => { window.__log = []; }")
    frame.evaluate(WATCH_JS)
    page.locator("[data-testid='stMultiSelect']").nth(2).click()
    page.keyboard.type(category)
    t0 = page.evaluate("() => performance.timeOrigin + performance.now()")
    page.keyboard.press("Enter")
    deadline = time.time() + 30
    while time.time() < deadline:
        log = frame.evaluate("() => window.__log")
        if any(e[0] == "painted" for e in log):
            break
        time.sleep(0.05)
    main = page.evaluate("() => window.__log")
    out = {"ws_first": next((e[1] - t0 for e in main if e[0] == "ws" and e[1] >= t0), float("nan")),
           "ws_layers": next((e[1] - t0 for e in main if e[0] == "ws" and e[3]), float("nan")),
           "ws_layers_kB": next((e[2] / 1000 for e in main if e[0] == "ws" and e[3]), float("nan"))}
    for kind in ("render", "applied", "painted"):
        out[kind] = next((e[1] - t0 for e in log if e[0] == kind and (kind != "render" or e[1] >= t0 + out["ws_layers"] - 1)), float("nan"))
    page.keyboard.press("Escape")
    return out


def _first_paint(page, url: str) -> tuple[dict, list]:
    """Open ``url``; the times (ms after navigation start) of what a first paint waits for, and the
    map frame's resources ``(name, start, end, kB)``."""
    page.goto(url)
    frame = painted_map_frame(page)
    deadline = time.time() + 30
    while time.time() < deadline and not any(e[0] == "drawn" for e in frame.evaluate("() => window.__log")):
        time.sleep(0.05)
    t0 = page.evaluate("() => performance.timeOrigin")
    main, log = page.evaluate("() => window.__log"), frame.evaluate("() => window.__log")
    nav = page.evaluate("() => { const n = performance.getEntriesByType('navigation')[0]; return [n.responseEnd, n.domContentLoadedEventEnd, n.loadEventEnd]; }")
    out = {"html": nav[0], "dom_ready": nav[1], "load": nav[2],
           "ws_first": next((e[1] - t0 for e in main if e[0] == "ws"), float("nan")),
           "ws_layers": next((e[1] - t0 for e in main if e[0] == "ws" and e[3]), float("nan")),
           "frame_start": frame.evaluate("() => performance.timeOrigin") - t0}
    for kind in ("render", "map", "drawn"):
        out[kind] = next((e[1] - t0 for e in log if e[0] == kind), float("nan"))
    offset = out["frame_start"]
    resources = [(r[0].split("/")[-1][:40], offset + r[1], offset + r[2], r[3] / 1000) for r in frame.evaluate(
        "() => performance.getEntriesByType('resource').map(r => [r.name, r.startTime, r.responseEnd, r.decodedBodySize])")]
    return out, resources


@contextmanager
def _app_page():
    """The app on :data:`PORT` open in headless Chromium, its map painted once: yields ``(page, base_url)``."""
    from playwright.sync_api import sync_playwright

    from geo._browser import CHROMIUM_FLAGS, chromium_path
    from scripts.serve_app import running_app

    with running_app(port=PORT) as base_url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 950})
        page.add_init_script(INIT_JS)
        page.goto(base_url + "/")
        painted_map_frame(page, timeout_s=180)
        time.sleep(2)
        try:
            yield page, base_url
        finally:
            browser.close()


def first_paint_timeline(runs: int) -> None:
    """The real app in Chromium: what a first paint of the map page waits for."""
    rows, resources = [], []
    with _app_page() as (page, base_url):
        for _ in range(runs):
            row, resources = _first_paint(page, base_url + "/")
            rows.append(row)
    keys = ("html", "dom_ready", "load", "ws_first", "ws_layers", "frame_start", "render", "map", "drawn")
    print("First paint timeline (s after navigation start): page HTML, DOM ready, load, first ws message, map's ws message, "
          "map frame starts, its render message, Leaflet map created, first layer drawn")
    print("  " + "".join(f"{k:>12}" for k in keys))
    for r in rows:
        print("  " + "".join(f"{r[k] / 1000:>12.3f}" for k in keys))
    print("  " + "".join(f"{statistics.median(r[k] for r in rows) / 1000:>12.3f}" for k in keys) + "   (median)")
    print("  map frame's resources in the last run (start → end s, kB decoded):")
    for name, start, end, kb in resources:
        print(f"    {name:<42}{start / 1000:>7.3f} → {end / 1000:.3f}{kb:>9.0f}")


def browser_timeline(reruns: int) -> None:
    """The real app in Chromium: the timeline of a category pick, from key press to painted layers."""
    rows = []
    with _app_page() as (page, base_url):
        for i in range(reruns):
            page.goto(base_url + "/")
            painted_map_frame(page)
            time.sleep(1.5)
            rows.append(_one_repaint(page, "铁路" if i % 2 == 0 else "机场"))
    keys = ("ws_first", "ws_layers", "render", "applied", "painted")
    print("Browser timeline after the key press (s): first ws message, layers' ws message, component render message, "
          "layers evaluated (rAF), painted (2nd rAF); layers' message size")
    print("  " + "".join(f"{k:>11}" for k in keys) + f"{'kB':>9}")
    for r in rows:
        print("  " + "".join(f"{r[k] / 1000:>11.3f}" for k in keys) + f"{r['ws_layers_kB']:>9.0f}")
    print("  " + "".join(f"{statistics.median(r[k] for r in rows) / 1000:>11.3f}" for k in keys) + "   (median)")


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    reruns = int(args[0]) if args else 3
    if "--browser-only" not in sys.argv:
        python_parts(reruns)
    if "--python-only" not in sys.argv:
        first_paint_timeline(reruns)
        browser_timeline(reruns)


if __name__ == "__main__":
    main()
