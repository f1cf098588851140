"""Themes: how much, and where, documents talk about each system of the 2021–2025 Outline.

In: the ``documents``, ``sections`` and ``tokens`` tables (or any text, through ``score_themes``), and the
versioned lexicons shipped in ``fazhi/data/lexicons/`` (one TOML file per Outline system).
Out: ``theme_hits`` (every lexicon hit with its offsets, for keyword-in-context), ``theme_sections``
(each section's hits and its classification), ``theme_scores`` (per document and per level of
government, four measures with bootstrap intervals), ``theme_contrasts`` (every pairwise level
difference with its section-bootstrap interval), ``theme_documents`` (per document: hits, rate, whether
the theme is present above the minimum), ``theme_groups`` and ``theme_group_contrasts`` (documents
compared by level, document type and period with ``fazhi.compare``: the tables claims rest on),
``theme_validation`` and ``theme_confusion`` (the lexicons scored
against the section labels of the Outline mapping), ``theme_sensitivity`` (leave-one-term-out) and
``theme_expansion`` (candidate terms ranked for review, never added automatically). Every table
carries the lexicon version string and the content hash of the lexicon files.

Method, in brief
----------------
*Matching.* A hit is a run of consecutive tokens of the document's token stream whose joined text is a
lexicon term (compared after NFKC normalisation, so ``＋`` and ``+`` agree). In particular a term's own
tokenisation under the same tokenizer is a hit, so multi-token terms match as phrases, and terms with
``+`` or digits (互联网+监管, 12345热线) count once, as one term. Because a hit must start and end on
token boundaries, 应急 inside an unrelated compound token (e.g. 应急管理局 kept whole by the tokenizer)
is not a hit. Where terms overlap, the longest match starting leftmost wins and each token is counted
at most once (so 互联网+监管 is not also counted as 互联网+).

*Rates.* ``per_1k_tokens`` is 1000 × (sum of term weights) / (word tokens), word tokens being the tokens
holding a letter, digit or Chinese character (punctuation is not a word). Alternatives: per 1,000
content tokens (``keep`` tokens of the tokenizer: no stopwords, numbers or single characters), and the
theme's share of all lexicon hits (a composition across the eight systems).

*Sections.* Each section (a row of ``sections``: the rows tile the text) is classified to the theme
with the largest weighted hits, provided it has at least ``MIN_WEIGHT`` of them and no tie. The share
of a document's characters in sections classified to a theme, the share of sections that mention it,
and the mean relative position (0 = start, 1 = end) of the theme's sections follow from that.

*Presence.* A theme is present in a document only with at least ``PRESENCE_MIN_HITS`` (3) weighted hits
and ``PRESENCE_MIN_RATE`` (1) weighted hits per 1,000 word tokens; a document's ``emphasis`` is its rate
where present and 0 where not, so that no theme rests on one incidental word.

*Comparisons.* Claims about groups of documents (levels of government …) rest on ``theme_groups`` and
``theme_group_contrasts``: a cluster bootstrap over documents, groups of at least ``MIN_DOCS`` documents,
Holm-adjusted contrasts, ``unknown`` never ranked (see ``fazhi.compare``).

*Section uncertainty.* Percentile bootstrap, resampling sections with replacement within each document
(documents are kept: with one or two documents per level there is nothing to resample between
documents). A level's value is the mean of its documents' values. The intervals therefore describe
how stable a document's emphasis is across its own sections, not how levels of government differ in
general.

*Validation.* Sections labelled by their heading through the Outline mapping (``sections.system``
with ``system_source == "heading"``) are taken with their descendants that carry no label of their own;
their bodies, with the heading text excluded, are classified by the same rule and compared with the
label: precision, recall and F1 per theme and the confusion matrix. ``validate_sections`` does this for
any labelled sections table.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import polars as pl

from .paths import PACKAGE_DATA
from .schema import LEVELS

LEXICON_DIR = PACKAGE_DATA / "lexicons"
OUTLINE_FILE = PACKAGE_DATA / "outline.toml"

#: The three research themes, in the order the notebook reports them.
FOCUS = ("digital_government", "emergency_response", "dispute_resolution")

#: A section needs at least this much weighted lexicon evidence to be classified to a theme.
MIN_WEIGHT = 1.0

#: A theme is *present* in a document only with at least this many weighted hits …
PRESENCE_MIN_HITS = 3.0
#: … and at least this many weighted hits per 1,000 word tokens (no theme rests on one incidental word).
PRESENCE_MIN_RATE = 1.0

#: Covariates the themes stage compares documents by (``theme_groups``, ``theme_group_contrasts``), and
#: the comparison of levels within document types.
COMPARE_BY = ("level", "doc_type", "period")
COMPARE_WITHIN = (("level", "doc_type"), ("level", "period"))

#: Bootstrap replicates and seed of the build (overridable through the build settings).
N_BOOT = 2000
SEED = 20240322
# Memory budget of one block of bootstrap replicates (each of the few (block, sections, themes) arrays).
BOOT_BLOCK_BYTES = 16 * 2**20

MEASURES = ("per_1k_tokens", "per_1k_content_tokens", "share_of_hits", "char_share", "section_share", "position")

_WORD = re.compile(r"\w")


class LexiconError(ValueError):
    """A lexicon file is malformed (missing field, duplicate term, unknown theme...)."""


# --------------------------------------------------------------------------------------------------
# Lexicons
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One lexicon entry: the term as written, its theme, its weight and a short gloss.

    ``valid_from`` / ``valid_to`` (optional, years) bound the era in which the term carries the theme's
    meaning in official Chinese usage (e.g. 数字政府 from 2017); ``era`` says why. They document the
    vocabulary; they do not change counting (a hit outside its era is counted and can be flagged).
    """

    theme: str
    term: str
    weight: float
    gloss: str
    valid_from: int | None = None
    valid_to: int | None = None
    era: str = ""

    @property
    def key(self) -> str:
        return _norm(self.term)


@dataclass(frozen=True)
class Lexicon:
    """The terms of one Outline system."""

    id: str
    name: str
    version: str
    description: str
    terms: tuple[Term, ...]


@dataclass(frozen=True)
class LexiconSet:
    """All lexicons, in the Outline's order, with a version string and a content hash."""

    lexicons: tuple[Lexicon, ...]
    version: str
    hash: str
    folder: Path = field(compare=False)

    @property
    def themes(self) -> tuple[str, ...]:
        return tuple(lx.id for lx in self.lexicons)

    @property
    def terms(self) -> tuple[Term, ...]:
        return tuple(t for lx in self.lexicons for t in lx.terms)

    def __getitem__(self, theme: str) -> Lexicon:
        for lx in self.lexicons:
            if lx.id == theme:
                return lx
        raise KeyError(theme)

    def without(self, drop: Iterable[tuple[str, str]]) -> LexiconSet:
        """The same set without the given (theme, term) pairs (for leave-one-term-out)."""
        gone = set(drop)
        lexicons = tuple(
            Lexicon(lx.id, lx.name, lx.version, lx.description, tuple(t for t in lx.terms if (t.theme, t.term) not in gone))
            for lx in self.lexicons
        )
        return LexiconSet(lexicons, self.version, self.hash, self.folder)

    def eras(self) -> pl.DataFrame:
        """One row per term: theme, term, valid_from, valid_to, era (nulls where the file gives none)."""
        return pl.DataFrame(
            [
                {"theme": t.theme, "term": t.term, "valid_from": t.valid_from, "valid_to": t.valid_to, "era": t.era}
                for t in self.terms
            ],
            schema={"theme": pl.String, "term": pl.String, "valid_from": pl.Int64, "valid_to": pl.Int64, "era": pl.String},
        )

    def frame(self) -> pl.DataFrame:
        """One row per term: theme, term, weight, gloss."""
        return pl.DataFrame(
            [{"theme": t.theme, "term": t.term, "weight": t.weight, "gloss": t.gloss} for t in self.terms],
            schema={"theme": pl.String, "term": pl.String, "weight": pl.Float64, "gloss": pl.String},
        )


def _norm(s: str) -> str:
    """Matching key: NFKC (full-width ＋ and digits become ASCII), case-folded, whitespace removed."""
    return "".join(unicodedata.normalize("NFKC", s).casefold().split())


def outline_systems(outline: Path | None = None) -> list[dict[str, Any]]:
    """The eight systems of the Outline (id, name, outline_title, english, chapter), in order."""
    with open(outline or OUTLINE_FILE, "rb") as fh:
        return list(tomllib.load(fh)["system"])


def _file_hash(paths: Sequence[Path]) -> str:
    h = hashlib.sha256()
    for p in sorted(paths, key=lambda q: q.name):
        h.update(p.name.encode())
        h.update(b"\0")
        h.update(p.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


ERA_YEARS = (1900, 2100)


def _era_bounds(file: str, text: str, entry: dict[str, Any]) -> tuple[int | None, int | None]:
    """A term's optional ``valid_from`` / ``valid_to`` years, checked (whole years, in order)."""
    out: list[int | None] = []
    for key in ("valid_from", "valid_to"):
        year = entry.get(key)
        if year is not None and (
            not isinstance(year, int) or isinstance(year, bool) or not ERA_YEARS[0] <= year <= ERA_YEARS[1]
        ):
            raise LexiconError(f"{file}: {text!r} has {key} = {year!r} (must be a year {ERA_YEARS[0]}–{ERA_YEARS[1]})")
        out.append(year)
    if out[0] is not None and out[1] is not None and out[0] > out[1]:
        raise LexiconError(f"{file}: {text!r} is valid from {out[0]} to {out[1]} (from must not follow to)")
    return out[0], out[1]


def load_lexicons(folder: Path | None = None, outline: Path | None = None) -> LexiconSet:
    """Read and check every lexicon file.

    Parameters
    ----------
    folder
        A folder of ``<theme>.toml`` files; the package's ``data/lexicons/`` by default.
    outline
        The Outline file defining the theme ids and their order; the package's by default.

    Returns
    -------
    LexiconSet
        Lexicons in the Outline's order. ``version`` joins the Outline version and each file's
        ``version``; ``hash`` is ``fazhi.tables.lexicon_hash()`` for the package's own files (the
        hash stamped into every table) and a SHA-256 of the files otherwise.

    Raises
    ------
    LexiconError
        On a missing field, an unknown or missing theme, an empty or duplicated term, a bad weight.
    """
    default = folder is None and outline is None
    folder = Path(folder) if folder is not None else LEXICON_DIR
    outline = Path(outline) if outline is not None else OUTLINE_FILE
    with open(outline, "rb") as fh:
        outline_doc = tomllib.load(fh)
    order = [s["id"] for s in outline_doc["system"]]
    files = sorted(folder.glob("*.toml"))
    found: dict[str, Lexicon] = {}
    seen: dict[str, str] = {}
    for path in files:
        try:
            doc = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise LexiconError(f"{path.name}: not valid TOML ({exc})") from exc
        for key in ("id", "name", "version"):
            if not isinstance(doc.get(key), str) or not doc[key].strip():
                raise LexiconError(f"{path.name}: missing string field {key!r}")
        theme = doc["id"]
        if theme != path.stem:
            raise LexiconError(f"{path.name}: id {theme!r} differs from the file name")
        if theme not in order:
            raise LexiconError(f"{path.name}: {theme!r} is not a system of {outline.name}")
        terms = []
        for i, entry in enumerate(doc.get("term", [])):
            text = entry.get("term")
            if not isinstance(text, str) or not _norm(text):
                raise LexiconError(f"{path.name}: term #{i + 1} has no text")
            weight = entry.get("weight", 1.0)
            if not isinstance(weight, (int, float)) or isinstance(weight, bool) or not 0 < weight <= 1:
                raise LexiconError(f"{path.name}: {text!r} has weight {weight!r} (must be in (0, 1])")
            gloss = entry.get("gloss")
            if not isinstance(gloss, str) or not gloss.strip():
                raise LexiconError(f"{path.name}: {text!r} has no gloss")
            key = _norm(text)
            if key in seen:
                raise LexiconError(f"{path.name}: {text!r} is already a term of {seen[key]} (a term belongs to one lexicon)")
            seen[key] = theme
            bounds = _era_bounds(path.name, text, entry)
            era = entry.get("era", "")
            if not isinstance(era, str):
                raise LexiconError(f"{path.name}: {text!r} has a non-text era {era!r}")
            terms.append(Term(theme, text, float(weight), gloss.strip(), *bounds, era.strip()))
        if not terms:
            raise LexiconError(f"{path.name}: no [[term]] entries")
        found[theme] = Lexicon(theme, doc["name"], doc["version"], str(doc.get("description", "")).strip(), tuple(terms))
    missing = [t for t in order if t not in found]
    if missing:
        raise LexiconError(f"{folder}: no lexicon for {', '.join(missing)}")
    lexicons = tuple(found[t] for t in order)
    version = f"outline={outline_doc.get('version', '?')};" + ";".join(f"{lx.id}={lx.version}" for lx in lexicons)
    if default:
        from .tables import lexicon_hash

        digest = lexicon_hash()
    else:
        digest = _file_hash([*files, outline])
    return LexiconSet(lexicons, version, digest, folder)


_DEFAULT: LexiconSet | None = None
_DEFAULT_KEY: tuple[tuple[str, int, int], ...] | None = None


def default_lexicons() -> LexiconSet:
    """The package's lexicons, cached until a lexicon file changes on disk."""
    global _DEFAULT, _DEFAULT_KEY
    files = [*sorted(LEXICON_DIR.glob("*.toml")), OUTLINE_FILE]
    key = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    if _DEFAULT is None or key != _DEFAULT_KEY:
        _DEFAULT, _DEFAULT_KEY = load_lexicons(), key
    return _DEFAULT


# --------------------------------------------------------------------------------------------------
# Matching on a token stream
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    """A match: tokens ``first`` .. ``first + n_tokens - 1`` of the stream spell ``term``."""

    first: int
    n_tokens: int
    term: Term


class Matcher:
    """Leftmost-longest phrase matching of lexicon terms on a token stream.

    A hit is a run of consecutive tokens whose joined text equals a term (after NFKC). It therefore
    starts and ends on token boundaries: a term is never found inside a longer token.
    """

    def __init__(self, lexicons: LexiconSet) -> None:
        self.lexicons = lexicons
        self._terms = {t.key: t for t in lexicons.terms}
        self._prefixes = {k[:i] for k in self._terms for i in range(1, len(k) + 1)}

    def match(self, tokens: Sequence[str]) -> list[Hit]:
        """Every hit in a stream of token texts (whitespace tokens should be left out)."""
        keys = [_norm(t) for t in tokens]
        hits: list[Hit] = []
        i, n = 0, len(keys)
        prefixes, terms = self._prefixes, self._terms
        while i < n:
            best: Hit | None = None
            acc = ""
            for j in range(i, n):
                acc += keys[j]
                if acc not in prefixes:
                    break
                term = terms.get(acc)
                if term is not None:
                    best = Hit(i, j - i + 1, term)
            if best is not None:
                hits.append(best)
                i += best.n_tokens
            else:
                i += 1
        return hits


class _TokenLike(Protocol):
    text: str
    start: int
    end: int
    keep: bool


def _default_tokenizer() -> Any:
    from .tokenizer import default_tokenizer

    return default_tokenizer()


def is_word(token: str) -> bool:
    """A word token holds a letter, a digit or a Chinese character (punctuation is not a word)."""
    return _WORD.search(token) is not None


def score_themes(
    text: str, *, lexicons: LexiconSet | None = None, tokenizer: Any = None, rules: Any = None
) -> pl.DataFrame:
    """Score one text on the eight themes.

    Parameters
    ----------
    text
        Any text.
    lexicons
        The lexicons; the package's by default.
    tokenizer
        An object with ``.tokens(text)`` returning tokens with ``text``; the default tokenizer.
    rules
        The presence rules (``fazhi.presence.PresenceRules``); the package's ``data/presence.toml`` by
        default.

    Returns
    -------
    polars.DataFrame
        One row per theme, all eight in the Outline's order: ``theme``, ``hits`` (number of matches),
        ``per_1k_tokens`` (1000 × sum of the matched terms' weights / word tokens; 0 for a text
        without words) and ``present``: the measure's decision for the text taken as one unit - the
        contextual presence rules (``fazhi.presence``, validated against coded paragraphs) for the
        themes they cover, the dictionary rule (weighted hits >= ``MIN_WEIGHT``) for the others.
    """
    lexicons = lexicons or default_lexicons()
    tokenizer = tokenizer or _default_tokenizer()
    toks = [t.text for t in tokenizer.tokens(text) if t.text.strip()]
    n_words = sum(1 for t in toks if is_word(t))
    counts = dict.fromkeys(lexicons.themes, 0)
    weights = dict.fromkeys(lexicons.themes, 0.0)
    for h in Matcher(lexicons).match(toks):
        counts[h.term.theme] += 1
        weights[h.term.theme] += h.term.weight
    from . import presence

    rules = rules or presence.default_rules()
    rule_scores = presence.scores(text, rules=rules)
    present = [
        rule_scores[t] >= rules[t].threshold if t in rule_scores else weights[t] >= MIN_WEIGHT for t in lexicons.themes
    ]
    return pl.DataFrame(
        {
            "theme": list(lexicons.themes),
            "hits": [counts[t] for t in lexicons.themes],
            "per_1k_tokens": [1000 * weights[t] / n_words if n_words else 0.0 for t in lexicons.themes],
            "present": present,
        },
        schema={"theme": pl.String, "hits": pl.Int64, "per_1k_tokens": pl.Float64, "present": pl.Boolean},
    )


# --------------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------------
# Hits from a tokens table
# --------------------------------------------------------------------------------------------------


def find_hits(tokens: pl.DataFrame, documents: pl.DataFrame, lexicons: LexiconSet | None = None) -> pl.DataFrame:
    """Every lexicon hit in a tokens table (the ``theme_hits`` table).

    Parameters
    ----------
    tokens
        The ``tokens`` table (doc_id, section_id, sentence_id, token_id, token, start, end, ...): the
        full stream, every non-whitespace token, in ``token_id`` order within each document.
    documents
        The ``documents`` table (for ``n_chars``).
    lexicons
        The lexicons; the package's by default.
    """
    lexicons = lexicons or default_lexicons()
    matcher = Matcher(lexicons)
    n_chars = dict(zip(documents["doc_id"].to_list(), documents["n_chars"].to_list(), strict=True))
    rows: dict[str, list[Any]] = {k: [] for k in ("doc_id", "section_id", "sentence_id", "token_id", "n_tokens", "theme", "term", "weight", "start", "end", "rel_position")}
    toks = tokens.sort("doc_id", "token_id")
    for (doc_id,), part in toks.group_by("doc_id", maintain_order=True):
        texts = part["token"].to_list()
        starts = part["start"].to_list()
        ends = part["end"].to_list()
        secs = part["section_id"].to_list()
        sents = part["sentence_id"].to_list()
        tids = part["token_id"].to_list()
        size = max(int(n_chars.get(doc_id) or 0), 1)
        for h in matcher.match(texts):
            i, j = h.first, h.first + h.n_tokens - 1
            rows["doc_id"].append(doc_id)
            rows["section_id"].append(secs[i])
            rows["sentence_id"].append(sents[i])
            rows["token_id"].append(tids[i])
            rows["n_tokens"].append(h.n_tokens)
            rows["theme"].append(h.term.theme)
            rows["term"].append(h.term.term)
            rows["weight"].append(h.term.weight)
            rows["start"].append(starts[i])
            rows["end"].append(ends[j])
            rows["rel_position"].append(starts[i] / size)
    df = pl.DataFrame(
        rows,
        schema={
            "doc_id": pl.String,
            "section_id": pl.Int32,
            "sentence_id": pl.Int32,
            "token_id": pl.Int32,
            "n_tokens": pl.Int32,
            "theme": pl.String,
            "term": pl.String,
            "weight": pl.Float64,
            "start": pl.Int64,
            "end": pl.Int64,
            "rel_position": pl.Float64,
        },
    )
    return _stamp(df, lexicons)


def _stamp(df: pl.DataFrame, lexicons: LexiconSet) -> pl.DataFrame:
    return df.with_columns(
        lexicon_version=pl.lit(lexicons.version, pl.String), lexicon_hash=pl.lit(lexicons.hash, pl.String)
    )


def kwic(hits: pl.DataFrame, documents: pl.DataFrame, width: int = 18) -> pl.DataFrame:
    """Keyword in context for hits: ``left``, ``match`` and ``right`` (``width`` characters each side).

    Parameters
    ----------
    hits
        Rows of ``theme_hits`` (any subset).
    documents
        The ``documents`` table (for the text).
    width
        Characters of context on each side; line breaks are shown as spaces.
    """
    text = dict(zip(documents["doc_id"].to_list(), documents["text"].to_list(), strict=True))
    left, match, right = [], [], []
    for doc_id, s, e in zip(hits["doc_id"].to_list(), hits["start"].to_list(), hits["end"].to_list(), strict=True):
        t = text.get(doc_id, "")
        left.append(t[max(0, s - width) : s].replace("\n", " "))
        match.append(t[s:e])
        right.append(t[e : e + width].replace("\n", " "))
    return hits.select("doc_id", "theme", "term", "start").with_columns(
        left=pl.Series(left, dtype=pl.String), match=pl.Series(match, dtype=pl.String), right=pl.Series(right, dtype=pl.String)
    )


# --------------------------------------------------------------------------------------------------
# Section statistics and classification
# --------------------------------------------------------------------------------------------------


@dataclass
class DocStats:
    """Per-section arrays of one document, all aligned on its sections in order."""

    doc_id: str
    level: str
    section_ids: np.ndarray  # (S,)
    n_chars: np.ndarray  # (S,) characters
    mid: np.ndarray  # (S,) relative midpoint
    words: np.ndarray  # (S,) word tokens
    kept: np.ndarray  # (S,) content tokens
    hits: np.ndarray  # (S, T) counts
    weighted: np.ndarray  # (S, T) weighted hits


def classify(weighted: np.ndarray, min_weight: float = MIN_WEIGHT) -> np.ndarray:
    """Index of the theme each row is classified to, -1 for none (too little evidence or a tie).

    Parameters
    ----------
    weighted
        (units × themes) weighted hits.
    min_weight
        The evidence a unit needs to be classified at all.
    """
    if weighted.size == 0:
        return np.full(weighted.shape[0], -1, dtype=np.int64)
    top = weighted.max(axis=1)
    arg = weighted.argmax(axis=1)
    ties = (np.isclose(weighted, top[:, None])).sum(axis=1) > 1
    return np.where((top >= min_weight - 1e-9) & ~ties, arg, -1)


def _token_counts(tokens: pl.DataFrame) -> pl.DataFrame:
    """Word and content tokens per (doc_id, section_id)."""
    return tokens.group_by("doc_id", "section_id").agg(
        # Same rule as is_word (Rust regex \w is Unicode-aware, like Python's).
        words=pl.col("token").str.contains(r"\w").sum().cast(pl.Int64),
        kept=pl.col("keep").sum().cast(pl.Int64),
    )


def section_stats(
    sections: pl.DataFrame, documents: pl.DataFrame, tokens: pl.DataFrame, hits: pl.DataFrame, themes: Sequence[str]
) -> list[DocStats]:
    """Per-document arrays of section sizes and hits, in doc_id order (the input of every estimate)."""
    counts = _token_counts(tokens)
    per = (
        hits.group_by("doc_id", "section_id", "theme")
        .agg(hits=pl.len().cast(pl.Int64), weighted=pl.col("weight").sum())
    )
    meta = documents.select("doc_id", "level", "n_chars")
    secs = (
        sections.select("doc_id", "section_id", "start", "end")
        .join(counts, on=["doc_id", "section_id"], how="left")
        .join(meta.rename({"n_chars": "doc_chars"}), on="doc_id", how="left")
        .with_columns(pl.col("words", "kept").fill_null(0))
        .sort("doc_id", "section_id")
    )
    index = {t: k for k, t in enumerate(themes)}
    out: list[DocStats] = []
    per_by_doc = {d: g for (d,), g in per.group_by("doc_id")}
    for (doc_id,), g in secs.group_by("doc_id", maintain_order=True):
        sids = g["section_id"].to_numpy().astype(np.int64)
        pos = {s: k for k, s in enumerate(sids.tolist())}
        h = np.zeros((len(sids), len(themes)), dtype=np.int64)
        w = np.zeros((len(sids), len(themes)), dtype=np.float64)
        if doc_id in per_by_doc:
            for sid, theme, n, wt in per_by_doc[doc_id].select("section_id", "theme", "hits", "weighted").iter_rows():
                if sid in pos and theme in index:
                    h[pos[sid], index[theme]] += n
                    w[pos[sid], index[theme]] += wt
        start = g["start"].to_numpy().astype(np.float64)
        end = g["end"].to_numpy().astype(np.float64)
        size = max(float(g["doc_chars"][0] or end.max(initial=1.0)), 1.0)
        out.append(
            DocStats(
                doc_id=doc_id,
                level=g["level"][0] or "unknown",
                section_ids=sids,
                n_chars=(end - start),
                mid=(start + end) / 2 / size,
                words=g["words"].to_numpy().astype(np.float64),
                kept=g["kept"].to_numpy().astype(np.float64),
                hits=h,
                weighted=w,
            )
        )
    return out


def _measures(n_chars, mid, words, kept, hits, weighted, cls, n_themes) -> dict[str, np.ndarray]:
    """The six measures for one document from (possibly resampled) section arrays; each (..., T).

    Arrays may carry a leading replicate axis: n_chars (B, S), hits (B, S, T), cls (B, S).
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        wsum = weighted.sum(axis=-2)  # (B, T)
        words_t = words.sum(axis=-1)[..., None]
        kept_t = kept.sum(axis=-1)[..., None]
        all_w = wsum.sum(axis=-1, keepdims=True)
        onehot = cls[..., None] == np.arange(n_themes)  # (B, S, T)
        chars = n_chars[..., None]
        total_chars = n_chars.sum(axis=-1)[..., None]
        theme_chars = (onehot * chars).sum(axis=-2)
        mention = (hits > 0).mean(axis=-2)
        pos = (onehot * chars * mid[..., None]).sum(axis=-2) / theme_chars
        return {
            "per_1k_tokens": np.where(words_t > 0, 1000 * wsum / words_t, 0.0),
            "per_1k_content_tokens": np.where(kept_t > 0, 1000 * wsum / kept_t, 0.0),
            "share_of_hits": np.where(all_w > 0, wsum / all_w, 0.0),
            "char_share": np.where(total_chars > 0, theme_chars / total_chars, 0.0),
            "section_share": mention,
            "position": np.where(theme_chars > 0, pos, np.nan),
        }


def _doc_seed(seed: int, doc_id: str) -> np.random.SeedSequence:
    # One stream per document, derived from its id: adding a document never changes another's draws.
    digest = int.from_bytes(hashlib.sha256(doc_id.encode()).digest()[:8], "big")
    return np.random.SeedSequence([seed, digest])


def bootstrap(stats: Sequence[DocStats], n_themes: int, n_boot: int = N_BOOT, seed: int = SEED, min_weight: float = MIN_WEIGHT):
    """Point estimates and bootstrap replicates of every measure for every document.

    Sections are resampled with replacement within each document, ``n_boot`` times, from a random
    stream seeded by ``seed`` and the document's id (deterministic, and independent of which other
    documents are in the corpus). Classification of a section does not depend on the resample.

    Returns
    -------
    dict
        doc_id -> (point: {measure: (T,)}, replicates: {measure: (n_boot, T)}).
    """
    out = {}
    for d in stats:
        cls = classify(d.weighted, min_weight)
        point = {k: v for k, v in _measures(d.n_chars, d.mid, d.words, d.kept, d.hits, d.weighted, cls, n_themes).items()}
        rng = np.random.default_rng(_doc_seed(seed, d.doc_id))
        S = len(d.section_ids)
        if S == 0 or n_boot == 0:
            reps = {k: np.full((n_boot, n_themes), np.nan) for k in point}
        else:
            idx = rng.integers(0, S, size=(n_boot, S))
            # Replicates are independent rows: compute them in blocks so that the (block, S, T) arrays stay
            # under BOOT_BLOCK_BYTES whatever the number of sections (one huge document has thousands).
            step = max(1, BOOT_BLOCK_BYTES // (8 * S * max(n_themes, 1)))
            blocks = [
                _measures(d.n_chars[b], d.mid[b], d.words[b], d.kept[b], d.hits[b], d.weighted[b], cls[b], n_themes)
                for b in (idx[i : i + step] for i in range(0, n_boot, step))
            ]
            reps = {k: np.concatenate([blk[k] for blk in blocks], axis=0) for k in point}
        out[d.doc_id] = (point, reps)
    return out


def _ci(reps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(invalid="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            lo = np.nanpercentile(reps, 2.5, axis=0)
            hi = np.nanpercentile(reps, 97.5, axis=0)
    return lo, hi


def _levels_in_order(levels: Iterable[str]) -> list[str]:
    present = set(levels)
    return [lv for lv in LEVELS if lv in present] + sorted(present - set(LEVELS))


def _nanmean(stack: np.ndarray, axis: int) -> np.ndarray:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(stack, axis=axis)


def scores_and_contrasts(
    stats: Sequence[DocStats],
    themes: Sequence[str],
    lexicons: LexiconSet,
    n_boot: int = N_BOOT,
    seed: int = SEED,
    min_weight: float = MIN_WEIGHT,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The ``theme_scores`` and ``theme_contrasts`` tables."""
    T = len(themes)
    boot = bootstrap(stats, T, n_boot, seed, min_weight)
    rows = []
    for d in stats:
        point, reps = boot[d.doc_id]
        hits = d.hits.sum(axis=0)
        for m in MEASURES:
            lo, hi = _ci(reps[m])
            for k, theme in enumerate(themes):
                rows.append(("document", d.doc_id, d.level, theme, m, point[m][k], lo[k], hi[k], int(hits[k]), 1, len(d.section_ids)))
    by_level: dict[str, list[DocStats]] = {}
    for d in stats:
        by_level.setdefault(d.level, []).append(d)
    levels = _levels_in_order(by_level)
    level_point: dict[str, dict[str, np.ndarray]] = {}
    level_reps: dict[str, dict[str, np.ndarray]] = {}
    for lv in levels:
        docs = by_level[lv]
        level_point[lv] = {m: _nanmean(np.stack([boot[d.doc_id][0][m] for d in docs]), 0) for m in MEASURES}
        level_reps[lv] = {m: _nanmean(np.stack([boot[d.doc_id][1][m] for d in docs]), 0) for m in MEASURES}
        hits = sum(d.hits.sum(axis=0) for d in docs)
        n_sec = sum(len(d.section_ids) for d in docs)
        for m in MEASURES:
            lo, hi = _ci(level_reps[lv][m])
            for k, theme in enumerate(themes):
                rows.append(("level", None, lv, theme, m, level_point[lv][m][k], lo[k], hi[k], int(hits[k]), len(docs), n_sec))
    scores = pl.DataFrame(
        rows,
        schema={
            "scope": pl.String,
            "doc_id": pl.String,
            "level": pl.String,
            "theme": pl.String,
            "measure": pl.String,
            "value": pl.Float64,
            "ci_low": pl.Float64,
            "ci_high": pl.Float64,
            "hits": pl.Int64,
            "n_docs": pl.Int32,
            "n_sections": pl.Int32,
        },
        orient="row",
    ).with_columns(
        pl.col("value", "ci_low", "ci_high").fill_nan(None), n_boot=pl.lit(n_boot, pl.Int32)
    )
    crow = []
    for a_i, a in enumerate(levels):
        for b in levels[a_i + 1 :]:
            for m in MEASURES:
                diff = level_point[a][m] - level_point[b][m]
                lo, hi = _ci(level_reps[a][m] - level_reps[b][m])
                for k, theme in enumerate(themes):
                    crow.append((theme, m, a, b, diff[k], lo[k], hi[k], len(by_level[a]), len(by_level[b])))
    contrasts = pl.DataFrame(
        crow,
        schema={
            "theme": pl.String,
            "measure": pl.String,
            "level_a": pl.String,
            "level_b": pl.String,
            "diff": pl.Float64,
            "ci_low": pl.Float64,
            "ci_high": pl.Float64,
            "n_docs_a": pl.Int32,
            "n_docs_b": pl.Int32,
        },
        orient="row",
    ).with_columns(pl.col("diff", "ci_low", "ci_high").fill_nan(None))
    contrasts = contrasts.with_columns(
        excludes_zero=((pl.col("ci_low") > 0) | (pl.col("ci_high") < 0)).fill_null(False)
    ).select("theme", "measure", "level_a", "level_b", "diff", "ci_low", "ci_high", "excludes_zero", "n_docs_a", "n_docs_b")
    order = {t: k for k, t in enumerate(themes)}
    lorder = {lv: k for k, lv in enumerate(levels)}
    morder = {m: k for k, m in enumerate(MEASURES)}
    scores = (
        scores.with_columns(
            _s=pl.col("scope").replace_strict({"document": 0, "level": 1}),
            _l=pl.col("level").replace_strict(lorder, default=99),
            _t=pl.col("theme").replace_strict(order),
            _m=pl.col("measure").replace_strict(morder),
        )
        .sort("_s", "_l", "doc_id", "_t", "_m", nulls_last=True)
        .drop("_s", "_l", "_t", "_m")
    )
    contrasts = contrasts.with_columns(
        _t=pl.col("theme").replace_strict(order), _m=pl.col("measure").replace_strict(morder),
        _a=pl.col("level_a").replace_strict(lorder, default=99), _b=pl.col("level_b").replace_strict(lorder, default=99),
    ).sort("_t", "_m", "_a", "_b").drop("_t", "_m", "_a", "_b")
    return _stamp(scores, lexicons), _stamp(contrasts, lexicons)


def section_table(stats: Sequence[DocStats], sections: pl.DataFrame, themes: Sequence[str], lexicons: LexiconSet, min_weight: float = MIN_WEIGHT) -> pl.DataFrame:
    """The ``theme_sections`` table."""
    rows = []
    for d in stats:
        cls = classify(d.weighted, min_weight)
        for s in range(len(d.section_ids)):
            for k, theme in enumerate(themes):
                w = d.words[s]
                rows.append(
                    (d.doc_id, int(d.section_ids[s]), theme, int(d.hits[s, k]), float(d.weighted[s, k]), int(w),
                     1000 * float(d.weighted[s, k]) / w if w else 0.0, bool(cls[s] == k), int(d.n_chars[s]), float(d.mid[s]))
                )
    df = pl.DataFrame(
        rows,
        schema={
            "doc_id": pl.String, "section_id": pl.Int32, "theme": pl.String, "hits": pl.Int64, "weighted_hits": pl.Float64,
            "word_tokens": pl.Int64, "per_1k_tokens": pl.Float64, "classified": pl.Boolean, "n_chars": pl.Int64, "rel_position": pl.Float64,
        },
        orient="row",
    )
    labels = sections.select("doc_id", pl.col("section_id").cast(pl.Int32), pl.col("system").cast(pl.String)) if "system" in sections.columns else sections.select("doc_id", pl.col("section_id").cast(pl.Int32), system=pl.lit(None, pl.String))
    df = df.join(labels, on=["doc_id", "section_id"], how="left").select(
        "doc_id", "section_id", "theme", "system", "hits", "weighted_hits", "word_tokens", "per_1k_tokens", "classified", "n_chars", "rel_position"
    )
    return _stamp(df, lexicons)


# --------------------------------------------------------------------------------------------------
# Validation against heading labels
# --------------------------------------------------------------------------------------------------


def labelled_units(
    sections: pl.DataFrame, documents: pl.DataFrame, exclude: str = "label", granularity: str = "subtree"
) -> pl.DataFrame:
    """Units of validation: each heading-labelled section with its descendants that have no label of their own.

    Parameters
    ----------
    sections
        A sections table with at least doc_id, section_id, start, end and system (the gold label, null
        when none). Optional: parent_id (without it every labelled section is a unit on its own),
        title (the heading text to exclude) and system_source (only ``"heading"`` labels start a unit;
        without it, a labelled section starts a unit unless its parent has the same label).
    documents
        doc_id and text.
    exclude
        ``"label"``: exclude the title of the heading that gave the label; ``"all"``: exclude the titles
        of every heading inside the unit too (stricter).
    granularity
        ``"subtree"``: a unit is a heading-labelled section with its descendants; ``"section"``: every
        labelled section (its label given or inherited) is a unit on its own, its own title excluded
        (short bodies: a harder test).

    Returns
    -------
    polars.DataFrame
        One row per (unit, section): doc_id, unit_id (the labelled section's id), label, section_id,
        start, end, and ``cut_start``/``cut_end``, the heading span excluded from that section (empty
        when nothing is excluded).
    """
    text = dict(zip(documents["doc_id"].to_list(), documents["text"].to_list(), strict=True))
    cols = sections.columns
    rows = []
    for (doc_id,), g in sections.sort("doc_id", "section_id").group_by("doc_id", maintain_order=True):
        t = text.get(doc_id, "")
        recs = g.to_dicts()
        by_id = {r["section_id"]: r for r in recs}
        unit_of: dict[int, int | None] = {}
        for r in recs:  # document order: a parent precedes its children
            sid, label = r["section_id"], r.get("system")
            parent = r.get("parent_id") if "parent_id" in cols else None
            if "system_source" in cols:
                starts_unit = label is not None and r.get("system_source") == "heading"
            else:
                starts_unit = label is not None and (parent is None or by_id.get(parent, {}).get("system") != label)
            if granularity == "section":
                unit_of[sid] = sid if label is not None else None
            elif starts_unit:
                unit_of[sid] = sid
            elif parent is not None and unit_of.get(parent) is not None:
                unit_of[sid] = unit_of[parent]
            else:
                unit_of[sid] = None
        for r in recs:
            u = unit_of[r["section_id"]]
            if u is None:
                continue
            s, e = int(r["start"]), int(r["end"])
            cut_s = cut_e = s
            if (u == r["section_id"] or exclude == "all") and "title" in cols and r.get("title"):
                # The heading runs from the section's start (its marker) to the end of its title.
                title = r["title"]
                k = t.find(title, s, e)
                if k >= 0:
                    cut_s, cut_e = s, k + len(title)  # the marker before the title goes too
            rows.append((doc_id, u, by_id[u]["system"], r["section_id"], s, e, cut_s, cut_e))
    return pl.DataFrame(
        rows,
        schema={"doc_id": pl.String, "unit_id": pl.Int32, "label": pl.String, "section_id": pl.Int32, "start": pl.Int64, "end": pl.Int64, "cut_start": pl.Int64, "cut_end": pl.Int64},
        orient="row",
    )


def hits_in_units(units: pl.DataFrame, hits: pl.DataFrame) -> pl.DataFrame:
    """Pair every hit with every unit row that holds it: an interval join in O(hits + units + pairs) memory.

    A hit belongs to a unit row of its document when the hit starts inside the row's span
    (``start <= hit.start < end``) and does not overlap the row's excluded heading (``cut_start``,
    ``cut_end``). Rows may overlap (each pair is then listed); the sections of a build tile the text, so
    there each hit is paired at most once and the result is no larger than ``hits``.

    How: hits are sorted by (document, offset) once; each unit row finds its first and last hit by binary
    search (``numpy.searchsorted``), so nothing of size hits × units is ever made (the naive join on
    ``doc_id`` peaked at 2.9 GB for one 1 MB document).

    Returns
    -------
    polars.DataFrame
        ``hit_row`` (row index into ``hits``) and ``unit_row`` (row index into ``units``), ordered by
        ``hit_row`` then ``unit_row``.
    """
    empty = pl.DataFrame(schema={"hit_row": pl.Int64, "unit_row": pl.Int64})
    if not hits.height or not units.height:
        return empty
    docs = sorted(set(hits["doc_id"].to_list()) & set(units["doc_id"].to_list()))
    if not docs:
        return empty
    code = {d: k for k, d in enumerate(docs)}
    h_doc = hits["doc_id"].replace_strict(code, default=-1, return_dtype=pl.Int64).to_numpy()
    u_doc = units["doc_id"].replace_strict(code, default=-1, return_dtype=pl.Int64).to_numpy()
    h_start = hits["start"].cast(pl.Int64).to_numpy()
    h_end = hits["end"].cast(pl.Int64).to_numpy()
    u_start, u_end = units["start"].cast(pl.Int64).to_numpy(), units["end"].cast(pl.Int64).to_numpy()
    cut_s, cut_e = units["cut_start"].cast(pl.Int64).to_numpy(), units["cut_end"].cast(pl.Int64).to_numpy()
    # One sortable key per offset: the document's code in the high bits, the offset in the low ones.
    lo = min(int(h_start.min()), int(u_start.min()), int(u_end.min()), 0)
    span = max(int(h_start.max()), int(u_start.max()), int(u_end.max())) - lo + 2
    if span * (len(docs) + 1) >= 2**62:
        raise ValueError("offsets too large to index")
    keep_h = np.flatnonzero(h_doc >= 0)
    h_key = h_doc[keep_h] * span + (h_start[keep_h] - lo)
    order = keep_h[np.argsort(h_key, kind="stable")]
    sorted_key = np.sort(h_key, kind="stable")
    keep_u = np.flatnonzero(u_doc >= 0)
    first = np.searchsorted(sorted_key, u_doc[keep_u] * span + (u_start[keep_u] - lo), side="left")
    last = np.searchsorted(sorted_key, u_doc[keep_u] * span + (np.maximum(u_end[keep_u], u_start[keep_u]) - lo), side="left")
    counts = last - first
    total = int(counts.sum())
    if total == 0:
        return empty
    unit_row = np.repeat(keep_u, counts)
    # positions first[i], first[i] + 1, ..., last[i] - 1 for every unit row, without a Python loop
    offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    hit_row = order[np.repeat(first, counts) + offsets]
    inside_cut = (h_start[hit_row] < cut_e[unit_row]) & (h_end[hit_row] > cut_s[unit_row])
    hit_row, unit_row = hit_row[~inside_cut], unit_row[~inside_cut]
    sort = np.lexsort((unit_row, hit_row))
    return pl.DataFrame({"hit_row": hit_row[sort].astype(np.int64), "unit_row": unit_row[sort].astype(np.int64)})


def _unit_hits(units: pl.DataFrame, hits: pl.DataFrame, columns: Sequence[str]) -> pl.DataFrame:
    """``columns`` of each hit with the ``doc_id`` and ``unit_id`` of each unit row holding it (see ``hits_in_units``)."""
    pairs = hits_in_units(units, hits)
    h = hits.select(columns)[pairs["hit_row"].to_numpy()] if pairs.height else hits.select(columns).clear()
    u = units.select("doc_id", "unit_id")[pairs["unit_row"].to_numpy()] if pairs.height else units.select("doc_id", "unit_id").clear()
    return pl.concat([u, h.drop("doc_id", strict=False)], how="horizontal")


def unit_evidence(units: pl.DataFrame, hits: pl.DataFrame, themes: Sequence[str]) -> tuple[pl.DataFrame, np.ndarray]:
    """Weighted hits per unit and theme, counting only hits inside the unit and outside its excluded headings.

    Returns the unit keys (doc_id, unit_id, label) in order and a (units × themes) array. Memory is
    O(hits + units) for units that do not overlap (see ``hits_in_units``).
    """
    keys = units.select("doc_id", "unit_id", "label").unique(maintain_order=True)
    index = {(d, u): k for k, (d, u) in enumerate(zip(keys["doc_id"].to_list(), keys["unit_id"].to_list(), strict=True))}
    tindex = {t: k for k, t in enumerate(themes)}
    w = np.zeros((len(keys), len(themes)))
    if hits.height and units.height:
        j = _unit_hits(units, hits, ["theme", "weight"])
        for d, u, theme, wt in j.select("doc_id", "unit_id", "theme", "weight").iter_rows():
            if theme in tindex:
                w[index[(d, u)], tindex[theme]] += wt
    return keys, w


def _prf(labels: Sequence[str | None], predicted: Sequence[str | None], themes: Sequence[str]) -> list[tuple]:
    rows = []
    f1s = []
    for theme in themes:
        support = sum(1 for g in labels if g == theme)
        pred = sum(1 for p in predicted if p == theme)
        tp = sum(1 for g, p in zip(labels, predicted, strict=True) if g == p == theme)
        precision = tp / pred if pred else None
        recall = tp / support if support else None
        # F1 = 2TP / (support + predicted): 0 when a theme with support is never predicted (or vice versa).
        f1 = 2 * tp / (support + pred) if support + pred else None
        if f1 is not None:
            f1s.append(f1)
        rows.append((theme, support, pred, tp, precision, recall, f1, len(labels)))
    macro = sum(f1s) / len(f1s) if f1s else None
    rows.append(("macro", len(labels), sum(1 for p in predicted if p is not None), sum(1 for g, p in zip(labels, predicted, strict=True) if g == p), None, None, macro, len(labels)))
    return rows


@dataclass
class Validation:
    """Validation of the lexicons against heading labels."""

    metrics: pl.DataFrame  # theme, support, predicted, true_positives, precision, recall, f1, n_units
    confusion: pl.DataFrame  # label, predicted, n
    units: pl.DataFrame  # doc_id, unit_id, label, predicted, and the weighted hits of every theme


def _validate_arrays(keys: pl.DataFrame, w: np.ndarray, themes: Sequence[str], min_weight: float) -> Validation:
    cls = classify(w, min_weight)
    predicted = [themes[c] if c >= 0 else None for c in cls.tolist()]
    labels = keys["label"].to_list()
    metrics = pl.DataFrame(
        _prf(labels, predicted, themes),
        schema={"theme": pl.String, "support": pl.Int32, "predicted": pl.Int32, "true_positives": pl.Int32, "precision": pl.Float64, "recall": pl.Float64, "f1": pl.Float64, "n_units": pl.Int32},
        orient="row",
    )
    cells = {}
    for g, p in zip(labels, predicted, strict=True):
        cells[(g, p or "none")] = cells.get((g, p or "none"), 0) + 1
    order = {t: k for k, t in enumerate([*themes, "none"])}
    confusion = pl.DataFrame(
        [(g, p, n) for (g, p), n in sorted(cells.items(), key=lambda kv: (order.get(kv[0][0], 99), order.get(kv[0][1], 99)))],
        schema={"label": pl.String, "predicted": pl.String, "n": pl.Int32},
        orient="row",
    )
    units = keys.with_columns(predicted=pl.Series(predicted, dtype=pl.String)).hstack(
        pl.DataFrame({t: w[:, k] for k, t in enumerate(themes)}, schema={t: pl.Float64 for t in themes})
    )
    return Validation(metrics, confusion, units)


def validate_sections(
    sections: pl.DataFrame,
    documents: pl.DataFrame,
    *,
    tokens: pl.DataFrame | None = None,
    hits: pl.DataFrame | None = None,
    lexicons: LexiconSet | None = None,
    tokenizer: Any = None,
    exclude: str = "label",
    granularity: str = "subtree",
    min_weight: float = MIN_WEIGHT,
) -> Validation:
    """Score the lexicons against any labelled sections table.

    Parameters
    ----------
    sections
        Sections with a gold label in ``system`` (see ``labelled_units`` for the columns used).
    documents
        doc_id and text.
    tokens, hits
        The tokens table or the hits already found; when neither is given the texts are tokenised with
        ``tokenizer`` (the default tokenizer unless given).
    lexicons
        The lexicons to score; the package's by default.
    exclude
        Which heading text to leave out of the bodies (``"label"`` or ``"all"``).
    granularity
        ``"subtree"`` (labelled heading with its descendants) or ``"section"`` (each labelled section).
    min_weight
        Evidence needed to classify a unit.

    Returns
    -------
    Validation
        ``metrics`` (precision, recall, F1 per theme and their macro mean), ``confusion`` (label ×
        prediction counts, ``none`` when a body is not classified) and ``units`` (one row per unit).
    """
    lexicons = lexicons or default_lexicons()
    if hits is None:
        if tokens is None:
            tokens = tokens_frame(documents, tokenizer)
        hits = find_hits(tokens, documents.with_columns(n_chars=pl.col("text").str.len_chars().cast(pl.Int64)) if "n_chars" not in documents.columns else documents, lexicons)
    units = labelled_units(sections, documents, exclude, granularity)
    keys, w = unit_evidence(units, hits, lexicons.themes)
    return _validate_arrays(keys, w, lexicons.themes, min_weight)


def tokens_frame(documents: pl.DataFrame, tokenizer: Any = None) -> pl.DataFrame:
    """A minimal tokens table (doc_id, section_id 0, sentence_id 0, token_id, token, start, end, keep) for texts."""
    tokenizer = tokenizer or _default_tokenizer()
    rows = []
    for doc_id, text in zip(documents["doc_id"].to_list(), documents["text"].to_list(), strict=True):
        k = 0
        for t in tokenizer.tokens(text):
            if not t.text.strip():
                continue
            rows.append((doc_id, 0, 0, k, t.text, t.start, t.end, bool(getattr(t, "keep", True))))
            k += 1
    return pl.DataFrame(
        rows,
        schema={"doc_id": pl.String, "section_id": pl.Int32, "sentence_id": pl.Int32, "token_id": pl.Int32, "token": pl.String, "start": pl.Int64, "end": pl.Int64, "keep": pl.Boolean},
        orient="row",
    )


def outline_words(lexicons: LexiconSet, outline: Path | None = None) -> set[tuple[str, str]]:
    """(theme, term) pairs whose term occurs in the name or title of any Outline system."""
    titles = " ".join(f"{s['name']} {s['outline_title']}" for s in outline_systems(outline))
    key = _norm(titles)
    return {(t.theme, t.term) for t in lexicons.terms if t.key in key}


def heading_keyword_terms(lexicons: LexiconSet, outline: Path | None = None) -> set[tuple[str, str]]:
    """(theme, term) pairs whose term is one of the keywords by which headings are mapped to systems."""
    keywords = {_norm(k) for s in outline_systems(outline) for k in s.get("heading_keywords", ())}
    return {(t.theme, t.term) for t in lexicons.terms if t.key in keywords}


#: The validation variants of ``theme_validation``, in the order the notebook shows them.
VARIANTS = {
    "full": "the lexicons as shipped; units = labelled heading + descendants, heading excluded",
    "all_headings_excluded": "as full, but the titles of every heading inside a unit are excluded too",
    "no_outline_words": "terms that occur in an Outline system's name or title removed",
    "no_heading_keywords": "terms that are keywords of the heading-to-system mapping removed",
    "single_sections": "every labelled section on its own (short bodies), its title excluded",
}


def validation_tables(
    sections: pl.DataFrame, documents: pl.DataFrame, hits: pl.DataFrame, lexicons: LexiconSet, min_weight: float = MIN_WEIGHT
) -> tuple[pl.DataFrame, pl.DataFrame, Validation]:
    """The ``theme_validation`` (every variant of ``VARIANTS``) and ``theme_confusion`` (full) tables."""

    def drop(pairs: set[tuple[str, str]]) -> tuple[pl.DataFrame, LexiconSet]:
        gone = pl.DataFrame(list(pairs) or [("", "")], schema={"theme": pl.String, "term": pl.String}, orient="row")
        return hits.join(gone, on=["theme", "term"], how="anti"), lexicons.without(pairs)

    full = validate_sections(sections, documents, hits=hits, lexicons=lexicons, min_weight=min_weight)
    results = {"full": full}
    results["all_headings_excluded"] = validate_sections(sections, documents, hits=hits, lexicons=lexicons, exclude="all", min_weight=min_weight)
    h, lx = drop(outline_words(lexicons))
    results["no_outline_words"] = validate_sections(sections, documents, hits=h, lexicons=lx, min_weight=min_weight)
    h, lx = drop(heading_keyword_terms(lexicons))
    results["no_heading_keywords"] = validate_sections(sections, documents, hits=h, lexicons=lx, min_weight=min_weight)
    results["single_sections"] = validate_sections(sections, documents, hits=hits, lexicons=lexicons, granularity="section", min_weight=min_weight)
    metrics = pl.concat([results[v].metrics.with_columns(variant=pl.lit(v)) for v in VARIANTS]).select(
        "variant", "theme", "support", "predicted", "true_positives", "precision", "recall", "f1", "n_units"
    )
    return _stamp(metrics, lexicons), _stamp(full.confusion, lexicons), full


# --------------------------------------------------------------------------------------------------
# Robustness: leave one term out
# --------------------------------------------------------------------------------------------------


def sensitivity_table(
    hits: pl.DataFrame,
    stats: Sequence[DocStats],
    sections: pl.DataFrame,
    documents: pl.DataFrame,
    lexicons: LexiconSet,
    min_weight: float = MIN_WEIGHT,
) -> pl.DataFrame:
    """The ``theme_sensitivity`` table: each term with hits, left out in turn."""
    themes = lexicons.themes
    words_by_doc = {d.doc_id: float(d.words.sum()) for d in stats}
    level_of = {d.doc_id: d.level for d in stats}
    h = hits.with_columns(level=pl.col("doc_id").replace_strict(level_of, default="unknown"))
    units = labelled_units(sections, documents)
    keys, w_full = unit_evidence(units, hits, themes)
    # Evidence of every hit per unit, to subtract one term at a time without re-matching.
    unit_hits = _unit_hits(units, h, ["theme", "term", "weight"])
    kindex = {(d, u): k for k, (d, u) in enumerate(zip(keys["doc_id"].to_list(), keys["unit_id"].to_list(), strict=True))}
    tindex = {t: k for k, t in enumerate(themes)}
    labels = keys["label"].to_list()

    def f1_of(w: np.ndarray, theme: str) -> float | None:
        cls = classify(w, min_weight)
        pred = [themes[c] if c >= 0 else None for c in cls.tolist()]
        return next(r[6] for r in _prf(labels, pred, themes) if r[0] == theme)

    base_f1 = {t: f1_of(w_full, t) for t in themes}
    term_units: dict[tuple[str, str], list[tuple[int, float]]] = {}
    for d, u, theme, term, wt in unit_hits.select("doc_id", "unit_id", "theme", "term", "weight").iter_rows():
        term_units.setdefault((theme, term), []).append((kindex[(d, u)], wt))
    scopes = ["corpus", *_levels_in_order(level_of.values())]
    words_scope = {"corpus": sum(words_by_doc.values())}
    for lv in scopes[1:]:
        words_scope[lv] = sum(v for d, v in words_by_doc.items() if level_of[d] == lv)
    theme_w: dict[tuple[str, str], float] = {}
    for theme, lv, wt in h.group_by("theme", "level").agg(pl.col("weight").sum()).iter_rows():
        theme_w[(theme, lv)] = wt
        theme_w[(theme, "corpus")] = theme_w.get((theme, "corpus"), 0.0) + wt
    term_stats = h.group_by("theme", "term", "level").agg(n=pl.len(), w=pl.col("weight").sum())
    per_term: dict[tuple[str, str], dict[str, tuple[int, float]]] = {}
    for theme, term, lv, n, wt in term_stats.iter_rows():
        d = per_term.setdefault((theme, term), {})
        d[lv] = (n, wt)
        cn, cw = d.get("corpus", (0, 0.0))
        d["corpus"] = (cn + n, cw + wt)
    rows = []
    for t in lexicons.terms:
        if (t.theme, t.term) not in per_term:
            continue
        w = w_full.copy()
        for k, wt in term_units.get((t.theme, t.term), []):
            w[k, tindex[t.theme]] -= wt
        f1_without = f1_of(w, t.theme)
        for sc in scopes:
            n, wt = per_term[(t.theme, t.term)].get(sc, (0, 0.0))
            total = theme_w.get((t.theme, sc), 0.0)
            words = words_scope.get(sc, 0.0)
            rows.append(
                (t.theme, t.term, sc, n, 1000 * total / words if words else 0.0, 1000 * (total - wt) / words if words else 0.0,
                 wt / total if total else 0.0, base_f1[t.theme] if sc == "corpus" else None, f1_without if sc == "corpus" else None)
            )
    df = pl.DataFrame(
        rows,
        schema={"theme": pl.String, "term": pl.String, "scope": pl.String, "hits": pl.Int64, "per_1k_tokens": pl.Float64, "per_1k_without": pl.Float64, "share_of_theme": pl.Float64, "f1": pl.Float64, "f1_without": pl.Float64},
        orient="row",
    )
    order = {t: k for k, t in enumerate(themes)}
    sorder = {s: k for k, s in enumerate(scopes)}
    df = df.with_columns(_t=pl.col("theme").replace_strict(order), _s=pl.col("scope").replace_strict(sorder))
    corpus_share = df.filter(pl.col("scope") == "corpus").select("theme", "term", _c=pl.col("share_of_theme"))
    df = df.join(corpus_share, on=["theme", "term"], how="left").sort(["_t", "_c", "term", "_s"], descending=[False, True, False, False]).drop("_t", "_s", "_c")
    return _stamp(df, lexicons)


# --------------------------------------------------------------------------------------------------
# Lexicon expansion candidates
# --------------------------------------------------------------------------------------------------


def expansion_candidates(
    tokens: pl.DataFrame,
    hits: pl.DataFrame,
    lexicons: LexiconSet,
    *,
    top: int = 25,
    min_cooc: int = 3,
    sentences: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Candidate terms for each theme, by their association with the theme's hits across sentences.

    A sentence "holds the theme" when a hit of the theme starts in it. Candidates are content tokens
    (``keep``) that are not themselves part of a hit nor a lexicon term. They are ranked by normalised
    PMI among those co-occurring in at least ``min_cooc`` sentences. The table is for a researcher to
    read; nothing is added to any lexicon.

    Parameters
    ----------
    tokens, hits
        The tokens and theme_hits tables.
    lexicons
        The lexicons (for their terms, excluded as candidates).
    top
        Candidates kept per theme.
    min_cooc
        Minimum number of co-occurring sentences.
    sentences
        The sentences table, for an example sentence (optional).
    """
    terms = {t.key for t in lexicons.terms}
    inside = (
        hits.select("doc_id", "token_id", "n_tokens")
        .with_columns(token_id=pl.int_ranges(pl.col("token_id"), pl.col("token_id") + pl.col("n_tokens")))
        .explode("token_id")
        .select("doc_id", pl.col("token_id").cast(pl.Int32))
        .unique()
    )
    cand = (
        tokens.filter(pl.col("keep"))
        .select("doc_id", pl.col("sentence_id").cast(pl.Int32), pl.col("token_id").cast(pl.Int32), "token")
        .join(inside.with_columns(_in=pl.lit(True)), on=["doc_id", "token_id"], how="left")
        .filter(pl.col("_in").is_null())
        .filter(~pl.col("token").map_elements(_norm, return_dtype=pl.String).is_in(list(terms)))
        .select("doc_id", "sentence_id", "token")
        .unique()
    )
    n_sent = tokens.select("doc_id", "sentence_id").unique().height
    theme_sent = hits.select("doc_id", pl.col("sentence_id").cast(pl.Int32), "theme").unique()
    freq = cand.group_by("token").agg(freq=pl.len().cast(pl.Int64))
    co = cand.join(theme_sent, on=["doc_id", "sentence_id"]).group_by("theme", "token").agg(
        cooc=pl.len().cast(pl.Int64), doc_id=pl.col("doc_id").min(), sentence_id=pl.col("sentence_id").sort_by("doc_id", "sentence_id").first()
    )
    co = co.join(
        co.select("theme", "token").join(
            cand.join(theme_sent, on=["doc_id", "sentence_id"]).sort("doc_id", "sentence_id").group_by("theme", "token", maintain_order=True).first().select("theme", "token", ex_doc="doc_id", ex_sent="sentence_id"),
            on=["theme", "token"],
        ),
        on=["theme", "token"],
    )
    tfreq = theme_sent.group_by("theme").agg(n_t=pl.len())
    df = (
        co.join(freq, on="token").join(tfreq, on="theme")
        .filter(pl.col("cooc") >= min_cooc)
        .with_columns(
            pmi=((pl.col("cooc") * n_sent) / (pl.col("freq") * pl.col("n_t"))).log(2),
            _pj=(pl.col("cooc") / n_sent).log(2),
        )
        .with_columns(npmi=pl.when(pl.col("_pj") < 0).then(pl.col("pmi") / -pl.col("_pj")).otherwise(1.0))
    )
    example = pl.lit(None, pl.String)
    if sentences is not None and df.height:
        sent = sentences.select(ex_doc="doc_id", ex_sent=pl.col("sentence_id").cast(pl.Int32), example="text")
        df = df.join(sent, on=["ex_doc", "ex_sent"], how="left")
    else:
        df = df.with_columns(example=example)
    order = {t: k for k, t in enumerate(lexicons.themes)}
    df = (
        df.sort(["theme", "npmi", "cooc", "token"], descending=[False, True, True, False])
        .with_columns(rank=pl.int_range(1, pl.len() + 1).over("theme").cast(pl.Int32))
        .filter(pl.col("rank") <= top)
        .with_columns(_t=pl.col("theme").replace_strict(order, default=99))
        .sort("_t", "rank")
        .select("theme", "rank", candidate="token", cooc="cooc", freq="freq", pmi="pmi", npmi="npmi", example="example")
    )
    df = df.cast({"cooc": pl.Int64, "freq": pl.Int64, "pmi": pl.Float64, "npmi": pl.Float64, "example": pl.String})
    return _stamp(df, lexicons)


# --------------------------------------------------------------------------------------------------
# Summaries for the notebook
# --------------------------------------------------------------------------------------------------


def top_terms(hits: pl.DataFrame, documents: pl.DataFrame, n: int = 8, themes: Sequence[str] = FOCUS) -> pl.DataFrame:
    """The ``n`` most frequent terms of each theme at each level, with how many documents use them."""
    level = documents.select("doc_id", "level")
    return (
        hits.filter(pl.col("theme").is_in(list(themes)))
        .join(level, on="doc_id")
        .group_by("theme", "level", "term")
        .agg(hits=pl.len(), docs=pl.col("doc_id").n_unique())
        .sort(["theme", "level", "hits", "term"], descending=[False, False, True, False])
        .group_by("theme", "level", maintain_order=True)
        .head(n)
    )


def lexicon_summary(lexicons: LexiconSet | None = None) -> pl.DataFrame:
    """One row per lexicon: theme, name, version, terms, weighted terms (weight < 1)."""
    lexicons = lexicons or default_lexicons()
    return pl.DataFrame(
        [
            {"theme": lx.id, "name": lx.name, "version": lx.version, "terms": len(lx.terms), "down_weighted": sum(1 for t in lx.terms if t.weight < 1)}
            for lx in lexicons.lexicons
        ]
    )


# --------------------------------------------------------------------------------------------------
# Documents compared by covariates
# --------------------------------------------------------------------------------------------------


def theme_documents(
    theme_sections: pl.DataFrame,
    documents: pl.DataFrame,
    lexicons: LexiconSet,
    *,
    min_hits: float = PRESENCE_MIN_HITS,
    min_rate: float = PRESENCE_MIN_RATE,
) -> pl.DataFrame:
    """The ``theme_documents`` table: per document and theme, hits, rate, presence and ``emphasis``.

    A theme is present only with at least ``min_hits`` weighted hits and ``min_rate`` weighted hits per
    1,000 word tokens; ``emphasis`` is the rate where present and 0 where not, so that one incidental
    word does not make a document's theme.
    """
    from .labels import doc_labels

    per = theme_sections.group_by("doc_id", "theme").agg(
        hits=pl.col("hits").sum().cast(pl.Int64),
        weighted_hits=pl.col("weighted_hits").sum().cast(pl.Float64),
        word_tokens=pl.col("word_tokens").sum().cast(pl.Int64),
    )
    meta = documents.select("doc_id", "level", "doc_type", "period").join(doc_labels(documents), on="doc_id", how="left")
    order = {t: k for k, t in enumerate(lexicons.themes)}
    df = (
        meta.join(pl.DataFrame({"theme": list(lexicons.themes)}), how="cross")
        .join(per, on=["doc_id", "theme"], how="left")
        .with_columns(pl.col("hits", "word_tokens").fill_null(0), pl.col("weighted_hits").fill_null(0.0))
        .with_columns(
            per_1k_tokens=pl.when(pl.col("word_tokens") > 0)
            .then(1000 * pl.col("weighted_hits") / pl.col("word_tokens"))
            .otherwise(0.0)
        )
        .with_columns(present=(pl.col("weighted_hits") >= min_hits - 1e-9) & (pl.col("per_1k_tokens") >= min_rate - 1e-9))
        .with_columns(emphasis=pl.when(pl.col("present")).then(pl.col("per_1k_tokens")).otherwise(0.0))
        .with_columns(_t=pl.col("theme").replace_strict(order, default=len(order)))
        .sort("doc_id", "_t")
        .select(
            "doc_id", "label", "level", "doc_type", "period", "theme", "hits", "weighted_hits", "word_tokens",
            "per_1k_tokens", "present", "emphasis",
        )
    )
    return _stamp(df, lexicons)


def group_tables(
    theme_docs: pl.DataFrame,
    lexicons: LexiconSet,
    *,
    by: Sequence[str] = COMPARE_BY,
    within: Sequence[tuple[str, str]] = COMPARE_WITHIN,
    min_docs: int | None = None,
    n_boot: int = N_BOOT,
    seed: int = SEED,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The ``theme_groups`` and ``theme_group_contrasts`` tables: ``fazhi.compare.compare_groups`` of
    each document's ``emphasis`` by every covariate of ``by``, and by each ``(covariate, stratum)`` pair."""
    from .compare import MIN_DOCS, compare_groups

    min_docs = MIN_DOCS if min_docs is None else min_docs
    groups, contrasts = [], []
    jobs = [(b, None) for b in by] + list(within)
    for b, w in jobs:
        order = list(LEVELS) if b == "level" else None
        c = compare_groups(
            theme_docs, by=b, within=w, value="emphasis", min_docs=min_docs, n_boot=n_boot, seed=seed, order=order
        )
        groups.append(c.groups)
        contrasts.append(c.contrasts)
    from .compare import CONTRASTS_SCHEMA, GROUPS_SCHEMA

    g = pl.concat(groups) if groups else pl.DataFrame(schema=GROUPS_SCHEMA)
    c = pl.concat(contrasts) if contrasts else pl.DataFrame(schema=CONTRASTS_SCHEMA)
    return _stamp(g, lexicons), _stamp(c, lexicons)


# --------------------------------------------------------------------------------------------------
# Stage
# --------------------------------------------------------------------------------------------------


if TYPE_CHECKING:
    from .pipeline import BuildContext


def build_stage(ctx: BuildContext) -> dict[str, pl.DataFrame]:
    """The themes stage of ``fazhi build``: hits, section scores, scores with intervals, validation,
    sensitivity and expansion candidates, from ``documents``, ``sections`` and ``tokens``."""
    lexicons = default_lexicons()
    docs = ctx.tables["documents"]
    sections = ctx.tables["sections"]
    tokens = ctx.tables["tokens"]
    n_boot = ctx.settings.themes.n_boot
    seed = ctx.settings.themes.seed
    ctx.log(f"themes: matching {len(lexicons.terms)} terms of {len(lexicons.lexicons)} lexicons ({lexicons.version})")
    hits = find_hits(tokens, docs, lexicons)
    stats = section_stats(sections, docs, tokens, hits, lexicons.themes)
    scores, contrasts = scores_and_contrasts(stats, lexicons.themes, lexicons, n_boot, seed)
    validation, confusion, _ = validation_tables(sections, docs, hits, lexicons)
    sections_table = section_table(stats, sections, lexicons.themes, lexicons)
    per_doc = theme_documents(sections_table, docs, lexicons)
    min_docs = ctx.settings.themes.compare_min_docs
    groups, group_contrasts = group_tables(per_doc, lexicons, min_docs=min_docs, n_boot=n_boot, seed=seed)
    return {
        "theme_hits": hits,
        "theme_sections": sections_table,
        "theme_documents": per_doc,
        "theme_groups": groups,
        "theme_group_contrasts": group_contrasts,
        "theme_scores": scores,
        "theme_contrasts": contrasts,
        "theme_validation": validation,
        "theme_confusion": confusion,
        "theme_sensitivity": sensitivity_table(hits, stats, sections, docs, lexicons),
        "theme_expansion": expansion_candidates(tokens, hits, lexicons, sentences=ctx.tables.get("sentences")),
    }


__all__ = [
    "FOCUS",
    "Hit",
    "Lexicon",
    "LexiconError",
    "LexiconSet",
    "Matcher",
    "Term",
    "Validation",
    "default_lexicons",
    "expansion_candidates",
    "find_hits",
    "group_tables",
    "hits_in_units",
    "kwic",
    "labelled_units",
    "load_lexicons",
    "score_themes",
    "theme_documents",
    "top_terms",
    "validate_sections",
]
