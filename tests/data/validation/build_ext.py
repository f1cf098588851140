"""Assemble paragraphs_ext.csv from the extension sample, the two coders' codes and the adjudication.

In: extension_units.csv (the drawn units with strata and weights), codes_ext_A.csv and codes_ext_B.csv
(two independent codings, copied unchanged from the annotators' files) and adjudication_ext.csv (one row
per disagreement with the decision of a third reading).
Out: paragraphs_ext.csv in the column layout of paragraphs_dev.csv (unit_id, source, doc, para, text, then
per theme <theme>_A, <theme>_B, <theme>) plus stratum, stratum_size, stratum_n, weight and split (tune or
holdout: fazhi.validation.split_holdout, by document).
How: the adjudicated code is the coders' code where they agree and the adjudication where they differ;
a disagreement without adjudication, an unknown unit or a code other than 0/1 stops the script.

Run: uv run python tests/data/validation/build_ext.py
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
from fazhi.validation import THEMES, agreement, sheets
from fazhi.validation.measure import doc_key, split_holdout

HERE = Path(__file__).resolve().parent


def main() -> None:
    units = pl.read_csv(HERE / "extension_units.csv", infer_schema=False)
    ids = units["unit_id"].to_list()
    coded = {}
    for coder in ("A", "B"):
        codes, rejected = sheets.read_codes(HERE / f"codes_ext_{coder}.csv", units=ids)
        if (
            rejected.height
            or codes.height != len(ids)
            or codes.select(THEMES).null_count().sum_horizontal().item()
        ):
            raise SystemExit(f"coder {coder}: incomplete or rejected rows\n{rejected}")
        coded[coder] = codes
    wide = sheets.merge_codes(coded)
    adj = pl.read_csv(HERE / "adjudication_ext.csv", infer_schema=False)
    dis = agreement.disagreements(wide, keep=())
    todo = dis.join(adj, on=["unit_id", "theme"], how="anti")
    if todo.height:
        raise SystemExit(f"disagreements without adjudication:\n{todo}")
    decided = {(u, t): int(v) for u, t, v in adj.select("unit_id", "theme", "adjudicated").iter_rows()}
    cols = []
    for t in THEMES:
        final = [
            decided.get((u, t), a) if a != b else a
            for u, a, b in zip(wide["unit_id"], wide[f"{t}_A"], wide[f"{t}_B"], strict=True)
        ]
        cols.append(pl.Series(t, final, dtype=pl.Int64))
    wide = wide.with_columns(cols)
    out = units.join(wide, on="unit_id", how="left", maintain_order="left")
    groups = [doc_key(s, d) for s, d in zip(out["source"], out["doc"], strict=True)]
    hold = split_holdout(out.with_columns(pl.Series("group", groups)))
    out = out.with_columns(pl.when(hold).then(pl.lit("holdout")).otherwise(pl.lit("tune")).alias("split"))
    layout = ["unit_id", "source", "doc", "para", "text"]
    for t in THEMES:
        layout += [f"{t}_A", f"{t}_B", t]
    layout += ["stratum", "stratum_size", "stratum_n", "weight", "split"]
    out.select(layout).write_csv(HERE / "paragraphs_ext.csv")
    print(out.group_by("split").agg(pl.len(), *[pl.col(t).sum() for t in THEMES]).sort("split"))


if __name__ == "__main__":
    main()
