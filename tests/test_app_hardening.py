"""The app against hostile input without a browser: markdown escaping, the screenshot cap, a catalog changed on disk."""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).parent.parent
PAGES = sorted(p.name for p in (ROOT / "app_pages").glob("*.py"))
MAP, DISTRICTS, PROJECTS, EXPORT = PAGES[:4]

PAYLOADS = ["![t](http://127.0.0.2/x.png)", "[Session expired – log in](http://127.0.0.2/login)", "<script>alert(1)</script>", "$x^2$ :red[alarm] http://127.0.0.2 www.example.com", "**bold** _it_ `code` # head"]


def _unescaped(text: str, chars: str) -> list[str]:
    """Characters of ``chars`` in ``text`` not preceded by a backslash."""
    return re.findall(r"(?<!\\)[" + re.escape(chars) + "]", text)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_md_escape_leaves_no_markdown_or_html(payload):
    import atlas_ui

    out = atlas_ui.md_escape(payload)
    assert _unescaped(out, "[]()!*_`#$:<>") == []
    assert re.sub(r"\\(.)", r"\1", out).replace("\u200b", "").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == payload
    assert "\n" not in atlas_ui.md_escape("a\nb\r- c")


def _run(page: str, query: dict) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app_pages" / page), default_timeout=120)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def _texts(at: AppTest) -> list[str]:
    return [e.value for kind in ("markdown", "warning", "caption", "info", "error") for e in at.get(kind) if isinstance(getattr(e, "value", None), str)]


@pytest.mark.parametrize("payload", PAYLOADS[:2])
def test_url_values_echoed_in_notices_and_the_export_summary_are_escaped(payload):
    for page, query in ((MAP, {"category": payload, "p": payload}), (EXPORT, {"q": payload, "category": payload})):
        at = _run(page, query)
        for text in _texts(at):
            assert "](" not in text.replace("\\](", "").replace("]\\(", ""), text


def test_screenshots_are_capped_with_a_busy_error(monkeypatch, tmp_path):
    from geo import _browser, settings
    from layers.screenshot import screenshot

    monkeypatch.setattr(settings, "max_screenshots", 1)
    held, release = threading.Event(), threading.Event()

    def hold():
        with _browser.screenshot_slot():
            held.set()
            release.wait(10)

    worker = threading.Thread(target=hold)
    worker.start()
    held.wait(10)
    try:
        with pytest.raises(_browser.ScreenshotBusy), _browser.screenshot_slot(wait_s=0.05):
            pass
        with pytest.raises(_browser.ScreenshotBusy):  # the map screenshot asks for a slot before building anything
            screenshot(None, None, tmp_path / "map.png", plans={})
        assert not (tmp_path / "map.png").exists()
    finally:
        release.set()
        worker.join()
    with _browser.screenshot_slot(wait_s=0.05):  # free again
        pass


def test_catalog_changed_on_disk_reloads_or_keeps_the_last_good_one(tmp_path, monkeypatch):
    import atlas_ui
    from geo import settings

    catalog = tmp_path / "projects.geojson"
    shutil.copy(settings.projects_path, catalog)
    monkeypatch.setattr(settings, "projects_path", catalog)
    monkeypatch.setitem(atlas_ui._last_good, "atlas", None)
    first = atlas_ui.get_atlas()
    n = len(first.projects)

    doc = json.loads(catalog.read_text(encoding="utf-8"))
    doc["features"] = doc["features"][:-1]
    catalog.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    os.utime(catalog, ns=(1, 10**18))
    assert len(atlas_ui.get_atlas().projects) == n - 1  # a valid new catalog is served

    catalog.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    os.utime(catalog, ns=(1, 2 * 10**18))
    kept = atlas_ui.get_atlas()
    assert len(kept.projects) == n - 1  # the last good one stays in service …
    assert "malformed JSON" in str(atlas_ui._last_good["error"])  # … with the reason for the notice

    atlas_ui._atlas_cached.clear()  # what "clear cache" from any websocket client does
    assert atlas_ui.get_atlas() is kept
    monkeypatch.setitem(atlas_ui._last_good, "atlas", None)
    monkeypatch.setitem(atlas_ui._last_good, "error", None)


class _Frame:
    """A stand-in for a Playwright frame: a map (or none) with ``drawn`` layers; ``gone`` raises like a replaced frame."""

    def __init__(self, *, has_map: bool, drawn: int = 0, gone: bool = False) -> None:
        self.has_map, self.drawn, self.gone = has_map, drawn, gone

    def locator(self, selector: str):
        if self.gone:
            raise RuntimeError("frame was detached")
        return type("Hits", (), {"count": lambda _self: int(self.has_map)})()

    def evaluate(self, js: str) -> int:
        return self.drawn


def test_painted_map_frame_is_the_frame_whose_map_drew_enough():
    from types import SimpleNamespace

    from geo._browser import painted_map_frame

    painted = _Frame(has_map=True, drawn=30)
    page = SimpleNamespace(frames=[_Frame(has_map=False), _Frame(has_map=True, gone=True), _Frame(has_map=True, drawn=3), painted])
    assert painted_map_frame(page, minimum=20, timeout_s=1) is painted
    assert painted_map_frame(page, timeout_s=1) is page.frames[2]  # any drawn layer by default
    with pytest.raises(RuntimeError, match="no map"):
        painted_map_frame(SimpleNamespace(frames=[_Frame(has_map=True, drawn=0)]), timeout_s=0.1)
