"""The shipped line records: railways, metro lines and expressways are lines that stop where the
plan's section stops, their length is plausible for the section, and they reach the districts the
text states.

These tests read the curated ``data/catalog/locations/lines.json`` and the built
``data/projects.geojson`` (run ``python -m geo catalog build`` after editing the former).
"""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pytest
import shapely
from pyproj import Geod

from geo import boundaries, settings
from geo.catalog_build import load_sources, normalise_key

LINE_CATEGORIES = ("rail", "metro", "highway")
OWNED_CATEGORIES = (*LINE_CATEGORIES, "road", "bridge_tunnel")
MAX_LINE_KM = 800
KM_TOLERANCE = 0.35
#: Rail/metro/highway records that are deliberately not lines, each for a reason its notes give:
#: a batch of lines (no single course), a network, or a line whose course is not published.
NOT_LINES = {
    "重庆中心城区连接主城新区市域(郊)铁路": "none",  # group of suburban lines, each with its own record
    "重庆轨道交通第四期建设规划": "none",  # construction-plan batch
    "重庆轨道交通第五期建设规划": "none",
    "西部槽谷轨道线网": "polygon",  # a network over an area
    "果园港铁路专用线": "point",  # spur course not published
    "重庆轨道交通12号线": "point",  # courses not published
    "重庆轨道交通19号线": "point",
    "重庆轨道交通21号线": "point",
    "重庆轨道交通15号线延伸线": "point",
    "渝广高速支线": "point",
    "渝武高速—渝广高速连接线": "point",
    "沿江铁路": "none",  # a Yangtze-belt corridor named without a section or route
}
FIRST_PERSON = re.compile(r"\b(me|my|we|our|us)\b|\bI (think|assume|believe|know)\b|general knowledge|我")
_GEOD = Geod(ellps="WGS84")


def _km(geom) -> float:
    return _GEOD.geometry_length(geom) / 1000


@pytest.fixture(scope="module")
def entries() -> dict[str, dict]:
    with open(settings.catalog_dir / "locations" / "lines.json", encoding="utf-8") as fh:
        return {normalise_key(k): v for k, v in json.load(fh).items()}


@pytest.fixture(scope="module")
def records() -> dict[str, dict]:
    return load_sources(settings.catalog_dir)[0]


@pytest.fixture(scope="module")
def built(records) -> gpd.GeoDataFrame:
    """The built catalog, indexed by catalog key (its ``name_zh`` maps back to the key)."""
    frame = gpd.read_file(settings.projects_path)
    by_name = {rec["name_zh"]: key for key, rec in records.items()}
    frame["key"] = frame.name_zh.map(by_name)
    assert frame.key.notna().all(), "every built record maps back to a catalog key"
    return frame.set_index("key")


@pytest.fixture(scope="module")
def units() -> gpd.GeoDataFrame:
    return boundaries.join_units()


def test_every_entry_belongs_to_a_line_category_record(entries, records):
    for key in entries:
        assert key in records, f"lines.json: {key!r} names no catalog record"
        assert records[key]["category"] in OWNED_CATEGORIES, f"lines.json: {key!r} is {records[key]['category']}"


def test_entries_are_v2_with_bilingual_neutral_notes(entries):
    for key, entry in entries.items():
        for field in ("note_zh", "note_en"):
            assert entry.get(field), f"lines.json: {key!r} lacks {field}"
        assert not FIRST_PERSON.search(entry["note_en"]), f"lines.json: {key!r} note_en is in the first person"
        assert not FIRST_PERSON.search(entry["note_zh"]), f"lines.json: {key!r} note_zh is in the first person"
        assert "note" not in entry, f"lines.json: {key!r} still carries the v1 'note'"
        for place in entry.get("places") or []:
            assert place.get("source") in ("well_known", "geonames", "openstreetmap"), f"{key!r}: {place}"
            assert 90 <= place["lon"] <= 116 and 24 <= place["lat"] <= 37, f"{key!r}: {place} is far from the region"


def test_lines_are_approximate_and_name_their_section(entries):
    for key, entry in entries.items():
        if entry["kind"] != "line":
            continue
        places = entry["places"]
        assert len(places) >= 2, f"{key!r}: a line needs two places"
        assert all(p["precision"] == "approximate" for p in places), f"{key!r}: a line through stations is never exact"
        section = entry.get("section") or {}
        assert section.get("from") and section.get("to"), f"{key!r}: section from/to missing"


def test_every_rail_metro_highway_record_is_a_line(records, entries, built):
    for key, rec in records.items():
        if rec["category"] not in LINE_CATEGORIES:
            continue
        entry = entries.get(key)
        assert entry is not None, f"{key!r} ({rec['category']}) has no entry in lines.json"
        if key in NOT_LINES:
            assert entry["kind"] == NOT_LINES[key], f"{key!r}: expected kind {NOT_LINES[key]}"
            continue
        geom_type = built.loc[key].geometry.geom_type
        assert geom_type in ("LineString", "MultiLineString"), f"{key!r} is a {geom_type}, not a line"


def test_line_length_fits_its_section(entries, built):
    checked = 0
    for key, entry in entries.items():
        km = (entry.get("section") or {}).get("km")
        if entry["kind"] != "line" or not km:
            continue
        drawn = _km(built.loc[key].geometry)
        assert abs(drawn - km) <= KM_TOLERANCE * km, f"{key!r}: drawn {drawn:.0f} km, section is {km} km"
        checked += 1
    assert checked >= 10


def test_no_line_runs_far_beyond_its_region(records, entries, built):
    for key, rec in records.items():
        if rec["category"] not in LINE_CATEGORIES or key in NOT_LINES:
            continue
        drawn = _km(built.loc[key].geometry)
        km = (entries[key].get("section") or {}).get("km") or 0
        limit = max(MAX_LINE_KM, (1 + KM_TOLERANCE) * km)
        assert drawn <= limit, f"{key!r}: {drawn:.0f} km is longer than {limit:.0f} km"


def test_long_lines_follow_their_corridor(entries, built):
    for key, entry in entries.items():
        if entry["kind"] != "line":
            continue
        geom = built.loc[key].geometry
        if _km(geom) > 100:
            assert len(shapely.get_coordinates(geom)) >= 3, f"{key!r}: a long line drawn as two ends only"


def test_lines_reach_every_stated_district(records, entries, built, units):
    """The build falls back to the district point when a line misses a stated district: it must not."""
    for key, entry in entries.items():
        if entry["kind"] != "line":
            continue
        row = built.loc[key]
        assert row.location_precision == "approximate", f"{key!r} fell back to {row.location_precision}"
        hit = units[shapely.intersects(units.geometry.values, row.geometry)]
        names = set(hit.name_zh) | set(hit.unit_name_zh)
        missing = [d for d in records[key]["admin_stated"] if d not in names]
        assert not missing, f"{key!r} does not reach {missing}"
