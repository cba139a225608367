"""Briefing images: every format opens, Chinese is text, content follows the filter."""

from __future__ import annotations

import warnings
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image

from geo import boundaries, render
from geo.__main__ import main
from geo.filters import FilterSpec


@pytest.fixture(scope="module")
def units():
    return boundaries.filter_units(resolution="web")


@pytest.fixture(scope="module")
def rail(atlas):
    return FilterSpec(categories=("rail",)).apply(atlas.projects, atlas.joined)


def _render(rail, units, path, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph warning fails the test
        return render.render(rail, units, path, title="成渝地区铁路项目", subtitle="类别: 铁路", sources="资料来源:测试", dpi=kw.pop("dpi", 60), **kw)


def test_png_size_dpi_colours(rail, units, tmp_path):
    r = _render(rail, units, tmp_path / "m.png", dpi=100)
    img = Image.open(r.path)
    assert img.size == (1169, 827)  # A4 landscape at 100 dpi
    assert round(img.info["dpi"][0]) == 100
    pixels = np.asarray(img.convert("RGB")).reshape(-1, 3)
    assert len(np.unique(pixels, axis=0)) > 100  # not blank
    rail_red = np.array([0xD6, 0x27, 0x28])
    assert (np.abs(pixels.astype(int) - rail_red).sum(axis=1) < 40).sum() > 200  # the railway colour is drawn


def test_pdf_has_chinese_title_as_text(rail, units, tmp_path):
    from pypdf import PdfReader

    r = _render(rail, units, tmp_path / "m.pdf", preset="a4-portrait")
    text = PdfReader(r.path).pages[0].extract_text()
    assert "成渝地区铁路项目" in text and "资料来源" in text


def test_svg_parses_and_keeps_text(rail, units, tmp_path):
    r = _render(rail, units, tmp_path / "m.svg", preset="slide-16x9")
    root = ET.parse(r.path).getroot()
    assert root.tag.endswith("svg")
    assert "成渝地区铁路项目" in r.path.read_text(encoding="utf-8")


def test_content_follows_the_filter(atlas, units, tmp_path):
    spec = FilterSpec(categories=("airport",), statuses=("under_construction",))
    shown = spec.apply(atlas.projects, atlas.joined)
    r = render.render(shown, units, tmp_path / "a.png", title="机场", dpi=40, extent=render.REGION)
    assert r.drawn_ids == list(shown.id)
    assert r.categories == ["airport"] and r.statuses == ["under_construction"]
    zoomed = render.render(shown, units, tmp_path / "z.png", title="机场", dpi=40, extent=(106.3, 29.4, 106.8, 29.8))
    assert zoomed.inset and not r.inset


def test_bad_options_fail_clearly(tmp_path, capsys, rail, units):
    assert main(["render", "--status", "bogus", "--out", str(tmp_path / "x.png")]) == 2
    assert "unknown value 'bogus'" in capsys.readouterr().err
    assert main(["render", "--extent", "1,2,3", "--out", str(tmp_path / "x.png")]) == 2
    with pytest.raises(ValueError, match="image format"):
        render.render(rail, units, tmp_path / "x.gif", title="x")
    assert not (tmp_path / "x.png").exists()
