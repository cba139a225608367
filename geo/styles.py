"""Map symbology as plain data, shared by the web map (layers/) and the images (render).

After OpenRailwayMap: a line is solid when completed or operating, dashed
under construction, dotted when preparatory or proposed; a point is filled,
half-filled or hollow likewise. Colour says the category. Precision says how
much to trust the position: exact sites are small crisp dots, approximate
ones a larger translucent ring, and town-, district- or city-level records
are never drawn as dots at all but as a grouped badge at the place's
representative point.
"""

from __future__ import annotations

from geo.model import CATEGORIES

# Colour-blind-aware qualitative palette (Tableau 20 order, reordered so that
# transport modes are strong hues and the rest softer).
CATEGORY_COLORS: dict[str, str] = {
    "rail": "#d62728",
    "metro": "#9467bd",
    "highway": "#ff7f0e",
    "road": "#bcbd22",
    "bridge_tunnel": "#8c564b",
    "station_hub": "#e377c2",
    "port": "#1f77b4",
    "airport": "#17becf",
    "hospital": "#e41a1c",
    "education_research": "#6a3d9a",
    "industrial_park": "#7f7f7f",
    "new_town": "#fdbf6f",
    "science_park": "#1b9e77",
    "energy": "#ffd92f",
    "water": "#4292c6",
    "digital": "#3690c0",
    "logistics": "#a6761d",
    "commerce_culture_sport": "#f781bf",
    "ecology_park": "#2ca02c",
    "social_welfare": "#fb8072",
    "other": "#525252",
}
assert set(CATEGORY_COLORS) == set(CATEGORIES)

#: Leaflet/SVG dash pattern per status ("" = solid).
STATUS_DASH: dict[str, str] = {
    "proposed": "1 7",
    "preparatory": "1 7",
    "under_construction": "9 6",
    "completed": "",
    "operating": "",
    "shelved": "1 7",
    "cancelled": "2 10",
}
#: Fill opacity of points and polygons per status: filled, half, hollow.
STATUS_FILL: dict[str, float] = {
    "proposed": 0.0,
    "preparatory": 0.0,
    "under_construction": 0.45,
    "completed": 0.9,
    "operating": 0.9,
    "shelved": 0.0,
    "cancelled": 0.0,
}
#: matplotlib line styles matching STATUS_DASH.
STATUS_LINESTYLE: dict[str, object] = {
    "proposed": (0, (1, 3)),
    "preparatory": (0, (1, 3)),
    "under_construction": (0, (5, 3)),
    "completed": "-",
    "operating": "-",
    "shelved": (0, (1, 3)),
    "cancelled": (0, (1, 5)),
}
#: How a point of each precision is drawn: radius (px), stroke opacity, ring dash.
PRECISION_POINT: dict[str, dict] = {
    "exact": {"radius": 6, "opacity": 1.0, "dash": ""},
    "approximate": {"radius": 11, "opacity": 0.55, "dash": "3 3"},
}
#: Precisions drawn as a grouped badge at the place's representative point.
GROUPED_PRECISIONS = ("town", "district", "city")


def feature_style(category: str, status: str, precision: str, geom_kind: str) -> dict:
    """Leaflet path options for one project (see the module docstring)."""
    color = CATEGORY_COLORS.get(category, CATEGORY_COLORS["other"])
    fill = STATUS_FILL.get(status, 0.0)
    if geom_kind == "line":
        return {"color": color, "weight": 4, "opacity": 0.9, "dashArray": STATUS_DASH.get(status, "")}
    if geom_kind == "polygon":
        return {"color": color, "weight": 2, "opacity": 0.9, "dashArray": STATUS_DASH.get(status, ""), "fillColor": color, "fillOpacity": 0.08 + 0.25 * fill}
    point = PRECISION_POINT.get(precision, PRECISION_POINT["approximate"])
    return {
        "color": color,
        "weight": 2.5,
        "opacity": point["opacity"],
        "dashArray": point["dash"],
        "fillColor": color,
        "fillOpacity": fill * point["opacity"],
        "radius": point["radius"],
    }
