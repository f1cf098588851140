"""A new theme is one lexicon file: no Outline entry, no code (fazhi.schema.theme_ids, themes.lexicon)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fazhi import schema
from fazhi.paths import PACKAGE_DATA
from fazhi.themes import LexiconError, load_lexicons

ROOT = Path(__file__).resolve().parents[1]

NEW = """id = "legal_publicity"
name = "普法宣传"
version = "0.1.0"

[[term]]
term = "普法"
gloss = "legal education of the public"

[[term]]
term = "法治宣传"
gloss = "rule-of-law publicity"
"""


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    """A copy of the package's data folder with one more lexicon file, for a theme the Outline lacks."""
    folder = tmp_path / "data"
    shutil.copytree(PACKAGE_DATA, folder, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "lexicons" / "legal_publicity.toml").write_text(NEW, encoding="utf-8")
    return folder


def test_a_lexicon_file_alone_adds_a_theme_after_the_outline_systems(data: Path):
    themes = schema.theme_ids(data / "outline.toml", data / "lexicons")
    assert themes == (*schema.THEMES, "legal_publicity")
    lexicons = load_lexicons(data / "lexicons", data / "outline.toml")
    assert lexicons.themes == themes
    new = lexicons["legal_publicity"]
    assert (new.label_zh, new.label_en) == ("普法宣传", "legal publicity")  # name, and the id made readable
    assert [t.term for t in new.terms] == ["普法", "法治宣传"]


def test_an_outline_system_still_needs_its_lexicon(data: Path):
    (data / "lexicons" / "oversight.toml").unlink()
    with pytest.raises(LexiconError, match="no lexicon for oversight"):
        load_lexicons(data / "lexicons", data / "outline.toml")


# Run in a fresh interpreter whose package data folder is the copy (the category enums are made at import).
_STAGE = """
import json, sys
from pathlib import Path
import fazhi.paths
fazhi.paths.PACKAGE_DATA = Path(sys.argv[1])
from fazhi import schema, segment, tokenizer
from fazhi.corpus import read_corpus
from fazhi.pipeline import BuildContext
from fazhi.themes import stage
ctx = BuildContext(corpus=Path(sys.argv[2]), out=Path(sys.argv[2]), progress=False,
                   settings={"themes": {"n_boot": 20}})
ctx.tables["documents"] = read_corpus(ctx.corpus).documents
ctx.tables.update(segment.build_stage(ctx))
ctx.tables.update(tokenizer.build_stage(ctx))
out = {name: schema.validate(name, df) for name, df in stage.build_stage(ctx).items()}
print(json.dumps({
    "themes": list(schema.THEMES),
    "hits": out["theme_hits"].filter(theme="legal_publicity").height,
    "scores": sorted(set(out["theme_scores"]["theme"])),
    "documents": sorted(set(out["theme_documents"]["theme"])),
}))
"""


def test_the_themes_stage_scores_a_theme_given_by_a_lexicon_file_alone(data: Path, tmp_path: Path):
    env = {**os.environ, "FAZHI_CACHE": str(tmp_path / "cache")}
    run = subprocess.run(
        [sys.executable, "-c", _STAGE, str(data), str(ROOT / "seeds")],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    got = json.loads(run.stdout.strip().splitlines()[-1])
    assert got["themes"][-1] == "legal_publicity"
    assert got["hits"] > 0  # 普法 is in the seeds
    assert "legal_publicity" in got["scores"] and "legal_publicity" in got["documents"]
