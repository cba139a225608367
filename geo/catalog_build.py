"""Build ``data/projects.geojson`` from the curated sources in ``data/catalog/``.

Sources (all UTF-8 JSON, edited by hand; see the README's "Correcting a record"):

``extracts/<plan>_*.json``
    What each plan document names: one entry per project with its quotes
    (``mentions``), the district the text states (``admin_stated``) and how
    to place it (``location``). The plan id is the file name's prefix.
``merge.json``
    ``{"other key": "canonical key"}``: names under which documents mention
    the same project, folded into one record with several attributions.
``locations/*.json``
    ``{"key": location}``: a better location than the extract's (line
    waypoints, a known site), same form as an extract's ``location``.
    ``lines.json`` holds railways, metro, roads, bridges and tunnels;
    ``sites.json`` everything else. A key may appear in one file only.
    A rail, metro or expressway record must come out as a line unless its
    entry declares ``not_line`` (``programme`` or ``course_not_stated``,
    :func:`check_line_rule`; docs/DATA_MODEL.md "Lines").
``drop.json``
    ``{"key": "reason"}``: entries that are neither projects nor
    designations (events, slogans), left out of the catalog.
``designations.json``
    ``{"key": "reason"}``: records of kind ``designation`` (see
    docs/DATA_MODEL.md "Projects and designations"); every other record is a
    ``project``.
``distinct.json``
    ``{"key A|key B": "reason"}``: two records whose normalised names and
    category agree but which are different projects. Without an entry here
    or in ``merge.json`` such a pair stops the build.

Placing is :mod:`geo.placement` (finest evidence first; records with no
place become ``region`` records with a ``scope`` and no geometry).

Safety: every source problem raises :class:`geo._errors.CatalogSourceError`
naming the file, the entry key and the field; the built frame is validated
as a whole before anything is written (:class:`geo._errors.CatalogBuildFailed`),
so a failed build leaves the previous catalog untouched.

Status: the most advanced status any attribution implies (plans rarely
move a project backwards), dated by that document; a plan's completion
target ("到2027年建成") never counts as a completion.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import geopandas as gpd
import shapely

from geo import boundaries, io, placement, settings
from geo._errors import CatalogBuildFailed, CatalogSourceError
from geo.catalog import load_plans
from geo.model import ACTIONS, CATEGORIES, LINEAR_CATEGORIES, NOT_LINE_REASONS, STATUS_RANK, STATUSES
from geo.validate import check_records, first_person_words

PROPERTY_ORDER = [
    "id", "kind", "name_zh", "name_en", "aliases", "category", "status", "status_as_of", "status_source",
    "location_precision", "location_source", "scope", "source_crs", "location_note_zh", "location_note_en",
    "osm_ids", "admin_stated", "plans",
]
_ENTRY_FIELDS = ("key", "name_zh", "name_en", "category", "mentions")


def normalise_key(key: str) -> str:
    """Fold spacing and bracket variants so that the same name matches itself."""
    key = key.strip().replace("（", "(").replace("）", ")").replace(" ", "")
    return re.sub(r"[“”\"‘’]", "", key)


def project_id(key: str) -> str:
    """Stable id from the canonical key: it changes only if the key changes."""
    return "P" + hashlib.sha1(normalise_key(key).encode("utf-8")).hexdigest()[:8].upper()


def _read_json(path: Path, default):
    """A JSON source, or ``default`` when the file is absent; malformed JSON names the file and line."""
    if not path.exists():
        return default
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        where = f"line {exc.lineno}, column {exc.colno}: {exc.msg}" if isinstance(exc, json.JSONDecodeError) else str(exc)
        raise CatalogSourceError(path, None, "file", f"not valid UTF-8 JSON ({where})") from exc


def _key_map(path: Path, *, what: str) -> dict[str, str]:
    """A ``{"key": "value"}`` source with normalised keys; anything else names the file."""
    raw = _read_json(path, {})
    if not isinstance(raw, dict) or not all(isinstance(v, str) and v for v in raw.values()):
        raise CatalogSourceError(path, None, "file", f"must be an object mapping each key to {what}")
    return {normalise_key(k): v for k, v in raw.items()}


def check_entry(path: Path, index: int, entry: object) -> None:
    """Raise :class:`CatalogSourceError` (file, key, field) if an extract entry is malformed."""
    if not isinstance(entry, dict):
        raise CatalogSourceError(path, f"#{index}", "entry", "must be an object")
    key = entry.get("key") or f"#{index}"
    for fld in _ENTRY_FIELDS:
        if not entry.get(fld):
            raise CatalogSourceError(path, key, fld, "required field is missing or empty")
    if entry["category"] not in CATEGORIES:
        raise CatalogSourceError(path, key, "category", f"unknown category {entry['category']!r}; expected one of: {', '.join(CATEGORIES)}")
    if not isinstance(entry["mentions"], list):
        raise CatalogSourceError(path, key, "mentions", "must be a list of quotes")
    for k, m in enumerate(entry["mentions"]):
        if not isinstance(m, dict) or not m.get("quote"):
            raise CatalogSourceError(path, key, f"mentions[{k}].quote", "required field is missing or empty")
        if m.get("implied_status") not in (None, *STATUSES):
            raise CatalogSourceError(path, key, f"mentions[{k}].implied_status", f"unknown status {m['implied_status']!r}")
        if m.get("action") not in (None, *ACTIONS):
            raise CatalogSourceError(path, key, f"mentions[{k}].action", f"unknown action {m['action']!r}")
    check_location(path, key, entry.get("location") or {}, field="location")


def check_location(path: Path, key: str, location: object, *, field: str) -> None:
    """Raise :class:`CatalogSourceError` if a location entry is malformed or its notes are first-person."""
    if not isinstance(location, dict):
        raise CatalogSourceError(path, key, field, "must be an object")
    if location.get("kind", "point") not in ("point", "line", "polygon", "none"):
        raise CatalogSourceError(path, key, f"{field}.kind", f"unknown kind {location.get('kind')!r}; expected point, line, polygon or none")
    for k, p in enumerate(location.get("places") or []):
        for c in ("lon", "lat"):
            if p.get(c) is not None and not isinstance(p[c], (int, float)):
                raise CatalogSourceError(path, key, f"{field}.places[{k}].{c}", f"not a number: {p[c]!r}")
    _check_not_line(path, key, location, field=field)
    for note in ("note_zh", "note_en"):
        words = first_person_words(location.get(note))
        if words:
            raise CatalogSourceError(path, key, f"{field}.{note}", f"first-person wording {words[0]!r}: state the evidence in a neutral voice")


def _check_not_line(path: Path, key: str, location: dict, *, field: str) -> None:
    """A ``not_line`` reason must be known, a programme has ``kind: none``, an unknown course no coordinates."""
    reason = location.get("not_line")
    if reason is None:
        return
    if reason not in NOT_LINE_REASONS:
        raise CatalogSourceError(path, key, f"{field}.not_line", f"unknown reason {reason!r}; expected one of: {', '.join(NOT_LINE_REASONS)}")
    if reason == "programme" and location.get("kind") != "none":
        raise CatalogSourceError(path, key, f"{field}.kind", "a programme of several lines has kind 'none' (no geometry, a scope)")
    if reason == "course_not_stated" and placement.coordinates(location.get("places")):
        raise CatalogSourceError(path, key, f"{field}.places", "a course that is not stated has no coordinates: give the line, or drop the places")
    if not (location.get("note_zh") and location.get("note_en")):
        raise CatalogSourceError(path, key, f"{field}.note_zh", "a record that is not drawn as a line says why in note_zh and note_en")


def check_line_rule(rec: dict, where: placement.Placement, override: tuple[dict, Path] | None) -> None:
    """Raise :class:`CatalogSourceError` unless a rail/metro/expressway record is a line or declares why not.

    The rule (docs/DATA_MODEL.md "Lines"): a record of :data:`geo.model.LINEAR_CATEGORIES`
    is built as a (multi-)line, or its curated entry in ``locations/lines.json`` gives
    ``not_line`` (:data:`geo.model.NOT_LINE_REASONS`). A sketched line that misses a stated
    district falls back to a point or to nothing, and is refused here too.
    """
    if rec["category"] not in LINEAR_CATEGORIES:
        return
    if where.geometry is not None and shapely.get_type_id(where.geometry) in (1, 5):
        return
    location, path = override or (None, None)
    if location is not None and location.get("not_line"):
        return
    kind = "no geometry" if where.geometry is None else str(getattr(where.geometry, "geom_type", "a geometry"))
    file, entry = (path, rec["key"]) if path is not None else rec["origins"][0]
    raise CatalogSourceError(
        file, entry, "location",
        f"a {rec['category']} record must be a line but comes out as {kind} ({where.note_en}); give its line in "
        "locations/lines.json, or declare not_line (programme, course_not_stated) with notes saying why",
    )


def line_exceptions(directory: Path | None = None) -> dict[str, str]:
    """``not_line`` reasons of the curated line entries, by project id (see :func:`check_line_rule`)."""
    merge = {k: normalise_key(v) for k, v in _key_map((directory or settings.catalog_dir) / "merge.json", what="the canonical key").items()}
    return {
        project_id(merge.get(key, key)): location["not_line"]
        for key, (location, _) in load_location_overrides(directory).items()
        if location.get("not_line")
    }


def _new_record(entry: dict, key: str, mentions: list, origin: tuple) -> dict:
    return {
        **entry, "key": key, "mentions": mentions, "locations": [entry.get("location") or {}], "origins": [origin],
        "aliases": list(entry.get("aliases") or []), "admin_stated": list(entry.get("admin_stated") or []),
    }


def _fold(rec: dict, entry: dict, mentions: list, origin: tuple) -> None:
    rec["mentions"].extend(mentions)
    rec["locations"].append(entry.get("location") or {})
    rec["origins"].append(origin)
    for alias in [entry["name_zh"], *(entry.get("aliases") or [])]:
        if alias != rec["name_zh"] and alias not in rec["aliases"]:
            rec["aliases"].append(alias)
    for d in entry.get("admin_stated") or []:
        if d not in rec["admin_stated"]:
            rec["admin_stated"].append(d)


def load_sources(directory: Path | None = None) -> tuple[dict[str, dict], list[str]]:
    """Merged records by canonical key, and notes on what was dropped.

    Each record keeps ``origins``: the (file name, entry key) pairs it was
    folded from, so that every later problem can name its sources.
    """
    directory = directory or settings.catalog_dir
    merge = {k: normalise_key(v) for k, v in _key_map(directory / "merge.json", what="the canonical key").items()}
    drop = _key_map(directory / "drop.json", what="the reason")
    records: dict[str, dict] = {}
    notes = []
    for path in sorted((directory / "extracts").glob("*.json")):
        plan = path.stem.split("_")[0]
        entries = _read_json(path, [])
        if not isinstance(entries, list):
            raise CatalogSourceError(path, None, "file", "an extract is a list of entries")
        for index, entry in enumerate(entries):
            check_entry(path, index, entry)
            key = merge.get(normalise_key(entry["key"]), normalise_key(entry["key"]))
            if key in drop:
                notes.append(f"dropped {entry['key']} ({plan}): {drop[key]}")
                continue
            mentions = [{**m, "plan": plan} for m in entry["mentions"]]
            origin = (path.name, entry["key"])
            if key in records:
                _fold(records[key], entry, mentions, origin)
            else:
                records[key] = _new_record(entry, key, mentions, origin)
    return records, notes


def load_location_overrides(directory: Path | None = None) -> dict[str, tuple[dict, Path]]:
    """Location entries by normalised key with their file, from every ``locations/*.json``.

    A key in two files, or a malformed entry, raises :class:`CatalogSourceError`.
    """
    directory = directory or settings.catalog_dir
    out: dict[str, tuple[dict, Path]] = {}
    for path in sorted((directory / "locations").glob("*.json")):
        entries = _read_json(path, {})
        if not isinstance(entries, dict):
            raise CatalogSourceError(path, None, "file", "location entries are an object keyed by the record's key")
        for key, location in entries.items():
            check_location(path, key, location, field="location")
            nkey = normalise_key(key)
            if nkey in out:
                raise CatalogSourceError(path, key, "key", f"location also given in {out[nkey][1]}")
            out[nkey] = (location, path)
    return out


def _best_location(locations: list[dict], override: dict | None) -> dict:
    if override:
        return override

    def score(loc):
        pts = placement.coordinates(loc.get("places"))
        kind = loc.get("kind", "point")
        if kind == "line" and len(pts) >= 2:
            return 5 + len(pts) / 100
        if kind == "polygon" and len(pts) >= 3:
            return 5
        if pts:
            return 4 if pts[0][2] == "exact" else 3
        if loc.get("town"):
            return 2
        return 1 if loc.get("district") else 0

    return max(locations, key=score)


def _reaches(geom, stated: list[str], units) -> bool:
    """True if ``geom`` touches every stated district (or no district is stated).

    A stated Sichuan city is reached through any of its counties.
    """
    if not stated:
        return True
    hit = units[shapely.intersects(units.geometry.values, geom)]
    names = set(hit.name_zh) | set(hit.unit_name_zh)
    return all(d in names for d in stated)


def locate(rec: dict, override: dict | None, units, *, designation: bool = False) -> placement.Placement:
    """The placement of one merged record; coordinates that miss the stated district are not used."""
    location = _best_location(rec["locations"], override)
    ev = placement.Evidence(
        location=location, admin_stated=tuple(rec["admin_stated"]), plan_ids=tuple(dict.fromkeys(m["plan"] for m in rec["mentions"])),
        name_zh=rec["name_zh"], aliases=tuple(rec["aliases"]), quotes=tuple(m["quote"] for m in rec["mentions"]), category=rec["category"], designation=designation, curated=override is not None,
    )
    found = placement.place(ev)
    if found.precision in ("exact", "approximate") and not _reaches(found.geometry, rec["admin_stated"], units):
        stripped = {k: v for k, v in location.items() if k not in ("places", "note_zh", "note_en")} | {"kind": "point"}
        back = placement.place(placement.Evidence(**{**ev.__dict__, "location": stripped}))
        return placement.Placement(
            back.geometry, back.precision, back.source, back.note_zh + ";所给坐标不在所述区县内,未采用",
            back.note_en + "; the sketched coordinates lay outside the stated district and were not used", back.scope,
        )
    return found


def derive_status(mentions: list[dict], plans: dict) -> tuple[str, str, str]:
    """(status, as_of, source plan) from the attributions (see the module docstring)."""
    best = None
    for m in mentions:
        plan = plans[m["plan"]]
        status = m.get("implied_status") or "proposed"
        year = m.get("target_year")
        if plan.kind == "plan" and status in ("completed", "operating") and year and year > int(plan.date[:4]):
            status = "under_construction"  # a completion target is not a completion
        rank = (STATUS_RANK[status], plan.date)
        if best is None or rank > best[0]:
            best = (rank, status, plan.date, plan.id)
    if best is None:
        raise ValueError("a record needs at least one plan attribution")  # the build's sources always give one
    return best[1], best[2], best[3]


def duplicate_key(name_zh: str) -> str:
    """The normalised name two records of one project share: brackets, spaces, quotes and a 重庆/四川 prefix folded."""
    key = normalise_key(name_zh)
    key = re.sub(r"[()（）·、\-—]", "", key)
    return re.sub(r"^(重庆市?|四川省?)", "", key)


def refuse_duplicates(records: dict[str, dict], distinct: dict[str, str], *, path: Path) -> None:
    """Raise :class:`CatalogSourceError` for two records with the same normalised name and category.

    ``distinct`` (``distinct.json``) names the pairs that are different projects,
    as ``"key A|key B"`` in either order.
    """
    seen: dict[tuple[str, str], str] = {}
    allowed = {frozenset(normalise_key(k) for k in pair.split("|")) for pair in distinct}
    for key, rec in records.items():
        group = (duplicate_key(rec["name_zh"]), rec["category"])
        other = seen.get(group)
        if other is not None and frozenset((key, other)) not in allowed:
            first = records[other]["origins"][0]
            raise CatalogSourceError(
                rec["origins"][0][0], rec["origins"][0][1], "name_zh",
                f"same normalised name and category as {other!r} ({first[0]}): fold it in {path.parent / 'merge.json'} or explain the difference in {path}",
            )
        seen.setdefault(group, key)


def _attributions(mentions: list[dict]) -> list[dict]:
    out, seen = [], set()
    for m in mentions:
        if (m["plan"], m["quote"]) in seen:
            continue
        seen.add((m["plan"], m["quote"]))
        out.append({k: m.get(k) for k in ("plan", "verb", "action", "target_year", "quote")})
    return out


def _row(key: str, rec: dict, where: placement.Placement, status: tuple[str, str, str], kind: str) -> dict:
    return {
        "id": project_id(key), "kind": kind, "name_zh": rec["name_zh"], "name_en": rec["name_en"], "aliases": rec["aliases"],
        "category": rec["category"], "status": status[0], "status_as_of": status[1], "status_source": status[2],
        "location_precision": where.precision, "location_source": where.source, "scope": where.scope, "source_crs": "WGS84",
        "location_note_zh": where.note_zh, "location_note_en": where.note_en, "osm_ids": list(where.osm_ids),
        "admin_stated": rec["admin_stated"], "plans": _attributions(rec["mentions"]),
    }


def assemble(directory: Path | None = None) -> tuple[gpd.GeoDataFrame, dict[str, list], list[str]]:
    """The catalog frame from the sources, its origins (id → [(file, key)]) and notes. Nothing is written."""
    directory = directory or settings.catalog_dir
    plans = load_plans()
    records, notes = load_sources(directory)
    merge = {k: normalise_key(v) for k, v in _key_map(directory / "merge.json", what="the canonical key").items()}
    refuse_duplicates(records, _key_map(directory / "distinct.json", what="the reason"), path=directory / "distinct.json")
    designations = {merge.get(k, k): v for k, v in _key_map(directory / "designations.json", what="the reason").items()}
    overrides = {merge.get(k, k): v for k, v in load_location_overrides(directory).items()}
    notes += [f"location entry {k!r} ({p.name}) matches no record" for k, (_, p) in overrides.items() if k not in records]
    units = boundaries.join_units()
    rows, geoms, origins = [], [], {}
    for key, rec in records.items():
        where = locate(rec, (overrides.get(key) or (None,))[0], units, designation=key in designations)
        check_line_rule(rec, where, overrides.get(key))
        try:
            status = derive_status(rec["mentions"], plans)
        except KeyError as exc:
            raise CatalogSourceError(rec["origins"][0][0], rec["origins"][0][1], "mentions.plan", f"plan {exc.args[0]!r} is not in plans.json") from None
        rows.append(_row(key, rec, where, status, "designation" if key in designations else "project"))
        geoms.append(where.geometry)
        origins[rows[-1]["id"]] = rec["origins"]
    notes += [f"designations.json: {k!r} matches no record" for k in designations if k not in records]
    frame = gpd.GeoDataFrame(rows, geometry=geoms, crs=settings.storage_crs).sort_values("id").reset_index(drop=True)
    return frame, origins, notes


def check_built(frame: gpd.GeoDataFrame, origins: dict[str, list]) -> list[str]:
    """Every problem of the built frame, each naming the source files and entry keys of its record."""
    report = check_records(frame, source="catalog build")
    out = []
    for p in report.errors:
        rid = p.record or (str(frame["id"].iat[p.row]) if p.row is not None else "")
        where = "; ".join(f"{f}: entry {k!r}" for f, k in origins.get(rid, [])) or "catalog"
        out.append(f"{where}: {p.field}: {p.message}")
    for fld in ("location_note_zh", "location_note_en"):
        for rid, note in zip(frame["id"], frame[fld], strict=True):
            if first_person_words(note):
                where = "; ".join(f"{f}: entry {k!r}" for f, k in origins[rid])
                out.append(f"{where}: {fld}: first-person wording in {note!r}")
    ids = frame["id"]
    for rid in ids[ids.duplicated()]:
        out.append(f"{'; '.join(f'{f}: entry {k!r}' for f, k in origins[rid])}: id: id collision {rid}")
    return out


def build(*, out: Path | None = None, directory: Path | None = None) -> tuple[Path, int, list[str]]:
    """Build the catalog file and its ``zones.geojson``; return the catalog's path, the record count and notes.

    The whole frame is validated first: on any problem
    :class:`CatalogBuildFailed` lists them (file, entry, field) and nothing is
    written; the previous catalog stays as it was.

    The two files are written as a pair (:func:`geo.io.write_texts_atomic`):
    both are written to temporary files first, then replaced one after the
    other, the catalog first. ``zones.geojson`` carries the SHA-256 of the
    catalog text it goes with (``catalog_sha256``), so a build killed between
    the two replaces leaves a pair that readers recognise as mismatched
    (:func:`geo.catalog.load_zones` then derives the zones from the catalog).
    """
    from geo.catalog import zones_path

    out = out or settings.projects_path
    frame, origins, notes = assemble(directory)
    problems = check_built(frame, origins)
    if problems:
        raise CatalogBuildFailed(problems)
    text = io.geojson_text(frame, properties=PROPERTY_ORDER, extra={"name": "projects"})
    io.write_texts_atomic({out: text, zones_path(out): zones_text(frame, catalog_text=text)})
    return out, len(frame), notes


def zones_text(projects: gpd.GeoDataFrame, *, catalog_text: str) -> str:
    """``zones.geojson``: the planning zones the plans lean on (两江新区, 西部(重庆)科学城,
    川渝高竹新区, …) as the approximate outlines the catalog holds for them, stamped with
    the SHA-256 of ``catalog_text`` (:func:`geo.catalog.text_stamp`).

    How they were drawn: hand-sketched outlines of 4–12 vertices from published
    descriptions (the towns and landmarks at their edges), never surveyed; every zone
    is marked ``approximate`` and carries its notes.
    """
    from geo.catalog import ZONES_STAMP, text_stamp, zones_frame

    extra = {"name": "planning_zones", "note": "approximate sketches, not surveyed outlines", ZONES_STAMP: text_stamp(catalog_text)}
    return io.geojson_text(zones_frame(projects), extra=extra)
