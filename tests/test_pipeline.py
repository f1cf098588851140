"""The build's stage interface and its account of itself: typed stages, quiet logs, per-stage timings and
memory, and empty tables that are said out loud."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
from fazhi import pipeline
from fazhi.pipeline import BuildContext
from fazhi.settings import BuildSettings, SettingsError

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "pkg" / "fazhi"


# -- typed stage interface (issue 18 item 7) -----------------------------------------------------------


def test_every_stage_takes_a_build_context():
    for name, stage in pipeline.stages():
        params = list(inspect.signature(stage).parameters.values())
        assert [p.name for p in params] == ["ctx"], name
        assert params[0].annotation in ("BuildContext", BuildContext), f"{name}: {params[0].annotation!r}"


def test_no_module_probes_the_context():
    probes = [
        f"{p.relative_to(PKG)}:{i}"
        for p in PKG.rglob("*.py")
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\b(hasattr|getattr)\(ctx\b", line)
    ]
    assert not probes, probes


def test_log_respects_progress_and_notes_are_always_shown(capsys, tmp_path):
    quiet = BuildContext(corpus=tmp_path, out=tmp_path, progress=False)
    quiet.log("a progress line")
    quiet.note("topics", "nothing fitted")
    err = capsys.readouterr().err
    assert "a progress line" not in err
    assert "note: topics: nothing fitted" in err
    assert quiet.notes == [{"stage": "topics", "message": "nothing fitted"}]
    loud = BuildContext(corpus=tmp_path, out=tmp_path, progress=True)
    loud.log("a progress line")
    assert "a progress line" in capsys.readouterr().err


def test_context_settings_are_validated(tmp_path):
    ctx = BuildContext(corpus=tmp_path, out=tmp_path, settings={"themes": {"n_boot": 7}})
    assert isinstance(ctx.settings, BuildSettings) and ctx.settings.themes.n_boot == 7
    assert BuildContext(corpus=tmp_path, out=tmp_path).settings == BuildSettings()
    with pytest.raises(SettingsError):
        BuildContext(corpus=tmp_path, out=tmp_path, settings={"n_boot": 7})
