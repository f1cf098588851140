"""Notebook hygiene (outputs stripped in git) and fresh execution of every notebook of the site."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from fazhi.site import notebooks

ROOT = Path(__file__).resolve().parents[1]
ALL = notebooks(ROOT)


def test_there_are_notebooks_to_check():
    names = [p.name for p in ALL]
    assert "index.ipynb" in names and "01_corpus.ipynb" in names


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_notebook_is_committed_with_outputs_stripped(path: Path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        assert cell.get("outputs") == [], f"{path.name} cell {i} holds outputs: clear them before committing"
        assert cell.get("execution_count") is None, f"{path.name} cell {i} has an execution count"
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    if (nb["nbformat"], nb["nbformat_minor"]) >= (4, 5):  # cell ids are required from nbformat 4.5 on
        ids = [cell.get("id") for cell in nb["cells"]]
        assert None not in ids, f"{path.name}: a cell has no id (nbformat.validator.normalize adds them)"
        assert len(set(ids)) == len(ids), f"{path.name}: cell ids repeat"


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_notebook_imports_the_installed_package_without_path_hacks(path: Path):
    text = path.read_text(encoding="utf-8")
    assert "sys.path" not in text and "os.chdir" not in text


def test_every_numbered_notebook_is_in_the_navbar_in_order():
    config = yaml.safe_load((ROOT / "_quarto.yml").read_text(encoding="utf-8"))

    def hrefs(items):
        for item in items:
            if "href" in item:
                yield item["href"]
            yield from hrefs(item.get("menu", []))

    listed = [h for h in hrefs(config["website"]["navbar"]["left"]) if h.startswith("notebooks/")]
    numbered = [f"notebooks/{p.name}" for p in ALL if p.parent.name == "notebooks"]
    assert listed == numbered


@pytest.mark.slow
def test_every_notebook_executed_top_to_bottom_without_error(built_site):
    staged = notebooks(built_site.staging)
    assert [p.name for p in staged] == [p.name for p in ALL]
    for path in staged:
        nb = json.loads(path.read_text(encoding="utf-8"))
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert code, f"{path.name} has no code"
        assert all(c["execution_count"] is not None for c in code), f"{path.name}: a cell did not run"
        errors = [o for c in code for o in c["outputs"] if o["output_type"] == "error"]
        assert not errors, f"{path.name}: {errors[0]['ename']}: {errors[0]['evalue']}"
