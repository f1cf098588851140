"""One ``BuildSettings``: validated (a typo is an error), every default stamped and recorded in build.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fazhi import pipeline
from fazhi.cli import main
from fazhi.settings import BuildSettings, SettingsError, ThemeSettings, TokenizerSettings
from fazhi.tables import read_stamp
from fazhi.topics import TopicSettings

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
# small and fast, but not the defaults: a real build of the seeds in a few seconds
FAST = {
    "themes": {"n_boot": 50},
    "topics": {"k_grid": [3], "seeds": [0, 1], "n_bootstrap": 20, "seeded": False},
}


# -- validation ------------------------------------------------------------------------------------


def test_an_unknown_section_raises_and_names_the_valid_ones():
    with pytest.raises(SettingsError) as e:
        BuildSettings.from_mapping({"themes_n_boot": 200})  # the old flat key
    assert "themes_n_boot" in str(e.value)
    for section in ("corpus", "tokenizer", "vocabulary", "themes", "topics", "reuse"):
        assert section in str(e.value)


@pytest.mark.parametrize("section", ["corpus", "tokenizer", "vocabulary", "themes", "topics", "reuse"])
def test_an_unknown_key_raises_and_names_the_valid_keys(section):
    with pytest.raises(SettingsError) as e:
        BuildSettings.from_mapping({section: {"n_bot": 3}})
    message = str(e.value)
    assert "n_bot" in message and section in message
    valid = list(BuildSettings().to_dict()[section])
    assert all(k in message for k in valid)


@pytest.mark.parametrize(
    "values",
    [
        {"themes": {"n_boot": "200"}},
        {"themes": {"n_boot": True}},  # a bool is not a count
        {"themes": {"n_boot": 0}},
        {"topics": {"k_grid": "4,6"}},
        {"topics": {"unit": "chapter"}},
        {"tokenizer": {"engine": "pkuseg"}},
        {"tokenizer": {"stopwords": [1, 2]}},
        {"themes": 5},
        {"label": 3},
    ],
)
def test_a_value_of_the_wrong_type_or_out_of_range_raises(values):
    with pytest.raises(ValueError):
        BuildSettings.from_mapping(values)


def test_values_are_normalised_so_equal_settings_hash_equally():
    a = BuildSettings.from_mapping({"topics": {"k_grid": [4, 6], "max_df": 1}})
    b = BuildSettings.from_mapping({"topics": {"k_grid": (4, 6), "max_df": 1.0}})
    assert a == b and a.settings_hash == b.settings_hash
    assert a.topics.k_grid == (4, 6) and isinstance(a.topics.max_df, float)
    assert BuildSettings.from_mapping({"topics": TopicSettings(k_grid=(4, 6), max_df=1.0)}) == a
    assert a.with_section("topics", max_df=0.4).topics.max_df == 0.4
    assert BuildSettings.from_mapping(None) == BuildSettings.from_mapping({}) == BuildSettings()


def test_settings_are_frozen():
    s = BuildSettings()
    with pytest.raises(AttributeError):
        s.themes.n_boot = 3  # type: ignore[misc]


def test_section_defaults_are_the_stages_defaults():
    from fazhi import themes
    from fazhi.tokenizer import Tokenizer, tokenizer_from_settings

    assert (ThemeSettings().n_boot, ThemeSettings().seed) == (themes.N_BOOT, themes.SEED)
    assert tokenizer_from_settings(TokenizerSettings()).settings_hash == Tokenizer().settings_hash
    other = tokenizer_from_settings(TokenizerSettings(min_chars=1, userdict="none"))
    assert other.settings_hash != Tokenizer().settings_hash and other.userdict_path is None


def test_the_token_cache_is_recorded_but_not_stamped():
    a, b = BuildSettings(), BuildSettings.from_mapping({"tokenizer": {"cache": False}})
    assert a.settings_hash == b.settings_hash
    assert b.to_dict()["tokenizer"]["cache"] is False and "cache" not in b.stamped()["tokenizer"]
    assert BuildSettings(label="x").settings_hash != a.settings_hash


# -- stamps and build.json ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> dict[str, Path]:
    """Three real builds of the seeds: FAST given as a mapping, FAST as a BuildSettings, and FAST with
    another bootstrap size."""
    base = tmp_path_factory.mktemp("settings_builds")
    mp = pytest.MonkeyPatch()
    mp.setenv("FAZHI_CACHE", str(base / "cache"))
    other = {**FAST, "themes": {"n_boot": 60}}
    runs = {"a": FAST, "b": BuildSettings.from_mapping(FAST), "c": other}
    try:
        for name, settings in runs.items():
            pipeline.build(SEEDS, base / name, settings=settings, progress=False, jobs=1)
    finally:
        mp.undo()
    return {name: base / name for name in runs}


def test_defaults_appear_in_every_stamp_and_in_build_json(builds):
    info = json.loads((builds["a"] / "build.json").read_text(encoding="utf-8"))
    expected = BuildSettings.from_mapping(FAST)
    assert info["settings"] == expected.to_dict()
    assert info["settings"]["topics"]["max_df"] == TopicSettings().max_df  # a default, not given
    assert info["settings"]["reuse"]["min_chars"] == 20
    tables = sorted(builds["a"].glob("*.parquet"))
    assert len(tables) == len(info["tables"]) > 20
    for path in tables:
        stamp = read_stamp(path)
        assert stamp["settings_hash"] == expected.settings_hash
        stamped = json.loads(stamp["settings"])
        assert stamped["themes"] == {"n_boot": 50, "seed": ThemeSettings().seed, "compare_min_docs": 5}
        assert stamped["tokenizer"]["engine"] == "rjieba" and "cache" not in stamped["tokenizer"]


def test_same_settings_give_byte_identical_tables_and_different_settings_another_hash(builds):
    a = {p.name: p.read_bytes() for p in builds["a"].glob("*.parquet")}
    b = {p.name: p.read_bytes() for p in builds["b"].glob("*.parquet")}
    assert a == b
    c_hashes = {read_stamp(p)["settings_hash"] for p in builds["c"].glob("*.parquet")}
    a_hashes = {read_stamp(p)["settings_hash"] for p in builds["a"].glob("*.parquet")}
    assert len(c_hashes) == len(a_hashes) == 1 and c_hashes != a_hashes
    # the bootstrap size reaches the themes stage: its intervals differ
    import polars as pl

    sa = pl.read_parquet(builds["a"] / "theme_scores.parquet")
    sc = pl.read_parquet(builds["c"] / "theme_scores.parquet")
    assert not sa.equals(sc)


# -- the command line ----------------------------------------------------------------------------------


def test_cli_reads_a_settings_file_and_refuses_a_typo(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[themes]\nn_bot = 3\n", encoding="utf-8")
    assert (
        main(["build", "--corpus", str(SEEDS), "--out", str(tmp_path / "out"), "--settings", str(bad)]) == 2
    )
    err = capsys.readouterr().err
    assert "n_bot" in err and "n_boot" in err
    assert not (tmp_path / "out").exists()  # refused before anything was computed or created
    broken = tmp_path / "broken.toml"
    broken.write_text("[themes\n", encoding="utf-8")
    assert (
        main(["build", "--corpus", str(SEEDS), "--out", str(tmp_path / "out"), "--settings", str(broken)])
        == 2
    )
    assert "broken.toml" in capsys.readouterr().err


def test_cli_settings_file_and_text_column_merge():
    from fazhi.cli import build_settings

    path = ROOT / "tests" / "data" / "settings_example.toml"
    values = build_settings(path, "稿件")
    s = BuildSettings.from_mapping(values)
    assert s.corpus.text_column == "稿件" and s.themes.n_boot == 500 and s.topics.k_grid == (4, 6, 8)
