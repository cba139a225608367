"""导入 Import: a signed-in editor or reviewer uploads a new plan's text, sees its candidate projects
(verbatim quotes, "new mention of P…" or new) and sends them to the review queue as proposals."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import atlas_ui as ui
from geo import ingest, settings
from geo._errors import AtlasError
from geo.i18n import t

st.set_page_config(page_title=" ".join(t("page_import", lang) for lang in ("zh", "en")), layout="wide")  # before the language is known: both

lang = ui.language()
user = ui.sign_in_box(lang)
st.title(t("ingest_page", lang))
st.caption(t("ingest_intro", lang))
if user is None or user.get("role") not in ("editor", "reviewer"):
    st.info(t("ingest_editors_only", lang))
    st.stop()


def candidates_table(cands: list[ingest.Candidate]) -> pd.DataFrame:
    """The candidates as the reviewer reads them: name, the plan's exact words, what it asks, where, match."""
    return pd.DataFrame(
        [
            {
                t("name", lang): c.name_zh,
                t("quote", lang): c.quote,
                t("ingest_action", lang): f"{c.verb} ({c.action})" if c.verb else c.action,
                t("target_year", lang): c.target_year,
                t("category", lang): c.category,
                t("ingest_kind", lang): c.kind,
                t("ingest_districts", lang): "、".join(c.districts),
                t("ingest_match", lang): t("ingest_match_old", lang, id=f"{c.match_id} {c.match_name}") if c.match_id else t("ingest_match_new", lang),
            }
            for c in cands
        ]
    )


limit_mb = settings.max_plan_bytes / (1024 * 1024)
upload = st.file_uploader(t("ingest_file", lang, mb=f"{limit_mb:.0f}"), type=["txt"], key="ingest_upload")
left, right = st.columns(2)
plan_id = left.text_input(t("ingest_plan_id", lang), key="ingest_plan_id").strip()
title = right.text_input(t("ingest_title", lang), key="ingest_title").strip()
date = left.text_input(t("ingest_date", lang) + " (YYYY-MM-DD)", key="ingest_date").strip()
issuer = right.text_input(t("ingest_issuer", lang), key="ingest_issuer").strip()
scope = st.selectbox(t("ingest_scope", lang), ["", "重庆市", "四川省", "两江新区", "成渝地区"], key="ingest_scope",
                     format_func=lambda s: s or "—")

if st.button(t("ingest_read", lang), key="ingest_read", disabled=upload is None):
    st.session_state.pop("ingest_result", None)
    if upload is None or not (plan_id and title and date):
        st.warning(t("ingest_need_fields", lang))
    else:
        try:
            found = ingest.ingest_text(upload.getvalue(), plan_id=plan_id, title=title, date=date, issuer=issuer or None,
                                       source=upload.name)
            st.session_state["ingest_result"] = {"cands": found, "plan_id": plan_id, "title": title, "date": date,
                                                 "issuer": issuer or None, "scope": scope or None, "file": upload.name}
        except AtlasError as exc:
            st.error(t("ingest_bad_file", lang, why=str(exc)))

result = st.session_state.get("ingest_result")
if result:
    cands = result["cands"]
    if not cands:
        st.info(t("ingest_none", lang))
        st.stop()
    new = sum(1 for c in cands if not c.match_id)
    st.markdown(t("ingest_found", lang, n=len(cands), new=new, old=len(cands) - new))
    st.dataframe(candidates_table(cands), hide_index=True, use_container_width=True)
    try:
        records = ingest.catalog_records() if settings.projects_path.exists() else {}
        dicts = ingest.proposals(cands, date=result["date"], author=user["name"], catalog_records=records, scope=result["scope"])
    except AtlasError as exc:
        st.error(str(exc))
        st.stop()
    if not dicts:
        st.info(t("ingest_nothing_to_send", lang))
    elif st.button(t("ingest_send", lang, n=len(dicts)), key="ingest_send"):
        try:
            ingest.register_plan(result["plan_id"], title=result["title"], date=result["date"], issuer=result["issuer"], source_file=result["file"])
            ids, refused = ingest.send(dicts)
        except AtlasError as exc:
            st.error(str(exc))
        else:
            st.session_state.pop("ingest_result", None)
            if ids:
                st.success(t("ingest_sent", lang, n=len(ids), first=ids[0], last=ids[-1]))
            if refused:
                st.warning(t("ingest_refused", lang, n=len(refused)) + "\n\n" + "\n".join(f"- {r}" for r in refused))
