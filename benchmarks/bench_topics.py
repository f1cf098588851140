"""Benchmark of the default topic stage on a ≥ 10 MB synthetic corpus.

Runs ``fazhi.topics.run_topics`` with the default settings (every k × every seed × both models, model
selection on the seeded sample of ``selection_max_units`` units, final models on all units) and prints
the cost of each of its steps as a ratio to a reference measured in the same run: one bare scikit-learn
``LatentDirichletAllocation`` fit (k = 8, scikit-learn's own defaults: batch, 10 passes) on the same
matrix. Two checks of the design choices follow, on the selection sample: the grid serial against
parallel (does the worker pool pay for itself?), and batch against online LDA (cost, perplexity, NPMI).

    uv run python benchmarks/bench_topics.py [--mb 10] [--jobs 2]

The corpus (``benchmarks/synthetic.py``) repeats the seeds' sections, so its vocabulary is the seeds'
and the matrix is as sparse as real documents of this genre; preparation (segmentation, tokenisation)
is timed apart and not counted. Each step runs once (the whole stage is minutes on a loaded 2-core
machine; repeat the script for medians).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "pkg"))


def _time(fn, *args, **kwargs):
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=10.0, help="corpus size in millions of characters")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (as fazhi build --jobs)")
    args = ap.parse_args()

    import numpy as np
    import polars as pl
    from fazhi import segment, tokenizer
    from fazhi import topics as T
    from sklearn.decomposition import LatentDirichletAllocation
    from synthetic import synthetic_corpus
    from threadpoolctl import threadpool_limits

    texts, t_corpus = _time(synthetic_corpus, int(args.mb * 1_000_000), 0)
    n_chars = sum(map(len, texts))
    documents = pl.DataFrame(
        {
            "doc_id": [f"syn{i:05d}" for i in range(len(texts))],
            "level": ["unknown"] * len(texts),
            "text": texts,
        }
    )
    seg, t_seg = _time(segment.segment_documents, documents)
    with tempfile.TemporaryDirectory() as cache:
        tokens, t_tok = _time(
            tokenizer.tokens_table,
            documents,
            seg["sentences"],
            seg["sections"],
            jobs=args.jobs,
            cache=Path(cache),
        )
    print(
        f"corpus: {len(texts)} documents, {n_chars:,} characters, {tokens.height:,} tokens "
        f"(prepared in {t_corpus + t_seg + t_tok:.1f} s: synthetic {t_corpus:.1f}, segment {t_seg:.1f}, "
        f"tokenise {t_tok:.1f})"
    )

    s = T.TopicSettings()
    dtm = T.document_term_matrix(tokens, sections=seg["sections"], documents=documents, settings=s)
    X = dtm.X
    print(f"matrix: {X.shape[0]:,} units × {X.shape[1]:,} terms, {X.nnz:,} non-zero cells")
    k = 8
    with threadpool_limits(1):
        ref = LatentDirichletAllocation(n_components=k, random_state=0)
        _, t_ref = _time(ref.fit, X.astype(np.float64))

    timings: dict[str, float] = {}
    out, t_stage = _time(
        T.run_topics,
        tokens,
        sections=seg["sections"],
        documents=documents,
        settings=s,
        jobs=args.jobs,
        timings=timings,
    )
    used = dict(out["topic_settings"].iter_rows())
    sel = out["model_selection"]
    chosen = int(sel.filter(pl.col("chosen"))["k"][0])
    n_fits = sel["n_seeds"].sum()
    grid_workers = args.jobs if int(used["selection_units"]) >= s.parallel_min_units else 1
    print(
        f"default stage: model selection on {used['selection_units']} of {used['final_units']} units "
        f"(sampled: {used['selection_sampled']}, LDA {used['lda_method_selection']}), chosen k = {chosen}; "
        f"final models on all units (LDA {used['lda_method_final']})\n"
    )
    rows = [
        (f"reference: bare sklearn LDA, k={k}, sklearn defaults (batch, 10 passes), all units", t_ref),
        ("run_topics: document-term matrix", timings["matrix"]),
        (
            (
                f"run_topics: grid, {n_fits} fits (k={list(s.k_grid)} × {len(s.seeds)} seeds × "
                f"{len(s.models)} models) on the sample, {grid_workers} workers"
            ),
            timings["grid"],
        ),
        (f"run_topics: final LDA + NMF at k={chosen} on all units", timings["final fits"]),
        ("run_topics: description and alignment", timings["description and alignment"]),
        (f"run_topics: prevalence bootstrap ({s.n_bootstrap} replicates)", timings["prevalence bootstrap"]),
        ("run_topics: whole default stage", t_stage),
    ]

    # Checks of the design on the selection sample: the grid's fits serial or across workers, and LDA batch
    # against online at one k.
    rows = T.selection_rows(dtm, s)
    grid_dtm = dtm if rows is None else T.subset_dtm(dtm, rows)
    one_k = replace(s, k_grid=(k,))
    serial, t_serial = _time(T.fit_grid, grid_dtm, one_k, jobs=1)
    parallel, t_parallel = _time(T.fit_grid, grid_dtm, one_k, jobs=args.jobs)
    assert serial.runs.equals(parallel.runs), "parallel grid differs from serial"
    n_one = len(one_k.seeds) * len(one_k.models)
    rows += [
        (f"check: grid at k={k} only ({n_one} fits) on the sample, serial", t_serial),
        (f"check: the same, {args.jobs} workers (identical results)", t_parallel),
    ]
    quality = []
    Xs = grid_dtm.X
    for method in ("batch", "online"):
        times, perps, cohs = [], [], []
        for seed in (0, 1, 2):
            fit, t = _time(
                T.fit_topic_model,
                Xs,
                k,
                model="lda",
                seed=seed,
                settings=replace(s, lda_learning_method=method),
            )
            times.append(t)
            perps.append(fit.perplexity)
            cohs.append(float(np.nanmean(T.npmi_coherence(Xs, T.top_terms(fit.beta, s.n_top)))))
        passes = s.lda_max_iter if method == "batch" else s.lda_online_passes
        rows.append(
            (
                f"check: LDA {method} ({passes} passes), k={k}, on the sample (median of 3 seeds)",
                float(np.median(times)),
            )
        )
        quality.append((method, passes, perps, cohs))

    w = max(len(r[0]) for r in rows)
    print(f"{'step':<{w}}  {'seconds':>8}  {'× reference':>11}")
    for name, t in rows:
        print(f"{name:<{w}}  {t:8.2f}  {t / t_ref:11.2f}")
    print(
        f"\nLDA on the {Xs.shape[0]:,}-unit sample, k={k}, seeds 0, 1, 2 (in-sample perplexity: lower "
        "is better; NPMI: higher):"
    )
    for method, passes, perps, cohs in quality:
        print(
            f"  {method:<6} {passes:>2} passes: perplexity {np.mean(perps):8.1f} (seeds "
            f"{' '.join(f'{p:.1f}' for p in perps)})   NPMI coherence {np.mean(cohs):+.3f} (seeds "
            f"{' '.join(f'{c:+.3f}' for c in cohs)})"
        )
    # What the previous default (the grid on every unit, batch LDA with 20 passes) would cost: each LDA fit
    # about two reference fits (20 passes against 10), NMF fits neglected, spread over the workers.
    old = len(s.k_grid) * len(s.seeds) * 2 * t_ref / args.jobs
    print(
        f"\nprevious default (grid on all units, batch LDA): about {old / 60:.0f} min by the same reference "
        f"(25 LDA fits × 2 × reference / {args.jobs} workers); the default stage now: {t_stage / 60:.1f} min."
    )


if __name__ == "__main__":
    main()
