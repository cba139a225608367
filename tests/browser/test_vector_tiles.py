"""The PMTiles map (geo.vtiles + layers.vector_tiles) paints in Chromium, offline, with the catalog's colours,
and a click gives the project id. Served by a local HTTP server that answers range requests, as Streamlit's
static route does."""

from __future__ import annotations

import io
import shutil
import time

import numpy as np
import pytest
import shapely
from PIL import Image

from geo import settings, vtiles
from geo.styles import CATEGORY_COLORS
from layers.vector_tiles import standalone_map
from scripts.range_server import serving
from tests.browser.conftest import SCRIPT_IDLE_JS, wait_stable, wait_until

pytestmark = pytest.mark.browser


def _rgb(color: str) -> np.ndarray:
    return np.array([int(color[i:i + 2], 16) for i in (1, 3, 5)])


def _screenshot(page) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(page.screenshot())).convert("RGB")).astype(int)


def _painted(page, test) -> list[np.ndarray] | None:
    """``[screenshot]`` if ``test(screenshot)`` holds, else None: for :func:`wait_until` (an array has no truth value)."""
    shot = _screenshot(page)
    return [shot] if test(shot) else None


def _near(shot: np.ndarray, x: float, y: float, r: int, rgb: np.ndarray) -> int:
    """How many pixels within ``r`` of ``x, y`` have about the colour ``rgb``."""
    near = shot[int(y) - r:int(y) + r + 1, int(x) - r:int(x) + r + 1]
    return int((np.abs(near - rgb).sum(axis=2) < 60).sum())


@pytest.fixture(scope="module")
def site(tmp_path_factory, fixture_projects):
    if not (settings.vendor_dir / "protomaps" / "protomaps-leaflet.js").exists():
        pytest.fail("protomaps-leaflet missing: run scripts/fetch_assets.sh")
    root = tmp_path_factory.mktemp("site")
    shutil.copytree(settings.vendor_dir, root / "vendor")
    vtiles.build(fixture_projects, root / "tiles" / "p.pmtiles", max_zoom=12)
    m = standalone_map("/tiles/p.pmtiles", location=(29.05, 106.15), zoom=11, max_zoom=12, base="/vendor")
    m.save(str(root / "index.html"))
    hidden = standalone_map("/tiles/p.pmtiles", location=(29.05, 106.15), zoom=11, max_zoom=12, base="/vendor")
    for child in hidden._children.values():  # the same map drawing only rail
        if hasattr(child, "allow"):
            child.allow = '{"category": ["rail"], "status": null}'
    hidden.save(str(root / "rail.html"))
    with serving(root) as url:
        yield url


def test_pmtiles_map_paints_and_click_returns_the_id(site, browser, fixture_projects):
    page = browser.new_page(viewport={"width": 1000, "height": 700})
    requests, statuses = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("response", lambda r: statuses.append((r.url, r.status)))
    try:
        page.goto(site + "/index.html")
        page.wait_for_function("() => window.__atlasTilesPainted !== undefined", timeout=30_000)
        assert all(u.startswith(site) for u in requests), [u for u in requests if not u.startswith(site)]
        assert any(u.endswith(".pmtiles") and s == 206 for u, s in statuses)
        attribution = page.inner_text(".leaflet-control-attribution")
        assert "项目一张图" in attribution and "Protomaps" not in attribution

        point = fixture_projects[(fixture_projects.geom_kind == "point") & (fixture_projects.location_precision == "exact")].iloc[0]
        lon, lat = shapely.get_coordinates(point.geometry)[0]
        x, y = page.evaluate(f"() => {{ const k = Object.keys(window).find(n => n.startsWith('map_'));"
                             f" const p = window[k].latLngToContainerPoint([{lat}, {lon}]); return [p.x, p.y]; }}")
        colour = _rgb(CATEGORY_COLORS[point.category])
        # the tile canvas shows on a later animation frame: screenshots until the point is there
        (shot,) = wait_until(lambda: _painted(page, lambda s: _near(s, x, y, 14, colour) >= 5), 20, "the point is not painted in its category colour")
        Image.fromarray(shot.astype(np.uint8)).save("/tmp/scale/vt_test.png") if __import__("os").environ.get("ATLAS_KEEP_SHOT") else None
        empty = shot[150:200, 700:750]  # north-east of every fixture project: Leaflet's grey only
        assert (np.abs(empty - 221) < 3).all(), "an empty area is painted"

        page.mouse.click(x, y)
        page.wait_for_function(f"() => window.__atlasPicked === {point.id!r}", timeout=10_000)
        assert page.inner_text(".leaflet-tooltip").startswith(f"{point.id} · ")
    finally:
        page.close()


def test_category_filter_hides_features_in_the_browser(site, browser, fixture_projects):
    page = browser.new_page(viewport={"width": 1000, "height": 700})
    try:
        page.goto(site + "/rail.html")
        page.wait_for_function("() => window.__atlasTilesPainted !== undefined", timeout=30_000)
        point = fixture_projects[(fixture_projects.geom_kind == "point") & (fixture_projects.category != "rail")].iloc[0]
        lon, lat = shapely.get_coordinates(point.geometry)[0]
        x, y = page.evaluate(f"() => {{ const k = Object.keys(window).find(n => n.startsWith('map_'));"
                             f" const p = window[k].latLngToContainerPoint([{lat}, {lon}]); return [p.x, p.y]; }}")
        # the red railway is still drawn (waited for: only a painted screenshot shows the point is not)
        (shot,) = wait_until(lambda: _painted(page, lambda s: (s[:, :, 0] - s[:, :, 1] > 100).sum() > 50), 20, "the railway is not drawn")
        assert _near(shot, x, y, 14, _rgb(CATEGORY_COLORS[point.category])) == 0
    finally:
        page.close()


@pytest.fixture(scope="module")
def tiled_app():
    """The real app with a threshold of 50 drawn projects, so today's catalog is drawn from tiles."""
    import os

    from scripts.serve_app import AppDidNotStart, running_app

    old = os.environ.get("ATLAS_VECTOR_TILES_THRESHOLD")
    os.environ["ATLAS_VECTOR_TILES_THRESHOLD"] = "50"
    try:
        with running_app(timeout_s=90) as url:
            yield url
    except AppDidNotStart as exc:
        pytest.fail(str(exc))
    finally:
        os.environ.pop("ATLAS_VECTOR_TILES_THRESHOLD") if old is None else os.environ.__setitem__("ATLAS_VECTOR_TILES_THRESHOLD", old)


def _tiled_frame(page, timeout: float = 120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        for frame in page.frames:
            try:
                if frame.evaluate("() => window.__atlasTilesPainted !== undefined"):
                    return frame
            except Exception:  # frames come and go while Streamlit reruns
                pass
        time.sleep(0.5)
    raise AssertionError("the tiled map did not paint")


def test_app_draws_tiles_past_the_threshold_and_a_click_selects(tiled_app, context, atlas):
    projects = atlas.projects
    pick = projects[(projects.geom_kind == "point") & (projects.location_precision == "exact") & (projects.status == "operating")].iloc[0]
    lon, lat = shapely.get_coordinates(pick.geometry)[0]
    page = context.new_page()
    try:
        page.goto(tiled_app + f"/?lat={lat:.5f}&lon={lon:.5f}&z=12")
        frame = _tiled_frame(page)
        wait_until(lambda: page.evaluate(SCRIPT_IDLE_JS))  # the page's run is over: no layer still to come
        assert frame.evaluate("() => document.querySelectorAll('.leaflet-interactive').length") < 400  # no inline project layers
        x, y = frame.evaluate(f"() => {{ const k = Object.keys(window).find(n => n.startsWith('map_'));"
                              f" const p = window[k].latLngToContainerPoint([{lat}, {lon}]); return [p.x, p.y]; }}")
        box = frame.frame_element().bounding_box()
        cx, cy = box["x"] + x, box["y"] + y
        wait_until(lambda: _near(_screenshot(page), cx, cy, 12, _rgb(CATEGORY_COLORS[pick.category])) >= 5, 20, "the point is not painted")
        page.mouse.click(box["x"] + x, box["y"] + y)
        picked = frame.evaluate("() => window.__atlasPicked")
        assert picked in set(projects.id), picked
        page.get_by_text("规划原文").first.wait_for(timeout=30_000)  # the detail panel of the clicked project
        assert picked in page.locator("code").all_inner_texts()
    finally:
        page.close()


def test_tiled_map_reaches_district_level_records_through_one_badge_per_place(tiled_app, context):
    """Records known only to a district are not tiles: one badge per place (count and name), and a click on it
    opens the place's list, as on the inline map."""
    page = context.new_page()
    try:
        page.goto(tiled_app + "/?district=500107")
        frame = _tiled_frame(page)
        badges_js = """() => [...document.querySelectorAll('.atlas-badge')].map(b => {
            const r = b.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2, Number(b.innerText)]; })"""
        badges = wait_stable(lambda: frame.evaluate(badges_js), 60, "no place badges")  # the same in two polls: the district framing is over
        x, y, n = max(badges, key=lambda b: b[2])
        assert n > 50  # Jiulongpo's district-level records together on one symbol
        box = frame.frame_element().bounding_box()
        page.mouse.click(box["x"] + x, box["y"] + y)
        page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=60_000)
        assert page.get_by_text("九龙坡区:").first.is_visible()
    finally:
        page.close()
