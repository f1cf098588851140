"""The site built from corpora other than the seeds: every page runs, and none describes the seeds.

Corpora: ``tests/data/messy_corpus`` (twelve made-up documents, no gold outline, no sidecar, unknown
levels, one theme that never occurs), one document of unknown level, a single level of government (two
seeds of one level), and the government work reports (skipped until its JSONL/CSV readers exist).
Each site build costs about a minute, so each is made once per session.
"""

from __future__ import annotations

import csv
import html
import re
import shutil
from pathlib import Path

import polars as pl
import pytest
from conftest import MESSY, SEEDS, BuiltSite, build_test_site

# Phrases that describe the seed corpus; none may appear on a page built from another corpus.
SEED_PHRASES = (
    "河南",
    "五份",
    "seeds/",
    "许昌",
    "潢川",
    "Henan",
    "Xuchang",
    "five seed",
    "seed documents",
    "five documents",
    "With five",
    "these five",
)


def _visible_text(path: Path) -> str:
    """A page's text as a reader sees it (scripts, styles and tags removed, entities decoded)."""
    t = path.read_text(encoding="utf-8")
    t = re.sub(r"<(script|style)\b.*?</\1>", " ", t, flags=re.DOTALL)
    if path.name in ("06_lexicon_audit.html", "07_validation.html"):
        # their tables list the lexicons' terms and glosses as shipped, and quote the project's own coded
        # paragraphs (whatever the corpus of the build; the page says so): data, not prose
        t = re.sub(r"<table\b.*?</table>", " ", t, flags=re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", " ", t))


def _pages(site: Path) -> list[Path]:
    # the API reference documents the package (whose default corpus is the seeds), not this build
    return [p for p in sorted(site.rglob("*.html")) if "reference" not in p.relative_to(site).parts]


# Phrases of prose about the seeds (a corpus may well hold a Henan document of its own).
SEED_PROSE = tuple(p for p in SEED_PHRASES if p not in ("河南", "许昌", "潢川", "Henan", "Xuchang"))


def _seed_phrases(site: Path, phrases: tuple[str, ...] = SEED_PHRASES) -> list[str]:
    return [f"{p.relative_to(site)}: {ph}" for p in _pages(site) for ph in phrases if ph in _visible_text(p)]


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="session")
def one_document_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    corpus = tmp_path_factory.mktemp("one_doc_corpus")
    shutil.copy(MESSY / "notes_on_enforcement.txt", corpus)  # no issuer: its level is unknown
    return build_test_site(tmp_path_factory, corpus, "one_doc")


@pytest.fixture(scope="session")
def one_level_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    corpus = tmp_path_factory.mktemp("one_level_corpus")
    with open(SEEDS / "metadata.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    level = "province_dept"
    keep = [r for r in rows if r["level"] == level]
    assert len(keep) >= 2, "the seeds should hold two documents of one level"
    with open(corpus / "metadata.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(keep)
    for r in keep:
        shutil.copy(SEEDS / r["source_file"], corpus)
    return build_test_site(tmp_path_factory, corpus, "one_level")


@pytest.mark.slow
def test_the_messy_corpus_site_says_nothing_about_the_seeds(messy_site):
    assert _seed_phrases(messy_site.site) == []


@pytest.mark.slow
def test_the_messy_corpus_site_names_its_own_corpus(messy_site):
    index = _flat(_visible_text(messy_site.site / "index.html"))
    docs = pl.read_parquet(messy_site.tables / "documents.parquet")
    assert f"the corpus in messy_corpus/ ({docs.height} document(s))" in index
    assert f"The corpus messy_corpus holds {docs.height} document(s)" in index
    repro = _flat(_visible_text(messy_site.site / "reproducibility.html"))
    assert "fazhi site --corpus tests/data/messy_corpus" in repro
    for name in sorted(p.name for p in MESSY.glob("*.txt")):
        assert name in repro


@pytest.mark.slow
def test_the_messy_corpus_findings_never_rank_unknown_and_say_what_is_absent(messy_site):
    index = _flat(_visible_text(messy_site.site / "index.html"))
    docs = pl.read_parquet(messy_site.tables / "documents.parquet")
    n_unknown = docs.filter(pl.col("level") == "unknown").height
    assert n_unknown > 0, "the messy corpus should hold documents of unknown level"
    assert "most emphasis in unknown" not in index and "least in unknown" not in index
    assert f"{n_unknown} document(s) of unknown level, reported apart and not ranked" in index
    assert "Dispute resolution : present in none of the" in index
    groups = pl.read_parquet(messy_site.tables / "theme_groups.parquet")
    assert not groups.filter(pl.col("group") == "unknown")["ranked"].any()
    contrasts = pl.read_parquet(messy_site.tables / "theme_group_contrasts.parquet")
    assert "unknown" not in set(contrasts["group_a"]) | set(contrasts["group_b"])
    # no level of the messy corpus has five documents: nothing is compared with an interval, none is "most"
    assert contrasts["ci_low"].null_count() == contrasts.height
    assert "most emphasis" not in index


@pytest.mark.slow
def test_the_messy_corpus_charts_and_tables_use_readable_unique_labels(messy_site):
    page = _visible_text(messy_site.site / "notebooks" / "04_themes.html")
    assert "? · ?" not in page
    labels = pl.read_parquet(messy_site.tables / "theme_documents.parquet").select("doc_id", "label").unique()
    assert labels["label"].n_unique() == labels.height
    assert "notes_on_enforcement" in set(labels["label"])  # no issuer, region or period: the file name


@pytest.mark.slow
def test_a_single_document_of_unknown_level_builds_a_site(one_document_site):
    index = _flat(_visible_text(one_document_site.site / "index.html"))
    assert "holds 1 document(s)" in index
    assert "Fewer than two known levels of government" in index
    assert "most emphasis" not in index
    assert _seed_phrases(one_document_site.site) == []


@pytest.mark.slow
def test_a_single_level_builds_a_site_with_nothing_to_compare(one_level_site):
    index = _flat(_visible_text(one_level_site.site / "index.html"))
    assert "Fewer than two known levels of government" in index
    assert "most emphasis" not in index
    assert "no comparison with an interval" in index


@pytest.mark.slow
def test_the_government_work_reports_site_is_honest(gov_site):
    assert _seed_phrases(gov_site.site, SEED_PROSE) == []
    index = _flat(_visible_text(gov_site.site / "index.html"))
    docs = pl.read_parquet(gov_site.tables / "documents.parquet")
    assert f"holds {docs.height} document(s)" in index and docs.height > 100
    assert "most emphasis in unknown" not in index
    contrasts = pl.read_parquet(gov_site.tables / "theme_group_contrasts.parquet")
    # a theme's line says "most emphasis" only when a contrast of levels supports it
    names = {
        "digital_government": "Digital government",
        "emergency_response": "Emergency response",
        "dispute_resolution": "Dispute resolution",
    }
    for theme, name in names.items():
        c = contrasts.filter(
            pl.col("theme") == theme, pl.col("covariate") == "level", pl.col("within").is_null()
        )
        line = index.split(f"{name} :", 1)[-1].split(" : present in", 1)[0]
        if not c["supported"].any():
            assert "most emphasis" not in line, line
