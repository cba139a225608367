from __future__ import annotations

import numpy as np
import pyproj
import pytest
import shapely

from geo import coords

from .conftest import geodesic_km


def test_gcj02_round_trip_and_shift():
    wgs = shapely.points([(106.5, 29.5), (104.07, 30.67)])
    gcj = coords.convert(wgs, source="WGS84", target="GCJ-02")
    # GCJ-02 moves Chongqing by several hundred metres...
    d = pyproj.Geod(ellps="WGS84").inv(shapely.get_x(wgs), shapely.get_y(wgs), shapely.get_x(gcj), shapely.get_y(gcj))[2]
    assert np.all((d > 300) & (d < 700))
    # ...and the inverse brings it back within a centimetre.
    back = coords.convert(gcj, source="GCJ-02")
    np.testing.assert_allclose(shapely.get_coordinates(back), shapely.get_coordinates(wgs), rtol=0, atol=1e-7)  # 1e-7° ≈ 1 cm


def test_bd09_round_trip():
    wgs = shapely.Point(106.55, 29.56)
    bd = coords.convert(wgs, source="WGS84", target="BD-09")
    assert bd.distance(wgs) > 0.005
    assert coords.convert(bd, source="BD-09").distance(wgs) < 1e-7


def test_cgcs2000_is_wgs84_and_unknown_system_fails():
    p = shapely.Point(106.5, 29.5)
    assert coords.convert(p, source="CGCS2000") is p
    from geo._errors import AtlasError

    # One error vocabulary: an AtlasError (the CLI prints it as one line), naming the option and the value.
    with pytest.raises(AtlasError, match=r"coordinate systems: unknown value 'Mars → WGS84'"):
        coords.convert(p, source="Mars")


def test_geodesic_length_matches_pyproj_and_ignores_gaps_between_parts():
    line = [(106.55, 29.55), (105.0, 30.0), (104.07, 30.67)]
    assert coords.geodesic_length_m([shapely.LineString(line)])[0] / 1000 == pytest.approx(geodesic_km(line), rel=1e-9)
    multi = shapely.MultiLineString([[(106.0, 29.0), (106.1, 29.0)], [(107.0, 29.0), (107.1, 29.0)]])
    assert coords.geodesic_length_m([multi])[0] / 1000 == pytest.approx(2 * geodesic_km([(106.0, 29.0), (106.1, 29.0)]), rel=1e-6)
    assert coords.geodesic_length_m([shapely.Point(1, 1)])[0] == 0


def test_area_equal_area_matches_geodesic_area():
    box = shapely.box(106.0, 29.0, 106.1, 29.1)
    geodesic = abs(pyproj.Geod(ellps="WGS84").geometry_area_perimeter(box)[0])
    assert coords.area_m2([box])[0] == pytest.approx(geodesic, rel=0.003)


def test_guards():
    assert coords.looks_swapped([29.5], [106.5]).all()
    assert not coords.looks_swapped([106.5], [29.5]).any()
    assert coords.looks_projected([36500000.0], [3270000.0]).all()
    assert not coords.looks_projected([106.5], [29.5]).any()


@pytest.fixture(scope="module")
def china_grid():
    lon, lat = np.meshgrid(np.linspace(97.0, 123.0, 60), np.linspace(21.0, 41.0, 40))
    return lon.ravel(), lat.ravel()


def test_vectorised_forms_agree_with_prcoords_vertex_by_vertex(china_grid):
    prcoords = pytest.importorskip("prcoords")
    lon, lat = china_grid
    cases = [
        (coords.wgs_to_gcj, prcoords.wgs_gcj),
        (coords.gcj_to_wgs, prcoords.gcj_wgs_bored),
        (coords.bd_to_wgs, prcoords.bd_wgs_bored),
    ]
    for ours, reference in cases:
        got_lon, got_lat = ours(lon, lat)
        want = np.array([reference((b, a), check_china=False) for a, b in zip(lon, lat, strict=True)])
        # 1e-12° is 0.1 µm: the same numbers up to floating-point rounding.
        np.testing.assert_allclose(got_lat, want[:, 0], rtol=0, atol=1e-12)
        np.testing.assert_allclose(got_lon, want[:, 1], rtol=0, atol=1e-12)


def test_inverses_round_trip_within_millimetres(china_grid):
    lon, lat = china_grid
    geod = pyproj.Geod(ellps="WGS84")
    cases = [(coords.wgs_to_gcj, coords.gcj_to_wgs, 0.005), (lambda x, y: coords.gcj_to_bd(*coords.wgs_to_gcj(x, y)), coords.bd_to_wgs, 0.02)]
    for there, back, metres in cases:
        b_lon, b_lat = back(*there(lon, lat))
        assert geod.inv(lon, lat, b_lon, b_lat)[2].max() < metres


def test_missing_geometry_has_zero_length_and_zero_area():
    # Decided (docs/DATA_MODEL.md): no geometry → no extent, 0 in both measures, never NaN.
    line = shapely.LineString([(106.0, 29.0), (106.1, 29.0)])
    square = shapely.box(106.0, 29.0, 106.1, 29.1)
    lengths = coords.geodesic_length_m([None, shapely.Point(), line])
    areas = coords.area_m2([None, shapely.Polygon(), square])
    assert lengths[0] == 0.0 and lengths[1] == 0.0 and lengths[2] > 9000
    assert areas[0] == 0.0 and areas[1] == 0.0 and areas[2] > 1e8
    assert coords.geodesic_length_m(None).tolist() == [0.0] and coords.area_m2(None).tolist() == [0.0]


def test_settings_are_read_at_call_time(monkeypatch):
    from geo import settings

    line = shapely.LineString([(106.0, 29.0), (107.0, 29.0)])
    on_wgs84 = coords.geodesic_length_m(line)[0]
    monkeypatch.setattr(settings, "ellipsoid", "sphere")
    assert abs(coords.geodesic_length_m(line)[0] - on_wgs84) > 100  # another ellipsoid, another length
    square = shapely.box(106.0, 29.0, 106.1, 29.1)
    albers = coords.area_m2(square)[0]
    monkeypatch.setattr(settings, "area_crs", "EPSG:3857")  # not equal-area: a different figure
    assert abs(coords.area_m2(square)[0] - albers) / albers > 0.1
