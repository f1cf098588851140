"""Metadata inference: the record and the precedence that combines the evidence of the other modules.

In: a clean body, the header facts found while cleaning, a title hint and a collection's own columns.
Out: :class:`Inferred` with ``sources`` per field, from :func:`infer_metadata`.
How: collection values come first when valid; then the title (:func:`_infer_title`), the issuer by the
precedence of :mod:`.precedence`, region and level by :mod:`.placing`, the doc type by the genres' cues,
the publication date (:func:`_infer_published`) and the period (:func:`_infer_period`), each from a fixed
order of evidence (see :mod:`fazhi.corpus.metadata`, field by field). A field the text does not support
stays null or unknown.
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
from .issuer import (
    _region_opening,
    _signature,
    _table_fields,
)
from .placing import place
from .precedence import Evidence, first_issuer
from .title import _WIDGET_LINE, _title_line, find_title
from .vocab import genres

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


def _uncited(title: str) -> str:
    """The title with the documents it cites in 《》 emptied (讨论《政府工作报告》 → 讨论《》), except one it
    transmits (关于印发《…方案》的通知: ``transmits`` of ``data/genres.toml``), whose genre is the title's."""
    out, end = [], 0
    for m in re.finditer(r"《[^《》]*》", title):
        keep = genres().transmits.search(title[: m.start()])
        out.append(title[end : m.start()] + (m.group() if keep else "《》"))
        end = m.end()
    return "".join(out) + title[end:]


def _doc_type(title: str | None, text: str) -> tuple[str, str | None]:
    """Doc type and its source: the first genre whose title cue matches (outside a cited title,
    :func:`_uncited`), else whose body cue matches."""
    gs = genres()
    t = _uncited(title or "")
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


_PUBLISHED_LABEL = re.compile(r"(?:发布时间|发布日期|发文日期)\s*[:：]?\s*(\S.{5,24})")


def _labelled_header_date(header: dict[str, str]) -> str | None:
    """A publication date labelled inside another header field, where a byline ran together (``source``:
    ``区司法局发布时间:2025-11-07 16:34``)."""
    for key in sorted(header):
        m = _PUBLISHED_LABEL.search(str(header[key]))
        if m and parse_date(m.group(1)):
            return m.group(1)
    return None


def _given_values(given: dict[str, str]) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """A collection's values per field, validated: (valid values, rejected values with their problem)."""
    g: dict[str, str] = {}
    rejected: dict[str, tuple[str, str]] = {}
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
    return g, rejected


def _infer_title(
    text: str, header: dict[str, str], title_hint: str | None, given: str | None
) -> tuple[str | None, str | None]:
    """The title and its source: a collection column, the container's title, header title or h1, the head
    (:func:`~.title.find_title`), else the page's <title> before the site's name."""
    title, source = None, None
    for key, value in (("collection", given), ("title", title_hint), ("header", header.get("title")),
                       ("h1", header.get("h1"))):  # fmt: skip
        if value:
            title, source = value, key
            break
    if title is None:
        title = find_title(text)
        source = "title" if title else None
    if title is None and header.get("html_title"):
        # a page's <title> is the document's title followed by the site's name (标题_某县人民政府网)
        first = re.split(r"\s*[_|｜—–-]+\s*", header["html_title"].strip())[0]
        if _title_line(first):
            title, source = first, "header"
    return (re.sub(r"\s+", " ", title).strip() if title else title), source


def _infer_published(
    text: str, header: dict[str, str], *, given: str | None, table: dict[str, str], sig_date: dt.date | None
) -> tuple[dt.date | None, str | None]:
    """The publication date and its source: page furniture, a collection column, 成文日期, header fields of
    the head, a metadata table, a date labelled in another header field, a byline, the signature, a date
    alone on a line; an update time last."""
    fields = dict(_HEADER_FIELDS.findall(text[:600]))
    for key, value in (
        ("header", header.get("published") or header.get("Published") or header.get("发布日期")),
        ("collection", given),
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
            return d, key
    return None, None


def _infer_period(
    text: str, title: str | None, doc_type: str, published: dt.date | None
) -> tuple[str | None, str | None]:
    """The period and its source from the title and head (:func:`~.dates._year_of`); a news item about a
    meeting takes the year it was held; else the publication year."""
    genre = next((x for x in genres().genres if x.name == doc_type), None)
    head = "\n".join(ln for ln in text[: genres().head_chars * 2].split("\n") if not _WIDGET_LINE.search(ln))
    period, source = _year_of(title, head, genre)
    meeting = re.search(r"召开|举行|举办|会议|大会|[^机]会$", title or "")
    held = _held_year(text, published) if doc_type == "other" and meeting else None
    if held and period != held and source in ("title", "body_cue"):
        period, source = held, "date_line"  # a news item's year is the year it was held
    if period is None and published:
        period, source = str(published.year), "published"
    return period, source


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
    g, rejected = _given_values(given)
    title, src["title"] = _infer_title(text, header, title_hint, g.get("title"))
    sig_organ, sig_date = _signature(text)
    table = _table_fields(text)
    opening = _region_opening(title)
    ev = Evidence(text, header, title, table, sig_organ, opening)
    issuer, src["issuer"] = first_issuer(ev, given=g.get("issuer"))
    placed = place(issuer, src, text=text, header=header, given=g, opening=opening)
    doc_type, src["doc_type"] = _doc_type(title, text)
    if g.get("doc_type"):
        doc_type, src["doc_type"] = g["doc_type"], "collection"
    published, src["published"] = _infer_published(
        text, header, given=g.get("published"), table=table, sig_date=sig_date
    )
    if g.get("period"):
        period, src["period"] = g["period"], "collection"
    else:
        period, src["period"] = _infer_period(text, title, doc_type, published)
    from_text = infer_metadata(text, header, title_hint).as_strings() if g else None
    return Inferred(
        title=title,
        issuer=placed.issuer,
        region=placed.region,
        level=placed.level,
        doc_type=doc_type,
        period=period,
        published=published,
        sources=src,
        rejected_given=rejected,
        from_text=from_text,
    )


assert "unknown" in LEVELS and "other" in DOC_TYPES
