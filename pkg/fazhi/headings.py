"""Heading parsing: the outline tree of a Chinese official document, lossless.

In: a document's clean text (``documents.text``) and the marker styles (``fazhi.markers``). Out:
``segment(text)``, one row per section in document order (columns of ``fazhi.schema``
``SECTION_COLUMNS``), whose ``[start, end)`` spans tile the text exactly, plus the anomalies met on the
way (skipped, repeated or lost numbers, level jumps, heading-like markers rejected by sequence logic).
``fazhi.segment`` builds the stage's tables on these (and ``segment_text``, the sections alone).

What is parsed (GB/T 9704-2012 and its common variants, full- and half-width alike) is data: the marker
styles of ``data/markers.toml`` (see ``fazhi.markers``), one entry per style. The package's table:

=================  ====================================  ============================
kind               markers                               usual depth
=================  ====================================  ============================
``part``           ``第一部分`` ``第一章`` ``第一篇``    above everything
``chinese_numeral`` ``一、`` ``一．``                     level 1
``paren_numeral``  ``（一）`` ``(一)``                   level 2
``arabic``         ``1.`` ``1．`` ``1、`` ``１．``        level 3
``paren_arabic``   ``（1）`` ``(1)``                     level 4
``enumeration``    ``一是`` … ; ``第一，`` …             lowest
=================  ====================================  ============================

How: one scan (the table's pre-scan, then its marker pattern) finds heading-like markers at a line
start or right after a sentence or clause end (``。！？；：``, the table's ``boundary``), so headings that
run inline inside one long paragraph are found too (for styles with ``inline = true``). A
marker is then accepted by *sequence logic*: its parent is the nearest open heading of a higher family,
and it must continue its siblings' numbering (``二、`` after ``一、``), start a new sequence at 1, or
continue the numbering of the previous parent's children (numbering that runs on across parents).
Markers at a line start are trusted more: a small skip or a repeat is accepted there and reported as an
anomaly, while an inline marker must continue the sequence exactly. Look-alikes are rejected by shape
(``一、二级``, ``3.5%``, ``12.4``, ``2023.``, markers inside 《…》, database paragraph numbers
``(1)␣␣``) and, failing that, by sequence. Levels are depths in *this* document: a family absent from
a document does not leave a hole.

Lost numerals (an enumeration whose ``三`` of ``三是`` fell out in conversion, leaving a line that
starts with ``是``; or a line-initial item that lost its whole marker between two items) are recovered
when the surrounding items are themselves line-initial, and reported as anomalies.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import polars as pl

from .markers import SPACE, MarkerTable, load_markers
from .schema import SECTION_COLUMNS

SECTION_SCHEMA = {name: dtype for name, dtype, _ in SECTION_COLUMNS}

# ------------------------------------------------------------------------------------------ markers

# The marker styles, their families (kinds) and depth ranks are data: ``data/markers.toml`` (see
# ``fazhi.markers``). KINDS and RANK are those of the package's table.
KINDS = load_markers().kinds
RANK = load_markers().rank

_CN_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4}
_CN_DIGIT |= {"五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_SPACE = SPACE

_DB_NUMBER = re.compile(r"[ \t]*[（(][0-9]{1,3}[）)]")
_QUOTE_OPEN, _QUOTE_CLOSE = "《〈", "》〉"
_TITLE_END = "。"
_TITLE_SOFT_END = "：:"
_TITLE_STRIP = _SPACE + "，,；;、。：:"
# A lost-marker item must look like its siblings: a short first sentence without commas.
_SHORT_TITLE = 20


def chinese_numeral_value(s: str) -> int | None:
    """The value of a Chinese numeral up to 999 (一 → 1, 十二 → 12, 二十 → 20, 一百零五 → 105)."""
    if not s:
        return None
    total, current = 0, 0
    for ch in s:
        if ch in _CN_DIGIT:
            current = _CN_DIGIT[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current


@dataclass
class Anomaly:
    """An irregularity of the outline: ``kind`` (see ``section_anomalies``), where, and what."""

    section_id: int
    kind: str
    detail: str


@dataclass
class _Node:
    kind: str | None
    marker: str | None
    ordinal: int | None
    start: int
    title_start: int
    line_start: bool
    level: int = 0
    parent: int | None = None
    section_id: int = 0
    # last ordinal of each marker family among this node's children
    last_child: dict[str, int] = field(default_factory=dict)
    last_child_line_start: dict[str, bool] = field(default_factory=dict)


@dataclass
class Segmentation:
    """The outline of one text: ``sections`` (a polars frame, see ``segment_text``) and ``anomalies``."""

    sections: pl.DataFrame
    anomalies: list[Anomaly]


@dataclass
class _Candidate:
    kind: str
    marker: str
    ordinal: int
    start: int
    end: int  # end of the marker (where the title begins)
    line_start: bool
    damaged: str | None = None  # "lost_numeral" or "lost_marker"


def _prev_significant(text: str, pos: int) -> tuple[str | None, int]:
    """The character before ``pos`` skipping spaces (None at the text start), and its offset."""
    i = pos - 1
    while i >= 0 and text[i] in _SPACE:
        i -= 1
    return (text[i] if i >= 0 else None), i


def _inside_book_title(text: str, pos: int) -> bool:
    """Is ``pos`` inside 《…》 or 〈…〉 (opened earlier on the same line and not closed yet)?"""
    line_start = text.rfind("\n", 0, pos) + 1
    for o, c in zip(_QUOTE_OPEN, _QUOTE_CLOSE):
        i = text.rfind(o, line_start, pos)
        if i >= 0 and text.find(c, i, pos) < 0:
            return True
    return False


def _ordinal(numeral: str) -> int | None:
    """A marker's number: decimal digits (any width, read after NFKC: １２ → 12, ⑫ → 12) or a Chinese
    numeral."""
    folded = unicodedata.normalize("NFKC", numeral)
    return int(folded) if folded.isdecimal() else chinese_numeral_value(numeral)


def _heading_position(text: str, start: int, boundary: frozenset[str]) -> tuple[bool, bool]:
    """May a heading begin at ``start`` (text start, line start or after a boundary); is it a line start?"""
    prev, i_prev = _prev_significant(text, start)
    if prev in ("）", ")") and start - i_prev > 2:
        line_start_at = text.rfind("\n", 0, i_prev) + 1
        if i_prev - line_start_at < 8 and _DB_NUMBER.fullmatch(text, line_start_at, i_prev + 1):
            # behind a database export's own paragraph number "(3)  ": the heading opens the line
            prev = "\n"
    if prev is not None and prev not in boundary:
        return False, False
    return True, prev is None or prev == "\n"


def _lost_numeral_candidates(text: str, table: MarkerTable) -> list[_Candidate]:
    """Lines opening with a list style's closer and no numeral (三是 → 是): items whose numeral was lost."""
    if table.lost_numeral is None:
        return []
    if not any(c in text for s in table.styles if s.lost_numeral for c in s.closes):
        return []
    out = []
    for m in table.lost_numeral.finditer(text):
        style = next(s for s in table.styles if s.lost_numeral and m.group(1) in s.closes)
        out.append(_Candidate(style.kind, m.group(1), 0, m.start(1), m.end(1), True, "lost_numeral"))
    return out


def _candidates(text: str, table: MarkerTable) -> list[_Candidate]:
    """Every marker at a possible heading position that passes the shape checks, in text order.

    Every position the pre-scan finds is tried; a marker that is accepted here is not read again from
    inside (markers do not overlap), a rejected one lets the scan go on from its next character.
    """
    out = _lost_numeral_candidates(text, table)
    n = len(text)
    pos = 0
    while (pm := table.prefilter.search(text, pos)) is not None:
        start = pm.start()
        pos = start + 1
        m = table.pattern.match(text, start)
        if m is None:
            continue
        style, numeral = table.style_of(m)
        possible, line_start = _heading_position(text, start, table.boundary)
        if not possible or (not style.inline and not line_start) or _inside_book_title(text, start):
            continue
        end = m.end()
        if style.reject_followed_by is not None and style.reject_followed_by.match(text, end):
            continue
        ordinal = _ordinal(numeral)
        if not ordinal:
            continue
        # nothing but whitespace or the end after the marker: not a heading (unless the style may stand alone)
        k = end
        while k < n and text[k] in _SPACE:
            k += 1
        if (k >= n or text[k] == "\n") and not style.bare:
            continue
        out.append(_Candidate(style.kind, m.group(0), ordinal, start, k, line_start))
        pos = end
    out.sort(key=lambda c: c.start)
    return out


def _line_end(text: str, pos: int, limit: int) -> int:
    e = text.find("\n", pos, limit)
    return limit if e < 0 else e


def _title(text: str, start: int, limit: int) -> str:
    """A heading's title: its text up to the first 。 (or ：/line end when there is none)."""
    while start < limit and text[start] in _SPACE + "、：:，,":
        start += 1
    end = _line_end(text, start, limit)
    seg = text[start:end]
    cut = seg.find(_TITLE_END)
    if cut < 0:
        cuts = [c for c in (seg.find(ch) for ch in _TITLE_SOFT_END) if c >= 0]
        cut = min(cuts) if cuts else -1
    if cut >= 0:
        seg = seg[:cut]
    return seg.strip(_TITLE_STRIP)


def _short_item_line(text: str, pos: int, skip: int = 0) -> bool:
    """Does the line at ``pos`` read like an enumeration item: a short comma-free first sentence (after
    ``skip`` marker characters), closed by 。 and followed by more text on the same line?"""
    end = _line_end(text, pos, len(text))
    seg = text[pos + skip : end]
    cut = seg.find("。")
    if cut < 0 or not seg[cut + 1 :].strip(_SPACE):
        return False
    first = seg[:cut].strip(_SPACE)
    return 2 <= len(first) <= _SHORT_TITLE and not any(c in first for c in "，,：:；;")


def _lost_marker_candidates(
    text: str, cands: list[_Candidate], list_kinds: frozenset[str]
) -> list[_Candidate]:
    """Line-initial items whose marker was lost entirely, found between two line-initial enumeration items.

    A line that opens with a short, comma-free sentence, right after a line-initial enumeration item
    and right before another one (possibly one whose numeral was lost), is taken as an item of the same
    list whose marker fell out. Only enumerations are repaired: a lost ``二、`` cannot be told from prose.
    """
    enum_lines = {c.start: c for c in cands if c.kind in list_kinds and c.line_start}
    line_of: dict[int, int] = {}
    extra: list[_Candidate] = []
    for c in enum_lines.values():
        nl = text.find("\n", c.start)
        if nl < 0:
            continue
        nxt = nl + 1
        while nxt < len(text) and text[nxt] in _SPACE:
            nxt += 1
        if nxt >= len(text) or nxt in enum_lines or text[nxt] == "\n":
            continue
        nl2 = text.find("\n", nxt)
        if nl2 < 0:
            continue
        after = nl2 + 1
        while after < len(text) and text[after] in _SPACE:
            after += 1
        if after not in enum_lines or not _short_item_line(text, nxt):
            continue
        if not _short_item_line(text, c.start, c.end - c.start):
            continue
        line_of[nxt] = c.start
        extra.append(_Candidate(c.kind, "", 0, nxt, nxt, True, "lost_marker"))
    return extra


def _accept(
    c: _Candidate, parent: _Node | None, last_global: dict[str, int], root: _Node, *, is_list: bool
) -> tuple[int | None, str | None]:
    """Sequence logic: the ordinal a candidate takes under ``parent`` and an anomaly kind, or (None, None)."""
    holder = parent if parent is not None else root
    last = holder.last_child.get(c.kind)
    o = c.ordinal
    if c.damaged:
        # a lost numeral or marker continues a line-initial list it sits in
        if last is not None and holder.last_child_line_start.get(c.kind):
            return last + 1, c.damaged
        return None, None
    if last is not None:
        if o == last + 1:
            return o, None
        if o == 1 and is_list:
            return o, None  # a new 一是 … list under the same heading is ordinary
        if c.line_start:
            if last + 1 < o <= last + 3:
                return o, "skipped_number"
            if o == last:
                return o, "repeated_number"
            if o == 1:
                return o, "restarted_number"
        return None, None
    if o == 1:
        return o, None
    if last_global.get(c.kind) is not None and o == last_global[c.kind] + 1:
        return o, None  # numbering running on across parents (1 … 25 through eight sections)
    if c.line_start and o <= 3 and not is_list:
        return o, "not_from_one"
    return None, None


def _issue_detail(issue: str, c: _Candidate, ordinal: int, prev_last: int | None) -> str:
    """The ``detail`` of a sequence anomaly met while accepting ``c``."""
    if issue == "skipped_number":
        return f"{c.marker!r} follows number {prev_last}: {ordinal - (prev_last or 0) - 1} missing"
    if issue == "repeated_number":
        return f"{c.marker!r} repeats number {ordinal}"
    if issue == "restarted_number":
        return f"{c.marker!r} restarts at 1 after {prev_last} under the same heading"
    if issue == "not_from_one":
        return f"{c.marker!r} opens a list at {ordinal}, not 1"
    if issue == "lost_numeral":
        return f"enumeration item {ordinal} lost its numeral (line opens with {c.marker})"
    return f"enumeration item {ordinal} lost its marker (line-initial item between items)"


def _all_candidates(text: str, table: MarkerTable) -> list[_Candidate]:
    """The candidates of ``_candidates`` plus list items whose marker was lost, in text order."""
    cands = _candidates(text, table)
    list_kinds = table.list_kinds
    if any(c.kind in list_kinds and c.line_start for c in cands):
        extra = _lost_marker_candidates(text, cands, list_kinds)
        if extra:
            cands = sorted(cands + extra, key=lambda c: c.start)
    return cands


def segment(text: str, *, markers: MarkerTable | None = None) -> Segmentation:
    """Segment ``text`` into its outline and list the anomalies met.

    Parameters
    ----------
    text
        Any string (a document's clean text).
    markers
        The heading marker styles (``fazhi.markers``); the package's ``data/markers.toml`` by default.

    Returns
    -------
    Segmentation
        ``.sections``: the frame of ``segment_text``; ``.anomalies``: a list of :class:`Anomaly`.
    """
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    table = markers or load_markers()
    rank, list_kinds = table.rank, table.list_kinds
    family = {k: i for i, k in enumerate(table.kinds)}  # a level jump skips a family between parent and child
    root = _Node(None, None, None, 0, 0, True, level=0, section_id=-1)
    nodes: list[_Node] = []
    stack: list[_Node] = []
    last_global: dict[str, int] = {}
    anomalies: list[tuple[int, str, str]] = []  # (node index or -1, kind, detail)
    for c in _all_candidates(text, table):
        depth = len(stack)
        while depth and rank[stack[depth - 1].kind] >= rank[c.kind]:  # type: ignore[index]
            depth -= 1
        parent = stack[depth - 1] if depth else None
        ordinal, issue = _accept(c, parent, last_global, root, is_list=c.kind in list_kinds)
        if ordinal is None:
            if c.line_start and not c.damaged:
                detail = f"{c.marker!r} at offset {c.start} breaks its siblings' numbering"
                anomalies.append((len(nodes) - 1, "rejected_marker", detail))
            continue
        if nodes and c.start < nodes[-1].title_start:
            continue  # overlaps the previous marker (e.g. 第一部分 read twice)
        del stack[depth:]
        holder = parent if parent is not None else root
        prev_last = holder.last_child.get(c.kind)
        node = _child(c, ordinal, parent=parent, holder=holder, section_id=len(nodes))
        last_global[c.kind] = ordinal
        nodes.append(node)
        stack.append(node)
        idx = len(nodes) - 1
        if issue is not None:
            anomalies.append((idx, issue, _issue_detail(issue, c, ordinal, prev_last)))
        # (a heading without a parent has no higher family open before it: the stack's bottom is the
        # highest family met so far, so only a jump under a parent can happen)
        if parent is not None and c.kind not in list_kinds and family[c.kind] - family[parent.kind] > 1:  # type: ignore[index]
            detail = f"{c.marker!r} ({c.kind}) sits directly under {parent.marker!r} ({parent.kind})"
            anomalies.append((idx, "level_jump", detail))
    return _assemble(text, nodes, anomalies)


def _child(c: _Candidate, ordinal: int, *, parent: _Node | None, holder: _Node, section_id: int) -> _Node:
    """The heading node of accepted candidate ``c`` under ``parent`` (None: top level), recorded in
    ``holder`` (the parent, or the root) as its latest child of that kind. ``section_id`` is provisional:
    the index among headings, shifted past the preamble later."""
    node = _Node(
        c.kind,
        c.marker,
        ordinal,
        c.start,
        c.end,
        c.line_start,
        level=(parent.level + 1) if parent else 1,
        parent=parent.section_id if parent else None,
        section_id=section_id,
    )
    holder.last_child[c.kind] = ordinal
    holder.last_child_line_start[c.kind] = c.line_start
    return node


def _assemble(text: str, nodes: list[_Node], raw_anomalies: list[tuple[int, str, str]]) -> Segmentation:
    n = len(text)
    offset = 1 if (not nodes or nodes[0].start > 0) else 0
    ids: dict[str, list] = {k: [] for k in SECTION_SCHEMA}
    starts = [nd.start for nd in nodes]
    bounds = starts[1:] + [n]
    if offset:
        ids["section_id"].append(0)
        ids["parent_id"].append(None)
        ids["level"].append(0)
        ids["kind"].append(None)
        ids["marker"].append(None)
        ids["ordinal"].append(None)
        ids["title"].append(None)
        ids["start"].append(0)
        ids["end"].append(starts[0] if nodes else n)
        ids["path"].append("")
    paths: list[str] = []
    for i, nd in enumerate(nodes):
        ids["section_id"].append(i + offset)
        parent_sid = None if nd.parent is None else nd.parent + offset
        ids["parent_id"].append(parent_sid)
        ids["level"].append(nd.level)
        ids["kind"].append(nd.kind)
        ids["marker"].append(nd.marker)
        ids["ordinal"].append(nd.ordinal)
        ids["title"].append(_title(text, nd.title_start, bounds[i]))
        ids["start"].append(nd.start)
        ids["end"].append(bounds[i])
        parent_path = paths[nd.parent] if nd.parent is not None else ""
        here = nd.marker or f"[{nd.ordinal}]"  # a lost marker shows its inferred number
        paths.append(f"{parent_path}/{here}" if parent_path else here)
        ids["path"].append(paths[-1])
    frame = pl.DataFrame(ids, schema=SECTION_SCHEMA)
    anomalies = [
        Anomaly(max(idx + offset, 0) if idx >= 0 else 0, kind, detail) for idx, kind, detail in raw_anomalies
    ]
    return Segmentation(frame, anomalies)


__all__ = [
    "KINDS",
    "RANK",
    "SECTION_SCHEMA",
    "Anomaly",
    "Segmentation",
    "chinese_numeral_value",
    "segment",
]
