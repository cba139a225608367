"""项目一张图 Project Atlas: the entry point. Run with `make run`.

The page list is declared here (``st.navigation``) so that the map is named
"地图 Map" in the sidebar, not after this file. Each page is a plain script in
``app_pages/`` with a fixed address (``/Export_导出`` …), so shared links stay
valid. The folder is not called ``pages/``: Streamlit 1.67, seeing a
``pages/`` folder, answers a deep link with its old automatic page list
(the map named "app") until someone opens the root address. No page icons:
Streamlit fetches Material icons from Google's servers, which fails offline.
"""

from __future__ import annotations

import streamlit as st

from geo.i18n import t

#: (script, title key of geo.i18n, fixed address). The sidebar names each page in both languages:
#: it is drawn before the language is known.
PAGES = [
    ("app_pages/0_Map_地图.py", "page_map", ""),
    ("app_pages/1_Districts_区县统计.py", "page_districts", "Districts_区县统计"),
    ("app_pages/2_Projects_项目列表.py", "page_projects", "Projects_项目列表"),
    ("app_pages/3_Export_导出.py", "page_export", "Export_导出"),
    ("app_pages/4_Data_quality_数据质量.py", "page_quality", "Data_quality_数据质量"),
    ("app_pages/5_History_改动记录.py", "page_history", "History_改动记录"),
    ("app_pages/6_Review_审核.py", "page_review", "Review_审核"),
    ("app_pages/7_Import_导入.py", "page_import", "Import_导入"),
]

navigation = st.navigation([st.Page(path, title=f"{t(key, 'zh')} {t(key, 'en')}", url_path=url or None, default=not url) for path, key, url in PAGES])
navigation.run()
