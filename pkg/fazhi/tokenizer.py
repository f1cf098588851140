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
"""

from __future__ import annotations

import atexit
import hashlib
import importlib.metadata
import json
import logging
import multiprocessing
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import polars as pl

from .paths import PACKAGE_DATA, cache_dir
from .schema import table

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
_ASCII_COMPOUND = r"(?<![A-Za-z0-9])[A-Za-z0-9]++(?:[-._][A-Za-z0-9]++)+%?"
_NUMBER = r"^[0-9０-９.．,，%％‰+\-−~～/:：]*[0-9０-９][0-9０-９.．,，%％‰+\-−~～/:：]*$"
_CN_NUMBER = r"^[零〇一二两三四五六七八九十百千万亿]+$"
_PUNCT = r"^[\p{P}\p{S}\p{Z}\p{C}]+$"

TOKENS = table(
    "tokens",
    "one non-whitespace token of a document, in text order",
    ("doc_id", pl.String, "the document"),
    ("section_id", pl.Int32, "the section holding the token (sections.section_id); null without segmentation"),
    ("sentence_id", pl.Int32, "the sentence holding the token (sentences.sentence_id); null between sentences"),
    ("token_id", pl.Int32, "0.. in text order within the document"),
    ("token", pl.String, "the token as it appears in the text"),
    ("start", pl.Int64, "offset of its first character in documents.text"),
    ("end", pl.Int64, "offset after its last character (text[start:end] == token)"),
    ("pos", pl.String, "part of speech: dictionary tag (jieba's dict.txt or the user dictionary), else m/eng/x"),
    ("keep", pl.Boolean, "survives the default filters (stopwords, punctuation, numbers, single characters)"),
)
TOKEN_SETTINGS = table(
    "token_settings",
    "one setting of the tokeniser that made the tokens table",
    ("key", pl.String, "engine, engine_version, hmm, filters, userdict_hash, stopwords_hash, settings_hash ..."),
    ("value", pl.String, "its value (JSON for lists)"),
)


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
        pattern = "|".join(p for p in (_trie_regex(protected), _ASCII_COMPOUND) if p)
        # The lookahead lets re skip quickly over positions where no protected span can start.
        first = "".join(sorted({t[0] for t in protected} | set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")))
        self._protect_re = re.compile(f"(?=[{re.escape(first)}])(?:{pattern})")
        self._engine = self._load_engine()
        self._tags = self._tag_frame()

    # -- settings ---------------------------------------------------------------------------------

    def cut_settings(self) -> dict[str, object]:
        """The settings that determine tokens, offsets and parts of speech (the disk-cache key)."""
        return {
            "engine": self.engine,
            "engine_version": self.engine_version,
            "hmm": self.hmm,
            "userdict_hash": self.userdict_hash,
            "protect": list(self.config.protect),
            "cache_format": 1,
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

    def frame(self, texts: Sequence[str]) -> list[pl.DataFrame]:
        """Cut several texts at once: one frame per text with ``token, start, end, pos`` (no keep).

        Whitespace tokens are dropped; offsets are character offsets into each text.
        """
        lists = [self.raw(text) for text in texts]
        counts = np.fromiter((len(w) for w in lists), dtype=np.int64, count=len(lists))
        lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
        tok = pl.Series("token", list(chain.from_iterable(lists)), dtype=pl.String)
        # One running sum over all texts, then each text's own origin subtracted: cheaper than .over().
        end = tok.str.len_chars().cast(pl.Int64).cum_sum()
        base = np.repeat(np.concatenate([[0], np.cumsum(lengths)[:-1]]) if len(texts) else lengths, counts)
        df = pl.DataFrame(
            {
                "doc": np.repeat(np.arange(len(texts), dtype=np.int32), counts),
                "token": tok,
                "start": end - tok.str.len_chars().cast(pl.Int64) - base,
                "end": end - base,
            }
        ).filter(pl.col("token").str.contains(r"\S"))
        # Tag the distinct tokens only (a few thousand), then spread the tags back over the tokens.
        tags = (
            df.select(pl.col("token").unique())
            .join(self._tags, on="token", how="left")
            .with_columns(pos=pl.coalesce("pos", _fallback_pos(pl.col("token"))))
        )
        df = df.join(tags, on="token", how="left", maintain_order="left")
        bounds = np.searchsorted(df["doc"].to_numpy(), np.arange(len(texts) + 1))
        body = df.drop("doc")
        return [body.slice(int(a), int(b - a)) for a, b in zip(bounds[:-1], bounds[1:])]

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
        df = self.with_keep(self.frame([text])[0])
        return [Token(*row) for row in df.iter_rows()]

    def cut(self, text: str) -> list[str]:
        """The tokens of ``text`` that survive the filters, in order."""
        df = self.with_keep(self.frame([text])[0])
        return df.filter("keep")["token"].to_list()

    def __repr__(self) -> str:
        return f"Tokenizer(engine={self.engine!r}, hmm={self.hmm}, settings_hash={self.settings_hash[:12]}…)"


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


def _cache_path(root: Path, cut_hash: str, thash: str) -> Path:
    return root / "tokens" / cut_hash[:24] / f"{thash[:40]}.arrow"


def _write_cache(path: Path, df: pl.DataFrame) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    df.write_ipc(tmp, compression="uncompressed")
    tmp.replace(path)  # atomic: a reader never sees half a file


def _work(config: TokenizerConfig, texts: list[str], cache_paths: list[str | None]) -> list[pl.DataFrame]:
    """Worker task: cut a batch of texts, write their cache entries, return their frames."""
    tok = _tokenizer_for(config)
    frames = tok.frame(texts)
    for df, path in zip(frames, cache_paths):
        if path is not None:
            _write_cache(Path(path), df)
    return frames


def _warm(config: TokenizerConfig) -> None:
    _tokenizer_for(config)


_POOLS: dict[int, Any] = {}


def worker_pool(jobs: int) -> Any:
    """A persistent pool of ``jobs`` spawned worker processes, reused by every call in this process.

    Workers are single-threaded in polars (the parallelism is across processes) and keep their
    tokenisers between tasks, so each loads its dictionary once.
    """
    pool = _POOLS.get(jobs)
    if pool is None:
        old = os.environ.get("POLARS_MAX_THREADS")
        os.environ["POLARS_MAX_THREADS"] = "1"
        try:
            pool = multiprocessing.get_context("spawn").Pool(jobs)
        finally:
            if old is None:
                os.environ.pop("POLARS_MAX_THREADS", None)
            else:
                os.environ["POLARS_MAX_THREADS"] = old
        _POOLS[jobs] = pool
    return pool


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


def tokenize_texts(
    texts: Sequence[str],
    tokenizer: Tokenizer | None = None,
    *,
    jobs: int = 1,
    cache: bool | Path = True,
    min_parallel_chars: int = 200_000,
) -> list[pl.DataFrame]:
    """Tokenise many texts, with the disk cache and worker processes.

    Parameters
    ----------
    texts
        The texts.
    tokenizer
        The tokeniser; the default one when None.
    jobs
        Worker processes; 1 cuts in this process. Output is identical either way.
    cache
        True: use ``fazhi.paths.cache_dir()``; a path: use that folder; False: no cache. Entries are
        keyed by the text's SHA-256 and the tokeniser's ``cut_hash`` (engine, version, HMM, user
        dictionary): changing any of these misses exactly the entries made with other values, and
        changing only a filter (stopwords …) re-uses the cut and recomputes ``keep``.
    min_parallel_chars
        Below this many characters to cut, stay in this process (starting workers would cost more).

    Returns
    -------
    list of polars.DataFrame
        Per text: ``token, start, end, pos, keep``.
    """
    tok = tokenizer or default_tokenizer()
    root = None if cache is False else (cache_dir() if cache is True else Path(cache))
    frames: list[pl.DataFrame | None] = [None] * len(texts)
    paths: list[str | None] = [None] * len(texts)
    todo: list[int] = []
    for i, text in enumerate(texts):
        if root is not None:
            p = _cache_path(root, tok.cut_hash, text_hash(text))
            paths[i] = str(p)
            if p.is_file():
                try:
                    frames[i] = pl.read_ipc(p)
                    continue
                except Exception:  # a damaged entry is recomputed, not trusted
                    pass
        todo.append(i)
    if todo:
        sizes = [len(texts[i]) for i in todo]
        if jobs > 1 and sum(sizes) >= min_parallel_chars:
            pool = worker_pool(jobs)
            batches = _batches(sizes, jobs * 4)
            tasks = [
                (tok.config, [texts[todo[j]] for j in b], [paths[todo[j]] for j in b]) for b in batches
            ]
            results = pool.starmap(_work, tasks, chunksize=1)
            for b, res in zip(batches, results):
                for j, df in zip(b, res):
                    frames[todo[j]] = df
        else:
            for b in _batches(sizes, max(1, sum(sizes) // 1_000_000)):
                idx = [todo[j] for j in b]
                for i, df in zip(idx, tok.frame([texts[i] for i in idx])):
                    frames[i] = df
                    if paths[i] is not None:
                        _write_cache(Path(paths[i]), df)
    if not frames:
        return []
    # The verdict depends on the token only: judge the distinct tokens once, spread it back, split.
    big = pl.concat(frames)  # type: ignore[arg-type]
    verdict = big.select(pl.col("token").unique()).with_columns(keep=tok.keep_expr())
    big = big.join(verdict, on="token", how="left", maintain_order="left")
    out, offset = [], 0
    for df in frames:
        out.append(big.slice(offset, df.height))  # type: ignore[union-attr]
        offset += df.height  # type: ignore[union-attr]
    return out


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


def tokenizer_from_settings(settings: dict[str, object]) -> Tokenizer:
    """The tokeniser for build settings: options under the ``"tokenizer"`` key override the defaults."""
    opts = settings.get("tokenizer") or {}
    if not isinstance(opts, dict):
        raise TypeError("settings['tokenizer'] must be a mapping of Tokenizer options")
    return get_tokenizer(**opts)


def settings_table(tok: Tokenizer) -> pl.DataFrame:
    """The ``token_settings`` table: every setting of ``tok`` as key/value strings, sorted by key."""
    s = {**tok.settings(), "settings_hash": tok.settings_hash, "n_user_terms": len(tok.user_terms)}
    rows = sorted(
        (k, v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)) for k, v in s.items()
    )
    return pl.DataFrame(rows, schema=TOKEN_SETTINGS.polars_schema, orient="row")


def build_stage(ctx: Any) -> dict[str, pl.DataFrame]:
    """Pipeline stage: ``documents`` (+ ``sentences``, ``sections``) -> ``tokens``, ``token_settings``."""
    tok = tokenizer_from_settings(ctx.settings)
    cache = ctx.settings.get("token_cache", True)
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
    "Token",
    "Tokenizer",
    "default_tokenizer",
    "get_tokenizer",
    "read_userdict",
    "tokenize",
    "tokenize_texts",
    "tokens_table",
]
