"""The tokeniser's dictionaries and engines: the user dictionary, stopword lists, jieba's stock dictionary.

In: the dictionary files shipped in ``pkg/fazhi/data/dictionary/`` (``userdict.txt``: ``term [freq]
[tag]`` per line; ``stopwords_*.txt``: one word per line; ``#`` comments) and jieba's ``dict.txt``.
Out: their contents as Python values, and an engine (``jieba.Tokenizer`` or ``rjieba.Jieba``, always a
private instance, never the global default) loaded with the stock dictionary plus every user term.

How: a user term without a frequency gets the one jieba's ``suggest_freq`` would give it, computed on the
stock dictionary before any term is added, so that the result does not depend on the order of the file
and both engines receive identical inputs (the tokeniser's engine-parity tests rely on it).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl

from .paths import PACKAGE_DATA

DICTIONARY_DIR = PACKAGE_DATA / "dictionary"
USERDICT = DICTIONARY_DIR / "userdict.txt"
STOPWORD_LISTS = {
    "general": DICTIONARY_DIR / "stopwords_general.txt",
    "genre": DICTIONARY_DIR / "stopwords_genre.txt",
}
ENGINES = ("rjieba", "jieba")
DEFAULT_ENGINE = "rjieba"


def file_hash(path: Path | None) -> str:
    """SHA-256 of a file's bytes (the user dictionary's, in the settings); "" for None."""
    return hashlib.sha256(path.read_bytes()).hexdigest() if path is not None else ""


def read_userdict(path: Path | str | None = USERDICT) -> list[tuple[str, int | None, str]]:
    """Read a user dictionary: ``term [freq] [tag]`` per line, ``#`` comments.

    Returns
    -------
    list of (term, freq or None, tag)
        In file order, first occurrence of a term kept; ``tag`` defaults to ``nz``.
    """
    if path is None:
        return []
    out: list[tuple[str, int | None, str]] = []
    seen: set[str] = set()
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(" ")
        term, freq, tag = parts[0], None, "nz"
        for extra in parts[1:]:
            if extra.isdigit():
                freq = int(extra)
            elif extra:
                tag = extra
        if term not in seen:
            seen.add(term)
            out.append((term, freq, tag))
    return out


def read_wordlist(path: Path | str) -> list[str]:
    """Read a one-word-per-line list (stopwords), skipping blank lines and ``#`` comments."""
    words = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            words.append(line)
    return words


@lru_cache(maxsize=1)
def stock_dictionary() -> tuple[pl.DataFrame, int]:
    """jieba's stock dictionary (``dict.txt``, which jieba-rs embeds too): ``token, freq, pos``.

    Later duplicates win, as in jieba's own loader; the total counts every line, as jieba's does.
    """
    import jieba

    path = Path(jieba.__file__).parent / "dict.txt"
    df = pl.read_csv(
        path,
        separator=" ",
        has_header=False,
        new_columns=["token", "freq", "pos"],
        schema_overrides={"token": pl.String, "freq": pl.Int64, "pos": pl.String},
        quote_char=None,
    )
    total = int(df["freq"].sum())
    return df.unique("token", keep="last", maintain_order=True), total


def _stock_freq(words: Iterable[str]) -> dict[str, int]:
    """Stock frequencies of ``words`` (those in the dictionary)."""
    df = stock_dictionary()[0]
    hit = df.filter(pl.col("token").is_in(list(set(words))))
    return dict(zip(hit["token"].to_list(), hit["freq"].to_list()))


def engine_version(engine: str) -> str:
    """The installed version of an engine's package."""
    return importlib.metadata.version(engine)


def load_engine(engine: str, user_terms: Sequence[tuple[str, int | None, str]]) -> Any:
    """A fresh engine (``"jieba"`` or ``"rjieba"``) with the stock dictionary and ``user_terms`` added
    (``read_userdict``): about 0.1 s for rjieba, 1 s for jieba."""
    if engine == "jieba":
        import jieba

        eng = jieba.Tokenizer()
        logger = logging.getLogger("jieba")
        level = logger.level
        logger.setLevel(logging.WARNING)  # silence "Building prefix dict" without touching it after
        try:
            eng.initialize()
        finally:
            logger.setLevel(level)
        cut_stock = lambda w: eng.lcut(w, HMM=False)
        add = lambda w, f, t: eng.add_word(w, f, t)
    else:
        import rjieba

        eng = rjieba.Jieba()
        cut_stock = lambda w: eng.cut(w, False)
        add = lambda w, f, t: eng.add_word(w, f, t)
    # Frequencies are computed on the stock dictionary before any word is added, so they do not
    # depend on the order of the file and both engines get the same numbers (jieba's suggest_freq).
    total = stock_dictionary()[1]
    splits = {term: cut_stock(term) for term, f, _ in user_terms if f is None}
    freq = _stock_freq([*splits, *(w for ws in splits.values() for w in ws)])
    chosen = []
    for term, f, tag in user_terms:
        if f is None:
            p = 1.0
            for seg in splits[term]:
                p *= freq.get(seg, 1) / total
            f = max(int(p * total) + 1, freq.get(term, 1))
        chosen.append((term, f, tag))
    for term, f, tag in chosen:
        add(term, f, tag)
    return eng


__all__ = [
    "DEFAULT_ENGINE",
    "DICTIONARY_DIR",
    "ENGINES",
    "STOPWORD_LISTS",
    "USERDICT",
    "engine_version",
    "file_hash",
    "load_engine",
    "read_userdict",
    "read_wordlist",
    "stock_dictionary",
]
