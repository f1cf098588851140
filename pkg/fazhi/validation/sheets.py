"""Coding sheets: export a sample for coders (CSV and XLSX, with the codebook) and import their codes.

In: a sample (``unit_id``, ``text``, optional metadata), the themes and the codebook text (the
package's ``data/codebook.md`` by default); later, one filled sheet (CSV or XLSX) per coder.
Out: ``write_sheets`` writes ``<stem>.csv`` (unit_id, text, one empty column per theme), ``<stem>.xlsx``
(sheet ``units`` with 0/1 drop-down validation, sheet ``codebook``) and ``codebook.md`` next to them;
``read_codes`` returns the codes of one coder and the rows it rejected (with a reason);
``merge_codes`` joins several coders into the wide layout ``<theme>_<coder>`` used by ``agreement``.
How: openpyxl writes and reads the workbook; a code is accepted when it is 0 or 1 (also "0"/"1", 0.0);
a blank cell is missing (null); anything else, an unknown or repeated unit_id, is rejected, never
dropped silently.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path

import polars as pl

from ..paths import PACKAGE_DATA
from ._common import THEMES

CODEBOOK_FILE = PACKAGE_DATA / "codebook.md"


def codebook() -> str:
    """The codebook the package's validation sample was coded with (Markdown)."""
    return CODEBOOK_FILE.read_text(encoding="utf-8")


def write_sheets(
    sample: pl.DataFrame,
    folder: Path,
    *,
    themes: Sequence[str] = THEMES,
    stem: str = "coding_sheet",
    codebook_text: str | None = None,
    context: Sequence[str] = (),
) -> dict[str, Path]:
    """Write blank coding sheets for ``sample``; returns the paths written (keys csv, xlsx, codebook).

    The sheets hold ``unit_id``, the ``context`` columns asked for (e.g. ``doc``; never the stratum or
    weight, which would hint at the answer), ``text`` and one empty column per theme.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    for col in ("unit_id", "text", *context):
        if col not in sample.columns:
            raise ValueError(f"sample has no {col!r} column")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    header = ["unit_id", *context, "text", *themes]
    rows = [
        [str(r[c]) for c in ("unit_id", *context, "text")] + [""] * len(themes)
        for r in sample.iter_rows(named=True)
    ]
    paths = {
        "csv": folder / f"{stem}.csv",
        "xlsx": folder / f"{stem}.xlsx",
        "codebook": folder / "codebook.md",
    }
    with paths["csv"].open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    text = codebook_text if codebook_text is not None else codebook()
    paths["codebook"].write_text(text, encoding="utf-8")
    wb = Workbook()
    ws = wb.active
    ws.title = "units"
    ws.append(header)
    for c in ws[1]:
        c.font = Font(bold=True)
    for r in rows:
        ws.append(r)
    tcol = header.index("text") + 1
    ws.column_dimensions[ws.cell(1, tcol).column_letter].width = 90
    for row in ws.iter_rows(min_row=2, min_col=tcol, max_col=tcol):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    if rows:
        dv = DataValidation(type="list", formula1='"0,1"', allow_blank=True)
        ws.add_data_validation(dv)
        for k in range(len(themes)):
            letter = ws.cell(1, len(header) - len(themes) + 1 + k).column_letter
            dv.add(f"{letter}2:{letter}{len(rows) + 1}")
    ws.freeze_panes = "B2"
    cb = wb.create_sheet("codebook")
    for line in text.splitlines():
        cb.append([line])
    cb.column_dimensions["A"].width = 120
    # fixed workbook metadata, so the same sample writes the same bytes apart from the zip timestamps
    wb.properties.creator = "fazhi"
    wb.save(paths["xlsx"])
    return paths


def _read_rows(path: Path) -> list[dict[str, object]]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True, data_only=True)
        ws = wb["units"] if "units" in wb.sheetnames else wb.worksheets[0]
        it = ws.iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(it, [])]
        out = [dict(zip(header, row, strict=False)) for row in it if any(v is not None for v in row)]
        wb.close()
        return out
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _code(value: object) -> int | None | str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return "not 0/1"
    if isinstance(value, (int, float)) and value in (0, 1):
        return int(value)
    if isinstance(value, str) and value.strip() in ("0", "1", "0.0", "1.0"):
        return int(float(value.strip()))
    return "not 0/1"


def read_codes(
    path: Path, *, themes: Sequence[str] = THEMES, units: Sequence[str] | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Read one coder's sheet (CSV or XLSX).

    Returns
    -------
    (codes, rejected)
        ``codes``: ``unit_id`` and one Int64 column per theme (null = left blank), in file order.
        ``rejected``: ``row`` (1-based data row), ``unit_id``, ``reason`` for every row not taken
        (no unit_id, unknown unit_id when ``units`` is given, repeated unit_id, a code other than 0/1).
    """
    path = Path(path)
    rows = _read_rows(path)
    if rows:
        missing = [c for c in ("unit_id", *themes) if c not in rows[0]]
        if missing:
            raise ValueError(f"{path.name}: no column(s) {', '.join(missing)}")
    known = set(units) if units is not None else None
    good: list[dict[str, object]] = []
    bad: list[dict[str, object]] = []
    seen: set[str] = set()
    for i, r in enumerate(rows, 1):
        uid = str(r.get("unit_id") or "").strip()
        reason = ""
        parsed = {t: _code(r.get(t)) for t in themes}
        if not uid:
            reason = "no unit_id"
        elif known is not None and uid not in known:
            reason = "unknown unit_id"
        elif uid in seen:
            reason = "repeated unit_id"
        else:
            wrong = [t for t, v in parsed.items() if isinstance(v, str)]
            if wrong:
                reason = f"code not 0/1 for {', '.join(wrong)}"
        if reason:
            bad.append({"row": i, "unit_id": uid or None, "reason": reason})
            continue
        seen.add(uid)
        good.append({"unit_id": uid, **parsed})
    schema: dict[str, pl.DataType] = {"unit_id": pl.String, **{t: pl.Int64 for t in themes}}
    return (
        pl.DataFrame(good, schema=schema),
        pl.DataFrame(bad, schema={"row": pl.Int64, "unit_id": pl.String, "reason": pl.String}),
    )


def merge_codes(coders: Mapping[str, pl.DataFrame], *, themes: Sequence[str] = THEMES) -> pl.DataFrame:
    """Join the codes of two or more coders (name -> frame from ``read_codes``) into one row per unit
    with ``<theme>_<coder>`` columns; a unit one coder did not code gets nulls for that coder."""
    if len(coders) < 2:
        raise ValueError("give the codes of at least two coders")
    out: pl.DataFrame | None = None
    for name, frame in coders.items():
        part = frame.select("unit_id", *[pl.col(t).alias(f"{t}_{name}") for t in themes])
        out = (
            part
            if out is None
            else out.join(part, on="unit_id", how="full", coalesce=True, maintain_order="left")
        )
    assert out is not None
    cols = [f"{t}_{c}" for t in themes for c in coders]
    return out.select("unit_id", *cols)
