"""The map's view, known without a rerun on pan (issue 15): in the address bar, on the server, on the Export page."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.conftest import SCRIPT_IDLE_JS, wait_stable, wait_until

pytestmark = pytest.mark.browser

#: One screen pixel at zoom 11 in degrees of longitude (360° / 256 px / 2**11): a view "exactly" reopened is within it.
PIXEL_Z11 = 360 / 256 / 2**11
BOUNDS_JS = "() => { const b = window.map.getBounds(); return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; }"
#: Counts the script runs that start from now on (``data-test-script-state`` turning "running"), however short.
COUNT_RUNS_JS = """() => { window.__atlasRuns = 0; const app = document.querySelector('[data-testid=stApp]');
  new MutationObserver(() => { if (app.getAttribute('data-test-script-state') === 'running') window.__atlasRuns++; })
    .observe(app, {attributes: true, attributeFilter: ['data-test-script-state']}); }"""


def _wait(predicate, timeout: float = 60.0):
    return wait_until(predicate, timeout)


def _query(url: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}


def _href(page) -> str:
    """The address bar as the page sees it (Playwright's ``page.url`` misses a child frame's ``replaceState``)."""
    return page.evaluate("() => location.href")


def _map_frame(page):
    return _wait(lambda: next((f for f in page.frames if f.evaluate("() => !!(window.map && window.map.getZoom)")), None))


def test_pan_reaches_the_url_the_server_a_new_page_and_the_export_frame(app_url, open_page):
    p = open_page(app_url + "/")
    p.map_frame(min_paths=5)
    page = p.page
    _wait(lambda: page.evaluate(SCRIPT_IDLE_JS))
    frame = _wait(lambda: next((f for f in page.frames if f.evaluate("() => !!window.__atlasView")), None))  # the map has reported once
    assert "z=" in _href(page)

    page.evaluate(COUNT_RUNS_JS)
    frame.evaluate("() => { window.map.setView([29.56, 106.55], 11); }")  # a pan and zoom, as a planner's drag would end
    # 1. The address bar holds the view (4 decimals resolve a pixel at zoom 11), without a rerun.
    _wait(lambda: _query(_href(page)).get("z") == "11", timeout=20)
    assert _query(_href(page))["lat"] == "29.5600" and _query(_href(page))["lon"] == "106.5500"
    # A rerun would start within moments of the map's report: watch 1.5 s for one (a "no", so a time window).
    page.wait_for_timeout(1500)
    assert page.evaluate("() => window.__atlasRuns") == 0, "the pan started a rerun"

    # 2. The next rerun (here: switching to English) brings the view to the server: it writes the
    #    address bar again with the new language and the same view, not a stale one.
    page.get_by_text("English").first.click()
    _wait(lambda: _query(_href(page)).get("lang") == "en" and page.evaluate(SCRIPT_IDLE_JS))  # the run has written it
    q = _query(_href(page))
    assert (q["lat"], q["lon"], q["z"]) == ("29.5600", "106.5500", "11")
    rebuilt = _map_frame(page)  # the language is part of the base map: rebuilt at the reported view
    _wait(lambda: abs(rebuilt.evaluate("() => window.map.getCenter().lat") - 29.56) < 1e-3)

    # 3. The link opens at exactly that view in a new page.
    other = open_page(_href(page))
    fresh = other.map_frame(min_paths=5)
    _wait(lambda: other.page.evaluate(SCRIPT_IDLE_JS))  # the run that frames the map is over
    assert fresh.evaluate("() => window.map.getZoom()") == 11
    # The frame may still be taking its final height (Leaflet then keeps the centre to the pixel): read a settled centre.
    c = wait_stable(lambda: fresh.evaluate("() => { const c = window.map.getCenter(); return [c.lat, c.lng]; }"))
    assert abs(c[0] - 29.56) < PIXEL_Z11 and abs(c[1] - 106.55) < PIXEL_Z11

    # 4. Pan again and go straight to Export (no rerun in between: the view travels through the tab's
    #    sessionStorage); framed on "the map's current view", the frame drawn is the map's bounds.
    rebuilt = _map_frame(page)
    rebuilt.evaluate("() => { window.map.setView([29.62, 106.48], 12); }")
    _wait(lambda: _query(_href(page)).get("z") == "12", timeout=20)
    bounds = rebuilt.evaluate(BOUNDS_JS)
    page.locator("[data-testid=stSidebarNavLink]").filter(has_text="Export").first.click()
    _wait(lambda: page.locator(".st-key-atlas_view input").count() and page.locator(".st-key-atlas_view input").input_value())
    page.get_by_text("The map's current view").first.click()
    page.get_by_text("The map's current view:").first.wait_for(timeout=60_000)
    page.get_by_role("button", name="Make preview").click()
    caption = page.get_by_text(re.compile(r"^Frame: ")).first
    caption.wait_for(timeout=120_000)
    w, e, s, n = (float(v) for v in re.findall(r"-?\d+\.\d+", caption.inner_text()))
    for got, want in zip((w, s, e, n), bounds, strict=True):
        assert abs(got - want) < 2e-3, (got, want)
    assert not [m for m in p.errors if "Traceback" in m]
