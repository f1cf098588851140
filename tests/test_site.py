"""The published site: every page there, charts served from the site itself, no CDN, both renderers."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import altair as alt
import polars as pl
import pytest
from fazhi import charts
from fazhi.site import CDN_PATTERN, SiteError, cdn_references, execute_notebook, notebooks, pick_renderer
from fazhi.tables import STAMP_KEY, read_stamp

ROOT = Path(__file__).resolve().parents[1]


def test_charts_in_the_site_load_vega_from_the_site_and_in_lab_from_the_package(tmp_path, monkeypatch):
    import nbformat

    chart = alt.Chart(pl.DataFrame({"x": ["一", "二"], "y": [1, 2]})).mark_bar().encode(x="x", y="y")
    monkeypatch.delenv(charts.SITE_ROOT_ENV, raising=False)
    charts.resend_vega()
    bundles = [chart._repr_mimebundle_() for _ in range(2)]
    first, second = ((b[0] if isinstance(b, tuple) else b)["text/html"] for b in bundles)
    # JupyterLab (issue 17, 5): the first chart carries the package's Vega scripts, the next waits for them;
    # neither names a CDN nor the site's vendor folder
    vega = (charts.ASSETS / "vega" / "vega.min.js").read_text(encoding="utf-8")
    assert vega[:200] in first and vega[:200] not in second and "window.vegaEmbed" in second
    for html in (first, second):
        assert CDN_PATTERN.search(html) is None and "vendor/vega" not in html
        assert "<script src=" not in html
    # what a JupyterLab session saves must be a valid notebook
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("chart")])
    nb.cells[0].outputs = [
        nbformat.v4.new_output("display_data", data=b[0] if isinstance(b, tuple) else b) for b in bundles
    ]
    nbformat.validate(nb)

    (tmp_path / "notebooks").mkdir()
    monkeypatch.setenv(charts.SITE_ROOT_ENV, str(tmp_path))
    monkeypatch.chdir(tmp_path / "notebooks")
    bundle = chart._repr_mimebundle_()
    html = (bundle[0] if isinstance(bundle, tuple) else bundle)["text/html"]
    assert '<script src="../vendor/vega/vega.min.js">' in html.replace("<\\/script>", "</script>")
    assert "cdn" not in html and "jsdelivr" not in html
    assert "二" in html  # the data travels inside the page, unescaped


def test_vendored_vega_matches_the_versions_altair_targets():
    names = {p.name for p in charts.vendored_scripts()}
    assert {"vega.min.js", "vega-lite.min.js", "vega-embed.min.js"} <= names
    folder = charts.ASSETS / "vega"
    assert f"vega-lite {alt.VEGALITE_VERSION}" in (folder / "README.md").read_text(encoding="utf-8")
    assert re.search(
        rf'version:\s*"{re.escape(alt.VEGALITE_VERSION)}"|"{re.escape(alt.VEGALITE_VERSION)}"',
        (folder / "vega-lite.min.js").read_text(encoding="utf-8"),
    )


def test_quarto_is_required_only_when_asked_for(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert pick_renderer("auto") == "smalldocs"
    with pytest.raises(SiteError, match="quarto is not on the PATH"):
        pick_renderer("quarto")
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/quarto")
    assert pick_renderer("auto") == "quarto"


@pytest.mark.slow
def test_every_page_is_rendered(built_site):
    site = built_site.site
    for page in ("index.html", "methods.html", "data.html", "reproducibility.html", "reference/index.html"):
        assert (site / page).is_file(), page
    for nb in notebooks(ROOT):
        if nb.parent.name == "notebooks":
            assert (site / "notebooks" / nb.with_suffix(".html").name).is_file(), nb.name
    index = (site / "index.html").read_text(encoding="utf-8")
    for page in ("methods.html", "data.html", "reproducibility.html", "notebooks/01_corpus.html"):
        assert f'href="{page}"' in index, f"navbar lacks {page}"


@pytest.mark.slow
def test_the_site_names_no_cdn_and_serves_vega_itself(built_site):
    assert cdn_references(built_site.site) == []
    for name in ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js"):
        assert (built_site.site / "vendor" / "vega" / name).is_file()
    page = (built_site.site / "notebooks" / "01_corpus.html").read_text(encoding="utf-8")
    assert page.count('class="fazhi-chart"') >= 2
    assert "../vendor/vega/vega.min.js" in page


@pytest.mark.slow
def test_smalldocs_check_finds_no_ignored_option_or_broken_link(built_site):
    proc = subprocess.run(
        [sys.executable, "-m", "smalldocs.cli", "check", str(built_site.staging)],
        capture_output=True,
        check=False,
        text=True,
    )
    report = proc.stdout + proc.stderr
    assert proc.returncode == 0, report
    assert "0 thing(s) to look at" in report


@pytest.mark.slow
def test_landing_page_numbers_come_from_the_tables(built_site):
    docs = pl.read_parquet(built_site.tables / "documents.parquet")
    text = (built_site.site / "index.html").read_text(encoding="utf-8")
    assert f"{docs.height} document(s)" in text
    assert f"{int(docs['n_chars'].sum()):,} characters" in text
    # the key findings: each theme's presence and what the comparison of levels supports, from the tables
    per_doc = pl.read_parquet(built_site.tables / "theme_documents.parquet")
    contrasts = pl.read_parquet(built_site.tables / "theme_group_contrasts.parquet")
    for theme, name in (
        ("digital_government", "Digital government"),
        ("emergency_response", "Emergency response"),
        ("dispute_resolution", "Dispute resolution"),
    ):
        d = per_doc.filter(pl.col("theme") == theme)
        assert (
            f"<strong>{name}</strong>: present in {int(d['present'].sum())} of {d.height} document(s)" in text
        )
    # the seeds have at most two documents per level: no interval, no "most", and the page says why
    assert contrasts["ci_low"].null_count() == contrasts.height
    assert "most emphasis" not in text
    assert "no comparison with an interval" in text
    assert (
        "no difference between levels of government in the three themes is supported by this corpus" in text
    )


@pytest.mark.slow
def test_data_page_offers_every_table_as_parquet_and_csv(built_site):
    from fazhi.schema import TABLES
    from fazhi.site import CSV_MAX_ROWS

    downloads = built_site.site / "downloads"
    page = (built_site.site / "data.html").read_text(encoding="utf-8")
    built = sorted(p.stem for p in built_site.tables.glob("*.parquet"))
    assert {"documents", "sections", "theme_scores", "topics", "theme_contrasts", "model_selection"} <= set(
        built
    )
    for name in built:
        assert name in TABLES, f"the build wrote {name}, which fazhi.schema does not declare"
        spec = TABLES[name]
        assert spec.row.strip() and all(c.description.strip() for c in spec.columns), name
        parquet, csv = downloads / f"{name}.parquet", downloads / f"{name}.csv"
        assert parquet.read_bytes() == (built_site.tables / f"{name}.parquet").read_bytes()
        assert f'href="downloads/{name}.parquet"' in page
        assert f"<code>{name}</code>" in page, f"the Data page does not document {name}"
        n = pl.read_parquet(parquet).height
        if n <= CSV_MAX_ROWS:
            raw = csv.read_bytes()
            assert raw.startswith(b"\xef\xbb\xbf"), f"{name}.csv has no byte-order mark"
            assert pl.read_csv(raw[3:], infer_schema=False).height == n
            assert f'href="downloads/{name}.csv"' in page
        for col in spec.columns:
            assert f"<code>{col.name}</code>" in page


@pytest.mark.slow
def test_reproducibility_page_shows_the_hashes_the_tables_carry(built_site):
    page = (built_site.site / "reproducibility.html").read_text(encoding="utf-8")
    stamp = read_stamp(built_site.tables / "documents.parquet")
    for key in ("corpus_hash", "dictionary_hash", "lexicon_hash"):
        assert stamp[key][:16] in page, key
    for seed in sorted((ROOT / "seeds").glob("*.txt")):
        assert hashlib.sha256(seed.read_bytes()).hexdigest()[:16] in page
    assert "uv run fazhi site" in page and "the embedded default corpus" in page
    index = (built_site.site / "index.html").read_text(encoding="utf-8")
    assert "from the corpus in <code>seeds/</code> (5 document(s))" in index


@pytest.mark.slow
def test_a_notebook_refuses_tables_made_from_other_inputs(built_site, tmp_path):
    # Tables stamped with another lexicon hash: the corpus notebook must fail, and with it the site build.
    import pyarrow.parquet as pq

    stale = tmp_path / "tables"
    shutil.copytree(built_site.tables, stale)
    path = stale / "documents.parquet"
    table = pq.read_table(path)
    stamp = json.loads(table.schema.metadata[STAMP_KEY])
    stamp["lexicon_hash"] = "0" * 64
    pq.write_table(
        table.replace_schema_metadata({**table.schema.metadata, STAMP_KEY: json.dumps(stamp).encode()}), path
    )
    nb = tmp_path / "01_corpus.ipynb"
    shutil.copy(ROOT / "notebooks" / "01_corpus.ipynb", nb)
    env = {"FAZHI_DATA": str(stale), "FAZHI_CORPUS": str(ROOT / "seeds"), "FAZHI_PROJECT": str(ROOT)}
    with pytest.raises(SiteError, match="StaleTableError"):
        execute_notebook(nb, env)


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("quarto") is None,
    reason="Quarto is not installed here (see README); smalldocs rendered the site",
)
def test_quarto_renders_the_same_staged_site(built_site, tmp_path):
    from fazhi.site import render

    staging = tmp_path / "staging"
    shutil.copytree(built_site.staging, staging, ignore=shutil.ignore_patterns("_site"))
    out = render(staging, "quarto")
    assert (out / "index.html").is_file()
    assert (out / "notebooks" / "01_corpus.html").is_file()


def test_design_caveats_follow_the_documents_table():
    from fazhi.report import design_caveats

    docs = pl.DataFrame(
        {
            "level": ["province", "county", "county"],
            "doc_type": ["annual_report", "implementation_plan", "implementation_plan"],
            "period": ["2023", "2023", "2023"],
        }
    )
    text = design_caveats(docs, min_docs=2)
    # labels, never raw codes, in prose (issue 17)
    assert "**省 province**: 1 document(s); 法治政府建设年度报告 annual report" in text
    assert "Fewer than 2 documents at 省 province:" in text
    assert "annual\\_report" not in text and "implementation\\_plan" not in text
    assert "level is confounded with document type" in text
    assert "different periods" not in text
    both = docs.with_columns(doc_type=pl.lit("annual_report"), period=pl.Series(["2022", "2023", "2023"]))
    text = design_caveats(both, min_docs=1)
    assert "Fewer than" not in text and "confounded" not in text
    assert (
        "shared by two or more levels: 法治政府建设年度报告 annual report" in text
        and "2 different periods" in text
    )


# ------------------------------------------------------------------- the site's corpora (notebooks/site.toml)


def test_site_toml_declares_the_default_corpus_first_and_the_gov_reports_for_their_pages():
    from fazhi.site import assign_notebooks, site_corpora

    corpora = site_corpora(ROOT)
    assert corpora[0].default and corpora[0].folder == (ROOT / "seeds").resolve()
    gov = {c.name: c for c in corpora}["gov-work-reports"]
    assert gov.folder.is_dir() and gov.tables != corpora[0].tables
    owner = {p.name: c.name for p, c in assign_notebooks(notebooks(ROOT), ROOT, corpora).items()}
    assert owner["08_national_provincial.ipynb"] == owner["09_seven_decades.ipynb"] == "gov-work-reports"
    assert owner["04_themes.ipynb"] == owner["index.ipynb"] == corpora[0].name


def test_a_project_without_site_toml_has_one_corpus(tmp_path, monkeypatch):
    from fazhi.site import site_corpora

    monkeypatch.setenv("FAZHI_PROJECT", str(tmp_path))
    monkeypatch.delenv("FAZHI_CORPUS", raising=False)
    corpora = site_corpora(tmp_path)
    assert len(corpora) == 1 and corpora[0].default and corpora[0].patterns == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[corpus]]\nname = "a"\nfolder = "a"\ntables = "t"\n', "exactly one corpus"),
        (
            (
                '[[corpus]]\nname = "a"\nfolder = "a"\ntables = "t"\ndefault = true\n'
                '[[corpus]]\nname = "b"\nfolder = "b"\ntables = "u"\ndefault = true\n'
            ),
            "exactly one corpus",
        ),
        ('[[corpus]]\nname = "a"\nfolder = "a"\ndefault = true\n', "'tables'"),
        (
            (
                '[[corpus]]\nname = "a"\nfolder = "a"\ntables = "t"\ndefault = true\n'
                '[[corpus]]\nname = "a"\nfolder = "b"\ntables = "u"\n'
            ),
            "repeat",
        ),
        (
            '[[corpus]]\nname = "a"\nfolder = "a"\ntables = "t"\nnotebooks = "x"\ndefault = true\n',
            "glob patterns",
        ),
        ("[[corpus\n", "not valid TOML"),
    ],
)
def test_a_malformed_site_toml_is_refused_with_its_reason(tmp_path, text, message):
    from fazhi.site import site_corpora

    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "site.toml").write_text(text, encoding="utf-8")
    with pytest.raises(SiteError, match=message):
        site_corpora(tmp_path)


def test_a_page_of_an_absent_corpus_is_replaced_by_a_note_keeping_its_title(tmp_path):
    import nbformat
    from fazhi.site import SiteCorpus, skip_notebook

    path = tmp_path / "08_x.ipynb"
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("# 8. A title\n\ntext"), nbformat.v4.new_code_cell("1/0")]
    )
    nbformat.write(nb, path)
    note = skip_notebook(path, SiteCorpus("mine", tmp_path / "absent", tmp_path / "t", ("*",)))
    cells = nbformat.read(path, as_version=4).cells
    assert [c.cell_type for c in cells] == ["markdown"]
    assert cells[0].source.startswith("# 8. A title") and "mine" in note and "skipped" in note


@pytest.mark.slow
def test_one_site_holds_both_corpora_each_page_computed_from_its_own(built_site):
    gov_tables = built_site.tables.with_name(built_site.tables.name + "--gov-work-reports")
    gov_docs = pl.read_parquet(gov_tables / "documents.parquet")
    seed_docs = pl.read_parquet(built_site.tables / "documents.parquet")
    assert gov_docs.height > seed_docs.height
    page = (built_site.site / "notebooks" / "08_national_provincial.html").read_text(encoding="utf-8")
    assert "gov-work-reports" in page.replace("\\-", "-") and "Spearman" in page
    assert "vendor/vega" in page  # the province chart is drawn
    decades = (built_site.site / "notebooks" / "09_seven_decades.html").read_text(encoding="utf-8")
    assert "first above the presence minimum" in decades
    themes = (built_site.site / "notebooks" / "04_themes.html").read_text(encoding="utf-8")
    assert "gov-work-reports" not in themes.replace("\\-", "-").split("<footer")[0]
    footer = (built_site.site / "index.html").read_text(encoding="utf-8")
    assert f"({seed_docs.height} document(s))" in footer and f"({gov_docs.height} document(s))" in footer


@pytest.mark.slow
def test_a_site_without_the_other_corpora_skips_their_pages_with_a_note(messy_site):
    page = (messy_site.site / "notebooks" / "08_national_provincial.html").read_text(encoding="utf-8")
    assert "skipped" in page and "Spearman" not in page
    assert not messy_site.tables.with_name(messy_site.tables.name + "--gov-work-reports").exists()


RAW_DUMP = re.compile(
    r"shape: \(\d|[┌╞└]─|class=\"dataframe\"|<td>(?:str|i64|i32|i16|f64|f32|bool|date|list\[str\])</td>"
)
LIBRARY_NOISE = re.compile(
    r"Building prefix dict|Loading model from cache|Dumping model to file cache|jieba\.cache"
)


@pytest.mark.slow
def test_no_page_shows_a_raw_dataframe_dump_or_library_noise(built_site):
    pages = sorted(built_site.site.rglob("*.html"))
    assert len(pages) >= 10
    for page in pages:
        text = page.read_text(encoding="utf-8")
        dump = RAW_DUMP.search(text)
        assert dump is None, (
            f"{page.relative_to(built_site.site)} shows a raw dataframe dump: {dump.group(0)!r}"
        )
        noise = LIBRARY_NOISE.search(text)
        assert noise is None, f"{page.relative_to(built_site.site)} shows library noise: {noise.group(0)!r}"


@pytest.mark.slow
def test_both_renderers_fold_the_code_of_every_notebook_page(built_site):
    """Issue 17 (4): smalldocs folds a cell's code only when the cell says so; fazhi site marks every cell."""
    for page in sorted((built_site.site / "notebooks").glob("*.html")):
        html = page.read_text(encoding="utf-8")
        blocks = len(re.findall(r'class="[^"]*\bcell-code\b', html))
        assert blocks, f"{page.name} shows no code at all"
        assert html.count('<details class="code-fold">') == blocks, page.name
    staged = (built_site.staging / "notebooks" / "01_corpus.ipynb").read_text(encoding="utf-8")
    assert "#| code-fold: true" in staged
