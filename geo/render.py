"""Briefing images of a filtered view: matplotlib, no browser, no network.

The map is drawn in the equal-area projection of ``settings.area_crs`` (metres),
so the scale bar is true; symbols follow :mod:`geo.styles`, the same data the web
map uses. Chinese comes from the Noto Sans CJK SC font shipped in the PyPI
package ``mpl-font`` (OFL), loaded by file so no system font is needed; text in
PDF and SVG stays text (TrueType/CFF embedding, ``svg.fonttype = "none"``).

:func:`render` returns a :class:`Rendered` description of what was drawn (ids,
legend entries, extent), so tests check the content, not only pixels.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geo import settings
from geo._errors import FilterError, OptionError, TileError
from geo.boundaries import REGION, credit
from geo.catalog import symbol_points
from geo.i18n import t

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from geo.catalog import Atlas
    from geo.filters import FilterSpec
from geo.model import CATEGORIES, PRECISIONS, STATUSES, label
from geo.styles import (
    CATEGORY_COLORS,
    CATEGORY_SHAPE,
    CATEGORY_WEIGHT,
    GROUPED_PRECISIONS,
    SHAPE_MARKER,
    STATUS_FILL,
    STATUS_LINESTYLE,
    STATUS_WEIGHT,
)

PRESETS: dict[str, tuple[float, float]] = {
    "a4-landscape": (11.69, 8.27),
    "a4-portrait": (8.27, 11.69),
    "slide-16x9": (13.33, 7.5),
}
FORMATS = ("png", "pdf", "svg")


@dataclass
class Rendered:
    """What an image shows: for tests and for the app's caption."""

    path: Path
    drawn_ids: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    precisions: list[str] = field(default_factory=list)
    extent: tuple[float, float, float, float] = REGION
    inset: bool = False
    tiles_credit: str = ""
    tiles_error: str = ""


@lru_cache(maxsize=1)
def cjk_font() -> str:
    """Register the bundled CJK fonts with matplotlib; return the family name."""
    import mpl_font
    from matplotlib import font_manager

    folder = Path(mpl_font.__file__).parent / "fonts" / "noto"
    for weight in ("Regular", "Bold"):
        font_manager.fontManager.addfont(str(folder / f"NotoSansCJKsc-{weight}.otf"))
    return "Noto Sans CJK SC"


@lru_cache(maxsize=4)
def _to_area(crs: str) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(settings.storage_crs, crs, always_xy=True)


def _projected(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return frame.to_crs(settings.area_crs)


def _extent_box(extent, projects: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    """The view in degrees: given, or the projects' bounds (clipped to the region) with a margin."""
    if extent is not None:
        return tuple(extent)
    if projects.empty:
        return REGION
    w, s, e, n = projects.total_bounds
    w, s, e, n = max(w, REGION[0]), max(s, REGION[1]), min(e, REGION[2]), min(n, REGION[3])
    if not (w < e and s < n):
        return REGION
    dx, dy = max(e - w, 0.2) * 0.08, max(n - s, 0.2) * 0.08
    return (w - dx, s - dy, e + dx, n + dy)


def render(
    projects: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    out: str | Path,
    *,
    title: str,
    subtitle: str = "",
    lang: str = "zh",
    preset: str = "a4-landscape",
    dpi: int = 300,
    extent: tuple[float, float, float, float] | None = None,
    sources: str = "",
    tiles: str | None = None,
    tiles_attribution: str | None = None,
    per_project: bool = False,
) -> Rendered:
    """Draw ``projects`` (already filtered) over ``units`` and save to ``out`` (.png, .pdf or .svg).

    Parameters
    ----------
    units
        Boundaries to draw (web resolution, Chongqing districts and Sichuan cities).
    extent
        (west, south, east, north) in degrees; default: the projects' bounds.
    sources
        The source and data-date line printed at the bottom.
    tiles
        Optional base-map tiles under the boundaries: a key of
        :data:`geo.tiles.BASEMAPS` or an XYZ URL template (see
        :func:`geo.tiles.providers`). Their credit is added to the source line.
        When they cannot be fetched the image is drawn without them and
        ``tiles_error`` of the result says why; an unusable ``tiles`` value
        raises :class:`~geo._errors.TileSourceError` before anything is drawn.
    tiles_attribution
        Credit line for a URL template.
    per_project
        Draw one plot call per project (the old, quadratic way; for the benchmark only).
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    out = Path(out)
    fmt = out.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        raise OptionError("image format", fmt, FORMATS)
    if preset not in PRESETS:
        raise OptionError("preset", preset, PRESETS)
    if tiles:
        from geo import tiles as tile_sources

        tile_sources.providers(tiles, attribution=tiles_attribution)  # refuse a bad source before drawing
    family = cjk_font()
    plt.rcParams.update({"font.family": family, "pdf.fonttype": 42, "svg.fonttype": "none", "axes.unicode_minus": False})
    box = _extent_box(extent, projects)
    view = gpd.GeoSeries([shapely.box(*box)], crs=settings.storage_crs).to_crs(settings.area_crs).total_bounds
    fig = plt.figure(figsize=PRESETS[preset], dpi=100)
    if not per_project:
        # geopandas' plot() ends with canvas.draw_idle(), which on Agg redraws the whole figure
        # (labels included) on every call; the figure is drawn once, when saved.
        fig.canvas.draw_idle = lambda *args, **kwargs: None  # type: ignore[method-assign]
    portrait = PRESETS[preset][0] < PRESETS[preset][1]
    frame = map_box(portrait=portrait)
    ax = fig.add_axes(frame)
    view = _fill_frame(view, aspect=(frame[2] * PRESETS[preset][0]) / (frame[3] * PRESETS[preset][1]))
    ax.set_xlim(view[0], view[2])
    ax.set_ylim(view[1], view[3])
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor("#efefed")  # neutral grey outside the region (pale blue read as sea)

    tiles_credit = tiles_error = ""
    if tiles:
        width_px = int(PRESETS[preset][0] * ax.get_position().width * dpi)
        try:
            tiles_credit = tile_sources.add_tiles(ax, tiles, crs=settings.area_crs, width_px=width_px, attribution=tiles_attribution)
        except TileError as exc:
            tiles_error = str(exc)
    base = _projected(units)
    if tiles_credit:
        base.plot(ax=ax, facecolor="none", edgecolor="#3b4650", linewidth=0.6, zorder=1)
    else:
        base.plot(ax=ax, facecolor="#fbfbf8", edgecolor="#8a97a3", linewidth=0.5, zorder=1)
    _unit_labels(ax, base, view, lang=lang)

    drawn = _projected(projects) if len(projects) else projects
    individual = drawn[~drawn.location_precision.isin(GROUPED_PRECISIONS)] if len(drawn) else drawn
    draw_projects(ax, individual, per_project=per_project)
    _place_badges(ax, projects, view)
    _scale_and_north(ax, font=family, lang=lang)
    visible = drawn[drawn.intersects(shapely.box(*view))] if len(drawn) else drawn  # the legend lists what is in the frame
    categories, statuses, precisions = _legend(fig, visible, lang=lang, portrait=portrait)

    fig.text(0.03, 0.955, title, fontsize=17, weight="bold", va="top")
    if subtitle:
        fig.text(0.03, SUBTITLE_TOP, subtitle, fontsize=SUBTITLE_PT, color="#444", va="top")
    if tiles_credit:
        sources = f"{sources} {t('basemap', lang)}: {tiles_credit}".strip()
    fig.text(0.03, 0.03, sources, fontsize=6.5, color="#555", va="bottom", wrap=True)

    inset = (view[2] - view[0]) < 0.5 * (_region_width())
    if inset:
        _locator_inset(ax, base, view)
    out.parent.mkdir(parents=True, exist_ok=True)
    from geo.io import atomic_path

    with atomic_path(out) as tmp:
        fig.savefig(tmp, dpi=dpi, format=fmt)
    plt.close(fig)
    return Rendered(path=out, drawn_ids=list(projects.id), categories=categories, statuses=statuses, precisions=precisions, extent=box, inset=bool(inset), tiles_credit=tiles_credit, tiles_error=tiles_error)


def _unit_labels(ax: Axes, base: gpd.GeoDataFrame, view, *, lang: str) -> None:
    """Unit names at their representative points, inside the frame and apart (:func:`label_positions`)."""
    from matplotlib import patheffects

    reps = shapely.point_on_surface(base.geometry.values)
    inside = label_positions(shapely.get_x(reps), shapely.get_y(reps), view)
    names = base.name_zh if lang == "zh" else base.name_en
    label_drop = 0.035 * (view[3] - view[1])  # below the place's badge, which sits on the same point
    halo = [patheffects.withStroke(linewidth=2, foreground="white", alpha=0.8)]
    for pt, name in zip(reps[inside], names[inside], strict=True):
        ax.annotate(name, (pt.x, pt.y - label_drop), fontsize=7, color="#55626e", ha="center", va="top", zorder=8, path_effects=halo)


def _place_badges(ax: Axes, projects: gpd.GeoDataFrame, view) -> None:
    """One dashed numbered circle per place of town/district/city-level records (never a surveyed-looking point);
    records known only to a unit count in that unit's circle (:func:`geo.catalog.symbol_points`)."""
    from matplotlib.patches import Circle

    symbols = symbol_points(projects) if len(projects) else None
    if symbols is None or symbols.empty:
        return
    x, y = _to_area(settings.area_crs).transform(symbols.lon.to_numpy(), symbols.lat.to_numpy())
    places = pd.DataFrame({"x": np.round(x, 1), "y": np.round(y, 1), "id": symbols.id.to_numpy()}).groupby(["x", "y"]).id.nunique()
    span = view[2] - view[0]
    for (px, py), n in places.items():
        r = span * (0.006 + 0.0025 * np.log2(max(n, 1)))
        ax.add_patch(Circle((px, py), r, facecolor="white", edgecolor="#555", linestyle=(0, (2, 1.5)), linewidth=0.9, alpha=0.9, zorder=6))
        ax.annotate(str(n), (px, py), fontsize=6, ha="center", va="center", color="#333", zorder=7)


def _scale_and_north(ax: Axes, *, font: str, lang: str) -> None:
    """Scale bar (the axes are in metres of the equal-area projection) and north arrow."""
    from matplotlib_scalebar.scalebar import ScaleBar

    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.add_artist(ScaleBar(1, units="m", location="lower right", length_fraction=0.22, box_alpha=0.7, font_properties={"family": font, "size": 8}))
    ax.annotate("", xy=(0.96, 0.96), xytext=(0.96, 0.88), xycoords="axes fraction", arrowprops={"facecolor": "#222", "width": 3, "headwidth": 10, "headlength": 10})
    ax.annotate(t("north", lang), xy=(0.96, 0.855), xycoords="axes fraction", ha="center", va="top", fontsize=10, weight="bold")


def _legend(fig: Figure, visible: gpd.GeoDataFrame, *, lang: str, portrait: bool) -> tuple[list[str], list[str], list[str]]:
    """The legend of what is in the frame: category families, statuses, precisions; returns those three lists."""
    from matplotlib.lines import Line2D

    categories = [c for c in CATEGORIES if c in set(visible.category)] if len(visible) else []
    statuses = [s for s in STATUSES if s in set(visible.status)] if len(visible) else []
    precisions = [p for p in PRECISIONS if p in set(visible.location_precision)] if len(visible) else []
    handles = _family_handles(categories, lang=lang)
    handles += [Line2D([0], [0], color="#444", linestyle=STATUS_LINESTYLE[s], linewidth=1.6 * STATUS_WEIGHT.get(s, 1.0), label=label(STATUSES, s, lang=lang)) for s in statuses]
    handles += [
        Line2D([0], [0], marker="o", linestyle="none", markersize=5 if p == "exact" else 9, markerfacecolor="#444" if p == "exact" else "white", markeredgecolor="#444", label=label(PRECISIONS, p, lang=lang))
        for p in precisions
    ]
    legend_anchor = (0.75, 0.88) if not portrait else (0.05, 0.25)
    ncol = 2 if portrait else 1  # family labels are long: one column beside the map
    fontsize = 7 if len(handles) > 16 else 7.5
    width = _legend_line_chars(fig.get_figwidth() * (0.45 if portrait else 0.24), fontsize=fontsize, lang=lang)
    for handle in handles:  # a family naming many categories wraps instead of running off the page
        handle.set_label(textwrap.fill(handle.get_label(), width=width, subsequent_indent="  "))
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=legend_anchor, fontsize=fontsize, frameon=False, title=t("legend", lang), title_fontsize=9, ncol=ncol)
    return categories, statuses, precisions


#: Where the subtitle's line starts (figure fraction, from the bottom) and its size in points.
SUBTITLE_TOP, SUBTITLE_PT = 0.905, 10


def map_box(*, portrait: bool) -> tuple[float, float, float, float]:
    """The map's axes (left, bottom, width, height) in figure fractions: beside the legend on a
    landscape page, above it on a portrait one; its top stays below the subtitle's line."""
    return (0.05, 0.27, 0.9, 0.61) if portrait else (0.03, 0.1, 0.7, 0.78)


def _legend_line_chars(column_in: float, *, fontsize: float, lang: str) -> int:
    """How many characters of legend text fit on a line of a ``column_in`` inches wide legend column.

    The symbol and the gaps around it take about 3 em; a Chinese character is 1 em wide, a
    Latin one about 0.6 em on average (a safe bound for the bundled Noto Sans).
    """
    text_pt = column_in * 72 - 3 * fontsize
    return max(10, int(text_pt / (fontsize * (1.0 if lang == "zh" else 0.6))))


def _locator_inset(ax: Axes, base: gpd.GeoDataFrame, view) -> None:
    """A small map of the whole region with the frame in red, in the map's lower-left corner."""
    from matplotlib.patches import Rectangle

    ins = ax.inset_axes((0.0, 0.0, 0.24, 0.24))  # lower-left corner of the map, above the scale bar's row
    ins.set_facecolor("white")
    base.plot(ax=ins, facecolor="#f0f0ec", edgecolor="#aaa", linewidth=0.2)
    ins.add_patch(Rectangle((view[0], view[1]), view[2] - view[0], view[3] - view[1], fill=False, edgecolor="#d62728", linewidth=1.2))
    ins.set_xticks([])
    ins.set_yticks([])
    ins.set_xlabel("")
    ins.set_ylabel("")
    ins.set_aspect("equal")


def _fill_frame(view, *, aspect: float):
    """Widen or heighten ``view`` (x0, y0, x1, y1) about its centre to the frame's width/height ratio.

    The map then fills its frame instead of floating in white margins; nothing
    asked for is cut off.
    """
    x0, y0, x1, y1 = view
    width, height = x1 - x0, y1 - y0
    if width / height < aspect:
        grow = (height * aspect - width) / 2
        return (x0 - grow, y0, x1 + grow, y1)
    grow = (width / aspect - height) / 2
    return (x0, y0 - grow, x1, y1 + grow)


def label_positions(x: np.ndarray, y: np.ndarray, view: tuple[float, float, float, float], *, spacing: float = 0.06) -> np.ndarray:
    """Which labels to draw: those whose text stays inside the frame and clear of the ones kept before.

    A label is kept when its point lies at least 6 % of the frame's width from the left
    and right edges and 6 % of its height from the top and bottom (the text is centred
    below the point), and no kept label is closer than ``spacing`` of the frame's
    width horizontally and 3 % of its height vertically. Greedy, in the units' order
    (Chongqing districts first).
    """
    w, s, e, n = view
    width, height = e - w, n - s
    ok = (x > w + 0.06 * width) & (x < e - 0.06 * width) & (y > s + 0.08 * height) & (y < n - 0.03 * height)
    kept = np.zeros(len(x), dtype=bool)
    for i in np.flatnonzero(ok):
        near = kept & (np.abs(x - x[i]) < spacing * width) & (np.abs(y - y[i]) < 0.03 * height)
        kept[i] = not near.any()
    return kept


def _family_handles(categories: list[str], *, lang: str) -> list:
    """One legend entry per category family drawn, naming the family's categories that are drawn."""
    from matplotlib.patches import Patch

    from geo.styles import FAMILIES, family_name

    sep = t("list_sep", lang)
    handles = []
    for family, (color, _, cats) in FAMILIES.items():
        drawn = [label(CATEGORIES, c, lang=lang) for c in cats if c in categories]
        if drawn:
            name = family_name(family, lang=lang)
            text = name if len(cats) == 1 else t("family_members", lang, family=name, members=sep.join(drawn))
            handles.append(Patch(facecolor=color, edgecolor=color, label=text))
    return handles


def draw_projects(ax: Axes, frame: gpd.GeoDataFrame, *, per_project: bool = False) -> int:
    """Draw individually placed projects on ``ax``: one plot call per style group; returns the number of calls.

    A style group is (category, status, geometry kind, exact or not): every
    member is drawn with the same colour, line style and fill, so drawing them
    together gives the same pixels as drawing them one by one, in time linear in
    the number of projects (one call per project redraws the figure each time:
    quadratic). ``per_project=True`` keeps the old way, for the benchmark.
    """
    import matplotlib

    if frame.empty:
        return 0
    keys = frame.assign(_exact=frame.location_precision == "exact")
    groups = [keys.iloc[[i]] for i in range(len(keys))] if per_project else [g for _, g in keys.groupby(["category", "status", "geom_kind", "_exact"], sort=True)]
    for g in groups:
        first = g.iloc[0]
        color = CATEGORY_COLORS.get(first.category, CATEGORY_COLORS["other"])
        style = STATUS_LINESTYLE.get(first.status, "-")
        fill = STATUS_FILL.get(first.status, 0.0)
        if first.geom_kind == "line":
            width = 1.6 * CATEGORY_WEIGHT.get(first.category, 1.0) * STATUS_WEIGHT.get(first.status, 1.0)
            gpd.GeoSeries(g.geometry.values).plot(ax=ax, color=color, linewidth=width, linestyle=style, zorder=4)
        elif first.geom_kind == "polygon":
            gpd.GeoSeries(g.geometry.values).plot(ax=ax, facecolor=matplotlib.colors.to_rgba(color, 0.05 + 0.12 * fill), edgecolor=color, linewidth=0.9, linestyle=style, zorder=2.5)
        else:
            xy = shapely.get_coordinates(g.geometry.values)
            exact = bool(first._exact)
            marker = SHAPE_MARKER[CATEGORY_SHAPE.get(first.category, "circle")]
            ax.scatter(xy[:, 0], xy[:, 1], marker=marker, s=22 if exact else 70, facecolors=matplotlib.colors.to_rgba(color, fill if exact else fill * 0.5), edgecolors=color, linewidths=1.2, linestyle="-" if exact else (0, (2, 1.5)), zorder=5)
    return len(groups)


@lru_cache(maxsize=1)
def _region_width() -> float:
    b = gpd.GeoSeries([shapely.box(*REGION)], crs=settings.storage_crs).to_crs(settings.area_crs).total_bounds
    return b[2] - b[0]


def parse_extent(text: str) -> tuple[float, float, float, float]:
    """``(west, south, east, north)`` in degrees from ``"w,s,e,n"`` (a full-width comma is accepted).

    Raises
    ------
    FilterError
        Not four numbers, or west ≥ east, south ≥ north, or outside ±180° / ±90°.
    """
    try:
        w, s, e, n = (float(v) for v in text.replace("，", ",").split(","))
    except ValueError:
        raise FilterError("extent", text, ["west,south,east,north in degrees"]) from None
    if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
        raise FilterError("extent", text, ["west < east within ±180, south < north within ±90"])
    return (w, s, e, n)


def drawable(projects: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The records an image can draw: those with a geometry, and those known only to a district or
    city (counted in that unit's symbol, :func:`geo.catalog.symbol_points`). Region-wide records
    have no place and are left out."""
    if not len(projects):
        return projects
    placed = ~(projects.geometry.isna() | projects.geometry.is_empty).to_numpy()
    in_symbol = projects["id"].isin(symbol_points(projects)["id"]).to_numpy()
    return projects[placed | in_symbol]


def briefing_subtitle(atlas: Atlas, spec: FilterSpec, projects: gpd.GeoDataFrame, *, lang: str = "zh") -> str:
    """The subtitle of a briefing image: what was filtered, then how many records are drawn."""
    described = spec.describe(lang=lang, plan_titles=atlas.plan_titles(lang=lang), district_names=atlas.district_names(lang=lang))
    return f"{described} · {len(drawable(projects))}"


def briefing(
    atlas: Atlas,
    projects: gpd.GeoDataFrame,
    out: str | Path,
    *,
    title: str | None = None,
    subtitle: str = "",
    lang: str = "zh",
    units: gpd.GeoDataFrame | None = None,
    **options,
) -> Rendered:
    """The briefing image of a filtered selection, as both the CLI (``python -m geo render``) and the Export page make it.

    Draws the :func:`drawable` records over the web-resolution filter units, with the
    default title (``briefing_title``) when ``title`` is None and the :func:`source_line`
    of the selection. ``options`` go to :func:`render` (``preset``, ``dpi``, ``extent``,
    ``tiles``, ``tiles_attribution``).
    """
    from geo import boundaries

    shown = drawable(projects)
    units = boundaries.filter_units(resolution="web") if units is None else units
    title = title.replace("$", r"\$") if title else t("briefing_title", lang)  # typed text, never matplotlib math
    return render(
        shown, units, out, title=title, subtitle=subtitle.replace("$", r"\$"), lang=lang,
        sources=source_line(atlas, shown, lang=lang), **options,
    )


def source_line(atlas: Atlas, projects: pd.DataFrame, *, lang: str = "zh") -> str:
    """"Sources: plans …; boundaries …; data as of …" for the bottom of an image."""
    plan_ids = list(dict.fromkeys(p for ids in projects.plan_ids for p in ids)) or list(atlas.plans)
    plans = t("plan_sep", lang).join(atlas.plans[p].short(lang) for p in plan_ids)
    latest = max((str(d) for d in projects.status_as_of), default="")
    return t("image_sources", lang, plans=plans, boundaries=credit(lang), latest=latest) + _osm_credit(projects, lang)


def _osm_credit(projects: pd.DataFrame, lang: str) -> str:
    """" 部分项目几何:© OpenStreetMap 贡献者,ODbL 许可。" when a drawn record's geometry comes from OSM, else ""."""
    from geo.osm import credit_line

    line = credit_line(projects, lang=lang)
    if line is None:
        return ""
    return t("image_osm_credit", lang, credit=line)
