"""The map as a planner uses it, in headless Chromium: framing, phone layout, bad links, failing tiles, places."""

from __future__ import annotations

import pytest

from tests.browser.conftest import SCRIPT_IDLE_JS, wait_stable, wait_until

pytestmark = pytest.mark.browser

#: The place symbols (one per place, all plans together): [tooltip-free position x, y, count].
PLACE_BADGES_JS = """() => [...document.querySelectorAll('.atlas-badge')].map(b => {
  const r = b.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2, Number(b.innerText)]; })"""


def _wait(predicate, timeout: float = 30.0):
    return wait_until(predicate, timeout)


def test_phone_shows_zoom_buttons_uncovered_and_scrolls(browser, app_url):
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        page.goto(app_url + "/")
        frame = _wait(lambda: next((f for f in page.frames if f.locator(".leaflet-control-zoom-in").count()), None), timeout=60)
        # Read once the frame has loaded and the boxes hold still: before Leaflet's CSS applies, the collapsed
        # control's list shows at full width (a fresh-clone run read 358 px there).
        _wait(lambda: page.evaluate(SCRIPT_IDLE_JS) and frame.evaluate("() => document.readyState === 'complete'"), timeout=60)
        zoom_in, layers = wait_stable(lambda: (frame.locator(".leaflet-control-zoom-in").bounding_box(), frame.locator(".leaflet-control-layers").bounding_box()))
        assert zoom_in and layers
        overlap_x = min(zoom_in["x"] + zoom_in["width"], layers["x"] + layers["width"]) - max(zoom_in["x"], layers["x"])
        overlap_y = min(zoom_in["y"] + zoom_in["height"], layers["y"] + layers["height"]) - max(zoom_in["y"], layers["y"])
        assert overlap_x <= 0 or overlap_y <= 0, "the layer control covers the zoom buttons"
        assert layers["width"] < 60, "the layer control is open on a phone"
        iframe = frame.frame_element().bounding_box()
        assert iframe["height"] < 844 * 0.85  # a strip of page stays outside the map to scroll by
        assert page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollHeight") > 844
    finally:
        page.close()


@pytest.mark.parametrize(("query", "text"), [("/?p=G:abc,def", "格式无效"), ("/?p=P00000000&lang=en", "does not exist")])
def test_malformed_project_link_shows_a_notice(app_url, open_page, query, text):
    p = open_page(app_url + query)
    p.page.get_by_text(text).first.wait_for(timeout=60000)
    assert p.page.get_by_text("Traceback").count() == 0


def test_failing_tile_layer_shows_a_notice(browser, app_url):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    try:
        page.route("**/tile.openstreetmap.org/**", lambda route: route.abort())  # no network touched
        page.goto(app_url + "/?base=osm&lang=en")
        frame = _wait(lambda: next((f for f in page.frames if f.locator(".atlas-tile-error").count()), None), timeout=60)
        assert "could not be loaded" in frame.locator(".atlas-tile-error").inner_text()
        assert "OpenStreetMap" not in frame.locator(".leaflet-control-attribution").inner_text()
    finally:
        page.close()


def test_district_link_frames_the_district_and_its_records_are_two_clicks_away(app_url, open_page):
    p = open_page(app_url + "/?district=500107")
    frame = p.map_frame(min_paths=20)
    # 九龙坡区 spans about 106.2–106.6 E, 29.2–29.6 N: the view fits it, not the whole region.
    bounds = _wait(lambda: (b := frame.evaluate("() => { const b = window.map.getBounds(); return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; }")) and b[2] - b[0] < 1.5 and b)
    w, s, e, n = bounds
    assert w < 106.25 and e > 106.55 and s < 29.25 and n > 29.55
    assert frame.evaluate("() => window.map.getZoom()") >= 9
    # A record known only to the district: click 1 on the district's symbol, click 2 on its row.
    badges = _wait(lambda: sorted(frame.evaluate(PLACE_BADGES_JS), key=lambda b: -b[2]))
    x, y, n = badges[0]
    assert n > 50  # Jiulongpo's district-level records are together on one symbol
    box = frame.frame_element().bounding_box()
    p.page.mouse.click(box["x"] + x, box["y"] + y)  # click 1: the symbol
    grid = p.page.locator("[data-testid='stDataFrame']").first
    grid.wait_for(timeout=30000)
    assert p.page.get_by_text("九龙坡区:").first.is_visible()
    g = grid.bounding_box()
    p.page.mouse.click(g["x"] + 16, g["y"] + 35 + 17)  # click 2: the first row
    p.page.get_by_text("规划原文").first.wait_for(timeout=30000)
