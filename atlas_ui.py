"""Streamlit glue shared by the pages: cached data, language, filters ↔ URL, detail panel.

Thin by design: every decision lives in geo/ or layers/; this module only
connects widgets, the query string and the session to them.
"""

from __future__ import annotations

import html
import re
import threading
import time
from functools import partial

import streamlit as st

from geo import boundaries
from geo.catalog import Atlas, project_detail
from geo.filters import FilterSpec
from geo.i18n import t
from geo.model import ACTIONS, CATEGORIES, PRECISIONS, STATUSES, label
from geo.tiles import BASEMAPS

#: Characters Streamlit's markdown gives a meaning to (CommonMark, GFM autolinks, ``:colour[…]``, ``$math$``).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$:>])")
_AUTOLINK = re.compile(r":/|[wW]\.|@", flags=0)
#: Longest value echoed back from the URL in a notice.
_ECHO_CHARS = 60


def md_escape(value: object) -> str:
    """Text that did not come from our own code (names, notes, quotes, URL values), safe for ``st.markdown``.

    HTML is escaped and every markdown control character gets a backslash, so
    ``![t](http://x)`` never fetches an image, ``[log in](…)`` never becomes a
    link, ``http://x``, ``www.x`` and ``a@b.c`` are not auto-linked (a zero-width space) and ``$…$`` is not math. Line breaks
    become spaces (no new block can start). The one helper for every page.
    """
    text = html.escape(str(value), quote=False).replace("\r", " ").replace("\n", " ")
    # GFM autolinks ignore backslash escapes: a zero-width space breaks "://", "www." and "@" instead.
    text = _AUTOLINK.sub(lambda m: m.group(0)[0] + "\u200b" + m.group(0)[1:], text)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def echo(value: object) -> str:
    """A URL value quoted back in a notice: cut to a readable length, then :func:`md_escape`."""
    text = str(value)
    return md_escape(text if len(text) <= _ECHO_CHARS else text[: _ECHO_CHARS - 1] + "…")


@st.cache_resource(show_spinner=False, max_entries=1)
def get_atlas(_previous: Atlas | None = None) -> Atlas:
    """Catalog, boundaries and the district join, loaded and joined once per process.

    ``_previous`` is the atlas being replaced (not hashed): its join is kept for every record an edit
    did not change (:func:`geo.join.rejoin`), so a save does not join the whole catalog again.
    """
    return Atlas(previous=_previous)


@st.cache_resource(show_spinner=False)
def web_units():
    return boundaries.filter_units(resolution="web")


@st.cache_resource(show_spinner=False)
def place_names() -> dict:
    """Representative point → (name_zh, name_en) of its unit, for place symbols."""
    from geo import gazetteer

    units = boundaries.load()
    out = {}
    for zh, en in zip(units.name_zh, units.name_en, strict=True):
        hit = gazetteer.district_point(zh)
        if hit:
            out[(round(hit[0], 6), round(hit[1], 6))] = (zh, en)
    return out


@st.cache_resource(show_spinner=False)
def boundary_urls() -> dict[str, str]:
    """Write the web boundaries under static/ once per process; ``{crs: url}`` for the browser to fetch."""
    from layers.projects import static_boundaries

    return static_boundaries(web_units())


def boundary_url(basemap: str) -> str:
    """The static boundaries file in the coordinate frame of ``basemap``."""
    urls = boundary_urls()
    return urls.get(BASEMAPS[basemap].crs, urls["WGS84"])


def _text_for(value: str, *, prefix: str, lang: str) -> str:
    return t(prefix + value, lang)


def _basemap_name(key: str, *, lang: str) -> str:
    return BASEMAPS[key].name(lang)


def labeller(prefix: str, lang: str):
    """A widget's ``format_func`` showing ``t(prefix + value, lang)``.

    Pages use this (and :func:`basemap_labeller`) instead of a lambda: a lambda written in a page
    keeps that page's globals (its map, layers and frames) alive in the session's widget registry,
    about 20 MB per open session (docs/PERFORMANCE.md "Load").
    """
    return partial(_text_for, prefix=prefix, lang=lang)


def basemap_labeller(lang: str):
    """A widget's ``format_func`` naming a base map in ``lang`` (see :func:`labeller`)."""
    return partial(_basemap_name, lang=lang)


def language() -> str:
    """中文 by default; the choice lives in the URL (``lang=en``) and the sidebar."""
    if "lang" not in st.session_state:
        st.session_state.lang = url_state().lang
    choice = st.sidebar.radio(t("language"), ["中文", "English"], index=0 if st.session_state.lang == "zh" else 1, horizontal=True, key="lang_radio")
    st.session_state.lang = "zh" if choice == "中文" else "en"
    return st.session_state.lang


def query_dict() -> dict[str, list[str]]:
    """The query string as parameter → every value given (a repeated parameter keeps all its copies)."""
    return {k: st.query_params.get_all(k) for k in st.query_params}


def url_state():
    """Every URL parameter of this session's first page load, parsed once (:func:`geo.urlstate.parse_query`).

    The problems are kept beside it (``url_problems``) for :func:`url_notice`.
    """
    if "url_state" not in st.session_state:
        from geo.tiles import available
        from geo.urlstate import parse_query

        atlas = get_atlas()
        state, problems = parse_query(query_dict(), plan_ids=list(atlas.plans), district_codes=atlas.district_codes,
                                      project_ids=_ProjectIds(atlas), basemaps=available())
        st.session_state.url_state = state
        st.session_state.url_problems = problems
    return st.session_state.url_state


def url_notice(lang: str) -> None:
    """One notice listing the link's dropped parameters, in the page's language, values escaped; kept until the
    next page load (it does not flash away on the next rerun)."""
    problems = st.session_state.get("url_problems") or []
    if not problems:
        return
    items = []
    for p in problems:
        reason = md_escape(t(f"url_{p.reason}", lang))
        items.append(f"{reason} ({p.value})" if p.reason == "more" else f"`{md_escape(p.parameter)}`={echo(p.value)}: {reason}")
    st.warning(md_escape(t("notice_bad_query", lang)) + " " + "; ".join(items))


def sidebar_filters(atlas: Atlas, lang: str) -> FilterSpec:
    """The filter widgets, initialised from the URL once per session; bad URL values get a notice."""
    catalog_notice(lang)
    if "spec" not in st.session_state:
        st.session_state.spec = url_state().spec
    url_notice(lang)
    spec: FilterSpec = st.session_state.spec
    sb = st.sidebar
    sb.header(t("filters", lang))
    plans = sb.multiselect(t("plan", lang), list(atlas.plans), default=list(spec.plans), format_func=lambda p: atlas.plan_titles(lang=lang)[p], key="f_plan", placeholder=t("all", lang))
    statuses = sb.multiselect(t("status", lang), list(STATUSES), default=list(spec.statuses), format_func=lambda s: label(STATUSES, s, lang=lang), key="f_status", placeholder=t("all", lang))
    categories = sb.multiselect(t("category", lang), list(CATEGORIES), default=list(spec.categories), format_func=lambda c: label(CATEGORIES, c, lang=lang), key="f_category", placeholder=t("all", lang))
    names = atlas.district_names(lang=lang)
    districts = sb.multiselect(t("district", lang), atlas.district_codes, default=list(spec.districts), format_func=lambda a: names.get(a, a), key="f_district", placeholder=t("all", lang))
    precisions = sb.multiselect(t("precision", lang), list(PRECISIONS), default=list(spec.precisions), format_func=lambda p: label(PRECISIONS, p, lang=lang), key="f_precision", placeholder=t("all", lang))
    years = sorted({a["target_year"] for atts in atlas.projects.plans for a in atts if a.get("target_year")}) or [2025]
    lo, hi = min(years), max(years)
    chosen = sb.slider(t("target_year", lang), lo, hi, (spec.year_min or lo, spec.year_max or hi), key="f_years") if lo < hi else (lo, hi)
    text = sb.text_input(t("search", lang), value=spec.text, key="f_text")
    new = FilterSpec(
        plans=tuple(plans), statuses=tuple(statuses), categories=tuple(categories), districts=tuple(districts), precisions=tuple(precisions),
        year_min=chosen[0] if chosen[0] > lo else None, year_max=chosen[1] if chosen[1] < hi else None, text=text.strip(),
    )
    st.session_state.spec = new
    sync_url(new, lang)
    return new


def sync_url(spec: FilterSpec, lang: str, **extra: str | None) -> None:
    """Write the state to the query string so the address bar is a shareable link.

    ``base``, ``shade`` and ``p`` come from ``extra`` when given, else stay as
    they are when they parse (:func:`address_state`; a bad value is dropped).
    ``lat``/``lon``/``z`` are the view the map last reported (:func:`view_input`)
    when there is one, so a rerun never writes back a view older than the one
    on screen.
    """
    wanted = {**spec.to_query(), **({"lang": "en"} if lang == "en" else {})}
    now = address_state()
    carried = {"base": None if now.base == "none" else now.base, "shade": None if now.shade == "none" else now.shade, "p": now.selected,
               **(now.view.to_query() if now.view else {})}
    for key in ("base", "shade", "p", "lat", "lon", "z"):
        value = extra.get(key, carried.get(key))
        if value not in (None, ""):
            wanted[key] = str(value)
    reported = reported_view()
    if reported is not None:
        wanted.update(reported.to_query())
    if dict(st.query_params) != wanted:
        st.query_params.from_dict(wanted)


class _ProjectIds:
    """``id in ids`` for the catalog's project ids, without listing a million of them on every rerun."""

    def __init__(self, atlas: Atlas) -> None:
        self.atlas = atlas

    def __contains__(self, value: object) -> bool:
        return bool((self.atlas.projects["id"] == value).any())


def address_state():
    """The address bar's parameters as they are now, parsed (:func:`geo.urlstate.parse_query`; problems ignored:
    the notice speaks of the link the session opened with, :func:`url_notice`)."""
    from geo.tiles import available
    from geo.urlstate import parse_query

    atlas = get_atlas()
    state, _ = parse_query(query_dict(), plan_ids=list(atlas.plans), district_codes=atlas.district_codes,
                           project_ids=_ProjectIds(atlas), basemaps=available())
    return state


def current_base() -> str:
    """The base map the map page shows: its ``base`` in the address when valid, else the link's, else ``none``."""
    base = address_state().base
    return base if base != "none" else url_state().base


#: Key of the hidden text input the map's script fills with its view (layers.view).
VIEW_KEY = "atlas_view"
_VIEW_CSS = "<style>.st-key-atlas_view, .st-key-atlas_view_loader { display: none !important; }</style>"


def view_input(lang: str):
    """The hidden input the map's view script fills (:mod:`layers.view`); returns the last reported view or None.

    ``on_change="ignore"``: a pan stages the value in the browser without a
    rerun; Streamlit sends it with the next rerun, whatever causes it. A valid
    report is kept in ``st.session_state.map_view`` (for :func:`sync_url` and
    the Export page's "map's current view").
    """
    st.html(_VIEW_CSS)
    st.text_input(t("map_view_field", lang), key=VIEW_KEY, on_change="ignore", live="0ms", label_visibility="collapsed")
    return reported_view()


def reported_view():
    """The last valid view the map reported (``st.session_state.map_view``), updated from the hidden input's
    value as this run received it (readable before the input is drawn, so every ``sync_url`` of the run agrees)."""
    from geo.urlstate import parse_reported_view

    view = parse_reported_view(st.session_state.get(VIEW_KEY))
    if view is not None:
        st.session_state.map_view = view
    return st.session_state.get("map_view")


def view_from_other_page(lang: str):
    """On a page without the map: :func:`view_input` plus a hidden frame that stages the tab's last
    reported view (kept by the map's script in sessionStorage), so the next rerun brings it here."""
    from layers.view import loader_html

    view = view_input(lang)
    with st.container(key="atlas_view_loader"):
        st.iframe(loader_html(input_key=VIEW_KEY), height=1)
    return view


@st.cache_data(show_spinner=False, max_entries=64)
def filtered_ids(spec: FilterSpec) -> list[str]:
    atlas = get_atlas()
    return spec.apply(atlas.projects, atlas.joined)["id"].tolist()


def filtered(spec: FilterSpec):
    atlas = get_atlas()
    return atlas.projects[atlas.projects["id"].isin(set(filtered_ids(spec)))]


@st.cache_resource(show_spinner=False, max_entries=16)
def project_layer_data(spec: FilterSpec, lang: str, basemap: str) -> tuple:
    """The map's project layers for one filter, language and base map, as immutable data
    (:func:`layers.projects.project_layer_data`): built once, shared by every session and rerun
    that asks again; forgotten when the catalog reloads (:func:`_reload_atlas`)."""
    from layers.projects import project_layer_data as build

    atlas = get_atlas()
    return build(filtered(spec), plans=atlas.plans, lang=lang, basemap=basemap, place_names=place_names(), units=web_units())


def location_note(record, lang: str) -> str:
    """How the record was placed, in ``lang`` (schema v2 ``location_note_zh/en``), else the v1 ``location_note``."""
    for key in (f"location_note_{lang}", "location_note"):
        value = record.get(key, None)
        if isinstance(value, str) and value.strip():
            return value
    return ""


def show_detail(atlas: Atlas, project_id: str, lang: str) -> dict | None:
    """The detail panel of one project (outside the map). Text goes through st.markdown
    with HTML escaped, so names and quotes can never inject markup."""
    try:
        d = project_detail(atlas, project_id)
    except (AttributeError, TypeError):  # a region-wide record has no geometry: no centroid, no bounds
        d = _detail_without_geometry(atlas, project_id)
    if d is None:
        return None
    e = md_escape
    name = d["name_zh"] if lang == "zh" else d["name_en"]
    other = d["name_en"] if lang == "zh" else d["name_zh"]
    st.markdown(f"#### {e(name)}\n{e(other)} · `{e(d['id'])}`")
    st.markdown(
        f"**{e(t('category', lang))}:** {e(label(CATEGORIES, d['category'], lang=lang))}  \n"
        f"**{e(t('status', lang))}:** {e(label(STATUSES, d['status'], lang=lang))} ({e(t('as_of', lang))} {e(str(d['status_as_of']))}, {e(atlas.plan_titles(lang=lang).get(d['status_source'], d['status_source']))})  \n"
        f"**{e(t('precision', lang))}:** {e(label(PRECISIONS, d['location_precision'], lang=lang))} — {e(location_note(d, lang))}"
    )
    if d["length_km"] > 0:
        st.markdown(f"**{e(t('length_km', lang))}:** {d['length_km']:.1f}")
    if d["area_km2"] > 0:
        st.markdown(f"**{e(t('area_km2', lang))}:** {d['area_km2']:.1f}")
    st.markdown(f"**{e(t('names_in_plans', lang))}**")
    for a in d["plans"]:
        year = f" · {a['target_year']}" if a.get("target_year") else ""
        st.markdown(
            f"- *{e(atlas.plan_titles(lang=lang).get(a['plan'], a['plan']))}*: {e(t('verb', lang))} “{e(a.get('verb') or '')}” "
            f"({e(label(ACTIONS, a.get('action') or '', lang=lang))}{e(year)})  \n  > {e(a['quote'])}"
        )
    if d["districts"]:
        st.markdown(f"**{e(t('districts_crossed', lang))}**")
        rows = []
        for r in d["districts"]:
            unit = r["unit_name_zh"] if lang == "zh" else r["unit_name_en"]
            finest = r["name_zh"] if lang == "zh" else r["name_en"]
            where = unit if unit == finest else f"{unit} · {finest}"
            amount = f"{r['length_km']:.1f} km" if r["measure"] == "length" else f"{r['area_km2']:.1f} km²" if r["measure"] == "area" else ""
            rows.append(f"- {e(where)} {e(amount)} ({r['share']:.0%})")
        st.markdown("\n".join(rows))
    return d


def image_extent(choice: str, spec: FilterSpec, lang: str) -> tuple[float, float, float, float] | None:
    """The briefing image's frame (west, south, east, north) for the Export page's choice; None = the projects' extent."""
    from geo.boundaries import REGION

    if choice == "region":
        return REGION
    if choice == "view":
        view = st.session_state.get("map_view")
        if view is None or view.bounds is None:
            st.info(t("frame_view_none", lang))
            return None
        w, s, e, n = view.bounds
        st.caption(t("frame_view_is", lang, w=f"{w:.3f}", s=f"{s:.3f}", e=f"{e:.3f}", n=f"{n:.3f}", z=view.z))
        return view.bounds
    if choice == "district":
        units = web_units()
        chosen = units[units.adcode.isin(spec.districts)]
        w, s, e, n = (float(v) for v in chosen.total_bounds)
        return (w, s, e, n) if len(chosen) else None
    if choice == "extent":
        text = st.text_input(t("extent_input", lang), value="106.2,29.2,106.6,29.65", key="img_extent")
        from geo._errors import FilterError
        from geo.render import parse_extent

        try:
            return parse_extent(text)
        except FilterError:
            st.warning(t("bad_extent", lang))
    return None


def _detail_without_geometry(atlas: Atlas, project_id: str) -> dict | None:
    hit = atlas.projects[atlas.projects["id"] == project_id]
    if hit.empty:
        return None
    row = hit.iloc[0]
    return {**row.to_dict(), "districts": [], "centroid": None, "bounds": None, "length_km": 0.0, "area_km2": 0.0}


def page(title_key: str):
    """The common head of every filtered page: data, language, filters, title and counts.

    Returns ``(atlas, lang, spec, shown)``.
    """
    atlas = get_atlas()
    lang = language()
    spec = sidebar_filters(atlas, lang)
    shown = filtered(spec)
    st.title(t(title_key, lang))
    st.caption(t("shown", lang, n=len(shown), total=len(atlas.projects)))
    return atlas, lang, spec, shown


# --- Workbench (store helper): sign-in, change history, review map -------------------------------


def current_user() -> dict | None:
    """The signed-in account of this session (``{"name", "role"}``), or None.

    The session holds it only after :func:`geo.store.authenticate` succeeded; the
    write functions of geo.edits/geo.review check the role again in the store.
    """
    return st.session_state.get("atlas_user")


def sign_in_box(lang: str) -> dict | None:
    """The sidebar's sign-in form (or the signed-in name and a sign-out button); returns the user."""
    from geo import store
    from geo._errors import StoreError

    sb = st.sidebar
    user = current_user()
    if user:
        sb.caption(t("signed_in_as", lang, name=user["name"], role=t(f"role_{user['role']}", lang)))
        if sb.button(t("sign_out", lang), key="sign_out"):
            del st.session_state["atlas_user"]
            st.rerun()
        return user
    with sb.expander(t("sign_in", lang)), st.form("sign_in_form", clear_on_submit=True):
        st.caption(t("sign_in_hint", lang))
        name = st.text_input(t("user_name", lang), key="sign_in_name")
        password = st.text_input(t("password", lang), type="password", key="sign_in_password")
        if st.form_submit_button(t("sign_in", lang)):
            try:
                found = store.authenticate(name, password)
            except StoreError as exc:
                found = None
                st.error(str(exc))
            if found is None:
                st.error(t("sign_in_failed", lang) if store.list_users() else t("no_accounts", lang))
            else:
                st.session_state["atlas_user"] = {"name": found.name, "role": found.role}
                st.rerun()
    return None


_atlas_cached = get_atlas
_store_seen: dict[str, object] = {"token": None}
#: The last catalog that loaded (module state, not a Streamlit cache: a cache clear, which any
#: websocket client can ask for, never drops it), the state it was loaded at and why a reload failed.
_last_good: dict[str, object] = {"atlas": None, "key": None, "error": None}
_atlas_lock = threading.Lock()


def store_token() -> object:
    """What identifies the store's state: (number of edits, last edit id); None without a store."""
    import sqlalchemy as sa

    from geo import store
    from geo._errors import StoreError

    try:
        with store.session(create=False) as s:
            if s is None:
                return None
            return tuple(s.execute(sa.select(sa.func.count(store.Edit.id), sa.func.max(store.Edit.id))).one())
    except StoreError:
        return None


def catalog_stamp() -> tuple[int, int] | None:
    """(modification time in ns, size) of the catalog file, or None when it cannot be stat'ed."""
    from geo import settings

    try:
        info = settings.projects_path.stat()
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


def get_atlas() -> Atlas:
    """The :class:`Atlas`, loaded again when the catalog file or the store changed.

    A new catalog that loads replaces the old one; one that does not (corrupt,
    invalid, missing) leaves the last good catalog in service with a visible
    notice (:func:`catalog_notice`). Only the very first load can fail the page.
    """
    start_memory_janitor()
    key = (catalog_stamp(), store_token(), _store_seen["token"])
    with _atlas_lock:
        if _last_good["atlas"] is None or key != _last_good["key"]:
            _reload_atlas(key)
        atlas = _last_good["atlas"]
    return atlas  # type: ignore[return-value]


def _reload_atlas(key: tuple) -> None:
    from geo import settings
    from geo._errors import AtlasError
    from geo._memory import freeze_long_lived, thaw_long_lived

    thaw_long_lived()  # the catalog being replaced must be collectable
    try:
        _atlas_cached.clear()
        atlas = _atlas_cached(_last_good["atlas"])
    except AtlasError as exc:
        if _last_good["atlas"] is None:
            raise
        _last_good.update(key=key, error=str(exc))  # not retried on every rerun: only when the file changes again
        return
    finally:
        if settings.freeze_catalog:
            freeze_long_lived()  # Streamlit's collection after each run then skips the catalog (geo._memory)
    _last_good.update(atlas=atlas, key=key, error=None)
    filtered_ids.clear()
    project_layer_data.clear()


_janitor: dict[str, object] = {"thread": None}


def reap_expired_sessions(storage) -> int:
    """Shut down the closed sessions whose reconnect window has passed; returns how many.

    Streamlit keeps a closed (disconnected) session in its session storage for
    ``server.disconnectedSessionTTL`` seconds so that a reconnect can resume it. After that
    the entry is only *hidden*: it is dropped when the next session disconnects and it is
    never shut down. So when the last visitor leaves, every closed session stays in memory
    with its session state, whose widget callbacks hold the page's globals (the folium map
    and its project layers). This drops them the way ``close_session`` would.

    Parameters
    ----------
    storage : streamlit.runtime.memory_session_storage.MemorySessionStorage
        The runtime's session storage. Not thread-safe: call on Streamlit's event loop.

    Returns
    -------
    int
        Sessions shut down; 0 when ``storage`` is not the in-memory kind this knows
        (another storage, or a Streamlit whose storage has no ``expire``).
    """
    expire = getattr(getattr(storage, "_cache", None), "expire", None)
    if expire is None:
        return 0
    expired = expire()
    for _session_id, info in expired:
        info.session.shutdown()
    return len(expired)


def _on_event_loop(runtime, fn):
    """Run ``fn()`` on the Streamlit runtime's event loop and return its result (waits at most 30 s)."""
    import asyncio

    async def call():
        return fn()

    loop = runtime._get_async_objs().eventloop
    return asyncio.run_coroutine_threadsafe(call(), loop).result(timeout=30)


def janitor_tick(runtime, seen: int, *, on_loop=_on_event_loop) -> int:
    """One look of the memory janitor; returns the number of sessions now.

    Reaps the sessions past their reconnect window (:func:`reap_expired_sessions`, on
    the event loop), then releases memory (:func:`geo._memory.release_memory`) when any
    session went since the last look (``seen`` sessions then).
    """
    from geo._memory import release_memory

    manager = runtime._session_mgr
    reaped = on_loop(runtime, lambda: reap_expired_sessions(getattr(manager, "_session_storage", None)))
    now = manager.num_sessions()
    if reaped or now < seen:
        release_memory()
    return now


def start_memory_janitor(*, every_s: float = 20.0) -> None:
    """Once per process: a daemon thread that, every ``every_s`` seconds, shuts down closed sessions
    past their reconnect window and releases memory (:func:`janitor_tick`), so the server shrinks
    back after a burst of visitors. ``settings.memory_janitor`` False (``ATLAS_MALLOC_TRIM=0``): none."""
    from geo import settings

    if _janitor["thread"] is not None or not settings.memory_janitor:
        return

    def run() -> None:
        from streamlit.runtime import Runtime

        seen = 0
        while True:
            time.sleep(every_s)
            try:
                runtime = Runtime.instance()
            except RuntimeError:  # no runtime (tests, bare mode): nothing to watch
                return
            try:
                seen = janitor_tick(runtime, seen)
            except Exception:  # an event loop too busy to answer in 30 s, or stopping: look again later
                continue

    _janitor["thread"] = threading.Thread(target=run, name="atlas-memory-janitor", daemon=True)
    _janitor["thread"].start()  # type: ignore[attr-defined]


def catalog_notice(lang: str) -> None:
    """Say so when the catalog on disk could not be loaded and the last good one is shown."""
    error = _last_good.get("error")
    if error:
        text = str(error)
        st.warning(md_escape(t("catalog_reload_failed", lang)) + " " + md_escape(text if len(text) <= 300 else text[:299] + "…"))


def refresh_after_edit() -> None:
    """Forget the cached catalog so every page shows the new edit (the store is the truth)."""
    _store_seen["token"] = object()  # forces a reload on the next get_atlas()


def _value_text(value) -> str:
    """A field value in a table cell: geometries as type and first vertex, long text cut."""
    import json

    if isinstance(value, dict) and "coordinates" in value:
        import shapely

        from geo.edits import to_geometry

        geom = to_geometry(value)
        x, y = shapely.get_coordinates(geom)[0]
        n = shapely.get_num_coordinates(geom)
        return f"{geom.geom_type} ({x:.5f}, {y:.5f})" + (f" … {n} vertices" if n > 1 else "")
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 120 else text[:119] + "…"


def show_history(record_id: str, lang: str) -> None:
    """The read-only 改动记录 of one record, newest first (for the detail panel)."""
    from geo import edits
    from geo._errors import StoreError

    try:
        rows = edits.load_edits(record_id=record_id)
    except StoreError as exc:
        st.caption(t("store_unavailable", lang) + str(exc))
        return
    st.markdown(f"**{md_escape(t('record_history', lang))}**")
    if not rows:
        st.caption(t("no_edits", lang))
        return
    e = md_escape
    lines = []
    for edit in reversed(rows):
        head = f"- `#{edit.id}` {edit.created_at:%Y-%m-%d %H:%M} UTC · {e(edit.author)} · {e(edit.reason)}" + (f" ({e(edit.source)})" if edit.source else "")
        fields = [f"  - {e(name)}: {e(_value_text(c.get('before')))} → {e(_value_text(c.get('after')))}" for name, c in edit.changes.items()]
        lines.append("\n".join([head, *fields]))
    st.markdown("\n".join(lines))


def compare_map(before: dict | None, after: dict | None, *, key: str, lang: str, height: int = 320) -> None:
    """A small map of a record's current geometry (grey, dashed) and the proposed one (red) (:func:`layers.edit.compare_map`)."""
    from streamlit_folium import st_folium

    from layers.edit import compare_map as build

    m = build(before, after, web_units(), lang=lang)
    if m is None:
        return
    st_folium(m, key=key, height=height, use_container_width=True, returned_objects=[])
    st.caption(t("old_vs_new", lang))


EDIT_FORM_FIELDS = ("name_zh", "name_en", "category", "status", "status_as_of", "status_source", "location_precision")


def _form_values(row) -> dict:
    return {k: (str(row[k]) if k == "status_as_of" else row[k]) for k in EDIT_FORM_FIELDS}


def edit_form(atlas: Atlas, record_id: str, lang: str, user: dict | None) -> None:
    """The detail panel's 编辑 Edit form: names, category, status with date and source, precision.

    Shown only to a signed-in account (a reviewer saves an edit, an editor a proposal); the
    write functions check the role again. Only the fields the user changed are sent, with
    the version the form started from: after someone else's change the save gets the
    conflict message showing that change, the untouched fields take the new values, and
    the user's own changes stay in the form to be saved again — nothing is lost.
    """

    if user is None:
        st.caption(t("sign_in_to_edit", lang))
        return
    hit = atlas.projects[atlas.projects["id"] == record_id]
    if hit.empty:
        return
    row = hit.iloc[0]
    base_key, key = f"edit_base_{record_id}", (lambda name: f"e_{name}_{record_id}")
    if base_key not in st.session_state:
        st.session_state[base_key] = {"version": int(row.get("version", 1) or 1), "values": _form_values(row)}
    for name, value in st.session_state.pop(f"edit_reset_{record_id}", {}).items():
        st.session_state[key(name)] = value
    for name, value in st.session_state[base_key]["values"].items():
        st.session_state.setdefault(key(name), value)
    if f"edit_msg_{record_id}" in st.session_state:
        st.error(st.session_state.pop(f"edit_msg_{record_id}"))
    plans = list(atlas.plans)
    with st.expander(t("edit_record_form", lang), expanded=True), st.form(f"edit_{record_id}"):
        st.caption(t("edit_version", lang, v=st.session_state[base_key]["version"]))
        values = {
            "name_zh": st.text_input(t("name_zh_field", lang), key=key("name_zh")),
            "name_en": st.text_input(t("name_en_field", lang), key=key("name_en")),
            "category": st.selectbox(t("category", lang), list(CATEGORIES), format_func=lambda c: label(CATEGORIES, c, lang=lang), key=key("category")),
            "status": st.selectbox(t("status", lang), list(STATUSES), format_func=lambda s: label(STATUSES, s, lang=lang), key=key("status")),
            "status_as_of": st.text_input(t("as_of", lang) + " (YYYY-MM-DD)", key=key("status_as_of")),
            "status_source": st.selectbox(t("edit_status_source", lang), plans + [p for p in [row["status_source"]] if p not in plans],
                                          format_func=lambda p: atlas.plan_titles(lang=lang).get(p, p), key=key("status_source")),
            "location_precision": st.selectbox(t("precision", lang), [*PRECISIONS, *[p for p in [row["location_precision"]] if p not in PRECISIONS]],
                                               format_func=lambda p: label(PRECISIONS, p, lang=lang), key=key("location_precision")),
        }
        reason = st.text_input(t("reason_required", lang), key=key("reason"))
        source = st.text_input(t("edit_source", lang), key=key("source"))
        saved = st.form_submit_button(t("save", lang))
    if saved:
        _save_form(record_id, values, reason=reason, source=source, user=user, lang=lang)


def _on_conflict(record_id: str, exc, changes: dict, lang: str) -> None:
    """After a conflict: the forms start from the new version, untouched fields take the new values,
    the message (shown after the rerun) lists the other change; the user's own input stays."""
    from geo import edits

    frame = edits.current_catalog().frame
    fresh = _form_values(frame[frame["id"] == record_id].iloc[0])
    st.session_state[f"edit_base_{record_id}"] = {"version": exc.current_version, "values": fresh}
    st.session_state[f"edit_reset_{record_id}"] = {k: v for k, v in fresh.items() if k not in changes}
    st.session_state[f"edit_msg_{record_id}"] = t("edit_conflict", lang) + "\n\n" + "\n".join(f"- {o}" for o in exc.others)
    refresh_after_edit()
    st.rerun()


def _save_form(record_id: str, values: dict, *, reason: str, source: str, user: dict, lang: str) -> None:
    from geo import edits
    from geo._errors import AtlasError, EditConflict

    base = st.session_state[f"edit_base_{record_id}"]
    changes = {k: v for k, v in values.items() if v != base["values"][k]}
    try:
        kind, n = edits.submit(record_id, changes, author=user["name"], reason=reason, source=source, base_version=base["version"])
    except EditConflict as exc:
        _on_conflict(record_id, exc, changes, lang)
    except AtlasError as exc:
        st.error(str(exc))
        return
    if kind == "edit":
        st.session_state[f"edit_base_{record_id}"] = {"version": base["version"] + 1, "values": dict(values)}
        refresh_after_edit()
        st.success(t("done_edit", lang, n=n))
    else:
        st.success(t("done_proposal", lang, n=n))
# --- The map page ---------------------------------------------------------------------------------

_MAP_CSS = """
<style>
iframe[title="streamlit_folium.st_folium"] { height: calc(100vh - 10rem) !important; min-height: 420px; }
@media (max-width: 640px) { iframe[title="streamlit_folium.st_folium"] { height: 68vh !important; min-height: 320px; } }
.block-container { padding-top: 3.5rem; padding-bottom: 1rem; }
.block-container h1 { font-size: 1.5rem; padding: 0; }
</style>
"""


def map_page_css() -> None:
    """The map fills the viewport height (a phone keeps a strip of page to scroll by)."""
    st.html(_MAP_CSS)


def init_view_and_selection(atlas: Atlas, lang: str) -> None:
    """Once per session: the initial view (``lat``/``lon``/``z``) and selection (``p``) from the URL.

    Parsed with every other parameter by :func:`url_state` (bad values are in
    its one notice). A link with a view opens at exactly that view: neither
    its district filter nor its project re-frames the map until the planner
    changes the districts or asks to zoom.
    """
    if "view" in st.session_state:
        return
    state = url_state()
    view = state.view
    st.session_state.view = ((view.lat, view.lon), view.z) if view else (None, None)
    st.session_state.view_pinned = state.spec.districts if view else None
    st.session_state.selected = state.selected
    st.session_state.frame_request = ("p", state.selected, 0) if state.selected and not view else None
    st.session_state.last_click = None


def rebuilt_view(signature: tuple) -> tuple:
    """The base map's (location, zoom): the session's initial view, or — when ``signature`` (what the base
    map is built from) changed since the last run, so the browser builds a new map anyway — the view the
    map last reported. Within one base map the view never changes (the browser keeps its map)."""
    before = st.session_state.get("base_signature")
    st.session_state.base_signature = signature
    reported = st.session_state.get("map_view")
    if before is not None and before != signature and reported is not None:
        st.session_state.view = ((reported.lat, reported.lon), reported.z)
        st.session_state.view_pinned = st.session_state.get("frame_districts")
    return st.session_state.view


def shading_values(shown, shade: str):
    """The shaded value per unit adcode for the chosen choropleth, or None."""
    if shade == "none":
        return None
    from geo.stats import district_stats

    atlas = get_atlas()
    stats = district_stats(shown, atlas.joined, atlas.units).set_index("unit_adcode")
    return stats["projects"] if shade == "count" else stats["km:rail"]


def _selection_geometry(atlas: Atlas, selected: str | None):
    """The selected project's geometry, or the place's point, as a GeoSeries (empty if none)."""
    import geopandas as gpd
    import shapely

    if not selected:
        return gpd.GeoSeries([], crs=4326)
    if selected.startswith("G:"):
        lon, lat = (float(v) for v in selected[2:].split(","))
        return gpd.GeoSeries([shapely.Point(lon, lat)], crs=4326)
    hit = atlas.projects[atlas.projects["id"] == selected]
    geoms = hit.geometry[~(hit.geometry.isna() | hit.geometry.is_empty)]
    return gpd.GeoSeries(geoms.values, crs=4326)


def selection_layers(atlas: Atlas, spec: FilterSpec, basemap: str, lang: str) -> list:
    """Outline of the filtered districts, the selected project's highlight, and the framing.

    A district filter frames its districts; a ``?p=`` link or the "zoom to"
    button frames the project. Framing happens once per request (a token), so
    later reruns do not move a map the planner has panned.
    """
    from layers.projects import REGION_VIEW, fit_region, frame_layer, highlight_layer

    layers = []
    units = web_units()
    chosen = units[units.adcode.isin(spec.districts)]
    if len(chosen):
        layers.append(highlight_layer(chosen.geometry.boundary, basemap=basemap, color="#1f3b57", name="district"))
    selected = _selection_geometry(atlas, st.session_state.selected)
    if len(selected):
        layers.append(highlight_layer(selected, basemap=basemap, color="#ffb000", name="selected"))
    if st.session_state.get("frame_districts", spec.districts) != spec.districts:
        st.session_state.frame_request = None  # a district filter chosen after a ?p= link or "zoom to" wins
    st.session_state.frame_districts = spec.districts
    if st.session_state.get("view_pinned") not in (None, spec.districts):
        st.session_state.view_pinned = None  # a link's exact view holds until the districts change
    request = st.session_state.frame_request
    if request and request[0] == "p" and len(selected):
        w, s, e, n = selected.total_bounds
        pad = 0.02 if (e - w) < 0.04 else 0.0
        box, token = (w - pad, s - pad, e + pad, n + pad), f"p:{request[1]}:{request[2]}"
    elif st.session_state.get("view_pinned") is not None:
        return layers
    elif len(chosen):
        box, token = tuple(chosen.total_bounds), "d:" + ",".join(sorted(spec.districts))
    elif st.session_state.get("framed_once"):
        box, token = fit_region(REGION_VIEW), "region"
    else:
        return layers
    st.session_state.frame_token = token
    st.session_state.framed_once = True
    if box:
        import geopandas as gpd
        import shapely

        from layers.basemaps import display_frame

        shifted = display_frame(gpd.GeoDataFrame(geometry=[shapely.box(*box)], crs=4326), basemap)
        layers.append(frame_layer(tuple(shifted.total_bounds), token=token))
    return layers


def handle_click(out: dict | None, shown, basemap: str, lang: str) -> bool:
    """Turn the map's last click into a selection: a project (id in its tooltip) or a place symbol.

    Returns True when the selection changed (the page reruns to redraw the highlight).
    """
    from layers.projects import clicked_id, group_key, place_at, place_groups

    out = out or {}
    tooltip, where = out.get("last_object_clicked_tooltip"), out.get("last_object_clicked")
    click = (tooltip, tuple(sorted((where or {}).items())))
    if not (tooltip or where) or click == st.session_state.get("last_click"):
        return False
    st.session_state.last_click = click
    new = clicked_id(tooltip)
    if new is None and where:
        lat, lng = where.get("lat"), where.get("lng")
        if BASEMAPS[basemap].crs != "WGS84":
            lng, lat = _to_wgs84(lng, lat, basemap)
        places = place_groups(shown)
        i = place_at(places, lat, lng, tolerance=2e-4)
        new = group_key(places.lon.iat[i], places.lat.iat[i]) if i is not None else None
    if new and new != st.session_state.selected:
        st.session_state.selected = new
        return True
    return False


def _to_wgs84(lng: float, lat: float, basemap: str) -> tuple[float, float]:
    import shapely

    from geo import coords

    p = coords.convert(shapely.Point(lng, lat), source=BASEMAPS[basemap].crs)
    return p.x, p.y


def _project_table(frame, atlas: Atlas, lang: str):
    import pandas as pd

    titles = atlas.plan_titles(lang=lang)
    names = frame.name_zh if lang == "zh" else frame.name_en
    table = pd.DataFrame({
        "id": frame.id.to_numpy(),
        t("name", lang): names.to_numpy(),
        t("category", lang): [label(CATEGORIES, c, lang=lang) for c in frame.category],
        t("status", lang): [label(STATUSES, s, lang=lang) for s in frame.status],
        t("plans_col", lang): ["、".join(titles.get(p, p) for p in ps) if lang == "zh" else "; ".join(titles.get(p, p) for p in ps) for ps in frame.plan_ids],
    })
    return table.sort_values([t("category", lang), t("name", lang)], kind="stable").reset_index(drop=True)


def _place_list(atlas: Atlas, shown, lang: str, selected: str, *, editing: bool = False) -> None:
    """The projects at one place: a search box and a sorted table; clicking a row opens the detail."""
    from layers.projects import place_groups

    lon, lat = (float(v) for v in selected[2:].split(","))
    places = place_groups(shown, lang=lang, place_names=place_names(), units=web_units())
    hit = places[(places.lon.round(5) == round(lon, 5)) & (places.lat.round(5) == round(lat, 5))]
    if hit.empty:
        st.info(t("notice_not_shown", lang))
        return
    g = hit.iloc[0]
    st.markdown("**" + md_escape(t("group_list", lang, place=g["name"], n=g.n, level=label(PRECISIONS, g.precision, lang=lang))) + "**")
    query = st.text_input(t("group_search", lang), key=f"place_q_{selected}")
    frame = shown[shown.id.isin(g.ids)]
    if query.strip():
        frame = frame[frame.search_text.str.contains(query.strip().lower(), regex=False) | frame.name_zh.str.contains(query.strip(), regex=False)]
    table = _project_table(frame, atlas, lang)
    st.caption(t("group_pick_hint", lang))
    event = st.dataframe(table.drop(columns="id"), hide_index=True, use_container_width=True, height=min(36 + 35 * len(table), 320), on_select="rerun", selection_mode="single-row", key=f"place_tbl_{selected}_{query}")
    rows = event.selection.rows if event else []
    if rows and editing:  # edit mode: the picked project becomes the selection (Draw starts from its geometry)
        st.session_state.selected = table.id.iat[rows[0]]
        st.rerun()
    if rows:
        show_detail(atlas, table.id.iat[rows[0]], lang)


def selection_panel(atlas: Atlas, shown, lang: str, *, user: dict | None = None, drawn=None) -> None:
    """The side panel: the selected place's list of projects, or the selected project's detail,
    its 改动记录, and — in edit mode (``user`` given) — the edit forms and the drawn geometry."""
    st.subheader(t("detail", lang))
    selected = st.session_state.selected
    if selected and selected.startswith("G:"):
        _place_list(atlas, shown, lang, selected, editing=user is not None)
    elif selected:
        if user is not None and drawn is not None:  # edit mode with a drawing: its save form comes first
            _edit_messages(selected)
            geometry_form(atlas, selected, lang, user, drawn)
        detail = show_detail(atlas, selected, lang)
        if detail and detail.get("centroid") and st.button(t("zoom_to", lang), key="zoom_btn"):
            n = (st.session_state.frame_request or ("p", selected, 0))[2] + 1
            st.session_state.frame_request = ("p", selected, n)
            st.session_state.frame_token = None
            st.rerun()
        if detail and user is not None:
            edit_panel(atlas, selected, lang, user, drawn)
        if detail:
            show_history(selected, lang)
    else:
        if "edit_flash" in st.session_state:
            st.success(st.session_state.pop("edit_flash"))
        st.info(t("draw_select_hint" if user else "click_hint", lang))


def region_wide_panel(shown, lang: str, *, editing: bool = False) -> None:
    """Records with no place of their own (``location_precision == "region"``), listed beside the map.

    Records known only to a district or city have no geometry either, but they are
    reached through that unit's symbol on the map (see :func:`geo.catalog.symbol_points`).
    In edit mode a row can be picked: it becomes the selection, so it can be given a place by drawing."""
    if "location_precision" not in shown.columns:
        return
    region = shown[shown.location_precision == "region"]
    if region.empty:
        return
    with st.expander(f"{t('region_wide', lang)} ({len(region)})", expanded=False):
        st.caption(t("region_wide_help", lang))
        table = _project_table(region, get_atlas(), lang)
        scope = region.set_index("id")["scope"] if "scope" in region.columns else None
        table.insert(2, t("scope", lang), [str(scope.get(i) or "") if scope is not None else "" for i in table.id])
        if not editing:
            st.dataframe(table.drop(columns="id"), hide_index=True, use_container_width=True)
            return
        event = st.dataframe(table.drop(columns="id"), hide_index=True, use_container_width=True, on_select="rerun", selection_mode="single-row", key="region_tbl")
        rows = event.selection.rows if event else []
        if rows and table.id.iat[rows[0]] != st.session_state.selected:
            st.session_state.selected = table.id.iat[rows[0]]
            st.rerun()


# --- The map's edit mode (workbench2): Draw on the map, geometry/merge/not-a-project in the detail panel ---

#: Precisions a drawn place can have (a district or city stand-in is never drawn by hand).
DRAWN_PRECISIONS = ("exact", "approximate", "town")


def edit_mode_toggle(user: dict | None, lang: str) -> bool:
    """The sidebar's 编辑/Edit switch, shown only to a signed-in account; False for everyone else."""
    if user is None:
        return False
    return st.sidebar.toggle(t("edit_mode", lang), key="edit_mode", help=t("edit_mode_help", lang))


def map_key(editing: bool) -> str:
    """The map component's key: browse mode keeps one key (fast reruns); edit mode a key per selection
    and per save, so a new selection or a saved drawing starts from a clean Draw state."""
    if not editing:
        return "atlas_map"
    return f"atlas_map_edit_{st.session_state.get('selected')}_{st.session_state.get('draw_n', 0)}"


def add_edit_tools(m, atlas: Atlas, basemap: str):
    """The base map with leaflet-draw, its editable group holding the selected project's geometry."""
    from layers.edit import add_draw_tools

    selected = st.session_state.get("selected")
    # The geometry as it was when this drawing started: someone else's save meanwhile must not
    # change this map (streamlit-folium would draw it anew and lose the drawing); the save then
    # gets the conflict message instead.
    started = st.session_state.setdefault("draw_started", {})
    token = map_key(True)
    if token not in started:
        hit = atlas.projects[atlas.projects["id"] == selected] if selected and not selected.startswith("G:") else atlas.projects.iloc[:0]
        started.clear()
        started[token] = hit.geometry.iat[0] if len(hit) else None
    return add_draw_tools(m, started[token], basemap=basemap)


def drawing(out: dict | None, basemap: str):
    """The geometry drawn or moved on the map in edit mode (WGS84 shapely), or None."""
    from layers.edit import drawn_geometry

    return drawn_geometry((out or {}).get("all_drawings"), basemap=basemap)


def _edit_base(atlas: Atlas, record_id: str) -> dict | None:
    """The version (and form values) this session's editing of ``record_id`` started from; shared by all forms."""
    hit = atlas.projects[atlas.projects["id"] == record_id]
    if hit.empty:
        return None
    row = hit.iloc[0]
    key = f"edit_base_{record_id}"
    if key not in st.session_state:
        st.session_state[key] = {"version": int(row.get("version", 1) or 1), "values": _form_values(row)}
    return st.session_state[key]


def _after_save(record_id: str, message: str, *, reset: dict | None = None, deselect: bool = False) -> None:
    """A saved edit: the forms start from the new version, the map from a clean drawing; show ``message`` after the rerun."""
    st.session_state.pop(f"edit_base_{record_id}", None)
    if reset:
        st.session_state[f"edit_reset_{record_id}"] = reset
    st.session_state["draw_n"] = st.session_state.get("draw_n", 0) + 1
    st.session_state["edit_flash"] = message
    if deselect:
        st.session_state.selected = None
    refresh_after_edit()
    st.rerun()


def _submit(record_id: str, changes: dict, *, user: dict, reason: str, source: str, lang: str, base: dict) -> tuple[str, int] | None:
    """``geo.edits.submit`` with the page's messages: None when refused (the message is shown, nothing written)."""
    from geo import edits
    from geo._errors import AtlasError, EditConflict

    try:
        return edits.submit(record_id, changes, author=user["name"], reason=reason, source=source, base_version=base["version"])
    except EditConflict as exc:
        _on_conflict(record_id, exc, changes, lang)
    except AtlasError as exc:
        st.error(str(exc))
    return None


def _done_text(kind: str, n: int, lang: str) -> str:
    return t("done_edit", lang, n=n) if kind == "edit" else t("done_proposal", lang, n=n)


def geometry_form(atlas: Atlas, record_id: str, lang: str, user: dict, drawn) -> None:
    """The drawn or moved geometry of the selected record, with precision, reason and source; saves through
    ``geo.edits.submit`` (validated as ``geo validate``; a reviewer's is an edit, an editor's a proposal)."""
    import shapely

    base = _edit_base(atlas, record_id)
    if base is None:
        return
    current = atlas.projects.loc[atlas.projects["id"] == record_id].geometry.iat[0]
    if drawn is None or (current is not None and not shapely.is_empty(current) and shapely.equals_exact(drawn, current, 1e-6)):
        st.info(t("draw_hint", lang))
        return
    name = base["values"]["name_zh" if lang == "zh" else "name_en"]
    st.markdown(f"**{html.escape(t('new_geometry', lang))} · {html.escape(str(name))}:** {html.escape(_value_text(shapely.geometry.mapping(drawn)))}")
    now = base["values"]["location_precision"]
    options = list(DRAWN_PRECISIONS)
    with st.form(f"geom_{record_id}"):
        precision = st.selectbox(t("geometry_precision", lang), options, index=options.index(now) if now in options else 1,
                                 format_func=lambda p: label(PRECISIONS, p, lang=lang), key=f"g_precision_{record_id}")
        reason = st.text_input(t("reason_required", lang), key=f"g_reason_{record_id}")
        source = st.text_input(t("edit_source", lang), key=f"g_source_{record_id}")
        saved = st.form_submit_button(t("save_geometry", lang), type="primary")
    if not saved:
        return
    changes = {"geometry": shapely.geometry.mapping(drawn), "location_precision": precision}
    done = _submit(record_id, changes, user=user, reason=reason, source=source, lang=lang, base=base)
    if done:
        _after_save(record_id, _done_text(*done, lang), reset={"location_precision": precision} if done[0] == "edit" else None)


def merge_form(atlas: Atlas, record_id: str, lang: str, user: dict) -> None:
    """Merge a duplicate into the selected record (reviewers: ``geo.edits.merge``, two edits in one transaction)."""
    from geo import edits
    from geo._errors import AtlasError, EditConflict

    with st.expander(t("merge_title", lang)):
        st.caption(t("merge_help", lang))
        if user["role"] != "reviewer":
            st.caption(t("reviewer_only", lang))
            return
        with st.form(f"merge_{record_id}"):
            other = st.text_input(t("merge_other", lang), key=f"m_other_{record_id}").strip().upper()
            reason = st.text_input(t("reason_required", lang), key=f"m_reason_{record_id}")
            saved = st.form_submit_button(t("merge_button", lang))
        hit = atlas.projects[atlas.projects["id"] == other]
        if len(hit):
            st.caption(t("merge_target", lang, name=hit["name_zh" if lang == "zh" else "name_en"].iat[0]))
        if not saved:
            return
        base = _edit_base(atlas, record_id) or {"version": None}
        try:
            made = edits.merge(record_id, other, author=user["name"], reason=reason, keep_version=base["version"])
        except EditConflict as exc:
            _on_conflict(record_id, exc, {}, lang)
        except AtlasError as exc:
            st.error(str(exc))
        else:
            _after_save(record_id, t("done_edit", lang, n=made[-1].id))


def not_project_form(atlas: Atlas, record_id: str, lang: str, user: dict) -> None:
    """Mark the selected record as a designation (kept, hidden by default) or as no project at all (removed)."""
    with st.expander(t("not_project_title", lang)), st.form(f"notproj_{record_id}"):
        how = st.radio(t("not_project_how", lang), ["designation", "removed"], format_func=lambda h: t(f"not_project_{h}", lang), key=f"np_how_{record_id}")
        reason = st.text_input(t("reason_required", lang), key=f"np_reason_{record_id}")
        source = st.text_input(t("edit_source", lang), key=f"np_source_{record_id}")
        saved = st.form_submit_button(t("not_project_button", lang))
    if not saved:
        return
    base = _edit_base(atlas, record_id)
    if base is None:
        return
    changes = {"kind": "designation"} if how == "designation" else {"removed": True}
    done = _submit(record_id, changes, user=user, reason=reason, source=source, lang=lang, base=base)
    if done:
        _after_save(record_id, _done_text(*done, lang), deselect=done[0] == "edit")


def _edit_messages(record_id: str) -> None:
    """The last save's outcome (success, or the conflict with the other change), shown once."""
    if "edit_flash" in st.session_state:
        st.success(st.session_state.pop("edit_flash"))
    if f"edit_msg_{record_id}" in st.session_state:
        st.error(st.session_state.pop(f"edit_msg_{record_id}"))


def edit_panel(atlas: Atlas, record_id: str, lang: str, user: dict, drawn) -> None:
    """Everything the detail panel offers in edit mode for one record."""
    _edit_messages(record_id)
    if drawn is None:  # with a drawing, the panel showed its form above the detail
        geometry_form(atlas, record_id, lang, user, drawn)
    edit_form(atlas, record_id, lang, user)
    merge_form(atlas, record_id, lang, user)
    not_project_form(atlas, record_id, lang, user)
