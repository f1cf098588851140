"""A page per document and the offline corpus search (fazhi.docpages): generated from tables, text escaped."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from fazhi import docpages
from fazhi.labels import DISPLAY
from fazhi.schema import TABLES

HOSTILE = (
    "一、总体情况\n全面推进“应急管理<!--<script>”建设，<script>alert(1)</script>完善<img src=x "
    "onerror=alert(1)>预案{{< include x >}} $x$ @ref `code`。\n二、下一步\n依法行政。"
)


def _tables(folder: Path, *, text: str = HOSTILE, doc_id: str = "d1", url: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    schema = TABLES["documents"].polars_schema
    row = {c: None for c in schema}
    row |= {"doc_id": doc_id, "source_file": f"{doc_id}.txt",
            "title": "潢川县<img src=x onerror=alert(1)>报告", "issuer": "某县人民政府", "region": "潢川县",
            "level": "county", "doc_type": "annual_report", "period": "2023", "text": text,
            "n_chars": len(text), "source_url": url, "accessed": dt.date(2024, 4, 1) if url else None,
            "metadata_source": "curated"}  # fmt: skip
    pl.DataFrame([row], schema=schema).write_parquet(folder / "documents.parquet")
    second = text.index("二、")
    pl.DataFrame(
        {"doc_id": [doc_id] * 2, "section_id": [1, 2], "level": [1, 1], "marker": ["一、", "二、"],
         "title": ["总体情况<b>", "下一步"], "path": ["一、", "二、"], "start": [0, second],
         "end": [second, len(text)]},
        schema_overrides={"section_id": pl.Int32, "level": pl.Int32},
    ).write_parquet(folder / "sections.parquet")  # fmt: skip
    a = text.index("应急管理")
    b = text.index("依法行政")
    pl.DataFrame(
        {"doc_id": [doc_id] * 3,
         "theme": ["emergency_response", "emergency_response", "administrative_rules"],
         "term": ["应急管理", "应急", "依法行政"], "start": [a, a, b], "end": [a + 4, a + 2, b + 4]}
    ).write_parquet(folder / "theme_hits.parquet")  # fmt: skip
    scores = []
    for scope in ("document", "level"):
        for theme, value in (("emergency_response", 12.5), ("administrative_rules", 3.0)):
            for measure in (docpages.SCORE_MEASURE, docpages.SHARE_MEASURE):
                scores.append({"scope": scope, "doc_id": doc_id if scope == "document" else None,
                               "level": "county", "theme": theme, "measure": measure, "value": value,
                               "ci_low": value / 2, "ci_high": value * 2, "hits": 1})  # fmt: skip
    pl.DataFrame(scores).write_parquet(folder / "theme_scores.parquet")
    return folder


def test_highlight_marks_hits_in_their_theme_colour_and_escapes_the_rest():
    text = "<b>应急管理</b>和依法行政"
    out, skipped = docpages.highlight(text, [(3, 7, "emergency_response", "应急管理"),
                                             (3, 5, "emergency_response", "应急"),
                                             (11, 15, "administrative_rules", "依法行政")])  # fmt: skip
    assert skipped == 1  # the shorter hit inside the longer one is counted, not marked
    assert out.count("<mark") == 2 and "<b>" not in out and "&lt;b&gt;" in out
    color = DISPLAY["theme"]["emergency_response"]["color"].lstrip("#")
    assert f"&#35;{color}" in out  # the theme's colour (the # as a character reference)
    assert re.sub(r"<[^>]+>", "", out).replace("&lt;", "<").replace("&gt;", ">").replace("&#47;", "/") == text


def test_a_document_page_holds_metadata_scores_outline_and_marked_text_all_escaped(tmp_path):
    tables = _tables(tmp_path / "t", url="https://www.example.gov.cn/art/2024/4/1/a.html?x=1&y=2")
    written = docpages.write_document_pages(tables, tmp_path / "documents")
    names = sorted(p.name for p in written)
    assert names == ["d1.qmd", "index.qmd", "search-index.js", "search.js", "search.qmd"]
    page = (tmp_path / "documents" / "d1.qmd").read_text(encoding="utf-8")
    for payload in ("<script>", "<img", "<!--", "{{<", "<b>"):
        assert payload not in page, payload
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        and "&#123;&#123;&lt; include x &gt;&#125;&#125;" in page
    )
    # provenance: the address is a link, the date is shown
    assert (
        'href="https&#58;//www.example.gov.cn/art/2024/4/1/a.html?x=1&amp;y=2"' in page
        and "2024-04-01" in page
    )
    # the outline links to the sections, whose anchors are in the text
    assert 'href="#s-1"' in page and 'href="#s-2"' in page and 'id="s-1"' in page and 'id="s-2"' in page
    # hits marked, with a legend of every theme; the scores beside the level's
    assert page.count('class="fazhi-hit"') == 2 and "1 overlapping hit(s)" in page
    assert page.count('class="fazhi-legend-item"') == len(DISPLAY["theme"])
    assert "县 county (1 document(s))" in page and "12.50" in page and "[6.25, 25.00]" in page
    # front matter: a title without markup characters
    title = page.split("\n")[1]
    assert title.startswith("title: ") and not re.search(r"[<>{}`$]", title)
    index = (tmp_path / "documents" / "index.qmd").read_text(encoding="utf-8")
    assert 'href="d1.html"' in index and "<img" not in index
    js = (tmp_path / "documents" / "search-index.js").read_text(encoding="utf-8")
    assert "<" not in js and js.startswith("window.FAZHI_SEARCH=")


def test_no_source_url_is_said_and_a_bad_one_is_never_a_link(tmp_path):
    docpages.write_document_pages(_tables(tmp_path / "t"), tmp_path / "a")
    assert "not recorded (the sidecar gives no source_url)" in (tmp_path / "a" / "d1.qmd").read_text(
        encoding="utf-8"
    )
    docpages.write_document_pages(_tables(tmp_path / "u", url="javascript:alert(1)"), tmp_path / "b")
    page = (tmp_path / "b" / "d1.qmd").read_text(encoding="utf-8")
    assert "javascript" not in page and "not recorded" in page


def test_a_document_id_that_is_no_safe_file_name_gets_a_hashed_page():
    assert docpages.page_name("001_a2ea016351bdaac6") == "001_a2ea016351bdaac6"
    for bad in ("p#1", "../x", "a b", "index", "省"):
        name = docpages.page_name(bad)
        assert re.fullmatch(r"doc-[0-9a-f]{16}", name), bad
    assert docpages.page_name("p#1") != docpages.page_name("p#2")


def test_pages_are_deterministic(tmp_path):
    tables = _tables(tmp_path / "t")
    docpages.write_document_pages(tables, tmp_path / "a")
    docpages.write_document_pages(tables, tmp_path / "b")
    for p in sorted((tmp_path / "a").iterdir()):
        assert p.read_bytes() == (tmp_path / "b" / p.name).read_bytes(), p.name


def test_a_document_without_sections_or_hits_still_gets_its_page(tmp_path):
    tables = _tables(tmp_path / "t")
    for name in ("sections", "theme_hits", "theme_scores"):
        (tables / f"{name}.parquet").unlink()
    docpages.write_document_pages(tables, tmp_path / "d")
    page = (tmp_path / "d" / "d1.qmd").read_text(encoding="utf-8")
    assert "found no headings" in page and 'id="s-0"' in page and "No theme scores" in page


def test_smalldocs_renders_the_hostile_page_as_text(tmp_path):
    project = tmp_path / "p"
    docpages.write_document_pages(_tables(tmp_path / "t"), project / "documents")
    (project / "downloads").mkdir()
    (project / "downloads" / "documents.csv").write_text("x\n", encoding="utf-8")
    (project / "_quarto.yml").write_text(
        "project:\n  type: website\n  render:\n    - documents/*.qmd\n  resources:\n    - documents/*.js\n"
        "website:\n  title: t\n",
        encoding="utf-8",
    )
    proc = subprocess.run([sys.executable, "-m", "smalldocs.cli", "render", str(project), "--quiet"],
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    site = project / "_site" / "documents"
    html = (site / "d1.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "<img src=x" not in html
    assert not re.search(r"<[^>]*\sonerror=", html)  # no element got an event handler from the text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count('class="fazhi-hit"') == 2
    assert (site / "search-index.js").is_file() and (site / "search.js").is_file()
    assert '<script src="search-index.js"></script>' in (site / "search.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("option", ["#| code-fold: false\n", ""])
def test_fold_code_marks_every_code_cell_unless_it_chose(tmp_path, option):
    import nbformat
    from fazhi.site import fold_code

    path = tmp_path / "n.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# t"),
                                         nbformat.v4.new_code_cell(option + "x = 1"),
                                         nbformat.v4.new_code_cell("#| echo: false\ny = 2")])  # fmt: skip
    nbformat.write(nb, path)
    assert fold_code(path) == (1 if option else 2)
    cells = nbformat.read(path, as_version=4).cells
    assert cells[2].source.startswith("#| code-fold: true\n#| echo: false")
    assert cells[1].source.startswith(option or "#| code-fold: true")
