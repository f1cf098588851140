"""Time and memory of each stage of a build: printed at the end of ``fazhi build``, kept in ``build.json``.

In: the stages as they run (``with Meter(name, documents=n) as m: ...``). Out: one ``StageRecord`` per
stage: wall and CPU seconds, documents per second (for the stages that work document by document), the peak
resident memory of the build process during the stage, and the peak of the build process together with its
worker processes; ``summary_lines(records)`` formats them as a table.

How (Linux; elsewhere the memory fields are None):

- the build process's own peak: the kernel's high-water mark ``VmHWM`` (``/proc/self/status``), reset at
  the start of each stage by writing ``5`` to ``/proc/self/clear_refs``, so each stage gets its own peak
  (exact). Where the reset is refused, the value is the peak of the build so far (``peak_scope`` says so);
- with its workers: a thread sums ``VmRSS`` of the process and all its descendants every
  ``SAMPLE_SECONDS`` (an estimate from below: a peak between two samples is missed); the same thread has
  a long stage say every ``HEARTBEAT_SECONDS`` that it is still running, with the memory it holds.

Measurements vary from run to run; they never enter a table.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

#: Stages that work document by document: their throughput is reported in documents per second.
PER_DOCUMENT = frozenset({"corpus", "segment", "tokenizer"})
SAMPLE_SECONDS = 0.2
HEARTBEAT_SECONDS = 30.0  #: a long stage says it is still running this often (with progress on)
PROC = Path("/proc")


@dataclass(frozen=True)
class StageRecord:
    """What one stage cost."""

    stage: str
    seconds: float
    #: CPU seconds of the build process during the stage (its workers' not included): beside ``seconds``,
    #: it tells a stage that waited for a loaded machine from one that worked
    cpu_seconds: float
    documents: int
    documents_per_second: float | None  #: None for corpus-level stages
    peak_rss_mb: float | None  #: the build process alone (exact)
    peak_rss_with_workers_mb: float | None  #: the build process and its workers, sampled
    peak_scope: str  #: "stage", or "build" where the high-water mark could not be reset
    #: the build process's resident memory when the stage began: the peak less this is the stage's own need
    start_rss_mb: float | None = None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _status_kb(pid: int | str, key: str) -> int | None:
    try:
        text = (PROC / str(pid) / "status").read_text()
    except OSError:
        return None
    m = re.search(rf"^{key}:\s+(\d+) kB", text, re.MULTILINE)
    return int(m.group(1)) if m else None


def _descendants(pid: int) -> list[int]:
    """Every live descendant of ``pid`` (from ``/proc/<pid>/task/*/children``)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            tasks = list((PROC / str(p) / "task").iterdir())
        except OSError:
            continue
        for task in tasks:
            try:
                kids = [int(k) for k in (task / "children").read_text().split()]
            except (OSError, ValueError):
                continue
            out.extend(kids)
            todo.extend(kids)
    return out


def rss_with_workers_kb(pid: int | None = None) -> int | None:
    """Resident memory of ``pid`` (this process by default) and all its descendants, now (kB)."""
    pid = pid or os.getpid()
    own = _status_kb(pid, "VmRSS")
    if own is None:
        return None
    return own + sum(_status_kb(k, "VmRSS") or 0 for k in _descendants(pid))


def reset_peak() -> bool:
    """Reset this process's high-water mark of resident memory (Linux ≥ 4.0); False where refused."""
    try:
        (PROC / "self" / "clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_rss_kb() -> int | None:
    """This process's high-water mark of resident memory (kB) since the last ``reset_peak``."""
    hwm = _status_kb("self", "VmHWM")
    if hwm is not None:
        return hwm
    try:
        import resource

        return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # kB on Linux
    except (ImportError, OSError):
        return None


class Meter:
    """Measure one stage: ``with Meter("segment", documents=n) as m: ...``; then ``m.record``."""

    def __init__(
        self,
        stage: str,
        *,
        documents: int = 0,
        heartbeat: Callable[[str], None] | None = None,
        every: float = HEARTBEAT_SECONDS,
    ) -> None:
        self.stage = stage
        self.documents = documents
        self.heartbeat = heartbeat  #: called every ``every`` seconds with a line saying the stage still runs
        self.every = every
        self.record: StageRecord | None = None
        self._stop = threading.Event()
        self._peak_total = 0
        self._thread: threading.Thread | None = None

    @property
    def result(self) -> StageRecord:
        """The stage's record (once the ``with`` block has ended)."""
        if self.record is None:
            raise RuntimeError(f"stage {self.stage!r} is still being measured")
        return self.record

    def _sample(self) -> None:
        next_beat = self.every
        while True:
            total = rss_with_workers_kb()
            if total is not None:
                self._peak_total = max(self._peak_total, total)
            elapsed = time.perf_counter() - self._t0
            if self.heartbeat is not None and elapsed >= next_beat:
                now = f", RSS {total / 1024:,.0f} MB with workers" if total is not None else ""
                self.heartbeat(f"  {self.stage}: running for {elapsed:.0f} s{now}")
                next_beat += self.every
            if self._stop.wait(SAMPLE_SECONDS):
                return

    def __enter__(self) -> Self:
        self._start_kb = _status_kb("self", "VmRSS")
        self._reset = reset_peak()
        self._t0 = time.perf_counter()
        self._cpu0 = time.process_time()
        self._thread = threading.Thread(target=self._sample, name=f"meter-{self.stage}", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        seconds = time.perf_counter() - self._t0
        cpu = time.process_time() - self._cpu0
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        total = rss_with_workers_kb()
        if total is not None:
            self._peak_total = max(self._peak_total, total)
        own = peak_rss_kb()
        per_doc = self.stage in PER_DOCUMENT and seconds > 0
        self.record = StageRecord(
            stage=self.stage,
            seconds=round(seconds, 3),
            cpu_seconds=round(cpu, 3),
            documents=self.documents,
            documents_per_second=round(self.documents / seconds, 1) if per_doc else None,
            peak_rss_mb=round(own / 1024, 1) if own is not None else None,
            peak_rss_with_workers_mb=round(max(self._peak_total, own or 0) / 1024, 1)
            if self._peak_total
            else None,
            peak_scope="stage" if self._reset else "build",
            start_rss_mb=round(self._start_kb / 1024, 1) if self._start_kb is not None else None,
        )


def summary_lines(records: list[StageRecord], *, wall_seconds: float) -> list[str]:
    """The end-of-build table: time, documents per second and peak memory of every stage."""

    def mb(v: float | None) -> str:
        return f"{v:,.0f}" if v is not None else "–"

    lines = [
        f"{'stage':<12} {'seconds':>9} {'CPU s':>8} {'docs/s':>9} {'peak RSS MB':>12} {'with workers':>13}"
    ]
    for r in records:
        rate = f"{r.documents_per_second:,.0f}" if r.documents_per_second is not None else ""
        lines.append(
            f"{r.stage:<12} {r.seconds:>9.2f} {r.cpu_seconds:>8.2f} {rate:>9} "
            f"{mb(r.peak_rss_mb):>12} {mb(r.peak_rss_with_workers_mb):>13}"
        )
    peak = max((r.peak_rss_with_workers_mb or r.peak_rss_mb or 0 for r in records), default=0)
    cpu = sum(r.cpu_seconds for r in records)
    lines.append(f"{'total':<12} {wall_seconds:>9.2f} {cpu:>8.2f} {'':>9} {'':>12} {mb(peak or None):>13}")
    return lines


__all__ = [
    "PER_DOCUMENT",
    "Meter",
    "StageRecord",
    "peak_rss_kb",
    "reset_peak",
    "rss_with_workers_kb",
    "summary_lines",
]
