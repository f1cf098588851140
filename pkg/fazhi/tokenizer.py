"""Tokenisation: a domain-aware, isolated jieba tokeniser with offsets, parts of speech, a disk cache and
parallel workers.

In: the ``documents`` table (and, when the segment stage has run, ``sections`` and ``sentences``).
Out: the ``tokens`` table (one row per non-whitespace token, with its character offsets into
``documents.text``, its part of speech and whether it survives the default filters) and the
``token_settings`` table (the tokeniser's settings, engine version and dictionary hash).

How a text is cut
-----------------
1. *Protection.* Terms of the domain user dictionary that hold characters jieba's internal regex
   splits on (digits, ``+``, ``·``, ``%``, ``、`` …: 双随机、一公开, 12345热线, 互联网+监管) and ASCII
   compounds joined by ``-``, ``.`` or ``_`` (2024-03-22, 3.5%, decision-making) are found first,
   longest term first, and replaced by a private-use sentinel character. Both engines treat the
   sentinel as a one-character block boundary, so each protected span becomes exactly one token.
   (The ASCII compounds are protected because the two engines' HMMs treat them differently: jieba
   splits ``decision-making`` in three, jieba-rs keeps it whole; protecting them makes the engines
   agree, see the tests.)
2. *Statistical cut.* The engine — ``jieba.Tokenizer`` or ``rjieba.Jieba``, always a private instance,
   never the global default — cuts the text with jieba's stock dictionary plus every user-dictionary
   term (added with an explicit frequency computed once from the stock dictionary, so both engines
   receive identical inputs), with or without the HMM for unknown words.
3. *Offsets and parts of speech.* Tokens tile the text, so offsets are running sums of lengths. The
   part of speech is the token's tag in the dictionary (jieba's ``dict.txt``, or the user dictionary's
   tag, ``nz`` by default); a token in no dictionary is ``m`` (digits), ``eng`` (ASCII letters) or
   ``x`` — the rule of jieba-rs's ``tag``. (``jieba.posseg`` is not used: it cuts differently.)
4. *Filters* (``keep``): stopwords (general list + this genre's empty verbs and formulae), punctuation
   and symbols, numbers, and tokens shorter than ``min_chars``; each is an option. User-dictionary
   terms are never dropped as numbers or as too short.

Engines: ``rjieba`` (the default) and ``jieba`` give identical tokens on the whole seed corpus (test)
and on the benchmark's synthetic corpus, and rjieba is far faster (``benchmarks/bench_tokenize.py``).

Speed
-----
Texts are cut in batches (``Tokenizer.cut_batch``) and no Python code runs per token after the
engine: protected spans of the whole batch are found by one pass of polars' (Rust) regex and put
back with one scatter; each text's tokens are encoded into codes by a dict lookup as soon as the
engine returns them (the tokeniser remembers the distinct tokens it has met), and length, tag and
verdict are computed once per distinct token and spread back with numpy gathers. With ``jobs=n``,
the calling process and ``n - 1`` workers claim batches from one list (the caller cuts too, rather
than wait as a third process taking turns for two cores). Workers come from a ``forkserver`` with
this module preloaded and keep their tokeniser between tasks; they read their texts from one file the
caller writes, and leave only codes and the batch's distinct tokens, from which the caller builds
their frames between its own batches. The disk cache is one Arrow
IPC file per batch, indexed by text hash in its metadata and read by memory map; a fully cached run
loads no engine or dictionary. Every cache file is checksummed (XXH3-128, in a sidecar) and verified
before it is parsed: a damaged entry is recomputed with a ``CacheIntegrityWarning``, never trusted.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import importlib.metadata
import json
import logging
import multiprocessing
import os
import pickle
import re
import shutil
import tempfile
import threading
import warnings
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import polars as pl

from .paths import PACKAGE_DATA, cache_dir
from .schema import TOKEN_SETTINGS, TOKENS

if TYPE_CHECKING:
    from .pipeline import BuildContext
    from .settings import TokenizerSettings

DICTIONARY_DIR = PACKAGE_DATA / "dictionary"
USERDICT = DICTIONARY_DIR / "userdict.txt"
STOPWORD_LISTS = {
    "general": DICTIONARY_DIR / "stopwords_general.txt",
    "genre": DICTIONARY_DIR / "stopwords_genre.txt",
}
ENGINES = ("rjieba", "jieba")
DEFAULT_ENGINE = "rjieba"
# A private-use character: never in government prose, a block boundary for both engines.
SENTINEL = "\ue000"
# Characters inside a dictionary term that make it need protection: anything but Han characters.
_HAN = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff]+$")
# ASCII compounds the two engines' HMMs cut differently (see the module docstring).
# Possessive runs, anchored at the start of an ASCII run: no backtracking over long digit strings.
# The first character is matched before the lookbehind so that the whole pattern starts with a
# character set, which lets ``re`` jump between candidate positions at C speed.
_ASCII_COMPOUND = r"[A-Za-z0-9](?<![A-Za-z0-9][A-Za-z0-9])[A-Za-z0-9]*+(?:[-._][A-Za-z0-9]++)+%?"
_ASCII_COMPOUND_RS = r"[A-Za-z0-9]+(?:[-._][A-Za-z0-9]+)+%?"
_NUMBER = r"^[0-9０-９.．,，%％‰+\-−~～/:：]*[0-9０-９][0-9０-９.．,，%％‰+\-−~～/:：]*$"
_CN_NUMBER = r"^[零〇一二两三四五六七八九十百千万亿]+$"
_PUNCT = r"^[\p{P}\p{S}\p{Z}\p{C}]+$"


class Token(NamedTuple):
    """One token: its text, character offsets into the input, part of speech, and the filter verdict."""

    text: str
    start: int
    end: int
    pos: str
    keep: bool


# --------------------------------------------------------------------------------------------- data


def _file_hash(path: Path | None) -> str:
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
def _stock_dictionary() -> tuple[pl.DataFrame, int]:
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


def _stock_tags() -> pl.DataFrame:
    """word -> tag of jieba's stock dictionary."""
    return _stock_dictionary()[0].select("token", "pos")


def _stock_freq(words: Iterable[str]) -> dict[str, int]:
    """Stock frequencies of ``words`` (those in the dictionary)."""
    df = _stock_dictionary()[0]
    hit = df.filter(pl.col("token").is_in(list(set(words))))
    return dict(zip(hit["token"].to_list(), hit["freq"].to_list()))


def engine_version(engine: str) -> str:
    """The installed version of an engine's package."""
    return importlib.metadata.version(engine)


def _trie_regex(words: Iterable[str]) -> str:
    """A regex matching any of ``words``, longest first at each position, as a prefix trie (fast in ``re``)."""
    trie: dict[str, Any] = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = True

    def build(node: dict[str, Any]) -> str:
        end = "" in node
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        # greedy optional: the longer continuation is tried first, then the term ending here
        return f"(?:{body})?" if end else body

    return build(trie)


# ---------------------------------------------------------------------------------------- tokeniser


@dataclass(frozen=True)
class TokenizerConfig:
    """Everything that determines a tokeniser's output (hashable: the per-process cache key)."""

    engine: str = DEFAULT_ENGINE
    hmm: bool = True
    userdict: str | None = str(USERDICT)
    stopwords: tuple[str, ...] = ("general", "genre")
    extra_stopwords: tuple[str, ...] = ()
    drop_punctuation: bool = True
    drop_numbers: bool = True
    min_chars: int = 2
    protect: tuple[str, ...] = field(default=())


class Tokenizer:
    """An isolated, configurable jieba tokeniser.

    Parameters
    ----------
    engine
        ``"rjieba"`` (default; the Rust port, same algorithm and dictionary) or ``"jieba"`` (reference).
    hmm
        Let the engine's HMM join unknown words (jieba's default, True).
    userdict
        Path of a user dictionary (``term [freq] [tag]`` per line); the shipped domain dictionary by
        default; None for jieba's stock dictionary only.
    stopwords
        Which shipped stopword lists to apply: any of ``"general"``, ``"genre"`` (paths also accepted).
    extra_stopwords
        More stopwords.
    drop_punctuation, drop_numbers
        Filter tokens made only of punctuation/symbols, and numbers (Arabic digits, or Chinese numerals
        only).
    min_chars
        Filter tokens shorter than this (2 drops single characters; 1 keeps them).
    protect
        Extra terms to protect (always one token), beside the user dictionary's non-Han terms.

    Notes
    -----
    Construction loads the engine's dictionary (about 0.1 s for rjieba, 1 s for jieba); use
    ``get_tokenizer``/``default_tokenizer`` to reuse one tokeniser per process.
    """

    def __init__(
        self,
        engine: str = DEFAULT_ENGINE,
        hmm: bool = True,
        userdict: Path | str | None = USERDICT,
        stopwords: Sequence[str] = ("general", "genre"),
        extra_stopwords: Iterable[str] = (),
        drop_punctuation: bool = True,
        drop_numbers: bool = True,
        min_chars: int = 2,
        protect: Iterable[str] = (),
    ) -> None:
        if engine not in ENGINES:
            raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
        self.config = TokenizerConfig(
            engine=engine,
            hmm=bool(hmm),
            userdict=str(userdict) if userdict is not None else None,
            stopwords=tuple(str(s) for s in stopwords),
            extra_stopwords=tuple(sorted(set(extra_stopwords))),
            drop_punctuation=bool(drop_punctuation),
            drop_numbers=bool(drop_numbers),
            min_chars=int(min_chars),
            protect=tuple(sorted(set(protect))),
        )
        self.engine = engine
        self.hmm = bool(hmm)
        self.userdict_path = Path(userdict) if userdict is not None else None
        self.user_terms = read_userdict(self.userdict_path)
        self._user_set = frozenset(t for t, _, _ in self.user_terms) | frozenset(self.config.protect)
        stop_paths = [STOPWORD_LISTS.get(s, Path(s)) for s in self.config.stopwords]
        self.stopwords = frozenset(w for p in stop_paths for w in read_wordlist(p)) | frozenset(
            self.config.extra_stopwords
        )
        self._stop_hash = hashlib.sha256(
            "\n".join(sorted(self.stopwords)).encode()
        ).hexdigest()
        self.engine_version = engine_version(engine)
        self.userdict_hash = _file_hash(self.userdict_path)
        protected = sorted(
            {t for t, _, _ in self.user_terms if not _HAN.match(t)} | set(self.config.protect)
        )
        self._protect_re = re.compile("|".join(p for p in (_trie_regex(protected), _ASCII_COMPOUND) if p))
        # The same pattern for polars' (Rust) regex, which finds the spans of a whole batch at DFA speed.
        # It needs no lookbehind: scanning leftmost-first, a match never starts inside an ASCII run,
        # because wherever it could, it could from the run's start too.
        self._protect_rs = "|".join(p for p in (_trie_regex(protected), _ASCII_COMPOUND_RS) if p)
        # The engine and the tag frame are loaded on first use: a run served from the cache never
        # loads a dictionary.
        self._engine_obj: Any = None
        self._tags_obj: pl.DataFrame | None = None
        self._tag_dict_obj: dict[str, str] | None = None
        self._vocab_obj: _Vocabulary | None = None
        self._lock = threading.Lock()

    # -- settings ---------------------------------------------------------------------------------

    def cut_settings(self) -> dict[str, object]:
        """The settings that determine tokens, offsets and parts of speech (the disk-cache key)."""
        return {
            "engine": self.engine,
            "engine_version": self.engine_version,
            "hmm": self.hmm,
            "userdict_hash": self.userdict_hash,
            "protect": list(self.config.protect),
            "cache_format": 2,
        }

    def settings(self) -> dict[str, object]:
        """Every setting, including the filters, with the hashes of the dictionary and stopwords."""
        cfg = asdict(self.config)
        cfg.pop("userdict")
        return {
            **self.cut_settings(),
            **{k: (list(v) if isinstance(v, tuple) else v) for k, v in cfg.items()},
            "stopwords_hash": self._stop_hash,
        }

    @property
    def cut_hash(self) -> str:
        """Hash of ``cut_settings()``."""
        return _hash_json(self.cut_settings())

    @property
    def settings_hash(self) -> str:
        """Hash of ``settings()``: two tokenisers with the same hash give the same output."""
        return _hash_json(self.settings())

    # -- engine -----------------------------------------------------------------------------------

    @property
    def _engine(self) -> Any:
        if self._engine_obj is None:
            self._engine_obj = self._load_engine()
        return self._engine_obj

    @property
    def _tags(self) -> pl.DataFrame:
        if self._tags_obj is None:
            self._tags_obj = self._tag_frame()
        return self._tags_obj

    @property
    def _tag_dict(self) -> dict[str, str]:
        # A dict, because a batch's few thousand distinct tokens are looked up faster in Python than
        # by joining them against the 350 000 dictionary entries.
        if self._tag_dict_obj is None:
            tags = self._tags
            self._tag_dict_obj = dict(zip(tags["token"].to_list(), tags["pos"].to_list()))
        return self._tag_dict_obj

    @property
    def engine_loaded(self) -> bool:
        """Whether this tokeniser has loaded its engine (False while every text came from the cache)."""
        return self._engine_obj is not None

    def _load_engine(self) -> Any:
        if self.engine == "jieba":
            import jieba

            eng = jieba.Tokenizer()
            logger = logging.getLogger("jieba")
            level = logger.level
            logger.setLevel(logging.WARNING)  # silence "Building prefix dict" without touching it after
            try:
                eng.initialize()
            finally:
                logger.setLevel(level)
            cut_stock = lambda w: eng.lcut(w, HMM=False)  # noqa: E731
            add = lambda w, f, t: eng.add_word(w, f, t)  # noqa: E731
        else:
            import rjieba

            eng = rjieba.Jieba()
            cut_stock = lambda w: eng.cut(w, False)  # noqa: E731
            add = lambda w, f, t: eng.add_word(w, f, t)  # noqa: E731
        # Frequencies are computed on the stock dictionary before any word is added, so they do not
        # depend on the order of the file and both engines get the same numbers (jieba's suggest_freq).
        total = _stock_dictionary()[1]
        splits = {term: cut_stock(term) for term, f, _ in self.user_terms if f is None}
        freq = _stock_freq([*splits, *(w for ws in splits.values() for w in ws)])
        chosen = []
        for term, f, tag in self.user_terms:
            if f is None:
                p = 1.0
                for seg in splits[term]:
                    p *= freq.get(seg, 1) / total
                f = max(int(p * total) + 1, freq.get(term, 1))
            chosen.append((term, f, tag))
        for term, f, tag in chosen:
            add(term, f, tag)
        return eng

    def _tag_frame(self) -> pl.DataFrame:
        user = pl.DataFrame(
            {"token": [t for t, _, _ in self.user_terms], "pos": [g for _, _, g in self.user_terms]},
            schema={"token": pl.String, "pos": pl.String},
        )
        return pl.concat([_stock_tags(), user]).unique("token", keep="last", maintain_order=True)

    def _engine_cut(self, text: str) -> list[str]:
        if self.engine == "jieba":
            return self._engine.lcut(text, HMM=self.hmm)
        return self._engine.cut(text, self.hmm)

    def raw(self, text: str) -> list[str]:
        """Every token, whitespace included, in order; ``"".join(raw(text)) == text``."""
        if not text:
            return []
        if SENTINEL in text:  # cannot use the sentinel: cut the pieces between protected spans
            out: list[str] = []
            pos = 0
            for m in self._protect_re.finditer(text):
                if m.start() > pos:
                    out.extend(self._engine_cut(text[pos : m.start()]))
                out.append(m.group())
                pos = m.end()
            if pos < len(text):
                out.extend(self._engine_cut(text[pos:]))
            return out
        spans: list[str] = []

        def stash(m: re.Match[str]) -> str:
            spans.append(m.group())
            return SENTINEL

        masked = self._protect_re.sub(stash, text)
        words = self._engine_cut(masked)
        i = -1
        for span in spans:
            i = words.index(SENTINEL, i + 1)
            words[i] = span
        return words

    # -- frames -----------------------------------------------------------------------------------

    def _raw_batch(self, texts: Sequence[str], vocab: _Vocabulary) -> tuple[np.ndarray, np.ndarray]:
        """Every token of every text (whitespace included) as codes into the vocabulary, and each
        text's token count.

        ``vocab.words[codes[k]]`` is the k-th token of the batch. Each text's tokens are encoded
        the moment the engine returns them, through a dict lookup, while the new strings are still in
        the CPU cache; they are then dropped, so a batch never holds a Python string per token (that
        alone cost a third of the stage). Protected spans are put back by overwriting the sentinel's
        code with the spans' codes in one numpy scatter (the engine returns each sentinel as a token of
        its own), rather than searched for token by token.
        """
        code = vocab.code
        parts: list[np.ndarray] = []
        counts = np.zeros(len(texts), dtype=np.int64)
        slow: list[int] = []  # texts that hold the sentinel themselves: cut by the piecewise path
        masked, found = self._mask_batch(texts)
        for i, text in enumerate(texts):
            if not text:
                continue
            if SENTINEL in text:
                w = self.raw(text)
                slow.append(i)
            else:
                w = self._engine_cut(masked[i])
            c = np.fromiter(map(code, w), dtype=np.int32, count=len(w))
            counts[i] = len(c)
            parts.append(c)
        codes = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)
        skip = set(slow)  # their spans are already in place
        spans = [span for i, f in enumerate(found) if f and i not in skip for span in f]
        if spans:
            at = np.flatnonzero(codes == code(SENTINEL))
            if slow:  # a sentinel inside such a text is the text's own character: leave it alone
                doc = np.searchsorted(np.cumsum(counts), at, side="right")
                at = at[~np.isin(doc, slow)]
            if len(at) != len(spans):  # the engine merged a sentinel with a neighbour: never seen
                raise RuntimeError("protected spans and sentinel tokens do not line up")
            codes[at] = np.fromiter(map(code, spans), dtype=np.int32, count=len(spans))
        return codes, counts

    def _mask_batch(self, texts: Sequence[str]) -> tuple[list[str], list[list[str]]]:
        """Each text with its protected spans replaced by the sentinel, and the spans, in order.

        The spans of the whole batch are found by one pass of polars' (Rust) regex.
        """
        try:
            found = pl.Series("text", texts, dtype=pl.String).str.extract_all(self._protect_rs).to_list()
        except pl.exceptions.PolarsError:  # a protect term Rust's regex syntax refuses: use Python's re
            found = [[] for _ in texts]
            masked = [
                self._protect_re.sub(lambda m, k=k: found[k].append(m.group()) or SENTINEL, t)  # type: ignore[func-returns-value]
                for k, t in enumerate(texts)
            ]
            return masked, found
        return [_mask(t, f) if f else t for t, f in zip(texts, found)], found

    def _vocabulary(self) -> _Vocabulary:
        if self._vocab_obj is None or len(self._vocab_obj) > _VOCAB_LIMIT:
            self._vocab_obj = _Vocabulary(self._judge)
        return self._vocab_obj

    def _judge(self, words: list[str]) -> pl.DataFrame:
        """Per distinct token: length in characters, whether it is all whitespace, its tag, its verdict."""
        tags = self._tag_dict
        return (
            pl.DataFrame(
                {"token": words, "pos": [tags.get(t) for t in words]},
                schema={"token": pl.String, "pos": pl.String},
            )
            .with_columns(
                n=pl.col("token").str.len_chars().cast(pl.Int64),
                blank=~pl.col("token").str.contains(r"\S"),
                pos=pl.coalesce("pos", _fallback_pos(pl.col("token"))),
                keep=self.keep_expr(),
            )
        )

    def encode_batch(self, texts: Sequence[str]) -> _Encoded:
        """Cut several texts and encode their tokens: the engine's half of ``cut_batch``.

        Returns every token of the batch (whitespace included) as a code into the batch's own
        vocabulary, which carries each distinct token's length, tag and verdict: a compact result a
        worker process hands back in a few megabytes, from which ``frame_batch`` builds the frame.
        """
        with self._lock:  # the vocabulary grows while a batch is encoded
            vocab = self._vocabulary()
            codes, counts = self._raw_batch(texts, vocab)
            judged = vocab.judged(gather=len(codes))
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        return _Encoded(judged, codes, counts, lengths)

    def cut_batch(self, texts: Sequence[str]) -> tuple[pl.DataFrame, np.ndarray]:
        """Cut several texts into one frame ``token, start, end, pos, keep`` and each text's row count.

        Whitespace tokens are dropped; offsets are character offsets into each text. No per-token
        Python work happens after the engine: the tokens are encoded as codes into the tokeniser's
        vocabulary, every property of a token (length, tag, verdict) is computed once per distinct
        token (the first time the tokeniser meets it), and spread back with numpy gathers; offsets are
        running sums of lengths, because the tokens tile the text.
        """
        return frame_batch(self.encode_batch(texts))

    def frame(self, texts: Sequence[str]) -> list[pl.DataFrame]:
        """Cut several texts at once: one frame per text with ``token, start, end, pos`` (no keep).

        Whitespace tokens are dropped; offsets are character offsets into each text.
        """
        df, counts = self.cut_batch(texts)
        return _split(df.drop("keep"), counts)

    def keep_of(self, tokens: pl.Series) -> pl.Series:
        """The filter verdict of each token, computed once per distinct token."""
        if tokens.len() == 0:
            return pl.Series("keep", [], dtype=pl.Boolean)
        vocab, codes = _encode(tokens)
        verdict = vocab.to_frame().select(keep=self.keep_expr())["keep"]
        return pl.Series("keep", verdict.to_numpy()[codes], dtype=pl.Boolean)

    def keep_expr(self) -> pl.Expr:
        """The filter verdict as a polars expression on column ``token``."""
        tok = pl.col("token")
        user = tok.is_in(list(self._user_set))
        ok = ~tok.is_in(list(self.stopwords))
        dropped = pl.lit(False)
        if self.config.drop_punctuation:
            dropped = dropped | tok.str.contains(_PUNCT)
        if self.config.drop_numbers:
            dropped = dropped | tok.str.contains(_NUMBER) | tok.str.contains(_CN_NUMBER)
        if self.config.min_chars > 1:
            dropped = dropped | (tok.str.len_chars() < self.config.min_chars)
        return ok & (user | ~dropped)

    def with_keep(self, df: pl.DataFrame) -> pl.DataFrame:
        """Add the ``keep`` column to a frame with a ``token`` column."""
        return df.with_columns(keep=self.keep_expr())

    # -- public API -------------------------------------------------------------------------------

    def tokens(self, text: str) -> list[Token]:
        """Every non-whitespace token of ``text`` with offsets, part of speech and the filter verdict."""
        df, _ = self.cut_batch([text])
        return [Token(*row) for row in df.iter_rows()]

    def cut(self, text: str) -> list[str]:
        """The tokens of ``text`` that survive the filters, in order."""
        df, _ = self.cut_batch([text])
        return df.filter("keep")["token"].to_list()

    def __repr__(self) -> str:
        return f"Tokenizer(engine={self.engine!r}, hmm={self.hmm}, settings_hash={self.settings_hash[:12]}…)"


# A tokeniser's vocabulary is forgotten (and rebuilt as texts come) beyond this many distinct tokens,
# so that a long-lived process's memory stays bounded; codes never leave a batch, so this is invisible.
_VOCAB_LIMIT = 2_000_000


class _Judged(NamedTuple):
    token: pl.Series  # the distinct tokens, in code order
    pos: pl.Series
    n: np.ndarray  # length in characters
    blank: np.ndarray  # all whitespace
    keep: np.ndarray  # the filter verdict


class _Encoded(NamedTuple):
    """A batch of texts cut and encoded (``Tokenizer.encode_batch``)."""

    vocab: _Judged  # the distinct tokens (at least those the codes use) and their properties
    codes: np.ndarray  # every token of the batch, whitespace included, as a code into ``vocab``
    counts: np.ndarray  # tokens per text, whitespace included
    lengths: np.ndarray  # characters per text

    def compact(self) -> _Encoded:
        """The same batch with a vocabulary of only the tokens it uses (what a worker sends back)."""
        used = np.bincount(self.codes, minlength=len(self.vocab.n)) > 0
        ids = np.flatnonzero(used)
        remap = np.cumsum(used, dtype=np.int32) - 1
        v = self.vocab
        sub = _Judged(v.token.gather(ids), v.pos.gather(ids), v.n[ids], v.blank[ids], v.keep[ids])
        return _Encoded(sub, remap[self.codes], self.counts, self.lengths)


def _mask(text: str, spans: list[str]) -> str:
    """``text`` with each of its protected ``spans`` (in order, as the regex found them) replaced by the
    sentinel.

    Each span is found again with ``str.find`` from the end of the previous one: wherever a span's
    string occurs, the regex matches there, so its first occurrence after the previous match is the
    place the regex found it (a second regex pass to replace would cost more than this).
    """
    parts = []
    pos = 0
    for span in spans:
        at = text.find(span, pos)
        if at < 0:  # cannot happen for spans the regex found in this text
            raise ValueError(f"protected span {span!r} not found in order")
        parts.append(text[pos:at])
        pos = at + len(span)
    parts.append(text[pos:])
    return SENTINEL.join(parts)


def frame_batch(enc: _Encoded) -> tuple[pl.DataFrame, np.ndarray]:
    """The frame ``token, start, end, pos, keep`` of an encoded batch and each text's row count.

    Offsets are running sums of token lengths, restarted at each text (the tokens tile the texts);
    whitespace tokens are dropped.
    """
    judged, codes, counts, lengths = enc
    if len(codes) == 0:
        return _empty_frame(), np.zeros(len(lengths), dtype=np.int64)
    n = judged.n[codes]
    end = np.cumsum(n)
    origin = np.cumsum(lengths) - lengths
    bounds = np.cumsum(counts) - counts
    end -= np.repeat(origin, counts)
    keep_row = ~judged.blank[codes]
    sel = np.flatnonzero(keep_row)
    kept_codes = codes[sel]
    end = end[sel]
    df = pl.DataFrame(
        {
            "token": judged.token.gather(kept_codes),
            "start": end - n[sel],
            "end": end,
            "pos": judged.pos.gather(kept_codes),
            "keep": judged.keep[kept_codes],
        },
        schema=_FRAME_SCHEMA,
    )
    # rows kept per text: the running count of kept rows at each text's boundaries
    kept_before = np.concatenate([[0], np.cumsum(keep_row)])
    return df, (kept_before[bounds + counts] - kept_before[bounds]).astype(np.int64)


class _Vocabulary(dict):  # type: ignore[type-arg]
    """Distinct tokens -> dense codes 0.., assigned on first sight, with every token's judged properties.

    A dict subclass whose ``__missing__`` assigns the next code: encoding a token that is already
    known is one C-level dict lookup (``map(vocab.code, words)``), and only new tokens run Python code.
    """

    def __init__(self, judge: Any) -> None:
        super().__init__()
        self.words: list[str] = []
        self.code = self.__getitem__
        self._judge = judge
        self._judged: _Judged = _judged_of(judge([]))

    def __missing__(self, word: str) -> int:
        c = self[word] = len(self.words)
        self.words.append(word)
        return c

    def judged(self, gather: int = 0) -> _Judged:
        """The properties of every token so far; new tokens are judged once, when first needed.

        Each call that finds new tokens returns a new ``_Judged`` (the old one, which a batch may
        still be reading, is never changed): the new tokens' strings are added as a chunk and the
        numeric columns are concatenated. ``gather`` is how many rows the caller will gather: a
        gather from a chunked string column costs several times one from a single chunk (0.11 s
        against 0.02 s for 500 K rows), so the chunks are merged (a copy of the vocabulary, kept for
        later calls) once the gather is at least a quarter of the vocabulary's size, and whenever
        chunks pile up; a small gather (one short text) never pays for copying a large vocabulary.
        """
        old = self._judged
        token, pos = old.token, old.pos
        if len(old.n) < len(self.words):
            new = _judged_of(self._judge(self.words[len(old.n) :]))
            token = pl.concat([token, new.token], rechunk=False)
            pos = pl.concat([pos, new.pos], rechunk=False)
            n = np.concatenate([old.n, new.n])
            blank = np.concatenate([old.blank, new.blank])
            keep = np.concatenate([old.keep, new.keep])
        else:
            n, blank, keep = old.n, old.blank, old.keep
        if token.n_chunks() > 16 or (token.n_chunks() > 1 and 4 * gather >= len(token)):
            token, pos = token.rechunk(), pos.rechunk()
        if token is not old.token:
            self._judged = _Judged(token, pos, n, blank, keep)
        return self._judged


def _judged_of(df: pl.DataFrame) -> _Judged:
    return _Judged(
        df["token"], df["pos"], df["n"].to_numpy(), df["blank"].to_numpy(), df["keep"].to_numpy()
    )


_FRAME_SCHEMA = {"token": pl.String, "start": pl.Int64, "end": pl.Int64, "pos": pl.String, "keep": pl.Boolean}
_CUT_COLUMNS = ("token", "start", "end", "pos")


def _empty_frame() -> pl.DataFrame:
    return pl.DataFrame(schema=_FRAME_SCHEMA)


def _encode(tokens: pl.Series) -> tuple[pl.Series, np.ndarray]:
    """Dictionary-encode ``tokens``: the distinct tokens and each token's code (``vocab[codes] == tokens``).

    A private category list (not the global one) keeps the codes dense, 0..n_distinct-1.
    """
    cats = pl.Categories.random()
    codes = tokens.cast(pl.Categorical(cats)).to_physical().to_numpy()
    # Each code's first occurrence, by a reversed scatter (the last write wins): the distinct tokens
    # in code order without a Python loop over the category list.
    first = np.empty(int(codes.max()) + 1 if len(codes) else 0, dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)
    return tokens.gather(first).rename("token"), codes


def _split(df: pl.DataFrame, counts: np.ndarray) -> list[pl.DataFrame]:
    """Zero-copy slices of ``df``: ``counts[i]`` rows for text ``i``."""
    bounds = np.concatenate([[0], np.cumsum(counts)])
    return [df.slice(int(a), int(b - a)) for a, b in zip(bounds[:-1], bounds[1:])]


def _fallback_pos(tok: pl.Expr) -> pl.Expr:
    """jieba-rs's rule for tokens in no dictionary: ASCII digits only -> m, other ASCII -> eng, else x."""
    n_ascii = tok.str.count_matches(r"[A-Za-z0-9]")
    n_digit = tok.str.count_matches(r"[0-9]")
    return pl.when(n_ascii == 0).then(pl.lit("x")).when(n_ascii == n_digit).then(pl.lit("m")).otherwise(pl.lit("eng"))


def _hash_json(obj: object) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@lru_cache(maxsize=8)
def _tokenizer_for(config: TokenizerConfig) -> Tokenizer:
    return Tokenizer(**asdict(config))


def make_config(**options: Any) -> TokenizerConfig:
    """The ``TokenizerConfig`` of ``Tokenizer(**options)`` (normalised, hashable)."""
    merged = {**asdict(TokenizerConfig()), **options}
    merged["userdict"] = str(merged["userdict"]) if merged["userdict"] is not None else None
    merged["stopwords"] = tuple(str(s) for s in merged["stopwords"])
    merged["extra_stopwords"] = tuple(sorted(set(merged["extra_stopwords"])))
    merged["protect"] = tuple(sorted(set(merged["protect"])))
    return TokenizerConfig(**merged)


def get_tokenizer(**options: Any) -> Tokenizer:
    """A tokeniser for ``options`` (see ``Tokenizer``), built once per process and reused."""
    return _tokenizer_for(make_config(**options))


def default_tokenizer() -> Tokenizer:
    """The project's default tokeniser (cached per process)."""
    return get_tokenizer()


def tokenize(text: str) -> list[str]:
    """Cut ``text`` with the default tokeniser and return the tokens that survive its filters.

    Examples
    --------
    >>> tokenize("深化“放管服”改革，推行“双随机、一公开”监管")  # doctest: +SKIP
    ['深化', '放管服', '改革', '推行', '双随机、一公开', '监管']
    """
    return default_tokenizer().cut(text)


# ------------------------------------------------------------------------------ cache and parallel


def text_hash(text: str) -> str:
    """SHA-256 of a text (UTF-8)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _hash_texts(texts: Sequence[str]) -> list[str]:
    """``text_hash`` of every text; two threads, because hashlib releases the GIL on large buffers."""
    if sum(map(len, texts)) < 2_000_000:
        return [text_hash(t) for t in texts]
    half = len(texts) // 2
    with ThreadPoolExecutor(2) as ex:
        parts = list(ex.map(lambda part: [text_hash(t) for t in part], (texts[:half], texts[half:])))
    return parts[0] + parts[1]


# The cache: one Arrow IPC file per batch of texts cut together, under a folder per cut setting,
#   <root>/tokens/<cut_hash>/<batch_id>.arrow        token, start, end, pos of all its texts
#   <root>/tokens/<cut_hash>/<batch_id>.json         its index and checksum (see below)
#   <root>/tokens/<cut_hash>/keep/<settings_hash>/<batch_id>.keep   the filter verdicts (raw bytes),
#                                                    followed by the 16-byte XXH3-128 digest of those bytes
# The file's schema metadata lists (text hash, row count) of its texts in order: that is the index, so
# a lookup is keyed by text hash and cut setting and a changed text misses only its own entry. The
# ``.json`` sidecar repeats the index with the file's size and XXH3-128 digest, and a digest of itself:
# the index is read from the sidecars (no Arrow file is opened to find an entry), and a batch file is
# verified, byte for byte, before it is parsed. An entry whose file or sidecar fails its check is
# recomputed with a ``CacheIntegrityWarning``; an entry without a sidecar (a cache written before
# checksums) is recomputed silently. Files are read through a memory map (no parse).
# One file per batch rather than per text: opening a thousand small files costs more than tokenising
# them takes to read.
_INDEX_KEY = b"fazhi.texts"
_SIDECAR_FORMAT = 1
_DIGEST_BYTES = 16


class CacheIntegrityWarning(RuntimeWarning):
    """A token-cache entry failed its checksum (a damaged or altered file): it was recomputed."""


class CacheWriteWarning(RuntimeWarning):
    """A token-cache entry could not be written (a full disk, a read-only cache): the run goes on without it."""


def _digest(data: Any) -> bytes:
    """XXH3-128 of a bytes-like object (a memory map included)."""
    import xxhash

    return xxhash.xxh3_128_digest(data)


def _file_digest(path: Path) -> tuple[int, str]:
    """Size and hex XXH3-128 digest of a file's bytes, read in blocks (no address space the file's size)."""
    import xxhash

    h, size = xxhash.xxh3_128(), 0
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
            size += len(block)
    return size, h.hexdigest()


def _cache_warning(path: Path, what: str) -> None:
    """Warn that a cache entry failed a check; the caller recomputes it."""
    warnings.warn(
        f"token cache entry {path} {what}; its tokens were recomputed (the entry is replaced)",
        CacheIntegrityWarning,
        stacklevel=3,
    )


def _cut_dir(root: Path, tok: Tokenizer) -> Path:
    return root / "tokens" / tok.cut_hash[:24]


def _keep_path(cut_path: Path, tok: Tokenizer) -> Path:
    return cut_path.parent / "keep" / tok.settings_hash[:24] / (cut_path.stem + ".keep")


def _sidecar_path(cut_path: Path) -> Path:
    return cut_path.with_suffix(".json")


def _atomic_write(path: Path, write: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        write(tmp)
        tmp.replace(path)  # atomic: a reader never sees half a file
    finally:
        tmp.unlink(missing_ok=True)


def _sidecar_body(fields: dict[str, Any]) -> str:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"))


def _write_batch(path: Path, df: pl.DataFrame, hashes: Sequence[str], counts: np.ndarray) -> None:
    import pyarrow as pa
    import pyarrow.ipc as ipc

    table = df.select(_CUT_COLUMNS).to_arrow(compat_level=pl.CompatLevel.newest())
    texts = [[h, int(c)] for h, c in zip(hashes, counts)]
    table = table.replace_schema_metadata({_INDEX_KEY: json.dumps(texts).encode()})

    def write(tmp: Path) -> None:
        with pa.OSFile(str(tmp), "wb") as sink, ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
        size, digest = _file_digest(tmp)
        fields = {"format": _SIDECAR_FORMAT, "size": size, "xxh3_128": digest, "texts": texts}
        body = _sidecar_body(fields)
        sidecar = {**fields, "self": _digest(body.encode()).hex()}
        # the sidecar first: a batch file is never published without the checksum it must match
        _atomic_write(_sidecar_path(path), lambda t: t.write_text(json.dumps(sidecar), encoding="utf-8"))

    _atomic_write(path, write)


def _write_keep(path: Path, keep: pl.Series) -> None:
    body = keep.to_numpy().astype(np.bool_).tobytes()
    _atomic_write(path, lambda tmp: tmp.write_bytes(body + _digest(body)))


def _read_arrow(path: Path) -> pl.DataFrame:
    import pyarrow as pa
    import pyarrow.ipc as ipc

    with pa.memory_map(str(path)) as src:
        table = ipc.open_file(src).read_all()
    return pl.from_arrow(table)  # type: ignore[return-value]


def _read_sidecar(path: Path) -> dict[str, Any] | None:
    """The verified sidecar of batch file ``path``; None (with a warning when it is damaged) otherwise."""
    side = _sidecar_path(path)
    try:
        raw = json.loads(side.read_text(encoding="utf-8"))
        fields = {k: raw[k] for k in ("format", "size", "xxh3_128", "texts")}
        ok = raw.get("self") == _digest(_sidecar_body(fields).encode()).hex() and fields["format"] == _SIDECAR_FORMAT
        texts = [(str(h), int(n)) for h, n in fields["texts"]]
    except FileNotFoundError:
        return None  # a batch file from before checksums, or one being written: a miss, recomputed
    except (OSError, ValueError, KeyError, TypeError):
        ok, texts = False, []
    if not ok or any(n < 0 for _, n in texts):
        _cache_warning(side, "has a damaged index")
        side.unlink(missing_ok=True)
        return None
    return {**fields, "texts": texts}


def _read_index(folder: Path) -> dict[str, tuple[Path, int, int]]:
    """text hash -> (batch file, first row, row count) over every batch file in ``folder`` with a valid sidecar."""
    out: dict[str, tuple[Path, int, int]] = {}
    if not folder.is_dir():
        return out
    for path in sorted(folder.glob("*.arrow")):
        side = _read_sidecar(path)
        if side is None:
            continue
        offset = 0
        for h, n in side["texts"]:
            out.setdefault(h, (path, offset, n))
            offset += n
    return out


def _drop_entry(path: Path) -> None:
    """Remove a damaged batch file and its sidecar (its texts go into a new batch when recomputed)."""
    for p in (path, _sidecar_path(path)):
        with contextlib.suppress(OSError):  # missing, or its folder is not one: nothing to remove
            p.unlink()


def _verified_arrow(path: Path) -> pl.DataFrame | None:
    """A batch file's frame, only when its bytes match the checksum and index of its sidecar."""
    df = _checked_arrow(path)
    if df is None:
        _drop_entry(path)
    return df


def _checked_arrow(path: Path) -> pl.DataFrame | None:
    side = _read_sidecar(path)
    if side is None:
        return None
    try:
        size, digest = _file_digest(path)
    except OSError:
        return None
    if size != side["size"] or digest != side["xxh3_128"]:
        _cache_warning(path, "failed its checksum")
        return None
    try:
        df = _read_arrow(path)
    except BaseException as e:  # pyo3's PanicException derives from BaseException, not Exception
        if isinstance(e, (KeyboardInterrupt, SystemExit)):
            raise
        _cache_warning(path, f"could not be read ({type(e).__name__})")
        return None
    if df.height != sum(n for _, n in side["texts"]) or df.columns != list(_CUT_COLUMNS):
        _cache_warning(path, "does not match its index")
        return None
    return df


def _read_keep(path: Path, rows: int) -> pl.Series | None:
    """The verified filter verdicts of ``rows`` tokens in ``path``; None when absent or damaged (warned)."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    if len(raw) != rows + _DIGEST_BYTES:
        if len(raw) != rows:  # a file of exactly ``rows`` bytes is the format before checksums: a miss
            _cache_warning(path, "has the wrong size")
        return None
    body, digest = raw[:rows], raw[rows:]
    if _digest(body) != digest:
        _cache_warning(path, "failed its checksum")
        return None
    values = np.frombuffer(body, dtype=np.uint8)
    if values.max(initial=0) > 1:
        _cache_warning(path, "holds values other than true and false")
        return None
    return pl.Series("keep", values.astype(np.bool_), dtype=pl.Boolean)


def _load_batch(path: Path, tok: Tokenizer, keep_path: Path | None = None) -> pl.DataFrame | None:
    """A verified batch file with its ``keep`` column (from the sidecar of these settings, else judged
    and saved); None when the file is missing or fails its checks (its texts are then recomputed)."""
    df = _verified_arrow(path)
    if df is None:
        return None
    kp = keep_path or _keep_path(path, tok)
    keep = _read_keep(kp, df.height)
    if keep is None:
        keep = tok.keep_of(df["token"])
        try:
            _write_keep(kp, keep)
        except OSError as e:
            warnings.warn(f"token cache not written ({e.strerror or e}): {kp}", CacheWriteWarning, stacklevel=2)
    return df.with_columns(keep)


def _batch_id(hashes: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(hashes).encode()).hexdigest()[:40]


def _claim(scratch: str, k: int) -> bool:
    """Claim batch ``k`` of a shared run: True for the one process whose exclusive create succeeds.

    The claim file holds the claimer's process id, so that the batches of a worker that dies can be
    found and cut again (``_claimed_by_dead``).
    """
    try:
        fd = os.open(os.path.join(scratch, f"claim-{k}"), os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return False
    try:
        os.write(fd, str(os.getpid()).encode())
    finally:
        os.close(fd)
    return True


def _claimed_by_dead(scratch: str, k: int) -> bool:
    """Whether batch ``k`` was claimed by a process that no longer exists (killed, out of memory …)."""
    try:
        pid = int(Path(scratch, f"claim-{k}").read_text() or 0)
    except (OSError, ValueError):
        return False
    if not pid:  # the claimer has not written its id yet: it is alive
        return False
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _work_shared(config: TokenizerConfig, source: str, tasks: list[tuple[Any, ...]], scratch: str) -> list[int]:
    """Worker task: claim batches of ``tasks`` in order and cut each one claimed; returns their numbers.

    ``tasks[k]`` is ``((first, end) rows of the Arrow file source, text hashes, cache file, keep
    file)``. The parent cuts batches of the same list (whoever claims a batch first cuts it), so no
    process waits for another to hand out work, and the parent builds frames only for the batches
    the workers took. The texts come from a file the parent wrote once, not in a message: a message's
    texts are pushed down a pipe by a thread of the parent that needs the interpreter lock.

    Each batch's result is left in ``scratch`` as ``result-k.pickle`` (written under another name,
    then renamed, so the parent never reads half of it). With a cache entry to fill, the worker writes
    the batch's frame there and leaves ``("cut", path, row counts)`` (the parent memory-maps it);
    without, it leaves ``("encoded", batch)``: the codes and the batch's own vocabulary, a few bytes per
    token, from which the parent builds the frame (cheaper for it than mapping a file of every token's
    string is for the worker to write). Results never travel through the pool's pipe: while a large
    one sits there, the pool's worker-maintenance thread wakes in a loop and takes CPU time and the
    interpreter lock from the parent.
    """
    tok = _tokenizer_for(config)
    column = _read_arrow(Path(source))["text"]
    done = []
    for k, (rows, hashes, cut_path, keep_path) in enumerate(tasks):
        if not _claim(scratch, k):
            continue
        texts = column.slice(rows[0], rows[1] - rows[0]).to_list()
        if cut_path is not None and keep_path is not None and hashes is not None:
            df, counts = tok.cut_batch(texts)
            if _store(Path(cut_path), Path(keep_path), df, hashes, counts):
                out: tuple[Any, ...] = ("cut", cut_path, counts.tolist())
            else:  # the cache could not be written (a full disk): hand over the frame itself
                out = ("frame", df, counts)
        else:
            out = ("encoded", tok.encode_batch(texts).compact())
        final = Path(scratch) / f"result-{k}.pickle"
        tmp = final.with_suffix(".tmp")
        with open(tmp, "wb") as f:
            pickle.dump(out, f, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(final)
        done.append(k)
    return done


def _warm(config: TokenizerConfig) -> None:
    """Worker initialiser: one polars thread (the parallelism is across processes), tokeniser loaded."""
    os.environ["POLARS_MAX_THREADS"] = "1"
    tok = _tokenizer_for(config)
    tok._engine, tok._tag_dict  # noqa: B018 -- load the engine and tags now, not in the first task


def _ready(delay: float) -> int:
    import time

    time.sleep(delay)
    return os.getpid()


_POOLS: dict[int, Any] = {}


def worker_pool(workers: int, config: TokenizerConfig | None = None) -> Any:
    """A persistent pool of ``workers`` worker processes, reused by every call in this process.

    Workers come from a ``forkserver`` that has already imported this module (polars, numpy, the
    engines), so a worker starts in a fork rather than a fresh interpreter; each loads the tokeniser
    of ``config`` (the default one if None) in its initialiser and keeps it between tasks.
    """
    pool = _POOLS.get(workers)
    if pool is None:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["fazhi.tokenizer"])
        old = os.environ.get("POLARS_MAX_THREADS")
        os.environ["POLARS_MAX_THREADS"] = "1"  # inherited by the forkserver when this starts it
        try:
            pool = ctx.Pool(workers, initializer=_warm, initargs=(config or TokenizerConfig(),))
        finally:
            if old is None:
                os.environ.pop("POLARS_MAX_THREADS", None)
            else:
                os.environ["POLARS_MAX_THREADS"] = old
        _POOLS[workers] = pool
    return pool


def start_workers(jobs: int, config: TokenizerConfig | None = None) -> int:
    """Start the workers ``tokenize_texts(..., jobs=jobs)`` uses (``jobs - 1``: the caller cuts too)
    and wait until each has loaded its tokeniser.

    Returns the number of distinct workers that answered (``jobs - 1`` once all are up).
    """
    workers = jobs - 1
    if workers < 1:
        return 0
    pool = worker_pool(workers, config)
    seen: set[int] = set()
    for _ in range(50):
        seen |= set(pool.map(_ready, [0.02] * (2 * workers), chunksize=1))
        if len(seen) >= workers:
            break
    return len(seen)


@atexit.register
def _close_pools() -> None:
    for pool in _POOLS.values():
        pool.terminate()
    _POOLS.clear()


def _batches(sizes: Sequence[int], n_batches: int) -> list[list[int]]:
    """Split indices into about ``n_batches`` contiguous batches of similar total size."""
    total = sum(sizes) or 1
    target = total / max(n_batches, 1)
    out: list[list[int]] = [[]]
    acc = 0.0
    for i, s in enumerate(sizes):
        if out[-1] and acc + s > target:
            out.append([])
            acc = 0.0
        out[-1].append(i)
        acc += s
    return [b for b in out if b]


def _guided_batches(sizes: Sequence[int], jobs: int, smallest: int = 100_000) -> list[list[int]]:
    """Split indices into contiguous batches for ``jobs`` workers, largest first.

    Each batch takes about ``1/(2·jobs)`` of the characters still left (guided self-scheduling), but
    no fewer than ``smallest``: the first tasks are large (few messages), the last ones small, so the
    workers run out of work at nearly the same moment instead of one waiting on the other's last
    batch.
    """
    remaining = sum(sizes)
    out: list[list[int]] = []
    batch: list[int] = []
    acc = 0
    target = max(remaining / (2 * jobs), smallest)
    for i, s in enumerate(sizes):
        if batch and acc + s > target:
            out.append(batch)
            remaining -= acc
            batch, acc = [], 0
            target = max(remaining / (2 * jobs), smallest)
        batch.append(i)
        acc += s
    if batch:
        out.append(batch)
    return out


def tokenize_texts(
    texts: Sequence[str],
    tokenizer: Tokenizer | None = None,
    *,
    jobs: int = 1,
    cache: bool | Path = True,
    min_parallel_chars: int = 200_000,
    batch_chars: int = 1_000_000,
) -> list[pl.DataFrame]:
    """Tokenise many texts, with the disk cache and worker processes.

    Parameters
    ----------
    texts
        The texts.
    tokenizer
        The tokeniser; the default one when None.
    jobs
        Processes cutting at once, this one included (``jobs - 1`` workers join it); 1 cuts in this
        process alone. Output is identical either way.
    cache
        True: use ``fazhi.paths.cache_dir()``; a path: use that folder; False: no cache. Entries are
        keyed by the text's SHA-256 and the tokeniser's ``cut_hash`` (engine, version, HMM, user
        dictionary): changing any of these misses exactly the entries made with other values, and
        changing only a filter (stopwords …) re-uses the cut and recomputes ``keep`` (then kept
        beside the entry, keyed by ``settings_hash``). When every text is cached, no engine or
        dictionary is loaded.
    min_parallel_chars
        Below this many characters to cut, stay in this process (starting workers would cost more).
    batch_chars
        Characters cut together in this process (one cache file per batch).

    Returns
    -------
    list of polars.DataFrame
        Per text: ``token, start, end, pos, keep``.
    """
    tok = tokenizer or default_tokenizer()
    root = None if cache is False else (cache_dir() if cache is True else Path(cache))
    first: dict[str, int] = {}
    unique = [first.setdefault(t, i) == i for i, t in enumerate(texts)]
    todo = [i for i, u in enumerate(unique) if u]
    results: dict[int, pl.DataFrame] = {}
    hashes: list[str] = []
    folder = None
    if root is not None:
        folder = _cut_dir(root, tok)
        hashes = _hash_texts([texts[i] for i in todo])
        by_hash = dict(zip(hashes, todo))
        hits: dict[Path, list[tuple[int, int, int]]] = {}
        for h, (path, offset, n) in _read_index(folder).items():
            if h in by_hash:
                hits.setdefault(path, []).append((by_hash[h], offset, n))
        for path, rows in hits.items():
            df = _load_batch(path, tok)
            if df is None:
                continue
            for i, offset, n in rows:
                results[i] = df.slice(offset, n)
        hash_of = dict(zip(todo, hashes))
        todo = [i for i in todo if i not in results]
    if todo:
        sizes = [len(texts[i]) for i in todo]
        parallel = jobs > 1 and sum(sizes) >= min_parallel_chars
        if parallel:
            batches = _guided_batches(sizes, jobs)
        else:
            batches = _batches(sizes, max(1, sum(sizes) // batch_chars))
        plan = []
        for b in batches:
            idx = [todo[j] for j in b]
            bh = [hash_of[i] for i in idx] if folder is not None else None
            cut_path = folder / f"{_batch_id(bh)}.arrow" if folder is not None and bh is not None else None
            plan.append((idx, bh, cut_path))
        runs = _cut_shared(tok, texts, plan, jobs) if parallel else (_cut_here(tok, texts, b) for b in plan)
        for idx, df, counts in runs:
            results.update(zip(idx, _split(df, counts)))
    return [results[first[t]] for t in texts]


Batch = tuple[list[int], list[str] | None, Path | None]  # text indices, their hashes, cache file


def _cut_here(tok: Tokenizer, texts: Sequence[str], batch: Batch) -> tuple[list[int], pl.DataFrame, np.ndarray]:
    """Cut one batch in this process (and fill its cache entry): its indices, frame and row counts."""
    idx, hashes, cut_path = batch
    df, counts = tok.cut_batch([texts[i] for i in idx])
    if cut_path is not None and hashes is not None:
        _store(cut_path, _keep_path(cut_path, tok), df, hashes, counts)
    return idx, df, counts


def _store(cut_path: Path, keep_path: Path, df: pl.DataFrame, hashes: Sequence[str], counts: np.ndarray) -> bool:
    """Fill a cache entry; on a write error (a full disk, a read-only cache) warn and go on without it."""
    try:
        _write_batch(cut_path, df, hashes, counts)
        _write_keep(keep_path, df["keep"])
    except OSError as e:
        _drop_entry(cut_path)
        warnings.warn(f"token cache not written ({e.strerror or e}): {cut_path}", CacheWriteWarning, stacklevel=2)
        return False
    return True


def _cut_shared(
    tok: Tokenizer, texts: Sequence[str], plan: list[Batch], jobs: int
) -> Iterator[tuple[list[int], pl.DataFrame, np.ndarray]]:
    """Cut the batches of ``plan`` in this process and ``jobs - 1`` workers; yields what ``_cut_here`` returns.

    Every process claims batches in order, so this one cuts as a worker does rather than waiting: a
    third process on two cores would only take turns with the other two (measured: 2.05 CPU-seconds
    a run with two workers and this process building their frames, against 1.9 this way). Between
    its own batches, this process builds the frames of the batches the workers have finished.
    """
    pool = worker_pool(jobs - 1, tok.config)
    root = _scratch_root()
    sweep_scratch(root)
    with tempfile.TemporaryDirectory(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-", dir=root) as scratch:
        # every batch is a run of consecutive texts: one file holds them all, in plan order
        source = Path(scratch) / "texts.arrow"
        ordered = [texts[i] for idx, _, _ in plan for i in idx]
        pl.DataFrame({"text": ordered}, schema={"text": pl.String}).write_ipc(source, compression="uncompressed")
        tasks, row = [], 0
        for idx, hashes, cut_path in plan:
            keep = str(_keep_path(cut_path, tok)) if cut_path is not None else None
            tasks.append(((row, row + len(idx)), hashes, cut_path and str(cut_path), keep))
            row += len(idx)
        pending = [pool.apply_async(_work_shared, (tok.config, str(source), tasks, scratch)) for _ in range(jobs - 1)]
        theirs: list[int] = []  # batches a worker claimed, whose frames are not built yet

        def finished() -> Iterator[tuple[list[int], pl.DataFrame, np.ndarray]]:
            for k in list(theirs):
                result = Path(scratch) / f"result-{k}.pickle"
                if result.exists():
                    theirs.remove(k)
                    yield (plan[k][0], *_worker_result(result, tok))

        for k, batch in enumerate(plan):
            if _claim(scratch, k):
                yield _cut_here(tok, texts, batch)
            else:
                theirs.append(k)
            yield from finished()
        # Every batch is claimed now; wait for the workers' last ones. A worker's error is raised
        # here; the batches of a worker that died (which the pool never reports: it would wait for
        # ever) are cut in this process, with a warning.
        while theirs:
            yield from finished()
            for p in pending:
                if p.ready() and not p.successful():
                    p.get()
            for k in [k for k in theirs if _claimed_by_dead(scratch, k)]:
                if (Path(scratch) / f"result-{k}.pickle").exists():  # written just before it died
                    continue
                theirs.remove(k)
                warnings.warn(
                    f"a tokeniser worker died while cutting batch {k}; it was cut again in this process",
                    RuntimeWarning,
                    stacklevel=2,
                )
                yield _cut_here(tok, texts, plan[k])
            running = [p for p in pending if not p.ready()]
            if theirs and running:
                running[0].wait(0.005)
            elif theirs:  # every worker has returned, and a batch claimed by one has no result
                yield from finished()
                if theirs:
                    raise RuntimeError(f"tokeniser workers left no result for batches {theirs}")


def _worker_result(path: Path, tok: Tokenizer) -> tuple[pl.DataFrame, np.ndarray]:
    """The frame and row counts of a batch a worker cut (see ``_work_shared``)."""
    with open(path, "rb") as f:
        out = pickle.load(f)  # noqa: S301 -- our own worker's file
    path.unlink()
    if out[0] == "encoded":
        return frame_batch(out[1])
    if out[0] == "frame":
        return out[1], np.asarray(out[2], dtype=np.int64)
    _, cut_path, counts = out
    df = _load_batch(Path(cut_path), tok)
    if df is None:
        raise RuntimeError(f"a worker's output could not be read: {cut_path}")
    return df, np.asarray(counts, dtype=np.int64)


#: Scratch folders of parallel runs are named ``fazhi-tok-<pid of the run>-<random>``.
SCRATCH_PREFIX = "fazhi-tok-"


def _scratch_root() -> str:
    """Where the parent leaves texts for the workers: memory-backed ``/dev/shm`` when there is one."""
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else tempfile.gettempdir()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, as another user's process
        return True
    return True


def sweep_scratch(root: str | Path | None = None) -> list[Path]:
    """Remove the scratch folders that runs killed mid-tokenisation left behind; returns those removed.

    A parallel run's scratch folder (its texts, the size of the corpus, in RAM-backed ``/dev/shm``) is
    removed when the run ends, even on an error; only SIGKILL or a power cut leave it. Each folder
    carries its run's process id, and every parallel run first removes the folders of processes that
    no longer exist.
    """
    folder = Path(root if root is not None else _scratch_root())
    removed = []
    for d in folder.glob(f"{SCRATCH_PREFIX}*"):
        pid = d.name[len(SCRATCH_PREFIX) :].split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid() or _pid_alive(int(pid)) or not d.is_dir():
            continue
        shutil.rmtree(d, ignore_errors=True)
        removed.append(d)
    return removed


# ------------------------------------------------------------------------------------------- stage


def tokens_table(
    documents: pl.DataFrame,
    sentences: pl.DataFrame | None = None,
    sections: pl.DataFrame | None = None,
    tokenizer: Tokenizer | None = None,
    *,
    jobs: int = 1,
    cache: bool | Path = True,
) -> pl.DataFrame:
    """The ``tokens`` table of a set of documents (see ``fazhi.schema.TABLES["tokens"]``).

    Each token is placed in the sentence whose span holds its first character (null between
    sentences), and in the section that holds it.
    """
    docs = documents.select("doc_id", "text").sort("doc_id")
    frames = tokenize_texts(docs["text"].to_list(), tokenizer, jobs=jobs, cache=cache)
    ids = docs["doc_id"].to_list()
    parts = [
        df.with_columns(doc_id=pl.lit(d, pl.String), token_id=pl.int_range(pl.len(), dtype=pl.Int32))
        for d, df in zip(ids, frames)
    ]
    schema = TOKENS.polars_schema
    if not parts:
        return pl.DataFrame(schema=schema)
    toks = pl.concat(parts).sort("doc_id", "start")
    if sentences is not None and sentences.height:
        sent = sentences.select(
            "doc_id",
            pl.col("start").cast(pl.Int64).alias("s_start"),
            pl.col("end").cast(pl.Int64).alias("s_end"),
            pl.col("sentence_id").cast(pl.Int32),
            pl.col("section_id").cast(pl.Int32).alias("s_section"),
        ).sort("doc_id", "s_start")
        toks = toks.join_asof(sent, left_on="start", right_on="s_start", by="doc_id", strategy="backward", check_sortedness=False)
        inside = pl.col("start") < pl.col("s_end")
        toks = toks.with_columns(
            sentence_id=pl.when(inside).then("sentence_id"),
        )
    else:
        toks = toks.with_columns(sentence_id=pl.lit(None, pl.Int32))
    if sections is not None and sections.height:
        sec = sections.select(
            "doc_id",
            pl.col("start").cast(pl.Int64).alias("c_start"),
            pl.col("section_id").cast(pl.Int32),
        ).sort("doc_id", "c_start")
        # sections tile the text, but nested sections overlap their parents: take the innermost
        # (the latest-starting) section that starts at or before the token.
        sec = sec.unique(["doc_id", "c_start"], keep="last", maintain_order=True)
        toks = toks.join_asof(sec, left_on="start", right_on="c_start", by="doc_id", strategy="backward", check_sortedness=False)
    elif sentences is not None and sentences.height:
        toks = toks.with_columns(section_id=pl.col("s_section"))
    else:
        toks = toks.with_columns(section_id=pl.lit(None, pl.Int32))
    return toks.select(
        pl.col(c).cast(t) for c, t in schema.items()
    ).sort("doc_id", "token_id")


def tokenizer_from_settings(settings: TokenizerSettings) -> Tokenizer:
    """The tokeniser of the build settings' ``tokenizer`` section (``fazhi.settings.TokenizerSettings``)."""
    return get_tokenizer(**settings.options())


def settings_table(tok: Tokenizer) -> pl.DataFrame:
    """The ``token_settings`` table: every setting of ``tok`` as key/value strings, sorted by key."""
    s = {**tok.settings(), "settings_hash": tok.settings_hash, "n_user_terms": len(tok.user_terms)}
    rows = sorted(
        (k, v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)) for k, v in s.items()
    )
    return pl.DataFrame(rows, schema=TOKEN_SETTINGS.polars_schema, orient="row")


def build_stage(ctx: BuildContext) -> dict[str, pl.DataFrame]:
    """Pipeline stage: ``documents`` (+ ``sentences``, ``sections``) -> ``tokens``, ``token_settings``."""
    tok = tokenizer_from_settings(ctx.settings.tokenizer)
    cache = ctx.settings.tokenizer.cache
    tokens = tokens_table(
        ctx.tables["documents"],
        ctx.tables.get("sentences"),
        ctx.tables.get("sections"),
        tok,
        jobs=ctx.jobs,
        cache=bool(cache) if not isinstance(cache, str) else Path(cache),
    )
    ctx.log(f"tokens: {tokens.height} tokens ({tok.engine} {tok.engine_version}, hmm={tok.hmm})")
    return {"tokens": tokens, "token_settings": settings_table(tok)}


__all__ = [
    "DEFAULT_ENGINE",
    "ENGINES",
    "CacheIntegrityWarning",
    "CacheWriteWarning",
    "Token",
    "Tokenizer",
    "default_tokenizer",
    "get_tokenizer",
    "read_userdict",
    "sweep_scratch",
    "tokenize",
    "tokenize_texts",
    "tokens_table",
]
