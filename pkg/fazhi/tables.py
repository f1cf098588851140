"""Reading and writing result tables, each stamped with what it was made from.

In: polars tables from the stages. Out: parquet files in the processed-data folder, whose file
metadata carries a *stamp*: the package version and the hashes of the corpus, the tokeniser's
dictionary and stopwords, the lexicons, and the other domain data that drives results (``DATA_FILES``:
levels, document types, heading styles, organs, the gazetteer, collection columns, the topic glossary
and junk list). Reading a table checks its stamp against the inputs as
they are now, so a notebook can never silently show results made from other inputs (the stale-results
guard).

Writes are byte-deterministic: same table, same stamp → same bytes (no timestamps anywhere).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
import pyarrow.parquet as pq

from . import __version__
from .paths import PACKAGE_DATA, corpus_dir, data_dir
from .schema import TABLES, as_text, conform, validate

if TYPE_CHECKING:
    from .settings import BuildSettings

STAMP_KEY = b"fazhi.stamp"
# Which package data files each hash covers. A lexicon change must change lexicon_hash and nothing else.
DICTIONARY_FILES = ("dictionary",)
LEXICON_FILES = ("lexicons", "outline.toml", "presence.toml")  # presence.toml: the contextual presence rules
#: The other domain data kept as files of ``pkg/fazhi/data`` that can change a table: the vocabularies of
#: levels and document types (with their cues), heading styles, organs, the gazetteer (``divisions/``), the
#: columns collection files are read by, and the topics' glossary and junk list. Files that only change
#: pages (``display.toml``, ``codebook.md``, ``reuse_reading.csv``) are not here.
DATA_FILES = (
    "levels.toml", "genres.toml", "markers.toml", "organs.toml", "divisions", "collection_columns.toml",
    "topic_glossary.toml", "topic_junk.toml",
)  # fmt: skip


class StaleTableError(RuntimeError):
    """A table on disk was made from inputs other than the current ones: run ``fazhi build`` again."""


def hash_files(paths: Iterable[Path], root: Path | None = None) -> str:
    """SHA-256 over files' names and bytes, in name order; names are relative to ``root``, or the bare
    file names when ``root`` is None (files from several folders, e.g. lexicons and the Outline)."""

    def name(q: Path) -> str:
        return q.relative_to(root).as_posix() if root is not None else q.name

    h = hashlib.sha256()
    for p in sorted(paths, key=name):
        h.update(name(p).encode())
        h.update(b"\0")
        h.update(p.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def file_sha256(path: Path) -> str:
    """SHA-256 of one file's bytes (read in chunks), as a hex string."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _package_files(names: Iterable[str], *, skip_suffixes: tuple[str, ...] = ()) -> list[Path]:
    out: list[Path] = []
    for name in names:
        p = PACKAGE_DATA / name
        if p.is_dir():
            out.extend(
                q
                for q in p.rglob("*")
                if q.is_file() and "__pycache__" not in q.parts and q.suffix not in skip_suffixes
            )
        elif p.is_file():
            out.append(p)
    return out


def dictionary_hash() -> str:
    """Hash of the tokeniser's shipped data (user dictionary, stopwords): ``data/dictionary/``."""
    return hash_files(_package_files(DICTIONARY_FILES), PACKAGE_DATA)


def lexicon_hash() -> str:
    """Hash of the theme lexicons and the Outline mapping: ``data/lexicons/`` and ``data/outline.toml``."""
    return hash_files(_package_files(LEXICON_FILES), PACKAGE_DATA)


def data_hash() -> str:
    """Hash of the other domain data files that drive results (``DATA_FILES``: ``data/levels.toml``,
    ``genres.toml``, ``markers.toml``, ``organs.toml``, ``divisions/`` …); a folder's scripts (the
    gazetteer's generator) are left out."""
    return hash_files(_package_files(DATA_FILES, skip_suffixes=(".py",)), PACKAGE_DATA)


def corpus_hash(folder: Path) -> str:
    """Hash of a corpus folder, recursively: every readable file's relative name and bytes (sidecar included).

    The walk is the reader's (``fazhi.corpus.walk``): hidden entries are left out; an entry that cannot
    be read (unreadable file, link out of the corpus, loop, FIFO) contributes its name and reason, so it
    never raises. For a flat folder of readable files the hash is the one earlier versions gave.
    """
    from .corpus.walk import walk_corpus

    h = hashlib.sha256()
    entries = [e for e in walk_corpus(Path(folder)) if not (e.problem and e.problem[0] == "hidden")]
    for e in sorted(entries, key=lambda q: q.rel):
        h.update(e.rel.encode("utf-8", "surrogateescape"))
        h.update(b"\0")
        if e.problem is None:
            try:
                with open(e.path, "rb") as f:
                    for chunk in iter(lambda: f.read(1 << 20), b""):
                        h.update(chunk)
            except OSError as err:
                h.update(f"<unreadable: {err.errno}>".encode())
        else:
            h.update(f"<{e.problem[0]}>".encode())
        h.update(b"\0")
    return h.hexdigest()


def input_stamp(corpus: Path | None = None) -> dict[str, str]:
    """The part of a stamp that comes from the inputs: package version, corpus, dictionary, lexicons and the
    other domain data."""
    corpus = Path(corpus) if corpus is not None else corpus_dir()
    return {
        "fazhi_version": __version__,
        "corpus_hash": corpus_hash(corpus),
        "dictionary_hash": dictionary_hash(),
        "lexicon_hash": lexicon_hash(),
        "data_hash": data_hash(),
    }


def current_stamp(
    corpus: Path | None = None, settings: BuildSettings | Mapping[str, object] | None = None
) -> dict[str, str]:
    """The stamp that tables made now, from ``corpus`` with ``settings``, would carry.

    Parameters
    ----------
    corpus
        The corpus folder; ``fazhi.paths.corpus_dir()`` by default.
    settings
        The build settings (``fazhi.settings.BuildSettings``, or a nested mapping of them; the defaults for
        None). Every setting that can change a result, defaults included, is in the stamp's ``settings``
        (canonical JSON) and hashed into ``settings_hash``.
    """
    from .settings import coerce, stamp_json

    settings_json = stamp_json(coerce(settings).stamped())
    return {
        **input_stamp(corpus),
        "settings_hash": hashlib.sha256(settings_json.encode()).hexdigest(),
        "settings": settings_json,
    }


def write_table(df: pl.DataFrame, name: str, out_dir: Path, stamp: Mapping[str, str]) -> Path:
    """Validate ``df`` against its contract and write ``<out_dir>/<name>.parquet`` with its stamp.

    Returns
    -------
    Path
        The file written.
    """
    df = validate(name, conform(name, df))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    arrow = df.to_arrow()
    meta = dict(arrow.schema.metadata or {})
    meta[STAMP_KEY] = json.dumps({"table": name, **stamp}, sort_keys=True, ensure_ascii=False).encode()
    arrow = arrow.replace_schema_metadata(meta)
    path = out_dir / f"{name}.parquet"
    # a name of its own per process and thread: two writers never share a temporary file
    tmp = out_dir / f".{name}.parquet.{os.getpid()}.{threading.get_ident()}.tmp"
    try:
        pq.write_table(arrow, tmp, compression="zstd", write_statistics=True)
        tmp.replace(path)  # atomic: a reader sees the old table or the new one, never half of one
    finally:
        tmp.unlink(missing_ok=True)
    return path


def read_stamp(path: Path) -> dict[str, str]:
    """The stamp stored in a table file (empty when it has none)."""
    meta = pq.read_schema(path).metadata or {}
    raw = meta.get(STAMP_KEY)
    return json.loads(raw) if raw else {}


def _compare(stamp: Mapping[str, str], expected: Mapping[str, str], keys: Iterable[str]) -> list[str]:
    return [
        f"{k}: table has {str(stamp.get(k))[:12]}…, current inputs give {str(expected.get(k))[:12]}…"
        for k in keys
        if stamp.get(k) != expected.get(k)
    ]


STAMP_CHECKS = ("fazhi_version", "corpus_hash", "dictionary_hash", "lexicon_hash", "data_hash")


def read_table(
    name: str,
    folder: Path | None = None,
    *,
    check: bool = True,
    corpus: Path | None = None,
) -> pl.DataFrame:
    """Read a result table, refusing one made from other inputs than the current ones.

    Parameters
    ----------
    name
        The table's name, e.g. ``"documents"``.
    folder
        The processed-data folder; ``fazhi.paths.data_dir()`` by default.
    check
        Compare the table's stamp with the current package version, corpus, dictionary, lexicons and
        domain data files.
    corpus
        The corpus folder the tables should have been made from; ``fazhi.paths.corpus_dir()`` by default.

    Raises
    ------
    FileNotFoundError
        When the table has not been built (run ``fazhi build``).
    StaleTableError
        When the stamp does not match the current inputs.
    """
    folder = Path(folder) if folder is not None else data_dir()
    path = folder / f"{name}.parquet"
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist: run `fazhi build` first")
    if check:
        stamp = read_stamp(path)
        if not stamp:
            raise StaleTableError(f"{path} carries no fazhi stamp: run `fazhi build` again")
        expected = input_stamp(corpus if corpus is not None else _stamped_corpus(folder))
        problems = _compare(stamp, expected, STAMP_CHECKS)
        if problems:
            raise StaleTableError(
                f"{path} was made from other inputs than the current ones; run `fazhi build` again.\n  "
                + "\n  ".join(problems)
            )
    # The file holds its category columns (level, doc_type, theme, measure) as ``pl.Enum``; they are checked
    # against their vocabulary here and given back as text, as every stage and package function holds them
    # (a join of an Enum with a text column is refused by polars). ``schema.in_order`` sorts them.
    df = pl.read_parquet(path)
    return as_text(conform(name, df)) if name in TABLES else df


def _stamped_corpus(folder: Path) -> Path:
    """The corpus folder recorded by the build in ``build.json`` (falls back to the default corpus)."""
    info = folder / "build.json"
    if info.is_file():
        recorded = json.loads(info.read_text(encoding="utf-8")).get("corpus")
        if recorded and Path(recorded).is_dir():
            return Path(recorded)
    return corpus_dir()


def stamp_table(folder: Path | None = None) -> pl.DataFrame:
    """One row per table on disk with its stamp: for the Reproducibility page."""
    folder = Path(folder) if folder is not None else data_dir()
    rows = []
    for path in sorted(folder.glob("*.parquet")):
        s = read_stamp(path)
        rows.append(
            {
                "table": path.stem,
                "rows": pq.read_metadata(path).num_rows,
                "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                **{k: s.get(k) for k in ("fazhi_version", *STAMP_CHECKS[1:], "settings_hash")},
            }
        )
    return pl.DataFrame(rows)


__all__ = [
    "StaleTableError",
    "corpus_hash",
    "current_stamp",
    "data_hash",
    "dictionary_hash",
    "input_stamp",
    "lexicon_hash",
    "read_stamp",
    "read_table",
    "stamp_table",
    "write_table",
]
