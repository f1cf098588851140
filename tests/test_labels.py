"""Tests of fazhi.labels: readable labels, falling back to the file name, unique on collision."""

from __future__ import annotations

import polars as pl
from fazhi.labels import doc_labels, with_labels
from hypothesis import given
from hypothesis import strategies as st


def _docs(rows):
    return pl.DataFrame(rows, schema={"doc_id": pl.String, "source_file": pl.String, "region": pl.String,
                                      "issuer": pl.String, "period": pl.String}, orient="row")


def test_labels_are_readable_and_fall_back_to_the_file_name():
    docs = _docs([
        ("a1", "x/report_a.txt", "某省", "某省人民政府", "2023"),
        ("b2", "b.html", "某市", "某市司法局", None),
        ("c3", "reports/c 3.txt", None, "?", "unknown"),
        ("d4", None, None, None, None),
    ])
    got = dict(doc_labels(docs).iter_rows())
    assert got == {"a1": "某省人民政府 · 2023", "b2": "某市司法局", "c3": "c 3", "d4": "d4"}
    assert "?" not in "".join(got.values())


def test_colliding_labels_get_a_suffix_in_doc_id_order():
    docs = _docs([("z", "z.txt", None, None, None), ("y", "a/z.txt", None, None, None), ("x", "b.txt", "甲", "乙", "2020"),
                  ("w", "c.txt", "甲", "乙", "2020")])
    got = dict(doc_labels(docs).iter_rows())
    assert got["y"] == "z" and got["z"] == "z #2" and got["w"] == "甲 · 乙 · 2020" and got["x"] == "甲 · 乙 · 2020 #2"
    assert with_labels(pl.DataFrame({"doc_id": ["x"], "v": [1]}), docs).columns == ["label", "doc_id", "v"]


@given(st.lists(st.tuples(st.sampled_from([None, "?", "甲", "乙"]), st.sampled_from([None, "f.txt", "g.txt"])), max_size=30))
def test_labels_are_always_unique(parts):
    docs = _docs([(f"d{i:03d}", src, reg, reg, None) for i, (reg, src) in enumerate(parts)])
    labels = doc_labels(docs)
    assert labels.height == len(parts) and labels["label"].n_unique() == len(parts)
