"""The real app in headless Chromium: paints offline, Chinese renders, clicks show details, Gaode shifts."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from .conftest import _COUNT_JS, LABELS_JS, PROJECT_POSITIONS_JS, Page, wait_stable, wait_until

pytestmark = pytest.mark.browser


def _distinct_colours(png: bytes) -> int:
    img = Image.open(io.BytesIO(png)).convert("RGB").resize((350, 240))
    return len(set(img.get_flattened_data())) if hasattr(img, "get_flattened_data") else len(set(img.getdata()))


@pytest.fixture(scope="module")
def transport_map(app_url, context):
    """The map filtered to rail, metro and highway, loaded once for the tests that only look at it."""
    p = Page(context, app_url + "/?category=rail,metro,highway")
    yield p
    p.page.close()


def test_map_paints_offline_with_no_errors(transport_map):
    p = transport_map
    frame = p.map_frame(min_paths=50)
    assert frame.locator(".leaflet-container canvas").count() >= 1  # projects on canvas
    assert frame.evaluate(_COUNT_JS) > 100  # boundaries + lines + labels
    labels = frame.locator(".atlas-label").all_inner_texts()
    assert len(labels) >= 59 and "九龙坡区" in labels  # 38 districts + 21 cities, Chinese names
    # the canvas paints on a later animation frame: screenshots until one is not blank
    wait_until(lambda: _distinct_colours(frame.locator(".leaflet-container").screenshot()) > 30, 20, "map screenshot looks blank")
    assert p.failed == [], p.failed  # every asset served by the app itself; nothing failed
    assert [e for e in p.errors if "favicon" not in e] == []


def test_chinese_text_renders_as_glyphs(transport_map):
    p = transport_map
    p.map_frame()
    title = p.page.get_by_role("heading", name="项目一张图")
    assert title.is_visible()
    png = title.screenshot()
    assert _distinct_colours(png) > 5


def test_click_project_shows_detail(app_url, open_page):
    p = open_page(app_url + "/?category=airport&precision=exact,approximate")
    frame = p.map_frame(min_paths=5)
    # positions once the map has stopped fitting its view (the same in two polls)
    positions = wait_stable(lambda: [pos for pos in frame.evaluate(PROJECT_POSITIONS_JS) if 30 < pos[1] < 900 and 30 < pos[2] < 600],
                            message="no project visible on the map")
    box = frame.frame_element().bounding_box()
    _, x, y = positions[0]
    p.page.mouse.click(box["x"] + x, box["y"] + y)
    p.page.get_by_text("规划原文").first.wait_for(timeout=20000)
    # The panel shows one of the projects drawn under the cursor (several airports can overlap).
    under_cursor = {q[0] for q in positions if abs(q[1] - x) < 12 and abs(q[2] - y) < 12}
    shown = p.page.locator("code").all_inner_texts()
    assert under_cursor & set(shown), (under_cursor, shown)


def test_gaode_shifts_overlays(app_url, open_page):
    def labels(url):
        pg = open_page(url)
        return sorted(pg.map_frame().evaluate(LABELS_JS))

    wgs = labels(app_url + "/?lat=29.5&lon=106.5&z=9")
    gcj = labels(app_url + "/?lat=29.5&lon=106.5&z=9&base=gaode")
    assert len(wgs) == len(gcj) > 50
    shifts = [(b[0] - a[0], b[1] - a[1]) for a, b in zip(wgs, gcj, strict=True)]
    # Every label moves east by the GCJ-02 offset (a few hundred metres) and no more.
    assert all(0.001 < dx < 0.01 and abs(dy) < 0.01 for dy, dx in shifts)


def test_exported_html_map_is_standalone(browser, atlas, tmp_path):
    """The Export page's HTML map opens from a file, offline, with no server, and paints."""
    from geo import boundaries
    from layers.assets import inline_local_assets
    from layers.projects import build_map, map_html

    html = inline_local_assets(map_html(build_map(atlas.projects, boundaries.filter_units(resolution="web"), plans=atlas.plans)))
    assert not re.search(r'(?:src|href)="/app/static', html)
    path = tmp_path / "map.html"
    path.write_text(html, encoding="utf-8")
    page = browser.new_page()
    failed = []
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.goto(path.as_uri())
    page.wait_for_function(f"({_COUNT_JS})() > 100", timeout=30000)
    assert failed == []
    page.close()


def test_screenshot_command(tmp_path):
    """`python -m layers screenshot` saves a non-blank PNG of the filtered web map."""
    import subprocess
    import sys

    out = tmp_path / "shot.png"
    # In a subprocess: Playwright's sync API cannot start twice in one thread (the session browser runs here).
    done = subprocess.run([sys.executable, "-m", "layers", "screenshot", "--category", "rail", "--out", str(out), "--width", "900", "--height", "600"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    img = Image.open(out)
    assert img.size == (900, 600)
    assert _distinct_colours(out.read_bytes()) > 30
