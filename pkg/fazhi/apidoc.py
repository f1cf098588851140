"""The API reference of the site, generated from the package's own docstrings.

In: the modules of ``fazhi`` (their docstrings, public functions and classes, signatures). Out: one
Markdown page per module in a folder (``reference/<module>.qmd``) plus ``reference/index.qmd``, plain
Pandoc Markdown that Quarto and smalldocs both render.

How: numpy-style sections (Parameters, Returns, Raises, ...) become headed definition lists; reST
inline markup becomes Markdown (``` ``literal`` ``` and ``:func:`name``` as code, ``:class:`~a.B``` as
``B``); reST simple tables (``====`` borders) become Markdown tables; characters that Markdown or Pandoc
would read outside code (``*``, ``<``, ``$``, ``@``, ...) are escaped. The index gives each module the
first sentence of its docstring, never a line cut short.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path
from types import ModuleType

# The modules documented, in data-flow order; a module that does not exist (yet) is skipped.
MODULES = (
    "settings",
    "corpus",
    "metadata_eval",
    "segment",
    "headings",
    "markers",
    "outline",
    "tokenizer",
    "tokencache",
    "dictionary",
    "executor",
    "vocabulary",
    "phrases",
    "themes",
    "compare",
    "audit",
    "presence",
    "validation.sample",
    "validation.sheets",
    "validation.agreement",
    "validation.accuracy",
    "validation.measure",
    "validation.corrected",
    "validation.tables",
    "validation.intrusion",
    "validation.intrusion_results",
    "topics",
    "reuse",
    "gwr",
    "labels",
    "report",
    "findings",
    "schema",
    "tables",
    "pipeline",
    "incremental",
    "meter",
    "site",
    "docpages",
    "display",
    "charts",
    "charts.heatmap",
    "charts.corpus",
    "charts.segment",
    "charts.vocabulary",
    "charts.themes",
    "charts.topics",
    "charts.validation",
    "charts.gwr",
    "charts.headline",
    "paths",
)
SECTION = re.compile(r"^(?P<name>[A-Z][A-Za-z ]+)\n-{3,}\s*$", re.MULTILINE)
# An reST simple table: a border of ``===`` columns, rows, a border, rows, a closing border.
RST_TABLE = re.compile(r"^(=+(?: +=+)+)\n(?:.*\n)*?\1\n(?:.*\n)*?\1$", re.MULTILINE)


def public_members(module: ModuleType) -> list[tuple[str, object]]:
    """The public functions and classes defined in ``module`` (its ``__all__`` when it has one), in source
    order.

    A package (``fazhi.topics``) documents what its ``__all__`` re-exports from its own submodules, in
    the order of the submodules' names, then of source lines."""
    names = getattr(module, "__all__", None)
    package = hasattr(module, "__path__") and names is not None
    members = []
    for name, obj in vars(module).items():
        if name.startswith("_") or not (inspect.isfunction(obj) or inspect.isclass(obj)):
            continue
        home = getattr(obj, "__module__", None) or ""
        if home != module.__name__ and not (package and home.startswith(module.__name__ + ".")):
            continue
        if names is not None and name not in names:
            continue
        members.append((name, obj))

    def line(item: tuple[str, object]) -> tuple[str, int]:
        home = getattr(item[1], "__module__", "") or ""
        try:
            return home, inspect.getsourcelines(item[1])[1]  # type: ignore[arg-type]
        except (OSError, TypeError):
            return home, 0

    return sorted(members, key=line)


# reST inline markup: a role (``:func:`x```), a literal (````x````) or interpreted text (```x```).
INLINE = re.compile(r"(?::(?:py:)?[a-z]+:)?`(?P<ref>[^`]+)`_?|``(?P<lit>.+?)``(?!`)")
# Characters Markdown or Pandoc would read outside code: emphasis, raw HTML, maths, citations, links.
MD_SPECIAL = re.compile(r"([\\*_<>$@\[\]|#~^])")


def code_span(text: str) -> str:
    """``text`` as a Markdown code span, fenced by more backticks than it holds."""
    runs = [len(r) for r in re.findall(r"`+", text)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or fence != "`" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


EMPHASIS = re.compile(r"(?<![\w*])\*(?=[^\s*])([^*]+?)(?<=\S)\*(?![\w*])")


def _escape(text: str) -> str:
    """Plain text with the Markdown specials escaped, reST ``*emphasis*`` kept as emphasis."""
    out, pos = [], 0
    for m in EMPHASIS.finditer(text):
        out += [MD_SPECIAL.sub(r"\\\1", text[pos : m.start()]), "*", MD_SPECIAL.sub(r"\\\1", m[1]), "*"]
        pos = m.end()
    out.append(MD_SPECIAL.sub(r"\\\1", text[pos:]))
    return "".join(out)


def rst_inline(text: str) -> str:
    """reST inline markup as Markdown: roles and literals as code spans, everything else escaped."""
    out, pos = [], 0
    for m in INLINE.finditer(text):
        out.append(_escape(text[pos : m.start()]))
        if m["lit"] is not None:
            out.append(code_span(m["lit"]))
        else:
            ref = m["ref"]
            if ref.startswith("~"):
                ref = ref[1:].rsplit(".", 1)[-1]
            out.append(code_span(ref))
        pos = m.end()
    out.append(_escape(text[pos:]))
    return "".join(out)


def _width(ch: str) -> int:
    import unicodedata

    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _cells(line: str, starts: list[int]) -> list[str]:
    """A table row cut at the columns' display positions (a wide character counts two)."""
    cells = [""] * len(starts)
    col = 0
    for ch in line:
        i = max(j for j, s in enumerate(starts) if s <= col) if col >= starts[0] else 0
        cells[i] += ch
        col += _width(ch)
    return [c.strip() for c in cells]


def rst_table(block: str) -> str:
    """A reST simple table (``====`` borders, a header row) as a Markdown pipe table."""
    lines = block.splitlines()
    border = lines[0]
    spans = [(m.start(), m.end()) for m in re.finditer(r"=+", border)]
    rows: list[list[str]] = []
    header_done = False
    header: list[str] = []
    for line in lines[1:]:
        if re.fullmatch(r"[= ]+", line):
            if not header_done and rows:
                header, rows, header_done = rows[0], [], True
            continue
        if not line.strip():
            continue
        cells = _cells(line, [a for a, _ in spans])
        if rows and not cells[0] and (header_done or len(rows) > 0):
            rows[-1] = [f"{old} {new}".strip() for old, new in zip(rows[-1], cells, strict=True)]
        else:
            rows.append(cells)

    def row(cells: list[str]) -> str:
        return "| " + " | ".join(rst_inline(c) for c in cells) + " |"

    if not header:
        header, rows = rows[0], rows[1:]
    return "\n".join([row(header), "|" + "---|" * len(header), *(row(r) for r in rows)])


def prose(text: str) -> str:
    """Docstring prose as Markdown: reST tables converted, inline markup converted, lists and paragraphs
    kept."""
    out, pos = [], 0
    for m in RST_TABLE.finditer(text):
        out.append(_lines(text[pos : m.start()]))
        out.append("\n" + rst_table(m.group(0)) + "\n")
        pos = m.end()
    out.append(_lines(text[pos:]))
    return "".join(out).strip()


def _lines(text: str) -> str:
    """Inline markup of each paragraph, a paragraph's lines joined (so markup spanning lines is whole)."""
    paragraphs = re.split(r"\n\s*\n", text)
    done = []
    for para in paragraphs:
        lines = para.splitlines()
        if lines and all(
            re.match(r"\s*(?:[-*] |\d+[.)] )", ln) or ln.startswith("  ") for ln in lines if ln.strip()
        ):
            items: list[str] = []  # a list: its items joined, each on its own line
            for ln in lines:
                if re.match(r"\s*(?:[-*] |\d+[.)] )", ln) or not items:
                    items.append(ln.strip())
                else:
                    items[-1] += " " + ln.strip()
            done.append("\n".join(_item(i) for i in items))
        else:
            done.append(rst_inline(" ".join(ln.strip() for ln in lines)))
    return "\n\n".join(done)


def _item(line: str) -> str:
    m = re.match(r"([-*]|\d+[.)]) (.*)", line)
    return f"{'-' if m[1] in '-*' else m[1]} {rst_inline(m[2])}" if m else rst_inline(line)


def summary(doc: str | None) -> str:
    """The first sentence of a docstring (its first paragraph when no sentence ends), as Markdown."""
    if not doc:
        return ""
    first = " ".join(inspect.cleandoc(doc).split("\n\n", 1)[0].split())
    m = re.search(r"(?<=[.!?])\s+(?=[A-Z`(])", first)
    text = first[: m.start()] if m else first
    return prose(text).replace("|", r"\|")


def docstring_markdown(doc: str | None) -> str:
    """Turn a numpy-style docstring into Markdown: sections as bold headings, parameters as a list."""
    if not doc:
        return "*No docstring.*"
    text = inspect.cleandoc(doc)
    parts = SECTION.split(text)
    out = [prose(parts[0])]
    for i in range(1, len(parts), 2):
        out.append(f"**{parts[i].strip()}**")
        out.append(_definition_list(parts[i + 1]))
    return "\n\n".join(p for p in out if p)


def _definition_list(body: str) -> str:
    items: list[tuple[str, list[str]]] = []
    for line in inspect.cleandoc(body).splitlines():
        if not line.strip():
            continue
        if not line.startswith((" ", "\t")):
            items.append((line.strip(), []))
        elif items:
            items[-1][1].append(line.strip())
        else:
            items.append(("", [line.strip()]))
    out = []
    for term, desc in items:
        text = rst_inline(" ".join(desc))
        out.append(f"- {code_span(term)}" + (f"  \n  {text}" if text else "") if term else f"- {text}")
    return "\n".join(out)


def _signature(name: str, obj: object) -> str:
    try:
        sig = str(inspect.signature(obj, eval_str=True))  # type: ignore[arg-type]
    except (NameError, TypeError, ValueError):
        try:  # an annotation that names a type only imported for type checking
            sig = str(inspect.signature(obj))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            sig = "(...)"
    prefix = "class " if inspect.isclass(obj) else ""
    return f"{prefix}{name}{sig}"


def module_page(module: ModuleType) -> str:
    """The Markdown page of one module."""
    short = module.__name__.removeprefix("fazhi.")
    lines = [f'---\ntitle: "fazhi.{short}"\n---\n', docstring_markdown(module.__doc__), ""]
    for name, obj in public_members(module):
        lines += [f"## {name} {{#{short}-{name.lower()}}}", "", "```python", _signature(name, obj), "```", ""]
        lines += [docstring_markdown(obj.__doc__), ""]
        if inspect.isclass(obj):
            for mname, meth in vars(obj).items():
                if mname.startswith("_") or not (inspect.isfunction(meth) or isinstance(meth, property)):
                    continue
                target = meth.fget if isinstance(meth, property) else meth
                lines += [f"### {name}.{mname}", "", "```python", _signature(mname, target), "```", ""]
                lines += [docstring_markdown(target.__doc__), ""]
    return "\n".join(lines)


def write_reference(folder: Path) -> list[Path]:
    """Write one page per documented module and an index into ``folder``; returns the pages written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    index = [
        '---\ntitle: "API reference"\n---\n',
        "Generated from the docstrings of the installed `fazhi` package each time the site is built.",
        "",
        "| module | what it does |",
        "|---|---|",
    ]
    for short in MODULES:
        try:
            module = importlib.import_module(f"fazhi.{short}")
        except ModuleNotFoundError as e:
            if e.name == f"fazhi.{short}":
                continue
            raise
        page = folder / f"{short}.qmd"
        page.write_text(module_page(module), encoding="utf-8")
        written.append(page)
        index.append(f"| [`fazhi.{short}`]({short}.qmd) | {summary(module.__doc__)} |")
    (folder / "index.qmd").write_text("\n".join(index) + "\n", encoding="utf-8")
    return [folder / "index.qmd", *written]
