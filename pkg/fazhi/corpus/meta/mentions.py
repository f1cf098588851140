"""The organ a body names most often as the subject of its clauses: evidence for the issuer when the title,
signature, bylines and first sentence name none.

In: a clean body. Out: :func:`_clause_subject` (an organ's name, or None).
How: the first ``CLAUSE_CHARS`` characters are cut into clauses at sentence ends, commas and line breaks, so
that a time adverbial (2025年，…; 近年来，…) or a dateline (本报某地讯（通讯员…）…) stands apart from what
follows it. A clause that opens with an organ is counted for it: a division of the gazetteer with a
government's or department's ending (``[department] endings`` of ``data/organs.toml``: 某市应急管理局), a
bare unit with a department's ending (市司法局, completed later from the places the text names), or a
township or street office (某街道党工委 → 某街道办事处; its own office, 某乡应急办, as named). The organ
opened most often wins (ties: the first); a Party committee alone (市委) and a bare government (市政府,
cited for its leadership) do not count, and an organ counts only as a subject, with its predicate after it
(a verb of ``[subject] verbs``, or 在, 以, 将 …): a clause that only names a place and a word ending like an
organ (区域发展呈现…布局) is no subject. A report written by one organ names itself as the subject of its
sentences again and again (乌海市应急管理局严格落实…, 我局…); other organs appear in it mostly as objects
(在市委、市政府的领导下, 向区司法局报送).
"""

from __future__ import annotations

import re
from collections import Counter

from .gazetteer import _chain
from .organ import _organ_after
from .subject import _BARE_UNIT_HEAD
from .vocab import organs

CLAUSE_CHARS = 3000
_VERBS = "|".join(map(re.escape, organs().subject_verbs)) or "召开"
_VERB = re.compile(_VERBS)  # 紧紧围绕乡… is no township
_SESSION = re.compile(r"届|代表大会|会议")  # a congress's session is no organ
_CLAUSE_SPLIT = re.compile(r"[。；;！!？?，,：:\n]")
_OPENING_NOISE = re.compile(r"^[\s“”\"'‘’（）()【】\[\]《》]+")
_TOWNSHIP_AT = re.compile(
    r"^(?P<name>(?![全各本我该城乡])[\u4e00-\u9fff]{2,4}?(?P<unit>街道|苏木|乡|镇))"
    r"(?P<organ>党工委|党委|人民政府|政府|街道办事处|办事处)?"
)
# A township's own office (某乡应急办, 某镇综治办): kept as named, a township-level organ.
_TOWNSHIP_OFFICE = re.compile(
    r"[\u4e00-\u9fff]{0,6}?(?:" + "|".join(map(re.escape, organs().department_endings)) + ")"
)
# What follows an organ named as a subject: a verb (``[subject] verbs``), a preposition that opens a
# predicate (在, 以, 将, 把, 对, 于, 已, 要), or a short adverb before a verb of two or more characters
# (成功组织; not 位于, where 于 is no verb).
_LONG_VERBS = "|".join(map(re.escape, [v for v in organs().subject_verbs if len(v) > 1])) or "召开"
_PREDICATE = re.compile(rf"(?:{_VERBS})|[在以将把对于已要]|[\u4e00-\u9fff]{{1,3}}?(?:{_LONG_VERBS})")


def _organ_opening(clause: str) -> tuple[str, int] | None:
    """The organ a clause opens with, as named (a township as its government or office), and where its
    name ends in the clause; or None."""
    d, end = _chain(clause)
    if d is None or not end:
        bare = _BARE_UNIT_HEAD.match(clause)
        if bare:
            kind = _organ_after(clause[bare.end() :])
            if kind and not kind.endswith(("委", "人民政府", "政府", "行政公署")):
                return clause[: bare.end()] + kind, bare.end() + len(kind)
            return None
        return _township_at(clause)
    rest = clause[end:]
    if town := _township_at(rest):
        return clause[:end] + town[0], end + town[1]
    kind = _organ_after(rest)
    if kind and not kind.endswith(("委", "人民政府", "政府")) and not _SESSION.search(kind):
        return clause[:end] + kind, end + len(kind)
    return None


def _township_at(s: str) -> tuple[str, int] | None:
    """A township or street office a string opens with (某街道党工委 → 某街道办事处, 某乡应急办 as named)."""
    m = _TOWNSHIP_AT.match(s)
    name = m.group("name") if m else ""
    if not m or name.endswith(("乡镇", "城镇", "城乡")) or _chain(name)[1] or _VERB.search(name):
        return None
    if re.search(r"[我本全各该]", name):
        return None
    organ = m.group("organ")
    if organ is None and (office := _TOWNSHIP_OFFICE.match(s, m.end())) and not _VERB.search(office.group(0)):
        return name + office.group(0), office.end()
    if organ in ("人民政府", "街道办事处", "办事处"):
        return name + organ, m.end()
    return name + ("办事处" if m.group("unit") == "街道" else "人民政府"), m.end()


def _clause_subject(text: str, *, chars: int = CLAUSE_CHARS, min_count: int = 1) -> str | None:
    """The organ the text's clauses open with most often as their subject (ties: the first), when it does so
    at least ``min_count`` times (once by default; the sets scored with 2 lost more than they gained), or
    None."""
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    for i, clause in enumerate(_CLAUSE_SPLIT.split(re.sub(r"[ \t\u3000]+", "", text[:chars]))):
        clause = _OPENING_NOISE.sub("", clause)
        found = _organ_opening(clause)
        if found and _PREDICATE.match(clause, found[1]):  # a subject: its predicate follows it
            counts[found[0]] += 1
            first.setdefault(found[0], i)
    best = max(counts, key=lambda k: (counts[k], -first[k]), default=None)
    return best if best is not None and counts[best] >= min_count else None
