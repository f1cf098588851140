"""Theme lexicons: the versioned TOML files of ``fazhi/data/lexicons/``, read, checked and stamped.

In: one ``<theme>.toml`` file per theme (``id``, ``name``, ``version``, optional ``description``,
``label_zh`` and ``label_en``, and ``[[term]]`` entries with ``term``, ``gloss``, optional ``weight``,
``valid_from``, ``valid_to`` and ``era``), and ``data/outline.toml`` (its systems: themes every lexicon
folder must hold, and their order; ``fazhi.schema.theme_ids``).
Out: a ``LexiconSet`` (lexicons in the Outline's order, a version string and a content hash), its terms
and eras as tables, and ``stamp``, which adds the version and hash to a result table.
How: every field is checked and a malformed file raises ``LexiconError`` naming the file and the term;
a term belongs to one lexicon (compared by ``fazhi.phrases.norm``). A theme's display labels are its
file's ``label_zh`` / ``label_en``, else its ``name`` and the Outline system's ``english`` (or the id made
readable): adding a theme is adding its lexicon file, with no code and no other file (a theme that is not
an Outline system comes after the systems, by file name).
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from ..paths import PACKAGE_DATA
from ..phrases import norm as _norm
from ..schema import theme_ids

LEXICON_DIR = PACKAGE_DATA / "lexicons"
from ..outline import OUTLINE_FILE, read_outline
from ..tables import hash_files as _file_hash

#: The three research themes, in the order the notebook reports them.
FOCUS = ("digital_government", "emergency_response", "dispute_resolution")

#: The years a term's ``valid_from`` / ``valid_to`` may take.
ERA_YEARS = (1900, 2100)


class LexiconError(ValueError):
    """A lexicon file is malformed (missing field, duplicate term, unknown theme...)."""


@dataclass(frozen=True)
class Term:
    """One lexicon entry: the term as written, its theme, its weight and a short gloss.

    ``valid_from`` / ``valid_to`` (optional, years) bound the era in which the term carries the theme's
    meaning in official Chinese usage (e.g. 数字政府 from 2017); ``era`` says why. They document the
    vocabulary; they do not change counting (a hit outside its era is counted and can be flagged).
    """

    theme: str
    term: str
    weight: float
    gloss: str
    valid_from: int | None = None
    valid_to: int | None = None
    era: str = ""

    @property
    def key(self) -> str:
        return _norm(self.term)


@dataclass(frozen=True)
class Lexicon:
    """The terms of one Outline system, and its short Chinese and English labels for display."""

    id: str
    name: str
    version: str
    description: str
    terms: tuple[Term, ...]
    label_zh: str = ""
    label_en: str = ""


@dataclass(frozen=True)
class LexiconSet:
    """All lexicons, in the Outline's order, with a version string and a content hash."""

    lexicons: tuple[Lexicon, ...]
    version: str
    hash: str
    folder: Path = field(compare=False)

    @property
    def themes(self) -> tuple[str, ...]:
        return tuple(lx.id for lx in self.lexicons)

    @property
    def terms(self) -> tuple[Term, ...]:
        return tuple(t for lx in self.lexicons for t in lx.terms)

    def __getitem__(self, theme: str) -> Lexicon:
        for lx in self.lexicons:
            if lx.id == theme:
                return lx
        raise KeyError(theme)

    def without(self, drop: Iterable[tuple[str, str]]) -> LexiconSet:
        """The same set without the given (theme, term) pairs (for leave-one-term-out)."""
        gone = set(drop)
        lexicons = tuple(
            dataclasses.replace(lx, terms=tuple(t for t in lx.terms if (t.theme, t.term) not in gone))
            for lx in self.lexicons
        )
        return LexiconSet(lexicons, self.version, self.hash, self.folder)

    def eras(self) -> pl.DataFrame:
        """One row per term: theme, term, valid_from, valid_to, era (nulls where the file gives none)."""
        return pl.DataFrame(
            [
                {
                    "theme": t.theme,
                    "term": t.term,
                    "valid_from": t.valid_from,
                    "valid_to": t.valid_to,
                    "era": t.era,
                }
                for t in self.terms
            ],
            schema={
                "theme": pl.String,
                "term": pl.String,
                "valid_from": pl.Int64,
                "valid_to": pl.Int64,
                "era": pl.String,
            },
        )

    def frame(self) -> pl.DataFrame:
        """One row per term: theme, term, weight, gloss."""
        return pl.DataFrame(
            [{"theme": t.theme, "term": t.term, "weight": t.weight, "gloss": t.gloss} for t in self.terms],
            schema={"theme": pl.String, "term": pl.String, "weight": pl.Float64, "gloss": pl.String},
        )


def outline_systems(outline: Path | None = None) -> list[dict[str, Any]]:
    """The eight systems of the Outline (id, name, outline_title, english, chapter), in order."""
    return list(read_outline(outline or OUTLINE_FILE)["system"])


def _era_bounds(file: str, text: str, entry: dict[str, Any]) -> tuple[int | None, int | None]:
    """A term's optional ``valid_from`` / ``valid_to`` years, checked (whole years, in order)."""
    out: list[int | None] = []
    for key in ("valid_from", "valid_to"):
        year = entry.get(key)
        if year is not None and (
            not isinstance(year, int) or isinstance(year, bool) or not ERA_YEARS[0] <= year <= ERA_YEARS[1]
        ):
            raise LexiconError(
                f"{file}: {text!r} has {key} = {year!r} (must be a year {ERA_YEARS[0]}–{ERA_YEARS[1]})"
            )
        out.append(year)
    if out[0] is not None and out[1] is not None and out[0] > out[1]:
        raise LexiconError(f"{file}: {text!r} is valid from {out[0]} to {out[1]} (from must not follow to)")
    return out[0], out[1]


def _read_term(file: str, theme: str, number: int, entry: dict[str, Any]) -> Term:
    """One ``[[term]]`` entry of a lexicon file, checked (``number`` counts from 1, for the message)."""
    text = entry.get("term")
    if not isinstance(text, str) or not _norm(text):
        raise LexiconError(f"{file}: term #{number} has no text")
    weight = entry.get("weight", 1.0)
    if not isinstance(weight, (int, float)) or isinstance(weight, bool) or not 0 < weight <= 1:
        raise LexiconError(f"{file}: {text!r} has weight {weight!r} (must be in (0, 1])")
    gloss = entry.get("gloss")
    if not isinstance(gloss, str) or not gloss.strip():
        raise LexiconError(f"{file}: {text!r} has no gloss")
    bounds = _era_bounds(file, text, entry)
    era = entry.get("era", "")
    if not isinstance(era, str):
        raise LexiconError(f"{file}: {text!r} has a non-text era {era!r}")
    return Term(theme, text, float(weight), gloss.strip(), *bounds, era.strip())


def _read_lexicon(path: Path, *, order: Sequence[str], outline: Path, english: dict[str, str]) -> Lexicon:
    """One lexicon file, checked: its header fields and its terms (duplicates across files are checked by
    the caller)."""
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise LexiconError(f"{path.name}: not valid TOML ({exc})") from exc
    for key in ("id", "name", "version"):
        if not isinstance(doc.get(key), str) or not doc[key].strip():
            raise LexiconError(f"{path.name}: missing string field {key!r}")
    theme = doc["id"]
    if theme != path.stem:
        raise LexiconError(f"{path.name}: id {theme!r} differs from the file name")
    if theme not in order:
        raise LexiconError(f"{path.name}: {theme!r} is not a theme of {outline.name} or the lexicon folder")
    for key in ("label_zh", "label_en"):
        if key in doc and (not isinstance(doc[key], str) or not doc[key].strip()):
            raise LexiconError(f"{path.name}: {key} must be a non-empty string")
    terms = tuple(_read_term(path.name, theme, i + 1, entry) for i, entry in enumerate(doc.get("term", [])))
    if not terms:
        raise LexiconError(f"{path.name}: no [[term]] entries")
    return Lexicon(
        theme,
        doc["name"],
        doc["version"],
        str(doc.get("description", "")).strip(),
        terms,
        label_zh=str(doc.get("label_zh", doc["name"])).strip(),
        label_en=str(doc.get("label_en", english.get(theme, theme.replace("_", " ")))).strip(),
    )


def load_lexicons(folder: Path | None = None, outline: Path | None = None) -> LexiconSet:
    """Read and check every lexicon file.

    Parameters
    ----------
    folder
        A folder of ``<theme>.toml`` files; the package's ``data/lexicons/`` by default.
    outline
        The Outline file: its systems are themes that must have a lexicon, and come first, in its order;
        the package's by default. A lexicon of another theme comes after them, by file name.

    Returns
    -------
    LexiconSet
        Lexicons in the order of ``fazhi.schema.theme_ids(outline, folder)``. ``version`` joins the
        Outline version and each file's ``version``; ``hash`` is ``fazhi.tables.lexicon_hash()`` for the
        package's own files (the hash stamped into every table) and a SHA-256 of the files otherwise.

    Raises
    ------
    LexiconError
        On a missing field, an unknown or missing theme, an empty or duplicated term, a bad weight.
    """
    default = folder is None and outline is None
    folder = Path(folder) if folder is not None else LEXICON_DIR
    outline = Path(outline) if outline is not None else OUTLINE_FILE
    outline_doc = read_outline(outline)
    order = list(theme_ids(outline, folder))
    english = {s["id"]: str(s.get("english", s["id"])) for s in outline_doc["system"]}
    files = sorted(folder.glob("*.toml"))
    found: dict[str, Lexicon] = {}
    seen: dict[str, str] = {}
    for path in files:
        lexicon = _read_lexicon(path, order=order, outline=outline, english=english)
        for t in lexicon.terms:
            if t.key in seen:
                raise LexiconError(
                    f"{path.name}: {t.term!r} is already a term of {seen[t.key]}"
                    " (a term belongs to one lexicon)"
                )
            seen[t.key] = lexicon.id
        found[lexicon.id] = lexicon
    missing = [t for t in order if t not in found]
    if missing:
        raise LexiconError(f"{folder}: no lexicon for {', '.join(missing)}")
    lexicons = tuple(found[t] for t in order)
    version = f"outline={outline_doc.get('version', '?')};" + ";".join(
        f"{lx.id}={lx.version}" for lx in lexicons
    )
    if default:
        from ..tables import lexicon_hash

        digest = lexicon_hash()
    else:
        digest = _file_hash([*files, outline])
    return LexiconSet(lexicons, version, digest, folder)


_DEFAULT: LexiconSet | None = None
_DEFAULT_KEY: tuple[tuple[str, int, int], ...] | None = None


def default_lexicons() -> LexiconSet:
    """The package's lexicons, cached until a lexicon file changes on disk."""
    global _DEFAULT, _DEFAULT_KEY
    files = [*sorted(LEXICON_DIR.glob("*.toml")), OUTLINE_FILE]
    key = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    if _DEFAULT is None or key != _DEFAULT_KEY:
        _DEFAULT, _DEFAULT_KEY = load_lexicons(), key
    return _DEFAULT


def theme_labels(lexicons: LexiconSet | None = None) -> dict[str, tuple[str, str]]:
    """Theme id → (Chinese label, English label), from the lexicon files, in the Outline's order."""
    lexicons = lexicons or default_lexicons()
    return {lx.id: (lx.label_zh, lx.label_en) for lx in lexicons.lexicons}


def stamp(df: pl.DataFrame, lexicons: LexiconSet) -> pl.DataFrame:
    """``df`` with the lexicons' ``lexicon_version`` and ``lexicon_hash`` columns added."""
    return df.with_columns(
        lexicon_version=pl.lit(lexicons.version, pl.String), lexicon_hash=pl.lit(lexicons.hash, pl.String)
    )


def lexicon_summary(lexicons: LexiconSet | None = None) -> pl.DataFrame:
    """One row per lexicon: theme, name, version, terms, weighted terms (weight < 1)."""
    lexicons = lexicons or default_lexicons()
    return pl.DataFrame(
        [
            {
                "theme": lx.id,
                "name": lx.name,
                "version": lx.version,
                "terms": len(lx.terms),
                "down_weighted": sum(1 for t in lx.terms if t.weight < 1),
            }
            for lx in lexicons.lexicons
        ]
    )


def outline_words(lexicons: LexiconSet, outline: Path | None = None) -> set[tuple[str, str]]:
    """(theme, term) pairs whose term occurs in the name or title of any Outline system."""
    titles = " ".join(f"{s['name']} {s['outline_title']}" for s in outline_systems(outline))
    key = _norm(titles)
    return {(t.theme, t.term) for t in lexicons.terms if t.key in key}


def heading_keyword_terms(lexicons: LexiconSet, outline: Path | None = None) -> set[tuple[str, str]]:
    """(theme, term) pairs whose term is one of the keywords by which headings are mapped to systems."""
    keywords = {_norm(k) for s in outline_systems(outline) for k in s.get("heading_keywords", ())}
    return {(t.theme, t.term) for t in lexicons.terms if t.key in keywords}
