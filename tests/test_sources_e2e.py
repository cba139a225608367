"""Sources into the workbench, end to end and offline: ``enrich osm --propose`` / ``ingest --propose``
→ ``review accept`` → ``publish``, against a temporary SQLite store and a private catalog file.

Nothing here is mocked: the proposals go through :func:`geo.review.propose` (which validates them
as edits), the reviewer's account is checked, and the published file is read back.
"""

from __future__ import annotations

import json
import shutil

import pytest

from geo import edits, ingest, osm, review, settings, store
from geo.__main__ import main
from tests.test_osm import catalog_features, write_osm_xml


@pytest.fixture
def workbench(tmp_path, monkeypatch):
    """A fresh SQLite store, a reviewer account and a private copy of a catalog; yields a loader."""
    import bcrypt

    fast_salt = bcrypt.gensalt
    monkeypatch.setattr(bcrypt, "gensalt", lambda rounds=4, prefix=b"2b": fast_salt(4, prefix))
    monkeypatch.setattr(settings, "db_url", f"sqlite:///{tmp_path / 'atlas.db'}")
    store.reset_engines()

    plans = tmp_path / "plans.json"
    shutil.copy(settings.plans_path, plans)
    monkeypatch.setattr(settings, "plans_path", plans)

    def start(features: list[dict]):
        path = tmp_path / "projects.geojson"
        path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), encoding="utf-8")
        monkeypatch.setattr(settings, "projects_path", path)
        store.add_user("rita", "reviewer-pw", role="reviewer")
        return path

    yield start
    store.reset_engines()


def v2_catalog() -> list[dict]:
    """The OSM tests' catalog as schema v2 records (as the built catalog is now)."""
    features = catalog_features()
    for f in features:
        p = f["properties"]
        p.pop("location_note")
        p.update(location_note_zh="测试位置", location_note_en="Test place", location_source="well_known", kind="project", scope=None)
    return features


def published(path) -> dict[str, dict]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {f["properties"]["id"]: {**f["properties"], "geometry": f["geometry"]} for f in data["features"]}


def _proposal_ids(out: str) -> list[int]:
    line = next(t for t in out.splitlines() if "proposals sent to the workbench" in t)
    return [int(n) for n in line.split(":")[-1].replace(" ", "").split(",") if n]


def test_osm_match_proposed_accepted_published(workbench, tmp_path, capsys):
    catalog = workbench(v2_catalog())
    extract = tmp_path / "extract.osm"
    write_osm_xml(extract)
    assert main(["enrich", "osm", "--xml", str(extract), "--category", "rail,station_hub", "--propose"]) == 0
    ids = _proposal_ids(capsys.readouterr().out)
    pending = {p.id: p for p in review.list_proposals()}
    assert sorted(pending) == sorted(ids) and {pending[i].record_id for i in ids} == {"R1", "R3"}
    by_record = {pending[i].record_id: i for i in ids}
    assert main(["review", "accept", str(by_record["R1"]), "--reviewer", "rita", "--reason", "alignment checked"]) == 0
    assert main(["publish"]) == 0
    capsys.readouterr()
    rec = published(catalog)["R1"]
    assert rec["location_precision"] == "exact" and rec["location_source"] == "openstreetmap"
    assert rec["osm_ids"] == ["way/101", "way/102", "way/103"]
    assert rec["geometry"]["type"] == "LineString"
    assert osm.CREDIT in rec["location_note_en"] and osm.CREDIT_ZH in rec["location_note_zh"]
    assert rec["version"] == 2 and rec["updated_at"]
    (edit,) = edits.load_edits(record_id="R1")
    assert (edit.author, edit.source, edit.proposal_id) == ("enrich-osm", "openstreetmap", by_record["R1"])
    assert {"geometry", "osm_ids", "location_source", "location_precision"} <= set(edit.changes)
    # the station's proposal is still pending and its record untouched
    assert published(catalog)["R3"]["version"] == 1
    assert [p.record_id for p in review.list_proposals()] == ["R3"]


def test_osm_proposal_refused_for_a_reviewerless_accept(workbench, tmp_path, capsys):
    workbench(v2_catalog())
    extract = tmp_path / "extract.osm"
    write_osm_xml(extract)
    assert main(["enrich", "osm", "--xml", str(extract), "--category", "station_hub", "--propose"]) == 0
    (n,) = _proposal_ids(capsys.readouterr().out)
    assert main(["review", "accept", str(n), "--reviewer", "nobody"]) == 1
    assert "Traceback" not in capsys.readouterr().err
    assert edits.load_edits() == []


PLAN: dict[str, str] = {"plan_id": "new2025", "title": "测试新规划", "date": "2025-01-15"}
TEXT = (
    "一、重点任务\n"
    "加快建设渝西高铁,推动重庆西站综合枢纽改造。\n"
    "到2027年,九龙坡区白市驿隧道建成投用。\n"
    "规划建设兰州至西宁铁路、西安至重庆铁路。\n"
)


def test_ingest_proposals_accepted_then_published(workbench, tmp_path, capsys):
    catalog = workbench(v2_catalog())
    plan = tmp_path / "plan.txt"
    plan.write_text(TEXT, encoding="gbk")
    assert main(["ingest", str(plan), "--plan-id", PLAN["plan_id"], "--title", PLAN["title"], "--date", PLAN["date"], "--propose"]) == 0
    out = capsys.readouterr().out
    assert "plan new2025 added to" in out and "proposals sent to the review queue" in out
    pending = review.list_proposals()
    mention = next(p for p in pending if p.record_id == "R1")
    tunnel = next(p for p in pending if p.record_id is None and p.changes["name_zh"].endswith("白市驿隧道"))
    assert [a["plan"] for a in mention.changes["plans"]] == ["lj2023", "new2025"]
    assert tunnel.changes["geometry"] is None and tunnel.changes["scope"] == "九龙坡区"
    assert tunnel.changes["location_precision"] == "district"
    for p in (mention, tunnel):
        assert main(["review", "accept", str(p.id), "--reviewer", "rita", "--reason", "read the plan"]) == 0
    assert main(["publish"]) == 0
    records = published(catalog)
    r1 = records["R1"]
    assert r1["version"] == 2 and r1["plans"][-1]["quote"] in TEXT and r1["plans"][-1]["plan"] == "new2025"
    (created,) = [r for r in records.values() if r["name_zh"].endswith("白市驿隧道")]
    assert created["id"].startswith("N") and created["geometry"] is None
    assert (created["location_precision"], created["scope"], created["location_source"]) == ("district", "九龙坡区", "none")
    assert created["plans"][0]["quote"] in TEXT and created["status_source"] == "new2025"
    assert review.get_proposal(tunnel.id).record_id == created["id"]


def test_every_ingest_proposal_of_a_plan_validates(workbench, tmp_path):
    """Each proposal dict (new records with and without a stated district, new mentions) passes propose()."""
    workbench(v2_catalog())
    cands = ingest.ingest_text(TEXT, plan_id=PLAN["plan_id"], title=PLAN["title"], date=PLAN["date"])
    dicts = ingest.proposals(cands, date=PLAN["date"], catalog_records=ingest.catalog_records())
    assert {d["record_id"] for d in dicts} >= {None, "R1"}
    wide = [d for d in dicts if d["record_id"] is None and not d["changes"]["admin_stated"]]
    assert wide, "the railways between provinces state no district"
    for d in wide:
        assert d["changes"]["location_precision"] == "region" and d["changes"]["scope"] == "成渝地区"
    ingest.register_plan(PLAN["plan_id"], title=PLAN["title"], date=PLAN["date"])
    ids = ingest.submit(dicts)
    assert len(ids) == len(dicts)


def test_osm_place_for_a_record_known_only_to_its_district(workbench, tmp_path, capsys):
    """A station with no point (precision district, scope 江津区) gets the OSM station node once accepted."""
    features = v2_catalog()
    for f in features:
        if f["properties"]["id"] == "R3":
            f["geometry"] = None
            f["properties"].update(location_precision="district", location_source="none", scope="江津区")
    catalog = workbench(features)
    extract = tmp_path / "extract.osm"
    write_osm_xml(extract)
    assert main(["enrich", "osm", "--xml", str(extract), "--category", "station_hub", "--propose"]) == 0
    (n,) = _proposal_ids(capsys.readouterr().out)
    assert main(["review", "accept", str(n), "--reviewer", "rita", "--reason", "the station is there"]) == 0
    assert main(["publish"]) == 0
    rec = published(catalog)["R3"]
    assert rec["geometry"] == {"type": "Point", "coordinates": [106.061, 29.0125]}
    assert (rec["location_precision"], rec["location_source"], rec["osm_ids"]) == ("exact", "openstreetmap", ["node/900"])
