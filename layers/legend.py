"""The legend outside the map: only what is shown, with counts, in the map's own symbols.

Swatches are plain styled spans (no SVG), so they survive any HTML sanitiser.
"""

from __future__ import annotations

import html

import pandas as pd

from geo.i18n import t
from geo.model import CATEGORIES, PRECISIONS, STATUSES, label
from geo.styles import (
    CATEGORY_COLORS,
    CATEGORY_SHAPE,
    FAMILIES,
    GROUPED_PRECISIONS,
    STATUS_DASH,
    STATUS_FILL,
    STATUS_WEIGHT,
    family_name,
)


def _line_swatch(dash: str, *, weight: float = 1.0, color: str = "#444") -> str:
    """A line in the map's dash pattern, drawn with a repeating gradient (any pattern, no SVG)."""
    height = round(3 * weight)
    if not dash:
        background = color
    else:
        stops, pos = [], 0.0
        for i, length in enumerate(float(v) for v in dash.split()):
            c = color if i % 2 == 0 else "transparent"
            stops.append(f"{c} {pos:g}px {pos + length:g}px")
            pos += length
        background = f"repeating-linear-gradient(90deg,{','.join(stops)})"
    return f'<span style="display:inline-block;width:30px;height:{height}px;background:{background};vertical-align:middle;margin-right:4px"></span>'


def _shape(category: str) -> str:
    """The category's point shape as on the map, in CSS (st.html strips inline SVG)."""
    color = CATEGORY_COLORS.get(category, CATEGORY_COLORS["other"])
    shape = CATEGORY_SHAPE.get(category, "circle")
    base = "display:inline-block;vertical-align:middle;margin-right:3px;"
    if shape == "triangle":
        return f'<span style="{base}width:0;height:0;border-left:5px solid transparent;border-right:5px solid transparent;border-bottom:9px solid {color}"></span>'
    radius = "50%" if shape == "circle" else "1px"
    turn = "transform:rotate(45deg) scale(0.85);" if shape == "diamond" else ""
    return f'<span style="{base}width:9px;height:9px;border-radius:{radius};background:{color};{turn}"></span>'


def _dot(color: str, fill: float, *, size: int = 11, border: str = "solid") -> str:
    alpha = f"{round(fill * 255):02x}"
    return (
        f'<span style="display:inline-block;width:{size}px;height:{size}px;border-radius:50%;'
        f'border:2px {border} {color};background:{color}{alpha};vertical-align:middle;margin-right:4px"></span>'
    )


def legend_html(projects: pd.DataFrame, *, lang: str = "zh") -> str:
    """HTML of the legend for ``projects`` (the filtered set): categories, statuses, precisions."""
    e = html.escape
    out = [f'<div class="atlas-legend" style="font:13px sans-serif;line-height:1.6"><b>{e(t("category", lang))}</b><br>']
    counts = projects.category.value_counts()
    for family, (color, _, cats) in FAMILIES.items():
        present = [(c, int(counts[c])) for c in cats if c in counts.index]
        if not present:
            continue
        out.append(f'<span class="atlas-legend-family" data-family="{family}">{_dot(color, 0.9)}<b>{e(family_name(family, lang=lang))}</b></span><br>')
        items = t("list_sep", lang)
        out.append('<span style="margin-left:19px;color:#333">' + items.join(f'<span class="atlas-legend-item" data-category="{c}">{_shape(c)}{e(label(CATEGORIES, c, lang=lang))} <span style="color:#666">({n})</span></span>' for c, n in present) + "</span><br>")
    out.append(f'<b>{e(t("legend_status", lang))}</b><br>')
    for status, n in projects.status.value_counts().reindex(list(STATUSES)).dropna().astype(int).items():
        out.append(f'<span class="atlas-legend-item" data-status="{status}">{_line_swatch(STATUS_DASH[status], weight=STATUS_WEIGHT.get(status, 1.0))}{_dot("#444444", STATUS_FILL[status])}{e(label(STATUSES, status, lang=lang))} <span style="color:#666">({n})</span></span><br>')
    out.append(f'<b>{e(t("legend_precision", lang))}</b><br>')
    for precision, n in projects.location_precision.value_counts().reindex(list(PRECISIONS)).dropna().astype(int).items():
        if precision in GROUPED_PRECISIONS:
            sw = '<span style="display:inline-block;width:16px;height:16px;border-radius:50%;border:2px dashed #666;font-size:9px;text-align:center;line-height:13px;vertical-align:middle;margin-right:4px">n</span>'
        else:
            sw = _dot("#444444", 0.9 if precision == "exact" else 0.3, size=9 if precision == "exact" else 15, border="solid" if precision == "exact" else "dashed")
        out.append(f'<span class="atlas-legend-item" data-precision="{precision}">{sw}{e(label(PRECISIONS, precision, lang=lang))} <span style="color:#666">({n})</span></span><br>')
    out.append("</div>")
    return "".join(out)


def shading_legend_html(classes: list[tuple[str, float, float]], *, title: str, lang: str = "zh") -> str:
    """The colour scale of a choropleth: one swatch per class with its value range (zero in grey)."""
    e = html.escape
    out = [f'<div class="atlas-scale" style="font:13px sans-serif;line-height:1.6"><b>{e(t("colour_scale", lang))}: {e(title)}</b><br>']
    for color, lo, hi in classes:
        text = t("zero", lang) if hi <= 0 else (f"{lo:.4g}" if lo == hi else f"{lo:.4g} – {hi:.4g}")
        out.append(f'<span class="atlas-scale-item"><span style="display:inline-block;width:22px;height:12px;background:{color};border:1px solid #999;vertical-align:middle;margin-right:4px"></span>{e(text)}</span><br>')
    out.append("</div>")
    return "".join(out)
