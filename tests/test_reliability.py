"""Reliability and security cases of issue 14 that are not corpus ingestion: each is a regression test.

Cases that could exhaust memory or crash the interpreter (a huge document, a corrupted cache, killed
processes, concurrent writers) run in a subprocess under ``resource.setrlimit(RLIMIT_AS)``, so that a
regression fails the test instead of taking the machine (or pytest) down.

- 2  chart JSON cannot end or swallow its ``<script>`` (``fazhi.charts.script_json``)
- 3  CSV downloads neutralise formulae and carry a UTF-8 BOM (``fazhi.site.export_downloads``)
- 5  one huge single-line document builds in bounded memory (``fazhi.themes.hits_in_units``, bootstrap blocks)
- 6  a corrupted token cache is detected and recomputed, never trusted (``fazhi.tokenizer`` checksums)
- 14 a corpus too small for topic models: the build says why and notebook 05 still runs
- 16 a bad ``--out`` is refused before anything is computed; a full disk leaves the previous output
- 18 concurrent builds into one folder, a reader during the writes, an interrupted build
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest
from fazhi import pipeline
from hypothesis import given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
MEMORY_LIMIT = 3 * 2**30  # bytes of address space for each fuzz subprocess


def _limited(code: str, limit: int) -> list[str]:
    """The command running ``code`` with its address space capped at ``limit`` bytes (set by the child)."""
    head = f"import resource\nresource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))\n"
    return [sys.executable, "-c", head + textwrap.dedent(code)]


def run_limited(
    code: str, *, limit: int = MEMORY_LIMIT, timeout: float = 600, env: dict[str, str] | None = None
):
    """Run Python ``code`` in a subprocess whose address space is capped at ``limit`` bytes."""
    return subprocess.run(
        _limited(code, limit),
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )


def popen_limited(
    code: str, *, limit: int = MEMORY_LIMIT, env: dict[str, str] | None = None
) -> subprocess.Popen:
    """Start Python ``code`` in a subprocess whose address space is capped at ``limit`` bytes."""
    return subprocess.Popen(
        _limited(code, limit),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def _seed_texts() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]


# ---------------------------------------------------------------------------------------------- 2


def test_chart_json_cannot_end_or_swallow_its_script():
    from fazhi.charts import chart_html
    from selectolax.lexbor import LexborHTMLParser

    payloads = ["“应急管理<!--<script>”", "</script><img src=x onerror=alert(1)>", "a&b\u2028c\u2029d"]
    spec = {"data": {"values": [{"term": p, "n": 1} for p in payloads]}, "mark": "bar"}
    page = f"<html><body>{chart_html(spec, '', 'c1')}<div id='after'>after the chart</div></body></html>"
    tree = LexborHTMLParser(page)  # an HTML5 parser: script data states as in a browser
    after = tree.css_first("#after")
    assert after is not None and after.text() == "after the chart", "the chart's script swallowed the page"
    assert tree.css_first("img") is None  # no element made of the data
    assert len(tree.css("script")) == 2

    from fazhi.charts import script_json

    raw = script_json(spec)
    assert json.loads(raw) == spec  # the escapes change nothing the browser reads
    assert not any(c in raw for c in "<>&\u2028\u2029")


@settings(deadline=None)
@given(
    st.recursive(
        st.text() | st.integers() | st.none(),
        lambda c: st.lists(c) | st.dictionaries(st.text(), c),
        max_leaves=20,
    )
)
def test_script_json_round_trips_and_never_holds_markup(value):
    from fazhi.charts import script_json

    raw = script_json(value)
    assert json.loads(raw) == value
    assert not any(c in raw for c in "<>&\u2028\u2029")


# ---------------------------------------------------------------------------------------------- 3


def test_csv_downloads_neutralise_formulae_and_carry_a_bom(tmp_path):
    from fazhi.site import export_downloads

    cells = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "法治政府", "a=b"]
    df = pl.DataFrame({"title": cells, "n_chars": [-1, 2, 3, 4, 5, 6, 7, 8]})
    tables = tmp_path / "tables"
    tables.mkdir()
    df.write_parquet(tables / "documents.parquet")
    export_downloads(tables, tmp_path / "downloads", names=("documents",))
    raw = (tmp_path / "downloads" / "documents.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "CSV without a UTF-8 byte-order mark"
    back = pl.read_csv(raw[3:], schema=df.schema)
    expected = [f"'{c}" if c[0] in "=+-@\t\r" else c for c in cells]
    assert back["title"].to_list() == expected
    assert back["n_chars"].to_list() == df["n_chars"].to_list()  # numbers keep their sign
    assert pl.read_parquet(tmp_path / "downloads" / "documents.parquet").equals(df)  # parquet unchanged


@settings(deadline=None)
@given(st.lists(st.text(max_size=12) | st.none(), min_size=1, max_size=20))
def test_neutralised_cells_are_the_value_or_a_quoted_value(cells):
    from fazhi.site import neutralise_formulae

    out = neutralise_formulae(pl.DataFrame({"c": cells}, schema={"c": pl.String}))["c"].to_list()
    for before, after in zip(cells, out, strict=True):
        if before is None:
            assert after is None
        elif before[:1] in ("=", "+", "-", "@", "\t", "\r"):
            assert after == "'" + before
        else:
            assert after == before


# ---------------------------------------------------------------------------------------------- 5


@pytest.mark.slow
def test_one_huge_single_line_document_builds_in_bounded_memory(tmp_path):
    # 2 MB of UTF-8 on one line, made of the seeds' own text: the naive hits × units join of
    # themes.unit_evidence needed > 8 GB here, the bootstrap ~4 GB.
    one = "".join(t.replace("\r", "").replace("\n", "") for t in _seed_texts())
    size = 2 * 2**20
    text = (one * (size // len(one.encode()) + 2)).encode()[:size].decode("utf-8", errors="ignore")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "huge.txt").write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    proc = run_limited(
        f"""
        from fazhi.pipeline import build
        settings = {{"topics": {{"k_grid": [4, 6], "seeds": [0, 1]}}}}
        tables = build({str(corpus)!r}, {str(out)!r}, settings=settings, progress=False, jobs=1)
        print(tables["documents"].height, tables["theme_hits"].height, tables["sections"].height)
        """,
        env={"FAZHI_CACHE": str(tmp_path / "cache")},
        limit=4 * 2**30,  # address space, not memory used: thread pools reserve much more than they touch
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    docs, hits, sections = map(int, proc.stdout.split())
    assert docs == 1 and hits > 1000 and sections > 100
    assert (out / "theme_scores.parquet").is_file() and (out / "topics.parquet").is_file()


# ---------------------------------------------------------------------------------------------- 6

CACHE_SCRIPT = """
import json, random, sys, warnings
from pathlib import Path
import numpy as np
from fazhi.tokenizer import CacheIntegrityWarning, get_tokenizer, tokenize_texts

root = Path(sys.argv[1])
texts = [p.read_text(encoding="utf-8") for p in sorted(Path(sys.argv[2]).glob("*.txt"))][:3]
tok = get_tokenizer()
fresh = tokenize_texts(texts, tok, cache=False)
rng = random.Random(14)
results = {}

def run(case, damage):
    cache = root / case
    tokenize_texts(texts, tok, cache=cache)  # fill the cache
    damage(cache)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        again = tokenize_texts(texts, tok, cache=cache)
    same = all(a.equals(b) for a, b in zip(fresh, again))
    warned = sum(issubclass(x.category, CacheIntegrityWarning) for x in w)
    # and once more: the entry was replaced, so the third run is clean and served from the cache
    with warnings.catch_warnings(record=True) as w2:
        warnings.simplefilter("always")
        third = tokenize_texts(texts, tok, cache=cache)
    results[case] = {"same": same, "warned": warned, "third_same": all(a.equals(b) for a, b in zip(fresh, third)),
                     "third_warned": sum(issubclass(x.category, CacheIntegrityWarning) for x in w2)}

def arrows(cache):
    return sorted(cache.rglob("*.arrow"))

def flip_bits(n):
    def damage(cache):
        path = arrows(cache)[0]
        data = bytearray(path.read_bytes())
        for _ in range(n):
            i = rng.randrange(len(data))
            data[i] ^= 1 << rng.randrange(8)
        path.write_bytes(bytes(data))
    return damage

def wrong_row_count(cache):
    import pyarrow as pa, pyarrow.ipc as ipc
    path = arrows(cache)[0]
    table = ipc.open_file(pa.BufferReader(path.read_bytes())).read_all()  # a copy, not a map of the file
    index = json.loads(table.schema.metadata[b"fazhi.texts"])
    index[0][1] += 7  # the first text claims 7 more rows, the next 7 fewer
    index[-1][1] -= 7 if len(index) == 1 else 0
    if len(index) > 1:
        index[1][1] -= 7
    table = table.replace_schema_metadata({b"fazhi.texts": json.dumps(index).encode()})
    with pa.OSFile(str(path), "wb") as sink, ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)

def wrong_row_count_in_sidecar(cache):
    side = arrows(cache)[0].with_suffix(".json")
    data = json.loads(side.read_text())
    data["texts"][0][1] += 7
    side.write_text(json.dumps(data))

def garbage_keep(cache):
    for kp in cache.rglob("*.keep"):
        kp.write_bytes(bytes(rng.randrange(256) for _ in range(kp.stat().st_size)))

def garbage_keep_legacy_size(cache):
    for kp in cache.rglob("*.keep"):
        n = kp.stat().st_size - 16
        kp.write_bytes(bytes(rng.randrange(2) ^ 1 for _ in range(n)))

for trial in range(6):
    run(f"flip3-{trial}", flip_bits(3))
run("flip1000", flip_bits(1000))
run("wrong_row_count", wrong_row_count)
run("wrong_row_count_in_sidecar", wrong_row_count_in_sidecar)
run("garbage_keep", garbage_keep)
run("garbage_keep_legacy_size", garbage_keep_legacy_size)
print(json.dumps(results))
"""  # noqa: E501 (a script run in a subprocess)


def test_corrupted_token_cache_is_recomputed_with_a_warning(tmp_path):
    proc = run_limited(
        CACHE_SCRIPT.replace("sys.argv[1]", repr(str(tmp_path))).replace("sys.argv[2]", repr(str(SEEDS)))
    )
    assert proc.returncode == 0, f"exit {proc.returncode}: {proc.stderr[-3000:]}"  # no panic, no segfault
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    for case, r in results.items():
        assert r["same"], f"{case}: different tokens from a damaged cache"
        assert r["third_same"] and r["third_warned"] == 0, f"{case}: the damaged entry was not replaced"
        if case != "garbage_keep_legacy_size":  # a keep file of the old size is a silent miss, not damage
            assert r["warned"] >= 1, f"{case}: no CacheIntegrityWarning"


def test_a_token_cache_that_cannot_be_written_costs_nothing_but_a_warning(tmp_path):
    from fazhi import tokenizer as tk

    texts = _seed_texts()[:2]
    fresh = tk.tokenize_texts(texts, cache=False)
    # a file where the cache's folder should be: no entry can be written (serial and in worker processes)
    blocked = tmp_path / "blocked"
    blocked.mkdir()
    (blocked / "tokens").write_text("a file, not a folder")
    for jobs in (1, 2):
        with pytest.warns(tk.CacheWriteWarning, match="token cache not written"):
            out = tk.tokenize_texts(texts, cache=blocked, jobs=jobs, min_parallel_chars=0)
        assert all(a.equals(b) for a, b in zip(fresh, out, strict=True))
    assert not list(tmp_path.rglob("*.arrow")) and not list(tmp_path.rglob("*.tmp"))


# --------------------------------------------------------------------------------------------- 14


@pytest.mark.slow
def test_a_corpus_too_small_for_topics_says_why_and_notebook_05_runs(tmp_path, capsys, monkeypatch):
    from fazhi.site import execute_notebook
    from fazhi.topics import topics_skipped

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = _seed_texts()[2]
    (corpus / "short.txt").write_text(text[: text.index("。", 300) + 1], encoding="utf-8")
    monkeypatch.setenv("FAZHI_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "out"
    tables = pipeline.build(corpus, out, progress=False, jobs=1)
    assert tables["documents"].height == 1
    reason = topics_skipped(tables["topic_settings"])
    assert reason and "3 × 3" in reason
    assert f"note: topics: {reason}" in capsys.readouterr().err
    notes = json.loads((out / "build.json").read_text(encoding="utf-8"))["notes"]
    assert [n for n in notes if n["stage"] == "topics"] == [{"stage": "topics", "message": reason}]
    assert {n["stage"] for n in notes} <= {"topics", "reuse"}  # one document: nothing to align either
    nb = tmp_path / "nb" / "05_topics.ipynb"
    nb.parent.mkdir()
    shutil.copy(ROOT / "notebooks" / "05_topics.ipynb", nb)
    execute_notebook(
        nb, env={"FAZHI_DATA": str(out), "FAZHI_CORPUS": str(corpus), "FAZHI_PROJECT": str(ROOT)}
    )
    outputs = json.loads(nb.read_text(encoding="utf-8"))["cells"][1]["outputs"]
    assert any(reason in "".join(o.get("text", "")) for o in outputs)


# --------------------------------------------------------------------------------------------- 16


@pytest.fixture
def no_stage_may_run(monkeypatch):
    def refuse():
        raise AssertionError("a stage ran before --out was checked")

    monkeypatch.setattr(pipeline, "stages", refuse)


def test_a_file_or_unwritable_out_is_refused_before_computing(tmp_path, no_stage_may_run, capsys):
    from fazhi.cli import main

    a_file = tmp_path / "a_file"
    a_file.write_text("not a folder")
    bad = [a_file, a_file / "below_a_file"]
    if Path("/proc/1").is_dir():
        bad.append(Path("/proc/1/fazhi-out"))  # read-only even for root
    for out in bad:
        with pytest.raises(pipeline.OutputError, match=str(out)):
            pipeline.build(SEEDS, out, progress=False)
        assert main(["build", "--corpus", str(SEEDS), "--out", str(out), "-q"]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("fazhi build: error:") and "\n" not in err and "Traceback" not in err
    assert a_file.read_text() == "not a folder"


def test_a_missing_out_is_created_with_its_parents(tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "stages", list)
    monkeypatch.setattr(pipeline, "current_stamp", lambda *a, **k: {})
    # no stage: no table; the build still publishes build.json into the new folder
    out = tmp_path / "a" / "b" / "out"
    pipeline.build(SEEDS, out, progress=False)
    assert (out / "build.json").is_file() and not list(out.glob(".staging-*"))


# ------------------------------------------------------------------------------------- 16 and 18


@pytest.fixture(scope="module")
def seed_tables(tmp_path_factory) -> dict[str, pl.DataFrame]:
    """Every table of one real build of the seeds, to publish again quickly with stand-in stages."""
    base = tmp_path_factory.mktemp("seed_build")
    mp = pytest.MonkeyPatch()
    mp.setenv("FAZHI_CACHE", str(base / "cache"))
    try:
        tables = pipeline.build(SEEDS, base / "out", progress=False, jobs=1)
    finally:
        mp.undo()
    return tables


def _replay(monkeypatch, tables: dict[str, pl.DataFrame]) -> None:
    """Make ``pipeline.build`` publish ``tables`` instead of computing them."""
    monkeypatch.setattr(pipeline, "stages", lambda: [("replay", lambda ctx: dict(tables))])


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and not p.name.startswith(".")
    }


@pytest.mark.parametrize("fault", ["enospc", "interrupt"])
def test_a_failed_or_interrupted_write_leaves_the_previous_output(tmp_path, monkeypatch, seed_tables, fault):
    import fazhi.tables as tables_mod

    _replay(monkeypatch, seed_tables)
    out = tmp_path / "out"
    pipeline.build(SEEDS, out, settings={"label": "previous"}, progress=False)
    before = _snapshot(out)
    assert len(before) == len(seed_tables) + 1
    real = tables_mod.pq.write_table
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 11:
            if fault == "enospc":
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(tables_mod.pq, "write_table", failing)
    expected = pipeline.OutputError if fault == "enospc" else KeyboardInterrupt
    with pytest.raises(expected):
        pipeline.build(SEEDS, out, settings={"label": "next"}, progress=False)
    assert _snapshot(out) == before, "the previous output was changed by a build that failed"
    assert not [p for p in out.iterdir() if p.name.startswith(".staging-") or p.name.endswith(".tmp")]


WRITER = """
import sys, time
import polars as pl
from pathlib import Path
from fazhi import pipeline
tables = {{p.stem: pl.read_parquet(p) for p in Path({src!r}).glob("*.parquet")}}
pipeline.stages()  # imports every stage module: each registers its tables' schemas
pipeline.stages = lambda: [("replay", lambda ctx: dict(tables))]
for i in range({n}):
    pipeline.build({seeds!r}, {out!r}, settings={{"label": f"writer {w} run {{i}}"}}, progress=False)
print("done")
"""


@pytest.mark.slow
def test_three_concurrent_builds_and_a_reader_never_see_half_a_table(tmp_path, seed_tables):
    from fazhi.tables import read_stamp, write_table

    src = tmp_path / "src"
    for name, df in seed_tables.items():
        write_table(df, name, src, {})
    out = tmp_path / "out"
    out.mkdir()
    errors: list[str] = []
    reads = [0]
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            for p in sorted(out.glob("*.parquet")):
                try:
                    pq.read_table(p)
                    reads[0] += 1
                except FileNotFoundError:
                    pass  # a table no build makes any more, removed between glob and read
                except Exception as e:  # noqa: BLE001 -- any other failure is a half-written table
                    errors.append(f"{p.name}: {e}")
            info = out / "build.json"
            try:
                json.loads(info.read_text(encoding="utf-8"))
            except FileNotFoundError:
                pass
            except Exception as e:  # noqa: BLE001 -- a half-written build.json
                errors.append(f"build.json: {e}")

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        procs = [
            popen_limited(WRITER.format(src=str(src), n=4, seeds=str(SEEDS), out=str(out), w=w))
            for w in range(3)
        ]
        results = [p.communicate(timeout=600) for p in procs]
    finally:
        stop.set()
        thread.join()
    for p, (stdout, stderr) in zip(procs, results):
        assert p.returncode == 0 and stdout.strip() == "done", stderr[-3000:]
    assert not errors, errors[:5]
    assert reads[0] > 0
    # the folder holds one build's tables, all of them, never a mixture
    writers = {json.loads(read_stamp(p)["settings"])["label"].split()[1] for p in out.glob("*.parquet")}
    assert len(writers) == 1
    assert sorted(p.stem for p in out.glob("*.parquet")) == sorted(seed_tables)
    assert not list(out.glob(".staging-*")) and not list(out.glob("*.tmp"))


@pytest.mark.slow
def test_a_killed_build_leaves_the_previous_output_and_its_staging_is_swept(
    tmp_path, monkeypatch, seed_tables
):
    from fazhi.tables import write_table

    src = tmp_path / "src"
    for name, df in seed_tables.items():
        write_table(df, name, src, {})
    _replay(monkeypatch, seed_tables)
    out = tmp_path / "out"
    pipeline.build(SEEDS, out, settings={"label": "previous"}, progress=False)
    before = _snapshot(out)
    code = f"""
    import sys, time
    import polars as pl
    from pathlib import Path
    from fazhi import pipeline, tables as T
    tables = {{p.stem: pl.read_parquet(p) for p in Path({str(src)!r}).glob("*.parquet")}}
    pipeline.stages()  # imports every stage module: each registers its tables' schemas
    pipeline.stages = lambda: [("replay", lambda ctx: dict(tables))]
    real, n = T.write_table, [0]
    def slow(*a, **k):
        n[0] += 1
        if n[0] == 5:
            print("writing", flush=True)
            time.sleep(600)
        return real(*a, **k)
    pipeline.write_table = slow
    pipeline.build({str(SEEDS)!r}, {str(out)!r}, settings={{"label": "killed"}}, progress=False)
    """
    proc = popen_limited(code)
    try:
        assert proc.stdout.readline().strip() == "writing", proc.stderr.read()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert _snapshot(out) == before
    assert len(list(out.glob(".staging-*"))) == 1  # left by the killed build ...
    pipeline.build(SEEDS, out, settings={"label": "next"}, progress=False)
    assert not list(out.glob(".staging-*"))  # ... and swept by the next one


# ------------------------------------------------------------------------------------------ helper


def test_the_memory_limit_of_the_subprocesses_holds():
    proc = run_limited("x = bytearray(2 * 2**30)", limit=2**30)
    assert proc.returncode != 0 and "MemoryError" in proc.stderr
