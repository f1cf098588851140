"""Benchmark of the topic stage on a ≥ 10 MB synthetic corpus.

Prints one table: the document-term matrix, one bare scikit-learn LDA fit (the reference: what any topic
model of this corpus costs at the least), our wrapped LDA and NMF fits, the diagnostics of one k, a small
grid through ``fazhi.topics.run_topics`` (matrix, fits, diagnostics, description, bootstrap), each with its
ratio to the reference measured in the same run; then the estimated cost of the default grid.

    uv run python benchmarks/bench_topics.py [--mb 10] [--max-iter 3] [--jobs 2]

The corpus (``benchmarks/synthetic.py``) repeats the seeds' sections, so its vocabulary is the seeds'
and the matrix is as sparse as real documents of this genre; preparation (segmentation, tokenisation)
is timed apart and not counted.
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


def _time(fn, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=10.0, help="corpus size in millions of characters")
    ap.add_argument("--max-iter", type=int, default=3, help="LDA passes for every fit of this benchmark")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()

    import numpy as np
    import polars as pl
    from sklearn.decomposition import LatentDirichletAllocation
    from threadpoolctl import threadpool_limits

    from fazhi import segment, tokenizer
    from fazhi import topics as T
    from synthetic import synthetic_corpus

    texts, t_corpus = _time(synthetic_corpus, int(args.mb * 1_000_000), 0)
    n_chars = sum(map(len, texts))
    documents = pl.DataFrame(
        {"doc_id": [f"syn{i:05d}" for i in range(len(texts))], "level": ["unknown"] * len(texts), "text": texts}
    )
    seg, t_seg = _time(segment.segment_documents, documents)
    with tempfile.TemporaryDirectory() as cache:
        tokens, t_tok = _time(
            tokenizer.tokens_table, documents, seg["sentences"], seg["sections"], jobs=args.jobs, cache=Path(cache)
        )
    print(
        f"corpus: {len(texts)} documents, {n_chars:,} characters, {tokens.height:,} tokens "
        f"(prepared in {t_corpus + t_seg + t_tok:.1f} s: synthetic {t_corpus:.1f}, segment {t_seg:.1f}, tokenise {t_tok:.1f})"
    )

    s = replace(T.TopicSettings(), lda_max_iter=args.max_iter)
    dtm, t_dtm = _time(T.document_term_matrix, tokens, sections=seg["sections"], documents=documents, settings=s)
    X = dtm.X
    print(f"matrix: {X.shape[0]:,} units × {X.shape[1]:,} terms, {X.nnz:,} non-zero cells\n")
    k = 8
    with threadpool_limits(1):
        ref = LatentDirichletAllocation(
            n_components=k, learning_method="batch", max_iter=args.max_iter, random_state=0,
            max_doc_update_iter=s.lda_doc_update_iter,
        )
        _, t_ref = _time(ref.fit, X.astype(np.float64))
    lda, t_lda = _time(T.fit_topic_model, X, k, model="lda", seed=0, settings=s)
    Xt, t_tfidf = _time(T.tfidf, X)
    nmf, t_nmf = _time(T.fit_topic_model, X, k, model="nmf", seed=0, settings=s, X_tfidf=Xt)

    def diagnostics() -> None:
        T.npmi_coherence(X, T.top_terms(lda.beta, s.n_top))
        T.exclusivity(lda.beta, s.n_top, s.frex_weight)
        T.stability([lda.beta, nmf.beta])

    _, t_diag = _time(diagnostics)
    small = replace(s, k_grid=(k,), seeds=(0, 1), n_bootstrap=200)
    _, t_stage = _time(
        T.run_topics, tokens, sections=seg["sections"], documents=documents, settings=small, jobs=args.jobs
    )
    n_fits_small = len(small.models) * len(small.k_grid) * len(small.seeds)

    rows = [
        ("bare sklearn LDA fit, k=8 (reference)", t_ref),
        ("document-term matrix (fazhi.topics)", t_dtm),
        ("tf-idf for NMF", t_tfidf),
        ("fit_topic_model lda, k=8 (fit + theta + perplexity)", t_lda),
        ("fit_topic_model nmf, k=8", t_nmf),
        ("diagnostics of one k (NPMI, FREX, matching)", t_diag),
        (f"run_topics, grid k={small.k_grid} × seeds={small.seeds} × 2 models, jobs={args.jobs}", t_stage),
    ]
    w = max(len(r[0]) for r in rows)
    print(f"{'step':<{w}}  {'seconds':>8}  {'× reference':>11}  {'M chars/s':>9}")
    for name, t in rows:
        print(f"{name:<{w}}  {t:8.2f}  {t / t_ref:11.2f}  {n_chars / t / 1e6:9.2f}")
    # The default grid, estimated from this run's per-fit costs (fits are independent and single-threaded).
    d = T.TopicSettings()
    per_fit = {"lda": t_lda * d.lda_max_iter / args.max_iter, "nmf": t_nmf}
    n_k, n_seeds = len(d.k_grid), len(d.seeds)
    est = sum(per_fit[m] * n_k * n_seeds for m in d.models) / args.jobs
    overhead = t_stage - (t_lda + t_nmf) * n_fits_small / 2 / args.jobs
    print(
        f"\nestimated default grid ({n_k} k × {n_seeds} seeds × {len(d.models)} models, lda_max_iter={d.lda_max_iter}, "
        f"jobs={args.jobs}): {est / 60:.1f} min of fits (k=8 per-fit cost; larger k cost more), "
        f"+ about {max(overhead, 0):.1f} s of matrix, diagnostics and description. For corpora of this size set "
        f"lda_learning_method='online' or a smaller grid in ctx.settings['topics']."
    )


if __name__ == "__main__":
    main()
