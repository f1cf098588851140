"""Stamps (fazhi.tables): every data file that drives results is in what the tables carry."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fazhi import tables
from fazhi.paths import PACKAGE_DATA


@pytest.fixture()
def data_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the package's data folder, which the hashes then read."""
    folder = tmp_path / "data"
    shutil.copytree(PACKAGE_DATA, folder, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(tables, "PACKAGE_DATA", folder)
    return folder


def _stamp() -> dict[str, str]:
    return {k: v for k, v in tables.input_stamp(PACKAGE_DATA.parent).items() if k != "corpus_hash"}


@pytest.mark.parametrize(
    "name",
    ["levels.toml", "genres.toml", "markers.toml", "organs.toml", "divisions/divisions.csv",
     "collection_columns.toml", "topic_glossary.toml", "topic_junk.toml"],
)  # fmt: skip
def test_editing_a_domain_data_file_changes_the_stamp_and_only_its_hash(data_copy: Path, name: str):
    assert name.split("/")[0] in tables.DATA_FILES
    before = _stamp()
    path = data_copy / name
    path.write_bytes(path.read_bytes() + b"\n# edited\n")
    after = _stamp()
    assert after["data_hash"] != before["data_hash"]
    assert {k for k in before if before[k] != after[k]} == {"data_hash"}
    assert "data_hash" in tables.STAMP_CHECKS  # a table made before the edit is refused as stale


def test_a_lexicon_edit_changes_the_lexicon_hash_not_the_data_hash(data_copy: Path):
    before = _stamp()
    lexicon = min((data_copy / "lexicons").glob("*.toml"))
    lexicon.write_bytes(lexicon.read_bytes() + b"\n# edited\n")
    after = _stamp()
    assert {k for k in before if before[k] != after[k]} == {"lexicon_hash"}


def test_pages_only_files_and_scripts_are_not_in_the_data_hash(data_copy: Path):
    before = tables.data_hash()
    for name in ("display.toml", "codebook.md", "divisions/make_divisions.py"):
        path = data_copy / name
        path.write_bytes(path.read_bytes() + b"\n# edited\n")
    assert tables.data_hash() == before
