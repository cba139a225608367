"""House rules that a reader cannot see break: settings are read when called (geo/settings.py's promise)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parent.parent
SOURCES = sorted([*ROOT.glob("geo/*.py"), *ROOT.glob("layers/*.py"), ROOT / "atlas_ui.py"])

#: Known import-time reads in modules owned by other work this round (issue 12 lists them); remove
#: an entry when its module is fixed. A new read anywhere else fails the test.
KNOWN = {
    ("geo/io.py", "rfc7946_geometries"),
    ("geo/catalog_build.py", "ZONES_PATH"),
    ("geo/gazetteer.py", "TOWNS_PATH"),
}


def _reads_settings(node: ast.AST | None) -> bool:
    return node is not None and any(
        isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "settings" for n in ast.walk(node)
    )


def import_time_reads(path: Path) -> set[tuple[str, str]]:
    """(file, name) of each function default and module-level binding that reads ``settings.…``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    rel = path.relative_to(ROOT).as_posix()
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            defaults = [*node.args.defaults, *(d for d in node.args.kw_defaults if d is not None)]
            if any(_reads_settings(d) for d in defaults):
                found.add((rel, node.name))
    for stmt in tree.body:
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and _reads_settings(stmt.value):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            found |= {(rel, t.id) for t in targets if isinstance(t, ast.Name)}
    return found


def test_no_setting_is_read_at_import():
    found = set().union(*(import_time_reads(p) for p in SOURCES if p.name != "settings.py"))
    assert found - KNOWN == set(), f"read settings when called (path = path or settings.x): {sorted(found - KNOWN)}"


def test_the_scan_finds_what_it_looks_for(tmp_path, monkeypatch):
    bad = ROOT / "geo" / "settings.py"  # any path under ROOT works for relative_to
    src = "from geo import settings\nX = settings.data_dir\ndef f(p=settings.data_dir):\n    return p\ndef g(p=None):\n    return p or settings.data_dir\n"
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: src)
    assert import_time_reads(bad) == {("geo/settings.py", "X"), ("geo/settings.py", "f")}
