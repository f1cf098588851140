"""Tests of fazhi.tokenizer: policy terms whole, engine parity, offsets, filters, isolation, cache, parallel."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fazhi
from fazhi.tokenizer import (
    USERDICT,
    Tokenizer,
    get_tokenizer,
    read_userdict,
    tokenize_texts,
    tokens_table,
)

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
POLICY_TERMS = ["放管服", "一网通办", "互联网+监管", "12345热线", "双随机、一公开", "枫桥经验"]


@pytest.fixture(scope="module")
def seed_texts() -> list[str]:
    return fazhi.read_corpus(SEEDS).documents.sort("doc_id")["text"].to_list()


@pytest.fixture(scope="module")
def rj() -> Tokenizer:
    return get_tokenizer()


@pytest.fixture(scope="module")
def jb() -> Tokenizer:
    return get_tokenizer(engine="jieba")


def test_userdict_has_enough_terms_and_the_lexicon_terms() -> None:
    terms = {t for t, _, _ in read_userdict(USERDICT)}
    assert len(terms) >= 300
    assert set(POLICY_TERMS) <= terms


@pytest.mark.parametrize("engine", ["rjieba", "jieba"])
@pytest.mark.parametrize("term", POLICY_TERMS)
def test_policy_terms_are_single_tokens(engine: str, term: str) -> None:
    tok = get_tokenizer(engine=engine)
    text = f"各地全面推行“{term}”，并且{term}取得进展。"
    toks = [t.text for t in tok.tokens(text)]
    assert toks.count(term) == 2, toks
    assert term in tok.cut(text)


def test_stock_jieba_splits_them(rj: Tokenizer) -> None:
    # the reason for protection: without it these come out in pieces
    stock = get_tokenizer(userdict=None)
    assert stock.cut("推行双随机、一公开监管") != rj.cut("推行双随机、一公开监管")
    assert "双随机、一公开" not in stock.cut("推行双随机、一公开监管")


def test_engine_parity_on_whole_seed_corpus(seed_texts: list[str], rj: Tokenizer, jb: Tokenizer) -> None:
    for a, b in zip(rj.frame(seed_texts), jb.frame(seed_texts)):
        assert a.equals(b)


def test_engine_parity_without_hmm(seed_texts: list[str]) -> None:
    a = get_tokenizer(hmm=False)
    b = get_tokenizer(engine="jieba", hmm=False)
    assert all(x == y for x, y in zip(map(a.raw, seed_texts), map(b.raw, seed_texts)))


def test_offsets_tile_the_text(seed_texts: list[str], rj: Tokenizer) -> None:
    for text in seed_texts:
        raw = rj.raw(text)
        assert "".join(raw) == text
        for t in rj.tokens(text):
            assert text[t.start : t.end] == t.text
            assert t.text.strip()


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("法治政府一网通办双随机、一公开热线12345+·%-._ \n“”abc\ue000")), max_size=40))
def test_raw_round_trips_any_text(text: str) -> None:
    tok = get_tokenizer()
    assert "".join(tok.raw(text)) == text
    for t in tok.tokens(text):
        assert text[t.start : t.end] == t.text


def test_pos_and_filters(rj: Tokenizer) -> None:
    toks = {t.text: t for t in rj.tokens("深入贯彻落实，依法推进一网通办，2023年完成12项，的")}
    assert toks["一网通办"].pos == "nz" and toks["一网通办"].keep
    assert not toks["，"].keep  # punctuation
    assert not toks["深入贯彻落实"].keep if "深入贯彻落实" in toks else True
    assert not toks["2023"].keep and toks["2023"].pos == "m"  # number
    assert not toks["的"].keep  # stopword and single character
    loose = get_tokenizer(stopwords=(), drop_numbers=False, min_chars=1)
    kept = loose.cut("依法推进2023年的")
    assert "2023" in kept and "的" in kept


def test_settings_hash_differs_and_tokenizers_coexist() -> None:
    a, b = get_tokenizer(), get_tokenizer(userdict=None)
    assert a.settings_hash != b.settings_hash and a.cut_hash != b.cut_hash
    assert "双随机、一公开" in a.cut("双随机、一公开") and "双随机、一公开" not in b.cut("双随机、一公开")
    c = get_tokenizer(min_chars=1)
    assert c.cut_hash == a.cut_hash and c.settings_hash != a.settings_hash
    assert get_tokenizer() is a  # cached per process


def test_isolated_from_global_jieba(jb: Tokenizer) -> None:
    import jieba

    assert jb._engine is not jieba.dt
    assert "双随机、一公开" not in jieba.dt.FREQ and "一网通办" not in jieba.dt.FREQ
    assert jieba.lcut("一网通办") != ["一网通办"] or "一网通办" in jieba.dt.FREQ


def test_tokenize_is_default_cut() -> None:
    text = "深化“放管服”改革，推行一网通办"
    assert fazhi.tokenize(text) == get_tokenizer().cut(text)


def _cache_entries(root: Path) -> set[tuple[str, str]]:
    """(cut setting folder, text hash) of every text in the cache."""
    from fazhi.tokenizer import _read_index

    return {(folder.name, h) for folder in (root / "tokens").iterdir() for h in _read_index(folder)}


def test_cache_hits_and_invalidates_exactly(tmp_path: Path, seed_texts: list[str]) -> None:
    tok = get_tokenizer()
    texts = seed_texts[:3]
    first = tokenize_texts(texts, tok, cache=tmp_path)
    assert len(_cache_entries(tmp_path)) == 3
    files = sorted(tmp_path.rglob("*.arrow"))
    mtimes = {p: p.stat().st_mtime_ns for p in files}
    # a fresh tokeniser served entirely from the cache never loads its engine
    fresh = Tokenizer()
    again = tokenize_texts(texts, fresh, cache=tmp_path)
    assert not fresh.engine_loaded
    assert all(a.equals(b) for a, b in zip(first, again))
    assert {p: p.stat().st_mtime_ns for p in sorted(tmp_path.rglob("*.arrow"))} == mtimes  # all hits
    # a changed text misses only its own entry
    changed = [texts[0] + "推进一网通办。", *texts[1:]]
    out = tokenize_texts(changed, tok, cache=tmp_path)
    assert len(_cache_entries(tmp_path)) == 4
    assert all(p.stat().st_mtime_ns == m for p, m in mtimes.items())
    assert out[0].equals(tokenize_texts(changed[:1], tok, cache=False)[0])
    # a filter setting re-uses the cut (same cut_hash), only keep changes
    loose = get_tokenizer(min_chars=1)
    n_files = len(list(tmp_path.rglob("*.arrow")))
    out = tokenize_texts(texts, loose, cache=tmp_path)
    assert len(list(tmp_path.rglob("*.arrow"))) == n_files and len(_cache_entries(tmp_path)) == 4
    assert sum(df["keep"].sum() for df in out) > sum(df["keep"].sum() for df in first)
    assert all(a.drop("keep").equals(b.drop("keep")) for a, b in zip(out, first))
    assert all(a.equals(b) for a, b in zip(out, tokenize_texts(texts, loose, cache=False)))
    # a dictionary change misses every entry made with the other dictionary
    other = get_tokenizer(userdict=None)
    tokenize_texts(texts, other, cache=tmp_path)
    assert len(_cache_entries(tmp_path)) == 7
    # a damaged entry is recomputed
    files[0].write_bytes(b"garbage")
    again = tokenize_texts(texts, tok, cache=tmp_path)
    assert all(a.equals(b) for a, b in zip(first, again))
    assert len(_cache_entries(tmp_path)) == 7


def test_parallel_with_cache_equals_serial(tmp_path: Path, seed_texts: list[str]) -> None:
    tok = get_tokenizer()
    texts = seed_texts * 2 + [t[: len(t) // 2] for t in seed_texts]  # duplicates are cut once
    serial = tokenize_texts(texts, tok, jobs=1, cache=False)
    cold = tokenize_texts(texts, tok, jobs=2, cache=tmp_path, min_parallel_chars=0)
    warm = tokenize_texts(texts, tok, jobs=2, cache=tmp_path, min_parallel_chars=0)
    assert len(_cache_entries(tmp_path)) == 10
    assert all(a.equals(b) and a.equals(c) for a, b, c in zip(serial, cold, warm))


def test_batch_cut_equals_one_text_at_a_time(seed_texts: list[str], rj: Tokenizer) -> None:
    texts = ["", "  \n", "a\ue000b 双随机、一公开\ue000", seed_texts[0][:500], "互联网+监管 12345热线"]
    batch = rj.frame(texts)
    for text, df in zip(texts, batch):
        one = rj.frame([text])[0]
        assert df.equals(one)
        assert all(text[s:e] == t for t, s, e in df.select("token", "start", "end").iter_rows())


def test_parallel_equals_serial(seed_texts: list[str]) -> None:
    tok = get_tokenizer()
    texts = [f"第{i}份。{t}" for i in range(8) for t in seed_texts]  # distinct: duplicates are cut once
    serial = tokenize_texts(texts, tok, jobs=1, cache=False)
    parallel = tokenize_texts(texts, tok, jobs=2, cache=False, min_parallel_chars=0)
    assert len(serial) == len(parallel)
    assert all(a.equals(b) for a, b in zip(serial, parallel))


@pytest.mark.parametrize("cached", [False, True])
def test_workers_cut_what_they_claim(seed_texts: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cached: bool) -> None:
    # The caller and the workers claim batches from one list; here the caller leaves every odd batch
    # to the worker, so the worker's results (codes, or a cache entry) certainly make up part of the
    # output, which must still equal the serial one.
    import fazhi.tokenizer as T

    real_claim, real_result = T._claim, T._worker_result
    taken: list[int] = []

    def claim(scratch: str, k: int) -> bool:
        return k % 2 == 0 and real_claim(scratch, k)

    def result(path: Path, tok: Tokenizer) -> tuple[pl.DataFrame, np.ndarray]:
        taken.append(int(path.stem.split("-")[1]))
        return real_result(path, tok)

    monkeypatch.setattr(T, "_claim", claim)
    monkeypatch.setattr(T, "_worker_result", result)
    tok = get_tokenizer()
    texts = [f"第{i}份。{t}" for i in range(16) for t in seed_texts]  # distinct: duplicates are cut once
    assert len(T._guided_batches([len(t) for t in texts], 2)) >= 4
    serial = tokenize_texts(texts, tok, jobs=1, cache=False)
    parallel = tokenize_texts(texts, tok, jobs=2, cache=tmp_path if cached else False, min_parallel_chars=0)
    assert {1, 3} <= set(taken)
    assert all(a.equals(b) for a, b in zip(serial, parallel))


def test_batches_of_a_dead_worker_are_cut_again(seed_texts: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # A worker killed mid-batch (out of memory …) leaves a claim and no result; the pool never reports
    # it. Such claims are made here up front, in the name of a process that has exited: the caller
    # must cut those batches itself, warn, and return the same output as the serial run.
    import subprocess

    import fazhi.tokenizer as T

    dead = subprocess.Popen(["true"])
    dead.wait()
    texts = [f"第{i}份。{t}" for i in range(16) for t in seed_texts]
    n_batches = len(T._guided_batches([len(t) for t in texts], 2))
    real_claim = T._claim
    faked: list[int] = []

    def claim(scratch: str, k: int) -> bool:
        if k == 0:
            for j in range(1, n_batches, 2):
                try:
                    fd = os.open(os.path.join(scratch, f"claim-{j}"), os.O_CREAT | os.O_EXCL | os.O_WRONLY)
                except FileExistsError:  # the worker was first
                    continue
                os.write(fd, str(dead.pid).encode())
                os.close(fd)
                faked.append(j)
        return real_claim(scratch, k)

    monkeypatch.setattr(T, "_claim", claim)
    tok = get_tokenizer()
    serial = tokenize_texts(texts, tok, jobs=1, cache=False)
    with pytest.warns(RuntimeWarning, match="worker died") as caught:
        parallel = tokenize_texts(texts, tok, jobs=2, cache=False, min_parallel_chars=0)
    assert faked and len([w for w in caught if "worker died" in str(w.message)]) == len(faked)
    assert all(a.equals(b) for a, b in zip(serial, parallel))


def test_tokens_table_contract(tmp_path: Path) -> None:
    docs = fazhi.read_corpus(SEEDS).documents
    from fazhi.schema import validate
    from fazhi.segment import segment_documents

    seg = segment_documents(docs)
    table = tokens_table(docs, seg.get("sentences"), seg.get("sections"), cache=tmp_path)
    validate("tokens", table)
    assert table["section_id"].null_count() == 0
    texts = dict(docs.select("doc_id", "text").iter_rows())
    sample = table.sample(300, seed=0)
    assert all(texts[d][s:e] == t for d, s, e, t in sample.select("doc_id", "start", "end", "token").iter_rows())
    ids = table.group_by("doc_id").agg(ok=(pl.col("token_id") == pl.int_range(pl.len())).all())
    assert ids["ok"].all()


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("法治政府一网通办双随机、一公开热线12345+·%-._ \n互联网监管ab9\ue000")), max_size=30), max_size=4))
def test_batch_protection_equals_piecewise_path(texts: list[str]) -> None:
    # the batch path finds protected spans with polars' regex; raw() with Python's re: same tokens
    tok = get_tokenizer()
    for text, df in zip(texts, tok.frame(texts)):
        assert df["token"].to_list() == [w for w in tok.raw(text) if w.strip()]


def test_protect_terms_outside_rust_regex_syntax() -> None:
    tok = get_tokenizer(protect=("a b",))
    assert "a b" in [t.text for t in tok.tokens("推进a b改革")]


def test_vocabulary_history_does_not_change_output(seed_texts: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # A tokeniser keeps the distinct tokens it has met (codes into them never leave a batch): what it
    # cut before, and a reset of that memory, must not change what it returns.
    import fazhi.tokenizer as T

    texts = ["互联网+监管 12345热线", seed_texts[0][:2000], "  ", seed_texts[1][:1500]]
    fresh = []
    for t in texts:  # each text cut by a tokeniser that has met no other text
        fresh.append(Tokenizer().frame([t])[0])
    used = Tokenizer()
    used.frame(seed_texts[2:])
    assert all(a.equals(b) for a, b in zip(fresh, used.frame(texts)))
    monkeypatch.setattr(T, "_VOCAB_LIMIT", 50)  # forgotten before almost every batch
    small = Tokenizer()
    small.frame(texts[:1])
    before = small._vocab_obj
    assert all(a.equals(small.frame([t])[0]) for a, t in zip(fresh, texts))
    assert small._vocab_obj is not before  # the memory was reset on the way


def test_worker_result_builds_the_same_frame(seed_texts: list[str], rj: Tokenizer) -> None:
    # what a worker sends back (codes into the batch's own vocabulary) rebuilds the frame exactly
    from fazhi.tokenizer import frame_batch

    texts = [seed_texts[0][:3000], "", "a\ue000b 双随机、一公开", seed_texts[3][:3000]]
    rj.frame(seed_texts)  # a vocabulary much larger than this batch's
    enc = rj.encode_batch(texts)
    small = enc.compact()
    assert len(small.vocab.n) < len(enc.vocab.n)
    a, ca = frame_batch(enc)
    b, cb = frame_batch(small)
    assert a.equals(b) and (ca == cb).all()


def test_one_tokenizer_shared_by_threads(seed_texts: list[str]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    tok = Tokenizer()
    chunks = [seed_texts[i % len(seed_texts)][j * 700 : (j + 1) * 700] for i in range(5) for j in range(4)]
    serial = Tokenizer()
    expected = [serial.frame([c])[0] for c in chunks]
    with ThreadPoolExecutor(4) as ex:
        got = list(ex.map(lambda c: tok.frame([c])[0], chunks))
    assert all(a.equals(b) for a, b in zip(expected, got))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("12345热线互联网+监管双随机、一公开ab9.-_%x 政府")), max_size=40), max_size=5))
def test_masking_equals_a_regex_replace(texts: list[str]) -> None:
    # the spans are put back in place by str.find after one regex pass: same text as a second pass
    from fazhi.tokenizer import SENTINEL

    tok = get_tokenizer()
    masked, found = tok._mask_batch(texts)
    series = pl.Series(texts, dtype=pl.String)
    assert masked == series.str.replace_all(tok._protect_rs, SENTINEL).to_list()
    assert found == series.str.extract_all(tok._protect_rs).to_list()


def test_fresh_tokenizer_on_texts_without_tokens() -> None:
    # the first batch a tokeniser sees may hold no token at all
    for texts in ([""], ["", "  \n"], []):
        frames = Tokenizer().frame(texts)
        assert len(frames) == len(texts)
        assert all(df.height == 0 for df in frames)


def test_vocabulary_chunks_merge_for_large_gathers(seed_texts: list[str]) -> None:
    # new tokens arrive as chunks; a batch that gathers many rows gets (and leaves) one chunk, a short
    # text does not pay for copying the whole vocabulary; output is the same either way
    tok = Tokenizer()
    tok.frame(seed_texts[:2])
    vocab = tok._vocab_obj
    assert vocab is not None
    n0 = len(vocab.words)
    short = tok.frame(["新词：qzxwv 再出发"])[0]
    assert len(vocab.words) > n0  # the short text brought new tokens: kept as a chunk of their own
    assert vocab.judged().token.n_chunks() == 2
    big = tok.frame(seed_texts[2:])[0]
    judged = vocab.judged()
    assert judged.token.n_chunks() == 1 and judged.pos.n_chunks() == 1
    assert len(judged.token) == len(vocab.words) == len(judged.n)
    assert short.equals(Tokenizer().frame(["新词：qzxwv 再出发"])[0])
    assert big.equals(Tokenizer().frame(seed_texts[2:])[0])
