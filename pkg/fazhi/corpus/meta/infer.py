"""Metadata inference: the record and the precedence that combines the evidence of the other modules.

In: a clean body, the header facts found while cleaning, a title hint and a collection's own columns.
Out: :class:`Inferred` with ``sources`` per field, from :func:`infer_metadata`.
How: see :mod:`fazhi.corpus.metadata` for the field-by-field precedence; collection values come first when
valid, then the text's evidence in a fixed order; a field the text does not support stays null/unknown.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from ...schema import DOC_TYPES, LEVELS
from .dates import (
    _HEADER_FIELDS,
    _UPDATE_TIME,
    _byline_date,
    _held_year,
    _standalone_date,
    _year_of,
    parse_date,
)
from .gazetteer import _MUNICIPALITIES, _chain, gazetteer
from .issuer import (
    _BARE_TITLE_ORGAN,
    _YEAR_PREFIX,
    _adopting_session,
    _compiler_organ,
    _issuer_from_title,
    _official_byline,
    _organ_date_byline,
    _organ_from_source,
    _region_opening,
    _report_line_organ,
    _signature,
    _source_field,
    _table_fields,
    _township_opening,
)
from .levels import government_of, is_dept, rank_level, with_dept
from .mentions import _clause_subject
from .organ import (
    _BARE_UNIT,
    _CENTRAL,
    _ORGAN_AFTER,
    _RANK_LEVEL,
    _UNIT_FORMS,
    _level_of,
    _organ_after,
    _party_full_name,
)
from .selfref import _level_from_salutation, _named_own, _self_reference
from .subject import _first_sentence_organ, _subject_organ, _township_organ
from .title import _WIDGET_LINE, _title_line, find_title
from .vocab import central_organ_at, genres

FIELDS = ("title", "issuer", "region", "level", "doc_type", "period", "published")


@dataclass
class Inferred:
    """Metadata inferred from a document's text, header and collection columns, with each field's source."""

    title: str | None = None
    issuer: str | None = None
    region: str | None = None
    level: str = "unknown"
    doc_type: str = "other"
    period: str | None = None
    published: dt.date | None = None
    sources: dict[str, str | None] = field(default_factory=dict)
    rejected_given: dict[str, tuple[str, str]] = field(default_factory=dict)  # field -> (value, problem)
    from_text: dict[str, str | None] | None = (
        None  # what the text alone gives, when collection values were used
    )

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


def _doc_type(title: str | None, text: str) -> tuple[str, str | None]:
    """Doc type and its source: the first genre whose title cue matches, else whose body cue matches."""
    gs = genres()
    t = title or ""
    if t:
        for g in gs.genres:
            if any(p.search(t) for p in g.title):
                return g.name, "title"
    head, tail = text[: gs.head_chars], text[-gs.tail_chars :]
    for g in gs.genres:
        if any(p.search(head) or p.search(tail) for p in g.body):
            return g.name, "body_cue"
    return "other", None


def _valid_given(field_name: str, value: str | None) -> tuple[str | None, str | None]:
    """A collection column's value, validated like a sidecar value: (value, None) or (None, problem)."""
    from ..sidecar import validate_value

    return validate_value(field_name, value)


def _given_field(given: dict[str, str], fld: str) -> str | None:
    """The value a collection's columns give for one field. Column names are those of
    ``data/collection_columns.toml`` (the one list of them, shared with the collection readers), compared
    as the readers compare them; the field's own name counts too. A period is a ``period`` column, else a
    ``year`` column."""
    from ..collections import column_rules, normalise_column_name

    rules = column_rules()
    lookup = {normalise_column_name(str(k)): v for k, v in given.items()}
    names = [fld, *rules.fields.get(fld, ())]
    if fld == "period":
        names += ["year", *rules.fields.get("year", ())]
    for alias in names:
        v = lookup.get(normalise_column_name(alias))
        if (
            v is not None
            and str(v).strip()
            and str(v).strip().lower() not in ("none", "null", "nan", "nat", "na")
        ):
            return str(v).strip()
    return None


# Organs of the other branches after a place in a title: the title is not its government's.
_OTHER_BRANCH = re.compile(r"^(?:中级|高级|基层)?(?:人民)?(?:法院|检察院)")


def _agrees_with_self_reference(organ: str, text: str) -> bool:
    """Whether an organ found only as a clause subject is of the level the document speaks as (我县, 全县,
    我局 …), when it speaks as any: a county's plan that names a township (某镇…) is not the
    township's."""
    _, own, _ = _self_reference(text, region_hint=None)
    region, level = _level_of(organ)
    own, level = government_of(own), government_of(level)
    # 我市 of a county-level city
    county_city = level == rank_level("county") and (region or "").endswith("市")
    return own in ("unknown", level) or (own == rank_level("prefecture") and county_city)


_PUBLISHED_LABEL = re.compile(r"(?:发布时间|发布日期|发文日期)\s*[:：]?\s*(\S.{5,24})")


def _labelled_header_date(header: dict[str, str]) -> str | None:
    """A publication date labelled inside another header field, where a byline ran together (``source``:
    ``区司法局发布时间:2025-11-07 16:34``)."""
    for key in sorted(header):
        m = _PUBLISHED_LABEL.search(str(header[key]))
        if m and parse_date(m.group(1)):
            return m.group(1)
    return None


def infer_metadata(
    text: str,
    header: dict[str, str] | None = None,
    title_hint: str | None = None,
    *,
    given: dict[str, str] | None = None,
) -> Inferred:
    """Infer title, issuer, region, level, doc type, period and publication date from a document.

    Parameters
    ----------
    text
        The clean body.
    header
        Facts found while cleaning: ``published``/``source``/``title``/``issuer``/``成文日期`` from page
        furniture and meta tables, ``Published``/``Level`` from a database export header,
        ``title``/``h1``/``html_title`` from HTML.
    title_hint
        A title the container states (first line of a database export).
    given
        Metadata from a collection's own columns (title, year, province/region, issuer, publish_date,
        level, doc_type...). Valid values are used with source ``collection``; invalid ones are listed in
        ``rejected_given`` and never used.

    Returns
    -------
    Inferred
        The fields, with ``sources[field]`` saying where each came from (null when not found); when
        collection values were used, ``from_text`` holds what the text alone gives, so that they can be
        checked against each other.
    """
    header = header or {}
    given = given or {}
    src: dict[str, str | None] = dict.fromkeys(FIELDS)
    rejected: dict[str, tuple[str, str]] = {}
    g: dict[str, str] = {}
    for fld in FIELDS:
        raw = _given_field(given, fld)
        if raw is None:
            continue
        if fld == "period" and re.fullmatch(r"\d{4}(?:\.0)?", raw):
            raw = raw[:4]
        if fld == "published" and (d := parse_date(raw)) is not None and raw.startswith(str(d.year)):
            raw = d.isoformat()  # a collection's date column may carry a time (2026-02-09 09:20)
        value, problem = _valid_given(fld, raw)
        if problem:
            rejected[fld] = (raw, problem)
        elif value is not None:
            g[fld] = value

    # title
    title, src["title"] = None, None
    for key, value in (("collection", g.get("title")), ("title", title_hint), ("header", header.get("title")),
                       ("h1", header.get("h1"))):  # fmt: skip
        if value:
            title, src["title"] = value, key
            break
    if title is None:
        title = find_title(text)
        src["title"] = "title" if title else None
    if title is None and header.get("html_title"):
        # a page's <title> is the document's title followed by the site's name (标题_某县人民政府网)
        first = re.split(r"\s*[_|｜—–-]+\s*", header["html_title"].strip())[0]
        if _title_line(first):
            title, src["title"] = first, "header"
    if title:
        title = re.sub(r"\s+", " ", title).strip()

    # issuer and its level
    issuer, region, level = None, None, "unknown"
    for key, value in (("collection", g.get("issuer")), ("header", header.get("issuer"))):
        if value:
            issuer, src["issuer"] = value, key
            break
    if issuer is None:
        issuer = _issuer_from_title(title)
        src["issuer"] = "title" if issuer else None
    sig_organ, sig_date = _signature(text)
    opening = _region_opening(title)
    if issuer is None and title and _CENTRAL.match(_YEAR_PREFIX.sub("", title)):
        issuer, src["issuer"] = _CENTRAL.match(_YEAR_PREFIX.sub("", title)).group(0), "title"  # type: ignore[union-attr]
        issuer = re.sub(r"^中华人民共和国", "", issuer)
    if issuer is None and title and (organ := central_organ_at(_YEAR_PREFIX.sub("", title))):
        issuer, src["issuer"] = organ, "title"  # 司法部2022年法治政府建设年度报告, 交通运输部办结…
    table = _table_fields(text)
    named = table.get("发文机关") or table.get("发文单位") or table.get("发布单位")
    if issuer is None and named and _level_of(named)[1] != "unknown":
        issuer, src["issuer"] = re.sub(r"\s+", "", named), "header"  # the issuing organ's own field
    if issuer is None and title and (bare := _BARE_TITLE_ORGAN.match(_YEAR_PREFIX.sub("", title))):
        issuer, src["issuer"] = bare.group(0), "title"  # 市司法局在全市…, 自治区人民政府办公厅2022…报告
    if issuer is None and opening is None and (town := _township_opening(title)):
        issuer, src["issuer"] = town, "title"  # 下洋镇2023年法治政府建设年度报告 → 下洋镇人民政府
    if issuer is None and opening is not None:
        # A title that opens with an organ (潢川县司法局2023年…) names it; one that opens with a region and
        # no organ (许昌市法治政府建设实施方案) is that region's government's.
        t = _YEAR_PREFIX.sub("", title or "")
        end = _chain(t)[1]
        organ = _ORGAN_AFTER.match(t[end:])
        kind = _organ_after(t[end:])
        town = _township_opening(t[end:]) or _township_organ(t[end:])  # 某县某乡召开… is the township's
        if town:
            issuer, src["issuer"] = (
                t[:end] + town,
                "title",
            )  # 长沙市天心区坡子街街道办事处2022年…, 某区某镇2023年…
        elif kind and not kind.endswith(("政府", "行政公署")) and (organ is None or len(kind) >= organ.end()):
            issuer, src["issuer"] = t[:end] + kind, "title"  # 某市政务服务中心…, 某县发展和改革委…
        elif organ and not organ.group(0).endswith("政府"):
            issuer, src["issuer"] = t[: end + organ.end()], "title"
        elif not _OTHER_BRANCH.match(t[end:]):
            issuer, src["issuer"] = f"{opening.name}人民政府", "title"
        # else a court or procuratorate opens the title (某市中级法院、某市司法局联合…): no government's
    if issuer is None and sig_organ:
        issuer, src["issuer"] = sig_organ, "signature"
    if issuer is None and (who := _official_byline(text)):
        issuer, src["issuer"] = who, "byline"
    if issuer is None and (who := _organ_date_byline(text)):
        issuer, src["issuer"] = who, "byline"
    if issuer is None and (who := _adopting_session(text)):
        issuer, src["issuer"] = who, "byline"
    publisher = header.get("publisher") or table.get("发布机构") or table.get("发文机关")
    if issuer is None and publisher and _level_of(publisher)[1] != "unknown":
        issuer, src["issuer"] = re.sub(r"\s+", "", publisher), "header"  # 发布机构: after title and signature
    if issuer is None:
        organ = _subject_organ(text) or _first_sentence_organ(text)
        if organ:
            issuer, src["issuer"] = organ, "first_sentence"
    if issuer is None and (who := _report_line_organ(text)):
        issuer, src["issuer"] = who, "first_sentence"
    if issuer is None and (who := _compiler_organ(text)):
        issuer, src["issuer"] = who, "first_sentence"  # a disclosure report: 本报告由某局…编制
    if issuer is None and (who := _subject_organ(text)):
        issuer, src["issuer"] = who, "first_sentence"  # a news item: the body that held the meeting
    if issuer is None and (who := _clause_subject(text)) and _agrees_with_self_reference(who, text):
        issuer, src["issuer"] = who, "mentions"  # the organ the body's clauses open with most often
    if (
        issuer is not None
        and sig_organ
        and sig_organ != issuer
        and _BARE_UNIT.match(issuer)
        and (sig_organ.endswith(issuer) and _chain(sig_organ)[1])
    ):
        issuer, src["issuer"] = sig_organ, "signature"  # 市人民政府关于… signed 安陆市人民政府
    if issuer is not None:
        issuer = _party_full_name(issuer)
        region, level = _level_of(issuer)
        known = region is not None and region in gazetteer()
        src["level"] = "gazetteer" if known else ("issuer" if level != "unknown" else None)
        src["region"] = "gazetteer" if known else ("issuer" if region else None)  # a township, as named
    hint, hint_source = None, None
    if g.get("region") and g["region"] in gazetteer():
        hint, hint_source = gazetteer().by_name[g["region"]][0], "collection"
    elif opening is not None:
        hint, hint_source = opening, "title"
    if level == "unknown":
        lv = _level_from_salutation(text)
        if lv:
            level, src["level"] = lv, "salutation"
            if hint is not None and _RANK_LEVEL[hint.rank] == government_of(lv):
                region, src["region"] = hint.name, hint_source
    if level == "unknown":
        r, lv, who = _self_reference(text, region_hint=hint)
        if lv != "unknown":
            region, level = r, lv
            src["level"] = "self_reference"
            src["region"] = "self_reference" if r else None
            if issuer is None and who:
                issuer, src["issuer"] = who, "salutation"
            elif issuer is None and lv == rank_level("township") and r:
                # the township a township's document names
                issuer, src["issuer"] = r + ("办事处" if r.endswith("街道") else "人民政府"), "self_reference"
    if issuer is not None and region is None and _BARE_UNIT.match(issuer) and level != "unknown":
        # a bare organ (区司法局, 省政府): its region is the one the document calls its own
        r, lv, _ = _self_reference(text, region_hint=hint)
        if (
            r in _MUNICIPALITIES
            and issuer.startswith("市")
            and government_of(level) == rank_level("prefecture")
        ):
            level = rank_level("province", dept=is_dept(level))  # 市政府 of 北京市: a provincial government
        unit0 = _BARE_UNIT.match(issuer)
        ending = _UNIT_FORMS[unit0.group(1)][1] if unit0 else ""
        if r and government_of(lv) == government_of(level) and r.endswith(ending):
            region, src["region"] = r, "self_reference"
            issuer = _organ_from_source(issuer, r) or issuer
        elif (unit := _BARE_UNIT.match(issuer)) and (d := _named_own(text, unit.group(1))) is not None:
            # no self-reference of that rank: the division of the organ's own kind the text names most (a
            # county's bureau writes about its county, 省司法厅 about 山东省, 市司法局 about 焦作市)
            region, src["region"] = d.name, "mentions"
            new_level = _RANK_LEVEL[d.rank] if d.name not in _MUNICIPALITIES else rank_level("province")
            level = with_dept(new_level, is_dept(level))
            issuer = _party_full_name(_organ_from_source(issuer, d.name) or issuer)
    source_value = header.get("source") or _source_field(text)
    if issuer is None and source_value:
        organ = _organ_from_source(source_value, region)
        if organ:
            issuer, src["issuer"] = organ, "header"
            r, lv = _level_of(organ)
            same_rank = government_of(lv) == government_of(level)
            weak = src["level"] in (None, "self_reference") and r is not None  # a named organ beats 我县
            if lv != "unknown" and (level == "unknown" or same_rank or weak):
                region, level = r or region, lv
                src["level"] = "header" if weak and not same_rank else (src["level"] or "header")
                src["region"] = "header" if weak and not same_rank else src["region"]
    if level == "unknown":
        # A database export states the level of its issuer ("河南省 (Provincial-level units)").
        m = re.match(r"(\S+)\s*\((Provincial|Prefecture|County)", header.get("Level", ""))
        if m:
            region = m.group(1) if m.group(1) in gazetteer() else None
            level = rank_level(
                {"Provincial": "province", "Prefecture": "prefecture", "County": "county"}[m.group(2)]
            )
            src["level"], src["region"] = "header", ("header" if region else None)
    if g.get("region"):
        d = gazetteer().by_name[g["region"]][0] if g["region"] in gazetteer() else None
        inside = (
            d is not None
            and d.rank == "province"
            and region is not None
            and region in gazetteer()
            and gazetteer().by_name[region][0].province == d.name
            and region != d.name
        )
        if not inside:  # a province column does not overwrite a city or county of that province
            region, src["region"] = g["region"], "collection"
    if g.get("level"):
        level, src["level"] = g["level"], "collection"

    # doc type
    doc_type, src["doc_type"] = _doc_type(title, text)
    if g.get("doc_type"):
        doc_type, src["doc_type"] = g["doc_type"], "collection"
    genre = next((x for x in genres().genres if x.name == doc_type), None)

    # published
    published, src["published"] = None, None
    fields = dict(_HEADER_FIELDS.findall(text[:600]))
    for key, value in (
        ("header", header.get("published") or header.get("Published") or header.get("发布日期")),
        ("collection", g.get("published")),
        ("header", header.get("成文日期") or header.get("date")),
        ("header", fields.get("发布日期") or fields.get("成文日期") or fields.get("发文日期")),
        ("header", fields.get("时间") or fields.get("日期")),
        (
            "header",
            table.get("发布日期")
            or table.get("公开日期")
            or table.get("发文时间")
            or table.get("发文日期")
            or table.get("成文日期"),
        ),
        ("header", _labelled_header_date(header)),
        ("header", (d := _byline_date(text)) and d.isoformat()),
        ("signature", sig_date.isoformat() if sig_date else None),
        ("date_line", (d := _standalone_date(text)) and d.isoformat()),
        ("header", (m := _UPDATE_TIME.search(text[:600])) and m.group(1)),  # an update time comes last
    ):
        d = parse_date(value)
        if d:
            published, src["published"] = d, key
            break

    # period
    period, src["period"] = None, None
    if g.get("period"):
        period, src["period"] = g["period"], "collection"
    else:
        head = "\n".join(
            ln for ln in text[: genres().head_chars * 2].split("\n") if not _WIDGET_LINE.search(ln)
        )
        period, src["period"] = _year_of(title, head, genre)
        meeting = re.search(r"召开|举行|举办|会议|大会|[^机]会$", title or "")
        held = _held_year(text, published) if doc_type == "other" and meeting else None
        if held and period != held and src["period"] in ("title", "body_cue"):
            period, src["period"] = held, "date_line"  # a news item's year is the year it was held
        if period is None and published:
            period, src["period"] = str(published.year), "published"

    from_text = infer_metadata(text, header, title_hint).as_strings() if g else None
    return Inferred(
        title=title,
        issuer=issuer,
        region=region,
        level=level,
        doc_type=doc_type,
        period=period,
        published=published,
        sources=src,
        rejected_given=rejected,
        from_text=from_text,
    )


assert "unknown" in LEVELS and "other" in DOC_TYPES
