"""Every export reads back (pyogrio) with the same features, attributes and Chinese text."""

from __future__ import annotations

import json
import zipfile

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

from geo import io
from geo.export import EXTENSIONS, FLAT_COLUMNS, export


@pytest.fixture(scope="module")
def data(fixture_projects, fixture_joined):
    return fixture_projects, fixture_joined


def _same_features(back, projects):
    back = back.set_index("id").loc[projects["id"]]
    assert list(back.name_zh) == list(projects.name_zh)
    assert "<script>alert(1)</script>医院" in set(back.name_zh)  # text kept verbatim, escaping is the viewer's job
    assert list(back.category) == list(projects.category)
    assert list(back.status) == list(projects.status)
    assert all(shapely.equals(a, b) for a, b in zip(back.geometry.values, projects.geometry.values, strict=True))


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "csv", "shp"])
def test_round_trip(data, tmp_path, fmt):
    projects, joined = data
    path = export(projects, joined, tmp_path / f"out{EXTENSIONS[fmt]}", fmt=fmt)
    frame, problems, _ = io.read_projects(path)
    assert problems == []
    _same_features(frame, projects)
    # Plan attributions survive every format (in a sidecar for shapefiles).
    got = dict(zip(frame["id"], frame["plans"], strict=True))
    assert got["F11"] == projects.set_index("id").plans["F11"]


def test_geojson_is_rfc7946(data, tmp_path):
    projects, joined = data
    path = export(projects, joined, tmp_path / "out.geojson", fmt="geojson")
    text = path.read_text(encoding="utf-8")
    assert "\\u" not in text and "甲区医院" in text
    doc = json.loads(text)
    assert "crs" not in doc
    for feature in doc["features"]:
        if feature["geometry"]["type"] == "Polygon":
            ring = feature["geometry"]["coordinates"][0]
            assert shapely.LinearRing(ring).is_ccw
        coords = np.array(shapely.get_coordinates(shapely.from_geojson(json.dumps(feature["geometry"]))))
        assert np.allclose(coords, np.round(coords, 6))
    assert pyogrio.read_info(path)["crs"] == "EPSG:4326"


def test_gpkg_has_one_layer_per_geometry_kind_and_the_join_layers(data, tmp_path):
    projects, joined = data
    path = export(projects, joined, tmp_path / "out.gpkg", fmt="gpkg")
    layers = dict(pyogrio.list_layers(path))
    assert layers["projects_point"] == "MultiPoint"
    assert layers["projects_line"] == "MultiLineString"
    assert layers["projects_polygon"] == "MultiPolygon"
    assert {"project_districts", "attributions", "history"} <= set(layers)
    assert "projects" not in layers  # no mixed-geometry layer any more
    districts = pyogrio.read_dataframe(path, layer="project_districts")
    assert len(districts) == len(joined)
    assert set(districts.name_zh) == {"甲区", "乙区", "丙县"}
    points = pyogrio.read_dataframe(path, layer="projects_point")
    assert set(FLAT_COLUMNS) <= set(points.columns)
    assert set(points.id) == set(projects.id[projects.geometry.geom_type.isin(["Point", "MultiPoint"])])


def test_gpkg_round_trip_keeps_every_record_incl_those_without_geometry(data, tmp_path):
    from geopandas.testing import assert_geoseries_equal

    projects, joined = data
    projects = projects.copy()
    region = projects.index[-1]
    projects.loc[region, "location_precision"] = "region"
    projects.loc[region, "location_source"] = "none"
    projects.loc[region, "scope"] = "甲区"
    projects.geometry = projects.geometry.where(projects.index != region, None)
    path = export(projects, joined, tmp_path / "out.gpkg", fmt="gpkg")
    layers = dict(pyogrio.list_layers(path))
    assert layers["projects_no_geometry"] is None  # a plain table
    frame, problems, _ = io.read_projects(path)
    assert problems == []
    back = frame.set_index("id").loc[list(projects["id"])]
    assert list(back.name_zh) == list(projects.name_zh)
    # Multi-part on disk, the same shapes (topologically) as before; the region record has none.
    assert_geoseries_equal(gpd.GeoSeries(back.geometry.values, crs="EPSG:4326"), gpd.GeoSeries(projects.geometry.values, crs="EPSG:4326"), check_geom_type=False)
    assert back.geometry.isna().sum() == 1


def test_csv_has_wkt_and_representative_lon_lat(data, tmp_path):
    projects, joined = data
    path = export(projects, joined, tmp_path / "out.csv", fmt="csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: Excel reads Chinese correctly
    table = gpd.pd.read_csv(path, encoding="utf-8-sig")
    row = table.set_index("id").loc["F05"]
    assert shapely.from_wkt(row.wkt).contains(shapely.Point(row.lon, row.lat))


def test_shapefile_zip_has_cpg_and_field_map(data, tmp_path):
    projects, joined = data
    path = export(projects, joined, tmp_path / "out.zip", fmt="shp")
    names = zipfile.ZipFile(path).namelist()
    for kind in ("point", "line", "polygon"):
        assert f"projects_{kind}.cpg" in names
        assert zipfile.ZipFile(path).read(f"projects_{kind}.cpg").decode().strip().upper() in ("UTF-8", "UTF8")
    assert "FIELDS.txt" in names and "attributions.csv" in names
    point = pyogrio.read_dataframe(f"/vsizip/{path}/projects_point.shp")
    assert all(len(c) <= 10 for c in point.columns)
    assert "status_dt" in point.columns and "甲区医院" in set(point.name_zh)


def test_failed_write_leaves_no_half_file(data, tmp_path, monkeypatch):
    projects, joined = data
    target = tmp_path / "out.geojson"
    target.write_text("previous", encoding="utf-8")

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(io, "geojson_text", boom)
    with pytest.raises(RuntimeError):
        export(projects, joined, target, fmt="geojson")
    assert target.read_text(encoding="utf-8") == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["out.geojson"]


def test_geojson_round_trip_is_frame_equal(data, tmp_path):
    """The GeoJSON export read back equals the source frame (geopandas.testing)."""
    from geopandas.testing import assert_geodataframe_equal

    projects, joined = data
    path = export(projects, joined, tmp_path / "out.geojson", fmt="geojson")
    back, _, _ = io.read_projects(path)
    columns = ["id", "name_zh", "name_en", "category", "status", "location_precision", "geometry"]
    expected = projects[columns].reset_index(drop=True)
    assert_geodataframe_equal(back[columns], expected, check_less_precise=True, normalize=True)


def test_file_names_say_what_was_filtered():
    from geo.export import file_stem
    from geo.filters import FilterSpec

    spec = FilterSpec(districts=("500107",), categories=("rail",))
    assert file_stem(spec, district_names={"500107": "九龙坡区"}, day="2026-12-06") == "atlas_九龙坡区_rail_2026-12-06"
    assert file_stem(FilterSpec(text='a/b:"c"'), day="2026-12-06") == "atlas_a-b-c-_2026-12-06"
    assert file_stem(FilterSpec(), day="2026-12-06") == "atlas_2026-12-06"


def test_csv_export_has_no_live_formula_and_one_row_per_record(data, tmp_path):
    import csv

    projects, joined = data
    projects = projects.copy()
    hostile = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3", "甲\r乙", "丙\n丁"]
    projects.loc[projects.index[: len(hostile)], "name_zh"] = hostile
    projects.loc[projects.index[0], "name_en"] = "=1+1"
    path = export(projects, joined, tmp_path / "out.csv", fmt="csv")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert len(rows) == len(projects) + 1  # a CR/LF inside a name never makes an extra row
    cells = [cell for row in rows[1:] for cell in row]
    live = [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r") or (c[:1] == "-" and not _number(c))]
    assert live == []
    names = [r[rows[0].index("name_zh")] for r in rows[1:]]
    assert "'=HYPERLINK(\"http://x\",\"y\")" in names and "甲\r乙" in names and "丙\n丁" in names


def _number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True
def test_region_record_without_geometry_is_exported(fixture_units, tmp_path):
    from geo.join import join

    from .helpers import assert_join_rows, make_frame, make_record

    region = make_record("T09", geometry=None, kind="designation", category="new_town", location_precision="region", location_source="none", scope="甲区")
    frame = make_frame([make_record("T01"), region], tmp_path)
    joined = join(frame, fixture_units)
    assert_join_rows(joined, "T01", ["500901"], measure="count")
    path = export(frame, joined, tmp_path / "out.geojson", fmt="geojson")
    back = {f["properties"]["id"]: f for f in json.loads(path.read_text(encoding="utf-8"))["features"]}
    # No geometry, and it counts for its scope unit (geo.join's region rows).
    assert back["T09"]["geometry"] is None and back["T09"]["properties"]["districts"] == "甲区"
    assert back["T09"]["properties"]["location_precision"] == "region"
