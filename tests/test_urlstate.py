"""Every URL parameter through one parser (geo.urlstate): hostile values become problems, never exceptions."""

from __future__ import annotations

import pytest

from geo.filters import FilterSpec
from geo.urlstate import MAX_PROBLEMS, Problem, UrlState, View, parse_query, parse_reported_view, place_key, view_decimals

PLANS = ["lj2023", "jlp14"]
UNITS = ["500107", "510100"]
IDS = ["PBC827AFD", "P00C0FFEE"]
BASES = ["none", "osm"]


def parse(query: dict):
    return parse_query(query, plan_ids=PLANS, district_codes=UNITS, project_ids=IDS, basemaps=BASES)


def reasons(problems) -> dict[str, str]:
    return {p.parameter: p.reason for p in problems}


def test_a_full_link_round_trips():
    query = {"plan": "jlp14", "district": "500107", "lang": "en", "base": "osm", "shade": "rail", "lat": "29.512", "lon": "106.455", "z": "11", "p": "PBC827AFD"}
    state, problems = parse(query)
    assert problems == []
    assert state == UrlState(spec=FilterSpec(plans=("jlp14",), districts=("500107",)), lang="en", base="osm", shade="rail",
                             view=View(29.512, 106.455, 11), selected="PBC827AFD")
    assert state.view.to_query() == {"lat": "29.5120", "lon": "106.4550", "z": "11"}  # 4 decimals resolve a pixel at z 11
    assert parse({}) == (UrlState(), [])


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e3", "0x1p3", "29,5", " ", "٢٩", "29.5.1", "9" * 30, "NaN"])
def test_non_numbers_in_the_view_are_dropped(value):
    state, problems = parse({"lat": value, "lon": "106.5"})
    assert state.view is None
    assert reasons(problems) == {"lat": "not_a_number"}


@pytest.mark.parametrize(("query", "expected"), [
    ({"lat": "91", "lon": "106"}, {"lat": "out_of_range"}),
    ({"lat": "29", "lon": "-180.5"}, {"lon": "out_of_range"}),
    ({"lat": "29", "lon": "106", "z": "0"}, {"z": "out_of_range"}),
    ({"lat": "29", "lon": "106", "z": "25"}, {"z": "out_of_range"}),
    ({"lat": "29", "lon": "106", "z": "10.5"}, {"z": "not_a_number"}),
    ({"lat": "29"}, {"lat": "view_incomplete"}),
    ({"z": "9"}, {"z": "view_incomplete"}),
])
def test_out_of_range_and_incomplete_views(query, expected):
    state, problems = parse(query)
    assert state.view is None and reasons(problems) == expected


def test_zoom_defaults_and_rounding_follows_the_zoom():
    state, _ = parse({"lat": "29.51234567", "lon": "106.4"})
    assert state.view == View(29.51234567, 106.4, 10)
    assert view_decimals(7) == 2 and view_decimals(10) == 3 and view_decimals(17) == 5
    assert View(29.51234567, 106.4, 17).to_query()["lat"] == "29.51235"


@pytest.mark.parametrize("value", ["G:abc,def", "G:1,2,3", "G:500,20", "G:106.5,95", "../../etc/passwd", "P00000000", "P0000000G", "<script>", "x" * 5000, "G:nan,inf"])
def test_bad_selections_are_problems(value):
    state, problems = parse({"p": value})
    assert state.selected is None
    assert [p.reason for p in problems] == ["too_long" if len(value) > 1000 else "bad_project"]


def test_known_projects_and_place_keys_are_selections():
    assert parse({"p": " P00C0FFEE "})[0].selected == "P00C0FFEE"
    state, problems = parse({"p": "G:106.5,29.5"})
    assert problems == [] and state.selected == place_key(106.5, 29.5) == "G:106.50000,29.50000"


def test_repeated_parameters():
    state, problems = parse({"lang": ["en", "en"], "category": ["rail", "water"], "lat": ["29", "30"], "lon": "106"})
    assert state.lang == "en"  # the same value twice is that value
    assert state.spec.categories == ("rail", "water")  # list filters take every copy
    assert state.view is None and reasons(problems) == {"lat": "repeated"}


def test_markdown_and_script_payloads_are_values_not_code():
    payload = "![t](http://127.0.0.2/x.png)<script>alert(1)</script>"
    state, problems = parse({"category": payload, "base": payload, "shade": payload, "lang": payload, "q": payload})
    assert state.base == "none" and state.shade == "none" and state.lang == "zh"
    assert state.spec.text == payload[:100]  # search text is text: the pages escape it where they show it
    assert {p.parameter for p in problems} == {"category", "base", "shade", "lang"}
    assert all(p.value for p in problems)


def test_huge_and_many_bad_values_are_bounded():
    state, problems = parse({"district": ",".join(f"9{i:05d}" for i in range(100)), "plan": "y" * 100_000})
    assert state.spec == FilterSpec()
    assert len(problems) == MAX_PROBLEMS + 1 and problems[-1] == Problem("…", str(101 - MAX_PROBLEMS), "more")
    state, problems = parse({"district": ",".join(f"9{i:05d}" for i in range(3000))})
    assert [p.reason for p in problems] == ["too_long"]  # one problem, not 3,000


def test_unknown_parameters_are_ignored():
    assert parse({"utm_source": "x", "embed": "true"}) == (UrlState(), [])


def test_filter_problems_keep_their_reasons():
    _, problems = parse({"from": "soon", "to": "2020", "status": "bogus"})
    assert reasons(problems) == {"from": "not_a_year", "status": "unknown_value"}
    _, problems = parse({"from": "2030", "to": "2020"})
    assert reasons(problems) == {"from/to": "year_order"}


@pytest.mark.parametrize(("text", "ok"), [
    ("29.512,106.455,11,106.2,29.3,106.7,29.7", True),
    ("29.512,106.455,11,106.7,29.3,106.2,29.7", True),  # a box with west > east: view kept, box dropped
    ("29.5,106.4,11", False), ("", False), (None, False), ("nan,106,11,1,2,3,4", False), ("29,106,11,1,2,3,x", False), ("1," * 300, False),
])
def test_reported_view_from_the_map_script(text, ok):
    view = parse_reported_view(text)
    assert (view is not None) == ok
    if ok:
        assert view.z == 11 and (view.bounds == (106.2, 29.3, 106.7, 29.7) or view.bounds is None)
