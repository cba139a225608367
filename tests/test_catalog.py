"""The shipped catalog: valid, consistent with boundaries and its source texts."""

from __future__ import annotations

import pytest
import shapely

from geo import checks, settings
from geo.catalog_build import project_id
from geo.validate import validate_file


def test_catalog_file_validates():
    frame, report = validate_file(settings.projects_path)
    assert report.ok, str(report)
    assert len(frame) >= 300


def test_ids_are_stable_and_unique(atlas):
    assert atlas.projects.id.is_unique
    # Pinned: an id is SHA-1 of the normalised key; a change of the rule would re-key every record.
    assert project_id("渝西高铁") == project_id(" 渝西高铁 ") == project_id("“渝西高铁”") == "PBC827AFD"


def test_every_record_cites_a_plan_with_a_quote(atlas):
    for atts in atlas.projects.plans:
        assert atts and all(a["quote"] and a["plan"] in atlas.plans for a in atts)


def test_quotes_occur_verbatim_in_their_sources(atlas):
    if not settings.seeds_dir.exists():
        pytest.skip("plan texts not present")
    assert checks.quotes_in_sources(atlas.projects, atlas.plans) == []


def test_stated_districts_are_joined(atlas):
    problems = checks.admin_stated_joined(atlas)
    assert problems == [], "\n".join(map(str, problems))


def test_no_exact_point_on_a_district_point(atlas):
    assert checks.exact_not_at_district_point(atlas) == []


def test_linear_categories_are_lines(atlas):
    p = atlas.projects
    linear = p[p.category.isin(["rail", "metro", "highway"])]
    share = (linear.geom_kind == "line").mean()
    assert share > 0.8, linear[linear.geom_kind != "line"][["name_zh", "location_note"]].to_string()


def test_district_level_records_are_not_scattered(atlas):
    """District-level points sit exactly on their district's representative point."""
    from geo import gazetteer

    p = atlas.projects
    district_level = p[(p.location_precision == "district") & (p.geom_kind == "point")]
    anchors = {tuple(round(v, 6) for v in gazetteer.district_point(n)[:2]) for n in atlas.join_units.name_zh}
    anchors |= {tuple(round(v, 6) for v in gazetteer.district_point(n)[:2]) for n in atlas.units.name_zh}
    off = [
        (r.name_zh, x, y)
        for r in district_level.itertuples()
        for x, y in shapely.get_coordinates(r.geometry)
        if (round(x, 6), round(y, 6)) not in anchors
    ]
    assert off == []


def test_shipped_zones_were_built_with_the_shipped_catalog():
    """`zones.geojson` carries the SHA-256 of the catalog it was built with: a merge that changes
    data/projects.geojson without `python -m geo catalog build` is caught here."""
    from geo import catalog

    zones, notice = catalog.load_zones()
    assert notice is None
    assert len(zones) >= 5 and set(zones.columns) >= {"name_zh", "project_id", "geometry"}


# Belt/axis names the plans use for something planted or built along its length, not for a label.
_BUILT_BELTS = {"两岸青山·千里林带": "a forest belt that is planted (afforestation along the Yangtze)"}


def test_belt_and_axis_labels_are_designations(atlas):
    """A 带/轴 of a plan's spatial layout or an industry belt is a label over many places (DATA_MODEL, "Projects and
    designations"); audit sample 5 found the two 带 of Liangjiang's "一核两带" kept as projects beside their five
    axes kept as designations."""
    p = atlas.projects
    names = p.name_zh.str.strip('“”"')
    labels = p[names.str.endswith(("带", "轴")) & ~names.isin(list(_BUILT_BELTS))]
    assert len(labels) >= 15
    assert labels[labels.kind != "designation"].name_zh.tolist() == []
    assert set(p[names.isin(list(_BUILT_BELTS))].kind) == {"project"}


@pytest.mark.parametrize(
    "whole, core, whole_words",
    [
        ("成渝综合性科学中心", "成渝(金凤)综合性科学中心", "建设成渝综合性科学中心"),
        ("西部科学城", "西部(重庆)科学城", "一城多园"),
    ],
)
def test_a_two_province_whole_is_not_folded_into_its_chongqing_part(atlas, whole, core, whole_words):
    """joint2021's science centre (cores in 天府新区 and at 金凤) and its "一城多园" science city (成都, 重庆, 绵阳 …) are
    region-wide designations of their own; the Chongqing part is a project that does not hold the whole's words
    (audit sample 5: `merge.json` had folded each whole into its Chongqing part, drawn there only)."""
    p = atlas.projects.set_index("name_zh")
    assert {whole, core} <= set(p.index), "one of the two records is missing (merged?)"
    w, c = p.loc[whole], p.loc[core]
    assert (w.kind, w.location_precision, w.scope, w.geometry) == ("designation", "region", "成渝地区", None)
    assert any(whole_words in a["quote"] for a in w.plans)
    assert c.kind == "project" and c.geometry is not None
    assert not any(whole_words in a["quote"] for a in c.plans)
