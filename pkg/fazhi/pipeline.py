"""``fazhi build``: run every stage over a corpus folder and write its tables.

In: a corpus folder (default ``seeds/``). Out: one stamped parquet file per table in the output folder
(default ``data/processed/``), plus ``build.json`` recording what was built from what.

Each stage is a function ``stage(ctx) -> dict[name, polars.DataFrame]`` defined in its own module
(``corpus.build_stage``, ``segment.build_stage``, ...). Stages run in order and read the tables of the
stages before them from ``ctx.tables``; data flows one way. A stage that cannot produce its result says
why with ``ctx.note``: on the terminal and in ``build.json`` (``notes``).

Output is atomic: ``--out`` is checked (created, writable) before anything is computed; the tables are
written into a fresh staging folder inside it (``.staging-<pid>-<random>/``), then published under a
lock (``.fazhi.lock``), table by table with ``os.replace``, and the staging folder is removed. A reader
never sees a half-written table; two builds writing one folder publish one after the other, never
interleaved; a build that fails, is interrupted or runs out of disk space leaves the previous output as
it was (the staging folders of killed builds are swept by the next build).
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import sys
import tempfile
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
    scheduler: str | None = None  # a Dask scheduler's address (fazhi.executor); None: local processes
    notes: list[dict[str, str]] = field(default_factory=list)

    def log(self, message: str) -> None:
        """Print a progress line to stderr (the summary goes to stdout)."""
        print(message, file=sys.stderr, flush=True)

    def note(self, stage: str, message: str) -> None:
        """Record why a stage could not produce (all of) its result: on stderr and in ``build.json``."""
        self.notes.append({"stage": stage, "message": message})
        self.log(f"note: {stage}: {message}")


class OutputError(RuntimeError):
    """The output folder cannot be written (a file, read-only, no space): nothing was published."""


STAGING_PREFIX = ".staging-"
LOCK_NAME = ".fazhi.lock"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_staging(out: Path) -> list[Path]:
    """Remove the staging folders that killed builds left in ``out`` (their process is gone)."""
    removed = []
    for d in Path(out).glob(f"{STAGING_PREFIX}*"):
        pid = d.name[len(STAGING_PREFIX) :].split("-", 1)[0]
        if d.is_dir() and pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
            shutil.rmtree(d, ignore_errors=True)
            removed.append(d)
    return removed


def check_output(out: Path) -> None:
    """Check the output folder before anything is computed: create it, and make sure files can be made in it.

    Raises
    ------
    OutputError
        When ``out`` is a file, cannot be created, or is not writable (one line, naming the folder).
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out {out} is a file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"--out {out} cannot be created: {e.strerror or e}") from None
    sweep_staging(out)
    try:
        os.rmdir(_staging(out))  # a probe: the build's own staging folder is made when it writes
    except OSError as e:
        raise OutputError(f"--out {out} is not writable: {e.strerror or e}") from None


def _staging(out: Path) -> Path:
    """A fresh staging folder in ``out``, named after this process (``sweep_staging`` finds dead ones)."""
    return Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=out))


def publish(staging: Path, out: Path, names: list[str]) -> None:
    """Move the tables and ``build.json`` of ``staging`` into ``out``, under the folder's lock.

    Each file is renamed into place (atomic on one file system), then tables no build makes any more are
    removed. Two builds publishing into one folder take turns, so the folder ends up holding one
    build's tables, never a mixture.
    """
    from filelock import FileLock

    with FileLock(str(out / LOCK_NAME)):
        for name in names:
            os.replace(staging / f"{name}.parquet", out / f"{name}.parquet")
        os.replace(staging / "build.json", out / "build.json")
        keep = set(names)
        for old in out.glob("*.parquet"):
            if old.stem not in keep:
                old.unlink()  # a table no stage makes any more must not linger and be read as current


def write_build(ctx: BuildContext, stamp: dict[str, str]) -> dict[str, Path]:
    """Write every table of ``ctx`` and ``build.json`` into a staging folder, then publish them into ``ctx.out``.

    Returns the published files by table name. On any failure (a full disk included) the staging folder
    is removed and ``ctx.out`` keeps its previous content.

    Raises
    ------
    OutputError
        When the disk is full or the folder became unwritable.
    """
    try:
        staging = _staging(ctx.out)
    except OSError as e:
        raise OutputError(f"--out {ctx.out} is not writable: {e.strerror or e}") from None
    try:
        written = {name: write_table(df, name, staging, stamp) for name, df in ctx.tables.items()}
        info = {
            "corpus": str(ctx.corpus),
            "stamp": stamp,
            "tables": {name: ctx.tables[name].height for name in sorted(written)},
            "notes": ctx.notes,
        }
        (staging / "build.json").write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        publish(staging, ctx.out, sorted(written))
    except OSError as e:
        if e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES):
            raise OutputError(
                f"could not write the tables into {ctx.out}: {e.strerror}; the previous output is left as it was"
            ) from e
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return {name: ctx.out / f"{name}.parquet" for name in written}


Stage = Callable[[BuildContext], dict[str, pl.DataFrame]]


class BuildInputError(ValueError):
    """The corpus folder given to a build does not exist or is not a folder."""


def check_corpus(corpus: Path) -> None:
    """Fail early, with one clear line, when the corpus is not a folder (before anything is computed).

    Raises
    ------
    BuildInputError
        A missing or file-valued corpus.
    """
    if not corpus.exists():
        raise BuildInputError(f"--corpus {corpus}: no such folder")
    if not corpus.is_dir():
        raise BuildInputError(f"--corpus {corpus}: not a folder")


# The stages in the order they run; each module defines ``build_stage(ctx)``.
STAGES = ("corpus", "segment", "tokenizer", "vocabulary", "themes", "topics", "reuse")


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
    scheduler: str | None = None,
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
        Processes working at once in the parallel stages (tokenisation and the topic grid: ``jobs``
        workers); all cores by default.
    scheduler
        The address of a Dask scheduler (``tcp://host:8786``) whose workers cut the tokens, else
        ``$FAZHI_SCHEDULER``; the tables are the same (``fazhi.executor``).

    Returns
    -------
    dict
        Every table built, by name.
    """
    corpus = Path(corpus) if corpus is not None else corpus_dir()
    out = Path(out) if out is not None else data_dir()
    check_corpus(corpus)  # before computing anything; check_output below does the same for out
    merged = {**default_settings(), **(settings or {})}
    ctx = BuildContext(
        corpus=corpus.resolve(),
        out=out.resolve(),
        settings=merged,
        progress=progress,
        jobs=jobs or os.cpu_count() or 1,
        scheduler=scheduler,
    )
    check_output(ctx.out)
    stamp = current_stamp(ctx.corpus, merged)
    timings: dict[str, float] = {}
    for name, stage in stages():
        t0 = time.perf_counter()
        produced = stage(ctx)
        ctx.tables.update(produced)
        timings[name] = round(time.perf_counter() - t0, 3)
        if name == "corpus" and ctx.tables["documents"].height == 0:
            break  # nothing loaded: later stages have nothing to work on
    write_build(ctx, stamp)
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
