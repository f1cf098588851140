"""Dates and years of a document: parsing, the period (year) and the publication date's candidates.

In: a title, the head of a body, a genre's year rules. Out: :func:`parse_date`, :func:`_year_of`
(period and its source), :func:`_held_year`, :func:`_byline_date`, :func:`_standalone_date`, and the
date patterns the issuer and published rules share (:data:`_SIGNATURE_DATE`, :data:`_HEADER_FIELDS`).
How: the period comes, in order, from the title (a year or a span), the document number (国发〔2023〕16号),
the session of the National People's Congress, a speech's date line, the genre's ``year_rules``, then the
head; a news item about a meeting takes the year it was held.
"""

from __future__ import annotations

import datetime as dt
import re

from .vocab import Genre

_DIGITS = str.maketrans("０１２３４５６７８９〇○零一二三四五六七八九", "0123456789000123456789")
_DATE = re.compile(r"((?:19|20)\d{2})\s*[-年./]\s*(\d{1,2})\s*[-月./]\s*(\d{1,2})\s*日?")
_SPACED_DATE = re.compile(r"(?<=\d)([-./])\s+(?=\d)")  # 2020- 01- 18: a page widget's spaced date
_CN_DATE = re.compile(
    r"([〇○零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日"
)
_YEAR_SPAN = re.compile(
    r"[（(]?\s*((?:19|20)\d{2})\s*(?:年)?\s*[—–\-－~～至到]+\s*((?:19|20)\d{2})\s*年?\s*[)）]?"
)
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_CN_YEAR = re.compile(r"([〇○零一二三四五六七八九]{4})年")


def _cn_number(s: str) -> int:
    """一 → 1, 十 → 10, 十四 → 14, 二十三 → 23 (the numbers of sessions, months and days)."""
    s = s.translate(_DIGITS)
    if "十" not in s:
        return int(s) if s.isdigit() else 0
    tens, _, ones = s.partition("十")
    return (int(tens) if tens else 1) * 10 + (int(ones) if ones else 0)


def parse_date(value: str | None) -> dt.date | None:
    """The first plausible date in a string (``2024-03-28 16:58``, ``2024年3月28日``,
    ``二〇二四年三月一日``)."""
    if not value:
        return None
    v = _SPACED_DATE.sub(r"\1", value.translate(str.maketrans("０１２３４５６７８９", "0123456789")))
    m = _DATE.search(v)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    else:
        m = _CN_DATE.search(v)
        if not m:
            return None
        y, mo, d = int(m.group(1).translate(_DIGITS)), _cn_number(m.group(2)), _cn_number(m.group(3))
    try:
        return dt.date(y, mo, d)
    except ValueError:
        return None


# Terms of the National People's Congress: the n-th session of the congress elected in year Y is held in
# year Y + n - 1. Provincial congresses follow their own terms, so their sessions give no year.
NPC_TERMS = {1: 1954, 2: 1959, 3: 1964, 4: 1975, 5: 1978, 6: 1983, 7: 1988, 8: 1993, 9: 1998, 10: 2003,
             11: 2008, 12: 2013, 13: 2018, 14: 2023}  # fmt: skip
_NPC_SESSION = re.compile(
    r"第([一二三四五六七八九十]{1,3})届全国人民代表大会第([一二三四五六七八九十]{1,3})次会议"
)
_NPC_SHORT = re.compile(r"([一二三四五六七八九十]{1,3})届全国人大([一二三四五六七八九十]{1,3})次会议")


def npc_session_year(term: int, session: int) -> int | None:
    """The year of the ``session``-th session of the ``term``-th National People's Congress, when known."""
    start = NPC_TERMS.get(term)
    if start is None or not 1 <= session <= 6:
        return None
    return start + session - 1


def _session_year(text: str, *, anywhere: bool) -> int | None:
    """The year of the NPC session a text names as where it was delivered, or the one it records.

    With ``anywhere`` (a title) any session counts. In a body only a session the document was delivered
    at (在/向…会议上) or that is the subject of its first sentence (…会议听取/审议/通过) counts, never one it
    looks back on (第十二届…第一次会议以来的五年).
    """
    for pat in (_NPC_SESSION, _NPC_SHORT):
        for m in pat.finditer(text):
            before, after = text[max(0, m.start() - 2) : m.start()], text[m.end() : m.end() + 4]
            delivered = before.endswith(("在", "向")) or after.startswith(
                ("上", "听取", "审议", "通过", "关于")
            )
            opening = m.start() < 3
            if anywhere or delivered or opening:
                year = npc_session_year(_cn_number(m.group(1)), _cn_number(m.group(2)))
                if year:
                    return year
    return None


_DATE_LINE = re.compile(
    r"((?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|[〇○零一二三四五六七八九]{4}年[一二三四五六七八九十]{1,3}月"
    r"[一二三四五六七八九十]{1,3}日)[^。\n]{0,8}?在.{0,30}?(?:人民代表大会|人大).{0,20}?会议上"
)


# A document number (发文字号) carries the year of issue: 国发〔2023〕16号, 京政办发〔2016〕26号,
# 阿署办发[2007]22号.
_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,8}[〔\[［(（]\s*((?:19|20)\d{2})\s*[〕\]］)）]\s*\d{1,4}\s*号")
_OPENING_YEAR = re.compile(r"(?:^|\n)\s*((?:19|20)\d{2})\s*年(?:以来|度)?\s*[，,]")
# A meeting that looks back on a year's work (回顾总结2023年工作, 对2016年的工作进行总结,
# 报告对2022年工作作了回顾) is held after that year: in the next one.
_REVIEWED_YEAR = re.compile(
    r"(?:回顾|总结)(?:了)?((?:19|20)\d{2})\s*年(?!以来)"
    r"|召开((?:19|20)\d{2})\s*年度?[^。，,；;]{0,10}?总结"  # 召开2023年工作总结暨…部署会: held in 2024
    r"|对((?:19|20)\d{2})\s*年(?!以来)[^。，,；;]{0,20}?(?:进行了?|作了?|作出了?)?(?:全面)?(?:回顾|总结)"
)
_FULL_YEAR_DATE = re.compile(r"(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日")


# A document number alone on its line, its 号 lost (发改地区[2016]2817).
_BARE_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,8}[〔\[［]\s*((?:19|20)\d{2})\s*[〕\]］]\s*\d{1,4}")


def _doc_number_year(head: str, *, lines: int = 12) -> int | None:
    """The year in the document number on one of the first lines of the head (国发〔2023〕16号 → 2023); a
    number cited in running text (依据…〔2021〕3号文件) is not the document's own."""
    for ln in head.split("\n")[:lines]:
        s = ln.strip()
        m = _DOC_NUMBER.search(s) or _BARE_DOC_NUMBER.fullmatch(s)
        if m and "。" not in s and len(s) <= 40:
            return int(m.group(1))
    return None


def _held_year(text: str, published: dt.date | None) -> str | None:
    """The year a news item's event was held: the full date its first sentence opens with (2024年1月5日，…),
    else the year of its publication date; not a year the item names as what a meeting reviews
    (召开2023年度工作总结会 held in 2024)."""
    for ln in [x.strip() for x in text.split("\n") if x.strip()][:30]:
        if "。" in ln:
            m = re.match(r"^[^，,。]{0,20}?((?:19|20)\d{2})\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日", ln)
            if m:
                return m.group(1)
            break
    return str(published.year) if published else None


# A document a title or body cites by name (《…实施方案(2021—2025年)》): its years are the cited document's.
_CITED = re.compile(r"《[^《》]*》")
# A title that transmits another document (关于印发《…》的通知): the transmitted document's span or year is
# not the notice's own.
_TRANSMITS = re.compile(r"印发|转发|颁布")
# A body that opens by transmitting a cited document (《…》已经…通过，现印发给你们): a notice without its
# title.
_BODY_TRANSMITS = re.compile(r"《[^《》\n]+》[^。\n]{0,40}(?:印发|转发)给你们")
# The report's own statement of what it reports (现将周溪乡2024年法治政府建设工作报告如下).
_REPORTED_YEAR = re.compile(
    r"(?:现将|现就|对)[^。《》]{0,30}?((?:19|20)\d{2})\s*年度?[^。《》]{0,40}?(?:报告|汇报|总结)如下"
)
_ASCII_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def _year_of(title: str | None, head: str, genre: Genre | None) -> tuple[str | None, str | None]:
    """Period (a year or a span) and its source, from the title, document number, session, date line, genre
    rules or head, in that order."""
    found = _title_year(title)
    if found[0]:
        return found
    y = _doc_number_year(head)
    if y:
        return str(y), "doc_number"
    flat = re.sub(r"\s+", "", head)
    y = _session_year(flat, anywhere=False)
    if y:
        return str(y), "session"
    m = _DATE_LINE.search(flat)
    if m:
        d = parse_date(m.group(1))
        if d:
            return str(d.year), "date_line"
    if genre is not None:
        for pat, offset in genre.year_rules:
            m = pat.search(head.translate(_ASCII_DIGITS))
            if m:
                return str(int(m.group(1)) + offset), "genre_rule"
    if _TRANSMITS.search(title or "") or (not title and _BODY_TRANSMITS.search(head[:400])):
        # a transmitting notice's body opens with the document it transmits: its own year is its signature's
        d = _standalone_date(head)
        return (str(d.year), "signature") if d else (None, None)
    if genre is None or not genre.year_rules:
        return _head_year(head)
    return None, None


def _title_year(title: str | None) -> tuple[str | None, str | None]:
    """The span or year a title states, or the year of the NPC session it names; not the years of a
    document a transmitting notice cites (关于印发《…(2023—2025年)》的通知)."""
    t = (title or "").translate(_ASCII_DIGITS)
    if _TRANSMITS.search(t):
        t = _CITED.sub("", t)
    if not t:
        return None, None
    m = _YEAR_SPAN.search(t)
    if m and int(m.group(1)) < int(m.group(2)):
        return f"{m.group(1)}–{m.group(2)}", "title"
    m = _YEAR.search(t) or _CN_YEAR.search(t)
    if m:
        return m.group(1).translate(_DIGITS), "title"
    y = _session_year(t, anywhere=True)
    return (str(y), "session") if y else (None, None)


def _head_year(head: str) -> tuple[str | None, str | None]:
    """The year the opening of a body states: the year it opens with (2022年，…), the year after one a
    meeting reviews, else the first span or year in its first 200 characters outside the titles it cites."""
    h = head[:200].translate(_ASCII_DIGITS)
    first = re.sub(r"\s+", "", h).split("。", 1)[0]
    m = _REVIEWED_YEAR.search(first)
    if m and not _OPENING_YEAR.match(first) and not _FULL_YEAR_DATE.search(first):
        # the item's own event sums up a year (1月29日，市教育局召开2023年工作总结…会): held the next year,
        # whatever year a later paragraph opens with
        return str(int(next(g for g in m.groups() if g)) + 1), "body_cue"
    m = _OPENING_YEAR.search(h)
    if m:
        return m.group(1), "body_cue"  # the body opens with its year (2022年，司法部坚持…)
    m = _REPORTED_YEAR.search(_CITED.sub("", re.sub(r"\s+", "", head)).translate(_ASCII_DIGITS))
    if m:
        return m.group(1), "body_cue"  # 现将…2024年…报告如下: the year the report itself names
    m = _REVIEWED_YEAR.search(re.sub(r"\s+", "", head[:400]))
    if m and not _FULL_YEAR_DATE.search(h):  # a meeting looking back on last year
        return str(int(next(g for g in m.groups() if g)) + 1), "body_cue"
    own = _CITED.sub("", h)
    m = _YEAR_SPAN.search(own)
    if m and int(m.group(1)) < int(m.group(2)):
        return f"{m.group(1)}–{m.group(2)}", "body_cue"
    m = _YEAR.search(own)
    if m:
        return m.group(1), "body_cue"
    return None, None


_SIGNATURE_DATE = re.compile(
    r"^(?:(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|[〇○零一二三四五六七八九]{4}年[一二三四五六七八九十]{1,3}月"
    r"[一二三四五六七八九十]{1,3}日)$"
)


_RUN_DATE = re.compile(
    r"^(?:19|20)\d{2}(?:0?[1-9]|1[0-2])\d{1,2}$"
)  # 2017821, 20211022: a date whose digits ran together


_ISO_DATE = re.compile(r"(?:19|20)\d{2}[-./]\d{1,2}[-./]\d{1,2}")  # 2023-12-20 under an organ's name


_HEADER_FIELDS = re.compile(
    r"(成文日期|发布日期|发文日期|(?<!上传)(?<!下载)(?<!更新)(?<!修改)时间|日期)\s*[:：|]\s*([^\n|]{6,30})"
)
_FULL_DATE = re.compile(
    r"(?:19|20)\d{2}\s*[-年./]\s*\d{1,2}\s*[-月./]\s*\d{1,2}\s*日?|[〇○零一二三四五六七八九]{4}年[一二三四五六七八九十]{1,3}月"
    r"[一二三四五六七八九十]{1,3}日"
)


_UPDATE_TIME = re.compile(r"(?:更新|修改)时间\s*[:：|]\s*([^\n|]{6,30})")


_DATE_THEN_SOURCE = re.compile(
    r"(?:19|20)\d{2}-\d{1,2}-\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?\s+(?:(?:信息|文章)?来源|作者)\s*[:：]"
)


def _byline_date(text: str, *, lines: int = 15) -> dt.date | None:
    """The date of a byline near the top, before the first sentence: a short line that states a full date
    beside a site, an organ or a source (``中阳县政府  2016-03-21``, ``2019-03-18 11:49 来源:
    交通运输部网站``, ``——2025年3月5日在…会议上``); not a date alone on its line (a signature's), not an
    upload time."""
    for ln in [x.strip() for x in text.split("\n") if x.strip()][:lines]:
        if "。" in ln:
            return None  # the body has begun: a date below is a signature's, not a byline's
        if (len(ln) > 60 and not _DATE_THEN_SOURCE.search(ln)) or re.search(
            r"上传|下载|更新|修改|今天是|星期|生效|废止|施行|有效期", ln
        ):
            # a long line is no byline, unless a date is followed by its source (…的函 2022-11-07 来源:)
            continue
        if _SIGNATURE_DATE.match(re.sub(r"\s+", "", ln)):
            continue  # a date alone on its line signs something
        m = _FULL_DATE.search(ln)
        if m and (d := parse_date(m.group(0))):
            return d
    return None


def _standalone_date(text: str, *, lines: int = 40) -> dt.date | None:
    """The first line of the head that is only a date: the date under a notice's signature
    (``2016年5月28日``, ``二○○七年六月五日``)."""
    for ln in [x.strip() for x in text.split("\n") if x.strip()][:lines]:
        s = re.sub(r"\s+", "", ln).strip("（）()")
        if _SIGNATURE_DATE.match(s.replace("○", "〇")):
            return parse_date(s.replace("○", "〇"))
    return None
