"""Every page with hostile query strings, in headless Chromium against the real app on 127.0.0.1.

Fails on: traceback text or a server path on the page, a console error, a
request to any host other than 127.0.0.1, or a link / image that a payload
injected into the page.
"""

from __future__ import annotations

import time
import urllib.parse

import pytest

pytestmark = pytest.mark.browser

PAGES = ["", "Districts_区县统计", "Projects_项目列表", "Export_导出", "Data_quality_数据质量", "History_改动记录", "Review_审核"]

#: Markers an injected element carries: an outside host the page must never contact or link to.
EVIL = "evil.invalid"
QUERIES = [
    {"p": "G:abc", "lat": "nan", "lon": "inf"},
    {"p": "G:1,2,3", "z": "99999999999999999999"},
    {"p": "../../etc/passwd", "category": f"![t](http://{EVIL}/x.png)"},
    {"category": f"[Session expired – log in](http://{EVIL}/login)", "q": f"<img src=http://{EVIL}/i.png onerror=alert(1)>"},
    {"q": "$x^2$ :red[alarm] <script>alert(1)</script>", "status": "<script>alert(1)</script>", "from": "二〇二五", "to": "-1e309"},
    {"district": "A" * 20000, "plan": ",".join(["jlp14"] * 500), "base": "javascript:alert(1)", "shade": "%00"},
]
TRACEBACK_WORDS = ("Traceback", 'File "/', "site-packages", "/work/", "Error:", "Exception")


def _url(base: str, page: str, query: dict) -> str:
    return f"{base}/{urllib.parse.quote(page)}?" + urllib.parse.urlencode(query)


def _settle(page, seconds: float = 25) -> None:
    """Until Streamlit stops running the script (the status widget disappears) or ``seconds`` pass."""
    deadline = time.time() + seconds
    time.sleep(2)
    while time.time() < deadline:
        if not page.locator('[data-testid="stStatusWidget"]').count():
            return
        time.sleep(0.5)


@pytest.mark.parametrize("query", QUERIES, ids=[f"q{i}" for i in range(len(QUERIES))])
def test_hostile_query_strings_on_every_page(app_url, browser, query):
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    errors: list[str] = []
    outside: list[str] = []
    bad_responses: list[str] = []
    # Streamlit's own front end probes <page>/_stcore/health and host-config on a deep link (404, then the root):
    # those are its behaviour, not ours; every other 4xx/5xx response and every other console error fails.
    page.on("response", lambda r: bad_responses.append(f"{r.status} {r.url}") if r.status >= 400 and "/_stcore/" not in r.url else None)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("request", lambda r: outside.append(r.url) if urllib.parse.urlsplit(r.url).hostname not in ("127.0.0.1", None) and not r.url.startswith(("data:", "blob:", "about:")) else None)
    try:
        for name in PAGES:
            page.goto(_url(app_url, name, query))
            _settle(page)
            body = page.locator("body").inner_text(timeout=10_000)
            hits = [w for w in TRACEBACK_WORDS if w in body]
            assert not hits, f"/{name}: {hits} on the page"
            assert not page.locator('[data-testid="stException"]').count(), f"/{name}: an exception box"
            for frame in page.frames:
                try:
                    links = frame.eval_on_selector_all("a[href], img[src]", "els => els.map(e => e.href || e.src)")
                except Exception:  # a frame that went away during a rerun
                    continue
                # The payloads' host (our own credits, e.g. Leaflet's, link elsewhere and are fine).
                injected = [u for u in links if (urllib.parse.urlsplit(u).hostname or "").endswith(EVIL)]
                assert not injected, f"/{name}: injected link or image {injected}"
            assert not outside, f"/{name}: requests outside 127.0.0.1: {outside[:5]}"
            assert not errors, f"/{name}: console errors: {errors[:5]}"
            assert not bad_responses, f"/{name}: failed responses: {bad_responses[:5]}"
    finally:
        page.close()
