"""Chinese names: pinyin forms for English labels, search and matching."""

from __future__ import annotations

import re
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

# Longest first: "土家族苗族自治县" must go before "自治县" and "县".
_ADMIN_SUFFIXES = sorted(
    [
        "土家族苗族自治县", "苗族土家族自治县", "土家族自治县", "藏族羌族自治州",
        "藏族自治州", "彝族自治州", "彝族自治县", "藏族自治县", "羌族自治县",
        "自治州", "自治县", "新区", "区", "县", "市", "镇", "乡", "街道",
    ],
    key=len,
    reverse=True,
)
# pypinyin reads a few place names with the wrong reading of a polyphone.
_PLACE_OVERRIDES = {
    "重庆": "Chongqing",
    "长寿": "Changshou",
    "綦江": "Qijiang",
    "蚌": "Bang",
    "大足": "Dazu",
    "涪陵": "Fuling",
    "潼南": "Tongnan",
    "乐山": "Leshan",
    "筠连": "Junlian",
    "犍为": "Qianwei",
    "邛崃": "Qionglai",
    "郫都": "Pidu",
    "阆中": "Langzhong",
    "荥经": "Yingjing",
    "宁南": "Ningnan",
    "会理": "Huili",
    "会东": "Huidong",
    "巴中": "Bazhong",
    "沙坪坝": "Shapingba",
    "大渡口": "Dadukou",
    "南岸": "Nan'an",
}


def strip_admin_suffix(name: str) -> str:
    """Drop the administrative suffix: "九龙坡区" → "九龙坡", "石柱土家族自治县" → "石柱".

    A name that is nothing but a suffix, or whose stem would be a single
    character ("忠县" → "忠"), keeps enough to stay a name: the stem is
    returned only when it has at least one character.
    """
    for suffix in _ADMIN_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


@lru_cache(maxsize=4096)
def pinyin(text: str, *, capitalize: bool = True) -> str:
    """Pinyin without tones, syllables of a word joined: "九龙坡" → "Jiulongpo".

    Non-Chinese characters pass through; runs of Chinese are one word each.
    """
    if text in _PLACE_OVERRIDES:
        return _PLACE_OVERRIDES[text]
    out = []
    for chunk in re.split(r"([\u3400-\u9fff]+)", text):
        if not chunk:
            continue
        if re.match(r"[\u3400-\u9fff]", chunk):
            # Runs are read in pieces of 200 characters: pypinyin's phrase segmentation is super-linear in the run's length.
            word = "".join("".join(lazy_pinyin(chunk[k : k + 200], style=Style.NORMAL, errors="ignore")) for k in range(0, len(chunk), 200))
            out.append(word.capitalize() if capitalize else word)
        else:
            out.append(chunk)
    return "".join(out)


def place_name_en(name_zh: str) -> str:
    """English form of an administrative name: the pinyin of its stem ("忠县" → "Zhongxian")."""
    stem = strip_admin_suffix(name_zh)
    if len(stem) == 1:  # 忠县, 开县: the suffix is part of the usual romanisation
        stem = name_zh
    return pinyin(stem)


def search_key(text: str) -> str:
    """Lower-case text plus its toneless pinyin, for substring search."""
    return f"{text.lower()} {pinyin(text, capitalize=False).lower()}"
