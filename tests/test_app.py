"""AppTest for every page: filters change the map's features and the counts; language; URL state."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).parent.parent
PAGES = sorted(p.name for p in (ROOT / "app_pages").glob("*.py"))
MAP, DISTRICTS, PROJECTS, EXPORT, QUALITY = PAGES[:5]


def run(page: str = "app.py", query: dict | None = None) -> AppTest:
    path = ROOT / page if page == "app.py" else ROOT / "app_pages" / page
    at = AppTest.from_file(str(path), default_timeout=120)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def map_script(at: AppTest, index: int = 0) -> str:
    comps = [c for c in at.get("component_instance")]
    return json.loads(comps[index].proto.json_args)["script"]


def test_map_page_renders_projects_and_boundaries():
    at = run()
    script = map_script(at)
    assert script.count('"type": "Feature"') + script.count('"type":"Feature"') > 100
    assert "九龙坡区" in script
    assert "显示" in at.caption[0].value


def test_filter_changes_features_and_counts():
    everything = run()
    rail = run(query={"category": "rail"})
    n_all = map_script(everything).count("\"id\": \"P")
    n_rail = map_script(rail).count("\"id\": \"P")
    assert 0 < n_rail < n_all
    assert rail.caption[0].value != everything.caption[0].value
    # The sidebar widget drives the same filter.
    at = run()
    at.multiselect(key="f_category").set_value(["rail"]).run()
    assert map_script(at).count("\"id\": \"P") == n_rail
    assert at.query_params["category"] in ("rail", ["rail"])


def test_language_switch_changes_labels():
    zh = run()
    en = run(query={"lang": "en"})
    assert zh.title[0].value == "项目一张图"
    assert en.title[0].value == "Project Atlas"
    at = run()
    at.radio(key="lang_radio").set_value("English").run()
    assert at.title[0].value == "Project Atlas"
    assert at.query_params["lang"] in ("en", ["en"])


def test_url_round_trip_and_bad_values():
    at = run(query={"status": "under_construction", "plan": "jlp14", "q": "隧道", "lat": "29.5", "lon": "106.5", "z": "11"})
    assert at.multiselect(key="f_status").value == ["under_construction"]
    assert at.multiselect(key="f_plan").value == ["jlp14"]
    assert at.text_input(key="f_text").value == "隧道"
    assert at.query_params["q"] in ("隧道", ["隧道"])
    assert "[29.5, 106.5]" in map_script(at)
    bad = run(query={"status": "nonsense", "from": "soon", "lat": "x", "lon": "y", "z": "z"})
    notices = " ".join(w.value for w in bad.warning)
    assert "nonsense" in notices and "soon" in notices


def test_selected_project_shows_detail_with_quotes():
    from geo.catalog import Atlas

    atlas = Atlas()
    pid = atlas.projects[atlas.projects.plan_ids.map(len) > 1].id.iat[0]
    at = run(query={"p": pid})
    text = " ".join(m.value for m in at.markdown)
    for att in atlas.projects.set_index("id").plans[pid]:
        assert att["quote"] in text


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_in_both_languages(page):
    for lang in ("zh", "en"):
        at = run(page, {"lang": lang} if lang == "en" else None)
        assert at.title[0].value


def test_districts_page_filter_changes_table():
    a = run(DISTRICTS)
    b = run(DISTRICTS, {"district": "500107"})
    assert len(b.dataframe[0].value) < len(a.dataframe[0].value)


def test_projects_page_lists_the_filtered_projects():
    at = run(PROJECTS, {"category": "airport"})
    df = at.dataframe[0].value
    assert len(df) > 0 and len(df) < 100


def test_export_page_offers_every_format():
    at = run(EXPORT, {"category": "rail"})
    labels = " ".join(b.label for b in at.get("download_button"))
    for word in ("GeoJSON", "GeoPackage", "CSV", "Shapefile", "HTML", "PNG"):
        assert word in labels
    assert at.get("imgs") or at.get("image")  # the briefing preview is shown
