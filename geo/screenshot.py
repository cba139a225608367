"""Screenshot of the interactive map in headless Chromium: exactly what the app shows.

The folium map is built by :func:`layers.projects.build_map` (the same code the
app uses), made standalone with its local assets inlined, opened from a
temporary file (no server, no network) in Debian's Chromium at a fixed viewport,
and saved as PNG once Leaflet has drawn.

This module imports ``layers`` lazily: it is the one place in ``geo`` that
drives the web map, kept behind a function so the library itself stays free
of folium at import time.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from geo._errors import AtlasError


class ScreenshotBusy(AtlasError):
    """As many screenshots as ``settings.max_screenshots`` are being taken; try again shortly."""


_slots_lock = threading.Lock()
_slots: dict[int, threading.BoundedSemaphore] = {}


def _semaphore() -> threading.BoundedSemaphore:
    """One process-wide semaphore per limit (the limit is read from settings at call time)."""
    from geo import settings

    limit = max(1, int(getattr(settings, "max_screenshots", 2)))
    with _slots_lock:
        return _slots.setdefault(limit, threading.BoundedSemaphore(limit))


@contextlib.contextmanager
def screenshot_slot(*, wait_s: float = 0.5) -> Iterator[None]:
    """Hold one of the ``settings.max_screenshots`` (default 2) Chromium slots, or raise :class:`ScreenshotBusy`.

    Each screenshot launches a Chromium (≈ 200 MB, one core); an anonymous page
    user clicking repeatedly must not be able to start more than that at once.
    """
    slot = _semaphore()
    if not slot.acquire(timeout=wait_s):
        raise ScreenshotBusy("screenshot: the server is busy with other screenshots; try again in a minute")
    try:
        yield
    finally:
        slot.release()

#: Flags for Debian's Chromium here: without the background-networking ones it tries Google's hosts.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-quic"]
#: Number of vector layers (paths, markers, canvas parts) Leaflet has drawn in a folium page.
DRAWN_LAYERS_JS = """() => { const k = Object.keys(window).find(n => n.startsWith('map_')); if (!k) return 0;
  let n = 0; window[k].eachLayer(l => { if (l._path || l._icon || l._parts || l._latlng) n++; }); return n; }"""


def chromium_path() -> str:
    """Debian's Chromium (installed by ``make setup``)."""
    return shutil.which("chromium") or "/usr/bin/chromium"


def screenshot(projects, units, out: str | Path, *, plans: dict, lang: str = "zh", basemap: str = "none", width: int = 1600, height: int = 1000, timeout_s: float = 60) -> Path:
    """Save a PNG of the web map of ``projects`` (already filtered) to ``out``.

    At most ``settings.max_screenshots`` run at once in a process
    (:func:`screenshot_slot`); one more raises :class:`ScreenshotBusy` at once.
    """
    with screenshot_slot():
        return _screenshot(projects, units, out, plans=plans, lang=lang, basemap=basemap, width=width, height=height, timeout_s=timeout_s)


def _screenshot(projects, units, out: str | Path, *, plans: dict, lang: str, basemap: str, width: int, height: int, timeout_s: float) -> Path:
    from playwright.sync_api import sync_playwright

    from layers.assets import inline_local_assets
    from layers.projects import build_map, map_html

    html = inline_local_assets(map_html(build_map(projects, units, plans=plans, lang=lang, basemap=basemap)))
    from geo import _files

    out = _files.output_file(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        page_path = Path(tmp) / "map.html"
        page_path.write_text(html, encoding="utf-8")
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": width, "height": height})
        page.goto(page_path.as_uri())
        page.wait_for_function(f"({DRAWN_LAYERS_JS})() > 0", timeout=timeout_s * 1000)
        page.evaluate("() => new Promise(r => setTimeout(r, 500))")
        from geo.io import atomic_path

        with atomic_path(out) as tmp_png:
            page.screenshot(path=str(tmp_png), full_page=False)
        browser.close()
    return out
