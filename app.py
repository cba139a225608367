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

PAGES = [
    ("app_pages/0_Map_地图.py", "地图 Map", ""),
    ("app_pages/1_Districts_区县统计.py", "区县统计 Districts", "Districts_区县统计"),
    ("app_pages/2_Projects_项目列表.py", "项目列表 Projects", "Projects_项目列表"),
    ("app_pages/3_Export_导出.py", "导出 Export", "Export_导出"),
    ("app_pages/4_Data_quality_数据质量.py", "数据质量 Data quality", "Data_quality_数据质量"),
    ("app_pages/5_History_改动记录.py", "改动记录 History", "History_改动记录"),
    ("app_pages/6_Review_审核.py", "审核 Review", "Review_审核"),
    ("app_pages/7_Import_导入.py", "导入 Import", "Import_导入"),
]

navigation = st.navigation([st.Page(path, title=title, url_path=url or None, default=not url) for path, title, url in PAGES])
navigation.run()
