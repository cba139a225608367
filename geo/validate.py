"""Every check on project records. Checks report; they never change the input.

A :class:`Report` lists each :class:`Problem` with the record's id (or its
row number when the id itself is missing), the field and what is wrong.
Errors make ``python -m geo validate`` exit non-zero; warnings do not.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import coords, settings
from geo.model import (
    ACTIONS,
    CATEGORIES,
    GEOMETRY_TYPES,
    KINDS,
    LOCATION_SOURCES,
    PLACELESS_PRECISIONS,
    PRECISIONS,
    REQUIRED_ATTRIBUTION_FIELDS,
    REQUIRED_FIELDS,
    SOURCE_CRSS,
    STATUSES,
)

_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
#: First-person or personal-knowledge wording that a location note must not use.
_ROMAN_CONTEXT = ("phase", "Phase", "stage", "Stage", "line", "Line", "part", "Part", "class", "Class", "grade", "Grade", "type", "Type", "section", "Section", "zone", "Zone", "block", "Block", "period", "Period")
_FIRST_PERSON = re.compile(
    "".join(f"(?<!{w} )" for w in _ROMAN_CONTEXT)
    + r"(?<![A-Za-z])(I|I'm|I've|me|my|we|We|our|Our|ours)(?![A-Za-z'])|general knowledge|known to me|我们|我|笔者|本人",
)
_OSM_ID = re.compile(r"^(node|way|relation)/\d+$")
NOTE_FIELDS = ("location_note_zh", "location_note_en", "location_note")


def first_person_words(text: object) -> list[str]:
    """The first-person words of ``text`` ("I", "my", "we", "我", "general knowledge", …), in order.

    Notes must state their evidence in a neutral voice ("At Xipeng town
    (GeoNames point)"), never as someone's memory ("not known to me").
    Non-strings give an empty list.
    """
    if not isinstance(text, str):
        return []
    return [m.group(0) for m in _FIRST_PERSON.finditer(text)]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one record (``row`` is the 0-based position in the file)."""

    row: int | None
    record: str | None
    field: str
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        who = f"record {self.record}" if self.record else f"row {self.row}" if self.row is not None else "file"
        if self.record and self.row is not None:
            who += f" (row {self.row})"
        return f"{self.severity.upper()}: {who}: {self.field}: {self.message}"


@dataclass
class Report:
    """The problems found in one file or frame.

    ``reading`` holds the reading notes (:func:`geo.io.reading_notes`: fields
    renamed, CRS reprojected, GBK, Z dropped), which are also among the
    ``problems`` as warnings.
    """

    source: str
    records: int
    problems: list[Problem] = field(default_factory=list)
    repaired: gpd.GeoSeries | None = None
    reading: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([p.__dict__ for p in self.problems], columns=["row", "record", "field", "message", "severity"])

    def __str__(self) -> str:
        lines = [str(p) for p in self.problems]
        lines.append(f"{self.source}: {self.records} records, {len(self.errors)} errors, {len(self.warnings)} warnings")
        return "\n".join(lines)


def load_plan_ids(path: Path | None = None) -> set[str]:
    """The plan ids of ``data/plans.json``."""
    with open(path or settings.plans_path, encoding="utf-8") as fh:
        return {p["id"] for p in json.load(fh)}


def _ids(frame: pd.DataFrame) -> list[str | None]:
    if "id" not in frame.columns:
        return [None] * len(frame)
    return [None if (v is None or (isinstance(v, float) and np.isnan(v)) or v == "") else str(v) for v in frame["id"]]


def _missing(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    return bool(isinstance(value, (str, list)) and len(value) == 0)


#: The documented id forms: ``P`` + 8 hex digits (built catalog) and ``N`` + 8 hex digits (a new record of the workbench).
ID_PATTERN = re.compile(r"^[PN][0-9A-Fa-f]{8}$")
#: Also accepted: plain ids of test fixtures and other tools (letters, digits, ``_``, ``-``; starting with a letter or digit).
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
#: Longest accepted name (characters); a longer one is refused before any slow step (pinyin, search).
MAX_NAME_CHARS = 500
_GEOMETRY_NAMES = {0: "Point", 1: "LineString", 2: "LinearRing", 3: "Polygon", 4: "MultiPoint", 5: "MultiLineString", 6: "MultiPolygon", 7: "GeometryCollection"}


def _is_text(value: object) -> bool:
    return isinstance(value, str)


def _type_name(value: object) -> str:
    return {list: "a list", dict: "an object", bool: "true/false"}.get(type(value), f"a {type(value).__name__}")


def check_records(frame: gpd.GeoDataFrame, *, plan_ids: Iterable[str] | None = None, source: str = "<frame>") -> Report:
    """Check every record of a project frame; return the report (the frame is not changed).

    Checks, each reported with the record id and field:
    required fields; ids of the documented forms (``P``/``N`` + 8 hex digits;
    anything with a path, control character,
    formula sign or a non-text id is an error; plain letters and digits pass)
    and unique; category, status,
    precision, source CRS, kind, location source, action in their
    vocabularies (a value of the wrong type, e.g. a list, is an error); names
    of bounded length; schema v2 notes in both languages and in a neutral
    voice (first-person wording is a warning here, an error in the catalog
    build); ``scope`` for region records, whose geometry must be null (null
    geometry is an error for any other precision); plan ids known; quotes
    present; target years plausible; dates ISO; geometry present, of an
    allowed type, non-empty and valid (a repaired version is offered in
    ``report.repaired``, never applied); coordinates that are metres (a
    projected CRS read as degrees), not longitudes at all, swapped lat/lon, or
    outside the region (points and polygons: Chongqing ∪ Sichuan with a
    margin; lines: the wide box). An empty frame gets one warning.
    """
    plan_ids = set(plan_ids) if plan_ids is not None else load_plan_ids()
    # A record is named by its id only when the id is one (never echo a path, a NUL or a terminal escape).
    ids = [v if v is not None and _id_problem(v) is None else None for v in _ids(frame)]
    report = Report(source=source, records=len(frame))
    add = report.problems.append
    if len(frame) == 0:
        add(Problem(None, None, "features", "no records", "warning"))
        return report

    def problem(i, fld, msg, severity="error"):
        add(Problem(row=int(i), record=ids[i], field=fld, message=msg, severity=severity))

    _check_required(frame, problem, add)
    _check_ids(frame, problem)
    _check_vocabularies(frame, problem)
    _check_names(frame, problem)
    _check_v2(frame, problem, add)
    _check_status(frame, problem, plan_ids)
    if "plans" in frame.columns:
        for i, attributions in enumerate(frame["plans"]):
            _check_attributions(i, attributions, problem, plan_ids)
    _check_geometry(frame, problem, report)
    return report


def _check_required(frame: pd.DataFrame, problem, add) -> None:
    for fld in REQUIRED_FIELDS:
        if fld not in frame.columns:
            add(Problem(None, None, fld, f"required field missing from every record ({len(frame)})"))
            continue
        for i in np.flatnonzero([_missing(v) for v in frame[fld]]):
            problem(i, fld, "required field is empty")


def _id_problem(value: object) -> tuple[str, str] | None:
    """(severity, message) for an id that is not of a documented form, or None."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if not isinstance(value, str):
        return "error", f"must be text like 'P1A2B3C4D', not {_type_name(value)} ({str(value)[:40]!r})"
    if not value or ID_PATTERN.match(value) or _SAFE_ID.match(value):
        return None
    return "error", f"{value[:40]!r} is not an id: P + 8 hex digits expected (no paths, spaces, control characters or formulas)"


def _check_ids(frame: pd.DataFrame, problem) -> None:
    if "id" not in frame.columns:
        return
    seen: dict[str, int] = {}
    for i, value in enumerate(frame["id"]):
        found = _id_problem(value)
        if found:
            problem(i, "id", found[1], found[0])
        if not isinstance(value, str) or not value:
            continue
        if value in seen:
            problem(i, "id", f"duplicate id (also row {seen[value]})")
        else:
            seen[value] = i


def _check_vocabularies(frame: pd.DataFrame, problem) -> None:
    vocabularies: dict[str, Collection[str]] = {
        "category": CATEGORIES,
        "status": STATUSES,
        "location_precision": PRECISIONS,
        "source_crs": SOURCE_CRSS,
        "kind": KINDS,
        "location_source": LOCATION_SOURCES,
    }
    for fld, vocab in vocabularies.items():
        for i, value in _text_values(frame, fld, problem, expected=f" (one of: {', '.join(vocab)})"):
            if value not in vocab:
                problem(i, fld, f"unknown value {value[:60]!r}; expected one of: {', '.join(vocab)}")


def _text_values(frame: pd.DataFrame, fld: str, problem, *, expected: str = ""):
    """``(row, value)`` of the present text values of ``fld``; a present non-text value is reported, not yielded."""
    if fld not in frame.columns:
        return
    for i, value in enumerate(frame[fld]):
        if _missing(value):
            continue
        if not _is_text(value):
            problem(i, fld, f"must be text{expected}, not {_type_name(value)}")
        else:
            yield i, value


def _check_names(frame: pd.DataFrame, problem) -> None:
    for fld in ("name_zh", "name_en"):
        for i, value in _text_values(frame, fld, problem):
            if len(value) > MAX_NAME_CHARS:
                problem(i, fld, f"{len(value)} characters; names longer than {MAX_NAME_CHARS} are refused")


def is_iso_date(text: str) -> bool:
    """True for ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` naming a real calendar date (no 2024-13-45)."""
    if not _DATE.match(text):
        return False
    parts = text.split("-")
    try:
        datetime.date(int(parts[0]), int(parts[1]) if len(parts) > 1 else 1, int(parts[2]) if len(parts) > 2 else 1)
    except ValueError:
        return False
    return True


def _check_status(frame: pd.DataFrame, problem, plan_ids: set[str]) -> None:
    if "status_as_of" in frame.columns:
        for i, value in enumerate(frame["status_as_of"]):
            if not _missing(value) and not is_iso_date(str(value)):
                problem(i, "status_as_of", f"not a real ISO date (YYYY, YYYY-MM or YYYY-MM-DD): {str(value)[:40]!r}")
    if "status_source" in frame.columns:
        for i, value in enumerate(frame["status_source"]):
            if not _missing(value) and not (_is_text(value) and value in plan_ids):
                problem(i, "status_source", f"plan id {str(value)[:40]!r} is not in plans.json")


def _check_attributions(i: int, attributions: object, problem, plan_ids: set[str]) -> None:
    if _missing(attributions):
        return
    if not isinstance(attributions, list):
        problem(i, "plans", "must be a list of plan attributions")
        return
    for k, att in enumerate(attributions):
        where = f"plans[{k}]"
        if not isinstance(att, dict):
            problem(i, where, "must be an object")
            continue
        for fld in REQUIRED_ATTRIBUTION_FIELDS:
            if fld not in att or (fld != "verb" and _missing(att.get(fld))):
                problem(i, f"{where}.{fld}", "required field is missing")
        plan, action = att.get("plan"), att.get("action")
        if plan and not (_is_text(plan) and plan in plan_ids):
            problem(i, f"{where}.plan", f"plan id {str(plan)[:40]!r} is not in plans.json")
        if action and not (_is_text(action) and action in ACTIONS):
            problem(i, f"{where}.action", f"unknown action {str(action)[:40]!r}; expected one of: {', '.join(ACTIONS)}")
        year = att.get("target_year")
        if year is not None and not (isinstance(year, int) and 2000 <= year <= 2060):
            problem(i, f"{where}.target_year", f"not a year between 2000 and 2060: {str(year)[:40]!r}")


def _check_v2(frame: gpd.GeoDataFrame, problem, add) -> None:
    """Schema v2 fields: both notes, neutral voice, ``scope`` of region records, ``osm_ids``.

    A v1 file (``location_note`` only, no v2 note fields) gets one file-level
    warning instead of an error per record, so today's files stay readable.
    """
    _check_notes(frame, problem, add)
    _check_scope(frame, problem)
    _check_osm_ids(frame, problem)


def _check_notes(frame: pd.DataFrame, problem, add) -> None:
    columns = set(frame.columns)
    if not {"location_note_zh", "location_note_en"} & columns:
        if "location_note" in columns:
            add(Problem(None, None, "location_note_zh", "schema v1 file: location_note only (no location_note_zh / location_note_en)", "warning"))
    else:
        for fld in ("location_note_zh", "location_note_en"):
            values = frame[fld] if fld in columns else [None] * len(frame)
            for row in np.flatnonzero([_missing(v) for v in values]):
                problem(row, fld, "location note is empty: say how the place was chosen")
    for fld in NOTE_FIELDS:
        if fld not in columns:
            continue
        for i, value in enumerate(frame[fld]):
            if not _missing(value) and not _is_text(value):
                problem(i, fld, f"must be text, not {_type_name(value)}")
                continue
            words = first_person_words(value)
            if words:
                problem(i, fld, f"first-person wording {', '.join(dict.fromkeys(words))!r}: state the evidence in a neutral voice", "warning")


def _check_scope(frame: gpd.GeoDataFrame, problem) -> None:
    if "location_precision" not in frame.columns:
        return
    scopes = frame["scope"] if "scope" in frame.columns else [None] * len(frame)
    placeless = shapely.is_missing(np.asarray(frame.geometry.values, dtype=object))
    for i, (precision, scope) in enumerate(zip(frame["location_precision"], scopes, strict=True)):
        if (precision == "region" or placeless[i]) and (_missing(scope) or not isinstance(scope, str)):
            problem(i, "scope", "a record without geometry must name the area it is known to be in (scope)")


def _check_osm_ids(frame: pd.DataFrame, problem) -> None:
    if "osm_ids" not in frame.columns:
        return
    sources = frame["location_source"] if "location_source" in frame.columns else [None] * len(frame)
    for i, (ids, source) in enumerate(zip(frame["osm_ids"], sources, strict=True)):
        if _missing(ids):
            continue
        if not isinstance(ids, list) or not all(isinstance(v, str) and _OSM_ID.match(v) for v in ids):
            problem(i, "osm_ids", f"must be a list like ['way/123', 'node/6']: {str(ids)[:60]}")
        elif source != "openstreetmap":
            problem(i, "osm_ids", f"OSM ids given but location_source is {str(source)[:40]!r}, not 'openstreetmap'")


def _check_geometry(frame: gpd.GeoDataFrame, problem, report: Report) -> None:
    """Presence (by precision and source), type, emptiness, validity, then every vertex (:func:`_check_vertices`)."""
    geoms = np.asarray(frame.geometry.values, dtype=object)
    missing = _check_presence(frame, geoms, problem)
    present = ~missing
    types = np.array(shapely.get_type_id(geoms))
    for i in np.flatnonzero(present):
        if _GEOMETRY_NAMES.get(int(types[i])) not in GEOMETRY_TYPES:
            problem(i, "geometry", f"geometry type {_GEOMETRY_NAMES.get(int(types[i]), types[i])} is not allowed")
    empty = present & shapely.is_empty(geoms)
    for i in np.flatnonzero(empty):
        problem(i, "geometry", "empty geometry")
    usable = present & ~empty
    invalid = usable & ~shapely.is_valid(geoms)
    if invalid.any():
        reasons = shapely.is_valid_reason(geoms[invalid])
        repaired = shapely.make_valid(geoms[invalid])
        for i, reason in zip(np.flatnonzero(invalid), reasons, strict=True):
            problem(i, "geometry", f"invalid geometry ({reason}); a repaired version is offered (validate --repair), not applied")
        series = gpd.GeoSeries(geoms.copy(), crs=frame.crs)
        series.iloc[np.flatnonzero(invalid)] = repaired
        report.repaired = series
    _check_vertices(geoms, usable, problem)


def _check_presence(frame: pd.DataFrame, geoms: np.ndarray, problem) -> np.ndarray:
    missing = shapely.is_missing(geoms)
    precision = frame["location_precision"] if "location_precision" in frame.columns else pd.Series([None] * len(frame))
    precision = precision.map(lambda v: v if isinstance(v, str) else None)
    region = (precision == "region").to_numpy()
    placeless = precision.isin(PLACELESS_PRECISIONS).to_numpy()
    for i in np.flatnonzero(missing & ~placeless):
        problem(i, "geometry", "missing geometry (only a record known just to a district, city or region may have none)")
    for i in np.flatnonzero(~missing & region):
        problem(i, "geometry", "a region record (location_precision 'region') has no place of its own: its geometry must be null")
    if "location_source" in frame.columns:
        source = frame["location_source"].map(lambda v: v if isinstance(v, str) else None).to_numpy()
        for i in np.flatnonzero(missing & placeless & (source != "none") & pd.notna(source)):
            problem(i, "location_source", "a record without geometry has location_source 'none'")
        for i in np.flatnonzero(~missing & (source == "none")):
            problem(i, "location_source", "location_source 'none' but the record has a geometry")
    return missing


def _first_per_record(rows: np.ndarray, bad: np.ndarray, xy: np.ndarray, flagged: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """(record, first offending vertex) for records with a ``bad`` vertex not yet ``flagged``; linear time."""
    index = np.flatnonzero(bad)
    records, first = np.unique(rows[index], return_index=True)
    out = [(int(r), xy[index[f]]) for r, f in zip(records, first, strict=True) if not flagged[r]]
    flagged[records] = True
    return out


def _check_vertices(geoms: np.ndarray, usable: np.ndarray, problem) -> None:
    """Coordinates: one vectorised pass over every vertex, the first offending vertex reported per record.

    Not degrees (|x| > 180 or |y| > 90): values over 1000 are metres (a
    projected CRS read as WGS84), smaller ones are simply not a longitude /
    latitude. Swapped lat/lon. Outside the region: points and polygons must
    lie in Chongqing ∪ Sichuan with a margin (:func:`in_home_area`),
    lines within ``settings.region_bounds`` (they may run on to other provinces).
    """
    xy, owner = shapely.get_coordinates(geoms[usable], return_index=True)
    if len(xy) == 0:
        return
    rows = np.flatnonzero(usable)[owner]
    x, y = xy[:, 0], xy[:, 1]
    not_degrees = coords.looks_projected(x, y)
    metres = not_degrees & ((np.abs(x) > 1000) | (np.abs(y) > 1000))
    checks = [
        (coords.looks_swapped(x, y), "latitude and longitude look swapped (x is a latitude, y a longitude)"),
        (metres, "coordinates are metres, not degrees: a projected CRS (e.g. CGCS2000 Gauss–Krüger) read as WGS84; reproject to EPSG:4326 first"),
        (not_degrees & ~metres, "not a longitude/latitude (|longitude| ≤ 180, |latitude| ≤ 90)"),
    ]
    flagged = np.zeros(len(geoms), dtype=bool)
    for bad, message in checks:
        for i, first in _first_per_record(rows, bad, xy, flagged):
            problem(i, "geometry", f"{message}; first vertex ({first[0]:.6g}, {first[1]:.6g})")
    dims = shapely.get_dimensions(geoms)[rows]
    w, s, e, n = settings.region_bounds
    outside_box = ~coords.in_region(x, y)
    for i, first in _first_per_record(rows, outside_box & (dims == 1), xy, flagged):  # lines: the wide box
        problem(i, "geometry", f"vertex ({first[0]:.6f}, {first[1]:.6f}) is outside the region ({w}–{e}°E, {s}–{n}°N)")
    for i, first in _first_per_record(rows, outside_box, xy, flagged):
        problem(i, "geometry", f"vertex ({first[0]:.6f}, {first[1]:.6f}) is outside the region ({w}–{e}°E, {s}–{n}°N)")
    away = (dims != 1) & ~in_home_area(x, y)
    for i, first in _first_per_record(rows, away, xy, flagged):
        problem(i, "geometry", f"point or polygon vertex ({first[0]:.6f}, {first[1]:.6f}) is outside Chongqing and Sichuan "
                f"(with a {settings_margin_km():.0f} km margin): check the place; only lines may run on", "warning")


def settings_margin_km() -> float:
    """Margin around Chongqing ∪ Sichuan within which points and polygons are accepted (km)."""
    return float(getattr(settings, "home_margin_km", 20.0))


@lru_cache(maxsize=2)
def _home_area(directory: str, margin_km: float):
    """Chongqing ∪ Sichuan from our boundaries, buffered by ``margin_km`` (in degrees at 30°N), prepared; None without boundaries."""
    from geo import boundaries

    try:
        units = boundaries.filter_units(directory=Path(directory), resolution="web")
    except Exception:  # boundaries not built: fall back to the wide box
        return None
    parts = shapely.simplify(np.asarray(units.geometry.values, dtype=object), 0.01)
    area = shapely.union_all(parts)  # ~0.3 s; the margin hides the simplification (≈ 1 km)
    area = shapely.buffer(area, margin_km / 96.0, quad_segs=2)  # 1° of longitude ≈ 96 km at 30°N
    shapely.prepare(area)
    return area


def in_home_area(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """True where (x, y) lies in Chongqing ∪ Sichuan with the margin ``settings.home_margin_km`` (default 20 km).

    Without built boundaries this is :func:`geo.coords.in_region` (the wide box).
    """
    area = _home_area(str(settings.boundaries_dir), settings_margin_km())
    if area is None:
        return coords.in_region(x, y)
    return shapely.contains_xy(area, np.asarray(x, float), np.asarray(y, float))


def validate_file(
    path: str | Path, *, input_crs: str | None = None, plan_ids: Iterable[str] | None = None, field_map: dict[str, str] | None = None
) -> tuple[gpd.GeoDataFrame | None, Report]:
    """Read and check a project file. The file is never changed.

    Returns the frame as read (every record, bad ones included) and the
    report. A file that cannot be read at all gives ``(None, report)`` with
    one file-level error. ``field_map`` renames fields first
    (:func:`geo.io.read_projects`); the renames used are reported as a warning.
    """
    from geo._errors import DataFileError

    try:
        return read_checked(path, input_crs=input_crs, plan_ids=plan_ids, field_map=field_map)
    except DataFileError as exc:
        report = Report(source=str(path), records=0)
        report.problems.append(Problem(None, None, getattr(exc, "field", "file"), exc.reason))
        return None, report


def read_checked(
    path: str | Path, *, input_crs: str | None = None, plan_ids: Iterable[str] | None = None, field_map: dict[str, str] | None = None
) -> tuple[gpd.GeoDataFrame, Report]:
    """The one reading path of every command: :func:`geo.io.read_projects`, then :func:`check_records`.

    ``validate`` reports what this returns; ``export``, ``join``, ``stats``,
    ``render`` and the app load the catalog through it (:func:`geo.catalog.load`),
    so the same file with the same options (``input_crs``, ``field_map``) gets the
    same verdict everywhere. Reading notes (fields renamed, CRS reprojected, GBK,
    Z dropped, an empty collection) are warnings of the report
    (:func:`geo.io.reading_notes`).

    Raises
    ------
    DataFileError
        The file cannot be read as a whole.
    """
    from geo import io

    frame, read_problems, meta = io.read_projects(path, input_crs=input_crs, field_map=field_map)
    report = check_records(frame, plan_ids=plan_ids, source=str(path))
    ids = [v if v is not None and _id_problem(v) is None else None for v in _ids(frame)]
    read = [Problem(row=r, record=ids[r] if r < len(ids) else None, field=f, message=m) for r, f, m in read_problems]
    # A geometry that failed to parse is reported once, by the reader.
    parsed_fail = {(p.row, "geometry") for p in read if p.field in ("geometry", "wkt", "type") or "/" in p.field}
    report.problems = read + [p for p in report.problems if not (p.field == "geometry" and p.message.startswith("missing geometry") and (p.row, "geometry") in parsed_fail)]
    if len(frame) == 0:
        report.problems = [p for p in report.problems if p.field != "features"]
    report.reading = [Problem(row, ids[row] if row is not None and row < len(ids) else None, fld, message, "warning") for row, fld, message in io.reading_notes(meta)]
    report.problems.extend(report.reading)
    return frame, report
