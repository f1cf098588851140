"""The API reference of the site, generated from the package's own docstrings.

In: the modules of ``fazhi`` (their docstrings, public functions and classes, signatures). Out: one
Markdown page per module in a folder (``reference/<module>.qmd``) plus ``reference/index.qmd``, plain
Pandoc Markdown that Quarto and smalldocs both render. Numpy-style sections (Parameters, Returns,
Raises, ...) become headed definition lists.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path
from types import ModuleType

# The modules documented, in data-flow order; a module that does not exist (yet) is skipped.
MODULES = (
    "corpus",
    "metadata_eval",
    "segment",
    "outline",
    "tokenizer",
    "tokencache",
    "dictionary",
    "executor",
    "vocabulary",
    "themes",
    "compare",
    "audit",
    "presence",
    "validation.sample",
    "validation.sheets",
    "validation.agreement",
    "validation.accuracy",
    "validation.measure",
    "validation.tables",
    "topics",
    "labels",
    "report",
    "schema",
    "tables",
    "pipeline",
    "site",
    "charts",
    "paths",
)
SECTION = re.compile(r"^(?P<name>[A-Z][A-Za-z ]+)\n-{3,}\s*$", re.MULTILINE)
# An reST simple table: a border of ``===`` columns, rows, a border, rows, a closing border.
RST_TABLE = re.compile(r"^(=+(?: +=+)+)\n(?:.*\n)*?\1\n(?:.*\n)*?\1$", re.MULTILINE)


def public_members(module: ModuleType) -> list[tuple[str, object]]:
    """The public functions and classes defined in ``module`` (its ``__all__`` when it has one), in source order.

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


def docstring_markdown(doc: str | None) -> str:
    """Turn a numpy-style docstring into Markdown: sections as bold headings, parameters as a list."""
    if not doc:
        return "*No docstring.*"
    text = RST_TABLE.sub(lambda m: f"```\n{m.group(0)}\n```", inspect.cleandoc(doc))
    parts = SECTION.split(text)
    out = [parts[0].strip()]
    for i in range(1, len(parts), 2):
        out.append(f"**{parts[i].strip()}**")
        out.append(_definition_list(parts[i + 1]))
    return "\n\n".join(p for p in out if p)


def _definition_list(body: str) -> str:
    items: list[str] = []
    for line in inspect.cleandoc(body).splitlines():
        if not line.strip():
            continue
        if not line.startswith((" ", "\t")):
            items.append(f"- `{line.strip()}`")
        elif items:
            items[-1] += ("  \n  " if items[-1].startswith("- `") and "  \n" not in items[-1] else " ") + line.strip()
        else:
            items.append(line.strip())
    return "\n".join(items)


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
    lines = [f"---\ntitle: \"fazhi.{short}\"\n---\n", docstring_markdown(module.__doc__), ""]
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
        summary = (module.__doc__ or "").strip().splitlines()[0].replace("|", r"\|") if module.__doc__ else ""
        index.append(f"| [`fazhi.{short}`]({short}.qmd) | {summary} |")
    (folder / "index.qmd").write_text("\n".join(index) + "\n", encoding="utf-8")
    return [folder / "index.qmd", *written]
