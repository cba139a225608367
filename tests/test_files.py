"""The file door (geo._files): only regular files of bounded size are read; only files are replaced."""

from __future__ import annotations

import os
import zipfile

import pytest

from geo import _files, settings
from geo._errors import DataFileError


def test_regular_file_passes(tmp_path):
    f = tmp_path / "a.geojson"
    f.write_text("{}")
    assert _files.input_file(f) == f


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda d: d / "missing.geojson", "no such file"),
        (lambda d: d, "a directory"),
        (lambda d: (os.mkfifo(d / "fifo"), d / "fifo")[1], "named pipe"),
        (lambda d: (os.symlink("/dev/zero", d / "zero.geojson"), d / "zero.geojson")[1], "a device"),
        (lambda d: (os.symlink(d / "loop", d / "loop"), d / "loop")[1], "cannot be read"),
    ],
    ids=["missing", "directory", "fifo", "dev-zero", "symlink-loop"],
)
def test_what_is_not_a_regular_file_is_refused(tmp_path, make, words):
    path = make(tmp_path)
    with pytest.raises(DataFileError, match=words) as err:
        _files.input_file(path)
    assert str(path) in str(err.value)


def test_size_limit_is_read_at_call_time(tmp_path, monkeypatch):
    f = tmp_path / "big.csv"
    f.write_bytes(b"x" * 2000)
    monkeypatch.setattr(settings, "max_input_bytes", 1000)
    with pytest.raises(DataFileError, match="refused"):
        _files.input_file(f)


def test_outputs_never_replace_devices_links_or_directories(tmp_path):
    (tmp_path / "real").write_text("keep")
    os.symlink(tmp_path / "real", tmp_path / "link")
    (tmp_path / "file").write_text("x")
    for target, words in [
        ("/dev/null", "a device"),
        (tmp_path / "link", "symbolic link"),
        (tmp_path, "a directory"),
        (tmp_path / "file" / "out.csv", "is a file"),
    ]:
        with pytest.raises(DataFileError, match=words):
            _files.output_file(target)
    assert (tmp_path / "real").read_text() == "keep"
    assert _files.output_file(tmp_path / "new" / "out.csv") == tmp_path / "new" / "out.csv"


def test_zip_slip_and_bombs_are_refused(tmp_path, monkeypatch):
    slip = tmp_path / "slip.zip"
    with zipfile.ZipFile(slip, "w") as zf:
        zf.writestr("../evil.shp", b"x")
    with pytest.raises(DataFileError, match="outside the archive"):
        _files.checked_zip(slip)
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("attributions.csv", b"0" * 5_000_000)
    with pytest.raises(DataFileError, match="decompression bomb"):
        _files.checked_zip(bomb)
    monkeypatch.setattr(settings, "max_zip_ratio", 1e9)
    monkeypatch.setattr(settings, "max_unzipped_bytes", 1_000_000)
    with pytest.raises(DataFileError, match="expands to"):
        _files.checked_zip(bomb)


@pytest.mark.parametrize("value", ["=HYPERLINK(\"http://x\")", "+cmd|' /C calc'!A0", "@SUM(A1)", "-2+3", "\t=1"])
def test_formulas_become_text(value):
    assert _files.spreadsheet_safe(value) == "'" + value


@pytest.mark.parametrize("value", ["重庆西站", "-3.5", 12, None, "a=b"])
def test_data_is_left_alone(value):
    assert _files.spreadsheet_safe(value) == value
