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


# -- progress, time and memory per stage; empty tables said out loud (issue 19) --------------------------


def _stand_in(monkeypatch, *extra):
    """The real corpus stage, then stand-in stages (fast: no tokenising, no models)."""
    from fazhi.corpus import build_stage as corpus_stage

    monkeypatch.setattr(pipeline, "stages", lambda: [("corpus", corpus_stage), *extra])


def test_build_json_and_the_terminal_get_time_and_memory_per_stage(tmp_path, monkeypatch, capsys):
    import json
    import time

    def slow(ctx):
        block = bytearray(64 * 2**20)  # 64 MB touched: the stage's peak must show it
        block[::4096] = b"x" * len(block[::4096])
        time.sleep(0.3)
        return {}

    _stand_in(monkeypatch, ("themes", slow))
    pipeline.build(ROOT / "seeds", tmp_path / "out", progress=True, jobs=1)
    err = capsys.readouterr().err
    assert "[1/2] corpus: " in err and "documents (" in err and "[2/2] themes: " in err
    assert re.search(r"^total\s+\d+\.\d\d", err, re.MULTILINE)
    info = json.loads((tmp_path / "out" / "build.json").read_text(encoding="utf-8"))
    stages = {r["stage"]: r for r in info["stages"]}
    assert list(stages) == ["corpus", "themes"]
    assert stages["corpus"]["documents"] == 5 and stages["corpus"]["documents_per_second"] > 0
    assert stages["themes"]["documents_per_second"] is None  # not a per-document stage
    assert stages["themes"]["seconds"] >= 0.3
    if Path("/proc/self/status").is_file():
        assert stages["corpus"]["peak_scope"] == "stage"
        # the stage's own need (peak less its start): freed memory is handed back between stages, so the
        # start may lie below the corpus stage's peak in a long-lived process
        assert stages["themes"]["peak_rss_mb"] >= stages["themes"]["start_rss_mb"] + 50
    pipeline.build(ROOT / "seeds", tmp_path / "quiet", progress=False, jobs=1)
    assert capsys.readouterr().err == ""


def test_a_required_table_left_empty_fails_the_build_and_publishes_nothing(tmp_path, monkeypatch):
    from fazhi.schema import empty

    _stand_in(monkeypatch, ("segment", lambda ctx: {"sections": empty("sections")}))
    with pytest.raises(pipeline.EmptyResultError, match="sections"):
        pipeline.build(ROOT / "seeds", tmp_path / "out", progress=False, jobs=1)
    assert not list((tmp_path / "out").glob("*.parquet"))


def test_an_expected_table_left_empty_is_noted_unless_the_stage_said_why(tmp_path, monkeypatch, capsys):
    import json

    from fazhi.schema import empty

    def silent(ctx):
        return {"theme_hits": empty("theme_hits"), "theme_expansion": empty("theme_expansion")}

    def explained(ctx):
        ctx.note("topics", "too few sections")
        return {"topics": empty("topics")}

    _stand_in(monkeypatch, ("themes", silent), ("topics", explained))
    pipeline.build(ROOT / "seeds", tmp_path / "out", progress=False, jobs=1)
    assert "note: themes: theme_hits: no rows from 5 document(s)" in capsys.readouterr().err
    info = json.loads((tmp_path / "out" / "build.json").read_text(encoding="utf-8"))
    assert info["notes"] == [
        {"stage": "themes", "message": "theme_hits: no rows from 5 document(s)"},
        {"stage": "topics", "message": "too few sections"},
    ]  # theme_expansion may be empty; topics said why itself
    assert info["empty_tables"]["theme_hits"] == {"stage": "themes", "policy": "note"}
    assert info["empty_tables"]["theme_expansion"]["policy"] == "may be empty"


def test_the_empty_policy_names_real_tables():
    from fazhi.schema import EMPTY_POLICY, TABLES, may_be_empty

    assert set(EMPTY_POLICY) <= set(TABLES)
    assert not may_be_empty("tokens") and not may_be_empty("topics") and may_be_empty("rejected")


def test_cli_reports_a_required_empty_table_as_an_error(tmp_path, monkeypatch, capsys):
    from fazhi.cli import main
    from fazhi.schema import empty

    _stand_in(monkeypatch, ("tokenizer", lambda ctx: {"tokens": empty("tokens")}))
    assert main(["build", "--corpus", str(ROOT / "seeds"), "--out", str(tmp_path / "out"), "-q"]) == 2
    err = capsys.readouterr().err
    assert "fazhi build: error: stage tokenizer produced no rows in tokens from 5 document(s)" in err


def test_a_long_stage_says_it_is_still_running():
    import time

    from fazhi.meter import Meter

    lines: list[str] = []
    with Meter("topics", heartbeat=lines.append, every=0.3) as meter:
        time.sleep(1.1)
    assert len(lines) >= 2 and all(line.startswith("  topics: running for ") for line in lines)
    assert meter.result.seconds >= 1.1 and meter.result.documents_per_second is None


# -- memory: tables released once no later stage reads them (issue 19 item 1) ----------------------------


class _Recording(dict):
    """A stage's ``ctx.tables`` that remembers which tables the stage looked at."""

    def __init__(self, tables, seen: set[str]) -> None:
        super().__init__(tables)
        self.seen = seen

    def __getitem__(self, name):
        self.seen.add(name)
        return super().__getitem__(name)

    def get(self, name, default=None):
        self.seen.add(name)
        return super().get(name, default)

    def __contains__(self, name) -> bool:
        self.seen.add(name)
        return super().__contains__(name)


def test_stages_read_only_their_declared_inputs_and_the_rest_is_released(tmp_path, monkeypatch):
    import dataclasses

    import polars as pl

    real = pipeline.stages()
    seen: dict[str, set[str]] = {}
    held: dict[str, set[str]] = {}

    def watched(name, stage):
        def run(ctx):
            seen[name], held[name] = set(), set(ctx.tables)
            return stage(dataclasses.replace(ctx, tables=_Recording(ctx.tables, seen[name])))

        return run

    monkeypatch.setattr(pipeline, "stages", lambda: [(n, watched(n, s)) for n, s in real])
    monkeypatch.setenv("FAZHI_CACHE", str(tmp_path / "cache"))
    tables = pipeline.build(ROOT / "seeds", tmp_path / "out", progress=False, jobs=1)
    assert list(seen) == list(pipeline.STAGE_INPUTS)
    for name, read in seen.items():
        assert read <= pipeline.STAGE_INPUTS[name], f"{name} reads {read - pipeline.STAGE_INPUTS[name]}"
    # what a stage holds in memory is what it or a later stage reads, never more
    names = list(pipeline.STAGE_INPUTS)
    for i, name in enumerate(names):
        assert held[name] <= set().union(*(pipeline.STAGE_INPUTS[n] for n in names[i:])), name
    assert "tokens" not in held["reuse"] and "keyness" not in held["themes"]
    # the released tables are published with the others, and the result reads them back
    assert set(tables) == {p.stem for p in (tmp_path / "out").glob("*.parquet")}
    assert tables["tokens"].height == tables.rows["tokens"] > 0
    assert isinstance(tables["keyness"], pl.DataFrame)
    assert pipeline.releasable({"tokens", "documents"}, ["reuse"]) == {"tokens"}
    assert pipeline.releasable({"tokens"}, ["reuse", "a stand-in"]) == set()  # unknown inputs: keep all
