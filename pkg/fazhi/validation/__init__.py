"""Validation of theme measures against coded units, for any corpus.

In: units of text (paragraphs, sections, documents) from a corpus, the codebook, coders' sheets.
Out: a coding sample with inclusion weights (``sample``), coding sheets and imported codes (``sheets``),
agreement between coders (``agreement``), the measures' error rates, per-term precision and
document-level agreement (``accuracy``), cross-validated accuracy of the measures (``measure``) and the
tables the site shows (``report``).
How: each step is a small function over polars frames; every random step is seeded, so the same input
gives the same tables.
"""

from __future__ import annotations

from ._common import N_BOOT, SEED, THEMES
from .accuracy import accuracy_table, confusion_table, document_agreement, prf, term_precision
from .agreement import agreement_table, alpha, disagreements
from .measure import cross_validate, cv_accuracy, read_coded, split_holdout
from .report import load_samples, report
from .sample import draw_sample, keyword_strata
from .sheets import codebook, merge_codes, read_codes, write_sheets

__all__ = [
    "N_BOOT",
    "SEED",
    "THEMES",
    "accuracy_table",
    "agreement_table",
    "alpha",
    "codebook",
    "confusion_table",
    "cross_validate",
    "cv_accuracy",
    "disagreements",
    "document_agreement",
    "draw_sample",
    "keyword_strata",
    "load_samples",
    "merge_codes",
    "prf",
    "read_coded",
    "read_codes",
    "report",
    "split_holdout",
    "term_precision",
    "write_sheets",
]
