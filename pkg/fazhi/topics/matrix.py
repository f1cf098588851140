"""The document-term matrix of the topic stage, and the units model selection runs on.

In: the ``tokens`` table (kept tokens), ``sections``, ``sentences``, ``documents``, ``boilerplate``.
Out: ``DTM`` (counts units × terms, the vocabulary, one row per unit), ``selection_sample`` /
``selection_rows`` / ``subset_dtm`` (the seeded, stratified sample of units the grid is fitted on).
How: junk tokens out (``junk_rules``, from ``pkg/fazhi/data/topic_junk.toml``), boilerplate sentences out,
units below ``min_unit_tokens`` out, the vocabulary pruned by unit frequency, then the counts are a sparse
matrix with units in document order and terms sorted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl
from scipy import sparse

from .settings import JUNK_FILE, TopicSettings


@dataclass
class DTM:
    """A document-term matrix over units.

    Attributes
    ----------
    X
        ``scipy.sparse.csr_matrix`` of counts, units × terms (int64).
    vocab
        The terms, in column order (sorted by term).
    units
        One row per matrix row: unit_id, doc_id, section_id, paragraph_id, level, system, path, n_tokens,
        start, end.
    unit
        section, paragraph or document.
    unit_systems
        Token counts per (unit_id, system), for alignment with the Outline.
    pruning
        What pruning removed: terms and tokens before and after, units dropped.
    """

    X: sparse.csr_matrix
    vocab: list[str]
    units: pl.DataFrame
    unit: str
    unit_systems: pl.DataFrame = field(default_factory=pl.DataFrame)
    pruning: dict[str, int] = field(default_factory=dict)
    token_units: pl.DataFrame = field(default_factory=pl.DataFrame)


@dataclass(frozen=True)
class JunkRules:
    """What the junk filter drops before fitting (read from ``pkg/fazhi/data/topic_junk.toml``)."""

    pinyin_max_letters: int
    furniture: frozenset[str]
    place_pos: frozenset[str]
    places: frozenset[str]


def junk_rules(path: str | None = None) -> JunkRules:
    """The junk rules of ``path`` (default: the package's ``topic_junk.toml``), with the gazetteer's names
    when the package ships the gazetteer the file names (absent: only the part-of-speech rule applies)."""
    import csv
    import tomllib

    from ..paths import PACKAGE_DATA

    f = PACKAGE_DATA / JUNK_FILE if path is None else PACKAGE_DATA / path
    cfg = tomllib.loads(f.read_text(encoding="utf-8"))
    places: set[str] = set()
    gaz = cfg.get("places", {}).get("gazetteer")
    if gaz and (PACKAGE_DATA / gaz).is_file():
        with open(PACKAGE_DATA / gaz, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                places.update(v for v in (row.get("name"), row.get("short")) if v and len(v) >= 2)
    return JunkRules(
        pinyin_max_letters=int(cfg.get("pinyin", {}).get("max_letters", 0)),
        furniture=frozenset(cfg.get("furniture", {}).get("terms", [])),
        place_pos=frozenset(cfg.get("places", {}).get("pos", [])),
        places=frozenset(places),
    )


def junk_kind(tokens: pl.DataFrame, rules: JunkRules) -> pl.Expr:
    """A polars expression naming the junk rule a token falls under (pinyin, furniture, places) or null.

    ``tokens`` is only inspected for a ``pos`` column (without it the part-of-speech rule is skipped)."""
    tok = pl.col("token")
    n = rules.pinyin_max_letters
    pinyin = tok.str.contains(f"^[A-Za-z]{{1,{n}}}$") if n > 0 else pl.lit(False)
    furniture = tok.is_in(sorted(rules.furniture))
    place = tok.is_in(sorted(rules.places))
    if "pos" in tokens.columns and rules.place_pos:
        place = place | pl.col("pos").is_in(sorted(rules.place_pos)).fill_null(False)
    return (
        pl.when(pinyin)
        .then(pl.lit("pinyin"))
        .when(furniture)
        .then(pl.lit("furniture"))
        .when(place)
        .then(pl.lit("places"))
        .otherwise(pl.lit(None, pl.String))
    )


def _unit_keys(unit: str) -> list[str]:
    return {
        "section": ["doc_id", "section_id"],
        "paragraph": ["doc_id", "paragraph_id"],
        "document": ["doc_id"],
    }[unit]


def document_term_matrix(
    tokens: pl.DataFrame | pl.LazyFrame,
    *,
    sections: pl.DataFrame | None = None,
    sentences: pl.DataFrame | None = None,
    documents: pl.DataFrame | None = None,
    boilerplate: pl.DataFrame | None = None,
    settings: TopicSettings | None = None,
) -> DTM:
    """Count kept tokens per unit and prune the vocabulary.

    Parameters
    ----------
    tokens
        The tokens table (doc_id, section_id, sentence_id, token, start, end, keep, ...), or a lazy frame of
        it (only the kept rows' columns used are read). Only ``keep == True`` tokens are counted.
    sections
        The sections table: path and Outline ``system`` of each section (optional: null without it).
    sentences
        The sentences table: required for ``unit="paragraph"`` (paragraph_id of each sentence).
    documents
        The documents table: level of government (``unknown`` without it).
    boilerplate
        Sentences to exclude (columns doc_id, sentence_id), when ``settings.exclude_boilerplate``.
    settings
        ``unit``, ``min_unit_tokens``, ``min_df``, ``max_df``, ``max_terms``, ``exclude_boilerplate``.

    Returns
    -------
    DTM
        The matrix, its vocabulary (sorted) and its units (in doc_id, then document order).

    Notes
    -----
    Pruning order: junk tokens out; boilerplate sentences out; units below ``min_unit_tokens`` kept tokens
    out; terms with document frequency below ``min_df`` or above ``max_df × n_units`` out; the
    ``max_terms`` most frequent terms kept; finally units left with no in-vocabulary token are dropped.
    """
    s = settings or TopicSettings()
    # only the kept rows' columns the matrix uses are copied (not every column of the corpus's tokens)
    wanted = ("doc_id", "section_id", "sentence_id", "token", "start", "end", "pos")
    used = [c for c in wanted if c in tokens.collect_schema().names()]
    tok = tokens.lazy().filter(pl.col("keep")).select(used).collect()
    n_tokens_in = tok.height
    tok, junk_counts = _drop_junk(tok, s)
    n_junk = n_tokens_in - tok.height
    if s.exclude_boilerplate and boilerplate is not None and boilerplate.height:
        tok = _drop_boilerplate(tok, boilerplate)
    n_boiler = n_tokens_in - n_junk - tok.height
    tok = _with_unit_columns(tok, s.unit, sentences=sentences)
    keys = _unit_keys(s.unit)
    sizes = tok.group_by(keys).agg(n=pl.len())
    kept_units = sizes.filter(pl.col("n") >= s.min_unit_tokens).select(keys)
    tok = tok.join(kept_units, on=keys, how="semi", nulls_equal=True)
    vocab, n_terms_before = _prune_vocabulary(tok, keys, n_units=kept_units.height, settings=s)
    # each in-vocabulary token's section system and path are joined only now, not onto every kept token
    tok_v = _with_section_columns(tok.filter(pl.col("token").is_in(vocab)), sections)
    del tok  # the unpruned tokens (a copy per column) are not held beside the rest of the matrix's work
    units = _unit_rows(tok_v, s.unit, keys)
    tok_v = tok_v.join(units.select(*keys, "unit_id"), on=keys, how="left", nulls_equal=True)
    units, unit_systems = _unit_systems_and_level(units, tok_v, s.unit, documents)
    X = _count_matrix(tok_v, vocab, units.height)
    pruning = {
        "kept_tokens": n_tokens_in,
        "boilerplate_tokens": n_boiler,
        **junk_counts,
        "units_before": sizes.height,
        "units_after": units.height,
        "terms_before": n_terms_before,
        "terms_after": len(vocab),
        "tokens_after": int(X.sum()),
    }
    return DTM(
        X=X,
        vocab=vocab,
        units=units,
        unit=s.unit,
        unit_systems=unit_systems,
        pruning=pruning,
        token_units=tok_v.select("doc_id", "start", "unit_id"),
    )


def _drop_junk(tok: pl.DataFrame, s: TopicSettings) -> tuple[pl.DataFrame, dict[str, int]]:
    """Kept tokens without junk (when ``junk_filter``), narrowed to the columns the matrix needs, and the
    number of tokens each junk rule removed."""
    junk_counts = {"junk_tokens_pinyin": 0, "junk_tokens_furniture": 0, "junk_tokens_places": 0}
    if s.junk_filter:
        tok = tok.with_columns(_junk=junk_kind(tok, junk_rules(s.junk_file)))
        for kind, n in tok.group_by("_junk").agg(n=pl.len()).drop_nulls("_junk").iter_rows():
            junk_counts[f"junk_tokens_{kind}"] = int(n)
        tok = tok.filter(pl.col("_junk").is_null())
    return tok.select("doc_id", "section_id", "sentence_id", "token", "start", "end"), junk_counts


def _drop_boilerplate(tok: pl.DataFrame, boilerplate: pl.DataFrame) -> pl.DataFrame:
    """Tokens outside the sentences the boilerplate table lists."""
    bp = boilerplate.select(pl.col("doc_id").cast(pl.String), pl.col("sentence_id").cast(pl.Int32)).unique()
    return tok.join(bp, on=["doc_id", "sentence_id"], how="anti", nulls_equal=True)


def _with_unit_columns(tok: pl.DataFrame, unit: str, *, sentences: pl.DataFrame | None) -> pl.DataFrame:
    """Tokens with their paragraph (for ``unit="paragraph"``, else null) and ``section_id`` as Int32, without
    ``sentence_id`` (no later step reads it)."""
    if unit == "paragraph":
        if sentences is None:
            raise ValueError("unit='paragraph' needs the sentences table")
        para = sentences.select(
            "doc_id", pl.col("sentence_id").cast(pl.Int32), pl.col("paragraph_id").cast(pl.Int32)
        )
        tok = tok.join(para, on=["doc_id", "sentence_id"], how="left")
    else:
        tok = tok.with_columns(paragraph_id=pl.lit(None, pl.Int32))
    return tok.with_columns(pl.col("section_id").cast(pl.Int32)).drop("sentence_id")


def _with_section_columns(tok: pl.DataFrame, sections: pl.DataFrame | None) -> pl.DataFrame:
    """Tokens with their own section's Outline system and path (null without the sections table)."""
    if sections is not None and "system" in sections.columns:
        sec = sections.select("doc_id", pl.col("section_id").cast(pl.Int32), "system", "path")
    else:
        sec = pl.DataFrame(
            schema={"doc_id": pl.String, "section_id": pl.Int32, "system": pl.String, "path": pl.String}
        )
    return tok.join(sec, on=["doc_id", "section_id"], how="left")


def _prune_vocabulary(
    tok: pl.DataFrame, keys: list[str], *, n_units: int, settings: TopicSettings
) -> tuple[list[str], int]:
    """The vocabulary (sorted) after pruning by unit frequency and ``max_terms``, and the number of terms
    before pruning."""
    s = settings
    df_counts = tok.select(*keys, "token").unique().group_by("token").agg(df=pl.len())
    max_df_count = s.max_df * max(n_units, 1)
    vocab_df = df_counts.filter((pl.col("df") >= s.min_df) & (pl.col("df") <= max_df_count))
    freq = tok.group_by("token").agg(tf=pl.len())
    vocab_df = (
        vocab_df.join(freq, on="token").sort(["tf", "token"], descending=[True, False]).head(s.max_terms)
    )
    return sorted(vocab_df["token"].to_list()), df_counts.height


def _unit_rows(tok_v: pl.DataFrame, unit: str, keys: list[str]) -> pl.DataFrame:
    """One row per unit with an in-vocabulary token, numbered in document order (doc_id, then position)."""
    aggs = [
        pl.len().cast(pl.Int64).alias("n_tokens"),
        pl.col("start").min().cast(pl.Int64).alias("start"),
        pl.col("end").max().cast(pl.Int64).alias("end"),
    ]
    if unit == "paragraph":  # a paragraph sits in one section (sentences never cross sections)
        aggs.append(pl.col("section_id").sort_by("start").first().alias("section_id"))
    units = tok_v.group_by(keys).agg(aggs).sort(["doc_id", "start"])
    if unit == "document":
        units = units.with_columns(section_id=pl.lit(None, pl.Int32), paragraph_id=pl.lit(None, pl.Int32))
    elif unit == "section":
        units = units.with_columns(paragraph_id=pl.lit(None, pl.Int32))
    return units.with_row_index("unit_id").with_columns(pl.col("unit_id").cast(pl.Int32))


def _unit_systems_and_level(
    units: pl.DataFrame, tok_v: pl.DataFrame, unit: str, documents: pl.DataFrame | None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The units with their Outline system (the one holding most of their tokens; ties: first by name;
    null if none), path and level of government; and token counts per (unit_id, system)."""
    unit_systems = (
        tok_v.group_by("unit_id", "system")
        .agg(n=pl.len().cast(pl.Int64))
        .sort(["unit_id", "system"], nulls_last=True)
    )
    majority = (
        unit_systems.sort(["unit_id", "n", "system"], descending=[False, True, False], nulls_last=True)
        .group_by("unit_id", maintain_order=True)
        .first()
        .select("unit_id", "system")
    )
    paths = tok_v.sort("start").group_by("unit_id", maintain_order=True).agg(pl.col("path").first())
    units = units.join(majority, on="unit_id", how="left").join(paths, on="unit_id", how="left")
    if unit == "document":
        units = units.with_columns(path=pl.lit(None, pl.String))
    if documents is not None and "level" in documents.columns:
        units = units.join(documents.select("doc_id", "level"), on="doc_id", how="left")
    else:
        units = units.with_columns(level=pl.lit(None, pl.String))
    cols = ("unit_id", "doc_id", "section_id", "paragraph_id", "level", "system", "path", "n_tokens", "start")
    units = units.with_columns(
        pl.col("level").fill_null("unknown"),
        pl.col("section_id").cast(pl.Int32),
        pl.col("paragraph_id").cast(pl.Int32),
    ).select(*cols, "end")
    return units.sort("unit_id"), unit_systems


def _count_matrix(tok_v: pl.DataFrame, vocab: list[str], n_units: int) -> sparse.csr_matrix:
    """Counts of each (unit_id, term) as a sorted CSR matrix, units × terms (int64)."""
    term_index = pl.DataFrame(
        {"token": vocab, "term_id": np.arange(len(vocab), dtype=np.int32)},
        schema={"token": pl.String, "term_id": pl.Int32},
    )
    cells = (
        tok_v.group_by("unit_id", "token")
        .agg(c=pl.len())
        .join(term_index, on="token")
        .sort("unit_id", "term_id")
    )
    rows = cells["unit_id"].to_numpy().astype(np.int64)
    cols = cells["term_id"].to_numpy().astype(np.int64)
    X = sparse.csr_matrix((cells["c"].to_numpy().astype(np.int64), (rows, cols)), shape=(n_units, len(vocab)))
    X.sort_indices()
    return X


def selection_sample(
    n_units: int, max_units: int, seed: int = 0, strata: Sequence[str] | None = None
) -> np.ndarray | None:
    """The units model selection runs on: a seeded sample of ``max_units`` of the ``n_units`` rows of the
    matrix (sorted row indices), or None (all units) when there are no more than ``max_units`` units or
    ``max_units`` is 0.

    The grid (every k × every seed × every model) is what makes the stage expensive; its diagnostics
    (coherence, exclusivity, stability) are properties of the corpus's vocabulary structure that a few
    thousand units already show, so on a large corpus they are measured on a sample and the chosen k is
    then fitted on every unit.

    Without ``strata`` the sample is a simple random sample. With ``strata`` (one label per unit: the
    level of government by default, see ``TopicSettings.selection_stratify``) it is stratified: every
    stratum first gets ``min(its size, max_units // (2 × number of strata))`` units, so that a thin
    level (a few county documents among thousands of provincial ones) still shapes the choice of k,
    and the rest of ``max_units`` is shared in proportion to what each stratum has left (largest
    remainders, ties to the earlier label). The sample depends only on the sizes, the labels,
    ``max_units`` and ``seed``.
    """
    if max_units <= 0 or n_units <= max_units:
        return None
    rng = np.random.default_rng(seed)
    if strata is None:
        return np.sort(rng.choice(n_units, size=max_units, replace=False))
    labels = np.asarray(strata, dtype=object)
    if labels.shape != (n_units,):
        raise ValueError(f"strata has {labels.shape[0]} labels for {n_units} units")
    names = sorted(set(labels.tolist()))
    members = [np.flatnonzero(labels == name) for name in names]
    sizes = np.array([m.size for m in members])
    floor = np.minimum(sizes, max_units // (2 * len(names)))
    left = sizes - floor
    rest = max_units - int(floor.sum())
    share = rest * left / left.sum()
    extra = np.floor(share).astype(np.int64)
    # largest remainders; a stable sort keeps the earlier label first on ties
    order = np.argsort(-(share - extra), kind="stable")
    extra[order[: rest - int(extra.sum())]] += 1
    take = floor + extra
    chosen = [rng.choice(m, size=int(t), replace=False) for m, t in zip(members, take)]
    return np.sort(np.concatenate(chosen))


def selection_rows(dtm: DTM, settings: TopicSettings) -> np.ndarray | None:
    """``selection_sample`` of this matrix's units under ``settings`` (stratified by the units' column
    ``settings.selection_stratify`` unless it is empty)."""
    col = settings.selection_stratify
    strata = None
    if col:
        if col not in dtm.units.columns:
            raise ValueError(
                f"selection_stratify: units have no column {col!r} (they have {dtm.units.columns})"
            )
        strata = dtm.units[col].cast(pl.String).fill_null("").to_list()
    return selection_sample(dtm.X.shape[0], settings.selection_max_units, settings.selection_seed, strata)


def subset_dtm(dtm: DTM, rows: np.ndarray) -> DTM:
    """The matrix restricted to some of its rows (same vocabulary and column order; units renumbered 0..)."""
    units = dtm.units[rows.tolist()].with_columns(unit_id=pl.arange(0, rows.size, dtype=pl.Int32))
    return DTM(X=dtm.X[rows], vocab=dtm.vocab, units=units, unit=dtm.unit, pruning=dict(dtm.pruning))
