"""Wrappers around a document: a saved web page (HTML) and a database export, unwrapped to the text.

In: the decoded text of an HTML page or of a database export. Out: ``html_to_text`` (the page's text and
its ``<meta>`` facts), ``is_db_export`` and ``parse_db_export`` (a ``Cleaned`` body with the export's
English summary and header).
How: a real HTML parser (selectolax/lexbor) that drops scripts, navigation and other non-content tags and
keeps block structure as lines; the database export's own layout (an English header, "Summary", then the
Chinese original as numbered paragraphs).
"""

from __future__ import annotations

import re

from .cleaned import Cleaned, _normalise_newlines, _tidy_lines

# Database export: an English header block, "Summary" (machine translation), "Original" (Chinese).
_DB_KEYS = ("English title (machine-translated)", "Published", "Type", "Subtype", "Level", "Length")
_DB_PARA = re.compile(r"^\s*\((\d+)\)[ \t\u00a0\u3000]+")


def is_db_export(text: str) -> bool:
    """A database export has standalone ``Summary`` and ``Original`` lines and most header keys."""
    lines = {ln.strip() for ln in text.split("\n")}
    return "Original" in lines and "Summary" in lines and sum(k in lines for k in _DB_KEYS) >= 3


def parse_db_export(text: str) -> Cleaned:
    """Split a database export into header fields, the English summary and the Chinese original.

    The database numbers its paragraphs ``(1)``, ``(2)``, ...; those numbers are the export's, not the
    document's, so they are removed from the original (and kept in the summary, which is the database's
    own text). The first line is the Chinese title.
    """
    lines = _normalise_newlines(text).split("\n")
    stripped = [ln.strip() for ln in lines]
    i_sum = stripped.index("Summary")
    i_orig = max(i for i, s in enumerate(stripped) if s == "Original")
    header: dict[str, str] = {}
    head = [s for s in stripped[:i_sum]]
    title = next((s for s in head if s), "")
    for j, s in enumerate(head):
        if s in _DB_KEYS:
            value = next((v for v in head[j + 1 :] if v), "")
            header[s] = value
    summary = _tidy_lines(stripped[i_sum + 1 : i_orig]) or None
    body = [_DB_PARA.sub("", ln) for ln in lines[i_orig + 1 :]]
    removed = [("db_header", s) for s in stripped[: i_orig + 1] if s]
    return Cleaned(
        text=_tidy_lines(body), removed=removed, header=header, english_summary=summary, title_hint=title
    )


# HTML: a real parser (lexbor via selectolax); block elements become line breaks.
_BLOCK_TAGS = (
    "p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "section", "article",
    "blockquote", "pre", "ul", "ol", "dd", "dt", "header", "footer", "td", "th",
)  # fmt: skip
_DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "svg",
    "canvas",
    "button",
    "select",
    "form",
    "nav",
)
_CONTENT_HINTS = (
    '[class*="TRS_Editor"]', '[id*="zoom"]', '[class*="article-content"]', '[class*="article_con"]',
    '[class*="content"]', '[id*="content"]', "article", '[class*="detail"]', "main",
)  # fmt: skip


def html_to_text(html: str) -> tuple[str, dict[str, str]]:
    """Reduce an HTML page to its text, one block per line, plus metadata from
    ``<meta>``/``<title>``/``<h1>``.

    Scripts, styles, forms and navigation are dropped. When the page has an obvious article container
    (the editors used by Chinese government sites: ``TRS_Editor``, ``zoom``, ``*content*``) the title and
    page-meta lines just above it are kept too, so that furniture cleaning and metadata inference see them.
    """
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(html)
    meta: dict[str, str] = {}
    for node in tree.css("meta"):
        name = (node.attributes.get("name") or node.attributes.get("property") or "").lower()
        content = node.attributes.get("content")
        if not content:
            continue
        if name in ("articletitle", "og:title") and "title" not in meta:
            meta["title"] = content.strip()
        elif name in ("pubdate", "firstpublishedtime", "publishdate", "article:published_time"):
            meta.setdefault("published", content.strip())
        elif name in ("contentsource", "source"):
            meta.setdefault("source", content.strip())
    t = tree.css_first("title")
    if t is not None and t.text(strip=True):
        meta["html_title"] = t.text(strip=True)
    h1 = tree.css_first("h1")
    if h1 is not None and h1.text(strip=True):
        meta.setdefault("h1", h1.text(strip=True))
    for tag in _DROP_TAGS:
        for node in tree.css(tag):
            node.decompose()
    root = tree.body or tree.root
    if root is None:
        return "", meta
    for tag in _BLOCK_TAGS:
        for node in root.css(tag):
            if tag == "br":
                node.insert_before("\n")
            else:
                node.insert_before("\n")
                node.insert_after("\n")
    text = root.text(separator="", strip=False)
    return _normalise_newlines(text), meta
