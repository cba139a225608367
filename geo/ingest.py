"""Read a new plan document and list the projects it names, as candidates for review.

``python -m geo ingest FILE --plan-id ID --title … --date YYYY-MM-DD`` and the
workbench upload both call :func:`ingest_text`. The steps:

1. **Decode** (:func:`decode_plan`): UTF-8, GBK/GB18030 or Big5, detected; a file
   that is too big, binary or undecodable is refused with a message naming it.
2. **Fold** traditional characters to simplified, one character for one
   (OpenCC ``t2s`` applied per character), so every offset in the folded text is
   the same offset in the original: quotes are cut from the *original* text and
   stay verbatim.
3. **Read** sentence by sentence and clause by clause (:mod:`geo._ingest_rules`
   holds every word table): a clause with 、 is a list whose items are projects
   (the last item's ending is shared: "成都至兰州、成都至西宁铁路" → two railways);
   otherwise the clause's phrase that ends like a project name ("…大桥", "…新城")
   is one. The clause's verb gives the action; a target year ("到2027年建成")
   stays a target (:data:`geo._ingest_rules.ACTION_STATUS`).
4. **Match** each candidate to a catalog record by name or alias (equal, or one
   contained in the other when both are at least four characters long):
   "new mention of P…" or "new".

Nothing here writes the catalog: candidates go to a CSV for a person, or, as
proposals (:func:`proposals`), to the workbench's review queue.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from pathlib import Path

from geo import _ingest_rules as rules
from geo import settings
from geo._errors import DataFileError, IngestError


def max_bytes() -> int:
    """Largest plan text accepted (bytes): ``settings.max_plan_bytes`` (the longest source document is 0.2 MB)."""
    return int(settings.max_plan_bytes)


def _too_big(size: int) -> str:
    limit = max_bytes()
    shown = f"{limit / (1024 * 1024):.0f} MB" if limit >= 1024 * 1024 else f"{limit} bytes"
    return f"too big ({size / 1e6:.1f} MB; at most {shown})"
QUOTE_MIN, QUOTE_MAX = 6, 80
NAME_MIN, NAME_MAX = 3, 40
CSV_COLUMNS = [
    "plan_id", "name_zh", "quote", "verb", "action", "target_year", "status", "category", "kind",
    "districts", "match_id", "match_name", "note", "offset", "mentions",
]
_SENTENCE_RE = re.compile(r"[^。;；!！?？\n]+")
_CLAUSE_RE = re.compile(r"[^,，:：《》]+")
_NOISE_RE = re.compile(
    r"^\s*(专栏\s*\d+\s*|第[一二三四五六七八九十百]+[章节]\s*|\d+[.、．]|[(（][一二三四五六七八九十\d]+[)）]|"
    r"[一二三四五六七八九十]+、)?\s*"
)
#: Endings too short to lend to the other items of a list ("…路" in "A、B路" is not shared).
_UNSHARED = frozenset({"路", "桥", "山", "湖", "寺", "站", "街", "港", "中心", "平台", "节点", "通道", "轨道", "项目", "综合治理",
                       "基地"})
#: List items: separated by 、 or written as consecutive quotations ("“三线建设”“重庆谈判”等…").
_ITEM_RE = re.compile(r"“[^”、]*”(?=“)|[^、]+?(?=“[^”、]*”“)|[^、]+")
_PROJECT_TAIL_RE = re.compile(r"等[^、]{0,10}(项目|工程)")
#: What a plan says of a kind of work after naming it ("…等文化旅游品牌影响力").
_ATTRIBUTES = frozenset({"影响力", "知名度", "竞争力", "品质", "能级", "功能", "水平", "作用", "增储上产", "提质增效"})
_CONNECTOR_RE = re.compile(r"以及|及|和|与|并")
#: Modifiers cut from a list's tail noun before it lends itself: "等大中型水库" → 水库,
#: "等重点区域万亿立方米页岩气勘探开发" → 页岩气勘探开发 (a place class, a quantity).
_HINT_MODIFIERS = re.compile(r"^((?:\d+(?:\.\d+)?)?[十百千万亿]*(?:立方米|千瓦|吨|公里|亩)(?:级)?|\d+个|一批|一系列|若干|各类|大中小型|大中型|中小型|大型|中型|小型|重点区域|区块|重点|重大|骨干|主要|支线|镇街|区县|各级|现有)+")
#: An item ending in one of these is already a noun ("…引领区", "…园") and keeps its own ending.
_NOUN_ENDS = frozenset("区园城线路站港心台地馆院校厂库场所楼镇村岛湾")


@dataclass(frozen=True)
class Candidate:
    """A project a plan text names, ready for review.

    Attributes
    ----------
    name_zh
        The name in simplified characters, with a shared list ending restored
        ("成都至西宁铁路" from "成都至兰州、成都至西宁铁路").
    quote
        The plan's words, a verbatim substring of the original text (6–80 characters;
        traditional characters stay traditional).
    verb, action, target_year, status
        The plan's verb phrase ("" when the clause has none), the action it asks
        (``geo.model.ACTIONS``; ``build`` when the plan lists the project without a
        verb), the target year it sets, and the status that implies on the plan's date.
    category, kind
        ``geo.model.CATEGORIES`` key by the name's ending; ``designation`` for zone
        designations, pilots, brands and labels, else ``project``.
    districts
        Chongqing districts and Sichuan cities named in the sentence.
    match_id, match_name
        The catalog record the candidate names, if any.
    offset
        Where the quote starts in the text (characters).
    mentions
        ``(offset, quote)`` of every later place the text names the same project.
    """

    name_zh: str
    quote: str
    verb: str
    action: str
    target_year: int | None
    status: str
    category: str
    kind: str
    districts: tuple[str, ...] = ()
    match_id: str | None = None
    match_name: str | None = None
    offset: int = 0
    plan_id: str = ""
    mentions: tuple[tuple[int, str], ...] = ()

    @property
    def note(self) -> str:
        """"new mention of P…" when the candidate names a catalog record, else "new"."""
        return f"new mention of {self.match_id} ({self.match_name})" if self.match_id else "new"

    def row(self) -> dict:
        """The candidate as a CSV row (:data:`CSV_COLUMNS`)."""
        d = asdict(self)
        d.pop("mentions")
        d["mentions"] = len(self.mentions)
        d["districts"] = "|".join(self.districts)
        d["target_year"] = "" if self.target_year is None else self.target_year
        d["note"] = self.note
        return {k: ("" if d.get(k) is None else d[k]) for k in CSV_COLUMNS}


# --------------------------------------------------------------------------- decoding


def _common_share(text: str) -> float:
    """Share of Chinese characters that are common ones (GB2312 level 1 or Big5 frequent)."""
    han = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    if not han:
        return 0.0
    common = 0
    for c in han:
        try:
            b = c.encode("gb2312")
            if 0xB0 <= b[0] <= 0xD7:
                common += 1
                continue
        except UnicodeEncodeError:
            pass
        try:
            b = c.encode("big5")
            if 0xA4 <= b[0] <= 0xC6:
                common += 1
        except UnicodeEncodeError:
            pass
    return common / len(han)


def decode_plan(data: bytes, *, source: str = "upload") -> str:
    """Decode a plan text: UTF-8 (with or without BOM), else GB18030/GBK or Big5.

    GBK and Big5 bytes often both decode; the decoding whose Chinese characters are
    more often common ones wins (a wrong decoding gives rare characters).

    Raises
    ------
    IngestError
        Too big (> ``settings.max_plan_bytes``), empty, binary (NUL bytes) or in none of the
        encodings; the message names ``source``.
    """
    if len(data) > max_bytes():
        raise IngestError(source, _too_big(len(data)))
    if not data.strip():
        raise IngestError(source, "empty file")
    if b"\x00" in data[:65536]:
        raise IngestError(source, "binary file, not a plan text (UTF-8, GBK or Big5)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    decoded = {}
    for enc in ("gb18030", "big5"):
        try:
            decoded[enc] = data.decode(enc)
        except UnicodeDecodeError:
            continue
    if not decoded:
        raise IngestError(source, "cannot decode as UTF-8, GBK or Big5")
    return max(decoded.values(), key=_common_share)


def read_plan_file(path: str | Path) -> str:
    """Read and decode a plan text file; errors name the file (see :func:`decode_plan`)."""
    path = Path(path)
    if not path.is_file():
        raise DataFileError(path, "no such file")
    size = path.stat().st_size
    if size > max_bytes():
        raise IngestError(str(path), _too_big(size))
    return decode_plan(path.read_bytes(), source=str(path))


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=65536)
def _fold_char(c: str) -> str:
    out = _t2s().convert(c)
    return out if len(out) == 1 else c


def fold(text: str) -> str:
    """Traditional → simplified, one character for one, so offsets are kept."""
    if text.isascii():
        return text
    return "".join(_fold_char(c) if c >= "\u3400" else c for c in text)


def normalise(name: str) -> str:
    """Matching form of a name: simplified, no spaces or quotes, ASCII brackets."""
    name = fold(name).strip().replace("（", "(").replace("）", ")").replace(" ", "").replace("—", "-")
    return re.sub(r"[“”\"‘’「」『』《》]", "", name)


def bare(name: str) -> str:
    """:func:`normalise` without bracketed qualifiers: "达州(迁建)机场" and "达州机场(迁建)" → 达州机场."""
    return re.sub(r"\([^()]*\)", "", normalise(name))


# --------------------------------------------------------------------------- reference data


@lru_cache(maxsize=4)
def _unit_names(directory: str) -> tuple[tuple[str, str], ...]:
    """(text to look for, unit name): Chongqing districts and Sichuan cities, full names and
    stems of three characters or more, plus Sichuan city stems of two ("成都")."""
    import pyogrio

    path = Path(directory) / "admin_web.geojson"
    if not path.exists():
        return ()
    frame = pyogrio.read_dataframe(path, columns=["name_zh", "level"], read_geometry=False)
    from geo.names import strip_admin_suffix

    out = []
    for name, level in zip(frame["name_zh"], frame["level"], strict=True):
        if level not in ("district", "city"):
            continue
        out.append((name, name))
        stem = strip_admin_suffix(name)
        if stem != name and (len(stem) >= 3 or (level == "city" and len(stem) >= 2)):
            out.append((stem, name))
    return tuple(sorted(out, key=lambda p: -len(p[0])))


def districts_in(sentence: str, *, boundaries_dir: Path | None = None) -> tuple[str, ...]:
    """Chongqing districts and Sichuan cities the (folded) sentence names, in text order."""
    directory = boundaries_dir or settings.boundaries_dir
    found: dict[str, int] = {}
    for text, unit in _unit_names(str(directory)):
        i = sentence.find(text)
        if i >= 0 and unit not in found:
            found[unit] = i
    return tuple(sorted(found, key=lambda unit: found[unit]))


@lru_cache(maxsize=4)
def _catalog_index(path: str, mtime: float) -> tuple[dict[str, tuple[str, str]], list[tuple[str, str, str]]]:
    with open(path, encoding="utf-8") as fh:
        features = json.load(fh)["features"]
    exact: dict[str, tuple[str, str]] = {}
    names: list[tuple[str, str, str]] = []
    for f in features:
        p = f["properties"]
        for n in [p["name_zh"], *(p.get("aliases") or [])]:
            key = normalise(n)
            exact.setdefault(key, (p["id"], p["name_zh"]))
            exact.setdefault(bare(n), (p["id"], p["name_zh"]))
            names.append((key, p["id"], p["name_zh"]))
    names.sort(key=lambda t: -len(t[0]))
    return exact, names


def match_record(name: str, *, catalog_path: Path | None = None) -> tuple[str, str] | None:
    """(id, name_zh) of the catalog record ``name`` names, else ``None``.

    Equal normalised name or alias first; else the longest record name that contains
    the candidate or is contained in it, both at least four characters long (so "渝昆高铁"
    finds 渝昆高铁 but "大桥" finds nothing).
    """
    path = Path(catalog_path or settings.projects_path)
    if not path.exists():
        return None
    exact, names = _catalog_index(str(path), path.stat().st_mtime)
    key = normalise(name)
    if key in exact:
        return exact[key]
    if bare(name) in exact:
        return exact[bare(name)]
    if len(key) < 4:
        return None
    for rec_key, rid, rname in names:
        if len(rec_key) >= 4 and (rec_key in key or key in rec_key):
            return rid, rname
    return None


# --------------------------------------------------------------------------- reading


def _spans(pattern: re.Pattern, text: str, offset: int = 0) -> Iterator[tuple[int, str]]:
    for m in pattern.finditer(text):
        yield offset + m.start(), m.group(0)


def _quote_window(start: int, end: int, bounds: tuple[int, int]) -> tuple[int, int]:
    """A 6–80 character window of the sentence ``bounds`` around [start, end)."""
    lo, hi = bounds
    if hi - lo <= QUOTE_MAX:
        return lo, hi
    s, e = start, end
    if e - s > QUOTE_MAX:
        return s, s + QUOTE_MAX
    pad = (QUOTE_MAX - (e - s)) // 2
    s = max(lo, s - pad)
    e = min(hi, s + QUOTE_MAX)
    s = max(lo, e - QUOTE_MAX)
    return s, e


_LEADING_FIGURE_RE = re.compile(r"^\d+(?:\.\d+)?(?:公里|千米|米|亿元|万元)")


def _clean(name: str) -> str:
    if name.split():
        name = name.split()[-1]  # a headline's words before a space are another phrase
    name = rules.strip_leading(_NOISE_RE.sub("", name).strip()).strip(" \"'‘’《》「」-—·")
    if "的" in name[1:-2]:
        name = name[name.rindex("的", 1, len(name) - 2) + 1:]  # "智慧化的物流园区": 的 ends a description
    name = _LEADING_FIGURE_RE.sub("", name)  # "40公里“两江绿道”": the length is not the name
    m = re.search(r"“[^”]*”$", name)
    if m and m.start() >= 2 and rules.is_fragment(m.group(0)):
        name = name[: m.start()]  # "生命岛“五大创新支撑”": a numbered label after the name
    if name.startswith("“") and name.endswith("”") and name.count("“") == 1:
        name = name[1:-1]
    for left, right in (("“", "”"), ("(", ")"), ("（", "）")):
        if name.startswith(left) and right not in name:
            name = name[1:]
        if name.endswith(right) and left not in name:
            name = name[:-1]
    return name


def _keep(name: str, *, in_list: bool) -> bool:
    if not (NAME_MIN <= len(name) <= NAME_MAX) or not re.search(r"[\u4e00-\u9fff]", name):
        return False
    if rules.is_abstract(name) or rules.is_generic(name) or rules.is_fragment(name):
        return False
    return in_list or rules.suffix_of(name) is not None


def _shareable(name: str, shared: str | None) -> bool:
    """Whether a list item lacking an ending (or with a one-character one) takes the list's last ending."""
    if not shared or shared in _UNSHARED or len(name) < 2 or rules.is_designation(shared):
        return False  # designation lists name places of one zone ("梁平、垫江…明月山绿色发展示范带")
    own = rules.suffix_of(name)
    if own is None:
        return name[-1] not in _NOUN_ENDS
    return rules.is_weak(own) and len(shared) > 1 and not shared.endswith(own)


def _list_parts(clause: str, start: int) -> list[tuple[int, str]]:
    """The items of a list clause, up to the one with 等: what follows 等 are kinds, not items
    ("A、B等国家实验室、国家创新中心")."""
    parts = [(start + m.start(), m.group(0)) for m in _ITEM_RE.finditer(clause)]
    for i, (_, part) in enumerate(parts):
        if "等" in part[2:]:
            return parts[: i + 1]
    return parts


def _list_items(clause: str, start: int) -> tuple[list[tuple[int, int, str, str]], list[tuple[int, str]]]:
    """(start, end, name, hint) of a list clause's items, the last ending shared."""
    parts = _list_parts(clause, start)
    items: list[tuple[int, int, str, str]] = []
    extra: list[tuple[int, str]] = []
    for i, (pos, text) in enumerate(parts):
        tail = ""
        if i == 0 and len(parts) > 1:
            m = _CONNECTOR_RE.search(text, 2)
            if m and rules.suffix_of(rules.segments(text[: m.start()])[-1][1] if rules.segments(text[: m.start()]) else ""):
                extra.append((pos, text[: m.start()]))  # "建成璧铜线以及A、B等市域铁路": 璧铜线 on its own
                pos, text = pos + m.end(), text[m.end():]
        if i == len(parts) - 1:
            m = _CONNECTOR_RE.search(text, 2)
            if m:  # "A、B储气库以及C基地": C is named on its own
                extra.append((pos + m.end(), text[m.end():]))
                text = text[: m.start()]
            text, tail = rules.strip_tail(text)
        segs = rules.segments(text)
        off, text = segs[-1] if segs else (len(text), "")  # an item of lead words only names nothing
        pos += off
        items.append((pos, pos + len(text), text, tail))
    tail = items[-1][3] if items else ""
    hint = _kind_noun(tail[1:]) if tail.startswith("等") else ""
    shared = rules.suffix_of(items[-1][2]) if items else None
    hint_suffix = rules.suffix_of("X" + hint) if 2 <= len(hint) <= 12 else None
    shared = _shared_tail(items, shared)
    verb = rules.trailing_upgrade(_clean(items[-1][2])) if items else None
    out = []
    for pos, end, text, _ in items:
        name = _clean(text)
        if shared and _shareable(name, shared):
            name = name + shared
        elif verb and rules.is_weak(rules.suffix_of(name)) and not name.endswith(verb) and len(name) >= 2:
            name = name + verb  # "实施磨刀溪、黄家河沟…支流整治" → 磨刀溪整治
        elif (hint_suffix and not rules.is_weak(hint_suffix) and rules.is_weak(rules.suffix_of(name))
              and len(name) >= 2 and not hint.endswith(name[-1])):
            name = name + hint  # "巴国城、九滨路等特色美食街区" → 巴国城特色美食街区
        out.append((pos, end, name, hint))
    return out, extra


def _shared_tail(items: list, shared: str | None) -> str | None:
    """What the list's last item lends to bare items: its words after a proper name as long as
    the bare items' ("綦江蟠龙、云阳建全抽水蓄能电站" → 抽水蓄能电站), else its ending."""
    if not shared:
        return shared
    bare = [len(_clean(t)) for _, _, t, _ in items[:-1] if rules.is_weak(rules.suffix_of(_clean(t)))]
    last = _clean(items[-1][2])
    if bare and len(last) > max(bare):
        tail = last[max(bare):]
        if tail.endswith(shared) and len(tail) <= 8:
            return tail
    return shared


def _kind_noun(text: str) -> str:
    """The kind noun after 等: "大中型水库建设" → 水库, "综合保税区高水平开放" → 综合保税区."""
    noun = rules.core(_HINT_MODIFIERS.sub("", rules.strip_tail(text)[0]))
    if not rules.suffix_of("X" + noun):
        head = (rules.head_name("X" + noun) or "X")[1:]
        rest = noun[len(head):]
        # "页岩气增储上产", "文化旅游品牌影响力" but not "区域中心城市能级"
        noun = head if head and (rules.find_verb(rest[:4])[0] or rest in _ATTRIBUTES
                                 or rest.startswith(("高水平", "高质量"))) else ""
    return "" if "的" in noun else noun  # "…功能复合的国际消费中心": a description, not a kind of work


def _is_list(clause: str, start: int) -> bool:
    """A list: several items, or one item before 等 and a kind noun ("陶家等配气站")."""
    parts = _list_parts(clause, start)
    if len(parts) > 1:
        return True
    if "等" not in clause[2:]:
        return False
    after = clause[clause.index("等", 2):]
    if _PROJECT_TAIL_RE.match(after):
        return True  # "加快华能两江燃机二期等项目建设"
    kind = _kind_noun(after[1:])
    return bool(kind) and not rules.is_weak(rules.suffix_of("X" + kind))


def _clause_candidates(clause: str, start: int, *, in_box: bool = False) -> list[tuple[int, int, str, str, bool]]:
    """(start, end, name, hint, in_list) of the names a clause holds; in a box (专栏) of a
    five-year plan every list item is a project."""
    if _is_list(clause, start):
        items, extra = _list_items(clause, start)
        singles = [c for off, text in extra for c in _clause_candidates(text, off)]
        listed = (
            in_box
            or sum(1 for it in items if rules.suffix_of(it[2])) * 2 >= len(items)
            or rules.suffix_of("X" + items[-1][3])
            or _PROJECT_TAIL_RE.search(clause.rsplit("、", 1)[-1])  # "A、B等一批重大项目": the plan calls them projects
        )
        return [(s, e, n, h, bool(listed)) for s, e, n, h in items] + singles
    out = []
    pieces = []
    clause = clause.split("、", 1)[0]
    if "等" in clause[2:]:
        clause = clause[: clause.index("等", 2)]  # "A等国家(重点)实验室": after 等 come kinds
    for off, seg in rules.segments(clause):
        m = _CONNECTOR_RE.search(seg, 2)
        if m and rules.suffix_of(seg[: m.start()]) and len(seg) - m.end() >= 2:  # "始发站和重要节点"
            pieces += [(off, seg[: m.start()]), (off + m.end(), seg[m.end():])]
        else:
            pieces.append((off, seg))
    site = None
    for off, seg in pieces:
        name, _ = rules.strip_tail(seg)
        name = _clean(name)
        if not rules.suffix_of(name):
            name = rules.head_name(name) or ""
        if not name:
            continue
        s = start + off + max(seg.find(name), 0)
        if site and rules.is_generic(name):
            name = site + name  # "江北国际机场T3B航站楼及第四跑道" → 江北国际机场第四跑道
        out.append((s, s + len(name), name, "", False))
        site = _site_of(name)
    return out


def _site_of(name: str) -> str | None:
    """The named site a facility belongs to ("江北国际机场" of "江北国际机场T3B航站楼"): the shortest
    prefix with a project ending, not generic, followed by a rest that has its own ending."""
    for i in range(3, len(name) - 1):
        head, rest = name[:i], name[i:]
        if rules.suffix_of(head) and rules.suffix_of(rest) and not rules.is_generic(head) and head[-1] in "场站港园区城馆院":
            return head
    return None


@dataclass(frozen=True)
class PlanInfo:
    """The document being read: id, title, date (``YYYY[-MM[-DD]]``), issuer, kind."""

    plan_id: str
    title: str
    date: str
    issuer: str | None = None
    kind: str = "plan"


def _status(action: str, year: int | None, plan: PlanInfo) -> str:
    if action == "complete" and plan.kind == "news" and year is None:
        return "completed"
    return rules.ACTION_STATUS[action]


#: A box of projects: "专栏4  重大交通建设项目", "专栏13  乡村建设行动重大工程" (not indicator tables).
_BOX_START_RE = re.compile(r"^专栏\s*\d+[^\n]*(项目|工程|建设)[^\n]*$", re.M)
_BOX_END_RE = re.compile(r"^(第[一二三四五六七八九十百]+[章节]|专栏\s*\d+)", re.M)


def box_spans(folded: str) -> list[tuple[int, int]]:
    """Character spans of a five-year plan's project boxes (专栏N whose title says 项目, 工程 or 建设,
    up to the next chapter, section or box)."""
    out = []
    for m in _BOX_START_RE.finditer(folded):
        end = _BOX_END_RE.search(folded, m.end())
        out.append((m.start(), end.start() if end else len(folded)))
    return out


def _read_sentence(original: str, folded: str, bounds: tuple[int, int], plan: PlanInfo, catalog_path,
                   *, in_box: bool = False) -> list[Candidate]:
    lo, hi = bounds
    sentence = folded[lo:hi]
    if _BOX_START_RE.match(sentence) or sentence.lstrip().startswith("专栏"):
        return []  # a box's title names its kind of projects, not a project
    year = None if plan.kind == "news" else rules.target_year(sentence)
    districts = districts_in(sentence)
    out = []
    for cstart, clause in _spans(_CLAUSE_RE, sentence, lo):
        for s, e, name, hint, in_list in _clause_candidates(clause, cstart, in_box=in_box):
            if not _keep(name, in_list=in_list):
                continue
            verb, action = rules.find_verb(clause)
            if not verb:
                verb, action = rules.find_verb(folded[lo:s])
            action = action or "build"
            if action == "complete" and year is None and plan.kind != "news":
                action = "build"
            qs, qe = _quote_window(s, e, (cstart, cstart + len(clause)))
            if qe - qs < QUOTE_MIN:
                qs, qe = _quote_window(s, e, bounds)
            quote = original[qs:qe].strip()
            if len(quote) < QUOTE_MIN:
                continue
            match = match_record(name, catalog_path=catalog_path)
            out.append(
                Candidate(
                    name_zh=name,
                    quote=quote,
                    verb=verb,
                    action=action,
                    target_year=year,
                    status=_status(action, year, plan),
                    category=rules.category_of(name, hint=hint),
                    kind="designation" if rules.is_designation(name) else "project",
                    districts=districts,
                    match_id=match[0] if match else None,
                    match_name=match[1] if match else None,
                    offset=original.index(quote, qs),
                    plan_id=plan.plan_id,
                )
            )
    return out


def ingest_text(
    text_or_bytes: str | bytes,
    *,
    plan_id: str,
    title: str,
    date: str,
    issuer: str | None = None,
    kind: str = "plan",
    source: str = "upload",
    catalog_path: Path | None = None,
) -> list[Candidate]:
    """Candidate projects of a plan text, in text order, one per name (first mention).

    Parameters
    ----------
    text_or_bytes
        The text, or its bytes (decoded by :func:`decode_plan`: size limit, encoding
        detection, binary refused).
    plan_id, title, date, issuer
        The document. ``date`` is ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``.
    kind
        ``plan`` (verbs are what the plan asks; a completion is a target) or ``news``
        (a report of facts on its date: 竣工 → completed).
    source
        How errors name the input (a file name).
    catalog_path
        The catalog to match against (default ``settings.projects_path``; missing → all new).

    Raises
    ------
    IngestError
        Bad input (see :func:`decode_plan`) or a date that is not ``YYYY[-MM[-DD]]``.
    """
    if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", date or ""):
        raise IngestError(source, f"date {date!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    if not plan_id:
        raise IngestError(source, "plan id is empty")
    text = decode_plan(text_or_bytes, source=source) if isinstance(text_or_bytes, bytes) else text_or_bytes
    if len(text.encode("utf-8")) > max_bytes():
        raise IngestError(source, _too_big(len(text.encode("utf-8"))))
    plan = PlanInfo(plan_id, title, date, issuer, kind)
    folded = fold(text)
    first: dict[str, Candidate] = {}
    later: dict[str, list[tuple[int, str]]] = {}
    boxes = box_spans(folded)
    for start, sentence in _spans(_SENTENCE_RE, folded):
        in_box = any(lo <= start < hi for lo, hi in boxes)
        for cand in _read_sentence(text, folded, (start, start + len(sentence)), plan, catalog_path,
                                   in_box=in_box):
            key = normalise(rules.core(cand.name_zh))  # "九龙新商圈提档升级" is 九龙新商圈
            if key not in first:
                first[key], later[key] = cand, []
            elif cand.quote != first[key].quote:
                later[key].append((cand.offset, cand.quote))
    return [replace(c, mentions=tuple(later[k])) for k, c in first.items()]


def ingest_file(path: str | Path, **kwargs) -> list[Candidate]:
    """:func:`ingest_text` of a file (errors name the file)."""
    return ingest_text(read_plan_file(path), source=str(path), **kwargs)


def write_candidates_csv(candidates: list[Candidate], target: str | Path) -> Path:
    """Write candidates as UTF-8 CSV (with BOM, so spreadsheet programs read the Chinese),
    atomically: an error leaves ``target`` untouched."""
    from geo.io import atomic_path

    target = Path(target)
    with atomic_path(target) as tmp, open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for c in candidates:
            writer.writerow(c.row())
    return target


# --------------------------------------------------------------------------- proposals


def _attribution(c: Candidate) -> dict:
    return {"plan": c.plan_id, "verb": c.verb, "action": c.action, "target_year": c.target_year, "quote": c.quote}


def new_record_place(districts: tuple[str, ...] | list[str], *, scope: str | None = None) -> dict:
    """The place fields of a new record read from a plan: never a point, only what the text states.

    One stated Chongqing district (or Sichuan county) → precision ``district``; one
    Sichuan city → ``city``; otherwise ``region`` with ``scope`` the plan's own area
    (``scope``, default by the stated units: all Sichuan → 四川省, all Chongqing →
    重庆市, none or mixed → 成渝地区). Geometry null, ``location_source`` none, notes
    from :func:`geo.placement.unplaced` (the same words as the catalog build's).
    """
    from geo.placement import _is_city, unplaced

    if len(districts) == 1:
        area = districts[0]
    elif scope:
        area = scope
    elif districts and all(_is_city(d) for d in districts):
        area = "四川省"
    elif districts and not any(_is_city(d) for d in districts):
        area = "重庆市"
    else:
        area = "成渝地区"
    place = unplaced(area)
    return {"location_precision": place.precision, "location_source": "none", "scope": place.scope,
            "location_note_zh": place.note_zh + ";由规划文本导入,待审核定位",
            "location_note_en": place.note_en + "; imported from the plan text, to be placed in review",
            "geometry": None}


def proposals(
    candidates: list[Candidate],
    *,
    date: str,
    author: str = "ingest",
    catalog_records: dict[str, dict] | None = None,
    scope: str | None = None,
) -> list[dict]:
    """Workbench proposals for candidates, as keyword dicts of ``geo.review.propose``.

    A candidate that names a record proposes a new plan attribution on it
    (``changes = {"plans": existing + [new]}``); skipped when the record already cites this
    plan with this quote. A new candidate proposes a whole record (``record_id=None``) with
    no place yet (:func:`new_record_place`: ``district``/``city`` when the sentence states
    one unit, else ``region`` with ``scope`` the plan's area), for the reviewer to place.
    The plan id must be in ``plans.json`` for a proposal to be accepted
    (:func:`register_plan`). Pure: reads nothing, writes nothing.
    """
    from geo.names import pinyin

    records = catalog_records or {}
    out: list[dict] = []
    for c in candidates:
        attribution = _attribution(c)
        evidence = {"quote": c.quote, "offset": c.offset, "plan": c.plan_id, "candidate": c.row()}
        reason = f"plan {c.plan_id}: {c.quote}"
        if c.match_id:
            existing = list((records.get(c.match_id) or {}).get("plans") or [])
            if any(p.get("plan") == c.plan_id and p.get("quote") == c.quote for p in existing):
                continue
            changes = {"plans": [*existing, attribution]}
            out.append({"record_id": c.match_id, "changes": changes, "author": author, "source": "ingest", "reason": reason,
                        "evidence": evidence})
            continue
        record: dict[str, object] = {
            "name_zh": c.name_zh,
            "name_en": pinyin(c.name_zh),
            "aliases": [],
            "category": c.category,
            "kind": c.kind,
            "status": c.status,
            "status_as_of": date,
            "status_source": c.plan_id,
            "source_crs": "WGS84",
            "admin_stated": list(c.districts),
            "plans": [attribution],
            **new_record_place(c.districts, scope=scope),
        }
        out.append({"record_id": None, "changes": record, "author": author, "source": "ingest", "reason": reason,
                    "evidence": evidence})
    return out


def register_plan(plan_id: str, *, title: str, date: str, issuer: str | None = None, kind: str = "plan",
                  title_en: str | None = None, source_file: str | None = None, path: Path | None = None) -> bool:
    """Add the document to ``plans.json`` (atomically) unless its id is there; True when added.

    A proposal citing a plan validates only when the plan is listed, so sending
    proposals registers their document first. Only the document's own facts are
    written (title, date, issuer, kind, file); an existing entry is never changed.
    """
    from geo.catalog import _plans
    from geo.io import atomic_path

    path = Path(path or settings.plans_path)
    with open(path, encoding="utf-8") as fh:
        plans = json.load(fh)
    if any(p.get("id") == plan_id for p in plans):
        return False
    plans.append({"id": plan_id, "title_zh": title, "title_en": title_en or title, "short_zh": "", "short_en": "",
                  "issuer": issuer or "", "doc_number": None, "date": date, "horizon": None, "kind": kind,
                  "source_file": source_file, "note": "Registered by geo ingest when its candidates were proposed."})
    with atomic_path(path) as tmp:
        Path(tmp).write_text(json.dumps(plans, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    _plans.cache_clear()
    return True


def catalog_records(path: Path | None = None) -> dict[str, dict]:
    """Catalog properties by record id (for :func:`proposals`)."""
    path = Path(path or settings.projects_path)
    with open(path, encoding="utf-8") as fh:
        return {f["properties"]["id"]: f["properties"] for f in json.load(fh)["features"]}


def submit(proposal_dicts: list[dict]) -> list[int]:
    """Send proposals to the workbench's review queue (``geo.review.propose``)."""
    try:
        from geo import review
    except ImportError as exc:
        raise IngestError("--propose", "workbench not available (geo.review is missing in this installation)") from exc
    return [review.propose(p["record_id"], p["changes"], author=p["author"], source=p["source"],
                           reason=p["reason"], evidence=p["evidence"]) for p in proposal_dicts]


def send(proposal_dicts: list[dict]) -> tuple[list[int], list[str]]:
    """Send proposals one by one; return the stored ids and, for each one the workbench refused,
    a message naming the candidate, the field and the problem (the others are still sent).

    Each proposal is one transaction, so a refused candidate never blocks the rest of a plan.
    """
    from geo._errors import RecordError

    ids, refused = [], []
    for p in proposal_dicts:
        try:
            ids.extend(submit([p]))
        except RecordError as exc:
            name = p["changes"].get("name_zh") or p["record_id"]
            refused.append(f"{name}: {exc}")
    return ids, refused
