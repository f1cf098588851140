"""Metadata inference: title, issuer, region, level of government, doc type, period, date from the text.

In: a clean body and the header facts found while cleaning. Out: an :class:`Inferred` record.
How: title from the head of the document; issuer before 关于 in the title; region and level from the
issuer's name or the document's self-references (我省, 我市...); doc type from cue phrases; dates from
header fields.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

# --------------------------------------------------------------------------------- metadata inference

PROVINCES = (
    "北京市", "天津市", "上海市", "重庆市", "河北省", "山西省", "辽宁省", "吉林省", "黑龙江省", "江苏省",
    "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省", "广东省", "海南省",
    "四川省", "贵州省", "云南省", "陕西省", "甘肃省", "青海省", "台湾省", "内蒙古自治区", "广西壮族自治区",
    "西藏自治区", "宁夏回族自治区", "新疆维吾尔自治区", "香港特别行政区", "澳门特别行政区",
)  # fmt: skip
_MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")
_DATE = re.compile(r"(20\d{2}|19\d{2})\s*[-年./]\s*(\d{1,2})\s*[-月./]\s*(\d{1,2})\s*日?")
_YEAR_SPAN = re.compile(r"[（(]?\s*(20\d{2})\s*(?:年)?\s*[—–\-－~～至到]+\s*(20\d{2})\s*年?\s*[)）]?")
_YEAR = re.compile(r"(20\d{2})\s*年")
_ISSUER_BEFORE_GUANYU = re.compile(r"^(.{2,60}?)\s*关于")
_REGION = re.compile(
    r"(?P<prov>" + "|".join(PROVINCES) + r"|[\u4e00-\u9fff]{2,3}省)?"
    r"(?P<city>[\u4e00-\u9fff]{2,6}?(?:自治州|地区|盟|市))?"
    r"(?P<county>[\u4e00-\u9fff]{1,6}?(?:自治县|自治旗|县|区|旗))?"
)


@dataclass
class Inferred:
    """Metadata inferred from a document's own text and header."""

    title: str | None = None
    issuer: str | None = None
    region: str | None = None
    level: str = "unknown"
    doc_type: str = "other"
    period: str | None = None
    published: dt.date | None = None

    def as_strings(self) -> dict[str, str | None]:
        return {
            "title": self.title,
            "issuer": self.issuer,
            "region": self.region,
            "level": self.level,
            "doc_type": self.doc_type,
            "period": self.period,
            "published": self.published.isoformat() if self.published else None,
        }


def parse_date(value: str | None) -> dt.date | None:
    """The first plausible date in a string (``2024-03-28 16:58``, ``2024年3月28日``, ``2024.3.28``)."""
    if not value:
        return None
    m = _DATE.search(value)
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _title_from_lines(text: str) -> str | None:
    """The title: the first short line that names a document genre, joined with a following (2022—2025年)."""
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()][:8]
    genre = re.compile(r"(报告|方案|意见|答复|规划|总结|通知|决定|办法|纲要|要点|计划|情况)[)）]?$")
    for i, ln in enumerate(lines):
        if len(ln) <= 80 and "。" not in ln and genre.search(ln):
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            if re.fullmatch(r"[（(]\s*20\d{2}\s*[—–\-－~～至]+\s*20\d{2}\s*年?\s*[)）]", nxt):
                return ln + nxt
            return ln
    return None


def _level_of(name: str | None) -> tuple[str | None, str]:
    """Region and level of government from the first body named in an issuer (or title) string.

    ``河南省人民政府`` → (河南省, province); ``河南省司法厅`` → (河南省, province_dept); ``许昌市…`` →
    (许昌市, city); ``中共潢川县委 潢川县人民政府`` → (潢川县, county); ``…镇人民政府`` → township.
    """
    first = re.split(r"[\s、,，]+", re.sub(r"^中共", "", (name or "").strip()))[0]
    if not first:
        return None, "unknown"
    m = _REGION.match(first)
    prov, city, county = (m.group("prov"), m.group("city"), m.group("county")) if m else (None, None, None)
    rest = first[m.end() :] if m else first
    # A bureau, office, commission or department of that government, rather than the government itself.
    dept = bool(re.search(r"(厅|局|委员会|委|办公室|办|署|中心)", rest)) and not re.fullmatch(r"(人民政府|政府|党委|委)?", rest)
    if county:
        return county, "county_dept" if dept else "county"
    if city in _MUNICIPALITIES and not prov:
        return city, "province_dept" if dept else "province"
    if city:
        return city, "city_dept" if dept else "city"
    if prov:
        return prov, "province_dept" if dept else "province"
    town = re.match(r"([\u4e00-\u9fff]{1,6}?(?:乡|镇|街道))", first)
    if town:
        return town.group(1), "township"
    return None, "unknown"


_SELF = re.compile(r"我(省|市|县|区|厅|局|委|办)")
_JURISDICTION = {"省": "province", "市": "city", "县": "county", "区": "county"}


def _level_from_self_reference(text: str) -> tuple[str | None, str]:
    """Fallback when no issuer is named: how the document refers to itself (我省/我市/我县, 我厅/我局).

    A body that calls itself 我厅/我局/我委 is a department of the jurisdiction it calls 我省/我市/我县;
    its region is the most-mentioned place of that rank in the text.
    """
    counts: dict[str, int] = {}
    for m in _SELF.finditer(text):
        counts[m.group(1)] = counts.get(m.group(1), 0) + 1
    juris = max((k for k in counts if k in _JURISDICTION), key=lambda k: counts[k], default=None)
    if juris is None:
        return None, "unknown"
    level = _JURISDICTION[juris]
    if any(k in counts for k in ("厅", "局", "委", "办")):
        level += "_dept"
    places: dict[str, int] = {}
    if level.startswith("province"):
        for p in PROVINCES:
            places[p] = text.count(p[:2])  # 河南 counts 河南省 and 法治河南 alike
    else:
        suffix = "市" if level.startswith("city") else "县"
        for pm in re.finditer(r"([\u4e00-\u9fff]{2,4}%s)" % suffix, text):
            places[pm.group(1)] = places.get(pm.group(1), 0) + 1
    region = max(places, key=lambda k: (places[k], k), default=None) if places else None
    return (region if region and places[region] > 0 else None), level


def _issuer_from_title(title: str | None) -> str | None:
    if not title:
        return None
    m = _ISSUER_BEFORE_GUANYU.match(title)
    if m:
        return re.sub(r"\s+", " ", m.group(1)).strip()
    return None


def _doc_type(title: str | None, text: str) -> str:
    t = title or ""
    if re.search(r"(提案|建议|议案)的?(答复|回复)|答复", t):
        return "proposal_reply"
    if re.search(r"(实施方案|实施意见|实施规划|规划|工作方案|行动方案)", t):
        return "implementation_plan"
    if re.search(r"(年度?|年)?.*(法治政府建设|依法行政).*(情况的?报告|工作报告|年度报告)|情况的?报告$", t):
        return "annual_report"
    if re.search(r"(工作总结|总结)$", t):
        return "work_summary"
    head = text[:300]
    if re.search(r"现将.{0,20}(情况)?(报告|汇报)如下", head):
        return "annual_report"
    return "other"


def _period(title: str | None, text: str, published: dt.date | None) -> str | None:
    for source in (title or "", text[:200]):
        m = _YEAR_SPAN.search(source)
        if m and int(m.group(1)) < int(m.group(2)):
            return f"{m.group(1)}–{m.group(2)}"
        m = _YEAR.search(source)
        if m:
            return m.group(1)
    if published:
        return str(published.year)
    return None


def infer_metadata(text: str, header: dict[str, str] | None = None, title_hint: str | None = None) -> Inferred:
    """Infer title, issuer, region, level, doc type, period and publication date from a document.

    Parameters
    ----------
    text
        The clean body.
    header
        Facts found while cleaning: ``published``/``source`` from page furniture, ``Published``/``Level``
        from a database export header, ``title``/``h1``/``html_title`` from HTML.
    title_hint
        A title the container states (first line of a database export).
    """
    header = header or {}
    title = title_hint or header.get("title") or header.get("h1") or _title_from_lines(text)
    if title:
        title = re.sub(r"\s+", " ", title).strip()
    issuer = _issuer_from_title(title)
    region, level = _level_of(issuer or title)
    if issuer is None and region and title and title.startswith(region) and level in ("province", "city", "county"):
        # A regional plan or report titled with its region and no named issuer is that region's government's.
        issuer = f"{region}人民政府"
    if level == "unknown":
        region, level = _level_from_self_reference(text)
    if level == "unknown":
        # A database export states the level of its issuer ("河南省 (Provincial-level units)").
        lv = header.get("Level", "")
        m = re.match(r"(\S+)\s*\((Provincial|Prefecture|County)", lv)
        if m:
            region = m.group(1)
            level = {"Provincial": "province", "Prefecture": "city", "County": "county"}[m.group(2)]
    published = parse_date(header.get("published") or header.get("Published"))
    return Inferred(
        title=title,
        issuer=issuer,
        region=region,
        level=level,
        doc_type=_doc_type(title, text),
        period=_period(title, text, published),
        published=published,
    )
