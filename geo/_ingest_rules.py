"""The word tables of :mod:`geo.ingest`: verbs, name suffixes, categories, designations.

Every rule the ingester applies to a plan text is a row of a table here, so a
reviewer can read (and a test can pin) what the machine does. All tables are in
simplified characters: the ingester folds traditional text before it reads it.
"""

from __future__ import annotations

import re

#: The plan's verb → the action it asks for (``geo.model.ACTIONS``). Longest match wins;
#: order within an action does not matter. See docs/DATA_MODEL.md "Status rules".
VERBS: dict[str, str] = {
    **dict.fromkeys(
        ["谋划", "研究", "争取", "规划建设", "规划布局", "探索", "论证", "储备", "谋划建设", "研究推动",
         "谋划推进", "争取开工"],
        "study",
    ),
    **dict.fromkeys(["开展前期工作", "前期工作", "推进前期", "加快前期", "启动前期"], "prepare"),
    **dict.fromkeys(["开工建设", "开工", "启动建设", "新开工", "动工", "集中开工"], "start"),
    **dict.fromkeys(
        ["加快建设", "推进建设", "续建", "建设", "加快推进", "推进", "推动", "打造", "实施", "新建", "布局",
         "培育", "创建", "共建", "建好", "在建", "加快", "签约", "落地", "引进", "投资"],
        "build",
    ),
    **dict.fromkeys(["建成投用", "建成", "竣工", "完成", "投用", "投产", "通车", "建成投运", "完工", "贯通",
                     "全线贯通"], "complete"),
    **dict.fromkeys(["改造", "提升", "扩建", "提档升级", "升级", "整治", "改扩建", "迁建", "完善", "改建", "新改建",
                     "提标改造", "升级改造"], "upgrade"),
    **dict.fromkeys(["运营", "用好", "办好", "投运", "开通", "运行", "揭牌", "开机", "开业", "营业", "启用"], "operate"),
}
_VERB_RE = re.compile("|".join(sorted(map(re.escape, VERBS), key=len, reverse=True)))

#: Action → lifecycle status the verb implies in a plan (docs/DATA_MODEL.md "Status rules").
#: A completion in a plan is a target, so it implies "under construction"; a news report
#: (plan kind ``news``) states facts, so there "complete" means completed.
ACTION_STATUS: dict[str, str] = {
    "study": "proposed",
    "prepare": "preparatory",
    "start": "under_construction",
    "build": "under_construction",
    "complete": "under_construction",
    "upgrade": "under_construction",
    "operate": "operating",
}

#: Name endings → category, longest first when matched. A name ending with one of these
#: is a project name; list items without one borrow the list's last ending ("成都至兰州、
#: 成都至西宁铁路" → 成都至兰州铁路).
SUFFIX_CATEGORY: dict[str, str] = {
    **dict.fromkeys(["铁路", "高铁", "高速铁路", "城际铁路", "城际", "市域铁路", "市域(郊)铁路", "联络线",
                     "货运线", "支线", "专用线"], "rail"),
    **dict.fromkeys(["号线", "轨道交通", "轻轨", "单轨", "地铁", "有轨电车", "轨道"], "metro"),
    **dict.fromkeys(["高速", "高速公路", "复线"], "highway"),
    **dict.fromkeys(["大道", "道路", "快速路", "干道", "干路", "主干道", "纵线", "横线", "连接道", "分流道", "公路",
                     "路", "街", "接线", "延伸段", "环线"], "road"),
    **dict.fromkeys(["大桥", "桥", "隧道", "复线桥"], "bridge_tunnel"),
    **dict.fromkeys(["站", "火车站", "枢纽", "换乘枢纽", "综合交通枢纽", "客运站"], "station_hub"),
    **dict.fromkeys(["港", "港区", "作业区", "码头", "航道", "水道", "港口", "航道整治"], "port"),
    **dict.fromkeys(["机场", "航站楼", "跑道"], "airport"),
    **dict.fromkeys(["医院", "医学中心", "院区", "卫生院", "医城", "疾病预防控制中心", "中医院", "妇幼保健院",
                     "康复中心", "急救中心", "血站"], "hospital"),
    **dict.fromkeys(["大学", "学院", "校区", "中学", "小学", "幼儿园", "学校", "实验室", "研究院", "研究所",
                     "分院", "装置", "研究平台", "创新中心", "技术中心", "研究中心", "大学城", "职教中心", "职业教育中心"],
                    "education_research"),
    **dict.fromkeys(["产业园", "工业园", "园区", "产业基地", "生产基地", "基地", "产业园区", "工业园区",
                     "生产线", "产线", "工厂", "产业城", "软件园", "加工区", "保税区", "开发区", "经开区", "高新区",
                     "合作区", "合作园区"], "industrial_park"),
    **dict.fromkeys(["新城", "新区", "片区", "组团", "生态城", "中央商务区", "商务区", "半岛", "城市更新", "功能区",
                     "核心区", "示范区", "试验区", "先行区", "先导区"], "new_town"),
    **dict.fromkeys(["科学城", "科技城", "科技园", "创新区", "创新港", "科创园", "协同创新区", "生态圈"],
                    "science_park"),
    **dict.fromkeys(["变电站", "输变电工程", "电站", "电厂", "配气站", "储气库", "气田", "管道", "管线",
                     "电网", "区块", "发电", "输电", "特高压", "勘探开发", "网架", "页岩气", "抽水蓄能"], "energy"),
    **dict.fromkeys(["水库", "水厂", "污水处理厂", "净水厂", "供水工程", "水利工程", "调水工程", "引水工程",
                     "防洪", "综合治理", "管网", "提水工程", "灌区", "配置工程", "水网工程", "水资源配置"], "water"),
    **dict.fromkeys(["数据中心", "算力中心", "超算中心", "计算中心", "云计算中心", "节点", "服务器",
                     "5G基站"], "digital"),
    **dict.fromkeys(["项目", "法院", "法庭", "品牌", "产业带", "经济带", "示范带", "发展带", "生产带", "旅游带",
                     "开放带", "创新带", "走廊", "发展轴", "产业轴", "创新轴", "联络轴"], "other"),
    **dict.fromkeys(["物流园", "物流园区", "物流基地", "物流中心", "物流枢纽", "陆港",
                     "分拨中心", "冷链"], "logistics"),
    **dict.fromkeys(["新通道"], "logistics"),
    **dict.fromkeys(["商圈", "步行街", "街区", "博物馆", "美术馆", "纪念馆", "图书馆", "文化馆", "体育馆",
                     "体育中心", "体育场", "剧院", "大剧院", "景区", "广场", "综合体", "大厦", "会展中心",
                     "博览中心", "文创园", "故居", "遗址", "古镇", "寺", "石刻", "中心", "天地", "小镇",
                     "奥体中心", "艺术中心", "度假区", "旅游区", "集聚区", "创意园", "楼", "足球场", "会展城", "影视城", "乐园",
                     "欢乐谷", "孵化器", "加速器", "会议中心"], "commerce_culture_sport"),
    **dict.fromkeys(["公园", "湿地", "绿道", "廊道", "长廊", "步道", "生态带", "森林", "山", "湖", "江岸", "滨江",
                     "消落带", "修复", "植物园"], "ecology_park"),
    **dict.fromkeys(["养老院", "福利院", "敬老院", "养老中心", "救助站", "殡仪馆", "公寓", "保障房",
                     "安置房", "服务中心"], "social_welfare"),
}
SUFFIXES: tuple[str, ...] = tuple(sorted(SUFFIX_CATEGORY, key=len, reverse=True))

#: Endings that make a name a zone designation, pilot, brand or label (kind ``designation``).
DESIGNATION_SUFFIXES: tuple[str, ...] = (
    "示范区", "试验区", "先行区", "先导区", "示范带", "示范基地", "示范城市", "示范项目", "品牌", "高地",
    "试点", "示范点", "承载区", "经济带", "经济区", "走廊", "核心区", "改革试验区", "共同体", "联盟",
    "机制", "轴", "发展带", "产业带", "城市群", "都市圈", "经济圈",
)

#: Words before a name that end the phrase in front of it: a name starts after the last one.
LEADS: tuple[str, ...] = tuple(
    sorted(
        {*VERBS, "以", "在", "对", "将", "把", "依托", "围绕", "包括", "重点", "支持",
         "积极", "大力", "有序", "全力", "加速", "力争", "确保", "持续", "着力", "聚焦", "深化",
         "做好", "做强", "做优", "做大",
         "开展", "启动", "年", "年前", "到", "至今", "其中", "等", "的", "了", "为", "是", "已", "已经", "并", "暨",
         "以及", "及", "同时", "吸引", "广泛应用于", "进一步", "深度融入", "深度参与", "融入", "严格执行",
         "严格保护", "合理利用", "改善", "改进", "实行", "巩固", "承担", "抓好", "衔接", "铸造", "协调解决",
         "做实", "策划", "覆盖", "处于", "入选", "加密优化", "加密", "最严格措施", "畅通", "美化", "加大",
         "健全", "迈出", "发展一批", "主动承接", "提质", "首个", "首家", "第一个", "著力", "擦亮", "新建成", "获批", "设立", "坚持", "坚定不移", "促进", "增强", "建立", "增加", "迭代升级", "赋予", "走", "成为", "作为", "通过", "带动", "服务", "推出", "举办", "完成", "实现", "达到",
         "深入挖掘", "挖掘", "构建", "形成", "发挥", "加强",
         "提速", "筹建", "组建", "成立", "申建", "申报", "推进实施"},
        key=len,
        reverse=True,
    )
)
_LEAD_RE = re.compile("|".join(map(re.escape, LEADS)))
#: Words cut only at the start of a name: inside one they belong to it ("万达开川渝统筹发展示范区",
#: "长江生态保护和修复"), in front of one they are the plan's verbs ("统筹产业园区", "保护城市天际线").
LEADING_ONLY: tuple[str, ...] = (
    "充分利用", "牵头负责", "高质量", "高标准", "保护", "利用", "优化", "拓展", "强化", "统筹", "协同", "合作",
    "联合", "共同", "配套", "全面", "整合", "争创", "扩大", "与", "和", "及", "各",
)
_LEADING_RE = re.compile("^(" + "|".join(map(re.escape, LEADING_ONLY)) + ")+")


def strip_leading(name: str) -> str:
    """``name`` without the :data:`LEADING_ONLY` words at its start (if two characters remain)."""
    stripped = _LEADING_RE.sub("", name)
    return stripped if len(stripped) >= 2 else name

#: Words that make a phrase an abstraction, not a thing with a place; a phrase with one of
#: these and no project ending is not a candidate.
ABSTRACT_WORDS: tuple[str, ...] = (
    "体系", "机制", "能力", "水平", "政策", "制度", "服务", "经济", "合作", "发展", "改革", "环境",
    "模式", "格局", "功能", "工作", "一体化", "协同", "战略", "规划", "品质", "质量", "效率", "产业链",
    "供应链", "创新链", "营商", "人才", "市场化", "标准", "管理", "治理能力", "网络化", "智能化",
    "数字化", "绿色", "安全", "开放", "共享", "活动", "会议", "论坛", "大会", "展会", "博览会", "赛事",
    "行动", "计划", "工程师", "企业", "集团", "公司", "领域", "行业",
)

#: Tails cut off a list's last item: "土湾大桥等项目" → 土湾大桥.
TAIL_RE = re.compile(r"(等[\u4e00-\u9fff]{0,12}|为[\u4e00-\u9fff]*|作为[\u4e00-\u9fff]*|的[\u4e00-\u9fff]*|项目建设|建设项目|"
                     r"开工建设|建设|工程项目)$")

_YEAR_RE = re.compile(r"(?:到|至|于|在)?(20[2-4]\d)年(?:前|底|末)?")


def find_verb(text: str) -> tuple[str, str | None]:
    """The plan verb of a clause and its action: the longest verb, the one nearest the end
    when the clause says "…等开展前期工作", else the first.

    Returns ``("", None)`` when the clause has no verb of the table.
    """
    found = [m.group(0) for m in _VERB_RE.finditer(text)]
    if not found:
        return "", None
    tail = text.rsplit("等", 1)[1] if "等" in text else ""
    tail_verbs = [v for v in found if v in tail]
    verb = tail_verbs[-1] if tail_verbs else found[0]
    return verb, VERBS[verb]


def target_year(sentence: str) -> int | None:
    """The year a sentence sets as a target ("到2027年建成" → 2027), else ``None``.

    Only a year followed by a completion-type verb or preceded by 到/力争 counts, so
    "2021年以来" (a past date) does not.
    """
    for m in _YEAR_RE.finditer(sentence):
        before = sentence[max(0, m.start() - 3): m.start()]
        after = sentence[m.end(): m.end() + 12]
        if m.group(0).startswith(("到", "至", "于")) or "力争" in before or re.search(
            r"建成|完成|投用|通车|竣工|开工|投产", after
        ):
            if "以来" in after[:3]:
                continue
            return int(m.group(1))
    return None


#: Qualifiers after a project's ending, cut (repeatedly) before the ending is looked up:
#: "渝昆高铁川渝段" → 渝昆高铁, "西彭水厂扩建" → 西彭水厂, "黄桷坪110kV输变电工程(一期)".
QUALIFIER_RE = re.compile(
    r"(\([^()]{1,12}\)|[一二三四五六七八九十]期|延伸线|改扩建|改造|扩建|迁建|"
    r"扩能|扩容|优化提升|优化|提档升级|提质增效|提质|提升|升级|工程|项目|建设|续建|新建|二线|复线)$"
)


def core(name: str) -> str:
    """``name`` without its trailing qualifiers (:data:`QUALIFIER_RE`), at least 2 characters."""
    while True:
        m = QUALIFIER_RE.search(name)
        if not m or m.start() < 2:
            return name
        name = name[: m.start()]


def is_weak(suffix: str | None) -> bool:
    """A one-character ending ("湖", "路", "山") names a place rather than a work: a list item
    with one still takes the list's longer shared ending ("印山湖、文峰湖水库")."""
    return suffix is None or len(suffix) == 1


#: Endings that need a long head to name something: "西南铝铝锂合金项目" but not "工业项目".
MIN_HEAD: dict[str, int] = {"项目": 5}


def _ending(text: str) -> str | None:
    for s in SUFFIXES:
        if text.endswith(s) and len(text) - len(s) >= MIN_HEAD.get(s, 1):
            return s
    return None


def suffix_of(name: str) -> str | None:
    """The project ending of ``name`` or of its :func:`core` (``SUFFIX_CATEGORY``, longest).

    A section ("渝湘高铁重庆中心城区至黔江段") takes the ending of its shortest head that
    has one (渝湘高铁 → 高铁), so a place inside the section ("…中心城区") does not count.
    """
    name = name.rstrip("”")  # 成渝“智行走廊”
    for candidate in (name, core(name)):
        s = _ending(candidate)
        if s:
            return s
    c = core(name)
    if c.endswith("段"):
        for k in range(3, len(c)):
            s = _ending(c[:k])
            if s and len(s) >= 2:
                return s
    return None


def category_of(name: str, *, hint: str = "") -> str:
    """Category by the name's ending, else by the list's tail word (``hint``), else ``other``."""
    s = suffix_of(core(name)) or suffix_of(name)
    if s:
        return SUFFIX_CATEGORY[s]
    for word in (hint,):
        s = suffix_of("X" + word) if word else None
        if s:
            return SUFFIX_CATEGORY[s]
    return "other"


def is_designation(name: str) -> bool:
    """True when the name ends like a zone designation, pilot, brand or label."""
    return name.endswith(DESIGNATION_SUFFIXES)


def strip_lead(phrase: str) -> str:
    """The phrase after its last lead word ("加快推进渝昆高铁" → "渝昆高铁").

    A lead word is only cut when at least two characters remain after it.
    """
    cut = 0
    for m in _LEAD_RE.finditer(phrase):
        if len(phrase) - m.end() >= 2:
            cut = max(cut, m.end())
    return phrase[cut:]


def strip_tail(item: str) -> tuple[str, str]:
    """(name, tail) of a list's last item: "土湾大桥等项目" → ("土湾大桥", "等项目")."""
    if "等" in item:
        i = item.index("等")
        if i >= 2:
            return item[:i], item[i:]
    m = TAIL_RE.search(item)
    if m and m.start() >= 2:
        return item[: m.start()], m.group(0)
    return item, ""


def is_abstract(name: str) -> bool:
    """True for a phrase that names an abstraction (no project ending, an abstract word)."""
    return suffix_of(name) is None and any(w in name for w in ABSTRACT_WORDS)


#: Words that say nothing about which thing is meant: a name whose part before its ending
#: is made of these only ("创新平台", "口袋公园", "重大项目") is generic, not a candidate.
GENERIC_WORDS: tuple[str, ...] = tuple(sorted(
    ["城市", "创新", "重大", "重要", "若干", "一批", "批", "市级", "区级", "国家级", "国家", "特色", "现代化",
     "综合", "新型", "智慧", "重点", "产业", "科创", "开放", "功能", "公共", "社区", "口袋", "中试", "小试",
     "大型", "高水平", "高品质", "高端", "一流", "世界级", "国际", "区域", "各类", "一个", "多个", "两个",
     "个", "新", "大", "小", "老旧", "农村", "城镇", "乡村", "地域", "文化", "旅游", "生态", "绿色", "数字",
     "智能", "研发", "服务", "平台", "基础", "配套", "其他", "相关", "示范", "标志性", "省级", "专业",
     "制造业", "先进", "合作", "发展", "建设", "项目", "工程", "中心", "园区", "基地", "集群", "体育",
     "文体", "商业", "企业", "总部", "物流", "交通", "水利", "能源", "医疗", "教育", "养老", "公园",
     "景区", "景点", "实验室", "网络", "设施", "线路", "公交", "一体化", "级", "的", "和", "与",
     "我市", "全市", "全区", "中心城区", "主城新区", "主城", "城乡", "国际性", "跨区域", "郊区", "门户",
     "各级", "主", "次", "燃气", "供水", "消费", "夜间", "市级", "区县", "地区",
     "西部", "沿江", "全国", "地方", "试点", "标准化", "规范化", "高等级", "大", "多",
     "人均", "次支", "基本", "核心", "骨架", "人行", "配电", "跨区", "活动", "科研", "创新性", "创作型",
     "国内领先", "信息", "技术", "应用", "试验", "地下", "地上", "乡镇", "生活", "污水", "雨污", "两区",
     "具体", "事项", "主导", "类", "全线", "水上", "观光", "换乘", "综合性", "高水平", "特色化", "精品",
     "公交", "排水", "输配水", "停车", "河湖", "山体", "既有", "地面", "知名", "优质", "关键", "攻关",
     "主要", "上游", "下游", "湿地", "森林", "贸易", "战略性", "联动", "公办", "科普", "院士", "主次",
     "电源", "孵化", "回收", "处置", "利用", "资源", "产业化", "组织", "国内外", "国际国内", "会展",
     "节庆", "节会", "公用", "网红", "落户", "集聚", "推广", "做靓", "消费", "中国特色", "社会主义", "政治",
     "现有", "污染", "噪声", "防治", "修复", "病险", "航空", "内陆", "商贸", "金融", "医学", "交往", "经济",
     "中西部", "科技", "航运"],
    key=len, reverse=True))
_GENERIC_RE = re.compile("|".join([r"\d+(?:\.\d+)?[个家所座条批项]", r"第[一二三四五六七八九十]+[批期]?",
                                    *map(re.escape, GENERIC_WORDS)]))


#: One-character endings of place names: a two-character stem before one names a place even
#: when its words are generic elsewhere ("科研港", "科创街" of a science city; not "科创平台").
TOPONYM_ENDS = "港街谷岛湾"


def is_generic(name: str) -> bool:
    """True when the part of ``name`` before its ending is made of generic words only
    (a three-character place name ending in :data:`TOPONYM_ENDS` is never generic)."""
    c = core(name)
    if len(c) == 3 and c[-1] in TOPONYM_ENDS and re.fullmatch(r"[\u4e00-\u9fff]{3}", c):
        return False
    lead = _LEAD_RE.match(c)
    if c in SUFFIX_CATEGORY or (lead and c[lead.end():] in SUFFIX_CATEGORY):
        return True  # "体育馆", "换乘枢纽", "加快高铁": an ending alone names nothing
    endings = [s for s in SUFFIXES if c.endswith(s) and len(c) > len(s)]
    strong = [s for s in endings if len(s) >= 2] or endings  # "城市道路": 道路, not 路
    s = min(strong, key=len) if strong else None
    stem = c[: -len(s)] if s else c
    return not _GENERIC_RE.sub("", stem)


_TRAILING_RE = re.compile(r"(工程|项目|[一二三四五六七八九十]期|\([^()]*\))*")


def segments(text: str) -> list[tuple[int, str]]:
    """(offset, piece) of ``text`` split at its lead words (verbs, prepositions, connectors)."""
    out, last = [], 0
    for m in _LEAD_RE.finditer(text):
        if VERBS.get(m.group(0)) == "upgrade" and _TRAILING_RE.fullmatch(text[m.end():]):
            continue  # "石新路改造": an upgrade verb after the name belongs to it
        if 0 < len(text) - m.end() < 2:
            continue  # "孵化加速器": a lead word that leaves one character is part of a word
        if text[: m.start()].count("(") > text[: m.start()].count(")"):
            continue  # "达州(迁建)机场": words in brackets qualify the name
        if core(text[m.end():]) in SUFFIX_CATEGORY:
            continue  # "转型升级基地": a bare ending after a lead word is not a name on its own
        if m.start() > last:
            out.append((last, text[last: m.start()]))
        last = m.end()
    if last < len(text):
        out.append((last, text[last:]))
    return out


def head_name(segment: str) -> str | None:
    """The longest head of ``segment`` that ends like a project (a strong, two-character or
    longer ending): "沪汉蓉铁路货运功能" → 沪汉蓉铁路. ``None`` when there is none."""
    for k in range(len(segment), 2, -1):
        s = _ending(segment[:k])
        if s and (k == len(segment) or len(s) >= 2):
            return segment[:k]
    return None


#: A name that starts with a count ("112个…", "2—3家…", "一批…") counts unnamed things; one
#: that starts with a bound character ("型大学", "度重大项目") is a fragment of a word.
_NOT_A_NAME_RE = re.compile(
    r"^(\d+(?:[—\-~]\d+)?[个家所座条批项处]|[一二三四五六七八九十百千]+[万亿]?级|成一批|一批|若干|多个|两个|一系列|"
    r"[型级性化式度者等])"
)


#: Endings of a figure of speech, not a name: "绿色发展之路", "…联动作用".
_SPEECH_END_RE = re.compile(r"(之路|作用|效应|联系|重点项目|重大项目|重大工程|重点工程)$")
#: A measured quantity ("369.7亿元", "34公里") is a figure, not a name.
_FIGURE_RE = re.compile(r"\d(?:\.\d+)?\s*(亿|万|公里|千米|平方|%|公顷|亩|人次|吨)")


def is_fragment(name: str) -> bool:
    """True for a count of unnamed things, a figure, a word fragment, unbalanced quotation marks,
    or a quoted slogan of numbers ("“三环十八射多联线”高速公路", "“1000+”城市轨道交通", "“米”字型")."""
    if name.count("“") != name.count("”"):
        return True
    return bool(_NOT_A_NAME_RE.match(name) or _FIGURE_RE.search(name) or _SPEECH_END_RE.search(name) or any(
        len(q) == 1 or re.search(r"[\d+]|[一二两三四五六七八九十].*[一二两三四五六七八九十]", q)
        for q in re.findall(r"“([^”]*)”", name)
    ))


def trailing_upgrade(name: str) -> str | None:
    """The upgrade verb a name ends with ("…支流整治" → 整治), which a list shares with its bare items."""
    for verb in sorted((v for v, a in VERBS.items() if a == "upgrade"), key=len, reverse=True):
        if name.endswith(verb) and len(name) > len(verb) + 1:
            return verb
    return None
