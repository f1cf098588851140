"""The organ a body's first sentence is about: the subject of a report or a news item.

In: a clean body. Out: :func:`_first_sentence_organ` (2022年，某县司法局坚持… → 某县司法局),
:func:`_subject_organ` (3月5日上午，某镇召开… → 某镇人民政府) and :func:`_organ_at`/:func:`_township_organ`.
How: page furniture, headline and byline are skipped; a news dateline, a time adverbial and a purpose clause
are stripped; then the sentence's opening is matched as a central organ, a division with its organ, a bare
organ, or a township; the verbs and township units are ``[subject]`` and ``[township]`` of
``data/organs.toml``.
"""

from __future__ import annotations

import re

from .gazetteer import _chain
from .organ import _CENTRAL, _ORGAN_AFTER, _SUBJECT_VERBS, _organ_after
from .title import _BYLINE, _SALUTATION, _WIDGET_LINE, _headline, _title_line
from .vocab import central_organ_at, organs

_FIRST_SENTENCE_PREFIX = re.compile(
    # a news dateline (辽宁长安网讯, 本报讯, 人民网北京11月30日电 (记者…)), then a time adverbial (2022年,
    # 近日, 2023年“两会”及春节期间), then 在…领导下
    r"^(?:(?:[\u4e00-\u9fff]{1,10}(?:网|报|台|社)讯|本报讯|[\u4e00-\u9fff]{0,10}\d{1,2}月\d{1,2}日(?:电|讯))"
    r"(?:[（(][^）)]{0,20}[)）])?)?"
    r"(?:(?:(?:19|20)\d{2}年[^，,。]{1,16}(?:期间|以来|之际|前夕)|(?:19|20)\d{2}年(?:以来|度)?|一年来|近年来|今年以来|近日|日前"
    r"|近期)[，,]?)?"
    r"(?:在[^，,。]{2,40}(?:领导|指导|支持|监督)下[，,])*"
)


# A division named as the subject of the first sentence, with no organ after it (南昌县全面贯彻…): its
# government.
_SUBJECT_VERB = re.compile(r"^(?:坚持|深入|认真|全面|紧紧|始终|以|按照|围绕|扎实|积极|持续|不断|聚焦)")
# A bare department as the subject of the first sentence (县司法局坚持…, 市财政局认真…).
_BARE_ORGAN_SUBJECT = re.compile(
    r"^((?:省|市|县|区|州|盟|旗|自治区|自治州|自治县)[\u4e00-\u9fff]{1,12}?(?:厅|局|委员会|办公室))"
    r"(?=坚持|深入|认真|全面|紧紧|始终|以|按照|围绕|扎实|积极|持续|不断|聚焦|党组|党委)"
)
# A township or street office as the subject of the first sentence (东城街道深入学习…, 下洋镇坚持…).
_TOWNSHIP_SUBJECT = re.compile(
    r"^(?P<name>(?![全各本我该城])[\u4e00-\u9fff]{2,6}?(?P<unit>镇|乡|街道|苏木))(?P<organ>人民政府|政府|街道办事处|办事处)?"
    r"(?=坚持|深入|认真|全面|紧紧|始终|以|按照|围绕|扎实|积极|持续|不断|聚焦|党委|党工委|人民政府|政府|办事处)"
)


def _first_sentence_organ(text: str) -> str | None:
    """The organ the first sentence of the body is about, when it opens with one
    (``2022年，潢川县司法局坚持…``, ``第十四届全国人民代表大会第三次会议听取和审议了…``)."""
    lines = [ln.strip() for ln in text.split("\n")[:8] if ln.strip() and not _WIDGET_LINE.search(ln)]
    body = "".join(ln for ln in lines if not _title_line(ln) and not _SALUTATION.match(ln))
    s = re.sub(r"\s+", "", body)[:300].split("。", 1)[0]
    s = _FIRST_SENTENCE_PREFIX.sub("", s)
    m = _CENTRAL.match(s)
    if m:
        return m.group(0)
    organ = central_organ_at(s)
    if organ:
        return organ
    m = _BARE_ORGAN_SUBJECT.match(s)
    if m:
        return m.group(1)  # 县司法局坚持…: completed later with the region the document calls its own
    m = _TOWNSHIP_SUBJECT.match(s)
    if m and not _chain(s)[1] and m.group("name") not in ("城乡", "乡镇", "城镇"):
        if m.group("organ"):
            return m.group("name") + m.group("organ")
        return m.group("name") + ("办事处" if m.group("unit") == "街道" else "人民政府")
    d, end = _chain(s)
    if d is not None and end:
        m = _ORGAN_AFTER.match(s[end:])
        if m:
            return s[: end + m.end()]
        if _SUBJECT_VERB.match(s[end:]) and s[:end] == d.name:
            return f"{d.name}人民政府"  # 南昌县全面贯彻… → the county's government
    return None


# What opens a news item's first sentence before its subject: a dateline (本报讯, 某某网讯), a date or day
# with a part of the day (2024年1月5日上午, 3月5日, 近日), a place of the meeting is not stripped (it is no
# subject). A purpose or basis clause a news item opens with before its time and subject
# (为…，2月28日上午，某镇召开…; 为…，近日，某街办积极开展…): stripped only when a time adverbial follows it.
_PURPOSE = re.compile(
    r"^(?:为了?|根据|按照|依据|围绕)[^。]{2,150}?[，,]"
    r"(?=(?:(?:19|20)\d{2}年)?\d{1,2}月\d{1,2}(?:日|[至到—\-])|近日|日前|近期|今年以来)"
)
_NEWS_PREFIX = re.compile(
    r"^(?:(?:[\u4e00-\u9fff]{1,10}(?:网|报|台|社)讯|本报讯|[\u4e00-\u9fff]{0,10}\d{1,2}月\d{1,2}日(?:电|讯))"
    r"(?:[（(][^）)]{0,20}[)）])?[，,\s]*)?"
    r"(?:(?:(?:19|20)\d{2}年)?(?:\d{1,2}月\d{1,2}日?[至到—\-]\d{1,2}日|\d{1,2}月(?:\d{1,2}日)?|(?:\d{1,2}月)?\d{1,2}日)"
    r"(?:[至到—\-]\d{1,2}日)?"
    r"(?:上午|下午|晚上|晚|早上|凌晨|中午)?[，,]?|(?:19|20)\d{2}年(?:以来|度)?[，,]|近日[，,]?|日前[，,]?|近期[，,]?"
    r"|今年以来[，,]?)?"
)


_OFFICE_UNITS = tuple(u for u in organs().township_units if "办" in u)
_TOWN_UNITS = tuple(u for u in organs().township_units if "办" not in u) or ("乡", "镇", "街道")
_TOWNSHIP_HEAD = re.compile(
    r"^(?P<name>(?![全各本我该城乡])[\u4e00-\u9fff]{1,8}?(?P<unit>"
    + "|".join(map(re.escape, _TOWN_UNITS))
    + r"))"
    r"(?P<organ>人民政府|政府|党委|党工委|"
    + "|".join(map(re.escape, _OFFICE_UNITS or ("街道办事处",)))
    + r"|办事处)?(?="
    + _SUBJECT_VERBS
    + r"|[、和与]|(?:19|20)\d{2}年)"
)
_BARE_UNIT_HEAD = re.compile(r"^(?:自治区|自治州|自治县|自治旗|省|市|县|区|州|盟|旗)")


def _organ_at(s: str) -> str | None:
    """The organ a sentence opens with as its subject, before what it does (召开, 开展, 坚持 …; ``[subject]``
    of ``data/organs.toml``): a central organ; a division with its organ (某县司法局, 某省人民政府办公厅) or a
    township in it (某县某乡); a bare organ (省应急管理厅, 区政府办公室), kept as named; a township
    (某镇召开 → 某镇人民政府, 某街道 → 某街道办事处); a division alone before a verb → its government."""
    verb = re.compile(_SUBJECT_VERBS)
    if m := _CENTRAL.match(s):
        return m.group(0)
    if organ := central_organ_at(s):
        return organ
    d, end = _chain(s)
    start = 0
    if d is None or not end:
        if not (bm := _BARE_UNIT_HEAD.match(s)):
            return _township_organ(s)
        end = bm.end()
    rest = s[end:]
    if d is not None and (town := _township_organ(rest)):
        return s[:end] + town  # 某县某乡召开 → 某县某乡人民政府 (a township, not the county)
    kind = _organ_after(rest)
    after = rest[len(kind) :] if kind else ""
    if kind and not verb.match(rest) and (verb.match(after) or re.match(r"[、和与]", after)):
        return s[start : end + len(kind)]
    if d is not None and verb.match(rest) and s[:end] == d.name:
        return f"{d.name}人民政府"  # 某市召开… → the city's government
    return None


# A street office named by its short form alone (某某街办, 某某街道办) as a subject: the office, kept as
# named.
_STREET_OFFICE_HEAD = re.compile(
    r"^(?P<name>(?![全各本我该])[\u4e00-\u9fff]{2,4}?(?:街道办事处|街道办|街办))(?="
    + _SUBJECT_VERBS
    + r"|[、和与])"
)


def _township_organ(s: str) -> str | None:
    """The township government or street office a string opens with as a subject (某镇召开 → 某镇人民政府;
    某某街办开展 → 某某街办, as named)."""
    if (so := _STREET_OFFICE_HEAD.match(s)) and not _chain(so.group("name"))[1]:
        return so.group("name")
    m = _TOWNSHIP_HEAD.match(s)
    if not m or m.group("name") in ("城乡", "乡镇", "城镇") or _chain(m.group("name"))[1]:
        return None
    if m.group("organ"):
        return m.group("name") + m.group("organ")
    return m.group("name") + ("办事处" if m.group("unit") == "街道" else "人民政府")


def _subject_organ(text: str, *, lines: int = 30) -> str | None:
    """The body a news item or a report is about: the subject of its first sentence (``某镇召开…会议``,
    ``3月5日上午，省应急管理厅召开…``), after page furniture, the headline and the byline; or, failing that,
    the subject of the headline over a byline."""
    raw = [re.sub(r"\s+", "", ln) for ln in text.split("\n") if ln.strip()][:lines]
    for i, ln in enumerate(raw):
        if _WIDGET_LINE.search(ln) or _SALUTATION.match(ln) or ("。" not in ln and _BYLINE.search(ln)):
            continue
        if "。" in ln or (len(ln) >= 20 and re.search(r"[，,]", ln)):
            first = _NEWS_PREFIX.sub("", "".join(raw[i:])[:300].split("。", 1)[0])
            who = _organ_at(first) or _organ_at(_NEWS_PREFIX.sub("", _PURPOSE.sub("", first)))
            if who:
                return who
            break
    head = _headline([ln for ln in raw])
    return _organ_at(_NEWS_PREFIX.sub("", head)) if head else None
