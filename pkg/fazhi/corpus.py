"""Corpus ingestion: read a folder of files into clean documents with metadata, and list what was rejected.

In: a folder of raw files — plain text in any common Chinese encoding (UTF-8 with or without BOM,
UTF-16, GB18030/GBK, Big5), saved web pages (HTML), and database exports (an English header and
machine-translated summary, then the Chinese original as numbered paragraphs) — plus an optional
sidecar ``metadata.csv`` of curated metadata.

Out: ``read_corpus(folder)`` returns a :class:`Corpus` with three polars tables (columns documented in
``fazhi.schema``): ``documents`` (one row per loaded document), ``rejected`` (one row per file that did
not load, with a reason) and ``metadata_check`` (inferred vs curated metadata, field by field).

Nothing stops a load: every file either becomes a document or a row of ``rejected``. Cleaning removes
page furniture and export wrappers only, never a line of the document's own text.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from .schema import TABLES, validate

SIDECAR = "metadata.csv"
TEXT_SUFFIXES = {".txt", ".text", ".md", ""}
HTML_SUFFIXES = {".html", ".htm", ".shtml", ".xhtml"}
METADATA_FIELDS = ("title", "issuer", "region", "level", "doc_type", "period", "published")

# Magic numbers of formats we cannot read as text, with what to tell the researcher.
MAGIC = (
    (b"%PDF", "PDF document: convert it to text (e.g. pdftotext -layout) and add the .txt"),
    (b"PK\x03\x04", "ZIP container (DOCX/XLSX/ODT?): save it as plain text or HTML and add that"),
    (b"\xd0\xcf\x11\xe0", "legacy Office document (DOC/XLS/WPS): save it as plain text and add that"),
    (b"{\\rtf", "RTF document: save it as plain text and add that"),
    (b"\x89PNG", "PNG image: OCR is out of scope"),
    (b"\xff\xd8\xff", "JPEG image: OCR is out of scope"),
    (b"GIF8", "GIF image"),
    (b"\x1f\x8b", "gzip archive: unpack it first"),
)
UNSUPPORTED_SUFFIXES = {
    ".pdf": "PDF document: convert it to text (e.g. pdftotext -layout) and add the .txt",
    ".doc": "Word document: save it as plain text and add that",
    ".docx": "Word document: save it as plain text and add that",
    ".wps": "WPS document: save it as plain text and add that",
    ".xls": "spreadsheet",
    ".xlsx": "spreadsheet",
    ".png": "image",
    ".jpg": "image",
    ".jpeg": "image",
    ".gif": "image",
    ".zip": "archive: unpack it first",
}


# --------------------------------------------------------------------------------------------- errors


class Rejected(Exception):
    """A file that cannot become a document; ``reason`` is one of the rejected-table reasons."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


# ------------------------------------------------------------------------------------------- decoding

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_HTML_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _plausible(text: str) -> float:
    """Share of characters that are ordinary text (not controls or private-use), for ranking decodings."""
    if not text:
        return 0.0
    bad = sum(1 for ch in text if (ch < " " and ch not in "\n\r\t\f") or "\ue000" <= ch <= "\uf8ff")
    return 1.0 - bad / len(text)


def _gb2312_share(text: str) -> float:
    """Share of CJK characters in the common GB2312 repertoire: high for real Chinese, low for mis-decodes."""
    cjk = _CJK.findall(text)
    if not cjk:
        return 1.0
    ok = 0
    for ch in cjk:
        try:
            ch.encode("gb2312")
            ok += 1
        except UnicodeEncodeError:
            pass
    return ok / len(cjk)


def _text_score(text: str) -> float:
    """Share of characters that are what Chinese documents are made of: ASCII, CJK punctuation, common hanzi."""
    if not text:
        return 0.0
    good = 0
    for ch in text:
        if " " <= ch <= "~" or ch in "\n\r\t" or "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef":
            good += 1
        elif _CJK.match(ch):
            try:
                ch.encode("gb2312")
                good += 1
            except UnicodeEncodeError:
                pass
    return good / len(text)


def _utf16_without_bom(raw: bytes) -> str | None:
    """Detect BOM-less UTF-16: of the two byte orders, the one that decodes to plausible text, if any."""
    if len(raw) < 4 or len(raw) % 2 or b"\x00" not in raw:
        return None
    best: tuple[float, str] | None = None
    for enc in ("utf-16-le", "utf-16-be"):
        try:
            score = _text_score(raw.decode(enc))
        except UnicodeDecodeError:
            continue
        if best is None or score > best[0]:
            best = (score, enc)
    return best[1] if best and best[0] > 0.9 else None


def decode(raw: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode a file's bytes to text, detecting the encoding.

    The order is deterministic and conservative: a byte-order mark; a declared charset (HTML ``<meta>``)
    when it decodes cleanly; strict UTF-8; BOM-less UTF-16; strict GB18030 when the result is plausible
    Chinese; Big5; finally ``charset_normalizer``. A decoding must be strict (no replacement characters).

    Parameters
    ----------
    raw
        The file's bytes.
    declared
        An encoding the file declares for itself, tried after a BOM.

    Returns
    -------
    (text, encoding)
        The decoded text and the name of the encoding used.

    Raises
    ------
    Rejected
        ``binary`` when the bytes are not text, ``undecodable`` when no encoding decodes them.
    """
    for bom, enc in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(enc), enc
            except UnicodeDecodeError as e:
                raise Rejected("undecodable", f"starts with a {enc} byte-order mark but does not decode: {e}") from e
    if declared:
        name = declared.lower()
        name = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030"}.get(name, name)
        try:
            text = raw.decode(name)
            if _plausible(text) > 0.99:
                return text, name
        except (UnicodeDecodeError, LookupError):
            pass  # the declaration lies or is unknown; fall through to detection
    try:
        text = raw.decode("utf-8")
        if _CJK.search(text) or text.isascii():
            return text, "utf-8"
        # Short GBK byte strings can also be valid UTF-8 (一 = D2 BB = Cyrillic һ): with no hanzi in the
        # UTF-8 reading, prefer a GB18030 reading that is plausible Chinese.
        try:
            gb = raw.decode("gb18030")
            if _CJK.search(gb) and _text_score(gb) > _text_score(text):
                return gb, "gb18030"
        except UnicodeDecodeError:
            pass
        return text, "utf-8"
    except UnicodeDecodeError:
        pass
    enc16 = _utf16_without_bom(raw)
    if enc16:
        return raw.decode(enc16), enc16
    if b"\x00" in raw:
        raise Rejected("binary", "contains NUL bytes and is not UTF-16/32 text")
    candidates: list[tuple[float, str, str]] = []
    for enc in ("gb18030", "big5"):
        try:
            text = raw.decode(enc)
        except UnicodeDecodeError:
            continue
        if _plausible(text) < 0.99:
            continue
        # GB18030 decodes almost any byte string; only trust it when the characters are common ones.
        score = _gb2312_share(text) if enc == "gb18030" else 0.5
        candidates.append((score, enc, text))
    if candidates:
        score, enc, text = max(candidates, key=lambda c: c[0])
        if enc == "big5" or score >= 0.8:
            return text, enc
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(raw).best()
    except Exception:  # noqa: BLE001 - a detector failure is just "undecodable"
        best = None
    if best is not None and best.encoding and _plausible(str(best)) > 0.99:
        return str(best), best.encoding
    if candidates:
        _, enc, text = max(candidates, key=lambda c: c[0])
        return text, enc
    raise Rejected("undecodable", "not valid UTF-8, UTF-16, GB18030 or Big5, and no detector could decode it")


def _looks_binary(raw: bytes) -> str | None:
    head = raw[:16]
    for magic, what in MAGIC:
        if head.startswith(magic):
            return what
    return None


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


# --------------------------------------------------------------------------------- metadata inference

PROVINCES = (
    "北京市", "天津市", "上海市", "重庆市", "河北省", "山西省", "辽宁省", "吉林省", "黑龙江省", "江苏省",
    "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省", "广东省", "海南省",
    "四川省", "贵州省", "云南省", "陕西省", "甘肃省", "青海省", "台湾省", "内蒙古自治区", "广西壮族自治区",
    "西藏自治区", "宁夏回族自治区", "新疆维吾尔自治区", "香港特别行政区", "澳门特别行政区",
)  # fmt: skip
_MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")
_DATE = re.compile(r"(20\d{2}|19\d{2})\s*[-年./]\s*(\d{1,2})\s*[-月./]\s*(\d{1,2})\s*日?")
_YEAR_SPAN = re.compile(r"[（(]?\s*(20\d{2})\s*(?:年)?\s*[—–\-－~～至到]+\s*(20\d{2})\s*年?\s*[)）]?")
_YEAR = re.compile(r"(20\d{2})\s*年")
_ISSUER_BEFORE_GUANYU = re.compile(r"^(.{2,60}?)\s*关于")
_REGION = re.compile(
    r"(?P<prov>" + "|".join(PROVINCES) + r"|[\u4e00-\u9fff]{2,3}省)?"
    r"(?P<city>[\u4e00-\u9fff]{2,6}?(?:自治州|地区|盟|市))?"
    r"(?P<county>[\u4e00-\u9fff]{1,6}?(?:自治县|自治旗|县|区|旗))?"
)


@dataclass
class Inferred:
    """Metadata inferred from a document's own text and header."""

    title: str | None = None
    issuer: str | None = None
    region: str | None = None
    level: str = "unknown"
    doc_type: str = "other"
    period: str | None = None
    published: dt.date | None = None

    def as_strings(self) -> dict[str, str | None]:
        return {
            "title": self.title,
            "issuer": self.issuer,
            "region": self.region,
            "level": self.level,
            "doc_type": self.doc_type,
            "period": self.period,
            "published": self.published.isoformat() if self.published else None,
        }


def parse_date(value: str | None) -> dt.date | None:
    """The first plausible date in a string (``2024-03-28 16:58``, ``2024年3月28日``, ``2024.3.28``)."""
    if not value:
        return None
    m = _DATE.search(value)
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _title_from_lines(text: str) -> str | None:
    """The title: the first short line that names a document genre, joined with a following (2022—2025年)."""
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()][:8]
    genre = re.compile(r"(报告|方案|意见|答复|规划|总结|通知|决定|办法|纲要|要点|计划|情况)[)）]?$")
    for i, ln in enumerate(lines):
        if len(ln) <= 80 and "。" not in ln and genre.search(ln):
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            if re.fullmatch(r"[（(]\s*20\d{2}\s*[—–\-－~～至]+\s*20\d{2}\s*年?\s*[)）]", nxt):
                return ln + nxt
            return ln
    return None


def _level_of(name: str | None) -> tuple[str | None, str]:
    """Region and level of government from the first body named in an issuer (or title) string.

    ``河南省人民政府`` → (河南省, province); ``河南省司法厅`` → (河南省, province_dept); ``许昌市…`` →
    (许昌市, city); ``中共潢川县委 潢川县人民政府`` → (潢川县, county); ``…镇人民政府`` → township.
    """
    first = re.split(r"[\s、,，]+", re.sub(r"^中共", "", (name or "").strip()))[0]
    if not first:
        return None, "unknown"
    m = _REGION.match(first)
    prov, city, county = (m.group("prov"), m.group("city"), m.group("county")) if m else (None, None, None)
    rest = first[m.end() :] if m else first
    # A bureau, office, commission or department of that government, rather than the government itself.
    dept = bool(re.search(r"(厅|局|委员会|委|办公室|办|署|中心)", rest)) and not re.fullmatch(r"(人民政府|政府|党委|委)?", rest)
    if county:
        return county, "county_dept" if dept else "county"
    if city in _MUNICIPALITIES and not prov:
        return city, "province_dept" if dept else "province"
    if city:
        return city, "city_dept" if dept else "city"
    if prov:
        return prov, "province_dept" if dept else "province"
    town = re.match(r"([\u4e00-\u9fff]{1,6}?(?:乡|镇|街道))", first)
    if town:
        return town.group(1), "township"
    return None, "unknown"


_SELF = re.compile(r"我(省|市|县|区|厅|局|委|办)")
_JURISDICTION = {"省": "province", "市": "city", "县": "county", "区": "county"}


def _level_from_self_reference(text: str) -> tuple[str | None, str]:
    """Fallback when no issuer is named: how the document refers to itself (我省/我市/我县, 我厅/我局).

    A body that calls itself 我厅/我局/我委 is a department of the jurisdiction it calls 我省/我市/我县;
    its region is the most-mentioned place of that rank in the text.
    """
    counts: dict[str, int] = {}
    for m in _SELF.finditer(text):
        counts[m.group(1)] = counts.get(m.group(1), 0) + 1
    juris = max((k for k in counts if k in _JURISDICTION), key=lambda k: counts[k], default=None)
    if juris is None:
        return None, "unknown"
    level = _JURISDICTION[juris]
    if any(k in counts for k in ("厅", "局", "委", "办")):
        level += "_dept"
    places: dict[str, int] = {}
    if level.startswith("province"):
        for p in PROVINCES:
            places[p] = text.count(p[:2])  # 河南 counts 河南省 and 法治河南 alike
    else:
        suffix = "市" if level.startswith("city") else "县"
        for pm in re.finditer(r"([\u4e00-\u9fff]{2,4}%s)" % suffix, text):
            places[pm.group(1)] = places.get(pm.group(1), 0) + 1
    region = max(places, key=lambda k: (places[k], k), default=None) if places else None
    return (region if region and places[region] > 0 else None), level


def _issuer_from_title(title: str | None) -> str | None:
    if not title:
        return None
    m = _ISSUER_BEFORE_GUANYU.match(title)
    if m:
        return re.sub(r"\s+", " ", m.group(1)).strip()
    return None


def _doc_type(title: str | None, text: str) -> str:
    t = title or ""
    if re.search(r"(提案|建议|议案)的?(答复|回复)|答复", t):
        return "proposal_reply"
    if re.search(r"(实施方案|实施意见|实施规划|规划|工作方案|行动方案)", t):
        return "implementation_plan"
    if re.search(r"(年度?|年)?.*(法治政府建设|依法行政).*(情况的?报告|工作报告|年度报告)|情况的?报告$", t):
        return "annual_report"
    if re.search(r"(工作总结|总结)$", t):
        return "work_summary"
    head = text[:300]
    if re.search(r"现将.{0,20}(情况)?(报告|汇报)如下", head):
        return "annual_report"
    return "other"


def _period(title: str | None, text: str, published: dt.date | None) -> str | None:
    for source in (title or "", text[:200]):
        m = _YEAR_SPAN.search(source)
        if m and int(m.group(1)) < int(m.group(2)):
            return f"{m.group(1)}–{m.group(2)}"
        m = _YEAR.search(source)
        if m:
            return m.group(1)
    if published:
        return str(published.year)
    return None


def infer_metadata(text: str, header: dict[str, str] | None = None, title_hint: str | None = None) -> Inferred:
    """Infer title, issuer, region, level, doc type, period and publication date from a document.

    Parameters
    ----------
    text
        The clean body.
    header
        Facts found while cleaning: ``published``/``source`` from page furniture, ``Published``/``Level``
        from a database export header, ``title``/``h1``/``html_title`` from HTML.
    title_hint
        A title the container states (first line of a database export).
    """
    header = header or {}
    title = title_hint or header.get("title") or header.get("h1") or _title_from_lines(text)
    if title:
        title = re.sub(r"\s+", " ", title).strip()
    issuer = _issuer_from_title(title)
    region, level = _level_of(issuer or title)
    if issuer is None and region and title and title.startswith(region) and level in ("province", "city", "county"):
        # A regional plan or report titled with its region and no named issuer is that region's government's.
        issuer = f"{region}人民政府"
    if level == "unknown":
        region, level = _level_from_self_reference(text)
    if level == "unknown":
        # A database export states the level of its issuer ("河南省 (Provincial-level units)").
        lv = header.get("Level", "")
        m = re.match(r"(\S+)\s*\((Provincial|Prefecture|County)", lv)
        if m:
            region = m.group(1)
            level = {"Provincial": "province", "Prefecture": "city", "County": "county"}[m.group(2)]
    published = parse_date(header.get("published") or header.get("Published"))
    return Inferred(
        title=title,
        issuer=issuer,
        region=region,
        level=level,
        doc_type=_doc_type(title, text),
        period=_period(title, text, published),
        published=published,
    )


# ----------------------------------------------------------------------------------------- sidecar


def _norm(field_name: str, value: str | None) -> str | None:
    """Normalise a metadata value for comparison (width, spaces, dashes)."""
    if value is None:
        return None
    v = unicodedata.normalize("NFKC", str(value)).strip()
    if not v:
        return None
    if field_name in ("title", "issuer"):
        v = re.sub(r"\s+", "", v)
    if field_name == "period":
        v = re.sub(r"\s*[-—–－~～]\s*", "–", v)
    return v


def read_sidecar(path: Path) -> dict[str, dict[str, str | None]]:
    """Read a ``metadata.csv``: one row per file (column ``source_file``), any subset of metadata columns.

    Empty cells mean "no curated value" and leave inference in place.
    """
    raw = path.read_bytes()
    text, _ = decode(raw)
    rows: dict[str, dict[str, str | None]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        key = (row.get("source_file") or "").strip()
        if not key:
            continue
        rows[key] = {k: (v.strip() if v and v.strip() else None) for k, v in row.items() if k != "source_file"}
    return rows


# ------------------------------------------------------------------------------------------ loading


@dataclass
class Corpus:
    """A loaded corpus: ``documents``, ``rejected`` and ``metadata_check`` (see ``fazhi.schema``)."""

    folder: Path
    documents: pl.DataFrame
    rejected: pl.DataFrame
    metadata_check: pl.DataFrame

    def summary(self) -> str:
        """A short human-readable account of the load."""
        d, r = self.documents, self.rejected
        lines = [f"{d.height} document(s) loaded from {self.folder}, {r.height} file(s) rejected"]
        if d.height:
            by_level = d.group_by("level").len().sort("level")
            lines.append("  by level: " + ", ".join(f"{a} {b}" for a, b in by_level.iter_rows()))
        for row in r.iter_rows(named=True):
            lines.append(f"  rejected {row['source_file']}: {row['reason']} ({row['detail']})")
        disagree = self.metadata_check.filter(~pl.col("agree"))
        if disagree.height:
            lines.append(f"  {disagree.height} curated metadata field(s) differ from inference (see metadata_check)")
        return "\n".join(lines)


@dataclass
class _Doc:
    source_file: str
    sha256: str
    encoding: str
    format: str
    cleaned: Cleaned
    inferred: Inferred


def read_file(path: Path) -> _Doc:
    """Read one file into a cleaned document with inferred metadata.

    Raises
    ------
    Rejected
        With the reason the file cannot be a document.
    """
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise Rejected("unreadable", str(e)) from e
    if not raw:
        raise Rejected("empty", "the file has 0 bytes")
    sha = hashlib.sha256(raw).hexdigest()
    suffix = path.suffix.lower()
    magic = _looks_binary(raw)
    if magic:
        raise Rejected("unsupported_format", magic)
    if suffix in UNSUPPORTED_SUFFIXES:
        raise Rejected("unsupported_format", f"{suffix} file: {UNSUPPORTED_SUFFIXES[suffix]}")
    declared = None
    m = _HTML_CHARSET.search(raw[:4096])
    if m:
        declared = m.group(1).decode("ascii", "replace")
    text, encoding = decode(raw, declared)
    if _BLANKISH.fullmatch(text):
        raise Rejected("empty", "the file holds only whitespace")
    if _plausible(text) < 0.95:
        raise Rejected("binary", f"decodes as {encoding} but {1 - _plausible(text):.0%} of it is control characters")
    head = text.lstrip("\ufeff \t\r\n")[:512].lower()
    is_html = suffix in HTML_SUFFIXES or head.startswith(("<!doctype html", "<html")) or (
        suffix not in TEXT_SUFFIXES and "<body" in text[:20000].lower()
    )
    if suffix not in TEXT_SUFFIXES | HTML_SUFFIXES and not is_html:
        if not _CJK.search(text[:20000]):
            raise Rejected("unsupported_format", f"{suffix or 'no'} extension and no Chinese text: not a document")
    if not _CJK.search(text):
        raise Rejected(
            "no_chinese_text",
            f"decodes as {encoding} but holds no Chinese characters: not a Chinese document, or a wrong encoding",
        )
    if is_html:
        body, meta = html_to_text(text)
        cleaned = clean_text(body)
        cleaned.header = {**meta, **cleaned.header}
        fmt = "html"
    elif is_db_export(text):
        cleaned = parse_db_export(text)
        fmt = "db_export"
    else:
        cleaned = clean_text(text)
        fmt = "plain"
    if _BLANKISH.fullmatch(cleaned.text):
        what = "only whitespace" if _BLANKISH.fullmatch(text) else "nothing but page furniture"
        raise Rejected("empty", f"the file holds {what}")
    inferred = infer_metadata(cleaned.text, cleaned.header, cleaned.title_hint)
    return _Doc(path.name, sha, encoding, fmt, cleaned, inferred)


def _corpus_files(folder: Path) -> Iterator[Path]:
    for p in sorted(folder.iterdir(), key=lambda q: q.name):
        if p.is_file() and not p.name.startswith(".") and p.name != SIDECAR:
            yield p


def read_corpus(folder: str | Path, *, progress: bool = False) -> Corpus:
    """Read every file of a folder into clean documents with metadata; list every file that did not load.

    Parameters
    ----------
    folder
        The corpus folder. A ``metadata.csv`` in it (column ``source_file`` plus any of title, issuer,
        region, level, doc_type, period, published) overrides inferred metadata field by field.
    progress
        Show a progress bar (useful for hundreds of files).

    Returns
    -------
    Corpus
        ``.documents``, ``.rejected`` and ``.metadata_check`` polars tables.

    Raises
    ------
    NotADirectoryError
        When ``folder`` is not a folder. A bad file never raises: it is listed in ``.rejected``.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise NotADirectoryError(f"{folder} is not a folder")
    sidecar_path = folder / SIDECAR
    sidecar = read_sidecar(sidecar_path) if sidecar_path.is_file() else {}
    files = list(_corpus_files(folder))
    iterate: Iterable[Path] = files
    if progress and len(files) > 20:
        from tqdm import tqdm

        iterate = tqdm(files, desc="reading corpus", unit="file")
    docs: list[dict[str, object]] = []
    rejected: list[dict[str, str]] = []
    checks: list[dict[str, object]] = []
    seen_text: dict[str, str] = {}
    seen_id: dict[str, str] = {}
    for path in iterate:
        try:
            d = read_file(path)
        except Rejected as r:
            rejected.append({"source_file": path.name, "reason": r.reason, "detail": r.detail})
            continue
        text_key = hashlib.sha256(d.cleaned.text.encode("utf-8")).hexdigest()
        if text_key in seen_text:
            rejected.append(
                {
                    "source_file": path.name,
                    "reason": "duplicate",
                    "detail": f"same clean text as {seen_text[text_key]}",
                }
            )
            continue
        doc_id = path.stem
        if doc_id in seen_id:
            rejected.append(
                {
                    "source_file": path.name,
                    "reason": "duplicate_id",
                    "detail": f"its doc_id {doc_id!r} is already taken by {seen_id[doc_id]}; rename the file",
                }
            )
            continue
        seen_text[text_key] = path.name
        seen_id[doc_id] = path.name
        docs.append(_document_row(doc_id, d, sidecar.get(path.name), checks))
    for name in sorted(set(sidecar) - {p.name for p in files}):
        rejected.append(
            {"source_file": SIDECAR, "reason": "sidecar_orphan", "detail": f"row for {name!r}, which is not in the folder"}
        )
    documents = (
        pl.DataFrame(docs, schema=TABLES["documents"].polars_schema) if docs else pl.DataFrame(schema=TABLES["documents"].polars_schema)
    )
    return Corpus(
        folder=folder,
        documents=validate("documents", documents.sort("doc_id")),
        rejected=validate("rejected", pl.DataFrame(rejected, schema=TABLES["rejected"].polars_schema)),
        metadata_check=validate("metadata_check", pl.DataFrame(checks, schema=TABLES["metadata_check"].polars_schema)),
    )


def _period_bounds(period: str | None) -> tuple[int | None, int | None]:
    if not period:
        return None, None
    years = [int(y) for y in re.findall(r"(?:19|20)\d{2}", period)]
    return (min(years), max(years)) if years else (None, None)


def _document_row(
    doc_id: str,
    d: _Doc,
    curated: dict[str, str | None] | None,
    checks: list[dict[str, object]],
) -> dict[str, object]:
    inferred = d.inferred.as_strings()
    values = dict(inferred)
    if curated:
        for fld in METADATA_FIELDS:
            cur = curated.get(fld)
            if cur is None:
                continue
            inf = inferred.get(fld)
            checks.append(
                {
                    "doc_id": doc_id,
                    "field": fld,
                    "inferred": inf,
                    "curated": cur,
                    "agree": _norm(fld, inf) == _norm(fld, cur),
                }
            )
            values[fld] = cur
    if values.get("period"):
        values["period"] = _norm("period", values["period"])
    start, end = _period_bounds(values.get("period"))
    return {
        "doc_id": doc_id,
        "source_file": d.source_file,
        "sha256": d.sha256,
        "encoding": d.encoding,
        "format": d.format,
        "title": values["title"],
        "issuer": values["issuer"],
        "region": values["region"],
        "level": values["level"] or "unknown",
        "doc_type": values["doc_type"] or "other",
        "period": values["period"],
        "period_start": start,
        "period_end": end,
        "published": parse_date(values["published"]) if values.get("published") else None,
        "text": d.cleaned.text,
        "n_chars": len(d.cleaned.text),
        "english_summary": d.cleaned.english_summary,
        "metadata_source": "curated" if curated else "inferred",
    }


def metadata_agreement(check: pl.DataFrame) -> pl.DataFrame:
    """Inference accuracy against the curated sidecar, per metadata field.

    Parameters
    ----------
    check
        The ``metadata_check`` table.

    Returns
    -------
    polars.DataFrame
        One row per field: ``field``, ``n`` (documents with a curated value), ``agree`` and ``accuracy``,
        in the order of ``METADATA_FIELDS``; and a final ``all`` row.
    """
    per = check.group_by("field").agg(n=pl.len(), agree=pl.col("agree").sum())
    order = pl.DataFrame({"field": list(METADATA_FIELDS), "_o": list(range(len(METADATA_FIELDS)))})
    per = per.join(order, on="field", how="left").sort("_o").drop("_o")
    total = pl.DataFrame({"field": ["all"], "n": [check.height], "agree": [int(check["agree"].sum())]})
    out = pl.concat([per.cast({"n": pl.Int64, "agree": pl.Int64}), total.cast({"n": pl.Int64, "agree": pl.Int64})])
    return out.with_columns(accuracy=pl.when(pl.col("n") > 0).then(pl.col("agree") / pl.col("n")))


def build_stage(ctx) -> dict[str, pl.DataFrame]:  # noqa: ANN001 - BuildContext, imported lazily to avoid a cycle
    """Pipeline stage: read ``ctx.corpus`` into ``documents``, ``rejected`` and ``metadata_check``."""
    corpus = read_corpus(ctx.corpus, progress=ctx.progress)
    ctx.log(corpus.summary())
    return {"documents": corpus.documents, "rejected": corpus.rejected, "metadata_check": corpus.metadata_check}
