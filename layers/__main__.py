"""Command line of the web map: ``python -m layers screenshot``.

The map's commands live here, above :mod:`geo`, because they build folium maps;
the filters, the error handling and the exit codes are those of ``python -m geo``
(:mod:`geo.__main__`), so both command lines behave alike.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from geo import __main__ as geo_cli


def cmd_screenshot(args) -> int:
    from geo import boundaries
    from layers.screenshot import screenshot

    atlas, _, shown = geo_cli._filtered(args)
    path = screenshot(shown, boundaries.filter_units(resolution="web"), args.out, plans=atlas.plans, lang=args.lang, basemap=args.basemap, width=args.width, height=args.height)
    print(f"{len(shown)} projects, screenshot saved to {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m layers", description="Project Atlas: the interactive map's commands (python -m geo has the rest).")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("screenshot", help="PNG of the interactive map in headless Chromium (same code as the app, assets inlined)")
    geo_cli._add_filters(p)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--lang", choices=["zh", "en"], default="zh")
    p.add_argument("--basemap", default="none")
    p.add_argument("--width", type=int, default=1600)
    p.add_argument("--height", type=int, default=1000)
    p.set_defaults(func=cmd_screenshot)

    args = parser.parse_args(argv)
    with geo_cli._terminate_as_exception():
        return geo_cli._run(args)


if __name__ == "__main__":
    sys.exit(main())
