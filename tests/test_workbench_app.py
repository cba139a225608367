"""AppTest of the workbench pages: signed out there is no edit control; a reviewer signs in, reverts, accepts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geo import edits, review, settings, store
from tests.helpers import record_joins
from tests.helpers import run_page as run

ROOT = Path(__file__).parent.parent
HISTORY = ROOT / "app_pages" / "5_History_改动记录.py"
REVIEW = ROOT / "app_pages" / "6_Review_审核.py"


@pytest.fixture
def workbench(tmp_path, monkeypatch):
    """A SQLite store over the shipped catalog: one edit, one pending proposal, two accounts."""
    import bcrypt

    import atlas_ui

    monkeypatch.setattr(settings, "db_url", f"sqlite:///{tmp_path / 'atlas.db'}")
    fast_salt = bcrypt.gensalt
    monkeypatch.setattr(bcrypt, "gensalt", lambda rounds=4, prefix=b"2b": fast_salt(4, prefix))
    store.reset_engines()
    store.add_user("rita", "reviewer-pw", role="reviewer")
    store.add_user("ed", "editor-pw1", role="editor")
    frame = edits.current_catalog().frame
    first, second = frame["id"].iat[0], frame["id"].iat[1]
    edit = edits.make_edit(first, {"name_en": "Renamed by a test"}, author="rita", reason="typo", base_version=1)
    proposal = review.propose(second, {"name_en": "Proposed name"}, author="ed", source="site visit", reason="local usage")
    atlas_ui.refresh_after_edit()
    yield {"edit": edit, "proposal": proposal, "first": first, "second": second}
    atlas_ui.refresh_after_edit()
    store.reset_engines()


def labels(at: AppTest) -> set[str]:
    return {b.label for b in at.button}


@pytest.mark.parametrize("page", [HISTORY, REVIEW])
def test_signed_out_pages_show_no_edit_control(workbench, page):
    at = run(page)
    assert labels(at) <= {"登录"}  # only the sign-in form's button
    assert not [w for w in at.text_input if w.key in ("revert_reason", "decision_reason")]
    text = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    assert "登录后可编辑" in text


def test_history_lists_edits_and_a_reviewer_reverts(workbench):
    at = run(HISTORY)
    table = at.dataframe[0].value
    assert workbench["first"] in set(table["record_id"]) and "typo" in set(table["reason"])
    at = run(HISTORY, {"name": "rita", "role": "reviewer"})
    at.selectbox(key="revert_id").set_value(workbench["edit"].id)
    at.text_input(key="revert_reason").input("wrong fix")
    next(b for b in at.button if b.label.startswith("撤销")).click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    latest = edits.load_edits(record_id=workbench["first"])[-1]
    assert (latest.action, latest.reverts, latest.author) == ("revert", workbench["edit"].id, "rita")


def test_editor_cannot_review_and_reviewer_accepts(workbench):
    at = run(REVIEW, {"name": "ed", "role": "editor"})
    assert labels(at) <= {"退出登录"}
    at = run(REVIEW, {"name": "rita", "role": "reviewer"})
    assert {"采纳", "驳回"} <= labels(at)
    at.text_input(key="decision_reason").input("checked")
    next(b for b in at.button if b.label == "采纳").click().run()
    assert review.get_proposal(workbench["proposal"]).state == "accepted"
    assert edits.load_edits(record_id=workbench["second"])[-1].proposal_id == workbench["proposal"]


def test_sign_in_form(workbench):
    at = run(HISTORY)
    at.text_input(key="sign_in_name").input("rita")
    at.text_input(key="sign_in_password").input("wrong-password")
    next(b for b in at.button if b.label == "登录").click().run()
    assert "atlas_user" not in at.session_state and at.error
    at.text_input(key="sign_in_name").input("rita")
    at.text_input(key="sign_in_password").input("reviewer-pw")
    next(b for b in at.button if b.label == "登录").click().run()
    assert at.session_state["atlas_user"] == {"name": "rita", "role": "reviewer"}


def test_pages_see_edits_made_elsewhere_after_a_reload(workbench):
    """An edit from the command line (or another app process) reaches the cached catalog on the next run."""
    import atlas_ui

    before = atlas_ui.get_atlas()
    assert atlas_ui.get_atlas() is before  # no new edit: the cache is used
    rid = workbench["second"]
    edits.make_edit(rid, {"name_en": "Edited elsewhere"}, author="rita", reason="cli", base_version=1)
    after = atlas_ui.get_atlas()
    assert after is not before and after.projects.set_index("id").loc[rid, "name_en"] == "Edited elsewhere"


def test_a_save_joins_again_only_the_moved_record_and_equals_a_full_join(workbench, monkeypatch):
    """The reload after a save keeps the join of the records it did not change (geo.join.rejoin)."""
    import atlas_ui
    from geo.join import join

    before = atlas_ui.get_atlas()
    points = before.projects[(before.projects.geom_kind == "point") & ~before.projects["id"].isin([workbench["first"], workbench["second"]])]
    rid = points["id"].iat[0]
    edits.make_edit(rid, {"geometry": {"type": "Point", "coordinates": [106.51, 29.50]}}, author="rita", reason="moved", base_version=1)
    calls = record_joins(monkeypatch)
    after = atlas_ui.get_atlas()
    assert calls == [[rid]]
    assert after.joined.loc[after.joined["id"] == rid, "name_zh"].tolist() == ["九龙坡区"]  # 106.51 E, 29.50 N
    pd.testing.assert_frame_equal(after.joined, join(after.projects, after.join_units))


def edit_panel():
    import streamlit as st

    import atlas_ui as ui

    ui.edit_form(ui.get_atlas(), st.session_state["rid"], "zh", st.session_state.get("atlas_user"))


def panel(rid: str, user: dict | None) -> AppTest:
    at = AppTest.from_function(edit_panel, default_timeout=120)
    at.session_state["rid"] = rid
    if user:
        at.session_state["atlas_user"] = user
    at.run()
    assert not at.exception, at.exception
    return at


def test_edit_form_two_sessions_conflict_then_both_kept(workbench):
    rid = workbench["second"]
    store.add_user("bob", "reviewer-pw2", role="reviewer")
    assert labels(panel(rid, None)) == set()  # signed out: no form, no button
    a = panel(rid, {"name": "rita", "role": "reviewer"})
    b = panel(rid, {"name": "bob", "role": "reviewer"})
    a.selectbox(key=f"e_status_{rid}").set_value("completed")
    a.text_input(key=f"e_reason_{rid}").input("opened last month")
    a.button[0].click().run()
    assert not a.error and a.success
    b.text_input(key=f"e_name_en_{rid}").input("Bob's name")
    b.text_input(key=f"e_reason_{rid}").input("local usage")
    b.button[0].click().run()
    assert b.error and "rita" in b.error[0].value and "completed" in b.error[0].value
    assert [e.author for e in edits.load_edits(record_id=rid)] == ["rita"]
    b.button[0].click().run()  # saved again on top of rita's change
    assert not b.error and b.success
    assert [e.author for e in edits.load_edits(record_id=rid)] == ["rita", "bob"]
    row = edits.current_catalog().frame.set_index("id").loc[rid]
    assert (row.status, row.name_en, row.version) == ("completed", "Bob's name", 3)


def test_edit_form_of_an_editor_makes_a_proposal_and_bad_values_are_refused(workbench):
    rid = workbench["first"]
    e = panel(rid, {"name": "ed", "role": "editor"})
    e.text_input(key=f"e_status_as_of_{rid}").input("next spring")
    e.text_input(key=f"e_reason_{rid}").input("news")
    e.button[0].click().run()
    assert "status_as_of" in e.error[0].value and len(review.list_proposals()) == 1
    e.text_input(key=f"e_status_as_of_{rid}").input("2025-05")
    e.button[0].click().run()
    assert e.success and len(review.list_proposals()) == 2
