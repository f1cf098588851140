"""Tests of fazhi.executor: the serial, local-process and Dask engines give identical results, in order,
and a build on a Dask cluster (a ``LocalCluster`` of two worker processes) writes the same tables as a
local build."""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Iterator
from pathlib import Path

import fazhi
import pytest
from fazhi.executor import (
    SCHEDULER_ENV,
    DaskExecutor,
    Executor,
    LocalExecutor,
    SerialExecutor,
    make_executor,
    open_executor,
)
from fazhi.tokenizer import Tokenizer, get_tokenizer, tokenize_texts

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


@pytest.fixture(scope="module")
def cluster() -> Iterator[object]:
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        yield c


@pytest.fixture(scope="module")
def seed_texts() -> list[str]:
    return fazhi.read_corpus(SEEDS).documents.sort("doc_id")["text"].to_list()


def _pid_and_square(x: int) -> tuple[int, int]:
    return os.getpid(), x * x


def _worker_pids(address: str) -> set[int]:
    from dask.distributed import Client

    with Client(address, set_as_default=False) as client:
        return set(client.run(os.getpid).values())


def test_every_engine_maps_in_order(cluster) -> None:
    items = list(range(40))
    out: dict[str, list[tuple[int, int]]] = {}
    for name, options in (
        ("serial", {"jobs": 1}),
        ("local", {"jobs": 2}),
        ("dask", {"scheduler": cluster.scheduler_address}),
    ):
        with open_executor(**options) as ex:
            assert ex.workers == (1 if name == "serial" else 2)
            out[name] = ex.map(_pid_and_square, items)
            assert ex.map(_pid_and_square, []) == []
    for name, results in out.items():
        assert [y for _, y in results] == [x * x for x in items], name
    # the work really ran where it should: here, in other local processes, on the cluster's workers
    assert {p for p, _ in out["serial"]} == {os.getpid()}
    assert os.getpid() not in {p for p, _ in out["local"]}
    assert {p for p, _ in out["dask"]} <= _worker_pids(cluster.scheduler_address)


def test_engine_choice(cluster, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SCHEDULER_ENV, raising=False)
    ex = make_executor(jobs=1)
    assert isinstance(ex, SerialExecutor)
    monkeypatch.setenv(SCHEDULER_ENV, cluster.scheduler_address)  # the environment names a cluster
    ex = make_executor(jobs=1)
    try:
        assert isinstance(ex, DaskExecutor) and ex.address == cluster.scheduler_address
    finally:
        ex.close()
    ex = make_executor(jobs=3, scheduler="")  # an empty address overrides the environment: local
    try:
        assert isinstance(ex, LocalExecutor)
    finally:
        ex.close()
    with pytest.raises(ValueError, match="jobs must be at least 1"):
        make_executor(jobs=0)


def test_no_scheduler_at_the_address_is_a_clear_error() -> None:
    with pytest.raises(ConnectionError, match="no Dask scheduler answered at 'tcp://127.0.0.1:9'"):
        DaskExecutor("tcp://127.0.0.1:9", timeout=2)


def _tokens(texts: list[str], ex: Executor | None, cache: Path | bool = False) -> list:
    return tokenize_texts(texts, get_tokenizer(), executor=ex, cache=cache, batch_chars=20_000)


def test_tokens_identical_on_every_engine(cluster, seed_texts: list[str], tmp_path: Path) -> None:
    texts = [f"第{i}份。{t}" for i in range(4) for t in seed_texts] + seed_texts  # duplicates are cut once
    serial = _tokens(texts, None)
    assert sum(df.height for df in serial) > 10_000
    with open_executor(jobs=2) as local:
        got = {"local": _tokens(texts, local)}
    with open_executor(scheduler=cluster.scheduler_address) as dask:
        got["dask"] = _tokens(texts, dask)
        got["dask, cold cache"] = _tokens(texts, dask, tmp_path)
        got["dask, warm cache"] = _tokens(texts, dask, tmp_path)
    got["serial, cache filled on Dask"] = _tokens(texts, None, tmp_path)
    for name, frames in got.items():
        assert len(frames) == len(serial), name
        assert all(a.equals(b) for a, b in zip(serial, frames, strict=True)), name


def test_a_tokenizer_travels_as_its_settings(tmp_path: Path) -> None:
    tok = get_tokenizer()
    assert pickle.loads(pickle.dumps(tok)) is tok  # in this process: the one tokeniser of those settings
    # a worker whose dictionary file differs from the caller's refuses to cut, rather than cut otherwise
    userdict = tmp_path / "userdict.txt"
    userdict.write_text("一网通办 nz\n", encoding="utf-8")
    mine = Tokenizer(userdict=userdict)
    userdict.write_text("一网通办 nz\n放管服 nz\n", encoding="utf-8")  # changed after the caller read it
    with open_executor(jobs=2) as ex, pytest.raises(RuntimeError, match="differs from the caller's"):
        tokenize_texts(["推行一网通办。" * 50_000], mine, executor=ex, cache=False)


def _hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.parquet"))}


def test_a_dask_build_writes_the_tables_of_a_local_build(
    cluster, tmp_path: Path, monkeypatch, capsys
) -> None:
    from dask.distributed import Client, get_task_stream
    from fazhi.pipeline import build

    monkeypatch.delenv(SCHEDULER_ENV, raising=False)
    monkeypatch.setenv("FAZHI_CACHE", str(tmp_path / "cache-local"))
    build(SEEDS, tmp_path / "local", progress=False, jobs=2)
    monkeypatch.setenv("FAZHI_CACHE", str(tmp_path / "cache-dask"))  # an empty cache: Dask cuts everything
    with Client(cluster.scheduler_address, set_as_default=False) as client, get_task_stream(client) as stream:
        build(SEEDS, tmp_path / "dask", progress=True, jobs=2, scheduler=cluster.scheduler_address)
    assert any(
        "_cut_checked" in str(task["key"]) for task in stream.data
    )  # the tokens were cut on the cluster
    assert f"on {cluster.scheduler_address}" in capsys.readouterr().err  # the progress log names the cluster
    local, dask = _hashes(tmp_path / "local"), _hashes(tmp_path / "dask")
    assert "tokens.parquet" in local and len(local) > 20
    assert dask == local
