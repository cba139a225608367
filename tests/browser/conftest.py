"""Start the real app (`streamlit run`) on 127.0.0.1 and drive it with headless Chromium."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from geo._browser import CHROMIUM_FLAGS, DRAWN_LAYERS_JS, chromium_path
from scripts.serve_app import AppDidNotStart, running_app

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = chromium_path()
#: The tests' Chromium: the app's flags, and the pages of one site (in one browser context) in one renderer
#: process, so the front end's scripts are compiled once, not once per tab: -20 % CPU for the 42 pages of
#: test_hostile_urls.py (docs/PERFORMANCE.md "Test suite wall time").
TEST_FLAGS = [*CHROMIUM_FLAGS, "--process-per-site"]


@pytest.fixture(scope="session")
def app_url():
    if not (ROOT / "static" / "vendor" / "leaflet" / "leaflet.js").exists():
        pytest.fail("front-end assets missing: run scripts/fetch_assets.sh (make setup does)")
    try:
        with running_app() as url:
            yield url
    except AppDidNotStart as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium not installed: make setup installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=TEST_FLAGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def context(browser):
    """One browser context (1400 × 950) for the app's pages: its HTTP cache and renderer process serve every tab,
    so the front end is fetched and compiled once per worker, not once per page (a fresh context per page cost
    2.5 × the CPU, docs/PERFORMANCE.md "Test suite wall time"). Tabs stay independent: each is its own
    Streamlit session with its own sessionStorage, and the app keeps no cookie or localStorage."""
    c = browser.new_context(viewport={"width": 1400, "height": 950})
    yield c
    c.close()


_COUNT_JS = DRAWN_LAYERS_JS
#: Whether Streamlit has finished the page's script run (1.67 sets ``data-test-script-state`` on the app element:
#: "initial", "running", "notRunning", ...). Its status widget only shows a while after a run has started.
SCRIPT_IDLE_JS = "() => document.querySelector('[data-testid=stApp]')?.getAttribute('data-test-script-state') === 'notRunning'"
#: Screen positions (in the frame) of drawn project features: [id, x, y].
PROJECT_POSITIONS_JS = """() => { const k = Object.keys(window).find(n => n.startsWith('map_')); const m = window[k]; const out = [];
  m.eachLayer(l => { const f = l.feature; if (!f || !f.properties || !f.properties.id) return;
    const ll = l.getLatLng ? l.getLatLng() : (l.getCenter ? l.getCenter() : null); if (!ll) return;
    const c = m.latLngToContainerPoint(ll); out.push([f.properties.id, c.x, c.y]); }); return out; }"""
#: The folium map's label markers' positions in degrees.
LABELS_JS = """() => { const k = Object.keys(window).find(n => n.startsWith('map_')); const out = [];
  window[k].eachLayer(l => { if (l.options && l.options.icon && l.options.icon.options && String(l.options.icon.options.html || '').includes('atlas-label'))
    out.push([l.getLatLng().lat, l.getLatLng().lng]); }); return out; }"""


class Page:
    """A page with its console errors and failed requests recorded."""

    def __init__(self, context, url: str):
        self.page = context.new_page()
        self.errors: list[str] = []
        self.failed: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("requestfailed", lambda r: self.failed.append(r.url))
        self.page.goto(url)

    def map_frame(self, *, min_paths: int = 5, timeout: float = 60):
        """The st_folium iframe once Leaflet has drawn at least ``min_paths`` interactive shapes."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            for frame in self.page.frames:
                try:
                    if frame.locator(".leaflet-container").count() and frame.evaluate(_COUNT_JS) >= min_paths:
                        return frame
                except Exception:  # frames come and go while Streamlit reruns
                    pass
            time.sleep(0.3)
        raise AssertionError("the map did not paint")


@pytest.fixture
def open_page(context):
    pages = []

    def _open(url):
        p = Page(context, url)
        pages.append(p)
        return p

    yield _open
    for p in pages:
        p.page.close()


def wait_until(predicate, timeout: float = 30.0, message: str = "condition not met"):
    """``predicate()``'s first truthy value, polled every 0.3 s; an AssertionError (``message``) after ``timeout``
    seconds. Exceptions count as "not yet": frames come and go while Streamlit reruns."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{message} within {timeout:.0f} s")


def wait_stable(read, timeout: float = 30.0, message: str = "no stable value"):
    """``read()``'s value once two polls in a row (0.3 s apart) return the same truthy value, e.g. positions on a
    map that is still fitting its view; an AssertionError after ``timeout`` seconds."""
    seen: list = []

    def _settled():
        seen.append(read())
        return seen[-1] if len(seen) > 1 and seen[-1] and seen[-1] == seen[-2] else None

    return wait_until(_settled, timeout, message)
