"""Walking a corpus folder: every entry below it becomes a file to read or a reason it is not read.

In: a corpus folder. Out: :func:`walk_corpus` yields :class:`Entry` records in a deterministic order
(names compared as bytes, folder by folder). How: ``os.scandir`` recursively, never following a link
out of the corpus folder, never looping, never opening a FIFO or device; names that are not valid UTF-8
are shown with ``\\x`` escapes. Both the reader (``readers.read_corpus``) and the corpus hash
(``tables.corpus_hash``) use this walk, so the stamp covers exactly what the reader reads.

Rules (each problem is an :class:`Entry` with ``problem=(reason, detail)``, i.e. a ``rejected`` row):

- hidden entries (name starting with ``.``): not read, reason ``hidden`` (a hidden folder is one row);
- a symbolic link whose target lies outside the corpus folder: ``outside_corpus`` (not followed);
- a dangling link: ``dangling_link``; a link loop, or a link to a folder already being walked:
  ``symlink_loop``;
- a FIFO, socket or device: ``not_a_file``; a folder or file whose status cannot be read, or a
  folder that cannot be listed: ``unreadable``.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Entry:
    """One entry of a corpus folder: a regular file to read, or a problem to reject."""

    path: Path
    rel: str  # printable path relative to the corpus folder, '/'-separated
    collection: str  # printable folder relative to the corpus folder ('' at the root)
    problem: tuple[str, str] | None = None
    name_note: str | None = None  # set when the name is not valid UTF-8


def printable(name: str) -> tuple[str, bool]:
    """A file name as printable text, and whether it had to be escaped (not valid UTF-8)."""
    raw = os.fsencode(name)
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        return raw.decode("utf-8", "backslashreplace"), True


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _inside(target: str, root: str) -> bool:
    return target == root or target.startswith(root.rstrip(os.sep) + os.sep)


def walk_corpus(folder: Path) -> Iterator[Entry]:
    """Every file below ``folder`` as an :class:`Entry`; problems as entries with a ``problem``.

    Parameters
    ----------
    folder
        The corpus folder (must exist).
    """
    root = os.path.realpath(folder)
    yield from _walk(Path(folder), root, "", {root})


def _walk(folder: Path, root: str, prefix: str, active: set[str]) -> Iterator[Entry]:
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: os.fsencode(e.name))
    except OSError as e:
        yield Entry(
            folder,
            prefix.rstrip("/") or ".",
            prefix.rstrip("/"),
            ("unreadable", f"folder cannot be listed: {e.strerror}"),
        )
        return
    for de in entries:
        name, escaped = printable(de.name)
        rel = prefix + name
        coll = prefix.rstrip("/")
        path = Path(de.path)
        note = "file name is not valid UTF-8: shown with \\x escapes" if escaped else None
        if de.name.startswith("."):
            what = "folder" if de.is_dir(follow_symlinks=False) else "file"
            yield Entry(path, rel, coll, ("hidden", f"hidden {what}: not read"), note)
            continue
        try:
            is_link = de.is_symlink()
            if is_link:
                target = os.path.realpath(path)
                if not _inside(target, root):
                    yield Entry(
                        path,
                        rel,
                        coll,
                        ("outside_corpus", "symbolic link to a path outside the corpus folder: not followed"),
                        note,
                    )
                    continue
            st = os.stat(path)  # follows a link inside the corpus
        except FileNotFoundError:
            yield Entry(path, rel, coll, ("dangling_link", "symbolic link to nothing"), note)
            continue
        except OSError as e:
            if e.errno == errno.ELOOP:
                yield Entry(path, rel, coll, ("symlink_loop", "symbolic link loop"), note)
            else:
                yield Entry(path, rel, coll, ("unreadable", e.strerror or str(e)), note)
            continue
        if stat.S_ISDIR(st.st_mode):
            real = os.path.realpath(path)
            if real in active:
                yield Entry(
                    path,
                    rel,
                    coll,
                    ("symlink_loop", "link to a folder that contains it: not followed again"),
                    note,
                )
                continue
            yield from _walk(path, root, rel + "/", active | {real})
        elif stat.S_ISREG(st.st_mode):
            yield Entry(path, rel, coll, None, note)
        else:
            yield Entry(path, rel, coll, ("not_a_file", f"{_kind(st.st_mode)}: not read"), note)
