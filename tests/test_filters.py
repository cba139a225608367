from __future__ import annotations

import pytest

from geo._errors import FilterError
from geo.filters import FilterSpec

PLANS = ["lj2023", "cq2023", "joint2021", "news2023", "jlp14"]
UNITS = ["500901", "500902", "500903"]


def test_query_round_trip():
    spec = FilterSpec(plans=("jlp14",), statuses=("proposed", "operating"), districts=("500902",), year_min=2021, year_max=2027, text="医院")
    back, notices = FilterSpec.from_query(spec.to_query(), plan_ids=PLANS, district_codes=UNITS)
    assert back == spec and notices == []
    assert FilterSpec().to_query() == {}


def test_bad_query_values_are_dropped_with_a_notice():
    spec, notices = FilterSpec.from_query(
        {"plan": "jlp14,<script>", "status": "bogus", "from": "soon", "to": "2020", "q": "x" * 500},
        plan_ids=PLANS, district_codes=UNITS,
    )
    assert spec.plans == ("jlp14",) and spec.statuses == () and spec.year_min is None and spec.year_max == 2020
    assert len(spec.text) == 100
    assert len(notices) == 3


def test_strict_mode_raises():
    with pytest.raises(FilterError, match="status"):
        FilterSpec.from_options(plan_ids=PLANS, district_codes=UNITS, statuses="bogus")


def test_mask_semantics(fixture_projects, fixture_joined):
    joined = fixture_joined
    ids = lambda spec: list(spec.apply(fixture_projects, joined)["id"])  # noqa: E731
    assert len(ids(FilterSpec())) == 12
    assert ids(FilterSpec(plans=("cq2023",))) == ["F11"]
    assert ids(FilterSpec(statuses=("proposed",), categories=("water",))) == ["F11"]
    assert ids(FilterSpec(districts=("500903",))) == ["F04", "F08", "F09", "F10"]
    assert ids(FilterSpec(year_min=2026)) == ["F04"]
    assert ids(FilterSpec(year_max=2025)) == ["F11"]
    assert ids(FilterSpec(text="甲乙丙")) == ["F04"]
    assert ids(FilterSpec(text="jiaqu yiyuan")) == ["F01"]  # pinyin, spaces ignored
    assert "F01" in ids(FilterSpec(text="PROJECT F01"))
    with pytest.raises(ValueError):
        FilterSpec(districts=("500901",)).mask(fixture_projects)


def test_designations_are_hidden_unless_asked_for(fixture_units, tmp_path):
    from geo.join import join

    from .helpers import assert_join_rows, make_frame, make_record

    frame = make_frame([make_record("T01"), make_record("T02", kind="designation", category="new_town", location_precision="approximate")], tmp_path)
    joined = join(frame, fixture_units)
    assert_join_rows(joined, "T02", ["500901"])  # a designation still counts where it lies
    assert list(FilterSpec().apply(frame, joined)["id"]) == ["T01"]
    assert list(FilterSpec(kinds=("project", "designation")).apply(frame, joined)["id"]) == ["T01", "T02"]
