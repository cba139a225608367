"""Base maps on the web map: the registry lives in :mod:`geo.tiles`; this module shifts overlays to match.

When a GCJ-02 base map (Gaode) is chosen, every overlay is shifted into
GCJ-02 (:func:`display_frame`) so projects and boundaries land on the right
streets.
"""

from __future__ import annotations

import geopandas as gpd

from geo import coords
from geo.tiles import BASEMAPS


def display_frame(frame: gpd.GeoDataFrame, basemap: str) -> gpd.GeoDataFrame:
    """``frame`` in the coordinate frame of ``basemap`` (a copy; WGS84 frames pass through).

    Only for display: everything stored, joined or exported stays WGS84.
    """
    target = BASEMAPS[basemap].crs
    if target == "WGS84":
        return frame
    out = frame.copy()
    out["geometry"] = coords.convert(frame.geometry.values, source="WGS84", target=target)
    return out
