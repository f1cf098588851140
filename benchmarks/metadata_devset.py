"""Metadata inference on the evaluation sets: accuracy per field against gold written by reading.

Evaluation sets: the development set ``tests/data/devset`` (91 documents; odd file numbers are the development
half whose errors were read while writing rules, even numbers the check half) and the fresh set
``tests/data/devset_fresh`` (40 documents collected after those rules, gold coded before any prediction);
a third, held-out set ``tests/data/devset_heldout`` (37 documents, ``--set heldout``) measures the final
rules.
Each is read with ``fazhi.read_corpus`` (today's inference, no sidecar) and scored on title, issuer,
region, level, doc_type, year and published (rules in ``fazhi.metadata_eval``). Prints one table per set:
gold values, correct, accuracy and its Wilson 95% interval; ``--errors`` also prints every wrong field,
``--field level`` only those of one field. Targets from the issue: level ≥ 90%, doc_type ≥ 90%,
issuer ≥ 85%, year ≥ 90%.

``--set devset|fresh|heldout|heldout2|heldout3|heldout4|heldout5|both|all`` (default both: devset and fresh;
``heldout`` is the held-out set ``tests/data/devset_heldout``, scored once with no rule changed after, see its
README; ``heldout2`` is the second held-out set ``tests/data/devset_heldout2``, scored once sealed and
unsealed on 2026-12-02 for development, see its README; ``heldout3`` is the third,
``tests/data/devset_heldout3``, ``heldout4`` the fourth, ``tests/data/devset_heldout4``, and ``heldout5``
the fifth, ``tests/data/devset_heldout5``, sealed:
scored only when named, once after the rules are frozen; ``all`` is every set not sealed);
``--half development|check`` restricts the development set to one half; ``--devset FOLDER`` scores another
folder laid out the same way instead.

Run: ``uv run python benchmarks/metadata_devset.py [--set SET] [--errors] [--field FIELD] [--half HALF]``
"""

from __future__ import annotations

import argparse
from pathlib import Path

import polars as pl
from fazhi.metadata_eval import (
    EVAL_SETS,
    FIELDS,
    HALVES,
    devset_half,
    errors,
    eval_set_dir,
    load_devset,
    metadata_accuracy,
)

TARGETS = {"level": 0.90, "doc_type": 0.90, "issuer": 0.85, "year": 0.90}


def report(folder: Path, *, half: str | None, show_errors: bool, field: str | None) -> None:
    """Print the accuracy table of one evaluation set (and its errors when asked)."""
    documents, gold = load_devset(folder)
    if half:
        keep = [f for f in gold["source_file"].to_list() if devset_half(f) == half]
        gold = gold.filter(pl.col("source_file").is_in(keep))
    acc = metadata_accuracy(documents, gold)
    part = f", {half} half" if half else ""
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
    if show_errors or field:
        err = errors(documents, gold)
        if field:
            err = err.filter(pl.col("field") == field)
        with pl.Config(tbl_rows=-1, fmt_str_lengths=60, tbl_width_chars=200):
            print(err)


# Sets scored only when named, once, after the rules are frozen (see their READMEs). heldout2 was unsealed on
# 2026-12-02 for development after its one sealed run; heldout3 likewise after its two table-only runs;
# heldout4 likewise after its two table-only runs (round meta5); heldout5 is sealed.
SEALED_SETS: tuple[str, ...] = ("heldout5",)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--set",
        choices=(*EVAL_SETS, "both", "all"),
        default="both",
        help="which set(s): both = devset and fresh; all = every set not sealed (see SEALED_SETS)",
    )
    ap.add_argument(
        "--devset", type=Path, default=None, help="score this folder (docs/ and gold.csv) instead"
    )
    ap.add_argument("--errors", action="store_true", help="also list every wrong field")
    ap.add_argument("--field", choices=FIELDS, default=None, help="list the errors of this field only")
    ap.add_argument(
        "--half",
        choices=HALVES,
        default=None,
        help="development set: one half only (odd numbers: development)",
    )
    args = ap.parse_args()
    if args.devset is not None:
        report(args.devset, half=args.half, show_errors=args.errors, field=args.field)
        return
    every = tuple(n for n in EVAL_SETS if n not in SEALED_SETS)
    names = {"both": ("devset", "fresh"), "all": every}.get(args.set, (args.set,))
    for i, name in enumerate(names):
        if i:
            print()
        half = args.half if name == "devset" else None
        report(eval_set_dir(name), half=half, show_errors=args.errors, field=args.field)


if __name__ == "__main__":
    main()
