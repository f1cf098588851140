"""Text reuse: alignment of planted passages, candidates, relations, the stage's tables."""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

import fazhi
import polars as pl
import pytest
from fazhi.reuse import ReuseSettings, run_reuse
from fazhi.reuse.candidates import candidate_pairs, chunks
from fazhi.reuse.plant import plant
from fazhi.reuse.shares import covered, relation
from fazhi.schema import TABLES
from hypothesis import given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
GWR = ROOT / "tests" / "data" / "corpora" / "gov-work-reports" / "national" / "government_work_reports.jsonl"


def _national(years: tuple[str, ...]) -> list[str]:
    rows = [json.loads(line) for line in GWR.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["content"] for r in rows if r.get("year") in years and "政府工作报告" in r["title"]]


def _seed_texts() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]


def _overlap(spans: list[tuple[int, int]], truth: list[tuple[int, int]]) -> int:
    return sum(max(0, min(e, te) - max(s, ts)) for s, e in spans for ts, te in truth)


def test_align_finds_edited_passage_with_offsets() -> None:
    src = "坚持依法行政，全面推进政务公开，深化行政执法体制改革，严格规范公正文明执法，加快建设法治政府。"
    tgt = (
        "今年工作很多。"
        + src.replace("全国", "我省").replace("深化", "许昌市深化")
        + "此外还有别的事情要做。"
    )
    df = fazhi.align_passages(src, tgt)
    assert df.columns == ["a_start", "a_end", "b_start", "b_end", "similarity"]
    assert df.height >= 1
    row = df.row(0, named=True)
    assert src[row["a_start"] : row["a_end"]].startswith("坚持依法行政")
    assert tgt[row["b_start"] : row["b_end"]].startswith("坚持依法行政")
    assert 0.8 < row["similarity"] <= 1.0


def test_align_unrelated_and_short() -> None:
    assert (
        fazhi.align_passages(
            "天地玄黄宇宙洪荒日月盈昃辰宿列张" * 3, "寒来暑往秋收冬藏闰余成岁律吕调阳" * 3
        ).height
        == 0
    )
    # a shared run shorter than min_chars is not a passage
    assert fazhi.align_passages("甲乙丙丁推进依法行政戊己庚辛", "子丑寅卯推进依法行政辰巳午未").height == 0
    with pytest.raises(ValueError):
        fazhi.align_passages("a", "b", min_chars=3)


def test_planted_reuse_precision_recall() -> None:
    """Passages of national reports, edited and planted into the seed documents: span-level P and R ≥ 0.9."""
    sources = _national(("1980", "1985", "1986", "1987"))
    targets = _seed_texts()
    assert len(sources) >= 3 and len(targets) >= 3
    rng = random.Random(7)
    hit = pred = true = 0
    for k, target in enumerate(targets):
        source = sources[k % len(sources)]
        planted, truth = plant(source, target, rng, n=4)
        found = fazhi.align_passages(source, planted)
        spans = list(zip(found["b_start"].to_list(), found["b_end"].to_list()))
        tspans = [(a, b) for a, b, _, _ in truth]
        hit += _overlap(spans, tspans)
        pred += sum(e - s for s, e in spans)
        true += sum(e - s for s, e in tspans)
    precision, recall = hit / pred, hit / true
    assert precision >= 0.9, precision
    assert recall >= 0.9, recall


def _han(rng: random.Random, n: int) -> str:
    return "".join(chr(rng.randrange(0x4E00, 0x5E00)) for _ in range(n))


@settings(max_examples=25, deadline=None)
@given(n_source=st.integers(200, 800), n_target=st.integers(200, 800), seed=st.integers(0, 10_000))
def test_planted_reuse_property(n_source: int, n_target: int, seed: int) -> None:
    """On random Han text, every planted passage is found, and nothing else (offsets within the strings)."""
    rng = random.Random(seed)
    source, target = _han(rng, n_source), _han(rng, n_target)
    source = "，".join(source[i : i + 12] for i in range(0, len(source), 12)) + "。"
    target = "。".join(target[i : i + 30] for i in range(0, len(target), 30)) + "。"
    planted, truth = plant(source, target, random.Random(seed), n=2, length=(40, 80))
    found = fazhi.align_passages(source, planted)
    spans = list(zip(found["b_start"].to_list(), found["b_end"].to_list()))
    assert all(0 <= s < e <= len(planted) for s, e in spans)
    tspans = [(a, b) for a, b, _, _ in truth]
    hit = _overlap(spans, tspans)
    assert hit >= 0.85 * sum(e - s for s, e in tspans)
    assert hit >= 0.95 * sum(e - s for s, e in spans)


@settings(max_examples=50, deadline=None)
@given(st.text(alphabet="甲乙丙。！？；\n", max_size=200), st.integers(1, 40))
def test_chunks_tile_the_text(text: str, size: int) -> None:
    spans = chunks(text, chunk_chars=size)
    assert [s for s, _ in spans][:1] in ([], [0])
    assert all(a[1] == b[0] for a, b in itertools.pairwise(spans))
    assert (spans[-1][1] if spans else 0) == len(text)


def test_candidates_find_planted_pairs_not_all_pairs() -> None:
    sources = _national(("1980", "1986"))
    targets = _seed_texts()
    rng = random.Random(3)
    planted, _ = plant(sources[0], targets[0], rng, n=3)
    texts = [sources[0], planted, *targets[1:]]
    pairs = [(i, j) for i, j, _ in candidate_pairs(texts)]
    assert (0, 1) in pairs
    assert len(pairs) < len(texts) * (len(texts) - 1) // 2


def test_covered_counts_union() -> None:
    assert covered([(0, 10), (5, 15), (20, 25)]) == 20
    assert covered([]) == 0


def _doc(level: str, region: str | None, year: int, jur: str | None = None) -> dict:
    return {
        "level": level,
        "region": region,
        "period_start": year,
        "period_end": year,
        "jur": jur or region or level,
    }


def test_relations_follow_hierarchy_and_calendar() -> None:
    county = _doc("county", "潢川县", 2023)
    assert relation(county, _doc("province", "河南省", 2023)) == "higher_same_year"
    assert relation(county, _doc("city", "信阳市", 2022)) == "higher_earlier"
    assert relation(county, _doc("city", "许昌市", 2022)) is None  # another branch
    assert relation(county, _doc("national", None, 2024)) is None  # later
    assert relation(_doc("province", "河南省", 2026), _doc("province", "湖北省", 2026)) == "peer"
    assert relation(_doc("province", "河南省", 2026), _doc("province", "河南省", 2025)) == "own_earlier"
    assert relation(_doc("national", None, 2025), _doc("province", "河南省", 2025)) == "lower_same_year"
    assert relation(_doc("unknown", None, 2025), _doc("province", "河南省", 2025)) is None


def _documents(
    texts: list[str], levels: list[str], regions: list[str | None], years: list[int]
) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "doc_id": [f"d{i}" for i in range(len(texts))],
            "level": levels,
            "region": regions,
            "issuer": [None] * len(texts),
            "doc_type": ["other"] * len(texts),
            "period_start": years,
            "period_end": years,
            "text": texts,
        },
        schema_overrides={"period_start": pl.Int32, "period_end": pl.Int32},
    )


def test_stage_tables_valid_and_shares_match_plants() -> None:
    source = _national(("1985",))[0]
    targets = _seed_texts()[:3]
    rng = random.Random(11)
    texts, truths = [source], []
    for t in targets:
        new, truth = plant(source, t, rng, n=3)
        texts.append(new)
        truths.append(truth)
    docs = _documents(
        texts,
        ["national", "province", "city", "county"],
        [None, "河南省", "许昌市", "潢川县"],
        [1985, 1986, 1986, 1986],
    )
    out = run_reuse(docs)
    for name in ("reuse_passages", "reuse_share", "reuse_formulae", "reuse_settings"):
        assert out[name].columns == TABLES[name].names
    share = out["reuse_share"].filter(
        pl.col("scope") == "document", pl.col("relation") == "higher_earlier", pl.col("kind") == "reuse"
    )
    for i, truth in enumerate(truths, start=1):
        row = share.filter(pl.col("doc_id") == f"d{i}").row(0, named=True)
        planted = sum(b - a for a, b, _, _ in truth)
        assert row["n_sources"] == 1
        assert abs(row["reused_chars"] - planted) <= 0.15 * planted
    p = out["reuse_passages"]
    assert set(p["relation"]) >= {"higher_earlier", "lower_same_year"} or set(p["relation"]) >= {
        "higher_earlier"
    }
    for r in p.iter_rows(named=True):
        assert texts[int(r["doc_id"][1:])][r["start"] : r["end"]] == r["text"]


def test_one_document_gives_empty_valid_tables_and_a_note() -> None:
    notes: list[str] = []
    out = run_reuse(_documents(["推进依法行政。" * 10], ["province"], ["河南省"], [2023]), note=notes.append)
    assert notes and "at least two" in notes[0]
    assert all(out[n].height == 0 for n in ("reuse_passages", "reuse_share", "reuse_formulae"))
    assert out["reuse_settings"].height == len(ReuseSettings().as_table())


def test_formulae_are_phrases_of_many_jurisdictions() -> None:
    slogan = "以习近平新时代中国特色社会主义思想为指导"
    filler = ["甲乙丙丁戊己庚辛壬癸", "子丑寅卯辰巳午未申酉", "春夏秋冬东南西北上下", "金木水火土天地玄黄宇"]
    texts = [f"{filler[i] * 3}。{slogan}，{filler[(i + 1) % 4] * 2}。" for i in range(4)]
    out = run_reuse(_documents(texts, ["province"] * 4, ["河南省", "湖北省", "湖南省", "河北省"], [2025] * 4))
    f = out["reuse_formulae"]
    assert f.height >= 1 and slogan in f["text"][0]
    assert f["n_jurisdictions"][0] == 4
    p = out["reuse_passages"]
    assert p.filter(pl.col("text").str.contains(slogan))["kind"].to_list() in (
        [],
        ["formula"] * p.filter(pl.col("text").str.contains(slogan)).height,
    )


def test_settings_reject_unknown() -> None:
    with pytest.raises(ValueError):
        ReuseSettings.from_mapping({"nope": 1})


def test_stage_runs_after_themes_and_notes_a_single_document() -> None:
    from types import SimpleNamespace

    from fazhi.pipeline import STAGES
    from fazhi.reuse import build_stage
    from fazhi.settings import BuildSettings

    assert STAGES.index("reuse") > STAGES.index("themes")
    noted: list[tuple[str, str]] = []
    docs = _documents(["推进依法行政。" * 10], ["province"], ["河南省"], [2023])
    ctx = SimpleNamespace(
        settings=BuildSettings.from_mapping({"reuse": {"min_chars": 25}}),
        tables={"documents": docs},
        note=lambda s, m: noted.append((s, m)),
    )
    out = build_stage(ctx)
    assert noted and noted[0][0] == "reuse"
    assert dict(out["reuse_settings"].iter_rows())["min_chars"] == "25"


def test_reading_by_hand_is_recorded() -> None:
    from fazhi.reuse.views import READING_FILE, reading

    raw = pl.read_csv(READING_FILE)
    assert raw.height == 20 and raw["true_reuse"].dtype == pl.Boolean
    assert raw["note"].null_count() == 0
    summary = reading()
    assert summary["read"].sum() == 20 and summary["true_reuse"].sum() == raw["true_reuse"].sum()


def test_candidates_are_deterministic_and_seeded() -> None:
    sources = _national(("1980", "1986"))
    planted, _ = plant(sources[0], _seed_texts()[0], random.Random(5), n=3)
    texts = [sources[0], planted, *_seed_texts()[1:]]
    first = candidate_pairs(texts, seed=7)
    assert first == candidate_pairs(texts, seed=7)
    assert all(i < j and hits > 0 for i, j, hits in first)


def test_slogan_chunks_shared_by_too_many_documents_yield_no_pairs() -> None:
    slogan = "坚持以人民为中心的发展思想，统筹发展和安全，推动高质量发展取得新成效。"
    others = [t[i * 400 : i * 400 + 400] for t in _seed_texts() for i in range(3)]
    texts = [slogan + t for t in others]  # every document shares only the slogan (and unrelated text)
    capped = {(i, j) for i, j, _ in candidate_pairs(texts, max_bucket_docs=3)}
    uncapped = {(i, j) for i, j, _ in candidate_pairs(texts, max_bucket_docs=len(texts))}
    assert len(uncapped) > len(capped)


def test_a_national_multi_year_document_is_a_higher_source_of_its_years() -> None:
    outline = {
        "level": "national",
        "region": None,
        "period_start": 2021,
        "period_end": 2025,
        "jur": "national",
    }
    county = _doc("county", "潢川县", 2023)
    assert relation(county, outline) == "higher_same_year"
    assert relation(_doc("city", "许昌市", 2026), outline) == "higher_earlier"


def test_the_gov_reading_sample_is_coded_with_reasons_and_coder() -> None:
    from fazhi.reuse.views import reading_share

    file = ROOT / "tests" / "data" / "reuse_reading" / "gov_work_reports_20.csv"
    raw = pl.read_csv(file)
    assert raw.height == 20 and raw["true_reuse"].dtype == pl.Boolean
    assert raw["reason"].null_count() == 0 and raw["coder"].str.contains("LLM").all()
    assert set(raw["category"]) <= {"policy", "ceremonial", "slogan"}
    assert (raw["true_reuse"] == (raw["category"] == "policy")).all()
    share = reading_share(file)
    total = share.filter(pl.col("kind") == "all").row(0, named=True)
    assert total["read"] == 20 and total["true_reuse"] == raw["true_reuse"].sum()
    assert total["ci_low"] < total["share"] < total["ci_high"]


def test_outline_language_finds_a_restated_chapter_title() -> None:
    from fazhi.outline import load_systems
    from fazhi.reuse.views import outline_language

    title = load_systems()[3].outline_title
    docs = pl.DataFrame(
        {"doc_id": ["a", "b"], "level": ["county", "county"],
         "text": ["去年以来，我县" + title.replace("全面", "") + "，取得成效。", "与纲要无关的文字。" * 10]}
    )  # fmt: skip
    out = outline_language(docs)
    assert out["systems_restated"].to_list() == [1, 0]
    assert out["systems"][0] == load_systems()[3].name


def _reference_pairs(
    texts: list[str], *, max_bucket_docs: int, threshold: float
) -> list[tuple[int, int, int]]:
    """The straightforward use of datasketch: each chunk's signature computed shingle by shingle, every
    chunk inserted in and queried from a ``MinHashLSH`` one by one."""
    import numpy as np
    from datasketch import LeanMinHash, MinHashLSH
    from fazhi.reuse.candidates import _perms, kgram_hashes

    a, b = _perms(64, 1)
    sigs, doc = [], []
    for d, text in enumerate(texts):
        h = kgram_hashes(text, 4)
        for s, e in chunks(text, chunk_chars=30):
            row = np.full(64, 0xFFFFFFFF, dtype=np.uint64)
            for x in h[s : max(s, e - 3)]:
                with np.errstate(over="ignore"):
                    row = np.minimum(row, (x * a + b) >> np.uint64(32))
            sigs.append(row)
            doc.append(d)
    lsh = MinHashLSH(threshold=threshold, num_perm=64)
    hashes = [LeanMinHash(seed=1, hashvalues=row, scheme="affine32") for row in sigs]
    for k, m in enumerate(hashes):
        lsh.insert(k, m)
    near = [{o for o in lsh.query(m) if doc[o] != doc[k]} for k, m in enumerate(hashes)]
    slogan = [len({doc[o] for o in n}) > max_bucket_docs for n in near]
    hits: dict[tuple[int, int], int] = {}
    for k, n in enumerate(near):
        for o in n:
            if k < o and not slogan[k] and not slogan[o]:
                key = (min(doc[k], doc[o]), max(doc[k], doc[o]))
                hits[key] = hits.get(key, 0) + 1
    return sorted((i, j, n) for (i, j), n in hits.items())


@pytest.mark.parametrize(("max_bucket_docs", "threshold"), [(3, 0.3), (50, 0.3), (4, 0.5)])
def test_candidates_equal_a_straightforward_use_of_the_index(max_bucket_docs: int, threshold: float) -> None:
    """The fast path (only chunks with a shared band indexed, identical signatures once, numpy expansion)
    returns exactly the pairs and hits of inserting and querying every chunk."""
    sources = _national(("1980", "1986"))
    seeds = _seed_texts()
    rng = random.Random(11)
    slogan = "坚持以人民为中心的发展思想，统筹发展和安全，推动高质量发展取得新成效。"
    texts = [sources[0][:3000], sources[1][:3000]]
    for k in range(8):  # pieces of the seeds, some with planted passages, some with the slogan
        body = seeds[k % len(seeds)][k * 500 : k * 500 + 1500]
        if k % 2:
            body, _ = plant(sources[k % 2][:3000], body, rng, n=2)
        texts.append(slogan + body if k % 3 else body)
    texts += [texts[3], "", "短", slogan, slogan + slogan]  # an exact copy, empty, shorter than a shingle
    expected = _reference_pairs(texts, max_bucket_docs=max_bucket_docs, threshold=threshold)
    got = candidate_pairs(texts, max_bucket_docs=max_bucket_docs, threshold=threshold)
    assert got == expected
    assert len(expected) > 5  # the corpus does have candidates
