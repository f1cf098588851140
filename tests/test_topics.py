"""Topic models: matrix and pruning, determinism, NPMI by hand, FREX, Hungarian matching, selection, stage."""

from __future__ import annotations

import math
import random
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from conftest import declared_frame
from fazhi import topics as T
from fazhi.schema import sentences_table, validate
from scipy import sparse

# Three planted topics, each with its own vocabulary and an Outline system; "共同" words occur everywhere.
PLANTED = {
    "digital_government": [f"数字{i}" for i in range(12)],
    "emergency_response": [f"应急{i}" for i in range(12)],
    "dispute_resolution": [f"调解{i}" for i in range(12)],
}
COMMON = ["推进", "工作", "建设"]
LEVELS = ["province", "city", "county", "county"]


def synthetic_tables(n_docs: int = 4, sections_per_doc: int = 9, seed: int = 0) -> dict[str, pl.DataFrame]:
    """Documents, sections, sentences, tokens and boilerplate tables in the stages' contract shapes.

    Section j of a document is about planted topic j % 3 (with 15 % noise words from the other topics).
    Every document's first sentence of section 0 is the same boilerplate sentence.
    """
    rng = random.Random(seed)
    systems = list(PLANTED)
    docs, secs, sents, toks, hits = [], [], [], [], []
    for d in range(n_docs):
        doc_id = f"doc{d}"
        pos, token_id, sentence_id, text = 0, 0, 0, []
        for j in range(sections_per_doc):
            sysid = systems[j % 3]
            sec_start = pos
            for p in range(2):  # two paragraphs per section, two sentences each
                for _ in range(2):
                    boiler = j == 0 and p == 0 and sentence_id == 0
                    words = (
                        ["坚持", "指导", "深入", "贯彻"]
                        if boiler
                        else [
                            rng.choice(PLANTED[sysid])
                            if rng.random() < 0.85
                            else rng.choice(PLANTED[rng.choice(systems)])
                            for _ in range(8)
                        ]
                        + [rng.choice(COMMON)]
                    )
                    s_start = pos
                    for w in words:
                        toks.append((doc_id, j, sentence_id, token_id, w, pos, pos + len(w), "n", True))
                        if not boiler and w.startswith(("数字", "应急", "调解")) and rng.random() < 0.3:
                            theme = next(k for k, v in PLANTED.items() if w in v)
                            hits.append((doc_id, theme, w, pos, pos + len(w)))
                        token_id += 1
                        pos += len(w)
                        text.append(w)
                    toks.append((doc_id, j, sentence_id, token_id, "。", pos, pos + 1, "x", False))
                    token_id += 1
                    pos += 1
                    text.append("。")
                    sents.append((doc_id, j, 2 * j + p, sentence_id, s_start, pos))
                    sentence_id += 1
            secs.append(
                (
                    doc_id,
                    j,
                    None,
                    1,
                    "chinese_numeral",
                    f"{j}、",
                    j + 1,
                    f"标题{j}",
                    sec_start,
                    pos,
                    f"{j + 1}",
                    sysid,
                    "heading",
                )
            )
        docs.append((doc_id, LEVELS[d % len(LEVELS)], "".join(text)))
    documents = pl.DataFrame(
        docs, schema={"doc_id": pl.String, "level": pl.String, "text": pl.String}, orient="row"
    )
    sections = declared_frame("sections", secs)
    sentences = declared_frame("sentences", sents, columns=[c for c in sentences_table.names if c != "text"])
    tokens = declared_frame("tokens", toks)
    boilerplate = pl.DataFrame(
        {"doc_id": [f"doc{d}" for d in range(n_docs)], "sentence_id": [0] * n_docs}
    ).with_columns(pl.col("sentence_id").cast(pl.Int32))
    theme_hits = pl.DataFrame(
        hits,
        schema={
            "doc_id": pl.String,
            "theme": pl.String,
            "term": pl.String,
            "start": pl.Int64,
            "end": pl.Int64,
        },
        orient="row",
    )
    return {
        "documents": documents,
        "sections": sections,
        "sentences": sentences,
        "tokens": tokens,
        "boilerplate": boilerplate,
        "theme_hits": theme_hits,
    }


FAST = T.TopicSettings(
    k_grid=(2, 3, 4),
    seeds=(0, 1, 2, 3, 4),
    lda_max_iter=15,
    nmf_max_iter=200,
    n_bootstrap=200,
    min_unit_tokens=5,
)


@pytest.fixture(scope="module")
def tables() -> dict[str, pl.DataFrame]:
    return synthetic_tables()


@pytest.fixture(scope="module")
def stage(tables) -> dict[str, pl.DataFrame]:
    return _run(tables, FAST)


# --- document-term matrix ---------------------------------------------------------------------------


def test_dtm_counts_kept_tokens_per_section(tables):
    dtm = T.document_term_matrix(
        tables["tokens"],
        sections=tables["sections"],
        documents=tables["documents"],
        settings=T.TopicSettings(min_df=1, max_df=1.0, exclude_boilerplate=False, min_unit_tokens=1),
    )
    kept = tables["tokens"].filter(pl.col("keep"))
    assert dtm.X.sum() == kept.height  # every kept token counted once, punctuation (keep=False) never
    assert "。" not in dtm.vocab
    assert dtm.vocab == sorted(dtm.vocab)
    assert dtm.units.height == tables["sections"].height
    # the row of doc1's section 4 holds exactly that section's tokens
    u = dtm.units.filter((pl.col("doc_id") == "doc1") & (pl.col("section_id") == 4))
    row = dtm.X[u["unit_id"][0]].toarray().ravel()
    expected = kept.filter((pl.col("doc_id") == "doc1") & (pl.col("section_id") == 4)).group_by("token").len()
    for term, n in expected.iter_rows():
        assert row[dtm.vocab.index(term)] == n
    assert u["system"][0] == "digital_government" if 4 % 3 == 0 else u["system"][0] == list(PLANTED)[4 % 3]
    assert u["level"][0] == "city"


def test_dtm_boilerplate_excluded_and_pruning(tables):
    loose = T.TopicSettings(min_df=1, max_df=1.0, min_unit_tokens=1)
    with_bp = T.document_term_matrix(tables["tokens"], boilerplate=tables["boilerplate"], settings=loose)
    assert "坚持" not in with_bp.vocab and with_bp.pruning["boilerplate_tokens"] == 4 * 4
    without = T.document_term_matrix(
        tables["tokens"],
        boilerplate=tables["boilerplate"],
        settings=replace_(loose, exclude_boilerplate=False),
    )
    assert "坚持" in without.vocab
    # max_df: the common words occur in (nearly) every section, so a 0.5 ceiling removes them
    pruned = T.document_term_matrix(tables["tokens"], settings=replace_(loose, max_df=0.5))
    assert not set(COMMON) & set(pruned.vocab)
    # min_df: terms in fewer units than the threshold go, the others stay
    df = np.asarray((without.X > 0).sum(axis=0)).ravel()
    threshold = int(np.median(df)) + 1
    rare = {t for t, c in zip(without.vocab, df) if c < threshold}
    assert rare and len(rare) < len(without.vocab)
    strict = T.document_term_matrix(
        tables["tokens"], settings=replace_(loose, exclude_boilerplate=False, min_df=threshold)
    )
    assert set(strict.vocab) == set(without.vocab) - rare
    capped = T.document_term_matrix(tables["tokens"], settings=replace_(loose, max_terms=5))
    assert len(capped.vocab) == 5


def replace_(s: T.TopicSettings, **kw) -> T.TopicSettings:
    from dataclasses import replace

    return replace(s, **kw)


@pytest.mark.parametrize("unit,n", [("paragraph", 4 * 9 * 2), ("document", 4)])
def test_dtm_other_units(tables, unit, n):
    s = T.TopicSettings(unit=unit, min_df=1, max_df=1.0, min_unit_tokens=1, exclude_boilerplate=False)
    dtm = T.document_term_matrix(
        tables["tokens"], sections=tables["sections"], sentences=tables["sentences"], settings=s
    )
    assert dtm.units.height == n
    assert dtm.X.sum() == tables["tokens"].filter(pl.col("keep")).height
    if unit == "paragraph":
        assert dtm.units["section_id"].null_count() == 0 and dtm.units["paragraph_id"].null_count() == 0
    else:
        assert dtm.units["section_id"].null_count() == n


def test_dtm_min_unit_tokens_drops_small_units(tables):
    s = T.TopicSettings(min_df=1, max_df=1.0, min_unit_tokens=100, exclude_boilerplate=False)
    assert T.document_term_matrix(tables["tokens"], settings=s).units.height == 0


def test_settings_reject_unknown_keys_and_units():
    with pytest.raises(ValueError):
        T.TopicSettings.from_mapping({"k": 3})
    with pytest.raises(ValueError):
        T.TopicSettings.from_mapping({"unit": "chapter"})
    assert T.TopicSettings.from_mapping({"k_grid": [3, 5]}).k_grid == (3, 5)


# --- NPMI, FREX, matching ---------------------------------------------------------------------------


def test_npmi_matches_hand_worked_example():
    # Four units, three terms A, B, C:
    #   unit 0: A B      unit 1: A B      unit 2: A C      unit 3: C
    # P(A)=3/4, P(B)=2/4, P(C)=2/4; P(A,B)=2/4, P(A,C)=1/4, P(B,C)=0.
    #   NPMI(A,B) = ln(0.5 / (0.75*0.5)) / -ln 0.5  = ln(4/3) / ln 2      = 0.415037...
    #   NPMI(A,C) = ln(0.25 / (0.75*0.5)) / -ln 0.25 = ln(2/3) / ln 4     = -0.292481...
    #   NPMI(B,C) = -1 (never together)
    # Coherence of topic {A,B,C} = mean = (0.415037 - 0.292481 - 1) / 3 = -0.292481...
    X = sparse.csr_matrix(np.array([[1, 2, 0], [1, 1, 0], [3, 0, 1], [0, 0, 1]]))
    ab = math.log(4 / 3) / math.log(2)
    ac = math.log(2 / 3) / math.log(4)
    assert ab == pytest.approx(0.4150375, abs=1e-7) and ac == pytest.approx(-0.2924813, abs=1e-7)
    got = T.npmi_coherence(X, [[0, 1], [0, 2], [1, 2], [0, 1, 2]])
    np.testing.assert_allclose(got, [ab, ac, -1.0, (ab + ac - 1) / 3], atol=1e-12)
    # always together: 1 by convention; a topic with one term: nan
    assert T.npmi_coherence(sparse.csr_matrix(np.ones((3, 2))), [[0, 1]])[0] == 1.0
    assert math.isnan(T.npmi_coherence(X, [[0]])[0])


def test_frex_hand_example():
    beta = np.array([[0.6, 0.3, 0.1], [0.1, 0.3, 0.6]])
    fr, excl = T.frex(beta, 0.5)
    np.testing.assert_allclose(excl, [[6 / 7, 0.5, 1 / 7], [1 / 7, 0.5, 6 / 7]])
    # topic 0, term 0: ECDF(excl)=1, ECDF(beta)=1 -> 1; term 1: both 2/3 -> 2/3; term 2: both 1/3 -> 1/3
    np.testing.assert_allclose(fr[0], [1, 2 / 3, 1 / 3])
    assert T.exclusivity(beta, n=1)[0] == pytest.approx(1.0)


def test_hungarian_matching_recovers_a_permutation():
    rng = np.random.default_rng(3)
    a = rng.dirichlet(np.full(50, 0.1), size=8)
    perm = rng.permutation(8)
    b = a[perm] + rng.normal(0, 1e-4, size=a.shape).clip(0)  # b's topic i is a's topic perm[i]
    got, sims = T.match_topics(a, b)
    inv = np.argsort(perm)
    np.testing.assert_array_equal(got, inv)  # a's topic t sits at position inv[t] of b
    assert sims.min() > 0.99
    pair, per_topic = T.stability([a, b, a[::-1]])
    np.testing.assert_allclose(pair, np.ones((3, 3)), atol=1e-3)
    assert per_topic.shape == (3, 8) and per_topic.min() > 0.99


# --- fitting ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["lda", "nmf"])
def test_fits_are_deterministic_per_seed(tables, model):
    dtm = T.document_term_matrix(tables["tokens"], settings=FAST)
    a = T.fit_topic_model(dtm.X, 3, model=model, seed=7, settings=FAST)
    b = T.fit_topic_model(dtm.X, 3, model=model, seed=7, settings=FAST)
    c = T.fit_topic_model(dtm.X, 3, model=model, seed=8, settings=FAST)
    assert a.components.tobytes() == b.components.tobytes()
    assert a.theta.tobytes() == b.theta.tobytes()
    assert a.components.tobytes() != c.components.tobytes()
    np.testing.assert_allclose(a.beta.sum(axis=1), 1)
    np.testing.assert_allclose(a.theta.sum(axis=1), 1)
    assert (a.perplexity is not None) == (model == "lda")


def test_lda_theta_and_perplexity_equal_the_public_api(tables):
    # fit_topic_model shares one E-step (public transform(normalize=False)) between theta and its own
    # variational bound; they must give what the public transform() and perplexity() give.
    from sklearn.decomposition import LatentDirichletAllocation

    dtm = T.document_term_matrix(tables["tokens"], settings=FAST)
    fit = T.fit_topic_model(dtm.X, 3, model="lda", seed=1, settings=FAST)
    est = LatentDirichletAllocation(
        n_components=3,
        learning_method="batch",
        max_iter=FAST.lda_max_iter,
        random_state=1,
        max_doc_update_iter=FAST.lda_doc_update_iter,
    ).fit(dtm.X.astype(float))
    assert fit.components.tobytes() == est.components_.tobytes()
    np.testing.assert_allclose(fit.theta, est.transform(dtm.X.astype(float)), rtol=1e-12)
    assert fit.perplexity == pytest.approx(est.perplexity(dtm.X.astype(float)), rel=1e-12)


def test_parallel_grid_equals_serial(tables):
    dtm = T.document_term_matrix(tables["tokens"], settings=FAST)
    s = replace_(FAST, k_grid=(3,), seeds=(0, 1))
    serial = T.fit_grid(dtm, s, jobs=1)
    parallel = T.fit_grid(dtm, s, jobs=2)
    assert serial.selection.equals(parallel.selection) and serial.runs.equals(parallel.runs)
    for key, fit in serial.fits.items():
        assert fit.components.tobytes() == parallel.fits[key].components.tobytes()


def test_planted_topics_are_recovered(tables):
    dtm = T.document_term_matrix(tables["tokens"], settings=FAST)
    for model in ("lda", "nmf"):
        fit = T.fit_topic_model(dtm.X, 3, model=model, seed=0, settings=FAST)
        prefixes = sorted({dtm.vocab[i][:2] for i in T.top_terms(fit.beta, 1)[:, 0]})
        assert prefixes == ["应急", "数字", "调解"], model


# --- selection and the stage ------------------------------------------------------------------------


def test_select_k_rule():
    sel = pl.DataFrame(
        {
            "model": ["lda"] * 3 + ["nmf"] * 3,
            "k": [2, 3, 4] * 2,
            "coherence": [0.1, 0.3, 0.3, 0.5, 0.1, 0.1],
            "exclusivity": [0.5, 0.7, 0.7, 0.9, 0.5, 0.5],
            "stability": [0.9, 0.95, 0.95, 0.9, 0.8, 0.7],
        }
    ).with_columns(pl.col("k").cast(pl.Int32))
    out = T.select_k(sel, "lda")
    # k=3 and k=4 tie for lda: the smaller wins; chosen marks that k for both models
    assert out.filter(pl.col("chosen"))["k"].unique().to_list() == [3]
    assert out.filter(pl.col("model") == "lda")["score"].to_list() == pytest.approx([0.0, 1.0, 1.0])
    assert T.select_k(sel, "nmf").filter(pl.col("chosen"))["k"].unique().to_list() == [2]


def test_stage_tables_match_their_contracts(stage):
    for name, df in stage.items():
        validate(name, df)
        if name == "topic_effects":
            # four documents over three levels leave no residual degrees of freedom for a contrast: nothing is
            # forced in (effects on enough documents: test_topic_effects_recover_a_planted_level_effect)
            assert df.height == 0
        elif name == "topic_seeded":
            # the project's lexicons share no word with the synthetic vocabulary: no seeded topic is made
            # (seeded topics on a planted lexicon: test_seeded_topics_keep_their_lexicon_...)
            assert df.height == 0
        elif name != "topic_settings":
            assert df.height > 0, name


def test_stability_reported_for_every_k_and_seed(stage):
    sel = stage["model_selection"]
    for model in ("lda", "nmf"):
        got = sel.filter(pl.col("model") == model)
        assert got["k"].to_list() == [2, 3, 4]
        assert got["stability"].null_count() == 0 and got["n_seeds"].to_list() == [5, 5, 5]
        assert ((got["stability"] > 0) & (got["stability"] <= 1 + 1e-9)).all()
        assert (got["stability_min"] <= got["stability"] + 1e-12).all()
    runs = stage["topic_runs"]
    assert runs.height == 2 * 3 * 5
    assert runs.group_by("model", "k").agg(pl.col("medoid").sum())["medoid"].to_list() == [1] * 6
    assert sel.filter(pl.col("model") == "lda")["perplexity"].null_count() == 0
    assert sel.filter(pl.col("model") == "nmf")["perplexity"].null_count() == 3


def test_stage_finds_the_planted_structure(stage):
    sel = stage["model_selection"]
    assert sel.filter(pl.col("chosen"))["k"].unique().to_list() == [3]  # three planted topics
    summary = stage["topic_summary"]
    for model in ("lda", "nmf"):
        systems = sorted(summary.filter(pl.col("model") == model)["system"].to_list())
        assert systems == sorted(PLANTED), model  # each topic labelled with its planted system
    label = summary["label"][0]
    assert " · " in label and label.split(" · ")[0] in PLANTED
    # doc_topics rows sum to one per unit and model
    sums = stage["doc_topics"].group_by("model", "unit_id").agg(pl.col("share").sum())["share"]
    np.testing.assert_allclose(sums.to_numpy(), 1)
    # alignment: each topic's strongest system and theme is its own, with lift > 1
    al = stage["topic_alignment"].join(
        summary.select("model", "topic", pl.col("system").alias("own")), on=["model", "topic"]
    )
    for kind in ("theme", "system"):
        best = (
            al.filter(pl.col("kind") == kind).sort("lift", descending=True).group_by("model", "topic").first()
        )
        assert (best["target"] == best["own"]).all(), kind
        assert (best["lift"] > 1).all()
    reps = stage["topic_representatives"]
    assert reps.group_by("model", "topic").len()["len"].max() == FAST.n_representatives
    assert (reps["excerpt"].str.len_chars() > 0).all()


def test_prevalence_intervals_contain_the_estimate(stage):
    prev = stage["topic_prevalence"]
    assert ((prev["lo"] <= prev["share"] + 1e-12) & (prev["share"] <= prev["hi"] + 1e-12)).all()
    assert set(prev["level"]) == {"province", "city", "county"}
    assert prev.filter(pl.col("level") == "county")["n_docs"].unique().to_list() == [2]
    sums = prev.group_by("model", "level").agg(pl.col("share").sum())["share"]
    np.testing.assert_allclose(sums.to_numpy(), 1)


def test_stage_is_byte_deterministic(tables, stage):
    again = T.run_topics(
        tables["tokens"],
        sections=tables["sections"],
        sentences=tables["sentences"],
        documents=tables["documents"],
        boilerplate=tables["boilerplate"],
        theme_hits=tables["theme_hits"],
        settings=FAST,
    )
    for name in stage:
        assert stage[name].equals(again[name]), name


def test_propose_label_rule():
    label, system, share = T.propose_label(["a", "b", "c", "d"], ["x", "x", "y", None], [0.5, 0.2, 0.2, 0.1])
    assert (label, system) == ("x · a b c", "x") and share == pytest.approx(0.7)
    label, system, _ = T.propose_label(["a", "b"], ["x", "y", None], [0.4, 0.4, 0.2])
    assert system is None and label == "— · a b"


def test_build_stage_reads_ctx(tables):
    from fazhi.pipeline import BuildContext

    ctx = BuildContext(
        corpus=Path("."),
        out=Path("."),
        tables=dict(tables),
        progress=False,
        jobs=1,
        settings={"topics": {"k_grid": [3], "seeds": [0, 1], "n_bootstrap": 50, "min_unit_tokens": 5}},
    )
    out = T.build_stage(ctx)
    assert out["model_selection"]["k"].unique().to_list() == [3]
    settings = dict(out["topic_settings"].iter_rows())
    assert settings["k_grid"] == "[3]" and settings["unit"] == "section"
    empty = T.build_stage(BuildContext(corpus=Path("."), out=Path("."), progress=False, jobs=1))
    assert empty["topics"].height == 0


# --- scaling: selection on a sample, online LDA, bounded bootstrap ----------------------------------


def test_selection_sample_rule():
    assert T.selection_sample(4000, 4000) is None  # at the threshold: all units
    assert T.selection_sample(10, 0) is None  # 0 disables sampling
    a = T.selection_sample(10_000, 300, seed=5)
    b = T.selection_sample(10_000, 300, seed=5)
    assert a is not None and a.size == 300 and np.unique(a).size == 300
    assert (np.diff(a) > 0).all() and a.min() >= 0 and a.max() < 10_000
    np.testing.assert_array_equal(a, b)  # deterministic for the seed
    assert not np.array_equal(a, T.selection_sample(10_000, 300, seed=6))


def test_lda_method_auto_rule(tables):
    s = T.TopicSettings(lda_online_min_units=100)
    assert T.lda_method(100, s) == "batch" and T.lda_method(101, s) == "online"
    assert T.lda_method(10**6, replace_(s, lda_learning_method="batch")) == "batch"
    with pytest.raises(ValueError):
        T.TopicSettings.from_mapping({"lda_learning_method": "gibbs"})
    online = replace_(FAST, lda_learning_method="online", lda_online_passes=3, lda_batch_size=8)
    dtm = T.document_term_matrix(tables["tokens"], settings=FAST)
    a = T.fit_topic_model(dtm.X, 3, model="lda", seed=2, settings=online)
    b = T.fit_topic_model(dtm.X, 3, model="lda", seed=2, settings=online)
    assert a.components.tobytes() == b.components.tobytes() and a.n_iter == 3


def _run(tables, settings):
    return T.run_topics(
        tables["tokens"],
        sections=tables["sections"],
        sentences=tables["sentences"],
        documents=tables["documents"],
        boilerplate=tables["boilerplate"],
        theme_hits=tables["theme_hits"],
        settings=settings,
    )


def test_no_sampling_at_or_below_the_threshold(tables, stage):
    n = stage["doc_topics"].filter((pl.col("topic") == 0) & (pl.col("model") == "lda")).height
    same = _run(tables, replace_(FAST, selection_max_units=n))
    for name in stage:
        if name != "topic_settings":
            assert stage[name].equals(same[name]), name
    used = dict(stage["topic_settings"].iter_rows())
    assert used["selection_sampled"] == "False" and used["selection_units"] == used["final_units"] == str(n)
    assert stage["model_selection"]["n_units"].unique().to_list() == [n]
    assert (stage["topic_summary"]["sample_match"] == 1.0).all()


def test_selection_on_a_sample_then_final_fits_on_all_units(tables):
    s = replace_(FAST, selection_max_units=20, k_grid=(2, 3), seeds=(0, 1, 2))
    out = _run(tables, s)
    n_all = out["doc_topics"].filter((pl.col("topic") == 0) & (pl.col("model") == "lda")).height
    assert n_all > 20
    sel = out["model_selection"]
    assert sel["n_units"].unique().to_list() == [20] and sel["n_units_all"].unique().to_list() == [n_all]
    assert out["topic_runs"]["n_units"].unique().to_list() == [20]
    used = dict(out["topic_settings"].iter_rows())
    assert (
        used["selection_sampled"] == "True"
        and used["selection_units"] == "20"
        and used["final_units"] == str(n_all)
    )
    assert used["selection_max_units"] == "20"
    # the final models describe every unit, at the chosen k
    k = int(sel.filter(pl.col("chosen"))["k"][0])
    assert (
        out["doc_topics"].group_by("model").agg(pl.col("unit_id").n_unique())["unit_id"].to_list()
        == [n_all] * 2
    )
    assert out["topic_summary"].group_by("model").len()["len"].to_list() == [k] * 2
    match = out["topic_summary"]["sample_match"]
    assert ((match > 0) & (match <= 1 + 1e-9)).all()
    for name, df in out.items():
        validate(name, df)
    again = _run(tables, s)  # byte-identical run after run
    for name in out:
        assert out[name].equals(again[name]), name


def test_bootstrap_by_document_equals_the_dense_bootstrap(stage):
    dt = stage["doc_topics"]
    dense = T.prevalence_by_level(dt, n_bootstrap=200, seed=3)
    blocked = T.prevalence_by_level(dt, n_bootstrap=200, seed=3, dense_max=0)
    for col in ("share", "lo", "hi"):
        np.testing.assert_allclose(blocked[col].to_numpy(), dense[col].to_numpy(), rtol=1e-12, atol=1e-15)


def test_stratified_selection_sample_keeps_thin_strata():
    # 9,000 provincial units and 60 county units, a sample of 1,000: a simple random sample would hold
    # about 7 county units; the stratified one gives each level a floor of min(size, 1000 // (2 * 2)),
    # i.e. all 60 county units and 250 provincial ones, and the other 690 go where units are left.
    labels = ["province"] * 9000 + ["county"] * 60
    rows = T.selection_sample(len(labels), 1000, seed=3, strata=labels)
    assert rows is not None and rows.size == 1000 and np.unique(rows).size == 1000
    assert (np.diff(rows) > 0).all()
    got = pl.Series([labels[i] for i in rows]).value_counts().sort("")
    counts = dict(zip(got[""].to_list(), got["count"].to_list()))
    assert counts == {"county": 60, "province": 940}
    np.testing.assert_array_equal(rows, T.selection_sample(len(labels), 1000, seed=3, strata=labels))
    # three strata, none thin: floors of 1000 // 6 = 166 each, the remaining 502 in proportion to what is left
    labels3 = ["a"] * 5000 + ["b"] * 3000 + ["c"] * 2000
    rows3 = T.selection_sample(len(labels3), 1000, seed=0, strata=labels3)
    got3 = pl.Series([labels3[i] for i in rows3]).value_counts()
    counts3 = dict(zip(got3[""].to_list(), got3["count"].to_list()))
    left = {"a": 5000 - 166, "b": 3000 - 166, "c": 2000 - 166}
    for name, n in counts3.items():
        assert abs(n - (166 + 502 * left[name] / sum(left.values()))) < 1
    assert sum(counts3.values()) == 1000
    with pytest.raises(ValueError):
        T.selection_sample(10, 5, strata=["a"] * 9)


def test_selection_is_stratified_by_level_in_the_stage(tables):
    dtm = T.document_term_matrix(tables["tokens"], documents=tables["documents"], settings=FAST)
    s = replace_(FAST, selection_max_units=20)
    rows = T.selection_rows(dtm, s)
    levels = dtm.units["level"].to_list()
    assert rows is not None
    assert {levels[i] for i in rows} == set(levels)  # every level is in the sample
    simple = T.selection_rows(dtm, replace_(s, selection_stratify=""))
    np.testing.assert_array_equal(simple, T.selection_sample(len(levels), 20, s.selection_seed))
    with pytest.raises(ValueError):
        T.selection_rows(dtm, replace_(s, selection_stratify="nope"))


# --- model choice that holds, junk filter -------------------------------------------------------------


def _sel(scores_lda, scores_nmf=None, ks=(2, 3, 4)):
    """A selection frame whose three criteria all equal the given values (so the scaled score orders
    alike)."""
    rows = [("lda", k, v, v, v) for k, v in zip(ks, scores_lda)]
    rows += [("nmf", k, v, v, v) for k, v in zip(ks, scores_nmf or [])]
    return pl.DataFrame(
        rows,
        schema={
            "model": pl.String,
            "k": pl.Int32,
            "coherence": pl.Float64,
            "exclusivity": pl.Float64,
            "stability": pl.Float64,
        },
        orient="row",
    )


def test_auto_rule_chooses_the_model_with_k():
    out = T.select_k(_sel([0.1, 0.2, 0.3], [0.2, 0.9, 0.4]), "auto")
    assert out.filter(pl.col("primary"))["model"].unique().to_list() == ["nmf"]
    assert out.filter(pl.col("chosen"))["k"].unique().to_list() == [3]
    assert out["interior"].all() and not out["flat"].any()
    # a fixed primary model keeps the old rule: k among that model's rows only
    fixed = T.select_k(_sel([0.1, 0.2, 0.3], [0.2, 0.9, 0.4]), "lda")
    assert fixed.filter(pl.col("chosen"))["k"].unique().to_list() == [4]
    assert not fixed["interior"].any()


def test_flat_criterion_is_flagged():
    out = T.select_k(_sel([0.50, 0.51, 0.1]), "lda", flat_margin=0.05)
    assert out["flat"].all()
    assert out["margin"][0] == pytest.approx(1 / 0.41 * 0.01)  # scaled: 1.0 against 0.9756...
    assert not T.select_k(_sel([0.1, 0.9, 0.1]), "lda")["flat"].any()


def test_widen_k_rule():
    assert T.widen_k([4, 6, 8], 8, max_k=30) == 10
    assert T.widen_k([4, 6, 8], 4, max_k=30) == 2
    assert T.widen_k([4, 6, 8], 6, max_k=30) is None
    assert T.widen_k([2, 4], 2, max_k=30) is None  # cannot go below 2
    assert T.widen_k([4, 6, 8], 8, max_k=9) is None  # nor above max_k
    assert T.widen_k([5], 5, max_k=30) is None  # a single k is fixed by the researcher


def test_grid_widens_until_the_choice_is_interior(tables):
    # three planted topics: a grid that starts above 3 must widen downwards to find an interior k
    s = replace_(FAST, k_grid=(5, 6), seeds=(0, 1), k_widen_steps=4)
    dtm = T.document_term_matrix(
        tables["tokens"],
        sections=tables["sections"],
        documents=tables["documents"],
        boilerplate=tables["boilerplate"],
        settings=s,
    )
    grid = T.fit_grid(dtm, s)
    sel = grid.selection
    ks = sorted(set(sel["k"].to_list()))
    assert ks[0] < 5  # widened
    chosen = sel.filter(pl.col("chosen"))["k"][0]
    assert sel["interior"][0] == (ks[0] < chosen < ks[-1])
    assert set(grid.runs["k"].to_list()) == set(ks)
    no_widen = T.fit_grid(dtm, replace_(s, k_widen_steps=0))
    assert sorted(set(no_widen.selection["k"].to_list())) == [5, 6]


def test_junk_filter_drops_pinyin_furniture_and_places(tables):
    tok = tables["tokens"]
    extra = pl.DataFrame(
        {
            "doc_id": ["doc0"] * 4,
            "section_id": [1] * 4,
            "sentence_id": [2] * 4,
            "token_id": [9000, 9001, 9002, 9003],
            "token": ["ng", "无障碍", "海淀区", "GDPR"],
            "start": [10**6 + i for i in range(4)],
            "end": [10**6 + i + 1 for i in range(4)],
            "pos": ["eng", "n", "ns", "eng"],
            "keep": [True] * 4,
        },
        schema=tok.schema,
    )
    more = pl.concat(
        [tok] + [extra.with_columns(pl.col("doc_id").str.replace("0", str(d))) for d in range(4)]
    )
    s = replace_(FAST, min_df=1)
    dtm = T.document_term_matrix(more, sections=tables["sections"], documents=tables["documents"], settings=s)
    assert not {"ng", "无障碍", "海淀区"} & set(dtm.vocab)
    assert "GDPR" in dtm.vocab  # four letters: not a pinyin fragment
    assert dtm.pruning["junk_tokens_pinyin"] == 4
    assert dtm.pruning["junk_tokens_furniture"] == 4
    assert dtm.pruning["junk_tokens_places"] == 4
    off = T.document_term_matrix(
        more,
        sections=tables["sections"],
        documents=tables["documents"],
        settings=replace_(s, junk_filter=False),
    )
    assert {"ng", "无障碍", "海淀区"} <= set(off.vocab)


def test_junk_rules_file_is_read():
    rules = T.junk_rules()
    assert rules.pinyin_max_letters == 3 and "无障碍" in rules.furniture and "ns" in rules.place_pos
    assert not {"政务公开", "网站"} & rules.furniture  # genuine vocabulary of the field stays


# --- prevalence by covariates ----------------------------------------------------------------------------


def test_topic_effects_recover_a_planted_level_effect():
    """Twelve documents in six regions; province documents carry twice the first topic's share."""
    k, rng = 2, np.random.default_rng(0)
    docs, units, theta, gamma = [], [], [], []
    for d in range(12):
        level = "province" if d % 2 else "county"
        docs.append((f"d{d}", level, "annual_report", 2020 + d % 3, f"region{d // 2}"))
        for u in range(4):
            share = 0.6 if level == "province" else 0.3
            s0 = float(np.clip(share + rng.normal(0, 0.03), 0.01, 0.99))
            units.append((len(units), f"d{d}", 100))
            theta.append([s0, 1 - s0])
            gamma.append([100 * s0 + 0.5, 100 * (1 - s0) + 0.5])
    documents = pl.DataFrame(
        docs,
        schema={
            "doc_id": pl.String,
            "level": pl.String,
            "doc_type": pl.String,
            "period_start": pl.Int32,
            "region": pl.String,
        },
        orient="row",
    )
    u = pl.DataFrame(
        units, schema={"unit_id": pl.Int32, "doc_id": pl.String, "n_tokens": pl.Int64}, orient="row"
    )
    dtm = T.DTM(X=sparse.csr_matrix((len(units), 3)), vocab=["a", "b", "c"], units=u, unit="section")
    th = np.asarray(theta)
    fit = T.TopicFit(
        model="lda",
        k=k,
        seed=0,
        components=np.ones((k, 3)),
        beta=np.ones((k, 3)) / 3,
        theta=th,
        perplexity=None,
        n_iter=1,
        gamma=np.asarray(gamma),
    )
    out = T.topic_effects(fit, dtm, documents, n_draws=40)
    validate("topic_effects", out)
    eff = out.filter((pl.col("topic") == 0) & (pl.col("covariate") == "level")).row(0, named=True)
    assert eff["contrast"] == "province − county"  # tie in frequency: reference is the first by name
    assert eff["lo"] < 0.3 < eff["hi"] and eff["lo"] > 0.1  # the planted difference, excluded zero
    assert eff["method"] == "mixedlm" and eff["n_groups"] == 6 and eff["n_docs"] == 12
    # the two topics' effects mirror each other (shares sum to one)
    other = out.filter((pl.col("topic") == 1) & (pl.col("covariate") == "level"))["estimate"][0]
    assert other == pytest.approx(-eff["estimate"], abs=0.02)
    # deterministic
    assert out.equals(T.topic_effects(fit, dtm, documents, n_draws=40))
    # too few documents for a contrast: the covariates that do not fit are left out, not forced in
    few = T.topic_effects(fit, dtm, documents.head(3), n_draws=5)
    assert set(few["covariate"].to_list()) <= {"intercept", "level", "year"}


def test_effect_design_reference_and_budget():
    docs = pl.DataFrame(
        {"level": ["a", "b", "b", "c"], "doc_type": ["x"] * 4, "year": [2000.0, 2010.0, 2020.0, 2030.0]}
    )
    X, names = T.effect_design(docs, max_params=4)
    assert names == [
        ("intercept", "reference document"),
        ("level", "a − b"),
        ("level", "c − b"),
        ("year", "per 10 years"),
    ]
    assert X[:, 3].tolist() == pytest.approx([-1.5, -0.5, 0.5, 1.5])
    _, names2 = T.effect_design(docs, max_params=2)
    assert names2 == [("intercept", "reference document"), ("year", "per 10 years")]  # level would need 3


# --- lexicon-seeded topics ---------------------------------------------------------------------------------


def test_seeded_topics_keep_their_lexicon_and_agree_with_the_dictionary(tables):
    s = replace_(FAST, seeded_free_topics=1)
    dtm = T.document_term_matrix(
        tables["tokens"],
        sections=tables["sections"],
        documents=tables["documents"],
        boilerplate=tables["boilerplate"],
        settings=s,
    )
    lex = pl.DataFrame(
        [(theme, w) for theme, words in PLANTED.items() for w in words[:4]] + [("absent", "无此词")],
        schema={"theme": pl.String, "term": pl.String},
        orient="row",
    )
    tu = T.theme_counts_per_unit(tables["theme_hits"], dtm)
    out = T.seeded_topics(dtm, lex, tu, s)
    validate("topic_seeded", out)
    seeded = out.filter(pl.col("theme").is_not_null())
    assert seeded["theme"].to_list() == list(
        PLANTED
    )  # lexicon order; a lexicon with no word in the vocabulary: no topic
    assert out.filter(pl.col("theme").is_null()).height == 1
    for row in seeded.iter_rows(named=True):
        assert row["n_seed_terms"] == 4 and row["seed_share_top"] >= 0.4
        assert row["best_theme"] == row["theme"] and row["dictionary_rho"] > 0.5
    assert out.equals(T.seeded_topics(dtm, lex, tu, s))


def test_junk_rules_read_the_gazetteer_when_shipped(tmp_path, monkeypatch):
    import fazhi.paths
    from fazhi.paths import PACKAGE_DATA

    (tmp_path / "topic_junk.toml").write_text(
        (PACKAGE_DATA / "topic_junk.toml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    monkeypatch.setattr(fazhi.paths, "PACKAGE_DATA", tmp_path)
    assert T.junk_rules().places == frozenset()  # no gazetteer: only the part-of-speech rule
    (tmp_path / "divisions").mkdir()
    (tmp_path / "divisions" / "divisions.csv").write_text(
        "code,name,rank,province,prefecture,short\n110000,北京市,province,北京市,,北京\n110108,海淀区,county,北京市,,\n",
        encoding="utf-8",
    )
    assert T.junk_rules().places == frozenset({"北京市", "北京", "海淀区"})


def test_online_lda_by_partial_fit_equals_the_online_fit(tables):
    # Online LDA runs partial_fit once per pass (no closing E-step and bound inside fit); the components
    # and shares must be those of scikit-learn's own online fit, the perplexity its perplexity().
    from sklearn.decomposition import LatentDirichletAllocation

    s = replace_(FAST, lda_learning_method="online", lda_batch_size=16, lda_online_passes=3)
    dtm = T.document_term_matrix(tables["tokens"], settings=s)
    fit = T.fit_topic_model(dtm.X, 3, model="lda", seed=2, settings=s)
    X = dtm.X.astype(float)
    est = LatentDirichletAllocation(
        n_components=3,
        learning_method="online",
        max_iter=3,
        batch_size=16,
        random_state=2,
        max_doc_update_iter=s.lda_online_doc_update_iter,
    ).fit(X)
    assert fit.n_iter == 3
    assert fit.components.tobytes() == est.components_.tobytes()
    np.testing.assert_array_equal(fit.gamma, est.transform(X, normalize=False))
    assert fit.perplexity == pytest.approx(est.perplexity(X), rel=1e-10)
    assert fit.perplexity == pytest.approx(est.bound_, rel=1e-10)


def test_no_private_scikit_learn_api_in_the_package():
    import pathlib
    import re

    src = pathlib.Path(T.__file__).parent
    for f in sorted(src.glob("*.py")):
        text = f.read_text(encoding="utf-8")
        assert not re.search(r"\best\._[a-z]", text), f.name
        assert "_unnormalized_transform" not in text and "_perplexity_precomp_distr" not in text, f.name


def test_english_label_glosses_known_terms_and_keeps_the_rest():
    version, gloss = T.glossary()
    assert version and gloss["行政复议"] == "administrative reconsideration"
    en, n = T.english_label(2, "dispute_resolution", ["行政复议", "某某词"], gloss=gloss)
    assert en == "Dispute prevention and resolution: administrative reconsideration, 某某词" and n == 1
    en, n = T.english_label(5, None, ["某某词", "另一词"], gloss=gloss)
    assert en == "topic 5: 某某词, 另一词" and n == 0  # nothing glossed: the pinyin-free fallback


def test_topic_paragraphs_carry_the_english_label(stage):
    md = T.topic_paragraphs(stage["topic_summary"], stage["topic_representatives"], model="lda")
    heads = [line for line in md.splitlines() if line.startswith("### Topic")]
    english = [line for line in md.splitlines() if line.startswith("*") and not line.startswith("**")]
    assert heads and len(english) == len(heads)


def test_choice_report_states_the_rule_the_choice_and_the_units(stage):
    text = T.choice_report(stage["model_selection"], stage["topic_settings"])
    lines = text.splitlines()
    assert lines[0].startswith("Rule: ") and lines[1] == T.selection_statement(stage["model_selection"])
    primary = stage["model_selection"].filter(pl.col("primary"))["model"][0]
    assert f"Runner-up for {primary}" in text and "Selection ran on" in text


def test_api_reference_lists_the_topics_package_members(tmp_path):
    from fazhi.apidoc import write_reference

    page = next(p for p in write_reference(tmp_path) if p.name == "topics.qmd").read_text(encoding="utf-8")
    for name in ("document_term_matrix", "fit_topic_model", "topic_effects", "seeded_topics", "run_topics"):
        assert f"## {name} " in page, name
