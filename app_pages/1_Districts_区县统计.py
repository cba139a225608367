"""Districts: per-district statistics of the filtered projects, table, chart and choropleth."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

import atlas_ui as ui
from geo.i18n import t
from geo.model import CATEGORIES, STATUSES, label
from geo.stats import district_stats
from layers.projects import build_map

st.set_page_config(page_title=" ".join(t("page_districts", lang) for lang in ("zh", "en")), layout="wide")  # before the language is known: both
atlas, lang, spec, shown = ui.page("districts_page")

stats = district_stats(shown, atlas.joined, atlas.units)
stats = stats[stats.projects > 0]
name_col = "name_zh" if lang == "zh" else "name_en"
rename = {"projects": t("choropleth_count", lang), "km:rail": t("choropleth_rail", lang)}
rename.update({f"status:{s}": label(STATUSES, s, lang=lang) for s in STATUSES})
rename.update({f"category:{c}": label(CATEGORIES, c, lang=lang) for c in CATEGORIES})
rename.update({f"plan:{p}": atlas.plans[p].short(lang) for p in atlas.plans})
rename.update({c: t("km_of", lang, label=label(CATEGORIES, c[3:], lang=lang)) for c in stats.columns if c.startswith("km:") and c != "km:rail"})
rename.update({c: t("km2_of", lang, label=label(CATEGORIES, c[4:], lang=lang)) for c in stats.columns if c.startswith("km2:")})
rename["unit_adcode"] = t("adcode", lang)
table = stats.drop(columns=["level", "name_zh" if lang == "en" else "name_en"]).rename(columns={name_col: t("district", lang), **rename})
st.dataframe(table, hide_index=True, use_container_width=True, key="district_table")
citywide = len(set(shown.id) - set(atlas.joined.id))
if citywide:
    st.caption(t("not_in_any_district", lang, n=citywide))

view = st.radio(t("choropleth", lang), ["count", "rail"], format_func=ui.labeller("choropleth_", lang), horizontal=True, key="district_metric")
metric = "projects" if view == "count" else "km:rail"
left, right = st.columns(2)
with left:
    top = stats.nlargest(15, metric).set_index(name_col)[metric].rename("value")  # "km:rail" would read as a Vega type shorthand
    st.bar_chart(top, horizontal=True, sort="-value", y_label="", x_label=t(f"choropleth_{view}", lang))
with right:
    m = build_map(shown.iloc[0:0], ui.web_units(), plans=atlas.plans, lang=lang, shading=stats.set_index("unit_adcode")[metric])
    st_folium(m, key="district_map", height=480, use_container_width=True, returned_objects=[])
