"""Relations between documents (hierarchy and calendar), formulae, and the share of characters reused.

In: the documents table (level, region, period) and aligned passages. Out: ``relation(d, s)``, how a source
document stands to a document; ``formula_hashes``, the k-grams shared by too many jurisdictions; ``covered``,
the characters of a span set (union, no double counting).

How: a level's tier comes from its order in ``data/levels.toml`` (national first). A source of a higher tier
is in a document's hierarchy when it is central (national, national_dept), when its region is the
document's region, province or prefecture (``data/divisions/divisions.csv``), or when a region is unknown.
Years are the documents' periods: a source is earlier when its period ends before the document's starts,
of the same year when the periods overlap (the calendar within a year is not known from years alone).
"""

from __future__ import annotations

import csv
from functools import lru_cache

import numpy as np

from ..paths import PACKAGE_DATA
from ..schema import LEVELS

CENTRAL = ("national", "national_dept")
RELATIONS = ("higher_earlier", "higher_same_year", "peer", "own_earlier", "lower_same_year")


def tier(level: str | None) -> int | None:
    """The level's rank in ``LEVELS`` (0 = national); None for unknown or missing levels."""
    if level is None or level == "unknown" or level not in LEVELS:
        return None
    return LEVELS.index(level)


@lru_cache(maxsize=1)
def _ancestors() -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    with open(PACKAGE_DATA / "divisions" / "divisions.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            out.setdefault(row["name"], tuple(x for x in (row["province"], row["prefecture"]) if x))
    return out


def in_hierarchy(region: str | None, source_level: str, source_region: str | None) -> bool:
    """Whether a source of a higher level (its level and region) governs a document of ``region``."""
    if source_level in CENTRAL or region is None or source_region is None:
        return True
    return source_region == region or source_region in _ancestors().get(region, ())


def relation(d: dict, s: dict) -> str | None:
    """How source ``s`` stands to document ``d`` (dicts with level, region, period_start, period_end, jur).

    One of ``RELATIONS`` or None (not compared: another branch of the hierarchy, a later higher document,
    a peer of another year, unknown level or year).
    """
    td, ts = tier(d["level"]), tier(s["level"])
    if td is None or ts is None or d["period_start"] is None or s["period_start"] is None:
        return None
    earlier = s["period_end"] < d["period_start"]
    same = not earlier and s["period_start"] <= d["period_end"]
    if ts < td:
        if not in_hierarchy(d["region"], s["level"], s["region"]):
            return None
        return "higher_earlier" if earlier else "higher_same_year" if same else None
    if ts == td:
        if d["jur"] == s["jur"]:
            return "own_earlier" if earlier else None
        return "peer" if same else None
    if same and in_hierarchy(s["region"], d["level"], d["region"]):
        return "lower_same_year"
    return None


def _distinct(x: np.ndarray) -> np.ndarray:
    x = np.sort(x)
    return x[np.concatenate([[True], x[1:] != x[:-1]])] if x.size else x


def formula_hashes(
    hashes_by_jur: dict[str, list[np.ndarray]], *, max_share: float, min_jurisdictions: int
) -> np.ndarray:
    """The k-gram hashes found in more than ``max_share`` of the jurisdictions (and in at least
    ``min_jurisdictions``): the phrases of the day, counted once per jurisdiction."""
    n = len(hashes_by_jur)
    if n == 0:
        return np.zeros(0, dtype=np.uint64)
    per = [_distinct(np.concatenate(v)) for _, v in sorted(hashes_by_jur.items())]
    allv = np.sort(np.concatenate(per))
    if not allv.size:
        return allv
    starts = np.flatnonzero(np.concatenate([[True], allv[1:] != allv[:-1]]))
    values, counts = allv[starts], np.diff(np.append(starts, allv.size))
    need = max(min_jurisdictions, int(np.floor(max_share * n)) + 1)
    return values[counts >= need]


def covered(spans: list[tuple[int, int]]) -> int:
    """Characters covered by the union of ``spans`` (end exclusive)."""
    total, last = 0, -1
    for s, e in sorted(spans):
        s = max(s, last)
        if e > s:
            total += e - s
            last = e
    return total
