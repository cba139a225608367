"""geo.ingest: decoding, folding, list splitting, verbs, matching, CSV, proposals, bad files."""

from __future__ import annotations

import csv
import json

import pytest

from geo import _ingest_rules as rules
from geo import ingest
from geo.__main__ import main
from geo._errors import DataFileError, IngestError

PLAN = dict(plan_id="test2024", title="测试规划", date="2024-05-01")
TEXT = (
    "一、重点任务\n"
    "加快建设成都至兰州、成都至西宁、西安至重庆铁路。\n"
    "高标准建设水土新城、保税港新城、石坪—唐桂新城、龙盛新城。\n"
    "积极推动12号线、21号线等开展前期工作。\n"
    "到2027年,九龙坡区白市驿隧道建成投用。\n"
    "打造九龙坡金融科技示范区。\n"
)


def _catalog(tmp_path, *records):
    features = [
        {"type": "Feature", "geometry": None,
         "properties": {"id": rid, "name_zh": name, "aliases": aliases,
                        "plans": [{"plan": "old", "quote": "旧规划的原话原文", "verb": "", "action": "build",
                                   "target_year": None}]}}
        for rid, name, aliases in records
    ]
    path = tmp_path / "projects.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), "utf-8")
    return path


@pytest.fixture
def cands(tmp_path):
    cat = _catalog(tmp_path, ("PAAAA0001", "龙盛新城", []), ("PAAAA0002", "白市驿隧道", ["白市驿隧洞"]))
    return {c.name_zh: c for c in ingest.ingest_text(TEXT, catalog_path=cat, **PLAN)}


# ------------------------------------------------------------------ encodings


@pytest.mark.parametrize("encoding", ["utf-8", "gbk", "big5"])
def test_file_in_each_encoding_decodes_and_quotes_stay_verbatim(tmp_path, encoding):
    original = "兩江新區加快建設果園港鐵路專用線和寸灘國際郵輪母港。\n" if encoding == "big5" else TEXT
    path = tmp_path / f"plan_{encoding}.txt"
    path.write_bytes(original.encode(encoding))
    assert ingest.read_plan_file(path) == original
    found = ingest.ingest_file(path, **PLAN)
    assert found
    for c in found:
        assert c.quote in original
        assert original[c.offset: c.offset + len(c.quote)] == c.quote


def test_traditional_text_is_folded_for_names_but_quoted_verbatim():
    text = "兩江新區加快建設果園港鐵路專用線。"
    (c,) = [c for c in ingest.ingest_text(text, **PLAN) if "专用线" in c.name_zh]
    assert c.name_zh == "果园港铁路专用线"
    assert "鐵路專用線" in c.quote and c.quote in text


def test_fold_keeps_offsets():
    text = "兩江新區國際博覽中心 abc"
    assert len(ingest.fold(text)) == len(text)
    assert ingest.fold(text).startswith("两江新区国际博览中心")


# ------------------------------------------------------------------ list splitting


def test_shared_railway_suffix_splits_a_list(cands):
    for name in ("成都至兰州铁路", "成都至西宁铁路", "西安至重庆铁路"):
        assert cands[name].category == "rail"
        assert cands[name].quote in TEXT


def test_four_new_towns(cands):
    towns = [n for n, c in cands.items() if c.category == "new_town" and n.endswith("新城")]
    assert towns == ["水土新城", "保税港新城", "石坪—唐桂新城", "龙盛新城"]


def test_item_that_is_already_a_noun_keeps_its_own_ending():
    found = {c.name_zh for c in ingest.ingest_text("打造高质量发展引领区、高品质生活示范区。", **PLAN)}
    assert "高质量发展引领区示范区" not in found


# ------------------------------------------------------------------ verbs, actions, years


def test_verb_after_etc_governs_the_list(cands):
    c = cands["12号线"]
    assert (c.verb, c.action, c.status, c.category) == ("开展前期工作", "prepare", "preparatory", "metro")
    assert cands["21号线"].action == "prepare"


def test_completion_target_is_not_a_completion(cands):
    c = cands["九龙坡区白市驿隧道"]  # the name as the text gives it; matched through containment
    assert c.match_id == "PAAAA0002"
    assert c.target_year == 2027
    assert c.action == "complete"
    assert c.status == "under_construction"
    assert c.districts == ("九龙坡区",)


def test_news_completion_is_a_completion():
    (c,) = [c for c in ingest.ingest_text("重庆东站综合交通枢纽竣工。", kind="news", **PLAN) if "枢纽" in c.name_zh]
    assert (c.action, c.status, c.target_year) == ("complete", "completed", None)


@pytest.mark.parametrize(
    ("clause", "verb", "action"),
    [("谋划建设渝西高铁", "谋划建设", "study"), ("加快建设渝昆高铁", "加快建设", "build"),
     ("开工建设铜罐驿长江大桥", "开工建设", "start"), ("扩建西彭水厂", "扩建", "upgrade"), ("南岸区的公园", "", None)],
)
def test_verb_table(clause, verb, action):
    assert rules.find_verb(clause) == (verb, action)


def test_target_year_rules():
    assert rules.target_year("到2027年建成投用") == 2027
    assert rules.target_year("力争2025年开工") == 2025
    assert rules.target_year("2021年以来累计完成投资") is None


def test_category_and_designation(cands):
    assert cands["九龙坡金融科技示范区"].kind == "designation"
    assert cands["水土新城"].kind == "project"
    assert rules.category_of("渝昆高铁川渝段") == "rail"
    assert rules.category_of("西彭水厂扩建") == "water"


# ------------------------------------------------------------------ matching


def test_candidate_matched_to_existing_record_by_name_and_alias(tmp_path, cands):
    assert cands["龙盛新城"].match_id == "PAAAA0001"
    assert cands["龙盛新城"].note == "new mention of PAAAA0001 (龙盛新城)"
    assert cands["水土新城"].match_id is None and cands["水土新城"].note == "new"
    cat = _catalog(tmp_path, ("PAAAA0002", "白市驿隧道", ["白市驿隧洞"]))
    assert ingest.match_record("白市驿隧洞", catalog_path=cat) == ("PAAAA0002", "白市驿隧道")
    assert ingest.match_record("隧道", catalog_path=cat) is None


# ------------------------------------------------------------------ CSV and CLI


def test_cli_writes_candidates_csv(tmp_path):
    src = tmp_path / "plan.txt"
    src.write_text(TEXT, encoding="gbk")
    out = tmp_path / "cands.csv"
    rc = main(["ingest", str(src), "--plan-id", "test2024", "--title", "测试", "--date", "2024-05-01", "--out", str(out)])
    assert rc == 0
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ingest.CSV_COLUMNS
    names = {r["name_zh"] for r in rows}
    assert {"成都至西宁铁路", "龙盛新城", "12号线"} <= names
    assert all(r["quote"] in TEXT for r in rows)
    assert all(6 <= len(r["quote"]) <= 80 for r in rows)


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "no such file"), (b"\x00\x01\x02binary", "binary"), (b"\xff\xfe\xfa\xfb" * 10, "cannot decode"),
     (b"", "empty")],
)
def test_bad_files_give_a_clear_error_naming_the_file(tmp_path, capsys, content, message):
    path = tmp_path / "bad.txt"
    if content is not None:
        path.write_bytes(content)
    rc = main(["ingest", str(path), "--plan-id", "x", "--title", "x", "--date", "2024"])
    err = capsys.readouterr().err
    assert rc == 1
    assert str(path) in err and message in err
    assert "Traceback" not in err


def test_too_big_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(ingest.settings, "max_plan_bytes", 100)
    path = tmp_path / "big.txt"
    path.write_text("建设" * 100, encoding="utf-8")
    with pytest.raises(IngestError, match="too big"):
        ingest.read_plan_file(path)
    with pytest.raises(IngestError, match="too big"):
        ingest.ingest_text(("建设" * 100).encode(), **PLAN)


def test_missing_file_error_type(tmp_path):
    with pytest.raises(DataFileError, match="no such file"):
        ingest.read_plan_file(tmp_path / "nope.txt")


def test_bad_date_is_refused():
    with pytest.raises(IngestError, match="date"):
        ingest.ingest_text(TEXT, plan_id="x", title="x", date="May 2024")


# ------------------------------------------------------------------ proposals


def test_proposals_are_propose_keyword_dicts(tmp_path, cands):
    records = {"PAAAA0001": {"plans": [{"plan": "old", "quote": "旧规划的原话原文"}]}}
    props = ingest.proposals(
        [cands["龙盛新城"], cands["水土新城"]], date="2024-05-01", catalog_records=records
    )
    assert [set(p) for p in props] == [{"record_id", "changes", "author", "source", "reason", "evidence"}] * 2
    mention, new = props
    assert mention["record_id"] == "PAAAA0001"
    assert mention["changes"]["plans"][0]["plan"] == "old"
    assert mention["changes"]["plans"][-1] == {
        "plan": "test2024", "verb": cands["龙盛新城"].verb, "action": cands["龙盛新城"].action,
        "target_year": None, "quote": cands["龙盛新城"].quote,
    }
    assert new["record_id"] is None
    rec = new["changes"]
    assert rec["name_zh"] == "水土新城" and rec["category"] == "new_town"
    assert rec["location_precision"] == "region" and rec["geometry"] is None
    assert rec["status_source"] == "test2024" and rec["status_as_of"] == "2024-05-01"
    assert rec["plans"][0]["quote"] in TEXT


def test_proposal_skipped_when_record_already_cites_the_quote(cands):
    c = cands["龙盛新城"]
    records = {"PAAAA0001": {"plans": [{"plan": "test2024", "quote": c.quote}]}}
    assert ingest.proposals([c], date="2024", catalog_records=records) == []


def test_propose_without_workbench_is_a_clear_error(monkeypatch):
    import builtins

    real = builtins.__import__

    def no_review(name, globals=None, locals=None, fromlist=(), level=0):
        if (name == "geo" and fromlist and "review" in fromlist) or name == "geo.review":
            raise ImportError("no geo.review")
        return real(name, globals, locals, fromlist, level)

    monkeypatch.setattr(builtins, "__import__", no_review)
    with pytest.raises(IngestError, match="workbench not available"):
        ingest.submit([{"record_id": None}])


def test_propose_calls_the_workbench(monkeypatch, cands):
    import sys
    import types

    calls = []
    fake = types.ModuleType("geo.review")
    fake.propose = lambda rid, changes, **kw: calls.append((rid, changes, kw)) or len(calls)
    monkeypatch.setitem(sys.modules, "geo.review", fake)
    import geo

    monkeypatch.setattr(geo, "review", fake, raising=False)
    ids = ingest.submit(ingest.proposals([cands["水土新城"]], date="2024"))
    assert ids == [1]
    assert calls[0][0] is None and calls[0][2]["source"] == "ingest"


# ------------------------------------------------------------------ rule tables


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("加快藻渡、向阳、跳蹬等大中型水库建设。", {"藻渡水库", "向阳水库", "跳蹬水库"}),
        ("建成綦江蟠龙、云阳建全抽水蓄能电站。", {"綦江蟠龙抽水蓄能电站", "云阳建全抽水蓄能电站"}),
        ("建成璧铜线以及中心城区至永川、南川等市域铁路。", {"中心城区至永川市域铁路", "南川市域铁路"}),
        ("引进培育渝州大数据实验室等国家(重点)实验室、国家产业创新中心。", {"渝州大数据实验室"}),
        ("提升沪汉蓉铁路货运功能。", {"沪汉蓉铁路"}),
        ("加快推动金州、礼嘉商圈提档升级。", {"金州商圈", "礼嘉商圈提档升级"}),
    ],
)
def test_list_and_phrase_rules(text, names):
    assert {c.name_zh for c in ingest.ingest_text(text, **PLAN)} == names


@pytest.mark.parametrize(
    ("name", "generic"),
    [("创新平台", True), ("口袋公园", True), ("体育馆", True), ("渝州大数据实验室", False), ("龙盛新城", False)],
)
def test_generic_names(name, generic):
    assert rules.is_generic(name) is generic


@pytest.mark.parametrize(
    ("name", "fragment"),
    [("112个城市更新试点示范项目", True), ("达369.7亿元", True), ("型大学", True), ("“米”字型高铁", True),
     ("“三环十八射多联线”高速公路", True), ("“长垫梁”绿色经济走廊", False), ("九龙美术半岛", False)],
)
def test_fragments(name, fragment):
    assert rules.is_fragment(name) is fragment


def test_qualifiers_and_sections():
    assert rules.core("西彭水厂扩建") == "西彭水厂"
    assert rules.core("黄桷坪110kV输变电工程(一期)") == "黄桷坪110kV输变电"
    assert rules.suffix_of("渝湘高铁重庆中心城区至黔江段") == "高铁"
    assert rules.segments("石新路改造") == [(0, "石新路改造")]
    assert rules.segments("加快推进渝昆高铁") == [(4, "渝昆高铁")]


def test_quoted_names_form_a_list():
    found = {c.name_zh for c in ingest.ingest_text("持续打造“三线建设”“重庆谈判”等一批特色博物馆。", **PLAN)}
    assert found == {"三线建设特色博物馆", "重庆谈判特色博物馆"}


def test_one_item_before_etc_takes_the_kind_noun():
    assert [c.name_zh for c in ingest.ingest_text("推动陶家等配气站升级扩容。", **PLAN)] == ["陶家配气站"]


def test_every_item_of_a_project_box_is_a_candidate():
    body = "推进君马汽车、康明斯发动机(三期)、臻宝实业半导体。\n"
    box = "专栏10  制造业集群建设重点项目\n\n" + body + "第二节 其他\n" + body.replace("推进", "关注")
    found = ingest.ingest_text(box, **PLAN)
    assert {c.name_zh for c in found} == {"君马汽车", "康明斯发动机(三期)", "臻宝实业半导体"}
    assert all(c.offset < box.index("第二节") for c in found)
    assert ingest.ingest_text(body, **PLAN) == []


def test_items_the_plan_calls_projects_need_no_ending():
    text = "推动遨博机器人、欧博特机器人、大族机器人等项目达能放量。推动甲乙、丙丁等方面合作。"
    assert [c.name_zh for c in ingest.ingest_text(text, **PLAN)] == ["遨博机器人", "欧博特机器人", "大族机器人"]


def test_bracketed_qualifier_position_does_not_hide_a_match(tmp_path):
    cat = _catalog(tmp_path, ("PAAAA0003", "达州机场(迁建)", []))
    assert ingest.match_record("达州(迁建)机场", catalog_path=cat) == ("PAAAA0003", "达州机场(迁建)")
    assert ingest.bare("达州（迁建）机场") == "达州机场"


# ------------------------------------------------------------------ round-2 rule classes


def _names(text: str) -> set[str]:
    return {c.name_zh for c in ingest.ingest_text(text, **PLAN)}


def test_place_class_and_quantity_before_the_kind_noun_are_cut():
    names = _names("推动梁平、忠县等重点区域万亿立方米页岩气勘探开发。推动南川、綦江等区块页岩气增储上产。")
    assert {"梁平页岩气勘探开发", "忠县页岩气勘探开发", "南川页岩气", "綦江页岩气"} <= names
    assert not any("区域" in n or "立方米" in n for n in names)


def test_three_character_place_names_are_not_generic():
    assert {"科研港", "科创街"} <= _names("推进大学城、科研港、科创街、科学谷、生命岛建设。")
    assert rules.is_generic("科创平台") and rules.is_generic("产业园")
    assert not rules.is_generic("科研港")


def test_a_generic_facility_after_a_connector_belongs_to_the_named_site():
    names = _names("江北国际机场T3B航站楼及第四跑道建成投用。")
    assert {"江北国际机场T3B航站楼", "江北国际机场第四跑道"} <= names and "第四跑道" not in names
