"""改动记录 History: every change of the catalog, filtered by author, date, field and district; revert for reviewers."""

from __future__ import annotations

import streamlit as st

import atlas_ui as ui
from geo import edits
from geo._errors import AtlasError
from geo.i18n import t

st.set_page_config(page_title=" ".join(t("page_history", lang) for lang in ("zh", "en")), layout="wide")  # before the language is known: both

atlas = ui.get_atlas()
lang = ui.language()
user = ui.sign_in_box(lang)
st.title(t("history_page", lang))
if atlas.store_error:
    st.warning(t("store_unavailable", lang) + atlas.store_error)
if atlas.stale_edits:
    st.warning(t("stale_edits", lang) + "\n\n" + "\n".join(f"- {s}" for s in atlas.stale_edits))

try:
    table = edits.history()
except AtlasError as exc:
    st.error(str(exc))
    st.stop()
if table.empty:
    st.info(t("no_edits", lang))
    st.stop()

days = sorted(table["created_at"].map(lambda d: d.date()))
names = atlas.district_names(lang=lang)
c1, c2, c3, c4 = st.columns(4)
authors = c1.multiselect(t("edit_author", lang), sorted(table["author"].unique()), key="h_author", placeholder=t("all", lang))
fields = c2.multiselect(t("edit_field", lang), sorted({f for c in table["changes"] for f in c}), key="h_field", placeholder=t("all", lang))
dates = c3.date_input(t("edit_dates", lang), (days[0], days[-1]), key="h_dates")
districts = c4.multiselect(t("district", lang), atlas.district_codes, format_func=lambda a: names.get(a, a), key="h_district", placeholder=t("all", lang))
start, end = (*dates, None, None)[:2] if isinstance(dates, (tuple, list)) else (dates, dates)
record_ids = set(atlas.joined.loc[atlas.joined["unit_adcode"].isin(districts), "id"]) if districts else None
shown = edits.filter_history(table, authors=authors, fields=fields, start=start, end=end, record_ids=record_ids)
st.caption(t("edits_shown", lang, n=len(shown), total=len(table)))

project_names = dict(zip(atlas.projects["id"], atlas.projects["name_zh" if lang == "zh" else "name_en"], strict=True))
view = shown.assign(
    name=shown["record_id"].map(project_names).fillna(""),
    created_at=shown["created_at"].map(lambda d: d.strftime("%Y-%m-%d %H:%M")),
    action=shown["action"].map(lambda a: t(f"action_{a}", lang)),
)[["id", "created_at", "record_id", "name", "action", "fields", "author", "reason", "source"]]
st.dataframe(
    view, hide_index=True, use_container_width=True,
    column_config={"created_at": t("edit_time", lang), "record_id": "ID", "name": t("name", lang), "action": t("edit_action", lang),
                   "fields": t("edit_fields", lang), "author": t("edit_author", lang), "reason": t("edit_reason", lang), "source": t("edit_source", lang)},
)

if user is None or user["role"] != "reviewer":
    st.caption(t("reviewer_only", lang) if user else t("sign_in_to_edit", lang))
    st.stop()
st.subheader(t("revert", lang))
with st.form("revert_form"):
    which = st.selectbox(t("revert_which", lang), shown["id"].tolist(), format_func=lambda n: f"#{n}", key="revert_id")
    reason = st.text_input(t("reason_required", lang), key="revert_reason")
    if st.form_submit_button(t("revert_button", lang)):
        try:
            made = edits.revert(int(which), author=user["name"], reason=reason)
        except AtlasError as exc:
            st.error(str(exc))
        else:
            ui.refresh_after_edit()
            st.success(t("done_edit", lang, n=made.id))
