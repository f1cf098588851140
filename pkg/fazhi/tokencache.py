"""The token cache: checksummed Arrow files of cut texts, keyed by text hash and tokeniser settings.

In: frames ``token, start, end, pos, keep`` of batches of texts cut together, with each text's hash
and row count. Out: the same frames again for texts already cut, verified byte for byte, or nothing.

How: one folder per cut setting (engine, version, HMM, user dictionary: ``Tokenizer.cut_hash``)::

    <root>/tokens/<cut_hash>/<batch_id>.arrow       token, start, end, pos of all its texts
    <root>/tokens/<cut_hash>/<batch_id>.json        its index and checksum (see below)
    <root>/tokens/<cut_hash>/keep/<settings_hash>/<batch_id>.keep   the filter verdicts (raw bytes),
                                                    followed by the 16-byte XXH3-128 digest of those bytes

The Arrow file's schema metadata lists (text hash, row count) of its texts in order. The ``.json``
sidecar repeats that index with the file's size and XXH3-128 digest, and a digest of itself: the index
is read from the sidecars (no Arrow file is opened to find an entry), and a batch file is verified, byte
for byte, before it is parsed and memory-mapped. An entry whose file or sidecar fails a check is
dropped with a ``CacheIntegrityWarning`` and its texts are cut again; an entry without a sidecar (a
cache written before checksums) is a silent miss. Changing a filter setting (stopwords …) keeps the
cut and recomputes only ``keep``, stored beside it under the new ``settings_hash``. One file per batch
rather than per text: opening a thousand small files costs more than cutting them. Every file is
written under another name and renamed into place, so a reader never sees half a file; a write that
fails (a full disk, a file where a folder should be) costs a ``CacheWriteWarning``, never a build.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

INDEX_KEY = b"fazhi.texts"
COLUMNS = ("token", "start", "end", "pos")
_SIDECAR_FORMAT = 1
_DIGEST_BYTES = 16


class CacheIntegrityWarning(RuntimeWarning):
    """A token-cache entry failed its checksum (a damaged or altered file): it was recomputed."""


class CacheWriteWarning(RuntimeWarning):
    """A token-cache entry could not be written (a full disk, a read-only cache): the run goes on."""


def text_hash(text: str) -> str:
    """SHA-256 of a text (UTF-8): the key of its cache entry."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _digest(data: Any) -> bytes:
    import xxhash

    return xxhash.xxh3_128_digest(data)


def _file_digest(path: Path) -> tuple[int, str]:
    """Size and hex XXH3-128 digest of a file, read in blocks."""
    import xxhash

    h, size = xxhash.xxh3_128(), 0
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
            size += len(block)
    return size, h.hexdigest()


def _warn(path: Path, what: str) -> None:
    """Warn that a cache entry failed a check (returns None: the caller's "no entry")."""
    warnings.warn(
        f"token cache entry {path} {what}; its tokens were recomputed (the entry is replaced)",
        CacheIntegrityWarning,
        stacklevel=4,
    )


def _atomic_write(path: Path, write: Callable[[Path], Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        write(tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def _sidecar_body(fields: dict[str, Any]) -> str:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"))


def _sidecar(path: Path) -> Path:
    return path.with_suffix(".json")


class _Index(list):  # type: ignore[type-arg]
    """A sidecar's list of (text hash, row count), with the batch file's size and digest."""

    def __init__(self, texts: list[tuple[str, int]], *, size: int, digest: str) -> None:
        super().__init__(texts)
        self.size, self.digest = size, digest


def read_sidecar(path: Path) -> _Index | None:
    """The verified index (text hash, row count) of batch file ``path``, carrying the file's expected
    ``size`` and XXH3-128 ``digest``; None when there is no sidecar, or (warned, removed) a damaged one."""
    side = _sidecar(path)
    try:
        raw = json.loads(side.read_text(encoding="utf-8"))
        fields = {k: raw[k] for k in ("format", "size", "xxh3_128", "texts")}
        ok = (
            raw.get("self") == _digest(_sidecar_body(fields).encode()).hex()
            and fields["format"] == _SIDECAR_FORMAT
        )
        texts = [(str(h), int(n)) for h, n in fields["texts"]]
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        ok, texts = False, []
    if not ok or any(n < 0 for _, n in texts):
        _warn(side, "has a damaged index")
        side.unlink(missing_ok=True)
        return None
    return _Index(texts, size=fields["size"], digest=fields["xxh3_128"])


def read_index(folder: Path) -> dict[str, tuple[Path, int, int]]:
    """text hash -> (batch file, first row, row count), over the batch files of ``folder`` with a valid
    sidecar."""
    out: dict[str, tuple[Path, int, int]] = {}
    for path in sorted(folder.glob("*.arrow")) if folder.is_dir() else ():
        offset = 0
        for h, n in read_sidecar(path) or ():
            out.setdefault(h, (path, offset, n))
            offset += n
    return out


def _drop(path: Path) -> None:
    for p in (path, _sidecar(path)):
        with contextlib.suppress(OSError):
            p.unlink()


def _read_cut(path: Path) -> pl.DataFrame | None:
    """A batch file's frame, only when its bytes match the size, checksum and index of its sidecar."""
    import pyarrow as pa
    from pyarrow import ipc

    index = read_sidecar(path)
    if index is None:
        return None
    try:
        size, digest = _file_digest(path)
    except OSError:
        return None
    if size != index.size or digest != index.digest:
        return _warn(path, "failed its checksum")
    try:
        with pa.memory_map(str(path)) as src:
            df = pl.from_arrow(ipc.open_file(src).read_all())
    except BaseException as e:  # pyo3's PanicException derives from BaseException, not Exception
        if isinstance(e, (KeyboardInterrupt, SystemExit)):
            raise
        return _warn(path, f"could not be read ({type(e).__name__})")
    if (
        not isinstance(df, pl.DataFrame)
        or df.height != sum(n for _, n in index)
        or df.columns != list(COLUMNS)
    ):
        return _warn(path, "does not match its index")
    return df


def _read_keep(path: Path, rows: int) -> pl.Series | None:
    """The verified filter verdicts of ``rows`` tokens; None when absent or damaged (warned)."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    if len(raw) != rows + _DIGEST_BYTES:
        if len(raw) != rows:  # exactly ``rows`` bytes is the format before checksums: a silent miss
            _warn(path, "has the wrong size")
        return None
    body, digest = raw[:rows], raw[rows:]
    if _digest(body) != digest:
        return _warn(path, "failed its checksum")
    values = np.frombuffer(body, dtype=np.uint8)
    if values.max(initial=0) > 1:
        return _warn(path, "holds values other than true and false")
    return pl.Series("keep", values.astype(np.bool_), dtype=pl.Boolean)


class TokenCache:
    """The entries of one cut setting (``cut_hash``), with the verdicts of one filter setting
    (``settings_hash``)."""

    def __init__(self, root: Path, *, cut_hash: str, settings_hash: str) -> None:
        self.folder = Path(root) / "tokens" / cut_hash[:24]
        self._keep_dir = self.folder / "keep" / settings_hash[:24]

    def _keep_path(self, path: Path) -> Path:
        return self._keep_dir / (path.stem + ".keep")

    def lookup(self, hashes: Sequence[str]) -> dict[Path, list[tuple[int, int, int]]]:
        """Cached ``hashes`` by batch file: (position in ``hashes``, first row, row count)."""
        where = {h: i for i, h in enumerate(hashes)}
        hits: dict[Path, list[tuple[int, int, int]]] = {}
        for h, (path, offset, n) in read_index(self.folder).items():
            if h in where:
                hits.setdefault(path, []).append((where[h], offset, n))
        return hits

    def load(self, path: Path, keep_of: Callable[[pl.Series], pl.Series]) -> pl.DataFrame | None:
        """A verified batch file with its ``keep`` column (stored, else ``keep_of(tokens)``, then stored);
        None when it is missing or fails a check (it is then removed, and its texts are cut again)."""
        df = _read_cut(path)
        if df is None:
            _drop(path)
            return None
        kp = self._keep_path(path)
        keep = _read_keep(kp, df.height)
        if keep is None:
            keep = keep_of(df["token"])
            self._write(kp, lambda: self._write_keep(kp, keep))
        return df.with_columns(keep)

    def store(self, df: pl.DataFrame, hashes: Sequence[str], counts: np.ndarray) -> None:
        """Add the batch ``df`` of the texts ``hashes`` (``counts[i]`` rows each), with its verdicts."""
        batch_id = hashlib.sha256("\n".join(hashes).encode()).hexdigest()[:40]
        path = self.folder / f"{batch_id}.arrow"
        if self._write(path, lambda: self._write_cut(path, df, hashes, counts)):
            self._write(path, lambda: self._write_keep(self._keep_path(path), df["keep"]))

    @staticmethod
    def _write(path: Path, write: Callable[[], None]) -> bool:
        try:
            write()
        except OSError as e:
            _drop(path)
            warnings.warn(
                f"token cache not written ({e.strerror or e}): {path}", CacheWriteWarning, stacklevel=3
            )
            return False
        return True

    @staticmethod
    def _write_cut(path: Path, df: pl.DataFrame, hashes: Sequence[str], counts: np.ndarray) -> None:
        import pyarrow as pa
        from pyarrow import ipc

        texts = [[h, int(c)] for h, c in zip(hashes, counts)]
        table = df.select(COLUMNS).to_arrow(compat_level=pl.CompatLevel.newest())
        table = table.replace_schema_metadata({INDEX_KEY: json.dumps(texts).encode()})

        def write(tmp: Path) -> None:
            with pa.OSFile(str(tmp), "wb") as sink, ipc.new_file(sink, table.schema) as writer:
                writer.write_table(table)
            size, digest = _file_digest(tmp)
            fields = {"format": _SIDECAR_FORMAT, "size": size, "xxh3_128": digest, "texts": texts}
            side = {**fields, "self": _digest(_sidecar_body(fields).encode()).hex()}
            # the sidecar first: a batch file is never published without the checksum it must match
            _atomic_write(_sidecar(path), lambda t: t.write_text(json.dumps(side), encoding="utf-8"))

        _atomic_write(path, write)

    @staticmethod
    def _write_keep(path: Path, keep: pl.Series) -> None:
        body = keep.to_numpy().astype(np.bool_).tobytes()
        _atomic_write(path, lambda tmp: tmp.write_bytes(body + _digest(body)))


__all__ = ["CacheIntegrityWarning", "CacheWriteWarning", "TokenCache", "read_index", "text_hash"]
