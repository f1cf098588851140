"""Shared fixtures: the seed corpus, and one site built fresh for the whole test session.

The built site (tables, every notebook executed, rendered with smalldocs) is made once per session in a
temporary folder and shared by the notebook, site, determinism and browser tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
ARTIFACTS = ROOT / "tests" / "artifacts"


@dataclass(frozen=True)
class BuiltSite:
    """A site built by ``fazhi.site.build_site`` in a temporary folder."""

    site: Path  # the rendered website (its index.html inside)
    tables: Path  # the result tables it was built from
    staging: Path  # the staged sources, with the executed notebooks


MESSY = ROOT / "tests" / "data" / "messy_corpus"
GOV = ROOT / "tests" / "data" / "corpora" / "gov-work-reports"


def build_test_site(factory: pytest.TempPathFactory, corpus: Path, name: str = "site") -> BuiltSite:
    """Build the site from ``corpus`` into a fresh temporary folder (tables, notebooks, smalldocs).

    Only the default corpus: the other corpora of ``notebooks/site.toml`` are skipped (their pages say so),
    as in a researcher's project without them; ``built_site`` builds them all."""
    from fazhi.site import build_site

    base = factory.mktemp(name)
    tables, site = base / "tables", base / "_site"
    mp = pytest.MonkeyPatch()
    mp.setenv("FAZHI_PROJECT", str(ROOT))
    mp.setenv("FAZHI_CACHE", str(base / "cache"))
    try:
        index = build_site(
            corpus=corpus, out=tables, site=site, renderer="smalldocs", progress=False, extra_corpora=False
        )
    finally:
        mp.undo()
    assert index == site / "index.html"
    return BuiltSite(site=site, tables=tables, staging=site.with_name(site.name + "_staging"))


@pytest.fixture(scope="session")
def messy_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    """The site built from ``tests/data/messy_corpus``: no gold outline, no sidecar, unknown levels."""
    return build_test_site(tmp_path_factory, MESSY, "messy")


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    from fazhi.site import build_site

    base = tmp_path_factory.mktemp("site")
    tables, site = base / "tables", base / "_site"
    mp = pytest.MonkeyPatch()
    mp.setenv("FAZHI_PROJECT", str(ROOT))
    mp.setenv("FAZHI_CACHE", str(base / "cache"))
    try:
        index = build_site(corpus=SEEDS, out=tables, site=site, renderer="smalldocs", progress=False)
    finally:
        mp.undo()
    assert index == site / "index.html"
    return BuiltSite(site=site, tables=tables, staging=site.with_name(site.name + "_staging"))


# Script and markup in a document's text and in a sidecar title: the site must show them as text.
HOSTILE_SLOGAN = "应急管理<!--<script>"
HOSTILE_SENTENCE = (
    "全面推进“应急管理<!--<script>”建设，<script>alert(1)</script>完善<img src=x onerror=alert(1)>"
    "应急预案体系。"
)
HOSTILE_TITLE = "潢川县<img src=x onerror=alert(1)>法治政府建设报告</title><script>alert(1)</script>"


@pytest.fixture(scope="session")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    """A site built from a copy of the seeds whose county document and sidecar title carry HTML payloads."""
    import csv
    import shutil

    from fazhi.site import build_site

    base = tmp_path_factory.mktemp("hostile")
    corpus = base / "corpus"
    shutil.copytree(SEEDS, corpus)
    doc = corpus / "001_a2ea016351bdaac6.txt"
    text = doc.read_text(encoding="utf-8")
    cut = text.index("。", len(text) // 3) + 1
    doc.write_text(text[:cut] + "\n" + HOSTILE_SENTENCE * 4 + "\n" + text[cut:], encoding="utf-8")
    sidecar = corpus / "metadata.csv"
    with sidecar.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        if row["source_file"] == doc.name:
            row["title"] = HOSTILE_TITLE
    with sidecar.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    tables, site = base / "tables", base / "_site"
    mp = pytest.MonkeyPatch()
    mp.setenv("FAZHI_PROJECT", str(ROOT))
    mp.setenv("FAZHI_CACHE", str(base / "cache"))
    try:
        build_site(
            corpus=corpus, out=tables, site=site, renderer="smalldocs", progress=False, extra_corpora=False
        )
    finally:
        mp.undo()
    return BuiltSite(site=site, tables=tables, staging=site.with_name(site.name + "_staging"))


def _gov_reports_readable() -> bool:
    """True once fazhi reads the government work reports as they are shipped (JSONL, txt and CSV)."""
    if not GOV.is_dir():
        return False
    try:
        from fazhi.corpus import read_corpus

        return len(read_corpus(GOV).documents) > 100
    except Exception:  # noqa: BLE001 - any failure to read means: not yet
        return False


@pytest.fixture(scope="session")
def gov_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    # checked here, not at collection, so that a fast run does not read 134 reports to decide a skip
    if not _gov_reports_readable():
        pytest.skip(
            "the JSONL and CSV readers for the gov-work-reports corpus are not there yet (read_corpus "
            "finds <= 100)"
        )
    return build_test_site(tmp_path_factory, GOV, "gov")


def declared_frame(name: str, rows: object, *, columns: list[str] | None = None):  # -> pl.DataFrame
    """A test table typed by its declaration in ``fazhi.schema`` (no inline copy of its column types).

    ``rows``: tuples in column order, or a mapping from column to values; ``columns``: the columns to
    build (a subset of the declared ones, in their declared order); all of them by default.
    """
    from collections.abc import Mapping

    import polars as pl
    from fazhi.schema import TABLES

    declared = TABLES[name].polars_schema
    names = columns if columns is not None else list(declared)
    unknown = [c for c in names if c not in declared]
    if unknown:
        raise KeyError(f"{name} declares no column {unknown}")
    schema = {c: declared[c] for c in names}
    if isinstance(rows, Mapping):
        return pl.DataFrame(rows, schema=schema)
    return pl.DataFrame(list(rows), schema=schema, orient="row")  # type: ignore[call-overload]
