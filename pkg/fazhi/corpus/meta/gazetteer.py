"""The gazetteer of China's administrative divisions and look-ups on it.

In: ``data/divisions/divisions.csv`` (code, name, short name, rank, province, prefecture).
Out: :func:`gazetteer` (names → divisions, longest-match search), :data:`PROVINCES`, the four
municipalities, :func:`_chain` (the most specific division a string opens with) and
:func:`_most_mentioned` (the division of a rank a text names most).
How: full names, official short names and the short forms of autonomous areas (昌吉州) index the divisions;
a name shared by several divisions is resolved by nesting (a county inside the prefecture named before it).
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from functools import cache

from ...paths import PACKAGE_DATA
from .vocab import autonomous_short

DIVISIONS_FILE = PACKAGE_DATA / "divisions" / "divisions.csv"


@dataclass(frozen=True)
class Division:
    """One administrative division of the gazetteer."""

    code: str
    name: str
    rank: str  # province, prefecture or county
    province: str
    prefecture: str


@dataclass(frozen=True)
class Gazetteer:
    """Divisions by name (full names, and the short names of provinces), for longest-match look-up."""

    by_name: dict[str, tuple[Division, ...]]
    by_first: dict[str, tuple[str, ...]]  # first character -> names, longest first

    def match_at(self, s: str, i: int) -> tuple[str, Division] | None:
        """The longest division name starting at ``s[i]``, with its division (a province before others)."""
        for name in self.by_first.get(s[i], ()) if i < len(s) else ():
            if s.startswith(name, i):
                return name, self.by_name[name][0]
        return None

    def find_all(self, text: str) -> list[tuple[int, str, Division]]:
        """Every non-overlapping division name in a text, left to right, longest first at each position."""
        out = []
        i = 0
        while i < len(text):
            m = self.match_at(text, i)
            if m:
                out.append((i, m[0], m[1]))
                i += len(m[0])
            else:
                i += 1
        return out

    def __contains__(self, name: object) -> bool:
        return name in self.by_name


_RANK_ORDER = {"province": 0, "prefecture": 1, "county": 2}


@cache
def gazetteer() -> Gazetteer:
    """The gazetteer of China's province-, prefecture- and county-level divisions (``divisions.csv``)."""
    by_name: dict[str, list[Division]] = {}
    with open(DIVISIONS_FILE, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            d = Division(row["code"], row["name"], row["rank"], row["province"], row["prefecture"])
            by_name.setdefault(d.name, []).append(d)
            if row["short"] and row["short"] != d.name:
                by_name.setdefault(row["short"], []).append(d)
    for ds in list(by_name.values()):
        for d in ds:
            short = autonomous_short(d.name)
            if short and short not in by_name:  # never shadow a division that has this name
                by_name[short] = [d]
    frozen = {k: tuple(sorted(v, key=lambda d: (_RANK_ORDER[d.rank], d.code))) for k, v in by_name.items()}
    first: dict[str, list[str]] = {}
    for name in frozen:
        first.setdefault(name[0], []).append(name)
    return Gazetteer(frozen, {k: tuple(sorted(v, key=lambda n: (-len(n), n))) for k, v in first.items()})


def province_names() -> tuple[str, ...]:
    """The full names of the provincial-level divisions, in code order."""
    g = gazetteer()
    return tuple(sorted({d.name for ds in g.by_name.values() for d in ds if d.rank == "province"},
                        key=lambda n: g.by_name[n][0].code))  # fmt: skip


PROVINCES = province_names()
_MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")


def _chain(first: str) -> tuple[Division | None, int]:
    """The most specific division named at the start of ``first`` (河南省许昌市 → 许昌市) and where it ends.

    Names must nest (province, then prefecture, then county); of a county name shared by several places
    (朝阳区), the one inside the division named before it is taken.
    """
    g = gazetteer()
    i, best = 0, None
    while m := g.match_at(first, i):
        cands = g.by_name[m[0]]
        if best is not None:
            deeper = [x for x in cands if _RANK_ORDER[x.rank] > _RANK_ORDER[best.rank]]
            inside = [x for x in deeper if best.name in (x.province, x.prefecture)]
            if not (inside or deeper):
                break
            best = (inside or deeper)[0]
        else:
            best = cands[0]
        i += len(m[0])
    return best, i


MENTION_CHARS = 30_000  # place names are counted in the first this many characters (bounded time)


def _most_mentioned(text: str, rank: str, *, within: str | None = None) -> Division | None:
    """The gazetteer division of a rank mentioned most often in a text's first ``MENTION_CHARS`` characters
    (ties: the first mentioned)."""
    counts: Counter[str] = Counter()
    first_at: dict[str, int] = {}
    for pos, name, d in gazetteer().find_all(text[:MENTION_CHARS]):
        if len(name) <= 2 and d.rank != "province":
            continue  # 城区, 郊区, 新县: too often a common word in running text
        cand = d
        if cand.rank != rank:
            alt = [x for x in gazetteer().by_name[d.name] if x.rank == rank]
            if not alt:
                continue
            cand = alt[0]
        if within and within not in (cand.province, cand.prefecture, cand.name):
            continue
        counts[cand.name] += 1
        first_at.setdefault(cand.name, pos)
    if not counts:
        return None
    name = max(counts, key=lambda k: (counts[k], -first_at[k]))
    return (
        gazetteer().by_name[name][0]
        if gazetteer().by_name[name][0].rank == rank
        else next(x for x in gazetteer().by_name[name] if x.rank == rank)
    )
