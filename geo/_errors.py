"""Precise exceptions: each says which file, which record and what is wrong."""

from __future__ import annotations

from collections.abc import Iterable


class AtlasError(Exception):
    """Base class of every error Project Atlas raises on purpose."""


class DataFileError(AtlasError):
    """A file cannot be read as a whole (missing, malformed, unknown format).

    Parameters
    ----------
    path
        The file.
    reason
        What is wrong, in words a user can act on.
    """

    def __init__(self, path: object, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class RecordError(AtlasError):
    """One record is wrong; carries the record id and the field."""

    def __init__(self, record_id: object, field: str, reason: str) -> None:
        self.record_id = record_id
        self.field = field
        self.reason = reason
        super().__init__(f"record {record_id!s}: {field}: {reason}")


class ValidationFailed(AtlasError):
    """Validation found errors; ``report`` holds every problem."""

    def __init__(self, report: object) -> None:
        self.report = report
        super().__init__(str(report))


class FilterError(AtlasError):
    """A filter value is not in the vocabulary (bad CLI option or URL value)."""

    def __init__(self, field: str, value: object, allowed: Iterable[object] | None = None) -> None:
        self.field = field
        self.value = value
        hint = f"; expected one of: {', '.join(map(str, allowed))}" if allowed else ""
        super().__init__(f"filter {field}: unknown value {value!r}{hint}")


class BoundarySourceError(AtlasError):
    """The boundary registry package is missing or does not hold what we need."""


class TileSourceError(AtlasError):
    """A base-map name or tile URL that cannot be used (unknown, GCJ-02, no key)."""

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"base map {source!r} {reason}")


class TileError(AtlasError):
    """Tiles could not be fetched (offline, server error, not an image): draw without them."""

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"base-map tiles from {source!r} unavailable: {reason}")


class OsmSourceError(AtlasError):
    """OpenStreetMap data could not be fetched (Overpass unreachable, timed out, or answered an error)."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"OpenStreetMap (Overpass at {url}) unavailable: {reason}")
class CatalogSourceError(AtlasError):
    """A curated catalog source (extract, location entry, merge/drop/distinct/designation list) is wrong.

    Parameters
    ----------
    path
        The source file.
    key
        The entry's key (or None for the file as a whole).
    field
        The field of the entry, e.g. ``mentions[0].quote`` or ``location.places``.
    reason
        What is wrong, in words a curator can act on.
    """

    def __init__(self, path: object, key: object, field: str, reason: str) -> None:
        self.path = str(path)
        self.key = key
        self.field = field
        self.reason = reason
        where = f"entry {key!r}: " if key is not None else ""
        super().__init__(f"{self.path}: {where}{field}: {reason}")


class CatalogBuildFailed(AtlasError):
    """The built catalog fails validation; nothing was written. ``problems`` lists each, naming file and entry."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = "\n".join(problems[:50]) + (f"\n… and {len(problems) - 50} more" if len(problems) > 50 else "")
        super().__init__(f"catalog not written: {len(problems)} problems\n{shown}")
class StoreError(AtlasError):
    """The workbench store (database) cannot be used: bad ``ATLAS_DB`` URL, server down, unknown id."""


class AccessDenied(StoreError):
    """The user may not do this (not signed in, unknown account, or not a reviewer)."""

    def __init__(self, user: object, action: str, reason: str) -> None:
        self.user = user
        self.action = action
        super().__init__(f"{action}: {reason}")


class EditConflict(StoreError):
    """Optimistic versioning: the record changed since the editor loaded it.

    ``others`` describes each change made since ``base_version`` (who, when, which
    fields, before → after), so the editor can see it and retry on top of it.
    """

    def __init__(self, record_id: str, base_version: int, current_version: int, others: list[str]) -> None:
        self.record_id = record_id
        self.base_version = base_version
        self.current_version = current_version
        self.others = others
        detail = "; ".join(others) or "a change by someone else"
        super().__init__(
            f"record {record_id}: conflict: you edited version {base_version}, the record is now at version "
            f"{current_version} ({detail}); reload it and apply your change again"
        )
class VectorTileError(AtlasError):
    """A vector-tile archive cannot be built (tiler missing or failing, archive too large to serve)."""
class IngestError(AtlasError):
    """A plan text cannot be ingested (too big, binary, undecodable, bad date).

    Parameters
    ----------
    source
        The file (or "upload") the text came from.
    reason
        What is wrong, in words a user can act on.
    """

    def __init__(self, source: object, reason: str) -> None:
        self.source = str(source)
        self.reason = reason
        super().__init__(f"{self.source}: {reason}")


# --- issue 12 ("craft"): one error for a bad option of a library call ---
class OptionError(AtlasError, ValueError):
    """An option is not one of the values a function accepts (image format, preset, export format,
    join engine, coordinate system). Also a :class:`ValueError`, which callers may catch."""

    def __init__(self, option: str, value: object, allowed: Iterable[object]) -> None:
        self.option = option
        self.value = value
        self.allowed = list(allowed)
        super().__init__(f"{option}: unknown value {value!r}; expected one of: {', '.join(map(str, self.allowed))}")
