"""House rules that a reader cannot see break: settings are read when called (geo/settings.py's promise)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parent.parent
SOURCES = sorted([*ROOT.glob("geo/*.py"), *ROOT.glob("layers/*.py"), ROOT / "atlas_ui.py"])

#: Known import-time reads (none left); a new read anywhere fails the test.
KNOWN: set[tuple[str, str]] = set()


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


def _interface_literals(path: Path) -> list[tuple[int, str]]:
    """Chinese string literals of a module that are not docstrings: interface words that skipped geo.i18n."""
    import re

    cjk = re.compile(r"[\u4e00-\u9fff]")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(n.body[0].value) for n in ast.walk(tree)
        if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef)) and ast.get_docstring(n) is not None
    }
    return [
        (n.lineno, n.value) for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and cjk.search(n.value) and id(n) not in docstrings
        and not n.value.startswith("app_pages/") and "_" not in n.value  # page scripts and their fixed addresses
    ]


def test_interface_words_come_from_the_i18n_table():
    files = [*sorted((ROOT / "app_pages").glob("[0-4]_*.py")), ROOT / "app.py", ROOT / "geo" / "render.py", ROOT / "geo" / "stats.py", *sorted((ROOT / "layers").glob("*.py"))]
    found = {f.relative_to(ROOT).as_posix(): lits for f in files if (lits := _interface_literals(f))}
    assert found == {}, f"put these words in geo/i18n.py and use t(key, lang): {found}"
