"""Screenshots of the running app for docs/gallery/ (map and tiled map zh/en desktop and phone, a place's list, Export framed on the map's view).

Run: ``.venv/bin/python scripts/gallery_app.py`` (starts the app on 127.0.0.1, offline).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo._browser import CHROMIUM_FLAGS, chromium_path, painted_map_frame  # noqa: E402
from scripts.serve_app import running_app  # noqa: E402

OUT = ROOT / "docs" / "gallery"


def _painted(page, minimum: int = 20, timeout: float = 90):
    frame = painted_map_frame(page, minimum=minimum, timeout_s=timeout, poll_s=0.3)
    time.sleep(2.5)  # labels and boundaries finish drawing
    return frame


DESKTOP, PHONE = {"width": 1440, "height": 900}, {"width": 390, "height": 844}


def _shoot(browser, url: str, shots) -> None:
    for name, path, viewport in shots:
        page = browser.new_page(viewport=viewport, is_mobile=viewport["width"] < 500)
        page.goto(url + path)
        frame = _painted(page, minimum=1 if "tiled" in name else 20)
        if "tiled" in name:
            deadline = time.time() + 120
            while not frame.evaluate("() => window.__atlasTilesPainted !== undefined") and time.time() < deadline:
                time.sleep(0.5)
            time.sleep(1.5)
        page.screenshot(path=str(OUT / name))
        page.close()


def _place_list(browser, url: str) -> None:
    page = browser.new_page(viewport=DESKTOP)
    page.goto(url + "/?district=500107")
    frame = _painted(page)
    badges = sorted(frame.evaluate("""() => [...document.querySelectorAll('.atlas-badge')].map(b => {
        const r = b.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2, Number(b.innerText)]; })"""), key=lambda b: -b[2])
    box = frame.frame_element().bounding_box()
    page.mouse.click(box["x"] + badges[0][0], box["y"] + badges[0][1])
    page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=30000)
    time.sleep(2)
    page.screenshot(path=str(OUT / "map_zh_jiulongpo_place_list.png"))
    page.close()


def _export_current_view(browser, url: str) -> None:
    """Pan the map to central Chongqing, then frame the briefing image on "the map's current view"."""
    page = browser.new_page(viewport={"width": 1440, "height": 1500})  # tall: the frame choice and the preview together
    page.goto(url + "/?lang=en")
    frame = _painted(page)
    frame.evaluate("() => { window.map.setView([29.56, 106.55], 10); }")
    time.sleep(2.5)
    page.locator("[data-testid=stSidebarNavLink]").filter(has_text="Export").first.click()
    page.get_by_text("The map's current view").first.wait_for(timeout=60000)
    time.sleep(2)
    page.get_by_text("The map's current view").first.click()
    page.get_by_text("The map's current view:").first.wait_for(timeout=60000)
    page.get_by_role("button", name="Make preview").click()
    page.get_by_text("Frame: ").first.wait_for(timeout=180000)
    page.get_by_text("Briefing image").first.scroll_into_view_if_needed()
    page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollBy(0, -20)")
    time.sleep(1)
    page.screenshot(path=str(OUT / "export_en_current_view.png"))
    page.close()


def main() -> None:
    """Every gallery picture: the map (zh/en, desktop/phone), a place's list, the Export page framed on the map's
    view, and the tiled map (threshold 50, so today's catalog is drawn from vector tiles) with its place badges."""
    import os

    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        with running_app() as url:
            _shoot(browser, url, [("map_zh_desktop.png", "/", DESKTOP), ("map_en_desktop.png", "/?lang=en&category=rail,metro,highway", DESKTOP),
                                  ("map_zh_phone.png", "/", PHONE), ("map_en_phone.png", "/?lang=en", PHONE)])
            _place_list(browser, url)
            _export_current_view(browser, url)
        with running_app(timeout_s=120, env={"ATLAS_VECTOR_TILES_THRESHOLD": os.environ.get("ATLAS_VECTOR_TILES_THRESHOLD", "50")}) as url:
            _shoot(browser, url, [("map_zh_tiled_desktop.png", "/?lat=29.9&lon=106.4&z=8", DESKTOP), ("map_en_tiled_desktop.png", "/?lang=en&lat=29.9&lon=106.4&z=8", DESKTOP),
                                  ("map_zh_tiled_phone.png", "/?lat=29.6&lon=106.5&z=8", PHONE), ("map_en_tiled_phone.png", "/?lang=en&lat=29.6&lon=106.5&z=8", PHONE)])
        browser.close()


if __name__ == "__main__":
    main()
