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
#: The rail/metro/expressway records that are not lines, and why (docs/DATA_MODEL.md "Lines";
#: each entry of lines.json declares it as ``not_line`` and its notes say the evidence). Changing
#: this list is a curation decision (docs/DECISIONS.md), not a test fix.
NOT_LINES = {
    "重庆中心城区连接主城新区市域(郊)铁路": "programme",  # suburban lines the plan does not list
    "重庆轨道交通第四期建设规划": "programme",  # construction-plan batches, lines not listed
    "重庆轨道交通第五期建设规划": "programme",
    "西部槽谷轨道线网": "programme",  # a network, its lines not named
    "沿江铁路": "programme",  # a corridor built in sections, no section named
    "重庆轨道交通12号线": "course_not_stated",  # no ends, stations or places in the plan or at hand
    "重庆轨道交通19号线": "course_not_stated",
    "重庆轨道交通21号线": "course_not_stated",
    "重庆轨道交通15号线延伸线": "course_not_stated",
    "渝武高速—渝广高速连接线": "course_not_stated",
}
#: Lines whose named section ends outside Chongqing ∪ Sichuan (川藏铁路雅安至林芝段 ends at Nyingchi).
SECTIONS_BEYOND = {"川藏铁路雅安至林芝段"}
#: A line's drawn length over the distance between its ends: more is a line that wanders off
#: (a loop, whose ends meet, is left out). 重庆铁路枢纽东环线 (珞璜—重庆东—统景—水土, a half ring) is 2.2.
MAX_DETOUR = 2.5
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


def test_every_rail_metro_highway_record_is_a_line_or_a_declared_exception(records, entries, built):
    for key, rec in records.items():
        if rec["category"] not in LINE_CATEGORIES:
            continue
        entry = entries.get(key)
        assert entry is not None, f"{key!r} ({rec['category']}) has no entry in lines.json"
        row = built.loc[key]
        if key in NOT_LINES:
            assert entry.get("not_line") == NOT_LINES[key], f"{key!r}: lines.json should declare not_line {NOT_LINES[key]}"
            assert row.geometry is None, f"{key!r} is not a line, so nothing stands in for it (no point, no area)"
            assert row.location_source == "none" and row.scope, f"{key!r}: listed under its scope"
            if NOT_LINES[key] == "programme":
                assert row.location_precision == "region", f"{key!r}: a programme is region-wide"
            continue
        assert row.geometry.geom_type in ("LineString", "MultiLineString"), f"{key!r} is a {row.geometry.geom_type}, not a line"
    declared = {key for key, entry in entries.items() if entry.get("not_line")}
    assert declared == set(NOT_LINES), f"not_line declared but not listed here: {declared - set(NOT_LINES)}"


def test_report_counts_programmes_apart_and_every_other_exception_as_not_a_line(built):
    from geo.catalog import add_derived_columns
    from geo.catalog_build import line_exceptions
    from geo.stats import placement_figures

    exceptions = line_exceptions()
    programmes = [pid for pid, why in exceptions.items() if why == "programme"]
    fig = placement_figures(add_derived_columns(built.reset_index(drop=True)), programmes=programmes)
    names = {key: built.loc[key].name_zh for key in NOT_LINES}
    assert fig["linear_not_lines"] == []
    assert sorted(fig["linear_programmes"]) == sorted(names[k] for k, why in NOT_LINES.items() if why == "programme")
    assert sorted(fig["linear_unplaced"]) == sorted(names[k] for k, why in NOT_LINES.items() if why == "course_not_stated")


def test_line_lengths_lie_in_their_category_band(built):
    from geo.catalog import add_derived_columns
    from geo.checks import line_lengths

    assert line_lengths(add_derived_columns(built.reset_index(drop=True))) == []


def test_lines_stop_in_the_region_unless_their_section_ends_beyond(entries):
    from geo.validate import in_home_area

    for key, entry in entries.items():
        if entry["kind"] != "line" or key in SECTIONS_BEYOND:
            continue
        xy = [(p["lon"], p["lat"]) for p in entry["places"]]
        inside = in_home_area(*map(list, zip(*xy, strict=True)))
        assert inside.all(), f"{key!r} runs beyond Chongqing and Sichuan: {[p['name'] for p, ok in zip(entry['places'], inside, strict=True) if not ok]}"


def test_lines_do_not_wander_off_their_section(entries):
    for key, entry in entries.items():
        if entry["kind"] != "line":
            continue
        xy = [(p["lon"], p["lat"]) for p in entry["places"]]
        ends_km = _GEOD.inv(*xy[0], *xy[-1])[2] / 1000
        if ends_km < 1:  # a loop
            continue
        ratio = _km(shapely.LineString(xy)) / ends_km
        assert ratio <= MAX_DETOUR, f"{key!r}: drawn {ratio:.2f} times the distance between its ends"


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


def test_line_length_band_flags_lines_too_long_or_too_short_for_their_category(tmp_path):
    from geo.checks import line_lengths
    from tests.helpers import make_frame, make_record

    def line(dx):  # eastward from 106.0°E at 29.5°N: 0.1° ≈ 9.7 km
        return {"type": "LineString", "coordinates": [[106.0, 29.5], [106.0 + dx, 29.5]]}

    frame = make_frame([
        make_record("M1", category="metro", location_precision="approximate", geometry=line(0.3)),  # ~29 km
        make_record("M2", category="metro", location_precision="approximate", geometry=line(1.0)),  # ~97 km
        make_record("H1", category="highway", location_precision="approximate", geometry=line(0.05)),  # ~5 km
        make_record("R1", category="road", location_precision="approximate", geometry=line(1.0)),  # roads: no band
        make_record("P1", category="metro"),  # a point: the build's rule, not this check
    ], tmp_path)
    problems = line_lengths(frame)
    assert [(p.record, p.field) for p in problems] == [("M2", "geometry"), ("H1", "geometry")]
    assert "3–80 km of one metro" in problems[0].message and "10–600 km" in problems[1].message
