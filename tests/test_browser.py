"""The built site in a real browser: headless Chromium, served on localhost, no network beyond it.

Every page is opened; every chart must have rendered (an SVG with marks), no console error may be
raised, and no request may leave localhost. Screenshots of the landing page and the themes page are
saved in ``tests/artifacts/``. Skips, saying why, where Chromium or Playwright is missing; ``.ci/run``
installs Debian's ``chromium`` so that in CI it runs.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = {
    "index.html": "landing.png",
    "notebooks/04_themes.html": "themes.png",
    "data.html": "data.png",
    "notebooks/03_vocabulary.html": "vocabulary.png",
}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium fonts-noto-cjk)"
    ),
]


@pytest.fixture(scope="module", params=["built_site", "messy_site", "gov_site"])
def site_under_test(request):
    """Each test runs on the seeds site, the messy corpus's site and the government work reports' site."""
    return request.param, request.getfixturevalue(request.param)


@pytest.fixture(scope="module")
def server(site_under_test):
    _, built_site = site_under_test
    handler = functools.partial(_QuietHandler, directory=str(built_site.site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright is a dev dependency (uv sync)")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


def _pages(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))


def _open(browser, url: str):
    """Open ``url`` with every request outside localhost (and file:) recorded and blocked."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    outside: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def route(r):
        parsed = urlparse(r.request.url)
        if parsed.scheme in ("file", "data", "blob") or parsed.hostname in ("127.0.0.1", "localhost"):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(url, wait_until="load")
    return page, errors, outside


def _charts_rendered(page) -> tuple[int, int]:
    """(charts on the page, charts whose SVG has marks), after waiting for Vega to draw."""
    n = page.locator(".fazhi-chart").count()
    if n:
        page.wait_for_function(
            (
                "() => [...document.querySelectorAll('.fazhi-chart')].every(d => d.querySelector('svg "
                "[class*=mark-]'))"
            ),
            timeout=30_000,
        )
    drawn = page.evaluate(
        "() => [...document.querySelectorAll('.fazhi-chart')].filter(d => d.querySelectorAll('svg "
        "[class*=mark-] path, svg [class*=mark-] text, svg [class*=mark-] line').length > 0).length"
    )
    return n, drawn


def test_every_page_renders_its_charts_offline_without_errors(site_under_test, server, browser):
    name, built_site = site_under_test
    prefix = "" if name == "built_site" else name.removesuffix("site")
    ARTIFACTS.mkdir(exist_ok=True)
    pages = _pages(built_site.site)
    assert "index.html" in pages
    total = 0
    for rel in pages:
        page, errors, outside = _open(browser, f"{server}/{rel}")
        n, drawn = _charts_rendered(page)
        total += n
        assert drawn == n, f"{rel}: {n - drawn} of {n} charts did not render"
        assert not outside, f"{rel} requested outside localhost: {outside}"
        assert not errors, f"{rel}: console errors {errors}"
        if rel in SCREENSHOTS:
            page.screenshot(path=str(ARTIFACTS / (prefix + SCREENSHOTS[rel])), full_page=True)
        page.close()
    assert total >= 5, "the site should hold charts"
    assert (ARTIFACTS / (prefix + "landing.png")).is_file()


def test_charts_render_when_the_site_is_opened_from_disk(site_under_test, browser):
    _, built_site = site_under_test
    page, errors, outside = _open(browser, (built_site.site / "notebooks" / "01_corpus.html").as_uri())
    n, drawn = _charts_rendered(page)
    assert n >= 2 and drawn == n
    assert not outside and not errors, (outside, errors)
    page.close()


def test_script_and_markup_in_the_data_never_run(hostile_site, browser):
    """Issue 14: a document text and a sidecar title holding <script>, <img onerror> and “…<!--<script>”."""
    from conftest import HOSTILE_SLOGAN

    pages = _pages(hostile_site.site)
    for rel in pages:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        dialogs: list[str] = []
        page.on("dialog", lambda d, seen=dialogs: (seen.append(d.message), d.dismiss()))
        page.goto((hostile_site.site / rel).as_uri(), wait_until="load")
        _charts_rendered(page)
        assert not dialogs, f"{rel}: a script from the data ran ({dialogs})"
        # no inline event handler may come from the data (the payloads use alert)
        handlers = page.evaluate(
            "() => [...document.querySelectorAll('*')].flatMap(e => [...e.attributes]"
            ".filter(a => a.name.startsWith('on') && a.value.includes('alert')).map(a => e.tagName + ' ' + "
            "a.name))"
        )
        assert not handlers, f"{rel}: event handlers from the data: {handlers}"
        assert page.evaluate("() => [...document.scripts].every(s => !s.textContent.includes('alert(1)'))"), (
            rel
        )
        if rel == "notebooks/03_vocabulary.html":
            n, drawn = _charts_rendered(page)
            assert n >= 3 and drawn == n, f"{n - drawn} of {n} charts did not draw"
            headings = page.evaluate(
                "() => [...document.querySelectorAll('h2')].map(h => h.textContent.trim())"
            )
            assert any(h.startswith("Boilerplate") for h in headings), headings
            assert any(h.startswith("Keyword in context") for h in headings), headings
            svg_text = page.evaluate(
                "() => [...document.querySelectorAll('.fazhi-chart svg text')].map(t => t.textContent)"
            )
            assert HOSTILE_SLOGAN in svg_text, "the slogan with markup is drawn as text in the chart"
        page.close()


# ------------------------------------------------------ issue 17: charts fit, a page per document, search

# A chart may be scaled down to its column by at most this factor's complement (its natural width at most
# 10% wider than the column): more would shrink its text below reading size.
MAX_SCALE_DOWN = 1.10
CHART_BOXES = """() => [...document.querySelectorAll('.fazhi-chart')].map(d => {
  const col = (d.closest('#quarto-document-content, main') || d.parentElement).getBoundingClientRect();
  const svg = d.querySelector('svg');
  const r = svg.getBoundingClientRect();
  const legends = [...svg.querySelectorAll('.role-legend')].map(l => l.getBoundingClientRect())
    .map(l => ({left: l.left, right: l.right, top: l.top, bottom: l.bottom, width: l.width}));
  const title = (svg.querySelector('.role-title-text, .role-title text') || {}).textContent || d.id;
  return {title, natural: +svg.getAttribute('width'), col: {left: col.left, right: col.right, width: col.width},
          svg: {left: r.left, right: r.right, top: r.top, bottom: r.bottom}, legends};
})"""  # noqa: E501 (JavaScript run in the page)


def test_every_chart_fits_its_column_and_shows_its_legends(site_under_test, server, browser):
    """Issue 17 (2): no page scrolls sideways, no chart's box exceeds its text column, none is scaled down by
    more than 10%, and every legend lies inside the chart and the column (nothing clipped)."""
    _, built_site = site_under_test
    problems = []
    for rel in _pages(built_site.site):
        page, _, _ = _open(browser, f"{server}/{rel}")
        wide = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        if wide > 1:
            problems.append(f"{rel}: the page is {wide} px wider than the window (a horizontal scroll)")
        if _charts_rendered(page)[0]:
            for c in page.evaluate(CHART_BOXES):
                where = f"{rel}: {c['title']!r}"
                if c["svg"]["right"] > c["col"]["right"] + 1 or c["svg"]["left"] < c["col"]["left"] - 1:
                    problems.append(f"{where} exceeds its column ({c['svg']} vs {c['col']})")
                if c["natural"] > c["col"]["width"] * MAX_SCALE_DOWN:
                    problems.append(
                        f"{where} is {c['natural']:.0f} px wide for a {c['col']['width']:.0f} px column"
                    )
                for box in c["legends"]:
                    inside = (
                        box["left"] >= c["svg"]["left"] - 1
                        and box["right"] <= c["svg"]["right"] + 1
                        and box["right"] <= c["col"]["right"] + 1
                        and box["bottom"] <= c["svg"]["bottom"] + 1
                    )
                    if box["width"] <= 0 or not inside:
                        problems.append(f"{where}: a legend is cut or hidden ({box})")
        page.close()
    assert not problems, "\n".join(problems)


def test_a_page_per_document_with_outline_hits_and_legend(site_under_test, server, browser):
    """Issue 17 (6): every document has a page, linked from the corpus page; its outline links resolve, its
    hits are marked (one mark per hit that overlaps no other) and its theme legend is visible."""
    import polars as pl
    from fazhi.docpages import page_name

    name, built_site = site_under_test
    docs = pl.read_parquet(built_site.tables / "documents.parquet")
    hits = pl.read_parquet(built_site.tables / "theme_hits.parquet")
    assert 'href="../documents/index.html"' in (built_site.site / "notebooks" / "01_corpus.html").read_text(
        encoding="utf-8"
    )
    page, _, _ = _open(browser, f"{server}/documents/index.html")
    links = page.evaluate(
        "() => [...document.querySelectorAll('main a, #quarto-document-content a')].map(a => "
        "a.getAttribute('href'))"
    )
    page.close()
    assert {f"{page_name(d)}.html" for d in docs["doc_id"]} <= set(links)
    shown = docs.sort("n_chars", descending=True).head(2)["doc_id"].to_list()  # the two longest: most hits
    for doc_id in shown:
        page, errors, outside = _open(browser, f"{server}/documents/{page_name(doc_id)}.html")
        mine = hits.filter(pl.col("doc_id") == doc_id)
        marked, end = 0, -1  # a hit inside or across an earlier (longer) one is counted but not marked
        for start, stop in sorted(zip(mine["start"], mine["end"], strict=True), key=lambda h: (h[0], -h[1])):
            if start >= end:
                marked, end = marked + 1, stop
        assert page.locator("mark.fazhi-hit").count() == marked, doc_id
        dangling = page.evaluate(
            "() => [...document.querySelectorAll('.fazhi-outline a')].filter(a => "
            "!document.getElementById(a.hash.slice(1))).length"
        )
        assert dangling == 0, f"{doc_id}: outline links without their section"
        assert page.locator(".fazhi-legend").is_visible()
        assert page.locator(".fazhi-legend-item").count() >= mine["theme"].n_unique()
        assert not errors and not outside, (errors, outside)
        if name == "built_site":
            page.screenshot(path=str(ARTIFACTS / f"document_{page_name(doc_id)}.png"), full_page=True)
        page.close()


def test_the_corpus_search_finds_a_phrase_offline_and_links_to_its_section(site_under_test, browser):
    """Issue 17 (7): the search works from disk (no server, no network) and its results link to sections."""
    import polars as pl

    name, built_site = site_under_test
    docs = pl.read_parquet(built_site.tables / "documents.parquet").sort("doc_id")
    text = next(t for t in docs["text"] if t and len(t.strip()) >= 40).strip()
    phrase = next(
        text[i : i + 4]
        for i in range(len(text) // 3, len(text))
        if text[i : i + 4].strip() == text[i : i + 4] and "\n" not in text[i : i + 4]
    )
    page, errors, outside = _open(browser, (built_site.site / "documents" / "search.html").as_uri())
    page.fill("#fazhi-search-input", phrase)
    status = page.locator("#fazhi-search-status").text_content()
    n = int(status.split(" ")[0].rstrip("+"))
    assert n >= 1, status
    assert n == min(500, sum(t.count(phrase) for t in docs["text"] if t)) or "+" in status, status
    first = page.locator("#fazhi-search-results a").first
    assert phrase in page.locator("#fazhi-search-results tr").first.text_content()
    href = first.get_attribute("href")
    first.click()
    page.wait_for_load_state("load")
    assert page.evaluate("() => !!document.getElementById(location.hash.slice(1))"), href
    assert not errors and not outside, (errors, outside)
    if name == "built_site":
        page.goto((built_site.site / "documents" / "search.html").as_uri() + "?q=" + phrase)
        page.screenshot(path=str(ARTIFACTS / "search.png"), full_page=False)
    page.close()


def test_hostile_text_on_document_pages_and_in_search_stays_text(hostile_site, browser):
    """Issue 17 (6, 7): a document holding <script>, <img onerror> and “…<!--<script>” shows them as text."""
    from conftest import HOSTILE_SLOGAN

    pages = sorted((hostile_site.site / "documents").glob("*.html"))
    found = False
    for path in pages:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        dialogs: list[str] = []
        page.on("dialog", lambda d, seen=dialogs: (seen.append(d.message), d.dismiss()))
        page.goto(path.as_uri(), wait_until="load")
        if path.name == "search.html":
            page.fill("#fazhi-search-input", "<script>")
            assert "<script>" in page.locator("#fazhi-search-results").text_content()
        text = page.locator("body").text_content()
        found = found or HOSTILE_SLOGAN in text
        assert not dialogs, f"{path.name}: a script from the data ran ({dialogs})"
        assert not page.evaluate(
            "() => [...document.querySelectorAll('img')].some(i => i.getAttribute('src') === 'x')"
        )
        page.close()
    assert found, "the hostile slogan is shown as text on its document's page"


def test_charts_in_jupyterlab_draw_offline_from_the_packages_vega(tmp_path, browser, monkeypatch):
    """Issue 17 (5): the HTML a chart gives JupyterLab draws with every request outside the page blocked."""
    import altair as alt
    import polars as pl
    from fazhi import charts

    monkeypatch.delenv(charts.SITE_ROOT_ENV, raising=False)
    charts.resend_vega()
    chart = alt.Chart(pl.DataFrame({"x": ["一", "二"], "y": [1, 2]})).mark_bar().encode(x="x", y="y")
    outputs = []
    for _ in range(2):
        bundle = chart._repr_mimebundle_()
        outputs.append((bundle[0] if isinstance(bundle, tuple) else bundle)["text/html"])
    page_file = tmp_path / "outputs.html"  # the two outputs as a notebook's output area holds them
    page_file.write_text("<!doctype html><meta charset=utf-8><body>" + "".join(outputs), encoding="utf-8")
    page, errors, outside = _open(browser, page_file.as_uri())
    n, drawn = _charts_rendered(page)
    assert n == 2 and drawn == 2, f"{drawn} of {n} charts drew"
    assert not outside and not errors, (outside, errors)
    page.close()
