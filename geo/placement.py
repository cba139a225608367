"""Where a catalog record goes: the placement pass, finest evidence first.

One function, :func:`place`, turns a record's evidence into a
:class:`Placement` (geometry, precision, location source, notes in Chinese
and English, scope). The evidence, tried in this order:

1. An explicit location entry with coordinates (``data/catalog/locations/*.json``
   or the extract's own ``location``): a line through its waypoints, a
   sketched polygon, or a point, with the entry's precision (lines and
   polygons are always ``approximate``). ``kind: none`` makes a region record.
2. The entry's ``town``: a place of the finer gazetteer (``places.csv``,
   :func:`geo.gazetteer.place_point`), else a GeoNames town
   (:func:`geo.gazetteer.town_point`) → precision ``town``.
3. A finer-gazetteer place named in the record's name, aliases or quotes
   (only the parts of a quote that speak of the record, :func:`own_words`),
   inside a stated district (the name before aliases before quotes, then the
   longest name; the same place is always the same point) → precision ``town``.
   3b. A community (社区/村) of ``communities.csv`` named in the same words →
   the point of the street or town it belongs to, precision ``town``.
   Rules 2 and 3 swap when the location is the extract's own (not a curated
   entry of ``locations/*.json``): an extract's ``town`` was often a guess,
   the words of the record are evidence.
4. Several stated districts/cities → a multi-point of their representative
   points (``district`` or ``city``, source ``boundary``). A curated entry
   that gives only a ``district`` says no finer place is known: its words are
   not searched (the curator judged them misleading) and it goes on to rule 5.
5. Otherwise no site is known: null geometry (never a guessed point) and a
   ``scope`` — the one stated district/city, else the plan's own area (jlp14 →
   九龙坡区; lj2023 and news2023 → 两江新区), else 重庆市 / 四川省 / 成渝地区 by
   the stated units and the plans. The precision says how far it is known:
   ``district``, ``city``, or ``region`` for the wider scopes. An explicit
   ``kind: none`` entry is a programme with no single place: ``region``.
   A curated line entry with ``not_line: course_not_stated`` (a railway, metro
   line or expressway whose course no evidence gives) goes straight here, with
   the entry's ``scope`` if given and its own notes.

Notes say the evidence in neutral words in both languages; an entry's own
``note_zh``/``note_en`` are used when given. A schema v1 ``note`` (English,
often first-person) is never copied.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import shapely

from geo import gazetteer
from geo.model import AREAL_CATEGORIES, LOCATION_SOURCES, REGION_SCOPES
from geo.names import pinyin, strip_admin_suffix

#: The area a plan's place-less records cover, by plan id.
PLAN_SCOPES = {"jlp14": "九龙坡区", "lj2023": "两江新区", "news2023": "两江新区", "cq2023": "重庆市"}
PLACE_SOURCES = ("well_known", "geonames", "openstreetmap", "edit")
_WHERE = {"name": ("名称", "the name"), "alias": ("别名", "an alias"), "quote": ("规划原文", "the plan's wording")}


@dataclass(frozen=True)
class Placement:
    """The placement of one record (``geometry`` None for a region record)."""

    geometry: object
    precision: str
    source: str
    note_zh: str
    note_en: str
    scope: str | None = None
    osm_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Evidence:
    """What a record says about its place: the location entry and its words."""

    location: dict
    admin_stated: tuple[str, ...]
    plan_ids: tuple[str, ...]
    name_zh: str
    aliases: tuple[str, ...] = ()
    quotes: tuple[str, ...] = ()
    category: str = ""
    designation: bool = False
    curated: bool = False  # the location comes from data/catalog/locations/*.json


#: Names of areas: a single point can only stand for them approximately.
_AREA_NAME = re.compile(r"(商圈|新城|新区|片区|园区|产业园|景区|公园|街区|示范区|科学城|半岛)(\(.*\))?$")


def is_area(ev: Evidence) -> bool:
    """True for a record that is an area (a park, new town, business district, a designation…), never an ``exact`` point."""
    return ev.designation or ev.category in AREAL_CATEGORIES or bool(_AREA_NAME.search(ev.name_zh))


def _en(name_zh: str) -> str:
    """'九龙坡区 (Jiulongpo)': a Chinese place name with its pinyin for English notes."""
    return f"{name_zh} ({pinyin(strip_admin_suffix(name_zh)).title()})"


#: Short source words for notes (the vocabulary's labels are for legends).
_NOTE_SOURCE = {
    "geonames": ("GeoNames地名点", "GeoNames point"),
    "well_known": ("公知地理", "well-known geography"),
    "openstreetmap": ("OpenStreetMap", "OpenStreetMap"),
    "edit": ("用户修改", "user edit"),
}


def _src(source: str, lang: int) -> str:
    return _NOTE_SOURCE.get(source, LOCATION_SOURCES.get(source, (source, source)))[lang]


def _through(pts: list, lang: int) -> str:
    """The named waypoints of a sketch, or their count when unnamed ("sketch vertex 3")."""
    names = [n for *_, n in pts if n and "vertex" not in n.lower() and "顶点" not in n]
    if len(names) < len(pts) / 2:
        return f"{len(pts)}个顶点" if lang == 0 else f"{len(pts)} vertices"
    if len(names) > 8:
        names = [*names[:4], "…", *names[-3:]]
    return "、".join(names) if lang == 0 else ", ".join(names)


def coordinates(places: list | None) -> list[tuple[float, float, str, str]]:
    """(lon, lat, precision, name) of the places of a location entry that have coordinates."""
    out = []
    for p in places or []:
        if p.get("lon") is not None and p.get("lat") is not None:
            out.append((float(p["lon"]), float(p["lat"]), p.get("precision") or "approximate", p.get("name") or ""))
    return out


def _entry_source(location: dict) -> str:
    sources = [p.get("source") for p in location.get("places") or [] if p.get("source")]
    source = sources[0] if sources else "well_known"
    return source if source in PLACE_SOURCES else "well_known"


def _entry_notes(location: dict, zh: str, en: str) -> tuple[str, str]:
    return location.get("note_zh") or zh, location.get("note_en") or en


def from_coordinates(location: dict) -> Placement | None:
    """Placement from an entry's coordinates (rule 1), or None when it has too few."""
    kind = location.get("kind") or "point"
    pts = coordinates(location.get("places"))
    source = _entry_source(location)
    osm = tuple(location.get("osm_ids") or ()) if source == "openstreetmap" else ()
    src_zh, src_en = _src(source, 0), _src(source, 1)
    if kind == "line" and len(pts) >= 2:
        zh, en = _entry_notes(location, f"示意线路,经{_through(pts, 0)}({src_zh})", f"Sketched line through {_through(pts, 1)} ({src_en})")
        return Placement(shapely.LineString([p[:2] for p in pts]), "approximate", source, zh, en, osm_ids=osm)
    if kind == "polygon" and len(pts) >= 3:
        zh, en = _entry_notes(location, f"示意范围,由{_through(pts, 0)}围成({src_zh})", f"Sketched outline through {_through(pts, 1)} ({src_en})")
        return Placement(shapely.make_valid(shapely.Polygon([p[:2] for p in pts])), "approximate", source, zh, en, osm_ids=osm)
    if pts and kind == "point":
        x, y, precision, name = pts[0]
        precision = precision if precision in ("exact", "approximate") else "approximate"
        word_zh, word_en = ("精确位置", "exact site") if precision == "exact" else ("大致位置", "approximate")
        zh, en = _entry_notes(location, f"位于{name}({src_zh},{word_zh})", f"At {name} ({src_en}, {word_en})")
        return Placement(shapely.Point(x, y), precision, source, zh, en, osm_ids=osm)
    return None


def _basis(name: str, ev: Evidence | None) -> tuple[str, str]:
    """Why a named town: its name in the record's words, else the curated location entry."""
    stem = re.sub(r"(街道|镇|乡|组团|片区)$", "", name)
    if ev is not None and len(stem) >= 2:
        for i, text in enumerate([ev.name_zh, *ev.aliases, *ev.quotes]):
            if stem in text:
                where = "name" if i == 0 else "alias" if i <= len(ev.aliases) else "quote"
                return f",依据{_WHERE[where][0]}中的“{stem}”", f", from '{stem}' in {_WHERE[where][1]}"
    if ev is not None and not ev.curated:
        return ",依据摘录条目的定位(推断,规划未写明)", ", from the extract's location (an inference; the plan does not say)"
    return ",依据人工定位条目", ", from the curated location entry"


def from_town(location: dict, district: str | None, ev: Evidence | None = None) -> Placement | None:
    """Placement at the entry's named town (rule 2), or None."""
    town = location.get("town") or {}
    name = town.get("name_zh")
    if not name:
        return None
    district = town.get("district") or district
    why_zh, why_en = _basis(name, ev)
    hit = gazetteer.place_point(name, district_zh=district)
    if hit:
        source = hit["source"] if hit["source"] in PLACE_SOURCES else "well_known"
        zh, en = _entry_notes(location, f"位于{hit['name_zh']}({_src(source, 0)}){why_zh}", f"At {hit['name_en'] or hit['name_zh']} ({_src(source, 1)}){why_en}")
        return Placement(shapely.Point(hit["lon"], hit["lat"]), "town", source, zh, en)
    xy = gazetteer.town_point(name, district_zh=district, pinyin_hint=town.get("pinyin"))
    if xy:
        zh, en = _entry_notes(location, f"位于{name}(GeoNames地名点){why_zh}", f"At {_en(name)} (GeoNames point){why_en}")
        return Placement(shapely.Point(xy), "town", "geonames", zh, en)
    return None


#: Words many projects share ("铝都博物馆" and "建川博物馆聚落" share only "博物馆"): no evidence that a
#: list item speaks of this record.
GENERIC_WORDS = (
    "博物馆", "美术馆", "纪念馆", "污水处理厂", "社区公共服务中心", "社区卫生服务中心", "服务中心", "特色美食街区",
    "特色街区", "产业园", "创新中心", "生态廊道", "水体富营养化整治", "输变电工程", "变电站", "市政道路", "配套道路",
    "雨污分流管网", "老旧小区改造", "城市有机更新", "改扩建", "教学楼", "集聚区", "示范区",
)


def _shares_words(segment: str, names: list[str], *, n: int = 3) -> bool:
    grams = {name[i:i + n] for name in names for i in range(max(len(name) - n + 1, 1))}
    grams = {g for g in grams if not re.search(r"[0-9A-Za-z]", g) and not any(g in w for w in GENERIC_WORDS)}
    return any(g in segment for g in grams)


def own_words(quote: str, names: list[str]) -> str:
    """The parts of a quote that speak of this record: a list sentence ("打造巴国城、直港大道、…、九滨路等
    特色美食街区") names other projects' places, which must not place this one.

    The quote is split at 、,;。; the parts that hold the record's name or an
    alias verbatim are kept (joined by "|"). When none does, the parts sharing
    three characters in a row with the name or aliases are kept; three
    characters inside a word many projects share (:data:`GENERIC_WORDS`, e.g.
    "博物馆") or holding Latin letters or digits ("0kV") do not count.
    """
    parts = [p for p in re.split(r"[、,,;;。]", quote) if p]
    verbatim = [p for p in parts if any(n and n in p for n in names)]
    return "|".join(verbatim or [p for p in parts if _shares_words(p, names)])


def _texts(ev: Evidence) -> list[str]:
    names = [ev.name_zh, *ev.aliases]
    return [*names, *(own_words(q, names) for q in ev.quotes)]


def from_words(ev: Evidence, districts: list[str]) -> Placement | None:
    """Rules 3 and 3b together: the place or community named in the strongest text (name, aliases, quotes).

    A community in the record's name outranks a gazetteer place in a quote;
    in the same text the gazetteer place (a point of its own) wins.
    """
    texts = _texts(ev)
    place_hit = gazetteer.places_in_text(texts, districts=districts)
    community_hit = gazetteer.communities_in_text(texts, districts=districts)
    if community_hit and (not place_hit or community_hit["text_index"] < place_hit["text_index"]):
        return from_community(ev, districts)
    return from_text(ev, districts) if place_hit else None


def from_text(ev: Evidence, districts: list[str]) -> Placement | None:
    """Placement at a gazetteer place named in the record's words (rule 3), or None."""
    hit = gazetteer.places_in_text(_texts(ev), districts=districts)
    if not hit:
        return None
    i = hit["text_index"]
    where = "name" if i == 0 else "alias" if i <= len(ev.aliases) else "quote"
    source = hit["source"] if hit["source"] in PLACE_SOURCES else "well_known"
    zh = f"位于{hit['name_zh']}({_src(source, 0)}),依据{_WHERE[where][0]}中的“{hit['match']}”"
    en = f"At {hit['name_en'] or hit['name_zh']} ({_src(source, 1)}), from '{hit['match']}' in {_WHERE[where][1]}"
    return Placement(shapely.Point(hit["lon"], hit["lat"]), "town", source, zh, en)


def from_community(ev: Evidence, districts: list[str]) -> Placement | None:
    """Placement at the street/town of a community (社区/村) named in the record's words (rule 3b), or None.

    A community has no point of its own (``communities.csv``): the record goes
    to the representative point of the street or town the division codes put
    the community in, precision ``town``, and the note says so.
    """
    hit = gazetteer.communities_in_text(_texts(ev), districts=districts)
    if not hit:
        return None
    i, street = hit["text_index"], hit["street"]
    where = "name" if i == 0 else "alias" if i <= len(ev.aliases) else "quote"
    source = street["source"] if street["source"] in PLACE_SOURCES else "well_known"
    zh = (f"位于{street['name_zh']}({_src(source, 0)}):{_WHERE[where][0]}中的“{hit['match']}”为该街镇所辖的"
          f"{hit['community_zh']}(区划代码{hit['code']}),置于街镇代表点")
    en = (f"At {street['name_en'] or street['name_zh']} ({_src(source, 1)}): '{hit['match']}' in {_WHERE[where][1]} is "
          f"{hit['community_zh']}, a community of that street/town (division code {hit['code']}); placed at the street/town point")
    return Placement(shapely.Point(street["lon"], street["lat"]), "town", source, zh, en)


def _is_city(name: str) -> bool:
    return name.endswith(("市", "州")) and not name.startswith("重庆")


def region_scope(ev: Evidence, districts: list[str]) -> str:
    """The area a place-less record covers (rule 5)."""
    if len(districts) == 1:
        return districts[0]
    for plan in ev.plan_ids:
        if plan in ("jlp14", "lj2023", "news2023"):
            return PLAN_SCOPES[plan]
    if districts:
        sichuan = [_is_city(d) for d in districts]
        return "四川省" if all(sichuan) else "重庆市" if not any(sichuan) else "成渝地区"
    return "重庆市" if set(ev.plan_ids) <= {"cq2023"} else "成渝地区"


def region(scope: str, location: dict | None = None) -> Placement:
    """A programme with no single place (an explicit ``kind: none`` entry): no geometry, ``scope`` the area it covers."""
    zh, en = _entry_notes(location or {}, f"区域性项目,无单一位置,范围为{scope}", f"Region-wide: no single site; covers {_en(scope)}")
    return Placement(None, "region", "none", zh, en, scope=scope)


def unplaced(scope: str) -> Placement:
    """A project whose site is not known finer than ``scope`` (rule 5): no geometry, never a guessed point.

    Its precision says how far it is known: ``district`` (a Chongqing district or
    Sichuan county), ``city`` (a Sichuan city), or ``region`` for wider areas
    (重庆市, 四川省, 两江新区, 成渝地区).
    """
    if scope in REGION_SCOPES:
        zh, en = f"规划未指明具体位置,已知范围为{scope}", f"Site not stated: known only to lie in {_en(scope)}"
        return Placement(None, "region", "none", zh, en, scope=scope)
    precision = "city" if _is_city(scope) else "district"
    zh = f"规划未指明具体位置,已知位于{scope}(不标点,列于该区县/市州之下)"
    en = f"Site not stated: known only to lie in {_en(scope)} (not drawn as a point; listed under it)"
    return Placement(None, precision, "none", zh, en, scope=scope)


def district_points(names: list[str], *, single: bool = False, location: dict | None = None) -> Placement | None:
    """The representative points of the stated districts (rule 4), or None.

    Several districts give a multi-point; one district only with ``single``
    (a curated entry that asks for its district's point).
    """
    found = [(n, gazetteer.district_point(n)) for n in names]
    found = [(n, p) for n, p in found if p]
    if len(found) < (1 if single else 2):
        return None
    precision = "city" if all(_is_city(n) for n, _ in found) else "district"
    where = "、".join(n for n, _ in found)
    zh, en = _entry_notes(
        location or {},
        f"规划未指明具体位置,置于所述区县(市)的代表点:{where}",
        f"No site stated: at the representative point of {', '.join(_en(n) for n, _ in found)}",
    )
    points = [p[:2] for _, p in found if p is not None]
    geom = shapely.Point(points[0]) if len(points) == 1 else shapely.MultiPoint(points)
    return Placement(geom, precision, "boundary", zh, en)


def stated_districts(ev: Evidence) -> list[str]:
    """The stated districts/cities, the location entry's ``district`` first, known names only."""
    names = [ev.location.get("district"), *ev.admin_stated]
    return [n for n in dict.fromkeys(filter(None, names)) if gazetteer.district_point(n)]


def place(ev: Evidence) -> Placement:
    """Place one record, finest evidence first (see the module docstring)."""
    loc = ev.location
    districts = stated_districts(ev)
    if loc.get("kind") == "none":
        return region(loc.get("scope") or region_scope(ev, districts), loc)
    if loc.get("not_line") == "course_not_stated":
        # A line whose course no evidence gives: unplaced (never a point standing in for a line),
        # and its entry's notes say why; the words are not searched for a place.
        where = unplaced(loc.get("scope") or region_scope(ev, districts))
        return replace(where, note_zh=loc.get("note_zh") or where.note_zh, note_en=loc.get("note_en") or where.note_en)
    found = from_coordinates(loc)
    if found and found.precision == "exact" and shapely.get_type_id(found.geometry) == 0 and is_area(ev):
        # A point cannot be the exact site of an area: it is a sketch of where the area is.
        zh = found.note_zh.replace("精确位置", "大致位置") + ";项目为一片区域,单点仅示意"
        en = found.note_en.replace("exact site", "approximate") + "; the project is an area, a single point only sketches it"
        return Placement(found.geometry, "approximate", found.source, zh, en, osm_ids=found.osm_ids)
    if found:
        return found
    if ev.curated and not loc.get("town") and loc.get("district"):
        # A curator found no place finer than the district (e.g. the only place name in its quote
        # belongs to another project): no search in the words, and no pile on the district's point.
        # The entry's notes describe a point that is not drawn, so the notes are the build's own.
        return district_points(districts) or unplaced(region_scope(ev, districts))
    search_in = districts or ([PLAN_SCOPES["jlp14"]] if "jlp14" in ev.plan_ids else [])
    town = districts[0] if districts else None
    if ev.curated:  # a curated entry's town outranks a name found in the words
        found = from_town(loc, town, ev) or from_words(ev, search_in)
    else:  # an extract's own town (v1: often a guess) comes after the words' evidence
        found = from_words(ev, search_in) or from_town(loc, town, ev)
    found = found or district_points(districts)
    return found or unplaced(region_scope(ev, districts))
