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

Memory: a stage's tables stay in memory only while a later stage reads them (``STAGE_INPUTS`` says which
tables each stage reads); the others are written to the staging folder as soon as their stage ends and
dropped, so the peak is that of the widest stage and its inputs, not of every table of the build. The
largest tables (``SPILLED``: ``tokens``) are written there at once, and later stages read them back
lazily (``BuildContext.scan``), never holding the whole table beside their own working memory. A stage may
even write such a table part by part as it makes it (``BuildContext.stream``, a ``TableSink``: the bytes of
one write), so that the whole table is never in memory: the tokenizer stage writes each shard's tokens so.
Between stages, the memory the finished stage freed is handed back to the operating system
(``return_freed_memory``: a garbage collection, then glibc's ``malloc_trim``), so that the next stage does
not start on the last one's high-water mark.

Output is atomic: ``--out`` is checked (created, writable) before anything is computed; the tables are
written into a fresh staging folder inside it (``.staging-<pid>-<random>/``), then published under a
lock (``.fazhi.lock``), table by table with ``os.replace``, and the staging folder is removed. A reader
never sees a half-written table; two builds writing one folder publish one after the other, never
interleaved; a build that fails, is interrupted or runs out of disk space leaves the previous output as
it was (the staging folders of killed builds are swept by the next build).
"""

from __future__ import annotations

import ctypes
import errno
import functools
import gc
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from .incremental import PER_DOCUMENT_TABLES, load_previous
from .incremental import run_stage as run_per_document
from .meter import Meter, StageRecord, summary_lines
from .paths import corpus_dir, data_dir
from .schema import EMPTY_POLICY, TABLES, SchemaError, as_text, conform, validate
from .settings import BuildSettings, coerce
from .tables import STAMP_KEY, current_stamp, write_table


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
    #: Tables already written to the build's staging folder and dropped from ``tables`` (``SPILLED``), by name
    spilled: dict[str, Path] = field(default_factory=dict)
    #: The staging folder a stage may write a ``SPILLED`` table into as it makes it (``stream``); set by
    #: ``run_stages`` only while a stage runs on the whole corpus
    staging: Staged | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.settings = coerce(self.settings)

    def has(self, name: str) -> bool:
        """Whether the build holds table ``name``, in memory or written to the staging folder."""
        return name in self.tables or name in self.spilled

    def scan(self, name: str) -> pl.LazyFrame:
        """Table ``name`` as a lazy frame: from memory, or read from the staging folder when it was written
        there (``SPILLED``), so that a stage reads only the columns and rows it asks for.

        Raises
        ------
        KeyError
            When the build holds no such table.
        """
        if name in self.tables:
            return self.tables[name].lazy()
        if name not in self.spilled:
            raise KeyError(name)
        lf = pl.scan_parquet(self.spilled[name])
        casts = {c: pl.String for c, t in lf.collect_schema().items() if isinstance(t, pl.Enum)}
        return lf.cast(casts) if casts else lf  # categories as text, as in memory

    def stream(self, name: str) -> TableSink | None:
        """A writer of table ``name`` (one of ``SPILLED``) straight into the staging folder, part by part, or
        None when this build stages nothing now (the stage then returns the table). Once the writer is
        closed, the table is spilled: later stages read it with ``scan``."""
        if self.staging is None or name not in SPILLED:
            return None
        return self.staging.sink(self, name)

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


class Staged:
    """The staging folder of one build and the tables already written into it (``release``).

    A table written here is dropped from ``BuildContext.tables``; ``rows`` keeps its height for
    ``build.json`` and the summary.
    """

    def __init__(self, out: Path, stamp: Mapping[str, str]) -> None:
        try:
            self.folder = _staging(out)
        except OSError as e:
            raise OutputError(f"--out {out} is not writable: {e.strerror or e}") from None
        self.out = out
        self.stamp = dict(stamp)
        self.rows: dict[str, int] = {}

    def write(self, name: str, df: pl.DataFrame) -> None:
        """Write one table into the staging folder (a full disk raises ``OutputError``)."""
        with _disk_errors(self.out):
            write_table(df, name, self.folder, self.stamp)
        self.rows[name] = df.height

    def release(self, ctx: BuildContext, names: Iterable[str]) -> None:
        """Write the tables ``names`` of ``ctx`` into the staging folder and drop them from memory."""
        for name in sorted(names):
            self.write(name, ctx.tables.pop(name))

    def spill(self, ctx: BuildContext, names: Iterable[str]) -> None:
        """Like ``release``, for tables later stages still read: they read them back from the staging folder
        (``BuildContext.scan``)."""
        for name in sorted(names):
            self.write(name, ctx.tables.pop(name))
            ctx.spilled[name] = self.folder / f"{name}.parquet"

    def sink(self, ctx: BuildContext, name: str) -> TableSink:
        """A writer of table ``name`` into the staging folder, part by part; closed, the table is spilled."""

        def done(rows: int) -> None:
            self.rows[name] = rows
            ctx.spilled[name] = self.folder / f"{name}.parquet"

        return TableSink(self.folder, name, self.stamp, out=self.out, on_close=done)

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


#: Rows per row group of a table file: ``pyarrow.parquet.write_table``'s default, which ``write_table`` uses
ROW_GROUP_ROWS = 1024 * 1024


class TableSink:
    """One table written into a folder part by part, as its stage makes the parts (a context manager).

    The file has the bytes ``fazhi.tables.write_table`` gives the parts concatenated: each part is
    validated against the table's contract, the rows are written in row groups of ``ROW_GROUP_ROWS``
    (``write_table``'s cut, whatever the parts' sizes), with the same compression, statistics and stamp;
    the file appears under its name only once it is complete. At most one row group and one part are in
    memory at a time.
    """

    def __init__(
        self,
        folder: Path,
        name: str,
        stamp: Mapping[str, str],
        *,
        out: Path,
        on_close: Callable[[int], None] | None = None,
    ) -> None:
        self.folder, self.name, self.stamp, self.out = folder, name, dict(stamp), out
        self.on_close = on_close
        self.rows = 0
        self._tmp = folder / f".{name}.parquet.{os.getpid()}.stream.tmp"
        self._writer: pq.ParquetWriter | None = None
        self._schema: pa.Schema | None = None
        self._pending: list[pa.Table] = []
        self._n_pending = 0

    def write(self, df: pl.DataFrame) -> None:
        """Append the rows of ``df`` (the table's columns, validated)."""
        arrow = validate(self.name, conform(self.name, df)).to_arrow()
        if self._schema is None:
            self._schema = arrow.schema
            meta = dict(arrow.schema.metadata or {})
            meta[STAMP_KEY] = json.dumps(
                {"table": self.name, **self.stamp}, sort_keys=True, ensure_ascii=False
            ).encode()
            with _disk_errors(self.out):
                self._writer = pq.ParquetWriter(
                    self._tmp, arrow.schema.with_metadata(meta), compression="zstd", write_statistics=True
                )
        elif arrow.schema != self._schema:
            raise SchemaError(
                f"{self.name}: a part's arrow schema {arrow.schema} != the first's {self._schema}"
            )
        self._pending.append(arrow)
        self._n_pending += arrow.num_rows
        self.rows += df.height
        while self._n_pending >= ROW_GROUP_ROWS:
            self._flush(ROW_GROUP_ROWS)

    def _flush(self, n: int) -> None:
        """Write the first ``n`` pending rows as one row group."""
        assert self._writer is not None
        table = pa.concat_tables(self._pending)
        with _disk_errors(self.out):
            self._writer.write_table(table.slice(0, n), row_group_size=n)
        rest = table.slice(n)
        self._pending, self._n_pending = [rest], rest.num_rows

    def close(self) -> None:
        """Write the last rows and put the file under its name (an empty table when nothing was written)."""
        try:
            if self._writer is None:
                with _disk_errors(self.out):
                    write_table(
                        pl.DataFrame(schema=TABLES[self.name].polars_schema),
                        self.name,
                        self.folder,
                        self.stamp,
                    )
            else:
                if self._n_pending:
                    self._flush(self._n_pending)
                self._pending = []
                with _disk_errors(self.out):
                    self._writer.close()
                    self._tmp.replace(self.folder / f"{self.name}.parquet")
        finally:
            self._tmp.unlink(missing_ok=True)
        if self.on_close is not None:
            self.on_close(self.rows)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: object, *_: object) -> None:
        if kind is None:
            self.close()
            return
        if self._writer is not None:  # failed: no file under the table's name
            self._writer.close()
        self._tmp.unlink(missing_ok=True)


@contextmanager
def _disk_errors(out: Path) -> Iterator[None]:
    """Turn a full disk or an unwritable folder into ``OutputError``."""
    try:
        yield
    except OSError as e:
        if e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES):
            raise OutputError(
                f"could not write the tables into {out}: {e.strerror}; the previous output is left as it was"
            ) from e
        raise


def write_build(
    ctx: BuildContext,
    stamp: dict[str, str],
    *,
    run: Mapping[str, object] | None = None,
    staged: Staged | None = None,
) -> dict[str, Path]:
    """Write every table of ``ctx`` and ``build.json`` into a staging folder, then publish them into
    ``ctx.out``.

    ``staged``: the staging folder that already holds the tables released during the build (a fresh one
    by default); they are published with the others. ``run`` (the stages' time and memory) is recorded in
    ``build.json`` too. Returns the published files by table name. On any failure (a full disk included)
    the staging folder is removed and ``ctx.out`` keeps its previous content.

    Raises
    ------
    OutputError
        When the disk is full or the folder became unwritable.
    """
    staged = staged if staged is not None else Staged(ctx.out, stamp)
    try:
        for name, df in ctx.tables.items():
            staged.write(name, df)
        info = {
            "corpus": str(ctx.corpus),
            "stamp": stamp,
            "settings": ctx.settings.to_dict(),
            "tables": {name: staged.rows[name] for name in sorted(staged.rows)},
            "notes": ctx.notes,
            **(run or {}),
        }
        text = json.dumps(info, indent=2, ensure_ascii=False) + "\n"
        with _disk_errors(ctx.out):
            (staged.folder / "build.json").write_text(text, encoding="utf-8")
            publish(staged.folder, ctx.out, sorted(staged.rows))
    finally:
        staged.remove()
    return {name: ctx.out / f"{name}.parquet" for name in staged.rows}


class BuiltTables(Mapping[str, pl.DataFrame]):
    """The tables of a finished build, read from their published files when asked for (``build`` keeps no
    table in memory once it is written); ``rows`` holds every table's height without reading it."""

    def __init__(self, out: Path, rows: Mapping[str, int]) -> None:
        self.out = Path(out)
        self.rows = dict(rows)

    def __getitem__(self, name: str) -> pl.DataFrame:
        if name not in self.rows:
            raise KeyError(name)
        return as_text(pl.read_parquet(self.out / f"{name}.parquet"))  # categories as text, as in the build

    def __iter__(self) -> Iterator[str]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


Stage = Callable[[BuildContext], dict[str, pl.DataFrame]]


class BuildInputError(ValueError):
    """The corpus folder given to a build does not exist or is not a folder."""


class EmptyResultError(RuntimeError):
    """A stage left a required table empty although documents loaded: nothing was published."""


def check_empty(
    ctx: BuildContext,
    stage: str,
    produced: Mapping[str, pl.DataFrame],
    *,
    noted: bool,
    streamed: Mapping[str, int] | None = None,
) -> list[str]:
    """Say so when ``stage`` produced tables with no rows that should have some (``schema.EMPTY_POLICY``).

    A required table (policy ``error``) raises; an expected one (``note``) gets a note naming the empty
    tables, unless the stage has already said why in a note of its own (``noted``). Nothing is checked
    when no document loaded (the build stops there). ``streamed``: the heights of the tables the stage
    wrote as it made them (``BuildContext.stream``). Returns the names of the empty tables.

    Raises
    ------
    EmptyResultError
        When a required table is empty.
    """
    docs = ctx.tables.get("documents")
    if docs is None or docs.height == 0:
        return []
    heights = {**{name: df.height for name, df in produced.items()}, **(streamed or {})}
    empty = sorted(name for name, n in heights.items() if n == 0)
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


#: The tables each stage reads from ``ctx.tables``. After each stage, the tables no later stage reads are
#: written to the staging folder and dropped from memory (``releasable``); a stage not listed here (a
#: test's stand-in) is taken to read every table.
STAGE_INPUTS: dict[str, frozenset[str]] = {
    "corpus": frozenset(),
    "segment": frozenset({"documents"}),
    "tokenizer": frozenset({"documents", "sentences", "sections"}),
    "vocabulary": frozenset({"documents", "sentences", "tokens"}),
    "themes": frozenset({"documents", "sections", "sentences", "tokens"}),
    "topics": frozenset({"documents", "sections", "sentences", "tokens", "boilerplate", "theme_hits"}),
    "reuse": frozenset({"documents", "sections", "theme_sections"}),
}


#: Tables written to the staging folder as soon as their stage has made them, and read back by the later
#: stages that need them through ``BuildContext.scan`` (the columns and rows each asks for, or shard by shard
#: of documents: ``fazhi.tokenizer.document_slices``): the corpus's tokens, by far the largest table, are
#: never held in memory beside a later stage's working memory. The published file is the same.
SPILLED = frozenset({"tokens"})


def releasable(held: Iterable[str], later: Iterable[str]) -> set[str]:
    """The tables of ``held`` that none of the ``later`` stages reads (``STAGE_INPUTS``): none when one of
    them is not listed there."""
    needed: set[str] = set()
    for stage in later:
        if stage not in STAGE_INPUTS:
            return set()
        needed |= STAGE_INPUTS[stage]
    return set(held) - needed


def return_freed_memory() -> bool:
    """Hand the memory freed by a finished stage back to the operating system: collect Python's garbage,
    then ask glibc to release its free pages (``malloc_trim(0)``, which also returns the free pages in the
    middle of its heaps, not only at their top; without it a process's resident size stays at its
    high-water mark and the next stage starts there). Nothing is copied or moved; only free memory is
    given back. Returns whether ``malloc_trim`` was called (False off glibc, e.g. on macOS or musl)."""
    gc.collect()
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim`` from the C library the process runs on, or None when it has none."""
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError, TypeError):  # not glibc (musl, macOS) or not a POSIX dlopen (Windows)
        return None


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
) -> Mapping[str, pl.DataFrame]:
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
    BuiltTables
        Every table built, by name, read from ``out`` when asked for; ``.rows``: their heights.
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
    staged = Staged(ctx.out, stamp)
    try:
        records, empty, reused = run_stages(ctx, previous, staged=staged)
        run = {
            "incremental": reused if previous is not None else {"from_scratch": why_not},
            "stages": [r.as_dict() for r in records],
            "empty_tables": {
                t: {"stage": s, "policy": EMPTY_POLICY.get(t, "may be empty")} for t, s in empty.items()
            },
        }
        with Meter("write") as meter:
            write_build(ctx, stamp, run=run, staged=staged)
    finally:
        staged.remove()  # a failed stage leaves no staging folder behind
    records.append(meter.result)
    for line in summary_lines(records, wall_seconds=time.perf_counter() - t_build):
        ctx.log(line)
    ctx.tables.clear()  # written: the caller reads what it needs from the published files
    return BuiltTables(ctx.out, staged.rows)


def run_stages(
    ctx: BuildContext, previous: dict[str, pl.DataFrame] | None = None, *, staged: Staged | None = None
) -> tuple[list[StageRecord], dict[str, str], dict[str, dict[str, int]]]:
    """Run every stage into ``ctx.tables``, measured, each one's empty tables checked (``check_empty``).

    With ``previous`` tables (``fazhi.incremental.load_previous``), the per-document stages reuse the
    rows of unchanged documents. With ``staged``, the tables no later stage reads (``releasable``) are
    written into its folder after each stage and dropped from ``ctx.tables``, and so are the ``SPILLED``
    tables, which later stages read back through ``ctx.scan`` (the writing counts in the stage's time and
    memory). Returns the stages' records,
    the empty tables (with their stage) and how many documents each per-document stage reused and
    processed.
    """
    records: list[StageRecord] = []
    empty: dict[str, str] = {}
    reused: dict[str, dict[str, int]] = {}
    plan = stages()
    for i, (name, stage) in enumerate(plan, 1):
        ctx.log(f"[{i}/{len(plan)}] {name} ...")
        n_notes = len(ctx.notes)
        streamed: dict[str, int] = {}
        with Meter(name, heartbeat=ctx.log) as meter:
            if previous is not None and name in PER_DOCUMENT_TABLES:
                produced, reused[name] = run_per_document(ctx, name, stage, previous)
                for table in PER_DOCUMENT_TABLES[name]:
                    del previous[table]  # used: free its memory
                n = reused[name]
                ctx.log(f"incremental: {name}: {n['reused']} document(s) reused, {n['processed']} processed")
            else:
                before = set(ctx.spilled)
                ctx.staging = staged  # the stage may write a SPILLED table as it goes (ctx.stream)
                try:
                    produced = stage(ctx)
                finally:
                    ctx.staging = None
                if staged is not None:
                    streamed = {t: staged.rows[t] for t in set(ctx.spilled) - before}
            ctx.tables.update(produced)
            meter.documents = ctx.tables["documents"].height if "documents" in ctx.tables else 0
            noted = any(n["stage"] == name for n in ctx.notes[n_notes:])
            found = check_empty(ctx, name, produced, noted=noted, streamed=streamed)
            empty.update({t: name for t in found})
            stop = "documents" in ctx.tables and ctx.tables["documents"].height == 0
            del produced
            # Writing the tables into the staging folder is part of the stage's time and memory. After the
            # last stage, the write stage writes them all.
            if staged is not None and not stop and i < len(plan):
                later = [stage_name for stage_name, _ in plan[i:]]
                gone = releasable(ctx.tables, later)
                staged.release(ctx, gone)
                staged.spill(ctx, (SPILLED & set(ctx.tables)) - gone)
            return_freed_memory()  # the next stage starts on what is held, not on this one's high-water
        records.append(meter.result)
        ctx.log(f"[{i}/{len(plan)}] {_progress_line(meter.result)}")
        if stop:
            break  # nothing loaded: later stages have nothing to work on
    return records, empty, reused


def _progress_line(r: StageRecord) -> str:
    """One line after a stage: its time, throughput and peak memory."""
    rate = f", {r.documents} documents ({r.documents_per_second:,.0f}/s)" if r.documents_per_second else ""
    mem = f", peak RSS {r.peak_rss_mb:,.0f} MB" if r.peak_rss_mb is not None else ""
    if r.peak_rss_with_workers_mb and r.peak_rss_with_workers_mb > (r.peak_rss_mb or 0) + 1:
        mem += f" ({r.peak_rss_with_workers_mb:,.0f} MB with workers)"
    return f"{r.stage}: {r.seconds:.2f} s{rate}{mem}"


def summary(tables: Mapping[str, pl.DataFrame], corpus: Path | None = None, out: Path | None = None) -> str:
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
    rows = tables.rows if isinstance(tables, BuiltTables) else {n: df.height for n, df in tables.items()}
    lines += [f"  {name:<22} {n:>8} rows" for name, n in sorted(rows.items())]
    if docs.height == 0:
        lines.append("nothing could be loaded: no document in the corpus folder")
    return "\n".join(lines)
