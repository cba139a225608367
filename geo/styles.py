"""Map symbology as plain data, shared by the web map (layers/) and the images (render).

After OpenRailwayMap: a line is dotted when proposed, dash-dotted when
preparatory, dashed under construction, solid when completed and solid and
heavier when operating; a point's fill goes from hollow (proposed) to full
(operating) and its ring follows the line's dash. Colour says the category's
family (:data:`FAMILIES`, Okabe–Ito colours). Precision says how
much to trust the position: exact sites are small crisp dots, approximate
ones a larger translucent ring, and town-, district- or city-level records
are never drawn as dots at all but as a grouped badge at the place's
representative point.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from geo.model import CATEGORIES

if TYPE_CHECKING:
    from matplotlib.typing import LineStyleType

#: Categories grouped into families; one colour per family from the Okabe–Ito palette
#: (distinguishable with the common colour-vision deficiencies). Within a family,
#: lines differ by weight and the legend names each category.
FAMILIES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "rail_transit": ("#D55E00", "轨道交通", ("rail", "metro", "station_hub")),
    "roads": ("#E69F00", "道路桥隧", ("highway", "road", "bridge_tunnel")),
    "hubs": ("#0072B2", "港口机场物流", ("port", "airport", "logistics")),
    "utilities": ("#56B4E9", "能源水利数字", ("energy", "water", "digital")),
    "industry": ("#CC79A7", "产业园区新城", ("industrial_park", "science_park", "new_town")),
    "public": ("#332288", "公共服务", ("hospital", "education_research", "social_welfare", "commerce_culture_sport")),
    "ecology": ("#009E73", "生态公园", ("ecology_park",)),
    "other": ("#7F7F7F", "其他", ("other",)),
}
FAMILY_NAMES_EN = {
    "rail_transit": "Rail transit", "roads": "Roads, bridges, tunnels", "hubs": "Ports, airports, logistics",
    "utilities": "Energy, water, digital", "industry": "Industry, science parks, new towns",
    "public": "Public services", "ecology": "Ecology and parks", "other": "Other",
}


def family_name(family: str, *, lang: str = "zh") -> str:
    """The name of a colour family of :data:`FAMILIES` in ``lang`` (legends of the map and the images)."""
    return FAMILIES[family][1] if lang == "zh" else FAMILY_NAMES_EN[family]


FAMILY_OF: dict[str, str] = {c: f for f, (_, _, cats) in FAMILIES.items() for c in cats}
CATEGORY_COLORS: dict[str, str] = {c: FAMILIES[f][0] for c, f in FAMILY_OF.items()}
assert set(CATEGORY_COLORS) == set(CATEGORIES)
#: Point shape per category: the n-th category of a family gets the n-th shape, so two
#: categories of one colour never share a shape.
SHAPES = ("circle", "square", "triangle", "diamond")
CATEGORY_SHAPE: dict[str, str] = {c: SHAPES[i] for _, _, cats in FAMILIES.values() for i, c in enumerate(cats)}
#: matplotlib markers matching SHAPES.
SHAPE_MARKER = {"circle": "o", "square": "s", "triangle": "^", "diamond": "D"}
#: Line weight factor per category (main lines heavier than local ones in the same family).
CATEGORY_WEIGHT: dict[str, float] = {"rail": 1.3, "highway": 1.3, "metro": 0.8, "road": 0.7, "bridge_tunnel": 1.0}

#: Leaflet/SVG dash pattern per status ("" = solid): five statuses, five looks.
STATUS_DASH: dict[str, str] = {
    "proposed": "1 6",
    "preparatory": "8 4 1 4",
    "under_construction": "10 6",
    "completed": "",
    "operating": "",
    "shelved": "1 6",
    "cancelled": "2 10",
}
#: Line weight factor per status: operating lines are heavier than completed ones.
STATUS_WEIGHT: dict[str, float] = {"operating": 1.5, "completed": 1.0}
#: Fill opacity of points and polygons per status: hollow → full.
STATUS_FILL: dict[str, float] = {
    "proposed": 0.0,
    "preparatory": 0.2,
    "under_construction": 0.5,
    "completed": 0.8,
    "operating": 1.0,
    "shelved": 0.0,
    "cancelled": 0.0,
}
#: matplotlib line styles matching STATUS_DASH: a named style or ``(offset, (on, off, ...))`` in points.
STATUS_LINESTYLE: dict[str, LineStyleType] = {
    "proposed": (0, (1, 3)),
    "preparatory": (0, (4, 2, 1, 2)),
    "under_construction": (0, (5, 3)),
    "completed": "-",
    "operating": "-",
    "shelved": (0, (1, 3)),
    "cancelled": (0, (1, 5)),
}
#: How a point of each precision is drawn: radius (px) and stroke opacity.
PRECISION_POINT: dict[str, dict] = {
    "exact": {"radius": 6, "opacity": 1.0},
    "approximate": {"radius": 10, "opacity": 0.7},
}
#: Precisions drawn as a grouped badge at the place's representative point.
GROUPED_PRECISIONS = ("town", "district", "city")


def feature_style(category: str, status: str, precision: str, geom_kind: str) -> dict:
    """Leaflet path options for one project (see the module docstring)."""
    color = CATEGORY_COLORS.get(category, CATEGORY_COLORS["other"])
    fill = STATUS_FILL.get(status, 0.0)
    if geom_kind == "line":
        weight = round(3.5 * CATEGORY_WEIGHT.get(category, 1.0) * STATUS_WEIGHT.get(status, 1.0), 1)
        return {"color": color, "weight": weight, "opacity": 0.9, "dashArray": STATUS_DASH.get(status, "")}
    if geom_kind == "polygon":
        return {"color": color, "weight": 2, "opacity": 0.9, "dashArray": STATUS_DASH.get(status, ""), "fillColor": color, "fillOpacity": 0.04 + 0.12 * fill}
    point = PRECISION_POINT.get(precision, PRECISION_POINT["approximate"])
    return {
        "color": color,
        "weight": 3.5 if status == "operating" else 2.5,
        "opacity": point["opacity"],
        "dashArray": STATUS_DASH.get(status, ""),
        "fillColor": color,
        "fillOpacity": fill * point["opacity"],
        "radius": point["radius"],
    }


def point_svg(category: str, status: str, precision: str) -> tuple[str, int]:
    """The SVG of a project's point symbol (shape by category, colour by family, fill and ring
    dash by status, size by precision) and its size in pixels."""
    color = CATEGORY_COLORS.get(category, CATEGORY_COLORS["other"])
    fill = STATUS_FILL.get(status, 0.0)
    point = PRECISION_POINT.get(precision, PRECISION_POINT["approximate"])
    size = 2 * point["radius"] + 4
    c, r = size / 2, point["radius"]
    stroke = 3.2 if status == "operating" else 2.2
    dash = STATUS_DASH.get(status, "").replace(" ", ",")
    common = f'fill="{color}" fill-opacity="{fill * point["opacity"]:.2f}" stroke="{color}" stroke-opacity="{point["opacity"]}" stroke-width="{stroke}"' + (f' stroke-dasharray="{dash}"' if dash else "")
    shape = CATEGORY_SHAPE.get(category, "circle")
    if shape == "square":
        body = f'<rect x="{c - r * 0.85:.1f}" y="{c - r * 0.85:.1f}" width="{r * 1.7:.1f}" height="{r * 1.7:.1f}" {common}/>'
    elif shape == "triangle":
        body = f'<polygon points="{c:.1f},{c - r:.1f} {c + r:.1f},{c + r * 0.8:.1f} {c - r:.1f},{c + r * 0.8:.1f}" {common}/>'
    elif shape == "diamond":
        body = f'<polygon points="{c:.1f},{c - r:.1f} {c + r:.1f},{c:.1f} {c:.1f},{c + r:.1f} {c - r:.1f},{c:.1f}" {common}/>'
    else:
        body = f'<circle cx="{c:.1f}" cy="{c:.1f}" r="{r * 0.9:.1f}" {common}/>'
    return f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}">{body}</svg>', size
