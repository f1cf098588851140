"""Tests of fazhi.labels: readable labels, falling back to the file name, unique on collision."""

from __future__ import annotations

import polars as pl
from fazhi.labels import doc_labels, with_labels
from hypothesis import given
from hypothesis import strategies as st


def _docs(rows):
    return pl.DataFrame(
        rows,
        schema={
            "doc_id": pl.String,
            "source_file": pl.String,
            "region": pl.String,
            "issuer": pl.String,
            "period": pl.String,
        },
        orient="row",
    )


def test_labels_are_readable_and_fall_back_to_the_file_name():
    docs = _docs(
        [
            ("a1", "x/report_a.txt", "某省", "某省人民政府", "2023"),
            ("b2", "b.html", "某市", "某市司法局", None),
            ("c3", "reports/c 3.txt", None, "?", "unknown"),
            ("d4", None, None, None, None),
        ]
    )
    got = dict(doc_labels(docs).iter_rows())
    assert got == {"a1": "某省人民政府 · 2023", "b2": "某市司法局", "c3": "c 3", "d4": "d4"}
    assert "?" not in "".join(got.values())


def test_colliding_labels_get_a_suffix_in_doc_id_order():
    docs = _docs(
        [
            ("z", "z.txt", None, None, None),
            ("y", "a/z.txt", None, None, None),
            ("x", "b.txt", "甲", "乙", "2020"),
            ("w", "c.txt", "甲", "乙", "2020"),
        ]
    )
    got = dict(doc_labels(docs).iter_rows())
    assert (
        got["y"] == "z"
        and got["z"] == "z #2"
        and got["w"] == "甲 · 乙 · 2020"
        and got["x"] == "甲 · 乙 · 2020 #2"
    )
    assert with_labels(pl.DataFrame({"doc_id": ["x"], "v": [1]}), docs).columns == ["label", "doc_id", "v"]


@given(
    st.lists(
        st.tuples(st.sampled_from([None, "?", "甲", "乙"]), st.sampled_from([None, "f.txt", "g.txt"])),
        max_size=30,
    )
)
def test_labels_are_always_unique(parts):
    docs = _docs([(f"d{i:03d}", src, reg, reg, None) for i, (reg, src) in enumerate(parts)])
    labels = doc_labels(docs)
    assert labels.height == len(parts) and labels["label"].n_unique() == len(parts)


# ---------------------------------------------------------------- bilingual labels and colours (display.toml)


def test_every_level_doc_type_and_theme_has_one_colour_and_a_bilingual_label():
    from fazhi.labels import DISPLAY, label
    from fazhi.schema import DOC_TYPES, LEVELS

    assert set(LEVELS) <= set(DISPLAY["level"]) and set(DOC_TYPES) <= set(DISPLAY["doc_type"])
    for variable, entries in DISPLAY.items():
        colours = [e["color"] for e in entries.values()]
        assert len(set(colours)) == len(colours), f"{variable}: two values share a colour"
        for value, e in entries.items():
            assert e["zh"] and e["en"] and label(variable, value) == f"{e['zh']} {e['en']}"
    assert label("level", "province_dept") == "省直部门 provincial department"
    assert label("level", "not_a_level") == "not_a_level"


def test_theme_labels_come_from_the_lexicon_files_when_display_toml_has_none():
    import fazhi.labels as L

    names = L._lexicon_names()
    assert set(names) >= {"digital_government", "oversight"}
    assert all(zh and en for zh, en in names.values())


def test_a_level_has_the_same_colour_in_every_chart():
    import polars as pl
    from fazhi.charts import LEVEL_COLORS
    from fazhi.charts import corpus as C
    from fazhi.charts import topics as P

    docs = pl.DataFrame(
        {
            "doc_id": ["a", "b"],
            "level": ["county", "province"],
            "doc_type": ["other", "notice"],
            "n_chars": [10, 20],
        }
    )
    prev = pl.DataFrame(
        {
            "model": ["lda"] * 2,
            "topic": [0, 0],
            "label": ["t", "t"],
            "level": ["province", "city"],
            "n_docs": [1, 1],
            "n_units": [1, 1],
            "share": [0.5, 0.5],
            "lo": [0.4, 0.4],
            "hi": [0.6, 0.6],
        }
    )

    def scale(spec: dict) -> dict:
        found = {}

        def walk(x):
            if isinstance(x, dict):
                if x.get("field") == "level" and "scale" in x and "range" in x["scale"]:
                    found.update(zip(x["scale"]["domain"], x["scale"]["range"]))
                for v in x.values():
                    walk(v)
            elif isinstance(x, list):
                for v in x:
                    walk(v)

        walk(spec)
        return found

    a = scale(C.document_lengths(docs).to_dict())
    b = scale(P.prevalence_by_level(prev).to_dict())
    assert a["province"] == b["province"] == LEVEL_COLORS["province"]
