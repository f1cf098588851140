"""One small executor for the build's per-batch work: in this process, in local processes, or on Dask.

In: a function of one argument (defined at module level, so that it pickles by reference) and a
sequence of items. Out: the list of ``fn(item)``, in the order of the items, whichever engine ran it.

How: ``open_executor(jobs=, scheduler=)`` picks the engine and closes it afterwards.

- ``SerialExecutor`` (``jobs=1``, no scheduler): a list comprehension in this process.
- ``LocalExecutor`` (``jobs=n > 1``): ``concurrent.futures.ProcessPoolExecutor`` with ``n`` worker
  processes started by ``forkserver`` (``spawn`` where there is none; never ``fork``, which can
  deadlock a process that runs polars' threads). Each worker runs polars on one thread: the
  parallelism is across processes. A worker that dies makes ``map`` raise ``BrokenProcessPool``.
- ``DaskExecutor`` (a scheduler address: ``fazhi build --scheduler tcp://host:8786``, or the
  environment variable ``FAZHI_SCHEDULER``): ``dask.distributed.Client(address)``; ``map`` scatters
  the items to the workers, submits one task per item and gathers the results in order. Dask reruns
  the tasks of a worker that dies on another worker. Every worker needs the same environment (fazhi
  and its dependencies, same versions); the functions fazhi sends check what they depend on (the
  tokeniser compares its settings hash).

The engines give identical results: the functions sent are deterministic in their item alone, and the
results come back in item order (``tests/test_executor.py``).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Protocol, TypeVar

#: The environment variable naming a Dask scheduler when ``--scheduler`` is not given.
SCHEDULER_ENV = "FAZHI_SCHEDULER"

T = TypeVar("T")
R = TypeVar("R")


class Executor(Protocol):
    """What the stages need of an engine: how many tasks run at once, and an ordered ``map``."""

    #: Tasks that run at once (worker processes, or the cluster's worker threads).
    workers: int

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """``[fn(x) for x in items]``, computed by the engine, in the order of ``items``."""
        ...

    def close(self) -> None:
        """Release the engine's processes or connection."""
        ...


class SerialExecutor:
    """Every task in this process, one after the other."""

    workers = 1

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        return [fn(x) for x in items]

    def close(self) -> None:
        pass


def _one_polars_thread() -> None:
    """Worker initialiser: runs before the first task imports polars."""
    os.environ["POLARS_MAX_THREADS"] = "1"


class LocalExecutor:
    """``workers`` local processes (``concurrent.futures.ProcessPoolExecutor``)."""

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, not {workers}")
        method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
        self.workers = workers
        self._pool = ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context(method), initializer=_one_polars_thread
        )

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        return list(self._pool.map(fn, items))

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor:
    """The workers of a Dask distributed cluster, through its scheduler at ``address``."""

    def __init__(self, address: str, *, timeout: float = 30) -> None:
        from dask.distributed import Client

        try:
            self._client = Client(address, set_as_default=False, timeout=timeout)
        except OSError as e:
            raise ConnectionError(f"no Dask scheduler answered at {address!r}: {e}") from None
        self.address = address
        self.workers = max(1, sum(self._client.nthreads().values()))

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        if not items:
            return []
        # The items go to the workers first (scatter), not inside the task graph, which the scheduler
        # would have to hold and which Dask warns about beyond 10 MB; each task then runs on (or is
        # stolen from) the worker holding its item.
        # Fresh keys (hash=False): the same items scattered again while the previous call's copies are
        # being released would otherwise share their keys and be lost with them.
        data = self._client.scatter(list(items), hash=False)
        return list(self._client.gather(self._client.map(fn, data, pure=False)))

    def close(self) -> None:
        self._client.close()


def scheduler_address(scheduler: str | None = None) -> str | None:
    """The Dask scheduler to use: ``scheduler``, else ``$FAZHI_SCHEDULER``, else None (local)."""
    address = scheduler if scheduler is not None else os.environ.get(SCHEDULER_ENV)
    return (address.strip() or None) if address else None


def make_executor(*, jobs: int = 1, scheduler: str | None = None) -> Executor:
    """The engine for these options (see the module docstring); the caller closes it.

    Raises
    ------
    ValueError
        ``jobs`` below 1.
    ConnectionError
        No Dask scheduler answered at the address.
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, not {jobs}")
    address = scheduler_address(scheduler)
    if address is not None:
        return DaskExecutor(address)
    return LocalExecutor(jobs) if jobs > 1 else SerialExecutor()


@contextmanager
def open_executor(*, jobs: int = 1, scheduler: str | None = None) -> Iterator[Executor]:
    """``make_executor`` as a context: the engine is closed on leaving, on an error too."""
    ex = make_executor(jobs=jobs, scheduler=scheduler)
    try:
        yield ex
    finally:
        ex.close()


__all__ = [
    "SCHEDULER_ENV",
    "DaskExecutor",
    "Executor",
    "LocalExecutor",
    "SerialExecutor",
    "make_executor",
    "open_executor",
    "scheduler_address",
]
