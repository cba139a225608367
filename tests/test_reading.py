"""One reading path for every command: ``validate``, ``export``, ``join`` (and ``stats``, ``render``)
read a project file through :func:`geo.validate.read_checked` with the same options
(``--field-map``, ``--input-crs``), give the same verdict and say which mapping they used."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from geo import coords
from geo.__main__ import main
from tests.helpers import make_record

#: A record of another tool: our fields under common aliases, coordinates in GCJ-02 (Amap).
_ALIASES = {"id": "编号", "name_zh": "名称", "status_source": "plan_id"}


def _aliased(record: dict, renames: dict[str, str], **extra) -> dict:
    props = {renames.get(k, k): v for k, v in record["properties"].items()}
    return {**record, "properties": {**props, **extra}}


def _write(path: Path, *features) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": list(features)}, ensure_ascii=False), encoding="utf-8")
    return path


def _run(argv, capsys) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _csv_rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_aliases_are_recognised_and_named_by_export_and_join(tmp_path, capsys):
    record = make_record("F01", location_precision="exact", admin_stated=[])
    path = _write(tmp_path / "other.geojson", _aliased(record, _ALIASES, coord_sys="GCJ-02"))

    code, out, _ = _run(["validate", path], capsys)
    assert code == 0, out
    assert "名称 → name_zh" in out and "coord_sys → input_crs" in out

    code, out, err = _run(["export", "--catalog", path, "--format", "csv", "--out", tmp_path / "x.csv"], capsys)
    assert code == 0, err
    assert "名称 → name_zh" in err and "plan_id → status_source" in err and "coord_sys → input_crs" in err
    (row,) = _csv_rows(tmp_path / "x.csv")
    assert row["id"] == "F01" and row["name_zh"] == "测试项目F01" and row["status_source"] == "lj2023"
    # coord_sys was applied: the GCJ-02 point was converted to WGS84 at the door (≈ 500 m west/south).
    wgs = coords.convert([__import__("shapely").Point(106.05, 29.05)], source="GCJ-02")[0]
    assert row["source_crs"] == "GCJ-02"
    assert (float(row["lon"]), float(row["lat"])) == pytest.approx((wgs.x, wgs.y), abs=1e-6)
    assert float(row["lon"]) < 106.05 - 0.002

    code, out, err = _run(["join", "--catalog", path, "--out", tmp_path / "j.csv"], capsys)
    assert code == 0, err
    assert "名称 → name_zh" in err
    assert {r["id"] for r in _csv_rows(tmp_path / "j.csv")} == {"F01"}


def test_explicit_field_map_for_every_command(tmp_path, capsys):
    """Field names no alias knows: refused by every command without --field-map, read by every command with it."""
    record = make_record("F01", admin_stated=[])
    path = _write(tmp_path / "other.geojson", _aliased(record, {"name_zh": "title", "category": "sector"}))
    field_map = "title=name_zh,sector=category"
    commands = {
        "validate": ["validate", path],
        "export": ["export", "--catalog", path, "--format", "geojson", "--out", tmp_path / "x.geojson"],
        "join": ["join", "--catalog", path, "--out", tmp_path / "j.csv"],
        "stats": ["stats", "--catalog", path, "--out", tmp_path / "s.csv"],
    }
    for name, argv in commands.items():
        code, out, err = _run(argv, capsys)
        assert code == 1, (name, out, err)
        assert "name_zh: required field missing" in out + err, (name, out + err)
    for name, argv in commands.items():
        code, out, err = _run([*argv, "--field-map", field_map], capsys)
        assert code == 0, (name, out, err)
        assert "title → name_zh, sector → category" in out + err, (name, out + err)
    feature = json.loads((tmp_path / "x.geojson").read_text(encoding="utf-8"))["features"][0]
    assert feature["properties"]["name_zh"] == "测试项目F01" and feature["properties"]["category"] == "hospital"


def test_input_crs_option_is_the_same_for_export_as_for_validate(tmp_path, capsys):
    path = _write(tmp_path / "amap.geojson", make_record("F01", admin_stated=[]))
    code, _, err = _run(["export", "--catalog", path, "--format", "csv", "--out", tmp_path / "x.csv", "--input-crs", "GCJ-02"], capsys)
    assert code == 0, err
    (row,) = _csv_rows(tmp_path / "x.csv")
    assert row["source_crs"] == "GCJ-02" and float(row["lon"]) < 106.05 - 0.002
    code, _, err = _run(["export", "--catalog", path, "--format", "csv", "--out", tmp_path / "y.csv"], capsys)
    (row,) = _csv_rows(tmp_path / "y.csv")
    assert row["source_crs"] == "WGS84" and float(row["lon"]) == pytest.approx(106.05)


def test_bad_field_map_is_a_usage_error_everywhere(tmp_path, capsys):
    path = _write(tmp_path / "p.geojson", make_record("F01"))
    for argv in (["validate", path], ["export", "--catalog", path, "--format", "csv", "--out", tmp_path / "x.csv"], ["join", "--catalog", path]):
        code, out, err = _run([*argv, "--field-map", "title"], capsys)
        assert code == 2 and "expected old=new" in err, (argv, out, err)
    assert not (tmp_path / "x.csv").exists()
