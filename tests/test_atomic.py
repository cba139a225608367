"""Atomic writes: a failure at any moment leaves the old file whole and no temporary file behind."""

from __future__ import annotations

import pytest

from geo import io


def test_failure_in_the_middle_of_writing_keeps_the_old_file(tmp_path):
    target = tmp_path / "projects.geojson"
    target.write_text("old, complete", encoding="utf-8")
    with pytest.raises(RuntimeError), io.atomic_path(target) as tmp, open(tmp, "w", encoding="utf-8") as fh:
        fh.write("new, half")
        fh.flush()
        # Mid-write: the target must still hold the old content.
        assert target.read_text(encoding="utf-8") == "old, complete"
        raise RuntimeError("killed mid-write")
    assert target.read_text(encoding="utf-8") == "old, complete"
    assert [p.name for p in tmp_path.iterdir()] == ["projects.geojson"]


def test_success_replaces_the_target_in_one_step(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old", encoding="utf-8")
    with io.atomic_path(target) as tmp:
        assert tmp != target and tmp.parent == target.parent
        tmp.write_text("new", encoding="utf-8")
        assert target.read_text(encoding="utf-8") == "old"
    assert target.read_text(encoding="utf-8") == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]
