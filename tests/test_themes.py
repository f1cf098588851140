"""Themes: lexicons, matching on the token stream, scores with bootstrap intervals, validation against
heading labels, sensitivity and expansion."""

from __future__ import annotations

import shutil
import unicodedata
from pathlib import Path

import polars as pl
import pytest
from conftest import declared_frame
from fazhi import themes as T
from fazhi.pipeline import STAGES, BuildContext
from fazhi.schema import TOKENS, validate
from hypothesis import given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"


# ---------------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def seed_tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pl.DataFrame]:
    """The real pipeline's stages over the seeds, up to and including themes (few bootstrap replicates)."""
    import importlib

    out = tmp_path_factory.mktemp("themes_build")
    ctx = BuildContext(corpus=SEEDS, out=out, settings={"themes": {"n_boot": 200}}, progress=False, jobs=1)
    for name in ("corpus", "segment", "tokenizer", "themes"):
        ctx.tables.update(importlib.import_module(f"fazhi.{name}").build_stage(ctx))
    return ctx.tables


def _lexicon_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "lexicons"
    shutil.copytree(T.LEXICON_DIR, folder)
    return folder


# ---------------------------------------------------------------------------------------------- lexicons


def test_lexicons_cover_the_eight_systems_with_enough_terms() -> None:
    lex = T.load_lexicons()
    outline = [s["id"] for s in T.outline_systems()]
    assert list(lex.themes) == outline
    for theme in T.FOCUS:
        assert len(lex[theme].terms) >= 40, theme
    for lx in lex.lexicons:
        assert f"{lx.id}={lx.version}" in lex.version
        assert all(0 < t.weight <= 1 and t.gloss for t in lx.terms)
    assert lex.hash == __import__("fazhi.tables", fromlist=["lexicon_hash"]).lexicon_hash()


def test_lexicon_terms_carry_their_vocabulary_eras(tmp_path: Path) -> None:
    eras = T.load_lexicons().eras()
    row = eras.filter((pl.col("theme") == "digital_government") & (pl.col("term") == "数字政府")).row(
        0, named=True
    )
    assert row["valid_from"] is not None and row["era"]
    older = eras.filter((pl.col("theme") == "digital_government") & (pl.col("term") == "电子政务")).row(
        0, named=True
    )
    assert older["valid_from"] < row["valid_from"]  # the documented succession 电子政务 → 数字政府
    # every term is listed, eras or not; an added era is read back
    assert eras.height == len(T.load_lexicons().terms)
    folder = _lexicon_copy(tmp_path)
    path = folder / "emergency_response.toml"
    path.write_text(
        path.read_text(encoding="utf-8") + '\n[[term]]\nterm = "新词"\ngloss = "x"\nvalid_from = 1990\n'
        'valid_to = 1999\nera = "the 1990s"\n',
        encoding="utf-8",
    )
    new = T.load_lexicons(folder).eras().filter(pl.col("term") == "新词").row(0, named=True)
    assert (new["valid_from"], new["valid_to"], new["era"]) == (1990, 1999, "the 1990s")


def test_no_lexicon_term_is_an_outline_heading_phrase() -> None:
    # The system's own name (突发事件应对, 科技保障, 行政预防调处化解 ...) would leak the gold label.
    lex = T.load_lexicons()
    cores = []
    for s in T.outline_systems():
        core = s["name"].removesuffix("体系").removeprefix("法治政府建设")
        cores.append(unicodedata.normalize("NFKC", core))
    for t in lex.terms:
        for core in cores:
            assert core not in t.key, f"{t.term!r} ({t.theme}) contains the Outline heading phrase {core!r}"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s + '\n[[term]]\nterm = "行政复议"\ngloss = "dup"\n', "already a term"),
        (lambda s: s + '\n[[term]]\nterm = "新词"\n', "no gloss"),
        (lambda s: s + '\n[[term]]\nterm = "新词"\nweight = 2.0\ngloss = "x"\n', "weight"),
        (
            lambda s: s.replace('id = "emergency_response"', 'id = "emergencies"'),
            "differs from the file name",
        ),
        (lambda s: s + "\n[[term\n", "not valid TOML"),
        (lambda s: s + '\n[[term]]\nterm = "新词"\ngloss = "x"\nvalid_from = "2003"\n', "valid_from"),
        (lambda s: s + '\n[[term]]\nterm = "新词"\ngloss = "x"\nvalid_to = 30000\n', "valid_to"),
        (
            lambda s: s + '\n[[term]]\nterm = "新词"\ngloss = "x"\nvalid_from = 2010\nvalid_to = 2000\n',
            "must not follow",
        ),
        (lambda s: s + '\n[[term]]\nterm = "新词"\ngloss = "x"\nera = 3\n', "non-text era"),
        (lambda s: s.replace('label_en = "emergency response"', 'label_en = ""'), "label_en must be"),
    ],
)
def test_malformed_lexicons_are_refused(tmp_path: Path, edit, message: str) -> None:
    folder = _lexicon_copy(tmp_path)
    path = folder / "emergency_response.toml"
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(T.LexiconError, match=message):
        T.load_lexicons(folder)


def test_a_themes_labels_are_read_from_its_lexicon_file(tmp_path: Path) -> None:
    import tomllib

    folder = _lexicon_copy(tmp_path)
    path = folder / "oversight.toml"
    text = path.read_text(encoding="utf-8")
    raw = tomllib.loads(text)
    assert T.load_lexicons(folder)["oversight"].label_zh == raw["label_zh"]
    relabelled = text.replace(f'label_en = "{raw["label_en"]}"', 'label_en = "checks on power"')
    path.write_text(relabelled, encoding="utf-8")
    lexicons = T.load_lexicons(folder)
    assert lexicons["oversight"].label_en == "checks on power"
    assert T.theme_labels(lexicons)["oversight"] == (raw["label_zh"], "checks on power")
    # Without label keys a theme is labelled by its file's name and its Outline system's English name.
    unlabelled = "\n".join(ln for ln in text.splitlines() if not ln.startswith("label_"))
    path.write_text(unlabelled, encoding="utf-8")
    english = {s["id"]: s["english"] for s in T.outline_systems()}
    lx = T.load_lexicons(folder)["oversight"]
    assert (lx.label_zh, lx.label_en) == (raw["name"], english["oversight"])


def test_changing_a_lexicon_file_changes_the_hash_in_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fazhi import tables

    data = tmp_path / "data"
    shutil.copytree(T.LEXICON_DIR.parent, data, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(tables, "PACKAGE_DATA", data)
    monkeypatch.setattr(T.lexicon, "LEXICON_DIR", data / "lexicons")  # where load_lexicons() looks by default
    monkeypatch.setattr(T.lexicon, "OUTLINE_FILE", data / "outline.toml")
    tokens = _stream("doc", ["完善", "应急预案"])
    docs = pl.DataFrame({"doc_id": ["doc"], "n_chars": [6]})
    before = T.load_lexicons()
    hits_before = T.find_hits(tokens, docs, before)
    path = data / "lexicons" / "emergency_response.toml"
    path.write_text(
        path.read_text(encoding="utf-8")
        + '\n[[term]]\nterm = "应急广播"\ngloss = "emergency broadcasting"\n',
        encoding="utf-8",
    )
    after = T.load_lexicons()
    hits_after = T.find_hits(tokens, docs, after)
    assert before.hash != after.hash
    assert after.hash == tables.lexicon_hash()
    assert hits_before["lexicon_hash"].unique().to_list() == [before.hash]
    assert hits_after["lexicon_hash"].unique().to_list() == [after.hash]


# ---------------------------------------------------------------------------------------------- matching


def _stream(doc_id: str, words: list[str]) -> pl.DataFrame:
    starts, pos = [], 0
    for w in words:
        starts.append(pos)
        pos += len(w)
    n = len(words)
    return declared_frame(
        "tokens",
        {
            "doc_id": [doc_id] * n,
            "section_id": [0] * n,
            "sentence_id": [0] * n,
            "token_id": list(range(n)),
            "token": words,
            "start": starts,
            "end": [s + len(w) for s, w in zip(starts, words, strict=True)],
            "keep": [len(w) > 1 for w in words],
        },
        columns=[c for c in TOKENS.names if c != "pos"],
    )


def test_multi_token_terms_match_as_one_phrase_leftmost_longest() -> None:
    m = T.Matcher(T.load_lexicons())
    hits = m.match(["建设", "政务", "数据", "有序", "共享", "平台"])
    assert [(h.first, h.n_tokens, h.term.term) for h in hits] == [(1, 4, "政务数据有序共享")]
    # 互联网+监管 split into three tokens is one hit of 互联网+监管, not also 互联网+.
    hits = m.match(["推进", "互联网", "+", "监管", "建设"])
    assert [h.term.term for h in hits] == ["互联网+监管"]
    # Full-width plus and digits are the same term (NFKC).
    assert [h.term.term for h in m.match(["互联网＋监管"])] == ["互联网+监管"]


def test_a_term_inside_a_longer_token_is_not_a_hit() -> None:
    m = T.Matcher(T.load_lexicons())
    assert m.match(["供应", "急需", "物资"]) == []  # 应急 straddles a token boundary
    assert m.match(["应急管理局长"]) == []  # inside one token
    assert [h.term.term for h in m.match(["应急", "管理"])] == ["应急管理"]


def test_plus_and_digit_terms_are_one_term_with_the_default_tokenizer() -> None:
    text = "深入推进“互联网+监管”建设，开通12345热线。"
    scores = T.score_themes(text)
    by = dict(zip(scores["theme"], scores["hits"], strict=True))
    assert by["digital_government"] == 1  # 互联网+监管 once, not 互联网+ as well
    assert by["government_functions"] == 1  # 12345热线 once, not 12345 as well
    hits = T.find_hits(
        T.tokens_frame(pl.DataFrame({"doc_id": ["d"], "text": [text]})),
        pl.DataFrame({"doc_id": ["d"], "n_chars": [len(text)]}),
    )
    assert sorted(hits["term"].to_list()) == ["12345热线", "互联网+监管"]
    for s, e, term in hits.select("start", "end", "term").iter_rows():
        assert text[s:e] == term


def test_an_unrelated_compound_does_not_count_with_the_default_tokenizer() -> None:
    scores = T.score_themes("保障供应急需物资。")
    assert scores.filter(pl.col("theme") == "emergency_response")["hits"].item() == 0


def test_score_themes_returns_all_eight_themes() -> None:
    scores = T.score_themes("修订应急预案，开展应急演练，加强行政复议。")
    assert scores.columns == ["theme", "hits", "per_1k_tokens", "present"]
    assert scores["theme"].to_list() == [s["id"] for s in T.outline_systems()]
    by = dict(zip(scores["theme"], scores["hits"], strict=True))
    assert by["emergency_response"] == 2 and by["dispute_resolution"] == 1
    present = dict(zip(scores["theme"], scores["present"], strict=True))
    assert (
        present["emergency_response"] and present["dispute_resolution"] and not present["digital_government"]
    )
    empty = T.score_themes("")
    assert empty["hits"].sum() == 0 and empty["per_1k_tokens"].sum() == 0 and not empty["present"].any()


def test_present_follows_the_context_rules_not_the_bare_hit() -> None:
    """数据 and 平台 are digital-government lexicon words; in an economy sentence they are not the theme."""
    economy = T.score_themes("发展数字经济，建设大数据产业园和工业互联网平台。")
    government = T.score_themes("推进政务数据共享，建设一体化政务服务平台，实现一网通办。")
    pres = {
        name: dict(zip(f["theme"], f["present"], strict=True))
        for name, f in (("e", economy), ("g", government))
    }
    assert not pres["e"]["digital_government"] and pres["g"]["digital_government"]
    debt = T.score_themes("积极化解地方政府债务风险，化解结构性矛盾。")
    assert not dict(zip(debt["theme"], debt["present"], strict=True))["dispute_resolution"]


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_tokenisation_of_a_term_is_one_hit(data: st.DataObject) -> None:
    lex = T.load_lexicons()
    term = data.draw(st.sampled_from([t for t in lex.terms if len(t.key) >= 2]))
    key = term.key
    cuts = sorted(data.draw(st.sets(st.integers(1, len(key) - 1), max_size=len(key) - 1)))
    pieces = [key[a:b] for a, b in zip([0, *cuts], [*cuts, len(key)], strict=True)]
    hits = T.Matcher(lex).match(["。", *pieces, "。"])
    assert len(hits) == 1
    assert hits[0].first == 1 and hits[0].n_tokens == len(pieces)
    # a term of the lexicon is never shadowed by a longer one on exactly its own text
    assert hits[0].term.key == key


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.text(alphabet="应急预案管理复议行政数据共享互联网+监管12345热线", min_size=1, max_size=4),
        max_size=30,
    )
)
def test_hits_never_overlap_and_spell_their_terms(tokens: list[str]) -> None:
    hits = T.Matcher(T.load_lexicons()).match(tokens)
    last = -1
    for h in hits:
        assert h.first > last
        last = h.first + h.n_tokens - 1
        assert T._norm("".join(tokens[h.first : h.first + h.n_tokens])) == h.term.key


# -------------------------------------------------------------------------------------- pipeline on the seeds


def test_stage_tables_match_their_contracts(seed_tables: dict[str, pl.DataFrame]) -> None:
    lex = T.load_lexicons()
    for name in (
        "theme_hits",
        "theme_sections",
        "theme_scores",
        "theme_contrasts",
        "theme_validation",
        "theme_confusion",
        "theme_sensitivity",
        "theme_expansion",
    ):
        df = seed_tables[name]
        validate(name, df)
        assert df.height > 0, name
        assert df["lexicon_hash"].unique().to_list() == [lex.hash]
        assert df["lexicon_version"].unique().to_list() == [lex.version]


def test_themes_stage_runs_after_the_tokenizer() -> None:
    assert "themes" in STAGES
    assert STAGES.index("themes") > STAGES.index("tokenizer")
    if "vocabulary" in STAGES:
        assert STAGES.index("themes") > STAGES.index("vocabulary")


def test_every_hit_is_traceable_to_its_offsets(seed_tables: dict[str, pl.DataFrame]) -> None:
    text = dict(zip(seed_tables["documents"]["doc_id"], seed_tables["documents"]["text"], strict=True))
    for doc_id, s, e, term in seed_tables["theme_hits"].select("doc_id", "start", "end", "term").iter_rows():
        assert T._norm(text[doc_id][s:e]) == T._norm(term)


@pytest.mark.parametrize("variant", ["full", "no_outline_words", "all_headings_excluded"])
def test_validation_f1_on_the_seeds(seed_tables: dict[str, pl.DataFrame], variant: str) -> None:
    v = seed_tables["theme_validation"].filter(pl.col("variant") == variant)
    for theme in T.FOCUS:
        row = v.filter(pl.col("theme") == theme)
        assert row["support"].item() >= 3, theme
        assert row["f1"].item() >= 0.80, f"{variant} {theme}: F1 {row['f1'].item():.2f}"


def test_validation_excludes_the_heading(seed_tables: dict[str, pl.DataFrame]) -> None:
    # The labelled heading 健全突发事件应对体系… holds 突发事件: with the heading excluded it must not be
    # counted.
    docs, secs, hits = seed_tables["documents"], seed_tables["sections"], seed_tables["theme_hits"]
    units = T.labelled_units(secs, docs)
    heads = units.filter(pl.col("unit_id") == pl.col("section_id"), pl.col("cut_end") > pl.col("cut_start"))
    assert heads.height > 0
    inside_heading = hits.join(heads.select("doc_id", "cut_start", "cut_end"), on="doc_id").filter(
        (pl.col("start") >= pl.col("cut_start")) & (pl.col("end") <= pl.col("cut_end"))
    )
    assert inside_heading.height > 0  # headings do hold lexicon terms ...
    _keys, w = T.unit_evidence(units, hits, T.load_lexicons().themes)
    _keys_all, w_all = T.unit_evidence(
        units.with_columns(cut_end=pl.col("cut_start")), hits, T.load_lexicons().themes
    )
    assert w.sum() < w_all.sum()  # ... and they are left out of the bodies


def test_bootstrap_is_deterministic_and_per_document(seed_tables: dict[str, pl.DataFrame]) -> None:
    t = seed_tables
    lex = T.load_lexicons()
    stats = T.section_stats(t["sections"], t["documents"], t["tokens"], t["theme_hits"], lex.themes)
    a, ca = T.scores_and_contrasts(stats, lex.themes, lex, n_boot=150, seed=7)
    b, cb = T.scores_and_contrasts(stats, lex.themes, lex, n_boot=150, seed=7)
    assert a.equals(b) and ca.equals(cb)
    c, _ = T.scores_and_contrasts(stats, lex.themes, lex, n_boot=150, seed=8)
    assert not a.equals(c)
    # A document's interval does not depend on which other documents are in the corpus.
    d, _ = T.scores_and_contrasts(stats[:2], lex.themes, lex, n_boot=150, seed=7)
    key = ["scope", "doc_id", "theme", "measure"]
    one = a.filter(pl.col("doc_id") == stats[0].doc_id).sort(key)
    two = d.filter(pl.col("doc_id") == stats[0].doc_id).sort(key)
    assert one.select("value", "ci_low", "ci_high").equals(two.select("value", "ci_low", "ci_high"))


def test_intervals_bracket_the_estimates(seed_tables: dict[str, pl.DataFrame]) -> None:
    s = seed_tables["theme_scores"].filter(pl.col("measure") == "per_1k_tokens")
    assert (s["ci_low"] <= s["value"] + 1e-9).all() and (s["value"] <= s["ci_high"] + 1e-9).all()
    levels = set(seed_tables["documents"]["level"])
    assert set(s.filter(pl.col("scope") == "level")["level"]) == levels
    c = seed_tables["theme_contrasts"]
    n = len(levels)
    assert c.filter(pl.col("measure") == "per_1k_tokens").height == 8 * n * (n - 1) // 2


def test_leave_one_term_out(seed_tables: dict[str, pl.DataFrame]) -> None:
    s = seed_tables["theme_sensitivity"].filter(pl.col("scope") == "corpus")
    assert (s["per_1k_without"] <= s["per_1k_tokens"] + 1e-9).all()
    totals = s.group_by("theme").agg(pl.col("share_of_theme").sum())
    assert all(abs(x - 1) < 1e-9 for x in totals["share_of_theme"])
    assert s["f1_without"].drop_nulls().len() > 0


def test_expansion_candidates_are_new_words_and_change_nothing(seed_tables: dict[str, pl.DataFrame]) -> None:
    lex = T.load_lexicons()
    e = seed_tables["theme_expansion"]
    keys = {t.key for t in lex.terms}
    assert not set(e["candidate"].map_elements(T._norm, return_dtype=pl.String)) & keys
    assert e.group_by("theme").agg(pl.col("rank").max())["rank"].max() <= 25
    assert (e["cooc"] <= e["freq"]).all()
    assert T.load_lexicons().hash == lex.hash


# ----------------------------------------------------------------------------------- validation on any corpus


def _toy_corpus() -> tuple[pl.DataFrame, pl.DataFrame]:
    """Three labelled sections; the heading of the third names emergencies, its body talks about disputes."""
    parts = [
        ("一、应急管理", "emergency_response", "修订应急预案，组织应急演练，做好防汛抢险。"),
        ("二、复议应诉", "dispute_resolution", "办结行政复议案件，负责人出庭应诉，开展人民调解。"),
        ("三、突发事件应对", "emergency_response", "加强行政调解，推进矛盾纠纷多元化解。"),
        ("四、其他", None, "无。"),
    ]
    text, rows = "", []
    for sid, (title, label, body) in enumerate(parts):
        start = len(text)
        text += f"{title}\n{body}\n"
        rows.append(
            {
                "doc_id": "toy",
                "section_id": sid,
                "parent_id": None,
                "title": title[2:],
                "start": start,
                "end": len(text),
                "system": label,
                "system_source": "heading" if label else None,
            }
        )
    docs = pl.DataFrame({"doc_id": ["toy"], "text": [text]})
    secs = pl.DataFrame(
        rows,
        schema={
            "doc_id": pl.String,
            "section_id": pl.Int32,
            "parent_id": pl.Int32,
            "title": pl.String,
            "start": pl.Int64,
            "end": pl.Int64,
            "system": pl.String,
            "system_source": pl.String,
        },
    )
    return docs, secs


def test_validation_on_a_toy_labelled_corpus() -> None:
    docs, secs = _toy_corpus()
    v = T.validate_sections(secs, docs)
    m = {r["theme"]: r for r in v.metrics.to_dicts()}
    assert m["emergency_response"]["support"] == 2 and m["emergency_response"]["true_positives"] == 1
    assert m["emergency_response"]["precision"] == 1.0 and m["emergency_response"]["recall"] == 0.5
    assert m["dispute_resolution"]["support"] == 1 and m["dispute_resolution"]["predicted"] == 2
    assert m["dispute_resolution"]["precision"] == 0.5 and m["dispute_resolution"]["recall"] == 1.0
    assert abs(m["dispute_resolution"]["f1"] - 2 / 3) < 1e-9
    assert m["oversight"]["f1"] is None  # no support, nothing predicted
    cells = {(r["label"], r["predicted"]): r["n"] for r in v.confusion.to_dicts()}
    assert cells == {
        ("emergency_response", "emergency_response"): 1,
        ("emergency_response", "dispute_resolution"): 1,
        ("dispute_resolution", "dispute_resolution"): 1,
    }
    # The unlabelled section is not scored; the heading 突发事件应对 did not count for the third section.
    assert v.units.height == 3
    third = v.units.filter(pl.col("unit_id") == 2)
    assert third["emergency_response"].item() == 0


def test_validation_without_optional_columns() -> None:
    docs, secs = _toy_corpus()
    bare = secs.select("doc_id", "section_id", "start", "end", "system")
    v = T.validate_sections(bare, docs)
    # Without titles nothing is excluded: the third section's heading 突发事件 now counts.
    assert v.units.height == 3
    assert v.units.filter(pl.col("unit_id") == 2)["emergency_response"].item() > 0


def _naive_hits_in_units(units: pl.DataFrame, hits: pl.DataFrame) -> list[tuple[int, int]]:
    """The definition: every (hit, unit row) of one document with the hit in the span, outside the cut."""
    return sorted(
        (i, j)
        for i, h in enumerate(hits.iter_rows(named=True))
        for j, u in enumerate(units.iter_rows(named=True))
        if h["doc_id"] == u["doc_id"]
        and u["start"] <= h["start"] < u["end"]
        and not (h["start"] < u["cut_end"] and h["end"] > u["cut_start"])
    )


_span = st.tuples(st.integers(0, 60), st.integers(0, 12))


@settings(max_examples=200, deadline=None)
@given(
    units=st.lists(
        st.tuples(st.sampled_from("ab"), _span, st.integers(0, 6), st.integers(0, 6)), max_size=12
    ),
    hits=st.lists(st.tuples(st.sampled_from("abc"), _span), max_size=30),
)
def test_hits_in_units_is_the_interval_join(units, hits) -> None:
    # Units may overlap, be empty, or have a cut anywhere; hits may sit in no unit or in a document without
    # units.
    u = pl.DataFrame(
        [(d, k, s, s + n, s + c0, s + c0 + c1) for k, (d, (s, n), c0, c1) in enumerate(units)],
        schema={
            "doc_id": pl.String,
            "unit_id": pl.Int32,
            "start": pl.Int64,
            "end": pl.Int64,
            "cut_start": pl.Int64,
            "cut_end": pl.Int64,
        },
        orient="row",
    )
    h = pl.DataFrame(
        [(d, s, s + max(n, 1)) for d, (s, n) in hits],
        schema={"doc_id": pl.String, "start": pl.Int64, "end": pl.Int64},
        orient="row",
    )
    pairs = T.hits_in_units(u, h)
    assert list(
        zip(pairs["hit_row"].to_list(), pairs["unit_row"].to_list(), strict=True)
    ) == _naive_hits_in_units(u, h)


def test_a_theme_is_present_only_above_the_documented_minimum():
    from fazhi.themes import PRESENCE_MIN_HITS, PRESENCE_MIN_RATE, default_lexicons, theme_documents

    lex = default_lexicons()
    docs = pl.DataFrame(
        {
            "doc_id": ["one_word", "three_words", "diluted"],
            "source_file": ["a.txt", "b.txt", "c.txt"],
            "region": [None, None, None],
            "issuer": [None, None, None],
            "level": ["city", "city", "county"],
            "doc_type": ["other"] * 3,
            "period": [None, None, None],
        }
    )
    # one incidental hit on 250 tokens (4 per 1,000); three hits on 300 tokens; three hits on 5,000 tokens
    sections = pl.DataFrame(
        {
            "doc_id": ["one_word", "three_words", "diluted"],
            "section_id": [0, 0, 0],
            "theme": ["emergency_response"] * 3,
            "hits": [1, 3, 3],
            "weighted_hits": [1.0, 3.0, 3.0],
            "word_tokens": [250, 300, 5000],
        }
    )
    out = theme_documents(sections, docs, lex).filter(pl.col("theme") == "emergency_response")
    got = {r["doc_id"]: (r["present"], r["emphasis"]) for r in out.iter_rows(named=True)}
    assert PRESENCE_MIN_HITS == 3 and PRESENCE_MIN_RATE == 1
    assert got["one_word"] == (False, 0.0)
    assert got["three_words"] == (True, pytest.approx(10.0))
    assert got["diluted"][0] is False and got["diluted"][1] == 0.0
    # every document gets a row for every theme, with its readable label
    assert out.height == 3 and theme_documents(sections, docs, lex).height == 3 * len(lex.themes)
    assert set(out["label"]) == {"a", "b", "c"}


def test_group_tables_compare_levels_and_levels_within_types():
    from fazhi.themes import default_lexicons, group_tables

    lex = default_lexicons()
    rows = [
        {
            "doc_id": f"{lv}{k}",
            "level": lv,
            "doc_type": "annual_report",
            "period": "2023",
            "theme": "emergency_response",
            "emphasis": base + k,
            "present": True,
        }
        for lv, base in (("city", 1.0), ("county", 30.0), ("unknown", 99.0))
        for k in range(6)
    ]
    groups, contrasts = group_tables(pl.DataFrame(rows), lex, n_boot=300)
    assert set(groups["covariate"]) == {"level", "doc_type", "period"}
    lvl = contrasts.filter(pl.col("covariate") == "level", pl.col("stratum").is_null())
    assert lvl.height == 1 and lvl["supported"].item() and lvl["group_a"].item() == "city"
    assert lvl.filter(pl.col("group_a") == "unknown").is_empty()
    assert contrasts.filter(pl.col("stratum") == "annual_report").height == 1
