"""Spatial join semantics on the hand-made fixture (see geo.join's docstring)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from pandas.testing import assert_frame_equal

from geo.join import assign_points, join
from geo.stats import district_stats

from .conftest import geodesic_km
from .helpers import assert_join_rows, make_frame, make_record, record_joins
from .helpers import join_rows as rows


@pytest.fixture
def joined(fixture_joined):
    return fixture_joined


def test_point_inside(joined):
    assert_join_rows(joined, "F01", ["500901"], shares={"500901": 1.0}, measure="count")


def test_point_on_shared_border_goes_to_lowest_adcode(joined, fixture_units):
    # F02 lies on the 甲区/乙区 border: 'within' finds nothing, 'intersects' finds both.
    assert shapely.within(shapely.Point(106.1, 29.05), fixture_units.geometry.values).sum() == 0
    assert list(rows(joined, "F02").index) == ["500901"]
    # Tie-break does not depend on the order of the units.
    reversed_units = fixture_units.iloc[::-1].reset_index(drop=True)
    idx = assign_points([shapely.Point(106.1, 29.05)], reversed_units)
    assert reversed_units.adcode.iat[idx[0]] == "500901"


def test_point_at_a_corner_and_outside(joined, fixture_units):
    assert list(rows(joined, "F03").index) == ["500901"]
    assert assign_points([shapely.Point(0, 0)], fixture_units)[0] == -1


def test_line_gets_a_row_per_district_with_geodesic_km(joined):
    r = rows(joined, "F04")
    assert list(r.index) == ["500901", "500902", "500903"]
    assert r.loc["500901", "length_km"] == pytest.approx(geodesic_km([(106.05, 29.05), (106.1, 29.05)]), rel=1e-6)
    assert r.loc["500902", "length_km"] == pytest.approx(geodesic_km([(106.1, 29.05), (106.2, 29.05)]), rel=1e-6)
    assert r.share.sum() == pytest.approx(1.0)
    assert r.loc["500902", "share"] == pytest.approx(0.5, rel=1e-3)
    assert (r.measure == "length").all()


def test_line_leaving_the_region_has_shares_below_one(joined):
    r = rows(joined, "F09")
    assert list(r.index) == ["500903"]
    assert r.share.sum() == pytest.approx(0.05 / 0.35, rel=1e-2)


def test_polygon_area_shares(joined):
    r = assert_join_rows(joined, "F05", ["500901", "500902"], shares={"500901": 0.5, "500902": 0.5}, measure="area")
    assert r.share.sum() == pytest.approx(1.0, abs=1e-6)
    assert (r.area_km2 > 30).all()  # ~5 km × 6.7 km each side


def test_multi_geometries(joined):
    assert rows(joined, "F06").share.to_dict() == {"500901": 0.5, "500902": 0.5}
    assert list(rows(joined, "F07").index) == ["500901", "500902"]
    f08 = rows(joined, "F08")
    assert list(f08.index) == ["500903"]  # the other part lies outside the three districts
    assert f08.share.iat[0] == pytest.approx(0.5, rel=0.01)


def test_district_stats(fixture_projects, fixture_units, joined):
    stats = district_stats(fixture_projects, joined, fixture_units.rename(columns={}) ).set_index("unit_adcode")
    # 甲区: F01 F02 F03 F04 F05 F06 F07 → 7 projects; rail km = its part of F04 only.
    assert stats.loc["500901", "projects"] == 7
    assert stats.loc["500901", "km:rail"] == pytest.approx(geodesic_km([(106.05, 29.05), (106.1, 29.05)]), rel=1e-6)
    assert stats.loc["500903", "km:rail"] == pytest.approx(geodesic_km([(106.2, 29.05), (106.3, 29.05)]), rel=1e-6)
    assert stats.loc["500902", "category:ecology_park"] == 1  # F12
    assert stats.loc["500901", "plan:jlp14"] == 1  # F07
    assert stats.loc["500902", "km2:new_town"] > 30


def test_city_level_records_count_for_their_city_only(fixture_projects, fixture_units):
    import geopandas as gpd

    from .conftest import FIXTURES

    city_level = fixture_projects[fixture_projects.id.isin(["F01", "F12"])].copy()
    city_level["location_precision"] = ["district", "city"]
    # Chongqing: the districts are the units; a municipality-wide record belongs to none of them.
    assert list(join(city_level, fixture_units).id) == ["F01"]
    # Sichuan: the county under the drawing point is an artefact; the row names the city.
    sichuan = gpd.read_file(FIXTURES / "districts.geojson").query("level == 'county'").reset_index(drop=True)
    sichuan["unit_adcode"], sichuan["unit_name_zh"], sichuan["unit_name_en"] = "519900", "戊市", "Wushi"
    out = join(city_level, sichuan).set_index("id")
    assert out.loc["F12", "adcode"] == "519900" and out.loc["F12", "name_zh"] == "戊市"
    assert out.loc["F01", "adcode"] == "519901"  # a district-level record keeps its county


def test_a_made_record_joins_like_the_fixture(fixture_units, tmp_path):
    # A line from 甲区 into 乙区 built with the record factory: two rows, shares by geodesic length.
    line = {"type": "LineString", "coordinates": [[106.05, 29.05], [106.15, 29.05]]}
    frame = make_frame([make_record("T01", geometry=line, category="rail", location_precision="approximate")], tmp_path)
    assert_join_rows(join(frame, fixture_units), "T01", ["500901", "500902"], shares={"500901": 0.5, "500902": 0.5}, measure="length")


@pytest.mark.parametrize("budget", [1, 7, 10**9])
def test_batched_intersections_give_the_same_rows(fixture_projects, fixture_units, joined, budget, monkeypatch):
    """The pieces are measured in vertex-bounded batches (bounded memory on big files): any batch size
    gives the same rows, lengths, areas and shares as one batch."""
    import pandas as pd

    from geo import join as join_module

    monkeypatch.setattr(join_module, "PIECE_VERTICES_PER_BATCH", budget)
    batched = join(fixture_projects, fixture_units)
    pd.testing.assert_frame_equal(batched, joined, check_exact=False, rtol=1e-12)
    assert (batched.measure != "count").sum() > 3  # lines and polygons were measured


def test_batches_cover_every_position_once():
    import numpy as np

    from geo.join import _batches

    for weights, budget in (([1, 1, 1, 1, 1], 2), ([5, 5, 5], 2), ([3, 900, 2, 2], 10), ([7], 100)):
        runs = _batches(np.array(weights), budget)
        assert np.concatenate(runs).tolist() == list(range(len(weights)))
        assert all(len(r) == 1 or sum(np.array(weights)[r]) <= budget + max(weights) for r in runs)
    assert _batches(np.array([], dtype=int), 5) == []


def test_rejoin_equals_a_full_join_after_edits(fixture_projects, fixture_units):
    """Moved, re-scoped, re-precised, removed and new records: the incremental join is the full join."""
    from geo.join import rejoin

    points = fixture_projects.index[fixture_projects.geom_kind == "point"]
    scoped = fixture_projects.loc[[points[3]]].assign(id="PSCOPE001", geometry=None, location_precision="district", scope="甲区")
    before = gpd.GeoDataFrame(pd.concat([fixture_projects, scoped], ignore_index=True), crs=fixture_projects.crs)
    after = before.copy()
    moved, lifted = points[0], points[1]
    after.loc[moved, "geometry"] = shapely.Point(106.15, 29.05)  # from its district into 乙区
    after.loc[lifted, "location_precision"] = "city"  # a precision change alone changes its rows
    after.loc[after["id"] == "PSCOPE001", "scope"] = "乙区"  # a scope change alone too
    gone = after.index[after.geom_kind == "line"][0]
    new = after.loc[[points[2]]].assign(id="PNEW00001", geometry=shapely.Point(106.25, 29.05))
    after = gpd.GeoDataFrame(pd.concat([new, after.drop(index=gone)]), crs=after.crs)  # the new record first: order matters
    got = rejoin(after, fixture_units, before=before, joined=join(before, fixture_units))
    assert_frame_equal(got, join(after, fixture_units))
    assert got.loc[got["id"] == "PSCOPE001", "name_zh"].tolist() == ["乙区"]
    assert (got["id"] == "PNEW00001").any() and not (got["id"] == before.loc[gone, "id"]).any()


def test_rejoin_joins_only_what_changed(fixture_projects, fixture_units, joined, monkeypatch):
    from geo.join import rejoin

    after = fixture_projects.copy()
    first = after.index[after.geom_kind == "point"][0]
    after.loc[first, "geometry"] = shapely.Point(106.15, 29.05)
    calls = record_joins(monkeypatch)
    rejoin(after, fixture_units, before=fixture_projects, joined=joined)
    assert calls == [[after.loc[first, "id"]]]
    calls.clear()
    assert_frame_equal(rejoin(fixture_projects, fixture_units, before=fixture_projects, joined=joined), joined)
    assert calls == []
