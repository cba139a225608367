"""Shared fixtures: a tiny hand-made district set and a dozen projects of every geometry kind.

Districts (0.1° squares near 106°E 29°N): 甲区 500901 [106.0–106.1], 乙区 500902
[106.1–106.2], 丙县 500903 [106.2–106.3], all 29.0–29.1. The file also holds a
Sichuan-style county and city, used where a test needs the two-level case.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest

from geo import io

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def fixture_units() -> gpd.GeoDataFrame:
    """The three Chongqing-style districts only (a clean coverage), as join units."""
    units = gpd.read_file(FIXTURES / "districts.geojson")
    units = units[units.level == "district"].reset_index(drop=True)
    units["unit_adcode"] = units.adcode
    units["unit_name_zh"] = units.name_zh
    units["unit_name_en"] = units.name_en
    return units


@pytest.fixture(scope="session")
def fixture_projects() -> gpd.GeoDataFrame:
    from geo.catalog import add_derived_columns

    frame, problems, _ = io.read_projects(FIXTURES / "projects.geojson")
    assert problems == []
    return add_derived_columns(frame)


@pytest.fixture(scope="session")
def fixture_joined(fixture_projects, fixture_units):
    """:func:`geo.join.join` of the fixture projects and districts, computed once per session.

    Tests must not modify it (copy first).
    """
    from geo.join import join

    return join(fixture_projects, fixture_units)


@pytest.fixture(scope="session")
def atlas():
    from geo.catalog import Atlas

    return Atlas()


def geodesic_km(coords) -> float:
    """Reference length of a polyline with pyproj's own Geod.line_length (independent of geo.coords)."""
    import pyproj

    lon, lat = np.asarray(coords).T
    return pyproj.Geod(ellps="WGS84").line_length(lon, lat) / 1000.0


@pytest.fixture(autouse=True, scope="session")
def _no_real_store(tmp_path_factory):
    """No test reads or writes the developer's data/atlas.db or an ATLAS_DB of the environment."""
    from geo import settings

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(settings, "db_url", None)
        mp.setattr(settings, "db_path", tmp_path_factory.mktemp("store") / "absent.db")
        yield


@pytest.fixture(autouse=True, scope="session")
def _private_caches(tmp_path_factory):
    """Tile and Overpass caches of this session (of each pytest-xdist worker): none in the home folder, none shared."""
    from geo import settings

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(settings, "tile_cache_dir", tmp_path_factory.mktemp("tile-cache"))
        mp.setattr(settings, "osm_cache_dir", tmp_path_factory.mktemp("osm-cache"))
        yield


#: The slowest work units (modules), slowest first (docs/PERFORMANCE.md "Test suite wall time"): handed out
#: before the rest, so no long module starts last on one worker while the other one idles.
SLOW_FIRST = tuple(f"tests/{name}.py" for name in (
    "browser/test_hostile_urls", "browser/test_workbench_edit", "browser/test_vector_tiles", "test_scale",
    "browser/test_review_osm", "test_render", "test_app", "test_workbench_app", "test_store", "test_hostile_files",
))
#: Modules whose tests use ``app_url`` (one ``streamlit run`` per worker session): one xdist work unit, named after
#: the first, so one app server serves them all (the machine is short of CPU, not of balance: a second server
#: would cost more than it saves).
APP_URL_MODULES = tuple(f"tests/browser/{name}.py" for name in ("test_hostile_urls", "test_map_in_chromium", "test_map_planner", "test_map_view"))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """``make test`` (pytest-xdist): a module's tests stay on one worker, the ``app_url`` modules share one, and
    the slowest units are handed out first (so none starts last on one worker while the other idles).

    So no module fixture (an app server, a dask cluster, a built file) or session server starts twice.
    (``--dist loadgroup`` would group with marks, but pytest-xdist 3.8 renames ``item._nodeid``, which
    pytest 9 no longer reads: the groups are silently lost.)
    """
    from xdist.scheduler import LoadScopeScheduling

    class ModuleScheduling(LoadScopeScheduling):
        _ordered = False

        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return APP_URL_MODULES[0] if module in APP_URL_MODULES else module

        def _assign_work_unit(self, node) -> None:
            if not self._ordered:  # the queue is complete at the first assignment
                for scope in reversed(SLOW_FIRST):
                    if scope in self.workqueue:
                        self.workqueue.move_to_end(scope, last=False)
                self._ordered = True
            super()._assign_work_unit(node)

    return ModuleScheduling(config, log)
