"""Readers: folders, links and special files, collection files (one document per row), docx/PDF, damaged
bytes (NUL, invalid UTF-8, mojibake), size limits, unreadable files, odd names, and early CLI checks."""

from __future__ import annotations

import builtins
import io
import json
import os
import pathlib
import re
import sys
from pathlib import Path

import polars as pl
import pytest
from fazhi import corpus as C
from fazhi import read_corpus
from fazhi.cli import main as cli_main
from fazhi.corpus.decode import common_han_share, decode_text
from fazhi.corpus.readers import REASONS
from fazhi.corpus.walk import walk_corpus
from fazhi.tables import corpus_hash, hash_files, write_table
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
GOV = ROOT / "tests" / "data" / "corpora" / "gov-work-reports"

REPORT = """某县人民政府关于2022年度法治政府建设情况的报告
2022年，我县坚持以习近平新时代中国特色社会主义思想为指导，深入推进依法行政，现将有关情况报告如下：
一、健全突发事件应对体系
（一）完善应急预案。修订防汛应急预案12个，开展应急演练30场次。
二、推进数字政府建设
全面推行“一网通办”，政务服务事项网上可办率达98.5%。"""


def _report(place: str) -> str:
    return REPORT.replace("某县", place)


def _reasons(c: C.Corpus) -> dict[str, str]:
    assert set(c.rejected["reason"]) <= set(REASONS), "a reason that is not documented"
    return dict(zip(c.rejected["source_file"], c.rejected["reason"], strict=True))


def test_readme_documents_every_reason():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("### What is rejected, and why", 1)[1].split("\n\n|", 2)[1]
    documented = re.findall(r"^\| `([a-z_]+)` \|", "|" + table, flags=re.MULTILINE)
    assert sorted(documented) == sorted(REASONS)


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    f = tmp_path / "corpus"
    f.mkdir()
    return f


# ------------------------------------------------------------------------------- the real collection


def test_gov_work_reports_load_as_distributed():
    """The shipped collection: every JSON Lines row, every .txt, every one-row CSV; manifest and SOURCE.md
    not documents."""
    jsonl = GOV / "national" / "government_work_reports.jsonl"
    n_lines = sum(1 for line in jsonl.read_text(encoding="utf-8").splitlines() if line.strip())
    n_txt = len(list((GOV / "provinces-2025").glob("*.txt")))
    n_csv = len([p for p in (GOV / "provinces-2026").glob("*.csv") if p.name != "manifest.csv"])
    assert (n_lines, n_txt, n_csv) == (72, 31, 31)  # the counts SOURCE.md states: 52 + 20 rows, 31, 31
    c = read_corpus(GOV)
    d = c.documents
    per = dict(d.group_by("collection").len().iter_rows())
    assert per == {"national": n_lines, "provinces-2025": n_txt, "provinces-2026": n_csv}
    assert d.height == n_lines + n_txt + n_csv
    assert d["doc_id"].n_unique() == d.height
    assert set(d.filter(pl.col("collection") == "national")["format"]) == {"jsonl"}
    assert set(d.filter(pl.col("collection") == "provinces-2026")["format"]) == {"csv"}
    assert d.filter(pl.col("collection") == "national")["source_row"].sort().to_list() == list(
        range(1, n_lines + 1)
    )
    # one-row CSVs: doc_id is the path stem; metadata columns used (title, year, publish_date, source_url)
    sh = d.filter(pl.col("doc_id") == "provinces-2026/2026_上海市_政府工作报告").row(0, named=True)
    assert sh["title"] == "2026年上海市政府工作报告" and sh["period"] == "2026"
    assert sh["published"].isoformat() == "2026-02-09" and sh["source_url"].startswith("https://")
    assert d.filter(pl.col("collection") != "provinces-2025")["source_url"].null_count() == 0
    reasons = _reasons(c)
    assert reasons == {"SOURCE.md": "documentation", "provinces-2026/manifest.csv": "no_text_column"}
    assert "columns" in c.rejected.filter(pl.col("reason") == "no_text_column")["detail"][0]
    summary = c.summary()
    assert f"{d.height} document(s)" in summary and "no_text_column 1" in summary


# ------------------------------------------------------------------------------------ folders, links


def test_nested_folders_become_collections(folder: Path):
    (folder / "a" / "b").mkdir(parents=True)
    (folder / "a" / "b" / "x.txt").write_text(_report("长丰县"), encoding="utf-8")
    (folder / "y.txt").write_text(_report("肥西县"), encoding="utf-8")
    c = read_corpus(folder)
    rows = {r["doc_id"]: r for r in c.documents.iter_rows(named=True)}
    assert set(rows) == {"a/b/x", "y"}
    assert rows["a/b/x"]["collection"] == "a/b" and rows["a/b/x"]["source_file"] == "a/b/x.txt"
    assert rows["y"]["collection"] == "" and rows["y"]["source_row"] is None


def test_links_and_special_files_are_rejected_with_a_reason(folder: Path, tmp_path: Path):
    outside = tmp_path / "secret.txt"
    outside.write_text(_report("外县"), encoding="utf-8")
    (folder / "real.txt").write_text(_report("长丰县"), encoding="utf-8")
    (folder / "to_outside.txt").symlink_to(outside)
    (folder / "to_etc").symlink_to("/etc")
    (folder / "to_inside.txt").symlink_to(folder / "real.txt")
    (folder / "dangling.txt").symlink_to(folder / "nothing.txt")
    (folder / "loop1").symlink_to(folder / "loop2")
    (folder / "loop2").symlink_to(folder / "loop1")
    (folder / "sub").mkdir()
    (folder / "sub" / "up").symlink_to(folder)
    os.mkfifo(folder / "pipe.txt")
    (folder / ".hidden.txt").write_text(_report("濉溪县"), encoding="utf-8")
    c = read_corpus(folder)  # the FIFO is never opened, so this returns
    assert c.documents["source_file"].to_list() == ["real.txt"]
    assert "外县" not in "".join(c.documents["text"])
    assert _reasons(c) == {
        "to_outside.txt": "outside_corpus",
        "to_etc": "outside_corpus",
        "to_inside.txt": "duplicate",
        "dangling.txt": "dangling_link",
        "loop1": "symlink_loop",
        "loop2": "symlink_loop",
        "sub/up": "symlink_loop",
        "pipe.txt": "not_a_file",
        ".hidden.txt": "hidden",
    }
    assert isinstance(corpus_hash(folder), str)  # the stamp's hash neither follows nor blocks


def test_corpus_hash_is_unchanged_for_flat_folders_and_sees_subfolders(folder: Path):
    (folder / "a.txt").write_text(_report("长丰县"), encoding="utf-8")
    (folder / "metadata.csv").write_text("source_file,level\na.txt,county\n", encoding="utf-8")
    flat = [p for p in folder.iterdir() if p.is_file()]
    assert corpus_hash(folder) == hash_files(flat, folder)  # the formula of earlier versions
    (folder / "sub").mkdir()
    (folder / "sub" / "b.txt").write_text(_report("肥西县"), encoding="utf-8")
    before = corpus_hash(folder)
    (folder / "sub" / "b.txt").write_text(_report("濉溪县"), encoding="utf-8")
    assert corpus_hash(folder) != before


def _deny(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Make one file unreadable even for root: reading it raises PermissionError."""
    real_read_bytes, real_open = pathlib.Path.read_bytes, builtins.open

    def read_bytes(self: Path) -> bytes:
        if self.name == name:
            raise PermissionError(13, "Permission denied", str(self))
        return real_read_bytes(self)

    def fake_open(file, *args, **kwargs):
        if isinstance(file, (str, os.PathLike)) and os.fsdecode(file).endswith(name):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "read_bytes", read_bytes)
    monkeypatch.setattr(builtins, "open", fake_open)


def test_unreadable_file_and_sidecar_are_rejected_not_tracebacks(
    folder: Path, monkeypatch: pytest.MonkeyPatch
):
    (folder / "ok.txt").write_text(_report("长丰县"), encoding="utf-8")
    (folder / "locked.txt").write_text(_report("肥西县"), encoding="utf-8")
    (folder / "metadata.csv").write_text("source_file,level\nok.txt,county\n", encoding="utf-8")
    _deny(monkeypatch, "locked.txt")
    assert isinstance(corpus_hash(folder), str)
    c = read_corpus(folder)
    assert _reasons(c) == {"locked.txt": "unreadable"}
    _deny(monkeypatch, "metadata.csv")
    assert isinstance(corpus_hash(folder), str)
    c = read_corpus(folder)
    assert _reasons(c)["metadata.csv"] == "sidecar_unreadable"
    assert c.documents["source_file"].to_list() == ["ok.txt"]


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads chmod-000 files")
def test_chmod_000_file_is_rejected(folder: Path):
    (folder / "ok.txt").write_text(_report("长丰县"), encoding="utf-8")
    locked = folder / "locked.txt"
    locked.write_text(_report("肥西县"), encoding="utf-8")
    locked.chmod(0)
    try:
        assert isinstance(corpus_hash(folder), str)
        assert _reasons(read_corpus(folder)) == {"locked.txt": "unreadable"}
    finally:
        locked.chmod(0o644)


@pytest.mark.parametrize("payload", [b"source_file,level\x00\x00\x00\na.txt,county\n", bytes(range(256)) * 8])
def test_sidecar_with_nul_or_undecodable_bytes_is_rejected(folder: Path, payload: bytes):
    (folder / "a.txt").write_text(_report("长丰县"), encoding="utf-8")
    (folder / "metadata.csv").write_bytes(payload)
    c = read_corpus(folder)
    assert _reasons(c) == {"metadata.csv": "sidecar_unreadable"}
    assert c.documents.height == 1 and c.documents["metadata_source"][0] == "inferred"


def test_sidecar_names(folder: Path):
    """Metadata.csv is the sidecar whatever its case; a second one and one in a subfolder are not
    documents."""
    (folder / "a.txt").write_text(_report("长丰县"), encoding="utf-8")
    (folder / "Metadata.csv").write_text("source_file,level\na.txt,county_dept\n", encoding="utf-8")
    (folder / "sub").mkdir()
    (folder / "sub" / "b.txt").write_text(_report("肥西县"), encoding="utf-8")
    (folder / "sub" / "metadata.csv").write_text("source_file,level\nb.txt,city\n", encoding="utf-8")
    c = read_corpus(folder)
    assert c.documents.filter(pl.col("doc_id") == "a")["level"][0] == "county_dept"
    assert _reasons(c) == {"sub/metadata.csv": "sidecar_misplaced"}
    (folder / "metadata.csv").write_text("source_file,level\nsub/b.txt,city\n", encoding="utf-8")
    c = read_corpus(folder)
    assert _reasons(c) == {"Metadata.csv": "sidecar_duplicate", "sub/metadata.csv": "sidecar_misplaced"}
    assert c.documents.filter(pl.col("doc_id") == "sub/b")["level"][0] == "city"  # keyed by relative path


def test_sidecar_names_rows_by_doc_id_and_one_row_files_by_file(folder: Path):
    pl.DataFrame({"content": [_report("长丰县")]}).write_csv(folder / "one.csv")
    pl.DataFrame({"content": [_report("肥西县"), _report("濉溪县")]}).write_csv(folder / "two.csv")
    (folder / "metadata.csv").write_text(
        "source_file,level\none.csv,county_dept\ntwo#2,city\ngone.txt,city\n", encoding="utf-8"
    )
    c = read_corpus(folder)
    levels = dict(zip(c.documents["doc_id"], c.documents["level"], strict=True))
    assert levels == {"one": "county_dept", "two#1": "county", "two#2": "city"}
    assert c.rejected.select("reason", "detail").row(0) == (
        "sidecar_orphan",
        "row for 'gone.txt', which is not in the folder",
    )


def test_file_name_that_is_not_utf8_loads_with_a_printable_name(folder: Path, tmp_path: Path):
    raw_name = os.path.join(os.fsencode(folder), b"bad\xff\xfe.txt")
    with open(raw_name, "wb") as f:
        f.write(_report("长丰县").encode("utf-8"))
    c = read_corpus(folder)
    row = c.documents.row(0, named=True)
    assert row["source_file"] == "bad\\xff\\xfe.txt" and row["doc_id"] == "bad\\xff\\xfe"
    assert "not valid UTF-8" in row["ingest_notes"]
    assert isinstance(corpus_hash(folder), str)
    write_table(c.documents, "documents", tmp_path / "out", {"x": "y"})  # no UnicodeEncodeError


def test_documentation_files_are_listed_not_loaded(folder: Path):
    (folder / "a.txt").write_text(_report("长丰县"), encoding="utf-8")
    for name in ("README.md", "SOURCE.md", "notes.txt", "说明.txt", "README_zh.md"):
        (folder / name).write_text("关于本语料库的说明：来源、许可和采集方法。" * 10, encoding="utf-8")
    (folder / "report.md").write_text(_report("肥西县"), encoding="utf-8")  # a document saved as Markdown
    # a document merely named after a documentation word is a document
    (folder / "notes_on_enforcement.txt").write_text(_report("濉溪县"), encoding="utf-8")
    c = read_corpus(folder)
    assert set(c.documents["doc_id"]) == {"a", "report", "notes_on_enforcement"}
    assert set(_reasons(c).values()) == {"documentation"} and len(_reasons(c)) == 5


# ------------------------------------------------------------------------------------- collections


def test_jsonl_bad_line_is_one_rejected_row_and_the_rest_load(folder: Path):
    lines = [
        json.dumps(
            {
                "title": "长丰县人民政府关于2022年度法治政府建设情况的报告",
                "content": _report("长丰县"),
                "year": 2022,
            },
            ensure_ascii=False,
        ),
        '{"title": "broken", "content": "没有结束',
        "",
        json.dumps({"title": "肥西县报告", "content": _report("肥西县")}, ensure_ascii=False),
        json.dumps({"title": "空", "content": "  "}, ensure_ascii=False),
        json.dumps(["not", "an", "object"]),
    ]
    (folder / "docs.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    c = read_corpus(folder)
    assert c.documents["doc_id"].to_list() == ["docs#1", "docs#4"]
    assert c.documents["source_row"].to_list() == [1, 4]
    assert c.documents["format"].to_list() == ["jsonl", "jsonl"]
    rej = {r["source_row"]: r for r in c.rejected.iter_rows(named=True)}
    assert {k: v["reason"] for k, v in rej.items()} == {2: "bad_json", 5: "empty", 6: "bad_json"}
    assert "line 2" in rej[2]["detail"] and rej[2]["source_file"] == "docs.jsonl"


def test_jsonl_saved_as_gbk_still_loads(folder: Path):
    recs = [{"标题": f"{p}报告", "正文": _report(p)} for p in ("长丰县", "肥西县")]
    (folder / "g.jsonl").write_bytes("\n".join(json.dumps(r, ensure_ascii=False) for r in recs).encode("gbk"))
    c = read_corpus(folder)
    assert c.documents["text"].to_list() == [_report("长丰县"), _report("肥西县")]
    assert c.documents["title"].to_list() == ["长丰县报告", "肥西县报告"]


def test_json_array_csv_tsv_and_parquet_rows(folder: Path):
    recs = [
        {"id": f"r{i}", "标题": f"{p}人民政府工作报告", "正文": _report(p), "省份": p}
        for i, p in enumerate(["长丰县", "肥西县"])
    ]
    (folder / "arr.json").write_text(json.dumps(recs + [5], ensure_ascii=False), encoding="utf-8")
    buf = io.StringIO()
    pl.DataFrame(
        {"province": ["濉溪县", "涡阳县"], "body": [_report("濉溪县"), _report("涡阳县")]}
    ).write_csv(buf)
    (folder / "gbk.csv").write_bytes(buf.getvalue().encode("gbk"))  # no BOM, not UTF-8
    pl.DataFrame({"name": ["x", "y"], "full_text": [_report("蒙城县"), ""]}).write_csv(
        folder / "t.tsv", separator="\t"
    )
    pl.DataFrame(
        {"text": [_report("利辛县"), _report("怀远县")], "url": ["https://a.example/1", None]}
    ).write_parquet(folder / "p.parquet")
    c = read_corpus(folder)
    d = {r["doc_id"]: r for r in c.documents.iter_rows(named=True)}
    assert set(d) == {"arr#r0", "arr#r1", "gbk#1", "gbk#2", "t#1", "p#1", "p#2"}
    assert d["arr#r0"]["title"] == "长丰县人民政府工作报告" and d["arr#r0"]["region"] == "长丰县"
    assert d["gbk#2"]["encoding"] == "gb18030" and d["gbk#2"]["text"] == _report("涡阳县")
    assert d["p#1"]["source_url"] == "https://a.example/1" and d["p#2"]["source_url"] is None
    assert d["t#1"]["format"] == "tsv"  # a file of two rows: '#<row>' even though only one loads
    rej = {(r["source_file"], r["source_row"]): r["reason"] for r in c.rejected.iter_rows(named=True)}
    assert rej == {("arr.json", 3): "bad_json", ("t.tsv", 2): "empty"}


def test_csv_without_text_column_and_text_column_option(folder: Path):
    (folder / "notes.csv").write_text("file,备注\na.txt,好\nb.txt,坏\n", encoding="utf-8")
    short = "县政府报告" * 5  # 25 hanzi: below the detection threshold
    (folder / "short.csv").write_text(f"编号,稿件\n1,{short}\n", encoding="utf-8")
    c = read_corpus(folder)
    assert _reasons(c) == {"notes.csv": "no_text_column", "short.csv": "no_text_column"}
    c = read_corpus(folder, text_column="稿件")
    assert c.documents["text"].to_list() == [short]
    assert _reasons(c)["notes.csv"] == "no_text_column" and "稿件" in c.rejected["detail"][0]


def test_text_column_reaches_the_corpus_stage(folder: Path, tmp_path: Path):
    from fazhi.corpus.readers import build_stage
    from fazhi.pipeline import BuildContext

    (folder / "a.csv").write_text(f"x,稿件\n1,{'县政府报告' * 5}\n", encoding="utf-8")
    ctx = BuildContext(
        corpus=folder, out=tmp_path / "out", settings={"corpus": {"text_column": "稿件"}}, progress=False
    )
    assert build_stage(ctx)["documents"].height == 1


def test_most_chinese_column_is_detected_when_no_name_says_it(folder: Path):
    pl.DataFrame({"标题": ["长丰县报告"], "稿件": [_report("长丰县")]}).write_csv(folder / "a.csv")
    c = read_corpus(folder)
    assert c.documents["text"].to_list() == [_report("长丰县")] and c.documents["title"][0] == "长丰县报告"


# -------------------------------------------------------------------------------------- docx / pdf


def test_docx_with_and_without_text(folder: Path):
    import docx

    d = docx.Document()
    for line in _report("长丰县").split("\n"):
        d.add_paragraph(line)
    d.save(folder / "a.docx")
    docx.Document().save(folder / "blank.docx")
    c = read_corpus(folder)
    row = c.documents.row(0, named=True)
    assert row["format"] == "docx" and row["text"] == _report("长丰县") and row["level"] == "county"
    assert _reasons(c) == {"blank.docx": "empty"}


def test_pdf_with_text_layer_loads_and_scan_is_rejected(folder: Path):
    pytest.importorskip("reportlab")
    from pypdf import PdfWriter
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(folder / "a.pdf"), invariant=1)
    c.setFont("STSong-Light", 11)
    for i, line in enumerate(_report("长丰县").split("\n")):
        c.drawString(40, 800 - 16 * i, line)
    c.showPage()
    c.save()
    w = PdfWriter()
    w.add_blank_page(width=595, height=842)
    with open(folder / "scan.pdf", "wb") as f:
        w.write(f)
    corpus = read_corpus(folder)
    row = corpus.documents.row(0, named=True)
    assert row["format"] == "pdf" and "法治政府建设" in row["text"] and row["doc_id"] == "a"
    assert _reasons(corpus) == {"scan.pdf": "no_text_layer"}
    assert "OCR it first" in corpus.rejected["detail"][0]


# ---------------------------------------------------------------------------------- damaged bytes


def test_nul_bytes_are_removed_and_recorded(folder: Path):
    raw = _report("长丰县").encode("utf-8")
    (folder / "a.txt").write_bytes(raw[:30] + b"\x00" + raw[30:] + b"\x00")
    (folder / "r.jsonl").write_text(
        json.dumps({"content": _report("肥西县").replace("报告", "报\u0000告")}) + "\n", encoding="utf-8"
    )
    c = read_corpus(folder)
    assert all("\x00" not in t for t in c.documents["text"])
    notes = dict(zip(c.documents["doc_id"], c.documents["ingest_notes"], strict=True))
    assert "removed 2 NUL byte(s), the first at byte offset 30" in notes["a"]
    assert "NUL" in notes["r"]
    assert c.documents.filter(pl.col("doc_id") == "a")["text"][0] == _report("长丰县")


def test_one_invalid_byte_loads_with_its_offset_recorded(folder: Path):
    raw = _report("长丰县").encode("utf-8")
    cut = raw.index("法治".encode())
    (folder / "a.txt").write_bytes(raw[:cut] + b"\xff" + raw[cut:])
    c = read_corpus(folder)
    row = c.documents.row(0, named=True)
    assert f"byte offset(s) {cut}" in row["ingest_notes"]
    assert row["text"] == _report("长丰县").replace("法治", "\ufffd法治", 1)


def _gbk_roundtrip_sample() -> str:
    """A stretch of real Chinese whose UTF-8 bytes also decode as GBK (so that mojibake is undoable)."""
    text = "".join(
        ch
        for ch in (SEEDS / "001_a2ea016351bdaac6.txt").read_text(encoding="utf-8")
        if "\u4e00" <= ch <= "\u9fff"
    )
    for start in range(len(text) - 40):
        s = text[start : start + 40]
        try:
            s.encode("utf-8").decode("gbk")
            return s
        except UnicodeDecodeError:
            continue
    raise AssertionError("no sample")


def test_mojibake_is_repaired_when_certain_else_rejected(folder: Path):
    original = _report("长丰县")
    (folder / "latin.txt").write_text(original.encode("utf-8").decode("latin-1"), encoding="utf-8")
    lost = original.encode("utf-8").decode("gbk", errors="replace")  # bytes lost in the mis-reading
    (folder / "gbk_lost.txt").write_text(lost, encoding="utf-8")
    sample = _gbk_roundtrip_sample()
    (folder / "gbk_exact.txt").write_text(sample.encode("utf-8").decode("gbk"), encoding="utf-8")
    c = read_corpus(folder)
    rows = {r["doc_id"]: r for r in c.documents.iter_rows(named=True)}
    assert rows["latin"]["text"] == original and "repaired mojibake" in rows["latin"]["ingest_notes"]
    assert rows["gbk_exact"]["text"] == sample and "read as GBK" in rows["gbk_exact"]["ingest_notes"]
    assert _reasons(c) == {"gbk_lost.txt": "mojibake"}
    # text of rare hanzi (few common ones, like much Traditional text) is not mojibake: its GB18030 bytes
    # do not read as UTF-8
    rare = "".join(chr(c) for c in range(0x4E00, 0x9FA5, 97))
    assert common_han_share(rare)[0] < 0.4
    assert decode_text(rare.encode("utf-8")).text == rare
    # the plausibility score behind it: real Chinese is common characters, GBK-misread UTF-8 is not
    assert common_han_share(original)[0] > 0.9
    assert common_han_share(lost)[0] < 0.4


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="法治政府建设依法行政推进报告工作年度一二三", min_size=25, max_size=200), st.data())
def test_decode_text_removes_any_nul_and_names_any_bad_byte(text: str, data: st.DataObject):
    raw = text.encode("utf-8")
    boundaries = [len(text[:i].encode("utf-8")) for i in range(len(text) + 1)]
    at = data.draw(st.sampled_from(boundaries))
    d = decode_text(raw[:at] + b"\x00" + raw[at:])
    assert d.text == text and d.notes == [f"removed 1 NUL byte(s), the first at byte offset {at}"]
    d = decode_text(raw[:at] + b"\xff" + raw[at:])
    assert d.text == text[: boundaries.index(at)] + "\ufffd" + text[boundaries.index(at) :]
    assert d.notes and d.notes[0].endswith(f"byte offset(s) {at}")


# ------------------------------------------------------------------------------------- size limits


def test_too_large_file_line_and_cell_are_rejected_before_reading(
    folder: Path, monkeypatch: pytest.MonkeyPatch
):
    big = _report("长丰县") * 40
    (folder / "big.txt").write_text(big, encoding="utf-8")
    (folder / "ok.txt").write_text(_report("肥西县"), encoding="utf-8")
    recs = [
        {"content": _report("濉溪县")},
        {"content": big.replace("长丰县", "涡阳县")},
        {"content": _report("蒙城县")},
    ]
    (folder / "r.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in recs) + "\n", encoding="utf-8"
    )
    pl.DataFrame({"text": [_report("利辛县"), big.replace("长丰县", "怀远县")]}).write_csv(folder / "c.csv")
    real = pathlib.Path.read_bytes

    def guarded(self: Path) -> bytes:
        assert self.name != "big.txt", "a too-large file must not be read whole"
        return real(self)

    monkeypatch.setattr(pathlib.Path, "read_bytes", guarded)
    limit = 4000
    assert len(big.encode()) > limit > len(_report("长丰县").encode())
    c = read_corpus(folder, max_bytes=limit)
    assert set(c.documents["doc_id"]) == {"ok", "r#1", "r#3", "c#1"}
    rej = {(r["source_file"], r["source_row"]): r["reason"] for r in c.rejected.iter_rows(named=True)}
    assert rej == {("big.txt", None): "too_large", ("r.jsonl", 2): "too_large", ("c.csv", 2): "too_large"}


# ------------------------------------------------------------------------------------- the command


def test_build_checks_corpus_and_out_before_computing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
):
    import fazhi.pipeline as P

    monkeypatch.setattr(P, "stages", lambda: pytest.fail("a stage ran before the paths were checked"))
    assert cli_main(["build", "--corpus", str(tmp_path / "missing"), "--out", str(tmp_path / "o"), "-q"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "missing" in err and "no such folder" in err
    assert not (tmp_path / "o").exists()
    afile = tmp_path / "afile"
    afile.write_text("x")
    assert cli_main(["build", "--corpus", str(SEEDS), "--out", str(afile), "-q"]) == 2
    assert "is a file" in capsys.readouterr().err


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.one_of(st.just("good"), st.just("bad"), st.just("empty"), st.just("blank")),
        min_size=1,
        max_size=12,
    )
)
def test_every_jsonl_line_is_a_document_or_a_rejected_row(
    tmp_path_factory: pytest.TempPathFactory, kinds: list[str]
):
    folder = tmp_path_factory.mktemp("jsonl")
    lines = []
    for i, kind in enumerate(kinds):
        if kind == "good":
            lines.append(json.dumps({"content": _report("长丰县") + f"第{i}号"}, ensure_ascii=False))
        elif kind == "bad":
            lines.append('{"content": "未完')
        elif kind == "empty":
            lines.append(json.dumps({"content": ""}))
        else:
            lines.append("   ")
    (folder / "x.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    c = read_corpus(folder)
    rows = [i + 1 for i, k in enumerate(kinds) if k != "blank"]
    seen = sorted(
        c.documents["source_row"].to_list() + [r for r in c.rejected["source_row"].to_list() if r is not None]
    )
    if rows:
        assert seen == rows
    assert c.documents.height == kinds.count("good")


if sys.platform == "win32":  # pragma: no cover - FIFOs and byte file names are POSIX
    pytest.skip("POSIX only", allow_module_level=True)


def test_large_csv_is_streamed_row_by_row(folder: Path):
    """A CSV above the document limit is not read whole: its encoding comes from its head, its rows stream."""
    places = ["长丰县", "肥西县", "濉溪县", "涡阳县"]
    buf = io.StringIO()
    pl.DataFrame({"title": [f"{p}报告" for p in places], "content": [_report(p) for p in places]}).write_csv(
        buf
    )
    (folder / "big.csv").write_bytes(buf.getvalue().encode("utf-8-sig"))
    (folder / "big_gbk.csv").write_bytes(buf.getvalue().replace("县", "旗").encode("gbk"))
    limit = 1000
    assert (folder / "big.csv").stat().st_size > limit
    c = read_corpus(folder, max_bytes=limit)
    assert c.rejected.height == 0
    d = c.documents.filter(pl.col("collection") == "").sort("source_row")
    assert d.filter(pl.col("doc_id").str.starts_with("big#"))["text"].to_list() == [
        _report(p) for p in places
    ]
    assert set(d.filter(pl.col("doc_id").str.starts_with("big_gbk#"))["encoding"]) == {"gb18030"}


def test_mojibake_row_of_a_collection(folder: Path):
    lost = _report("长丰县").encode("utf-8").decode("gbk", errors="replace")
    recs = [{"content": lost}, {"content": _report("肥西县")}]
    (folder / "r.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in recs), encoding="utf-8"
    )
    c = read_corpus(folder)
    assert c.documents["doc_id"].to_list() == ["r#2"]
    assert c.rejected.select("source_row", "reason").row(0) == (1, "mojibake")


def test_folder_that_cannot_be_listed_is_rejected(folder: Path, monkeypatch: pytest.MonkeyPatch):
    (folder / "ok.txt").write_text(_report("长丰县"), encoding="utf-8")
    (folder / "locked").mkdir()
    (folder / "locked" / "x.txt").write_text(_report("肥西县"), encoding="utf-8")
    real = os.scandir

    def scandir(path):
        if os.fspath(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    assert [e.problem[0] for e in walk_corpus(folder) if e.problem] == ["unreadable"]
    c = read_corpus(folder)
    assert _reasons(c) == {"locked": "unreadable"} and c.documents.height == 1
    assert isinstance(corpus_hash(folder), str)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(
            st.lists(st.sampled_from(["a", "b", "数据", "sub dir"]), max_size=3),
            st.sampled_from(["good", "empty", "latin", "csv_no_text"]),
        ),
        min_size=1,
        max_size=10,
    )
)
def test_every_file_of_any_tree_is_a_document_or_rejected(
    tmp_path_factory: pytest.TempPathFactory, files: list
):
    folder = tmp_path_factory.mktemp("tree")
    for i, (parts, kind) in enumerate(files):
        where = folder.joinpath(*parts) if parts else folder
        where.mkdir(parents=True, exist_ok=True)
        if kind == "good":
            (where / f"f{i}.txt").write_text(_report("长丰县") + f"第{i}号", encoding="utf-8")
        elif kind == "empty":
            (where / f"f{i}.txt").write_bytes(b"")
        elif kind == "latin":
            (where / f"f{i}.txt").write_text("déjà vu", encoding="cp1252")
        else:
            (where / f"f{i}.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    c = read_corpus(folder)
    assert c.documents.height == sum(k == "good" for _, k in files)
    assert c.documents.height + c.rejected.height == len(files)
    assert set(c.documents["collection"]) <= {"/".join(p) for p, _ in files}


def test_build_summary_counts_files_rows_and_reasons(folder: Path):
    from fazhi.pipeline import summary

    (folder / "a.txt").write_text(_report("长丰县"), encoding="utf-8")
    (folder / "r.jsonl").write_text(
        json.dumps({"content": _report("肥西县")}, ensure_ascii=False) + "\n{bad\n", encoding="utf-8"
    )
    (folder / "README.md").write_text("说明" * 50, encoding="utf-8")
    c = read_corpus(folder)
    text = summary({"documents": c.documents, "rejected": c.rejected}, folder, folder / "out")
    assert "2 document(s)" in text and "(1 file(s), 1 row(s) of collection files), 2 rejected" in text
    assert "rejected by reason: bad_json 1, documentation 1" in text
    assert "r.jsonl row 2: bad_json" in text
