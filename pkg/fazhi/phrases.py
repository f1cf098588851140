"""Phrase matching on a token stream, and keyword-in-context: one implementation for themes and vocabulary.

In: a stream of token texts (whitespace tokens left out) and a set of phrases; for context, a text and
the character span of a match.
Out: ``PhraseMatcher.match`` lists the hits (first token, number of tokens, matched key);
``context`` gives the ``left``, ``match`` and ``right`` strings of a span.

How: a phrase matches a run of consecutive tokens whose joined text equals it after ``norm`` (NFKC, so
full-width ``＋`` and digits equal ASCII ones; case-folded; whitespace removed). A hit therefore starts
and ends on token boundaries: a phrase is never found inside a longer token. Scanning left to right,
the longest phrase starting at a token wins and its tokens are consumed (hits never overlap); a set of
every phrase prefix stops each scan as soon as no phrase can continue. ``fazhi.themes`` matches its
lexicons with it, ``fazhi.vocabulary.kwic`` one term.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


def norm(s: str) -> str:
    """Matching key: NFKC (full-width ＋ and digits become ASCII), case-folded, whitespace removed."""
    return "".join(unicodedata.normalize("NFKC", s).casefold().split())


@dataclass(frozen=True)
class PhraseHit:
    """Tokens ``first`` .. ``first + n_tokens - 1`` of the stream spell the phrase whose key is ``key``."""

    first: int
    n_tokens: int
    key: str


class PhraseMatcher:
    """Leftmost-longest, non-overlapping matching of phrases on a token stream (see the module docstring)."""

    def __init__(self, phrases: Iterable[str]) -> None:
        self.keys = frozenset(k for k in (norm(p) for p in phrases) if k)
        self._prefixes = {k[:i] for k in self.keys for i in range(1, len(k) + 1)}

    def match(self, tokens: Sequence[str]) -> list[PhraseHit]:
        """Every hit in a stream of token texts, in stream order."""
        keys = [norm(t) for t in tokens]
        hits: list[PhraseHit] = []
        i, n = 0, len(keys)
        prefixes, phrases = self._prefixes, self.keys
        while i < n:
            best: PhraseHit | None = None
            acc = ""
            for j in range(i, n):
                acc += keys[j]
                if acc not in prefixes:
                    break
                if acc in phrases:
                    best = PhraseHit(i, j - i + 1, acc)
            if best is not None:
                hits.append(best)
                i += best.n_tokens
            else:
                i += 1
        return hits


def context(text: str, start: int, end: int, *, width: int) -> tuple[str, str, str]:
    """``left``, ``match`` and ``right`` of the span ``start:end``: ``width`` characters of context each
    side, line breaks in the context shown as spaces."""
    left = text[max(0, start - width) : start].replace("\n", " ")
    return left, text[start:end], text[end : end + width].replace("\n", " ")


__all__ = ["PhraseHit", "PhraseMatcher", "context", "norm"]
