"""Data quality: the validation and consistency report, precision shares."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import atlas_ui as ui
from geo import settings
from geo.checks import consistency_problems
from geo.i18n import t
from geo.model import PRECISIONS, label
from geo.stats import counts, precision_shares
from geo.validate import validate_file

st.set_page_config(page_title="数据质量 Data quality", layout="wide")
atlas = ui.get_atlas()
lang = ui.language()
st.title(t("quality_page", lang))


@st.cache_data(show_spinner=False)
def quality():
    _, report = validate_file(settings.projects_path)
    return report.to_frame(), pd.DataFrame([p.__dict__ for p in consistency_problems(atlas)], columns=["row", "record", "field", "message", "severity"])


validation, consistency = quality()
n = len(atlas.projects)
c1, c2, c3 = st.columns(3)
c1.metric("记录数" if lang == "zh" else "Records", n)
c2.metric("校验错误" if lang == "zh" else "Validation errors", int((validation.severity == "error").sum()) if len(validation) else 0)
c3.metric("一致性问题" if lang == "zh" else "Consistency problems", len(consistency))

shares = precision_shares(atlas.projects)
st.subheader(t("legend_precision", lang))
st.bar_chart(pd.Series({label(PRECISIONS, k, lang=lang): v * 100 for k, v in shares.items()}, name="%"))
st.dataframe(pd.DataFrame({t("precision", lang): [label(PRECISIONS, k, lang=lang) for k in shares.index], "n": counts(atlas.projects)["precision"].reindex(shares.index, fill_value=0).to_numpy(), "%": (shares * 100).round(1).to_numpy()}), hide_index=True)
st.subheader("校验与一致性问题" if lang == "zh" else "Validation and consistency problems")
problems = pd.concat([validation, consistency], ignore_index=True)
if problems.empty:
    st.success("没有发现问题。" if lang == "zh" else "No problems found.")
else:
    st.dataframe(problems, hide_index=True, use_container_width=True)
