"""Settings for Project Atlas, in one documented place.

Every module reads its paths, reference systems and thresholds from here, so
that a deployment (or a test) changes behaviour by changing one attribute.

Attributes
----------
root : pathlib.Path
    The repository root.
data_dir : pathlib.Path
    Folder of the shipped data: ``projects.geojson``, ``plans.json``,
    ``boundaries/`` and ``catalog/``.
projects_path : pathlib.Path
    The catalog of projects (RFC 7946 GeoJSON, WGS84).
plans_path : pathlib.Path
    The source documents the projects cite (``plans.json``).
boundaries_dir : pathlib.Path
    Built district boundaries (see :mod:`geo.boundaries`).
seeds_dir : pathlib.Path
    The plan texts. Optional: when it is missing, the quote check is skipped.
storage_crs : str
    CRS of everything stored and exchanged: WGS84 longitude/latitude.
area_crs : str
    Equal-area projection used for polygon areas (an Albers conic fitted to
    Sichuan and Chongqing, 26°N–33°N). Lengths are geodesic on ``ellipsoid``.
ellipsoid : str
    Ellipsoid for geodesic lengths (:class:`pyproj.Geod`).
region_bounds : tuple of float
    (west, south, east, north) in degrees. Coordinates outside are an error:
    it is wide enough for lines that run on to Xi'an, Lanzhou, Xining, Kunming,
    Wuhan or Shanghai, narrow enough to catch swapped or projected coordinates.
coordinate_precision : int
    Decimal places written to GeoJSON (6 ≈ 0.1 m).
web_simplify_tolerance : float
    Coverage-simplification tolerance (degrees) of the web boundaries.
cluster_threshold : int
    Above this many point features the map clusters them.
assets_mode : str
    ``"local"`` serves Leaflet and friends from ``static/vendor`` (works
    offline); ``"cdn"`` uses folium's CDN links. Environment: ``ATLAS_ASSETS``.
tianditu_key : str or None
    Tianditu API key (environment ``TIANDITU_KEY``); its layers are hidden
    without one.
tile_cache_dir : pathlib.Path
    Disk cache of base-map tiles fetched for briefing images (environment
    ``ATLAS_TILE_CACHE``; default ``~/.cache/atlas/tiles``). Safe to delete.
tile_timeout : float
    Seconds to wait for a tile server before drawing without tiles.
national_dir : pathlib.Path
    Cache of the national county-level units (:mod:`geo.national`), built on
    demand, not committed (environment ``ATLAS_NATIONAL_DIR``; default
    ``~/.cache/atlas/national``). Safe to delete.
vector_tiles_threshold : int
    Above this many drawn projects the map should draw them from a PMTiles
    archive (:mod:`geo.vtiles`, :mod:`layers.vector_tiles`) instead of inline GeoJSON.
tile_max : int
    Most tiles one briefing image may fetch; the zoom is lowered to stay under it
    (tile servers' usage policies forbid bulk downloads).
max_input_bytes : int
    Largest file the command line or an upload reads (default 100 MB; environment
    ``ATLAS_MAX_INPUT_MB``). **Files above 100 MB are refused: split them.** The
    message names the file, its size and the limit; nothing is read into memory.
    Measured (docs/PERFORMANCE.md "Big project files"): every command's peak memory
    grows linearly, about 7–8 MB per MB of GeoJSON above a ~300 MB start (a 200 MB
    file exported to CSV at 1.7 GB peak, but in 45 min on this loaded 2-core
    machine: the join's time is linear in line-heavy records). 100 MB keeps one
    command near 1 GB and within minutes on a machine shared by several users.
max_records : int
    Most records one project file may hold (default 500,000); more are refused
    before any per-record work.
max_json_containers : int
    Most JSON objects and arrays (``{`` and ``[``, counted in the bytes before
    parsing) a GeoJSON file may hold (default 10 million, ≈ 1 per 20 bytes of a
    200 MB file; the shipped catalog has 1 per 107 bytes). A file of tiny
    features (``[],[],…``) parses into ~30 times its size in Python objects:
    such files are refused before parsing.
max_csv_cells : int
    Most cells (separators and line ends counted in the bytes) a CSV may hold
    (default 20 million), for the same reason.
max_unzipped_bytes : int
    Largest total a zip archive may expand to (default 1 GB).
max_zip_ratio : float
    Largest compression ratio of one zip member (default 200); beyond it the
    archive is refused as a decompression bomb.
osm_search_buffer_km : float
    ``enrich osm``: a record's candidates are the OSM features within this distance
    of its current geometry's bounding box; it is also the distance at which the
    distance score falls to 0.
osm_line_search_km : float
    ``enrich osm``: search distance for a railway, metro or expressway record that is
    still a point (town/district/city level): its section is unknown, so the whole
    named line within this distance is sought.
osm_waypoint_tolerance_km : float
    A plan waypoint (section end, station) this close to an OSM line counts as on it;
    farther section ends do not clip the line.
osm_min_score : float
    Lowest total score (0–1) of an accepted OSM match.
osm_timeout : float
    Seconds osmnx waits for Overpass before ``enrich osm`` gives up.
osm_overpass_url : str or None
    Overpass endpoint (environment ``ATLAS_OVERPASS_URL``); None keeps osmnx's default.
osm_cache_dir : pathlib.Path
    osmnx's HTTP cache of Overpass answers (environment ``ATLAS_OSM_CACHE``;
    default ``~/.cache/atlas/osmnx``). Safe to delete.
db_url : str or None
    SQLAlchemy URL of the workbench store (edits, proposals, accounts), e.g.
    ``postgresql+psycopg://atlas@/atlas?host=/run/postgresql``. Environment
    ``ATLAS_DB``. When unset, the embedded SQLite file ``db_path`` is used.
db_path : pathlib.Path
    The embedded SQLite store (created on first write; ignored by git).
memory_janitor : bool
    The app server's janitor thread (``atlas_ui.start_memory_janitor``): shuts down closed
    sessions past Streamlit's reconnect window and gives freed memory back to the system.
    Environment ``ATLAS_MALLOC_TRIM=0`` turns it off (to measure without it).
freeze_catalog : bool
    After the catalog loads, the app server moves every object then alive out of the cyclic
    garbage collector's reach (``geo._memory.freeze_long_lived``), so Streamlit's collection
    after each script run no longer scans the catalog (~100 ms a run). Environment
    ``ATLAS_GC_FREEZE=0`` turns it off (to measure without it: ``bench/bench_app.py``).
"""

from __future__ import annotations

import os
from pathlib import Path

root: Path = Path(__file__).resolve().parent.parent
data_dir: Path = root / "data"
projects_path: Path = data_dir / "projects.geojson"
plans_path: Path = data_dir / "plans.json"
boundaries_dir: Path = data_dir / "boundaries"
catalog_dir: Path = data_dir / "catalog"
seeds_dir: Path = Path(os.environ.get("ATLAS_SEEDS", root.parent / "shared" / "seeds"))
static_dir: Path = root / "static"
vendor_dir: Path = static_dir / "vendor"

storage_crs: str = "EPSG:4326"
area_crs: str = (
    "+proj=aea +lat_0=0 +lon_0=105 +lat_1=26 +lat_2=33 +datum=WGS84 +units=m +no_defs"
)
ellipsoid: str = "WGS84"
region_bounds: tuple[float, float, float, float] = (90.0, 20.0, 123.0, 42.0)
coordinate_precision: int = 6
web_simplify_tolerance: float = 0.003
cluster_threshold: int = 2000

assets_mode: str = os.environ.get("ATLAS_ASSETS", "local")
tianditu_key: str | None = os.environ.get("TIANDITU_KEY") or None
tile_cache_dir: Path = Path(os.environ.get("ATLAS_TILE_CACHE", Path.home() / ".cache" / "atlas" / "tiles"))
tile_timeout: float = 10.0
tile_max: int = 250
max_input_bytes: int = int(float(os.environ.get("ATLAS_MAX_INPUT_MB", "100")) * 1_000_000)
max_records: int = 500_000
max_json_containers: int = 10_000_000
max_csv_cells: int = 20_000_000
max_unzipped_bytes: int = 1_000_000_000
max_zip_ratio: float = 200.0
#: Chromium screenshots taken at once by one process (geo._browser.screenshot_slot); one more gets a "busy" notice.
max_screenshots: int = 2

osm_search_buffer_km: float = 10.0
osm_line_search_km: float = 60.0
osm_waypoint_tolerance_km: float = 3.0
osm_min_score: float = 0.75
osm_timeout: float = 30.0
osm_overpass_url: str | None = os.environ.get("ATLAS_OVERPASS_URL") or None
osm_cache_dir: Path = Path(os.environ.get("ATLAS_OSM_CACHE", Path.home() / ".cache" / "atlas" / "osmnx"))

db_url: str | None = os.environ.get("ATLAS_DB") or None
db_path: Path = data_dir / "atlas.db"
national_dir: Path = Path(os.environ.get("ATLAS_NATIONAL_DIR", Path.home() / ".cache" / "atlas" / "national"))
vector_tiles_threshold: int = 100_000
memory_janitor: bool = os.environ.get("ATLAS_MALLOC_TRIM") != "0"
freeze_catalog: bool = os.environ.get("ATLAS_GC_FREEZE") != "0"

# sources (issue 10): largest plan text `geo ingest` and the Import page read (bytes)
max_plan_bytes: int = 5 * 1024 * 1024
# Issue 13 (scale): a synthetic catalog (``ATLAS_PROJECTS``, a GeoJSON file) and the tiled-map
# threshold (``ATLAS_VECTOR_TILES_THRESHOLD``) can be set from the environment, e.g. to run the
# app on a national test catalog or to see the tiled map on today's catalog.
if os.environ.get("ATLAS_PROJECTS"):
    projects_path = Path(os.environ["ATLAS_PROJECTS"])
vector_tiles_threshold = int(os.environ.get("ATLAS_VECTOR_TILES_THRESHOLD", vector_tiles_threshold))
