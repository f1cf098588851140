"""Corpus ingestion: encodings, formats, cleaning that never loses content, metadata, rejections."""

from __future__ import annotations

import csv
import hashlib
import random
import shutil
from pathlib import Path

import polars as pl
import pytest
from fazhi import corpus as C
from fazhi import read_corpus
from fazhi.cli import main as cli_main
from hypothesis import given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared" / "seeds"

# The five seed files are immutable: these are the hashes of the originals in ../shared/seeds/.
SEED_SHA256 = {
    "000_3ff28de5311d351f.txt": "946271e9fa23fcd4e61937c26e63953db1b5f1df4c072b728b79c054a1f98823",
    "001_a2ea016351bdaac6.txt": "97bbea6eced12374508ce93fc48fe1945c4b444df3edaee1ee7a94767249844d",
    "002_33a0e198cec22a96.txt": "4a11c8a4fa6edbc96b9c5fe982f46339109058953d4845cfb201fc81f57d1a78",
    "003_f7489962509b7598.txt": "cc4bba0f4f7c572ada975b406d2466d17bb165d695fd569bbe98b65c6b3f3739",
    "004_2c106d032dd9e107.txt": "0c37eac7d9ba6f61170c921b13363e52138ee7c5f6c0754392456a4e7130e368",
}

SYNTHETIC = """某县人民政府关于2022年度法治政府建设情况的报告
2022年，我县坚持以习近平新时代中国特色社会主义思想为指导，现将有关情况报告如下：
一、健全突发事件应对体系
（一）完善应急预案。修订防汛应急预案12个，开展应急演练30场次。
二、推进数字政府建设
全面推行“一网通办”，政务服务事项网上可办率达98.5%。"""


@pytest.fixture(scope="module")
def seeds():
    return read_corpus(SEEDS)


# ----------------------------------------------------------------------------------------- the seeds


def test_seed_files_are_byte_identical_to_the_shared_originals():
    for name, digest in SEED_SHA256.items():
        assert hashlib.sha256((SEEDS / name).read_bytes()).hexdigest() == digest, name
        if SHARED.is_dir():
            assert (SEEDS / name).read_bytes() == (SHARED / name).read_bytes()
    assert sorted(p.name for p in SEEDS.glob("*.txt")) == sorted(SEED_SHA256)


def test_seeds_load_with_curated_metadata(seeds):
    docs = seeds.documents
    assert docs.height == 5 and seeds.rejected.height == 0
    assert docs["metadata_source"].to_list() == ["curated"] * 5
    with open(SEEDS / "metadata.csv", encoding="utf-8") as f:
        curated = {row["source_file"]: row for row in csv.DictReader(f)}
    for row in docs.iter_rows(named=True):
        want = curated[row["source_file"]]
        for field in ("title", "issuer", "region", "level", "doc_type", "period"):
            assert row[field] == want[field], (row["doc_id"], field)
        assert (row["published"].isoformat() if row["published"] else "") == want["published"]
        assert row["sha256"] == SEED_SHA256[row["source_file"]]
        assert row["n_chars"] == len(row["text"])
    assert set(docs["level"]) == {"province", "province_dept", "city", "county"}


def test_db_export_keeps_chinese_original_and_english_summary_apart(seeds):
    row = seeds.documents.filter(pl.col("doc_id") == "000_3ff28de5311d351f").row(0, named=True)
    assert row["format"] == "db_export"
    assert row["text"].startswith("2023年,在党中央、国务院及省委的正确领导下")
    assert "English title" not in row["text"] and "Summary" not in row["text"]
    assert not row["text"].lstrip().startswith("(1)")  # the database's own paragraph number is a wrapper
    assert row["english_summary"].startswith("(1)  In 2023")
    assert "健全法治政府建设科技保障体系" in row["text"]  # the last level-1 heading survives
    assert row["text"].endswith("提供有力法治保障。")


# Lines removed from each seed, listed by hand after reading the files: cleaning must remove exactly
# these (furniture) and keep every other line.
EXPECTED_REMOVED = {
    "001_a2ea016351bdaac6.txt": {
        "当前位置: 首页 > 法治政府示范创建专栏",
        "发布时间:2024-03-28 16:58 信息来源:县司法局 【字体:\xa0\xa0 分享到:",
        "扫一扫在手机打开当前页",
    },
    "002_33a0e198cec22a96.txt": {"扫一扫在手机打开当前页"},
    "003_f7489962509b7598.txt": {
        "发布日期:2021-12-24 信息来源: 法制审核处 责任编辑:葛辉 编  辑:葛辉",
        "相关阅读",
    },
    "004_2c106d032dd9e107.txt": set(),
}


@pytest.mark.parametrize("name", sorted(EXPECTED_REMOVED))
def test_cleaning_removes_exactly_the_furniture_and_keeps_every_body_line(name, seeds):
    raw = (SEEDS / name).read_text(encoding="utf-8")
    text = seeds.documents.filter(pl.col("source_file") == name)["text"][0]
    clean_lines = text.split("\n")
    kept = iter(clean_lines)
    removed = set()
    for line in raw.split("\n"):
        s = line.strip(" \t\u00a0\u3000")
        if not s:
            continue
        if s in EXPECTED_REMOVED[name]:
            removed.add(s)
            assert s not in clean_lines
            continue
        # every other line survives, in order, character for character
        assert any(c == s for c in kept), f"lost line: {s[:40]}"
    assert removed == EXPECTED_REMOVED[name]


def test_clean_text_never_removes_sentences_that_mention_furniture_words():
    body = [
        "关于发布时间的规定，本办法自发布之日起施行。",
        "信息来源要可靠，来源：各县（市、区）上报数据显示，全年办结率100%，相关材料已归档。" * 3,
        "分享到各部门的经验做法包括“互联网+监管”和“一网通办”两项，具体情况如下。",
        "当前位置的调整将在下一阶段完成，首页改版也在推进中。",
        "相关阅读材料已印发各乡镇。",
    ]
    page = "\n".join(
        [
            "当前位置：首页 > 政务公开 > 法治政府",
            *body[:2],
            "【字体：大 中 小】",
            *body[2:],
            "扫一扫在手机打开当前页",
        ]
    )
    cleaned = C.clean_text(page)
    assert cleaned.text.split("\n") == body
    assert [k for k, _ in cleaned.removed] == ["breadcrumb", "font_widget", "qr_widget"]


def test_trailing_related_reading_list_is_removed_but_body_after_it_is_kept():
    links = "相关阅读\n某市2022年法治政府建设情况报告\n某县关于推进依法行政的通知"
    assert C.clean_text("正文第一段。\n" + links).text == "正文第一段。"
    body_after = "相关阅读\n这一段是正文的继续，因为它包含完整的句子。"
    assert (
        C.clean_text("正文第一段。\n" + body_after).text
        == "正文第一段。\n这一段是正文的继续，因为它包含完整的句子。"
    )


# ---------------------------------------------------------------------------- a mixed, messy folder


def _html_page(title: str, body: str, charset: str) -> str:
    paras = "".join(f"<p>{line}</p>" for line in body.split("\n"))
    return f"""<!DOCTYPE html><html><head><meta charset="{charset}"><title>{title}_某县人民政府门户网站</title>
<meta name="ArticleTitle" content="{title}"><meta name="PubDate" content="2023-02-15 09:30">
<script>var tracker = "当前位置"; console.log("脚本不是正文");</script><style>p {{ color: red }}</style></head>
<body><div class="nav">当前位置：首页 &gt; 政务公开</div><nav><a href="/">首页</a></nav>
<div class="article"><h1>{title}</h1><div class="info">发布时间：2023-02-15 09:30 来源：县司法局</div>
<div class="TRS_Editor">{paras}</div>
<div class="share">分享到：</div><p>扫一扫在手机打开当前页</p></div>
<footer>主办单位：某县人民政府办公室</footer></body></html>"""  # noqa: E501 (an HTML page as test data)


PAGE_BODY = SYNTHETIC.replace("某县", "丁县").split("\n", 1)[1]


@pytest.fixture()
def messy(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in ("001_a2ea016351bdaac6.txt", "004_2c106d032dd9e107.txt"):
        shutil.copy(SEEDS / name, folder / name)
    (folder / "gbk_report.txt").write_bytes(SYNTHETIC.encode("gbk"))
    (folder / "utf16_report.txt").write_bytes(SYNTHETIC.replace("某县", "甲县").encode("utf-16"))
    (folder / "utf16le_nobom.txt").write_bytes(SYNTHETIC.replace("某县", "乙县").encode("utf-16-le"))
    (folder / "bom_report.txt").write_bytes(SYNTHETIC.replace("某县", "丙县").encode("utf-8-sig"))
    body = PAGE_BODY
    (folder / "page.html").write_bytes(
        _html_page("丁县人民政府关于2022年度法治政府建设情况的报告", body, "gbk").encode("gbk")
    )
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blank.txt").write_bytes(" \n\t\r\n\u3000\n".encode())
    rng = random.Random(7)
    (folder / "blob.bin").write_bytes(bytes(rng.randrange(256) for _ in range(4096)) + b"\x00\x00")
    (folder / "scan.pdf").write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    (folder / "latin1.txt").write_bytes("café, résumé, naïve — déjà vu".encode("cp1252"))
    shutil.copy(SEEDS / "001_a2ea016351bdaac6.txt", folder / "copy_of_001.txt")
    return folder


def test_messy_folder_loads_every_good_file_and_lists_every_bad_one(messy: Path):
    c = read_corpus(messy)
    docs = c.documents
    assert sorted(docs["source_file"]) == sorted(
        [
            "001_a2ea016351bdaac6.txt",
            "004_2c106d032dd9e107.txt",
            "bom_report.txt",
            "gbk_report.txt",
            "page.html",
            "utf16_report.txt",
            "utf16le_nobom.txt",
        ]
    )
    reasons = dict(zip(c.rejected["source_file"], c.rejected["reason"], strict=True))
    assert reasons == {
        "blank.txt": "empty",
        "blob.bin": "binary",
        "copy_of_001.txt": "duplicate",
        "empty.txt": "empty",
        "latin1.txt": "no_chinese_text",
        "scan.pdf": "damaged",  # a truncated PDF: pypdf cannot parse it
    }
    detail = c.rejected.filter(pl.col("source_file") == "copy_of_001.txt")["detail"][0]
    assert "001_a2ea016351bdaac6.txt" in detail
    by_file = {r["source_file"]: r for r in docs.iter_rows(named=True)}
    assert by_file["gbk_report.txt"]["encoding"] == "gb18030"
    assert by_file["gbk_report.txt"]["text"] == SYNTHETIC
    assert by_file["utf16_report.txt"]["text"] == SYNTHETIC.replace("某县", "甲县")
    assert by_file["utf16le_nobom.txt"]["encoding"] == "utf-16-le"
    assert by_file["bom_report.txt"]["encoding"] == "utf-8-sig"
    assert by_file["bom_report.txt"]["text"] == SYNTHETIC.replace("某县", "丙县")
    page = by_file["page.html"]
    assert page["format"] == "html" and page["encoding"] == "gb18030"
    assert page["title"] == "丁县人民政府关于2022年度法治政府建设情况的报告"
    assert page["published"].isoformat() == "2023-02-15"
    assert page["level"] == "county" and page["doc_type"] == "annual_report" and page["period"] == "2022"
    # the body of the page, line for line; no script, navigation, widget or footer text
    assert page["text"].split("\n")[-len(PAGE_BODY.split("\n")) :] == PAGE_BODY.split("\n")
    for junk in ("脚本不是正文", "color: red", "当前位置", "分享到", "扫一扫", "主办单位", "首页"):
        assert junk not in page["text"]


def test_fazhi_build_writes_documents_and_rejected(messy: Path, tmp_path: Path, capsys):
    out = tmp_path / "out"
    assert cli_main(["build", "--corpus", str(messy), "--out", str(out), "-q"]) == 0
    docs = pl.read_parquet(out / "documents.parquet")
    rejected = pl.read_parquet(out / "rejected.parquet")
    assert docs.height == 7 and rejected.height == 6
    printed = capsys.readouterr().out
    assert "7 document(s)" in printed and "scan.pdf" in printed


def test_fazhi_build_fails_only_when_nothing_loads(tmp_path: Path):
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "empty.txt").write_bytes(b"")
    assert cli_main(["build", "--corpus", str(folder), "--out", str(tmp_path / "out"), "-q"]) == 1
    assert pl.read_parquet(tmp_path / "out" / "rejected.parquet")["reason"].to_list() == ["empty"]


# ---------------------------------------------------------------------------------------- metadata


def test_sidecar_overrides_field_by_field_and_disagreements_are_reported(tmp_path: Path):
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "a.txt").write_text(SYNTHETIC, encoding="utf-8")
    (folder / "metadata.csv").write_text(
        "source_file,level,issuer\na.txt,county_dept,某县司法局\nmissing.txt,city,\n", encoding="utf-8"
    )
    c = read_corpus(folder)
    row = c.documents.row(0, named=True)
    assert row["level"] == "county_dept" and row["issuer"] == "某县司法局"
    assert row["doc_type"] == "annual_report"  # not in the sidecar: inference stands
    check = {r["field"]: r for r in c.metadata_check.iter_rows(named=True)}
    assert set(check) == {"level", "issuer"}
    assert check["level"]["inferred"] == "county" and not check["level"]["agree"]
    assert check["issuer"]["inferred"] == "某县人民政府"
    assert c.rejected.row(0, named=True)["reason"] == "sidecar_orphan"


@pytest.mark.parametrize(
    ("issuer", "region", "level"),
    [
        ("河南省人民政府", "河南省", "province"),
        ("河南省司法厅", "河南省", "province_dept"),
        ("河南省行政审批和政务信息管理局", "河南省", "province_dept"),
        ("郑州市人民政府", "郑州市", "city"),
        ("郑州市司法局", "郑州市", "city_dept"),
        ("中共潢川县委 潢川县人民政府", "潢川县", "county"),
        ("潢川县应急管理局", "潢川县", "county_dept"),
        ("北京市人民政府", "北京市", "province"),
        ("北京市海淀区人民政府", "海淀区", "county"),
        ("广州市天河区司法局", "天河区", "county_dept"),
        ("内蒙古自治区人民政府", "内蒙古自治区", "province"),
        ("延边朝鲜族自治州人民政府", "延边朝鲜族自治州", "city"),
        ("付店镇人民政府", "付店镇", "township"),
        ("法治政府建设领导小组", None, "unknown"),
    ],
)
def test_level_of_government_from_issuer(issuer, region, level):
    assert C._level_of(issuer) == (region, level)


@pytest.mark.parametrize(
    ("title", "doc_type", "period"),
    [
        ("某市人民政府关于2021年度法治政府建设情况的报告", "annual_report", "2021"),
        ("某省法治政府建设实施方案（2021—2025年）", "implementation_plan", "2021–2025"),
        ("关于省政协十三届一次会议第123号提案的答复", "proposal_reply", None),
        ("某县司法局2022年工作总结", "work_summary", "2022"),
        ("某县关于开展安全生产检查的通知", "notice", None),  # notice joined the vocabulary (data/genres.toml)
        ("某县人民政府关于表彰先进集体的决定", "other", None),
    ],
)
def test_doc_type_and_period_from_title(title, doc_type, period):
    inf = C.infer_metadata(title + "\n正文。", title_hint=title)
    assert inf.doc_type == doc_type
    assert inf.period == period


def test_published_date_from_page_meta():
    assert C.parse_date("2024-03-28 16:58").isoformat() == "2024-03-28"
    assert C.parse_date("2021年12月4日").isoformat() == "2021-12-04"
    assert C.parse_date("2021-13-40") is None
    assert C.parse_date(None) is None


# ---------------------------------------------------------------------------------------- encodings

chinese = st.text(
    alphabet=st.sampled_from(
        list("法治政府建设情况报告关于年度一二三四五六七八九十、，。：；“”（）《》的是在和了有我县市省局厅")
    ),
    min_size=1,
    max_size=200,
)


@settings(max_examples=60, deadline=None)
@given(text=chinese, encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "gb18030", "gbk"]))
def test_decode_round_trips_chinese_text(text, encoding):
    decoded, _ = C.decode(text.encode(encoding))
    assert decoded == text


def test_decode_rejects_nul_riddled_bytes():
    with pytest.raises(C.Rejected) as e:
        C.decode(b"\x00\x01\x02\x03\xff\xfe\xfd" * 5 + b"\x00")
    assert e.value.reason in {"binary", "undecodable"}
