"""Briefing images: every format opens, Chinese is text, content follows the filter."""

from __future__ import annotations

import warnings
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image

from geo import boundaries, render
from geo.__main__ import main
from geo._errors import AtlasError
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
    rail_red = np.array([0xD5, 0x5E, 0x00])  # the rail transit family colour
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
    with pytest.raises(AtlasError, match="image format"):
        render.render(rail, units, tmp_path / "x.gif", title="x")
    assert not (tmp_path / "x.png").exists()


TILE_RGB = (0x12, 0xEE, 0xDD)  # a colour no category uses


MERIDIAN = 106.5  # the tiles draw this meridian in red, to check where the warped image lands


def _tile_png(z: int, x: int, y: int) -> bytes:
    """A flat tile with the meridian ``MERIDIAN`` drawn 2 px wide where it crosses the tile."""
    import io

    from PIL import ImageDraw

    img = Image.new("RGB", (256, 256), TILE_RGB)
    column = ((MERIDIAN + 180) / 360 * 2**z - x) * 256
    if 0 <= column < 256:
        ImageDraw.Draw(img).line([(column, 0), (column, 255)], fill=(255, 0, 0), width=2)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture
def tile_server():
    """XYZ tiles on 127.0.0.1 (see :func:`_tile_png`), counting the requests answered."""
    import http.server
    import threading

    requests: list[str] = []

    class Tiles(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            z, x, y = (int(v) for v in self.path.removesuffix(".png").strip("/").split("/"))
            png = _tile_png(z, x, y)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(png)))
            self.end_headers()
            self.wfile.write(png)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/{{z}}/{{x}}/{{y}}.png", requests
    server.shutdown()


def test_tiles_land_where_their_coordinates_say(tile_server, tmp_path):
    """Web Mercator tiles warped into the Albers map: the tiles' meridian falls on the true meridian."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from pyproj import Transformer

    from geo import settings, tiles

    url, _ = tile_server
    to_map = Transformer.from_crs(settings.storage_crs, settings.area_crs, always_xy=True)
    fig, ax = plt.subplots(figsize=(6, 6), dpi=100)
    (x0, x1), (y0, y1) = to_map.transform([106.3, 106.7], [29.3, 29.7])
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    tiles.add_tiles(ax, url, crs=settings.area_crs, width_px=600, cache_dir=tmp_path)
    image = ax.images[0]
    left, right, bottom, top = image.get_extent()
    pixels = np.asarray(image.get_array())
    rows, cols = pixels.shape[:2]

    def colour(lon, lat):
        x, y = to_map.transform(lon, lat)
        return tuple(int(v) for v in pixels[int((top - y) / (top - bottom) * rows), int((x - left) / (right - left) * cols)][:3])

    plt.close(fig)
    assert all(colour(MERIDIAN, lat)[0] > 200 and colour(MERIDIAN, lat)[1] < 100 for lat in (29.35, 29.5, 29.65))
    assert colour(MERIDIAN + 0.02, 29.5) == TILE_RGB  # 2 km east: no line
    assert colour(MERIDIAN - 0.02, 29.5) == TILE_RGB


def _tile_pixels(path) -> int:
    pixels = np.asarray(Image.open(path).convert("RGB")).reshape(-1, 3).astype(int)
    return int((np.abs(pixels - np.array(TILE_RGB)).sum(axis=1) < 30).sum())  # the red meridian does not count


def test_tiles_are_drawn_credited_and_cached(rail, units, tmp_path, tile_server, monkeypatch):
    from pypdf import PdfReader

    url, requests = tile_server
    monkeypatch.setattr("geo.settings.tile_cache_dir", tmp_path / "cache")
    extent = (106.3, 29.4, 106.8, 29.8)
    first = _render(rail, units, tmp_path / "t.png", dpi=60, extent=extent, tiles=url, tiles_attribution="© 测试瓦片")
    assert first.tiles_credit == "© 测试瓦片" and first.tiles_error == ""
    fetched = len(requests)
    assert 0 < fetched <= 250
    assert _tile_pixels(first.path) > 50_000  # the tiles show between the districts' outlines
    second = _render(rail, units, tmp_path / "t.pdf", dpi=60, extent=extent, tiles=url, tiles_attribution="© 测试瓦片")
    assert len(requests) == fetched  # every tile came from the disk cache
    assert "底图: © 测试瓦片" in PdfReader(second.path).pages[0].extract_text()


def test_unreachable_tiles_leave_a_plain_image(rail, units, tmp_path, monkeypatch):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setattr("geo.settings.tile_cache_dir", tmp_path / "cache")
    r = _render(rail, units, tmp_path / "t.png", dpi=60, tiles=f"http://127.0.0.1:{port}/{{z}}/{{x}}/{{y}}.png")
    assert "unavailable" in r.tiles_error and r.tiles_credit == ""
    assert _tile_pixels(r.path) == 0
    assert r.drawn_ids == list(rail.id)


def test_unusable_tile_sources_are_refused(rail, units, tmp_path, capsys):
    from geo._errors import TileSourceError

    with pytest.raises(TileSourceError, match="GCJ-02"):
        render.render(rail, units, tmp_path / "g.png", title="x", tiles="gaode")
    with pytest.raises(TileSourceError, match="neither a base map"):
        render.render(rail, units, tmp_path / "g.png", title="x", tiles="https://example.org/tiles.png")
    assert not (tmp_path / "g.png").exists()
    assert main(["render", "--tiles", "none", "--out", str(tmp_path / "x.png")]) == 2
    assert "boundaries-only" in capsys.readouterr().err


def test_tile_zoom_matches_the_image_and_respects_the_cap():
    from geo.tiles import zoom_for

    chongqing = (11_800_000.0, 3_300_000.0, 12_000_000.0, 3_500_000.0)  # 200 km of Web Mercator
    assert zoom_for(chongqing, 2000, max_tiles=10_000) == 11  # 100 m/px; zoom 10.6 (153 m/px at 10, 76 m/px at 11) rounds up
    capped = zoom_for(chongqing, 2000, max_tiles=20)
    assert capped < 11
    assert zoom_for(chongqing, 2000, max_zoom=8, max_tiles=10_000) == 8


def test_projects_are_drawn_one_call_per_style_group(atlas):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    frame = render._projected(atlas.projects[~atlas.projects.location_precision.isin(render.GROUPED_PRECISIONS)])
    fig, ax = plt.subplots()
    calls = render.draw_projects(ax, frame)
    styles = frame.assign(e=frame.location_precision == "exact").groupby(["category", "status", "geom_kind", "e"]).ngroups
    assert calls == styles < len(frame) / 3
    assert render.draw_projects(ax, frame.iloc[:5], per_project=True) == 5
    plt.close(fig)


def test_legend_lists_only_what_is_in_the_frame(atlas, units, tmp_path):
    everything = render.render(atlas.projects, units, tmp_path / "all.png", title="t", dpi=30, extent=render.REGION)
    box = (106.35, 29.3, 106.5, 29.45)  # part of Jiulongpo
    r = render.render(atlas.projects, units, tmp_path / "j.png", title="t", dpi=30, extent=box)
    assert set(r.categories) < set(everything.categories)


def test_background_outside_the_region_is_neutral(rail, units, tmp_path):
    r = _render(rail, units, tmp_path / "n.png", dpi=40, extent=(97.0, 22.0, 112.0, 36.0))
    img = np.asarray(Image.open(r.path).convert("RGB")).astype(int)
    corner = img[int(img.shape[0] * 0.2), int(img.shape[1] * 0.08)]  # south-west of the region, inside the map frame
    assert abs(corner[0] - corner[2]) < 6, corner  # grey, not blue


def test_labels_stay_inside_the_frame_and_apart():
    x = np.array([0.5, 0.51, 0.01, 0.99, 0.3])
    y = np.array([0.5, 0.505, 0.5, 0.5, 0.99])
    kept = render.label_positions(x, y, (0.0, 0.0, 1.0, 1.0))
    assert kept.tolist() == [True, False, False, False, False]


def test_extent_text_is_parsed_or_refused_with_the_option_named():
    assert render.parse_extent("106.2，29.2,106.6,29.65") == (106.2, 29.2, 106.6, 29.65)
    for bad in ("106,29,105,30", "1,2,3", "a,b,c,d", "0,-91,1,0"):
        with pytest.raises(AtlasError, match="extent"):
            render.parse_extent(bad)


def test_briefing_leaves_region_records_out_and_names_what_it_drew(atlas, rail, units, tmp_path):
    # The CLI and the Export page make the image through this one function.
    import pandas as pd

    placed = rail[rail.geometry.notna().to_numpy()].iloc[:3]
    region = placed.iloc[:1].copy()
    region["id"], region["location_precision"] = "P0000RE61", "region"
    region = region.set_geometry([None], crs=rail.crs)
    frame = pd.concat([placed, region])
    spec = FilterSpec(categories=("rail",))
    result = render.briefing(atlas, frame, tmp_path / "b.png", subtitle=render.briefing_subtitle(atlas, spec, frame, lang="en"), lang="en", units=units, dpi=30)
    assert result.drawn_ids == list(placed.id)
    assert render.briefing_subtitle(atlas, spec, frame, lang="en").endswith(" · 3")


@pytest.mark.parametrize("preset", list(render.PRESETS))
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_legend_text_stays_on_the_page(atlas, preset, lang):
    """Every category family drawn, in the page's size: long family names wrap, none runs off the right edge."""
    import matplotlib.pyplot as plt

    size = render.PRESETS[preset]
    with plt.rc_context({"font.family": render.cjk_font()}):  # the font the images use
        fig = plt.figure(figsize=size, dpi=100)
    try:
        with plt.rc_context({"font.family": render.cjk_font()}):
            render._legend(fig, atlas.projects, lang=lang, portrait=size[0] < size[1])
            fig.canvas.draw()  # lays the legend out in the images' font
        renderer = fig.canvas.get_renderer()
        (legend,) = fig.legends
        right = max(text.get_window_extent(renderer).x1 for text in legend.get_texts())
        assert right <= fig.bbox.x1, f"{preset} {lang}: legend text ends at {right:.0f} px of {fig.bbox.x1:.0f}"
    finally:
        plt.close(fig)


@pytest.mark.parametrize("preset", list(render.PRESETS))
def test_the_map_starts_below_the_subtitle(preset):
    width_in, height_in = render.PRESETS[preset]
    _, bottom, _, height = render.map_box(portrait=width_in < height_in)
    subtitle_bottom = render.SUBTITLE_TOP - 1.3 * render.SUBTITLE_PT / 72 / height_in  # one line of text
    assert bottom + height <= subtitle_bottom, f"{preset}: the map's top {bottom + height:.3f} covers the subtitle (down to {subtitle_bottom:.3f})"
