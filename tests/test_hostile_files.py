"""A corpus of hostile and broken files, made here, through ``validate``, ``export`` and ``join``.

Every case must end without a traceback and without a hang, with a message
that names the file, the record or the field, and must leave every input
(and every device or link given as ``--out``) exactly as it was.
Commands run in-process through :func:`geo.__main__.main`; the cases that
would block a reader for ever (a FIFO, ``/dev/zero``) run in a subprocess
with a timeout instead.
"""

from __future__ import annotations

import copy
import json
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from geo import settings
from geo.__main__ import main

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).parent.parent


def _base() -> dict:
    """A valid record (fixture F01, in Chongqing)."""
    doc = json.loads((FIXTURES / "projects.geojson").read_text(encoding="utf-8"))
    return doc["features"][0]


def _collection(*features, **extra) -> str:
    return json.dumps({"type": "FeatureCollection", **extra, "features": list(features)}, ensure_ascii=False)


def _with(**props) -> dict:
    feature = copy.deepcopy(_base())
    feature["properties"].update(props)
    return feature


def _at(*coords) -> dict:
    feature = copy.deepcopy(_base())
    feature["geometry"] = {"type": "Point", "coordinates": list(coords)}
    return feature


def _write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _bomb_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("attributions.csv", b"0" * 30_000_000)
        zf.writestr("a.shp", b"")
    return path


def _slip_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("../../evil.shp", b"x")
    return path


def _csv(rows: list[str], encoding: str = "utf-8") -> bytes:
    return ("\n".join(rows) + "\n").encode(encoding)


_CSV_HEAD = "id,name_zh,name_en,category,status,status_as_of,status_source,location_precision,source_crs,lon,lat"

# name → (maker(tmp) → path, words one of which the output must contain, validate exit codes allowed)
CASES = {
    "properties_list": (lambda d: _write(d / "p.geojson", _collection({**_base(), "properties": [1, 2]})), ["properties"], {1}),
    "properties_string": (lambda d: _write(d / "p.geojson", _collection({**_base(), "properties": "x"})), ["properties"], {1}),
    "category_list": (lambda d: _write(d / "p.geojson", _collection(_with(category=["rail"]))), ["category"], {1}),
    "id_number": (lambda d: _write(d / "p.geojson", _collection(_with(id=12345))), ["id"], {1}),
    "id_list": (lambda d: _write(d / "p.geojson", _collection(_with(id=["P1"]))), ["id"], {1}),
    "id_object": (lambda d: _write(d / "p.geojson", _collection(_with(id={"a": 1}))), ["id"], {1}),
    "id_path": (lambda d: _write(d / "p.geojson", _collection(_with(id="../../etc/passwd"))), ["id"], {1}),
    "id_nul": (lambda d: _write(d / "p.geojson", _collection(_with(id="P1234\x00ABC"))), ["id"], {1}),
    "id_formula": (lambda d: _write(d / "p.geojson", _collection(_with(id='=HYPERLINK("http://x")'))), ["id"], {1}),
    "recursion_bomb": (lambda d: _write(d / "p.geojson", '{"type":"FeatureCollection","features":[' + "[" * 100_000 + "]" * 100_000 + "]}"), ["nested"], {1}),
    "recursion_bomb_csv": (lambda d: _write(d / "p.csv", _csv([_CSV_HEAD + ",plans", "F01,甲,A,hospital,planned,2023,lj2023,exact,WGS84,106.05,29.05," + "[" * 100_000])), ["nested", "plans"], {1}),
    "utf16_geojson": (lambda d: _write(d / "p.geojson", _collection(_base()).encode("utf-16")), ["not UTF-8"], {1}),
    "deep_property": (lambda d: _write(d / "p.geojson", _collection(_with(aliases=json.loads("[" * 500 + "]" * 500)))), ["nested"], {1}),
    "inf_in_csv": (lambda d: _write(d / "p.csv", _csv([_CSV_HEAD, "F01,甲,A,hospital,planned,2023,lj2023,exact,WGS84,inf,29.05"])), ["finite", "lon/lat"], {1}),
    "nan_in_geojson": (lambda d: _write(d / "p.geojson", _collection(_at(106.0, 29.0)).replace("106.0", "NaN")), ["finite", "geometry"], {1}),
    "feature_without_type": (lambda d: _write(d / "p.geojson", _collection(_base(), {k: v for k, v in _with(id="F02").items() if k != "type"})), ["type"], {1}),
    "z_values": (lambda d: _write(d / "p.geojson", _collection(_at(106.05, 29.05, 300.0))), ["Z values"], {0}),
    "empty_collection": (lambda d: _write(d / "p.geojson", _collection()), ["empty"], {0}),
    "latin1_csv": (lambda d: _write(d / "p.csv", _csv([_CSV_HEAD, "F01,Café Zürich Ångström,A,hospital,planned,2023,lj2023,exact,WGS84,106.05,29.05"], "latin-1")), ["unknown encoding"], {1}),
    # UTF-8 Chinese cut one byte in (invalid UTF-8; GB18030 maps it to rare characters, not Chinese text).
    "mojibake_csv": (lambda d: _write(d / "p.csv", _csv([_CSV_HEAD]) + "F01,重庆市九龙坡区西彭组团轨道交通项目,A,hospital,planned,2023,lj2023,exact,WGS84,106.05,29.05\n".encode()[5:]), ["unknown encoding"], {1}),
    "gbk_csv": (lambda d: _write(d / "p.csv", _csv([_CSV_HEAD, "F01,重庆市九龙坡区医院（一期）,A,hospital,planned,2023,lj2023,exact,WGS84,106.05,29.05"], "gbk")), ["GBK"], {0, 1}),
    "point_in_beijing": (lambda d: _write(d / "p.geojson", _collection(_at(116.4, 39.9))), ["outside Chongqing and Sichuan"], {0}),
    "lon_minus_180": (lambda d: _write(d / "p.geojson", _collection(_at(-180.0001, 29.0))), ["not a longitude"], {1}),
    "crs_3857": (lambda d: _write(d / "p.geojson", _collection(_base(), crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}})), ["3857"], {1}),
    "name_5mb": (lambda d: _write(d / "p.geojson", _collection(_with(name_zh="重庆" * 2_500_000))), ["name_zh"], {1}),
    "zip_bomb": (lambda d: _bomb_zip(d / "p.zip"), ["bomb", "expands"], {1}),
    "zip_slip": (lambda d: _slip_zip(d / "p.zip"), ["outside the archive"], {1}),
    "directory": (lambda d: (d / "p.geojson").mkdir() or d / "p.geojson", ["directory"], {1}),
    "missing": (lambda d: d / "absent.geojson", ["no such file"], {1}),
    "symlink_loop": (lambda d: (os.symlink(d / "b.geojson", d / "a.geojson"), os.symlink(d / "a.geojson", d / "b.geojson")) and d / "a.geojson", ["cannot be read", "symbolic links"], {1}),
    "not_json": (lambda d: _write(d / "p.geojson", '{"type": "FeatureCollection", "features": [}'), ["malformed JSON at line 1"], {1}),
    "field_aliases": (lambda d: _write(d / "p.csv", _csv(["编号,名称,name_en,category,status,status_as_of,plan_id,location_precision,source_crs,lon,lat", "F01,甲,A,hospital,planned,2023,lj2023,exact,WGS84,106.05,29.05"])), ["名称 → name_zh"], {0, 1}),
}


#: Cases whose validate warning is a reading note (geo.io.reading_notes), which every command prints.
_READING_NOTES = ("z_values", "empty_collection", "gbk_csv", "field_aliases")


def _snapshot(path: Path):
    """What must not change: bytes of a regular file, else the lstat kind and target."""
    try:
        info = path.lstat()
    except OSError:
        return None
    if stat.S_ISLNK(info.st_mode):
        return ("link", os.readlink(path))
    if stat.S_ISREG(info.st_mode):
        return ("file", path.read_bytes())
    return ("other", stat.S_IFMT(info.st_mode), info.st_rdev)


def _run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out + err, err


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_file_through_validate_export_join(case, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("ATLAS_DEBUG", raising=False)
    make, words, validate_codes = CASES[case]
    path = make(tmp_path)
    before = {p: _snapshot(p) for p in tmp_path.iterdir()}

    verdict, text, err = _run(["validate", path], capsys)
    assert "Traceback" not in err
    assert verdict in validate_codes, text
    assert any(w in text for w in words), text
    assert path.name in text or "record" in text or "row" in text

    for argv in (["export", "--catalog", path, "--format", "csv", "--out", tmp_path / "out" / "x.csv"], ["join", "--catalog", path, "--out", tmp_path / "out" / "j.csv"]):
        code, text, err = _run(argv, capsys)
        assert "Traceback" not in err and "unexpected" not in err, err
        assert code == verdict, text  # one reading path: the same verdict as validate
        if verdict:
            assert path.name in err or "record" in err or "row" in err, err
        if verdict or case in _READING_NOTES:  # the same problems, or the same reading note, as validate's
            assert any(w in text for w in words), text
    assert {p: _snapshot(p) for p in before} == before
    assert not [p for p in (tmp_path / "out").glob(".*")] if (tmp_path / "out").exists() else True  # no temp files left


@pytest.mark.parametrize("case", ["fifo", "dev_zero"])
def test_files_that_would_block_are_refused_quickly(case, tmp_path):
    path = tmp_path / "p.geojson"
    if case == "fifo":
        os.mkfifo(path)
    else:
        os.symlink("/dev/zero", path)
    env = {**os.environ, "ATLAS_DEBUG": ""}
    for argv in (["validate", path], ["export", "--catalog", path, "--format", "csv", "--out", tmp_path / "x.csv"], ["join", "--catalog", path]):
        done = subprocess.run([sys.executable, "-m", "geo", *map(str, argv)], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
        assert done.returncode == 1, done.stderr + done.stdout
        assert "Traceback" not in done.stderr
        assert any(w in done.stdout + done.stderr for w in ("named pipe", "a device")), done.stdout + done.stderr
        assert str(path) in done.stdout + done.stderr
    assert stat.S_ISFIFO(path.lstat().st_mode) if case == "fifo" else os.readlink(path) == "/dev/zero"


def test_big_file_is_refused_with_a_message(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(settings, "max_input_bytes", 10_000)
    path = _write(tmp_path / "big.geojson", _collection(*[_with(id=f"F{i:04d}") for i in range(40)]))
    size = path.stat().st_size / 1e6
    code, text, _ = _run(["validate", path], capsys)
    assert code == 1 and "max_input_bytes" in text and "big.geojson" in text
    assert f"is {size:.1f} MB; files over 0.01 MB are refused" in text and "split the file" in text  # the file, its size, the limit
    code, text, _ = _run(["export", "--catalog", path, "--format", "csv", "--out", tmp_path / "x.csv"], capsys)
    assert code == 1 and "max_input_bytes" in text
    assert not (tmp_path / "x.csv").exists()


def _device(tmp_path: Path) -> Path:
    """A character device of our own (the null device's numbers) instead of touching /dev/null."""
    dev = tmp_path / "null"
    try:
        os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("mknod needs root")
    return dev


@pytest.mark.parametrize("target", ["device", "fifo", "symlink", "directory", "under_a_file"])
@pytest.mark.parametrize("command", ["export", "join", "repair"])
def test_out_never_replaces_a_device_link_or_directory(target, command, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("ATLAS_DEBUG", raising=False)
    catalog = _write(tmp_path / "cat.geojson", _collection(_base(), {**_with(id="F02"), "geometry": {"type": "Polygon", "coordinates": [[[106.0, 29.0], [106.1, 29.1], [106.1, 29.0], [106.0, 29.1], [106.0, 29.0]]]}}))
    kept = _write(tmp_path / "kept.csv", "precious\n")
    out = {
        "device": lambda: _device(tmp_path),
        "fifo": lambda: os.mkfifo(tmp_path / "pipe.csv") or tmp_path / "pipe.csv",  # opening it to write would block
        "symlink": lambda: (os.symlink(kept, tmp_path / "link.csv"), tmp_path / "link.csv")[1],
        "directory": lambda: (tmp_path / "dir.csv").mkdir() or tmp_path / "dir.csv",
        "under_a_file": lambda: kept / "x.csv",
    }[target]()
    before = {p: _snapshot(p) for p in tmp_path.iterdir()}
    argv = {
        "export": ["export", "--catalog", FIXTURES / "projects.geojson", "--format", "csv", "--out", out],
        "join": ["join", "--catalog", FIXTURES / "projects.geojson", "--out", out],
        "repair": ["validate", catalog, "--repair", out],
    }[command]
    code, text, err = _run(argv, capsys)
    assert code == 1, text
    assert "Traceback" not in err and "unexpected" not in err
    assert str(out) in err
    assert {p: _snapshot(p) for p in tmp_path.iterdir()} == before


def test_repair_never_overwrites_its_input(tmp_path, capsys):
    bowtie = {**_base(), "geometry": {"type": "Polygon", "coordinates": [[[106.0, 29.0], [106.1, 29.1], [106.1, 29.0], [106.0, 29.1], [106.0, 29.0]]]}}
    path = _write(tmp_path / "in.geojson", _collection(bowtie))
    before = path.read_bytes()
    code, text, _ = _run(["validate", path, "--repair", path], capsys)
    assert code == 1 and "never overwrites its input" in text
    code, text, _ = _run(["validate", path, "--repair", tmp_path / "." / "in.geojson"], capsys)
    assert code == 1 and "never overwrites its input" in text
    assert path.read_bytes() == before
    code, text, _ = _run(["validate", path, "--repair", tmp_path / "fixed.geojson"], capsys)
    assert (tmp_path / "fixed.geojson").exists() and path.read_bytes() == before


def test_sigterm_during_export_leaves_no_temporary_file(tmp_path):
    """A SIGTERM mid-write: the CLI turns it into an exception, atomic_path removes its temporary file."""
    script = (
        "import os, signal, sys\n"
        "import geo.io as io\n"
        "orig = io.write_csv\n"
        "def slow(table, target):\n"
        "    with io.atomic_path(target) as tmp:\n"
        "        tmp.write_text('partial')\n"
        "        os.kill(os.getpid(), signal.SIGTERM)\n"
        "        raise SystemExit('not reached')\n"
        "io.write_csv = slow\n"
        "from geo.__main__ import main\n"
        f"sys.exit(main(['export', '--catalog', {str(FIXTURES / 'projects.geojson')!r}, '--format', 'csv', '--out', {str(tmp_path / 'x.csv')!r}]))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 130, done.stderr
    assert "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_render_title_with_dollars_is_drawn_as_text(tmp_path, capsys):
    code, text, err = _run(["render", "--catalog", FIXTURES / "projects.geojson", "--out", tmp_path / "b.png", "--dpi", "40", "--title", r"cost $\frac{a$ and $x^2$"], capsys)
    assert code == 0, text
    assert "Traceback" not in err and (tmp_path / "b.png").stat().st_size > 0


_HOSTILE_NAMES = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "甲\r乙", "丙\n丁", "\t=1"]


@pytest.mark.parametrize("source", ["well_known", "openstreetmap"])  # openstreetmap: the export is rewritten with the ODbL credit
def test_cli_csv_export_of_formula_and_cr_names_has_no_live_formula(source, tmp_path, capsys):
    """Formula cells and CR/LF inside names, through `export --format csv` and `join --out`: one row per
    record (a CR never splits a row, as it does in Excel when unquoted) and no cell a spreadsheet would run."""
    import csv

    features = [_with(id=f"F{i:02d}", name_zh=name, name_en=name, location_source=source, osm_ids=["way/1"] if source == "openstreetmap" else []) for i, name in enumerate(_HOSTILE_NAMES)]
    path = _write(tmp_path / "p.geojson", _collection(*features))
    for argv, out in ((["export", "--format", "csv"], tmp_path / "x.csv"), (["join"], tmp_path / "j.csv")):
        code, text, _ = _run([*argv, "--catalog", path, "--out", out], capsys)
        assert code == 0, text
        with open(out, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
        assert len(rows) == len(_HOSTILE_NAMES) + 1, rows
        live = [c for row in rows[1:] for c in row if c[:1] in ("=", "+", "@", "\t", "\r")]
        assert live == []
        if argv[0] == "export":
            names = [row[rows[0].index("name_zh")] for row in rows[1:]]
            assert "甲\r乙" in names and "'=HYPERLINK(\"http://x\",\"y\")" in names
            assert [row[rows[0].index("attribution")] != "" for row in rows[1:]] == [source == "openstreetmap"] * len(_HOSTILE_NAMES) if source == "openstreetmap" else "attribution" not in rows[0]


@pytest.mark.parametrize("case", ["tiny_features", "many_records", "csv_cells", "csv_rows", "gpkg_records"])
def test_files_that_parse_into_far_more_memory_than_their_size_are_refused(case, tmp_path, capsys, monkeypatch):
    """A 3 MB file of a million empty features took 810 MB and 100 s (a 200 MB one would take ~50 GB): counts
    are bounded before any per-record work, with a message naming the file, the count and the setting."""
    monkeypatch.delenv("ATLAS_DEBUG", raising=False)
    monkeypatch.setattr(settings, "max_json_containers", 1_000)
    monkeypatch.setattr(settings, "max_csv_cells", 1_000)
    monkeypatch.setattr(settings, "max_records", 50)
    path, setting = {
        "tiny_features": lambda: (_write(tmp_path / "p.geojson", '{"type":"FeatureCollection","features":[' + ",".join(["[]"] * 2_000) + "]}"), "max_json_containers"),
        "many_records": lambda: (_write(tmp_path / "p.geojson", _collection(*[_with(id=f"F{i:03d}") for i in range(60)])), "max_records"),
        "csv_cells": lambda: (_write(tmp_path / "p.csv", _csv([_CSV_HEAD] + ["F01,甲,A,hospital,planned,2023,lj2023,exact,WGS84,106.05,29.05"] * 100)), "max_csv_cells"),
        "csv_rows": lambda: (_write(tmp_path / "p.csv", _csv(["lon,lat"] + ["106.05,29.05"] * 60)), "max_records"),
        "gpkg_records": lambda: (_gpkg(tmp_path / "p.gpkg", 60), "max_records"),
    }[case]()
    for argv in (["validate", path], ["export", "--catalog", path, "--format", "csv", "--out", tmp_path / "x.csv"], ["join", "--catalog", path]):
        code, text, err = _run(argv, capsys)
        assert code == 1, text
        assert "Traceback" not in err and "unexpected" not in err
        assert setting in text and path.name in text and "split the file" in text, text
    assert not (tmp_path / "x.csv").exists()


def _gpkg(path: Path, n: int) -> Path:
    import geopandas as gpd
    import shapely

    gpd.GeoDataFrame({"id": [f"F{i:03d}" for i in range(n)]}, geometry=shapely.points([106.05] * n, [29.05] * n), crs="EPSG:4326").to_file(path, layer="projects")
    return path
