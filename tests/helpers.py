"""Test helpers in the manner of :mod:`geopandas.testing`: build valid records, assert join rows.

``make_record`` returns one schema-v2 GeoJSON feature that passes
:func:`geo.validate.check_records`; keyword arguments override properties
(``geometry=`` replaces the geometry, ``None`` for a region record).
``make_frame`` reads such features through :func:`geo.io.read_projects`, so a
test gets exactly what the app would load. ``assert_join_rows`` checks the
rows of :func:`geo.join.join` for one project: which units, and optionally
their shares and measure. ``drawn_parts`` reads back what a map script draws. ``record_joins`` lists which
records each later :func:`geo.join.join` call is given.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest

_POINT = {"type": "Point", "coordinates": [106.05, 29.05]}


def make_record(record_id: str = "T01", *, geometry: dict | str | None = "point", **properties: Any) -> dict:
    """One valid schema-v2 feature (an exact hospital point in 甲区 of the fixture, cited by ``lj2023``)."""
    props: dict[str, Any] = {
        "id": record_id,
        "name_zh": f"测试项目{record_id}",
        "name_en": f"Test project {record_id}",
        "aliases": [],
        "kind": "project",
        "category": "hospital",
        "status": "under_construction",
        "status_as_of": "2023-03-24",
        "status_source": "lj2023",
        "location_precision": "exact",
        "source_crs": "WGS84",
        "location_source": "well_known",
        "location_note_zh": "测试记录",
        "location_note_en": "Test record",
        "admin_stated": ["甲区"],
        "plans": [{"plan": "lj2023", "verb": "加快建设", "action": "build", "target_year": None, "quote": "加快建设"}],
    }
    props.update(properties)
    geom = _POINT if geometry == "point" else geometry
    return {"type": "Feature", "properties": props, "geometry": geom}


def make_frame(records: Iterable[dict], tmp_path: Path) -> gpd.GeoDataFrame:
    """The records as the app loads them: written to a GeoJSON file, read by ``geo.io``, derived columns added."""
    from geo import io
    from geo.catalog import add_derived_columns

    path = tmp_path / "records.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": list(records)}, ensure_ascii=False), encoding="utf-8")
    frame, problems, _ = io.read_projects(path)
    assert problems == [], problems
    return add_derived_columns(frame)


def join_rows(joined: pd.DataFrame, project_id: str) -> pd.DataFrame:
    """The join rows of one project, indexed by the finest unit's adcode."""
    return joined[joined["id"] == project_id].set_index("adcode")


def assert_join_rows(
    joined: pd.DataFrame,
    project_id: str,
    adcodes: list[str],
    *,
    shares: Mapping[str, float] | None = None,
    measure: str | None = None,
    rel: float = 1e-3,
) -> pd.DataFrame:
    """Assert the units a project was joined to (in order), and optionally their shares and measure.

    Returns the rows (indexed by adcode) for further checks.
    """
    rows = join_rows(joined, project_id)
    assert list(rows.index) == adcodes, f"{project_id}: joined to {list(rows.index)}, expected {adcodes}"
    for code, share in (shares or {}).items():
        assert rows.loc[code, "share"] == pytest.approx(share, rel=rel), f"{project_id} in {code}: share {rows.loc[code, 'share']}"
    if measure is not None:
        assert (rows["measure"] == measure).all(), f"{project_id}: measure {set(rows['measure'])}, expected {measure}"
    return rows


def record_joins(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The ids given to each :func:`geo.join.join` call from now on (the join still runs): to see what was joined."""
    from geo import join as join_module

    calls: list[list[str]] = []
    full = join_module.join

    def spy(projects, units, **kwargs):
        calls.append(list(projects["id"]))
        return full(projects, units, **kwargs)

    monkeypatch.setattr(join_module, "join", spy)
    return calls


def run_page(page: Path, user: dict | None = None):
    """Run an app page with streamlit's AppTest, signed in as ``user`` if given; fail on any exception."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(page), default_timeout=120)
    if user:
        at.session_state["atlas_user"] = user
    at.run()
    assert not at.exception, at.exception
    return at


def drawn_parts(script: str) -> list[dict]:
    """The project data a map's script draws: one dict per ``atlasProjects(parent, {...});`` line
    (:mod:`layers.projects`): ``k`` the kind (paths, points, places, cluster), ``f`` the rows."""
    return [json.loads(m) for m in re.findall(r"^\s*atlasProjects\([\w.]+, (.*)\);$", script, flags=re.M)]


def drawn_ids(script: str) -> list[str]:
    """Ids of the individually drawn projects (paths and points) in a map's script."""
    return [row[0] for part in drawn_parts(script) if part["k"] in ("paths", "points") for row in part["f"]]


def drawn_labels(script: str) -> list[str]:
    """The unit labels a base map's script writes (:class:`layers.projects._Labels`: ``[lat, lon, text]`` rows)."""
    found = re.search(r"^\s*g\.addTo\(map\); \}\)\([\w.]+, (\[.*\])\);$", script, flags=re.M)
    return [row[2] for row in json.loads(found.group(1))] if found else []
