"""Big project files through the command line: time and peak memory of validate, export and join.

Run: ``.venv/bin/python bench/bench_bigfile.py --mb 10 50 --dir /tmp/atlas-big``

For each size a GeoJSON file is made in ``--dir`` (not in the repository) by
repeating the shipped catalog's records with fresh ids (``P`` + 8 hex digits)
until the file holds ``MB`` megabytes: real names, quotes, notes and geometry
kinds, so the work per record is the catalog's. Each command runs in its own
process (``python -m geo …``) under ``/usr/bin/time -v``; the table prints
wall time and peak resident memory side by side for every command and size,
plus the ratio to the file size. ``--limit-gb`` caps each process's address
space (``ulimit -v``) so that a regression cannot take the shared machine down.
``--max-input-mb`` raises ``settings.max_input_bytes`` for the run
(``ATLAS_MAX_INPUT_MB``) to measure above today's limit.

``--compare DIR`` runs the same commands on the same files from another
checkout too (e.g. the revision before the fix, made with
``git archive 1c9497c | tar -x -C /tmp/atlas-base``) and prints its figures in
the same row: the alternative side by side, in one run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo import settings  # noqa: E402

COMMANDS = {
    "validate": ["validate", "{file}"],
    "export csv": ["export", "--catalog", "{file}", "--format", "csv", "--out", "{dir}/out.csv"],
    "export geojson": ["export", "--catalog", "{file}", "--format", "geojson", "--out", "{dir}/out.geojson"],
    "join": ["join", "--catalog", "{file}", "--out", "{dir}/join.csv"],
}


def make_file(path: Path, megabytes: float) -> int:
    """Write a GeoJSON of about ``megabytes`` MB of catalog records with unique ids; return the record count."""
    doc = json.loads(settings.projects_path.read_text(encoding="utf-8"))
    lines = []
    for feature in doc["features"]:
        feature["properties"]["id"] = "{ID}"
        lines.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
    target = int(megabytes * 1e6)
    n = size = 0
    with open(path, "w", encoding="utf-8") as fh:
        fh.write('{"type":"FeatureCollection","features":[\n')
        while size < target:
            line = lines[n % len(lines)].replace('"{ID}"', f'"P{n:08X}"', 1)
            fh.write(("," if n else "") + line + "\n")
            size += len(line.encode()) + 2
            n += 1
        fh.write("]}\n")
    return n


def measure(argv: list[str], *, limit_gb: float, env: dict, cwd: Path = ROOT) -> tuple[float, float, int, str]:
    """(wall seconds, peak RSS MB, exit code, last stderr line) of ``python -m geo argv`` run in ``cwd``."""
    cmd = f"ulimit -v {int(limit_gb * 1024 * 1024)}; exec /usr/bin/time -v {sys.executable} -m geo " + " ".join(f"'{a}'" for a in argv)
    start = time.perf_counter()
    done = subprocess.run(["bash", "-c", cmd], cwd=cwd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    own = [line for line in done.stderr.splitlines() if line.startswith(("error", "note"))]
    return wall, int(rss.group(1)) / 1024 if rss else float("nan"), done.returncode, (own[-1] if own else "")[:100]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, nargs="+", default=[10.0, 50.0])
    parser.add_argument("--dir", type=Path, default=Path("/tmp/atlas-big"))
    parser.add_argument("--commands", nargs="+", default=list(COMMANDS), choices=list(COMMANDS))
    parser.add_argument("--limit-gb", type=float, default=8.0)
    parser.add_argument("--max-input-mb", type=float, default=None)
    parser.add_argument("--compare", type=Path, default=None, help="another checkout to run the same commands from (figures side by side)")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "ATLAS_DEBUG": ""}
    if args.max_input_mb:
        env["ATLAS_MAX_INPUT_MB"] = str(args.max_input_mb)
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}; limit {args.limit_gb} GB per process")
    base = f"  | {'base wall s':>11} {'base peak MB':>12} {'rc':>3}" if args.compare else ""
    print(f"{'file':>10} {'records':>8} {'command':>15} {'wall s':>8} {'peak MB':>8} {'×file':>6} {'rc':>3}{base}  message")
    for mb in args.mb:
        path = args.dir / f"projects_{mb:g}mb.geojson"
        n = make_file(path, mb)
        real_mb = path.stat().st_size / 1e6
        for name in args.commands:
            argv = [a.format(file=path, dir=args.dir) for a in COMMANDS[name]]
            wall, rss, code, message = measure(argv, limit_gb=args.limit_gb, env=env)
            other = ""
            if args.compare:
                b_wall, b_rss, b_code, b_message = measure(argv, limit_gb=args.limit_gb, env={**env, "PYTHONPATH": str(args.compare)}, cwd=args.compare)
                other = f"  | {b_wall:>11.1f} {b_rss:>12.0f} {b_code:>3}"
                message = message or b_message
            print(f"{real_mb:>8.1f}MB {n:>8} {name:>15} {wall:>8.1f} {rss:>8.0f} {rss / real_mb:>6.1f} {code:>3}{other}  {message}", flush=True)


if __name__ == "__main__":
    main()
