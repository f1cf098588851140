"""``fazhi site``: build the tables, execute every notebook fresh, render the website.

In: the corpus folder, the project's ``_quarto.yml``, its pages (``*.qmd``, ``*.ipynb`` at the root) and the
numbered notebooks in ``notebooks/``. Out: a static website in ``_site/`` that works offline.

The steps, one code path whichever renderer publishes the site:

1. ``fazhi build`` for every corpus of the site (``notebooks/site.toml``: ``site_corpora``): every result
   table, stamped with the inputs it was made from. A corpus whose folder is absent is skipped with a note.
2. Stage the site sources into ``_build/site/`` (the notebooks in git carry no outputs), with the
   downloadable tables (``downloads/``), a page per document of the default corpus and the corpus search
   (``documents/``, ``fazhi.docpages``) and the API reference pages (``reference/``) generated from the
   package itself. Every code cell of the staged notebooks is marked ``#| code-fold: true`` (``fold_code``):
   Quarto folds code by the project's ``code-fold`` option, smalldocs only by the cell's own. The site's
   icon (``favicon.svg``, from ``fazhi/assets/``) is staged beside ``_quarto.yml``, whose
   ``website: favicon`` both renderers link from every page.
3. Execute every notebook from top to bottom with nbclient, in a fresh kernel, against the tables of the
   corpus that claims it (``notebooks/site.toml``; the default corpus gets the rest). A
   cell that raises stops the build. Nothing is frozen or cached: a change to ``pkg/`` or the
   environment always shows on the next build. Every chart must be a figure: its cell carries Quarto's
   ``#| label: fig-...`` and ``#| fig-cap: ...`` (one chart per cell), or the build stops
   (``figure_problems``). Quarto numbers and captions such cells itself ("Figure 1: ...", per page);
   for smalldocs, which captions only pictures, ``number_figures`` wraps each chart of the executed
   notebook in the same figure markup with the same number and caption.
4. Render the staged project with Quarto when it is on the ``PATH`` (``quarto render --no-execute``:
   the notebooks already hold their outputs) and otherwise with smalldocs, which reads the same
   ``_quarto.yml``. Both publish the outputs of step 3, so both show identical results.
5. Copy the vendored Vega scripts into ``_site/vendor/vega/`` (charts load them from there, never from
   a CDN) and check that no page refers to a CDN.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import html
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import nbformat

from .paths import corpus_dir, data_dir, project_root

if TYPE_CHECKING:
    import polars as pl

RENDERERS = ("auto", "quarto", "smalldocs")
STAGING = Path("_build") / "site"
KERNEL = "python3"
CELL_TIMEOUT = 600  # seconds; a cell that takes longer is a bug, not a slow machine
# Hosts whose presence in a page would make it depend on the network.
CDN_PATTERN = re.compile(
    r"(?:cdn\.jsdelivr\.net|unpkg\.com|cdnjs\.cloudflare\.com|cdn\.plot\.ly|code\.jquery\.com|"
    r"fonts\.googleapis\.com|fonts\.gstatic\.com|ajax\.googleapis\.com|stackpath\.bootstrapcdn\.com)"
)
# Every declared table (fazhi.schema.TABLES) that a build wrote is offered for download on the Data page: as
# parquet always, and as CSV when it has at most this many rows (a CSV of millions of tokens helps nobody).
CSV_MAX_ROWS = 500_000


ANSI = re.compile(r"\x1b\[[0-9;]*m")


SITE_CONFIG = (
    Path("notebooks") / "site.toml"
)  # beside the pages it assigns; the project top level stays fixed


class SiteError(RuntimeError):
    """The site could not be built: a notebook failed, a renderer is missing, or a page needs a CDN."""


def notebooks(root: Path) -> list[Path]:
    """The notebooks the site executes: the root's ``*.ipynb`` pages, then ``notebooks/NN_*.ipynb`` in
    order."""
    pages = sorted(p for p in root.glob("*.ipynb"))
    numbered = sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    return pages + numbered


@dataclass(frozen=True)
class SiteCorpus:
    """One corpus of the site (a ``[[corpus]]`` table of ``notebooks/site.toml``), paths resolved."""

    name: str
    folder: Path
    tables: Path
    patterns: tuple[str, ...]
    default: bool = False

    def claims(self, notebook: Path, root: Path) -> bool:
        """Whether ``notebook`` (a path under ``root``, staged or not) is computed from this corpus."""
        rel = PurePosixPath(notebook.relative_to(root).as_posix())
        return any(rel.match(p) for p in self.patterns)


def site_corpora(root: Path, *, config: Path | None = None) -> list[SiteCorpus]:
    """The corpora of the site, from ``<root>/notebooks/site.toml`` (the default corpus first).

    Without a ``notebooks/site.toml`` the site has one corpus: ``seeds/`` into ``data/processed/`` (a
    researcher's own project needs no file). Raises ``SiteError`` on a malformed file: a missing field, a
    repeated name, or not exactly one default corpus.
    """
    import tomllib

    path = config or root / SITE_CONFIG
    if not path.is_file():
        return [SiteCorpus("seeds", corpus_dir(), data_dir(), (), True)]
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SiteError(f"{path.name}: not valid TOML ({exc})") from exc
    found: list[SiteCorpus] = []
    for i, entry in enumerate(doc.get("corpus", [])):
        for key in ("name", "folder", "tables"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise SiteError(f"{path.name}: corpus #{i + 1} has no string field {key!r}")
        patterns = entry.get("notebooks", [])
        if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
            raise SiteError(
                f"{path.name}: corpus {entry['name']!r}: notebooks must be a list of glob patterns"
            )
        found.append(
            SiteCorpus(
                entry["name"],
                (root / entry["folder"]).resolve(),
                (root / entry["tables"]).resolve(),
                tuple(patterns),
                bool(entry.get("default", False)),
            )
        )
    names = [c.name for c in found]
    if len(set(names)) != len(names):
        raise SiteError(f"{path.name}: corpus names repeat ({', '.join(names)})")
    defaults = [c for c in found if c.default]
    if len(defaults) != 1:
        raise SiteError(f"{path.name}: exactly one corpus must have default = true (found {len(defaults)})")
    return defaults + [c for c in found if not c.default]


def assign_notebooks(pages: list[Path], root: Path, corpora: list[SiteCorpus]) -> dict[Path, SiteCorpus]:
    """Which corpus each notebook is computed from: the first non-default corpus claiming it, else the
    default."""
    default = corpora[0]
    return {p: next((c for c in corpora[1:] if c.claims(p, root)), default) for p in pages}


def skip_notebook(path: Path, corpus: SiteCorpus) -> str:
    """Replace a staged notebook by one Markdown cell saying its corpus is absent; returns the note."""
    note = (
        f"This page is computed from the corpus **{corpus.name}**, whose folder (`{corpus.folder.name}/`) is "
        f"not in this project, so it was skipped. Add the folder (or edit `{SITE_CONFIG}`) and run "
        "`uv run fazhi site` again."
    )
    nb = nbformat.read(path, as_version=4)
    title = next((c.source.splitlines()[0] for c in nb.cells if c.cell_type == "markdown" and c.source), "")
    nb.cells = [nbformat.v4.new_markdown_cell((title + "\n\n" if title.startswith("#") else "") + note)]
    nbformat.write(nb, path)
    return note


def corpora_footer(tables: dict[str, Path]) -> str:
    """The footer naming every corpus the pages were computed from (the default first)."""
    from .report import corpus_name, footer, read_table

    items = list(tables.items())
    text = footer(items[0][1])
    for name, folder in items[1:]:
        try:
            n = read_table("documents", folder, check=False).height
        except FileNotFoundError:
            n = 0
        shown = corpus_name(folder).replace('"', "").replace("`", "")
        text += f" The pages on {name} are computed from `{shown}/` ({n} document(s))."
    return text


def pick_renderer(renderer: str = "auto") -> str:
    """Which renderer to use: ``quarto`` when asked or when ``auto`` finds it on the PATH, else ``smalldocs``.

    Raises
    ------
    SiteError
        When ``quarto`` is asked for and is not on the PATH.
    """
    if renderer not in RENDERERS:
        raise SiteError(f"unknown renderer {renderer!r}; choose one of {', '.join(RENDERERS)}")
    has_quarto = shutil.which("quarto") is not None
    if renderer == "quarto" and not has_quarto:
        raise SiteError(
            "quarto is not on the PATH: install it from https://quarto.org/docs/get-started/ or conda-forge "
            "(see README), or use --renderer smalldocs"
        )
    if renderer == "auto":
        return "quarto" if has_quarto else "smalldocs"
    return renderer


def stage_sources(root: Path, staging: Path) -> list[Path]:
    """Copy the site's sources into a fresh ``staging`` folder; returns the staged notebooks.

    Copies ``_quarto.yml``, every ``*.qmd``, ``*.ipynb``, ``*.css`` and ``*.scss`` at the root, and the
    numbered notebooks, and the package's ``favicon.svg`` (unless the project has its own at the root).
    Nothing else of the project (no ``.venv``, no data) is seen by the renderer.
    """
    from .paths import ASSETS

    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    for pattern in ("_quarto.yml", "*.qmd", "*.ipynb", "*.css", "*.scss", FAVICON):
        for src in sorted(root.glob(pattern)):
            shutil.copy2(src, staging / src.name)
    if not (staging / FAVICON).is_file():
        shutil.copy2(ASSETS / FAVICON, staging / FAVICON)
    (staging / "notebooks").mkdir()
    for src in sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        shutil.copy2(src, staging / "notebooks" / src.name)
    return notebooks(staging)


FAVICON = "favicon.svg"  # the site's icon, in fazhi/assets/; _quarto.yml's website: favicon names it
FOLD_OPTION = re.compile(r"^#\|\s*code-fold\s*:", re.MULTILINE)
CHART_MARK = 'class="fazhi-chart"'  # the div every chart of fazhi.charts draws into
FIGURE_PREFIX = "fig-"  # Quarto's cross-reference prefix of a figure's label


def cell_options(source: str) -> dict[str, object]:
    """The Quarto options (``#| key: value`` lines, YAML) at the top of a code cell's source."""
    import yaml

    lines = []
    for line in source.splitlines():
        if not line.startswith("#|"):
            break
        lines.append(line[2:].strip())
    try:
        parsed = yaml.safe_load("\n".join(lines)) if lines else {}
    except yaml.YAMLError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _chart_outputs(cell: dict) -> list[int]:
    """Indexes of the cell's outputs that hold a chart (HTML with a ``fazhi-chart`` div)."""
    found = []
    for i, out in enumerate(cell.get("outputs", [])):
        value = (out.get("data") or {}).get("text/html", "")
        if CHART_MARK in ("".join(value) if isinstance(value, list) else value):
            found.append(i)
    return found


def figure_problems(path: Path) -> list[str]:
    """Every chart of an executed notebook that is not a captioned figure, as ``notebook, cell n: why``.

    A chart's cell must carry ``#| label: fig-<name>`` (unique in the notebook) and a non-empty
    ``#| fig-cap``, and display one chart only (Quarto numbers a cell, not a chart).
    """
    nb = nbformat.read(path, as_version=4)
    problems, labels = [], set()
    for n, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        charts = _chart_outputs(cell)
        if not charts:
            continue
        opts = cell_options(cell.source)
        label, cap = str(opts.get("label") or ""), opts.get("fig-cap")
        where = f"{path.name}, cell {n}"
        if not label.startswith(FIGURE_PREFIX):
            problems.append(f"{where}: a chart without '#| label: {FIGURE_PREFIX}...'")
        elif label in labels:
            problems.append(f"{where}: the figure label {label!r} is used twice")
        labels.add(label)
        if not isinstance(cap, str) or not cap.strip():
            problems.append(f"{where}: a chart without '#| fig-cap: ...'")
        if len(charts) > 1:
            problems.append(f"{where}: {len(charts)} charts in one cell (one figure per cell)")
    return problems


def figure_html(chart: str, *, label: str, number: int, caption: str) -> str:
    """A chart's HTML inside Quarto's figure markup, captioned ``Figure <number>: <caption>``."""
    cap_id = f"{label}-caption"
    return (
        '<div class="quarto-float quarto-figure quarto-figure-center anchored">\n'
        '<figure class="quarto-float quarto-float-fig figure">\n'
        f'<div aria-describedby="{html.escape(cap_id)}">\n{chart}\n</div>\n'
        '<figcaption class="quarto-float-caption-bottom quarto-float-caption quarto-float-fig" '
        f'id="{html.escape(cap_id)}">Figure&nbsp;{number}: {html.escape(caption.strip())}</figcaption>\n'
        "</figure>\n</div>"
    )


def number_figures(path: Path) -> int:
    """Caption every chart of an executed notebook as Quarto does: ``Figure n: <fig-cap>``, numbered from 1
    in page order. For smalldocs, which puts ``fig-cap`` under pictures only, not under HTML charts.

    Returns the figures numbered. Raises ``SiteError`` when a chart is not a captioned figure
    (``figure_problems``).
    """
    problems = figure_problems(path)
    if problems:
        raise SiteError("every chart must be a numbered figure:\n  " + "\n  ".join(problems))
    nb = nbformat.read(path, as_version=4)
    number = 0
    for cell in nb.cells:
        if cell.cell_type != "code" or not _chart_outputs(cell):
            continue
        opts = cell_options(cell.source)
        number += 1
        out = cell.outputs[_chart_outputs(cell)[0]]
        value = out["data"]["text/html"]
        chart = "".join(value) if isinstance(value, list) else value
        out["data"]["text/html"] = figure_html(
            chart, label=str(opts["label"]), number=number, caption=str(opts["fig-cap"])
        )
    if number:
        nbformat.write(nb, path)
    return number


def fold_code(path: Path) -> int:
    """Mark every code cell of the notebook ``path`` ``#| code-fold: true`` (unless it sets code-fold itself).

    Both renderers then fold the code (a "Code" summary that opens it); returns the cells marked.
    """
    nb = nbformat.read(path, as_version=4)
    marked = 0
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.strip() and not FOLD_OPTION.search(cell.source):
            cell.source = "#| code-fold: true\n" + cell.source
            marked += 1
    if marked:
        nbformat.write(nb, path)
    return marked


FOOTER_LINE = re.compile(r"^(?P<indent>\s+)center:.*$", re.MULTILINE)


def write_footer(config: Path, tables: Path | dict[str, Path]) -> str:
    """Write the page footer of the staged ``_quarto.yml``, naming the corpus the tables were built from.

    The footer in git is corpus-neutral; the staged copy says which corpus (``build.json``) and how many
    documents every number on the site comes from. Returns the footer written.
    """
    import json

    from .report import footer

    text = corpora_footer(tables) if isinstance(tables, dict) else footer(tables)
    source = config.read_text(encoding="utf-8")
    head, sep, tail = source.partition("page-footer:")
    if not sep:
        raise SiteError(f"{config}: no page-footer to write the corpus into")
    tail = FOOTER_LINE.sub(
        lambda m: f"{m['indent']}center: {json.dumps(text, ensure_ascii=False)}", tail, count=1
    )
    config.write_text(head + sep + tail, encoding="utf-8")
    return text


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def execute_notebook(path: Path, env: dict[str, str] | None = None, timeout: int = CELL_TIMEOUT) -> float:
    """Execute a notebook in place, top to bottom, in a fresh kernel whose working folder is its own.

    Parameters
    ----------
    path
        The notebook; its outputs are replaced by the new ones.
    env
        Environment variables for the kernel (``FAZHI_DATA``, ``FAZHI_SITE_ROOT``, ...).
    timeout
        Seconds allowed per cell.

    Returns
    -------
    float
        Seconds taken.

    Raises
    ------
    SiteError
        When a cell raises; the message names the notebook and the cell.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    t0 = time.perf_counter()
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=KERNEL,
        resources={"metadata": {"path": str(path.parent)}},
    )
    try:
        # the kernel inherits this process's environment plus ``env``
        client.execute(env={**os.environ, **(env or {})})
    except CellExecutionError as e:
        raise SiteError(f"{path.name}: a cell failed\n{ANSI.sub('', str(e))}") from e
    nbformat.write(nb, path)
    return time.perf_counter() - t0


def execute_all(
    paths: list[Path], env: dict[str, str] | dict[Path, dict[str, str]], jobs: int = 2, progress: bool = True
) -> dict[str, float]:
    """Execute notebooks, ``jobs`` at a time (each in its own kernel); returns seconds per notebook.

    ``env`` is one environment for all, or one per notebook (keyed by its path).
    """
    timings: dict[str, float] = {}

    def env_of(p: Path) -> dict[str, str]:
        return env.get(p, env)  # type: ignore[call-overload,return-value]

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(execute_notebook, p, env_of(p)): p for p in paths}
        for fut in concurrent.futures.as_completed(futures):
            p = futures[fut]
            timings[p.name] = fut.result()
            if progress:
                print(f"  executed {p.name} in {timings[p.name]:.1f} s", file=sys.stderr, flush=True)
    return dict(sorted(timings.items()))


# A CSV cell starting with one of these is read as a formula by spreadsheet programs (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulae(df: pl.DataFrame) -> pl.DataFrame:
    """Prefix a single quote to every text cell that a spreadsheet would read as a formula.

    The OWASP rule for CSV injection: a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
    return gets a leading ``'``, so Excel, LibreOffice and Google Sheets show it as text instead of
    running it. Only text columns change; numbers keep their sign.
    """
    import polars as pl

    pattern = r"^[=+\-@\t\r]"  # FORMULA_START as a regular expression
    return df.with_columns(
        pl.when(pl.col(c).str.contains(pattern)).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c, t in df.schema.items()
        if t == pl.String
    )


def export_downloads(
    tables: Path, dest: Path, names: tuple[str, ...] | None = None, *, csv_max_rows: int = CSV_MAX_ROWS
) -> list[Path]:
    """Write the downloadable tables as parquet (a byte copy, stamp included) and CSV into ``dest``.

    ``names`` defaults to every table declared in ``fazhi.schema.TABLES`` that ``tables`` holds. A table
    with more than ``csv_max_rows`` rows is offered as parquet only. Nested columns are not representable
    in CSV; they are written as JSON strings there. The CSV files are UTF-8 with a byte-order mark (so that
    Excel, on a Chinese Windows too, reads them as UTF-8), and a text cell that a spreadsheet would run as
    a formula gets a leading ``'`` (``neutralise_formulae``); the parquet files hold the values unchanged.
    """
    import polars as pl

    from .schema import TABLES

    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for name in sorted(TABLES) if names is None else names:
        src = tables / f"{name}.parquet"
        if not src.is_file():
            continue
        shutil.copy2(src, dest / src.name)
        written.append(dest / src.name)
        if pl.scan_parquet(src).select(pl.len()).collect().item() > csv_max_rows:
            continue
        df = pl.read_parquet(src)
        nested = [c for c, t in df.schema.items() if t.is_nested()]
        if nested:
            df = df.with_columns(pl.col(c).map_elements(_json, return_dtype=pl.String) for c in nested)
        neutralise_formulae(df).write_csv(dest / f"{name}.csv", include_bom=True)
        written.append(dest / f"{name}.csv")
    return written


def _json(value: object) -> str:
    import json

    return json.dumps(value.to_list() if hasattr(value, "to_list") else value, ensure_ascii=False)


def render(staging: Path, renderer: str) -> Path:
    """Render the staged project with ``renderer``; returns its output folder.

    Raises
    ------
    SiteError
        When the renderer fails.
    """
    if renderer == "quarto":
        cmd = ["quarto", "render", str(staging), "--no-execute"]
    else:
        cmd = [sys.executable, "-m", "smalldocs.cli", "render", str(staging), "--quiet"]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SiteError(f"{renderer} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    if proc.stderr.strip():
        print(proc.stderr.strip(), file=sys.stderr)
    return staging / "_site"


def install_vendor(site: Path) -> list[Path]:
    """Copy the vendored Vega scripts (and their licences) into ``<site>/vendor/vega/``."""
    from .charts import VENDOR_DIR, vendored_scripts

    dest = site / VENDOR_DIR
    dest.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copy2(p, dest / p.name)) for p in vendored_scripts()]


def cdn_references(site: Path) -> list[str]:
    """Every ``file: host`` where a page, script or stylesheet of the site names a CDN host."""
    found = []
    for p in sorted(site.rglob("*")):
        if p.suffix in {".html", ".js", ".css", ".json"} and p.is_file():
            for m in sorted(set(CDN_PATTERN.findall(p.read_text(encoding="utf-8", errors="replace")))):
                found.append(f"{p.relative_to(site).as_posix()}: {m}")
    return found


def build_site(
    corpus: Path | None = None,
    out: Path | None = None,
    *,
    renderer: str = "auto",
    site: Path | None = None,
    progress: bool = True,
    jobs: int | None = None,
    build_tables: bool = True,
    extra_corpora: bool = True,
) -> Path:
    """Build the tables, execute every notebook fresh and render the website.

    Parameters
    ----------
    corpus
        The default corpus's folder; ``notebooks/site.toml``'s default corpus (``seeds/``) by default.
    out
        The default corpus's tables; ``data/processed/`` by default. When given, the other corpora's
        tables go beside it (``<out>--<name>``).
    renderer
        ``auto`` (Quarto when on the PATH, else smalldocs), ``quarto`` or ``smalldocs``.
    site
        Where the website goes; ``<project>/_site`` by default.
    progress
        Print progress to stderr.
    jobs
        Worker processes for the build and notebooks executed at once; all cores by default.
    build_tables
        Run ``fazhi build`` first (the default). ``False`` reuses the tables in ``out``, which the
        notebooks still check against the current inputs (the stale-results guard).
    extra_corpora
        Build and execute the other corpora of ``notebooks/site.toml`` (the default). ``False`` skips their
        pages as if their folders were absent.

    Returns
    -------
    Path
        The site's ``index.html``.
    """
    root = project_root()
    if not (root / "_quarto.yml").is_file():
        raise SiteError(f"no _quarto.yml in {root}: run fazhi site from the project")
    corpora = site_corpora(root)
    given_out = out is not None
    corpus = Path(corpus).resolve() if corpus is not None else corpora[0].folder
    out = Path(out).resolve() if out is not None else corpora[0].tables
    corpora[0] = replace(corpora[0], folder=corpus, tables=out)
    if given_out:  # a build elsewhere (a test's tmp folder) keeps every corpus's tables there
        corpora[1:] = [replace(c, tables=out.with_name(f"{out.name}--{c.name}")) for c in corpora[1:]]
    site = Path(site).resolve() if site is not None else root / "_site"
    jobs = jobs or os.cpu_count() or 1
    chosen = pick_renderer(renderer)

    def log(msg: str) -> None:
        if progress:
            print(msg, file=sys.stderr, flush=True)

    active = [corpora[0]]
    skipped = []
    for c in corpora[1:]:
        if extra_corpora and c.folder.is_dir():
            active.append(c)
        else:
            skipped.append(c)
            log(
                f"corpus {c.name}: folder {c.folder} absent, its pages are skipped"
                if extra_corpora
                else f"corpus {c.name}: not asked for, its pages are skipped"
            )
    if build_tables:
        from .pipeline import build, summary

        for c in active:
            tables = build(c.folder, c.tables, progress=progress, jobs=jobs)
            log(summary(tables, c.folder, c.tables))

    # the default site stages under _build/; a site elsewhere (a test's tmp folder) stages beside it
    staging = root / STAGING if site == root / "_site" else site.with_name(site.name + "_staging")
    pages = stage_sources(root, staging)
    owner = assign_notebooks(pages, staging, corpora)
    for p in pages:
        if owner[p] in skipped:
            skip_notebook(p, owner[p])
    pages = [p for p in pages if owner[p] not in skipped]
    write_footer(staging / "_quarto.yml", {c.name: c.tables for c in active})
    export_downloads(out, staging / "downloads")
    from .apidoc import write_reference
    from .docpages import FOLDER, write_document_pages

    write_document_pages(out, staging / FOLDER)
    for p in pages:
        fold_code(p)

    write_reference(staging / "reference")

    env = {
        "FAZHI_PROJECT": str(root),
        "FAZHI_SITE_ROOT": str(staging),
        # one thread of math per kernel: results do not depend on the machine's core count
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONHASHSEED": "0",
    }
    envs = {
        p: {**env, "FAZHI_DATA": str(owner[p].tables), "FAZHI_CORPUS": str(owner[p].folder)} for p in pages
    }
    log(f"executing {len(pages)} notebook(s) fresh ...")
    with _environment({"PYDEVD_DISABLE_FILE_VALIDATION": "1"}):
        execute_all(pages, envs, jobs=min(jobs, 2), progress=progress)

    problems = [p for page in pages for p in figure_problems(page)]
    if problems:
        raise SiteError("every chart must be a numbered figure:\n  " + "\n  ".join(problems))
    if chosen == "smalldocs":  # Quarto numbers and captions the figures itself
        for p in pages:
            number_figures(p)

    log(f"rendering with {chosen} ...")
    rendered = render(staging, chosen)
    install_vendor(rendered)
    problems = cdn_references(rendered)
    if problems:
        raise SiteError("pages of the site depend on a CDN:\n  " + "\n  ".join(problems))
    if site.exists():
        shutil.rmtree(site)
    shutil.move(str(rendered), str(site))
    return site / "index.html"
