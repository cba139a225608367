"""Export: exactly the filtered projects as GeoJSON, GeoPackage, CSV, zipped shapefile, or the map as HTML."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

import atlas_ui as ui
from geo.export import EXTENSIONS, MEDIA_TYPES, export
from geo.i18n import t
from layers.assets import inline_local_assets
from layers.projects import build_map, map_html

st.set_page_config(page_title="导出 Export", layout="wide")
atlas, lang, spec, shown = ui.page("export_page")
st.markdown(spec.describe(lang=lang, plan_titles=atlas.plan_titles(lang=lang), district_names=atlas.district_names(lang=lang)))


@st.cache_data(show_spinner=False, max_entries=32)
def export_bytes(ids: tuple[str, ...], fmt: str) -> bytes:
    subset = atlas.projects[atlas.projects.id.isin(set(ids))]
    with tempfile.TemporaryDirectory() as tmp:
        path = export(subset, atlas.joined, Path(tmp) / f"projects{EXTENSIONS[fmt]}", fmt=fmt)
        return path.read_bytes()


ids = tuple(shown.id)
labels = {"geojson": "GeoJSON (RFC 7946)", "gpkg": "GeoPackage", "csv": "CSV (WKT + lon/lat)", "shp": "Shapefile (zip)"}
cols = st.columns(5)
for col, fmt in zip(cols, ["geojson", "gpkg", "csv", "shp"], strict=False):
    with col:
        st.download_button(f"{t('download', lang)} {labels[fmt]}", data=export_bytes(ids, fmt), file_name=f"atlas_projects{EXTENSIONS[fmt]}", mime=MEDIA_TYPES[fmt], key=f"dl_{fmt}", disabled=not ids)
with cols[4]:
    html_map = inline_local_assets(map_html(build_map(shown, ui.web_units(), plans=atlas.plans, lang=lang)))
    st.download_button(f"{t('download', lang)} HTML", data=html_map.encode("utf-8"), file_name="atlas_map.html", mime="text/html", key="dl_html")
st.caption(
    "HTML 地图为独立文件:Leaflet 等资源已内嵌,离线可直接打开。" if lang == "zh" else "The HTML map is standalone: Leaflet and its plugins are inlined, so it opens offline with no server."
)
