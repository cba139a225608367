"""Interface words in Chinese (default) and English.

One table for the app, the legend and the images, so a label is translated
once. :func:`t` falls back to the key itself, so a missing entry shows up
plainly instead of crashing a page.
"""

from __future__ import annotations

from geo.model import label

LANGS = ("zh", "en")

TEXT: dict[str, tuple[str, str]] = {
    "app_title": ("项目一张图", "Project Atlas"),
    "app_subtitle": ("成渝地区双城经济圈规划项目", "Projects of the Chengdu–Chongqing economic circle plans"),
    "language": ("语言 / Language", "语言 / Language"),
    "filters": ("筛选", "Filters"),
    "plan": ("规划", "Plan"),
    "status": ("状态", "Status"),
    "category": ("类别", "Category"),
    "district": ("区县 / 市州", "District / city"),
    "precision": ("定位精度", "Location precision"),
    "target_year": ("目标年份", "Target year"),
    "search": ("搜索(中文、英文或拼音)", "Search (Chinese, English or pinyin)"),
    "basemap": ("底图", "Base map"),
    "choropleth": ("区县着色", "District shading"),
    "choropleth_none": ("无", "None"),
    "choropleth_count": ("项目数", "Projects"),
    "choropleth_rail": ("铁路里程(公里)", "Railway km"),
    "shown": ("显示 {n} / {total} 个项目", "Showing {n} of {total} projects"),
    "legend": ("图例", "Legend"),
    "legend_status": ("状态(线型/填充)", "Status (line / fill)"),
    "legend_precision": ("定位精度", "Location precision"),
    "detail": ("项目详情", "Project detail"),
    "click_hint": ("点击地图上的项目查看详情与出处。", "Click a project on the map to see its detail and sources."),
    "names_in_plans": ("规划原文", "In the plans"),
    "verb": ("规划用语", "Plan's words"),
    "action": ("规划动作", "Action"),
    "quote": ("原文", "Quote"),
    "as_of": ("截至", "as of"),
    "districts_crossed": ("所在区县", "Districts"),
    "zoom_to": ("在地图上定位", "Zoom to it"),
    "location_note": ("定位说明", "How it was placed"),
    "group_badge": ("{place}:{n} 个项目仅定位到{level}(点击查看列表)", "{place}: {n} projects located only to {level} level (click for the list)"),
    "group_pick": ("此处的项目", "Projects here"),
    "group_list": ("{place}:{n} 个项目(仅定位到{level})", "{place}: {n} projects (located only to {level} level)"),
    "group_search": ("在此处的项目中搜索", "Search the projects here"),
    "group_pick_hint": ("点击一行查看详情。", "Click a row to see its detail."),
    "places_layer": ("仅定位到城镇/区县/城市的项目 ({n})", "Projects located only to a town, district or city ({n})"),
    "place_in_unit": ("{unit}内的一处{level}", "a place ({level}) in {unit}"),
    "region_wide": ("区域性项目", "Region-wide"),
    "region_wide_help": ("这些项目没有自己的位置,覆盖整个区域,不在地图上绘制。", "These records have no place of their own: they cover a whole area and are not drawn on the map."),
    "scope": ("范围", "Scope"),
    "plans_col": ("规划", "Plans"),
    "notice_bad_project": ("链接中的项目“{id}”不存在或格式无效,已忽略。", "The project “{id}” in the link does not exist or is malformed; ignored."),
    "notice_not_shown": ("所选项目不在当前筛选结果中。", "The selected project is not in the current filter."),
    "tile_error": ("底图“{name}”无法加载(无网络或服务不可用),已停止显示其版权信息。", "Base map “{name}” could not be loaded (no connection or service unavailable); its credit is removed."),
    "colour_scale": ("色阶", "Colour scale"),
    "zero": ("无", "none"),
    "tianditu_no_key": ("天地图需要密钥(环境变量 TIANDITU_KEY)", "Tianditu needs a key (environment variable TIANDITU_KEY)"),
    "notice_bad_query": ("链接中有无效参数,已忽略:", "Ignored invalid link parameters:"),
    "share_link": ("分享链接:当前筛选与所选项目已写入地址栏。", "Share: the address bar holds the current filters and the selected project."),
    "boundaries": ("行政区划", "Boundaries"),
    "layers_by_plan": ("按规划", "By plan"),
    "source_line": ("资料来源", "Sources"),
    "districts_page": ("区县统计", "Districts"),
    "not_in_any_district": (
        "另有 {n} 个项目未计入任何区县:全市性或仅知所在城市的项目(市级定位),或位于川渝以外。",
        "{n} more projects count in no district: city-wide or known only by their city (city-level location), or outside Sichuan and Chongqing.",
    ),
    "projects_page": ("项目列表", "Projects"),
    "export_page": ("导出", "Export"),
    "quality_page": ("数据质量", "Data quality"),
    "no_key": ("需要天地图密钥(环境变量 TIANDITU_KEY)", "Needs a Tianditu key (environment variable TIANDITU_KEY)"),
    "length_km": ("长度(公里)", "Length (km)"),
    "area_km2": ("面积(平方公里)", "Area (km²)"),
    "name": ("名称", "Name"),
    "download": ("下载", "Download"),
    "all": ("全部", "All"),
    "html_standalone": (
        "HTML 地图为独立文件:Leaflet 等资源已内嵌,离线可直接打开。",
        "The HTML map is standalone: Leaflet and its plugins are inlined, so it opens offline with no server.",
    ),
    "briefing_image": ("简报图片", "Briefing image"),
    "briefing_title": ("成渝地区规划项目", "Chengdu–Chongqing plan projects"),
    "image_format": ("格式", "Format"),
    "image_layout": ("版式", "Layout"),
    "image_title": ("标题", "Title"),
    "image_tiles": ("底图瓦片(需联网)", "Base-map tiles (online)"),
    "image_tiles_missing": ("底图瓦片无法获取,图片不含底图:", "Base-map tiles could not be fetched; the image has none: "),
    "preview": ("预览", "Preview"),
    "screenshot": ("地图截图", "Screenshot of this map"),
    "screenshot_button": ("生成截图(无头浏览器)", "Take screenshot (headless browser)"),
}


def t(key: str, lang: str = "zh", **fmt) -> str:
    """The text for ``key`` in ``lang``, formatted with ``fmt``."""
    text = label(TEXT, key, lang=lang)
    return text.format(**fmt) if fmt else text
