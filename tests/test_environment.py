"""The conda environment.yml mirrors pyproject.toml: same packages, same lower bounds."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
NAME = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*(?:\[[^\]]*\])?\s*(.*)$")


def _split(req: str) -> tuple[str, str]:
    m = NAME.match(req.split(";")[0])
    assert m, req
    return m.group(1).lower().replace("_", "-"), m.group(2).replace(" ", "")


def _pyproject() -> dict[str, str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    reqs = list(data["project"]["dependencies"])
    for group in data.get("dependency-groups", {}).values():
        reqs += [r for r in group if isinstance(r, str)]
    return dict(_split(r) for r in reqs)


def _environment() -> tuple[dict[str, str], dict[str, str]]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda: dict[str, str] = {}
    pip: dict[str, str] = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for r in dep["pip"]:
                if not r.startswith("-e"):
                    name, spec = _split(r)
                    pip[name] = spec
        else:
            name, spec = _split(dep)
            conda[name] = spec
    return conda, pip


def test_environment_yml_lists_every_python_dependency_with_the_same_bounds():
    wanted = _pyproject()
    conda, pip = _environment()
    listed = {**conda, **pip}
    missing = sorted(set(wanted) - set(listed))
    assert not missing, f"in pyproject.toml but not environment.yml: {missing}"
    extra = sorted(set(listed) - set(wanted) - {"python", "pip", "quarto"})
    assert not extra, f"in environment.yml but not pyproject.toml: {extra}"
    differ = {n: (wanted[n], listed[n]) for n in wanted if wanted[n] != listed[n]}
    assert not differ, f"version bounds differ (pyproject, environment.yml): {differ}"


def test_environment_yml_installs_quarto_and_the_package_itself():
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert "conda-forge" in env["channels"]
    assert "quarto" in env["dependencies"]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip


def test_quarto_cli_is_never_a_default_dependency():
    # PyPI's quarto-cli downloads its binary from GitHub at install time, which fails offline.
    assert "quarto-cli" not in _pyproject()
    lock = (ROOT / "uv.lock").read_text(encoding="utf-8")
    assert 'name = "quarto-cli"' not in lock
