"""A build that tokenises in many small shards of documents writes the tables of a one-shard build, byte for
byte (issue 19 item 1: the shard size bounds memory, never changes a result)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from fazhi import pipeline
from fazhi.tokenizer import document_shards, sharded_tokens_table, tokens_table

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
GOV_TXT = sorted((ROOT / "tests" / "data" / "corpora" / "gov-work-reports" / "provinces-2025").glob("*.txt"))
FAST = {
    "themes": {"n_boot": 50},
    "topics": {"k_grid": [3], "seeds": [0, 1], "n_bootstrap": 20, "seeded": False},
}


def test_document_shards_cover_every_document_once_in_order():
    sizes = [5, 1, 9, 30, 2, 2, 2, 0]
    shards = document_shards(sizes, 10)
    assert [i for s in shards for i in s] == list(range(len(sizes)))
    assert [list(s) for s in shards] == [[0, 1], [2], [3], [4, 5, 6, 7]]  # 30 > 10: a shard of its own
    assert all(sum(sizes[i] for i in s) <= 10 for s in shards if len(s) > 1)
    assert document_shards([], 10) == []
    assert document_shards(sizes, 10**9) == [range(len(sizes))]


def test_sharded_tokens_equal_one_table(tmp_path):
    from fazhi import corpus, segment
    from fazhi.pipeline import BuildContext

    ctx = BuildContext(corpus=SEEDS, out=tmp_path, progress=False)
    ctx.tables.update(corpus.build_stage(ctx))
    ctx.tables.update(segment.build_stage(ctx))
    docs, sents, secs = ctx.tables["documents"], ctx.tables["sentences"], ctx.tables["sections"]
    whole = tokens_table(docs, sents, secs, cache=False)
    small = sharded_tokens_table(docs.reverse(), sents, secs, shard_chars=5_000, cache=False)
    assert small.n_chunks() > 1  # several shards were cut
    assert small.equals(whole) and small.schema == whole.schema


def _tables(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.parquet"))}


@pytest.mark.slow
def test_a_build_in_small_shards_writes_the_tables_of_a_one_shard_build(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    for p in GOV_TXT[:2]:
        shutil.copy(p, corpus / p.name)
    monkeypatch.setenv("FAZHI_CACHE", str(tmp_path / "cache-one"))
    pipeline.build(corpus, tmp_path / "one", settings=FAST, progress=False, jobs=1)
    monkeypatch.setenv("FAZHI_CACHE", str(tmp_path / "cache-many"))  # cold: every shard cuts its texts
    many = {**FAST, "tokenizer": {"shard_chars": 20_000}}
    pipeline.build(corpus, tmp_path / "many", settings=many, progress=False, jobs=1)
    info = json.loads((tmp_path / "many" / "build.json").read_text(encoding="utf-8"))
    assert info["settings"]["tokenizer"]["shard_chars"] == 20_000
    n_chars = pl.read_parquet(tmp_path / "one" / "documents.parquet")["n_chars"]
    assert len(document_shards(n_chars.to_list(), 20_000)) >= 3  # the build really ran in shards
    a, b = _tables(tmp_path / "one"), _tables(tmp_path / "many")
    assert a.keys() == b.keys() and len(a) > 30
    differ = sorted(name for name in a if a[name] != b[name])
    assert not differ, f"sharded and one-shard tables differ: {differ}"
