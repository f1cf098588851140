"""Validation of theme measures against coded units, for any corpus.

In: units of text (paragraphs, sections, documents) from a corpus, the codebook, coders' sheets.
Out: a coding sample with inclusion weights (``sample``), coding sheets and imported codes (``sheets``),
agreement between coders (``agreement``), the measures' error rates, per-term precision and
document-level agreement (``accuracy``), cross-validated accuracy of the measures (``measure``), theme
prevalence corrected for the measure's errors (``corrected``), word-intrusion tasks for topic models
(``intrusion``) and the tables the site shows (``tables.report``, also ``fazhi.validation.report``).
How: each step is a small function over polars frames; every random step is seeded, so the same input
gives the same tables.

Validating the theme measure on your own corpus::

    from fazhi import validation as V
    units = ...  # polars frame: unit_id, doc, text (one row per paragraph of your corpus)
    units = V.keyword_strata(units, {"dispute": ["纠纷", "调解"], "digital": ["政务", "数据"]})
    drawn = V.draw_sample(units, sizes={"dispute": 80, "digital": 80, "none": 60}, seed=1)
    V.write_sheets(drawn, "coding/", context=["doc"])       # coding_sheet.csv / .xlsx + codebook.md
    # ... two coders fill in copies of the sheet ...
    a, rej_a = V.read_codes("coding/coder_A.xlsx", units=drawn["unit_id"].to_list())
    b, rej_b = V.read_codes("coding/coder_B.xlsx", units=drawn["unit_id"].to_list())
    wide = V.merge_codes({"A": a, "B": b}).join(drawn, on="unit_id")
    V.agreement_table(wide)                                 # alpha per theme with intervals
    V.disagreements(wide)                                   # to adjudicate; then add the final codes as
                                                            # columns <theme> and save in the
                                                            # paragraphs_dev.csv layout
    V.report(["coded.csv"])                                 # error rates, per-term precision, ...
"""

from __future__ import annotations

from ._common import N_BOOT, SEED, THEMES
from .accuracy import accuracy_table, confusion_table, document_agreement, prf, term_precision
from .agreement import agreement_table, alpha, disagreements
from .corrected import corrected_prevalence, frame_check, paragraph_units, predict
from .intrusion import intrusion_tasks, read_answers, score_intrusion, write_intrusion_sheets
from .measure import cross_validate, cv_accuracy, read_coded, split_holdout
from .sample import draw_sample, keyword_strata
from .sheets import codebook, merge_codes, read_codes, write_sheets
from .tables import load_samples, report

__all__ = [
    "N_BOOT",
    "SEED",
    "THEMES",
    "accuracy_table",
    "agreement_table",
    "alpha",
    "codebook",
    "confusion_table",
    "corrected_prevalence",
    "cross_validate",
    "cv_accuracy",
    "disagreements",
    "document_agreement",
    "draw_sample",
    "frame_check",
    "intrusion_tasks",
    "keyword_strata",
    "load_samples",
    "merge_codes",
    "paragraph_units",
    "predict",
    "prf",
    "read_answers",
    "read_coded",
    "read_codes",
    "report",
    "score_intrusion",
    "split_holdout",
    "term_precision",
    "write_intrusion_sheets",
    "write_sheets",
]
