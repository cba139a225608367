"""Every URL parameter of the app, parsed in one place (issue 11).

A shared link holds the filters (:meth:`geo.filters.FilterSpec.to_query`),
the language (``lang``), the base map (``base``), the district shading
(``shade``), the map's view (``lat``, ``lon``, ``z``; WGS84 degrees and a
Leaflet zoom) and the selection (``p``: a project id or a place key
``G:lon,lat``). :func:`parse_query` turns a query string into one typed
:class:`UrlState` and a list of :class:`Problem` (parameter, value, reason):
a bad value is dropped, never raised, so a crafted link can only ever cost
its own parameter. The pages word the problems in their language
(``geo.i18n`` keys ``url_<reason>``) and escape the echoed values.

Edge cases
----------
- A parameter given more than once: list filters take every value; any
  other parameter keeps its value when all copies agree, else it is dropped
  (``repeated``).
- Numbers are plain decimals (``29.5``, ``-3``): ``nan``, ``inf``, ``1e3``,
  hexadecimal and anything over 20 characters are ``not_a_number``.
- ``lat`` and ``lon`` come together (``view_incomplete``); ``z`` defaults to
  :data:`DEFAULT_ZOOM`; out-of-range values are ``out_of_range``.
- Values longer than :data:`MAX_VALUE_CHARS` are ``too_long`` (``q`` is cut
  to 100 characters instead, as the search box does).
- At most :data:`MAX_PROBLEMS` problems are kept; the rest are counted in a
  last ``more`` problem. Unknown parameter names are ignored silently (other
  tools append their own, e.g. tracking tags).
"""

from __future__ import annotations

import math
import re
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from geo.filters import FilterSpec

#: The languages of the interface (``lang``); the first is the default.
LANGS = ("zh", "en")
#: The district shadings of the map page (``shade``); the first is the default.
SHADES = ("none", "count", "rail")
DEFAULT_ZOOM = 10
ZOOM_RANGE = (1, 19)
MAX_VALUE_CHARS = 1000
MAX_PROBLEMS = 8
#: Parameters this module reads besides the filters' (FilterSpec.to_query).
MAP_PARAMETERS = ("lang", "base", "shade", "lat", "lon", "z", "p")

_NUMBER = re.compile(r"-?[0-9]{1,4}(?:\.[0-9]{1,15})?")
_PLACE = re.compile(r"G:(-?[0-9]{1,3}(?:\.[0-9]{1,12})?),(-?[0-9]{1,2}(?:\.[0-9]{1,12})?)")


@dataclass(frozen=True)
class Problem:
    """One URL value that was dropped: which ``parameter``, the ``value`` given and the ``reason`` (a code).

    ``reason`` is one of ``unknown_value``, ``not_a_year``, ``year_order``,
    ``not_a_number``, ``out_of_range``, ``view_incomplete``, ``bad_project``,
    ``repeated``, ``too_long``, ``more``; :mod:`geo.i18n` words each as
    ``url_<reason>``.
    """

    parameter: str
    value: str
    reason: str


@dataclass(frozen=True)
class View:
    """A map view: centre (WGS84 degrees), Leaflet zoom and, when the browser reported it, the visible box.

    ``bounds`` is (west, south, east, north) in WGS84 degrees or None (a view
    read from a link has a centre and a zoom only).
    """

    lat: float
    lon: float
    z: int = DEFAULT_ZOOM
    bounds: tuple[float, float, float, float] | None = None

    def to_query(self) -> dict[str, str]:
        """``{"lat", "lon", "z"}`` rounded to what one screen pixel at zoom ``z`` can tell apart (:func:`view_decimals`)."""
        d = view_decimals(self.z)
        return {"lat": f"{self.lat:.{d}f}", "lon": f"{self.lon:.{d}f}", "z": str(self.z)}


@dataclass(frozen=True)
class UrlState:
    """Everything a link can set, parsed (:func:`parse_query`); defaults are an empty link's."""

    spec: FilterSpec = field(default_factory=FilterSpec)
    lang: str = LANGS[0]
    base: str = "none"
    shade: str = SHADES[0]
    view: View | None = None
    selected: str | None = None


def view_decimals(z: int) -> int:
    """Decimals of a degree that one 256-pixel-tile screen pixel resolves at zoom ``z`` (2 at z 7, 3 at z 10, 5 at z 17).

    The map's view script (:mod:`layers.view`) rounds with the same rule.
    """
    return max(0, math.ceil(math.log10(256 * 2**z / 360)))


def place_key(lon: float, lat: float) -> str:
    """The selection key of a place symbol (``G:lon,lat``, 5 decimals): the same key in links, tooltips and clicks."""
    return f"G:{lon:.5f},{lat:.5f}"


def parse_number(text: str, *, low: float, high: float) -> float | str:
    """A plain decimal within ``[low, high]``, else the reason (``not_a_number``, ``out_of_range``)."""
    text = text.strip()
    if len(text) > 20 or not _NUMBER.fullmatch(text):
        return "not_a_number"
    value = float(text)
    return value if low <= value <= high else "out_of_range"


def parse_view(lat: str | None, lon: str | None, z: str | None = None) -> tuple[View | None, list[Problem]]:
    """The view of ``lat``/``lon``/``z`` texts; nothing given is no view and no problem."""
    if lat is None and lon is None:
        return None, [Problem("z", z, "view_incomplete")] if z is not None else []
    if lat is None or lon is None:
        given = ("lat", lat) if lat is not None else ("lon", lon)
        return None, [Problem(given[0], str(given[1]), "view_incomplete")]
    problems = []
    y = parse_number(lat, low=-90, high=90)
    x = parse_number(lon, low=-180, high=180)
    zoom = parse_number(z, low=ZOOM_RANGE[0], high=ZOOM_RANGE[1]) if z is not None else float(DEFAULT_ZOOM)
    for name, text, value in (("lat", lat, y), ("lon", lon, x), ("z", z, zoom)):
        if isinstance(value, str):
            problems.append(Problem(name, str(text), value))
    if isinstance(zoom, float) and not zoom.is_integer():
        problems.append(Problem("z", str(z), "not_a_number"))
    if problems:
        return None, problems
    return View(lat=float(y), lon=float(x), z=int(zoom)), []


def parse_reported_view(text: str | None) -> View | None:
    """The view the map's script reported (``lat,lon,z,west,south,east,north``), or None when absent or malformed."""
    if not text or len(text) > 200:
        return None
    parts = text.split(",")
    if len(parts) != 7:
        return None
    view, problems = parse_view(*parts[:3])
    box = [parse_number(v, low=-180 if i % 2 == 0 else -90, high=180 if i % 2 == 0 else 90) for i, v in enumerate(parts[3:])]
    if view is None or problems or any(isinstance(v, str) for v in box):
        return None
    w, s, e, n = (float(v) for v in box)
    return View(view.lat, view.lon, view.z, bounds=(w, s, e, n) if w < e and s < n else None)


def parse_selection(text: str, *, project_ids: Container[str]) -> str | Problem:
    """A known project id or a place key ``G:lon,lat`` (normalised by :func:`place_key`), else a ``bad_project`` problem."""
    text = text.strip()
    if text in project_ids:
        return text
    m = _PLACE.fullmatch(text)
    if m:
        lon, lat = float(m.group(1)), float(m.group(2))
        if -180 <= lon <= 180 and -90 <= lat <= 90:
            return place_key(lon, lat)
    return Problem("p", text, "bad_project")


def _single(query: Mapping, key: str, problems: list[Problem]) -> str | None:
    """The one value of ``key`` (all copies equal), or None with a problem (repeated, too long)."""
    raw = query.get(key)
    if raw is None:
        return None
    values = [str(v) for v in raw] if isinstance(raw, (list, tuple)) else [str(raw)]
    if not values:
        return None
    if len(set(values)) > 1:
        problems.append(Problem(key, " / ".join(values), "repeated"))
        return None
    if len(values[0]) > MAX_VALUE_CHARS and key != "q":
        problems.append(Problem(key, values[0], "too_long"))
        return None
    return values[0]


def _choice(query: Mapping, key: str, allowed: Sequence[str], problems: list[Problem]) -> str:
    value = _single(query, key, problems)
    if value is None:
        return allowed[0]
    if value in allowed:
        return value
    problems.append(Problem(key, value, "unknown_value"))
    return allowed[0]


def parse_query(
    query: Mapping[str, str | Sequence[str]], *, plan_ids: Iterable[str], district_codes: Iterable[str], project_ids: Container[str],
    basemaps: Sequence[str] = ("none",),
) -> tuple[UrlState, list[Problem]]:
    """Every parameter of a link as one :class:`UrlState`, and what was dropped.

    Parameters
    ----------
    query
        Parameter → value, or → list of values when repeated (as
        ``st.query_params.get_all`` gives them).
    plan_ids, district_codes, project_ids
        The known values of ``plan``, ``district`` and ``p`` (``project_ids``
        is only asked ``in``, and only when ``p`` is given).
    basemaps
        The base maps this server offers (``geo.tiles.available()``), default first.

    Returns
    -------
    The state (defaults where a value was missing or dropped) and the
    problems, at most :data:`MAX_PROBLEMS` (+ one ``more``). See the module
    docstring for the edge cases.
    """
    problems: list[Problem] = []
    filters = {}
    for key, raw in query.items():
        values = list(raw) if isinstance(raw, (list, tuple)) else [raw]
        if key in MAP_PARAMETERS:
            continue
        if key != "q" and any(len(str(v)) > MAX_VALUE_CHARS for v in values):
            problems.append(Problem(key, str(values[0]), "too_long"))
            continue
        filters[key] = values if len(values) > 1 else values[0]
    for key in ("from", "to", "q"):  # single-valued filters
        if key in filters:
            filters[key] = _single(filters, key, problems)
            if filters[key] is None:
                del filters[key]
    spec, filter_problems = FilterSpec.parse_query(filters, plan_ids=plan_ids, district_codes=district_codes)
    problems += [Problem(*p) for p in filter_problems]
    lang = _choice(query, "lang", LANGS, problems)
    base = _choice(query, "base", basemaps, problems)
    shade = _choice(query, "shade", SHADES, problems)
    before = len(problems)
    texts = [_single(query, k, problems) for k in ("lat", "lon", "z")]
    view, view_problems = parse_view(*texts) if len(problems) == before else (None, [])  # a repeated lat is reason enough
    problems += view_problems
    raw_p = _single(query, "p", problems)
    selected = parse_selection(raw_p, project_ids=project_ids) if raw_p else None
    if isinstance(selected, Problem):
        problems.append(selected)
        selected = None
    if len(problems) > MAX_PROBLEMS:
        problems = [*problems[:MAX_PROBLEMS], Problem("…", str(len(problems) - MAX_PROBLEMS), "more")]
    return UrlState(spec=spec, lang=lang, base=base, shade=shade, view=view, selected=selected), problems


__all__ = ["LANGS", "SHADES", "Problem", "UrlState", "View", "parse_query", "parse_reported_view", "parse_selection", "parse_view", "place_key", "view_decimals"]
