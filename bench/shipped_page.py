"""The map page as shipped before issue 15, kept only for ``bench/bench_app.py`` to compare against.

Everything in one folium map rebuilt on every rerun: boundaries embedded (2 MB
of GeoJSON re-serialised each time), project layers added to the map, the view
returned on every pan. ``bench_app.py`` copies this file next to ``app.py`` to
run it (Streamlit serves ``static/`` beside the script it runs).
"""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

import atlas_ui as ui
from geo.i18n import t
from layers.projects import build_map

st.set_page_config(page_title="as shipped", layout="wide")
atlas = ui.get_atlas()
lang = ui.language()
spec = ui.sidebar_filters(atlas, lang)
shown = ui.filtered(spec)
st.title(t("app_title", lang))
st.caption(t("shown", lang, n=len(shown), total=len(atlas.projects)))
if "view" not in st.session_state:
    st.session_state.view = (None, None)
location, zoom = st.session_state.view
m = build_map(shown, ui.web_units(), plans=atlas.plans, lang=lang, place_names=ui.place_names(), location=location, zoom=zoom)
map_col, side_col = st.columns([3, 1.2])
with map_col:
    out = st_folium(m, key="atlas_map", height=640, use_container_width=True, returned_objects=["last_object_clicked_tooltip", "center", "zoom"])
