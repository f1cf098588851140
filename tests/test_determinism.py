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


def _outputs(path: Path) -> list[object]:
    import json

    nb = json.loads(path.read_text(encoding="utf-8"))
    return [c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["01_corpus.ipynb"])
def test_executing_a_notebook_again_gives_identical_outputs(built_site, tmp_path, name):
    import shutil

    from fazhi.site import execute_notebook, number_figures

    # Same tables, same notebook, a second fresh kernel: every output (tables, chart specs) is identical.
    again = tmp_path / "notebooks" / name
    again.parent.mkdir()
    shutil.copy(ROOT / "notebooks" / name, again)
    env = {
        "FAZHI_DATA": str(built_site.tables),
        "FAZHI_CORPUS": str(ROOT / "seeds"),
        "FAZHI_PROJECT": str(ROOT),
        "FAZHI_SITE_ROOT": str(tmp_path),
        "PYTHONHASHSEED": "0",
    }
    execute_notebook(again, env)
    staged = built_site.staging / "notebooks" / name
    if "quarto-float-fig" in staged.read_text(encoding="utf-8"):  # smalldocs: the site captioned the charts
        number_figures(again)
    assert _outputs(again) == _outputs(staged)
