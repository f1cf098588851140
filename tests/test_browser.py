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
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium fonts-noto-cjk)"),
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
            "() => [...document.querySelectorAll('.fazhi-chart')].every(d => d.querySelector('svg [class*=mark-]'))",
            timeout=30_000,
        )
    drawn = page.evaluate(
        "() => [...document.querySelectorAll('.fazhi-chart')].filter(d => d.querySelectorAll('svg [class*=mark-] path, svg [class*=mark-] text, svg [class*=mark-] line').length > 0).length"
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
            ".filter(a => a.name.startsWith('on') && a.value.includes('alert')).map(a => e.tagName + ' ' + a.name))"
        )
        assert not handlers, f"{rel}: event handlers from the data: {handlers}"
        assert page.evaluate("() => [...document.scripts].every(s => !s.textContent.includes('alert(1)'))"), rel
        if rel == "notebooks/03_vocabulary.html":
            n, drawn = _charts_rendered(page)
            assert n >= 3 and drawn == n, f"{n - drawn} of {n} charts did not draw"
            headings = page.evaluate("() => [...document.querySelectorAll('h2')].map(h => h.textContent.trim())")
            assert any(h.startswith("Boilerplate") for h in headings), headings
            assert any(h.startswith("Keyword in context") for h in headings), headings
            svg_text = page.evaluate("() => [...document.querySelectorAll('.fazhi-chart svg text')].map(t => t.textContent)")
            assert HOSTILE_SLOGAN in svg_text, "the slogan with markup is drawn as text in the chart"
        page.close()
