"""Real geometry from OpenStreetMap through osmnx: find, match, score, propose.

For each catalog record of a category that OpenStreetMap maps (railways, metro
lines, expressways, stations, airports, ports, hospitals) this module reads the
candidate OSM features of the record's area, matches them to the record by
name, assembles a line from its ways, clips it to the section the plan names,
scores the match and builds a workbench proposal (a plain dict) for each
accepted match. Nothing here writes the catalog: accepting a proposal does.

Three sources, one result:

* ``xml=`` a local OSM XML extract (``.osm``, ``.osm.gz``, ``.osm.bz2``), read
  with :func:`osmnx.features_from_xml`; route relations are read from the same
  file (osmnx keeps only multipolygon relations).
* ``pbf=`` a Geofabrik-style ``.osm.pbf`` extract, first filtered to the needed
  tags with pyosmium (reference-complete) into a temporary XML file, then read
  as above.
* neither: Overpass through :func:`osmnx.features_from_polygon` (osmnx's own
  HTTP cache; ``settings.osm_timeout``, ``settings.osm_overpass_url``). Route
  relations are not read online (osmnx drops them): ways are grouped by name.

Every match carries ``reasons``: what was decided and why. OpenStreetMap data
is © OpenStreetMap contributors under the ODbL: every proposal carries
:data:`CREDIT`, and exports must print it wherever OSM geometry is used.
"""

from __future__ import annotations

import bz2
import contextlib
import difflib
import gzip
import json
import re
import sys
import tempfile
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from shapely import ops

from geo import _files, settings
from geo._errors import DataFileError, FilterError, OsmSourceError

CREDIT = "© OpenStreetMap contributors, ODbL"
CREDIT_ZH = "© OpenStreetMap 贡献者,ODbL 许可"
LICENSE = "ODbL-1.0"

#: OSM tags per catalog category (osmnx ``tags`` form). ``route`` values are
#: route relations (read from files only); the rest are nodes, ways, areas.
CATEGORY_TAGS: dict[str, dict[str, bool | str | list[str]]] = {
    "rail": {"railway": ["rail", "construction", "proposed", "light_rail"], "route": ["train"]},
    "metro": {"railway": ["subway", "light_rail", "monorail", "construction", "proposed"], "route": ["subway", "light_rail", "monorail"]},
    "highway": {"highway": ["motorway", "trunk", "construction", "proposed"], "route": ["road"]},
    "station_hub": {"railway": ["station"], "public_transport": ["station"]},
    "airport": {"aeroway": ["aerodrome"]},
    "port": {"harbour": True, "landuse": ["port"], "industrial": ["port"]},
    "hospital": {"amenity": ["hospital"], "healthcare": ["hospital"]},
}
LINE_CATEGORIES = frozenset({"rail", "metro", "highway"})
#: For ``railway=construction`` / ``proposed`` (and ``highway=``), the value of
#: the ``construction``/``proposed`` key that fits the category.
_UNDER_WAY_FIT = {
    "rail": ("railway", {"rail", "light_rail"}),
    "metro": ("railway", {"subway", "light_rail", "monorail"}),
    "highway": ("highway", {"motorway", "trunk"}),
}
NAME_KEYS = ("name", "name:zh", "name:zh-Hans", "name:zh-Hant", "name:en", "alt_name", "official_name", "old_name")

# Generic words dropped to compare the distinctive part of a name; longest first.
_SUFFIXES = sorted(
    [
        "高速铁路", "城际铁路", "客运专线", "铁路", "高铁", "城际", "号线", "支线", "线",
        "高速公路", "高速", "快速路", "国际机场", "机场", "火车站", "高铁站", "站", "港区", "港口", "港",
        "人民医院", "医院", "high-speed railway", "highspeed railway", "intercity railway", "railway",
        "expressway", "international airport", "airport", "railway station", "station", "port", "hospital", "line",
    ],
    key=len,
    reverse=True,
)
_SUFFIXES = [s.replace(" ", "") for s in _SUFFIXES]  # names are compared without spaces
_PREFIXES = ("重庆轨道交通", "成都轨道交通", "重庆地铁", "成都地铁", "轨道交通", "地铁", "轨道", "重庆市", "四川省", "成都市", "重庆", "成都")
_PUNCT = re.compile(r"[\s·・\-—–_()()\[\]【】,,、.。'\"“”]+")
# Used only when PyPI opencc is missing: the traditional forms met in these names.
_T2S_TABLE = str.maketrans(
    "鐵線號機場醫院鎮區縣慶東門廣嶺灣寧陽達興莊閩貴發龍萬渝蘭雲隴陝淵橋運綫濱樞紐軌道灘壩",
    "铁线号机场医院镇区县庆东门广岭湾宁阳达兴庄闽贵发龙万渝兰云陇陕渊桥运线滨枢纽轨道滩坝",
)

NAME_GATE = 0.9
#: Candidates whose name scores below this are not reported at all (unrelated features of the area).
REPORT_FLOOR = 0.3
WEIGHTS = {"name": 0.4, "kind": 0.2, "distance": 0.2, "coverage": 0.2}


@dataclass
class Match:
    """One OSM candidate for one record, with its scores and the reasons.

    ``accepted`` is the decision; ``reasons`` say, in order, what was checked
    and what was found (one short English sentence each).
    """

    record_id: str
    record_name: str
    category: str
    osm_ids: list[str]
    osm_name: str
    record_form: str
    geometry: object
    scores: dict[str, float]
    score: float = 0.0
    accepted: bool = False
    clipped: bool = False
    reasons: list[str] = field(default_factory=list)


# ----------------------------------------------------------------------------- names


@lru_cache(maxsize=1)
def _opencc():
    try:
        import opencc
    except ImportError:  # pragma: no cover - opencc is pinned in requirements.txt
        return None
    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """Traditional → simplified Chinese (PyPI opencc; a small table when it is missing)."""
    converter = _opencc()
    return converter.convert(text) if converter else text.translate(_T2S_TABLE)


def name_forms(name: str) -> list[str]:
    """The forms of a name compared for matching, the full normalised name first.

    Simplified, lower-case, without spaces and punctuation; then without one
    leading generic prefix (``重庆轨道交通``, a city name) and/or one trailing
    generic suffix (``高速铁路``, ``号线``, ``国际机场``, ``站``…). A stripped
    form shorter than two characters is not kept: "重庆东站" never becomes "东".
    """
    full = _PUNCT.sub("", simplified(str(name)).strip().lower())
    if not full:
        return []
    forms = [full]
    for base in list(forms):
        for prefix in _PREFIXES:
            if base.startswith(prefix) and len(base) - len(prefix) >= 2:
                forms.append(base[len(prefix):])
                break
    for base in list(forms):
        for suffix in _SUFFIXES:
            stem = base[: -len(suffix)] if base.endswith(suffix) else ""
            if len(stem) >= 2:
                forms.append(stem)
                break
    return list(dict.fromkeys(forms))


def name_score(record_names: list[str], osm_names: list[str]) -> tuple[float, str, str]:
    """Best (score, record name, OSM name) over every pair of names.

    1.0 when the full normalised names are equal, 0.95 when a stripped form of
    one equals a form of the other (``渝湘高铁`` = ``渝湘高速铁路``), else the
    difflib ratio of the full forms × 0.8 (so a merely similar name, such as
    ``成渝高速铁路`` for ``成渝中线高铁``, never passes :data:`NAME_GATE`).
    """
    best = (0.0, "", "")
    for rn in record_names:
        rforms = name_forms(rn)
        for on in osm_names:
            oforms = name_forms(on)
            if not rforms or not oforms:
                continue
            if rforms[0] == oforms[0]:
                score = 1.0
            elif set(rforms) & set(oforms):
                score = 0.95
            else:
                score = round(0.8 * difflib.SequenceMatcher(None, rforms[0], oforms[0]).ratio(), 3)
            if score > best[0]:
                best = (score, rn, on)
    return best


def feature_names(row: pd.Series) -> list[str]:
    """Every non-empty name of an OSM feature (``name``, ``name:zh``, ``alt_name``…; ``;``-lists split)."""
    out: list[str] = []
    for key in NAME_KEYS:
        value = row.get(key)
        if isinstance(value, str) and value.strip():
            out.extend(v.strip() for v in value.split(";") if v.strip())
    return list(dict.fromkeys(out))


def record_names(record: pd.Series) -> list[str]:
    """The record's Chinese name, its aliases and its English name."""
    aliases = record.get("aliases")
    aliases = list(aliases) if isinstance(aliases, (list, tuple, np.ndarray)) else []
    names = [record.get("name_zh"), *aliases, record.get("name_en")]
    return list(dict.fromkeys(n for n in names if isinstance(n, str) and n.strip()))


# ----------------------------------------------------------------------------- reading


def _values(value: bool | str | list[str] | None) -> list[str]:
    """The tag values of a ``tags`` entry as a list (``True`` and None: none listed)."""
    if isinstance(value, str):
        return [value]
    return list(value) if isinstance(value, list) else []


def tags_for(categories: list[str]) -> dict[str, bool | str | list[str]]:
    """Union of :data:`CATEGORY_TAGS` over ``categories`` (osmnx ``tags`` form)."""
    tags: dict[str, bool | str | list[str]] = {}
    for cat in categories:
        for key, values in CATEGORY_TAGS[cat].items():
            if values is True or tags.get(key) is True:
                tags[key] = True
            else:
                tags[key] = sorted(set(_values(tags.get(key))) | set(_values(values)))
    return tags


def _feature_frame(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """osmnx's (element, id)-indexed frame → one row per feature with ``osm_id`` and ``names``."""
    gdf = gdf.reset_index()
    gdf["osm_id"] = gdf["element"].astype(str) + "/" + gdf["id"].astype(str)
    keys = [k for k in NAME_KEYS if k in gdf.columns]
    gdf["names"] = [feature_names(pd.Series(tags)) for tags in gdf[keys].to_dict("records")]
    return gdf.set_crs(settings.storage_crs, allow_override=True)


def _open_xml(path: Path):
    if path.suffix == ".gz":
        return gzip.open(path, "rb")
    if path.suffix == ".bz2":
        return bz2.open(path, "rb")
    return open(path, "rb")


class IncompleteExtractWarning(UserWarning):
    """An OSM file is not reference-complete: some wanted ways lack their nodes and were skipped."""


def _wanted(tags, wanted: dict) -> bool:
    """Whether an OSM object's tags carry one of the wanted key/value pairs (osmnx ``tags`` form)."""
    return any(key in tags and (values is True or tags[key] in values) for key, values in wanted.items())


def scan_xml(path: Path, wanted: dict) -> tuple[list[dict], set[int]]:
    """Route relations and the ids of wanted ways of an OSM XML file, in one streaming pass.

    Relations: ``type=route`` with a wanted ``route`` value, each
    ``{"osm_id": "relation/…", "names": [...], "route": …, "ways": [way ids in order]}``
    (osmnx keeps only multipolygon relations). Way ids: every way carrying a
    wanted tag, to tell which ones osmnx had to skip.
    """
    relations, way_ids = [], set()
    try:
        with _open_xml(path) as fh:
            for _, elem in ET.iterparse(fh, events=("end",)):
                if elem.tag not in ("way", "relation"):
                    if elem.tag == "node":
                        elem.clear()
                    continue
                tags = {t.get("k"): t.get("v") for t in elem.iter("tag")}
                if elem.tag == "way" and _wanted(tags, wanted):
                    way_ids.add(int(elem.get("id")))
                elif elem.tag == "relation" and tags.get("type") == "route" and _wanted({"route": tags.get("route")}, wanted):
                    ways = [int(m.get("ref")) for m in elem.iter("member") if m.get("type") == "way" and not m.get("role", "").startswith(("platform", "stop"))]
                    relations.append({"osm_id": f"relation/{elem.get('id')}", "names": feature_names(pd.Series(tags)), "route": tags["route"], "ways": ways})
                elem.clear()
    except (ET.ParseError, OSError, EOFError) as exc:
        raise DataFileError(path, f"not a readable OSM XML file ({exc})") from None
    return relations, way_ids


def read_xml(path: str | Path, *, categories: list[str]) -> tuple[gpd.GeoDataFrame, list[dict]]:
    """Features and route relations of ``categories`` from a local OSM XML extract.

    Warns (:class:`IncompleteExtractWarning`) when osmnx had to skip wanted
    ways whose nodes are not in the file (an extract cut with osmium's
    ``simple`` strategy); use ``osmium extract --strategy complete_ways``.

    Raises
    ------
    DataFileError
        The file is missing, not a regular file, over ``settings.max_input_bytes``
        (osmnx reads it whole; :func:`read_pbf` filters a large extract first) or not OSM XML.
    """
    import osmnx as ox
    from osmnx._errors import InsufficientResponseError

    path = _files.input_file(path)
    tags = tags_for(categories)
    relations, way_ids = scan_xml(path, tags)
    try:
        gdf = ox.features_from_xml(path, tags=tags)
    except InsufficientResponseError:
        gdf = _empty_features()
    except (ET.ParseError, KeyError, ValueError, OSError, EOFError) as exc:
        raise DataFileError(path, f"not a readable OSM XML file ({type(exc).__name__}: {exc})") from None
    features = _feature_frame(gdf)
    skipped = sorted(way_ids - set(features.loc[features["element"] == "way", "id"].astype(int)))
    if skipped:
        shown = ", ".join(f"way/{w}" for w in skipped[:5]) + (" …" if len(skipped) > 5 else "")
        warnings.warn(
            IncompleteExtractWarning(f"{path}: {len(skipped)} ways lack nodes in the file and were skipped ({shown}); the extract is not reference-complete"),
            stacklevel=2,
        )
    return features, relations


def _empty_features() -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame({"element": [], "id": []}, geometry=gpd.GeoSeries([], crs=settings.storage_crs))
    return frame.set_index(["element", "id"])


def pbf_to_xml(pbf: str | Path, out: str | Path, *, categories: list[str]) -> Path:
    """Filter a ``.osm.pbf`` extract to the tags of ``categories`` into a reference-complete OSM XML file.

    One pass: pyosmium's C++ :class:`osmium.filter.KeyFilter` keeps the objects
    that carry one of the keys, Python keeps those whose value is wanted, and
    :class:`osmium.BackReferenceWriter` adds every node of a kept way and every
    member of a kept relation (untagged), as osmnx needs. The PBF is streamed, so its
    size is not limited.

    Raises
    ------
    DataFileError
        The PBF is missing, not a regular file, or not readable as PBF.
    """
    import osmium

    pbf, out = _files.input_file(pbf, max_bytes=sys.maxsize), Path(out)
    wanted = tags_for(categories)
    try:
        with osmium.BackReferenceWriter(str(out), ref_src=str(pbf), overwrite=True) as writer:
            for obj in osmium.FileProcessor(str(pbf)).with_filter(osmium.filter.KeyFilter(*wanted)):
                if _wanted(obj.tags, wanted):
                    writer.add(obj)
    except RuntimeError as exc:
        raise DataFileError(pbf, f"not a readable OSM PBF file ({exc})") from None
    return out


def read_pbf(path: str | Path, *, categories: list[str]) -> tuple[gpd.GeoDataFrame, list[dict]]:
    """Features and route relations of ``categories`` from a PBF extract (filtered, then read as XML)."""
    with tempfile.TemporaryDirectory(prefix="atlas-osm-") as tmp:
        xml = pbf_to_xml(path, Path(tmp) / "filtered.osm", categories=categories)
        return read_xml(xml, categories=categories)


@contextlib.contextmanager
def _osmnx_settings() -> Iterator[None]:
    """osmnx settings for one online read (timeout, Overpass URL), restored afterwards."""
    import osmnx as ox

    names = ("requests_timeout", "overpass_url", "cache_folder")
    saved = {name: getattr(ox.settings, name) for name in names}
    ox.settings.requests_timeout = settings.osm_timeout
    ox.settings.cache_folder = settings.osm_cache_dir
    if settings.osm_overpass_url:
        ox.settings.overpass_url = settings.osm_overpass_url
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(ox.settings, name, value)


def read_overpass(area, *, categories: list[str]) -> gpd.GeoDataFrame:
    """Features of ``categories`` inside the polygon ``area`` from Overpass (osmnx; cached by osmnx).

    Raises
    ------
    OsmSourceError
        The server cannot be reached, times out, or answers with an error.
        (osmnx itself waits and retries on 429 and 504 answers.)
    """
    import osmnx as ox
    import requests
    from osmnx._errors import InsufficientResponseError, ResponseStatusCodeError

    tags = {k: v for k, v in tags_for(categories).items() if k != "route"}
    with _osmnx_settings():
        url = ox.settings.overpass_url
        try:
            gdf = ox.features_from_polygon(area, tags=tags)
        except InsufficientResponseError as exc:
            if not str(exc).startswith("No matching features"):  # a 200 answer that is not JSON
                raise OsmSourceError(url, f"not an Overpass answer ({str(exc)[:200]})") from None
            gdf = _empty_features()
        except (requests.RequestException, ResponseStatusCodeError, KeyError, ValueError) as exc:
            raise OsmSourceError(url, f"{type(exc).__name__}: {str(exc)[:300]}") from None
    return _feature_frame(gdf)


# ----------------------------------------------------------------------------- matching


@lru_cache(maxsize=4)
def _transformer(src: str, dst: str) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(src, dst, always_xy=True)


def _reproject(geoms, src: str, dst: str) -> np.ndarray:
    fwd = _transformer(src, dst)
    return shapely.transform(np.asarray(geoms, dtype=object), lambda xy: np.column_stack(fwd.transform(xy[:, 0], xy[:, 1])))


def _to_metres(geoms) -> np.ndarray:
    """Storage CRS → the equal-area metric CRS (``settings.area_crs``), for distances and cuts."""
    return _reproject(list(geoms), settings.storage_crs, settings.area_crs)


def _to_degrees(geom):
    return _reproject([geom], settings.area_crs, settings.storage_crs)[0]


def search_km(category: str, record_geometry) -> float:
    """How far around the record's current geometry candidates are sought.

    ``settings.osm_search_buffer_km``; for a line category whose record is not
    yet a line (placed at a town, district or city point) the section is unknown
    and the whole named line is sought, within ``settings.osm_line_search_km``.
    """
    if category in LINE_CATEGORIES and record_geometry.geom_type not in ("LineString", "MultiLineString"):
        return settings.osm_line_search_km
    return settings.osm_search_buffer_km


def search_area(record_geometry, *, buffer_km: float | None = None):
    """The record's area: the bounding box of its current geometry, buffered (degrees, WGS84)."""
    buffer_km = settings.osm_search_buffer_km if buffer_km is None else buffer_km
    box = shapely.box(*shapely.bounds(_to_metres([record_geometry])[0]))
    return _to_degrees(shapely.buffer(box, buffer_km * 1000.0))


def kind_fit(category: str, row: pd.Series | dict, geom_type: str) -> tuple[float, str]:
    """How well a feature's tags and geometry type suit the category (0–1) and why."""
    lineal = geom_type in ("LineString", "MultiLineString")
    if (category in LINE_CATEGORIES) != lineal:
        want = "a line" if category in LINE_CATEGORIES else "a point or area"
        return 0.0, f"{geom_type} is not {want} for category {category}"
    if category in _UNDER_WAY_FIT:
        key, good = _UNDER_WAY_FIT[category]
        value = row.get(key)
        if value in ("construction", "proposed"):
            what = row.get(value) if isinstance(row.get(value), str) else None
            if what is None:
                return 0.8, f"{key}={value} without {value}=*"
            fit = 1.0 if what in good else 0.3
            return fit, f"{key}={value} + {value}={what}"
        if category == "rail" and value == "light_rail":
            return 0.6, "railway=light_rail for a railway record"
    hits = [f"{k}={row.get(k)}" for k in CATEGORY_TAGS[category] if isinstance(row.get(k), str)]
    return 1.0, ", ".join(hits) or "tags fit"


def _record_ends(record_geometry) -> list | None:
    """Section ends: the first and last waypoint of the record's current line, else None."""
    if record_geometry is None or record_geometry.geom_type != "LineString":
        return None
    return [shapely.Point(record_geometry.coords[0]), shapely.Point(record_geometry.coords[-1])]


def drop_parallel_parts(line_m, *, within_m: float = 150.0) -> tuple[object, list[str]]:
    """Keep one of parts that run side by side: dual carriageways, tracks mapped apart (metres).

    Parts are taken longest first; a part lying for ≥ 80 % of its length within
    ``within_m`` of the parts kept so far is a parallel twin and is dropped.
    Parts that continue one another (a gap in the mapping) are all kept.
    """
    parts = sorted(shapely.get_parts(line_m), key=lambda g: -g.length)
    if len(parts) < 2:
        return line_m, []
    kept = [parts[0]]
    for part in parts[1:]:  # a handful of parts; each test depends on the parts kept before
        near = shapely.intersection(part, shapely.buffer(shapely.union_all(kept), within_m)).length
        if near < 0.8 * part.length:
            kept.append(part)
    if len(kept) == len(parts):
        return line_m, []
    merged = shapely.line_merge(shapely.union_all(kept))
    return merged, [f"{len(parts) - len(kept)} parallel part(s) (other carriageway or track) dropped: one alignment kept"]


def _end_positions(line_m, ends_m, *, tolerance_m: float) -> tuple[list, list[str]]:
    """Which section ends lie on the line (within ``tolerance_m``); reasons for those that do not."""
    near, reasons = [], []
    for label, end in zip(("start", "end"), ends_m, strict=True):
        gap = float(shapely.distance(line_m, end))
        near.append(gap <= tolerance_m)
        if gap > tolerance_m:
            reasons.append(f"section {label} is {gap / 1000:.1f} km from the OSM line; not clipped there")
    return near, reasons


def _strip_clip(line_m, a, b, near: list[bool]):
    """Keep what lies between the perpendiculars to the chord a→b at a and b (an end not near: open on that side)."""
    chord = np.array([b.x - a.x, b.y - a.y])
    length = float(np.hypot(*chord))
    if length < 1.0:
        return line_m
    u = chord / length
    n = np.array([-u[1], u[0]])
    reach = line_m.length + length
    s0, s1 = (0.0 if near[0] else -reach), (length if near[1] else length + reach)
    corners = [np.array([a.x, a.y]) + u * s + n * t for s, t in ((s0, -reach), (s1, -reach), (s1, reach), (s0, reach))]
    return shapely.intersection(line_m, shapely.Polygon(corners))


def clip_to_section(line_m, ends_m, *, tolerance_m: float) -> tuple[object, list[str]]:
    """Cut a merged line (metres) at the section ends.

    One line: between the projections of the ends onto it. Several parts (a
    gap in the mapping): what lies between the perpendiculars to the
    start→end chord at the ends. An end farther than ``tolerance_m`` from the
    line is not used (the line is kept whole on that side); with neither end
    near, nothing is cut.
    """
    near, reasons = _end_positions(line_m, ends_m, tolerance_m=tolerance_m)
    if not any(near):
        return line_m, reasons
    if line_m.geom_type != "LineString":
        clipped = _strip_clip(line_m, ends_m[0], ends_m[1], near)
        how = f"{shapely.get_num_geometries(line_m)} separate parts cut between the perpendiculars at the section ends"
    else:
        at = [float(shapely.line_locate_point(line_m, e)) for e in ends_m]
        first, last = at
        if not near[0]:  # an end not near: the line is kept whole on that side
            first = 0.0 if last > line_m.length / 2 else line_m.length
        if not near[1]:
            last = line_m.length if first < line_m.length / 2 else 0.0
        lo, hi = sorted((first, last))
        if hi - lo < 1.0:
            return line_m, [*reasons, "section ends project onto the same point; not clipped"]
        clipped = ops.substring(line_m, lo, hi)
        how = "clipped to the plan's section"
    if clipped.is_empty:
        return line_m, [*reasons, "nothing of the OSM line lies within the section; not clipped"]
    reasons.append(f"{how}: {clipped.length / 1000:.1f} of {line_m.length / 1000:.1f} km")
    return clipped, reasons


def _line_groups(cands: gpd.GeoDataFrame, relations: list[dict], ways_by_id: dict) -> list[dict]:
    """Candidate lines: one per route relation (its member ways but platforms) and one per distinct way name.

    Ways tagged ``service=*`` (sidings, yards, spurs, crossovers) are left out of
    the name groups: they would break the merged line into pieces.
    """
    groups = []
    for rel in relations:
        geoms = [ways_by_id[w] for w in rel["ways"] if w in ways_by_id]
        if geoms:
            missing = len(rel["ways"]) - len(geoms)
            groups.append({"osm_ids": [rel["osm_id"]], "names": rel["names"], "geoms": geoms, "missing": missing})
    lines = cands[cands.geom_type.isin(["LineString", "MultiLineString"])]
    if "service" in lines.columns:  # sidings, yards, spurs, crossovers: not the line itself
        lines = lines[lines["service"].isna()]
    for key, part in lines.groupby(lines["names"].map(lambda n: n[0] if n else "")):
        if key:
            groups.append({"osm_ids": list(part["osm_id"]), "names": part["names"].iloc[0], "geoms": list(part.geometry), "missing": 0, "rows": part})
    return groups


def _score(scores: dict[str, float]) -> float:
    return round(sum(WEIGHTS[k] * scores[k] for k in WEIGHTS), 3)


def _distance_score(record_m, cand_m, *, buffer_m: float) -> tuple[float, str]:
    gap = float(shapely.distance(record_m, cand_m))
    return round(max(0.0, 1.0 - gap / buffer_m), 3), f"{gap / 1000:.1f} km from the record's current place"


def _coverage(record_m, line_m, *, tolerance_m: float) -> tuple[float, str]:
    """Share of the record's waypoints within ``tolerance_m`` of the OSM line."""
    if record_m.geom_type != "LineString":
        return 0.5, "record has no waypoints to compare; coverage unknown (0.5)"
    pts = shapely.points(np.asarray(record_m.coords))
    near = shapely.distance(pts, line_m) <= tolerance_m
    return round(float(near.mean()), 3), f"{int(near.sum())} of {len(pts)} plan waypoints within {tolerance_m / 1000:.0f} km of the OSM line"


def _line_match(record, group: dict, category: str, named: tuple[float, str, str]) -> Match:
    rec_geom = record.geometry
    buffer_m = search_km(category, rec_geom) * 1000.0
    tol_m = settings.osm_waypoint_tolerance_km * 1000.0
    nscore, rname, oname = named
    merged = shapely.line_merge(shapely.union_all(group["geoms"]))
    reasons = [f"name '{oname}' vs '{rname}': {nscore:.2f}"]
    if len(group["geoms"]) > 1:
        reasons.append(f"{len(group['geoms'])} OSM ways merged into {shapely.get_num_geometries(merged)} line(s)")
    if group["missing"]:
        reasons.append(f"{group['missing']} member ways of the relation are not in the extract")
    if "rows" in group:
        rows = group["rows"]
        keys = [k for k in (*CATEGORY_TAGS[category], "construction", "proposed") if k in rows.columns]
        kinds = [kind_fit(category, tags, gt) for tags, gt in zip(rows[keys].to_dict("records"), rows.geom_type, strict=True)]
    else:
        kinds = [(1.0, f"route relation {group['osm_ids'][0]}")]
    kfit = min(k for k, _ in kinds)
    reasons.append(f"kind {kfit:.2f}: {'; '.join(sorted({why for _, why in kinds}))}")
    rec_m, line_m = _to_metres([rec_geom, merged])
    line_m, why = drop_parallel_parts(line_m)
    reasons.extend(why)
    ends = _record_ends(rec_geom)
    clipped = False
    if ends is None:
        reasons.append(f"section unknown (the record is not a line yet): the whole named line within {buffer_m / 1000:.0f} km, not clipped")
    else:
        cut, why = clip_to_section(line_m, _to_metres(ends), tolerance_m=tol_m)
        clipped = cut is not line_m
        line_m = cut
        reasons.extend(why)
    dscore, dwhy = _distance_score(rec_m, line_m, buffer_m=buffer_m)
    cscore, cwhy = _coverage(rec_m, line_m, tolerance_m=tol_m)
    reasons += [dwhy, cwhy]
    scores = {"name": nscore, "kind": kfit, "distance": dscore, "coverage": cscore}
    return Match(record["id"], record["name_zh"], category, group["osm_ids"], oname, rname, _to_degrees(line_m), scores, clipped=clipped, reasons=reasons)


def _site_match(record, row: pd.Series, category: str, named: tuple[float, str, str]) -> Match:
    nscore, rname, oname = named
    kfit, kwhy = kind_fit(category, row, row.geometry.geom_type)
    reasons = [f"name '{oname}' vs '{rname}': {nscore:.2f}", f"kind {kfit:.2f}: {kwhy}"]
    geom = row.geometry
    if geom.geom_type != "Point" and (record.geometry is None or record.geometry.geom_type == "Point"):
        geom = shapely.point_on_surface(geom)
        reasons.append(f"{row.geometry.geom_type} reduced to a point on its surface (the record is a point)")
    rec_m, cand_m = _to_metres([record.geometry, row.geometry])
    dscore, dwhy = _distance_score(rec_m, cand_m, buffer_m=settings.osm_search_buffer_km * 1000.0)
    reasons.append(dwhy)
    scores = {"name": nscore, "kind": kfit, "distance": dscore, "coverage": 1.0}
    return Match(record["id"], record["name_zh"], category, [row["osm_id"]], oname, rname, geom, scores, reasons=reasons)


def _decide(match: Match, *, min_score: float) -> Match:
    match.score = _score(match.scores)
    if match.scores["name"] < NAME_GATE:
        match.reasons.append(f"rejected: name score {match.scores['name']:.2f} < {NAME_GATE}")
    elif match.scores["kind"] == 0:
        match.reasons.append("rejected: wrong kind of feature")
    elif match.score < min_score:
        match.reasons.append(f"rejected: score {match.score:.2f} < {min_score}")
    else:
        match.accepted = True
        match.reasons.append(f"accepted: score {match.score:.2f} ≥ {min_score}")
    return match


def match_record(record: pd.Series, features: gpd.GeoDataFrame, relations: list[dict], *, min_score: float | None = None) -> list[Match]:
    """Every candidate of one record, scored and decided, best first; at most one accepted.

    ``features`` are the OSM features near the record (any category's tags);
    ``relations`` the route relations of the extract. Candidates whose name
    scores below :data:`REPORT_FLOOR` are not reported at all; among accepted candidates only
    the best stays accepted (the others say "a better match was accepted").
    """
    min_score = settings.osm_min_score if min_score is None else min_score
    category = record["category"]
    names = record_names(record)
    cats = features[_category_mask(features, category)]
    if category in LINE_CATEGORIES:
        ways_by_id = dict(zip(features.loc[features["element"] == "way", "id"].astype(int), features.loc[features["element"] == "way"].geometry, strict=True))
        routes = set(_values(CATEGORY_TAGS[category].get("route")))
        rels = [r for r in relations if r["route"] in routes]
        named = [(g, name_score(names, g["names"])) for g in _line_groups(cats, rels, ways_by_id)]
        matches = [_line_match(record, g, category, n) for g, n in named if n[0] >= REPORT_FLOOR]
    else:
        named = [(row, name_score(names, row["names"])) for _, row in cats[cats["names"].map(bool)].iterrows()]
        matches = [_site_match(record, row, category, n) for row, n in named if n[0] >= REPORT_FLOOR]
    matches = [_decide(m, min_score=min_score) for m in matches]
    matches.sort(key=lambda m: (m.accepted, m.score), reverse=True)
    for m in matches[1:]:
        if m.accepted:
            m.accepted = False
            m.reasons.append(f"not proposed: a better match was accepted ({', '.join(matches[0].osm_ids)})")
    return matches


def _category_mask(features: gpd.GeoDataFrame, category: str) -> pd.Series:
    """Features carrying one of the category's tags."""
    mask = pd.Series(False, index=features.index)
    for key, values in CATEGORY_TAGS[category].items():
        if key in features.columns:
            mask |= features[key].notna() if values is True else features[key].isin(values)
    return mask


def osm_categories(categories: list[str] | None) -> list[str]:
    """The requested categories that OSM maps (all of them by default); an unmapped one is an error."""
    if not categories:
        return list(CATEGORY_TAGS)
    bad = [c for c in categories if c not in CATEGORY_TAGS]
    if bad:
        raise FilterError("category", bad[0], list(CATEGORY_TAGS))
    return list(categories)


def enrich(records: gpd.GeoDataFrame, *, categories: list[str] | None = None, xml: str | Path | None = None, pbf: str | Path | None = None, min_score: float | None = None) -> list[Match]:
    """Match every record of an OSM-mapped category against OSM; return all candidates.

    Records already placed from OpenStreetMap are skipped; a record without
    geometry is sought within its ``scope`` unit (:func:`with_scope_areas`), a
    region record with a wider scope is skipped. With ``xml`` or ``pbf`` the file is read once;
    without, one Overpass query per record (its buffered bounding box).
    """
    cats = osm_categories(categories)
    todo = with_scope_areas(records[records["category"].isin(cats)])
    todo = todo[todo.geometry.notna() & ~todo.geometry.is_empty]
    if "location_source" in todo.columns:
        todo = todo[todo["location_source"].fillna("") != "openstreetmap"]
    if xml is not None:
        features, relations = read_xml(xml, categories=cats)
    elif pbf is not None:
        features, relations = read_pbf(pbf, categories=cats)
    out: list[Match] = []
    for _, record in todo.iterrows():
        area = search_area(record.geometry, buffer_km=search_km(record["category"], record.geometry))
        if xml is None and pbf is None:
            near, rels = read_overpass(area, categories=[record["category"]]), []
        else:
            near, rels = features[features.intersects(area)], relations
        found = match_record(record, near, rels, min_score=min_score)
        if record.get("_scope_area"):
            for m in found:
                m.reasons.insert(0, f"the record has no place of its own; sought within its scope {record['scope']}")
        out.extend(found)
    return out


def with_scope_areas(records: gpd.GeoDataFrame, *, boundaries_dir: Path | None = None) -> gpd.GeoDataFrame:
    """Records without geometry that are known to one district or city (``scope`` a unit of our
    boundaries) get that unit's outline as the area to search and to score against, with
    ``_scope_area`` True; the others are returned as they are (records with no scope unit keep
    no geometry and are skipped). The outline is never proposed: a match proposes OSM geometry.
    """
    if "scope" not in records.columns or not records.geometry.isna().any():
        return records.assign(_scope_area=False)
    from geo import boundaries

    units = boundaries.load(levels=("district", "city", "county"), directory=boundaries_dir)
    outline = dict(zip(units["name_zh"], units.geometry, strict=True))
    out = records.copy()
    placeless = out.geometry.isna().to_numpy()
    areas = np.array([outline.get(scope) if isinstance(scope, str) else None for scope in out["scope"]], dtype=object)
    use = placeless & np.array([a is not None for a in areas], dtype=bool)
    geoms = np.asarray(out.geometry.values, dtype=object)
    geoms[use] = areas[use]
    out = out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs=out.crs))
    out["_scope_area"] = use
    return out


# ----------------------------------------------------------------------------- output


def _geojson(geom) -> dict:
    from geo.io import rfc7946_geometries

    return json.loads(rfc7946_geometries([geom])[0])


def proposal(match: Match) -> dict:
    """The workbench proposal of an accepted match: ``geo.review.propose(**proposal)`` arguments.

    ``changes`` sets the geometry (GeoJSON), ``location_precision="exact"``,
    ``location_source="openstreetmap"``, ``osm_ids`` and neutral notes in both
    languages naming the features and the ODbL credit; ``evidence`` holds the
    score, its parts, the reasons, the matched names and the credit.
    """
    ids_zh = "、".join(match.osm_ids)
    ids_en = ", ".join(match.osm_ids)
    clip_zh = ",按规划区段截取" if match.clipped else ""
    clip_en = ", clipped to the plan's section" if match.clipped else ""
    return {
        "record_id": match.record_id,
        "changes": {
            "geometry": _geojson(match.geometry),
            "location_precision": "exact",
            "location_source": "openstreetmap",
            "osm_ids": list(match.osm_ids),
            "location_note_zh": f"几何取自 OpenStreetMap 要素 {ids_zh}(名称“{match.osm_name}”){clip_zh};{CREDIT_ZH}",
            "location_note_en": f"Geometry from OpenStreetMap features {ids_en} (named '{match.osm_name}'){clip_en}; {CREDIT}",
        },
        "author": "enrich-osm",
        "source": "openstreetmap",
        "reason": f"OpenStreetMap match for {match.record_name}: {ids_en} (score {match.score:.2f})",
        "evidence": {
            "score": match.score,
            "scores": dict(match.scores),
            "reasons": list(match.reasons),
            "matched_names": {"record": match.record_form, "osm": match.osm_name},
            "osm_ids": list(match.osm_ids),
            "credit": CREDIT,
            "license": LICENSE,
        },
    }


def format_matches(matches: list[Match]) -> str:
    """Plain-text listing for the terminal: one line per candidate, its reasons indented below."""
    lines = []
    for m in matches:
        verdict = "ACCEPTED" if m.accepted else "rejected"
        lines.append(f"{m.record_id} {m.record_name} [{m.category}] → {', '.join(m.osm_ids)} “{m.osm_name}”: {verdict}, score {m.score:.2f}")
        lines.extend(f"    {reason}" for reason in m.reasons)
    return "\n".join(lines)


def credit_line(records: pd.DataFrame, *, lang: str = "zh") -> str | None:
    """The ODbL credit exports and images must print when any record's geometry comes from OpenStreetMap.

    None when no record has ``location_source == "openstreetmap"`` (or the
    column is absent, as in a v1 catalog).
    """
    if "location_source" not in records.columns or not (records["location_source"] == "openstreetmap").any():
        return None
    return CREDIT_ZH if lang == "zh" else CREDIT


def matches_frame(matches: list[Match]) -> gpd.GeoDataFrame:
    """One row per candidate: record, decision, score and its parts, OSM ids and names, reasons."""
    rows = [
        {
            "record_id": m.record_id, "name_zh": m.record_name, "category": m.category,
            "accepted": m.accepted, "score": m.score, **{f"{k}_score": v for k, v in m.scores.items()},
            "osm_ids": ",".join(m.osm_ids), "osm_name": m.osm_name, "reasons": " | ".join(m.reasons),
        }
        for m in matches
    ]
    columns = ["record_id", "name_zh", "category", "accepted", "score", "name_score", "kind_score", "distance_score", "coverage_score", "osm_ids", "osm_name", "reasons"]
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=columns), geometry=gpd.GeoSeries([m.geometry for m in matches], crs=settings.storage_crs))
