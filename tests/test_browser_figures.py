"""Issue 17: in a real browser, every chart of every page of the seeds site (with the government work
reports' pages) is a figure with a numbered caption, and every page shows the site's icon.

Headless Chromium against the site built by the ``built_site`` fixture (smalldocs), served on localhost.
A screenshot of every page goes to ``tests/artifacts/site_<page>.png``. Skips where Chromium or
Playwright is missing (``.ci/run`` installs Chromium).
"""

from __future__ import annotations

import functools
import http.server
import re
import threading

import pytest
from test_browser import (
    ARTIFACTS,
    CHROMIUM,
    FLAGS,
    _charts_rendered,
    _open,
    _pages,
    _QuietHandler,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium fonts-noto-cjk)"
    ),
]

# "Figure 3: One sentence." - the number, then a caption that is a sentence
CAPTION = re.compile(r"^Figure\s(\d+): \S.*[.)]$")
FIGURES = """() => [...document.querySelectorAll('.fazhi-chart')].map(d => {
  const fig = d.closest('figure');
  const cap = fig && fig.querySelector('figcaption');
  const box = cap ? cap.getBoundingClientRect() : null;
  return {chart: d.id, caption: cap ? cap.textContent.replace(/\\u00a0/g, ' ').trim() : null,
          visible: !!box && box.width > 0 && box.height > 0};
})"""
ICON = """async () => {
  const link = document.querySelector('link[rel~="icon"]');
  if (!link) return null;
  const r = await fetch(link.href);
  return {href: link.getAttribute('href'), ok: r.ok, type: r.headers.get('content-type'),
          svg: (await r.text()).trim().startsWith('<svg')};
}"""


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright is a dev dependency (uv sync)")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def seeds_server(built_site):
    handler = functools.partial(_QuietHandler, directory=str(built_site.site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def _screenshot(page, path) -> None:
    """The whole page; a page too long for Chromium to capture in time (the lexicon audit's thousands of
    rows) gets its first two screens."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.screenshot(path=str(path), full_page=True, timeout=60_000)
    except PlaywrightTimeout:
        page.set_viewport_size({"width": 1280, "height": 1800})
        page.screenshot(path=str(path), full_page=False)


def _shot_name(rel: str) -> str:
    return "site_" + re.sub(r"[^A-Za-z0-9_-]+", "_", rel.removesuffix(".html")) + ".png"


def test_every_chart_on_every_page_has_a_numbered_caption_and_every_page_its_icon(
    built_site, seeds_server, browser
):
    ARTIFACTS.mkdir(exist_ok=True)
    problems, charts = [], 0
    for rel in _pages(built_site.site):
        page, _, _ = _open(browser, f"{seeds_server}/{rel}")
        n, _ = _charts_rendered(page)
        charts += n
        numbers = []
        for fig in page.evaluate(FIGURES):
            m = CAPTION.match(fig["caption"] or "")
            if not m or not fig["visible"]:
                problems.append(
                    f"{rel}: chart {fig['chart']} has no visible numbered caption ({fig['caption']!r})"
                )
            else:
                numbers.append(int(m.group(1)))
        if numbers != list(range(1, len(numbers) + 1)):
            problems.append(f"{rel}: figures numbered {numbers}, not 1..{len(numbers)} in page order")
        icon = page.evaluate(ICON)
        if not icon or not icon["ok"] or not icon["svg"]:
            problems.append(f"{rel}: no working favicon link ({icon})")
        _screenshot(page, ARTIFACTS / _shot_name(rel))
        page.close()
    assert charts >= 25, f"the seeds site with the reports' pages should hold charts (found {charts})"
    assert not problems, "\n".join(problems)
