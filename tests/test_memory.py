"""The server gives memory back after visitors leave (issue 11, "Load").

Guards what the load bench (bench/bench_load.py) found, without timing: closed sessions past
Streamlit's reconnect window are shut down and dropped (Streamlit only hides them), the janitor
then releases memory, and every cache whose key varies with the visitor is bounded.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path
from types import SimpleNamespace

import pytest
from streamlit.runtime.memory_session_storage import MemorySessionStorage
from streamlit.runtime.session_manager import SessionInfo

import atlas_ui
from geo import _memory

ROOT = Path(__file__).resolve().parent.parent


def closed_session(session_id: str, shut: list[str]):
    """A stand-in for a disconnected AppSession: records its shutdown."""
    return SessionInfo(client=None, session=SimpleNamespace(id=session_id, shutdown=lambda: shut.append(session_id)), script_run_count=1)  # type: ignore[arg-type]


def storage_with(ids: list[str], shut: list[str], *, closed_s_ago: float) -> MemorySessionStorage:
    """Streamlit's own session storage (reconnect window 120 s) holding ``ids``, closed ``closed_s_ago`` seconds ago."""
    now = [0.0]
    storage = MemorySessionStorage(ttl_seconds=120)
    storage._cache._timer = lambda: now[0]  # a test clock, no sleeping
    for session_id in ids:
        storage.save(closed_session(session_id, shut))
    now[0] = closed_s_ago
    return storage


def test_sessions_past_their_reconnect_window_are_shut_down_and_dropped():
    shut: list[str] = []
    storage = storage_with(["a", "b"], shut, closed_s_ago=121)  # the reconnect window has passed
    assert storage.list() == []  # Streamlit hides them ...
    assert len(storage._cache._data) == 2  # ... but keeps them (the leak the bench found)
    assert atlas_ui.reap_expired_sessions(storage) == 2
    assert sorted(shut) == ["a", "b"]
    assert len(storage._cache._data) == 0


def test_sessions_inside_their_reconnect_window_are_kept():
    shut: list[str] = []
    storage = storage_with(["a"], shut, closed_s_ago=119)
    assert atlas_ui.reap_expired_sessions(storage) == 0
    assert shut == []
    assert [info.session.id for info in storage.list()] == ["a"]


def test_an_unknown_storage_is_left_alone():
    assert atlas_ui.reap_expired_sessions(None) == 0
    assert atlas_ui.reap_expired_sessions(SimpleNamespace()) == 0


def runtime_with(storage: MemorySessionStorage, sessions: int):
    return SimpleNamespace(_session_mgr=SimpleNamespace(_session_storage=storage, num_sessions=lambda: sessions))


@pytest.fixture
def releases(monkeypatch) -> list[int]:
    calls: list[int] = []
    monkeypatch.setattr(_memory, "release_memory", lambda: calls.append(1) or True)
    return calls


def on_this_thread(runtime, fn):
    return fn()


def test_janitor_tick_reaps_then_releases_memory(releases):
    shut: list[str] = []
    runtime = runtime_with(storage_with(["a", "b", "c"], shut, closed_s_ago=121), sessions=0)
    assert atlas_ui.janitor_tick(runtime, 0, on_loop=on_this_thread) == 0
    assert len(shut) == 3
    assert releases == [1]
    atlas_ui.janitor_tick(runtime, 0, on_loop=on_this_thread)  # nothing went since: no release
    assert releases == [1]


def test_janitor_tick_releases_when_sessions_went(releases):
    runtime = runtime_with(storage_with([], [], closed_s_ago=0), sessions=2)
    assert atlas_ui.janitor_tick(runtime, 5, on_loop=on_this_thread) == 2
    assert releases == [1]
    assert atlas_ui.janitor_tick(runtime, 2, on_loop=on_this_thread) == 2
    assert releases == [1]


def test_janitor_can_be_switched_off(monkeypatch):
    from geo import settings

    monkeypatch.setattr(settings, "memory_janitor", False)
    monkeypatch.setitem(atlas_ui._janitor, "thread", None)
    atlas_ui.start_memory_janitor()
    assert atlas_ui._janitor["thread"] is None


def test_release_memory_runs_here():
    assert _memory.release_memory() is True  # glibc on these machines: malloc_trim is reachable


def _cache_decorators(path: Path):
    """(function name, number of parameters, keywords of its st.cache_data/st.cache_resource decorator)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            for dec in node.decorator_list:
                call = dec if isinstance(dec, ast.Call) else None
                func = call.func if call else dec
                if isinstance(func, ast.Attribute) and func.attr in ("cache_data", "cache_resource"):
                    n_args = len(node.args.args) + len(node.args.kwonlyargs)
                    yield node.name, n_args, {k.arg for k in call.keywords} if call else set()


def test_caches_keyed_by_what_visitors_choose_are_bounded():
    files = [ROOT / "atlas_ui.py", *sorted((ROOT / "app_pages").glob("*.py"))]
    found = [(path.name, *hit) for path in files for hit in _cache_decorators(path)]
    assert any(name == "filtered_ids" for _, name, _, _ in found)  # the scan sees the caches
    unbounded = [(f, name) for f, name, n_args, keys in found if n_args and "max_entries" not in keys]
    assert unbounded == []


def test_cached_data_has_a_byte_budget():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    budget = config["server"]["maxCacheDataSize"]
    assert budget.lower().endswith("mb") and 0 < int(budget[:-2]) <= 256


class _Cycle:
    """An object that only the cyclic collector can free (it refers to itself)."""

    def __init__(self) -> None:
        self.me = self


def test_frozen_objects_are_skipped_by_collections_until_thawed():
    import gc
    import weakref

    cycle = _Cycle()
    alive = weakref.ref(cycle)
    try:
        _memory.freeze_long_lived()
        assert gc.get_freeze_count() > 0
        del cycle
        gc.collect()
        assert alive() is not None  # frozen: a collection (Streamlit's after each run) does not scan it
    finally:
        _memory.thaw_long_lived()
    gc.collect()
    assert alive() is None  # thawed: its cycle is freed again


class _Loader:
    """Stands in for the cached catalog loader: records each load; ``fails`` makes the file unreadable."""

    def __init__(self, steps: list[str], *, fails: bool = False) -> None:
        self.steps, self.fails = steps, fails

    def clear(self) -> None:
        pass

    def __call__(self, previous: object = None) -> str:
        from geo._errors import AtlasError

        self.steps.append("load")
        if self.fails:
            raise AtlasError("broken file")
        return "new"


def test_catalog_reload_thaws_the_old_catalog_and_freezes_the_new(monkeypatch):
    steps: list[str] = []
    monkeypatch.setattr(_memory, "thaw_long_lived", lambda: steps.append("thaw"))
    monkeypatch.setattr(_memory, "freeze_long_lived", lambda: steps.append("freeze"))
    monkeypatch.setattr(atlas_ui, "_last_good", {"atlas": "old", "key": None, "error": None})
    for cache in ("filtered_ids", "project_layer_data"):
        monkeypatch.setattr(atlas_ui, cache, SimpleNamespace(clear=lambda: None))

    monkeypatch.setattr(atlas_ui, "_atlas_cached", _Loader(steps))
    atlas_ui._reload_atlas(("k1",))
    assert steps == ["thaw", "load", "freeze"] and atlas_ui._last_good["atlas"] == "new"

    steps.clear()
    monkeypatch.setattr(atlas_ui, "_atlas_cached", _Loader(steps, fails=True))
    atlas_ui._reload_atlas(("k2",))
    assert steps == ["thaw", "load", "freeze"] and atlas_ui._last_good["atlas"] == "new"  # the last good one, frozen again


def test_releasing_memory_frees_frozen_cycles_and_keeps_the_rest_frozen():
    import gc
    import weakref

    cycle = _Cycle()
    alive = weakref.ref(cycle)
    keep = _Cycle()
    try:
        _memory.freeze_long_lived()  # e.g. a session alive when the catalog loaded …
        del cycle  # … closes later
        assert _memory.release_memory() is True
        assert alive() is None  # its cycles are freed
        assert gc.get_freeze_count() > 0  # what is still alive is frozen again
    finally:
        _memory.thaw_long_lived()
    assert keep.me is keep
