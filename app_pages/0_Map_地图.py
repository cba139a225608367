"""项目一张图 Project Atlas: the map page (the default page of app.py)."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

import atlas_ui as ui
from geo import settings
from geo.i18n import t
from geo.tiles import BASEMAPS, available
from layers.legend import legend_html
from layers.projects import build_map, clicked_id

st.set_page_config(page_title="项目一张图 Project Atlas", page_icon="🗺️", layout="wide")

atlas = ui.get_atlas()
lang = ui.language()
spec = ui.sidebar_filters(atlas, lang)
q = st.query_params

bases = available()
base_default = q.get("base") if q.get("base") in bases else "none"
basemap = st.sidebar.selectbox(t("basemap", lang), bases, index=bases.index(base_default), format_func=lambda k: BASEMAPS[k].name(lang), key="basemap")
if not settings.tianditu_key:
    st.sidebar.caption("天地图: " + t("no_key", lang))
shade_options = ["none", "count", "rail"]
shade_default = q.get("shade") if q.get("shade") in shade_options else "none"
shade = st.sidebar.selectbox(t("choropleth", lang), shade_options, index=shade_options.index(shade_default), format_func=lambda k: t(f"choropleth_{k}", lang), key="shade")

shown = ui.filtered(spec)
st.title(t("app_title", lang))
st.caption(t("app_subtitle", lang) + " · " + t("shown", lang, n=len(shown), total=len(atlas.projects)))

# Initial view from the URL (once per session); later pans only update the URL.
if "view" not in st.session_state:
    try:
        st.session_state.view = ((float(q["lat"]), float(q["lon"])), int(q["z"])) if "lat" in q else (None, None)
    except (KeyError, ValueError):
        st.session_state.view = (None, None)
        st.warning(t("notice_bad_query", lang) + " lat/lon/z")
if "selected" not in st.session_state:
    st.session_state.selected = q.get("p")

shading = None
if shade != "none":
    from geo.stats import district_stats

    stats = district_stats(shown, atlas.joined, atlas.units).set_index("unit_adcode")
    shading = stats["projects"] if shade == "count" else stats["km:rail"]

location, zoom = st.session_state.view
m = build_map(shown, ui.web_units(), plans=atlas.plans, lang=lang, basemap=basemap, shading=shading, place_names=ui.place_names(), location=location, zoom=zoom)

map_col, side_col = st.columns([3, 1.2])
with map_col:
    out = st_folium(m, key="atlas_map", height=640, use_container_width=True, returned_objects=["last_object_clicked_tooltip", "center", "zoom"])
    st.caption(t("share_link", lang))
with side_col, st.expander(t("legend", lang), expanded=True):
    st.html(legend_html(shown, lang=lang))

clicked = clicked_id((out or {}).get("last_object_clicked_tooltip"))
if clicked and clicked != st.session_state.get("last_clicked"):
    st.session_state.last_clicked = clicked
    st.session_state.selected = clicked
view_extra = {}
if out and out.get("center") and out.get("zoom"):
    view_extra = {"lat": f"{out['center']['lat']:.4f}", "lon": f"{out['center']['lng']:.4f}", "z": str(out["zoom"])}
ui.sync_url(spec, lang, base=None if basemap == "none" else basemap, shade=None if shade == "none" else shade, p=st.session_state.selected, **view_extra)

with side_col:
    st.subheader(t("detail", lang))
    selected = st.session_state.selected
    if selected and selected.startswith("G:"):
        lon, lat = (float(v) for v in selected[2:].split(","))
        from layers.projects import grouped_points

        groups = grouped_points(shown)
        hit = groups[(groups.lon.round(5) == round(lon, 5)) & (groups.lat.round(5) == round(lat, 5))]
        ids = hit.ids.iat[0] if len(hit) else []
        names = shown.set_index("id").name_zh if lang == "zh" else shown.set_index("id").name_en
        pick = st.selectbox(t("group_pick", lang), ids, format_func=lambda i: f"{names.get(i, i)}", key="group_pick")
        if pick:
            ui.show_detail(atlas, pick, lang)
    elif selected:
        detail = ui.show_detail(atlas, selected, lang)
        if detail and st.button(t("zoom_to", lang), key="zoom_btn"):
            st.session_state.view = (detail["centroid"], 13 if detail["geom_kind"] == "point" else 10)
            st.rerun()
    else:
        st.info(t("click_hint", lang))
