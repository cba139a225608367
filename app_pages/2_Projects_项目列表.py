"""Projects: a searchable table of the filtered projects; selecting one shows its detail."""

from __future__ import annotations

import streamlit as st

import atlas_ui as ui
from geo.i18n import t
from geo.join import unit_names
from geo.model import CATEGORIES, PRECISIONS, STATUSES, label

st.set_page_config(page_title=" ".join(t("page_projects", lang) for lang in ("zh", "en")), layout="wide")  # before the language is known: both
atlas, lang, spec, shown = ui.page("projects_page")
user = ui.sign_in_box(lang)

districts = unit_names(atlas.joined, lang=lang)
table = shown.assign(
    name=shown.name_zh if lang == "zh" else shown.name_en,
    category_label=[label(CATEGORIES, c, lang=lang) for c in shown.category],
    status_label=[label(STATUSES, s, lang=lang) for s in shown.status],
    precision_label=[label(PRECISIONS, p, lang=lang) for p in shown.location_precision],
    plans_label=[t("plan_sep", lang).join(atlas.plans[p].short(lang) for p in ids) for ids in shown.plan_ids],
    districts=shown.id.map(districts).fillna(""),
)[["id", "name", "category_label", "status_label", "status_as_of", "plans_label", "target_year", "precision_label", "districts", "length_km"]]
table.columns = ["id", t("name", lang), t("category", lang), t("status", lang), t("as_of", lang), t("plan", lang), t("target_year", lang), t("precision", lang), t("district", lang), t("length_km", lang)]
event = st.dataframe(table, hide_index=True, use_container_width=True, on_select="rerun", selection_mode="single-row", key="project_table")
rows = event.selection.rows if event and event.selection else []
if rows:
    pid = table.iloc[rows[0]]["id"]
    st.divider()
    detail = ui.show_detail(atlas, pid, lang)
    if detail:
        lat, lon = detail["centroid"]
        query = {**spec.to_query(), "p": pid, "lat": f"{lat:.4f}", "lon": f"{lon:.4f}", "z": "13" if detail["geom_kind"] == "point" else "10"}
        if lang == "en":
            query["lang"] = "en"
        from urllib.parse import urlencode

        st.link_button(t("zoom_to", lang), "/?" + urlencode(query))
        ui.edit_form(atlas, pid, lang, user)
        ui.show_history(pid, lang)
else:
    st.info(t("click_table_hint", lang))
