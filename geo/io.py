"""Reading and writing: GeoJSON (RFC 7946), GeoPackage, CSV, zipped shapefile.

Every writer is atomic: it writes a temporary file beside the target and
replaces the target only when the whole file is written, so an interrupted
or failed write never leaves a half-written file behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import settings
from geo._errors import DataFileError


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike, *, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success replace ``target`` with it.

    On an exception the temporary file is removed and ``target`` is untouched.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix or target.suffix, dir=target.parent)
    os.close(fd)
    os.unlink(tmp)  # some writers (GDAL) refuse to open an existing empty file
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_text_atomic(target: str | os.PathLike, text: str) -> None:
    """Write UTF-8 text to ``target`` atomically."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


def rfc7946_geometries(geometries, *, precision: int = settings.coordinate_precision) -> np.ndarray:
    """GeoJSON geometry strings per RFC 7946: exterior rings counter-clockwise,
    holes clockwise, coordinates rounded to ``precision`` decimals.

    Rounding can in rare cases make a polygon invalid (two vertices snap
    together); callers that need validity round with
    :func:`shapely.set_precision` first.
    """
    geoms = np.asarray(geometries, dtype=object)
    oriented = shapely.orient_polygons(geoms, exterior_cw=False)
    rounded = shapely.transform(oriented, lambda xy: np.round(xy, precision))
    return shapely.to_geojson(rounded)


def _json_default(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (pd.Timestamp,)):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} to GeoJSON")


def _clean(value):
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


def geojson_text(frame: gpd.GeoDataFrame, *, properties: list[str] | None = None, extra: dict | None = None) -> str:
    """Serialise a GeoDataFrame as RFC 7946 GeoJSON text.

    One feature per line (diffable, greppable), UTF-8 characters kept as they
    are (no ``\\u`` escapes), no ``crs`` member, the frame's row order kept.
    Properties that hold lists or dicts are written as JSON arrays/objects.
    """
    if frame.crs is not None and not frame.crs.equals("EPSG:4326"):
        raise ValueError(f"GeoJSON must be WGS84; this frame is {frame.crs.to_string()}")
    columns = properties if properties is not None else [c for c in frame.columns if c != frame.geometry.name]
    geoms = rfc7946_geometries(frame.geometry.values)
    records = frame[columns].to_dict(orient="records")
    head = {"type": "FeatureCollection"}
    if extra:
        head.update(extra)
    lines = []
    for props, geom in zip(records, geoms, strict=True):
        props = {k: _clean(v) for k, v in props.items()}
        prop_text = json.dumps(props, ensure_ascii=False, default=_json_default, separators=(",", ":"))
        geom_text = "null" if geom is None else geom
        lines.append(f'{{"type":"Feature","properties":{prop_text},"geometry":{geom_text}}}')
    head_text = json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1]
    return head_text + ',"features":[\n' + ",\n".join(lines) + "\n]}\n"


def write_geojson(frame: gpd.GeoDataFrame, path: str | os.PathLike, **kwargs) -> None:
    """Write ``frame`` as RFC 7946 GeoJSON to ``path`` atomically (see :func:`geojson_text`)."""
    write_text_atomic(path, geojson_text(frame, **kwargs))


def read_geojson_features(path: str | os.PathLike) -> tuple[list[dict], dict]:
    """Read a GeoJSON FeatureCollection as raw features, keeping nested properties.

    Returns the features and the collection's other members (``crs`` if any).

    Raises
    ------
    DataFileError
        The file is missing, not UTF-8, not JSON, or not a FeatureCollection.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataFileError(path, f"cannot read: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataFileError(path, f"not UTF-8 (byte {exc.start}); GeoJSON must be UTF-8 (RFC 7946)") from exc
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataFileError(path, f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from exc
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        raise DataFileError(path, "not a GeoJSON FeatureCollection")
    meta = {k: v for k, v in doc.items() if k not in ("type", "features")}
    return doc["features"], meta


def read_csv_text(path: str | os.PathLike) -> tuple[pd.DataFrame, str]:
    """Read a CSV as strings, trying UTF-8 then GBK (GB18030); return it and the encoding used.

    Raises
    ------
    DataFileError
        Neither encoding decodes the file, or it is not a CSV.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataFileError(path, f"cannot read: {exc.strerror or exc}") from exc
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        import io as _io

        try:
            frame = pd.read_csv(_io.StringIO(text), dtype=str, keep_default_na=False)
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise DataFileError(path, f"not a readable CSV: {exc}") from exc
        return frame, "GBK" if encoding == "gb18030" else "UTF-8"
    raise DataFileError(path, "neither UTF-8 nor GBK: cannot decode the text")


# --- projects ------------------------------------------------------------

#: Columns read from CSV as coordinates, by lower-cased header.
_LON_NAMES = ("lon", "lng", "longitude", "x", "经度")
_LAT_NAMES = ("lat", "latitude", "y", "纬度")
_WKT_NAMES = ("wkt", "geometry", "geom", "the_geom")
#: Properties that hold JSON when they arrive as text (CSV, GeoPackage, shapefile).
JSON_FIELDS = ("plans", "admin_stated", "osm_ids")


def _parse_geometry(value, *, kind: str):
    """Parse one geometry; return (geometry or None, error message or None)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, "missing geometry"
    try:
        if kind == "geojson":
            return shapely.from_geojson(json.dumps(value)), None
        return shapely.from_wkt(value), None
    except (shapely.errors.GEOSException, ValueError, TypeError) as exc:
        return None, f"unreadable geometry: {exc}"


def _decode_json_fields(frame: pd.DataFrame, problems: list[tuple[int, str, str]]) -> None:
    for field in JSON_FIELDS:
        if field not in frame.columns:
            continue
        values = frame[field].tolist()
        for i, value in enumerate(values):
            if isinstance(value, str):
                if not value.strip():
                    values[i] = []
                    continue
                try:
                    values[i] = json.loads(value)
                except json.JSONDecodeError as exc:
                    problems.append((i, field, f"not valid JSON: {exc.msg}"))
        frame[field] = pd.Series(values, index=frame.index, dtype=object)


def _declared_crs(meta: dict) -> str | None:
    crs = meta.get("crs")
    if not crs:
        return None
    name = (crs.get("properties") or {}).get("name") if isinstance(crs, dict) else str(crs)
    return name


def read_projects(path: str | os.PathLike, *, input_crs: str | None = None) -> tuple[gpd.GeoDataFrame, list[tuple[int, str, str]], dict]:
    """Read a project file of any supported format, losing no record.

    Formats by extension: ``.geojson``/``.json``, ``.gpkg``, ``.csv`` (with
    ``lon``/``lat`` columns or a ``wkt`` column; UTF-8 or GBK), ``.shp`` and
    ``.zip`` (zipped shapefile). A record whose geometry cannot be parsed is
    kept with an empty geometry and a problem.

    Parameters
    ----------
    path
        The file.
    input_crs
        Coordinate system of the file's coordinates when they are not WGS84:
        ``"GCJ-02"`` (Amap, Tencent), ``"BD-09"`` (Baidu) or ``"CGCS2000"``.
        Coordinates are converted to WGS84 here, at the door, and each
        record's ``source_crs`` records what they were. A per-record
        ``input_crs`` property does the same for one record.

    Returns
    -------
    frame
        One row per record, in file order, geometry in WGS84 (None where
        unreadable). Nested fields (``plans``, ``admin_stated``) are Python
        lists.
    problems
        ``(row, field, message)`` for what could not be read.
    meta
        What the reader learnt: ``format``, ``encoding``, ``declared_crs``.

    Raises
    ------
    DataFileError
        The file as a whole cannot be read.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    problems: list[tuple[int, str, str]] = []
    meta: dict = {"format": suffix.lstrip(".")}
    if suffix in (".geojson", ".json"):
        features, extra = read_geojson_features(path)
        meta["declared_crs"] = _declared_crs(extra)
        rows, geoms = [], []
        for i, feature in enumerate(features):
            if not isinstance(feature, dict) or feature.get("type") != "Feature":
                problems.append((i, "feature", "not a GeoJSON Feature"))
                rows.append({})
                geoms.append(None)
                continue
            rows.append(dict(feature.get("properties") or {}))
            geom, err = _parse_geometry(feature.get("geometry"), kind="geojson")
            if err:
                problems.append((i, "geometry", err))
            geoms.append(geom)
        frame = gpd.GeoDataFrame(pd.DataFrame(rows), geometry=np.array(geoms, dtype=object), crs=settings.storage_crs)
        meta["encoding"] = "UTF-8"
    elif suffix == ".csv":
        table, encoding = read_csv_text(path)
        meta["encoding"] = encoding
        lower = {c.lower().strip(): c for c in table.columns}
        wkt_col = next((lower[n] for n in _WKT_NAMES if n in lower), None)
        lon_col = next((lower[n] for n in _LON_NAMES if n in lower), None)
        lat_col = next((lower[n] for n in _LAT_NAMES if n in lower), None)
        geoms = []
        if wkt_col is not None:
            for i, text in enumerate(table[wkt_col]):
                geom, err = _parse_geometry(text, kind="wkt")
                if err:
                    problems.append((i, wkt_col, err))
                geoms.append(geom)
        elif lon_col is not None and lat_col is not None:
            lon = pd.to_numeric(table[lon_col], errors="coerce")
            lat = pd.to_numeric(table[lat_col], errors="coerce")
            bad = lon.isna() | lat.isna()
            blank = (table[lon_col].str.strip() == "") & (table[lat_col].str.strip() == "")
            for i in np.flatnonzero(bad):
                message = "missing geometry" if blank.iat[i] else f"not a number: {table[lon_col].iat[i]!r}, {table[lat_col].iat[i]!r}"
                problems.append((int(i), f"{lon_col}/{lat_col}", message))
            pts = shapely.points(lon.to_numpy(), lat.to_numpy())
            pts[bad.to_numpy()] = None
            geoms = list(pts)
        else:
            raise DataFileError(path, "CSV needs a 'wkt' column or 'lon' and 'lat' columns")
        drop = [c for c in (wkt_col, lon_col, lat_col) if c is not None]
        frame = gpd.GeoDataFrame(table.drop(columns=drop), geometry=np.array(geoms, dtype=object), crs=settings.storage_crs)
        for column in ("target_year",):
            if column in frame:
                frame[column] = pd.to_numeric(frame[column], errors="coerce")
    elif suffix in (".gpkg", ".shp", ".zip"):
        frame = _read_ogr(path, suffix)
        meta["declared_crs"] = frame.crs.to_string() if frame.crs is not None else None
        if frame.crs is not None and not frame.crs.equals(settings.storage_crs):
            frame = frame.to_crs(settings.storage_crs)
            meta["reprojected_from"] = meta["declared_crs"]
        meta["encoding"] = "UTF-8"
    else:
        raise DataFileError(path, f"unknown format {suffix!r}: use .geojson, .gpkg, .csv, .shp or .zip")
    _decode_json_fields(frame, problems)
    frame = _convert_input_crs(frame, input_crs=input_crs, problems=problems)
    return frame.reset_index(drop=True), _null_geometry_allowed(frame, problems), meta


def _null_geometry_allowed(frame: pd.DataFrame, problems: list[tuple[int, str, str]]) -> list[tuple[int, str, str]]:
    """Drop the "missing geometry" problems of place-less records (district/city/region known only by
    their ``scope``): their geometry is null by design (schema v2)."""
    from geo.model import PLACELESS_PRECISIONS

    if "location_precision" not in frame.columns:
        return problems
    region = set(np.flatnonzero(frame["location_precision"].isin(PLACELESS_PRECISIONS).to_numpy()).tolist())
    return [p for p in problems if not (p[0] in region and p[2] == "missing geometry")]


def _convert_input_crs(frame: gpd.GeoDataFrame, *, input_crs: str | None, problems: list) -> gpd.GeoDataFrame:
    from geo import coords
    from geo.model import SOURCE_CRSS

    per_record = frame["input_crs"] if "input_crs" in frame.columns else pd.Series([None] * len(frame), index=frame.index)
    wanted = per_record.where(per_record.notna() & (per_record != ""), input_crs)
    if wanted.isna().all():
        return frame
    frame = frame.copy()
    if "source_crs" not in frame.columns:
        frame["source_crs"] = None
    for system in wanted.dropna().unique():
        if system not in SOURCE_CRSS:
            for i in np.flatnonzero((wanted == system).to_numpy()):
                problems.append((int(i), "input_crs", f"unknown coordinate system {system!r}; expected one of {', '.join(SOURCE_CRSS)}"))
            continue
        mask = (wanted == system).to_numpy()
        frame.loc[mask, "geometry"] = coords.convert(frame.geometry.values[mask], source=system)
        frame.loc[mask, "source_crs"] = system
    return frame.drop(columns=[c for c in ("input_crs",) if c in frame.columns])


#: Exported attribute → shapefile field (≤ 10 characters). Documented in the README.
SHAPEFILE_FIELDS = {
    "id": "id",
    "name_zh": "name_zh",
    "name_en": "name_en",
    "category": "category",
    "category_zh": "categ_zh",
    "status": "status",
    "status_zh": "status_zh",
    "status_as_of": "status_dt",
    "status_source": "status_src",
    "location_precision": "loc_prec",
    "source_crs": "src_crs",
    "plan_ids": "plan_ids",
    "target_year": "target_yr",
    "districts": "districts",
    "length_km": "length_km",
    "area_km2": "area_km2",
}


def _read_ogr(path: Path, suffix: str) -> gpd.GeoDataFrame:
    """GeoPackage (layer ``projects`` if present), shapefile, or a zip of shapefiles (all of them)."""
    import pyogrio

    try:
        if suffix == ".gpkg":
            layers = [name for name, _ in pyogrio.list_layers(path)]
            return pyogrio.read_dataframe(path, layer="projects" if "projects" in layers else None)
        attributions = None
        if suffix == ".shp":
            sources = [str(path)]
        else:
            import zipfile

            with zipfile.ZipFile(path) as zf:
                sources = [f"/vsizip/{path}/{n}" for n in sorted(zf.namelist()) if n.lower().endswith(".shp")]
                attributions = _zip_attributions(zf)
            if not sources:
                raise DataFileError(path, "the zip holds no shapefile")
        frames = [pyogrio.read_dataframe(s, encoding="UTF-8") for s in sources]
    except DataFileError:
        raise
    except Exception as exc:  # pyogrio raises several DataSource errors
        raise DataFileError(path, f"cannot open with GDAL: {exc}") from exc
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    back = {v: k for k, v in SHAPEFILE_FIELDS.items()}
    frame = gpd.GeoDataFrame(frame.rename(columns=back), geometry="geometry", crs=frames[0].crs)
    if attributions is not None and "id" in frame.columns:
        frame["plans"] = pd.Series([attributions.get(i, []) for i in frame["id"]], index=frame.index, dtype=object)
    return frame


def _zip_attributions(zf) -> dict[str, list[dict]] | None:
    """Plan attributions from the ``attributions.csv`` beside zipped shapefiles (see :mod:`geo.export`)."""
    if "attributions.csv" not in zf.namelist():
        return None
    import io as _io

    table = pd.read_csv(_io.BytesIO(zf.read("attributions.csv")), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    out: dict[str, list[dict]] = {}
    for row in table.to_dict(orient="records"):
        year = row.pop("target_year")
        row["target_year"] = int(float(year)) if year else None
        out.setdefault(row.pop("id"), []).append(row)
    return out
