"""The workbench in a real browser: sign in, draw on the map, save, history, revert, conflicts, refusals.

The app under test writes to a temporary SQLite store (``ATLAS_DB`` in its
environment); accounts are created with the command line, as the README says.
The test process reads the same store to check what was (not) written.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import pytest
import shapely

from geo import settings, store
from scripts.serve_app import AppDidNotStart, running_app
from tests.browser.conftest import ROOT, SCRIPT_IDLE_JS, Page, wait_until

PASSWORD = "correct horse 7"
#: How long a step may take to show: page runs of the full catalog on a shared 2-core machine, two test workers.
WAIT_MS = 90_000
MOVED = "P0D318372"  # 华润万象城: an approximate point
CONFLICT = "P0BCB8186"  # 华岩景区
SIGNED_OUT = "P03A08AB3"  # 江口沉银遗址博物馆
#: The position of project ``id`` on the map, in degrees [lat, lng] (null if not drawn).
PROJECT_LATLNG_JS = """(id) => { const k = Object.keys(window).find(n => n.startsWith('map_')); let out = null;
  window[k].eachLayer(l => { const f = l.feature; if (f && f.properties && f.properties.id === id && l.getLatLng) out = [l.getLatLng().lat, l.getLatLng().lng]; });
  return out; }"""


@pytest.fixture(scope="module")
def workbench(tmp_path_factory):
    """The app on a temporary store with two reviewer accounts made by ``python -m geo user add``."""
    db = "sqlite:///" + str(tmp_path_factory.mktemp("store") / "atlas.db")
    env = {**os.environ, "ATLAS_DB": db}
    for name in ("ana", "ben"):
        done = subprocess.run([sys.executable, "-m", "geo", "user", "add", name, "--role", "reviewer", "--password-stdin"],
                              input=PASSWORD + "\n", text=True, capture_output=True, env=env, cwd=ROOT, timeout=120)
        assert done.returncode == 0, done.stderr
    try:
        with running_app(env={"ATLAS_DB": db}) as url:
            yield url, db
    except AppDidNotStart as exc:
        pytest.fail(str(exc))


@pytest.fixture
def store_edits(workbench, monkeypatch):
    """A function listing the edits in the app's store (read by this process)."""
    monkeypatch.setattr(settings, "db_url", workbench[1])
    store.reset_engines()

    def _edits(record_id: str | None = None):
        from geo import edits

        return edits.load_edits(record_id=record_id)

    yield _edits
    store.reset_engines()


def sign_in(p: Page, name: str, password: str = PASSWORD) -> None:
    p.page.set_default_timeout(90_000)  # a shared 2-core machine: first renders can be slow
    # The page's first run must be over: a run still drawing the sidebar can redraw the form under the typing.
    wait_until(lambda: p.page.evaluate(SCRIPT_IDLE_JS), WAIT_MS / 1000, "the page's first run did not end")
    sidebar = p.page.locator("[data-testid='stSidebar']")
    sidebar.locator("summary").filter(has_text=re.compile("(登录|Sign in)$")).click()
    sidebar.get_by_label(re.compile("用户名|User name")).fill(name)
    sidebar.get_by_label(re.compile("密码|Password")).fill(password)
    sidebar.get_by_role("button", name=re.compile("^(登录|Sign in)$")).click()
    sidebar.get_by_text(re.compile(f"(已登录|Signed in).*{name}")).wait_for(timeout=WAIT_MS)


def edit_frame(p: Page, timeout: float = 60):
    """The map's frame once the Draw toolbar is there (edit mode)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        for frame in p.page.frames:
            try:
                if frame.locator(".leaflet-draw-draw-marker").count():
                    return frame
            except Exception:  # frames come and go while Streamlit reruns
                pass
        time.sleep(0.3)
    raise AssertionError("no Draw toolbar on the map")


def start_editing(p: Page, name: str):
    sign_in(p, name)
    p.page.locator("[data-testid='stSidebar']").get_by_text(re.compile("^(编辑模式|Edit mode)$")).click()
    return edit_frame(p)


def draw_point(frame, dx: int, dy: int) -> None:
    """Draw a marker ``dx, dy`` pixels from the map's centre."""
    frame.locator(".leaflet-draw-draw-marker").click()
    box = frame.locator(".leaflet-container").bounding_box()
    frame.locator(".leaflet-container").click(position={"x": box["width"] / 2 + dx, "y": box["height"] / 2 + dy})


def save_geometry(p: Page, reason: str) -> None:
    panel = p.page.get_by_text(re.compile("^(新位置|New place)"))
    panel.first.wait_for(timeout=WAIT_MS)
    form = p.page.locator("[data-testid='stForm']").filter(has=p.page.get_by_role("button", name=re.compile("保存位置|Save place")))
    form.get_by_label(re.compile("理由|Reason")).fill(reason)
    form.get_by_role("button", name=re.compile("保存位置|Save place")).click()


def test_draw_refuse_save_history_reload_revert(workbench, store_edits, open_page):
    url, _ = workbench
    before = store_edits(MOVED)
    p = open_page(f"{url}/?p={MOVED}")
    frame = start_editing(p, "ana")
    draw_point(frame, 60, -40)
    # saved without a reason: refused, naming record and field, and nothing is written
    form = p.page.locator("[data-testid='stForm']").filter(has=p.page.get_by_role("button", name=re.compile("保存位置")))
    form.wait_for(timeout=WAIT_MS)
    form.get_by_role("button", name=re.compile("保存位置")).click()
    p.page.get_by_text(re.compile(f"{MOVED}.*reason.*every change needs a reason")).first.wait_for(timeout=WAIT_MS)
    assert len(store_edits(MOVED)) == len(before)
    # the drawing is still there: with a reason, it is saved
    save_geometry(p, "现场核实:入口位置")
    p.page.get_by_text(re.compile(r"已保存:改动 #\d+")).wait_for(timeout=WAIT_MS)
    made = store_edits(MOVED)
    assert len(made) == len(before) + 1
    edit = made[-1]
    assert edit.author == "ana" and edit.reason == "现场核实:入口位置"
    new = shapely.geometry.shape(edit.changes["geometry"]["after"])
    old = shapely.geometry.shape(edit.changes["geometry"]["before"])
    assert new.geom_type == "Point" and new.distance(old) > 1e-4
    assert edit.changes["location_source"]["after"] == "edit"
    # the detail panel's 改动记录 lists it
    p.page.get_by_text("现场核实:入口位置").first.wait_for(timeout=WAIT_MS)
    # a status date that is not a date, with a reason: refused by the validator, naming record and field
    fields = p.page.locator("[data-testid='stForm']").filter(has=p.page.get_by_role("button", name=re.compile("^保存$")))
    fields.get_by_label(re.compile("YYYY-MM-DD")).fill("2024年3月")
    fields.get_by_label(re.compile("理由")).fill("日期测试")
    fields.get_by_role("button", name=re.compile("^保存$")).click()
    p.page.get_by_text(re.compile(f"{MOVED}.*status_as_of")).first.wait_for(timeout=WAIT_MS)
    assert len(store_edits(MOVED)) == len(made)

    # a reload (a new session) shows the record at its new place on the map
    fresh = open_page(f"{url}/?p={MOVED}")
    map_frame = fresh.map_frame()
    latlng = map_frame.evaluate(PROJECT_LATLNG_JS, MOVED)
    assert latlng is not None and abs(latlng[0] - new.y) < 1e-5 and abs(latlng[1] - new.x) < 1e-5
    fresh.page.get_by_text("现场核实:入口位置").first.wait_for(timeout=WAIT_MS)

    # revert on the History page
    hist = open_page(f"{url}/History_改动记录")
    sign_in(hist, "ana")
    form = hist.page.locator("[data-testid='stForm']").filter(has_text=re.compile("撤销|Revert"))
    form.locator("[data-testid='stSelectbox']").click()
    hist.page.get_by_role("option", name=f"#{edit.id}").click()
    form.get_by_label(re.compile("理由|Reason")).fill("测试撤销")
    form.locator("[data-testid^='stBaseButton'][data-testid$='FormSubmit']").click()
    hist.page.get_by_text(re.compile(r"已保存:改动 #\d+")).wait_for(timeout=WAIT_MS)
    after = store_edits(MOVED)
    assert len(after) == len(made) + 1 and after[-1].reverts == edit.id
    back = shapely.geometry.shape(after[-1].changes["geometry"]["after"])
    assert back.equals_exact(old, 1e-6)
    again = open_page(f"{url}/?p={MOVED}")
    latlng = again.map_frame().evaluate(PROJECT_LATLNG_JS, MOVED)
    assert abs(latlng[0] - old.y) < 1e-5 and abs(latlng[1] - old.x) < 1e-5
    again.page.get_by_text("测试撤销").first.wait_for(timeout=WAIT_MS)


def test_signed_out_browser_cannot_edit(workbench, store_edits, open_page):
    url, _ = workbench
    before = len(store_edits())
    # a crafted address asking for the edit mode changes nothing
    p = open_page(f"{url}/?p={SIGNED_OUT}&edit_mode=true&edit=1")
    frame = p.map_frame()
    p.page.get_by_text("江口沉银遗址博物馆").first.wait_for(timeout=WAIT_MS)  # the detail panel is there
    assert p.page.get_by_text(re.compile("^(编辑模式|Edit mode)$")).count() == 0
    assert frame.locator(".leaflet-draw").count() == 0
    assert p.page.get_by_role("button", name=re.compile("保存|Save")).count() == 0
    # clicking on the map as a drawing would does not open any save path
    frame.locator(".leaflet-container").click(position={"x": 300, "y": 300})
    p.page.wait_for_timeout(1500)
    assert p.page.get_by_text(re.compile("^(新位置|New place)")).count() == 0
    assert len(store_edits()) == before


def test_two_sessions_conflict_and_both_kept(workbench, store_edits, open_page):
    url, _ = workbench
    a = open_page(f"{url}/?p={CONFLICT}")
    b = open_page(f"{url}/?p={CONFLICT}")
    a.page.bring_to_front()  # a background tab may not render: each session is driven in front
    frame_a = start_editing(a, "ana")
    b.page.bring_to_front()
    frame_b = start_editing(b, "ben")
    a.page.bring_to_front()
    draw_point(frame_a, 50, 30)
    save_geometry(a, "ana 的修改")
    a.page.get_by_text(re.compile(r"已保存:改动 #\d+")).wait_for(timeout=WAIT_MS)
    b.page.bring_to_front()
    draw_point(frame_b, -50, 30)
    save_geometry(b, "ben 的修改")
    conflict = b.page.get_by_text(re.compile("保存冲突"))
    conflict.wait_for(timeout=WAIT_MS)
    message = b.page.locator("[data-testid='stAlert']").filter(has_text="保存冲突").inner_text()
    assert "ana" in message and "ana 的修改" in message
    assert [e.author for e in store_edits(CONFLICT)] == ["ana"]
    # ben's drawing and reason are still there: saving again succeeds, both changes stay in the history
    form = b.page.locator("[data-testid='stForm']").filter(has=b.page.get_by_role("button", name=re.compile("保存位置")))
    assert form.get_by_label(re.compile("理由")).input_value() == "ben 的修改"
    form.get_by_role("button", name=re.compile("保存位置")).click()
    b.page.get_by_text(re.compile(r"已保存:改动 #\d+")).wait_for(timeout=WAIT_MS)
    assert [(e.author, e.reason) for e in store_edits(CONFLICT)] == [("ana", "ana 的修改"), ("ben", "ben 的修改")]


def test_move_a_point_by_dragging_it(workbench, store_edits, open_page):
    """leaflet-draw's "edit layers": the selected record's point is in the editable layer; drag it, save."""
    url, _ = workbench
    record = "P0A3C154C"  # 园博园: an approximate point
    p = open_page(f"{url}/?p={record}")
    frame = start_editing(p, "ana")
    frame.locator(".leaflet-draw-edit-edit").click()
    marker = frame.locator(".leaflet-marker-icon.leaflet-edit-marker-selected")
    marker.wait_for(timeout=WAIT_MS)
    box = marker.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 3
    p.page.mouse.move(x, y)
    p.page.mouse.down()
    p.page.mouse.move(x + 40, y + 20, steps=8)
    p.page.mouse.up()
    frame.locator(".leaflet-draw-actions a").filter(has_text="Save").click()
    save_geometry(p, "入口在南侧")
    p.page.get_by_text(re.compile(r"已保存:改动 #\d+")).wait_for(timeout=WAIT_MS)
    edit = store_edits(record)[-1]
    old = shapely.geometry.shape(edit.changes["geometry"]["before"])
    new = shapely.geometry.shape(edit.changes["geometry"]["after"])
    assert edit.reason == "入口在南侧" and new.geom_type == "Point"
    assert new.x > old.x and new.y < old.y  # dragged right and down
