"""A page per document and an offline search of the corpus, generated from the result tables.

In: a build's tables (``documents``, ``sections``, ``theme_hits``, ``theme_scores``). Out:
``write_document_pages(tables, dest)`` writes into ``dest`` (the site's ``documents/`` folder)
``index.qmd`` (every document, linked), one ``<page>.qmd`` per document, ``search.qmd`` (the search page),
``search-index.js`` (the text of every section) and ``search.js`` (the search itself, vanilla JavaScript).

How: a document's page holds its metadata and provenance (``source_url``, ``accessed``; "not recorded"
when the sidecar gives none), its scores on each theme beside its level's (``theme_scores``, with the
bootstrap intervals), its outline as a list of links to its sections, and its text, section by section,
each lexicon hit marked in its theme's colour (``data/display.toml``) with a legend. Every value that
comes from the corpus is HTML-escaped, and the characters Markdown, Quarto shortcodes or maths could read
(`` ` ``, ``{``, ``}``, ``$``, ``@``, ``\\``, ``*``, ``_``, ``[``, ``]``, ``<``, ``>``, ``&``) are written
as character references, so a page shows a hostile text as text. The search loads its index with a
``<script>`` element (``fetch`` is refused on pages opened from disk), finds a phrase in every section
and shows each match in context (keyword in context), links to the section; it builds the results with
``textContent``, never as HTML. Deterministic: the same tables give the same bytes.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import polars as pl

from .charts import script_json
from .labels import DISPLAY, doc_labels, label
from .schema import as_text

FOLDER = "documents"  #: the folder of the document pages, inside the site
SCORE_MEASURE = "per_1k_tokens"  #: the measure shown beside the level's (theme_scores.measure)
SHARE_MEASURE = "share_of_hits"  #: the second measure shown: the theme's share of the document's hits
SEARCH_SCRIPT = Path(__file__).parent / "assets" / "search.js"
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,80}")
# characters that Markdown, Pandoc attributes, Quarto shortcodes or maths could read, as references
_ENTITIES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}
    | {c: f"&#{ord(c)};" for c in "`{}$@\\*_[]|~^#:"}
)


def escape(text: object) -> str:
    """``text`` as inert HTML: markup escaped, and Markdown, shortcode and maths characters as references."""
    return ("" if text is None else str(text)).translate(_ENTITIES)


def page_name(doc_id: str) -> str:
    """The file stem of a document's page: its ``doc_id`` when that is a safe file name, else a hash of it."""
    if _SAFE_ID.fullmatch(doc_id) and doc_id not in ("index", "search"):
        return doc_id
    return "doc-" + hashlib.sha256(doc_id.encode("utf-8")).hexdigest()[:16]


def _plain_title(text: str, limit: int = 80) -> str:
    """A title for the front matter: no character a renderer could read as markup, at most ``limit`` long."""
    kept = re.sub(r"[<>&*_`\[\]$\\{}#@\"'|~^:\x00-\x1f]", " ", text)
    kept = " ".join(kept.split())
    return kept[:limit] or "document"


def _raw(html_text: str) -> str:
    """A raw HTML block of a page (both renderers pass it through untouched)."""
    fence = "`" * max(3, max((len(m) for m in re.findall(r"`+", html_text)), default=0) + 1)
    return f"{fence}{{=html}}\n{html_text}\n{fence}\n"


def _page(title: str, body: list[str], *, toc: bool = True) -> str:
    import json

    front = f"---\ntitle: {json.dumps(title, ensure_ascii=False)}\ntoc: {'true' if toc else 'false'}\n---\n\n"
    return front + "\n".join(body)


def _swatch(theme: str) -> str:
    color = DISPLAY["theme"].get(theme, {}).get("color", "#7f7f7f")
    return f'<span class="fazhi-swatch" style="background:{escape(color)}"></span>'


def highlight(text: str, hits: list[tuple[int, int, str, str]], *, offset: int = 0) -> tuple[str, int]:
    """``text`` as HTML with each hit ``(start, end, theme, term)`` (offsets into the document, ``text``
    starting at ``offset``) in a ``<mark>`` of its theme's colour; returns the HTML and the number of hits
    left unmarked because they overlap an earlier one."""
    out: list[str] = []
    pos = 0
    skipped = 0
    for start, end, theme, term in sorted(hits, key=lambda h: (h[0], -h[1], h[2])):
        a, b = start - offset, end - offset
        if a < pos or b > len(text) or a >= b:
            skipped += 1
            continue
        color = DISPLAY["theme"].get(theme, {}).get("color", "#7f7f7f")
        out.append(escape(text[pos:a]))
        tip = f"{label('theme', theme)}: {term}"
        out.append(
            f'<mark class="fazhi-hit" data-theme="{escape(theme)}" title="{escape(tip)}" '
            f'style="background:{escape(color)}33;border-bottom:2px solid '
            f'{escape(color)}">{escape(text[a:b])}</mark>'
        )
        pos = b
    out.append(escape(text[pos:]))
    return "".join(out), skipped


def _outline(sections: pl.DataFrame) -> str:
    """The outline as nested lists of links to the sections (the untitled preamble left out)."""
    items = []
    for s in sections.iter_rows(named=True):
        if not s["level"]:
            continue
        name = " ".join(p for p in (s["marker"], s["title"]) if p) or s["path"] or f"§{s['section_id']}"
        items.append((int(s["level"]), f'<a href="#s-{int(s["section_id"])}">{escape(name)}</a>'))
    if not items:
        return "<p>The outline finder found no headings in this document.</p>"
    out, depth = [], 0
    for level, link in items:
        while depth < level:
            out.append('<ul class="fazhi-outline">' if depth == 0 else "<ul>")
            depth += 1
        while depth > level:
            out.append("</li></ul>")
            depth -= 1
        if out and out[-1] not in ('<ul class="fazhi-outline">', "<ul>"):
            out.append("</li>")
        out.append(f"<li>{link}")
    out.append("</li>" + "</ul>" * depth)
    return "".join(out).replace("</li></li>", "</li>")


def _fmt(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _scores(doc: dict, scores: pl.DataFrame, n_level: int) -> str:
    """The document's scores on each theme beside its level's (mean over the level's documents)."""
    mine = scores.filter((pl.col("scope") == "document") & (pl.col("doc_id") == doc["doc_id"]))
    level = scores.filter((pl.col("scope") == "level") & (pl.col("level") == doc["level"]))
    if mine.is_empty():
        return "<p>No theme scores for this document (no word tokens).</p>"

    def value(df: pl.DataFrame, theme: str, measure: str) -> dict | None:
        rows = df.filter((pl.col("theme") == theme) & (pl.col("measure") == measure))
        return rows.row(0, named=True) if rows.height else None

    def cell(row: dict | None, digits: int = 2) -> str:
        if row is None:
            return "<td>—</td>"
        ci = f' <span class="fazhi-ci">[{_fmt(row["ci_low"], digits)}, {_fmt(row["ci_high"], digits)}]</span>'
        return f'<td class="num">{_fmt(row["value"], digits)}{ci if row["ci_low"] is not None else ""}</td>'

    lvl = escape(label("level", doc["level"]))
    head = (
        "<thead><tr><th>Theme</th><th>Hits</th>"
        f"<th>Per 1,000 tokens: this document</th><th>Per 1,000 tokens: {lvl} ({n_level} document(s))</th>"
        f"<th>Share of hits: this document</th><th>Share of hits: {lvl}</th></tr></thead>"
    )
    rows = []
    for theme in [t for t in DISPLAY["theme"] if t in set(mine["theme"])]:
        d = value(mine, theme, SCORE_MEASURE)
        hits = d["hits"] if d and d["hits"] is not None else 0
        rows.append(
            f'<tr><td>{_swatch(theme)}{escape(label("theme", theme))}</td><td class="num">{hits:,}</td>'
            f"{cell(d)}{cell(value(level, theme, SCORE_MEASURE))}"
            f"{cell(value(mine, theme, SHARE_MEASURE), 3)}{cell(value(level, theme, SHARE_MEASURE), 3)}</tr>"
        )
    return f'<table class="table table-sm fazhi-scores">{head}<tbody>{"".join(rows)}</tbody></table>'


def _metadata(doc: dict) -> str:
    url = doc.get("source_url")
    if url and re.fullmatch(r"https?://\S+", url):
        source = f'<a href="{escape(url)}" rel="noopener noreferrer">{escape(url)}</a>'
    else:
        source = "not recorded (the sidecar gives no source_url)"
    accessed = doc.get("accessed")
    rows = [
        ("Title", escape(doc.get("title") or "—")),
        ("Issuer", escape(doc.get("issuer") or "—")),
        ("Region", escape(doc.get("region") or "—")),
        ("Level of government", escape(label("level", doc.get("level") or "unknown"))),
        ("Document type", escape(label("doc_type", doc.get("doc_type") or "other"))),
        ("Period", escape(doc.get("period") or "—")),
        ("Published", escape(doc.get("published") or "—")),
        ("Source (publication page)", source),
        ("Accessed", escape(accessed) if accessed else "not recorded"),
        ("File", f"<code>{escape(doc.get('source_file') or '—')}</code>"),
        ("Document id", f"<code>{escape(doc['doc_id'])}</code>"),
        ("SHA-256 of the file", f"<code>{escape(doc.get('sha256') or '—')}</code>"),
        ("Characters", f"{int(doc.get('n_chars') or 0):,}"),
        ("Metadata", escape(doc.get("metadata_source") or "—")),
    ]
    body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="table table-sm fazhi-meta"><tbody>{body}</tbody></table>'


def _legend(hits: pl.DataFrame) -> str:
    counts = dict(hits.group_by("theme").len().iter_rows()) if hits.height else {}
    items = [
        (
            f'<span class="fazhi-legend-item">{_swatch(t)}{escape(label("theme", t))} '
            f"({counts.get(t, 0):,})</span>"
        )
        for t in DISPLAY["theme"]
    ]
    return f'<div class="fazhi-legend" aria-label="Themes">{"".join(items)}</div>'


def _text(doc: dict, sections: pl.DataFrame, hits: pl.DataFrame) -> tuple[str, int]:
    text = doc["text"] or ""
    spans = [(int(s["section_id"]), int(s["level"] or 0), s["path"] or "", int(s["start"]), int(s["end"]))
             for s in sections.sort("start").iter_rows(named=True)]  # fmt: skip
    if not spans:
        spans = [(0, 0, "", 0, len(text))]
    all_hits = [(r["start"], r["end"], r["theme"], r["term"]) for r in hits.iter_rows(named=True)]
    out, skipped = [], 0
    for sid, level, path, start, end in spans:
        inside = [h for h in all_hits if start <= h[0] < end]
        body, n = highlight(text[start:end], inside, offset=start)
        skipped += n
        tag = f'<span class="fazhi-path">{escape(path)}</span>' if path else ""
        out.append(
            f'<div class="fazhi-section" id="s-{sid}" '
            f'style="margin-left:{min(level, 4) * 0.8:.1f}em">{tag}{body}</div>'
        )
    return "".join(out), skipped


STYLE = (
    "<style>.fazhi-swatch{display:inline-block;width:.9em;height:.9em;margin-right:.3em;vertical-align:-.1em;"
    "border-radius:2px}.fazhi-legend{display:flex;flex-wrap:wrap;gap:.3em 1em;margin:.5em 0 1em;"
    "font-size:.9em}.fazhi-section{white-space:pre-wrap;overflow-wrap:anywhere;margin-bottom:.8em;"
    "padding-top:.3em;border-top:1px solid #eee}.fazhi-path{float:right;color:#888;font-size:.8em;"
    "margin-left:1em}.fazhi-hit{padding:0 1px;color:inherit}.fazhi-ci{color:#777;font-size:.85em;"
    "white-space:nowrap;display:block}.fazhi-meta th{width:14em;font-weight:600}"
    ".fazhi-meta td{overflow-wrap:anywhere}.fazhi-scores td:first-child{white-space:nowrap}"
    "td.num{text-align:right;white-space:nowrap}.fazhi-scores{font-size:.9em}.fazhi-outline{font-size:.95em}"
    "#fazhi-search-results{table-layout:fixed;width:100%}#fazhi-search-results td{white-space:nowrap;"
    "overflow:hidden}#fazhi-search-results td.doc{width:24%;white-space:normal;font-size:.85em}"
    "#fazhi-search-results td.left{width:34%;text-align:right;direction:rtl}"
    "#fazhi-search-results td span{direction:ltr;unicode-bidi:isolate}"
    "#fazhi-search-results td.right{width:34%}#fazhi-search-results td.kw{width:8em;text-align:center;"
    "background:#ffe08a;font-weight:600;padding-left:.2em;padding-right:.2em}</style>"
)


def document_page(
    doc: dict,
    sections: pl.DataFrame,
    hits: pl.DataFrame,
    scores: pl.DataFrame,
    *,
    doc_label: str,
    n_level: int,
) -> str:
    """The ``.qmd`` source of one document's page (all corpus text escaped)."""
    text_html, skipped = _text(doc, sections, hits)
    note = f"<p>{skipped} overlapping hit(s) are counted but not marked.</p>" if skipped else ""
    intro = (
        '<p><a href="index.html">All documents</a> · <a href="search.html">Search the corpus</a> · '
        '<a href="../downloads/documents.csv">documents table (CSV)</a></p>'
    )
    body = [
        _raw(STYLE + intro),
        "## Metadata and provenance\n",
        _raw(_metadata(doc)),
        "## Theme scores beside the level's\n",
        (
            "Lexicon hits per 1,000 word tokens and each theme's share of the hits, for this document and "
            "for the documents of its level of government (the level's value with its bootstrap interval; "
            "`theme_scores`).\n"
        ),
        _raw(_scores(doc, scores, n_level)),
        "## Outline\n",
        _raw(_outline(sections.sort("start"))),
        "## Text\n",
        (
            "Each lexicon hit is marked in its theme's colour (hover for the theme and the term); the "
            "number of hits of each theme in this document is in brackets.\n"
        ),
        _raw(_legend(hits) + note + f'<div class="fazhi-doc-text" lang="zh">{text_html}</div>'),
    ]
    return _page(_plain_title(doc_label), body)


def index_page(documents: pl.DataFrame, names: dict[str, str], labels: dict[str, str]) -> str:
    """The ``.qmd`` source of the list of documents, each linked to its page."""
    rows = []
    for d in documents.sort("doc_id").iter_rows(named=True):
        rows.append(
            f'<tr><td><a href="{escape(names[d["doc_id"]])}.html">{escape(labels[d["doc_id"]])}</a></td>'
            f"<td>{escape(label('level', d['level'] or 'unknown'))}</td>"
            f"<td>{escape(label('doc_type', d['doc_type'] or 'other'))}</td>"
            f'<td>{escape(d["period"] or "—")}</td><td class="num">{int(d["n_chars"] or 0):,}</td>'
            f'<td lang="zh">{escape(d["title"] or "—")}</td></tr>'
        )
    table = (
        '<table class="table table-sm"><thead><tr><th>Document</th><th>Level</th><th>Type</th><th>Period</th>'
        f"<th>Characters</th><th>Title</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
    body = [
        (
            f"{documents.height} document(s), each with its metadata and provenance, its scores beside its "
            "level's, its outline and its text with the lexicon hits marked. [Search the "
            "corpus](search.qmd).\n"
        ),
        _raw(STYLE + table),
    ]
    return _page("Documents", body, toc=False)


def search_page() -> str:
    """The ``.qmd`` source of the search page: a box, the results, and the two scripts."""
    form = (
        '<form id="fazhi-search" role="search" onsubmit="return false">'
        '<label for="fazhi-search-input">Find a word or phrase in every section of every document</label> '
        '<input id="fazhi-search-input" type="search" class="form-control" autocomplete="off" '
        'placeholder="依法行政"></form><p id="fazhi-search-status" aria-live="polite"></p>'
        '<table class="table table-sm" id="fazhi-search-results"><tbody></tbody></table>'
        '<script src="search-index.js"></script><script src="search.js"></script>'
    )
    body = [
        (
            "Searches the text of the corpus in this page, offline: no server and no network. A match is "
            "shown in its context and links to its section on the document's page; results stop at 500 "
            "matches.\n"
        ),
        _raw(STYLE + form),
    ]
    return _page("Search the corpus", body, toc=False)


def search_index(
    documents: pl.DataFrame, sections: pl.DataFrame, names: dict[str, str], labels: dict[str, str]
) -> str:
    """``search-index.js``: ``window.FAZHI_SEARCH``, one ``[page, section id, document, path, text]`` per
    section."""
    texts = dict(documents.select("doc_id", "text").iter_rows())
    records = []
    have = set(sections["doc_id"]) if sections.height else set()
    for doc_id in sorted(texts):
        text = texts[doc_id] or ""
        spans = (
            sections.filter(pl.col("doc_id") == doc_id)
            .sort("start")
            .select("section_id", "path", "start", "end")
            .rows()
            if doc_id in have
            else [(0, "", 0, len(text))]
        )
        for sid, path, start, end in spans:
            records.append([names[doc_id], int(sid), labels[doc_id], path or "", text[start:end]])
    return f"window.FAZHI_SEARCH={script_json(records)};\n"


def write_document_pages(tables: Path, dest: Path) -> list[Path]:
    """Write the document pages, their index and the search into ``dest``; returns the files written.

    Raises
    ------
    FileNotFoundError
        When ``tables`` lacks the ``documents`` table.
    """
    from .tables import read_table

    documents = read_table("documents", tables, check=False)
    sections = _optional(tables, "sections")
    hits = _optional(tables, "theme_hits")
    scores = _optional(tables, "theme_scores")
    dest.mkdir(parents=True, exist_ok=True)
    names = {d: page_name(d) for d in documents["doc_id"]}
    labels = dict(doc_labels(documents).iter_rows())
    per_level = dict(documents.group_by("level").len().iter_rows())
    written = []
    for doc in documents.sort("doc_id").iter_rows(named=True):
        doc = {**doc, "published": _iso(doc.get("published")), "accessed": _iso(doc.get("accessed"))}
        path = dest / f"{names[doc['doc_id']]}.qmd"
        path.write_text(
            document_page(
                doc,
                _of(sections, doc["doc_id"]),
                _of(hits, doc["doc_id"]),
                scores,
                doc_label=labels[doc["doc_id"]],
                n_level=per_level.get(doc["level"], 0),
            ),
            encoding="utf-8",
        )
        written.append(path)
    for name, text in (
        ("index.qmd", index_page(documents, names, labels)),
        ("search.qmd", search_page()),
        ("search-index.js", search_index(documents, sections, names, labels)),
        ("search.js", SEARCH_SCRIPT.read_text(encoding="utf-8")),
    ):
        (dest / name).write_text(text, encoding="utf-8")
        written.append(dest / name)
    return written


def _of(df: pl.DataFrame, doc_id: str) -> pl.DataFrame:
    return df.filter(pl.col("doc_id") == doc_id) if df.height else df


def _iso(value: object) -> str | None:
    return value.isoformat() if hasattr(value, "isoformat") else (str(value) if value else None)


_EMPTY = {
    "sections": {"doc_id": pl.String, "section_id": pl.Int32, "level": pl.Int32, "marker": pl.String,
                 "title": pl.String, "path": pl.String, "start": pl.Int64, "end": pl.Int64},
    "theme_hits": {"doc_id": pl.String, "theme": pl.String, "term": pl.String, "start": pl.Int64,
                   "end": pl.Int64},
    "theme_scores": {"scope": pl.String, "doc_id": pl.String, "level": pl.String, "theme": pl.String,
                     "measure": pl.String, "value": pl.Float64, "ci_low": pl.Float64, "ci_high": pl.Float64,
                     "hits": pl.Int64},
}  # fmt: skip


def _optional(tables: Path, name: str) -> pl.DataFrame:
    """A table of the build, or an empty one of the columns used here when the build did not write it."""
    path = tables / f"{name}.parquet"
    return as_text(pl.read_parquet(path)) if path.is_file() else pl.DataFrame(schema=_EMPTY[name])
