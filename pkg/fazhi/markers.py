"""Heading marker styles as data: ``data/markers.toml``, validated and compiled for the segmenter.

In: a marker table, the package's ``data/markers.toml`` by default (or any TOML file or mapping of the
same shape: see the comments at the head of that file). Out: ``load_markers()`` / ``marker_table(data)``,
a :class:`MarkerTable`: the styles, the depth rank of each marker family (``kind``), and the compiled
patterns the segmenter runs: one regular expression with a named group per style, a pre-scan that
finds every position where some marker may start, and the pattern of lines whose numeral was lost.

How: a marker is ``opens + numeral + closes`` (spaces allowed around the numeral when the style says
so). Each style becomes one alternative ``(?P<s{i}>(?:opens)[ ]?(?P<n{i}>numeral)[ ]?(?:closes))`` of one
regular expression, tried in the file's order. The pre-scan is derived from the same fields: a
character class of every character a marker may open with, then up to the longest run of numeral
characters and spaces any style allows, then a character a marker may close with; it is a superset of
every marker, and because it opens with a character class the regex engine skips ordinary text fast.
A table that contradicts itself (a kind with two ranks, two kinds on one rank, an unknown numeral or
field, a pattern that does not compile) raises :class:`MarkerTableError` naming the style.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .paths import PACKAGE_DATA

MARKERS_FILE = PACKAGE_DATA / "markers.toml"
# Spaces a marker may hold around its numeral (half- and full-width, no-break).
SPACE = " \t\u3000\u00a0"

_STYLE_FIELDS = {
    "name", "kind", "rank", "opens", "numeral", "spaces", "closes", "reject_followed_by", "inline", "bare",
    "list", "lost_numeral",
}  # fmt: skip
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
# After a lost numeral (是 opening a line), the item's text goes on in Chinese.
_HAN_NEXT = r"(?=[\u4e00-\u9fff])"


class MarkerTableError(ValueError):
    """The marker table is malformed or contradicts itself."""


@dataclass(frozen=True)
class Numeral:
    """A numeral system: its characters (a character-class body such as ``0-9``) and longest length."""

    name: str
    chars: str
    max_length: int


@dataclass(frozen=True)
class Style:
    """One heading marker style (one ``[[style]]`` entry of the table)."""

    name: str
    kind: str
    rank: int
    opens: tuple[str, ...]
    numeral: tuple[str, ...]
    spaces: bool
    closes: tuple[str, ...]
    reject_followed_by: re.Pattern[str] | None
    inline: bool
    bare: bool
    list: bool
    lost_numeral: bool


@dataclass(frozen=True)
class MarkerTable:
    """A compiled marker table: what the segmenter needs, all derived from the styles."""

    version: str
    styles: tuple[Style, ...]
    numerals: Mapping[str, Numeral]
    boundary: frozenset[str]  # where a heading may begin (with the text start and a line start)
    pattern: re.Pattern[str]  # group s{i}: style i; group n{i}: its numeral
    prefilter: re.Pattern[str]
    lost_numeral: re.Pattern[str] | None  # group 1: the closer of a list item whose numeral was lost

    @property
    def kinds(self) -> tuple[str, ...]:
        """The marker families, highest (lowest rank) first."""
        return tuple(sorted({s.kind for s in self.styles}, key=lambda k: self.rank[k]))

    @property
    def rank(self) -> dict[str, int]:
        """Each kind's rank (lower = higher in the outline)."""
        return {s.kind: s.rank for s in self.styles}

    @property
    def list_kinds(self) -> frozenset[str]:
        """The kinds that are enumerations (一是 …)."""
        return frozenset(s.kind for s in self.styles if s.list)

    @property
    def bare_kinds(self) -> frozenset[str]:
        """The kinds whose marker may stand alone on its line."""
        return frozenset(s.kind for s in self.styles if s.bare)

    def style_of(self, match: re.Match[str]) -> tuple[Style, str]:
        """The style a ``pattern`` match belongs to, and its numeral as written."""
        i = int(match.lastgroup[1:])  # type: ignore[index]
        return self.styles[i], match.group(f"n{i}")


def _fail(where: str, why: str) -> MarkerTableError:
    return MarkerTableError(f"markers table: {where}: {why}")


def _strings(value: Any, where: str, field: str, *, empty: bool) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _fail(where, f"{field} must be a list of non-empty strings")
    if not value and not empty:
        raise _fail(where, f"{field} needs at least one string")
    return tuple(value)


def _numerals(data: Mapping[str, Any]) -> dict[str, Numeral]:
    raw = data.get("numerals")
    if not isinstance(raw, Mapping) or not raw:
        raise _fail("[numerals]", "at least one numeral system is needed")
    out = {}
    for name, spec in raw.items():
        chars, longest = spec.get("chars"), spec.get("max_length")
        if not isinstance(chars, str) or not chars or not isinstance(longest, int) or longest < 1:
            raise _fail(f"numerals.{name}", "needs chars (non-empty) and max_length (an integer ≥ 1)")
        try:
            re.compile(f"[{chars}]")
        except re.error as e:
            raise _fail(f"numerals.{name}", f"chars is not a character-class body ({e})") from e
        out[name] = Numeral(name, chars, longest)
    return out


def _expand(pattern: str, numerals: Mapping[str, Numeral]) -> str:
    """Replace ``{name}`` by the characters of numeral ``name`` and ``{space}`` by the spaces."""

    def sub(m: re.Match[str]) -> str:
        if m.group(1) == "space":
            return SPACE
        n = numerals.get(m.group(1))
        return n.chars if n is not None else m.group(0)

    return _PLACEHOLDER.sub(sub, pattern)


def _style(raw: Mapping[str, Any], index: int, numerals: Mapping[str, Numeral]) -> Style:
    name = raw.get("name")
    where = f"style {name!r}" if isinstance(name, str) else f"style #{index + 1}"
    if not isinstance(name, str) or not name.isidentifier():
        raise _fail(where, "name must be an identifier")
    unknown = set(raw) - _STYLE_FIELDS
    if unknown:
        raise _fail(where, f"unknown field(s) {sorted(unknown)} (known: {sorted(_STYLE_FIELDS)})")
    rank = raw.get("rank")
    if not isinstance(rank, int) or isinstance(rank, bool):
        raise _fail(where, "rank must be an integer")
    flags = {}
    defaults = {"spaces": False, "inline": True, "bare": False, "list": False, "lost_numeral": False}
    for flag, default in defaults.items():
        flags[flag] = raw.get(flag, default)
        if not isinstance(flags[flag], bool):
            raise _fail(where, f"{flag} must be true or false")
    if flags["lost_numeral"] and not flags["list"]:
        raise _fail(where, "lost_numeral applies to list styles only")
    numeral = _strings(raw.get("numeral"), where, "numeral", empty=False)
    missing = [n for n in numeral if n not in numerals]
    if missing:
        raise _fail(where, f"unknown numeral(s) {missing} (known: {sorted(numerals)})")
    reject = raw.get("reject_followed_by")
    if reject is not None:
        if not isinstance(reject, str) or not reject:
            raise _fail(where, "reject_followed_by must be a non-empty regular expression")
        try:
            reject = re.compile(_expand(reject, numerals))
        except re.error as e:
            raise _fail(where, f"reject_followed_by does not compile ({e})") from e
    kind = raw.get("kind", name)
    if not isinstance(kind, str) or not kind:
        raise _fail(where, "kind must be a non-empty string")
    return Style(
        name=name,
        kind=kind,
        rank=rank,
        opens=_strings(raw.get("opens", []), where, "opens", empty=True),
        numeral=numeral,
        closes=_strings(raw.get("closes"), where, "closes", empty=False),
        reject_followed_by=reject,
        **flags,
    )


def _check_kinds(styles: tuple[Style, ...]) -> None:
    """Styles of one kind agree on rank, ``list`` and ``bare``; two kinds never share a rank."""
    first: dict[str, Style] = {}
    by_rank: dict[int, str] = {}
    for s in styles:
        f = first.setdefault(s.kind, s)
        for attr in ("rank", "list", "bare"):
            if getattr(s, attr) != getattr(f, attr):
                why = f"kind {s.kind!r} has {attr} {getattr(f, attr)!r} in style {f.name!r}"
                raise _fail(f"style {s.name!r}", f"{why}; styles of one kind must agree")
        other = by_rank.setdefault(s.rank, s.kind)
        if other != s.kind:
            raise _fail(f"style {s.name!r}", f"rank {s.rank} is already the rank of kind {other!r}")


def _alternatives(strings: tuple[str, ...]) -> str:
    return "(?:" + "|".join(re.escape(s) for s in strings) + ")"


def _style_regex(i: int, s: Style, numerals: Mapping[str, Numeral]) -> str:
    space = f"[{SPACE}]?" if s.spaces else ""
    number = "|".join(f"[{numerals[n].chars}]{{1,{numerals[n].max_length}}}" for n in s.numeral)
    opens = _alternatives(s.opens) if s.opens else ""
    return f"(?P<s{i}>{opens}{space}(?P<n{i}>{number}){space}{_alternatives(s.closes)})"


def _class(chars: set[str]) -> str:
    return "".join(re.escape(c) for c in sorted(chars))


def _prefilter(styles: tuple[Style, ...], numerals: Mapping[str, Numeral]) -> str:
    """A pattern matching at the start of every marker of every style (a superset), opening with a class."""
    first: set[str] = set()
    first_classes: set[str] = set()  # numeral character-class bodies (may hold ranges such as 0-9)
    middle: set[str] = set()
    middle_classes: set[str] = set()
    last: set[str] = set()
    run = 0  # the longest stretch between a marker's first character and its closing character
    for s in styles:
        chars = {numerals[n].chars for n in s.numeral}
        middle_classes |= chars
        longest = max(numerals[n].max_length for n in s.numeral) + (2 if s.spaces else 0)
        if s.opens:
            first |= {o[0] for o in s.opens}
            middle |= {c for o in s.opens for c in o[1:]}
            run = max(run, max(len(o) for o in s.opens) - 1 + longest)
        else:
            first_classes |= chars
            run = max(run, longest - 1)
        if s.spaces:
            middle |= set(SPACE)
        last |= {c[0] for c in s.closes}
    opening = _class(first) + "".join(sorted(first_classes))
    inner = _class(middle) + "".join(sorted(middle_classes))
    return f"[{opening}][{inner}]{{0,{run}}}[{_class(last)}]"


def marker_table(data: Mapping[str, Any], *, source: str = "markers table") -> MarkerTable:
    """Validate and compile a marker table given as a mapping (the parsed TOML).

    Raises
    ------
    MarkerTableError
        On a missing or unknown field, an unknown numeral, a kind with two ranks, two kinds on one rank,
        or a pattern that does not compile.
    """
    numerals = _numerals(data)
    raw_styles = data.get("style")
    if not isinstance(raw_styles, list) or not raw_styles:
        raise _fail(source, "at least one [[style]] is needed")
    styles = tuple(_style(raw, i, numerals) for i, raw in enumerate(raw_styles))
    names = [s.name for s in styles]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise _fail(source, f"style name(s) used twice: {dup}")
    _check_kinds(styles)
    boundary = data.get("scan", {}).get("boundary", "")
    if not isinstance(boundary, str):
        raise _fail("[scan]", "boundary must be a string of characters")
    lost = [c for s in styles if s.lost_numeral for c in s.closes]
    space = f"[{SPACE}]*"
    lost_re = re.compile(rf"\n{space}({_alternatives(tuple(lost))}){_HAN_NEXT}") if lost else None
    return MarkerTable(
        version=str(data.get("version", "")),
        styles=styles,
        numerals=numerals,
        boundary=frozenset(boundary) | {"\n"},
        pattern=re.compile("|".join(_style_regex(i, s, numerals) for i, s in enumerate(styles))),
        prefilter=re.compile(_prefilter(styles, numerals)),
        lost_numeral=lost_re,
    )


def read_markers(path: str | Path) -> MarkerTable:
    """Read, validate and compile a marker table from a TOML file (see ``data/markers.toml``)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise MarkerTableError(f"{path.name}: not valid TOML ({e})") from e
    return marker_table(data, source=path.name)


@lru_cache(maxsize=1)
def load_markers() -> MarkerTable:
    """The package's marker table, ``data/markers.toml`` (read once)."""
    return read_markers(MARKERS_FILE)


__all__ = [
    "MARKERS_FILE",
    "MarkerTable",
    "MarkerTableError",
    "Numeral",
    "Style",
    "load_markers",
    "marker_table",
    "read_markers",
]
