"""Screenshot of the interactive map in headless Chromium: exactly what the app shows.

The folium map is built by :func:`layers.projects.build_map` (the same code the
app uses), made standalone with its local assets inlined, and handed to
:func:`geo._browser.html_to_png`, which opens it from a temporary file (no
server, no network) in Debian's Chromium at a fixed viewport and saves a PNG
once Leaflet has drawn. The command line is ``python -m layers screenshot``.
"""

from __future__ import annotations

from pathlib import Path

from geo._browser import ScreenshotBusy, html_to_png, screenshot_slot
from layers.assets import inline_local_assets
from layers.projects import build_map, map_html

__all__ = ["ScreenshotBusy", "screenshot"]


def screenshot(projects, units, out: str | Path, *, plans: dict, lang: str = "zh", basemap: str = "none", width: int = 1600, height: int = 1000, timeout_s: float = 60) -> Path:
    """Save a PNG of the web map of ``projects`` (already filtered) over ``units`` to ``out``.

    At most ``settings.max_screenshots`` run at once in a process
    (:func:`geo._browser.screenshot_slot`); one more raises
    :class:`~geo._browser.ScreenshotBusy` at once, before the map is built.
    An empty ``projects`` frame gives the boundaries alone.

    Raises
    ------
    ScreenshotBusy
        Every screenshot slot is taken.
    DataFileError
        ``out`` may not be written; nothing is.
    """
    with screenshot_slot():
        html = inline_local_assets(map_html(build_map(projects, units, plans=plans, lang=lang, basemap=basemap)))
        return html_to_png(html, out, width=width, height=height, timeout_s=timeout_s)
