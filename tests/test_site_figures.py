"""Issue 17: every chart is a numbered, captioned figure, and every page links the site's icon.

Fast checks of ``fazhi.site``'s figure step on constructed notebooks (no build), and a smalldocs render of
a two-page staged project: the figures come out as ``Figure 1: ...``, ``Figure 2: ...`` per page and every
page links ``favicon.svg``. The browser test (``test_browser_figures.py``) checks the real site.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from fazhi.paths import ASSETS
from fazhi.site import (
    FAVICON,
    SiteError,
    figure_problems,
    number_figures,
    render,
    stage_sources,
)

ROOT = Path(__file__).resolve().parents[1]
CHART = '<div class="fazhi-chart" id="fazhi-chart-{n}" style="max-width:100%"></div>'


def _chart_cell(source: str, n: int) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.outputs = [
        nbformat.v4.new_output(
            "display_data", data={"text/html": CHART.format(n=n), "text/plain": "<fazhi chart>"}
        )
    ]
    return cell


def _notebook(path: Path, cells: list) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# A page"), *cells]
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
    nbformat.write(nb, path)
    return path


def test_charts_are_numbered_in_page_order_with_their_caption(tmp_path):
    path = _notebook(
        tmp_path / "p.ipynb",
        [
            _chart_cell('#| label: fig-one\n#| fig-cap: "Documents by level <of> government."\nc1', 1),
            nbformat.v4.new_code_cell("print('no chart')"),
            _chart_cell("#| code-fold: true\n#| label: fig-two\n#| fig-cap: Lengths of documents.\nc2", 2),
        ],
    )
    assert figure_problems(path) == []
    assert number_figures(path) == 2
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[1].outputs[0]["data"]["text/html"]
    second = nb.cells[3].outputs[0]["data"]["text/html"]
    assert "Figure&nbsp;1: Documents by level &lt;of&gt; government.</figcaption>" in first
    assert "Figure&nbsp;2: Lengths of documents.</figcaption>" in second
    assert CHART.format(n=1) in first and 'id="fig-one-caption"' in first
    assert nb.cells[2].outputs == []  # a cell without a chart is left alone


@pytest.mark.parametrize(
    ("source", "why"),
    [
        ("c", "without '#| label: fig-"),
        ("#| label: chart-a\n#| fig-cap: A.\nc", "without '#| label: fig-"),
        ("#| label: fig-a\nc", "without '#| fig-cap"),
        ('#| label: fig-a\n#| fig-cap: ""\nc', "without '#| fig-cap"),
    ],
)
def test_a_chart_without_a_figure_label_or_caption_stops_the_build(tmp_path, source, why):
    path = _notebook(tmp_path / "p.ipynb", [_chart_cell(source, 1)])
    problems = figure_problems(path)
    assert problems and any(why in p for p in problems) and all("cell 1" in p for p in problems)
    with pytest.raises(SiteError, match="numbered figure"):
        number_figures(path)


def test_two_charts_in_one_cell_and_a_repeated_label_are_refused(tmp_path):
    two = _chart_cell("#| label: fig-a\n#| fig-cap: A.\nc", 1)
    two.outputs = two.outputs * 2
    path = _notebook(tmp_path / "p.ipynb", [two, _chart_cell("#| label: fig-a\n#| fig-cap: B.\nc", 2)])
    problems = "\n".join(figure_problems(path))
    assert "2 charts in one cell" in problems and "used twice" in problems


def test_every_chart_of_the_notebooks_in_git_is_declared_a_figure():
    """Every cell of the site's notebooks that calls a chart builder carries a fig- label and a caption,
    and the labels are unique per page (the build checks the executed outputs; this checks the sources)."""
    from fazhi.site import cell_options, notebooks

    builder = re.compile(r"\b(?:charts|gwr_charts)\.\w+\(|corrected_vs_uncorrected\(")
    found = 0
    for path in notebooks(ROOT):
        labels = []
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "code" or not builder.search(cell.source):
                continue
            opts = cell_options(cell.source)
            assert str(opts.get("label", "")).startswith("fig-"), (path.name, cell.source[:80])
            assert isinstance(opts.get("fig-cap"), str) and opts["fig-cap"].strip().endswith("."), path.name
            labels.append(opts["label"])
            found += 1
        assert len(labels) == len(set(labels)), (path.name, labels)
    assert found >= 25


def test_the_favicon_is_an_svg_in_the_assets_and_named_by_the_project():
    svg = (ASSETS / FAVICON).read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<svg") and "法" in svg
    assert re.search(r"^\s+favicon:\s*favicon\.svg\s*$", (ROOT / "_quarto.yml").read_text(), re.MULTILINE)


def test_smalldocs_renders_numbered_figures_and_links_the_favicon_on_every_page(tmp_path):
    """A staged copy of the project, its pages replaced by two small executed notebooks: after the figure
    step, smalldocs shows "Figure 1" and "Figure 2" on the first page, "Figure 1" on the second (numbers are
    per page, as Quarto's), and every page links the icon, which is in the site."""
    pytest.importorskip("smalldocs")
    staging = tmp_path / "staging"
    stage_sources(ROOT, staging)
    assert (staging / FAVICON).read_bytes() == (ASSETS / FAVICON).read_bytes()
    config = (staging / "_quarto.yml").read_text(encoding="utf-8")
    config = re.sub(
        r"(?m)^  render:\n(?:    - .*\n)+", "  render:\n    - index.ipynb\n    - two.ipynb\n", config
    )
    config = re.sub(r"(?m)^  resources:\n(?:    - .*\n)+", "", config)
    config = re.sub(r"(?ms)^  navbar:.*?(?=^  page-footer:)", "", config)
    (staging / "_quarto.yml").write_text(config, encoding="utf-8")
    for p in list(staging.glob("*.ipynb")) + list(staging.glob("*.qmd")):
        p.unlink()
    for p in (staging / "notebooks").glob("*.ipynb"):
        p.unlink()
    fig = '#| label: fig-{0}\n#| fig-cap: "Caption {0}."\nc'
    one = _notebook(
        staging / "index.ipynb", [_chart_cell(fig.format("a"), 1), _chart_cell(fig.format("b"), 2)]
    )
    two = _notebook(staging / "two.ipynb", [_chart_cell(fig.format("c"), 3)])
    for p in (one, two):
        number_figures(p)
    site = render(staging, "smalldocs")
    first = (site / "index.html").read_text(encoding="utf-8")
    second = (site / "two.html").read_text(encoding="utf-8")
    captions = re.compile(r"<figcaption[^>]*>(Figure(?:&nbsp;|\u00a0| )\d+): ([^<]*)</figcaption>")
    assert [m.groups() for m in captions.finditer(first)] == [
        ("Figure&nbsp;1", "Caption a."),
        ("Figure&nbsp;2", "Caption b."),
    ]
    assert [m.groups() for m in captions.finditer(second)] == [("Figure&nbsp;1", "Caption c.")]
    for page in (first, second):
        assert re.search(r'<link[^>]+rel="icon"[^>]+href="[^"]*favicon\.svg"', page), page[:400]
    assert (site / FAVICON).is_file()
