"""Data quality: the validation and consistency report, precision shares."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import atlas_ui as ui
from geo import settings
from geo.checks import PROBLEM_COLUMNS, consistency_problems, problems_frame
from geo.i18n import t
from geo.model import PRECISIONS, label
from geo.stats import counts, precision_shares
from geo.validate import validate_file

st.set_page_config(page_title=" ".join(t("page_quality", lang) for lang in ("zh", "en")), layout="wide")  # before the language is known: both
atlas = ui.get_atlas()
lang = ui.language()
st.title(t("quality_page", lang))


@st.cache_data(show_spinner=False)
def quality():
    _, report = validate_file(settings.projects_path)
    return problems_frame(report.problems), problems_frame(consistency_problems(atlas))


validation, consistency = quality()
n = len(atlas.projects)
c1, c2, c3 = st.columns(3)
c1.metric(t("records", lang), n)
c2.metric(t("validation_errors", lang), int((validation.severity == "error").sum()))
c3.metric(t("consistency_problems", lang), len(consistency))

shares = precision_shares(atlas.projects)
st.subheader(t("legend_precision", lang))
st.bar_chart(pd.Series({label(PRECISIONS, k, lang=lang): v * 100 for k, v in shares.items()}, name="%"))
st.dataframe(pd.DataFrame({t("precision", lang): [label(PRECISIONS, k, lang=lang) for k in shares.index], t("count_col", lang): counts(atlas.projects)["precision"].reindex(shares.index, fill_value=0).to_numpy(), t("share_pct", lang): (shares * 100).round(1).to_numpy()}), hide_index=True)
st.subheader(t("problems_heading", lang))
problems = pd.concat([validation, consistency], ignore_index=True)
if problems.empty:
    st.success(t("no_problems", lang))
else:
    st.dataframe(problems.rename(columns={c: t(f"problem_{c}", lang) for c in PROBLEM_COLUMNS}), hide_index=True, use_container_width=True)
