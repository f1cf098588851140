"""Same inputs and settings give byte-identical result tables, build after build."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from fazhi.pipeline import build

ROOT = Path(__file__).resolve().parents[1]


def _hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.parquet"))}


@pytest.mark.slow
def test_two_builds_give_byte_identical_tables(built_site, tmp_path, monkeypatch):
    # A second build, in another folder, with a cold cache and one worker instead of all cores.
    monkeypatch.setenv("FAZHI_CACHE", str(tmp_path / "cache"))
    build(ROOT / "seeds", tmp_path / "again", progress=False, jobs=1)
    first, second = _hashes(built_site.tables), _hashes(tmp_path / "again")
    assert first.keys() == second.keys() and len(first) >= 3
    differ = sorted(name for name in first if first[name] != second[name])
    assert not differ, f"tables differ between two builds: {differ}"
    assert (built_site.tables / "build.json").read_bytes() != b""
