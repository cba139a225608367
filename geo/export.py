"""Exports of a (filtered) catalog: GeoJSON, GeoPackage, CSV, zipped shapefile.

Every export carries the same attributes (:func:`flat_table`), Chinese text
as UTF-8, WGS84 coordinates. What each format cannot hold is said here:

GeoJSON
    RFC 7946: no ``crs`` member, counter-clockwise exterior rings, 6
    decimals. Plan attributions stay nested (``plans`` is an array).
GeoPackage
    Layers ``projects_point``, ``projects_line``, ``projects_polygon`` (one
    geometry type each, multi-part; attributions as JSON text in ``plans``),
    table ``projects_no_geometry`` (region records, no geometry), layer
    ``project_districts`` (the district join, one row per project and unit,
    no geometry) and layer ``attributions`` (one row per project and plan).
CSV
    UTF-8 with a byte-order mark (Excel opens Chinese correctly), geometry as
    ``wkt`` plus ``lon``/``lat`` of a representative point (inside the
    polygon, on the line). Text starting with ``= + - @`` gets a leading
    apostrophe (never a live formula) and fields holding line breaks are
    quoted (:func:`geo.io.write_csv`).
Shapefile (zipped)
    One shapefile per geometry kind (``projects_point``, ``projects_line``,
    ``projects_polygon``), a ``.cpg`` saying UTF-8, field names cut to ten
    characters by :data:`SHAPEFILE_FIELDS`, and ``attributions.csv`` beside
    them, because a DBF text field holds at most 254 bytes and quotes do not
    fit.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from geo import io
from geo._errors import OptionError
from geo.io import SHAPEFILE_FIELDS
from geo.join import unit_names
from geo.model import CATEGORIES, STATUSES, label

FORMATS = ("geojson", "gpkg", "csv", "shp")
EXTENSIONS = {"geojson": ".geojson", "gpkg": ".gpkg", "csv": ".csv", "shp": ".zip"}
MEDIA_TYPES = {"geojson": "application/geo+json", "gpkg": "application/geopackage+sqlite3", "csv": "text/csv", "shp": "application/zip"}

FLAT_COLUMNS = list(SHAPEFILE_FIELDS)


def flat_table(projects: gpd.GeoDataFrame, joined: pd.DataFrame) -> gpd.GeoDataFrame:
    """The exported attributes, one scalar per field, plus ``plans`` and ``admin_stated`` as JSON text."""
    names = unit_names(joined, lang="zh", sep=";")
    out = gpd.GeoDataFrame(
        {
            "id": projects["id"].to_numpy(),
            "name_zh": projects["name_zh"].to_numpy(),
            "name_en": projects["name_en"].to_numpy(),
            "category": projects["category"].to_numpy(),
            "category_zh": [label(CATEGORIES, c) for c in projects["category"]],
            "status": projects["status"].to_numpy(),
            "status_zh": [label(STATUSES, s) for s in projects["status"]],
            "status_as_of": projects["status_as_of"].astype(str).to_numpy(),
            "status_source": projects["status_source"].to_numpy(),
            "location_precision": projects["location_precision"].to_numpy(),
            "source_crs": projects["source_crs"].to_numpy(),
            "plan_ids": [";".join(p) for p in projects["plan_ids"]],
            "target_year": projects["target_year"].astype("float").to_numpy(),
            "districts": projects["id"].map(names).astype(object).fillna("").to_numpy(),
            "length_km": projects["length_km"].round(3).to_numpy(),
            "area_km2": projects["area_km2"].round(3).to_numpy(),
            "plans": [json.dumps(p, ensure_ascii=False) for p in projects["plans"]],
            "admin_stated": [json.dumps(list(a) if isinstance(a, list) else [], ensure_ascii=False) for a in projects.get("admin_stated", [[]] * len(projects))],
        },
        geometry=projects.geometry.to_numpy(),
        crs=projects.crs,
    )
    # Workbench: version 1 and no date for a record never edited (a built catalog has neither column).
    out["version"] = projects["version"].fillna(1).astype(int).to_numpy() if "version" in projects else 1
    out["updated_at"] = projects["updated_at"].to_numpy() if "updated_at" in projects else None
    return out


def attributions_table(projects: pd.DataFrame) -> pd.DataFrame:
    """One row per (project, plan attribution)."""
    rows = [
        {"id": pid, "plan": a.get("plan"), "verb": a.get("verb"), "action": a.get("action"), "target_year": a.get("target_year"), "quote": a.get("quote")}
        for pid, atts in zip(projects["id"], projects["plans"], strict=True)
        for a in atts
    ]
    return pd.DataFrame(rows, columns=["id", "plan", "verb", "action", "target_year", "quote"])


def file_stem(spec, *, district_names: dict[str, str] | None = None, day: str | None = None) -> str:
    """A file name (without extension) that says what was filtered, e.g. ``atlas_九龙坡区_rail_2026-12-06``.

    Districts by their Chinese names, then categories, statuses and plans by
    their keys, then the search text, then the date (UTC, ISO). Characters a
    file system may refuse are replaced; long names are cut at 120 characters.
    """
    import datetime
    import re

    parts = [*((district_names or {}).get(d, d) for d in spec.districts), *spec.categories, *spec.statuses, *spec.plans]
    if spec.text:
        parts.append(spec.text)
    day = day or datetime.datetime.now(datetime.UTC).date().isoformat()
    stem = "_".join(["atlas", *parts])[:110] + "_" + day
    return re.sub(r'[\\/:*?"<>|\s]+', "-", stem)


#: GeoPackage layers of the projects, by geometry dimension (multi-kinds promoted to multi).
GPKG_LAYERS = {0: ("projects_point", "MultiPoint"), 1: ("projects_line", "MultiLineString"), 2: ("projects_polygon", "MultiPolygon")}
GPKG_NO_GEOMETRY = "projects_no_geometry"


def _write_gpkg_projects(flat: gpd.GeoDataFrame, target: Path) -> None:
    """One layer per geometry kind, each of one declared type (GIS tools want that), plus a
    non-spatial table of the records without geometry (region records); every record in exactly one."""
    geoms = flat.geometry.values
    dims = shapely.get_dimensions(geoms)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    for dim, (layer, geometry_type) in GPKG_LAYERS.items():
        part = flat[(dims == dim) & ~missing]
        if len(part):
            pyogrio.write_dataframe(part, target, layer=layer, driver="GPKG", promote_to_multi=True, geometry_type=geometry_type)
    rest = flat[missing]
    if len(rest):
        pyogrio.write_dataframe(pd.DataFrame(rest.drop(columns=flat.geometry.name)), target, layer=GPKG_NO_GEOMETRY, driver="GPKG")


def export(projects: gpd.GeoDataFrame, joined: pd.DataFrame, path: str | Path, *, fmt: str) -> Path:
    """Write ``projects`` (already filtered) to ``path`` in ``fmt``; atomic.

    ``joined`` is the district join (:func:`geo.join.join`) of at least these projects.
    """
    if fmt not in FORMATS:
        raise OptionError("export format", fmt, FORMATS)
    path = Path(path)
    joined = joined[joined["id"].isin(projects["id"])]
    flat = flat_table(projects, joined)
    if fmt == "geojson":
        frame = flat.drop(columns=["plans", "admin_stated"])
        frame["plans"] = list(projects["plans"])
        frame["admin_stated"] = [list(a) if isinstance(a, list) else [] for a in projects.get("admin_stated", [[]] * len(projects))]
        io.write_geojson(frame, path)
    elif fmt == "csv":
        rep = shapely.point_on_surface(flat.geometry.values)
        table = pd.DataFrame(flat.drop(columns="geometry"))
        table["lon"] = shapely.get_x(rep).round(6)
        table["lat"] = shapely.get_y(rep).round(6)
        table["wkt"] = shapely.to_wkt(flat.geometry.values, rounding_precision=6)
        io.write_csv(table, path)
    elif fmt == "gpkg":
        with io.atomic_path(path) as tmp:
            _write_gpkg_projects(flat, tmp)
            pyogrio.write_dataframe(pd.DataFrame(joined).reset_index(drop=True), tmp, layer="project_districts", driver="GPKG", append=False)
            pyogrio.write_dataframe(attributions_table(projects), tmp, layer="attributions", driver="GPKG")
            from geo.edits import history_rows

            pyogrio.write_dataframe(history_rows(projects["id"]), tmp, layer="history", driver="GPKG")
    else:
        with io.atomic_path(path) as tmp, tempfile.TemporaryDirectory() as work_dir:
            work = Path(work_dir)
            short = flat.drop(columns=["plans", "admin_stated"]).rename(columns=SHAPEFILE_FIELDS)
            kinds = shapely.get_dimensions(short.geometry.values)
            for dim, kind in ((0, "point"), (1, "line"), (2, "polygon")):
                part = short[kinds == dim]
                if len(part):
                    pyogrio.write_dataframe(part, work / f"projects_{kind}.shp", encoding="UTF-8", promote_to_multi=True)
            io.spreadsheet_safe_table(attributions_table(projects)).to_csv(work / "attributions.csv", index=False, encoding="utf-8-sig", lineterminator="\r\n")
            (work / "FIELDS.txt").write_text(
                "Shapefile field names (10-character limit) and the attributes they hold:\n"
                + "".join(f"{v:<11}{k}\n" for k, v in SHAPEFILE_FIELDS.items())
                + "Plan attributions and quotes: attributions.csv (DBF text is limited to 254 bytes).\n",
                encoding="utf-8",
            )
            with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                for file in sorted(work.iterdir()):
                    zf.write(file, arcname=file.name)
    add_osm_credit(projects, path, fmt=fmt)
    return path


# --- OpenStreetMap credit (ODbL) --------------------------------------------------------------------

ODBL_URL = "https://www.openstreetmap.org/copyright"


def osm_credit(projects: pd.DataFrame) -> dict | None:
    """The ODbL credit of an export, or None when no record's geometry comes from OpenStreetMap.

    Returns ``{"attribution": …, "attribution_zh": …, "license": "ODbL-1.0", "url": …, "records": [ids]}``
    where ``records`` are the exported records with ``location_source == "openstreetmap"``.
    """
    from geo import osm

    if osm.credit_line(projects) is None:
        return None
    ids = projects.loc[projects["location_source"] == "openstreetmap", "id"].astype(str).tolist()
    return {"attribution": osm.CREDIT, "attribution_zh": osm.CREDIT_ZH, "license": osm.LICENSE, "url": ODBL_URL, "records": ids}


def add_osm_credit(projects: pd.DataFrame, path: str | Path, *, fmt: str) -> bool:
    """Credit OpenStreetMap (ODbL) in a written export when it holds OSM geometry; True when added.

    GeoJSON: top-level ``attribution``, ``attribution_zh``, ``license`` and ``license_url``
    members. GeoPackage: a table ``attribution`` (one row: the credit, licence, URL and the
    records' ids). CSV: a column ``attribution`` (the credit on the OSM-placed rows, empty on
    the others). Shapefile zip: ``ATTRIBUTION.txt`` beside the shapefiles. The file is
    replaced atomically; an export without OSM geometry is left as it is.
    """
    credit = osm_credit(projects)
    if credit is None:
        return False
    path = Path(path)
    with io.atomic_path(path) as tmp:
        if fmt == "geojson":
            text, head = path.read_text(encoding="utf-8"), '{"type":"FeatureCollection"'
            members = {"attribution": credit["attribution"], "attribution_zh": credit["attribution_zh"], "license": credit["license"], "license_url": credit["url"]}
            tmp.write_text(head + "," + json.dumps(members, ensure_ascii=False, separators=(",", ":"))[1:-1] + text[len(head):], encoding="utf-8")
        elif fmt == "gpkg":
            import shutil

            shutil.copyfile(path, tmp)
            row = {k: [v] for k, v in credit.items() if k != "records"} | {"records": [";".join(credit["records"])]}
            pyogrio.write_dataframe(pd.DataFrame(row), tmp, layer="attribution", driver="GPKG")
        elif fmt == "csv":
            table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
            table["attribution"] = [credit["attribution"] if rid in set(credit["records"]) else "" for rid in table["id"]]
            # The cells are already spreadsheet-safe (read back as text); CRLF rows keep a CR inside a name quoted.
            table.to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\r\n")
        else:
            import shutil

            shutil.copyfile(path, tmp)
            with zipfile.ZipFile(tmp, "a", compression=zipfile.ZIP_DEFLATED) as zf:
                zf.writestr("ATTRIBUTION.txt", _credit_text(credit))
    return True


def _credit_text(credit: dict) -> str:
    return (f"{credit['attribution_zh']}\n{credit['attribution']}\n"
            f"Geometry of these records comes from OpenStreetMap ({credit['license']}, {credit['url']}): {', '.join(credit['records'])}\n")
