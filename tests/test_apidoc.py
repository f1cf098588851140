"""The API reference is generated from the package's docstrings, one page per stage module."""

from __future__ import annotations

import re

from fazhi.apidoc import MODULES, docstring_markdown, rst_inline, summary, write_reference


def test_numpy_sections_become_headed_lists_and_rst_tables_stay_aligned():
    doc = """Do a thing.

    ====  =====
    a     b
    ====  =====
    x     y
    ====  =====

    Parameters
    ----------
    text
        The input.
    n : int
        How many.

    Returns
    -------
    int
        The count.
    """
    md = docstring_markdown(doc)
    assert md.startswith("Do a thing.")
    assert "| a | b |\n|---|---|\n| x | y |" in md and "====" not in md
    assert "**Parameters**" in md and "- `text`  \n  The input." in md and "- `n : int`" in md
    assert "**Returns**" in md
    assert "----------" not in md


def test_every_stage_module_gets_a_page_listing_its_public_functions(tmp_path):
    pages = {p.name: p for p in write_reference(tmp_path)}
    for module in ("corpus", "segment", "tokenizer", "themes", "topics"):
        assert module in MODULES
        assert f"{module}.qmd" in pages
    assert "## segment_text" in pages["segment.qmd"].read_text(encoding="utf-8")
    assert "## score_themes" in pages["themes.qmd"].read_text(encoding="utf-8")
    index = pages["index.qmd"].read_text(encoding="utf-8")
    assert "[`fazhi.themes`](themes.qmd)" in index


def test_rest_inline_markup_becomes_markdown_and_specials_are_escaped():
    md = rst_inline(
        "See :class:`~fazhi.corpus.Corpus`, :func:`read_corpus` and ``a`b``; *sequence logic*, "
        "<field>_x, $5 @x"
    )
    assert ":class:" not in md and ":func:" not in md
    assert "`Corpus`" in md and "`read_corpus`" in md and "`` a`b ``" in md
    assert "*sequence logic*" in md and "\\<field\\>" in md and "\\$5" in md and "\\@x" in md


def test_a_module_summary_is_its_first_sentence_never_a_cut_line():
    doc = """Charts of the topics notebook: choosing k, what the topics are, LDA against NMF, prevalence by level,
    and how topics line up with the lexicons.

    In: tables. Out: charts.
    """  # noqa: E501 (the long first line is the case under test)
    assert summary(doc) == (
        "Charts of the topics notebook: choosing k, what the topics are, LDA against NMF, prevalence by "
        "level, and how topics line up with the lexicons."
    )
    assert summary("``fazhi site``: build it. Then more.") == "`fazhi site`: build it."


def test_the_reference_has_no_raw_rest_and_documents_the_chart_builders(tmp_path):
    pages = {p.name: p.read_text(encoding="utf-8") for p in write_reference(tmp_path)}
    for name, text in pages.items():
        assert not re.search(r":(?:class|func|meth|mod|data|attr|exc):`", text), name
        assert not re.search(r"^\s*=+(?: +=+)+\s*$", text, re.MULTILINE), f"{name} holds a raw reST table"
        assert text.count("```") % 2 == 0, f"{name}: unbalanced code fences"
    for module in ("corpus", "segment", "vocabulary", "themes", "topics", "validation", "gwr"):
        assert f"charts.{module}.qmd" in pages
    assert "## emphasis_by_level" in pages["charts.themes.qmd"]
    index = pages["index.qmd"]
    rows = [ln for ln in index.splitlines() if ln.startswith("| [`fazhi.")]
    assert len(rows) == len(pages) - 1
    for row in rows:  # each summary is whole: a sentence that ends, with balanced backticks
        text = re.fullmatch(r"\| \[.*?\]\(.*?\) \| (.*) \|", row)[1]
        assert re.search(r"[.!?]$", text), row
        assert text.count("`") % 2 == 0, row


def test_every_validation_module_and_chart_builder_is_in_the_reference():
    """A new module of ``fazhi.validation`` or ``fazhi.charts`` is documented without anyone remembering to
    add it: every public module file of those packages is in ``MODULES``."""
    from pathlib import Path

    import fazhi

    root = Path(fazhi.__file__).parent
    for package in ("validation", "charts"):
        files = sorted(p.stem for p in (root / package).glob("*.py") if not p.stem.startswith("_"))
        missing = [f"{package}.{name}" for name in files if f"{package}.{name}" not in MODULES]
        assert not missing, f"not in fazhi.apidoc.MODULES: {missing}"
