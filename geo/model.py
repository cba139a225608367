"""The vocabulary and the record schema of a project.

Everything that has a fixed list of values lives here, with its Chinese and
English labels, so that validation, filters, the map legend, exports and
images all speak the same words. ``docs/DATA_MODEL.md`` explains each field.
"""

from __future__ import annotations

from dataclasses import dataclass

# Order matters: it is the order of legends and tables.
CATEGORIES: dict[str, tuple[str, str]] = {
    "rail": ("铁路", "Railway"),
    "metro": ("城市轨道交通", "Metro / urban rail"),
    "highway": ("高速公路", "Expressway"),
    "road": ("城市道路", "Road"),
    "bridge_tunnel": ("桥梁隧道", "Bridge / tunnel"),
    "station_hub": ("站场枢纽", "Station / hub"),
    "port": ("港口码头", "Port"),
    "airport": ("机场", "Airport"),
    "hospital": ("医疗卫生", "Hospital / health"),
    "education_research": ("教育科研", "Education / research"),
    "industrial_park": ("产业园区", "Industrial park"),
    "new_town": ("新城新区", "New town / area"),
    "science_park": ("科学城科技园", "Science city / park"),
    "energy": ("能源", "Energy"),
    "water": ("水利水务", "Water"),
    "digital": ("数字基础设施", "Digital infrastructure"),
    "logistics": ("物流", "Logistics"),
    "commerce_culture_sport": ("商业文体", "Commerce / culture / sport"),
    "ecology_park": ("生态公园", "Ecology / park"),
    "social_welfare": ("社会民生", "Social welfare"),
    "other": ("其他", "Other"),
}

# The lifecycle ladder; the last two are off the ladder.
STATUSES: dict[str, tuple[str, str]] = {
    "proposed": ("谋划", "Proposed"),
    "preparatory": ("前期", "Preparatory"),
    "under_construction": ("在建", "Under construction"),
    "completed": ("建成", "Completed"),
    "operating": ("运营", "Operating"),
    "shelved": ("搁置", "Shelved"),
    "cancelled": ("取消", "Cancelled"),
}
#: Rank of each status when several documents disagree: the highest rank wins (ties: the later
#: document). ``shelved`` and ``cancelled`` rank above ``operating`` on purpose — no plan announces
#: them ahead, so a report of one outranks any ladder status; a revival is a workbench edit
#: (docs/DATA_MODEL.md, "Ranking").
STATUS_RANK: dict[str, int] = {s: i for i, s in enumerate(STATUSES)}

ACTIONS: dict[str, tuple[str, str]] = {
    "study": ("研究谋划", "Study"),
    "prepare": ("前期工作", "Prepare"),
    "start": ("开工", "Start"),
    "build": ("建设", "Build"),
    "complete": ("建成", "Complete"),
    "upgrade": ("改造提升", "Upgrade"),
    "operate": ("运营", "Operate"),
}

# From most to least precise.
PRECISIONS: dict[str, tuple[str, str]] = {
    "exact": ("精确位置", "Exact site"),
    "approximate": ("大致位置", "Approximate"),
    "town": ("乡镇街道", "Town"),
    "district": ("区县(无具体位置)", "District (no site)"),
    "city": ("市州(无具体位置)", "City (no site)"),
    "region": ("区域性(无具体位置)", "Region-wide (no place)"),
}
#: Precisions whose records may have no geometry: known only to the unit (or area) named in
#: ``scope``. A district's representative point would be a guess that looks like a site, so a
#: project known only to its district has a null geometry and ``scope`` = that district;
#: ``region`` is a programme with no single place. Several stated districts keep a multi-point.
PLACELESS_PRECISIONS = ("district", "city", "region")

#: Where a record's coordinates come from (schema v2, ``location_source``).
LOCATION_SOURCES: dict[str, tuple[str, str]] = {
    "geonames": ("GeoNames地名点", "GeoNames place point"),
    "well_known": ("公知地理(车站、镇中心、地标)", "Well-known geography (station, town centre, landmark)"),
    "openstreetmap": ("OpenStreetMap", "OpenStreetMap"),
    "edit": ("用户修改", "User edit"),
    "boundary": ("行政区代表点", "Representative point of a district or city"),
    "none": ("无几何", "No geometry"),
}

#: What a record is (schema v2, ``kind``); see docs/DATA_MODEL.md "Projects and designations".
KINDS: dict[str, tuple[str, str]] = {
    "project": ("项目", "Project"),
    "designation": ("称号/区域/机制", "Designation"),
}
#: Kinds shown when a filter says nothing (the map hides designations by default).
DEFAULT_KINDS: tuple[str, ...] = ("project",)

#: Scopes of region records that are not a district/city of the boundaries.
REGION_SCOPES: dict[str, tuple[str, str]] = {
    "重庆市": ("重庆市", "Chongqing Municipality"),
    "四川省": ("四川省", "Sichuan Province"),
    "两江新区": ("两江新区", "Liangjiang New Area"),
    "成渝地区": ("成渝地区", "Chengdu–Chongqing region"),
}

SOURCE_CRSS: dict[str, str] = {
    "WGS84": "EPSG:4326",
    "CGCS2000": "EPSG:4490",
    "GCJ-02": "GCJ-02 (Amap, Tencent)",
    "BD-09": "BD-09 (Baidu)",
}

GEOMETRY_TYPES = frozenset(
    {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"}
)

# Categories whose length (km) the statistics sum, and whose area (km²).
LINEAR_CATEGORIES = ("rail", "metro", "highway")
AREAL_CATEGORIES = ("ecology_park", "industrial_park", "science_park", "new_town")

#: Why a rail/metro/expressway record is not drawn as a line (``not_line`` of its entry in
#: ``data/catalog/locations/lines.json``; docs/DATA_MODEL.md "Lines"). Every other record of
#: :data:`LINEAR_CATEGORIES` must be built as a line: the build refuses it otherwise.
NOT_LINE_REASONS: dict[str, tuple[str, str]] = {
    "programme": ("多条线路的规划项目(无单一线路)", "Programme of several lines (no single line)"),
    "course_not_stated": ("线位未载明(暂无线路)", "Course not stated (no line yet)"),
}

#: Plausible drawn length (km, geodesic) of one line record, by category: (min, max).
#: Metro lines here run about 20–70 km (Chongqing's Lines 3 and 15 about 67 km); the longest railway
#: section a plan names is 川藏铁路雅安至林芝段 (about 1,011 km); the longest expressway
#: about 340 km (成渝高速). A spur can be a few km. Outside the band is a consistency problem.
LINE_KM_BANDS: dict[str, tuple[float, float]] = {
    "rail": (2.0, 1100.0),
    "metro": (3.0, 80.0),
    "highway": (10.0, 600.0),
}

REQUIRED_FIELDS = (
    "id",
    "name_zh",
    "name_en",
    "category",
    "status",
    "status_as_of",
    "status_source",
    "location_precision",
    "source_crs",
    "plans",
)
#: Schema v2 fields every built record carries (a v1 file has ``location_note`` instead of the notes).
V2_FIELDS = ("kind", "location_source", "location_note_zh", "location_note_en", "scope")

REQUIRED_ATTRIBUTION_FIELDS = ("plan", "verb", "action", "quote")


@dataclass(frozen=True)
class Plan:
    """One source document (an entry of ``data/plans.json``)."""

    id: str
    title_zh: str
    title_en: str
    issuer: str
    doc_number: str | None
    date: str
    horizon: str | None
    kind: str  # "plan" or "news"
    source_file: str | None = None
    short_zh: str = ""
    short_en: str = ""
    note: str = ""

    def short(self, lang: str = "zh") -> str:
        """A short title for legends and layer lists."""
        return (self.short_zh or self.title_zh) if lang == "zh" else (self.short_en or self.title_en)


def label(vocabulary: dict[str, tuple[str, str]], key: str, *, lang: str = "zh") -> str:
    """Return the label of ``key`` in ``lang`` ("zh" or "en"); the key itself if unknown."""
    pair = vocabulary.get(key)
    if pair is None:
        return key
    return pair[0] if lang == "zh" else pair[1]
