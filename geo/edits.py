"""Edits as data: the catalog a user sees is the built catalog plus the store's edits, in order.

Every change is one row of the store (:class:`geo.store.Edit`): the record,
each field's value before and after (geometry as GeoJSON), author, UTC time,
reason, source and the version the editor saw. Nothing is ever updated or
deleted; a revert is a new edit.

Applying edits (:func:`apply_edits`) is deterministic: edits in id order, each
checked against the record it meets. An edit that no longer applies — its
record was merged or removed by a rebuild of the catalog, or a field's value is
no longer the one the edit started from — is skipped and *reported*, never
dropped silently. Each record gets ``version`` (1 + edits applied to it) and
``updated_at`` (UTC time of its last edit, None if never edited).

A published catalog (``python -m geo publish``) carries the id of the last edit
it contains (``edits_through``), so applying the store to it applies only the
newer edits; rebuilding the catalog from ``data/catalog/`` starts again from 0.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.geometry
import sqlalchemy as sa

from geo import settings
from geo._errors import EditConflict, RecordError, StoreError
from geo.store import Edit, require_role, rows, select_rows, write_session

#: Fields an edit may change (schema v2 included); ``id`` never changes.
EDITABLE_FIELDS = (
    "name_zh", "name_en", "aliases", "category", "status", "status_as_of", "status_source",
    "location_precision", "location_note", "location_note_zh", "location_note_en", "location_source",
    "osm_ids", "kind", "scope", "source_crs", "admin_stated", "plans", "geometry",
)
#: Pseudo-fields of removal and merging: the record leaves the visible catalog.
REMOVAL_FIELDS = ("removed", "merged_into")
LIST_FIELDS = ("aliases", "osm_ids", "admin_stated", "plans")
#: Columns :func:`geo.catalog.add_derived_columns` adds; not part of a record.
DERIVED_COLUMNS = ("plan_ids", "target_year", "search_text", "geom_kind", "length_km", "area_km2")
GEOMETRY_TOLERANCE = 1e-6  # degrees (~0.1 m): a geometry "still matches" within this


@dataclass(frozen=True)
class StaleEdit:
    """An edit that could not be applied, and why (shown by ``publish``, the History page, the app)."""

    edit_id: int
    record_id: str
    reason: str

    def __str__(self) -> str:
        return f"edit #{self.edit_id} of record {self.record_id} no longer applies: {self.reason}"


@dataclass
class Applied:
    """The result of applying edits: the frame, the stale edits, the applied edits per record."""

    frame: gpd.GeoDataFrame
    stale: list[StaleEdit] = field(default_factory=list)
    applied: dict[str, list] = field(default_factory=dict)
    hidden: dict[str, dict] = field(default_factory=dict)


# --- values ----------------------------------------------------------------------------------------


def plain(value):
    """A JSON-ready copy of a frame value: NaN → None, numpy → Python, geometry → GeoJSON dict."""
    from geo import io

    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, shapely.Geometry):
        return json.loads(io.rfc7946_geometries([value])[0]) if not value.is_empty else None
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def to_geometry(value) -> shapely.Geometry | None:
    """A shapely geometry from a GeoJSON dict, WKT text, a geometry or None."""
    if value is None or isinstance(value, shapely.Geometry):
        return value
    try:
        if isinstance(value, str):
            text = value.strip()
            return shapely.from_geojson(text) if text.startswith("{") else shapely.from_wkt(text)
        return shapely.geometry.shape(value)
    except (shapely.errors.GEOSException, ValueError, TypeError, AttributeError, KeyError) as exc:
        raise ValueError(f"not a GeoJSON geometry or WKT: {exc}") from exc


def _same(field_name: str, a, b) -> bool:
    if field_name == "geometry":
        ga, gb = to_geometry(a), to_geometry(b)
        if ga is None or gb is None:
            return ga is None and gb is None
        return bool(shapely.equals_exact(ga, gb, tolerance=GEOMETRY_TOLERANCE))
    return plain(a) == plain(b)


# --- applying --------------------------------------------------------------------------------------


def base_frame(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The record columns of a catalog frame (derived columns dropped), with ``version`` and ``updated_at``."""
    out = frame.drop(columns=[c for c in DERIVED_COLUMNS if c in frame.columns])
    if "version" not in out.columns:
        out["version"] = 1
    out["version"] = pd.to_numeric(out["version"], errors="coerce").fillna(1).astype(int)
    if "updated_at" not in out.columns:
        out["updated_at"] = None
    return out


def _check_base(edit, row: dict) -> str | None:
    """Why ``edit`` no longer applies to ``row`` (None if it does)."""
    restoring = any(k in edit.changes for k in REMOVAL_FIELDS)
    if row.get("_merged_into") and not restoring:
        return f"the record was merged into {row['_merged_into']}"
    if row.get("_removed") and not restoring:
        return "the record was marked removed (not a project)"
    for name, change in edit.changes.items():
        if name in REMOVAL_FIELDS:
            continue
        current = row.get(name)
        if not _same(name, current, change.get("before")):
            return f"{name} is now {plain(current)!r}, the edit started from {change.get('before')!r} (the catalog changed since)"
    return None


def _apply_one(edit, row: dict) -> None:
    for name, change in edit.changes.items():
        after = change.get("after")
        if name == "removed":
            row["_removed"] = bool(after)
        elif name == "merged_into":
            row["_merged_into"] = after
        elif name == "geometry":
            row[name] = to_geometry(after)
        else:
            row[name] = after
    version = row.get("version")
    row["version"] = (1 if version is None or pd.isna(version) else int(version)) + 1
    row["updated_at"] = edit.created_at.isoformat(timespec="seconds").replace("+00:00", "Z")


def apply_edits(frame: gpd.GeoDataFrame, edits, *, through: int | None = None) -> Applied:
    """The catalog with ``edits`` applied in id order.

    Parameters
    ----------
    frame
        The built (or published) catalog; derived columns are dropped.
    edits
        :class:`geo.store.Edit` rows (or objects with the same attributes).
    through
        Edits with an id at or below it are already in ``frame`` and skipped;
        default ``frame.attrs["edits_through"]`` (set for a published file), else 0.

    Returns
    -------
    Applied
        ``frame`` (removed and merged records left out, created ones appended,
        ``version``/``updated_at`` set; ``attrs["edits_through"]`` the last edit
        id seen), ``stale`` (edits that no longer apply, with the reason) and
        ``applied`` (record id → the edits applied to it, in order).
    """
    through = frame.attrs.get("edits_through", 0) if through is None else through
    base = base_frame(frame)
    geom_name = base.geometry.name
    position = {rid: i for i, rid in enumerate(base["id"])}
    rows: dict[str, dict] = {}
    created: list[str] = []
    result = Applied(frame=base)
    last = through
    for edit in sorted(edits, key=lambda e: e.id):
        if edit.id <= through:
            continue
        last = max(last, edit.id)
        rid = edit.record_id
        if rid not in rows and rid in position:
            rows[rid] = base.iloc[position[rid]].to_dict()
        if edit.action == "create":
            if rid in rows:
                result.stale.append(StaleEdit(edit.id, rid, "a record with this id exists already"))
                continue
            rows[rid] = {"id": rid, "version": 0, "updated_at": None, geom_name: None}
            created.append(rid)
        elif rid not in rows:
            result.stale.append(StaleEdit(edit.id, rid, "the record is no longer in the catalog (merged or removed by a rebuild)"))
            continue
        why = None if edit.action == "create" else _check_base(edit, rows[rid])
        if why:
            result.stale.append(StaleEdit(edit.id, rid, why))
            continue
        _apply_one(edit, rows[rid])
        result.applied.setdefault(rid, []).append(edit)
    result.frame = _rebuild(base, rows, created, geom_name)
    result.hidden = {rid: r for rid, r in rows.items() if r.get("_removed") or r.get("_merged_into")}
    result.frame.attrs["edits_through"] = last
    return result


def _rebuild(base: gpd.GeoDataFrame, rows: dict[str, dict], created: list[str], geom_name: str) -> gpd.GeoDataFrame:
    if not rows:
        return base
    keep = base[~base["id"].isin(list(rows))]
    changed = [r for r in rows.values() if not r.get("_removed") and not r.get("_merged_into")]
    clean = [{k: v for k, v in r.items() if not k.startswith("_")} for r in changed]
    order = {rid: i for i, rid in enumerate(base["id"])}
    for k, rid in enumerate(created):
        order[rid] = len(base) + k
    if not clean:
        return keep.reset_index(drop=True)
    touched = gpd.GeoDataFrame(pd.DataFrame(clean), geometry=geom_name, crs=base.crs)
    out = pd.concat([keep, touched], ignore_index=True)
    out = out.iloc[np.argsort(out["id"].map(order).to_numpy(), kind="stable")].reset_index(drop=True)
    out["version"] = out["version"].astype(int)
    for name in LIST_FIELDS:  # a created record may lack a list field the others have
        if name in out.columns:
            out[name] = [v if isinstance(v, list) else [] for v in out[name]]
    return gpd.GeoDataFrame(out, geometry=geom_name, crs=base.crs)


# --- reading the store -----------------------------------------------------------------------------


def load_edits(*, record_id: str | None = None) -> list[Edit]:
    """Every edit of the store (or of one record), oldest first; [] when the store does not exist."""
    return rows(Edit, record_id=record_id)


@lru_cache(maxsize=4)
def _published_through(path: str, mtime: float) -> int:
    from geo import io

    _, members = io.read_geojson_features(path)
    return int(members.get("edits_through") or 0)


def built_catalog(path: Path | None = None) -> gpd.GeoDataFrame:
    """The catalog file as validated by :func:`geo.catalog.load`, record columns only."""
    from geo import catalog

    path = Path(path or settings.projects_path)
    frame = base_frame(catalog.load(path))
    frame.attrs["edits_through"] = _published_through(str(path), path.stat().st_mtime)
    return frame


def current_catalog(path: Path | None = None) -> Applied:
    """The catalog a user sees: the catalog file plus the store's edits (see :func:`apply_edits`)."""
    return apply_edits(built_catalog(path), load_edits())


# --- writing ---------------------------------------------------------------------------------------


def parse_value(field_name: str, text: str):
    """A ``--set FIELD=VALUE`` value: JSON for list fields (and text starting with ``[``/``{``), else the text."""
    text = text.strip()
    if field_name in (*LIST_FIELDS, "removed") or text[:1] in ("[", "{"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not JSON ({exc.msg} at column {exc.colno}): {text!r}") from exc
    return None if text == "" else text


def _validate_row(record_id: str, row: dict, *, crs) -> None:
    """Refuse ``row`` with the messages of ``geo validate`` (the first error names the field)."""
    from geo.validate import check_records

    record = {k: v for k, v in row.items() if not k.startswith("_") and k not in ("version", "updated_at")}
    geom = to_geometry(record.pop("geometry", None))
    frame = gpd.GeoDataFrame(pd.DataFrame([record]), geometry=[geom], crs=crs or settings.storage_crs)
    report = check_records(frame, source="edit")
    if report.errors:
        first = report.errors[0]
        more = "; ".join(f"{p.field}: {p.message}" for p in report.errors[1:])
        raise RecordError(record_id, first.field, first.message + (f" (also {more})" if more else ""))


def _diff(record_id: str, row: dict | None, changes: dict) -> dict:
    out = {}
    for name, after in changes.items():
        if name not in EDITABLE_FIELDS and name not in REMOVAL_FIELDS:
            raise RecordError(record_id, name, f"not an editable field; expected one of: {', '.join(EDITABLE_FIELDS)}")
        if name == "geometry":
            try:
                after = plain(to_geometry(after))
            except ValueError as exc:
                raise RecordError(record_id, "geometry", str(exc)) from None
        if name == "removed" and not isinstance(after, bool):
            raise RecordError(record_id, "removed", f"must be true or false, not {after!r}")
        before = None if row is None else row.get(name)
        if name == "removed":
            before = bool(row and row.get("_removed"))
        elif name == "merged_into":
            before = None if row is None else row.get("_merged_into")
        if row is None or not _same(name, before, after):
            out[name] = {"before": plain(before), "after": plain(after)}
    return out


def _honest_location(record_id: str, row: dict | None, changes: dict, *, author: str, reason: str) -> dict:
    """A moved or drawn geometry says it comes from an edit (``location_source``, the notes), and
    a point that was only a district/city stand-in must say how precise its new place is."""
    if "geometry" not in changes or row is None:
        return changes
    out = dict(changes)
    out.setdefault("location_source", "edit")
    if "location_note_zh" not in changes and "location_note" not in changes:
        out["location_note_zh"] = f"位置由{author}编辑:{reason.strip()}"
        out["location_note_en"] = f"Placed by {author}'s edit: {reason.strip()}"
        if "location_note" in row:
            out["location_note"] = out["location_note_en"]
    if row.get("location_precision") in ("district", "city", "region") and "location_precision" not in changes:
        raise RecordError(record_id, "location_precision", f"the record was placed only at {row.get('location_precision')} level; "
                          "say how precise the new place is (exact, approximate or town)")
    return out


def _conflict(record_id: str, base_version: int, version: int, applied: list) -> EditConflict:
    newer = applied[len(applied) - (version - base_version):] if version > base_version else []
    return EditConflict(record_id, base_version, version, [e.describe() for e in newer])


def _next_seq(s, record_id: str) -> int:
    return (s.scalar(sa.select(sa.func.max(Edit.seq)).where(Edit.record_id == record_id)) or 0) + 1


def write_edit(s, state: Applied, record_id: str, changes: dict, *, author: str, reason: str, source: str,
               base_version: int | None, action: str = "edit", proposal_id: int | None = None, reverts: int | None = None) -> Edit:
    """Check one edit against ``state`` (the current catalog) and add it to session ``s`` (None: check only).

    Refuses (nothing added): no reason; unknown record; a stale ``base_version``
    (:class:`EditConflict`); an unknown field; nothing changing; a resulting
    record that ``geo validate`` would reject (:class:`RecordError`).
    """
    if not (reason or "").strip():
        raise RecordError(record_id, "reason", "every change needs a reason")
    frame = state.frame
    hit = np.flatnonzero(frame["id"].to_numpy() == record_id)
    if action == "create":
        if len(hit):
            raise RecordError(record_id, "id", "a record with this id exists already")
        row, version = None, 0
    elif len(hit):
        row = frame.iloc[hit[0]].to_dict()
        row["geometry"] = row.pop(frame.geometry.name)
        version = int(row.get("version") or 1)
    elif record_id in state.hidden and any(k in changes for k in REMOVAL_FIELDS):
        row = dict(state.hidden[record_id])
        row["geometry"] = row.pop(frame.geometry.name, None)
        version = int(row.get("version") or 1)
    else:
        why = "it was removed or merged" if record_id in state.hidden else "removed by a rebuild, or a typo"
        raise RecordError(record_id, "id", f"no such record in the catalog ({why})")
    if base_version is not None and base_version != version:
        raise _conflict(record_id, base_version, version, state.applied.get(record_id, []))
    diff = _diff(record_id, row, _honest_location(record_id, row, changes, author=author, reason=reason))
    if not diff:
        raise RecordError(record_id, ", ".join(changes) or "changes", "nothing changes: the record already has these values")
    if not any(diff.get(k, {}).get("after") for k in REMOVAL_FIELDS):
        after = {k: v for k, v in (row or {"id": record_id}).items() if k not in REMOVAL_FIELDS}
        after.update({k: to_geometry(v["after"]) if k == "geometry" else v["after"] for k, v in diff.items()})
        _validate_row(record_id, after, crs=frame.crs)
    edit = Edit(
        record_id=record_id, seq=0 if s is None else _next_seq(s, record_id), action=action, changes=diff, author=author, reason=reason.strip(),
        source=(source or "").strip(), base_version=version, proposal_id=proposal_id, reverts=reverts,
    )
    if s is not None:
        s.add(edit)
        state.applied.setdefault(record_id, []).append(edit)
    return edit


def _commit(s, record_ids: list[str], state: Applied) -> None:
    """Flush; two saves of one record that raced to the same ``seq`` → the second gets a conflict."""
    try:
        s.flush()
    except sa.exc.IntegrityError:
        s.rollback()
        fresh = apply_edits(built_catalog(), load_edits())
        rid = record_ids[0]
        hit = fresh.frame[fresh.frame["id"] == rid]
        version = int(hit["version"].iat[0]) if len(hit) else 0
        raise _conflict(rid, version - 1, version, fresh.applied.get(rid, [])) from None


def _state(s) -> Applied:
    return apply_edits(built_catalog(), select_rows(s, Edit))


def make_edit(record_id: str, changes: dict, *, author: str, reason: str, source: str = "", base_version: int | None,
              action: str = "edit") -> Edit:
    """Change one record; return the stored edit.

    Parameters
    ----------
    record_id
        The record's id.
    changes
        Field → new value (``geometry`` as a GeoJSON dict or WKT; lists as lists).
    author
        A reviewer's account name (an editor proposes instead: :func:`geo.review.propose`).
    reason, source
        Why, and on what evidence (a document, a survey, OpenStreetMap…). A reason is required.
    base_version
        The record's ``version`` the author saw. If the record changed since,
        :class:`EditConflict` shows the other change and nothing is written.
        None skips the check (scripts that just read the current version).

    Raises
    ------
    AccessDenied, EditConflict, RecordError
        Nothing is written in any of these cases.
    """
    require_role(author, "reviewer", action=f"edit {record_id}")
    if "merged_into" in changes:
        raise RecordError(record_id, "merged_into", "merge with geo.edits.merge (it also moves the plan attributions)")
    with write_session() as s:
        state = _state(s)
        edit = write_edit(s, state, record_id, changes, author=author, reason=reason, source=source, base_version=base_version, action=action)
        _commit(s, [record_id], state)
    return edit


def new_record_id() -> str:
    """An id for a record created in the workbench: ``N`` + 8 hex digits (built ids start with ``P``)."""
    return "N" + secrets.token_hex(4).upper()


def merge(keep_id: str, other_id: str, *, author: str, reason: str, source: str = "",
          keep_version: int | None = None, other_version: int | None = None) -> list[Edit]:
    """Merge ``other_id`` into ``keep_id`` (the same project listed twice): two edits in one transaction.

    ``keep_id`` gains the other's plan attributions and its names as aliases;
    ``other_id`` is marked ``merged_into`` and leaves the visible catalog.
    """
    require_role(author, "reviewer", action=f"merge {other_id} into {keep_id}")
    if keep_id == other_id:
        raise RecordError(other_id, "merged_into", "a record cannot be merged into itself")
    with write_session() as s:
        state = _state(s)
        frame = state.frame
        rows = {r["id"]: r for r in frame[frame["id"].isin([keep_id, other_id])].to_dict(orient="records")}
        if other_id not in rows:
            raise RecordError(other_id, "id", "no such record in the catalog")
        if keep_id not in rows:
            raise RecordError(keep_id, "id", "no such record in the catalog")
        keep, other = rows[keep_id], rows[other_id]
        seen = {(a["plan"], a["quote"]) for a in keep["plans"]}
        plans = list(keep["plans"]) + [a for a in other["plans"] if (a["plan"], a["quote"]) not in seen]
        names = [n for n in (other["name_zh"], *(plain(other.get("aliases")) or [])) if n and n != keep["name_zh"]]
        aliases = list(dict.fromkeys([*(plain(keep.get("aliases")) or []), *names]))
        note = f"{reason.strip()} (merged {other_id} into {keep_id})" if reason.strip() else ""
        out = [
            write_edit(s, state, keep_id, {"plans": plans, "aliases": aliases}, author=author, reason=note, source=source, base_version=keep_version, action="merge"),
            write_edit(s, state, other_id, {"merged_into": keep_id}, author=author, reason=note, source=source, base_version=other_version, action="merge"),
        ]
        _commit(s, [keep_id, other_id], state)
    return out


def mark_not_project(record_id: str, *, how: str = "designation", author: str, reason: str, source: str = "",
                     base_version: int | None = None) -> Edit:
    """Mark a record as not a buildable project: ``how="designation"`` (kept, ``kind`` = designation,
    hidden from the map by default) or ``how="removed"`` (not a project at all: leaves the catalog)."""
    if how == "designation":
        return make_edit(record_id, {"kind": "designation"}, author=author, reason=reason, source=source, base_version=base_version)
    if how == "removed":
        return make_edit(record_id, {"removed": True}, author=author, reason=reason, source=source, base_version=base_version, action="remove")
    raise RecordError(record_id, "kind", f"unknown value {how!r}; expected designation or removed")


def revert(edit_id: int, *, author: str, reason: str) -> Edit:
    """Undo one edit by a new edit that sets its fields back to their values before it.

    The new edit starts from the record's current values, so reverting an old
    edit also undoes later changes of the same fields (the history keeps all).
    """
    require_role(author, "reviewer", action=f"revert edit #{edit_id}")
    with write_session() as s:
        old = s.get(Edit, edit_id)
        if old is None:
            raise StoreError(f"edit #{edit_id}: no such edit")
        state = _state(s)
        changes: dict[str, object]
        if old.action == "create":
            changes = {"removed": True}
        else:
            changes = {k: v.get("before") for k, v in old.changes.items()}
            if "removed" in changes or "merged_into" in changes:
                changes = {k: (False if k == "removed" else None) for k in changes}
        edit = _write_revert(s, state, old, changes, author=author, reason=reason)
        _commit(s, [old.record_id], state)
    return edit


def _write_revert(s, state: Applied, old: Edit, changes: dict, *, author: str, reason: str) -> Edit:
    return write_edit(s, state, old.record_id, changes, author=author, reason=reason, source=f"revert of edit #{old.id}",
                      base_version=None, action="revert", reverts=old.id)


def history(record_id: str | None = None) -> pd.DataFrame:
    """The edits as a table (newest first): id, record, action, fields, author, time, reason, source."""
    rows = [
        {"id": e.id, "record_id": e.record_id, "action": e.action, "fields": ", ".join(e.changes), "author": e.author,
         "created_at": e.created_at, "reason": e.reason, "source": e.source, "base_version": e.base_version,
         "proposal_id": e.proposal_id, "changes": e.changes}
        for e in load_edits(record_id=record_id)
    ]
    columns = ["id", "record_id", "action", "fields", "author", "created_at", "reason", "source", "base_version", "proposal_id", "changes"]
    return pd.DataFrame(rows, columns=columns).iloc[::-1].reset_index(drop=True)


def _short_value(value, limit: int = 80) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def publish(*, catalog: Path | None = None, out: Path | None = None) -> tuple[Path, Applied]:
    """Write the catalog file = catalog + the store's edits, validated first, atomically.

    The whole result is checked as ``geo validate`` checks a file; on any error
    :class:`geo._errors.ValidationFailed` is raised and nothing is written.
    The file records ``edits_through`` (the last edit it contains) and every
    record's ``version`` and ``updated_at``. Stale edits are returned in
    ``Applied.stale`` (the caller reports them); they do not block publishing.
    """
    from geo import io
    from geo._errors import ValidationFailed
    from geo.validate import check_records

    source = Path(catalog or settings.projects_path)
    out = Path(out or settings.projects_path)
    result = apply_edits(built_catalog(source), load_edits())
    report = check_records(result.frame, source=str(out))
    if not report.ok:
        raise ValidationFailed(report)
    io.write_geojson(result.frame, out, extra={"name": "projects", "edits_through": int(result.frame.attrs["edits_through"])})
    return out, result


def catalog_with_edits(frame: gpd.GeoDataFrame, path: Path | None = None) -> tuple[gpd.GeoDataFrame, list[StaleEdit], str | None]:
    """A loaded catalog (with derived columns) plus the store's edits, derived columns recomputed.

    Returns the frame, the stale edits and, when the store cannot be read (a
    server down, a bad ``ATLAS_DB``), the reason — the catalog is then returned
    without edits, so browsing never depends on the store.
    """
    from geo.catalog import add_derived_columns

    try:
        stored = load_edits()
    except StoreError as exc:
        return frame, [], str(exc)
    path = Path(path or settings.projects_path)
    base = base_frame(frame)
    members = frame.attrs.get("members")  # read with the file (geo.io.read_projects): no second read of a big file
    base.attrs["edits_through"] = int(members.get("edits_through") or 0) if isinstance(members, dict) else _published_through(str(path), path.stat().st_mtime)
    if not any(e.id > base.attrs["edits_through"] for e in stored):
        out = frame.copy()
        out["version"], out["updated_at"] = base["version"].to_numpy(), base["updated_at"].to_numpy()
        return out, [], None
    result = apply_edits(base, stored)
    return add_derived_columns(result.frame), result.stale, None


def filter_history(table: pd.DataFrame, *, authors=(), fields=(), start=None, end=None, record_ids=None) -> pd.DataFrame:
    """Rows of :func:`history` by author, changed field, UTC date range (inclusive) and record ids.

    Empty selections do not filter. ``start``/``end`` are dates; ``record_ids``
    None does not filter, an empty set keeps nothing (a district with no record).
    """
    keep = np.ones(len(table), dtype=bool)
    if authors:
        keep &= table["author"].isin(list(authors)).to_numpy()
    if fields:
        wanted = set(fields)
        keep &= np.array([bool(wanted & set(c)) for c in table["changes"]], dtype=bool)
    days = pd.to_datetime(table["created_at"], utc=True).dt.date if len(table) else pd.Series([], dtype=object)
    if start is not None:
        keep &= (days >= start).to_numpy()
    if end is not None:
        keep &= (days <= end).to_numpy()
    if record_ids is not None:
        keep &= table["record_id"].isin(list(record_ids)).to_numpy()
    return table[keep].reset_index(drop=True)


HISTORY_COLUMNS = ["edit_id", "record_id", "action", "field", "before", "after", "author", "created_at", "reason", "source", "proposal_id"]


def history_rows(record_ids=None) -> pd.DataFrame:
    """One row per changed field of every edit (of ``record_ids`` if given), oldest first.

    ``before``/``after`` are JSON text (geometry as GeoJSON), ``created_at`` ISO 8601 UTC:
    the GeoPackage export's ``history`` layer. An absent store gives an empty table.
    """
    wanted = None if record_ids is None else set(record_ids)
    rows = [
        [e.id, e.record_id, e.action, name, json.dumps(c.get("before"), ensure_ascii=False), json.dumps(c.get("after"), ensure_ascii=False),
         e.author, e.created_at.isoformat(timespec="seconds").replace("+00:00", "Z"), e.reason, e.source, e.proposal_id or 0]
        for e in load_edits() if wanted is None or e.record_id in wanted
        for name, c in e.changes.items()
    ]
    table = pd.DataFrame(rows, columns=HISTORY_COLUMNS)
    return table.astype({"edit_id": "int64", "proposal_id": "int64"})


def submit(record_id: str, changes: dict, *, author: str, reason: str, source: str = "", base_version: int | None) -> tuple[str, int]:
    """One entry point for the app's forms and the CLI: a reviewer's change becomes an edit, an
    editor's a proposal. Returns ``("edit", edit id)`` or ``("proposal", proposal id)``.

    Raises AccessDenied without an account, and whatever :func:`make_edit` or
    :func:`geo.review.propose` refuse (nothing is written then).
    """
    from geo import review, store

    user = store.require_role(author, "editor", action=f"change {record_id}")
    if user.role == "reviewer":
        return "edit", make_edit(record_id, changes, author=author, reason=reason, source=source, base_version=base_version).id
    return "proposal", review.propose(record_id, changes, author=author, source=source, reason=reason)
