"""How well ``geo.ingest`` reads the five source documents, with the curated catalog as truth.

Run: ``.venv/bin/python bench/bench_ingest.py [--verbose PLAN]``

Truth of a document = every entry of ``data/catalog/extracts/<plan>*.json`` (the hand
extraction of that document, cross-checks included). Matching (``geo.ingest.bare``
on both sides: simplified, no quotes/spaces, bracketed qualifiers dropped; the truth's
names also with them):

- a candidate **names** an entry when its name equals the entry's name or an alias, or
  one contains the other and the shorter is at least 4 characters long (3 when it ends
  or starts the longer: a place prefix, 两江新区果园港 names 果园港, or a qualifier,
  石新路 names 石新路改造);
- **recall**: an entry is found when a candidate names it *and* the candidate's quote
  quote, or one of its later mentions, overlaps (shares at least one character position
  of the text with) one of the entry's quotes for that document;
- **precision**: a candidate is right when it names an entry of that document, any
  catalog record (a project of another document named again) or a ``drop.json`` key
  (a dropped designation: the ingester is right to flag it, the reviewer drops it).

Prints per document: truth entries, candidates, found, recall, right, precision, seconds
(timings are noisy on a shared machine).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo import ingest, settings
from geo.catalog import load_plans


def _names(entry: dict) -> list[str]:
    names = [n for n in [entry["name_zh"], entry.get("key", ""), *(entry.get("aliases") or [])] if n]
    return sorted({f(n) for n in names for f in (ingest.normalise, ingest.bare)})


def names_match(a: str, b: str) -> bool:
    """Equal; or one contains the other, the shorter at least 4 characters long, or 3 when it
    ends the longer (a place prefix: 两江新区果园港 names 果园港)."""
    if a == b:
        return len(a) >= 2
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) >= 4:
        return short in long_
    return len(short) == 3 and (long_.endswith(short) or long_.startswith(short))


def _spans(folded: str, quotes: list[str]) -> list[tuple[int, int]]:
    out = []
    for q in quotes:
        fq = ingest.fold(q)
        start = folded.find(fq)
        while start >= 0:
            out.append((start, start + len(fq)))
            start = folded.find(fq, start + 1)
    return out


def truth(plan_id: str) -> list[dict]:
    entries = []
    for path in sorted((settings.catalog_dir / "extracts").glob(f"{plan_id}*.json")):
        if path.stem.split("_")[0] == plan_id:
            entries.extend(json.loads(path.read_text(encoding="utf-8")))
    return entries


def evaluate(plan_id: str, *, verbose: bool = False) -> dict:
    plan = load_plans()[plan_id]
    raw = json.loads(settings.plans_path.read_text(encoding="utf-8"))
    meta = next(p for p in raw if p["id"] == plan_id)
    path = settings.seeds_dir / meta["source_file"]
    t0 = time.perf_counter()
    cands = ingest.ingest_file(path, plan_id=plan_id, title=meta["title_zh"], date=meta["date"],
                               issuer=meta["issuer"], kind=meta["kind"])
    seconds = time.perf_counter() - t0
    text = ingest.read_plan_file(path)
    folded = ingest.fold(text)
    entries = truth(plan_id)
    drop = [ingest.bare(k) for k in json.loads((settings.catalog_dir / "drop.json").read_text("utf-8"))]
    others = [n for p in load_plans() if p != plan_id for e in truth(p) for n in _names(e)]
    cand_names = [
        (ingest.bare(c.name_zh), [(o, o + len(q)) for o, q in [(c.offset, c.quote), *c.mentions]]) for c in cands
    ]
    found, missed = 0, []
    for e in entries:
        spans = _spans(folded, [m["quote"] for m in e["mentions"]])
        names = _names(e)
        ok = any(
            any(names_match(cn, n) for n in names) and any(s < qe and qs < e_ for s, e_ in spans for qs, qe in cq)
            for cn, cq in cand_names
        )
        found += ok
        if not ok:
            missed.append(e["name_zh"])
    own = [n for e in entries for n in _names(e)]
    right, wrong = 0, []
    for c, (cn, _) in zip(cands, cand_names, strict=True):
        if any(names_match(cn, n) for n in own) or any(names_match(cn, n) for n in drop) or any(
            names_match(cn, n) for n in others
        ):
            right += 1
        else:
            wrong.append(c.name_zh)
    if verbose:
        print("missed:", " ".join(missed))
        print("wrong:", " ".join(wrong))
    return {
        "plan": plan.id if hasattr(plan, "id") else plan_id,
        "truth": len(entries),
        "candidates": len(cands),
        "found": found,
        "recall": found / len(entries) if entries else float("nan"),
        "right": right,
        "precision": right / len(cands) if cands else float("nan"),
        "seconds": seconds,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="append", default=[], help="plan id whose misses and errors to list")
    args = parser.parse_args(argv)
    print(f"{'plan':<10}{'truth':>7}{'cands':>7}{'found':>7}{'recall':>8}{'right':>7}{'prec.':>7}{'s':>7}")
    for plan_id in load_plans():
        r = evaluate(plan_id, verbose=plan_id in args.verbose)
        print(f"{plan_id:<10}{r['truth']:>7}{r['candidates']:>7}{r['found']:>7}{r['recall']:>8.0%}"
              f"{r['right']:>7}{r['precision']:>7.0%}{r['seconds']:>7.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
