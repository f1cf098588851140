"""Candidates for the issuer: the title, signature, bylines, metadata tables, report lines and sources.

In: a title and a clean body. Out: one function per kind of evidence, each returning an organ's name as
written or None: :func:`_issuer_from_title`, :func:`_township_opening`, :func:`_region_opening`,
:func:`_signature`, :func:`_official_byline`, :func:`_organ_date_byline`, :func:`_adopting_session`,
:func:`_report_line_organ`, :func:`_compiler_organ`, :func:`_source_field`/:func:`_organ_from_source`,
:func:`_table_fields`.
How: each is a narrow pattern on one place of the document; :mod:`.infer` tries them in a fixed precedence.
"""

from __future__ import annotations

import datetime as dt
import re

from .dates import _ISO_DATE, _RUN_DATE, _SIGNATURE_DATE, parse_date
from .gazetteer import _MUNICIPALITIES, Division, _chain, gazetteer
from .organ import _BARE_GOV, _BARE_UNIT, _NOT_IN_ORGAN, _SIGNATURE_ORGAN, _UNIT_RANK, _level_of
from .subject import _township_organ

_ISSUER_BEFORE_GUANYU = re.compile(r"^(.{2,60}?)\s*关于")
_YEAR_PREFIX = re.compile(r"^\s*(?:(?:19|20)\d{2}|[〇○零一二三四五六七八九]{4})\s*年度?\s*")


def _issuer_from_title(title: str | None) -> str | None:
    """The organ a title names before 关于 (``河南省人民政府关于…的报告``)."""
    if not title:
        return None
    m = _ISSUER_BEFORE_GUANYU.match(title)
    if m:
        cand = re.sub(r"\s+", " ", m.group(1)).strip()
        organ_like = re.fullmatch(r"[\u4e00-\u9fff（）()、\s]+", cand)  # no field label, number or date
        if organ_like and not re.search(r"[《》“”]", cand) and not cand.startswith(("对", "印发", "转发")):
            return cand
    return None


_TOWNSHIP_OPENING = re.compile(
    r"^(?P<name>(?![全各本我该城])[\u4e00-\u9fff]{2,6}?(?P<unit>镇|乡|街道|苏木))"
    r"(?:(?P<organ>人民政府|政府|办事处|街道办事处)|(?=(?:19|20)\d{2}\s*年|关于))"
)


def _township_opening(title: str | None) -> str | None:
    """The township government a title opens with (``下洋镇2023年…报告`` → 下洋镇人民政府, ``某街道关于…`` →
    某街道办事处); a title opening with a division of the gazetteer is not a township's."""
    if not title:
        return None
    t = _YEAR_PREFIX.sub("", title)
    m = _TOWNSHIP_OPENING.match(t)
    if not m or _chain(t)[1] or m.group("name") in ("城乡", "乡镇", "城镇"):
        return None
    if m.group("organ"):
        return m.group(0)
    return m.group("name") + ("办事处" if m.group("unit") == "街道" else "人民政府")


def _region_opening(title: str | None) -> Division | None:
    """The division a title opens with, after a year (``2025年上海市政府工作报告`` → 上海市)."""
    if not title:
        return None
    t = _YEAR_PREFIX.sub("", title)
    d, end = _chain(t)
    return d if end else None


_OFFICIAL_BYLINE = re.compile(
    r"^(?P<organ>(?:中共)?[\u4e00-\u9fff]{1,24}?(?:人民政府|政府|行政公署|办公厅|办公室|厅|局|委员会))"
    r"(?:党组书记、|党委书记、)?(?:代理)?(?:厅长|局长|主任|省长|市长|州长|县长|区长|旗长|盟长|乡长|镇长|专员|主席|代主席)"
    r"[\s\u3000]*[\u4e00-\u9fff·]{2,4}$"
)


def _official_byline(text: str, *, lines: int = 8) -> str | None:
    """The organ of the official who signs a speech or report under its title (``州财政局局长 文金哲``,
    ``某县人民政府县长 某某``), on one of the first lines."""
    for ln in [x.strip() for x in text.split("\n") if x.strip()][:lines]:
        m = _OFFICIAL_BYLINE.match(ln)
        if m:
            return m.group("organ")
    return None


def _signature_pair(text: str) -> str | None:
    """The organ of the last signature block anywhere in the text: an organ's name on its own line followed
    by a date line (``舟曲县教育局`` / ``2021年4月6日``, also ``20211022`` with the digits run together), so
    that page furniture after a signature (附件下载, 上一条, 网站地图) does not hide it."""
    lines = [re.sub(r"\s+", "", ln).strip("（）()") for ln in text.split("\n") if ln.strip()]
    for i in range(len(lines) - 2, 0, -1):
        organ, nxt = lines[i], lines[i + 1]
        if (
            _SIGNATURE_ORGAN.match(organ)
            and len(organ) <= 40
            and not organ.endswith("会议")
            and (_SIGNATURE_DATE.match(nxt) or _RUN_DATE.match(nxt) or _ISO_DATE.fullmatch(nxt))
        ):
            return organ
    return None


# 现将省政府2021年度…情况报告如下, 现将县人民政府2022年…报告如下: the organ that reports (not 我局, 本街道).
_REPORT_LINE = re.compile(
    r"现将(?![我本])(?P<who>[\u4e00-\u9fff]{1,24}?(?:人民政府|政府|行政公署|厅|局|委员会|办公室|办事处))"
    r"(?:(?:19|20)\d{2}\s*年度?)?[^。\n]{0,40}?(?:报告|汇报)如下"
)
# An organ with a date under a title (清水县人民政府 2024年01月08日), not a portal (…网站, …门户网站).
_BYLINE_ORGAN = (
    r"(?P<organ>(?:中共)?[\u4e00-\u9fff]{2,30}?(?:人民政府|政府|行政公署|办公厅|办公室|厅|局|委员会|办事处))"
)
_BYLINE_DATE = r"(?:19|20)\d{2}\s*[-年./]\s*\d{1,2}\s*[-月./]\s*\d{1,2}\s*日?"
# ... in either order (2024-08-09 08:46 某市司法局), the clock time of a posting allowed after the date.
_ORGAN_DATE_BYLINE = re.compile(
    rf"^{_BYLINE_ORGAN}[\s\u3000]+{_BYLINE_DATE}$"
    rf"|^{_BYLINE_DATE}(?:\s+\d{{1,2}}:\d{{2}}(?::\d{{2}})?)?[\s\u3000]+"
    + _BYLINE_ORGAN.replace("organ>", "organ2>")
    + "$"
)
# (2024年2月4日梧州市第十五届人民代表大会第六次会议第四次全体会议通过): the session that adopted a resolution.
_ADOPTED_BY = re.compile(
    r"[（(]\s*(?:(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)?\s*"
    r"(?P<who>[\u4e00-\u9fff]{0,20}第[一二三四五六七八九十]{1,3}届人民代表大会(?:常务委员会)?第[一二三四五六七八九十]{1,3}次会议)"
    r"(?:第[一二三四五六七八九十]{1,3}次全体会议)?\s*通过\s*[)）]"
)


# The organ that made a report, in its opening (本报告由区政府办公室根据《条例》编制,
# 区统计局编制了本年度报告).
_COMPILER_ORGAN = (
    r"(?:[\u4e00-\u9fff]{1,20}?|)(?:省|市|县|区|州|盟|旗|镇|乡|街道)[\u4e00-\u9fff]{0,12}?"
    r"(?:人民政府|政府|办公厅|办公室|厅|局|委员会|中心|办事处)"
)
_COMPILER = re.compile(
    rf"本(?:年度)?报告(?:是)?由(?P<who>{_COMPILER_ORGAN})(?:根据|依据|按照|结合|编制|负责)"
    rf"|(?:[。，,；;]|^)(?P<who2>{_COMPILER_ORGAN})(?:根据|依据|按照)?[^。\n]{{0,60}}?(?:编制|编写|制作)(?:了|完成)?"
    r"(?:本|此)(?:年度)?报告"
    rf"|现(?:予以)?(?:公布|发布)(?P<who3>{_COMPILER_ORGAN})(?:(?:19|20)\d{{2}}年度?)[^。\n]{{0,24}}?报告"
)


def _compiler_organ(text: str, *, chars: int = 600) -> str | None:
    """The organ a report says made it (``本报告由区政府办公室根据…编制``), when it names a body of
    government."""
    for m in _COMPILER.finditer(re.sub(r"\s+", "", text[:chars])):
        who = m.group("who") or m.group("who2") or m.group("who3")
        if _level_of(who)[1] != "unknown" and not _NOT_IN_ORGAN.search(who.removeprefix("本")):
            return who
    return None


def _report_line_organ(text: str, *, chars: int = 400) -> str | None:
    """The organ a report names as its sender in its opening (``现将省政府2021年度…报告如下`` → 省政府)."""
    m = _REPORT_LINE.search(re.sub(r"\s+", "", text[:chars]))
    return m.group("who") if m else None


def _organ_date_byline(text: str, *, lines: int = 8) -> str | None:
    """The organ of a byline that is an organ's name and a date, on one of the first lines, before the
    body."""
    for ln in [x.strip() for x in text.split("\n") if x.strip()][:lines]:
        if "。" in ln:
            return None
        m = _ORGAN_DATE_BYLINE.match(ln)
        if m:
            return m.group("organ") or m.group("organ2")
    return None


def _adopting_session(text: str, *, chars: int = 400) -> str | None:
    """The people's congress session that adopted a resolution, from its adoption line."""
    m = _ADOPTED_BY.search(re.sub(r"\s+", "", text[:chars]))
    if m and _chain(m.group("who"))[1]:
        return m.group("who")
    return None


def _signature(text: str) -> tuple[str | None, dt.date | None]:
    """The organ and date that sign a document: its last lines (``河南省人民政府`` / ``2024年3月1日``), else
    the last organ-and-date block before trailing furniture (:func:`_signature_pair`, organ only)."""
    organ, date = _signature_at_end(text)
    return organ or _signature_pair(text), date


def _signature_at_end(text: str) -> tuple[str | None, dt.date | None]:
    lines = [ln.strip().strip("（）()") for ln in text.split("\n") if ln.strip()][-4:]
    organ, date = None, None
    for ln in reversed(lines):
        s = re.sub(r"\s+", "", ln)
        if date is None and _SIGNATURE_DATE.match(s):
            date = parse_date(s)
            continue
        if organ is None and _SIGNATURE_ORGAN.match(s) and len(s) <= 40:
            organ = s
            break
        if "。" in s:
            break
    return organ, date


# An organ's internal office named after it in a source line (某厅新闻宣传处, 某局办公室科): the organ is the
# issuer.
_INNER_UNIT = re.compile(r"^(.{2,30}?(?:厅|局|委员会))[\u4e00-\u9fff]{2,10}?(?:处|科|股)$")


# The next field of a page's byline run into a source value (区司法局发布时间:…, 某局浏览次数:…).
_SOURCE_TAIL = re.compile(
    r"发布时间|发布日期|更新时间|浏览次数|访问次数|点击数|点击次数|阅读数|阅读次数|阅读量|作者[:：]|时间[:：]|日期[:：]"
    r"|(?:责任)?编辑[:：]"
)


def _organ_from_source(source: str, region: str | None) -> str | None:
    """The organ a page's 来源/信息来源 line names, when it is one (not a newspaper or a division 处):
    a full name as it stands, a bare one (县司法局) completed with the region of that rank (潢川县司法局)."""
    s = _SOURCE_TAIL.split(re.sub(r"\s+", "", source))[0]  # 区司法局发布时间:2025-11-07 → 区司法局
    s = _INNER_UNIT.sub(r"\1", s)  # 省应急管理厅新闻宣传处 → 省应急管理厅: the organ, not its office
    if not (_SIGNATURE_ORGAN.match(s) or _BARE_GOV.match(s)) or s.endswith("会议"):
        return None
    if _chain(s)[1]:
        return s
    m = _BARE_UNIT.match(s)
    if m and region and region in gazetteer():
        d = gazetteer().by_name[region][0]
        rank = "province" if d.name in _MUNICIPALITIES else d.rank  # (a rank of the gazetteer)
        unit_rank = _UNIT_RANK[m.group(1)]
        if unit_rank == rank or (m.group(1) == "市" and (d.name in _MUNICIPALITIES or d.name.endswith("市"))):
            return d.name + s[m.end() :]  # 市人民政府 of 安陆市, a county-level city, is 安陆市人民政府
    if m and (region is None or region not in gazetteer()):
        return s  # a bare organ whose place the text never names is the issuer as named (区应急管理局)
    if not m and (
        _township_organ(s + "召开") or re.match(r"^(?:乡|镇|街道|苏木)(?:人民政府|政府|办事处)$", s)
    ):
        return s  # a township government or street office (某镇人民政府, 某街道办事处)
    return None


_SOURCE_FIELD = re.compile(
    r"(?:信息来源|文章来源|来源|发布机构|发布单位)\s*[:：]\s*([\u4e00-\u9fff（）()]{2,30})"
)


def _source_field(text: str, *, lines: int = 15) -> str | None:
    """The value of a 来源/信息来源/发布机构 field left in the head or the tail of the text."""
    kept = [ln for ln in text.split("\n") if ln.strip()]
    for ln in kept[:lines] + kept[-lines:]:
        m = _SOURCE_FIELD.search(ln)
        if m:
            return m.group(1)
    return None


_BARE_TITLE_ORGAN = re.compile(
    r"^(?:自治区|自治州|自治县|省|市|县|区|州|盟|旗)(?:人民政府|政府)?"
    r"(?:办公厅|办公室|[\u4e00-\u9fff]{1,10}?(?:厅|局|委员会))(?=[\u4e00-\u9fff]|\d)"
)


# A government-information metadata table (索引号 / 发布机构 / 公开日期 / 文号) rendered as text: labels and
# values separated by spaces, colons, cell bars or the brackets of a bracketed label
# ([ 发布机构 ] 某乡人民政府).
_TABLE_FIELD = re.compile(
    r"(发布机构|发文机关|发文单位|发布单位|公开日期|发文时间|发文日期|发布日期|成文日期|信息时间)[\s:：|｜\]］】]*([^\s|｜:：\[\]［］【】]{2,30}(?:\s+\d{1,2}:\d{2})?)"
)


def _table_fields(text: str, *, lines: int = 15) -> dict[str, str]:
    """Fields of a metadata table in the head (the first value of each label); values that are labels
    themselves (an empty cell: ``文 号   发布机构  舟曲县教育局``) are skipped."""
    out: dict[str, str] = {}
    for ln in [x for x in text.split("\n") if x.strip()][:lines]:
        if "。" in ln:
            continue
        for key, value in _TABLE_FIELD.findall(ln):
            if not _TABLE_FIELD.match(value + " x"):
                out.setdefault(key, value)
    return out
