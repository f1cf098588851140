"""The record of one cleaned text, and the line tidying every cleaner shares.

In: text, or lines of it. Out: ``Cleaned`` (body, removed furniture, header facts, script),
``_normalise_newlines`` (CRLF and CR → LF), ``_tidy_lines`` (strip each line, drop empty ones) and
``_BLANKISH`` (a text of whitespace only).
How: plain functions on strings; used by ``clean`` (plain-text pages) and ``wrappers`` (HTML, database
exports).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

_BLANKISH = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]*")


@dataclass
class Cleaned:
    """The result of cleaning one text: the body, the removed furniture, header facts and the script."""

    text: str
    removed: list[tuple[str, str]] = field(default_factory=list)  # (kind, line or removed span)
    header: dict[str, str] = field(default_factory=dict)
    english_summary: str | None = None
    title_hint: str | None = None
    script: str = "simplified"
    converted_chars: int = 0
    original_text: str | None = None


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _tidy_lines(lines: Iterable[str]) -> str:
    """Join body lines: strip each line's surrounding whitespace, drop empty lines (whitespace is not
    content)."""
    out = []
    for line in lines:
        s = line.strip(" \t\u00a0\u3000\u200b\ufeff")
        if s:
            out.append(s)
    return "\n".join(out)
