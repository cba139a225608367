"""One filter description, applied everywhere: map, exports, images, statistics.

A :class:`FilterSpec` comes from the sidebar, from the URL query string
(:meth:`FilterSpec.from_query`) or from command-line options
(:meth:`FilterSpec.from_options`): three faces of one object.

Semantics: fields combine with AND; values within a field with OR. An empty
field does not filter. ``districts`` keeps projects that lie (even partly) in
any of the units (Chongqing districts or Sichuan cities, by adcode).
``year_min``/``year_max`` keep projects with at least one stated target year
in the range (projects with no target year are dropped when either is set).
``text`` is a case-insensitive substring of the Chinese name, English name,
aliases or their pinyin (with or without spaces). ``kinds`` (schema v2:
``project``, ``designation``) defaults to projects only, so designations are
hidden unless asked for (``kind=project,designation`` in a URL, ``--kind`` on
the command line); a frame without a ``kind`` column (schema v1) is all
projects. An empty ``kinds`` does not filter.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np
import pandas as pd

from geo._errors import FilterError
from geo.model import CATEGORIES, DEFAULT_KINDS, KINDS, PRECISIONS, STATUSES, label

_LIST_FIELDS = ("plans", "statuses", "categories", "districts", "precisions", "kinds")
_QUERY_NAMES = {
    "kinds": "kind",
    "plans": "plan",
    "statuses": "status",
    "categories": "category",
    "districts": "district",
    "precisions": "precision",
    "year_min": "from",
    "year_max": "to",
    "text": "q",
}

#: The English notice of each problem :meth:`FilterSpec.from_query` reports.
_NOTICE_EN = {
    "unknown_value": "ignored {key}={value!r}: not a known value",
    "not_a_year": "ignored {key}={value!r}: not a year",
    "year_order": "ignored the year range: 'from' is after 'to'",
}


def _year(raw: str) -> int | None:
    """A year between 1990 and 2100 written as plain digits, else None."""
    raw = raw.strip()
    if not (raw.isascii() and raw.isdigit() and len(raw) == 4):
        return None
    year = int(raw)
    return year if 1990 <= year <= 2100 else None


@dataclass(frozen=True)
class FilterSpec:
    """What to show. See the module docstring for the semantics."""

    kinds: tuple[str, ...] = DEFAULT_KINDS
    plans: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    precisions: tuple[str, ...] = ()
    year_min: int | None = None
    year_max: int | None = None
    text: str = ""

    @property
    def is_empty(self) -> bool:
        return self == FilterSpec()

    # --- faces -----------------------------------------------------------
    def to_query(self) -> dict[str, str]:
        """Query-string form: lists comma-separated, empty fields left out."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value in ((), None, "") or (f.name == "kinds" and value == DEFAULT_KINDS):
                continue
            out[_QUERY_NAMES[f.name]] = ",".join(value) if f.name in _LIST_FIELDS else str(value)
        return out

    @classmethod
    def from_query(cls, query: dict, *, plan_ids, district_codes, strict: bool = False) -> tuple[FilterSpec, list[str]]:
        """Parse query-string values; unknown values are dropped with a notice.

        With ``strict=True`` (the command line) the first bad value raises
        :class:`FilterError` instead. The app parses every URL parameter
        (these and the map's) through :func:`geo.urlstate.parse_query`, which
        uses :meth:`parse_query` and words the problems in the page's language.

        Returns
        -------
        The spec and the notices (one per dropped value), in English.
        """
        spec, problems = cls.parse_query(query, plan_ids=plan_ids, district_codes=district_codes, strict=strict)
        return spec, [_NOTICE_EN[reason].format(key=key, value=value) for key, value, reason in problems]

    @classmethod
    def parse_query(cls, query: dict, *, plan_ids, district_codes, strict: bool = False) -> tuple[FilterSpec, list[tuple[str, str, str]]]:
        """:meth:`from_query` with the problems as ``(parameter, value, reason)``.

        ``reason`` is one of ``unknown_value``, ``not_a_year``, ``year_order``.
        A value given as a list (a repeated parameter) is read as its items
        joined by commas; ``q`` is cut to 100 characters.
        """
        vocab = {
            "plans": list(plan_ids),
            "statuses": list(STATUSES),
            "categories": list(CATEGORIES),
            "districts": list(district_codes),
            "precisions": list(PRECISIONS),
            "kinds": list(KINDS),
        }
        problems: list[tuple[str, str, str]] = []
        kwargs: dict = {}
        for name, key in _QUERY_NAMES.items():
            raw = query.get(key)
            if raw is None:
                continue
            if isinstance(raw, (list, tuple)):
                raw = ",".join(map(str, raw))
            raw = str(raw)
            if name in _LIST_FIELDS:
                kept = []
                for value in filter(None, (v.strip() for v in raw.split(","))):
                    if value in vocab[name]:
                        kept.append(value)
                    elif strict:
                        raise FilterError(key, value, vocab[name])
                    else:
                        problems.append((key, value, "unknown_value"))
                kwargs[name] = tuple(dict.fromkeys(kept))
            elif name in ("year_min", "year_max"):
                year = _year(raw)
                if year is not None:
                    kwargs[name] = year
                elif strict:
                    raise FilterError(key, raw, ["a year, e.g. 2025"])
                else:
                    problems.append((key, raw, "not_a_year"))
            else:
                kwargs[name] = raw.strip()[:100]
        spec = cls(**kwargs)
        if spec.year_min and spec.year_max and spec.year_min > spec.year_max:
            if strict:
                raise FilterError("from/to", f"{spec.year_min}>{spec.year_max}")
            problems.append(("from/to", f"{spec.year_min}>{spec.year_max}", "year_order"))
            spec = replace(spec, year_min=None, year_max=None)
        return spec, problems

    @classmethod
    def from_options(cls, *, plan_ids, district_codes, **options) -> FilterSpec:
        """Build from command-line options (lists or comma strings); bad values raise."""
        query = {_QUERY_NAMES[k]: v for k, v in options.items() if v not in (None, "", [], ())}
        spec, _ = cls.from_query(query, plan_ids=plan_ids, district_codes=district_codes, strict=True)
        return spec

    # --- use -------------------------------------------------------------
    def mask(self, projects: pd.DataFrame, joined: pd.DataFrame | None = None) -> np.ndarray:
        """Boolean mask of the projects this spec keeps (``joined``: :func:`geo.join.join`)."""
        keep = np.ones(len(projects), dtype=bool)
        if self.kinds:
            kind = projects["kind"].fillna("project") if "kind" in projects.columns else pd.Series("project", index=projects.index)
            keep &= kind.isin(self.kinds).to_numpy()
        if self.plans:
            wanted = set(self.plans)
            keep &= np.array([bool(wanted.intersection(p)) for p in projects["plan_ids"]], dtype=bool)
        if self.statuses:
            keep &= projects["status"].isin(self.statuses).to_numpy()
        if self.categories:
            keep &= projects["category"].isin(self.categories).to_numpy()
        if self.precisions:
            keep &= projects["location_precision"].isin(self.precisions).to_numpy()
        if self.districts:
            if joined is None:
                raise ValueError("a district filter needs the district join")
            hit = joined.loc[joined["unit_adcode"].isin(self.districts), "id"].unique()
            keep &= projects["id"].isin(hit).to_numpy()
        if self.year_min is not None or self.year_max is not None:
            lo = self.year_min or 0
            hi = self.year_max or 9999
            keep &= np.array(
                [any(lo <= (a.get("target_year") or -1) <= hi for a in atts) for atts in projects["plans"]], dtype=bool
            )
        if self.text:
            needle = self.text.lower().replace(" ", "")
            hay = projects["search_text"].str.replace(" ", "", regex=False)
            keep &= hay.str.contains(needle, regex=False).to_numpy()
        return keep

    def apply(self, projects: pd.DataFrame, joined: pd.DataFrame | None = None):
        """The projects this spec keeps, in catalog order."""
        return projects[self.mask(projects, joined)]

    def describe(self, *, lang: str = "zh", plan_titles: dict[str, str] | None = None, district_names: dict[str, str] | None = None) -> str:
        """A one-line human description of the filter, for titles and file names (words from :mod:`geo.i18n`)."""
        from geo.i18n import t

        plan_titles, district_names = plan_titles or {}, district_names or {}
        kinds = () if self.kinds == DEFAULT_KINDS else (self.kinds or tuple(KINDS))
        years = f"{self.year_min or '…'}–{self.year_max or '…'}" if (self.year_min or self.year_max) else ""
        values = [
            ("desc_kind", [label(KINDS, k, lang=lang) for k in kinds]),
            ("desc_plan", [plan_titles.get(p, p) for p in self.plans]),
            ("desc_status", [label(STATUSES, v, lang=lang) for v in self.statuses]),
            ("desc_category", [label(CATEGORIES, c, lang=lang) for c in self.categories]),
            ("desc_district", [district_names.get(d, d) for d in self.districts]),
            ("desc_precision", [label(PRECISIONS, v, lang=lang) for v in self.precisions]),
            ("desc_years", [years] if years else []),
            ("desc_text", [f"“{self.text}”"] if self.text else []),
        ]
        parts = [t(key, lang, values=", ".join(items)) for key, items in values if items]
        return t("desc_separator", lang).join(parts) if parts else t("desc_all", lang)

EMPTY = FilterSpec()
__all__ = ["EMPTY", "FilterSpec"]
