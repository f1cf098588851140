"""``fazhi build``: run every stage over a corpus folder and write its tables.

In: a corpus folder (default ``seeds/``). Out: one stamped parquet file per table in the output folder
(default ``data/processed/``), plus ``build.json`` recording what was built from what.

Each stage is a function ``build_stage(ctx: BuildContext) -> dict[name, polars.DataFrame]`` defined in
its own module (``corpus.build_stage``, ``segment.build_stage``, ...; the stage modules import
``BuildContext`` for typing only, since ``fazhi.settings`` imports the topic and reuse settings). Stages run
in order and read the tables of the stages before them from ``ctx.tables`` and their settings from
``ctx.settings.<stage>``; data flows one way. ``ctx.log`` prints progress (not with ``progress=False``);
a stage that cannot produce its result says why with ``ctx.note``: always on the terminal, and in
``build.json`` (``notes``).

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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from .incremental import PER_DOCUMENT_TABLES, load_previous
from .incremental import run_stage as run_per_document
from .meter import Meter, StageRecord, summary_lines
from .paths import corpus_dir, data_dir
from .schema import EMPTY_POLICY
from .settings import BuildSettings, coerce
from .tables import current_stamp, write_table


@dataclass
class BuildContext:
    """What a stage gets: where the corpus is, the settings, and every table built so far.

    ``settings`` is a ``fazhi.settings.BuildSettings`` (a nested mapping given here is validated into one);
    a stage reads its own section, e.g. ``ctx.settings.themes.n_boot``.
    """

    corpus: Path
    out: Path
    settings: BuildSettings = field(default_factory=BuildSettings)
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    progress: bool = True
    jobs: int = 1
    scheduler: str | None = None  # a Dask scheduler's address (fazhi.executor); None: local processes
    notes: list[dict[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.settings = coerce(self.settings)

    def log(self, message: str) -> None:
        """Print a progress line to stderr when ``progress`` is on (the summary goes to stdout)."""
        if self.progress:
            print(message, file=sys.stderr, flush=True)

    def note(self, stage: str, message: str) -> None:
        """Record why a stage could not produce (all of) its result: in ``build.json`` and on stderr (always:
        a note is a warning, shown even when progress is off)."""
        self.notes.append({"stage": stage, "message": message})
        print(f"note: {stage}: {message}", file=sys.stderr, flush=True)


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


def write_build(
    ctx: BuildContext, stamp: dict[str, str], *, run: Mapping[str, object] | None = None
) -> dict[str, Path]:
    """Write every table of ``ctx`` and ``build.json`` into a staging folder, then publish them into
    ``ctx.out``.

    ``run`` (the stages' time and memory) is recorded in ``build.json`` too. Returns the published files
    by table name. On any failure (a full disk included) the staging folder
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
            "settings": ctx.settings.to_dict(),
            "tables": {name: ctx.tables[name].height for name in sorted(written)},
            "notes": ctx.notes,
            **(run or {}),
        }
        text = json.dumps(info, indent=2, ensure_ascii=False) + "\n"
        (staging / "build.json").write_text(text, encoding="utf-8")
        publish(staging, ctx.out, sorted(written))
    except OSError as e:
        if e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES):
            raise OutputError(
                f"could not write the tables into {ctx.out}: {e.strerror}; "
                "the previous output is left as it was"
            ) from e
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return {name: ctx.out / f"{name}.parquet" for name in written}


Stage = Callable[[BuildContext], dict[str, pl.DataFrame]]


class BuildInputError(ValueError):
    """The corpus folder given to a build does not exist or is not a folder."""


class EmptyResultError(RuntimeError):
    """A stage left a required table empty although documents loaded: nothing was published."""


def check_empty(
    ctx: BuildContext, stage: str, produced: Mapping[str, pl.DataFrame], *, noted: bool
) -> list[str]:
    """Say so when ``stage`` produced tables with no rows that should have some (``schema.EMPTY_POLICY``).

    A required table (policy ``error``) raises; an expected one (``note``) gets a note naming the empty
    tables, unless the stage has already said why in a note of its own (``noted``). Nothing is checked
    when no document loaded (the build stops there). Returns the names of the empty tables.

    Raises
    ------
    EmptyResultError
        When a required table is empty.
    """
    docs = ctx.tables.get("documents")
    if docs is None or docs.height == 0:
        return []
    empty = sorted(name for name, df in produced.items() if df.height == 0)
    required = [n for n in empty if EMPTY_POLICY.get(n) == "error"]
    if required:
        raise EmptyResultError(
            f"stage {stage} produced no rows in {', '.join(required)} from {docs.height} document(s): "
            "a stage is broken; nothing was published"
        )
    expected = [n for n in empty if EMPTY_POLICY.get(n) == "note"]
    if expected and not noted:
        ctx.note(stage, f"{', '.join(expected)}: no rows from {docs.height} document(s)")
    return empty


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


def default_settings() -> BuildSettings:
    """The default build settings, ``fazhi.settings.BuildSettings()``; hashed into every table's stamp."""
    return BuildSettings()


def build(
    corpus: Path | None = None,
    out: Path | None = None,
    *,
    settings: BuildSettings | Mapping[str, Any] | None = None,
    progress: bool = True,
    jobs: int | None = None,
    incremental: bool = False,
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
        A ``fazhi.settings.BuildSettings``, or a nested mapping of overrides of its defaults
        (``{"themes": {"n_boot": 500}}``); an unknown key raises ``fazhi.settings.SettingsError`` before
        anything is computed.
    progress
        Show progress bars on stderr.
    jobs
        Processes working at once in the parallel stages (tokenisation and the topic grid: ``jobs``
        workers); all cores by default.
    incremental
        Reuse the per-document results (segments, tokens) of the previous build in ``out`` for the
        documents whose text is unchanged (``fazhi.incremental``); the tables are the same as from scratch.
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
    chosen = coerce(settings)  # a typo in a setting fails here, before anything is computed
    ctx = BuildContext(
        corpus=corpus.resolve(),
        out=out.resolve(),
        settings=chosen,
        progress=progress,
        jobs=jobs or os.cpu_count() or 1,
        scheduler=scheduler,
    )
    check_output(ctx.out)
    stamp = current_stamp(ctx.corpus, chosen)
    t_build = time.perf_counter()
    previous, why_not = load_previous(ctx.out, stamp) if incremental else (None, "not asked for")
    if incremental and previous is None:
        ctx.log(f"incremental: building from scratch: {why_not}")
    records, empty, reused = run_stages(ctx, previous)
    run = {
        "incremental": reused if previous is not None else {"from_scratch": why_not},
        "stages": [r.as_dict() for r in records],
        "empty_tables": {
            t: {"stage": s, "policy": EMPTY_POLICY.get(t, "may be empty")} for t, s in empty.items()
        },
    }
    with Meter("write") as meter:
        write_build(ctx, stamp, run=run)
    records.append(meter.result)
    for line in summary_lines(records, wall_seconds=time.perf_counter() - t_build):
        ctx.log(line)
    return ctx.tables


def run_stages(
    ctx: BuildContext, previous: dict[str, pl.DataFrame] | None = None
) -> tuple[list[StageRecord], dict[str, str], dict[str, dict[str, int]]]:
    """Run every stage into ``ctx.tables``, measured, each one's empty tables checked (``check_empty``).

    With ``previous`` tables (``fazhi.incremental.load_previous``), the per-document stages reuse the
    rows of unchanged documents. Returns the stages' records, the empty tables (with their stage) and
    how many documents each per-document stage reused and processed.
    """
    records: list[StageRecord] = []
    empty: dict[str, str] = {}
    reused: dict[str, dict[str, int]] = {}
    plan = stages()
    for i, (name, stage) in enumerate(plan, 1):
        ctx.log(f"[{i}/{len(plan)}] {name} ...")
        n_notes = len(ctx.notes)
        with Meter(name, heartbeat=ctx.log) as meter:
            if previous is not None and name in PER_DOCUMENT_TABLES:
                produced, reused[name] = run_per_document(ctx, name, stage, previous)
                for table in PER_DOCUMENT_TABLES[name]:
                    del previous[table]  # used: free its memory
                n = reused[name]
                ctx.log(f"incremental: {name}: {n['reused']} document(s) reused, {n['processed']} processed")
            else:
                produced = stage(ctx)
            ctx.tables.update(produced)
            meter.documents = ctx.tables["documents"].height if "documents" in ctx.tables else 0
        records.append(meter.result)
        ctx.log(f"[{i}/{len(plan)}] {_progress_line(meter.result)}")
        noted = any(n["stage"] == name for n in ctx.notes[n_notes:])
        empty.update({t: name for t in check_empty(ctx, name, produced, noted=noted)})
        if "documents" in ctx.tables and ctx.tables["documents"].height == 0:
            break  # nothing loaded: later stages have nothing to work on
    return records, empty, reused


def _progress_line(r: StageRecord) -> str:
    """One line after a stage: its time, throughput and peak memory."""
    rate = f", {r.documents} documents ({r.documents_per_second:,.0f}/s)" if r.documents_per_second else ""
    mem = f", peak RSS {r.peak_rss_mb:,.0f} MB" if r.peak_rss_mb is not None else ""
    if r.peak_rss_with_workers_mb and r.peak_rss_with_workers_mb > (r.peak_rss_mb or 0) + 1:
        mem += f" ({r.peak_rss_with_workers_mb:,.0f} MB with workers)"
    return f"{r.stage}: {r.seconds:.2f} s{rate}{mem}"


def summary(tables: dict[str, pl.DataFrame], corpus: Path | None = None, out: Path | None = None) -> str:
    """A short account of a build for the terminal: what loaded and was rejected (``Corpus.summary``), then
    what was written."""
    from .corpus.readers import Corpus
    from .schema import frame

    corpus = Path(corpus) if corpus is not None else corpus_dir()
    out = Path(out) if out is not None else data_dir()
    docs = tables["documents"]
    check = tables.get("metadata_check")
    loaded = Corpus(corpus, docs, tables["rejected"], check if check is not None else frame("metadata_check"))
    lines = ["fazhi build: " + loaded.summary(), f"tables written to {out}:"]
    lines += [f"  {name:<22} {df.height:>8} rows" for name, df in sorted(tables.items())]
    if docs.height == 0:
        lines.append("nothing could be loaded: no document in the corpus folder")
    return "\n".join(lines)
