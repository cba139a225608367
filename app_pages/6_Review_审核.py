"""审核 Review: pending proposals beside the current record (old vs new place on a small map); reviewers accept or reject."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

import atlas_ui as ui
from geo import edits, review
from geo._errors import AtlasError
from geo.i18n import t

st.set_page_config(page_title=" ".join(t("page_review", lang) for lang in ("zh", "en")), layout="wide")  # before the language is known: both


def osm_panel(evidence: dict, lang: str) -> None:
    """An OpenStreetMap match: score, OSM ids, matched names, the matcher's reasons and the ODbL credit."""
    from geo import osm

    st.subheader(t("osm_match", lang))
    score_col, ids_col = st.columns([1, 2])
    score_col.metric(t("osm_score", lang), f"{float(evidence.get('score', 0)):.2f}")
    ids_col.markdown(f"**{t('osm_ids', lang)}:** " + ", ".join(f"`{i}`" for i in evidence.get("osm_ids", [])))
    names = evidence.get("matched_names") or {}
    if names:
        st.markdown(t("osm_names", lang, record=names.get("record", ""), osm=names.get("osm", "")))
    reasons = evidence.get("reasons") or []
    if reasons:
        st.markdown(f"**{t('osm_reasons', lang)}:**\n" + "\n".join(f"- {r}" for r in reasons))
    st.caption(t("osm_accept_effect", lang))
    st.caption(osm.CREDIT_ZH if lang == "zh" else osm.CREDIT)


atlas = ui.get_atlas()
lang = ui.language()
user = ui.sign_in_box(lang)
st.title(t("review_page", lang))
try:
    pending = review.list_proposals()
except AtlasError as exc:
    st.error(str(exc))
    st.stop()
if not pending:
    st.info(t("no_proposals", lang))
    st.stop()
st.caption(t("pending_proposals", lang, n=len(pending)))

by_id = {p.id: p for p in pending}
chosen = by_id[st.selectbox(
    t("proposal", lang), list(by_id), key="proposal_pick",
    format_func=lambda n: t("proposal_by", lang, n=n, author=by_id[n].author, source=by_id[n].source or "—", time=f"{by_id[n].created_at:%Y-%m-%d %H:%M}")
    + f" · {by_id[n].record_id or t('new_record', lang)}",
)]
frame = atlas.projects
hit = frame[frame["id"] == chosen.record_id]
current = hit.iloc[0].to_dict() if len(hit) else {}
if current and chosen.base_version and int(current.get("version", 1)) != chosen.base_version:
    st.warning(t("record_changed_since", lang, a=chosen.base_version, b=int(current.get("version", 1))))
st.markdown(f"**{t('edit_reason', lang)}:** {chosen.reason}")

left, right = st.columns([1.2, 1])
with left:
    rows = [
        {t("edit_field", lang): name, t("current_value", lang): ui._value_text(edits.plain(current.get(name))) if current else "",
         t("proposed_value", lang): ui._value_text(value)}
        for name, value in chosen.changes.items()
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, use_container_width=True)
    if chosen.source == "openstreetmap" and chosen.evidence:
        osm_panel(chosen.evidence, lang)
    if chosen.source == "ingest" and chosen.evidence and chosen.evidence.get("quote"):
        st.markdown(f"**{t('quote', lang)}** ({chosen.evidence.get('plan', '')}):\n\n> {chosen.evidence['quote']}")
    if chosen.evidence:
        with st.expander(t("evidence", lang)):
            st.code(json.dumps(chosen.evidence, ensure_ascii=False, indent=1), language="json")
with right:
    if "geometry" in chosen.changes:
        ui.compare_map(edits.plain(current.get("geometry")) if current else None, chosen.changes["geometry"], key=f"cmp_{chosen.id}", lang=lang)
        st.caption(t("map_legend_compare", lang))

if user is None or user["role"] != "reviewer":
    st.caption(t("reviewer_only", lang) if user else t("sign_in_to_edit", lang))
    st.stop()
with st.form(f"decide_{chosen.id}"):
    reason = st.text_input(t("reason_required", lang), key="decision_reason")
    accept_col, reject_col = st.columns(2)
    do_accept = accept_col.form_submit_button(t("accept", lang))
    do_reject = reject_col.form_submit_button(t("reject", lang))
if do_accept or do_reject:
    try:
        if do_accept:
            edit_id = review.accept(chosen.id, reviewer=user["name"], reason=reason)
            ui.refresh_after_edit()
            st.success(t("accepted_as", lang, n=edit_id))
        else:
            review.reject(chosen.id, reviewer=user["name"], reason=reason)
            st.success(t("rejected", lang))
    except AtlasError as exc:
        st.error(str(exc))
