"""Accuracy of metadata inference against gold metadata written by reading the documents.

In: a ``documents`` table (as ``fazhi.read_corpus`` makes it: ``source_file`` plus the inferred
``title``, ``issuer``, ``region``, ``level``, ``doc_type``, ``period``/``period_start``/``period_end``
or ``year``, ``published``) and a gold table (``source_file`` plus the same fields, empty where the
text does not say). The development set in ``tests/data/devset`` (documents from government websites
that no rule was tuned on, see its README) is the default gold.

Out: per field, the number of gold values, the number inference got right, the accuracy and its
Wilson 95% interval (:func:`metadata_accuracy`); every wrong field with both values, for reading
(:func:`errors`); the table for the development set (or the fresh set, :func:`fresh_dir`) in one call
(:func:`score_devset`, one half with ``half=``, both halves and the whole with :func:`score_devset_by_half`;
:func:`load_devset` gives its documents and gold, for :func:`errors`). The set is split by
:func:`devset_half`: odd file numbers are the development half (its errors are read while writing rules),
even numbers the check half (only scored).

How: documents are joined to gold on ``source_file``; a field is scored only where gold has a value
(an empty gold cell means the text does not say it, so nothing is asked of inference); a gold
document that did not load, or whose field inference left empty, counts as wrong. Values are compared
after normalisation, and the rules are deliberately narrow (see :data:`RULES`):

- every field: Unicode NFKC, all whitespace removed;
- ``title``: punctuation removed as well (a title is right when its words are);
- ``issuer``: equal, or equal once a trailing 人民政府/政府 is dropped from both (中阳县政府 ≡
  中阳县人民政府), or one is the other with a parent jurisdiction's name in front (天津市静海区人民政府 ≡
  静海区人民政府); when gold lists several joint issuers (separated by spaces or 、), naming any one
  of them is right;
- ``region``: equal, or equal once a trailing administrative suffix (省, 市, 自治区, 自治州, 州, 地区,
  盟, 自治县, 县, 区, 旗, 乡, 镇, 街道) is dropped from both (广东 ≡ 广东省);
- ``level`` and ``doc_type``: exact, case-insensitive;
- ``year``: as integers. The prediction is the documents' ``year`` column when there is one, else
  ``period_start`` when the period is a single year (a span such as 2021–2025 is not a year);
- ``published``: as ISO dates (YYYY-MM-DD).

Traditional and simplified characters are *not* treated as equal: gold is written in simplified
characters, so inference that does not convert traditional text misses those titles.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from statistics import NormalDist

import polars as pl

from .paths import project_root
from .schema import DOC_TYPES as _SCHEMA_DOC_TYPES
from .schema import LEVELS as _SCHEMA_LEVELS

FIELDS: tuple[str, ...] = ("title", "issuer", "region", "level", "doc_type", "year", "published")
GOLD_COLUMNS: tuple[str, ...] = ("source_file", "source_url", *FIELDS, "notes")

# The gold vocabularies: the build's own (data/levels.toml, data/genres.toml; the development set README
# defines each value).
LEVELS: tuple[str, ...] = tuple(_SCHEMA_LEVELS)
DOC_TYPES: tuple[str, ...] = tuple(_SCHEMA_DOC_TYPES)

RULES: dict[str, str] = {
    "title": "NFKC, whitespace and punctuation removed, then equal",
    "issuer": (
        "NFKC, whitespace removed; equal, or equal without a trailing 人民政府/政府, or equal but for "
        "a parent jurisdiction prefix; any one of joint issuers"
    ),
    "region": "NFKC, whitespace removed; equal, or equal without a trailing administrative suffix",
    "level": "equal (case-insensitive)",
    "doc_type": "equal (case-insensitive)",
    "year": "equal as integers (year column, else a single-year period)",
    "published": "equal as ISO dates",
}

_Z95 = NormalDist().inv_cdf(0.975)
_WS = re.compile(r"\s+")
_GOV_SUFFIX = re.compile(r"(人民政府|政府)$")
_REGION_SUFFIX = re.compile(r"(特别行政区|自治区|自治州|自治县|自治旗|地区|街道|省|市|州|盟|县|区|旗|乡|镇)$")
_PARENT_PREFIX = re.compile(r"^.{2,12}?(省|自治区|市|自治州|州|地区|盟)")
# What must remain after a parent prefix is dropped: itself a named jurisdiction (静海区…), not a bare body.
_JURISDICTION_START = re.compile(
    r"^[\u4e00-\u9fff]{1,10}?(自治区|自治州|自治县|地区|街道|省|市|州|盟|县|区|旗|乡|镇)"
)
_JOINT_SEP = re.compile(r"[\s、,，;；]+")


HALVES: tuple[str, ...] = ("development", "check")


def devset_half(source_file: str) -> str:
    """Which half of the development set a file belongs to: ``development`` when the number its name
    starts with is odd (``001_xinjiang.txt``), ``check`` when it is even.

    Rules are written by reading the errors of the development half only; the check half is scored at
    the end of each round and stands in for documents nobody read (see the devset README).

    Raises
    ------
    ValueError
        When the name does not start with a number.
    """
    m = re.match(r"\s*(\d+)", Path(source_file).name)
    if not m:
        raise ValueError(f"{source_file!r}: a devset file name starts with its number (001_place.txt)")
    return "development" if int(m.group(1)) % 2 else "check"


def devset_dir() -> Path:
    """The development set folder: ``<project>/tests/data/devset`` (``docs/``, ``gold.csv``, README)."""
    return project_root() / "tests" / "data" / "devset"


def fresh_dir() -> Path:
    """The fresh evaluation set: ``<project>/tests/data/devset_fresh`` (40 documents collected after the rules
    of the development set were written, gold coded before any prediction; see its README)."""
    return project_root() / "tests" / "data" / "devset_fresh"


def heldout_dir() -> Path:
    """The held-out evaluation set: ``<project>/tests/data/devset_heldout`` (documents collected after the
    rules of issue 13 were final, gold coded and committed before one scoring run; no rule may be changed
    from it, see its README)."""
    return project_root() / "tests" / "data" / "devset_heldout"


def heldout2_dir() -> Path:
    """The second held-out set: ``<project>/tests/data/devset_heldout2`` (documents collected after the rules
    written from the first held-out set's errors, gold coded and committed before any prediction; it is to be
    scored once, after the rules are frozen, see its README)."""
    return project_root() / "tests" / "data" / "devset_heldout2"


def heldout3_dir() -> Path:
    """The third held-out set: ``<project>/tests/data/devset_heldout3`` (documents collected while the rules
    were being changed again, gold coded and committed before any prediction and never shown to the rule
    writer; it is to be scored once, after the rules are frozen, see its README)."""
    return project_root() / "tests" / "data" / "devset_heldout3"


def heldout4_dir() -> Path:
    """The fourth held-out set: ``<project>/tests/data/devset_heldout4`` (documents collected while the rules
    were being changed once more, gold coded and committed before any prediction and never shown to the rule
    writer; it is to be scored once, after the rules are frozen, see its README)."""
    return project_root() / "tests" / "data" / "devset_heldout4"


def heldout5_dir() -> Path:
    """The fifth held-out set: ``<project>/tests/data/devset_heldout5`` (documents collected while the rules
    were being changed once more, gold coded and committed before any prediction and never shown to the rule
    writer; it is to be scored once, after the rules are frozen, see its README)."""
    return project_root() / "tests" / "data" / "devset_heldout5"


EVAL_SETS: tuple[str, ...] = ("devset", "fresh", "heldout", "heldout2", "heldout3", "heldout4", "heldout5")


def eval_set_dir(name: str) -> Path:
    """The folder of a named evaluation set: ``devset`` (:func:`devset_dir`), ``fresh`` (:func:`fresh_dir`),
    ``heldout`` (:func:`heldout_dir`), ``heldout2`` (:func:`heldout2_dir`), ``heldout3``
    (:func:`heldout3_dir`), ``heldout4`` (:func:`heldout4_dir`) or ``heldout5`` (:func:`heldout5_dir`).

    Raises
    ------
    ValueError
        For another name.
    """
    if name == "devset":
        return devset_dir()
    if name == "fresh":
        return fresh_dir()
    if name == "heldout":
        return heldout_dir()
    if name == "heldout2":
        return heldout2_dir()
    if name == "heldout3":
        return heldout3_dir()
    if name == "heldout4":
        return heldout4_dir()
    if name == "heldout5":
        return heldout5_dir()
    raise ValueError(f"evaluation set must be one of {', '.join(EVAL_SETS)}, got {name!r}")


# ------------------------------------------------------------------------------------ normalising


def _base(value: object) -> str:
    return _WS.sub("", unicodedata.normalize("NFKC", str(value)))


def _no_punct(text: str) -> str:
    return "".join(ch for ch in text if not unicodedata.category(ch).startswith("P"))


def _issuer_forms(value: str) -> set[str]:
    """The forms an issuer may take and still be the same body (see the module docstring)."""
    name = _no_punct(_base(value))
    forms: set[str] = set()
    for n in (name, _GOV_SUFFIX.sub("", name)):
        if n:
            forms.add(n)
            stripped = _PARENT_PREFIX.sub("", n, count=1)
            if stripped != n and _JURISDICTION_START.match(stripped):
                forms.add(stripped)
    return forms


def _issuer_match(predicted: str, gold: str) -> bool:
    whole = _no_punct(_base(gold))
    bodies = [b for b in _JOINT_SEP.split(unicodedata.normalize("NFKC", gold).strip()) if b]
    pred = _issuer_forms(predicted)
    if pred & _issuer_forms(whole):
        return True
    return len(bodies) > 1 and any(pred & _issuer_forms(b) for b in bodies)


def _region_match(predicted: str, gold: str) -> bool:
    p, g = _base(predicted), _base(gold)
    return p == g or (
        _REGION_SUFFIX.sub("", p) == _REGION_SUFFIX.sub("", g) and len(_REGION_SUFFIX.sub("", g)) >= 2
    )


def _as_date(value: object) -> str | None:
    if isinstance(value, dt.date):
        return value.isoformat()
    text = _base(value)
    m = re.fullmatch(r"(\d{4})[-./年](\d{1,2})[-./月](\d{1,2})日?", text)
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
    except ValueError:
        return None


def _as_year(value: object) -> int | None:
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def field_correct(field: str, predicted: object, gold: object) -> bool:
    """Whether an inferred value counts as the gold value for one field (the rules in :data:`RULES`).

    Parameters
    ----------
    field
        One of :data:`FIELDS`.
    predicted, gold
        The two values; a missing prediction (None or empty) is never right.
    """
    if field not in FIELDS:
        raise ValueError(f"unknown field {field!r}: expected one of {', '.join(FIELDS)}")
    if predicted is None or (isinstance(predicted, str) and not predicted.strip()):
        return False
    if field == "title":
        return _no_punct(_base(predicted)) == _no_punct(_base(gold))
    if field == "issuer":
        return _issuer_match(str(predicted), str(gold))
    if field == "region":
        return _region_match(str(predicted), str(gold))
    if field in ("level", "doc_type"):
        return _base(predicted).lower() == _base(gold).lower()
    if field == "year":
        p, g = _as_year(predicted), _as_year(gold)
        return p is not None and p == g
    p, g = _as_date(predicted), _as_date(gold)
    return p is not None and p == g


# ------------------------------------------------------------------------------------ the tables


def wilson_interval(correct: int, n: int, *, z: float = _Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion ``correct / n`` (95% by default).

    Returns ``(nan, nan)`` when ``n`` is 0.
    """
    if n < 0 or correct < 0 or correct > n:
        raise ValueError(f"need 0 <= correct <= n, got correct={correct}, n={n}")
    if n == 0:
        return math.nan, math.nan
    p = correct / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # At 0 and n the bounds are exactly 0 and 1; computing them would leave rounding noise (2.8e-17).
    lo = 0.0 if correct == 0 else max(0.0, centre - half)
    hi = 1.0 if correct == n else min(1.0, centre + half)
    return lo, hi


def _predicted_year(documents: pl.DataFrame) -> pl.Expr:
    if "year" in documents.columns:
        return pl.col("year").cast(pl.Int64, strict=False)
    if {"period_start", "period_end"} <= set(documents.columns):
        return (
            pl.when(pl.col("period_start") == pl.col("period_end"))
            .then(pl.col("period_start"))
            .otherwise(None)
            .cast(pl.Int64, strict=False)
        )
    return pl.lit(None, dtype=pl.Int64)


def _predictions(documents: pl.DataFrame) -> pl.DataFrame:
    if "source_file" not in documents.columns:
        raise ValueError("documents need a source_file column to be joined to gold")
    cols = [pl.col("source_file")]
    for f in FIELDS:
        if f == "year":
            cols.append(_predicted_year(documents).cast(pl.String).alias("pred_year"))
        elif f in documents.columns:
            cols.append(pl.col(f).cast(pl.String).alias(f"pred_{f}"))
        else:
            cols.append(pl.lit(None, dtype=pl.String).alias(f"pred_{f}"))
    return documents.select(cols).unique("source_file", keep="first", maintain_order=True)


def _long(documents: pl.DataFrame, gold: pl.DataFrame) -> pl.DataFrame:
    """One row per gold value: source_file, field, gold, predicted, correct (sorted, deterministic)."""
    missing = [c for c in ("source_file", *FIELDS) if c not in gold.columns]
    if missing:
        raise ValueError(f"gold is missing column(s): {', '.join(missing)}")
    g = gold.select([pl.col(c).cast(pl.String) for c in ("source_file", *FIELDS)])
    joined = g.join(_predictions(documents), on="source_file", how="left")
    rows: list[dict[str, object]] = []
    for r in joined.sort("source_file").iter_rows(named=True):
        for f in FIELDS:
            gv = r[f]
            if gv is None or not str(gv).strip():
                continue
            pv = r[f"pred_{f}"]
            rows.append(
                {
                    "source_file": r["source_file"],
                    "field": f,
                    "gold": str(gv),
                    "predicted": pv,
                    "correct": field_correct(f, pv, gv),
                }
            )
    schema = {
        "source_file": pl.String,
        "field": pl.String,
        "gold": pl.String,
        "predicted": pl.String,
        "correct": pl.Boolean,
    }
    return pl.DataFrame(rows, schema=schema)


def metadata_accuracy(documents: pl.DataFrame, gold: pl.DataFrame) -> pl.DataFrame:
    """Per field: how many gold values there are, how many inference got right, and the accuracy.

    Parameters
    ----------
    documents
        Inferred metadata with a ``source_file`` column (e.g. ``fazhi.read_corpus(folder).documents``).
    gold
        ``source_file`` plus :data:`FIELDS`; an empty cell is not scored.

    Returns
    -------
    pl.DataFrame
        ``field, n, correct, accuracy, ci_low, ci_high`` in the order of :data:`FIELDS`; the interval is
        the Wilson 95% score interval; accuracy and interval are null for a field without gold values.
    """
    long = _long(documents, gold)
    out = []
    for f in FIELDS:
        sub = long.filter(pl.col("field") == f)
        n, k = sub.height, int(sub["correct"].sum()) if sub.height else 0
        lo, hi = wilson_interval(k, n)
        out.append(
            {
                "field": f,
                "n": n,
                "correct": k,
                "accuracy": k / n if n else None,
                "ci_low": None if math.isnan(lo) else lo,
                "ci_high": None if math.isnan(hi) else hi,
            }
        )
    schema = {
        "field": pl.String,
        "n": pl.Int64,
        "correct": pl.Int64,
        "accuracy": pl.Float64,
        "ci_low": pl.Float64,
        "ci_high": pl.Float64,
    }
    return pl.DataFrame(out, schema=schema)


def errors(documents: pl.DataFrame, gold: pl.DataFrame) -> pl.DataFrame:
    """Every wrong field, for reading: ``source_file, field, gold, predicted`` (predicted null when
    absent)."""
    return _long(documents, gold).filter(~pl.col("correct")).drop("correct")


# ------------------------------------------------------------------------------------ the devset


def read_gold(path: str | Path) -> pl.DataFrame:
    """Read and check a gold CSV (UTF-8; columns :data:`GOLD_COLUMNS`).

    Raises
    ------
    ValueError
        When a column is missing, a source_file repeats, or a level, doc_type, year or published value
        is outside its vocabulary or format (the message names the row).
    """
    gold = pl.read_csv(path, infer_schema=False)
    missing = [c for c in GOLD_COLUMNS if c not in gold.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(missing)}")
    dup = gold.filter(pl.col("source_file").is_duplicated())["source_file"].unique().sort().to_list()
    if dup:
        raise ValueError(f"{path}: source_file repeated: {', '.join(dup)}")
    problems = gold_problems(gold)
    if problems:
        raise ValueError(f"{path}: " + "; ".join(problems))
    return gold.with_columns(pl.col("year").cast(pl.Int64))


def gold_problems(gold: pl.DataFrame) -> list[str]:
    """Values of a gold table outside the vocabularies or formats (an empty list when all are fine)."""
    out: list[str] = []
    for r in gold.iter_rows(named=True):
        name = r.get("source_file") or "(no source_file)"
        if not r.get("source_file"):
            out.append(f"{name}: empty source_file")
        if r.get("level") and r["level"] not in LEVELS:
            out.append(f"{name}: level {r['level']!r} not in {', '.join(LEVELS)}")
        if r.get("doc_type") and r["doc_type"] not in DOC_TYPES:
            out.append(f"{name}: doc_type {r['doc_type']!r} not in {', '.join(DOC_TYPES)}")
        if r.get("year") and not re.fullmatch(r"(19|20)\d{2}", str(r["year"])):
            out.append(f"{name}: year {r['year']!r} is not a four-digit year")
        if r.get("published") and not (
            re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(r["published"])) and _as_date(r["published"])
        ):
            out.append(f"{name}: published {r['published']!r} is not a YYYY-MM-DD date")
    return out


def load_devset(
    folder: str | Path | None = None, *, read: Callable[[Path], object] | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Read the development set's documents with inference and its gold table.

    Parameters
    ----------
    folder
        The development set (``docs/`` and ``gold.csv``); :func:`devset_dir` by default.
    read
        How to read the documents folder; ``fazhi.read_corpus`` by default. It gets ``folder/docs`` and
        returns an object with a ``documents`` table (or the table itself).

    Returns
    -------
    (documents, gold)
    """
    folder = Path(folder) if folder is not None else devset_dir()
    if read is None:
        from .corpus import read_corpus

        read = read_corpus
    loaded = read(folder / "docs")
    documents = loaded if isinstance(loaded, pl.DataFrame) else loaded.documents  # type: ignore[attr-defined]
    return documents, read_gold(folder / "gold.csv")


def score_devset(
    folder: str | Path | None = None,
    *,
    read: Callable[[Path], object] | None = None,
    half: str | None = None,
) -> pl.DataFrame:
    """Metadata accuracy per field on the development set (see :func:`metadata_accuracy`).

    Parameters
    ----------
    half
        ``development`` or ``check`` to score one half (:func:`devset_half`); the whole set by default.
    """
    documents, gold = load_devset(folder, read=read)
    if half is not None:
        if half not in HALVES:
            raise ValueError(f"half must be one of {', '.join(HALVES)}, got {half!r}")
        keep = [f for f in gold["source_file"].to_list() if devset_half(f) == half]
        gold = gold.filter(pl.col("source_file").is_in(keep))
    return metadata_accuracy(documents, gold)


def score_devset_by_half(
    folder: str | Path | None = None, *, read: Callable[[Path], object] | None = None
) -> pl.DataFrame:
    """Metadata accuracy per field on each half of the development set and on the whole, read once.

    Returns
    -------
    pl.DataFrame
        ``half`` (``development``, ``check``, ``all``), then the columns of :func:`metadata_accuracy`, and
        ``documents`` (how many gold documents the half holds).
    """
    documents, gold = load_devset(folder, read=read)
    halves = {f: devset_half(f) for f in gold["source_file"].to_list()}
    parts = []
    for half in (*HALVES, "all"):
        g = (
            gold
            if half == "all"
            else gold.filter(pl.col("source_file").is_in([f for f, h in halves.items() if h == half]))
        )
        parts.append(
            metadata_accuracy(documents, g).select(
                pl.lit(half).alias("half"), pl.all(), pl.lit(g.height, dtype=pl.Int64).alias("documents")
            )
        )
    return pl.concat(parts)


SUMMARY_FIELDS: tuple[str, ...] = ("level", "doc_type", "issuer", "year")


def devset_summary(table: pl.DataFrame, *, fields: tuple[str, ...] = SUMMARY_FIELDS) -> str:
    """One paragraph from :func:`score_devset_by_half`: accuracy on the check half first, then on the
    development half (whose errors were read while writing the rules). The check half's errors were read
    once, at the end of the session that wrote the rules (see the devset README), and the sentence says so.

    Raises
    ------
    ValueError
        When the table lacks a half or a field.
    """

    def part(half: str) -> tuple[int, str]:
        rows = table.filter(pl.col("half") == half)
        if rows.is_empty():
            raise ValueError(f"no {half!r} rows in the table")
        got = []
        for f in fields:
            r = rows.filter(pl.col("field") == f)
            if r.is_empty():
                raise ValueError(f"no {f!r} row for the {half} half")
            acc = r["accuracy"][0]
            got.append(f"{f} {'–' if acc is None else f'{acc:.0%}'} ({r['correct'][0]}/{r['n'][0]})")
        return int(rows["documents"][0]), ", ".join(got)

    n_check, check = part("check")
    n_dev, dev = part("development")
    return (
        f"Metadata inference on the {n_check} documents of the development set's check half, whose errors "
        "were read only once, after the rules had been written (one last round of general rules followed): "
        f"{check}. On the {n_dev} documents of the development half, whose errors were read while the rules "
        f"were written: {dev}."
    )
