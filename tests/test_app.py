"""AppTest for every page: filters change the map's features and the counts; language; URL state."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from .helpers import drawn_ids, drawn_labels, drawn_parts

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


def _map_args(at: AppTest, index: int = 0) -> dict:
    comps = [c for c in at.get("component_instance")]
    return json.loads(comps[index].proto.json_args)


def map_script(at: AppTest, index: int = 0) -> str:
    """The base map's script (tiles, boundaries, labels): the same across filter changes."""
    return _map_args(at, index)["script"]


def map_layers(at: AppTest) -> str:
    """The project layers' script (``feature_group_to_add``): what a filter change re-sends."""
    return _map_args(at)["feature_group"] or ""


def test_map_page_renders_projects_and_boundaries():
    at = run()
    layers = map_layers(at)
    assert len(drawn_ids(layers)) > 100  # individually drawn projects
    assert any(part["k"] == "places" and len(part["f"]) > 10 for part in drawn_parts(layers))  # place symbols
    script = map_script(at)
    labels = drawn_labels(script)
    assert len(labels) >= 59 and "九龙坡区" in labels and "atlas-label" in script  # district labels
    assert "/app/static/data/boundaries_wgs84.geojson" in script  # boundaries fetched, not embedded
    assert '"adcode": "500107"' not in script
    assert "显示" in at.caption[0].value
    assert _map_args(at)["returned_objects"] == ["last_object_clicked_tooltip", "last_object_clicked"]


def test_base_map_is_identical_across_filter_changes():
    """streamlit-folium keeps the browser's map only while the base script is byte-identical."""
    at = run()
    before = map_script(at)
    at.multiselect(key="f_category").set_value(["rail"]).run()
    at.multiselect(key="f_district").set_value(["500107"]).run()
    assert map_script(at) == before
    assert map_layers(at) != ""


def test_project_layers_are_built_once_per_filter(monkeypatch):
    """A rerun with a filter already seen (by any session) reuses the built layers; the catalog reloading forgets them."""
    import atlas_ui
    import layers.projects

    builds = []
    real = layers.projects.project_layer_data
    monkeypatch.setattr(layers.projects, "project_layer_data", lambda projects, **kw: builds.append(len(projects)) or real(projects, **kw))
    atlas_ui.project_layer_data.clear()
    at = run()
    everything = map_layers(at)
    at.multiselect(key="f_category").set_value(["rail"]).run()
    at.multiselect(key="f_category").set_value([]).run()
    assert len(builds) == 2 and builds[0] > builds[1]  # all projects, then rail; all again from the cache
    assert map_layers(at) == everything  # the same layers as the first time
    run()  # another session, same filter
    assert len(builds) == 2
    atlas_ui._reload_atlas(("changed",))
    at.run()
    assert len(builds) == 3


def test_district_filter_frames_and_outlines_the_district():
    at = run(query={"district": "500107"})
    layers = map_layers(at)
    assert "fitBounds" in layers and '"d:500107"' in layers
    # Jiulongpo lies within 106.2–106.6 E, 29.2–29.6 N: the frame is the district, not the region.
    box = json.loads(layers.split("fitBounds(")[1].split(", {maxZoom")[0])
    (s, w), (n, e) = box
    assert 106.1 < w < e < 106.7 and 29.1 < s < n < 29.7
    assert "#1f3b57" in layers  # the outline


@pytest.mark.parametrize(("value", "lang", "word"), [("G:abc,def", "zh", "无效"), ("P00000000", "zh", "不存在"), ("G:abc,def", "en", "malformed"), ("../../etc", "en", "does not exist")])
def test_bad_project_in_link_gives_a_notice_in_the_page_language(value, lang, word):
    at = run(query={"p": value, **({"lang": "en"} if lang == "en" else {})})
    notices = " ".join(w.value for w in at.warning)
    shown = re.sub(r"\\(.)", r"\1", notices)  # markdown escapes (atlas_ui.md_escape) as the reader sees the text
    assert word in shown and value in shown
    if lang == "en":
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in notices.replace(value, ""))


def test_link_to_a_project_frames_and_highlights_it(atlas):
    pid = atlas.projects[atlas.projects.geom_kind == "line"].id.iat[0]
    at = run(query={"p": pid})
    layers = map_layers(at)
    assert f'"p:{pid}:0"' in layers and "#ffb000" in layers
    at.multiselect(key="f_district").set_value(["500107"]).run()  # a district chosen later wins
    assert '"d:500107"' in map_layers(at)


def test_filter_changes_features_and_counts():
    everything = run()
    rail = run(query={"category": "rail"})
    n_all = len(drawn_ids(map_layers(everything)))
    n_rail = len(drawn_ids(map_layers(rail)))
    assert 0 < n_rail < n_all
    assert rail.caption[0].value != everything.caption[0].value
    # The sidebar widget drives the same filter (on the unfiltered page already run).
    at = everything
    at.multiselect(key="f_category").set_value(["rail"]).run()
    assert len(drawn_ids(map_layers(at))) == n_rail
    assert at.query_params["category"] in ("rail", ["rail"])


def test_language_switch_changes_labels():
    zh = run()
    en = run(query={"lang": "en"})
    assert zh.title[0].value == "项目一张图"
    assert en.title[0].value == "Project Atlas"
    at = zh  # the Chinese page already run, switched by its radio
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


def test_selected_project_shows_detail_with_quotes(atlas):
    pid = atlas.projects[atlas.projects.plan_ids.map(len) > 1].id.iat[0]
    at = run(query={"p": pid})
    text = " ".join(m.value for m in at.markdown)
    for att in atlas.projects.set_index("id").plans[pid]:
        assert att["quote"] in text


def _interface_words(at: AppTest) -> list[str]:
    """Titles, headers, captions and widget labels: the page's interface, not its data."""
    words = [e.value for kind in ("title", "header", "subheader", "caption") for e in getattr(at, kind)]
    for kind in ("button", "selectbox", "multiselect", "radio", "text_input", "slider", "checkbox", "toggle", "number_input", "select_slider"):
        words += [w.label for w in getattr(at, kind)]
    words += [b.label for b in at.get("download_button")]
    return [w for w in words if w]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_in_both_languages(page):
    from geo.i18n import TEXT

    zh, en = (run(page, {"lang": lang} if lang == "en" else None) for lang in ("zh", "en"))
    assert zh.title[0].value != en.title[0].value
    zh_words, en_words = _interface_words(zh), _interface_words(en)
    english = {e for _, e in TEXT.values()}
    chinese = {z for z, e in TEXT.values() if z != e and "{" not in z}
    # The English page speaks English: its title and labels come from the table's English side…
    assert en.title[0].value in english
    assert sum(w in english for w in en_words) >= 2, en_words
    # …and no Chinese interface phrase of the table is left in it (data such as place names may be Chinese).
    assert not [w for w in en_words if w in chinese], en_words
    assert zh.title[0].value in {z for z, _ in TEXT.values()}
    assert zh_words != en_words


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
    assert not (at.get("imgs") or at.get("image"))  # no preview drawn on a visit
    at.button(key="img_preview_btn").click().run()
    assert at.get("imgs") or at.get("image")  # drawn on request


def test_export_file_names_say_what_was_filtered():
    at = run(EXPORT, {"district": "500107", "category": "rail", "lang": "en"})
    names = [b.proto.file_name if hasattr(b.proto, "file_name") else "" for b in at.get("download_button")]
    labels = " ".join(b.label for b in at.get("download_button"))
    assert "unit_adcode" not in labels and "天地图" not in labels
    assert at.radio(key="img_frame").value == "district"  # a district filter frames the image on the district
    assert any("九龙坡区_rail" in n for n in names) or names == [""] * len(names)


def test_reported_view_reaches_the_link_and_frames_the_export_image():
    """The map's script stages its view into the hidden input (layers.view); the next rerun brings it to the
    server, which writes it into the link (never an older view) and offers it as the Export page's frame."""
    at = run()
    assert '".st-key-" + KEY' in map_script(at) and '"atlas_view"' in map_script(at)  # the reporting script is on the base map
    reported = "29.5600,106.5500,11,106.31950,29.32352,106.78093,29.79537"
    at.text_input(key="atlas_view").set_value(reported).run()
    at.multiselect(key="f_category").set_value(["rail"]).run()  # any rerun
    q = {k: (v[-1] if isinstance(v, list) else v) for k, v in at.query_params.items()}
    assert (q["lat"], q["lon"], q["z"], q["category"]) == ("29.5600", "106.5500", "11", "rail")
    at.text_input(key="atlas_view").set_value("nan,inf,11,1,2,3,4").run()  # a forged report changes nothing
    assert at.query_params["lat"] in ("29.5600", ["29.5600"])

    ex = AppTest.from_file(str(ROOT / "app_pages" / EXPORT), default_timeout=180)
    ex.query_params["lang"] = "en"
    ex.run()
    ex.radio(key="img_frame").set_value("view").run()
    assert any("No map view yet" in i.value for i in ex.info)
    ex.text_input(key="atlas_view").set_value(reported).run()  # staged from sessionStorage by the page's loader
    assert any("The map's current view: 106.320–106.781° E, 29.324–29.795° N (zoom 11)" in c.value for c in ex.caption)
    ex.button(key="img_preview_btn").click().run()
    assert not ex.exception, ex.exception
    assert any(c.value == "Frame: 106.320–106.781° E, 29.324–29.795° N" for c in ex.caption)
