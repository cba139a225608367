"""AppTest of the sources in the workbench: a reviewer accepts an OpenStreetMap proposal on the Review page;
an editor uploads a plan text on the Import page and sends its candidates as proposals."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo import edits, osm, review, settings, store
from tests.helpers import run_page as run
from tests.test_osm import write_osm_xml
from tests.test_sources_e2e import v2_catalog

ROOT = Path(__file__).parent.parent
REVIEW = ROOT / "app_pages" / "6_Review_审核.py"
INGEST = ROOT / "app_pages" / "7_Import_导入.py"


@pytest.fixture
def workbench(tmp_path, monkeypatch):
    """A SQLite store over a small schema-v2 catalog (the OSM tests' records), two accounts."""
    import bcrypt

    import atlas_ui

    fast_salt = bcrypt.gensalt
    monkeypatch.setattr(bcrypt, "gensalt", lambda rounds=4, prefix=b"2b": fast_salt(4, prefix))
    monkeypatch.setattr(settings, "db_url", f"sqlite:///{tmp_path / 'atlas.db'}")
    catalog = tmp_path / "projects.geojson"
    catalog.write_text(json.dumps({"type": "FeatureCollection", "features": v2_catalog()}, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(settings, "projects_path", catalog)
    plans = tmp_path / "plans.json"
    shutil.copy(settings.plans_path, plans)
    monkeypatch.setattr(settings, "plans_path", plans)
    store.reset_engines()
    store.add_user("rita", "reviewer-pw", role="reviewer")
    store.add_user("ed", "editor-pw1", role="editor")
    atlas_ui.refresh_after_edit()
    yield tmp_path
    atlas_ui.refresh_after_edit()
    store.reset_engines()


def page_text(at: AppTest) -> str:
    return " ".join([*(m.value for m in at.markdown), *(c.value for c in at.caption), *(m.value for m in at.metric)])


def test_reviewer_sees_the_osm_match_and_accepts_it(workbench):
    extract = workbench / "extract.osm"
    write_osm_xml(extract)
    frame = edits.current_catalog().frame
    matches = osm.enrich(frame, categories=["rail"], xml=extract)
    (match,) = [m for m in matches if m.accepted]
    p = osm.proposal(match)
    n = review.propose(p["record_id"], p["changes"], author=p["author"], source=p["source"], reason=p["reason"], evidence=p["evidence"])

    at = run(REVIEW, {"name": "rita", "role": "reviewer"})
    text = page_text(at)
    assert f"{match.score:.2f}" in text
    assert "way/101" in text and osm.CREDIT_ZH in text
    assert any(r in text for r in match.reasons)
    assert "渝西高速铁路" in text  # the OSM name beside the record's
    at.text_input(key="decision_reason").input("alignment checked against the plan")
    next(b for b in at.button if b.label == "采纳").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert review.get_proposal(n).state == "accepted"
    row = edits.current_catalog().frame.set_index("id").loc["R1"]
    assert (row.location_precision, row.location_source, list(row.osm_ids)) == ("exact", "openstreetmap", ["way/101", "way/102", "way/103"])
    assert osm.CREDIT in row.location_note_en and row.version == 2


def test_other_proposals_show_no_osm_panel(workbench):
    review.propose("R3", {"name_en": "Chongqing West"}, author="ed", source="site visit", reason="usage")
    at = run(REVIEW, {"name": "rita", "role": "reviewer"})
    assert osm.CREDIT_ZH not in page_text(at)


PLAN_TEXT = (
    "一、重点任务\n"
    "加快建设渝西高铁,推动重庆西站综合枢纽改造。\n"
    "到2027年,九龙坡区白市驿隧道建成投用。\n"
)


def fill_plan(at: AppTest, data: bytes, name: str = "plan.txt") -> AppTest:
    at.file_uploader(key="ingest_upload").set_value((name, data, "text/plain"))
    at.text_input(key="ingest_plan_id").input("up2025")
    at.text_input(key="ingest_title").input("上传的测试规划")
    at.text_input(key="ingest_date").input("2025-03-01")
    at.run()
    at.button(key="ingest_read").click().run()
    assert not at.exception, at.exception
    return at


def test_signed_out_import_page_has_no_upload(workbench):
    at = run(INGEST)
    assert not at.file_uploader and "登录为编辑或审核人后可上传" in " ".join(i.value for i in at.info)


def test_editor_uploads_a_gbk_plan_and_sends_proposals(workbench):
    at = fill_plan(run(INGEST, {"name": "ed", "role": "editor"}), PLAN_TEXT.encode("gbk"))
    table = at.dataframe[0].value
    quotes = list(table["原文"])
    assert all(q in PLAN_TEXT for q in quotes) and "加快建设渝西高铁" in quotes
    matches = dict(zip(table["名称"], table["与目录对照"], strict=True))
    assert matches["渝西高铁"].startswith("已有项目 R1") and matches["九龙坡区白市驿隧道"] == "新项目"
    send = next(b for b in at.button if b.label.startswith("作为提议发送"))
    send.click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.success and "已发送" in at.success[0].value
    pending = review.list_proposals()
    assert {p.author for p in pending} == {"ed"} and len(pending) == len(table)
    assert {p.record_id for p in pending} == {"R1", "R3", None}
    assert "up2025" in {p["id"] for p in json.loads(settings.plans_path.read_text(encoding="utf-8"))}


@pytest.mark.parametrize(("data", "words"), [(b"\x00\x01binary\x00", "binary file"), (b"", "empty file"), ("建设" * 80, "too big")])
def test_bad_uploads_are_a_notice(workbench, monkeypatch, data, words):
    monkeypatch.setattr(settings, "max_plan_bytes", 100)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    at = fill_plan(run(INGEST, {"name": "rita", "role": "reviewer"}), raw)
    assert at.error and words in at.error[0].value and "plan.txt" in at.error[0].value
    assert not at.dataframe and review.list_proposals() == []


def test_reviewer_sees_the_plan_quote_of_an_ingest_proposal_and_accepts_the_new_record(workbench):
    at = fill_plan(run(INGEST, {"name": "ed", "role": "editor"}), PLAN_TEXT.encode("utf-8"))
    next(b for b in at.button if b.label.startswith("作为提议发送")).click().run()
    new = next(p for p in review.list_proposals() if p.record_id is None)
    at = run(REVIEW, {"name": "rita", "role": "reviewer"})
    at.selectbox(key="proposal_pick").set_value(new.id).run()
    assert any(new.evidence["quote"] in m.value and m.value.startswith("**原文**") for m in at.markdown)
    at.text_input(key="decision_reason").input("a new project of the plan")
    next(b for b in at.button if b.label == "采纳").click().run()
    assert not at.error, [e.value for e in at.error]
    rid = review.get_proposal(new.id).record_id
    row = edits.current_catalog().frame.set_index("id").loc[rid]
    assert row.name_zh == new.changes["name_zh"] and row.geometry is None and row.scope == "九龙坡区"
