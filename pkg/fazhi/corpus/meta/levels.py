"""Levels of government as data: ranks, departments and the unit words that name them (``data/levels.toml``).

In: the ``[[level]]`` entries of ``data/levels.toml`` (``rank``, ``department_of``, ``name_suffixes``,
``bare_units``) and its ``[units]`` table.
Out: :func:`level_vocab` (validated, cached) and the helpers inference uses instead of level names:
:func:`rank_level` (the level of a rank: prefecture → city), :func:`with_dept` (city → city_dept),
:func:`government_of` (city_dept → city), and the unit tables :data:`SUFFIX_RANK`, :data:`UNIT_RANK`,
:data:`UNIT_FORMS`.
How: a level names the rank of its government or the level whose departments it is; the tables are built
from the lists of each level, so a new level of government is one entry in the file.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ...paths import PACKAGE_DATA

LEVELS_FILE = PACKAGE_DATA / "levels.toml"
RANKS = ("national", "province", "prefecture", "county", "township")
_HAN = re.compile(r"[\u4e00-\u9fff]+")


@dataclass(frozen=True)
class LevelVocab:
    """What ``data/levels.toml`` says about each level, as look-up tables."""

    by_rank: dict[str, str]  # rank -> the level of its government
    dept_of: dict[str, str]  # government level -> the level of its departments
    government: dict[str, str]  # any level -> the level of its government (itself for a government)
    suffix_rank: dict[str, str]  # ending of a division's name -> rank
    unit_rank: dict[str, str]  # bare unit -> rank
    unit_forms: dict[str, tuple[tuple[str, ...], str]]  # bare unit -> (ranks it may name, name ending)


def _han_list(entry: dict, key: str, path: Path) -> list[str]:
    names = entry.get(key, [])
    if not isinstance(names, list) or not all(isinstance(n, str) and _HAN.fullmatch(n) for n in names):
        raise ValueError(f"{path.name}: level {entry.get('name')!r}: {key} must be Chinese characters")
    return names


@cache
def level_vocab(path: Path = LEVELS_FILE) -> LevelVocab:
    """The levels of ``path`` as look-up tables, validated.

    Raises
    ------
    ValueError
        When a rank is unknown or given twice, a ``department_of`` names no government level, or a unit is
        not Chinese characters.
    """
    with open(path, "rb") as f:
        data = tomllib.load(f)
    by_rank: dict[str, str] = {}
    dept_of: dict[str, str] = {}
    suffix_rank: dict[str, str] = {}
    unit_rank: dict[str, str] = {}
    for entry in data.get("level", []):
        name, rank = entry["name"], entry.get("rank")
        if rank is not None:
            if rank not in RANKS or rank in by_rank:
                raise ValueError(f"{path.name}: level {name!r}: rank {rank!r} unknown or given twice")
            by_rank[rank] = name
            suffix_rank.update(dict.fromkeys(_han_list(entry, "name_suffixes", path), rank))
            unit_rank.update(dict.fromkeys(_han_list(entry, "bare_units", path), rank))
        if "department_of" in entry:
            dept_of[entry["department_of"]] = name
    if bad := [g for g in dept_of if g not in by_rank.values()]:
        raise ValueError(f"{path.name}: department_of names no government level: {bad}")
    government = {lv: lv for lv in by_rank.values()} | {d: g for g, d in dept_of.items()}
    units = data.get("units", {})
    also, ending = units.get("also", {}), units.get("ending", {})
    forms = {}
    for unit, rank in unit_rank.items():
        ranks = {rank, *also.get(unit, ())}
        forms[unit] = (tuple(r for r in RANKS if r in ranks), ending.get(unit, unit))
    return LevelVocab(by_rank, dept_of, government, suffix_rank, unit_rank, forms)


def rank_level(rank: str, *, dept: bool = False) -> str:
    """The level of the government of a rank (prefecture → city), or of its departments."""
    level = level_vocab().by_rank[rank]
    return with_dept(level, dept)


def with_dept(level: str, dept: bool) -> str:
    """The level of a government's departments when ``dept`` (city → city_dept), else the level itself."""
    return level_vocab().dept_of.get(level, level) if dept else level


def government_of(level: str) -> str:
    """The level of the government a level belongs to (city_dept → city; unknown stays unknown)."""
    return level_vocab().government.get(level, level)


def is_dept(level: str) -> bool:
    """Whether a level is a government's departments."""
    return government_of(level) != level


SUFFIX_RANK = level_vocab().suffix_rank
UNIT_RANK = level_vocab().unit_rank
UNIT_FORMS = level_vocab().unit_forms
