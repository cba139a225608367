"""Consistency checks of the catalog against the boundaries and the sources.

Each returns :class:`geo.validate.Problem` objects (severity ``error``);
``python -m geo report`` prints them and the tests require there are none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely

from geo import boundaries, settings
from geo.validate import Problem

if TYPE_CHECKING:
    from geo.catalog import Atlas
    from geo.model import Plan


def admin_stated_joined(atlas: Atlas) -> list[Problem]:
    """Every district a record's text states must be among the districts it joins to.

    A stated Sichuan city matches any of its counties; a stated Chongqing
    district matches itself.
    """
    names = atlas.joined.groupby("id").agg(units=("unit_name_zh", set), finest=("name_zh", set))
    wide = _wide_scope_members()
    scopes = atlas.projects["scope"] if "scope" in atlas.projects.columns else [None] * len(atlas.projects)
    out = []
    for row, (pid, stated, scope) in enumerate(zip(atlas.projects["id"], atlas.projects["admin_stated"], scopes, strict=True)):
        if not stated:
            continue
        have = names.loc[pid, "units"] | names.loc[pid, "finest"] if pid in names.index else set()
        have = have | wide.get(scope, set())  # a record scoped to 重庆市 covers every district the text names
        missing = [d for d in stated if d not in have]
        if missing:
            out.append(Problem(row, pid, "admin_stated", f"text places it in {'、'.join(missing)} but its geometry does not reach there (joins: {'、'.join(sorted(have)) or 'none'})"))
    return out


#: Districts of the 两江新区 (a state-level new area, not an administrative unit).
LIANGJIANG_DISTRICTS = ("江北区", "渝北区", "北碚区")


def _wide_scope_members() -> dict[str, set[str]]:
    """The unit names each scope wider than one unit covers (重庆市, 四川省, 成渝地区, 两江新区)."""
    units = boundaries.load()
    cq = set(units.loc[units.adcode.str.startswith("50"), "name_zh"])
    sc = set(units.loc[units.adcode.str.startswith("51"), "name_zh"])
    return {"重庆市": cq, "四川省": sc, "成渝地区": cq | sc, "两江新区": set(LIANGJIANG_DISTRICTS)}


def exact_not_at_district_point(atlas: Atlas) -> list[Problem]:
    """No ``exact`` point may sit on a district's representative point (within 1 m):
    that would be a district-level guess dressed as a surveyed site."""
    units = boundaries.load()
    reps = shapely.get_coordinates(boundaries.representative_points(units).values)
    p = atlas.projects
    exact = np.flatnonzero((p.location_precision == "exact").to_numpy() & (p.geom_kind == "point").to_numpy())
    out = []
    for i in exact:
        xy = shapely.get_coordinates(p.geometry.iat[i])
        if (np.abs(reps[None, :, :] - xy[:, None, :]).max(axis=2) < 1e-5).any():
            out.append(Problem(int(i), p.id.iat[i], "location_precision", "marked exact but sits on a district's representative point"))
    return out


def quotes_in_sources(projects: pd.DataFrame, plans: Mapping[str, Plan], seeds_dir: Path | None = None) -> list[Problem]:
    """Every quote must occur, character for character, in its plan's text.

    Skipped (no problems) for plans whose text is not present.
    """
    seeds_dir = seeds_dir or settings.seeds_dir
    texts = {}
    for plan in plans.values():
        path = seeds_dir / plan.source_file if plan.source_file else None
        if path and path.exists():
            texts[plan.id] = path.read_text(encoding="utf-8")
    out = []
    for row, (pid, atts) in enumerate(zip(projects["id"], projects["plans"], strict=True)):
        for k, a in enumerate(atts):
            text = texts.get(a["plan"])
            if text is not None and a["quote"] not in text:
                out.append(Problem(row, pid, f"plans[{k}].quote", f"not found in {a['plan']}'s text: {a['quote']!r}"))
    return out


def notes_neutral(projects: pd.DataFrame) -> list[Problem]:
    """Location notes in both languages, without first-person wording (schema v2 records only)."""
    from geo.validate import first_person_words

    out = []
    for fld in ("location_note_zh", "location_note_en"):
        if fld not in projects.columns:
            continue
        for row, (pid, note) in enumerate(zip(projects["id"], projects[fld], strict=True)):
            if not isinstance(note, str) or not note:
                out.append(Problem(row, pid, fld, "location note is empty"))
            elif first_person_words(note):
                out.append(Problem(row, pid, fld, f"first-person wording: {note!r}"))
    return out


def line_lengths(projects: pd.DataFrame) -> list[Problem]:
    """Every rail, metro and expressway line must be of a plausible length for its category.

    The band is :data:`geo.model.LINE_KM_BANDS` (e.g. a metro line 3–80 km); the length is
    the derived geodesic ``length_km``. Records that are not lines (points, areas, no
    geometry) are left out here: whether they may be is the build's rule (``not_line``).
    A frame without ``length_km`` or ``geom_kind`` (not from :func:`geo.catalog.add_derived_columns`)
    gives no problems.
    """
    from geo.model import CATEGORIES, LINE_KM_BANDS

    if not {"length_km", "geom_kind"} <= set(projects.columns):
        return []
    low = projects.category.map({c: b[0] for c, b in LINE_KM_BANDS.items()}).to_numpy(dtype=float)
    high = projects.category.map({c: b[1] for c, b in LINE_KM_BANDS.items()}).to_numpy(dtype=float)
    km = projects.length_km.to_numpy(dtype=float)
    outside = (projects.geom_kind == "line").to_numpy() & ((km < low) | (km > high))  # NaN bands (other categories) compare False
    return [
        Problem(int(i), projects.id.iat[i], "geometry",
                f"drawn {km[i]:.1f} km: outside the plausible {low[i]:g}–{high[i]:g} km of one {CATEGORIES[projects.category.iat[i]][1].lower()} line")
        for i in np.flatnonzero(outside)
    ]


#: The columns of a problems table, in order (see :class:`geo.validate.Problem`).
PROBLEM_COLUMNS = ("row", "record", "field", "message", "severity")


def problems_frame(problems: Iterable[Problem]) -> pd.DataFrame:
    """One row per problem, columns :data:`PROBLEM_COLUMNS`; an empty list gives an empty table with them.

    The one table of problems, for the Data quality page and reports (validation
    and consistency problems share it, so they can be concatenated).
    """
    return pd.DataFrame([[getattr(p, c) for c in PROBLEM_COLUMNS] for p in problems], columns=list(PROBLEM_COLUMNS))


def consistency_problems(atlas: Atlas) -> list[Problem]:
    """All consistency checks."""
    p = atlas.projects
    return admin_stated_joined(atlas) + exact_not_at_district_point(atlas) + quotes_in_sources(p, atlas.plans) + notes_neutral(p) + line_lengths(p)


def _dup_key(name: str) -> str:
    from geo.catalog_build import duplicate_key

    return duplicate_key(str(name))


def explained_pairs(directory: Path | None = None) -> set[frozenset]:
    """Id pairs that ``distinct.json`` says are different projects."""
    import json

    from geo.catalog_build import project_id

    path = (directory or settings.catalog_dir) / "distinct.json"
    if not path.exists():
        return set()
    pairs = json.loads(path.read_text(encoding="utf-8"))
    return {frozenset(project_id(k) for k in pair.split("|")) for pair in pairs}


def duplicate_candidates(projects: pd.DataFrame, *, explained: set[frozenset] | None = None) -> list[tuple[str, str, str]]:
    """Pairs of records that may be one project twice: ``(id A, id B, why)``.

    Same category and one of: the same normalised name; a name or alias of
    one equal to a name or alias of the other; one normalised name (of 4
    characters or more) inside the other's. A candidate is for a curator to
    judge (``merge.json`` or ``distinct.json``); the build itself refuses only
    the first case. The same name in two categories is a candidate too. Pairs
    in ``explained`` (:func:`explained_pairs`) are left out.
    """
    explained = explained or set()
    names = []
    for pid, name, aliases, cat in zip(projects["id"], projects["name_zh"], projects["aliases"], projects["category"], strict=True):
        keys = {_dup_key(n) for n in [name, *(aliases or [])]}
        names.append((pid, _dup_key(name), keys, cat))
    out = []
    for i, (a, ka, alla, ca) in enumerate(names):
        for b, kb, allb, cb in names[i + 1:]:
            why = "same name" if ka == kb else "shared name or alias" if alla & allb else None
            if why is None and ca == cb and min(len(ka), len(kb)) >= 4 and (ka in kb or kb in ka):
                why = "one name inside the other"
            if why and frozenset((a, b)) not in explained:
                out.append((a, b, why if ca == cb else f"{why}, categories {ca} and {cb}"))
    return out
