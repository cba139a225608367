"""Build ``data/projects.geojson`` from the curated sources in ``data/catalog/``.

Sources (all UTF-8 JSON, edited by hand; see the README's "Correcting a record"):

``extracts/<plan>_*.json``
    What each plan document names: one entry per project with its quotes
    (``mentions``), the district the text states (``admin_stated``) and how
    to place it (``location``). The plan id is the file name's prefix.
``merge.json``
    ``{"other key": "canonical key"}``: names under which documents mention
    the same project, folded into one record with several attributions.
``locations/*.json``
    ``{"key": location}``: a better location than the extract's (line
    waypoints, a known site), same form as an extract's ``location``.
    ``lines.json`` holds railways, metro, roads, bridges and tunnels;
    ``sites.json`` everything else. A key may appear in one file only.
``drop.json``
    ``{"key": "reason"}``: entries judged not to be mappable projects.

Placing (:func:`resolve_location`) goes from the most to the least precise
evidence: coordinates given with their precision (lines through termini and
stations are always ``approximate``), a GeoNames town inside the stated
district (``town``), the district's representative point (``district``,
several districts give a multi-point), a Sichuan city's (``city``). A
record with no place at all is placed at its province's representative point
with precision ``city`` and said so in ``location_note``.

Status: the most advanced status any attribution implies (plans rarely
move a project backwards), dated by that document; a plan's completion
target ("到2027年建成") never counts as a completion.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import geopandas as gpd
import shapely

from geo import boundaries, gazetteer, io, settings
from geo.catalog import load_plans
from geo.model import STATUS_RANK

PROPERTY_ORDER = [
    "id", "name_zh", "name_en", "aliases", "category", "status", "status_as_of", "status_source",
    "location_precision", "source_crs", "location_note", "admin_stated", "plans",
]
_PROVINCE_POINT = {"cq": "渝中区", "sc": "成都市"}
#: Where a record with no place at all goes, by the plan that names it: the Jiulongpo
#: plan's own projects lie in 九龙坡区; the Liangjiang documents' in the 两江新区 zone.
_PLAN_ANCHOR = {"jlp14": ("district", "九龙坡区"), "lj2023": ("zone", "两江新区"), "news2023": ("zone", "两江新区")}
ZONES_PATH = settings.boundaries_dir / "zones.geojson"
ZONE_CATEGORIES = ("new_town", "science_park")


def normalise_key(key: str) -> str:
    """Fold spacing and bracket variants so that the same name matches itself."""
    key = key.strip().replace("（", "(").replace("）", ")").replace(" ", "")
    return re.sub(r"[“”\"‘’]", "", key)


def project_id(key: str) -> str:
    """Stable id from the canonical key: it changes only if the key changes."""
    return "P" + hashlib.sha1(normalise_key(key).encode("utf-8")).hexdigest()[:8].upper()


def _read_json(path: Path, default):
    if not path.exists():
        return default
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def load_sources(directory: Path = settings.catalog_dir) -> tuple[dict[str, dict], list[str]]:
    """Merged records by canonical key, and notes on what was dropped."""
    merge = {normalise_key(k): normalise_key(v) for k, v in _read_json(directory / "merge.json", {}).items()}
    drop = {normalise_key(k): v for k, v in _read_json(directory / "drop.json", {}).items()}
    records: dict[str, dict] = {}
    notes = []
    for path in sorted((directory / "extracts").glob("*.json")):
        plan = path.stem.split("_")[0]
        for entry in _read_json(path, []):
            key = normalise_key(entry["key"])
            key = merge.get(key, key)
            if key in drop:
                notes.append(f"dropped {entry['key']} ({plan}): {drop[key]}")
                continue
            mentions = [{**m, "plan": plan} for m in entry["mentions"]]
            if key not in records:
                records[key] = {**entry, "key": key, "mentions": mentions, "locations": [entry.get("location") or {}]}
                records[key]["aliases"] = list(entry.get("aliases") or [])
                records[key]["admin_stated"] = list(entry.get("admin_stated") or [])
                continue
            rec = records[key]
            rec["mentions"].extend(mentions)
            rec["locations"].append(entry.get("location") or {})
            for alias in [entry["name_zh"], *(entry.get("aliases") or [])]:
                if alias != rec["name_zh"] and alias not in rec["aliases"]:
                    rec["aliases"].append(alias)
            for d in entry.get("admin_stated") or []:
                if d not in rec["admin_stated"]:
                    rec["admin_stated"].append(d)
    return records, notes


def load_location_overrides(directory: Path = settings.catalog_dir) -> dict[str, dict]:
    """Better locations by normalised key, from every ``locations/*.json``; a key in two files is an error."""
    out: dict[str, dict] = {}
    origin: dict[str, Path] = {}
    for path in sorted((directory / "locations").glob("*.json")):
        for key, location in _read_json(path, {}).items():
            nkey = normalise_key(key)
            if nkey in out:
                raise ValueError(f"{path}: location of {key!r} is also given in {origin[nkey]}")
            out[nkey], origin[nkey] = location, path
    return out


def _coords(places):
    return [(float(p["lon"]), float(p["lat"]), p.get("precision", "approximate")) for p in places or [] if p.get("lon") is not None and p.get("lat") is not None]


def resolve_location(location: dict, *, admin_stated: list[str], province: str, plan_ids: tuple[str, ...] = (), zones: dict | None = None) -> tuple[object, str, str]:
    """(geometry, precision, note) for one record; see the module docstring."""
    kind = location.get("kind", "point")
    pts = _coords(location.get("places"))
    note = location.get("note") or ""
    if kind == "line" and len(pts) >= 2:
        return shapely.LineString([(x, y) for x, y, _ in pts]), "approximate", note or "line through termini and known stations"
    if kind == "polygon" and len(pts) >= 3:
        ring = [(x, y) for x, y, _ in pts]
        return shapely.make_valid(shapely.Polygon(ring)), "approximate", note or "sketched outline"
    if (pts and kind != "polygon") or (pts and len(pts) < 3):
        x, y, precision = pts[0]
        if precision not in ("exact", "approximate"):
            precision = "approximate"
        extra = " (only one place known for this line)" if kind == "line" else ""
        return shapely.Point(x, y), precision, note + extra
    district = location.get("district")
    town = location.get("town")
    if town:
        hit = gazetteer.town_point(town.get("name_zh", ""), district_zh=town.get("district") or district, pinyin_hint=town.get("pinyin"))
        if hit:
            return shapely.Point(hit), "town", f"at the GeoNames point of {town.get('name_zh')}" + (f"; {note}" if note else "")
        district = district or town.get("district")
    names = list(dict.fromkeys([*([district] if district else []), *admin_stated]))
    found = [(n, gazetteer.district_point(n)) for n in names if n]
    found = [(n, p) for n, p in found if p]
    if found:
        precision = "city" if all(n.endswith(("市", "州")) and not n.startswith("重庆") for n, _ in found) else "district"
        geom = shapely.Point(found[0][1][:2]) if len(found) == 1 else shapely.MultiPoint([p[:2] for _, p in found])
        where = "、".join(n for n, _ in found)
        return geom, precision, f"site not known: placed at the representative point of {where}" + (f"; {note}" if note else "")
    for plan in plan_ids:
        kind_, name = _PLAN_ANCHOR.get(plan, (None, None))
        if kind_ == "district":
            lon, lat, _ = gazetteer.district_point(name)
            return shapely.Point(lon, lat), "district", f"site not stated: the {plan} plan is {name}'s own, placed at its representative point"
        if kind_ == "zone" and zones and name in zones:
            return shapely.point_on_surface(zones[name]), "city", f"site not stated: placed at the representative point of the {name} zone (approximate outline)"
    anchor = _PROVINCE_POINT[province]
    lon, lat, _ = gazetteer.district_point(anchor)
    return shapely.Point(lon, lat), "city", f"no place stated: placed at the {'Chongqing' if province == 'cq' else 'Sichuan'} anchor ({anchor}'s representative point)"


def _best_location(locations: list[dict], override: dict | None) -> dict:
    if override:
        return override

    def score(loc):
        pts = _coords(loc.get("places"))
        kind = loc.get("kind", "point")
        if kind == "line" and len(pts) >= 2:
            return 5 + len(pts) / 100
        if kind == "polygon" and len(pts) >= 3:
            return 5
        if pts:
            return 4 if pts[0][2] == "exact" else 3
        if loc.get("town"):
            return 2
        return 1 if loc.get("district") else 0

    return max(locations, key=score)


def _reaches(geom, stated: list[str], units) -> bool:
    """True if ``geom`` touches every stated district (or no district is stated).

    A stated Sichuan city is reached through any of its counties.
    """
    if not stated:
        return True
    hit = units[shapely.intersects(units.geometry.values, geom)]
    names = set(hit.name_zh) | set(hit.unit_name_zh)
    return all(d in names for d in stated)


def derive_status(mentions: list[dict], plans: dict) -> tuple[str, str, str]:
    """(status, as_of, source plan) from the attributions (see the module docstring)."""
    best = None
    for m in mentions:
        plan = plans[m["plan"]]
        status = m.get("implied_status") or "proposed"
        year = m.get("target_year")
        if plan.kind == "plan" and status in ("completed", "operating") and year and year > int(plan.date[:4]):
            status = "under_construction"  # a completion target is not a completion
        rank = (STATUS_RANK[status], plan.date)
        if best is None or rank > best[0]:
            best = (rank, status, plan.date, plan.id)
    return best[1], best[2], best[3]


def build(*, out: Path = settings.projects_path, directory: Path = settings.catalog_dir) -> tuple[Path, int, list[str]]:
    """Build the catalog file; return its path, the record count and notes."""
    plans = load_plans()
    records, notes = load_sources(directory)
    overrides = load_location_overrides(directory)
    units = boundaries.join_units()
    zones = _zone_outlines(records, overrides)
    rows, geoms = [], []
    for key, rec in records.items():
        plan_ids = [m["plan"] for m in rec["mentions"]]
        province = "sc" if rec["admin_stated"] and all(not d.startswith("重庆") and d.endswith(("市", "州")) for d in rec["admin_stated"]) else "cq"
        location = _best_location(rec["locations"], overrides.get(key))
        anchors = {"plan_ids": tuple(dict.fromkeys(plan_ids)), "zones": zones}
        geom, precision, note = resolve_location(location, admin_stated=rec["admin_stated"], province=province, **anchors)
        if precision in ("exact", "approximate") and not _reaches(geom, rec["admin_stated"], units):
            # Coordinates that contradict the text's district are not trusted: fall back to the district.
            geom, precision, note = resolve_location({"district": None}, admin_stated=rec["admin_stated"], province=province, **anchors)
            note += "; the sketched location fell outside the stated district, so it was not used"
        status, as_of, source = derive_status(rec["mentions"], plans)
        attributions = []
        seen = set()
        for m in rec["mentions"]:
            if (m["plan"], m["quote"]) in seen:
                continue
            seen.add((m["plan"], m["quote"]))
            attributions.append({k: m.get(k) for k in ("plan", "verb", "action", "target_year", "quote")})
        rows.append(
            {
                "id": project_id(key),
                "name_zh": rec["name_zh"],
                "name_en": rec["name_en"],
                "aliases": rec["aliases"],
                "category": rec["category"],
                "status": status,
                "status_as_of": as_of,
                "status_source": source,
                "location_precision": precision,
                "source_crs": "WGS84",
                "location_note": note,
                "admin_stated": rec["admin_stated"],
                "plans": attributions,
            }
        )
        geoms.append(geom)
    frame = gpd.GeoDataFrame(rows, geometry=geoms, crs=settings.storage_crs).sort_values("id").reset_index(drop=True)
    if frame["id"].duplicated().any():
        raise ValueError(f"id collision: {frame.loc[frame.id.duplicated(), 'name_zh'].tolist()}")
    io.write_geojson(frame, out, properties=PROPERTY_ORDER, extra={"name": "projects"})
    write_zones(frame, ZONES_PATH if out == settings.projects_path else out.with_name("zones.geojson"))
    return out, len(frame), notes


def _zone_outlines(records: dict, overrides: dict) -> dict:
    """Sketched outlines of zones (new areas, science cities) by name, for anchoring."""
    out = {}
    for key, rec in records.items():
        loc = _best_location(rec["locations"], overrides.get(key))
        if rec["category"] in ZONE_CATEGORIES and loc.get("kind") == "polygon" and len(_coords(loc.get("places"))) >= 3:
            out[rec["name_zh"]] = shapely.make_valid(shapely.Polygon([(x, y) for x, y, _ in _coords(loc["places"])]))
    return out


def write_zones(projects: gpd.GeoDataFrame, path: Path) -> None:
    """``zones.geojson``: the planning zones the plans lean on (两江新区, 西部(重庆)科学城,
    川渝高竹新区, …) as the approximate outlines the catalog holds for them.

    How they were drawn: hand-sketched outlines of 4–12 vertices from published
    descriptions (the towns and landmarks at their edges), never surveyed; every zone
    is marked ``approximate`` and carries its note.
    """
    zones = projects[projects.category.isin(ZONE_CATEGORIES) & (projects.geometry.geom_type.isin(["Polygon", "MultiPolygon"]))]
    frame = gpd.GeoDataFrame(
        {
            "name_zh": zones.name_zh.to_numpy(),
            "name_en": zones.name_en.to_numpy(),
            "project_id": zones.id.to_numpy(),
            "location_precision": "approximate",
            "note": zones.location_note.to_numpy(),
        },
        geometry=zones.geometry.to_numpy(),
        crs=settings.storage_crs,
    ).sort_values("project_id")
    io.write_geojson(frame, path, extra={"name": "planning_zones", "note": "approximate sketches, not surveyed outlines"})
