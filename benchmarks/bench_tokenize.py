"""Tokenisation benchmark: raw engines, our stage, parallel speed-up, cached re-run, engine agreement.

Run from the project root: ``uv run python benchmarks/bench_tokenize.py [--chars 10000000]``.
Everything is measured in this one run, on a synthetic corpus of repeated and shuffled seed sections,
so ratios compare across machines. Targets (issue 4): our stage within 1.5× of the raw engine it wraps,
parallel speed-up ≥ 1.6× on 2 cores, cached re-run ≥ 20× faster than cold.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "pkg"))

from synthetic import synthetic_corpus  # noqa: E402


def timed(fn):  # noqa: ANN001, ANN201
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chars", type=int, default=10_000_000)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--jieba-chars", type=int, default=1_000_000, help="jieba is slow: time it on a prefix")
    args = ap.parse_args()

    import jieba
    import rjieba

    from fazhi.tokenizer import get_tokenizer, tokenize_texts, worker_pool

    docs = synthetic_corpus(args.chars)
    n = sum(map(len, docs))
    print(f"corpus: {len(docs)} documents, {n:,} characters ({n * 3 / 1e6:.0f} MB as UTF-8)\n")

    # prefix of the corpus for the slow reference engine
    prefix, acc = [], 0
    for d in docs:
        if acc >= args.jieba_chars:
            break
        prefix.append(d)
        acc += len(d)
    n_pre = sum(map(len, prefix))

    raw_r = rjieba.Jieba()
    _, t_raw_r = timed(lambda: [raw_r.cut(d) for d in docs])
    raw_j = jieba.Tokenizer()
    raw_j.initialize()
    _, t_raw_j = timed(lambda: [raw_j.lcut(d) for d in prefix])

    tok_r = get_tokenizer()
    tok_j = get_tokenizer(engine="jieba")
    _, t_ours_r = timed(lambda: tokenize_texts(docs, tok_r, cache=False))
    _, t_ours_j = timed(lambda: tokenize_texts(prefix, tok_j, cache=False))

    _, t_pool = timed(lambda: worker_pool(args.jobs).starmap(__import__("fazhi.tokenizer").tokenizer._warm, [(tok_r.config,)] * args.jobs))
    serial_out, t_serial = timed(lambda: tokenize_texts(docs, tok_r, jobs=1, cache=False))
    par_out, t_par = timed(lambda: tokenize_texts(docs, tok_r, jobs=args.jobs, cache=False))
    identical = all(a.equals(b) for a, b in zip(serial_out, par_out))

    cache = Path(tempfile.mkdtemp(prefix="fazhi-bench-cache-"))
    try:
        _, t_cold = timed(lambda: tokenize_texts(docs, tok_r, jobs=args.jobs, cache=cache))
        cached_out, t_warm = timed(lambda: tokenize_texts(docs, tok_r, jobs=args.jobs, cache=cache))
        cache_ok = all(a.equals(b) for a, b in zip(serial_out, cached_out))
    finally:
        shutil.rmtree(cache, ignore_errors=True)

    # agreement between the engines through our stage (protection + shared dictionary), token by token
    agree_docs = 0
    agree_tokens = total_tokens = 0
    for a, b in zip(tokenize_texts(prefix, tok_r, cache=False), tokenize_texts(prefix, tok_j, cache=False)):
        if a.equals(b):
            agree_docs += 1
            agree_tokens += a.height
            total_tokens += a.height
        else:
            sa = set(zip(a["start"].to_list(), a["end"].to_list()))
            sb = set(zip(b["start"].to_list(), b["end"].to_list()))
            agree_tokens += len(sa & sb)
            total_tokens += max(len(sa), len(sb))
    raw_agree = sum(raw_r.cut(d) == raw_j.lcut(d) for d in prefix)

    rate = lambda chars, t: f"{chars / t / 1e6:8.2f}"  # noqa: E731
    print(f"{'measure':<44}{'seconds':>9}{'Mchar/s':>9}{'ratio':>9}  target")
    print("-" * 84)
    print(f"{'raw rjieba.cut (reference)':<44}{t_raw_r:9.2f}{rate(n, t_raw_r)}{1.0:9.2f}")
    print(f"{'our stage, rjieba, serial, no cache':<44}{t_ours_r:9.2f}{rate(n, t_ours_r)}{t_ours_r / t_raw_r:9.2f}  ≤ 1.5× raw")
    print(f"{'raw jieba.lcut (on %d chars)' % n_pre:<44}{t_raw_j:9.2f}{rate(n_pre, t_raw_j)}{1.0:9.2f}")
    print(f"{'our stage, jieba, serial (same prefix)':<44}{t_ours_j:9.2f}{rate(n_pre, t_ours_j)}{t_ours_j / t_raw_j:9.2f}  ≤ 1.5× raw")
    print(f"{'rjieba speed-up over jieba (raw)':<44}{'':9}{'':9}{(n / t_raw_r) / (n_pre / t_raw_j):9.1f}")
    print(f"{'worker pool start-up (once per process)':<44}{t_pool:9.2f}")
    print(f"{'our stage, serial':<44}{t_serial:9.2f}{rate(n, t_serial)}{1.0:9.2f}")
    print(f"{'our stage, %d workers (warm pool)' % args.jobs:<44}{t_par:9.2f}{rate(n, t_par)}{t_serial / t_par:9.2f}  speed-up ≥ 1.6")
    print(f"{'cold run with cache writes, %d workers' % args.jobs:<44}{t_cold:9.2f}{rate(n, t_cold)}{1.0:9.2f}")
    print(f"{'cached re-run':<44}{t_warm:9.2f}{rate(n, t_warm)}{t_cold / t_warm:9.1f}  ≥ 20× faster")
    print()
    print(f"parallel output identical to serial: {identical}; cached output identical: {cache_ok}")
    print(
        f"engine agreement through our stage on {len(prefix)} documents: {agree_docs}/{len(prefix)} documents "
        f"identical, {agree_tokens / max(total_tokens, 1):.6%} of tokens; raw engines (no protection): "
        f"{raw_agree}/{len(prefix)} documents identical"
    )


if __name__ == "__main__":
    main()
