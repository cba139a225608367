"""Export: exactly the filtered projects as GeoJSON, GeoPackage, CSV, zipped shapefile, or the map as HTML."""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import streamlit as st

import atlas_ui as ui
from geo.export import EXTENSIONS, MEDIA_TYPES, export, file_stem
from geo.i18n import t
from geo.tiles import BASEMAPS, available
from layers.assets import inline_local_assets
from layers.projects import build_map, map_html

st.set_page_config(page_title=" ".join(t("page_export", lang) for lang in ("zh", "en")), layout="wide")  # before the language is known: both
atlas, lang, spec, shown = ui.page("export_page")
st.markdown(ui.md_escape(spec.describe(lang=lang, plan_titles=atlas.plan_titles(lang=lang), district_names=atlas.district_names(lang=lang))))


@st.cache_data(show_spinner=False, max_entries=32)
def export_bytes(ids: tuple[str, ...], fmt: str) -> bytes:
    subset = atlas.projects[atlas.projects.id.isin(set(ids))]
    with tempfile.TemporaryDirectory() as tmp:
        path = export(subset, atlas.joined, Path(tmp) / f"projects{EXTENSIONS[fmt]}", fmt=fmt)
        return path.read_bytes()


ids = tuple(shown.id)
stem = file_stem(spec, district_names=atlas.district_names(lang="zh"))


@st.cache_data(show_spinner=False, max_entries=4)
def html_map_bytes(ids: tuple[str, ...], lang: str) -> bytes:
    subset = atlas.projects[atlas.projects.id.isin(set(ids))]
    return inline_local_assets(map_html(build_map(subset, ui.web_units(), plans=atlas.plans, lang=lang))).encode("utf-8")


# Files are generated when a button is clicked (callable data), not on every visit to the page.
cols = st.columns(5)
for col, fmt in zip(cols, ["geojson", "gpkg", "csv", "shp"], strict=False):
    with col:
        st.download_button(f"{t('download', lang)} {t('fmt_' + fmt, lang)}", data=functools.partial(export_bytes, ids, fmt), file_name=f"{stem}{EXTENSIONS[fmt]}", mime=MEDIA_TYPES[fmt], key=f"dl_{fmt}", disabled=not ids)
with cols[4]:
    st.download_button(f"{t('download', lang)} {t('fmt_html', lang)}", data=functools.partial(html_map_bytes, ids, lang), file_name=f"{stem}.html", mime="text/html", key="dl_html")
st.caption(t("html_standalone", lang))

st.divider()
st.subheader(t("briefing_image", lang))
from geo import render as render_mod  # noqa: E402

c1, c2, c3, c4 = st.columns(4)
fmt = c1.selectbox(t("image_format", lang), ["png", "pdf", "svg"], format_func=ui.labeller("fmt_", lang), key="img_fmt")
preset = c2.selectbox(t("image_layout", lang), list(render_mod.PRESETS), format_func=ui.labeller("preset_", lang), key="img_preset")
img_lang = c3.selectbox(t("language", lang), ["zh", "en"], index=0 if lang == "zh" else 1, format_func=ui.labeller("lang_name_", lang), key="img_lang")
# Tiles are optional: "none" by default (works offline); the map page's base map is offered first when it can be printed.
printable = ["none"] + [k for k in available() if BASEMAPS[k].tiles and BASEMAPS[k].crs == "WGS84"]
seen_base = ui.current_base()
tiles_key = c4.selectbox(
    t("image_tiles", lang), printable, index=printable.index(seen_base) if seen_base in printable else 0,
    format_func=ui.basemap_labeller(lang), key="img_tiles",
)
ui.view_from_other_page(lang)  # the map's last reported view arrives with the next rerun (layers.view)
frames = ["filter", "view", *(["district"] if spec.districts else []), "region", "extent"]
frame_choice = st.radio(t("image_frame", lang), frames, index=2 if spec.districts else 0, format_func=ui.labeller("frame_", lang), horizontal=True, key="img_frame")
extent = ui.image_extent(frame_choice, spec, lang)
default_title = t("briefing_title", img_lang)
title = st.text_input(t("image_title", lang), value=default_title, key="img_title")
subtitle = render_mod.briefing_subtitle(atlas, spec, shown, lang=img_lang)


@st.cache_data(show_spinner=False, max_entries=16)
def briefing_image(ids: tuple[str, ...], fmt: str, preset: str, title: str, subtitle: str, img_lang: str, dpi: int, tiles: str, extent) -> tuple[bytes, str, tuple]:
    """The image's bytes, why the tiles are missing ("" when drawn or not asked for) and the frame drawn (w, s, e, n)."""
    subset = atlas.projects[atlas.projects.id.isin(set(ids))]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"briefing.{fmt}"
        result = render_mod.briefing(
            atlas, subset, out, title=title, subtitle=subtitle, lang=img_lang, units=ui.web_units(),
            preset=preset, dpi=dpi, extent=extent, tiles=None if tiles == "none" else tiles,
        )
        return out.read_bytes(), result.tiles_error, tuple(float(v) for v in result.extent)


args = (ids, preset, title, subtitle, img_lang, tiles_key, extent)
if st.button(t("make_preview", lang), key="img_preview_btn", disabled=not ids) or st.session_state.get("img_preview_args") == args:
    st.session_state.img_preview_args = args
    preview, tiles_error, drawn_box = briefing_image(ids, "png", preset, title, subtitle, img_lang, 80, tiles_key, extent)
    if tiles_error:
        st.warning(t("image_tiles_missing", lang) + tiles_error)
    st.image(preview, caption=t("preview", lang))
    st.caption(t("image_extent_used", lang, **dict(zip("wsen", (f"{v:.3f}" for v in drawn_box), strict=True))))
else:
    st.caption(t("preview_hint", lang))
st.download_button(
    f"{t('download', lang)} {t('fmt_' + fmt, lang)}", data=lambda: briefing_image(ids, fmt, preset, title, subtitle, img_lang, 300, tiles_key, extent)[0], file_name=f"{stem}.{fmt}", key="dl_img", disabled=not ids,
)

st.subheader(t("screenshot", lang))
if st.button(t("screenshot_button", lang), key="shot_btn"):
    from layers.screenshot import ScreenshotBusy, screenshot

    try:
        with tempfile.TemporaryDirectory() as tmp:
            png = screenshot(shown, ui.web_units(), Path(tmp) / "map.png", plans=atlas.plans, lang=lang, basemap=seen_base if seen_base in BASEMAPS else "none").read_bytes()
    except ScreenshotBusy:
        st.warning(t("screenshot_busy", lang))
    else:
        st.image(png)
        st.download_button(f"{t('download', lang)} PNG", data=png, file_name=f"{stem}_screenshot.png", key="dl_shot")
