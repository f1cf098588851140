"""Cleaning: page furniture, HTML and database-export wrappers removed, every line of the document kept.

In: decoded text (plain, HTML or a database export). Out: a :class:`Cleaned` body with the removed lines
and the header facts found on the way (publication date, source, title hints).
How: whole-line furniture patterns (``FURNITURE_LINES``), a real HTML parser (selectolax/lexbor), and the
database export's own layout.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

# ------------------------------------------------------------------------------------------ cleaning

# Whole lines that are page furniture. Each pattern must match a complete (stripped) line, so that a
# sentence of the document that merely mentions these words can never be removed.
_FIELD = r"(?:发布时间|发布日期|发文日期|成文日期|信息来源|来源|作者|责任编辑|编\s*辑|浏览次数|阅读次数|点击数|访问量|索引号|主题分类|信息时间)"
_WIDGET = r"(?:分享到|打印本页|打印|关闭窗口|关闭|收藏|返回顶部)"
_PLATFORMS = r"(?:微信|微博|新浪微博|腾讯微博|QQ空间|QQ|朋友圈|人人网|豆瓣|抖音|[\s|｜/、,，:：])*"
FURNITURE_LINES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pat))
    for name, pat in (
        ("breadcrumb", r"(?:当前位置|您现在的位置|您的位置|所在位置)\s*[:：].{0,120}"),
        ("breadcrumb", r"首页\s*(?:>|＞|›|»)\s*.{0,120}"),
        ("page_meta", rf"(?:【\s*)?{_FIELD}\s*[:：][^。，；]{{0,160}}"),
        ("font_widget", rf"[【\[]?\s*字[体号]\s*[:：]?\s*[大中小\s]*[】\]]?(?:\s*{_WIDGET}\s*[:：]?{_PLATFORMS})*"),
        ("share_widget", rf"分享到\s*[:：]?{_PLATFORMS}"),
        ("qr_widget", r"扫一扫在手机(?:上)?打开(?:当前页|本页)?"),
        ("print_widget", r"(?:[【\[]\s*(?:打印|关闭|打印本页|关闭窗口|收藏|返回顶部)\s*[】\]]\s*)+"),
        ("print_widget", r"(?:打印本页|关闭窗口|打印|关闭|返回顶部|返回首页)(?:\s+(?:打印本页|关闭窗口|打印|关闭|返回顶部))*"),
        ("nav_link", r"(?:上一篇|下一篇)\s*[:：].{0,120}"),
        ("related", r"(?:相关阅读|相关链接|相关文章|相关新闻|相关文件|延伸阅读)\s*[:：]?"),
        ("site_footer", r"(?:主办单位|承办单位|网站标识码|ICP备|版权所有|联系我们|网站地图)[^。，；]{0,160}"),
    )
)
_BLANKISH = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]*")


def furniture_kind(line: str) -> str | None:
    """The kind of page furniture a whole line is (``breadcrumb``, ``page_meta``, ...), or None for content."""
    s = line.strip(" \t\u00a0\u3000\u200b\ufeff")
    if not s or "。" in s:
        return None  # a line with a full sentence in it is the document's, whatever words it uses
    for name, pat in FURNITURE_LINES:
        if pat.fullmatch(s):
            return name
    return None


@dataclass
class Cleaned:
    """The result of cleaning one text: the body, the removed furniture lines, and header facts."""

    text: str
    removed: list[tuple[str, str]] = field(default_factory=list)  # (kind, line)
    header: dict[str, str] = field(default_factory=dict)
    english_summary: str | None = None
    title_hint: str | None = None


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _tidy_lines(lines: Iterable[str]) -> str:
    """Join body lines: strip each line's surrounding whitespace, drop empty lines (whitespace is not content)."""
    out = []
    for line in lines:
        s = line.strip(" \t\u00a0\u3000\u200b\ufeff")
        if s:
            out.append(s)
    return "\n".join(out)


def clean_text(text: str) -> Cleaned:
    """Remove page furniture from a plain-text page, keeping every line of the document itself.

    Furniture is recognised line by line (``FURNITURE_LINES``: breadcrumbs, 发布时间/信息来源 lines, font,
    share and QR widgets, print/close links, 上一篇/下一篇, a trailing 相关阅读 list). Metadata found in
    furniture (publication date, source) is kept in ``header`` for inference. Lines are stripped of
    surrounding whitespace and empty lines dropped; the text of every other line is kept as it is.
    """
    lines = _normalise_newlines(text).split("\n")
    kept: list[str] = []
    removed: list[tuple[str, str]] = []
    header: dict[str, str] = {}
    i = 0
    while i < len(lines):
        line = lines[i]
        kind = furniture_kind(line)
        if kind == "related":
            rest = [ln for ln in lines[i + 1 :] if ln.strip(" \t\u00a0\u3000")]
            # A trailing list of links (short lines, no sentences) is furniture; body text after it is not.
            if all(len(ln.strip()) <= 60 and "。" not in ln for ln in rest):
                removed.append((kind, line.strip()))
                removed.extend(("related", ln.strip()) for ln in rest)
                break
        if kind:
            removed.append((kind, line.strip()))
            if kind == "page_meta":
                header.update(_page_meta_fields(line))
        else:
            kept.append(line)
        i += 1
    return Cleaned(text=_tidy_lines(kept), removed=removed, header=header)


_META_FIELD = re.compile(r"(发布时间|发布日期|发文日期|成文日期|信息时间|信息来源|来源)\s*[:：]\s*([^\s【】]+(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?)")


def _page_meta_fields(line: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in _META_FIELD.findall(line):
        if key in ("信息来源", "来源"):
            out.setdefault("source", value)
        else:
            out.setdefault("published", value)
    return out


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
    return Cleaned(text=_tidy_lines(body), removed=removed, header=header, english_summary=summary, title_hint=title)


# HTML: a real parser (lexbor via selectolax); block elements become line breaks.
_BLOCK_TAGS = (
    "p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "section", "article",
    "blockquote", "pre", "ul", "ol", "dd", "dt", "header", "footer", "td", "th",
)  # fmt: skip
_DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "svg", "canvas", "button", "select", "form", "nav")
_CONTENT_HINTS = (
    '[class*="TRS_Editor"]', '[id*="zoom"]', '[class*="article-content"]', '[class*="article_con"]',
    '[class*="content"]', '[id*="content"]', "article", '[class*="detail"]', "main",
)  # fmt: skip


def html_to_text(html: str) -> tuple[str, dict[str, str]]:
    """Reduce an HTML page to its text, one block per line, plus metadata from ``<meta>``/``<title>``/``<h1>``.

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
