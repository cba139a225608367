"""National scale: the dask engine gives the geopandas rows and statistics; synthetic catalog; tiles.

The dask path runs on a real 2-process LocalCluster started once for the module
(its address is passed as ``scheduler=``, as a remote cluster would be).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo import join_dask
from geo.join import join
from geo.stats import district_stats

from .helpers import drawn_ids, drawn_parts

COLUMNS = ["id", "status", "category", "plan_ids", "location_precision", "geometry"]


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as c:
        yield c.scheduler_address


@pytest.fixture(scope="module")
def catalog(atlas):
    """The real catalog plus points planted exactly on shared district borders (tie-break cases)."""
    units = atlas.join_units
    border = shapely.get_coordinates(shapely.boundary(units.geometry.values[:8]))[::97]
    planted = gpd.GeoDataFrame(
        {"id": [f"B{i:04d}" for i in range(len(border))], "status": "proposed", "category": "other",
         "plan_ids": [["jlp14"]] * len(border), "location_precision": "exact"},
        geometry=shapely.points(border), crs=atlas.projects.crs,
    )
    frame = pd.concat([atlas.projects[COLUMNS], planted], ignore_index=True)
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=atlas.projects.crs)


def _sorted(rows: pd.DataFrame) -> pd.DataFrame:
    return rows.sort_values(["id", "adcode"]).reset_index(drop=True)


def test_dask_join_rows_equal_geopandas_rows(catalog, atlas, cluster, tmp_path):
    expected = join(catalog, atlas.join_units)
    parts = join_dask.write_partitions(catalog, tmp_path / "p.parquet", rows=len(catalog) // 5 + 1)
    assert len(list(parts.glob("*.parquet"))) == 5
    got = join(parts, atlas.join_units, engine="dask", scheduler=cluster)
    assert len(expected) > len(catalog) // 2
    assert got["id"].str.startswith("B").sum() > 10
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)  # same order as well
    pd.testing.assert_frame_equal(_sorted(got), _sorted(expected), check_dtype=False)


def test_dask_join_written_per_partition(catalog, atlas, cluster, tmp_path):
    parts = join_dask.write_partitions(catalog, tmp_path / "p.parquet", rows=400)
    n = join_dask.join(parts, atlas.join_units, scheduler=cluster, out=tmp_path / "rows")
    written = pd.concat([pd.read_parquet(p) for p in sorted((tmp_path / "rows").glob("*.parquet"))], ignore_index=True)
    assert n == len(written)
    pd.testing.assert_frame_equal(_sorted(written), _sorted(join(catalog, atlas.join_units)), check_dtype=False)


def test_dask_stats_equal_geopandas_stats(catalog, atlas, cluster, tmp_path):
    expected = district_stats(catalog, join(catalog, atlas.join_units), atlas.units)
    parts = join_dask.write_partitions(catalog, tmp_path / "p.parquet", rows=300)
    got = join_dask.district_stats(parts, atlas.join_units, atlas.units, scheduler=cluster)
    assert list(got.columns) == list(expected.columns)
    assert expected.projects.sum() > 100
    pd.testing.assert_frame_equal(got, expected, check_dtype=False, rtol=1e-9)


def test_dask_join_of_a_frame_on_its_own_local_cluster(fixture_projects, fixture_units, monkeypatch):
    """scheduler=None starts (and closes) a LocalCluster; a GeoDataFrame goes through temporary GeoParquet.

    One worker process (not LOCAL_WORKERS): the path is the same, the start half as dear; the module's
    two-worker ``cluster`` covers partitions spread over workers."""
    monkeypatch.setattr(join_dask, "LOCAL_WORKERS", 1)
    frame = fixture_projects[["id", "location_precision", "geometry"]]
    expected = join(frame, fixture_units)
    got = join(frame, fixture_units, engine="dask")
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_unknown_engine_is_a_clear_error(fixture_projects, fixture_units):
    with pytest.raises(ValueError, match="spark"):
        join(fixture_projects, fixture_units, engine="spark")


def test_missing_parquet_is_a_data_file_error(tmp_path):
    from geo._errors import DataFileError

    with pytest.raises(DataFileError, match="nothere"):
        join_dask.read_partitions(tmp_path / "nothere")


def test_combine_stats_adds_partitions():
    a = pd.DataFrame({"unit_adcode": ["1", "2"], "name_zh": ["甲", "乙"], "name_en": ["A", "B"], "level": "district",
                      "projects": [1, 0], "plan:x": [1, 0], "km:rail": [1.5, 0.0]})
    b = pd.DataFrame({"unit_adcode": ["2", "1"], "name_zh": ["乙", "甲"], "name_en": ["B", "A"], "level": "district",
                      "projects": [2, 1], "plan:y": [2, 1], "km:rail": [2.0, 0.5]})
    out = join_dask.combine_stats([a, b]).set_index("unit_adcode")
    assert out.loc["1", "projects"] == 2 and out.loc["2", "projects"] == 2
    assert out.loc["1", "plan:x"] == 1 and out.loc["2", "plan:x"] == 0 and out.loc["2", "plan:y"] == 2
    assert out.loc["1", "km:rail"] == pytest.approx(2.0)
    assert np.issubdtype(out["plan:y"].dtype, np.integer)


def _gen():
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("gen_national", Path(__file__).parents[1] / "bench" / "gen_national.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_synthetic_catalog_is_deterministic_and_on_land(fixture_units):
    gen = _gen()
    a = gen.generate(fixture_units, points=300, lines=20, polygons=10, seed=7)
    b = gen.generate(fixture_units, points=300, lines=20, polygons=10, seed=7)
    c = gen.generate(fixture_units, points=300, lines=20, polygons=10, seed=8)
    assert shapely.equals_exact(a.geometry.values, b.geometry.values).all()
    assert not shapely.equals_exact(a.geometry.values, c.geometry.values).all()
    assert a.geom_kind.value_counts().to_dict() == {"point": 300, "line": 20, "polygon": 10}
    pts = a[a.geom_kind == "point"].geometry.values
    assert shapely.intersects(shapely.union_all(fixture_units.geometry.values), pts).all()
    assert a["id"].is_unique and set(a.columns) >= {"id", "category", "status", "plan_ids", "location_precision", "kind"}
    # The generated catalog joins on both engines alike (no cluster needed for the geopandas side).
    assert len(join(a, fixture_units)) >= 300


def test_national_unit_table_roll_up_rules():
    from geo import national

    counties = pd.DataFrame({"adcode": ["110105", "510104", "469001", "810001", "500229"],
                             "district": ["朝阳区", "锦江区", "五指山市", "中西区", "城口县"], "city": [None] * 5})
    cities = pd.DataFrame({"city": ["成都市"]}, index=pd.Index(["510100"], name="adcode"))
    t = national._unit_table(counties, cities).set_index("adcode")
    assert t.loc["510104", "unit_adcode"] == "510100" and t.loc["510104", "unit_name_zh"] == "成都市"
    assert t.loc["510104", "level"] == "county"
    for own in ("110105", "500229"):  # municipal districts are their own unit
        assert t.loc[own, "unit_adcode"] == own and t.loc[own, "level"] == "district"
    for own in ("469001", "810001"):  # no prefecture-level city above
        assert t.loc[own, "unit_adcode"] == own and t.loc[own, "unit_name_zh"] == t.loc[own, "name_zh"]
    stat = national.stat_units(t.reset_index())
    assert set(stat.adcode) == {"510100", "110105", "500229", "469001", "810001"}
    assert stat.set_index("adcode").loc["510100", "level"] == "city"


def test_vector_tiles_build_and_clear_errors(fixture_projects, tmp_path, monkeypatch):
    from geo import vtiles
    from geo._errors import VectorTileError

    out = vtiles.build(fixture_projects, tmp_path / "t.pmtiles", max_zoom=8)
    head = out.read_bytes()[:7]
    assert head == b"PMTiles" and out.stat().st_size > 200
    monkeypatch.setattr(vtiles, "MAX_BYTES", 100)
    with pytest.raises(VectorTileError, match="200 MB"):
        vtiles.build(fixture_projects, tmp_path / "big.pmtiles", max_zoom=8)
    assert not (tmp_path / "big.pmtiles").exists()  # nothing half-written


def test_cli_join_and_stats_on_parquet_with_dask(catalog, cluster, tmp_path, capsys):
    from geo.__main__ import main

    parts = join_dask.write_partitions(catalog, tmp_path / "p.parquet", rows=500)
    for engine in ("geopandas", "dask"):
        assert main(["join", "--parquet", str(parts), "--engine", engine, "--scheduler", cluster, "--out", str(tmp_path / f"j-{engine}.csv")]) == 0
        assert main(["stats", "--parquet", str(parts), "--engine", engine, "--scheduler", cluster, "--out", str(tmp_path / f"s-{engine}.csv")]) == 0
    for kind in ("j", "s"):
        a = pd.read_csv(tmp_path / f"{kind}-geopandas.csv", dtype=str)
        b = pd.read_csv(tmp_path / f"{kind}-dask.csv", dtype=str)
        assert len(a) > 10
        pd.testing.assert_frame_equal(a, b) if kind == "j" else pd.testing.assert_frame_equal(
            a.drop(columns=[c for c in a.columns if c.startswith("km")]), b.drop(columns=[c for c in b.columns if c.startswith("km")]))
    assert main(["join", "--parquet", str(tmp_path / "missing"), "--engine", "dask"]) == 1
    assert "missing" in capsys.readouterr().err


def test_tile_styles_are_the_catalog_styles():
    """The tiled map draws what the inline map draws: the same line/polygon styles, the same point SVGs."""
    import base64
    import json

    from geo.styles import CATEGORY_COLORS, STATUS_DASH, feature_style, point_svg
    from layers.vector_tiles import standalone_map, style_table, use_tiles

    table = style_table()
    rail = table["rail|operating|exact|line"]
    assert rail["color"] == CATEGORY_COLORS["rail"] and rail["dash"] == []
    assert rail["weight"] == feature_style("rail", "operating", "exact", "line")["weight"]
    assert table["rail|under_construction|exact|line"]["dash"] == [float(v) for v in STATUS_DASH["under_construction"].split()] != []
    assert table["new_town|proposed|exact|polygon"]["stroke"].startswith("rgba(204,121,167,")  # the family colour
    for key in ("airport|proposed|exact|point", "hospital|operating|approximate|point", "metro|under_construction|exact|point"):
        cat, status, prec, _ = key.split("|")
        svg, size = point_svg(cat, status, prec)
        assert base64.b64decode(table[key]["svg"].split(",", 1)[1]).decode() == svg and table[key]["size"] == size
    assert table["airport|operating|approximate|point"]["size"] > table["airport|operating|exact|point"]["size"]
    assert {"_default|point", "_default|line", "_default|polygon"} <= set(table)
    html = standalone_map("/t.pmtiles", location=(30, 105), zoom=5, base="/vendor").get_root().render()
    assert '<script src="/vendor/protomaps/protomaps-leaflet.js"></script>' in html
    assert json.dumps("项目一张图", ensure_ascii=False) in html
    assert not use_tiles(100_000) and use_tiles(100_001)


def test_archive_is_built_once_per_content(fixture_projects, tmp_path, monkeypatch):
    from geo import settings, vtiles

    monkeypatch.setattr(settings, "static_dir", tmp_path)
    builds = []
    real = vtiles.build
    monkeypatch.setattr(vtiles, "build", lambda *a, **k: builds.append(1) or real(*a, **k))
    first = vtiles.ensure(fixture_projects, prefix="p", max_zoom=6)
    assert vtiles.ensure(fixture_projects.iloc[::-1], prefix="p", max_zoom=6) == first and len(builds) == 1
    assert vtiles.tiles_path(first).exists() and vtiles.tiles_url(first) == f"/app/static/tiles/{first}.pmtiles"
    fewer = vtiles.ensure(fixture_projects.iloc[1:], prefix="p", keep=1, max_zoom=6)
    assert fewer != first and len(builds) == 2
    assert sorted(p.stem for p in (tmp_path / "tiles").glob("p-*.pmtiles")) == [fewer]  # only `keep` kept


def _map_page(monkeypatch, tmp_path, threshold: int):
    import json

    from streamlit.testing.v1 import AppTest

    from geo import settings

    monkeypatch.setattr(settings, "static_dir", tmp_path)
    monkeypatch.setattr(settings, "vector_tiles_threshold", threshold)
    page = next((settings.root / "app_pages").glob("0_Map_*.py"))
    at = AppTest.from_file(str(page), default_timeout=180)

    def args():
        assert not at.exception, at.exception
        return json.loads(at.get("component_instance")[0].proto.json_args)
    return at, args


def test_map_page_draws_tiles_above_the_threshold(monkeypatch, tmp_path):
    from geo import vtiles

    builds = []
    real = vtiles.build
    monkeypatch.setattr(vtiles, "build", lambda *a, **k: builds.append(1) or real(*a, **k))
    at, args = _map_page(monkeypatch, tmp_path, threshold=20)
    at.run()
    script, layers = args()["script"], args()["feature_group"] or ""
    assert "protomapsL" in script and "/app/static/tiles/projects-wgs84-" in script
    assert {part["k"] for part in drawn_parts(layers)} == {"places"}  # no inline projects: only the place badges
    assert len(list((tmp_path / "tiles").glob("projects-wgs84-*.pmtiles"))) == 1 and len(builds) == 1
    # Category and status apply in the browser: the same archive, no rebuild; a rerun never rebuilds.
    at.multiselect(key="f_category").set_value(["rail"]).run()
    assert '{"category": ["rail"], "status": null}' in args()["script"] and len(builds) == 1
    at.run()
    assert len(builds) == 1


def test_map_page_draws_inline_layers_up_to_the_threshold(monkeypatch, tmp_path):
    at, args = _map_page(monkeypatch, tmp_path, threshold=100_000)
    at.run()
    assert "protomapsL" not in args()["script"]
    assert len(drawn_ids(args()["feature_group"] or "")) > 100  # projects inline
    assert not (tmp_path / "tiles").exists()


def test_tiled_map_draws_district_level_records_as_place_badges(monkeypatch, tmp_path):
    """Past the threshold, records known only to a town, district or city are not tiles: they are the same
    place badges as on the inline map (one per place, its count, its name), and the archive leaves them out."""
    from geo import vtiles
    from geo.styles import GROUPED_PRECISIONS

    archived = []
    real = vtiles.build
    monkeypatch.setattr(vtiles, "build", lambda frame, *a, **k: archived.append(frame) or real(frame, *a, **k))

    def badges(threshold: int) -> tuple[str, list[tuple[str, str]]]:
        at, args = _map_page(monkeypatch, tmp_path, threshold=threshold)
        at.query_params["district"] = "500107"
        at.run()
        layers = args()["feature_group"] or ""
        places = [part for part in drawn_parts(layers) if part["k"] == "places"]  # [tip, count, precision, lon, lat]
        return args()["script"], sorted((int(f[1]), f[0]) for part in places for f in part["f"])

    script, tiled = badges(threshold=20)
    assert "protomapsL" in script  # the tiled map …
    assert archived and len(archived[-1]) and not archived[-1].location_precision.isin(GROUPED_PRECISIONS).any()
    script, inline = badges(threshold=100_000)
    assert "protomapsL" not in script
    assert tiled == inline  # … shows the inline map's place badges: same places, counts and names
    assert tiled and any(n > 50 and "九龙坡区" in tip for n, tip in tiled)  # Jiulongpo's district-level records on one symbol
