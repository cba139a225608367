"""Bad input: a clear error naming the record and the problem; nothing lost, nothing changed."""

from __future__ import annotations

import hashlib
import json

import pytest

from geo.__main__ import main
from geo.validate import validate_file

from .conftest import FIXTURES

BROKEN = FIXTURES / "broken.geojson"


@pytest.fixture(scope="module")
def report():
    frame, report = validate_file(BROKEN)
    assert len(frame) == 12  # every record kept, bad ones included
    return report


@pytest.mark.parametrize(
    ("record", "field", "words"),
    [
        ("B01", "id", "duplicate id"),
        ("B03", "category", "unknown value 'spaceport'"),
        ("B04", "geometry", "swapped"),
        ("B05", "geometry", "metres, not degrees"),
        ("B06", "geometry", "invalid geometry (Self-intersection"),
        ("B07", "plans[0].plan", "'nosuchplan' is not in plans.json"),
        ("B08", "geometry", "empty geometry"),
        ("B09", "status", "required field is empty"),
        ("B10", "geometry", "outside the region"),
        ("B11", "status", "unknown value 'dreaming'"),
        ("B12", "geometry", "unreadable geometry"),
    ],
)
def test_each_problem_names_record_and_field(report, record, field, words):
    hits = [p for p in report.errors if p.record == record and p.field == field]
    assert hits, f"no {field} error for {record}: {report}"
    assert any(words in p.message for p in hits)
    assert f"record {record}" in str(hits[0])


def test_valid_records_have_no_problem(report):
    assert not [p for p in report.problems if p.record == "B01" and p.row == 0]


def test_repair_is_offered_not_applied(report, tmp_path):
    assert report.repaired is not None
    assert report.repaired.iloc[5].is_valid
    out = tmp_path / "repaired.geojson"
    before = hashlib.sha256(BROKEN.read_bytes()).hexdigest()
    assert main(["validate", str(BROKEN), "--repair", str(out)]) == 1
    assert hashlib.sha256(BROKEN.read_bytes()).hexdigest() == before
    fixed = json.loads(out.read_text(encoding="utf-8"))
    assert len(fixed["features"]) == 12


def test_cli_exit_codes(capsys):
    assert main(["validate", str(FIXTURES / "projects.geojson")]) == 0
    assert main(["validate", str(BROKEN)]) == 1
    out = capsys.readouterr().out
    assert "record B03 (row 2): category: unknown value 'spaceport'" in out


def test_malformed_and_unknown_files(tmp_path):
    bad = tmp_path / "bad.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    frame, report = validate_file(bad)
    assert frame is None and not report.ok
    assert "malformed JSON at line 1" in str(report)
    other = tmp_path / "x.kml"
    other.write_text("<kml/>")
    assert "unknown format" in str(validate_file(other)[1])


def test_declared_projected_crs_is_an_error(tmp_path):
    doc = json.loads((FIXTURES / "projects.geojson").read_text(encoding="utf-8"))
    doc["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4545"}}
    path = tmp_path / "crs.geojson"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    _, report = validate_file(path)
    assert any(p.field == "crs" and "4545" in p.message for p in report.errors)


def _csv_rows():
    plans = json.dumps([{"plan": "jlp14", "verb": "建设", "action": "build", "target_year": None, "quote": "建设"}], ensure_ascii=False)
    header = "id,name_zh,name_en,category,status,status_as_of,status_source,location_precision,source_crs,plans,lon,lat"
    return [header, f'C1,九龙坡医院,Hospital,hospital,proposed,2021-04-09,jlp14,town,WGS84,"{plans.replace(chr(34), chr(34) * 2)}",106.35,29.40']


def test_gbk_csv_is_read_and_reported(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("\n".join(_csv_rows()).encode("gbk"))
    frame, report = validate_file(path)
    assert report.ok, str(report)
    assert frame.name_zh.iat[0] == "九龙坡医院"
    assert any(p.field == "encoding" and "GBK" in p.message for p in report.warnings)


def test_gcj02_input_is_converted_at_the_door(tmp_path):
    path = tmp_path / "amap.csv"
    path.write_text("\n".join(_csv_rows()), encoding="utf-8")
    plain, _ = validate_file(path)
    converted, report = validate_file(path, input_crs="GCJ-02")
    assert report.ok
    assert converted.source_crs.iat[0] == "GCJ-02"
    # WGS84 lies west-north-west of GCJ-02 in Chongqing.
    assert converted.geometry.iat[0].x < plain.geometry.iat[0].x
    assert 0.003 < plain.geometry.iat[0].distance(converted.geometry.iat[0]) < 0.007


def test_wkt_csv_with_bad_geometry(tmp_path):
    path = tmp_path / "wkt.csv"
    path.write_text("id,name_zh,wkt\nW1,甲,POINT (106.1 29.1)\nW2,乙,POINT (106.1\n", encoding="utf-8")
    frame, report = validate_file(path)
    assert len(frame) == 2
    assert any(p.record == "W2" and "unreadable geometry" in p.message for p in report.errors)


def test_status_dates_must_be_real_calendar_dates():
    from geo.validate import is_iso_date

    assert all(is_iso_date(d) for d in ("2023", "2023-03", "2023-03-24", "2024-02-29"))
    assert not any(is_iso_date(d) for d in ("2024-13-45", "2023-02-29", "2023-00", "2024年3月", "23-03-24"))
