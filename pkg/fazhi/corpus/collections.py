"""Collection files: JSON Lines, JSON, CSV/TSV and parquet, one document per row.

In: a file and its kind (``jsonl``, ``json``, ``csv``, ``tsv``, ``parquet``), an optional text column
name, and a size limit. Out: :func:`open_rows` gives a :class:`RowFile`: the encoding, the repairs made
while decoding, and a lazy iterator of :class:`Row` (its 1-based number, its text, the metadata taken
from its other columns, its own id if it has one, or the problem that makes it a ``rejected`` row).

How: JSON Lines, CSV/TSV and parquet are streamed (line by line, record by record, batch by batch), so
a large file never sits in memory whole; a JSON array is parsed whole and is therefore size-limited.
The text column is the one named on the command line, else the first of the names in
``data/collection_columns.toml``, else the column holding the most Chinese characters in the first rows
(if one of its cells holds at least ``min_hanzi``). Metadata columns map to document fields by name
(same file). A row that fails (a line that is not JSON, an empty text, a cell above the size limit) is
one ``rejected`` row; the rest of the file loads.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from ..paths import PACKAGE_DATA
from .decode import _CJK, Rejected, decode_text

COLUMNS_FILE = PACKAGE_DATA / "collection_columns.toml"
ROW_KINDS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".tsv": "tsv",
    ".parquet": "parquet",
}
SAMPLE_ROWS = 20  # rows looked at to find the text column when no column name says it
HEAD_BYTES = 1 << 20  # bytes looked at to find a streamed CSV's encoding


@dataclass
class Row:
    """One row of a collection file: a document's text and given metadata, or a problem."""

    number: int
    text: str | None = None
    given: dict[str, str] = field(default_factory=dict)
    row_id: str | None = None
    problem: tuple[str, str] | None = None


@dataclass
class RowFile:
    """An opened collection file: its encoding, the repairs made decoding it, and its rows (lazy)."""

    encoding: str
    notes: list[str]
    rows: Iterator[Row]
    text_column: list[str] = field(default_factory=list)  # filled in once the rows are being read


@dataclass(frozen=True)
class ColumnRules:
    """The column names of ``collection_columns.toml``, normalised."""

    text_names: tuple[str, ...]
    min_hanzi: int
    fields: dict[str, tuple[str, ...]]


def normalise_column_name(name: str) -> str:
    """A column name as names are compared: lower case, without spaces, ``_`` and ``-`` (Full Text ≡
    full_text)."""
    return re.sub(r"[\s_\-]+", "", str(name).lower())


_key = normalise_column_name


@cache
def column_rules() -> ColumnRules:
    """The text-column names and metadata-column names, from ``data/collection_columns.toml``."""
    data = tomllib.loads(COLUMNS_FILE.read_text(encoding="utf-8"))
    return ColumnRules(
        text_names=tuple(_key(n) for n in data["text"]["names"]),
        min_hanzi=int(data["text"]["min_hanzi"]),
        fields={f: tuple(_key(n) for n in names) for f, names in data["fields"].items()},
    )


def choose_text_column(
    columns: list[str], sample: list[dict[str, object]], text_column: str | None = None
) -> str:
    """The text column of a collection: given, named, or the one with the most Chinese.

    Raises
    ------
    Rejected
        ``no_text_column`` when the given column is absent or no column holds document text.
    """
    rules = column_rules()
    shown = ", ".join(repr(c) for c in columns[:12]) or "none"
    if text_column is not None:
        if text_column in columns:
            return text_column
        by_key = {_key(c): c for c in columns}
        if _key(text_column) in by_key:
            return by_key[_key(text_column)]
        raise Rejected(
            "no_text_column", f"no column {text_column!r} (given by --text-column); columns: {shown}"
        )
    by_key = {}
    for c in columns:
        by_key.setdefault(_key(c), c)
    for name in rules.text_names:
        if name in by_key:
            return by_key[name]
    best: tuple[int, int, str] | None = None
    for c in columns:
        counts = [len(_CJK.findall(v)) for r in sample if isinstance(v := r.get(c), str)]
        if counts and (best is None or sum(counts) > best[0]):
            best = (sum(counts), max(counts), c)
    if best is not None and best[1] >= rules.min_hanzi:
        return best[2]
    raise Rejected(
        "no_text_column",
        "no column named like a text column (content, text, full_text, 正文...) and none holds "
        f"{rules.min_hanzi}+ Chinese characters; columns: {shown}. Name it with --text-column",
    )


def given_metadata(record: dict[str, object], text_column: str) -> tuple[dict[str, str], str | None]:
    """Metadata a row gives in its other columns, by field (see ``collection_columns.toml``), and its id."""
    rules = column_rules()
    by_key: dict[str, object] = {}
    for k, v in record.items():
        if k is None or k == text_column:
            continue
        by_key.setdefault(_key(k), v)
    given: dict[str, str] = {}
    for fld, names in rules.fields.items():
        for name in names:
            v = by_key.get(name)
            if v is None or isinstance(v, (dict, list)):
                continue
            s = str(v).replace("\x00", "").strip()
            if s:
                given[fld] = s
                break
    row_id = given.pop("row_id", None)
    return given, row_id


def _make_row(number: int, record: dict[str, object], column: str, max_bytes: int) -> Row:
    value = record.get(column)
    given, row_id = given_metadata(record, column)
    if value is None or (isinstance(value, str) and not value.strip()):
        return Row(
            number,
            given=given,
            row_id=row_id,
            problem=("empty", f"row {number}: the text column {column!r} is empty"),
        )
    if isinstance(value, (dict, list, bytes)):
        kind = type(value).__name__
        return Row(
            number,
            given=given,
            row_id=row_id,
            problem=("not_text", f"row {number}: the text column {column!r} holds a {kind}"),
        )
    text = str(value)
    if len(text) > max_bytes // 4 and len(text.encode("utf-8")) > max_bytes:
        return Row(
            number,
            given=given,
            row_id=row_id,
            problem=("too_large", f"row {number}: its text is above the {max_bytes:,}-byte limit"),
        )
    return Row(number, text, given, row_id)


Record = tuple[int, "dict[str, object] | None", "tuple[str, str] | None"]


def _rows(
    records: Iterable[Record],
    *,
    columns: list[str] | None,
    text_column: str | None,
    max_bytes: int,
    chosen: list[str],
) -> Iterator[Row]:
    """Rows from numbered records and the text column: by name when a column name says it, else from a sample.

    Only when no column is named (or given) are records held back: at most ``SAMPLE_ROWS`` of them, and
    no more than ``max_bytes`` of text, to find the column holding the most Chinese.
    """

    def by_name(cols: list[str]) -> str | None:
        if not cols:
            return None
        try:
            return choose_text_column(cols, [], text_column)
        except Rejected:
            return None

    it = iter(records)
    buffered: list[Record] = []
    seen = list(columns or [])
    column = by_name(seen) if columns is not None else None
    good = held = 0
    while column is None:
        rec = next(it, None)
        if rec is None:
            break
        buffered.append(rec)
        if rec[1] is None:
            continue
        good += 1
        held += sum(len(v) for v in rec[1].values() if isinstance(v, str))
        if columns is None:
            seen = list(dict.fromkeys([*seen, *(k for k in rec[1] if isinstance(k, str))]))
            column = by_name(seen)
        if good >= SAMPLE_ROWS or held > max_bytes:
            break
    if column is None:
        sample = [r for _, r, _ in buffered if r is not None]
        column = choose_text_column(seen, sample, text_column) if sample or seen else None
    if column is not None:
        chosen.append(column)
    for source in (buffered, it):
        for number, record, problem in source:
            if record is None or column is None:
                yield Row(number, problem=problem or ("empty", f"row {number}: no fields"))
            else:
                yield _make_row(number, record, column, max_bytes)


# ------------------------------------------------------------------------------------------ formats


def _json_line(line: bytes) -> object:
    """One JSON Lines line: UTF-8 as the format says, else decoded like any text (GBK exports exist)."""
    try:
        return json.loads(line)
    except UnicodeDecodeError:
        return json.loads(decode_text(line).text)


def _jsonl_records(path: Path, max_bytes: int) -> Iterator[Record]:
    with open(path, "rb") as f:
        number = 0
        while True:
            line = f.readline(max_bytes + 1)
            if not line:
                return
            number += 1
            if len(line) > max_bytes and not line.endswith(b"\n"):
                while (chunk := f.readline(1 << 20)) and not chunk.endswith(b"\n"):
                    pass  # skip the rest of an over-long line without holding it
                yield number, None, ("too_large", f"line {number} is above the {max_bytes:,}-byte limit")
                continue
            if number == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            if not line.strip():
                continue  # blank lines are not rows
            try:
                obj = _json_line(line)
            except (ValueError, Rejected) as e:
                msg = getattr(e, "msg", str(e))
                col = getattr(e, "colno", None)
                yield (
                    number,
                    None,
                    ("bad_json", f"line {number} is not JSON: {msg}" + (f" (column {col})" if col else "")),
                )
                continue
            if not isinstance(obj, dict):
                yield (
                    number,
                    None,
                    ("bad_json", f"line {number} is a JSON {type(obj).__name__}, not an object"),
                )
                continue
            yield number, obj, None


def _json_records(path: Path, max_bytes: int) -> tuple[str, list[str], list[Record]]:
    size = path.stat().st_size
    if size > max_bytes:
        raise Rejected(
            "too_large",
            (
                f"a JSON file is read whole and this one is above the {max_bytes:,}-byte limit: convert it "
                "to JSON Lines"
            ),
        )
    decoded = decode_text(path.read_bytes())
    try:
        data = json.loads(decoded.text)
    except ValueError as e:
        raise Rejected(
            "bad_json",
            (
                f"not JSON: {getattr(e, 'msg', e)} (line {getattr(e, 'lineno', '?')}, column "
                f"{getattr(e, 'colno', '?')})"
            ),
        ) from e
    if isinstance(data, dict):
        lists = [
            v for v in data.values() if isinstance(v, list) and v and all(isinstance(x, dict) for x in v)
        ]
        items = lists[0] if len(lists) == 1 else [data]
    elif isinstance(data, list):
        items = data
    else:
        raise Rejected("bad_json", f"a JSON {type(data).__name__}, not an array of objects")
    records: list[Record] = []
    for i, item in enumerate(items, start=1):
        if isinstance(item, dict):
            records.append((i, item, None))
        else:
            records.append(
                (i, None, ("bad_json", f"item {i} is a JSON {type(item).__name__}, not an object"))
            )
    return decoded.encoding, decoded.notes, records


def _delimiter(header: str, kind: str) -> str:
    if kind == "tsv":
        return "\t"
    counts = {d: header.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


def _csv_records(path: Path, kind: str, max_bytes: int) -> tuple[str, list[str], list[str], Iterator[Record]]:
    size = path.stat().st_size
    if size <= max_bytes:
        decoded = decode_text(path.read_bytes())
        stream: io.TextIOBase = io.StringIO(decoded.text.lstrip("\ufeff"), newline="")
    else:  # streamed: the encoding is found on the head of the file
        with open(path, "rb") as f:
            head = f.read(HEAD_BYTES)
        cut = head.rfind(b"\n")
        decoded = decode_text(head[: cut + 1] if cut > 0 else head)
        if decoded.notes:
            raise Rejected(
                "too_large",
                (
                    f"above {max_bytes:,} bytes and its head needs repairs ({'; '.join(decoded.notes)}): "
                    "cannot be streamed"
                ),
            )
        stream = open(path, encoding=decoded.encoding, errors="strict", newline="")  # noqa: SIM115 - closed below
    first = stream.readline()
    stream.seek(0)
    reader = csv.reader(stream, delimiter=_delimiter(first, kind))
    try:
        header = next(reader)
    except (StopIteration, csv.Error, UnicodeDecodeError) as e:
        stream.close()
        raise Rejected(
            "empty" if isinstance(e, StopIteration) else "damaged", f"no readable header row ({e})"
        ) from None
    header = [h.lstrip("\ufeff").strip() for h in header]

    def records() -> Iterator[Record]:
        old = csv.field_size_limit()
        csv.field_size_limit(min(max_bytes, sys.maxsize))
        number = 0
        try:
            while True:
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except (csv.Error, UnicodeDecodeError) as e:
                    reason = "too_large" if "field larger" in str(e) else "damaged"
                    yield (
                        number + 1,
                        None,
                        (reason, f"row {number + 1} and the rest of the file cannot be read: {e}"),
                    )
                    return
                number += 1
                if not any(c.strip() for c in cells):
                    number -= 1
                    continue  # blank lines are not rows
                yield number, dict(zip(header, cells, strict=False)), None
        finally:
            csv.field_size_limit(old)
            stream.close()

    return decoded.encoding, decoded.notes, header, records()


def _parquet_records(path: Path) -> tuple[list[str], Iterator[Record]]:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
        columns = list(pf.schema_arrow.names)
    except Exception as e:
        raise Rejected("damaged", f"not a readable parquet file ({type(e).__name__}: {e})") from e

    def records() -> Iterator[Record]:
        number = 0
        try:
            for batch in pf.iter_batches(batch_size=64):
                for rec in batch.to_pylist():
                    number += 1
                    yield number, rec, None
        except Exception as e:  # noqa: BLE001
            yield (
                number + 1,
                None,
                ("damaged", f"row {number + 1} and the rest cannot be read ({type(e).__name__}: {e})"),
            )

    return columns, records()


def open_rows(path: Path, kind: str, *, text_column: str | None = None, max_bytes: int) -> RowFile:
    """Open a collection file; its rows are read lazily (see the module docstring).

    Raises
    ------
    Rejected
        For the whole file: ``bad_json`` (a JSON file that does not parse), ``too_large``, ``damaged``,
        ``undecodable``/``mojibake``; ``no_text_column`` is raised while reading the rows.
    """
    chosen: list[str] = []
    if kind == "jsonl":
        rows = _rows(
            _jsonl_records(path, max_bytes),
            columns=None,
            text_column=text_column,
            max_bytes=max_bytes,
            chosen=chosen,
        )
        return RowFile("utf-8", [], rows, chosen)
    if kind == "json":
        encoding, notes, records = _json_records(path, max_bytes)
        return RowFile(
            encoding,
            notes,
            _rows(records, columns=None, text_column=text_column, max_bytes=max_bytes, chosen=chosen),
            chosen,
        )
    if kind in ("csv", "tsv"):
        encoding, notes, header, recs = _csv_records(path, kind, max_bytes)
        return RowFile(
            encoding,
            notes,
            _rows(recs, columns=header, text_column=text_column, max_bytes=max_bytes, chosen=chosen),
            chosen,
        )
    if kind == "parquet":
        columns, recs = _parquet_records(path)
        return RowFile(
            "utf-8",
            [],
            _rows(recs, columns=columns, text_column=text_column, max_bytes=max_bytes, chosen=chosen),
            chosen,
        )
    raise ValueError(f"not a collection kind: {kind}")
