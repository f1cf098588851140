"""The API reference is generated from the package's docstrings, one page per stage module."""

from __future__ import annotations

from fazhi.apidoc import MODULES, docstring_markdown, write_reference


def test_numpy_sections_become_headed_lists_and_rst_tables_stay_aligned():
    doc = '''Do a thing.

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
    '''
    md = docstring_markdown(doc)
    assert md.startswith("Do a thing.")
    assert "```\n====  =====\na     b" in md
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
