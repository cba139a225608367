"""Headless Chromium: where it is, how it is started, how many run at once, and an HTML page saved as PNG.

Nothing here knows about maps: :mod:`layers.screenshot` builds the folium map
and hands its HTML to :func:`html_to_png`; browser tests and benches take
:data:`CHROMIUM_FLAGS`, :data:`DRAWN_LAYERS_JS` and :func:`chromium_path` from
here. Playwright is imported when a page is opened, not at import.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from geo._errors import AtlasError

#: Flags for Debian's Chromium here: without the background-networking ones it tries Google's hosts.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-quic"]
#: Number of vector layers (paths, markers, canvas parts) Leaflet has drawn in a folium page.
DRAWN_LAYERS_JS = """() => { const k = Object.keys(window).find(n => n.startsWith('map_')); if (!k) return 0;
  let n = 0; window[k].eachLayer(l => { if (l._path || l._icon || l._parts || l._latlng) n++; }); return n; }"""


class ScreenshotBusy(AtlasError):
    """As many screenshots as ``settings.max_screenshots`` are being taken; try again shortly."""


_slots_lock = threading.Lock()
_slots: dict[int, threading.BoundedSemaphore] = {}


def chromium_path() -> str:
    """Debian's Chromium (installed by ``make setup``): the one on ``PATH``, else ``/usr/bin/chromium``."""
    return shutil.which("chromium") or "/usr/bin/chromium"


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
    A limit below 1 counts as 1.

    Raises
    ------
    ScreenshotBusy
        No slot came free within ``wait_s`` seconds.
    """
    slot = _semaphore()
    if not slot.acquire(timeout=wait_s):
        raise ScreenshotBusy("screenshot: the server is busy with other screenshots; try again in a minute")
    try:
        yield
    finally:
        slot.release()


def html_to_png(html: str, out: str | Path, *, width: int, height: int, ready_js: str = DRAWN_LAYERS_JS, timeout_s: float = 60) -> Path:
    """Open ``html`` from a temporary file (no server) in headless Chromium and save the viewport as PNG.

    The page must be standalone (assets inlined: nothing is fetched). The
    picture is taken once ``ready_js`` (a JS function) returns a positive number,
    plus half a second for the last paint. ``out`` is written through a
    temporary file and replaced in one step; a failure leaves it as it was.

    Raises
    ------
    DataFileError
        ``out`` is not a file that may be written (:func:`geo._files.output_file`).
    playwright.sync_api.TimeoutError
        ``ready_js`` stayed at 0 for ``timeout_s`` seconds.
    """
    from playwright.sync_api import sync_playwright

    from geo import _files
    from geo.io import atomic_path

    out = _files.output_file(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        page_path = Path(tmp) / "page.html"
        page_path.write_text(html, encoding="utf-8")
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(page_path.as_uri())
            page.wait_for_function(f"({ready_js})() > 0", timeout=timeout_s * 1000)
            page.evaluate("() => new Promise(r => setTimeout(r, 500))")
            with atomic_path(out) as tmp_png:
                page.screenshot(path=str(tmp_png), full_page=False)
        finally:
            browser.close()
    return out


def painted_map_frame(page, *, minimum: int = 1, timeout_s: float = 60, poll_s: float = 0.02):
    """The frame of a Streamlit page (Playwright, sync) whose folium map has drawn at least ``minimum`` layers.

    Polls every frame every ``poll_s`` seconds, since Streamlit replaces the map's frame while it
    reruns (a frame that goes away mid-look counts as "not yet"). Used by the benches and the
    gallery script, which time or photograph the running app.

    Raises
    ------
    RuntimeError
        No frame had drawn ``minimum`` layers within ``timeout_s`` seconds.
    """
    import time

    deadline = time.time() + timeout_s
    while time.time() < deadline:
        for frame in page.frames:
            try:
                if frame.locator(".leaflet-container").count() and frame.evaluate(DRAWN_LAYERS_JS) >= minimum:
                    return frame
            except Exception:  # frames come and go while Streamlit reruns
                pass
        time.sleep(poll_s)
    raise RuntimeError("no map")
