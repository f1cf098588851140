"""Script and pinyin: Traditional characters converted to Simplified, injected pinyin removed.

In: a text. Out: ``to_simplified`` (the text, its script — simplified, traditional or mixed — and how many
characters changed), ``remove_pinyin`` (the text without bracketed toned pinyin, and what was removed),
``ScriptWarning``.
How: OpenCC ``t2s`` maps character for character; the share of changed Han characters decides the script
(``TRADITIONAL_SHARE``, ``TRADITIONAL_MIN_CHARS``, ``MIXED_MIN_CHARS``); pinyin is one regular expression.
"""

from __future__ import annotations

import re
from functools import cache

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


class ScriptWarning(UserWarning):
    """A text in Traditional characters was converted to Simplified (the original is kept)."""


TRADITIONAL_SHARE = 0.05  # converted / Han characters at or above which a text is "traditional"
TRADITIONAL_MIN_CHARS = 5  # and at least this many (one 拚 in a short Simplified text is not Traditional)
MIXED_MIN_CHARS = 20  # fewer converted characters than this (and under 0.2%) leave a text as it is


@cache
def _t2s():  # -> opencc.OpenCC, imported lazily
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> tuple[str, str, int]:
    """Convert a text written in Traditional characters to Simplified (OpenCC ``t2s``).

    Returns ``(text, script, converted)``: ``script`` is ``traditional`` when at least
    ``TRADITIONAL_SHARE`` of its Han characters change, ``mixed`` when some do (at least
    ``MIXED_MIN_CHARS`` and 0.2%: a Simplified text with a traditional passage), else ``simplified`` and
    the text is returned unchanged (a stray 拚 or 乾 in a Simplified text is left as written).
    """
    han = len(_HAN.findall(text))
    if not han:
        return text, "simplified", 0
    converted = _t2s().convert(text)
    if len(converted) != len(text):  # OpenCC t2s maps character for character; never lose alignment
        return text, "simplified", 0
    n = sum(1 for a, b in zip(text, converted, strict=True) if a != b)
    if n / han >= TRADITIONAL_SHARE and n >= TRADITIONAL_MIN_CHARS:
        return converted, "traditional", n
    if n >= MIXED_MIN_CHARS and n / han >= 0.002:
        return converted, "mixed", n
    return text, "simplified", 0


_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_PINYIN = re.compile(
    rf"(?<=[\u4e00-\u9fff])[（(]\s*([a-züv{_TONED}]{{0,6}}[{_TONED}][a-züv{_TONED}]{{0,6}}"
    rf"(?:\s+[a-züv{_TONED}]{{1,7}})*)\s*[)）]"
)


def remove_pinyin(text: str) -> tuple[str, list[tuple[str, str]]]:
    """Remove pinyin (with tone marks) injected in brackets after characters: ``關(guān)于`` → ``關于``."""
    removed = [("pinyin", m.group(0)) for m in _PINYIN.finditer(text)]
    return (_PINYIN.sub("", text) if removed else text), removed
