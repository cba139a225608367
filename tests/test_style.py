"""House rules that a reader cannot see break: imports point down; settings are read when called (geo/settings.py's promise)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

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


#: What each library package must never import: geo is the bottom (no folium layers, no Streamlit glue),
#: layers is folium without Streamlit. Pages → atlas_ui → layers → geo.
UPWARD = {
    "geo": {"layers", "atlas_ui", "app_pages", "app", "streamlit", "streamlit_folium"},
    "layers": {"atlas_ui", "app_pages", "app", "streamlit", "streamlit_folium"},
}


def imported_modules(path: Path) -> set[str]:
    """Top-level names of every module ``path`` imports, anywhere in the file (lazy imports inside functions too).

    ``import a.b``, ``from a.b import c``, ``importlib.import_module("a.b")`` and ``__import__("a")`` all
    count as ``a``; relative imports (``from . import x``) stay inside the package and are not listed.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
              and (getattr(node.func, "attr", None) == "import_module" or getattr(node.func, "id", None) in ("import_module", "__import__"))):
            found.add(node.args[0].value.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(UPWARD))
def test_imports_point_down(package):
    files = sorted((ROOT / package).rglob("*.py"))
    assert len(files) > 5
    upward = {f.relative_to(ROOT).as_posix(): sorted(mods) for f in files if (mods := imported_modules(f) & UPWARD[package])}
    assert upward == {}, f"{package}/ must not import {sorted(UPWARD[package])}: {upward}"


def test_the_import_scan_sees_lazy_and_dynamic_imports(monkeypatch):
    src = ("import os.path\nfrom geo import io\nfrom . import sibling\n"
           "def f():\n    from layers.projects import build_map\n    import streamlit as st\n"
           "    importlib.import_module('atlas_ui')\n    return __import__('streamlit_folium')\n")
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: src)
    assert imported_modules(ROOT / "geo" / "x.py") == {"os", "geo", "layers", "streamlit", "atlas_ui", "streamlit_folium"}


#: Pages that draw no map and keep no frames worth holding (their format_func lambdas close over small tables).
MAPLESS_PAGES = {"5_History_改动记录.py", "6_Review_审核.py", "7_Import_导入.py"}


def test_page_widgets_take_no_lambda_as_format_func():
    """A lambda written in a page keeps the page's globals (its map, layers, frames) alive in the session's
    widget registry, ~20 MB per open session: pages use atlas_ui.labeller / basemap_labeller instead."""
    offenders = [
        f"{page.name}:{node.value.lineno}"
        for page in sorted((ROOT / "app_pages").glob("*.py"))
        if page.name not in MAPLESS_PAGES
        for node in ast.walk(ast.parse(page.read_text(encoding="utf-8")))
        if isinstance(node, ast.keyword) and node.arg == "format_func" and isinstance(node.value, ast.Lambda)
    ]
    assert offenders == []
