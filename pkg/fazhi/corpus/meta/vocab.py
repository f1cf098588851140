"""Vocabularies of metadata inference, read from data files: organs, genres, addressees.

In: ``data/organs.toml`` (central organs, peoples of autonomous areas, subject verbs, township units,
department endings), ``data/genres.toml`` (doc types with title and body cues and year rules) and the
``[[addressee]]`` rules of ``data/levels.toml``.
Out: validated, cached records (:func:`organs`, :func:`genres`, :func:`addressee_rules`) and two helpers on
organ names (:func:`central_organ_at`, :func:`autonomous_short`).
How: each file is read once (``functools.cache``); a bad entry raises ``ValueError`` naming the file.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ...paths import PACKAGE_DATA
from ...schema import DOC_TYPES, LEVELS

GENRES_FILE = PACKAGE_DATA / "genres.toml"
ORGANS_FILE = PACKAGE_DATA / "organs.toml"
LEVELS_FILE = PACKAGE_DATA / "levels.toml"


@dataclass(frozen=True)
class Organs:
    """Central organs (ministries, commissions, administrations) and the peoples named in autonomous areas."""

    central: tuple[str, ...]  # longest first
    ethnic: tuple[str, ...]  # longest first
    subject_verbs: tuple[str, ...] = ()  # longest first: what a subject does (召开, 开展)
    township_units: tuple[str, ...] = ()  # longest first: 街道办事处, 街道, 苏木, 乡, 镇
    department_endings: tuple[str, ...] = ()  # longest first: 办公厅, 委员会, 局, 中心


@cache
def organs(path: Path = ORGANS_FILE) -> Organs:
    """The names of ``data/organs.toml``, validated: each a non-empty string of Chinese characters. The
    lists ``[subject] verbs``, ``[township] units`` and ``[department] endings`` are optional (empty when
    absent) and validated the same way when present.

    Raises
    ------
    ValueError
        When a list is missing or holds a name that is not Chinese characters.
    """
    with open(path, "rb") as f:
        data = tomllib.load(f)
    out = {}
    for key in ("central", "ethnic"):
        names = data.get(key, {}).get("names")
        if not isinstance(names, list) or not names:
            raise ValueError(f"{path.name}: [{key}] needs a non-empty list `names`")
        bad = [n for n in names if not isinstance(n, str) or not re.fullmatch(r"[\u4e00-\u9fff]+", n)]
        if bad:
            raise ValueError(f"{path.name}: [{key}] names must be Chinese characters: {bad}")
        out[key] = tuple(sorted(set(names), key=lambda n: (-len(n), n)))
    for table, key in (("subject", "verbs"), ("township", "units"), ("department", "endings")):
        names = data.get(table, {}).get(key, [])
        bad = [n for n in names if not isinstance(n, str) or not re.fullmatch(r"[\u4e00-\u9fff]+", n)]
        if not isinstance(names, list) or bad:
            raise ValueError(f"{path.name}: [{table}] {key} must be a list of Chinese characters: {bad}")
        out[table] = tuple(sorted(set(names), key=lambda n: (-len(n), n)))
    return Organs(out["central"], out["ethnic"], out["subject"], out["township"], out["department"])


def central_organ_at(s: str) -> str | None:
    """The central organ a string opens with (``司法部2022年…``, ``中华人民共和国交通运输部…``), as named."""
    t = s.removeprefix("中华人民共和国")
    return next((n for n in organs().central if t.startswith(n)), None)


def autonomous_short(name: str) -> str | None:
    """The short form of an autonomous prefecture's or county's name: the people dropped (昌吉回族自治州 →
    昌吉州, 木垒哈萨克自治县 → 木垒县); None for other names."""
    m = re.fullmatch(r"(.+?)自治(州|县|旗)", name)
    if not m:
        return None
    stem = m.group(1)
    peoples = "|".join(map(re.escape, organs().ethnic))
    stem = re.sub(rf"(?:(?:{peoples})族?)+$", "", stem)
    return stem + m.group(2) if len(stem) >= 2 and stem != m.group(1) else None


@dataclass(frozen=True)
class Genre:
    """A document type with its cue phrases (regular expressions) from ``data/genres.toml``."""

    name: str
    title: tuple[re.Pattern[str], ...]
    body: tuple[re.Pattern[str], ...]
    year_rules: tuple[tuple[re.Pattern[str], int], ...]


@dataclass(frozen=True)
class Genres:
    genres: tuple[Genre, ...]
    head_chars: int
    tail_chars: int
    transmits: re.Pattern[str] = re.compile(r"(印发|转发|批转)[^《》]{0,30}$")


@cache
def genres(path: Path = GENRES_FILE) -> Genres:
    """The document types and their cues, validated: every cue compiles, every year rule has a group; for
    the package's own file, the names are ``schema.DOC_TYPES``.

    Raises
    ------
    ValueError
        When a cue is not a valid regular expression or a year rule has no group.
    """
    with open(path, "rb") as f:
        data = tomllib.load(f)
    out = []
    for g in data["genre"]:
        try:
            title = tuple(re.compile(p) for p in g.get("title", ()))
            body = tuple(re.compile(p, re.MULTILINE) for p in g.get("body", ()))
            rules = tuple(
                (re.compile(r["pattern"]), int(r.get("offset", 0))) for r in g.get("year_rules", ())
            )
        except (re.error, KeyError, TypeError) as e:
            raise ValueError(f"data/genres.toml: genre {g.get('name')!r}: bad cue ({e})") from e
        if any(p.groups < 1 for p, _ in rules):
            raise ValueError(f"data/genres.toml: genre {g['name']!r}: a year rule needs a group for the year")
        out.append(Genre(g["name"], title, body, rules))
    if path == GENRES_FILE and tuple(g.name for g in out) != DOC_TYPES:
        raise ValueError(f"data/genres.toml changed since schema.DOC_TYPES was read: {[g.name for g in out]}")
    try:
        transmits = re.compile(data.get("transmits", r"(印发|转发|批转)[^《》]{0,30}$"))
    except re.error as e:
        raise ValueError(f"data/genres.toml: bad transmits pattern ({e})") from e
    return Genres(tuple(out), int(data.get("head_chars", 600)), int(data.get("tail_chars", 300)), transmits)


@cache
def addressee_rules(path: Path = LEVELS_FILE) -> tuple[tuple[re.Pattern[str], str], ...]:
    """The ``[[addressee]]`` rules of ``data/levels.toml``: (pattern, sender's level), validated."""
    with open(path, "rb") as f:
        rules = tomllib.load(f).get("addressee", [])
    out = []
    for r in rules:
        if r.get("level") not in LEVELS:
            raise ValueError(f"data/levels.toml: addressee level {r.get('level')!r} is not one of {LEVELS}")
        try:
            out.append((re.compile(r["pattern"]), r["level"]))
        except (re.error, KeyError) as e:
            raise ValueError(f"data/levels.toml: bad addressee pattern ({e})") from e
    return tuple(out)
