"""An incremental build (issue 19 item 3) gives the tables of a build from scratch, byte for byte."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from fazhi import pipeline

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
GOV_TXT = sorted((ROOT / "tests" / "data" / "corpora" / "gov-work-reports" / "provinces-2025").glob("*.txt"))
FAST = {
    "themes": {"n_boot": 50},
    "topics": {"k_grid": [3], "seeds": [0, 1], "n_bootstrap": 20, "seeded": False},
}


def _tables(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.parquet"))}


@pytest.mark.slow
@pytest.mark.skipif(not GOV_TXT, reason="the government work reports are not in tests/data")
def test_an_incremental_build_equals_a_build_from_scratch(tmp_path, monkeypatch):
    monkeypatch.setenv("FAZHI_CACHE", str(tmp_path / "cache"))
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    changed = sorted(corpus.glob("*.txt"))[1]
    full_text = changed.read_text(encoding="utf-8")
    changed.write_text(full_text[: len(full_text) // 2], encoding="utf-8")  # the first version: half of it
    removed = sorted(corpus.glob("*.txt"))[3]
    out = tmp_path / "out"
    pipeline.build(corpus, out, settings=FAST, progress=False, jobs=1)

    changed.write_text(full_text, encoding="utf-8")  # a document changes,
    shutil.copy(GOV_TXT[0], corpus / GOV_TXT[0].name)  # one is added,
    removed.unlink()  # and one is removed
    pipeline.build(corpus, out, settings=FAST, progress=False, jobs=1, incremental=True)
    info = json.loads((out / "build.json").read_text(encoding="utf-8"))
    # 5 documents: 3 unchanged, the changed one and the new one processed again
    assert info["incremental"] == {
        "segment": {"reused": 3, "processed": 2},
        "tokenizer": {"reused": 3, "processed": 2},
    }
    scratch = tmp_path / "scratch"
    pipeline.build(corpus, scratch, settings=FAST, progress=False, jobs=1)
    a, b = _tables(out), _tables(scratch)
    assert a.keys() == b.keys() and len(a) > 30
    differ = sorted(name for name in a if a[name] != b[name])
    assert not differ, f"incremental and from-scratch tables differ: {differ}"


def test_previous_tables_of_other_settings_are_not_reused(tmp_path, monkeypatch):
    from fazhi.incremental import load_previous
    from fazhi.tables import current_stamp

    monkeypatch.setenv("FAZHI_CACHE", str(tmp_path / "cache"))
    from fazhi.corpus import build_stage as corpus_stage
    from fazhi.segment import build_stage as segment_stage
    from fazhi.tokenizer import build_stage as tokenizer_stage

    per_document = [("corpus", corpus_stage), ("segment", segment_stage), ("tokenizer", tokenizer_stage)]
    monkeypatch.setattr(pipeline, "stages", lambda: per_document)
    out = tmp_path / "out"
    tables, why = load_previous(out, current_stamp(SEEDS))
    assert tables is None and "no previous build" in why
    pipeline.build(SEEDS, out, progress=False, jobs=1)
    tables, why = load_previous(out, current_stamp(SEEDS))
    assert tables is not None and tables["tokens"].height > 0
    tables, why = load_previous(out, current_stamp(SEEDS, {"tokenizer": {"min_chars": 1}}))
    assert tables is None and "settings_hash" in why
    pipeline.build(
        SEEDS, out, settings={"tokenizer": {"min_chars": 1}}, progress=False, jobs=1, incremental=True
    )
    info = json.loads((out / "build.json").read_text(encoding="utf-8"))
    assert "settings_hash" in info["incremental"]["from_scratch"]
