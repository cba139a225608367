"""Every check on project records. Checks report; they never change the input.

A :class:`Report` lists each :class:`Problem` with the record's id (or its
row number when the id itself is missing), the field and what is wrong.
Errors make ``python -m geo validate`` exit non-zero; warnings do not.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
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
    """The problems found in one file or frame."""

    source: str
    records: int
    problems: list[Problem] = field(default_factory=list)
    repaired: gpd.GeoSeries | None = None

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


def check_records(frame: gpd.GeoDataFrame, *, plan_ids: Iterable[str] | None = None, source: str = "<frame>") -> Report:
    """Check every record of a project frame; return the report (the frame is not changed).

    Checks, each reported with the record id and field:
    required fields; duplicate ids; category, status, precision, source
    CRS, kind, location source, action in their vocabularies; schema v2
    notes in both languages and in a neutral voice (first-person wording is a
    warning here, an error in the catalog build); ``scope`` for region
    records, whose geometry must be null (null geometry is an error for any
    other precision); plan ids known; quotes present;
    target years plausible; dates ISO; geometry present, of an allowed type,
    non-empty and valid (a repaired version is offered in
    ``report.repaired``, never applied); coordinates that are metres
    (a projected CRS read as degrees), swapped lat/lon, or outside the region.
    """
    plan_ids = set(plan_ids) if plan_ids is not None else load_plan_ids()
    ids = _ids(frame)
    report = Report(source=source, records=len(frame))
    add = report.problems.append

    def problem(i, fld, msg, severity="error"):
        add(Problem(row=int(i), record=ids[i], field=fld, message=msg, severity=severity))

    # Fields.
    for fld in REQUIRED_FIELDS:
        if fld not in frame.columns:
            add(Problem(None, None, fld, f"required field missing from every record ({len(frame)})"))
            continue
        for i in np.flatnonzero([_missing(v) for v in frame[fld]]):
            problem(i, fld, "required field is empty")
    if "id" in frame.columns:
        seen: dict[str, int] = {}
        for i, rid in enumerate(ids):
            if rid is None:
                continue
            if rid in seen:
                problem(i, "id", f"duplicate id (also row {seen[rid]})")
            else:
                seen[rid] = i
    vocabularies = {
        "category": CATEGORIES,
        "status": STATUSES,
        "location_precision": PRECISIONS,
        "source_crs": SOURCE_CRSS,
    }
    vocabularies.update({"kind": KINDS, "location_source": LOCATION_SOURCES})
    for fld, vocab in vocabularies.items():
        if fld not in frame.columns:
            continue
        for i, value in enumerate(frame[fld]):
            if not _missing(value) and value not in vocab:
                problem(i, fld, f"unknown value {value!r}; expected one of: {', '.join(vocab)}")
    _check_v2(frame, problem, add)
    if "status_as_of" in frame.columns:
        for i, value in enumerate(frame["status_as_of"]):
            if not _missing(value) and not _DATE.match(str(value)):
                problem(i, "status_as_of", f"not an ISO date (YYYY, YYYY-MM or YYYY-MM-DD): {value!r}")
    if "status_source" in frame.columns:
        for i, value in enumerate(frame["status_source"]):
            if not _missing(value) and value not in plan_ids:
                problem(i, "status_source", f"plan id {value!r} is not in plans.json")
    if "plans" in frame.columns:
        for i, attributions in enumerate(frame["plans"]):
            if _missing(attributions):
                continue
            if not isinstance(attributions, list):
                problem(i, "plans", "must be a list of plan attributions")
                continue
            for k, att in enumerate(attributions):
                where = f"plans[{k}]"
                if not isinstance(att, dict):
                    problem(i, where, "must be an object")
                    continue
                for fld in REQUIRED_ATTRIBUTION_FIELDS:
                    if fld not in att or (fld != "verb" and _missing(att.get(fld))):
                        problem(i, f"{where}.{fld}", "required field is missing")
                if att.get("plan") and att["plan"] not in plan_ids:
                    problem(i, f"{where}.plan", f"plan id {att['plan']!r} is not in plans.json")
                if att.get("action") and att["action"] not in ACTIONS:
                    problem(i, f"{where}.action", f"unknown action {att['action']!r}; expected one of: {', '.join(ACTIONS)}")
                year = att.get("target_year")
                if year is not None and not (isinstance(year, int) and 2000 <= year <= 2060):
                    problem(i, f"{where}.target_year", f"not a year between 2000 and 2060: {year!r}")
    _check_geometry(frame, problem, report)
    return report


def _check_v2(frame: gpd.GeoDataFrame, problem, add) -> None:
    """Schema v2 fields: both notes, neutral voice, ``scope`` of region records, ``osm_ids``.

    A v1 file (``location_note`` only, no v2 note fields) gets one file-level
    warning instead of an error per record, so today's files stay readable.
    """
    columns = set(frame.columns)
    if not {"location_note_zh", "location_note_en"} & columns:
        if "location_note" in columns:
            add(Problem(None, None, "location_note_zh", "schema v1 file: location_note only (no location_note_zh / location_note_en)", "warning"))
    else:
        for fld in ("location_note_zh", "location_note_en"):
            values = frame[fld] if fld in columns else [None] * len(frame)
            for i in np.flatnonzero([_missing(v) for v in values]):
                problem(i, fld, "location note is empty: say how the place was chosen")
    for fld in NOTE_FIELDS:
        if fld not in columns:
            continue
        for i, value in enumerate(frame[fld]):
            words = first_person_words(value)
            if words:
                problem(i, fld, f"first-person wording {', '.join(dict.fromkeys(words))!r}: state the evidence in a neutral voice", "warning")
    if "location_precision" in columns:
        scopes = frame["scope"] if "scope" in columns else [None] * len(frame)
        placeless = shapely.is_missing(np.asarray(frame.geometry.values, dtype=object))
        for i, (precision, scope) in enumerate(zip(frame["location_precision"], scopes, strict=True)):
            if (precision == "region" or placeless[i]) and (_missing(scope) or not isinstance(scope, str)):
                problem(i, "scope", "a record without geometry must name the area it is known to be in (scope)")
    if "osm_ids" in columns:
        sources = frame["location_source"] if "location_source" in columns else [None] * len(frame)
        for i, (ids, source) in enumerate(zip(frame["osm_ids"], sources, strict=True)):
            if _missing(ids):
                continue
            if not isinstance(ids, list) or not all(isinstance(v, str) and _OSM_ID.match(v) for v in ids):
                problem(i, "osm_ids", f"must be a list like ['way/123', 'node/6']: {ids!r}")
            elif source != "openstreetmap":
                problem(i, "osm_ids", f"OSM ids given but location_source is {source!r}, not 'openstreetmap'")


def _check_geometry(frame: gpd.GeoDataFrame, problem, report: Report) -> None:
    geoms = frame.geometry.values
    missing = shapely.is_missing(np.asarray(geoms, dtype=object))
    precision = frame["location_precision"] if "location_precision" in frame.columns else pd.Series([None] * len(frame))
    region = (precision == "region").to_numpy()
    placeless = precision.isin(PLACELESS_PRECISIONS).to_numpy()
    for i in np.flatnonzero(missing & ~placeless):
        problem(i, "geometry", "missing geometry (only a record known just to a district, city or region may have none)")
    for i in np.flatnonzero(~missing & region):
        problem(i, "geometry", "a region record (location_precision 'region') has no place of its own: its geometry must be null")
    if "location_source" in frame.columns:
        source = frame["location_source"].to_numpy()
        for i in np.flatnonzero(missing & placeless & (source != "none") & pd.notna(source)):
            problem(i, "location_source", "a record without geometry has location_source 'none'")
        for i in np.flatnonzero(~missing & (source == "none")):
            problem(i, "location_source", "location_source 'none' but the record has a geometry")
    present = ~missing
    types = np.array(shapely.get_type_id(np.asarray(geoms, dtype=object)))
    names = {0: "Point", 1: "LineString", 2: "LinearRing", 3: "Polygon", 4: "MultiPoint", 5: "MultiLineString", 6: "MultiPolygon", 7: "GeometryCollection"}
    for i in np.flatnonzero(present):
        if names.get(int(types[i])) not in GEOMETRY_TYPES:
            problem(i, "geometry", f"geometry type {names.get(int(types[i]), types[i])} is not allowed")
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
    # Coordinates: one pass over every vertex, results folded back per record.
    xy, owner = shapely.get_coordinates(geoms[usable], return_index=True)
    if len(xy) == 0:
        return
    rows = np.flatnonzero(usable)[owner]
    checks = [
        (coords.looks_swapped(xy[:, 0], xy[:, 1]), "latitude and longitude look swapped (x is a latitude, y a longitude)"),
        (coords.looks_projected(xy[:, 0], xy[:, 1]), "coordinates are metres, not degrees: a projected CRS (e.g. CGCS2000 Gauss–Krüger) read as WGS84; reproject to EPSG:4326 first"),
    ]
    flagged = np.zeros(len(frame), dtype=bool)
    for bad, message in checks:
        for i in np.unique(rows[bad]):
            if not flagged[i]:
                first = xy[rows == i][0]
                problem(i, "geometry", f"{message}; first vertex ({first[0]:.6g}, {first[1]:.6g})")
                flagged[i] = True
    outside = ~coords.in_region(xy[:, 0], xy[:, 1])
    w, s, e, n = settings.region_bounds
    for i in np.unique(rows[outside]):
        if not flagged[i]:
            first = xy[(rows == i) & outside][0]
            problem(i, "geometry", f"vertex ({first[0]:.6f}, {first[1]:.6f}) is outside the region ({w}–{e}°E, {s}–{n}°N)")


def validate_file(path: str | Path, *, input_crs: str | None = None, plan_ids: Iterable[str] | None = None) -> tuple[gpd.GeoDataFrame | None, Report]:
    """Read and check a project file. The file is never changed.

    Returns the frame as read (every record, bad ones included) and the
    report. A file that cannot be read at all gives ``(None, report)`` with
    one file-level error.
    """
    from geo import io
    from geo._errors import DataFileError

    try:
        frame, read_problems, meta = io.read_projects(path, input_crs=input_crs)
    except DataFileError as exc:
        report = Report(source=str(path), records=0)
        report.problems.append(Problem(None, None, "file", exc.reason))
        return None, report
    report = check_records(frame, plan_ids=plan_ids, source=str(path))
    ids = _ids(frame)
    read = [Problem(row=r, record=ids[r] if r < len(ids) else None, field=f, message=m) for r, f, m in read_problems]
    # A geometry that failed to parse is reported once, by the reader.
    parsed_fail = {(p.row, "geometry") for p in read if p.field in ("geometry", "wkt") or "/" in p.field}
    report.problems = read + [p for p in report.problems if not (p.field == "geometry" and p.message == "missing geometry" and (p.row, "geometry") in parsed_fail)]
    declared = meta.get("declared_crs")
    if declared and not any(code in declared.replace("::", ":") for code in ("4326", "CRS84", "4490")):
        report.problems.append(Problem(None, None, "crs", f"file declares CRS {declared!r}; RFC 7946 GeoJSON is WGS84 only", "error" if meta["format"] in ("geojson", "json") else "warning"))
    if meta.get("encoding") == "GBK":
        report.problems.append(Problem(None, None, "encoding", "file is GBK-encoded; read as GBK, exports are UTF-8", "warning"))
    return frame, report
