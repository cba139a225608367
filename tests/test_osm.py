"""``enrich osm``: OSM features matched to catalog records, offline (XML, PBF) and against a fake Overpass.

The OSM extract is built here (:func:`osm_elements`) near 106.0–106.2°E, 29.0–29.1°N:

* 渝西高速铁路 split into three ways (w101–w103, the last ``railway=construction``),
  running 106.00 → 106.20; the plan's section (record R1's waypoints) is 106.02 → 106.15;
* a decoy railway 渝昆高速铁路 (w301) beside it;
* 重庆轨道交通18号线 as a route relation (r501) of two unnamed subway ways, and a decoy
  relation 重庆轨道交通1号线 (r502);
* the station node 重庆西站 (n900) and a decoy 重庆西站公交枢纽 (n901);
* a hospital area in traditional characters, 重慶醫科大學附屬第一醫院 (w400);
* the port area 果园港 (w500, tagged both ``landuse=port`` and ``harbour=yes``);
* 成渝高速公路 as two carriageways 45 m apart, each split in two ways (w601–w604).
"""

from __future__ import annotations

import json
import threading
import time
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import geopandas as gpd
import pytest
import shapely

from geo import osm, settings
from geo._errors import DataFileError, OsmSourceError

FIXTURES = Path(__file__).parent / "fixtures" / "osm"

# ---------------------------------------------------------------- the extract


def _line(first_id: int, coords: list[tuple[float, float]]) -> tuple[list[dict], list[int]]:
    nodes = [{"type": "node", "id": first_id + i, "lon": x, "lat": y} for i, (x, y) in enumerate(coords)]
    return nodes, [n["id"] for n in nodes]


def osm_elements() -> list[dict]:
    """The extract as Overpass-JSON elements (nodes first, then ways, then relations)."""
    nodes, ways, rels = [], [], []

    def way(wid, first_node, coords, tags, *, share_first=None):
        ns, ids = _line(first_node, coords)
        if share_first is not None:  # reuse the previous way's last node: the ways touch
            ns, ids = ns[1:], [share_first, *ids[1:]]
        nodes.extend(ns)
        ways.append({"type": "way", "id": wid, "nodes": ids, "tags": tags})
        return ids

    rail = {"railway": "rail", "name": "渝西高速铁路", "name:en": "Chongqing–Xi'an High-Speed Railway", "usage": "main"}
    a = way(101, 1000, [(106.00, 29.000), (106.03, 29.005), (106.05, 29.010)], rail)
    b = way(102, 1010, [(106.05, 29.010), (106.08, 29.015), (106.10, 29.020)], rail, share_first=a[-1])
    way(103, 1020, [(106.10, 29.020), (106.15, 29.025), (106.20, 29.030)],
        {"railway": "construction", "construction": "rail", "name": "渝西高速铁路"}, share_first=b[-1])
    way(104, 1030, [(106.06, 29.0115), (106.07, 29.0135)],  # a siding at the station, same name
        {"railway": "rail", "service": "siding", "name": "渝西高速铁路"})
    way(301, 1100, [(106.00, 29.040), (106.10, 29.045), (106.20, 29.050)], {"railway": "rail", "name": "渝昆高速铁路"})
    m = way(201, 1200, [(106.00, 29.080), (106.05, 29.082), (106.10, 29.085)], {"railway": "subway"})
    way(202, 1210, [(106.10, 29.085), (106.20, 29.090)], {"railway": "subway"}, share_first=m[-1])
    way(203, 1220, [(106.00, 29.095), (106.20, 29.095)], {"railway": "subway"})
    way(400, 1300, [(106.118, 29.068), (106.122, 29.068), (106.122, 29.072), (106.118, 29.072), (106.118, 29.068)],
        {"amenity": "hospital", "name": "重慶醫科大學附屬第一醫院", "name:en": "First Affiliated Hospital of Chongqing Medical University"})
    ways[-1]["nodes"][-1] = ways[-1]["nodes"][0]  # close the ring
    nodes.pop()
    # 成渝高速公路 as motorways are mapped: two carriageways ~45 m apart, each in two ways
    for wid, first, lat in ((601, 1500, 29.0600), (603, 1520, 29.0604)):
        c = way(wid, first, [(106.00, lat), (106.08, lat), (106.10, lat)], {"highway": "motorway", "oneway": "yes", "name": "成渝高速公路"})
        way(wid + 1, first + 10, [(106.10, lat), (106.16, lat), (106.20, lat)], {"highway": "motorway", "oneway": "yes", "name": "成渝高速公路"}, share_first=c[-1])
    way(500, 1400, [(106.10, 29.050), (106.11, 29.050), (106.11, 29.056), (106.10, 29.056), (106.10, 29.050)],
        {"landuse": "port", "harbour": "yes", "name": "果园港"})
    ways[-1]["nodes"][-1] = ways[-1]["nodes"][0]
    nodes.pop()
    nodes.append({"type": "node", "id": 900, "lon": 106.061, "lat": 29.0125,
                  "tags": {"railway": "station", "name": "重庆西站", "name:en": "Chongqing West Railway Station"}})
    nodes.append({"type": "node", "id": 901, "lon": 106.063, "lat": 29.0130,
                  "tags": {"public_transport": "station", "name": "重庆西站公交枢纽"}})
    nodes.append({"type": "node", "id": 1250, "lon": 106.05, "lat": 29.0825, "tags": {"public_transport": "platform"}})
    for rid, ref, wids in ((501, "18", [201, 202]), (502, "1", [203])):
        members = [{"type": "way", "ref": w, "role": ""} for w in wids]
        if rid == 501:  # a stop and a platform way that is not in the extract: neither is part of the line
            members += [{"type": "node", "ref": 1250, "role": "platform"}, {"type": "way", "ref": 9999, "role": "platform"}]
        rels.append({"type": "relation", "id": rid, "members": members,
                     "tags": {"type": "route", "route": "subway", "ref": ref, "name": f"重庆轨道交通{ref}号线", "name:en": f"Chongqing Rail Transit Line {ref}"}})
    return nodes + ways + rels


def write_osm_xml(path, elements=None) -> None:
    """Write the elements as an OSM XML file (what a user's extract looks like)."""
    root = ET.Element("osm", version="0.6", generator="atlas-tests")
    for e in elements or osm_elements():
        attrs = {"id": str(e["id"]), "version": "1", "visible": "true"}
        if e["type"] == "node":
            attrs |= {"lat": str(e["lat"]), "lon": str(e["lon"])}
        el = ET.SubElement(root, e["type"], attrs)
        for ref in e.get("nodes", []):
            ET.SubElement(el, "nd", ref=str(ref))
        for mem in e.get("members", []):
            ET.SubElement(el, "member", type=mem["type"], ref=str(mem["ref"]), role=mem["role"])
        for k, v in e.get("tags", {}).items():
            ET.SubElement(el, "tag", k=k, v=v)
    ET.indent(root)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


# ---------------------------------------------------------------- the catalog


def _record(rid, name, category, geometry, *, name_en="", aliases=(), precision="approximate"):
    return {
        "type": "Feature",
        "properties": {
            "id": rid, "name_zh": name, "name_en": name_en or f"Project {rid}", "aliases": list(aliases),
            "category": category, "status": "under_construction", "status_as_of": "2023-03-24",
            "status_source": "lj2023", "location_precision": precision, "source_crs": "WGS84",
            "location_note": "", "admin_stated": [],
            "plans": [{"plan": "lj2023", "verb": "加快建设", "action": "build", "target_year": None, "quote": name}],
        },
        "geometry": geometry,
    }


def catalog_features() -> list[dict]:
    return [
        _record("R1", "渝西高铁", "rail", {"type": "LineString", "coordinates": [[106.02, 29.004], [106.15, 29.025]]}),
        _record("R2", "轨道交通18号线", "metro", {"type": "LineString", "coordinates": [[106.01, 29.081], [106.19, 29.089]]}),
        _record("R3", "重庆西站", "station_hub", {"type": "Point", "coordinates": [106.06, 29.015]}),
        _record("R4", "重庆医科大学附属第一医院", "hospital", {"type": "Point", "coordinates": [106.12, 29.075]}, precision="district"),
        _record("R8", "成渝高速", "highway", {"type": "LineString", "coordinates": [[106.05, 29.0610], [106.15, 29.0610]]}),
        _record("R5", "果园港", "port", {"type": "Point", "coordinates": [106.1, 29.05]}),
        _record("R6", "区域水利工程", "water", {"type": "Point", "coordinates": [106.1, 29.05]}),
    ]


@pytest.fixture
def records() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame.from_features(catalog_features(), crs=settings.storage_crs)


@pytest.fixture
def extract(tmp_path):
    path = tmp_path / "sample.osm"
    write_osm_xml(path)
    return path


def _by_record(matches):
    out = {}
    for m in matches:
        out.setdefault(m.record_id, []).append(m)
    return out


def _accepted(matches, rid):
    got = [m for m in matches if m.record_id == rid and m.accepted]
    assert len(got) == 1, [(m.osm_ids, m.reasons) for m in matches if m.record_id == rid]
    return got[0]


# ---------------------------------------------------------------- names


def test_name_forms_fold_traditional_and_strip_generic_words():
    assert osm.name_forms("重慶醫科大學附屬第一醫院")[0] == "重庆医科大学附属第一医院"
    assert "渝西" in osm.name_forms("渝西高速铁路") and "渝西" in osm.name_forms("渝西高铁")
    assert "18" in osm.name_forms("重庆轨道交通18号线")
    assert "东" not in osm.name_forms("重庆东站")  # a stem never shrinks to one character
    assert osm.name_score(["渝西高铁"], ["渝西高速铁路"])[0] == 0.95
    assert osm.name_score(["重庆西站"], ["重庆西站"])[0] == 1.0
    assert osm.name_score(["成渝中线高铁"], ["成渝高速铁路"])[0] < osm.NAME_GATE
    record = {"name_zh": "渝西高铁", "aliases": float("nan"), "name_en": None}  # a CSV-read record
    assert osm.record_names(record) == ["渝西高铁"]
    assert osm.record_names({**record, "aliases": ["渝西铁路", "渝西高铁"]}) == ["渝西高铁", "渝西铁路"]


# ---------------------------------------------------------------- XML


def test_xml_split_line_is_merged_clipped_and_decoy_rejected(records, extract):
    matches = osm.enrich(records, xml=extract)
    rail = _accepted(matches, "R1")
    assert rail.osm_ids == ["way/101", "way/102", "way/103"]
    assert rail.geometry.geom_type == "LineString"  # three ways, one line
    start, end = shapely.Point(rail.geometry.coords[0]), shapely.Point(rail.geometry.coords[-1])
    # the clip stops at the section's ends (106.02 and 106.15), not at the OSM line's (106.00, 106.20)
    assert start.distance(shapely.Point(106.02, 29.0035)) < 0.001
    assert end.distance(shapely.Point(106.15, 29.025)) < 0.001
    assert rail.clipped and any(r.startswith("clipped to the plan's section") for r in rail.reasons)
    assert "3 OSM ways merged into 1 line(s)" in rail.reasons
    decoys = [m for m in matches if m.record_id == "R1" and m.osm_ids == ["way/301"]]
    assert len(decoys) == 1 and not decoys[0].accepted
    assert decoys[0].reasons[-1].startswith("rejected: name score")


def test_dual_carriageway_gives_one_alignment_cut_to_the_section(records, extract):
    road = _accepted(osm.enrich(records, xml=extract, categories=["highway"]), "R8")
    assert sorted(road.osm_ids) == ["way/601", "way/602", "way/603", "way/604"]
    assert road.geometry.geom_type == "LineString"  # one carriageway, not both
    assert "1 parallel part(s) (other carriageway or track) dropped: one alignment kept" in road.reasons
    xs = sorted(x for x, _ in road.geometry.coords)
    assert xs[0] == pytest.approx(106.05, abs=1e-4) and xs[-1] == pytest.approx(106.15, abs=1e-4)


def test_parts_with_a_gap_are_cut_between_the_section_ends():
    parts = shapely.MultiLineString([[(0, 0), (1000, 0)], [(1200, 5), (3000, 5)]])
    cut, reasons = osm.clip_to_section(parts, [shapely.Point(500, 3), shapely.Point(2500, 3)], tolerance_m=100)
    assert cut.length == pytest.approx(500 + 1300)
    assert shapely.bounds(cut).tolist() == pytest.approx([500, 0, 2500, 5])
    assert reasons == ["2 separate parts cut between the perpendiculars at the section ends: 1.8 of 2.8 km"]
    far, reasons = osm.clip_to_section(parts, [shapely.Point(500, 9000), shapely.Point(2500, 9000)], tolerance_m=100)
    assert far is parts and len(reasons) == 2


def test_xml_relation_members_make_the_metro_line(records, extract):
    matches = osm.enrich(records, xml=extract, categories=["metro"])
    metro = _accepted(matches, "R2")
    assert metro.osm_ids == ["relation/501"]
    assert metro.osm_name == "重庆轨道交通18号线"
    assert not any("member ways" in r for r in metro.reasons)  # the platform way is not counted missing
    assert {m.record_id for m in matches} == {"R2"}
    line1 = [m for m in matches if m.osm_ids == ["relation/502"]]
    assert line1 and not line1[0].accepted  # Line 1 is not Line 18


def test_line_record_still_at_a_point_gets_the_whole_named_line(extract):
    city_level = gpd.GeoDataFrame.from_features(
        [_record("R7", "轨道18号线", "metro", {"type": "Point", "coordinates": [106.1, 28.8]}, precision="city")], crs=settings.storage_crs
    )
    assert osm.enrich(city_level, xml=extract, categories=["metro"]) != []  # 20 km away: found within the 60 km of a point line record
    metro = _accepted(osm.enrich(city_level, xml=extract), "R7")
    assert metro.osm_ids == ["relation/501"] and not metro.clipped
    assert metro.geometry.length == pytest.approx(shapely.line_merge(shapely.MultiLineString(
        [[(106.00, 29.080), (106.05, 29.082), (106.10, 29.085)], [(106.10, 29.085), (106.20, 29.090)]])).length)
    assert any(r.startswith("section unknown") for r in metro.reasons)


def test_xml_station_and_traditional_hospital(records, extract):
    matches = osm.enrich(records, xml=extract, categories=["station_hub", "hospital"])
    station = _accepted(matches, "R3")
    assert station.osm_ids == ["node/900"]
    bus = [m for m in matches if m.osm_ids == ["node/901"]]
    assert bus and not bus[0].accepted
    hospital = _accepted(matches, "R4")
    assert hospital.osm_ids == ["way/400"] and hospital.scores["name"] == 1.0
    assert hospital.geometry.geom_type == "Point"  # the record is a point: the area's point on surface
    assert shapely.Polygon([(106.118, 29.068), (106.122, 29.068), (106.122, 29.072), (106.118, 29.072)]).contains(hospital.geometry)


def test_unmapped_category(records, extract):
    matches = osm.enrich(records, xml=extract)
    assert not any(m.record_id == "R6" for m in matches)  # water is not OpenStreetMap's
    with pytest.raises(Exception, match="category"):
        osm.enrich(records, xml=extract, categories=["water"])


def test_proposal_dict_is_exact(records, extract):
    station = _accepted(osm.enrich(records, xml=extract, categories=["station_hub"]), "R3")
    assert osm.proposal(station) == {
        "record_id": "R3",
        "changes": {
            "geometry": {"type": "Point", "coordinates": [106.061, 29.0125]},
            "location_precision": "exact",
            "location_source": "openstreetmap",
            "osm_ids": ["node/900"],
            "location_note_zh": "几何取自 OpenStreetMap 要素 node/900(名称“重庆西站”);© OpenStreetMap 贡献者,ODbL 许可",
            "location_note_en": "Geometry from OpenStreetMap features node/900 (named '重庆西站'); © OpenStreetMap contributors, ODbL",
        },
        "author": "enrich-osm",
        "source": "openstreetmap",
        "reason": "OpenStreetMap match for 重庆西站: node/900 (score 0.99)",
        "evidence": {
            "score": 0.994,
            "scores": {"name": 1.0, "kind": 1.0, "distance": 0.971, "coverage": 1.0},
            "reasons": [
                "name '重庆西站' vs '重庆西站': 1.00",
                "kind 1.00: railway=station",
                "0.3 km from the record's current place",
                "accepted: score 0.99 ≥ 0.75",
            ],
            "matched_names": {"record": "重庆西站", "osm": "重庆西站"},
            "osm_ids": ["node/900"],
            "credit": "© OpenStreetMap contributors, ODbL",
            "license": "ODbL-1.0",
        },
    }
    rail = _accepted(osm.enrich(records, xml=extract, categories=["rail"]), "R1")
    changes = osm.proposal(rail)["changes"]
    assert changes["geometry"]["type"] == "LineString"
    assert changes["osm_ids"] == ["way/101", "way/102", "way/103"]
    assert "按规划区段截取" in changes["location_note_zh"] and "clipped to the plan's section" in changes["location_note_en"]


def test_credit_line_only_when_osm_geometry_is_used(records):
    assert osm.credit_line(records) is None  # v1 catalog: no location_source column
    records["location_source"] = ["geonames", "openstreetmap", None, "edit", "well_known", "none", "boundary"]
    assert osm.credit_line(records, lang="en") == "© OpenStreetMap contributors, ODbL"
    assert osm.credit_line(records) == "© OpenStreetMap 贡献者,ODbL 许可"
    assert osm.credit_line(records[records["location_source"] != "openstreetmap"]) is None


def test_committed_sample_is_the_generated_one(tmp_path):
    """tests/fixtures/osm/ holds the same extract and catalog, for trying the command by hand."""
    write_osm_xml(tmp_path / "sample.osm")
    assert (FIXTURES / "sample.osm").read_bytes() == (tmp_path / "sample.osm").read_bytes()
    assert json.loads((FIXTURES / "catalog.geojson").read_text(encoding="utf-8"))["features"] == catalog_features()


def test_bad_xml_is_a_clear_error(tmp_path, records):
    bad = tmp_path / "bad.osm"
    bad.write_text("<osm><node id='1'", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"bad\.osm"):
        osm.enrich(records, xml=bad)
    with pytest.raises(DataFileError, match=r"missing\.osm: no such file"):
        osm.enrich(records, xml=tmp_path / "missing.osm")
    with pytest.raises(DataFileError, match="directory"):  # through the file door (geo._files.input_file)
        osm.enrich(records, xml=tmp_path)


def test_incomplete_extract_warns_and_names_the_ways(tmp_path, records):
    elements = [e for e in osm_elements() if e["id"] != 1021]  # a node of way 103
    path = tmp_path / "cut.osm"
    write_osm_xml(path, elements)
    with pytest.warns(osm.IncompleteExtractWarning, match=r"cut\.osm: 1 ways lack nodes .*way/103"):
        matches = osm.enrich(records, xml=path, categories=["rail"])
    assert _accepted(matches, "R1").osm_ids == ["way/101", "way/102"]


# ---------------------------------------------------------------- PBF


def test_pbf_is_filtered_then_read_like_the_xml(tmp_path, records, extract):
    import osmium

    pbf = tmp_path / "sample.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        for obj in osmium.FileProcessor(str(extract)):
            writer.add(obj)
    from_pbf = osm.enrich(records, pbf=pbf)
    from_xml = osm.enrich(records, xml=extract)
    assert [(m.record_id, m.osm_ids, m.accepted, m.score) for m in from_pbf] == [
        (m.record_id, m.osm_ids, m.accepted, m.score) for m in from_xml
    ]
    # the filter keeps only the needed tags: a railway-only filtered file has no hospital
    assert _accepted(from_pbf, "R5").osm_ids == ["way/500"]  # harbour=* (any value) and landuse=port: kept once
    small = osm.pbf_to_xml(pbf, tmp_path / "rail.osm", categories=["rail"])
    text = small.read_text(encoding="utf-8")
    assert "渝西高速铁路" in text and "hospital" not in text and "subway" not in text


# ---------------------------------------------------------------- online (fake Overpass)


class _Overpass(BaseHTTPRequestHandler):
    mode = "ok"
    queries: ClassVar[list[str]] = []

    def log_message(self, *args):  # keep test output clean
        pass

    def _send(self, code, body, ctype="application/json"):
        data = body.encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # /api/status: osmnx asks before each query
        self._send(200, "Connected as: 1\nCurrent time: 2026-01-01T00:00:00Z\nRate limit: 2\n\n2 slots available now.\n", "text/plain")

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        type(self).queries.append(self.rfile.read(length).decode())
        if self.mode == "slow":
            time.sleep(3)
            return self._send(200, json.dumps({"elements": []}))
        if self.mode == "error":
            return self._send(400, "<html>runtime error: query failed</html>", "text/html")
        return self._send(200, json.dumps({"version": 0.6, "elements": osm_elements()}))


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # the "slow" answer is written after the client gave up: a broken pipe, not a test failure
        # (printed to stderr it would land in a later test's captured output)
        pass


@pytest.fixture
def overpass(tmp_path, monkeypatch):
    import osmnx as ox

    server = _QuietServer(("127.0.0.1", 0), _Overpass)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr(settings, "osm_overpass_url", f"http://127.0.0.1:{server.server_port}/api")
    monkeypatch.setattr(settings, "osm_cache_dir", tmp_path / "osmnx-cache")
    monkeypatch.setattr(settings, "osm_timeout", 1.0)
    monkeypatch.setattr(ox.settings, "log_console", False)
    _Overpass.queries = []
    yield _Overpass
    _Overpass.mode = "ok"
    server.shutdown()
    server.server_close()


def test_online_reads_overpass_through_osmnx(records, overpass):
    import osmnx as ox

    before = ox.settings.overpass_url
    matches = osm.enrich(records, categories=["rail", "station_hub"])
    assert _accepted(matches, "R1").osm_ids == ["way/101", "way/102", "way/103"]
    assert _accepted(matches, "R3").osm_ids == ["node/900"]
    assert len(overpass.queries) == 2 and "railway" in overpass.queries[0]
    assert ox.settings.overpass_url == before  # osmnx's settings are restored
    # a second run is answered from osmnx's cache
    osm.enrich(records, categories=["rail", "station_hub"])
    assert len(overpass.queries) == 2


@pytest.mark.parametrize("mode, words", [("error", "400"), ("slow", "Timeout")])
def test_online_errors_are_clear(records, overpass, mode, words):
    overpass.mode = mode
    with pytest.raises(OsmSourceError, match=words) as info:
        osm.enrich(records, categories=["rail"])
    assert "Overpass at http://127.0.0.1" in str(info.value)


# ---------------------------------------------------------------- command line


@pytest.fixture
def catalog_file(tmp_path):
    path = tmp_path / "catalog.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": catalog_features()}, ensure_ascii=False), encoding="utf-8")
    return path


def test_cli_lists_matches_without_proposing(catalog_file, extract, tmp_path, capsys, monkeypatch):
    from geo.__main__ import main

    def fail(*args, **kwargs):
        raise AssertionError("nothing is proposed without --propose")

    monkeypatch.setattr(osm, "proposal", fail)
    out = tmp_path / "matches.geojson"
    assert main(["enrich", "osm", "--catalog", str(catalog_file), "--xml", str(extract), "--category", "rail,station_hub", "--out", str(out)]) == 0
    frame = gpd.read_file(out)
    assert sorted(frame.loc[frame.accepted, "record_id"]) == ["R1", "R3"]
    assert "2 accepted matches" in capsys.readouterr().out
    csv = tmp_path / "matches.csv"
    assert main(["enrich", "osm", "--catalog", str(catalog_file), "--xml", str(extract), "--out", str(csv)]) == 0
    assert "rejected: name score" in csv.read_text(encoding="utf-8-sig")


def test_cli_propose_calls_the_workbench(catalog_file, extract, monkeypatch, capsys):
    import sys
    import types

    from geo.__main__ import main

    calls = []
    fake = types.ModuleType("geo.review")
    fake.propose = lambda record_id, changes, **kw: calls.append((record_id, changes, kw)) or len(calls)
    monkeypatch.setitem(sys.modules, "geo.review", fake)
    assert main(["enrich", "osm", "--catalog", str(catalog_file), "--xml", str(extract), "--category", "station_hub", "--propose"]) == 0
    expected = osm.proposal(_accepted(osm.enrich(gpd.read_file(catalog_file), xml=extract, categories=["station_hub"]), "R3"))
    assert calls == [(expected["record_id"], expected["changes"], {k: expected[k] for k in ("author", "source", "reason", "evidence")})]
    assert "1 proposals sent to the workbench: 1" in capsys.readouterr().out


def test_cli_errors_are_one_clear_line(catalog_file, extract, tmp_path, monkeypatch, capsys, overpass):
    import sys

    from geo.__main__ import main

    monkeypatch.setitem(sys.modules, "geo.review", None)  # the workbench module is missing
    assert main(["enrich", "osm", "--catalog", str(catalog_file), "--xml", str(extract), "--propose"]) == 1
    assert "error: workbench not available" in capsys.readouterr().err
    assert main(["enrich", "osm", "--catalog", str(catalog_file), "--category", "water"]) == 2
    assert "filter category: unknown value 'water'" in capsys.readouterr().err
    assert main(["enrich", "osm", "--catalog", str(catalog_file), "--pbf", str(tmp_path / "none.osm.pbf")]) == 1
    assert "none.osm.pbf: no such file" in capsys.readouterr().err
    overpass.mode = "error"
    assert main(["enrich", "osm", "--catalog", str(catalog_file), "--category", "rail"]) == 1
    err = capsys.readouterr().err
    assert "error: OpenStreetMap (Overpass at http://127.0.0.1" in err, err
    assert "Traceback" not in err, err


def test_cli_prints_the_incomplete_extract_warning(catalog_file, tmp_path, capsys):
    from geo.__main__ import main

    path = tmp_path / "cut.osm"
    write_osm_xml(path, [e for e in osm_elements() if e["id"] != 1021])
    assert main(["enrich", "osm", "--catalog", str(catalog_file), "--xml", str(path), "--category", "rail"]) == 0
    out, err = capsys.readouterr()
    assert "warning: " in err
    assert "R1 渝西高铁 [rail] → way/101, way/102 “渝西高速铁路”: ACCEPTED" in out
    assert "    section end is 4.9 km from the OSM line; not clipped there" in out


def test_record_known_only_to_its_district_is_sought_within_it(extract):
    """A record with no point (precision district, scope the unit) is matched inside its unit's outline;
    a record whose scope is wider than a unit is not sought at all."""
    feats = catalog_features()
    for f in feats:
        if f["properties"]["id"] == "R3":
            f["geometry"] = None
            f["properties"].update(location_precision="district", scope="江津区")
    far = _record("R9", "重庆西站", "station_hub", None, precision="region")
    far["properties"]["scope"] = "重庆市"
    frame = gpd.GeoDataFrame.from_features([*feats, far], crs=settings.storage_crs)
    matches = osm.enrich(frame, categories=["station_hub"], xml=extract)
    m = _accepted(matches, "R3")
    assert m.osm_ids == ["node/900"] and m.geometry.geom_type == "Point"
    assert m.reasons[0] == "the record has no place of its own; sought within its scope 江津区"
    assert not [x for x in matches if x.record_id == "R9"]
    p = osm.proposal(m)
    assert p["changes"]["location_precision"] == "exact" and p["changes"]["geometry"]["type"] == "Point"
