"""ODbL credit wherever OpenStreetMap geometry is used: every export format and the briefing image's source line,
and nowhere when no exported/drawn record comes from OpenStreetMap."""

from __future__ import annotations

import json
import zipfile

import pandas as pd
import pyogrio
import pytest

from geo import osm, render
from geo.export import EXTENSIONS, export
from geo.join import join


@pytest.fixture(scope="module")
def plain(fixture_projects, fixture_units):
    return fixture_projects, join(fixture_projects, fixture_units)


@pytest.fixture(scope="module")
def with_osm(fixture_projects, fixture_units):
    projects = fixture_projects.copy()
    hit = projects["id"] == "F04"
    projects["osm_ids"] = [["way/1", "way/2"] if h else [] for h in hit]
    projects.loc[hit, "location_source"] = "openstreetmap"
    projects.loc[hit, "location_precision"] = "exact"
    return projects, join(projects, fixture_units)


def _read(path, fmt):
    if fmt == "geojson":
        return json.loads(path.read_text(encoding="utf-8"))
    if fmt == "gpkg":
        return pyogrio.list_layers(path)[:, 0].tolist()
    if fmt == "csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n).decode("utf-8") for n in zf.namelist() if n.endswith(".txt")}


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "csv", "shp"])
def test_export_credits_osm_only_when_used(plain, with_osm, tmp_path, fmt):
    path = export(plain[0], plain[1], tmp_path / f"plain{EXTENSIONS[fmt]}", fmt=fmt)
    before = _read(path, fmt)
    path = export(with_osm[0], with_osm[1], tmp_path / f"osm{EXTENSIONS[fmt]}", fmt=fmt)
    after = _read(path, fmt)
    if fmt == "geojson":
        assert "attribution" not in before and "license" not in before
        assert (after["attribution"], after["license"]) == (osm.CREDIT, "ODbL-1.0")
        assert after["type"] == "FeatureCollection" and len(after["features"]) == len(before["features"])
        assert path.read_text(encoding="utf-8").count("\n") == len(after["features"]) + 2  # one feature per line kept
    elif fmt == "gpkg":
        assert "attribution" not in before and "attribution" in after
        table = pyogrio.read_dataframe(path, layer="attribution", read_geometry=False)
        assert table.loc[0, "attribution"] == osm.CREDIT and table.loc[0, "records"] == "F04"
        assert table.loc[0, "license"] == "ODbL-1.0"
    elif fmt == "csv":
        assert "attribution" not in before.columns
        credit = dict(zip(after["id"], after["attribution"], strict=True))
        assert credit["F04"] == osm.CREDIT and credit["F01"] == ""
        pd.testing.assert_frame_equal(after.drop(columns=["attribution", "location_precision"]), before.drop(columns="location_precision"))
    else:
        assert "ATTRIBUTION.txt" not in before
        assert osm.CREDIT in after["ATTRIBUTION.txt"] and "F04" in after["ATTRIBUTION.txt"]


def test_export_of_a_v1_frame_has_no_credit(plain, tmp_path):
    projects, joined = plain
    path = export(projects.drop(columns=["location_source"]), joined, tmp_path / "v1.geojson", fmt="geojson")
    assert "attribution" not in json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_image_source_line_credits_osm_only_when_drawn(atlas, lang):
    shown = atlas.projects.head(5).copy()
    shown["location_source"] = "well_known"
    line = render.source_line(atlas, shown, lang=lang)
    assert "OpenStreetMap" not in line
    shown.loc[shown.index[0], "location_source"] = "openstreetmap"
    credit = osm.CREDIT_ZH if lang == "zh" else osm.CREDIT
    assert render.source_line(atlas, shown, lang=lang).endswith(credit + "。" if lang == "zh" else credit + ".")
