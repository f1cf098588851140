"""The contract of the result tables (fazhi.schema): every table declared in one place, documented, typed."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import polars as pl
import pytest
from fazhi import schema
from fazhi.pipeline import STAGES


def _declared_in_a_fresh_interpreter() -> tuple[list[str], list[str]]:
    code = (
        "import json, sys; from fazhi import schema; "
        "print(json.dumps([sorted(schema.TABLES), sorted(m for m in sys.modules if m.startswith('fazhi.'))]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    names, modules = json.loads(out)
    return names, modules


def test_every_table_is_declared_without_importing_a_stage():
    names, modules = _declared_in_a_fresh_interpreter()
    assert not {f"fazhi.{s}" for s in STAGES} & set(modules), modules
    for stage in STAGES:  # importing every stage declares nothing more: the contract is all in one place
        importlib.import_module(f"fazhi.{stage}")
    assert sorted(schema.TABLES) == names


def test_every_table_says_what_a_row_is_and_documents_every_column():
    for name, spec in schema.TABLES.items():
        assert spec.row.strip(), f"{name}: no 'one row per'"
        assert len(set(spec.names)) == len(spec.names), f"{name}: a column declared twice"
        for col in spec.columns:
            assert col.description.strip(), f"{name}.{col.name}: no description"


def test_every_table_belongs_to_exactly_one_stage():
    grouped = [n for names in schema.STAGE_TABLES.values() for n in names]
    assert sorted(grouped) == sorted(schema.TABLES)
    assert len(grouped) == len(set(grouped))
    assert list(schema.STAGE_TABLES) == list(STAGES)


def test_frame_builds_a_table_with_its_documented_types():
    rows = [("lda", 3, 1, 0.1, 0.2, None, 0.9, 10, True, 40)]
    df = schema.frame("topic_runs", rows)
    assert schema.validate("topic_runs", df) is df
    assert df.row(0) == rows[0]
    assert schema.frame("topic_runs").height == 0
    assert schema.validate("topic_runs", schema.frame("topic_runs", [])).height == 0
    by_column = schema.frame("token_settings", {"key": ["engine"], "value": ["rjieba"]})
    assert by_column.schema == pl.Schema(schema.TABLES["token_settings"].polars_schema)
    with pytest.raises(KeyError):
        schema.frame("no_such_table", [])
