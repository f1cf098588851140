"""Metadata inference on the development set: accuracy per field against gold written by reading.

Reads ``tests/data/devset/docs`` with ``fazhi.read_corpus`` (today's inference, no sidecar) and scores
title, issuer, region, level, doc_type, year and published against ``tests/data/devset/gold.csv``
(rules in ``fazhi.metadata_eval``). Prints one row per field: gold values, correct, accuracy and its
Wilson 95% interval; ``--errors`` also prints every wrong field, ``--field level`` only those of one
field. Targets from the issue: level ≥ 90%, doc_type ≥ 90%, issuer ≥ 85%, year ≥ 90%.

``--half development`` (odd file numbers, read while writing rules) or ``--half check`` (even numbers, only
scored) restricts to one half.

Run: ``uv run python benchmarks/metadata_devset.py [--errors] [--field FIELD] [--half HALF] [--devset FOLDER]``
"""

from __future__ import annotations

import argparse
from pathlib import Path

import polars as pl
from fazhi.metadata_eval import (
    FIELDS,
    HALVES,
    devset_dir,
    devset_half,
    errors,
    load_devset,
    metadata_accuracy,
)

TARGETS = {"level": 0.90, "doc_type": 0.90, "issuer": 0.85, "year": 0.90}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--devset", type=Path, default=None, help="development set folder (docs/ and gold.csv)")
    ap.add_argument("--errors", action="store_true", help="also list every wrong field")
    ap.add_argument("--field", choices=FIELDS, default=None, help="list the errors of this field only")
    ap.add_argument(
        "--half", choices=HALVES, default=None, help="score one half only (odd numbers: development)"
    )
    args = ap.parse_args()

    documents, gold = load_devset(args.devset)
    if args.half:
        keep = [f for f in gold["source_file"].to_list() if devset_half(f) == args.half]
        gold = gold.filter(pl.col("source_file").is_in(keep))
    acc = metadata_accuracy(documents, gold)
    folder = args.devset or devset_dir()
    part = f", {args.half} half" if args.half else ""
    print(f"metadata inference on {gold.height} documents ({folder}{part}):")
    print(f"{'field':<10} {'n':>3} {'right':>5} {'accuracy':>8}   95% interval   target")
    for r in acc.iter_rows(named=True):
        if not r["n"]:
            print(f"{r['field']:<10} {0:>3}     -        -")
            continue
        target = TARGETS.get(r["field"])
        mark = "" if target is None else f"≥ {target:.0%} {'met' if r['accuracy'] >= target else 'not met'}"
        print(
            f"{r['field']:<10} {r['n']:>3} {r['correct']:>5} {r['accuracy']:>8.1%}   "
            f"[{r['ci_low']:.1%}, {r['ci_high']:.1%}]   {mark}"
        )
    if args.errors or args.field:
        err = errors(documents, gold)
        if args.field:
            err = err.filter(pl.col("field") == args.field)
        with pl.Config(tbl_rows=-1, fmt_str_lengths=60, tbl_width_chars=200):
            print(err)


if __name__ == "__main__":
    main()
