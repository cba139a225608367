"""项目一张图 Project Atlas: the map page (the default page of app.py).

Fast reruns: the base map (tiles, boundaries fetched by the browser from a
static file, labels) is built identically on every rerun, so streamlit-folium
keeps the browser's map; only the project layers travel again, as
``feature_group_to_add``. The map returns only clicks (no rerun on pan).

Past ``settings.vector_tiles_threshold`` drawn projects the projects come
from a PMTiles archive instead (:func:`tiles_layer`), added to the base map.
"""

from __future__ import annotations

from dataclasses import replace

import folium
import streamlit as st
from streamlit_folium import st_folium

import atlas_ui as ui
from geo import settings
from geo.filters import FilterSpec
from geo.i18n import t
from geo.osm import credit_line
from geo.tiles import available
from geo.urlstate import SHADES
from layers.legend import legend_html
from layers.projects import base_map, drawn_count, layers_from_data, place_layer, project_tiles_url
from layers.vector_tiles import use_tiles, vector_tile_layer
from layers.view import display_location, view_reporter


@st.cache_resource(show_spinner=False, max_entries=16)
def _tiles_url(wide: FilterSpec, basemap: str, token: object) -> str:
    """The archive of the filtered set without its category/status filters (those apply in the
    browser); cached per filter, base-map frame and store version, so a rerun never rebuilds."""
    return project_tiles_url(ui.filtered(wide), basemap=basemap)


def tiles_layer(spec: FilterSpec, shown, basemap: str | None, lang: str):
    """The projects as vector tiles when more than ``settings.vector_tiles_threshold`` are drawn, else None."""
    if not use_tiles(drawn_count(shown)):
        return None
    basemap = basemap or "none"
    wide = replace(spec, categories=(), statuses=())
    with st.spinner(t("tiles_building", lang)):
        url = _tiles_url(wide, basemap, ui.store_token())
    return vector_tile_layer(url, lang=lang, categories=list(spec.categories) or None, statuses=list(spec.statuses) or None)


st.set_page_config(page_title=" ".join(t("app_title", lang) for lang in ("zh", "en")), page_icon="🗺️", layout="wide")
ui.map_page_css()

atlas = ui.get_atlas()
lang = ui.language()
spec = ui.sidebar_filters(atlas, lang)
user = ui.sign_in_box(lang)
editing = ui.edit_mode_toggle(user, lang)
linked = ui.url_state()  # every URL parameter, parsed once per session (geo.urlstate)

bases = available()
basemap = st.sidebar.selectbox(t("basemap", lang), bases, index=bases.index(linked.base) if linked.base in bases else 0, format_func=ui.basemap_labeller(lang), key="basemap")
if not settings.tianditu_key:
    st.sidebar.caption(t("tianditu_no_key", lang))
shade_options = list(SHADES)
shade = st.sidebar.selectbox(t("choropleth", lang), shade_options, index=shade_options.index(linked.shade), format_func=ui.labeller("choropleth_", lang), key="shade")

shown = ui.filtered(spec)
st.title(t("app_title", lang))
st.caption(t("app_subtitle", lang) + " · " + t("shown", lang, n=len(shown), total=len(atlas.projects)))

ui.init_view_and_selection(atlas, lang)
ui.view_input(lang)  # the view the map reported since the last run (layers.view), without a rerun of its own
shading = ui.shading_values(shown, shade)
location, zoom = ui.rebuilt_view((basemap, lang, editing, ui.map_key(editing), None if shading is None else tuple(shading.round(6).items())))
units = ui.web_units()
m = base_map(units, lang=lang, basemap=basemap, boundaries_url=ui.boundary_url(basemap), shading=shading, location=display_location(*location, basemap) if location else None, zoom=zoom)
m.add_child(view_reporter(input_key=ui.VIEW_KEY, basemap=basemap))  # constant script: the base map stays identical
# --- Vector tiles past settings.vector_tiles_threshold (issue 13): one block, see tiles_layer() ---
tiled = tiles_layer(spec, shown, basemap, lang)
if tiled is not None:
    m.add_child(tiled)  # on the base map: streamlit-folium binds clicks to the layers present at start
    places = place_layer(shown, lang=lang, basemap=basemap, place_names=ui.place_names(), units=units)  # not in the archive
    layers = [places] if places is not None else []
else:
    layers = layers_from_data(ui.project_layer_data(spec, lang, basemap))  # built once per filter (cached)
# --- end of the vector-tiles block ---
layers += ui.selection_layers(atlas, spec, basemap, lang)
if editing:  # only in edit mode: the Draw control makes it another map (browse reruns keep theirs)
    m = ui.add_edit_tools(m, atlas, basemap)
returned = ["last_object_clicked_tooltip", "last_object_clicked"] + (["all_drawings", "last_active_drawing"] if editing else [])

map_col, side_col = st.columns([3, 1.15])
with map_col:
    out = st_folium(
        m, key=ui.map_key(editing), height=640, use_container_width=True, feature_group_to_add=layers or [folium.FeatureGroup(name="empty", control=False)],
        layer_control=folium.LayerControl(collapsed=True), returned_objects=returned,
    )
    credit = credit_line(shown, lang=lang)  # ODbL: geometry from OpenStreetMap is credited wherever it is shown
    st.caption(t("share_link_view", lang) + (t("image_osm_credit", lang, credit=credit) if credit else ""))

if ui.handle_click(out, shown, basemap, lang):
    st.rerun()
ui.sync_url(spec, lang, base=None if basemap == "none" else basemap, shade=None if shade == "none" else shade, p=st.session_state.selected)

with side_col:
    ui.selection_panel(atlas, shown, lang, user=user if editing else None, drawn=ui.drawing(out, basemap) if editing else None)
    ui.region_wide_panel(shown, lang, editing=editing)
    with st.expander(t("legend", lang), expanded=True):
        st.html(legend_html(shown, lang=lang))
