"""``fazhi build``: run every stage over a corpus folder and write its tables.

In: a corpus folder (default ``seeds/``). Out: one stamped parquet file per table in the output folder
(default ``data/processed/``), plus ``build.json`` recording what was built from what.

Each stage is a function ``stage(ctx) -> dict[name, polars.DataFrame]`` defined in its own module
(``corpus.build_stage``, ``segment.build_stage``, ...). Stages run in order and read the tables of the
stages before them from ``ctx.tables``; data flows one way.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from .paths import corpus_dir, data_dir
from .tables import current_stamp, write_table


@dataclass
class BuildContext:
    """What a stage gets: where the corpus is, the settings, and every table built so far."""

    corpus: Path
    out: Path
    settings: dict[str, object] = field(default_factory=dict)
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    progress: bool = True
    jobs: int = 1

    def log(self, message: str) -> None:
        """Print a progress line to stderr (the summary goes to stdout)."""
        print(message, file=sys.stderr, flush=True)


Stage = Callable[[BuildContext], dict[str, pl.DataFrame]]


class BuildInputError(ValueError):
    """The corpus or output folder cannot be used; raised before anything is computed."""


def check_paths(corpus: Path, out: Path) -> None:
    """Fail early, with one clear line, when the corpus is not a folder or ``out`` cannot be written.

    Raises
    ------
    BuildInputError
        A missing or file-valued corpus; an ``out`` that is a file, or a folder that cannot be
        created or written into (checked by creating and removing a probe file).
    """
    if not corpus.exists():
        raise BuildInputError(f"--corpus {corpus}: no such folder")
    if not corpus.is_dir():
        raise BuildInputError(f"--corpus {corpus}: not a folder")
    if out.exists() and not out.is_dir():
        raise BuildInputError(f"--out {out}: is a file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
        import tempfile

        with tempfile.TemporaryFile(dir=out, prefix=".fazhi-write-probe-"):
            pass
    except OSError as e:
        raise BuildInputError(f"--out {out}: cannot be written ({e.strerror or e})") from e


# The stages in the order they run; each module defines ``build_stage(ctx)``.
STAGES = ("corpus", "segment", "tokenizer", "vocabulary", "themes", "topics")


def stages() -> list[tuple[str, Stage]]:
    """The stages of the pipeline, in the order they run."""
    import importlib

    return [(name, importlib.import_module(f".{name}", __package__).build_stage) for name in STAGES]


def default_settings() -> dict[str, object]:
    """The build settings that change results; they are hashed into every table's stamp."""
    return {}


def build(
    corpus: Path | None = None,
    out: Path | None = None,
    *,
    settings: dict[str, object] | None = None,
    progress: bool = True,
    jobs: int | None = None,
) -> dict[str, pl.DataFrame]:
    """Run every stage over ``corpus`` and write the tables into ``out``.

    Parameters
    ----------
    corpus
        The corpus folder; ``fazhi.paths.corpus_dir()`` (``seeds/``) by default.
    out
        The output folder; ``fazhi.paths.data_dir()`` (``data/processed/``) by default.
    settings
        Overrides of ``default_settings()``.
    progress
        Show progress bars on stderr.
    jobs
        Processes working at once in the parallel stages (tokenisation: this one and ``jobs - 1``
        workers; the topic grid: ``jobs`` workers); all cores by default.

    Returns
    -------
    dict
        Every table built, by name.
    """
    corpus = Path(corpus) if corpus is not None else corpus_dir()
    out = Path(out) if out is not None else data_dir()
    check_paths(corpus, out)  # before computing anything
    merged = {**default_settings(), **(settings or {})}
    ctx = BuildContext(
        corpus=corpus.resolve(),
        out=out.resolve(),
        settings=merged,
        progress=progress,
        jobs=jobs or os.cpu_count() or 1,
    )
    stamp = current_stamp(ctx.corpus, merged)
    timings: dict[str, float] = {}
    for name, stage in stages():
        t0 = time.perf_counter()
        produced = stage(ctx)
        ctx.tables.update(produced)
        timings[name] = round(time.perf_counter() - t0, 3)
        if name == "corpus" and ctx.tables["documents"].height == 0:
            break  # nothing loaded: later stages have nothing to work on
    ctx.out.mkdir(parents=True, exist_ok=True)
    written = {name: write_table(df, name, ctx.out, stamp) for name, df in ctx.tables.items()}
    for old in ctx.out.glob("*.parquet"):
        if old.stem not in written:
            old.unlink()  # a table no stage makes any more must not linger and be read as current
    info = {
        "corpus": str(ctx.corpus),
        "stamp": stamp,
        "tables": {name: ctx.tables[name].height for name in sorted(written)},
    }
    (ctx.out / "build.json").write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    ctx.log("stage timings (s): " + ", ".join(f"{k} {v}" for k, v in timings.items()))
    return ctx.tables


def summary(tables: dict[str, pl.DataFrame], corpus: Path | None = None, out: Path | None = None) -> str:
    """A short account of a build for the terminal: what loaded, what was rejected, what was written."""
    corpus = Path(corpus) if corpus is not None else corpus_dir()
    out = Path(out) if out is not None else data_dir()
    docs, rejected = tables["documents"], tables["rejected"]
    from_rows = int(docs["source_row"].is_not_null().sum()) if docs.height else 0
    lines = [
        (
            f"fazhi build: {docs.height} document(s) from {corpus} ({docs.height - from_rows} file(s), "
            f"{from_rows} row(s) of collection files), {rejected.height} rejected"
        )
    ]
    if rejected.height:
        by_reason = rejected.group_by("reason").len().sort("reason")
        lines.append("  rejected by reason: " + ", ".join(f"{a} {b}" for a, b in by_reason.iter_rows()))
    noted = docs.filter(pl.col("ingest_notes").is_not_null()).height if docs.height else 0
    if noted:
        lines.append(f"  {noted} document(s) loaded with repairs (see documents.ingest_notes)")
    for row in rejected.head(20).iter_rows(named=True):
        where = f" row {row['source_row']}" if row["source_row"] is not None else ""
        lines.append(f"  rejected {row['source_file']}{where}: {row['reason']} — {row['detail']}")
    if rejected.height > 20:
        lines.append(f"  ... and {rejected.height - 20} more (see the rejected table)")
    lines.append(f"tables written to {out}:")
    lines += [f"  {name:<22} {df.height:>8} rows" for name, df in sorted(tables.items())]
    if docs.height == 0:
        lines.append("nothing could be loaded: no document in the corpus folder")
    return "\n".join(lines)
