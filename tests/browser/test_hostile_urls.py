"""Every page with hostile query strings, in headless Chromium against the real app on 127.0.0.1.

Fails on: traceback text or a server path on the page, a console error, a
request to any host other than 127.0.0.1, or a link / image that a payload
injected into the page.

The seven pages of one query are opened at once, as tabs of one browser context (one HTTP cache: the
front end's bundle is fetched once), and each is checked once it has settled (:data:`SETTLED_JS`).
"""

from __future__ import annotations

import urllib.parse

import pytest

from geo.urlstate import MAX_PROBLEMS, parse_query
from tests.browser.conftest import wait_until

pytestmark = pytest.mark.browser

PAGES = ["", "Districts_区县统计", "Projects_项目列表", "Export_导出", "Data_quality_数据质量", "History_改动记录", "Review_审核"]

#: Markers an injected element carries: an outside host the page must never contact or link to.
EVIL = "evil.invalid"
#: Every hostile value, in three links. The link parser takes each parameter on its own
#: (:func:`geo.urlstate.parse_query`), so one link carries several of them: each page load then checks the
#: rendering of several values at once (three loads per page instead of six, docs/PERFORMANCE.md "Test suite
#: wall time"). ``p`` is single-valued, hence three links. :func:`test_every_hostile_value_is_echoed` guards
#: that no link has more problems than the page's notice lists, so every value reaches the page.
QUERIES = [
    {"p": "G:abc", "lat": "nan", "lon": "inf", "category": f"[Session expired – log in](http://{EVIL}/login)",
     "q": f"<img src=http://{EVIL}/i.png onerror=alert(1)>", "district": "A" * 20000},
    {"p": "G:1,2,3", "z": "99999999999999999999", "q": "$x^2$ :red[alarm] <script>alert(1)</script>", "status": "<script>alert(1)</script>",
     "from": "二〇二五", "to": "-1e309", "plan": ",".join(["jlp14"] * 500)},
    {"p": "../../etc/passwd", "category": f"![t](http://{EVIL}/x.png)", "base": "javascript:alert(1)", "shade": "%00"},
]
TRACEBACK_WORDS = ("Traceback", 'File "/', "site-packages", "/work/", "Error:", "Exception")
#: Installed in every document before its scripts: the time of the page's last DOM change.
LAST_CHANGE_JS = """window.__atlasLastChange = performance.now();
new MutationObserver(() => { window.__atlasLastChange = performance.now(); })
  .observe(document, {subtree: true, childList: true, attributes: true, characterData: true});"""
#: Whether the page has settled: Streamlit's script run is over (``data-test-script-state``), the main block
#: has content, every frame has loaded (a folium frame has drawn its map), and the DOM has not changed for
#: 0.5 s. The last two clauses are there because Streamlit paints some elements after the state turns
#: "notRunning" (the map's frame was seen to appear up to a second later): checking then would miss them.
SETTLED_JS = """() => {
  const app = document.querySelector('[data-testid=stApp]');
  const main = document.querySelector('[data-testid=stMainBlockContainer]');
  const loaded = f => { const d = f.contentDocument;
    return !!d && d.readyState === 'complete' && (!f.title.includes('folium') || !!d.querySelector('.leaflet-container')); };
  return !!app && app.getAttribute('data-test-script-state') === 'notRunning' && !!main && main.innerText.trim() !== ''
    && [...document.querySelectorAll('iframe')].every(loaded) && performance.now() - window.__atlasLastChange > 500; }"""


def _url(base: str, page: str, query: dict) -> str:
    return f"{base}/{urllib.parse.quote(page)}?" + urllib.parse.urlencode(query)


class _Tab:
    """One page of the app in its own tab, with what the test must not see recorded from the start."""

    def __init__(self, context, url: str, name: str):
        self.name = name
        self.page = context.new_page()
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.bad_responses: list[str] = []
        page = self.page
        # Streamlit's own front end probes <page>/_stcore/health and host-config on a deep link (404, then the root):
        # those are its behaviour, not ours; every other 4xx/5xx response and every other console error fails.
        page.on("response", lambda r: self.bad_responses.append(f"{r.status} {r.url}") if r.status >= 400 and "/_stcore/" not in r.url else None)
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("request", lambda r: self.outside.append(r.url) if urllib.parse.urlsplit(r.url).hostname not in ("127.0.0.1", None) and not r.url.startswith(("data:", "blob:", "about:")) else None)
        page.goto(url, wait_until="commit")  # the tabs load side by side; each is waited for in check()

    def check(self) -> None:
        """Wait until the page has settled, then fail on anything hostile input got onto it or out of it."""
        name, page = self.name, self.page
        wait_until(lambda: page.evaluate(SETTLED_JS), timeout=60)
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
        assert not self.outside, f"/{name}: requests outside 127.0.0.1: {self.outside[:5]}"
        assert not self.errors, f"/{name}: console errors: {self.errors[:5]}"
        assert not self.bad_responses, f"/{name}: failed responses: {self.bad_responses[:5]}"


def test_every_hostile_value_is_echoed(atlas):
    """Each link's problems fit in the page's notice (no value hidden behind "… more"), and each link has one."""
    for query in QUERIES:
        _, problems = parse_query(query, plan_ids=list(atlas.plans), district_codes=atlas.district_codes, project_ids=set(atlas.projects["id"]))
        assert 0 < len(problems) <= MAX_PROBLEMS and all(p.reason != "more" for p in problems), (query, problems)


@pytest.mark.parametrize("query", QUERIES, ids=[f"q{i}" for i in range(len(QUERIES))])
def test_hostile_query_strings_on_every_page(app_url, browser, query):
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    context.add_init_script(LAST_CHANGE_JS)
    try:
        tabs = [_Tab(context, _url(app_url, name, query), name) for name in PAGES]
        for tab in tabs:
            tab.check()
    finally:
        context.close()
