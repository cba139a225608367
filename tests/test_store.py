"""The workbench store: the same tests on the embedded SQLite file and on a real PostgreSQL server
that the suite starts itself (tests/pg.py). Tiny catalog: tests/fixtures/projects.geojson."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from geo import edits, review, settings, store
from geo._errors import AccessDenied, EditConflict, RecordError, StoreError, ValidationFailed
from tests.pg import pg_bin, running_server

FIXTURES = Path(__file__).parent / "fixtures"
POINT = {"type": "Point", "coordinates": [106.15, 29.05]}


@pytest.fixture(scope="session")
def pg_socket():
    if pg_bin() is None:
        pytest.skip("PostgreSQL binaries missing (scripts/setup_system.sh installs postgresql)")
    with running_server() as sock:
        yield sock


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path, monkeypatch):
    """An empty store and a private copy of the fixture catalog; yields the catalog path."""
    import bcrypt

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'atlas.db'}"
    else:
        sock = request.getfixturevalue("pg_socket")
        name = f"t_{uuid.uuid4().hex[:12]}"
        admin = sa.create_engine(f"postgresql+psycopg://postgres@/postgres?host={sock}", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE {name}"))
        admin.dispose()
        url = f"postgresql+psycopg://postgres@/{name}?host={sock}"
    catalog = tmp_path / "projects.geojson"
    shutil.copy(FIXTURES / "projects.geojson", catalog)
    monkeypatch.setattr(settings, "db_url", url)
    monkeypatch.setattr(settings, "projects_path", catalog)
    fast_salt = bcrypt.gensalt
    monkeypatch.setattr(bcrypt, "gensalt", lambda rounds=4, prefix=b"2b": fast_salt(4, prefix))
    store.reset_engines()
    store.add_user("rita", "reviewer-pw", role="reviewer")
    store.add_user("ed", "editor-pw1", role="editor")
    yield catalog
    store.reset_engines()


def count_edits() -> int:
    with store.session() as s:
        return s.scalar(sa.select(sa.func.count()).select_from(store.Edit))


def record(rid: str):
    frame = edits.current_catalog().frame
    return frame[frame["id"] == rid].iloc[0]


def test_schema_is_made_by_alembic(db):
    assert store.upgrade() == "0001"
    names = set(sa.inspect(store.get_engine()).get_table_names())
    assert {"edits", "proposals", "users", "alembic_version"} <= names


def test_the_migration_makes_the_models_schema(db):
    """The Alembic migration repeats the models' columns (an applied migration is frozen history, DECISIONS 56):
    autogenerate's comparison of the migrated database with the models finds nothing to change."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with store.get_engine().connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), store.Base.metadata)
    assert diff == []


def test_edits_are_append_only(db):
    edits.make_edit("F01", {"status": "completed"}, author="rita", reason="opened", base_version=1)
    for statement in ("UPDATE edits SET reason = 'rewritten'", "DELETE FROM edits"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), store.get_engine().begin() as conn:
            conn.execute(sa.text(statement))
    with pytest.raises(StoreError, match="append-only"), store.session() as s:
        s.get(store.Edit, 1).reason = "rewritten"
    with pytest.raises(StoreError, match="append-only"), store.session() as s:
        s.delete(s.get(store.Edit, 1))
    assert edits.load_edits()[0].reason == "opened"


def test_edits_apply_in_order_with_version_and_time(db):
    e1 = edits.make_edit("F01", {"status": "completed", "status_as_of": "2024"}, author="rita", reason="opened", base_version=1)
    e2 = edits.make_edit("F01", {"status": "operating", "status_as_of": "2025"}, author="rita", reason="in service", base_version=2)
    row = record("F01")
    assert (row.status, row.status_as_of, row.version) == ("operating", "2025", 3)
    assert row.updated_at.startswith(e2.created_at.strftime("%Y-%m-%dT%H:%M"))
    assert e1.changes["status"] == {"before": "under_construction", "after": "completed"}
    assert e2.changes["status"] == {"before": "completed", "after": "operating"}
    assert record("F02").version == 1 and record("F02").updated_at is None
    assert edits.history("F01")["id"].tolist() == [e2.id, e1.id]


def test_conflict_shows_the_other_change_and_keeps_both(db):
    seen_by_a = seen_by_b = int(record("F01").version)
    edits.make_edit("F01", {"name_en": "Jia District Hospital"}, author="rita", reason="official name", base_version=seen_by_a)
    store.add_user("bob", "reviewer-pw2", role="reviewer")
    with pytest.raises(EditConflict) as info:
        edits.make_edit("F01", {"name_en": "Jiaqu Hospital"}, author="bob", reason="local name", base_version=seen_by_b)
    assert "rita" in str(info.value) and "Jia District Hospital" in str(info.value)
    assert count_edits() == 1
    edits.make_edit("F01", {"name_en": "Jiaqu Hospital"}, author="bob", reason="local name", base_version=info.value.current_version)
    assert [e.author for e in edits.load_edits(record_id="F01")] == ["rita", "bob"]
    assert record("F01").name_en == "Jiaqu Hospital"


def test_two_saves_racing_to_one_version_collide(db):
    edits.make_edit("F01", {"status": "completed"}, author="rita", reason="a", base_version=1)
    with pytest.raises(sa.exc.IntegrityError), store.session() as s:
        s.add(store.Edit(record_id="F01", seq=1, changes={}, author="x", reason="r", source="", base_version=1))


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"status": "finished"}, "status", "unknown value 'finished'"),
        ({"geometry": {"type": "Point", "coordinates": [29.05, 106.15]}}, "geometry", "swapped"),
        ({"status_as_of": "last spring"}, "status_as_of", "ISO date"),
        ({"colour": "red"}, "colour", "not an editable field"),
        ({"status": "under_construction"}, "status", "nothing changes"),
    ],
)
def test_refused_edit_names_record_field_and_writes_nothing(db, changes, field, words):
    with pytest.raises(RecordError) as info:
        edits.make_edit("F01", changes, author="rita", reason="test", base_version=1)
    assert info.value.record_id == "F01" and info.value.field == field and words in str(info.value)
    assert count_edits() == 0


def test_reason_required_and_precision_honest(db):
    with pytest.raises(RecordError, match="reason"):
        edits.make_edit("F01", {"status": "completed"}, author="rita", reason=" ", base_version=1)
    with pytest.raises(RecordError, match="location_precision"):
        edits.make_edit("F06", {"geometry": POINT}, author="rita", reason="surveyed", base_version=1)
    edit = edits.make_edit("F06", {"geometry": POINT, "location_precision": "exact"}, author="rita", reason="surveyed", base_version=1)
    assert edit.changes["location_source"]["after"] == "edit"
    assert "rita" in record("F06").location_note_zh
    assert count_edits() == 1


def test_roles_checked_by_the_write_functions(db):
    with pytest.raises(AccessDenied, match="only a reviewer"):
        edits.make_edit("F01", {"status": "completed"}, author="ed", reason="x", base_version=1)
    with pytest.raises(AccessDenied, match="no account"):
        edits.make_edit("F01", {"status": "completed"}, author="mallory", reason="x", base_version=1)
    n = review.propose("F01", {"status": "completed"}, author="ed", source="site visit", reason="opened")
    with pytest.raises(AccessDenied):
        review.accept(n, reviewer="ed", reason="self-approval")
    with pytest.raises(AccessDenied):
        edits.revert(1, author="ed", reason="x")
    assert count_edits() == 0
    assert store.authenticate("rita", "reviewer-pw").role == "reviewer"
    assert store.authenticate("rita", "wrong-password") is None and store.authenticate("nobody", "reviewer-pw") is None
    with store.session() as s:
        assert s.get(store.User, "rita").password_hash.startswith("$2")


def test_proposal_accepted_becomes_the_edit(db):
    n = review.propose("F03", {"status": "completed"}, author="osm-matcher", source="OpenStreetMap", reason="opened 2024",
                       evidence={"osm": "way/1"})
    assert [p.id for p in review.list_proposals()] == [n]
    assert record("F03").status != "completed"
    edit_id = review.accept(n, reviewer="rita", reason="checked the news")
    edit = edits.load_edits(record_id="F03")[0]
    assert (edit.id, edit.proposal_id, edit.author, edit.source) == (edit_id, n, "osm-matcher", "OpenStreetMap")
    assert record("F03").status == "completed"
    decided = review.get_proposal(n)
    assert (decided.state, decided.decided_by) == ("accepted", "rita")
    with pytest.raises(StoreError, match="already accepted"):
        review.accept(n, reviewer="rita")
    m = review.propose("F04", {"status": "completed"}, author="ed", source="", reason="guess")
    with pytest.raises(StoreError, match="reason"):
        review.reject(m, reviewer="rita", reason="")
    review.reject(m, reviewer="rita", reason="no evidence")
    assert review.get_proposal(m).state == "rejected" and record("F04").status != "completed"
    with pytest.raises(RecordError, match="status"):
        review.propose("F04", {"status": "soon"}, author="ed", source="", reason="bad")


def test_listings_filter_by_state_and_record_oldest_first(db):
    """store.rows behind list_proposals, load_edits and list_users: equal-column filters, None = no filter."""
    a = review.propose("F03", {"status": "completed"}, author="ed", source="", reason="a")
    b = review.propose("F04", {"status": "completed"}, author="ed", source="", reason="b")
    c = review.propose("F03", {"status": "operating"}, author="ed", source="", reason="c")
    review.reject(b, reviewer="rita", reason="no evidence")
    assert [p.id for p in review.list_proposals()] == [a, c]
    assert [p.id for p in review.list_proposals(state=None)] == [a, b, c]
    assert [p.id for p in review.list_proposals(state="rejected")] == [b]
    assert [p.id for p in review.list_proposals(record_id="F03")] == [a, c]
    assert [p.id for p in review.list_proposals(state=None, record_id="F04")] == [b]
    edits.make_edit("F02", {"status": "completed"}, author="rita", reason="x", base_version=None)
    edits.make_edit("F01", {"status": "completed"}, author="rita", reason="y", base_version=None)
    assert [e.record_id for e in edits.load_edits()] == ["F02", "F01"]
    assert [e.reason for e in edits.load_edits(record_id="F01")] == ["y"]
    assert [u.name for u in store.list_users()] == ["ed", "rita"]  # by name, not by creation


def test_listings_of_a_store_that_does_not_exist_are_empty(tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "db_url", None)
    monkeypatch.setattr(settings, "db_path", tmp_path / "absent.db")
    store.reset_engines()
    try:
        assert review.list_proposals() == [] and edits.load_edits() == [] and store.list_users() == []
        assert not (tmp_path / "absent.db").exists()  # reading creates nothing
    finally:
        store.reset_engines()


def test_new_record_proposal(db):
    whole = {k: v for k, v in record("F01").items() if k not in ("id", "geometry", "version", "updated_at", "aliases")}
    whole.update(name_zh="新医院", name_en="New Hospital", geometry=POINT)
    n = review.propose(None, json.loads(json.dumps(whole, default=str)), author="ingest", source="plan text", reason="new in plan")
    review.accept(n, reviewer="rita", reason="ok")
    frame = edits.current_catalog().frame
    new = frame[frame.name_zh == "新医院"].iloc[0]
    assert new.id.startswith("N") and new.version == 1 and review.get_proposal(n).record_id == new.id
    from geo.catalog import Atlas

    assert "新医院" in set(Atlas(db).projects.name_zh)  # derived columns computed for the new record too


def test_merge_remove_revert(db):
    edits.merge("F01", "F10", author="rita", reason="same hospital")
    frame = edits.current_catalog().frame
    assert "F10" not in set(frame.id)
    kept = frame[frame.id == "F01"].iloc[0]
    assert record("F10" if False else "F01").version == 2 and "Project F10" not in kept.aliases
    removal = edits.mark_not_project("F02", how="removed", author="rita", reason="not a project")
    assert "F02" not in set(edits.current_catalog().frame.id)
    edits.revert(removal.id, author="rita", reason="it is one")
    assert record("F02").version == 3
    edits.mark_not_project("F03", how="designation", author="rita", reason="a label", base_version=1)
    assert record("F03").kind == "designation"
    with pytest.raises(RecordError, match="merged"):
        edits.make_edit("F10", {"status": "completed"}, author="rita", reason="x", base_version=None)


def test_stale_edit_reported_after_a_rebuild(db):
    edits.make_edit("F05", {"status": "completed"}, author="rita", reason="done", base_version=1)
    edits.make_edit("F01", {"status": "completed"}, author="rita", reason="done", base_version=1)
    doc = json.loads(db.read_text(encoding="utf-8"))
    doc["features"] = [f for f in doc["features"] if f["properties"]["id"] != "F05"]
    for f in doc["features"]:
        if f["properties"]["id"] == "F01":
            f["properties"]["status"] = "preparatory"
    db.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    result = edits.current_catalog()
    stale = {s.record_id: s.reason for s in result.stale}
    assert set(stale) == {"F05", "F01"}
    assert "no longer in the catalog" in stale["F05"] and "status is now 'preparatory'" in stale["F01"]
    assert len(edits.load_edits()) == 2


def test_publish_writes_catalog_plus_edits_validated_and_atomic(db):
    edits.make_edit("F01", {"status": "completed"}, author="rita", reason="opened", base_version=1)
    path, _ = edits.publish()
    doc = json.loads(path.read_text(encoding="utf-8"))
    props = {f["properties"]["id"]: f["properties"] for f in doc["features"]}
    assert doc["edits_through"] == 1 and props["F01"]["version"] == 2 and props["F01"]["updated_at"].endswith("Z")
    assert props["F02"]["version"] == 1 and props["F02"]["updated_at"] is None
    edits.publish()  # from the published file: the edit is not applied twice
    again = json.loads(path.read_text(encoding="utf-8"))
    assert {f["properties"]["id"]: f["properties"]["version"] for f in again["features"]}["F01"] == 2
    # An edit that bypassed validation (written straight into the table) makes publish refuse.
    with store.session() as s:
        s.add(store.Edit(record_id="F02", seq=1, changes={"status": {"before": "under_construction", "after": "bogus"}},
                         author="x", reason="r", source="", base_version=1))
    before = path.read_bytes()
    with pytest.raises(ValidationFailed, match="bogus"):
        edits.publish()
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir() if p.name.startswith(".")) == []


def test_cli_edit_history_review_publish(db, capsys, monkeypatch):
    from geo.__main__ import main

    before = db.read_bytes()
    assert main(["edit", "F01", "--set", "status=finished", "--reason", "x", "--author", "rita"]) == 1
    err = capsys.readouterr().err
    assert "F01" in err and "status" in err and "finished" in err and "Traceback" not in err
    assert count_edits() == 0 and db.read_bytes() == before
    assert main(["edit", "F01", "--set", "status=completed", "--geometry", "POINT (106.06 29.06)", "--reason", "survey", "--author", "rita"]) == 0
    assert main(["edit", "F02", "--set", "status=completed", "--reason", "seen", "--author", "ed"]) == 0
    assert "proposal #1" in capsys.readouterr().out
    assert main(["review", "list"]) == 0 and "F02" in capsys.readouterr().out
    assert main(["review", "accept", "1", "--reviewer", "rita", "--reason", "ok"]) == 0
    shape = db.parent / "place.geojson"
    shape.write_text(json.dumps({"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [106.07, 29.07]}}))
    assert main(["edit", "F10", "--geometry", str(shape), "--reason", "site plan", "--author", "rita", "--base-version", "1"]) == 0
    assert record("F10").geometry.x == 106.07
    assert main(["edit", "F11", "--set", "removed=true", "--reason", "not a project", "--author", "rita"]) == 0
    assert main(["edit", "F12", "--set", "removed=yes", "--reason", "x", "--author", "rita"]) == 1
    assert "F11" not in set(edits.current_catalog().frame.id)
    assert main(["history", "F01"]) == 0
    out = capsys.readouterr().out
    assert "status: under_construction → completed" in out and "106.06" in out
    assert main(["publish"]) == 0
    props = {f["properties"]["id"]: f["properties"] for f in json.loads(db.read_text(encoding="utf-8"))["features"]}
    assert props["F01"]["version"] == 2 and props["F02"]["status"] == "completed"
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("a-long-password\n"))
    assert main(["user", "add", "nina", "--role", "reviewer", "--password-stdin"]) == 0
    assert store.authenticate("nina", "a-long-password").role == "reviewer"
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("short\n"))
    assert main(["user", "add", "otto", "--password-stdin"]) == 1 and store.get_user("otto") is None


def test_atlas_shows_the_catalog_plus_edits(db):
    from geo.catalog import Atlas

    line = {"type": "LineString", "coordinates": [[106.05, 29.05], [106.25, 29.05]]}
    edits.make_edit("F04", {"geometry": line, "status": "operating"}, author="rita", reason="traced", base_version=1)
    atlas = Atlas(db)
    row = atlas.projects[atlas.projects.id == "F04"].iloc[0]
    assert (row.status, row.version, row.location_source) == ("operating", 2, "edit")
    assert 19 < row.length_km < 20.5  # derived columns recomputed from the edited line (0.2° at 29°N ≈ 19.5 km)
    assert atlas.stale_edits == [] and atlas.store_error is None


def test_exports_carry_version_and_a_history_layer(db, tmp_path):
    import pyogrio

    from geo.catalog import Atlas
    from geo.export import export

    edits.make_edit("F01", {"status": "completed"}, author="rita", reason="opened", base_version=1)
    atlas = Atlas(db)
    out = export(atlas.projects, atlas.joined, tmp_path / "out.gpkg", fmt="gpkg")
    layers = {name for name, _ in pyogrio.list_layers(out)}
    assert {"projects_point", "history"} <= layers
    history = pyogrio.read_dataframe(out, layer="history")
    assert history[["record_id", "field", "after", "author"]].values.tolist() == [["F01", "status", '"completed"', "rita"]]
    from geo import io

    projects = io.read_projects(out)[0].set_index("id")  # every projects_* layer
    assert projects.loc["F01", "version"] == 2 and projects.loc["F02", "version"] == 1
    geojson = json.loads(export(atlas.projects, atlas.joined, tmp_path / "out.geojson", fmt="geojson").read_text(encoding="utf-8"))
    assert {f["properties"]["id"]: f["properties"]["version"] for f in geojson["features"]}["F01"] == 2


def test_a_save_that_raced_past_the_version_check_gets_the_conflict(db, monkeypatch):
    """Two saves read version 1 before either wrote: the database's unique (record_id, seq) stops the second."""
    before_a = edits.apply_edits(edits.built_catalog(), [])
    edits.make_edit("F01", {"status": "completed"}, author="rita", reason="first", base_version=1)
    monkeypatch.setattr(edits, "_state", lambda s: before_a)  # B still sees the catalog as it was
    monkeypatch.setattr(edits, "_next_seq", lambda s, rid: 1)  # and numbers its edit as it would have then
    with pytest.raises(EditConflict) as info:
        edits.make_edit("F01", {"status": "operating"}, author="rita", reason="second", base_version=1)
    assert "completed" in str(info.value) and "(first)" in str(info.value) and "operating" not in str(info.value)  # the other change, with its reason
    assert [e.reason for e in edits.load_edits()] == ["first"]
