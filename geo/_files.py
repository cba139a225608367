"""The door every file passes: which paths may be read or written, and how much.

Untrusted files reach the command line and, through uploads, the app. Before any
parser sees one, :func:`input_file` makes sure it is a regular file of bounded
size (a FIFO would block forever, ``/dev/zero`` would read until memory runs out,
a directory or a symlink loop would end in a traceback). Before any writer
replaces a target, :func:`output_file` makes sure the target is a regular file or
absent (``--out /dev/null`` as root would otherwise replace the device; a
symlink would be replaced instead of its target). Zip archives are opened through
:func:`checked_zip`, which refuses members that escape the archive, and totals or
ratios that only a decompression bomb has.

Limits are read from :mod:`geo.settings` at call time (``max_input_bytes``,
``max_unzipped_bytes``, ``max_zip_ratio``) so a deployment or a test can change them.
"""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path, PurePosixPath

from geo import settings
from geo._errors import DataFileError


def _describe(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def input_file(path: str | os.PathLike, *, max_bytes: int | None = None) -> Path:
    """Return ``path`` if it is a readable regular file of at most ``max_bytes``.

    Symlinks are followed (a link to a regular file is fine) but never into a
    device, a FIFO or a loop. ``max_bytes`` defaults to ``settings.max_input_bytes``.

    Raises
    ------
    DataFileError
        Missing, unreadable, not a regular file, or too big; the message names
        the file and says what is wrong.
    """
    p = Path(path)
    limit = settings.max_input_bytes if max_bytes is None else max_bytes
    try:
        info = p.stat()
    except FileNotFoundError:
        raise DataFileError(p, "no such file") from None
    except OSError as exc:  # ELOOP (symlink loop), EACCES, ENAMETOOLONG …
        raise DataFileError(p, f"cannot be read ({exc.strerror or exc})") from None
    if not stat.S_ISREG(info.st_mode):
        raise DataFileError(p, f"is {_describe(info.st_mode)}; only regular files are read")
    if info.st_size > limit:
        raise DataFileError(p, f"is {info.st_size / 1e6:.1f} MB; files over {limit / 1e6:g} MB are refused (settings.max_input_bytes): split the file")
    if not os.access(p, os.R_OK):
        raise DataFileError(p, "is not readable (permission denied)")
    return p


def output_file(path: str | os.PathLike) -> Path:
    """Return ``path`` if a writer may replace it: absent, or a regular file that is not a symlink.

    The parent must be an existing directory or creatable (no component may be a file).

    Raises
    ------
    DataFileError
        The target is a directory, a device, a FIFO, a socket or a symlink, or its
        parent is a file; nothing is written.
    """
    p = Path(path)
    try:
        info = p.lstat()
    except (FileNotFoundError, NotADirectoryError):  # absent, or under a file: the parent check says which
        info = None
    except OSError as exc:
        raise DataFileError(p, f"cannot be written ({exc.strerror or exc})") from None
    if info is not None:
        if stat.S_ISLNK(info.st_mode):
            raise DataFileError(p, "is a symbolic link; give the real path (a link is never replaced)")
        if not stat.S_ISREG(info.st_mode):
            raise DataFileError(p, f"is {_describe(info.st_mode)}; give a file name to write")
    for parent in p.absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                raise DataFileError(p, f"cannot be written: {parent} is a file, not a directory")
            break
    return p


def checked_zip(path: str | os.PathLike) -> zipfile.ZipFile:
    """Open a zip archive after checking every member (caller closes it).

    Refused: members whose path leaves the archive (``../``, absolute paths),
    an uncompressed total over ``settings.max_unzipped_bytes``, and a member
    whose compression ratio exceeds ``settings.max_zip_ratio`` (a bomb).
    The sizes are the archive's own declarations, which :mod:`zipfile` enforces
    while reading (it stops at the declared size).
    """
    p = input_file(path)
    try:
        zf = zipfile.ZipFile(p)
    except (zipfile.BadZipFile, OSError) as exc:
        raise DataFileError(p, f"is not a readable zip archive ({exc})") from None
    try:
        _check_members(p, zf.infolist())
    except DataFileError:
        zf.close()
        raise
    return zf


def _check_members(p: Path, members: list[zipfile.ZipInfo]) -> None:
    total = 0
    for info in members:
        name = PurePosixPath(info.filename)
        if name.is_absolute() or ".." in name.parts:
            raise DataFileError(p, f"member {info.filename!r} points outside the archive; refused")
        total += info.file_size
        if info.compress_size and info.file_size / info.compress_size > settings.max_zip_ratio:
            raise DataFileError(p, f"member {info.filename!r} expands {info.file_size / info.compress_size:.0f}×; refused as a decompression bomb")
    if total > settings.max_unzipped_bytes:
        raise DataFileError(p, f"expands to {total / 1e6:.0f} MB; archives over {settings.max_unzipped_bytes / 1e6:.0f} MB are refused")


#: First characters a spreadsheet reads as a formula (OWASP "CSV injection"), incl. tab and CR.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> object:
    """A cell value that a spreadsheet shows as text, never runs as a formula.

    Strings starting with ``= + - @`` (or a tab/CR) get a leading apostrophe, as
    OWASP recommends; other values are returned unchanged. A plain negative
    number stored as a string ("-3.5") is left alone: it is data, not a formula.
    """
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    try:
        float(value)
    except ValueError:
        return "'" + value
    return value


def spreadsheet_unescape(value: object) -> object:
    """The inverse of :func:`spreadsheet_safe` for our own exports read back: ``'=x`` → ``=x``."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value
