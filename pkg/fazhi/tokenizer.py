"""Tokenisation: a domain-aware, isolated jieba tokeniser with offsets, parts of speech and a disk cache,
cutting many texts in batches through the build's executor (local processes or a Dask cluster).

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
   receive identical inputs: ``fazhi.dictionary``), with or without the HMM for unknown words.
3. *Offsets and parts of speech.* Tokens tile the text, so offsets are running sums of lengths. The
   part of speech is the token's tag in the dictionary (jieba's ``dict.txt``, or the user dictionary's
   tag, ``nz`` by default); a token in no dictionary is ``m`` (digits), ``eng`` (ASCII letters) or
   ``x`` — the rule of jieba-rs's ``tag``. (``jieba.posseg`` is not used: it cuts differently.)
4. *Filters* (``keep``): stopwords (general list + this genre's empty verbs and formulae), punctuation
   and symbols, numbers, and tokens shorter than ``min_chars``; each is an option. User-dictionary
   terms are never dropped as numbers or as too short.

Engines: ``rjieba`` (the default) and ``jieba`` give identical tokens on the whole seed corpus (test)
and on the benchmark's synthetic corpus, and rjieba is far faster (``benchmarks/bench_tokenize.py``).

Speed and scale
---------------
Texts are cut in batches (``Tokenizer.cut_batch``) and no Python code runs per token after the
engine: protected spans of the whole batch are found by one pass of polars' (Rust) regex; each text's
tokens are encoded into codes by a dict lookup as soon as the engine returns them (the tokeniser
remembers the distinct tokens it has met), and length, tag and verdict are computed once per distinct
token and spread back with numpy gathers. ``tokenize_texts`` sends the batches through
``fazhi.executor``: in this process, in local processes (``jobs``), or on a Dask cluster
(``scheduler``); a worker builds its tokeniser once from the settings and checks its settings hash.
Batches already cut come from the checksummed disk cache (``fazhi.tokencache``).

The stage works shard by shard of documents (``sharded_tokens_table``: ``tokenizer.shard_chars``
characters each, in ``doc_id`` order), so its working memory is that of one shard; the table is the same
for every shard size. The later stages read the table shard by shard of whole documents too
(``document_slices``, from memory or lazily from its file).
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import polars as pl

from .dictionary import (
    DEFAULT_ENGINE,
    ENGINES,
    STOPWORD_LISTS,
    USERDICT,
    engine_version,
    file_hash,
    load_engine,
    read_userdict,
    read_wordlist,
    stock_dictionary,
)
from .executor import Executor, SerialExecutor, open_executor, scheduler_address
from .paths import cache_dir
from .schema import TOKEN_SETTINGS, TOKENS
from .tokencache import CacheIntegrityWarning, CacheWriteWarning, TokenCache, text_hash

if TYPE_CHECKING:
    from .pipeline import BuildContext
    from .settings import TokenizerSettings

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


def _trie_regex(words: Iterable[str]) -> str:
    """A regex matching any of ``words``, longest first at each position, as a prefix trie (fast in
    ``re``)."""
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
        self._stop_hash = hashlib.sha256("\n".join(sorted(self.stopwords)).encode()).hexdigest()
        self.engine_version = engine_version(engine)
        self.userdict_hash = file_hash(self.userdict_path)
        protected = sorted({t for t, _, _ in self.user_terms if not _HAN.match(t)} | set(self.config.protect))
        self._protect_re = re.compile("|".join(p for p in (_trie_regex(protected), _ASCII_COMPOUND) if p))
        # The same pattern for polars' (Rust) regex, which finds the spans of a whole batch at DFA speed.
        # It needs no lookbehind: scanning leftmost-first, a match never starts inside an ASCII run,
        # because wherever it could, it could from the run's start too.
        self._protect_rs = "|".join(p for p in (_trie_regex(protected), _ASCII_COMPOUND_RS) if p)
        # The engine and the tag frame are loaded on first use: a run served from the cache never
        # loads a dictionary.
        self._engine_obj: Any = None
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
            self._engine_obj = load_engine(self.engine, self.user_terms)
        return self._engine_obj

    @property
    def _tag_dict(self) -> dict[str, str]:
        # token -> tag: jieba's stock dictionary, then the user dictionary's tags over it. A dict,
        # because a batch's few thousand new tokens are looked up faster in Python than joined.
        if self._tag_dict_obj is None:
            stock = stock_dictionary()[0]
            user = {t: g for t, _, g in self.user_terms}
            self._tag_dict_obj = {**dict(zip(stock["token"].to_list(), stock["pos"].to_list())), **user}
        return self._tag_dict_obj

    @property
    def engine_loaded(self) -> bool:
        """Whether this tokeniser has loaded its engine (False while every text came from the cache)."""
        return self._engine_obj is not None

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

    #: The distinct tokens a tokeniser remembers are forgotten (and met again as texts come) beyond this
    #: many, so that a long-lived process's memory stays bounded; codes never leave a batch, so this
    #: changes no output.
    vocabulary_limit = 2_000_000

    @property
    def vocabulary_size(self) -> int:
        """How many distinct tokens this tokeniser remembers now."""
        return len(self._vocab_obj) if self._vocab_obj is not None else 0

    def _vocabulary(self) -> _Vocabulary:
        if self._vocab_obj is None or len(self._vocab_obj) > self.vocabulary_limit:
            self._vocab_obj = _Vocabulary(self._judge)
        return self._vocab_obj

    def _judge(self, words: list[str]) -> pl.DataFrame:
        """Per distinct token: length in characters, whether it is all whitespace, its tag, its verdict."""
        tags = self._tag_dict
        return pl.DataFrame(
            {"token": words, "pos": [tags.get(t) for t in words]},
            schema={"token": pl.String, "pos": pl.String},
        ).with_columns(
            n=pl.col("token").str.len_chars().cast(pl.Int64),
            blank=~pl.col("token").str.contains(r"\S"),
            pos=pl.coalesce("pos", _fallback_pos(pl.col("token"))),
            keep=self.keep_expr(),
        )

    def cut_batch(self, texts: Sequence[str]) -> tuple[pl.DataFrame, np.ndarray]:
        """Cut several texts into one frame ``token, start, end, pos, keep`` and each text's row count.

        Whitespace tokens are dropped; offsets are character offsets into each text. No per-token
        Python work happens after the engine: the tokens are encoded as codes into the tokeniser's
        vocabulary, every property of a token (length, tag, verdict) is computed once per distinct
        token (the first time the tokeniser meets it), and spread back with numpy gathers; offsets are
        running sums of lengths, because the tokens tile the text.
        """
        with self._lock:  # the vocabulary grows while a batch is encoded
            vocab = self._vocabulary()
            codes, counts = self._raw_batch(texts, vocab)
            judged = vocab.judged(gather=len(codes))
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        return _frame_batch(judged, codes, counts, lengths)

    def frame(self, texts: Sequence[str]) -> list[pl.DataFrame]:
        """Cut several texts at once: one frame per text with ``token, start, end, pos`` (no keep).

        Whitespace tokens are dropped; offsets are character offsets into each text.
        """
        df, counts = self.cut_batch(texts)
        return _split(df.drop("keep"), counts)

    def keep_of(self, tokens: pl.Series) -> pl.Series:
        """The filter verdict of each token, computed once per distinct token."""
        df = tokens.rename("token").to_frame()
        verdicts = df.unique("token").with_columns(keep=self.keep_expr())
        return df.join(verdicts, on="token", how="left", maintain_order="left")["keep"]

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

    # -- public API -------------------------------------------------------------------------------

    def tokens(self, text: str) -> list[Token]:
        """Every non-whitespace token of ``text`` with offsets, part of speech and the filter verdict."""
        df, _ = self.cut_batch([text])
        return [Token(*row) for row in df.iter_rows()]

    def cut(self, text: str) -> list[str]:
        """The tokens of ``text`` that survive the filters, in order."""
        df, _ = self.cut_batch([text])
        return df.filter("keep")["token"].to_list()

    def __reduce__(self) -> tuple[Any, ...]:
        # A tokeniser goes to a worker process (or a Dask worker) as its settings: the worker builds its
        # own once (``get_tokenizer``); ``_cut_checked`` makes sure it would cut alike.
        return (_tokenizer_for, (self.config,))

    def __repr__(self) -> str:
        return f"Tokenizer(engine={self.engine!r}, hmm={self.hmm}, settings_hash={self.settings_hash[:12]}…)"


class _Judged(NamedTuple):
    token: pl.Series  # the distinct tokens, in code order
    pos: pl.Series
    n: np.ndarray  # length in characters
    blank: np.ndarray  # all whitespace
    keep: np.ndarray  # the filter verdict


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


def _frame_batch(
    judged: _Judged, codes: np.ndarray, counts: np.ndarray, lengths: np.ndarray
) -> tuple[pl.DataFrame, np.ndarray]:
    """The frame ``token, start, end, pos, keep`` of a batch encoded as ``codes`` into ``judged``
    (``counts`` tokens, ``lengths`` characters per text) and each text's row count.

    Offsets are running sums of token lengths, restarted at each text (the tokens tile the texts);
    whitespace tokens are dropped.
    """
    if len(codes) == 0:
        return pl.DataFrame(schema=_FRAME_SCHEMA), np.zeros(len(lengths), dtype=np.int64)
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
    return _Judged(df["token"], df["pos"], df["n"].to_numpy(), df["blank"].to_numpy(), df["keep"].to_numpy())


_FRAME_SCHEMA = {"token": pl.String, "start": pl.Int64, "end": pl.Int64, "pos": pl.String, "keep": pl.Boolean}


def _split(df: pl.DataFrame, counts: np.ndarray) -> list[pl.DataFrame]:
    """Zero-copy slices of ``df``: ``counts[i]`` rows for text ``i``."""
    bounds = np.concatenate([[0], np.cumsum(counts)])
    return [df.slice(int(a), int(b - a)) for a, b in itertools.pairwise(bounds)]


def _fallback_pos(tok: pl.Expr) -> pl.Expr:
    """jieba-rs's rule for tokens in no dictionary: ASCII digits only -> m, other ASCII -> eng, else x."""
    n_ascii = tok.str.count_matches(r"[A-Za-z0-9]")
    n_digit = tok.str.count_matches(r"[0-9]")
    return (
        pl.when(n_ascii == 0)
        .then(pl.lit("x"))
        .when(n_ascii == n_digit)
        .then(pl.lit("m"))
        .otherwise(pl.lit("eng"))
    )


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


# ------------------------------------------------------------------------------------ many texts


def _batches(sizes: Sequence[int], n_batches: int) -> list[list[int]]:
    """Split indices into about ``n_batches`` contiguous batches of similar total size."""
    target = (sum(sizes) or 1) / max(n_batches, 1)
    out: list[list[int]] = [[]]
    acc = 0.0
    for i, s in enumerate(sizes):
        if out[-1] and acc + s > target:
            out.append([])
            acc = 0.0
        out[-1].append(i)
        acc += s
    return [b for b in out if b]


def _cut_checked(tok: Tokenizer, settings_hash: str, texts: list[str]) -> tuple[pl.DataFrame, np.ndarray]:
    """``tok.cut_batch(texts)``, refused when ``tok`` (a worker's copy) would not cut as the caller's does."""
    if tok.settings_hash != settings_hash:
        raise RuntimeError(
            f"this worker's tokeniser ({tok!r}) differs from the caller's "
            f"(settings hash {settings_hash[:12]}…): "
            "every worker needs the same fazhi, engine and dictionary files"
        )
    return tok.cut_batch(texts)


def tokenize_texts(
    texts: Sequence[str],
    tokenizer: Tokenizer | None = None,
    *,
    jobs: int = 1,
    scheduler: str | None = None,
    executor: Executor | None = None,
    cache: bool | Path = True,
    min_parallel_chars: int = 5_000_000,
    batch_chars: int = 1_000_000,
) -> list[pl.DataFrame]:
    """Tokenise many texts, with the disk cache, in batches cut by an executor.

    Parameters
    ----------
    texts
        The texts (duplicates are cut once).
    tokenizer
        The tokeniser; the default one when None.
    jobs, scheduler
        The engine (``fazhi.executor.make_executor``): ``jobs`` local processes, or the Dask cluster of
        ``scheduler`` (else ``$FAZHI_SCHEDULER``). Output is identical for every engine.
    executor
        An open engine to use instead (the caller closes it).
    cache
        True: ``fazhi.paths.cache_dir()``; a path: that folder; False: no cache (see
        ``fazhi.tokencache``). When every text is cached, no engine or dictionary is loaded.
    min_parallel_chars
        Below this many characters to cut, local processes are not started: starting them (each
        imports polars and loads its dictionary: 4 s to 17 s measured on a shared two-core machine)
        costs more than they save below a few million characters (``benchmarks/bench_tokenize.py``,
        start-up line). A named scheduler is always used (its workers are up already), and connected
        to before the cache is read, so that a wrong address fails even when every text is cached.
    batch_chars
        Characters per batch (one task, one cache file); smaller batches, at least four per worker,
        when the work is spread.

    Returns
    -------
    list of polars.DataFrame
        Per text: ``token, start, end, pos, keep``.
    """
    tok = tokenizer or default_tokenizer()
    with contextlib.ExitStack() as stack:
        if executor is None and scheduler_address(scheduler) is not None:  # connect now: fail early
            executor = stack.enter_context(open_executor(jobs=jobs, scheduler=scheduler))
        first: dict[str, int] = {}
        todo = [i for i, t in enumerate(texts) if first.setdefault(t, i) == i]
        results: dict[int, pl.DataFrame] = {}
        store = None
        if cache is not False:
            root = cache_dir() if cache is True else Path(cache)
            store = TokenCache(root, cut_hash=tok.cut_hash, settings_hash=tok.settings_hash)
            hashes = {i: text_hash(texts[i]) for i in todo}
            for path, rows in store.lookup([hashes[i] for i in todo]).items():
                df = store.load(path, tok.keep_of)
                for k, offset, n in rows if df is not None else ():
                    results[todo[k]] = df.slice(offset, n)  # type: ignore[union-attr]
            todo = [i for i in todo if i not in results]
        total = sum(len(texts[i]) for i in todo)
        if todo and executor is None and jobs > 1 and total >= min_parallel_chars:
            executor = stack.enter_context(open_executor(jobs=jobs, scheduler=""))
        ex = executor or SerialExecutor()
        n_batches = max(-(-total // batch_chars), 4 * ex.workers if ex.workers > 1 else 1)
        batches = [[todo[j] for j in b] for b in _batches([len(texts[i]) for i in todo], n_batches)]
        cut = ex.map(partial(_cut_checked, tok, tok.settings_hash), [[texts[i] for i in b] for b in batches])
    for idx, (df, counts) in zip(batches, cut):
        if store is not None:
            store.store(df, [hashes[i] for i in idx], counts)
        results.update(zip(idx, _split(df, counts)))
    return [results[first[t]] for t in texts]


# ------------------------------------------------------------------------------------------- stage


def tokens_table(
    documents: pl.DataFrame,
    sentences: pl.DataFrame | None = None,
    sections: pl.DataFrame | None = None,
    tokenizer: Tokenizer | None = None,
    *,
    jobs: int = 1,
    scheduler: str | None = None,
    executor: Executor | None = None,
    cache: bool | Path = True,
) -> pl.DataFrame:
    """The ``tokens`` table of a set of documents (see ``fazhi.schema.TABLES["tokens"]``).

    Each token is placed in the sentence whose span holds its first character (null between
    sentences), and in the section that holds it. ``jobs`` and ``scheduler`` choose the engine that
    cuts (``tokenize_texts``), or ``executor``, an open one; the table is the same for every engine.
    """
    docs = documents.select("doc_id", "text").sort("doc_id")
    frames = tokenize_texts(
        docs["text"].to_list(), tokenizer, jobs=jobs, scheduler=scheduler, executor=executor, cache=cache
    )
    ids = docs["doc_id"].to_list()
    del docs
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
        toks = toks.join_asof(
            sent,
            left_on="start",
            right_on="s_start",
            by="doc_id",
            strategy="backward",
            check_sortedness=False,
        )
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
        toks = toks.join_asof(
            sec, left_on="start", right_on="c_start", by="doc_id", strategy="backward", check_sortedness=False
        )
    elif sentences is not None and sentences.height:
        toks = toks.with_columns(section_id=pl.col("s_section"))
    else:
        toks = toks.with_columns(section_id=pl.lit(None, pl.Int32))
    return toks.select(pl.col(c).cast(t) for c, t in schema.items()).sort("doc_id", "token_id")


def tokenizer_from_settings(settings: TokenizerSettings) -> Tokenizer:
    """The tokeniser of the build settings' ``tokenizer`` section (``fazhi.settings.TokenizerSettings``)."""
    return get_tokenizer(**settings.options())


def settings_table(tok: Tokenizer) -> pl.DataFrame:
    """The ``token_settings`` table: every setting of ``tok`` as key/value strings, sorted by key."""
    s = {**tok.settings(), "settings_hash": tok.settings_hash, "n_user_terms": len(tok.user_terms)}
    rows = sorted((k, v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)) for k, v in s.items())
    return pl.DataFrame(rows, schema=TOKEN_SETTINGS.polars_schema, orient="row")


def document_shards(sizes: Sequence[int], max_chars: int) -> list[range]:
    """Consecutive runs of documents (positions into ``sizes``, their lengths in characters) of at most
    ``max_chars`` characters each; a longer document is a shard of its own."""
    shards: list[range] = []
    start, acc = 0, 0
    for i, n in enumerate(sizes):
        if i > start and acc + n > max_chars:
            shards.append(range(start, i))
            start, acc = i, 0
        acc += n
    if start < len(sizes):
        shards.append(range(start, len(sizes)))
    return shards


def _rows_of(table: pl.DataFrame | None, ids: pl.Series) -> pl.DataFrame | None:
    """The rows of ``table`` whose ``doc_id`` is among ``ids`` (None stays None)."""
    return table.filter(pl.col("doc_id").is_in(ids.implode())) if table is not None else None


def token_shards(
    documents: pl.DataFrame,
    sentences: pl.DataFrame | None = None,
    sections: pl.DataFrame | None = None,
    tokenizer: Tokenizer | None = None,
    *,
    shard_chars: int,
    jobs: int = 1,
    scheduler: str | None = None,
    cache: bool | Path = True,
    min_parallel_chars: int = 5_000_000,
) -> Iterator[pl.DataFrame]:
    """The ``tokens`` table shard by shard: the documents in ``doc_id`` order, cut into consecutive shards
    of at most ``shard_chars`` characters (``document_shards``), each shard's tokens placed in its sentences
    and sections (``tokens_table``) and yielded in turn. Concatenated, they are ``tokens_table``'s table,
    whatever the shard size (a shard's rows depend on its documents alone, and the shards follow each other
    in ``doc_id`` order); the working memory of cutting, joining and sorting is that of one shard. Nothing
    is yielded when there is no document.

    One engine serves every shard: the Dask cluster of ``scheduler`` (else ``$FAZHI_SCHEDULER``), else
    ``jobs`` local processes when the corpus has at least ``min_parallel_chars`` characters (they start on
    the first batch not in the cache), else this process.
    """
    ids = documents["doc_id"]
    order = ids.arg_sort()
    sizes = documents["text"].str.len_chars().fill_null(0).gather(order).to_list()
    with contextlib.ExitStack() as stack:
        ex: Executor | None = None
        if scheduler_address(scheduler) is not None or (jobs > 1 and sum(sizes) >= min_parallel_chars):
            ex = stack.enter_context(open_executor(jobs=jobs, scheduler=scheduler))
        for shard in document_shards(sizes, shard_chars):
            rows = order.slice(shard.start, len(shard))
            part_ids = ids.gather(rows)
            yield tokens_table(
                documents.select("doc_id", "text")[rows],
                _rows_of(sentences, part_ids),
                _rows_of(sections, part_ids),
                tokenizer,
                executor=ex or SerialExecutor(),
                cache=cache,
            )


def sharded_tokens_table(
    documents: pl.DataFrame,
    sentences: pl.DataFrame | None = None,
    sections: pl.DataFrame | None = None,
    tokenizer: Tokenizer | None = None,
    *,
    shard_chars: int,
    jobs: int = 1,
    scheduler: str | None = None,
    cache: bool | Path = True,
    min_parallel_chars: int = 5_000_000,
) -> pl.DataFrame:
    """``tokens_table`` built shard by shard (``token_shards``, whose parameters these are) and appended:
    the same table as ``tokens_table``'s, with the working memory of one shard besides the rows."""
    parts = list(
        token_shards(
            documents,
            sentences,
            sections,
            tokenizer,
            shard_chars=shard_chars,
            jobs=jobs,
            scheduler=scheduler,
            cache=cache,
            min_parallel_chars=min_parallel_chars,
        )
    )
    if not parts:
        return tokens_table(documents, sentences, sections, tokenizer, cache=cache)
    return pl.concat(parts, how="vertical", rechunk=False)


def document_slices(
    tokens: pl.DataFrame | pl.LazyFrame, max_rows: int, *, columns: Sequence[str] | None = None
) -> Iterator[pl.DataFrame]:
    """The rows of a tokens table in consecutive slices of whole documents, of at most ``max_rows`` rows
    each (a longer document is a slice of its own): how the corpus-level stages read ``tokens`` shard by
    shard, so that what they derive from it (filtered rows, n-grams, joins) is never made for the whole
    corpus at once. ``columns``: only these (``doc_id`` always comes too).

    A data frame is sliced without copying when it is sorted by ``doc_id, token_id`` (as the tokenizer
    stage makes it); another is sorted first (by ``doc_id`` alone when it has no ``token_id``, rows of a
    document in their order). A lazy frame (``BuildContext.scan``: the table read back from its file) is
    read slice by slice, each slice alone in memory; it must be in ``doc_id, token_id`` order, which each
    slice checks (``ValueError`` otherwise). Every document's rows are in one slice, in order.
    """
    cols = None if columns is None else ["doc_id", *(c for c in columns if c != "doc_id")]
    if isinstance(tokens, pl.LazyFrame):
        yield from _lazy_slices(tokens, max_rows, cols)
        return
    if tokens.height == 0:
        return
    if not _in_order(tokens):
        keys = [c for c in ("doc_id", "token_id") if c in tokens.columns]
        tokens = tokens.sort(keys, maintain_order=True)
    runs = tokens["doc_id"].rle_id()
    lengths = runs.value_counts(sort=False).sort(runs.name)["count"].to_list()
    offsets = np.concatenate([[0], np.cumsum(lengths)]).tolist()
    for shard in document_shards(lengths, max_rows):
        a, b = offsets[shard.start], offsets[shard.stop]
        part = tokens.slice(a, b - a)
        yield part if cols is None else part.select(cols)


def _in_order(tokens: pl.DataFrame) -> bool:
    """Whether ``tokens`` is sorted by ``doc_id`` (then ``token_id``, when it has one)."""
    if not tokens["doc_id"].is_sorted():
        return False
    if "token_id" not in tokens.columns or tokens.height < 2:
        return True
    step = (pl.col("token_id").diff() > 0) | (pl.col("doc_id") != pl.col("doc_id").shift(1))
    return bool(tokens.select(step.slice(1).all()).item())


def _lazy_slices(lf: pl.LazyFrame, max_rows: int, cols: list[str] | None) -> Iterator[pl.DataFrame]:
    """``document_slices`` of a lazy frame: each slice read on its own (``LazyFrame.slice``)."""
    names = lf.collect_schema().names()
    read, added = cols, False
    if cols is not None and "token_id" in names and "token_id" not in cols:
        read, added = [*cols, "token_id"], True  # for the order check; dropped again below
    lengths = lf.group_by("doc_id", maintain_order=True).len().collect()["len"].to_list()
    offsets = np.concatenate([[0], np.cumsum(lengths)]).tolist()
    last: str | None = None
    for shard in document_shards(lengths, max_rows):
        a, b = offsets[shard.start], offsets[shard.stop]
        part = lf.slice(a, b - a)
        part = (part if read is None else part.select(read)).collect()
        if not _in_order(part) or (last is not None and part["doc_id"][0] <= last):
            raise ValueError("a lazy tokens table must be sorted by doc_id, token_id")
        last = part["doc_id"][-1]
        yield part.drop("token_id") if added else part


def table_has_rows(table: pl.DataFrame | pl.LazyFrame | None) -> bool:
    """Whether a table (in memory or lazy) has at least one row (False for None)."""
    if table is None:
        return False
    if isinstance(table, pl.LazyFrame):
        return bool(table.select(pl.len()).collect().item())
    return table.height > 0


def build_stage(ctx: BuildContext) -> dict[str, pl.DataFrame]:
    """Pipeline stage: ``documents`` (+ ``sentences``, ``sections``) -> ``tokens``, ``token_settings``.

    Cuts with ``ctx.jobs`` local processes, or on the Dask cluster of ``ctx.scheduler``, shard by shard of
    ``ctx.settings.tokenizer.shard_chars`` characters (``token_shards``). When the build stages its tables
    (``ctx.stream``), each shard's rows are written to the staged ``tokens`` file as soon as they are made
    and ``tokens`` is not returned (later stages read it with ``ctx.scan``): the whole table is never in
    memory. Otherwise the shards are appended and returned.
    """
    tok = tokenizer_from_settings(ctx.settings.tokenizer)
    cache = ctx.settings.tokenizer.cache
    shards = token_shards(
        ctx.tables["documents"],
        ctx.tables.get("sentences"),
        ctx.tables.get("sections"),
        tok,
        shard_chars=ctx.settings.tokenizer.shard_chars,
        jobs=ctx.jobs,
        scheduler=ctx.scheduler,
        cache=bool(cache) if not isinstance(cache, str) else Path(cache),
    )
    out = {"token_settings": settings_table(tok)}
    sink = ctx.stream("tokens")
    if sink is not None:
        with sink:
            for part in shards:
                sink.write(part)
        n = sink.rows
    else:
        parts = list(shards)
        tokens = (
            pl.concat(parts, how="vertical", rechunk=False)
            if parts
            else tokens_table(ctx.tables["documents"], tokenizer=tok, cache=False)
        )
        out["tokens"], n = tokens, tokens.height
    where = f", on {address}" if (address := scheduler_address(ctx.scheduler)) else ""
    ctx.log(f"tokens: {n} tokens ({tok.engine} {tok.engine_version}, hmm={tok.hmm}{where})")
    return out


__all__ = [
    "DEFAULT_ENGINE",
    "ENGINES",
    "CacheIntegrityWarning",
    "CacheWriteWarning",
    "Token",
    "Tokenizer",
    "default_tokenizer",
    "document_shards",
    "document_slices",
    "get_tokenizer",
    "read_userdict",
    "sharded_tokens_table",
    "table_has_rows",
    "text_hash",
    "token_shards",
    "tokenize",
    "tokenize_texts",
    "tokens_table",
]
