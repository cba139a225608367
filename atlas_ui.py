"""Streamlit glue shared by the pages: cached data, language, filters ↔ URL, detail panel.

Thin by design: every decision lives in geo/ or layers/; this module only
connects widgets, the query string and the session to them.
"""

from __future__ import annotations

import html

import streamlit as st

from geo import boundaries
from geo.catalog import Atlas, project_detail
from geo.filters import FilterSpec
from geo.i18n import t
from geo.model import ACTIONS, CATEGORIES, PRECISIONS, STATUSES, label


@st.cache_resource(show_spinner=False)
def get_atlas() -> Atlas:
    """Catalog, boundaries and the district join, loaded and joined once per process."""
    return Atlas()


@st.cache_resource(show_spinner=False)
def web_units():
    return boundaries.filter_units(resolution="web")


@st.cache_resource(show_spinner=False)
def place_names() -> dict:
    """Representative point → unit name, for group badges."""
    from geo import gazetteer

    units = boundaries.load()
    return {tuple(round(v, 6) for v in gazetteer.district_point(n)[:2]): n for n in units.name_zh}


def language() -> str:
    """中文 by default; the choice lives in the URL (``lang=en``) and the sidebar."""
    if "lang" not in st.session_state:
        st.session_state.lang = "en" if st.query_params.get("lang") == "en" else "zh"
    choice = st.sidebar.radio(t("language"), ["中文", "English"], index=0 if st.session_state.lang == "zh" else 1, horizontal=True, key="lang_radio")
    st.session_state.lang = "zh" if choice == "中文" else "en"
    return st.session_state.lang


def sidebar_filters(atlas: Atlas, lang: str) -> FilterSpec:
    """The filter widgets, initialised from the URL once per session; bad URL values get a notice."""
    if "spec" not in st.session_state:
        spec, notices = FilterSpec.from_query(dict(st.query_params), plan_ids=list(atlas.plans), district_codes=atlas.district_codes)
        st.session_state.spec = spec
        st.session_state.url_notices = notices
    if st.session_state.get("url_notices"):
        st.warning(t("notice_bad_query", lang) + " " + "; ".join(st.session_state.url_notices))
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
    """Write the state to the query string so the address bar is a shareable link."""
    wanted = {**spec.to_query(), **({"lang": "en"} if lang == "en" else {})}
    for key in ("base", "shade", "p", "lat", "lon", "z"):
        value = extra.get(key, st.query_params.get(key))
        if value not in (None, ""):
            wanted[key] = str(value)
    if dict(st.query_params) != wanted:
        st.query_params.from_dict(wanted)


@st.cache_data(show_spinner=False, max_entries=64)
def filtered_ids(spec: FilterSpec) -> list[str]:
    atlas = get_atlas()
    return spec.apply(atlas.projects, atlas.joined)["id"].tolist()


def filtered(spec: FilterSpec):
    atlas = get_atlas()
    return atlas.projects[atlas.projects["id"].isin(set(filtered_ids(spec)))]


def show_detail(atlas: Atlas, project_id: str, lang: str) -> dict | None:
    """The detail panel of one project (outside the map). Text goes through st.markdown
    with HTML escaped, so names and quotes can never inject markup."""
    d = project_detail(atlas, project_id)
    if d is None:
        return None
    e = html.escape
    name = d["name_zh"] if lang == "zh" else d["name_en"]
    other = d["name_en"] if lang == "zh" else d["name_zh"]
    st.markdown(f"#### {e(name)}\n{e(other)} · `{e(d['id'])}`")
    st.markdown(
        f"**{e(t('category', lang))}:** {e(label(CATEGORIES, d['category'], lang=lang))}  \n"
        f"**{e(t('status', lang))}:** {e(label(STATUSES, d['status'], lang=lang))} ({e(t('as_of', lang))} {e(str(d['status_as_of']))}, {e(atlas.plan_titles(lang=lang).get(d['status_source'], d['status_source']))})  \n"
        f"**{e(t('precision', lang))}:** {e(label(PRECISIONS, d['location_precision'], lang=lang))} — {e(d['location_note'] or '')}"
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


def get_atlas() -> Atlas:
    """The cached :class:`Atlas`, loaded again when the store gained edits (from any process:
    the app, another app process on the same store, or the command line), so a reload shows them."""
    token = store_token()
    if token != _store_seen["token"]:
        if _store_seen["token"] is not None or token is not None:
            _atlas_cached.clear()
            filtered_ids.clear()
        _store_seen["token"] = token
    return _atlas_cached()


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
    st.markdown(f"**{html.escape(t('record_history', lang))}**")
    if not rows:
        st.caption(t("no_edits", lang))
        return
    e = html.escape
    lines = []
    for edit in reversed(rows):
        head = f"- `#{edit.id}` {edit.created_at:%Y-%m-%d %H:%M} UTC · {e(edit.author)} · {e(edit.reason)}" + (f" ({e(edit.source)})" if edit.source else "")
        fields = [f"  - {e(name)}: {e(_value_text(c.get('before')))} → {e(_value_text(c.get('after')))}" for name, c in edit.changes.items()]
        lines.append("\n".join([head, *fields]))
    st.markdown("\n".join(lines))


def compare_map(before: dict | None, after: dict | None, *, key: str, lang: str, height: int = 320) -> None:
    """A small map of a record's current geometry (grey, dashed) and the proposed one (red).

    No base-map tiles (works offline); the district boundaries around them give the context.
    """
    import folium
    import geopandas as gpd
    import shapely
    from streamlit_folium import st_folium

    from geo.edits import to_geometry
    from layers.assets import localize

    geoms = [g for g in (to_geometry(before), to_geometry(after)) if g is not None]
    if not geoms:
        return
    w, s, e_, n = shapely.bounds(shapely.GeometryCollection(geoms)).tolist()
    pad = max(e_ - w, n - s, 0.01) * 0.3
    m = folium.Map(tiles=None, control_scale=True)
    units = web_units().cx[w - pad : e_ + pad, s - pad : n + pad]
    folium.GeoJson(units[["name_zh", "name_en", "geometry"]].to_json(), style_function=lambda _: {"color": "#888", "weight": 1, "fill": False},
                   tooltip=folium.GeoJsonTooltip(["name_zh" if lang == "zh" else "name_en"], labels=False)).add_to(m)
    styles = ({"color": "#666", "weight": 4, "dashArray": "6 6", "fillOpacity": 0.1}, {"color": "#d62728", "weight": 4, "fillOpacity": 0.2})
    for geom, style in zip((to_geometry(before), to_geometry(after)), styles, strict=True):
        if geom is None:
            continue
        layer = gpd.GeoSeries([geom], crs="EPSG:4326")
        if geom.geom_type in ("Point", "MultiPoint"):
            for pt in shapely.get_parts(geom):
                folium.CircleMarker([pt.y, pt.x], radius=8, color=style["color"], dash_array=style.get("dashArray"), fill=True, fill_opacity=0.6).add_to(m)
        else:
            folium.GeoJson(layer.to_json(), style_function=lambda _, st_=style: st_).add_to(m)
    m.fit_bounds([[s - pad, w - pad], [n + pad, e_ + pad]])
    localize(m)
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
            "name_zh": st.text_input(t("name", lang) + " (中文)", key=key("name_zh")),
            "name_en": st.text_input(t("name", lang) + " (English)", key=key("name_en")),
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


def _save_form(record_id: str, values: dict, *, reason: str, source: str, user: dict, lang: str) -> None:
    from geo import edits
    from geo._errors import AtlasError, EditConflict

    base = st.session_state[f"edit_base_{record_id}"]
    changes = {k: v for k, v in values.items() if v != base["values"][k]}
    try:
        kind, n = edits.submit(record_id, changes, author=user["name"], reason=reason, source=source, base_version=base["version"])
    except EditConflict as exc:
        frame = edits.current_catalog().frame
        fresh = _form_values(frame[frame["id"] == record_id].iloc[0])
        st.session_state[f"edit_base_{record_id}"] = {"version": exc.current_version, "values": fresh}
        st.session_state[f"edit_reset_{record_id}"] = {k: v for k, v in fresh.items() if k not in changes}
        st.session_state[f"edit_msg_{record_id}"] = t("edit_conflict", lang) + "\n\n" + "\n".join(f"- {o}" for o in exc.others)
        refresh_after_edit()
        st.rerun()
    except AtlasError as exc:
        st.error(str(exc))
        return
    if kind == "edit":
        st.session_state[f"edit_base_{record_id}"] = {"version": base["version"] + 1, "values": dict(values)}
        refresh_after_edit()
        st.success(t("done_edit", lang, n=n))
    else:
        st.success(t("done_proposal", lang, n=n))
