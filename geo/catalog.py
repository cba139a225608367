"""The catalog of projects: load it (validated, with derived columns).

``data/projects.geojson`` is built from the curated sources in
``data/catalog/`` by :mod:`geo.catalog_build`; this module only reads it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geo import settings
from geo._errors import ValidationFailed
from geo.join import project_measures
from geo.model import Plan
from geo.names import search_key
from geo.validate import read_checked


@lru_cache(maxsize=4)
def _plans(path: str) -> tuple[Plan, ...]:
    with open(path, encoding="utf-8") as fh:
        return tuple(Plan(**{k: v for k, v in p.items() if k in Plan.__dataclass_fields__}) for p in json.load(fh))


def load_plans(path: Path | None = None) -> dict[str, Plan]:
    """The source documents of ``data/plans.json``, by id, in file order."""
    return {p.id: p for p in _plans(str(path or settings.plans_path))}


def add_derived_columns(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Add the columns every consumer needs and none should recompute.

    ``plan_ids`` (list), ``target_year`` (earliest stated target, or NaN),
    ``search_text`` (names, aliases and pinyin, lower-case), ``geom_kind``
    (point, line, polygon, or none for a region record's null geometry),
    ``length_km`` and ``area_km2`` (0 without geometry), and ``kind``
    (``project`` for a v1 file, which has no kinds) and ``scope``.
    """
    frame = frame.copy()
    frame["plan_ids"] = [list(dict.fromkeys(a["plan"] for a in atts)) for atts in frame["plans"]]
    years = [[a.get("target_year") for a in atts if a.get("target_year")] for atts in frame["plans"]]
    frame["target_year"] = pd.array([min(y) if y else None for y in years], dtype="Int64")
    aliases = frame["aliases"] if "aliases" in frame.columns else pd.Series([[]] * len(frame), index=frame.index)
    frame["search_text"] = [
        " ".join([search_key(str(zh)), str(en).lower(), *(search_key(a) for a in (al or []))])
        for zh, en, al in zip(frame["name_zh"], frame["name_en"], aliases, strict=True)
    ]
    dims = frame.geometry.geom_type.map(
        {"Point": "point", "MultiPoint": "point", "LineString": "line", "MultiLineString": "line", "Polygon": "polygon", "MultiPolygon": "polygon"}
    )
    frame["geom_kind"] = dims.fillna("none")
    # Schema v1 files: every record is a project placed by unknown means.
    if "kind" not in frame.columns:
        frame["kind"] = "project"
    frame["kind"] = frame["kind"].fillna("project")
    if "scope" not in frame.columns:
        frame["scope"] = None
    frame[["length_km", "area_km2"]] = project_measures(frame)
    return frame


@lru_cache(maxsize=4)
def _load(path: str, mtime: float, size: int, input_crs: str | None, field_map: tuple[tuple[str, str], ...]) -> tuple[gpd.GeoDataFrame, tuple[str, ...]]:
    frame, report = read_checked(path, input_crs=input_crs, field_map=dict(field_map) or None)
    if not report.ok:
        raise ValidationFailed(report)
    if frame.empty:  # an empty FeatureCollection is a valid, empty catalog: give it the columns
        from geo.model import REQUIRED_FIELDS

        for column in (*REQUIRED_FIELDS, "plans", "aliases"):
            if column not in frame.columns:
                frame[column] = pd.Series([], dtype=object)
    return add_derived_columns(frame), tuple(f"{path}: {p.field}: {p.message}" for p in report.reading)


def load_with_notes(
    path: str | Path | None = None, *, input_crs: str | None = None, field_map: Mapping[str, str] | None = None
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Load and validate a project file as :func:`load` does; also return its reading notes.

    The file is read by :func:`geo.validate.read_checked`, the same path as
    ``python -m geo validate`` with the same options, so a file refused there is
    refused here with the same problems (:class:`ValidationFailed`).

    Parameters
    ----------
    path
        The file (default ``settings.projects_path``).
    input_crs
        Coordinates of the file when not WGS84 (``"GCJ-02"``, ``"BD-09"``, ``"CGCS2000"``).
    field_map
        Field renames ``{old: new}`` before the known aliases (:data:`geo.io.FIELD_ALIASES`).

    Returns
    -------
    frame
        The validated records with derived columns (a copy: callers may change it).
    notes
        One line per reading note ("file: fields: fields renamed on reading: 名称 → name_zh",
        Z values dropped, a declared CRS reprojected, GBK read): what reading assumed,
        for a command to print. Record-level warnings of the checks are not included.
    """
    from geo import _files

    path = _files.input_file(Path(path or settings.projects_path))  # missing, a loop, a FIFO: a clear DataFileError
    info = path.stat()
    frame, notes = _load(str(path), info.st_mtime, info.st_size, input_crs, tuple((field_map or {}).items()))
    return frame.copy(), list(notes)


def load(path: str | Path | None = None, *, input_crs: str | None = None, field_map: Mapping[str, str] | None = None) -> gpd.GeoDataFrame:
    """Load and validate the catalog; raise :class:`ValidationFailed` on any error.

    Cached on the file's path, modification time and size (and the reading
    options): a rebuilt catalog is read again, an unchanged one is not. See
    :func:`load_with_notes` for the options.
    """
    return load_with_notes(path, input_crs=input_crs, field_map=field_map)[0]


# --- planning zones (zones.geojson), derived from the catalog and stamped with it ---

#: Categories whose polygons are planning zones (两江新区, 西部(重庆)科学城, …).
ZONE_CATEGORIES = ("new_town", "science_park")
#: Member of ``zones.geojson`` holding the SHA-256 of the catalog file it was built with.
ZONES_STAMP = "catalog_sha256"


def zones_path(projects_path: Path | None = None) -> Path:
    """Where the zones of a catalog live: ``boundaries_dir/zones.geojson`` for the default catalog, else beside the file."""
    projects_path = Path(projects_path or settings.projects_path)
    if projects_path == Path(settings.projects_path):
        return Path(settings.boundaries_dir) / "zones.geojson"
    return projects_path.with_name("zones.geojson")


def text_stamp(text: str) -> str:
    """The stamp of a catalog file's text (SHA-256 of its UTF-8 bytes), as ``zones.geojson`` records it."""
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@lru_cache(maxsize=4)
def _file_stamp(path: str, mtime: float, size: int) -> str:
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def zones_frame(projects: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The planning zones of a catalog: its polygons of a zone category (:data:`ZONE_CATEGORIES`), by id.

    Columns ``name_zh, name_en, project_id, location_precision`` (always
    ``approximate``: hand-sketched outlines), ``note``, ``note_zh``, geometry.
    An empty catalog gives an empty frame with these columns.
    """
    polygonal = projects.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    zones = projects[projects["category"].isin(ZONE_CATEGORIES).to_numpy() & polygonal]
    return gpd.GeoDataFrame(
        {
            "name_zh": zones["name_zh"].to_numpy(),
            "name_en": zones["name_en"].to_numpy(),
            "project_id": zones["id"].to_numpy(),
            "location_precision": "approximate",
            "note": zones["location_note_en"].to_numpy() if "location_note_en" in zones else None,
            "note_zh": zones["location_note_zh"].to_numpy() if "location_note_zh" in zones else None,
        },
        geometry=zones.geometry.to_numpy(),
        crs=settings.storage_crs,
    ).sort_values("project_id").reset_index(drop=True)


def load_zones(projects_path: Path | None = None, *, lang: str = "en") -> tuple[gpd.GeoDataFrame, str | None]:
    """The planning zones of the catalog, and a notice when ``zones.geojson`` could not be used.

    ``zones.geojson`` (:func:`zones_path`) is used only when its
    ``catalog_sha256`` member is the SHA-256 of the catalog file now on disk:
    the two are written by one ``catalog build`` but replaced one after the
    other, so a build killed between the two replaces (or a ``publish``, which
    rewrites the catalog only) leaves a pair that does not match. Then, or when
    the zones file is missing or unreadable, the zones are derived from the
    catalog itself (:func:`zones_frame`, what the build writes) and the notice
    says so in ``lang``; the file is never rewritten here.

    Raises
    ------
    DataFileError, ValidationFailed
        The catalog itself cannot be loaded (:func:`load`).
    """
    from geo import _files, io
    from geo._errors import DataFileError
    from geo.i18n import t

    catalog_path = _files.input_file(Path(projects_path or settings.projects_path))
    info = catalog_path.stat()
    stamp = _file_stamp(str(catalog_path), info.st_mtime, info.st_size)
    path = zones_path(projects_path)
    try:
        features, members = io.read_geojson_features(path)
    except DataFileError as exc:
        missing = not (path.exists() or path.is_symlink())  # no zones file at all: derived, nothing to report
        return zones_frame(load(catalog_path)), None if missing else t("zones_unreadable", lang, zones=path.name, reason=exc.reason)
    if members.get(ZONES_STAMP) != stamp:
        return zones_frame(load(catalog_path)), t("zones_stale", lang, zones=path.name)
    if not features:
        return zones_frame(load(catalog_path).iloc[:0]), None
    frame = gpd.GeoDataFrame.from_features(features, crs=settings.storage_crs)
    return frame[[*ZONE_COLUMNS, "geometry"]], None


#: The properties of ``zones.geojson``, in order.
ZONE_COLUMNS = ("name_zh", "name_en", "project_id", "location_precision", "note", "note_zh")


class Atlas:
    """Everything a view needs, loaded and joined once.

    Attributes
    ----------
    projects
        The validated catalog with derived columns.
    joined
        :func:`geo.join.join` of every project against the join units.
    units
        The filter/roll-up units (Chongqing districts, Sichuan cities), full resolution.
    plans
        :func:`load_plans`.
    stale_edits
        Edits of the workbench store that no longer apply (:class:`geo.edits.StaleEdit`).
    store_error
        Why the store could not be read (the catalog is then shown without edits), or None.
    read_notes
        What reading the file assumed (fields renamed, CRS reprojected, GBK, Z dropped):
        :func:`load_with_notes`.

    Parameters
    ----------
    projects_path, boundaries_dir
        The project file and the boundaries (defaults from :mod:`geo.settings`).
    input_crs, field_map
        Reading options of the project file, as ``validate`` takes them (:func:`load_with_notes`).
    previous
        The atlas this one replaces (after an edit or a new catalog file). With the same
        ``boundaries_dir`` its units are kept and only the records that changed are joined again
        (:func:`geo.join.rejoin`); the result is the same as without it. Boundaries are read once
        per process either way (:func:`geo.boundaries.load` caches them).
    """

    def __init__(
        self,
        projects_path: Path | None = None,
        boundaries_dir: Path | None = None,
        *,
        input_crs: str | None = None,
        field_map: Mapping[str, str] | None = None,
        previous: Atlas | None = None,
    ) -> None:
        from geo import boundaries, edits
        from geo.join import join, rejoin

        self.join_units: gpd.GeoDataFrame
        self.units: gpd.GeoDataFrame
        self.joined: pd.DataFrame
        frame, self.read_notes = load_with_notes(projects_path, input_crs=input_crs, field_map=field_map)
        self.projects, self.stale_edits, self.store_error = edits.catalog_with_edits(frame, projects_path)
        self.boundaries_dir = boundaries_dir
        if previous is not None and previous.boundaries_dir == boundaries_dir:
            self.join_units, self.units = previous.join_units, previous.units
            self.joined = rejoin(self.projects, self.join_units, before=previous.projects, joined=previous.joined)
        else:
            self.join_units = boundaries.join_units(directory=boundaries_dir)
            self.units = boundaries.filter_units(directory=boundaries_dir)
            self.joined = join(self.projects, self.join_units)
        self.plans = load_plans()

    @property
    def district_codes(self) -> list[str]:
        return self.units["adcode"].tolist()

    def district_code(self, value: str) -> str:
        """Adcode of a unit given its adcode, Chinese name (with or without suffix) or pinyin."""
        u = self.units
        v = value.strip()
        for column in ("adcode", "name_zh", "name_en"):
            hit = u[u[column].str.lower() == v.lower()]
            if len(hit) == 1:
                return hit.adcode.iat[0]
        hit = u[u.name_zh.str.startswith(v)]
        if len(hit) == 1:
            return hit.adcode.iat[0]
        return v  # left for the filter to reject with the list of known codes

    def plan_titles(self, *, lang: str = "zh") -> dict[str, str]:
        return {p.id: p.short(lang) for p in self.plans.values()}

    def district_names(self, *, lang: str = "zh") -> dict[str, str]:
        return dict(zip(self.units.adcode, self.units.name_zh if lang == "zh" else self.units.name_en, strict=True))


def project_detail(atlas: Atlas, project_id: str) -> dict | None:
    """Everything the detail panel shows for one project, or None if the id is unknown.

    Keys: the record's fields, ``districts`` (rows of the join: unit names,
    ``length_km``/``area_km2`` and ``share``), ``centroid`` (lat, lon) and
    ``bounds`` for zooming.
    """
    hit = atlas.projects[atlas.projects["id"] == project_id]
    if hit.empty:
        return None
    row = hit.iloc[0]
    rows = atlas.joined[atlas.joined["id"] == project_id]
    geom = row.geometry
    drawn = geom is not None and not geom.is_empty
    point = geom.representative_point() if drawn else None
    w, s, e, n = geom.bounds if drawn else (None,) * 4
    return {
        **{k: row[k] for k in ("id", "name_zh", "name_en", "category", "status", "status_as_of", "status_source", "location_precision", "source_crs", "plans", "length_km", "area_km2", "geom_kind")},
        **{k: row.get(k) for k in ("kind", "location_source", "scope", "location_note")},
        "location_note_zh": note(row, lang="zh"),
        "location_note_en": note(row, lang="en"),
        "aliases": list(row.get("aliases") or []),
        "districts": rows[["name_zh", "name_en", "unit_name_zh", "unit_name_en", "measure", "length_km", "area_km2", "share"]].to_dict(orient="records"),
        "centroid": (point.y, point.x) if point is not None else None,
        "bounds": (s, w, n, e) if drawn else None,
    }


def note(row: Mapping[str, Any] | pd.Series, *, lang: str = "zh") -> str:
    """The record's location note in ``lang``; a v1 record's ``location_note`` when the v2 fields are absent."""
    value = row.get(f"location_note_{lang}")
    if isinstance(value, str) and value:
        return value
    value = row.get("location_note")
    return value if isinstance(value, str) else ""


def symbol_points(frame: gpd.GeoDataFrame) -> pd.DataFrame:
    """Where town/district/city-level records are shown: one row per (place, record), WGS84.

    Columns ``lon, lat, precision, id``. A record with a geometry is shown at its
    vertices (representative points; a multi-district record at each of its
    places). A record with no geometry whose ``scope`` is a district or city is
    shown at that unit's representative point: the unit is its place, drawn as the
    unit's symbol (a numbered ring listing its projects), never as a site. Other
    records without geometry (region-wide) have no row. Coordinates are rounded
    to 6 decimals so that one place always groups as one.
    """
    import numpy as np
    import shapely

    from geo import gazetteer
    from geo.styles import GROUPED_PRECISIONS

    columns = ["lon", "lat", "precision", "id"]
    sub = frame[frame.location_precision.isin(GROUPED_PRECISIONS)] if len(frame) else frame
    if sub.empty:
        return pd.DataFrame(columns=columns)
    missing = shapely.is_missing(np.asarray(sub.geometry.values, dtype=object))
    drawn = sub[~missing]
    xy, owner = shapely.get_coordinates(drawn.geometry.values, return_index=True)
    parts = [pd.DataFrame({"lon": xy[:, 0], "lat": xy[:, 1], "precision": drawn.location_precision.to_numpy()[owner], "id": drawn.id.to_numpy()[owner]})]
    scoped = sub[missing]
    if "scope" in scoped.columns and len(scoped):
        points = {s: gazetteer.district_point(s) for s in scoped.scope.dropna().unique() if isinstance(s, str)}  # once per unit
        hits = [points.get(s) if isinstance(s, str) else None for s in scoped.scope]
        keep = np.array([h is not None for h in hits], dtype=bool)
        if keep.any():
            pts = np.array([h[:2] for h in hits if h is not None])
            parts.append(pd.DataFrame({"lon": pts[:, 0], "lat": pts[:, 1], "precision": scoped.location_precision.to_numpy()[keep], "id": scoped.id.to_numpy()[keep]}))
    out = pd.concat(parts, ignore_index=True)
    out[["lon", "lat"]] = out[["lon", "lat"]].round(6)
    return out[columns]
