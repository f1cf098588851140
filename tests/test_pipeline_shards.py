"""A build that tokenises in many small shards of documents writes the tables of a one-shard build, byte for
byte (issue 19 item 1: the shard size bounds memory, never changes a result)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from fazhi import pipeline
from fazhi.tokenizer import document_shards, document_slices, sharded_tokens_table, tokens_table

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


@pytest.fixture(scope="module")
def seed_tables(tmp_path_factory) -> dict[str, pl.DataFrame]:
    """The seeds' documents, sections, sentences and tokens, and the tokens as a file (``tokens_file``)."""
    from fazhi import corpus, segment, tokenizer
    from fazhi.pipeline import BuildContext

    out = tmp_path_factory.mktemp("seed-tables")
    ctx = BuildContext(corpus=SEEDS, out=out, progress=False, settings={"tokenizer": {"cache": False}})
    for stage in (corpus, segment, tokenizer):
        ctx.tables.update(stage.build_stage(ctx))
    ctx.tables["tokens"].write_parquet(out / "tokens.parquet")
    return {**ctx.tables, "tokens_file": out / "tokens.parquet"}


def test_corpus_level_steps_read_in_small_slices_give_what_they_give_on_the_whole_table(
    seed_tables, monkeypatch
):
    from fazhi.themes import matching
    from fazhi.themes.lexicon import default_lexicons
    from fazhi.themes.scores import section_stats
    from fazhi.themes.stage import section_stats_by_shard
    from fazhi.topics.matrix import document_term_matrix
    from fazhi.vocabulary import boilerplate, keyness

    t = seed_tables
    docs, secs, sents, toks = t["documents"], t["sections"], t["sentences"], t["tokens"]
    lazy = pl.scan_parquet(t["tokens_file"])
    assert len(list(document_slices(lazy, 3_000))) > 3  # really in several slices
    whole_k = keyness(toks, docs, min_count=1)
    assert keyness(lazy, docs, min_count=1, batch_rows=3_000).equals(whole_k)
    assert boilerplate(sents, lazy, min_docs=2).equals(boilerplate(sents, toks, min_docs=2))
    lex = default_lexicons()
    hits = matching.find_hits(toks, docs, lex)
    monkeypatch.setattr(matching, "SLICE_ROWS", 3_000)
    assert matching.find_hits(lazy, docs, lex).equals(hits)
    # a document with sections but no token keeps its (zero-count) statistics
    no_tokens = lazy.filter(pl.col("doc_id") != docs["doc_id"][0])
    whole = section_stats(secs, docs, toks.filter(pl.col("doc_id") != docs["doc_id"][0]), hits, lex.themes)
    sharded = section_stats_by_shard(secs, docs, no_tokens, hits, lex.themes, rows=3_000)
    assert [d.doc_id for d in sharded] == [d.doc_id for d in whole] == sorted(docs["doc_id"].to_list())
    for a, b in zip(sharded, whole, strict=True):
        for field in ("section_ids", "n_chars", "mid", "words", "kept", "hits", "weighted"):
            assert (getattr(a, field) == getattr(b, field)).all(), (a.doc_id, field)
    m_lazy = document_term_matrix(lazy, sections=secs, sentences=sents, documents=docs)
    m_df = document_term_matrix(toks, sections=secs, sentences=sents, documents=docs)
    assert m_lazy.vocab == m_df.vocab and (m_lazy.X != m_df.X).nnz == 0 and m_lazy.units.equals(m_df.units)


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


@pytest.mark.parametrize("group_rows", [None, 3_000])
def test_a_table_written_part_by_part_has_the_bytes_of_one_write(
    seed_tables, tmp_path, monkeypatch, group_rows
):
    """``TableSink``: parts of uneven sizes, row groups cut where ``write_table`` cuts them (its 1 Mi rows;
    3,000 here so that the seeds' tokens fill several), the same file byte for byte."""
    import pyarrow.parquet as pq
    from fazhi.tables import STAMP_KEY, write_table

    toks, stamp = seed_tables["tokens"], {"corpus_hash": "x", "settings_hash": "y"}
    assert toks.height > 4 * 3_000
    if group_rows is None:
        want = write_table(toks, "tokens", tmp_path / "one", stamp).read_bytes()
    else:
        monkeypatch.setattr(pipeline, "ROW_GROUP_ROWS", group_rows)
        arrow = toks.to_arrow()
        meta = {STAMP_KEY: json.dumps({"table": "tokens", **stamp}, sort_keys=True, ensure_ascii=False)}
        one = tmp_path / "one.parquet"
        pq.write_table(
            arrow.replace_schema_metadata(meta), one, row_group_size=group_rows, compression="zstd",
            write_statistics=True,
        )  # fmt: skip
        want = one.read_bytes()
        assert pq.ParquetFile(one).metadata.num_row_groups > 3
    closed: list[int] = []
    (tmp_path / "parts").mkdir()
    with pipeline.TableSink(
        tmp_path / "parts", "tokens", stamp, out=tmp_path, on_close=closed.append
    ) as sink:
        for a, b in [(0, 1), (1, 2_500), (2_500, 2_501), (2_501, 9_999), (9_999, toks.height)]:
            sink.write(toks.slice(a, b - a))
            assert not (tmp_path / "parts" / "tokens.parquet").exists()  # only once complete
    assert closed == [toks.height]
    assert (tmp_path / "parts" / "tokens.parquet").read_bytes() == want
    assert not list((tmp_path / "parts").glob(".*tmp"))


def test_a_table_sink_refuses_a_part_outside_the_contract_and_leaves_no_file(tmp_path):
    from fazhi.schema import SchemaError

    with pytest.raises(SchemaError), pipeline.TableSink(tmp_path, "tokens", {}, out=tmp_path) as sink:
        sink.write(pl.DataFrame({"doc_id": ["a"]}))
    assert not list(tmp_path.iterdir())


def test_expansion_candidates_read_in_small_slices_equal_those_of_the_whole_table(seed_tables):
    from fazhi.themes import matching
    from fazhi.themes.expansion import expansion_candidates
    from fazhi.themes.lexicon import default_lexicons

    t, lex = seed_tables, default_lexicons()
    toks, sents = t["tokens"], t["sentences"]
    hits = matching.find_hits(toks, t["documents"], lex)
    whole = expansion_candidates(toks, hits, lex, sentences=sents, rows=10**9)
    assert whole.height > 20 and whole["example"].null_count() == 0
    lazy = pl.scan_parquet(t["tokens_file"])
    assert expansion_candidates(lazy, hits, lex, sentences=sents, rows=3_000).equals(whole)
    assert expansion_candidates(toks.reverse(), hits, lex, sentences=sents, rows=1).equals(whole)
    # the lexicon terms stay out, whatever the slices
    keys = {x.key for x in lex.terms}
    assert not {"".join(c.split()) for c in whole["candidate"].str.to_lowercase()} & keys


def _rss_mb() -> int:
    status = Path("/proc/self/status").read_text().splitlines()
    return int(next(line for line in status if line.startswith("VmRSS")).split()[1]) // 1024


@pytest.mark.skipif(pipeline._malloc_trim() is None, reason="the C library has no malloc_trim (not glibc)")
def test_memory_freed_between_stages_goes_back_to_the_system():
    # ~200 MB of small allocations, one in a hundred kept: the freed pages lie between live ones, so the
    # heap cannot shrink from its top and the resident size stays until malloc_trim hands them back
    blocks = [bytes(1000) + bytes([i % 256]) for i in range(200_000)]
    kept = blocks[::100]
    del blocks
    freed_but_resident = _rss_mb()
    assert pipeline.return_freed_memory() is True
    assert _rss_mb() < freed_but_resident - 100
    assert len(kept) == 2_000
