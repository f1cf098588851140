"""The issuer's evidence, in precedence order: which organ a document names as its own.

In: the document's evidence gathered once (:class:`Evidence`: text, header facts, title, page-meta table,
signature organ, the division the title opens with) and a collection's issuer column.
Out: :func:`first_issuer` (the issuer and its source) and :data:`ISSUER_EVIDENCE`, the precedence itself.
How: each kind of evidence is one small function returning an organ's name as written, or None; the first
that names one wins, in the order of :data:`ISSUER_EVIDENCE` (a collection column, a header field, the
title's organ, the signature, bylines, the page-meta table's publisher, the first sentence, report and
compiler lines, clause subjects). A bare organ (市人民政府) that the signature names in full
(安陆市人民政府) takes the signature's name. The order is deliberate: the title and signature are the
document's own words about itself; a byline or table is often the portal's; the body's subjects are weakest.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .gazetteer import Division, _chain
from .issuer import (
    _BARE_TITLE_ORGAN,
    _YEAR_PREFIX,
    _adopting_session,
    _compiler_organ,
    _issuer_from_title,
    _official_byline,
    _organ_date_byline,
    _report_line_organ,
    _township_opening,
)
from .levels import UNIT_RANK, government_of, rank_level
from .mentions import _clause_subject
from .organ import _BARE_UNIT, _CENTRAL, _ORGAN_AFTER, _level_of, _organ_after
from .selfref import _self_reference
from .subject import _first_sentence_organ, _subject_organ, _township_organ
from .vocab import central_organ_at

# Organs of the other branches after a place in a title: the title is not its government's.
_OTHER_BRANCH = re.compile(r"^(?:中级|高级|基层)?(?:人民)?(?:法院|检察院)")


@dataclass(frozen=True)
class Evidence:
    """What the issuer rules read, found once per document."""

    text: str
    header: dict[str, str]
    title: str | None
    table: dict[str, str]  # a page-meta table's fields (发文机关, 发布机构 …)
    sig_organ: str | None  # the organ that signs the document
    opening: Division | None  # the division the title opens with


def _title_central(ev: Evidence) -> str | None:
    """A title that opens with the central government (国务院…, 中华人民共和国…), without 中华人民共和国."""
    m = _CENTRAL.match(_YEAR_PREFIX.sub("", ev.title)) if ev.title else None
    return re.sub(r"^中华人民共和国", "", m.group(0)) if m else None


def _title_central_organ(ev: Evidence) -> str | None:
    """A title that opens with a central organ (司法部2022年法治政府建设年度报告, 交通运输部办结…)."""
    return central_organ_at(_YEAR_PREFIX.sub("", ev.title)) if ev.title else None


# A headline about a meeting an official chairs (李强主持召开国务院常务会议): the meeting is its organ's.
_CHAIRED = re.compile(r"^[\u4e00-\u9fff]{2,4}?主持(?:召开)?(?=[\u4e00-\u9fff])")


def _title_chaired(ev: Evidence) -> str | None:
    """The organ whose meeting an official chairs in a headline (某某主持召开国务院全体会议 → 国务院;
    某某主持召开某市人民政府常务会议 → 某市人民政府), when the organ is named in full."""
    m = _CHAIRED.match(ev.title or "")
    if m is None:
        return None
    rest = ev.title[m.end() :]
    if c := _CENTRAL.match(rest):
        return re.sub(r"^中华人民共和国", "", c.group(0))
    if organ := central_organ_at(rest):
        return organ
    end = _chain(rest)[1]
    after = _ORGAN_AFTER.match(rest[end:]) if end else None
    return rest[: end + after.end()] if after else None


_ORGAN_ENDING = re.compile(r"(?:人民政府|政府|行政公署|办公厅|办公室|厅|局|委员会|常务委员会|人民代表大会)$")


def _organ_under_title(ev: Evidence) -> str | None:
    """An organ's name alone on the line under the title (a law database's 中华人民共和国…法 /
    全国人民代表大会常务委员会; a page's 关于…的通知 / 某县人民政府): the body that issued it."""
    if not ev.title:
        return None
    lines = [re.sub(r"\s+", "", ln) for ln in ev.text.split("\n") if ln.strip()][:30]
    for nxt in (lines[i + 1] for i in range(len(lines) - 1) if lines[i] == ev.title):
        if len(nxt) > 30 or not _ORGAN_ENDING.search(nxt):
            continue
        if (c := _CENTRAL.fullmatch(nxt)) or central_organ_at(nxt) == nxt:
            return re.sub(r"^中华人民共和国", "", c.group(0) if c else nxt)
        if _level_of(nxt)[1] != "unknown" and _chain(nxt)[1]:
            return nxt
    return None


# The unit a reply names for contact after its date (联系单位：某市住房和城乡建设局): the replying organ.
_CONTACT_UNIT = re.compile(r"^(?:联系单位|承办单位|办理单位)\s*[:：]\s*([\u4e00-\u9fff（）()]{4,30})$")


def _contact_unit(ev: Evidence) -> str | None:
    """The organ a reply's 联系单位/承办单位 line names in its last lines, when named in full."""
    for ln in [x.strip() for x in ev.text.split("\n") if x.strip()][-8:]:
        m = _CONTACT_UNIT.match(ln)
        if m and _chain(m.group(1))[1] and _level_of(m.group(1))[1] != "unknown":
            return m.group(1)
    return None


def _issuing_field(ev: Evidence) -> str | None:
    """The issuing organ's own field of a page-meta table (发文机关, 发文单位, 发布单位), when an organ."""
    named = ev.table.get("发文机关") or ev.table.get("发文单位") or ev.table.get("发布单位")
    return re.sub(r"\s+", "", named) if named and _level_of(named)[1] != "unknown" else None


def _title_bare_organ(ev: Evidence) -> str | None:
    """A title that opens with a bare organ (市司法局在全市…, 自治区人民政府办公厅2022…报告)."""
    m = _BARE_TITLE_ORGAN.match(_YEAR_PREFIX.sub("", ev.title)) if ev.title else None
    return m.group(0) if m else None


def _title_township(ev: Evidence) -> str | None:
    """A title that opens with a township and no division (下洋镇2023年…报告 → 下洋镇人民政府)."""
    return _township_opening(ev.title) if ev.opening is None else None


def _title_opening(ev: Evidence) -> str | None:
    """The organ after the division a title opens with (潢川县司法局2023年…; 某县某乡… → the township), or
    that division's government when no organ follows (许昌市法治政府建设实施方案); nothing when a court or
    procuratorate follows it (某市中级法院、某市司法局联合…)."""
    if ev.opening is None:
        return None
    t = _YEAR_PREFIX.sub("", ev.title or "")
    end = _chain(t)[1]
    rest = t[end:]
    organ, kind = _ORGAN_AFTER.match(rest), _organ_after(rest)
    if town := _township_opening(rest) or _township_organ(rest):
        return t[:end] + town  # 长沙市天心区坡子街街道办事处2022年…, 某区某镇2023年…
    if kind and not kind.endswith(("政府", "行政公署")) and (organ is None or len(kind) >= organ.end()):
        return t[:end] + kind  # 某市政务服务中心…, 某县发展和改革委…
    if organ and not organ.group(0).endswith("政府"):
        return t[: end + organ.end()]
    return None if _OTHER_BRANCH.match(rest) else f"{ev.opening.name}人民政府"


def _publisher(ev: Evidence) -> str | None:
    """A page's publisher (发布机构; after title and signature: it is often the portal), when an organ."""
    publisher = ev.header.get("publisher") or ev.table.get("发布机构") or ev.table.get("发文机关")
    return re.sub(r"\s+", "", publisher) if publisher and _level_of(publisher)[1] != "unknown" else None


def _clause_subject_agreeing(ev: Evidence) -> str | None:
    """The organ the body's clauses open with most often, when it is of the level the document speaks as."""
    who = _clause_subject(ev.text)
    return who if who and _agrees_with_self_reference(who, ev.text) else None


def _agrees_with_self_reference(organ: str, text: str) -> bool:
    """Whether an organ found only as a clause subject is of the level the document speaks as (我县, 全县,
    我局 …), when it speaks as any: a county's plan that names a township (某镇…) is not the
    township's."""
    _, own, _ = _self_reference(text, region_hint=None)
    region, level = _level_of(organ)
    own, level = government_of(own), government_of(level)
    # 我市 of a county-level city: its organs named in full (某市市场监管局) or bare (市市场监管局)
    county_city = level == rank_level("county") and (region or "").endswith("市")
    bare_city = level == rank_level("prefecture") and region is None and organ.startswith("市")
    return (
        own in ("unknown", level)
        or (own == rank_level("prefecture") and county_city)
        or (own == rank_level("county") and bare_city)
    )


ISSUER_EVIDENCE: tuple[tuple[str, Callable[[Evidence], str | None]], ...] = (
    ("header", lambda ev: ev.header.get("issuer")),
    ("title", lambda ev: _issuer_from_title(ev.title)),  # 河南省人民政府关于…的报告
    ("title", _title_central),
    ("title", _title_central_organ),
    ("title", _title_chaired),  # 某某主持召开国务院常务会议
    ("header", _issuing_field),
    ("title", _title_bare_organ),
    ("title", _title_township),
    ("title", _title_opening),
    ("signature", lambda ev: ev.sig_organ),
    ("title", _organ_under_title),  # 中华人民共和国…法 / 全国人民代表大会常务委员会
    ("signature", _contact_unit),  # 联系单位：某市住房和城乡建设局
    ("byline", lambda ev: _official_byline(ev.text)),  # 州财政局局长 某某
    ("byline", lambda ev: _organ_date_byline(ev.text)),  # 某县人民政府 2024年01月08日
    ("byline", lambda ev: _adopting_session(ev.text)),  # (…第六次会议通过)
    ("header", _publisher),
    ("first_sentence", lambda ev: _subject_organ(ev.text) or _first_sentence_organ(ev.text)),
    ("first_sentence", lambda ev: _report_line_organ(ev.text)),  # 现将省政府…报告如下
    ("first_sentence", lambda ev: _compiler_organ(ev.text)),  # 本报告由某局…编制
    ("mentions", _clause_subject_agreeing),
)


def _short_form(organ: str) -> str:
    """An organ's name with the long form of a commission's ending shortened (…委员会 → …委)."""
    return organ[: -len("员会")] if organ.endswith("委员会") else organ


def _names_in_full(full: str, bare: str) -> bool:
    """Whether ``full`` is ``bare`` with a division's name before it, of the same level (安陆市人民政府 of
    市人民政府; 某县卫生健康委员会 of 县卫生健康委: a commission's long and short names are one name)."""
    division, end = _chain(full)
    if division is None or not end:
        return False
    if full.endswith(bare):
        return True
    m = _BARE_UNIT.match(bare)
    if not m or _short_form(full[end:]) != _short_form(bare[m.end() :]):
        return False
    unit = m.group(1)  # 县 of a county, 市 of a city (also of a county-level city)
    return UNIT_RANK[unit] == division.rank or (unit == "市" and division.name.endswith("市"))


def first_issuer(ev: Evidence, *, given: str | None = None) -> tuple[str | None, str | None]:
    """The issuer and its source: a collection's value, else the first of :data:`ISSUER_EVIDENCE` that
    names an organ; a bare organ that the signature, else the page's publisher field, names in full takes
    that name."""
    issuer, source = (given, "collection") if given else (None, None)
    for key, find in ISSUER_EVIDENCE:
        if issuer is not None:
            break
        if who := find(ev):
            issuer, source = who, key
    if issuer is None or not _BARE_UNIT.match(issuer):
        return issuer, source
    # 市人民政府关于… signed 安陆市人民政府; 县卫生健康委… published by (发布机构) 某县卫生健康委员会
    for full, key in ((ev.sig_organ, "signature"), (_publisher(ev), "header")):
        if full and full != issuer and _names_in_full(full, issuer):
            return full, key
    return issuer, source
