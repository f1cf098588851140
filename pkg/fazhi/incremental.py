"""Incremental builds: the per-document stages reuse the previous build's rows of unchanged documents.

In: the output folder of a previous build (its ``documents`` and per-document tables) and the stamp of
the build about to run. Out: ``load_previous(out, stamp)``, the previous tables when they may be reused
(else None, and why); ``run_stage(ctx, name, stage, previous)``, a per-document stage run on the new and
changed documents only, its rows merged with the previous rows of the others.

How: a stage is per-document when each document's rows depend on that document alone (its ``doc_id`` and
``text``, and the rows earlier per-document stages made of it): ``segment`` (sections, anomalies,
sentences) and ``tokenizer`` (tokens), listed in ``PER_DOCUMENT_TABLES`` with the order each table is
sorted in. A document is unchanged when a previous document has its ``doc_id`` and exactly its ``text``.
The stage runs on a copy of the context whose tables hold the other documents' rows only; the previous
rows of the unchanged documents are added and the table sorted as the stage sorts it, so the result is the
table a build from scratch makes (``tests/test_pipeline_incremental.py`` compares the bytes). The previous
tables are used only when they were made by the same package version, dictionary, lexicons and settings
(their stamps); otherwise the build runs from scratch and says why. Corpus-level stages (vocabulary,
themes, topics, reuse) always run on the whole corpus.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from .schema import as_text
from .tables import read_stamp

if TYPE_CHECKING:
    from .pipeline import BuildContext

#: Per-document stages, and the tables of each that are a union of per-document rows, with their order.
PER_DOCUMENT_TABLES: dict[str, dict[str, tuple[str, ...]]] = {
    "segment": {
        "sections": ("doc_id", "section_id"),
        "section_anomalies": ("doc_id", "section_id", "kind", "detail"),
        "sentences": ("doc_id", "sentence_id"),
    },
    "tokenizer": {"tokens": ("doc_id", "token_id")},
}
#: What the previous tables' stamps must share with this build's for their rows to be reused.
SAME = ("fazhi_version", "dictionary_hash", "lexicon_hash", "data_hash", "settings_hash")


def load_previous(out: Path, stamp: Mapping[str, str]) -> tuple[dict[str, pl.DataFrame] | None, str]:
    """The previous build's ``documents`` and per-document tables in ``out``, when they may be reused.

    Returns ``(tables, "")``, or ``(None, reason)`` when there is no previous build or it was made by
    another package version, dictionary, lexicons or settings.
    """
    names = ["documents", *(t for tables in PER_DOCUMENT_TABLES.values() for t in tables)]
    paths = {name: Path(out) / f"{name}.parquet" for name in names}
    missing = [name for name, p in paths.items() if not p.is_file()]
    if missing:
        return None, f"no previous build in {out} (missing {', '.join(missing)})"
    for name, p in paths.items():
        old = read_stamp(p)
        differ = [k for k in SAME if old.get(k) != stamp.get(k)]
        if differ:
            return None, f"the previous {name} table was made with another {', '.join(differ)}"
    return {name: as_text(pl.read_parquet(p)) for name, p in paths.items()}, ""


Stage = Callable[["BuildContext"], dict[str, pl.DataFrame]]


def run_stage(
    ctx: BuildContext, name: str, stage: Stage, previous: Mapping[str, pl.DataFrame]
) -> tuple[dict[str, pl.DataFrame], dict[str, int]]:
    """Run per-document ``stage`` on the new and changed documents only, and add the previous rows of
    the unchanged ones. Returns the stage's tables and ``{"reused": n, "processed": m}`` (documents)."""
    docs = ctx.tables["documents"].select("doc_id", "text")
    kept = docs.join(previous["documents"].select("doc_id", "text"), on=["doc_id", "text"], how="semi")
    kept_ids = kept["doc_id"]
    redo = docs.filter(~pl.col("doc_id").is_in(kept_ids.implode()))["doc_id"]
    part = {
        t: df.filter(pl.col("doc_id").is_in(redo.implode())) if "doc_id" in df.columns else df
        for t, df in ctx.tables.items()
    }
    produced = dict(stage(dataclasses.replace(ctx, tables=part)))
    for table, order in PER_DOCUMENT_TABLES[name].items():
        old = previous[table].filter(pl.col("doc_id").is_in(kept_ids.implode()))
        produced[table] = pl.concat([old, produced[table]], how="vertical").sort(order).rechunk()
    return produced, {"reused": kept.height, "processed": redo.len()}


__all__ = ["PER_DOCUMENT_TABLES", "load_previous", "run_stage"]
