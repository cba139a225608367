"""Schema v2: region records with null geometry, kinds, location sources, two neutral notes."""

from __future__ import annotations

import json

import geopandas as gpd
import shapely

from geo import io
from geo.catalog import add_derived_columns
from geo.filters import FilterSpec
from geo.join import join
from geo.stats import counts, district_stats
from geo.validate import check_records, first_person_words, validate_file

from .helpers import make_frame, make_record

PLANS = ["jlp14", "cq2023"]


def _record(rid, **over):
    base = {
        "id": rid, "name_zh": f"项目{rid}", "name_en": f"Project {rid}", "aliases": [], "category": "water",
        "status": "proposed", "status_as_of": "2021", "status_source": "jlp14", "location_precision": "district",
        "source_crs": "WGS84", "kind": "project", "location_source": "boundary", "scope": None,
        "location_note_zh": "位于甲区代表点", "location_note_en": "At the representative point of 甲区", "admin_stated": [],
        "plans": [{"plan": "jlp14", "verb": "", "action": "build", "target_year": None, "quote": "原文"}],
    }
    return base | over


def _frame(records, geoms):
    return gpd.GeoDataFrame(records, geometry=geoms, crs="EPSG:4326")


def test_region_record_needs_null_geometry_and_scope():
    region = _record("R1", location_precision="region", location_source="none", scope="甲区")
    ok = _frame([region, _record("R2")], [None, shapely.Point(106.05, 29.05)])
    assert check_records(ok, plan_ids=PLANS).ok
    no_scope = _frame([region | {"scope": None}], [None])
    assert [p.field for p in check_records(no_scope, plan_ids=PLANS).errors] == ["scope"]
    drawn = _frame([region], [shapely.Point(106.05, 29.05)])
    assert any(p.field == "geometry" for p in check_records(drawn, plan_ids=PLANS).errors)
    # A record known only to its district has no geometry either, but must say which district (scope).
    null_district = _frame([_record("R3", location_precision="district", location_source="none")], [None])
    assert [p.field for p in check_records(null_district, plan_ids=PLANS).errors] == ["scope"]
    assert check_records(_frame([_record("R3", location_precision="district", location_source="none", scope="甲区")], [None]), plan_ids=PLANS).ok
    # A site-level record cannot lose its geometry.
    null_site = _frame([_record("R4", location_precision="approximate")], [None])
    assert [p.message for p in check_records(null_site, plan_ids=PLANS).errors if p.field == "geometry"] == [
        "missing geometry (only a record known just to a district, city or region may have none)"
    ]


def test_v2_vocabularies_and_notes():
    bad = _frame([_record("B1", kind="brand", location_source="google", location_note_en="")], [shapely.Point(106.05, 29.05)])
    fields = sorted(p.field for p in check_records(bad, plan_ids=PLANS).errors)
    assert fields == ["kind", "location_note_en", "location_source"]


def test_first_person_notes_are_flagged():
    assert first_person_words("Site not known to me — general knowledge") == ["known to me", "general knowledge"]
    assert first_person_words("我们认为在此") == ["我们"]
    assert first_person_words("At Xipeng town (GeoNames point), from '西彭' in the name") == []
    assert first_person_words("Imperial road; Merge the US data") == []
    assert first_person_words("phase I is at 明月山; Phase II, Line I") == []
    assert first_person_words("Here I placed it") == ["I"]
    frame = _frame([_record("N1", location_note_en="I placed it here")], [shapely.Point(106.05, 29.05)])
    warnings = check_records(frame, plan_ids=PLANS).warnings
    assert [p.field for p in warnings] == ["location_note_en"]


def test_v1_file_is_still_readable(tmp_path):
    v1 = {k: v for k, v in _record("V1").items() if k not in ("kind", "location_source", "scope", "location_note_zh", "location_note_en")}
    frame = _frame([v1 | {"location_note": "district point"}], [shapely.Point(106.05, 29.05)])
    report = check_records(frame, plan_ids=PLANS)
    assert report.ok and [p.field for p in report.warnings] == ["location_note_zh"]
    derived = add_derived_columns(frame)
    assert derived.kind.tolist() == ["project"]


def test_null_geometry_round_trips_through_geojson(tmp_path):
    region = _record("R1", location_precision="region", location_source="none", scope="甲区")
    frame = _frame([region, _record("R2")], [None, shapely.Point(106.05, 29.05)])
    path = tmp_path / "p.geojson"
    io.write_geojson(frame, path)
    assert json.loads(path.read_text(encoding="utf-8"))["features"][0]["geometry"] is None
    back, problems, _ = io.read_projects(path)
    assert problems == [] and back.geometry.iat[0] is None
    _, report = validate_file(path, plan_ids=PLANS)
    assert report.ok, str(report)
    derived = add_derived_columns(back)
    assert derived.geom_kind.tolist() == ["none", "point"]
    assert derived.length_km.tolist() == [0.0, 0.0] and derived.area_km2.tolist() == [0.0, 0.0]


def test_region_counts_for_its_scope_unit_only(fixture_units):
    records = [
        _record("R1", location_precision="region", location_source="none", scope="乙区"),
        _record("R2", location_precision="region", location_source="none", scope="重庆市"),
        _record("R3"),
    ]
    frame = add_derived_columns(_frame(records, [None, None, shapely.Point(106.05, 29.05)]))
    joined = join(frame, fixture_units)
    assert joined[["id", "unit_name_zh", "name_zh", "measure", "share"]].values.tolist() == [
        ["R1", "乙区", "乙区", "count", 1.0],
        ["R3", "甲区", "甲区", "count", 1.0],
    ]
    stats = district_stats(frame, joined, fixture_units.rename(columns={}).assign(level="district"))
    assert dict(zip(stats.name_zh, stats.projects, strict=True)) == {"甲区": 1, "乙区": 1, "丙县": 0}


def test_kinds_filter_hides_designations_by_default(fixture_units):
    records = [_record("K1"), _record("K2", kind="designation")]
    frame = add_derived_columns(_frame(records, [shapely.Point(106.05, 29.05)] * 2))
    assert FilterSpec().apply(frame)["id"].tolist() == ["K1"]
    both = FilterSpec(kinds=("project", "designation"))
    assert both.apply(frame)["id"].tolist() == ["K1", "K2"]
    assert both.to_query() == {"kind": "project,designation"} and FilterSpec().to_query() == {}
    back, _ = FilterSpec.from_query({"kind": "designation"}, plan_ids=PLANS, district_codes=[])
    assert back.kinds == ("designation",)
    assert counts(frame)["kind"].to_dict() == {"project": 1, "designation": 1}
    assert counts(frame)["location_source"].to_dict() == {"boundary": 2}


def test_placement_figures_and_duplicate_finder():
    from geo.checks import duplicate_candidates, notes_neutral
    from geo.stats import placement_figures

    pt = shapely.Point(106.05, 29.05)
    records = [
        _record("A", name_zh="果园港"), _record("B", name_zh="重庆果园港", category="port"),
        _record("C", name_zh="轨道1号线", category="metro", location_precision="approximate", location_source="well_known"),
        _record("D", name_zh="轨道2号线", category="metro", location_precision="region", location_source="none", scope="重庆市"),
        _record("E", name_zh="西彭工业园标准厂房", location_precision="town", location_note_en="I guess"),
        _record("F", name_zh="轨道第九期规划", category="metro", location_precision="region", location_source="none", scope="重庆市"),
        _record("G", name_zh="轨道3号线", category="metro", location_precision="approximate", location_source="well_known"),
    ]
    geoms = [pt, pt, shapely.Point(106.2, 29.0), None, shapely.Point(106.1, 29.1), None, shapely.LineString([(106.3, 29.5), (106.5, 29.6)])]
    frame = add_derived_columns(_frame(records, geoms))
    fig = placement_figures(frame, programmes={"F", "C"})  # a drawn record is never a programme
    assert fig["on_unit_point"] == 2 and fig["max_on_one_point"] == 2 and fig["region"] == 2
    assert fig["linear_not_lines"] == ["轨道1号线"] and fig["linear_unplaced"] == ["轨道2号线"]
    assert fig["linear_programmes"] == ["轨道第九期规划"]
    # Without the declared programmes, every line-category record with no geometry counts as not a line.
    assert placement_figures(frame)["linear_unplaced"] == ["轨道2号线", "轨道第九期规划"]
    assert duplicate_candidates(frame) == [("A", "B", "same name, categories water and port")]
    assert duplicate_candidates(frame, explained={frozenset(("A", "B"))}) == []
    assert [(p.record, p.field) for p in notes_neutral(frame)] == [("E", "location_note_en")]


def test_detail_of_a_region_record(atlas):
    from geo.catalog import project_detail

    p = atlas.projects
    rid = p.loc[(p.location_precision == "region").to_numpy(), "id"].iat[0]
    d = project_detail(atlas, rid)
    assert d["centroid"] is None and d["bounds"] is None and d["geom_kind"] == "none"
    assert d["scope"] and d["location_note_zh"] and d["location_note_en"]


def test_cli_kind_filter(tmp_path, capsys):
    from geo.__main__ import main

    out = tmp_path / "j.csv"
    assert main(["join", "--kind", "designation", "--out", str(out)]) == 0
    assert main(["join", "--kind", "brand"]) == 2
    assert "filter kind: unknown value 'brand'" in capsys.readouterr().err


def test_report_lists_every_point_over_the_cap_not_only_the_busiest(tmp_path):
    """Issue 9's cap: a second stack over 25 must be listed, not hidden behind the busiest one."""
    from geo.stats import POINT_CAP, format_placement, placement_figures

    busiest, second, under = (106.05, 29.05), (106.06, 29.06), (106.07, 29.07)
    sizes = {busiest: POINT_CAP + 3, second: POINT_CAP + 1, under: POINT_CAP}
    records = [
        make_record(f"S{x}-{i}", geometry={"type": "Point", "coordinates": list(xy)}, location_precision="town")
        for x, (xy, n) in enumerate(sizes.items()) for i in range(n)
    ]
    fig = placement_figures(make_frame(records, tmp_path))
    assert fig["max_on_one_point"] == POINT_CAP + 3 and fig["busiest_point"] == busiest
    assert fig["over_cap"] == [(busiest, POINT_CAP + 3), (second, POINT_CAP + 1)]  # at the cap is not over it
    text = format_placement(fig, [], place_names={busiest: "甲镇", second: "乙街道"})
    assert f"points over {POINT_CAP} records            2" in text
    assert f"甲镇 {busiest}: {POINT_CAP + 3}" in text and f"乙街道 {second}: {POINT_CAP + 1}" in text
    assert str(under) not in text


def test_report_command_names_each_point_over_the_cap(tmp_path, capsys):
    """`geo report` names every stack over the cap after its gazetteer place, both of them."""
    from geo.__main__ import main
    from geo.stats import POINT_CAP

    stacks = {(106.32124, 29.29418): POINT_CAP + 2, (106.533, 29.488): POINT_CAP + 1}  # 西彭镇's and 黄桷坪街道's points
    records = [
        make_record(f"C{k}-{i}", geometry={"type": "Point", "coordinates": list(xy)}, location_precision="town", admin_stated=["九龙坡区"])
        for k, (xy, n) in enumerate(stacks.items()) for i in range(n)
    ]
    path = tmp_path / "catalog.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": records}, ensure_ascii=False), encoding="utf-8")
    assert main(["report", "--catalog", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"points over {POINT_CAP} records            2" in out
    assert f"西彭镇 (106.32124, 29.29418): {POINT_CAP + 2}" in out and f"黄桷坪街道 (106.533, 29.488): {POINT_CAP + 1}" in out
