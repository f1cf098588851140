"""Tests of fazhi.report: data values written into Markdown are shown as text, never run."""

from __future__ import annotations

import json

import polars as pl
from fazhi import report

EVIL = "<img src=x onerror=alert(1)>"


def test_design_caveats_escape_every_value():
    docs = pl.DataFrame(
        {
            "level": [EVIL, "city", "unknown"],
            "doc_type": ["plan", f"[x]({EVIL})", "plan"],
            "period": [EVIL, "2023", None],
        }
    )
    text = report.design_caveats(docs, min_docs=2)
    assert "<img" not in text and "&lt;img src=x onerror=alert\\(1\\)&gt;" in text
    assert "](" not in text
    assert "1 document(s) of unknown level" in text


def test_markdown_table_escapes_cells_but_keeps_download_links():
    df = pl.DataFrame({"table": [EVIL], "download": ["[CSV](downloads/x.csv)"]})
    md = report.markdown_table(df)
    assert "<img" not in md and "[CSV](downloads/x.csv)" in md


def test_corpus_markdown_and_footer_name_the_built_corpus(tmp_path):
    from fazhi.schema import TABLES, empty

    # a table written by other means than fazhi build: level and doc_type as text, so that they can hold
    # a name outside the vocabulary (fazhi.schema.LEVEL would refuse it)
    text_documents = pl.DataFrame(schema=TABLES["documents"].text_schema)
    folder = tmp_path / "tables"
    folder.mkdir()
    corpus = tmp_path / "my<corpus>"
    corpus.mkdir()
    (folder / "build.json").write_text(json.dumps({"corpus": str(corpus)}), encoding="utf-8")
    docs = text_documents.vstack(
        pl.DataFrame(
            {"doc_id": ["a"], "level": [EVIL], "doc_type": ["plan"], "period": ["2023"], "n_chars": [10]},
        )
        .select(
            [
                pl.col(c)
                if c in ("doc_id", "level", "doc_type", "period", "n_chars")
                else pl.lit(None).alias(c)
                for c in text_documents.columns
            ]
        )
        .cast(text_documents.schema)
    )
    docs.write_parquet(folder / "documents.parquet")
    empty("rejected").write_parquet(folder / "rejected.parquet")
    from unittest import mock

    with mock.patch.object(
        report, "read_table", lambda name, f=None, **k: pl.read_parquet(folder / f"{name}.parquet")
    ):
        text = report.corpus_markdown(folder)
        foot = report.footer(folder)
    assert "<img" not in text and "&lt;img" in text
    assert "**my&lt;corpus&gt;**" in text and "1 document(s)" in text
    assert report.corpus_name(folder) == "my<corpus>"
    assert "my<corpus>/" in foot and "(1 document(s))" in foot
    assert "--corpus path/to/my<corpus>" in report.rerun_markdown(folder)


def test_how_to_cite_names_the_software_and_every_document_with_its_source(tmp_path):
    import polars as pl
    from fazhi.report import citation_markdown

    pl.DataFrame(
        {
            "doc_id": ["b", "a"],
            "title": ["某市法治政府建设报告", "<script>x</script>"],
            "issuer": ["某市人民政府", None],
            "period": ["2023", None],
            "published": [None, None],
            "source_url": ["https://example.org/b?x=1&y=2", "javascript:alert(1)"],
        }
    ).write_parquet(tmp_path / "documents.parquet")
    text = citation_markdown(tmp_path)
    assert "CITATION.cff" in text and "Version" in text
    assert text.count("\n1. ") == 2 and text.index("script") < text.index("某市人民政府")  # doc_id order
    assert 'href="https://example.org/b?x=1&amp;y=2"' in text and "javascript:" not in text
    assert "<script>" not in text
    assert "The first 1 of 2" in citation_markdown(tmp_path, limit=1)


# ------------------------------------------------------------------- theme names and findings (issue 18)


def test_theme_names_come_from_the_lexicon_files():
    import tomllib

    from fazhi.labels import label
    from fazhi.themes import LEXICON_DIR, default_lexicons

    for lx in default_lexicons().lexicons:
        with open(LEXICON_DIR / f"{lx.id}.toml", "rb") as f:
            raw = tomllib.load(f)
        en = raw.get("label_en", lx.label_en)
        assert report.theme_name(lx.id) == en[:1].upper() + en[1:]
        assert label("theme", lx.id) == f"{raw.get('label_zh', lx.label_zh)} {en}"
    assert report.theme_name("no_such_theme") == "No such theme"


def _groups_and_contrasts(high: float):
    from fazhi.themes import default_lexicons, group_tables

    rows = [
        {
            "doc_id": f"{lv}{i}",
            "label": f"{lv}{i}",
            "level": lv,
            "doc_type": "annual_report",
            "period": "2023",
            "theme": "emergency_response",
            "emphasis": (high if lv == "province" else 1.0) + 0.1 * i,
        }
        for lv in ("province", "city")
        for i in range(6)
    ]
    docs = pl.DataFrame(rows)
    within = (("level", "period"),)
    groups, contrasts = group_tables(docs, default_lexicons(), by=("level",), within=within, n_boot=200)
    return docs, groups, contrasts


def test_level_findings_name_a_supported_difference_and_only_then():
    _, groups, contrasts = _groups_and_contrasts(high=20.0)
    text = report.level_findings(groups, contrasts, themes=["emergency_response"])
    assert text.startswith(f"- **{report.theme_name('emergency_response')}**: ")
    assert "most emphasis in 省 province" in text and "no detectable difference" not in text
    _, groups, contrasts = _groups_and_contrasts(high=1.0)
    text = report.level_findings(groups, contrasts, themes=["emergency_response"])
    assert "no detectable difference" in text


def test_within_findings_say_why_levels_cannot_be_compared_within_one_value():
    docs, groups, contrasts = _groups_and_contrasts(high=20.0)
    text = report.within_findings(groups, contrasts, docs, themes=["emergency_response", "oversight"])
    lines = text.splitlines()
    assert len(lines) == 2 and lines[1].startswith(f"- **{report.theme_name('oversight')}**:")
    # one document type and one period: level is not confounded with them, and the page says so
    assert (
        "are of one document type (法治政府建设年度报告 annual report): level is not confounded with it"
        in lines[0]
    )
    assert "are of one period (2023)" in lines[0]
