"""Tests of fazhi.tokenizer: policy terms whole, engine parity, offsets, filters, isolation, cache, parallel.

The executor engines themselves (serial, local processes, Dask) are tested in ``test_executor.py``.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import fazhi
import polars as pl
import pytest
from fazhi.tokenizer import (
    USERDICT,
    Tokenizer,
    get_tokenizer,
    read_userdict,
    tokenize_texts,
    tokens_table,
)
from hypothesis import given, settings
from hypothesis import strategies as st

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
@given(
    st.text(
        alphabet=st.sampled_from(list("法治政府一网通办双随机、一公开热线12345+·%-._ \n“”abc\ue000")),
        max_size=40,
    )
)
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
    from fazhi.tokencache import read_index

    return {(folder.name, h) for folder in (root / "tokens").iterdir() for h in read_index(folder)}


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
    assert all(
        texts[d][s:e] == t for d, s, e, t in sample.select("doc_id", "start", "end", "token").iter_rows()
    )
    ids = table.group_by("doc_id").agg(ok=(pl.col("token_id") == pl.int_range(pl.len())).all())
    assert ids["ok"].all()


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.text(
            alphabet=st.sampled_from(
                list("法治政府一网通办双随机、一公开热线12345+·%-._ \n互联网监管ab9\ue000")
            ),
            max_size=30,
        ),
        max_size=4,
    )
)
def test_batch_protection_equals_piecewise_path(texts: list[str]) -> None:
    # the batch path finds protected spans with polars' regex; raw() with Python's re: same tokens
    tok = get_tokenizer()
    for text, df in zip(texts, tok.frame(texts)):
        assert df["token"].to_list() == [w for w in tok.raw(text) if w.strip()]


def test_protect_terms_outside_rust_regex_syntax() -> None:
    tok = get_tokenizer(protect=("a b",))
    assert "a b" in [t.text for t in tok.tokens("推进a b改革")]


def test_vocabulary_history_does_not_change_output(seed_texts: list[str]) -> None:
    # A tokeniser keeps the distinct tokens it has met (codes into them never leave a batch): what it
    # cut before, and a reset of that memory, must not change what it returns.
    texts = ["互联网+监管 12345热线", seed_texts[0][:2000], "  ", "新词：qzxwv 再出发", seed_texts[1][:1500]]
    fresh = [Tokenizer().frame([t])[0] for t in texts]  # each cut by a tokeniser that met no other text
    used = Tokenizer()
    used.frame(seed_texts[2:])
    assert all(a.equals(b) for a, b in zip(fresh, used.frame(texts)))
    assert all(a.equals(used.frame([t])[0]) for a, t in zip(fresh, texts))  # short texts after long ones
    small = Tokenizer()
    small.vocabulary_limit = 50  # forgotten before almost every batch
    sizes = []
    for a, t in zip(fresh, texts):
        assert a.equals(small.frame([t])[0])
        sizes.append(small.vocabulary_size)
    assert any(
        later < earlier for earlier, later in itertools.pairwise(sizes)
    )  # the memory was reset on the way
    assert fresh[1].equals(Tokenizer().frame(seed_texts[2:] + texts[1:2])[-1])


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
@given(
    st.lists(
        st.text(
            alphabet=st.sampled_from(list("12345热线互联网+监管双随机、一公开ab9.-_%x 政府")), max_size=40
        ),
        max_size=5,
    )
)
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
