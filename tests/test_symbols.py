"""Records known only to a district are shown as that district's symbol, never as a site; region-wide ones are not drawn."""

from __future__ import annotations

import geopandas as gpd
import shapely

from geo import gazetteer
from geo.catalog import symbol_points
from layers.projects import grouped_points


def _frame():
    rows = [
        {"id": "A", "location_precision": "district", "scope": "九龙坡区"},
        {"id": "B", "location_precision": "district", "scope": "九龙坡区"},
        {"id": "C", "location_precision": "region", "scope": "重庆市"},
        {"id": "D", "location_precision": "town", "scope": None},
        {"id": "E", "location_precision": "approximate", "scope": None},
    ]
    geoms = [None, None, None, shapely.Point(106.3, 29.3), shapely.Point(106.5, 29.5)]
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=4326)


def test_unplaced_district_records_share_their_districts_symbol():
    lon, lat, _ = gazetteer.district_point("九龙坡区")
    rows = symbol_points(_frame())
    assert sorted(rows.id) == ["A", "B", "D"]  # C is region-wide (no symbol), E is a site (drawn itself)
    at_district = rows[rows.id.isin(["A", "B"])]
    assert set(zip(at_district.lon, at_district.lat, strict=True)) == {(round(lon, 6), round(lat, 6))}
    groups = grouped_points(_frame())
    assert sorted(map(sorted, groups.ids)) == [["A", "B"], ["D"]]
