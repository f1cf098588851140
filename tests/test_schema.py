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


def test_categories_are_enums_from_the_data_files():
    assert schema.LEVEL.categories.to_list() == list(schema.LEVELS) and "unknown" in schema.LEVELS
    assert schema.DOC_TYPE.categories.to_list() == list(schema.DOC_TYPES)
    assert schema.THEME.categories.to_list() == list(schema.THEMES)
    from fazhi.themes import MEASURES, default_lexicons

    assert list(schema.THEMES) == list(default_lexicons().themes)
    assert schema.MEASURE.categories.to_list() == list(MEASURES)
    docs = schema.TABLES["documents"].polars_schema
    assert docs["level"] == schema.LEVEL and docs["doc_type"] == schema.DOC_TYPE
    scores = schema.TABLES["theme_scores"].polars_schema
    assert (scores["level"], scores["theme"], scores["measure"]) == (
        schema.LEVEL,
        schema.THEME,
        schema.MEASURE,
    )


def test_sorting_on_the_enum_follows_the_vocabulary_not_the_alphabet():
    df = pl.DataFrame({"level": ["unknown", "county", "national", "province"], "n": [1, 2, 3, 4]})
    assert df.sort(schema.in_order("level", schema.LEVEL))["level"].to_list() == [
        "national",
        "province",
        "county",
        "unknown",
    ]
    assert df.cast({"level": schema.LEVEL}).sort("level")["n"].to_list() == [3, 4, 2, 1]
    assert schema.levels_present(["county", None, "national", "county", "zz"]) == ["national", "county", "zz"]


def test_a_level_outside_levels_toml_is_refused_by_name(tmp_path):
    from fazhi.tables import write_table

    docs = schema.frame("documents").cast(schema.TABLES["documents"].text_schema)
    bad = docs.vstack(
        pl.DataFrame({"doc_id": ["a"], "level": ["galaxy"], "doc_type": ["notice"]})
        .select(
            [
                pl.col(c) if c in ("doc_id", "level", "doc_type") else pl.lit(None).alias(c)
                for c in docs.columns
            ]
        )
        .cast(docs.schema)
    )
    with pytest.raises(schema.SchemaError, match=r"documents\.level: 'galaxy' not among"):
        schema.validate("documents", bad)
    with pytest.raises(schema.SchemaError, match="galaxy"):
        write_table(bad, "documents", tmp_path, {})
    assert not (tmp_path / "documents.parquet").exists()


def test_a_corpus_naming_an_unknown_level_gets_unknown_and_a_check_row(tmp_path):
    from fazhi.corpus import read_corpus

    text = "某市人民政府关于2023年度法治政府建设情况的报告\n一、主要工作\n我们推进依法行政。\n"
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    (tmp_path / "metadata.csv").write_text("source_file,level\na.txt,galaxy\n", encoding="utf-8")
    with pytest.warns(UserWarning, match="level 'galaxy' is not one of"):
        corpus = read_corpus(tmp_path)
    level = corpus.documents["level"].to_list()
    assert level[0] in schema.LEVELS and level[0] != "galaxy"
    problems = corpus.metadata_check.filter(pl.col("field") == "level")["problem"].to_list()
    assert any("galaxy" in (p or "") for p in problems), problems
    assert schema.conform("documents", corpus.documents)["level"].dtype == schema.LEVEL


def test_written_tables_keep_their_enum_on_disk_and_read_back_as_text(tmp_path):
    from fazhi.tables import read_table, write_table

    rows = schema.frame("theme_contrasts").cast(schema.TABLES["theme_contrasts"].text_schema)
    df = rows.vstack(
        pl.DataFrame(
            [("oversight", "position", "national", "city", 0.5, 0.1, 0.9, True, 3, 4, "v", "h")],
            schema=rows.schema,
            orient="row",
        )
    )
    write_table(df, "theme_contrasts", tmp_path, {})
    on_disk = pl.read_parquet_schema(tmp_path / "theme_contrasts.parquet")
    assert pl.Schema(on_disk) == pl.Schema(schema.TABLES["theme_contrasts"].polars_schema)  # Enum in the file
    back = read_table("theme_contrasts", tmp_path, check=False)
    assert back.equals(df)  # ... and text when read, to join with the frames the package builds


def test_a_chart_and_a_display_table_are_the_same_from_enum_or_text_columns():
    from fazhi.charts.corpus import documents_by_level
    from fazhi.display import table

    docs = pl.DataFrame(
        {
            "level": ["city", "national", "city"],
            "doc_type": ["notice", "other", "notice"],
            "n_chars": [1, 2, 3],
        }
    )
    typed = docs.cast({"level": schema.LEVEL, "doc_type": schema.DOC_TYPE})
    assert json.dumps(documents_by_level(typed).to_dict(), sort_keys=True) == json.dumps(
        documents_by_level(docs).to_dict(), sort_keys=True
    )
    assert str(table(typed)) == str(table(docs)) and table(typed).html == table(docs).html
