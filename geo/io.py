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
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import _files, settings
from geo._errors import DataFileError


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike, *, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success replace ``target`` with it.

    On an exception (also a SIGTERM, which the CLI turns into one) the
    temporary file is removed and ``target`` is untouched. ``target`` must be
    a path a writer may replace (:func:`geo._files.output_file`): never a
    device, a symlink or a directory.
    """
    with _temporary_beside(target, suffix=suffix) as tmp_path:
        yield tmp_path
        os.replace(tmp_path, target)


def write_text_atomic(target: str | os.PathLike, text: str) -> None:
    """Write UTF-8 text to ``target`` atomically."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_texts_atomic(texts: dict[str | os.PathLike, str]) -> None:
    """Write several UTF-8 files as a pair (or more): every file to a temporary file first, then replace them in order.

    A failure while writing (disk full, a kill) leaves every target as it was.
    The replaces themselves are one ``os.replace`` each, so a kill between two
    of them leaves the first target new and the next old: files written
    together must let readers detect that (``zones.geojson`` carries the
    SHA-256 of its catalog, :func:`geo.catalog.load_zones`).
    """
    with contextlib.ExitStack() as stack:
        temps = []
        for target, text in texts.items():
            tmp = stack.enter_context(_temporary_beside(target))
            tmp.write_text(text, encoding="utf-8")
            temps.append((tmp, Path(target)))
        for tmp, target in temps:
            os.replace(tmp, target)


@contextlib.contextmanager
def _temporary_beside(target: str | os.PathLike, *, suffix: str | None = None) -> Iterator[Path]:
    """A temporary path beside ``target`` (checked by :func:`geo._files.output_file`), removed on exit if still there."""
    target = _files.output_file(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix or target.suffix, dir=target.parent)
    os.close(fd)
    os.unlink(tmp)  # some writers (GDAL) refuse to open an existing empty file
    tmp_path = Path(tmp)
    try:
        yield tmp_path
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def spreadsheet_safe_table(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``table`` whose text cells a spreadsheet shows as text: a leading ``= + - @`` (or tab/CR)
    gets an apostrophe (:func:`geo._files.spreadsheet_safe`, OWASP CSV injection)."""
    out = pd.DataFrame(table).copy()
    for column in out.columns:
        if not pd.api.types.is_numeric_dtype(out[column]) and not pd.api.types.is_bool_dtype(out[column]):
            out[column] = out[column].astype(object).map(_files.spreadsheet_safe)
    return out


def write_csv(table: pd.DataFrame, target: str | os.PathLike) -> None:
    """Write ``table`` as CSV for people and spreadsheets, atomically.

    UTF-8 with a byte-order mark (Excel opens Chinese correctly), formula
    starts neutralised (:func:`spreadsheet_safe_table`), CRLF line ends so
    that every field holding a CR or LF (a name with a line break) is quoted
    and stays one cell (RFC 4180).
    """
    safe = spreadsheet_safe_table(table)
    with atomic_path(target) as tmp:
        safe.to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\r\n")


def rfc7946_geometries(geometries, *, precision: int | None = None) -> np.ndarray:
    """GeoJSON geometry strings per RFC 7946: exterior rings counter-clockwise,
    holes clockwise, coordinates rounded to ``precision`` decimals.

    Rounding can in rare cases make a polygon invalid (two vertices snap
    together); callers that need validity round with
    :func:`shapely.set_precision` first.
    """
    precision = settings.coordinate_precision if precision is None else precision
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
    Only a regular file of bounded size is read (:func:`geo._files.input_file`).

    Raises
    ------
    DataFileError
        The file is missing, not a regular file, too big, not UTF-8, not JSON,
        nested too deeply (a recursion bomb), or not a FeatureCollection.
    """
    path = _files.input_file(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataFileError(path, f"cannot read: {exc.strerror or exc}") from exc
    containers = raw.count(b"{") + raw.count(b"[")  # an upper bound (brackets in strings count too), in C speed
    if containers > settings.max_json_containers:
        raise DataFileError(path, f"holds {containers:,} JSON objects/arrays; files with more than {settings.max_json_containers:,} are refused "
                            "(settings.max_json_containers): split the file")
    # Parsed from the bytes: no decoded copy of a big file beside them.
    bom = 3 if raw.startswith(b"\xef\xbb\xbf") else 0
    if bom:
        raw = raw[bom:]
    if json.detect_encoding(raw[:4]) != "utf-8":
        raise DataFileError(path, f"not UTF-8 (looks like {json.detect_encoding(raw[:4]).upper()}); GeoJSON must be UTF-8 (RFC 7946)")
    try:
        doc = json.loads(raw)
    except UnicodeDecodeError as exc:
        raise DataFileError(path, f"not UTF-8 (byte {exc.start + bom}); GeoJSON must be UTF-8 (RFC 7946)") from exc
    except json.JSONDecodeError as exc:
        raise DataFileError(path, f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from exc
    except RecursionError:
        raise DataFileError(path, "JSON nested too deeply (a recursion bomb?); refused") from None
    del raw
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        raise DataFileError(path, "not a GeoJSON FeatureCollection")
    _check_record_count(path, len(doc["features"]))
    if _depth_over(doc, settings_max_depth()):
        raise DataFileError(path, f"JSON nested deeper than {settings_max_depth()} levels (a recursion bomb?); refused")
    meta = {k: v for k, v in doc.items() if k not in ("type", "features")}
    return doc["features"], meta


def _check_record_count(path: Path, n: int) -> None:
    if n > settings.max_records:
        raise DataFileError(path, f"holds {n:,} records; files with more than {settings.max_records:,} are refused (settings.max_records): split the file")


def settings_max_depth() -> int:
    """Deepest JSON nesting accepted in a project file (a MultiPolygon needs 4 inside its feature)."""
    return int(getattr(settings, "max_json_depth", 32))


def _depth_over(value: object, limit: int) -> bool:
    """True when ``value`` nests lists/dicts deeper than ``limit`` (iterative: no recursion)."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values() if isinstance(v, (dict, list)))
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item if isinstance(v, (dict, list)))
    return False


#: Share of non-ASCII characters that must be common Chinese (GB2312) for a non-UTF-8 file to be read as GBK.
_GBK_PLAUSIBLE = 0.95


def _plausible_gbk(text: str) -> bool:
    """True when the non-ASCII characters of ``text`` are mostly common Chinese characters and punctuation.

    Latin-1 and UTF-8 mojibake decode as GB18030 too (it maps almost any byte
    sequence), but into rare characters outside GB2312; real GBK Chinese text
    is almost all inside it.
    """
    wide = [c for c in text if ord(c) > 127]
    if not wide:
        return True
    common = 0
    for c in wide:
        try:
            c.encode("gb2312")
        except UnicodeEncodeError:
            continue
        common += 1
    return common / len(wide) >= _GBK_PLAUSIBLE


def read_csv_text(path: str | os.PathLike) -> tuple[pd.DataFrame, str]:
    """Read a CSV as strings, trying UTF-8 then GBK (GB18030); return it and the encoding used.

    GBK is accepted only when it decodes to plausible Chinese text
    (:func:`_plausible_gbk`); Latin-1 or mojibake is "unknown encoding".

    Raises
    ------
    DataFileError
        Not a regular file, too big, an unknown encoding, or not a CSV.
    """
    path = _files.input_file(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataFileError(path, f"cannot read: {exc.strerror or exc}") from exc
    cells = raw.count(b",") + raw.count(b"\n")  # an upper bound of the cells (quoted commas count too)
    if cells > settings.max_csv_cells:
        raise DataFileError(path, f"holds up to {cells:,} cells; files with more than {settings.max_csv_cells:,} are refused (settings.max_csv_cells): split the file")
    try:
        text, encoding = raw.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError as exc:
        try:
            text, encoding = raw.decode("gb18030"), "GBK"
        except UnicodeDecodeError:
            text = ""
        if not text or not _plausible_gbk(text):
            raise DataFileError(path, f"unknown encoding: not UTF-8 (byte {exc.start}) and not Chinese GBK text; save the file as UTF-8") from None
    import io as _io

    try:
        frame = pd.read_csv(_io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataFileError(path, f"not a readable CSV: {exc}") from exc
    _check_record_count(path, len(frame))
    return frame, encoding


# --- projects ------------------------------------------------------------

#: Columns read from CSV as coordinates, by lower-cased header.
_LON_NAMES = ("lon", "lng", "longitude", "x", "经度")
_LAT_NAMES = ("lat", "latitude", "y", "纬度")
_WKT_NAMES = ("wkt", "geometry", "geom", "the_geom")
#: Properties that hold JSON when they arrive as text (CSV, GeoPackage, shapefile).
JSON_FIELDS = ("plans", "admin_stated", "osm_ids")

#: Field names other tools use, by lower-cased name → our field. Applied only when our field is absent.
FIELD_ALIASES = {
    "project_id": "id", "plan_id": "status_source", "编号": "id", "项目编号": "id",
    "name": "name_zh", "名称": "name_zh", "项目名称": "name_zh", "name_cn": "name_zh",
    "英文名称": "name_en", "name_english": "name_en",
    "类别": "category", "类型": "category", "状态": "status", "状态日期": "status_as_of",
    "精度": "location_precision", "precision": "location_precision",
    "coord_sys": "input_crs", "坐标系": "input_crs", "crs": "input_crs",
}


def parse_field_map(text: str | None) -> dict[str, str]:
    """``"old=new,old2=new2"`` → ``{"old": "new", …}`` (the ``--field-map`` option).

    Raises
    ------
    ValueError
        An item without ``=`` or with an empty side.
    """
    out: dict[str, str] = {}
    for item in (text or "").split(","):
        if not item.strip():
            continue
        old, sep, new = item.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise ValueError(f"--field-map: expected old=new, got {item!r}")
        out[old.strip()] = new.strip()
    return out


def _rename_fields(frame: pd.DataFrame, field_map: dict[str, str] | None, meta: dict) -> pd.DataFrame:
    """Rename the explicit ``field_map`` and then known aliases (only where our field is absent); say which in ``meta``."""
    renames = {old: new for old, new in (field_map or {}).items() if old in frame.columns}
    present = set(frame.columns) - set(renames) | set(renames.values())
    for column in frame.columns:
        target = FIELD_ALIASES.get(str(column).strip().lower()) or FIELD_ALIASES.get(str(column).strip())
        if column not in renames and target and target not in present and str(column) != target:
            renames[column] = target
            present.add(target)
    if renames:
        meta["field_map"] = {str(k): v for k, v in renames.items()}
        frame = frame.rename(columns=renames)
    return frame


def _parse_geometry(value, *, kind: str):
    """Parse one geometry; return (geometry or None, error message or None)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, "missing geometry"
    try:
        if kind == "geojson":
            if not isinstance(value, dict):
                return None, f"unreadable geometry: a GeoJSON geometry object is expected, not {type(value).__name__}"
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
            if not isinstance(value, str):
                continue
            if not value.strip():
                values[i] = []
                continue
            try:
                values[i] = json.loads(value)
            except json.JSONDecodeError as exc:
                problems.append((i, field, f"not valid JSON: {exc.msg}"))
            except RecursionError:
                values[i] = None
                problems.append((i, field, "JSON nested too deeply; refused"))
        frame[field] = pd.Series(values, index=frame.index, dtype=object)


#: CRS names a GeoJSON file may declare: WGS84 in its spellings, and CGCS2000 (equal to WGS84 at map scale).
_WGS84_NAMES = ("4326", "CRS84", "4490", "WGS84", "WGS 84")


def _declared_crs(meta: dict) -> str | None:
    crs = meta.get("crs")
    if not crs:
        return None
    name = (crs.get("properties") or {}).get("name") if isinstance(crs, dict) and isinstance(crs.get("properties"), dict) else str(crs)
    return None if name is None else str(name)


def _check_declared_crs(path: Path, declared: str | None) -> None:
    """One reading path for every command: a GeoJSON declaring a CRS other than WGS84 is refused."""
    if declared and not any(code in declared.replace("::", ":") for code in _WGS84_NAMES):
        error = DataFileError(path, f"declares CRS {declared[:80]!r}; RFC 7946 GeoJSON is WGS84 only: reproject to EPSG:4326 first")
        error.field = "crs"  # type: ignore[attr-defined]
        raise error


def _read_geojson(path: Path, problems: list, meta: dict) -> gpd.GeoDataFrame:
    """Features → rows in file order; a feature that is not a Feature, or whose properties are not an object, is kept empty and reported."""
    parsed, extra = read_geojson_features(path)
    features: list[Any] = parsed  # a JSON array: anything, not only Feature objects
    meta["declared_crs"] = _declared_crs(extra)
    _check_declared_crs(path, meta["declared_crs"])
    meta["members"] = {k: v for k, v in extra.items() if k != "crs" and (v is None or isinstance(v, (str, int, float, bool)))}
    rows: list[dict] = []
    geoms: list = []
    for i in range(len(features)):
        feature, features[i] = features[i], None  # each feature's parsed JSON is freed once read (big files)
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            found = feature.get("type") if isinstance(feature, dict) else type(feature).__name__
            problems.append((i, "type", f'not a GeoJSON Feature ("type" is {found!r}, expected "Feature"); record kept empty'))
            rows.append({})
            geoms.append(None)
            continue
        props = feature.get("properties")
        if props is not None and not isinstance(props, dict):
            problems.append((i, "properties", f"must be an object, not {type(props).__name__}"))
            props = None
        rows.append(dict(props or {}))
        geom, err = _parse_geometry(feature.get("geometry"), kind="geojson")
        if err:
            problems.append((i, "geometry", err))
        geoms.append(geom)
    meta["encoding"] = "UTF-8"
    if not features:
        meta.setdefault("warnings", []).append((None, "features", "the FeatureCollection is empty: no records"))
    return gpd.GeoDataFrame(pd.DataFrame(rows, index=range(len(rows))), geometry=np.array(geoms, dtype=object), crs=settings.storage_crs)


def _csv_points(table: pd.DataFrame, lon_col: str, lat_col: str, problems: list) -> list:
    lon = pd.to_numeric(table[lon_col], errors="coerce")
    lat = pd.to_numeric(table[lat_col], errors="coerce")
    bad = lon.isna() | lat.isna()
    blank = (table[lon_col].str.strip() == "") & (table[lat_col].str.strip() == "")
    for i in np.flatnonzero(bad):
        message = "missing geometry" if blank.iat[i] else f"not a number: {table[lon_col].iat[i][:40]!r}, {table[lat_col].iat[i][:40]!r}"
        problems.append((int(i), f"{lon_col}/{lat_col}", message))
    pts = shapely.points(lon.to_numpy(), lat.to_numpy())
    pts[bad.to_numpy()] = None
    return list(pts)


def _read_csv(path: Path, problems: list, meta: dict, field_map: dict[str, str] | None) -> gpd.GeoDataFrame:
    table, meta["encoding"] = read_csv_text(path)
    table = _rename_fields(table, field_map, meta)
    lower = {str(c).lower().strip(): c for c in table.columns}
    wkt_col = next((lower[n] for n in _WKT_NAMES if n in lower), None)
    lon_col = next((lower[n] for n in _LON_NAMES if n in lower), None)
    lat_col = next((lower[n] for n in _LAT_NAMES if n in lower), None)
    geoms: list = []
    if wkt_col is not None:
        for i, text in enumerate(table[wkt_col]):
            geom, err = _parse_geometry(text, kind="wkt")
            if err:
                problems.append((i, wkt_col, err))
            geoms.append(geom)
    elif lon_col is not None and lat_col is not None:
        geoms = _csv_points(table, lon_col, lat_col, problems)
    else:
        raise DataFileError(path, "CSV needs a 'wkt' column or 'lon' and 'lat' columns")
    drop = [c for c in (wkt_col, lon_col, lat_col) if c is not None]
    frame = gpd.GeoDataFrame(table.drop(columns=drop), geometry=np.array(geoms, dtype=object), crs=settings.storage_crs)
    if "target_year" in frame:
        frame["target_year"] = pd.to_numeric(frame["target_year"], errors="coerce")
    return frame


def _finite_geometries(frame: gpd.GeoDataFrame, problems: list) -> None:
    """Geometries with a NaN or infinite coordinate are reported and dropped (GEOS cannot repair them)."""
    geoms = np.asarray(frame.geometry.values, dtype=object)
    xy, owner = shapely.get_coordinates(geoms, return_index=True)
    if not len(xy):
        return
    bad_rows = np.unique(owner[~np.isfinite(xy).all(axis=1)])
    for i in bad_rows:
        problems.append((int(i), "geometry", "a coordinate is not a finite number (NaN or infinity)"))
    if len(bad_rows):
        geoms = geoms.copy()
        geoms[bad_rows] = None
        frame.geometry = gpd.GeoSeries(geoms, index=frame.index, crs=frame.crs).values


def _drop_z(frame: gpd.GeoDataFrame, meta: dict) -> None:
    """Z values are dropped (the catalog is 2D), with one warning naming how many records had them."""
    geoms = np.asarray(frame.geometry.values, dtype=object)
    has_z = shapely.has_z(geoms)
    if has_z.any():
        frame.geometry = gpd.GeoSeries(shapely.force_2d(geoms), index=frame.index, crs=frame.crs).values
        first = int(np.flatnonzero(has_z)[0])
        meta.setdefault("warnings", []).append((first, "geometry", f"Z values (heights) dropped from {int(has_z.sum())} records; the catalog is 2D"))


def read_projects(
    path: str | os.PathLike, *, input_crs: str | None = None, field_map: dict[str, str] | None = None
) -> tuple[gpd.GeoDataFrame, list[tuple[int, str, str]], dict]:
    """Read a project file of any supported format, losing no record.

    Formats by extension: ``.geojson``/``.json``, ``.gpkg``, ``.csv`` (with
    ``lon``/``lat`` columns or a ``wkt`` column; UTF-8 or GBK), ``.shp`` and
    ``.zip`` (zipped shapefile). A record whose geometry cannot be parsed is
    kept with an empty geometry and a problem. Only regular files of bounded
    size are read, zips only after :func:`geo._files.checked_zip`.

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
    field_map
        Field renames ``{old: new}`` applied before the known aliases
        (:data:`FIELD_ALIASES`: ``名称`` → ``name_zh``, ``coord_sys`` →
        ``input_crs``…); ``meta["field_map"]`` says which were used.

    Returns
    -------
    frame
        One row per record, in file order, geometry in WGS84 (None where
        unreadable or not finite; Z dropped). Nested fields (``plans``,
        ``admin_stated``) are Python lists.
    problems
        ``(row, field, message)`` for what could not be read.
    meta
        What the reader learnt: ``format``, ``encoding``, ``declared_crs``,
        ``field_map``, ``members`` (a GeoJSON collection's other scalar members,
        such as ``edits_through``; also in ``frame.attrs["members"]``), and ``warnings`` (``(row or None, field, message)``:
        Z dropped, empty collection).

    Raises
    ------
    DataFileError
        The file as a whole cannot be read (also: not a regular file, too
        big, a zip bomb, a GeoJSON declaring a CRS other than WGS84).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    problems: list[tuple[int, str, str]] = []
    meta: dict = {"format": suffix.lstrip(".")}
    if suffix in (".geojson", ".json"):
        frame = _rename_fields(_read_geojson(path, problems, meta), field_map, meta)
    elif suffix == ".csv":
        frame = _read_csv(path, problems, meta, field_map)
    elif suffix in (".gpkg", ".shp", ".zip"):
        frame = _rename_fields(_read_ogr(_files.input_file(path), suffix), field_map, meta)
        meta["declared_crs"] = frame.crs.to_string() if frame.crs is not None else None
        if frame.crs is not None and not frame.crs.equals(settings.storage_crs):
            frame = frame.to_crs(settings.storage_crs)
            meta["reprojected_from"] = meta["declared_crs"]
        meta["encoding"] = "UTF-8"
    else:
        raise DataFileError(path, f"unknown format {suffix!r}: use .geojson, .gpkg, .csv, .shp or .zip")
    _finite_geometries(frame, problems)
    _drop_z(frame, meta)
    _decode_json_fields(frame, problems)
    frame = _convert_input_crs(frame, input_crs=input_crs, problems=problems)
    frame = frame.reset_index(drop=True)
    frame.attrs["members"] = meta.get("members", {})
    return frame, _null_geometry_allowed(frame, problems), meta


def reading_notes(meta: dict) -> list[tuple[int | None, str, str]]:
    """What reading changed or assumed, as ``(row or None, field, message)`` warnings.

    From the ``meta`` of :func:`read_projects`: Z values dropped, an empty
    collection, the field renames used (explicit ``field_map`` and aliases), a
    declared CRS reprojected to WGS84, a GBK file. ``validate`` reports them as
    warnings and the other commands print them, so every command says which
    mapping it used.
    """
    notes = list(meta.get("warnings", []))
    if meta.get("field_map"):
        used = ", ".join(f"{old} → {new}" for old, new in meta["field_map"].items())
        notes.append((None, "fields", f"fields renamed on reading: {used}"))
    if meta.get("reprojected_from"):
        notes.append((None, "crs", f"file declares CRS {meta['reprojected_from']!r}; reprojected to WGS84 on reading"))
    if meta.get("encoding") == "GBK":
        notes.append((None, "encoding", "file is GBK-encoded Chinese text; read as GBK, exports are UTF-8"))
    return notes


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


def _gpkg_layers(path: Path) -> list[str]:
    """The project layers of a GeoPackage: ``projects_point``/``_line``/``_polygon``/``_no_geometry`` (our
    export), or a plain ``projects`` layer, or else the first layer."""
    import pyogrio

    layers = [str(name) for name, _ in pyogrio.list_layers(path)]
    ours = [name for name in layers if name.startswith("projects_")]
    if ours:
        return ours
    return ["projects"] if "projects" in layers else layers[:1]


def _read_gpkg(path: Path) -> gpd.GeoDataFrame:
    """Every project layer of a GeoPackage, in id order of the export (points, lines, polygons, then the rest)."""
    import pyogrio

    frames = []
    crs = None
    _check_record_count(path, sum(int(pyogrio.read_info(path, layer=layer)["features"]) for layer in _gpkg_layers(path)))
    for layer in _gpkg_layers(path):
        part = pyogrio.read_dataframe(path, layer=layer)
        if not isinstance(part, gpd.GeoDataFrame):
            part = gpd.GeoDataFrame(part, geometry=np.array([None] * len(part), dtype=object))
        crs = crs or part.crs
        frames.append(part)
    if not frames:
        raise DataFileError(path, "the GeoPackage holds no layer")
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=crs)


def _read_ogr(path: Path, suffix: str) -> gpd.GeoDataFrame:
    """GeoPackage (:func:`_read_gpkg`), shapefile, or a zip of shapefiles (all of them, after :func:`geo._files.checked_zip`)."""
    import pyogrio

    attributions = None
    try:
        if suffix == ".gpkg":
            frame = _read_gpkg(path)
            frames = [frame]
        else:
            if suffix == ".shp":
                sources = [str(path)]
            else:
                with _files.checked_zip(path) as zf:
                    sources = [f"/vsizip/{path}/{n}" for n in sorted(zf.namelist()) if n.lower().endswith(".shp")]
                    attributions = _zip_attributions(zf)
                if not sources:
                    raise DataFileError(path, "the zip holds no shapefile")
            _check_record_count(path, sum(int(pyogrio.read_info(s, encoding="UTF-8")["features"]) for s in sources))
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
    """Plan attributions from the ``attributions.csv`` beside zipped shapefiles (see :mod:`geo.export`).

    The archive was checked by :func:`geo._files.checked_zip` (sizes, ratios) before this reads a member.
    """
    if "attributions.csv" not in zf.namelist():
        return None
    import io as _io

    table = pd.read_csv(_io.BytesIO(zf.read("attributions.csv")), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    out: dict[str, list[dict]] = {}
    for row in table.to_dict(orient="records"):
        row = {k: _files.spreadsheet_unescape(v) for k, v in row.items()}
        year = row.pop("target_year", "")
        try:
            row["target_year"] = int(float(year)) if year else None
        except ValueError:
            row["target_year"] = year
        out.setdefault(row.pop("id", ""), []).append(row)
    return out
