"""Screenshots of the running app for docs/gallery/ (map zh/en desktop, phone, a place's list).

Run: ``.venv/bin/python scripts/gallery_app.py`` (starts the app on 127.0.0.1, offline).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo._browser import CHROMIUM_FLAGS, DRAWN_LAYERS_JS, chromium_path  # noqa: E402
from scripts.serve_app import running_app  # noqa: E402

OUT = ROOT / "docs" / "gallery"


def _painted(page, minimum: int = 20, timeout: float = 90):
    deadline = time.time() + timeout
    while time.time() < deadline:
        for f in page.frames:
            try:
                if f.locator(".leaflet-container").count() and f.evaluate(DRAWN_LAYERS_JS) >= minimum:
                    time.sleep(2.5)
                    return f
            except Exception:
                pass
        time.sleep(0.3)
    raise RuntimeError("the map did not paint")


def main() -> None:
    from playwright.sync_api import sync_playwright

    with running_app() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        shots = [("map_zh_desktop.png", "/", {"width": 1440, "height": 900}),
                 ("map_en_desktop.png", "/?lang=en&category=rail,metro,highway", {"width": 1440, "height": 900}),
                 ("map_zh_phone.png", "/", {"width": 390, "height": 844})]
        for name, path, viewport in shots:
            page = browser.new_page(viewport=viewport, is_mobile=viewport["width"] < 500)
            page.goto(url + path)
            _painted(page)
            page.screenshot(path=str(OUT / name))
            page.close()
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(url + "/?district=500107")
        frame = _painted(page)
        badges = sorted(frame.evaluate("""() => [...document.querySelectorAll('.atlas-badge')].map(b => {
            const r = b.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2, Number(b.innerText)]; })"""), key=lambda b: -b[2])
        box = frame.frame_element().bounding_box()
        page.mouse.click(box["x"] + badges[0][0], box["y"] + badges[0][1])
        page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=30000)
        time.sleep(2)
        page.screenshot(path=str(OUT / "map_zh_jiulongpo_place_list.png"))
        browser.close()


if __name__ == "__main__":
    main()
