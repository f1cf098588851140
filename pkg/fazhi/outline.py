"""The eight systems of 《法治政府建设实施纲要（2021—2025年）》 and the mapping of headings onto them.

In: ``data/outline.toml`` (the systems, in the Outline's order, each with the keywords by which a
section heading names it) and a segmentation (``fazhi.segment_text`` rows). Out: ``systems()``, a
table of the eight systems; ``heading_system(title)``, the system a heading names (or None) and why;
``assign_systems(sections)``, the segmentation with ``system`` and ``system_source`` added.

The rule, visible and versioned in ``outline.toml``: a heading names a system when its title contains
one of that system's keywords; several systems → the one with the longest matching keyword, and none
when two systems tie (the title does not decide). A section under a heading that has a system inherits
it (``system_source = "inherited"``), whatever its own title says, so that everything filed under
突发事件应对 counts as emergency response.
This mapping is the validation label the theme and topic stages are scored against.
"""

from __future__ import annotations

import tomllib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl

from .paths import PACKAGE_DATA

OUTLINE_FILE = PACKAGE_DATA / "outline.toml"


@dataclass(frozen=True)
class System:
    """One of the Outline's eight systems."""

    id: str
    name: str
    outline_title: str
    english: str
    chapter: int
    heading_keywords: tuple[str, ...]


def read_outline(path: str | Path | None = None) -> dict[str, Any]:
    """The Outline file as parsed TOML (``version`` and the ``[[system]]`` list): ``data/outline.toml`` by
    default, or the file at ``path`` (a researcher's own mapping, a test's). The one place it is read."""
    return tomllib.loads(Path(path if path is not None else OUTLINE_FILE).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def load_systems() -> tuple[System, ...]:
    """The eight systems in the Outline's order, read from ``data/outline.toml``."""
    data = read_outline()
    out = []
    for s in data["system"]:
        kws = tuple(unicodedata.normalize("NFKC", k) for k in s.get("heading_keywords", ()))
        out.append(System(s["id"], s["name"], s["outline_title"], s["english"], int(s["chapter"]), kws))
    return tuple(out)


def outline_version() -> str:
    """The version string of ``outline.toml``."""
    return str(read_outline()["version"])


def systems() -> pl.DataFrame:
    """The eight systems as a table: ``order`` (0–7), ``id``, ``name``, ``english``, ``chapter``,
    ``keywords``."""
    rows = [
        {"order": i, "id": s.id, "name": s.name, "english": s.english, "chapter": s.chapter,
         "keywords": "、".join(s.heading_keywords)}
        for i, s in enumerate(load_systems())
    ]  # fmt: skip
    return pl.DataFrame(rows)


def system_ids() -> list[str]:
    """The systems' ids in the Outline's order."""
    return [s.id for s in load_systems()]


def heading_matches(title: str | None) -> list[tuple[str, str]]:
    """Every (system id, keyword) a heading title contains, best first (longest keyword, Outline order)."""
    if not title:
        return []
    t = unicodedata.normalize("NFKC", title)
    found: list[tuple[int, int, str, str]] = []
    for order, s in enumerate(load_systems()):
        hits = [k for k in s.heading_keywords if k in t]
        if hits:
            best = max(hits, key=len)
            found.append((-len(best), order, s.id, best))
    found.sort()
    return [(sid, kw) for _, _, sid, kw in found]


def heading_system(title: str | None) -> str | None:
    """The system a heading title names by itself, or None (also when two systems tie: ambiguous)."""
    m = heading_matches(title)
    if not m:
        return None
    if len(m) > 1 and len(m[0][1]) == len(m[1][1]):
        return None  # e.g. 强化执法监督: enforcement or oversight, equally; the title does not decide
    return m[0][0]


def assign_systems(sections: pl.DataFrame) -> pl.DataFrame:
    """Add ``system`` and ``system_source`` to a segmentation (rows of ``fazhi.segment_text``).

    A section whose parent has a system inherits it; otherwise its own title may name one
    (``heading``); otherwise it has none (null). The preamble (level 0) never has a system.
    """
    by_id: dict[int, str | None] = {}
    system: list[str | None] = []
    source: list[str | None] = []
    for sid, parent, level, title in zip(
        sections["section_id"], sections["parent_id"], sections["level"], sections["title"]
    ):
        inherited = by_id.get(parent) if parent is not None else None
        if inherited is not None:
            s, src = inherited, "inherited"
        elif level and (own := heading_system(title)) is not None:
            s, src = own, "heading"
        else:
            s, src = None, None
        by_id[sid] = s
        system.append(s)
        source.append(src)
    return sections.with_columns(
        pl.Series("system", system, dtype=pl.String), pl.Series("system_source", source, dtype=pl.String)
    )


__all__ = [
    "System",
    "assign_systems",
    "heading_matches",
    "heading_system",
    "load_systems",
    "outline_version",
    "read_outline",
    "system_ids",
    "systems",
]
