"""Metadata inference, sidecar validation and cleaning: each rule on constructed examples, properties with
hypothesis, and the government-work-report collection (tests/data/corpora/gov-work-reports) end to end."""

from __future__ import annotations

import csv
import json
import re
import warnings
from pathlib import Path

import polars as pl
import pytest
from fazhi import read_corpus, schema
from fazhi.corpus import clean as CL
from fazhi.corpus import metadata as M
from fazhi.corpus import sidecar as S
from hypothesis import given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
GWR = ROOT / "tests" / "data" / "corpora" / "gov-work-reports"


# ------------------------------------------------------------------------------------ vocabularies


def test_levels_and_doc_types_come_from_the_data_files_in_order():
    assert schema.LEVELS == (
        "national", "national_dept", "province", "province_dept", "city", "city_dept", "county", "county_dept",
        "township", "unknown",
    )  # fmt: skip
    assert {"government_work_report", "npc_resolution", "notice", "annual_report", "implementation_plan",
            "proposal_reply", "work_summary", "other"} <= set(schema.DOC_TYPES)  # fmt: skip
    assert tuple(g.name for g in M.genres().genres) == schema.DOC_TYPES
    desc = {c.name: c.description for c in schema.TABLES["documents"].columns}
    assert "national_dept" in desc["level"] and "government_work_report" in desc["doc_type"]
    for f in M.FIELDS:
        assert f"{f}_source" in desc


def test_a_bad_vocabulary_or_cue_file_is_refused(tmp_path: Path):
    (tmp_path / "levels.toml").write_text('[[level]]\nname = "County"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="lower-case"):
        schema.vocabulary("levels.toml", "level", folder=tmp_path)
    (tmp_path / "dup.toml").write_text('[[level]]\nname = "a"\n[[level]]\nname = "a"\n', encoding="utf-8")
    with pytest.raises(ValueError):
        schema.vocabulary("dup.toml", "level", folder=tmp_path)
    bad = tmp_path / "genres.toml"
    bad.write_text("[[genre]]\nname = 'x'\ntitle = ['(unclosed']\n", encoding="utf-8")
    with pytest.raises(ValueError, match="bad cue"):
        M.genres(bad)
    norule = tmp_path / "g2.toml"
    norule.write_text("[[genre]]\nname = 'x'\nyear_rules = [{ pattern = '\\\\d{4}年' }]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="group"):
        M.genres(norule)


def test_gazetteer_holds_every_rank_of_division():
    g = M.gazetteer()
    for name, rank in [("内蒙古自治区", "province"), ("兴安盟", "prefecture"), ("延边朝鲜族自治州", "prefecture"),
                       ("鄂温克族自治旗", "county"), ("扎赉特旗", "county"), ("海淀区", "county"), ("潢川县", "county"),
                       ("阿拉善盟", "prefecture"), ("和田地区", "prefecture")]:  # fmt: skip
        assert name in g and g.by_name[name][0].rank == rank, name
    assert g.by_name["河南"][0].name == "河南省"  # provinces' short names
    codes = {d.code: d.rank for ds in g.by_name.values() for d in ds}
    counts = {r: sum(1 for rank in codes.values() if rank == r) for r in _RANKS}
    assert counts["province"] == 34 and counts["prefecture"] > 300 and counts["county"] > 2800


_RANKS = ("province", "prefecture", "county")


# ------------------------------------------------------------------------------------ level of issuer


@pytest.mark.parametrize(
    ("issuer", "region", "level"),
    [
        ("国务院", None, "national"),
        ("中华人民共和国国务院", None, "national"),
        ("全国人民代表大会常务委员会", None, "national"),
        ("第十四届全国人民代表大会第三次会议", None, "national"),
        ("生态环境部", None, "national_dept"),
        ("国家市场监督管理总局", None, "national_dept"),
        ("住房和城乡建设部", None, "national_dept"),
        ("兴安盟行政公署", "兴安盟", "city"),
        ("鄂温克族自治旗人民政府", "鄂温克族自治旗", "county"),
        ("宁夏回族自治区人民政府", "宁夏回族自治区", "province"),
        ("上海市司法局", "上海市", "province_dept"),
        ("河南省信阳市潢川县人民政府", "潢川县", "county"),
        ("某县人民政府", None, "county"),  # the form says county; the name is not in the gazetteer
        ("法治政府建设领导小组", None, "unknown"),
    ],
)
def test_level_from_issuer_against_the_gazetteer(issuer, region, level):
    assert M._level_of(issuer) == (region, level)


@pytest.mark.parametrize(
    "text",
    [
        "感谢您对我市工作的关心和支持。现就有关情况答复如下。",
        "关于区直各单位落实情况的说明。对区内企业开展检查。",
        "建立省市县三级联动机制，推动工作落实。",
        "我区各部门认真落实，我区群众满意度提升。",
    ],
)
def test_junk_is_never_a_region(text):
    inf = M.infer_metadata(text)
    assert inf.region is None or inf.region in M.gazetteer()


@settings(max_examples=80, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(
            list("我本省市县区镇乡对关于谢您建立人民政府司法局厅委办河南许昌海淀朝阳，。、\n")
        ),
        min_size=0,
        max_size=300,
    )
)
def test_a_region_is_always_a_gazetteer_name_or_a_named_township(text):
    inf = M.infer_metadata(text)
    assert inf.level in schema.LEVELS and inf.doc_type in schema.DOC_TYPES
    assert (
        inf.region is None
        or inf.region in M.gazetteer()
        or re.fullmatch(r"[\u4e00-\u9fff]{1,8}(乡|镇|街道)", inf.region)
    )
    assert set(inf.sources) == set(M.FIELDS)
    for f in M.FIELDS:
        assert inf.sources[f] is None or inf.sources[f] in schema.SOURCES


# ------------------------------------------------------------------------------------------- title


def test_title_after_furniture_and_behind_a_column_tag():
    page = "当前位置：首页 > 政务公开\n【法治建设报告】潢川县司法局2023年法治政府建设年度报告\n2023年，我局坚持依法行政。"
    c = CL.clean_text(page)
    inf = M.infer_metadata(c.text, c.header)
    assert inf.title == "潢川县司法局2023年法治政府建设年度报告" and inf.sources["title"] == "title"
    assert (inf.region, inf.level, inf.doc_type, inf.period) == (
        "潢川县",
        "county_dept",
        "annual_report",
        "2023",
    )


def test_title_split_over_lines_is_joined():
    text = "信阳市人民政府关于\n2022年度法治政府建设\n情况的报告\n2022年，全市上下坚持。"
    inf = M.infer_metadata(text)
    assert inf.title == "信阳市人民政府关于2022年度法治政府建设情况的报告"
    assert (inf.issuer, inf.region, inf.level) == ("信阳市人民政府", "信阳市", "city")
    assert M.find_title("政府工作报\n告\n各位代表：") == "政府工作报告"


def test_title_from_a_pipe_table_of_page_meta():
    page = (
        "| 索引号 | 11410000/2024-00012 | 主题分类 | 政府工作 |\n"
        "| 标题 | 河南省人民政府关于2023年度法治政府建设情况的报告 |\n"
        "| 发文机关 | 河南省人民政府 | 成文日期 | 2024-03-20 |\n"
        "2023年，全省坚持以习近平法治思想为指导。"
    )
    c = CL.clean_text(page)
    assert c.text == "2023年，全省坚持以习近平法治思想为指导。"
    inf = M.infer_metadata(c.text, c.header)
    assert (
        inf.title == "河南省人民政府关于2023年度法治政府建设情况的报告" and inf.sources["title"] == "header"
    )
    assert inf.issuer == "河南省人民政府" and inf.level == "province" and inf.sources["issuer"] == "header"
    assert inf.published.isoformat() == "2024-03-20"


def test_title_from_the_html_title_without_the_site_name():
    header = {"html_title": "西华县人民政府关于2023年法治政府建设情况的报告_西华县人民政府网"}
    inf = M.infer_metadata("2023年，我县坚持依法行政。", header)
    assert (inf.title, inf.sources["title"], inf.level) == (
        "西华县人民政府关于2023年法治政府建设情况的报告",
        "header",
        "county",
    )


def test_self_reference_words_are_not_read_into_other_words():
    inf = M.infer_metadata("本办法自发布之日起施行。本市场主体登记。本次会议。")
    assert inf.level == "unknown"


def test_no_title_is_made_up_from_a_heading_or_a_sentence():
    assert M.find_title("各位代表：\n现在，我代表国务院。\n一、过去五年工作的基本总结") is None
    assert (
        M.find_title("第十四届全国人民代表大会第三次会议听取了国务院总理所作的\n政府工作报告\n。会议充分肯定")
        is None
    )


# ------------------------------------------------------------------------------------------ issuer


def test_issuer_from_signature_with_its_date():
    text = (
        "各县（市、区）人民政府：\n现将有关事项通知如下。\n一、加强组织领导。\n许昌市人民政府\n2024年3月1日"
    )
    inf = M.infer_metadata(text)
    assert (inf.issuer, inf.sources["issuer"]) == ("许昌市人民政府", "signature")
    assert (inf.region, inf.level) == ("许昌市", "city")
    assert (inf.published.isoformat(), inf.sources["published"]) == ("2024-03-01", "signature")
    assert inf.doc_type == "notice" and inf.sources["doc_type"] == "body_cue"


def test_issuer_from_the_page_source_line_completed_with_the_region():
    page = "关于2023年法治政府建设情况的报告\n发布时间：2024-03-28 信息来源：县司法局\n2023年，我县坚持依法治县，潢川县各部门协同。"
    c = CL.clean_text(page)
    inf = M.infer_metadata(c.text, c.header)
    assert (inf.issuer, inf.sources["issuer"], inf.region, inf.level) == (
        "潢川县司法局",
        "header",
        "潢川县",
        "county_dept",
    )
    newspaper = CL.clean_text(
        "关于2023年工作情况的报告\n来源：河南日报\n2023年，我省坚持依法行政，河南经济平稳。"
    )
    assert M.infer_metadata(newspaper.text, newspaper.header).issuer is None


def test_a_bare_organ_is_completed_with_the_region_the_document_calls_its_own():
    text = "关于2023年法治政府建设工作情况的报告\n2023年，我区坚持依法行政，海淀区各部门协同，海淀区群众满意。\n区司法局\n2024年1月5日"
    inf = M.infer_metadata(text)
    assert (inf.issuer, inf.region, inf.level) == ("海淀区司法局", "海淀区", "county_dept")
    beijing = "关于2023年工作情况的报告\n2023年，我市坚持依法行政，北京市各区协同，北京市民满意。\n市司法局\n2024年1月5日"
    inf = M.infer_metadata(beijing)
    assert (inf.issuer, inf.region, inf.level) == ("北京市司法局", "北京市", "province_dept")
    assert M._level_of("省政府") == (None, "province") and M._level_of("市政府办公室") == (None, "city_dept")


def test_issuer_from_the_first_sentence():
    inf = M.infer_metadata("2022年，长葛市司法局坚持以习近平法治思想为指导，扎实推进依法行政。")
    assert (inf.issuer, inf.sources["issuer"], inf.level) == ("长葛市司法局", "first_sentence", "county_dept")


@pytest.mark.parametrize(
    ("salutation", "level"),
    [
        ("各省、自治区、直辖市人民政府，国务院各部委、各直属机构：", "national"),
        ("各省、自治区、直辖市司法厅（局）：", "national_dept"),
        ("各市、县人民政府，省政府各部门：", "province"),
        ("各县（市、区）人民政府，市人民政府各部门：", "city"),
        ("各县（市、区）司法局：", "city_dept"),
        ("各乡镇人民政府、街道办事处，县政府各部门：", "county"),
    ],
)
def test_level_from_whom_the_salutation_addresses(salutation, level):
    inf = M.infer_metadata(f"{salutation}\n现将有关事项通知如下。\n一、提高认识。")
    assert (inf.level, inf.sources["level"]) == (level, "salutation")


def test_a_bad_addressee_rule_is_refused(tmp_path: Path):
    (tmp_path / "levels.toml").write_text(
        "[[addressee]]\npattern = '各县'\nlevel = 'County'\n", encoding="utf-8"
    )
    with pytest.raises(ValueError, match="not one of"):
        M.addressee_rules(tmp_path / "levels.toml")


def test_speaker_and_self_references_decide_without_a_name():
    report = "各位代表：\n现在，我代表省人民政府，向大会报告工作，请予审议。\n过去一年，湖北经济回升，湖北各地、湖北人民。"
    inf = M.infer_metadata(report)
    assert (inf.region, inf.level, inf.issuer) == ("湖北省", "province", "湖北省人民政府")
    assert inf.sources["level"] == "self_reference" and inf.doc_type == "government_work_report"
    national = "各位代表：\n现在，我代表国务院，向大会报告政府工作，请予审议。\n一、2024年工作回顾"
    inf = M.infer_metadata(national)
    assert (inf.level, inf.issuer, inf.period, inf.sources["period"]) == (
        "national",
        "国务院",
        "2025",
        "genre_rule",
    )
    county = "今年以来，我县持续推进法治政府建设，我县各乡镇、潢川县各部门协同。"
    assert M.infer_metadata(county).level == "county"
    dept = "我局认真贯彻落实，全区依法行政水平提升，我区海淀区各部门、海淀区群众。"
    inf = M.infer_metadata(dept)
    assert (inf.region, inf.level) == ("海淀区", "county_dept")
    autonomous = "各位代表：\n我代表自治区人民政府报告工作。\n我区经济增长，广西各族人民团结，广西发展。"
    inf = M.infer_metadata(autonomous)
    assert (inf.region, inf.level) == ("广西壮族自治区", "province")


# ---------------------------------------------------------------------------------------- doc type


@pytest.mark.parametrize(
    ("body", "doc_type"),
    [
        ("王明代表：\n您提出的关于加强社区治理的建议收悉，现答复如下：", "proposal_reply"),
        ("张华委员：\n你们提出的提案收悉。经认真研究，现答复如下。", "proposal_reply"),
        ("为深入推进依法行政，结合我市实际，制定本方案。", "implementation_plan"),
        ("根据要求，现将2023年度法治政府建设情况报告如下：", "annual_report"),
        ("各位代表：\n现在，我代表市人民政府，向大会报告工作，请予审议。", "government_work_report"),
        (
            "第十四届全国人民代表大会第三次会议听取和审议了国务院总理所作的政府工作报告。会议决定批准这个报告。",
            "npc_resolution",
        ),
        ("现将2023年工作总结如下。", "work_summary"),
        ("各乡镇人民政府：\n现就开展安全检查有关事项通知如下。", "notice"),
        ("今天天气很好，我们去公园散步。", "other"),
    ],
)
def test_doc_type_from_body_cues(body, doc_type):
    inf = M.infer_metadata(body)
    assert inf.doc_type == doc_type
    assert inf.sources["doc_type"] == (None if doc_type == "other" else "body_cue")


def test_title_cue_beats_body_cue_and_title_decides_government_work_report():
    inf = M.infer_metadata("现将有关情况报告如下。", title_hint="2025年河南省政府工作报告")
    assert (inf.doc_type, inf.sources["doc_type"], inf.level, inf.period) == (
        "government_work_report",
        "title",
        "province",
        "2025",
    )


# ------------------------------------------------------------------------------------ dates, years


@pytest.mark.parametrize(
    ("head", "date"),
    [
        ("成文日期：2024年03月20日", "2024-03-20"),
        ("发布日期：2024-03-22", "2024-03-22"),
        ("时间：2026-02-03", "2026-02-03"),
        ("日期：2023.12.5", "2023-12-05"),
    ],
)
def test_dates_from_header_fields(head, date):
    c = CL.clean_text(f"{head}\n某县人民政府关于2023年度法治政府建设情况的报告\n正文第一段。")
    assert head not in c.text  # furniture
    inf = M.infer_metadata(c.text, c.header)
    assert inf.published is not None and inf.published.isoformat() == date


def test_dates_in_fields_left_in_the_text_and_chinese_numerals():
    inf = M.infer_metadata("某市人民政府关于开展检查的通知\n发布日期：2021-12-24\n正文。")
    assert inf.published.isoformat() == "2021-12-24"
    assert M.parse_date("二〇二四年三月十一日").isoformat() == "2024-03-11"
    assert M.parse_date("2024-13-45") is None


@pytest.mark.parametrize(
    ("text", "year", "source"),
    [
        ("第十四届全国人民代表大会第三次会议听取和审议了政府工作报告。", "2025", "session"),
        ("——2024年3月5日在第十四届全国人民代表大会第二次会议上\n各位代表：", "2024", "session"),
        (
            "各位代表：\n我代表国务院，向第十届全国人民代表大会第一次会议报告过去五年的工作。",
            "2003",
            "session",
        ),
        ("——二〇二六年一月二十七日在甘肃省十四届人民代表大会第四次会议上\n各位代表：", "2026", "date_line"),
    ],
)
def test_year_from_session_or_date_line(text, year, source):
    inf = M.infer_metadata(text)
    assert (inf.period, inf.sources["period"]) == (year, source)


def test_sessions_looked_back_on_or_provincial_give_no_year():
    back = (
        "各位代表：\n我代表国务院报告工作。\n第十二届全国人民代表大会第一次会议以来的五年，是不平凡的五年。"
    )
    assert M.infer_metadata(back).period is None
    provincial = "在河南省第十四届人民代表大会第三次会议上\n各位代表：\n我代表省人民政府报告工作。"
    assert M.infer_metadata(provincial).period is None
    assert (
        M.npc_session_year(14, 3) == 2025
        and M.npc_session_year(1, 1) == 1954
        and M.npc_session_year(15, 1) is None
    )
    assert (
        M.infer_metadata(
            "十四届全国人大三次会议关于政府工作报告的决议",
            title_hint="十四届全国人大三次会议关于政府工作报告的决议",
        ).period
        == "2025"
    )


# ---------------------------------------------------------------------------------- collection values


def test_a_province_column_does_not_overwrite_a_city_of_that_province():
    inf = M.infer_metadata(
        "郑州市人民政府关于2023年度法治政府建设情况的报告\n正文。", given={"province": "河南省"}
    )
    assert (inf.region, inf.level, inf.sources["region"]) == ("郑州市", "city", "gazetteer")
    inf = M.infer_metadata(
        "郑州市人民政府关于2023年度法治政府建设情况的报告\n正文。", given={"province": "广东省"}
    )
    assert (inf.region, inf.sources["region"]) == (
        "广东省",
        "collection",
    )  # the researcher's column wins a conflict


def test_given_empty_markers_and_date_times_are_read_as_meant():
    inf = M.infer_metadata(
        "正文。", given={"year": "None", "publish_date": "2026-02-09 09:20", "title": "nan"}
    )
    assert inf.rejected_given == {} and inf.title is None
    assert inf.published.isoformat() == "2026-02-09" and inf.sources["published"] == "collection"
    inf = M.infer_metadata("正文。", given={"year": 2025.0, "publish_date": "28/03/2024"})
    assert inf.period == "2025" and "published" in inf.rejected_given


def test_given_collection_values_are_used_with_their_source_and_invalid_ones_rejected():
    given = {"title": "2026年江苏省政府工作报告", "province": "江苏省", "year": "2026", "publish_date": "2026-02-09",
             "level": "<img src=x onerror=alert(1)>", "source_url": "https://example.org/a"}  # fmt: skip
    inf = M.infer_metadata("各位代表：\n现在，我代表省人民政府报告工作。", given=given)
    assert (inf.title, inf.region, inf.level, inf.period) == (
        "2026年江苏省政府工作报告",
        "江苏省",
        "province",
        "2026",
    )
    assert inf.sources["title"] == inf.sources["region"] == inf.sources["period"] == "collection"
    assert inf.published.isoformat() == "2026-02-09" and inf.doc_type == "government_work_report"
    assert "level" in inf.rejected_given and inf.sources["level"] != "collection"
    values, _, checks = S.merge_metadata(inf, None, doc_id="x", warn=False)
    assert values["level"] == "province"
    rows = {c["field"]: c for c in checks}
    assert set(rows) == {"title", "region", "level", "period", "published"}
    assert not rows["level"]["agree"] and "markup" in rows["level"]["problem"]
    # used collection values are checked against what the text alone gives (no title, region or year there)
    assert (
        rows["title"]["inferred"] is None and rows["title"]["problem"] is None and not rows["title"]["agree"]
    )
    assert {c["curated_source"] for c in checks} == {"collection"}


# ------------------------------------------------------------------------------------------ sidecar


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("level", "<img src=x onerror=alert(1)>", "markup"),
        ("level", "County", "not one of"),
        ("doc_type", "report", "not one of"),
        ("period", "2025–2022", "reversed"),
        ("period", "<svg onload=x>", "markup"),
        ("published", "2024-13-45", "YYYY-MM-DD"),
        ("published", "28/03/2024", "YYYY-MM-DD"),
        ("region", "谢您对我市", "gazetteer"),
    ],
)
def test_invalid_sidecar_values_are_rejected(field, value, problem):
    v, p = S.validate_value(field, value)
    assert v is None and problem in p


def test_valid_sidecar_values_pass_normalised():
    assert S.validate_value("period", "2022-2025") == ("2022–2025", None)
    assert S.validate_value("level", "national") == ("national", None)
    assert S.validate_value("region", "付店镇") == ("付店镇", None)
    assert S.validate_value("region", "上海") == ("上海市", None)
    assert S.validate_value("title", "  中共潢川县委 潢川县人民政府关于  ") == (
        "中共潢川县委 潢川县人民政府关于",
        None,
    )
    assert S.validate_value("published", "") == (None, None)


def _corpus(tmp_path: Path, sidecar: str) -> Path:
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "a.txt").write_text(
        "某县人民政府关于2022年度法治政府建设情况的报告\n发布时间：2023-02-15 09:30\n2022年，我县坚持依法行政。",
        encoding="utf-8",
    )
    (folder / "b.txt").write_text(
        "许昌市法治政府建设实施方案（2022—2025年）\n为推进依法行政，制定本方案。", encoding="utf-8"
    )
    (folder / "metadata.csv").write_text(sidecar, encoding="utf-8")
    return folder


def test_bad_sidecar_values_never_overwrite_inference_and_are_reported(tmp_path: Path):
    folder = _corpus(
        tmp_path,
        "source_file,level,doc_type,period,published\n"
        "a.txt,<img src=x onerror=alert(1)>,County,2025–2022,2024-13-45\n"
        "b.txt,city,implementation_plan,2022-2025,28/03/2024\n",
    )
    with pytest.warns(S.SidecarWarning):
        c = read_corpus(folder)
    docs = {r["source_file"]: r for r in c.documents.iter_rows(named=True)}
    a, b = docs["a.txt"], docs["b.txt"]
    assert (a["level"], a["doc_type"], a["period"]) == ("county", "annual_report", "2022")
    assert a["published"].isoformat() == "2023-02-15" and a["published_source"] == "header"
    assert a["level_source"] != "sidecar" and b["level_source"] == "sidecar" and b["period"] == "2022–2025"
    problems = c.metadata_check.filter(pl.col("problem").is_not_null())
    assert sorted(zip(problems["doc_id"], problems["field"], strict=True)) == [
        ("a", "doc_type"),
        ("a", "level"),
        ("a", "period"),
        ("a", "published"),
        ("b", "published"),
    ]
    assert not problems["agree"].any()
    assert "<img" not in "".join(str(v) for v in c.documents.row(0))


def test_sidecar_header_variants_and_separator_are_read_and_said(tmp_path: Path):
    folder = _corpus(
        tmp_path,
        "Source_File; title;LEVEL\na.txt;某县人民政府关于2022年度法治政府建设情况的报告;county_dept\n",
    )
    with pytest.warns(S.SidecarWarning, match="read as"):
        c = read_corpus(folder)
    row = c.documents.filter(pl.col("source_file") == "a.txt").row(0, named=True)
    assert row["level"] == "county_dept" and row["level_source"] == "sidecar"
    said = c.metadata_check.filter(pl.col("doc_id").is_null())["problem"].to_list()
    assert (
        any("';'" in p for p in said)
        and any("'Source_File'" in p for p in said)
        and any("' title'" in p for p in said)
    )


def test_sidecar_without_source_file_and_duplicate_rows_are_reported(tmp_path: Path):
    folder = _corpus(tmp_path, "file,level\na.txt,city\n")
    with pytest.warns(S.SidecarWarning) as caught:
        c = read_corpus(folder)
    assert any("no source_file" in str(w.message) for w in caught)
    assert c.documents["metadata_source"].to_list() == ["inferred", "inferred"]
    assert c.metadata_check.filter(pl.col("field") == "source_file").height == 1
    (tmp_path / "d").mkdir()
    folder2 = _corpus(tmp_path / "d", "source_file,level\na.txt,county_dept\na.txt,city\n")
    with pytest.warns(S.SidecarWarning, match="duplicate"):
        c2 = read_corpus(folder2)
    assert c2.documents.filter(pl.col("source_file") == "a.txt")["level"][0] == "county_dept"  # the first row
    dup = c2.metadata_check.filter(pl.col("problem").str.contains("duplicate"))
    assert dup.height == 1 and dup["doc_id"][0] == "a" and "differ" in dup["problem"][0]


def test_an_unreadable_sidecar_is_set_aside_with_a_reason(tmp_path: Path):
    path = tmp_path / "metadata.csv"
    path.write_bytes(b"\x00\x01\x02\xff\xfe\x00" * 50)
    with pytest.warns(S.SidecarWarning, match="cannot be read"):
        sc = S.read_sidecar(path)
    assert dict(sc) == {} and sc.problems[0].column == "(file)"


def test_seed_inference_agrees_with_the_sidecar_at_least_as_before():
    with warnings.catch_warnings():
        warnings.simplefilter("error", S.SidecarWarning)  # the seeds' sidecar is valid
        c = read_corpus(SEEDS)
    check = c.metadata_check.filter(~pl.col("field").is_in(S.PROVENANCE))  # provenance is not inferred
    assert c.metadata_check["problem"].is_null().all()
    assert int(check["agree"].sum()) >= 32 and check.height == 33


# -------------------------------------------------------------------------------------------- cleaning


def test_traditional_text_is_converted_and_the_original_kept():
    trad = "發佈日期：2024-03-28\n關於2023年度法治政府建設情況的報告\n我縣堅持依法行政，推進數字政府建設。各鄉鎮認真落實。"
    with pytest.warns(CL.ScriptWarning, match="traditional text converted"):
        c = CL.clean_text(trad)
    assert c.script == "traditional" and c.converted_chars > 10 and c.original_text == trad
    assert c.text.split("\n") == [
        "关于2023年度法治政府建设情况的报告",
        "我县坚持依法行政，推进数字政府建设。各乡镇认真落实。",
    ]
    assert c.header["published"].startswith("2024-03-28")  # 發佈日期 furniture recognised once converted
    simp = CL.clean_text("我县坚持依法行政。拚搏奋进。")
    assert (simp.script, simp.converted_chars, simp.original_text) == ("simplified", 0, None)
    assert "拚" in simp.text  # a stray variant in a Simplified text is left as written


def test_pinyin_injected_after_characters_is_removed():
    with pytest.warns(CL.ScriptWarning):
        c = CL.clean_text("關(guān)於加強法治(fǎ zhì)政府建設的意見（yì jiàn）\n公式(a)与附件(b)保留。")
    assert c.text.split("\n") == ["关于加强法治政府建设的意见", "公式(a)与附件(b)保留。"]
    assert [k for k, _ in c.removed].count("pinyin") == 3 and c.script == "traditional"
    assert CL.remove_pinyin("关(guān)于") == ("关于", [("pinyin", "(guān)")])


@pytest.mark.parametrize(
    "line",
    [
        "无障碍 简体| 繁体",
        "【 打印 】 【 扫一扫 】",
        "分享:",
        "返回手机版",
        "请输入检索词",
        "发表评论 0条评论",
        "下载 打印 全屏 收藏 【字号： 加大 还原 减小 】",
        "来源：河南日报",
        "时间：2026-02-03",
    ],
)
def test_site_furniture_lines_are_removed(line):
    c = CL.clean_text(f"{line}\n正文第一段。\n正文第二段。")
    assert c.text == "正文第一段。\n正文第二段。" and c.removed


@pytest.mark.parametrize(
    ("line", "caption"),
    [
        ("省长刘小涛代表省人民政府向大会作政府工作报告。本报记者 朱江 摄", True),
        ("王正谱作政府工作报告。本报记者 霍艳恩摄", True),
        ("省长叶建春作政府工作报告。本报全媒体记者 林 君摄", True),
        ("组织新闻记者开展拍摄。", False),
        ("邀请记者参与监督，接受群众评议。", False),
    ],
)
def test_photo_captions_and_sentences_about_reporters(line, caption):
    assert (CL.furniture_kind(line) == "photo_caption") is caption


def test_furniture_spread_one_word_per_line_is_removed():
    page = "下载\n打印\n全屏\n收藏\n【字号：\n加大\n还原\n减小\n】\n来源:\n四川日报\n您的位置:\n首页\n>\n要闻\n正文。\n大\n会议精神。"
    c = CL.clean_text(page)
    assert c.text == "正文。\n大\n会议精神。"  # a lone 大 among body lines is not a widget run
    assert c.header["source"] == "四川日报"


def test_urls_and_watermarks_are_cut_from_inside_lines():
    c = CL.clean_text(
        "详见https://www.gov.cn/zhengce/a.htm 的规定。\n工作成效明显（来源：河南日报）。\n标题【某县人民政府门户网站】",
        watermarks=["某某网"],
    )
    assert c.text.split("\n") == ["详见 的规定。", "工作成效明显。", "标题"]
    assert {k for k, _ in c.removed} == {"url", "watermark"}
    glued = CL.clean_text(
        "某县人民政府关于2023年法治政府建设情况的报告某县人民政府门户网站\n在县政府门户网站公开。"
    )
    assert glued.text.split("\n") == [
        "某县人民政府关于2023年法治政府建设情况的报告",
        "在县政府门户网站公开。",
    ]
    c2 = CL.clean_text("欢迎访问某某网，某某网为您服务。", watermarks=["某某网"])
    assert c2.text == "欢迎访问，为您服务。" and [k for k, _ in c2.removed] == ["watermark", "watermark"]


def test_lines_repeated_across_a_collection_are_furniture():
    texts = [
        f"某某网欢迎您\n各位代表：\n一、工作回顾\n第{i}篇的正文。\n特此报告。\n本站声明 版权所有"
        for i in range(6)
    ]
    texts.append("独有的一篇\n正文。")
    rep = CL.repeated_lines(texts)
    assert rep == {"某某网欢迎您", "本站声明 版权所有"}
    d = CL.drop_lines(CL.clean_text(texts[0]), rep)
    assert d.text == "各位代表：\n一、工作回顾\n第0篇的正文。\n特此报告。"
    assert ("repeated", "某某网欢迎您") in d.removed
    assert CL.repeated_lines(texts[:2]) == frozenset()  # fewer documents than min_docs
    long_doc = (
        "某某网欢迎您\n"
        + "\n".join(f"第{i}段。" for i in range(60))
        + "\n某某网欢迎您\n"
        + "\n".join(f"第{i}段。" for i in range(60, 120))
    )
    d = CL.drop_lines(CL.clean_text(long_doc), rep)
    assert d.text.split("\n")[0] == "第0段。" and "某某网欢迎您" in d.text  # deep in the body: kept
    assert "某某网欢迎您" not in CL.drop_lines(CL.clean_text(long_doc), rep, edge_lines=None).text


_SENTENCE = st.text(
    alphabet=st.sampled_from(list("法治政府建设推进依法行政我县市区年度工作，、")), min_size=1, max_size=30
).map(lambda s: s + "。")
_FURNITURE = st.sampled_from(
    [
        "打印",
        "分享:",
        "【字体：大 中 小】",
        "来源：某某日报",
        "首页 > 政务公开",
        "扫一扫在手机打开当前页",
        "返回顶部",
    ]
)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.one_of(_SENTENCE, _FURNITURE), min_size=1, max_size=20))
def test_cleaning_never_removes_a_sentence(lines):
    c = CL.clean_text("\n".join(lines))
    sentences = [ln for ln in lines if "。" in ln]
    assert (c.text.split("\n") if c.text else []) == sentences  # every sentence kept, in order; no furniture
    assert len(c.removed) == len(lines) - len(sentences)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(_SENTENCE, min_size=1, max_size=6), min_size=3, max_size=8))
def test_collection_furniture_never_takes_a_sentence(docs):
    texts = ["打印\n分享:\n" + "\n".join(d) for d in docs]
    rep = CL.repeated_lines(texts)
    for t, d in zip(texts, docs, strict=True):
        kept = CL.drop_lines(CL.clean_text(t), rep).text.split("\n")
        assert kept == d


# ------------------------------------------------------------------------- the government work reports


def _gwr_documents() -> list[tuple[str, str, dict[str, str], str, str, int | None]]:
    """(name, text, given columns, level, doc_type, year) as the collection readers will give them."""
    out = []
    for line in (GWR / "national" / "government_work_reports.jsonl").read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        given = {k: str(v) for k, v in d.items() if k != "content" and v is not None}
        resolution = d["year"] is None
        out.append(
            (
                d["title"],
                d["content"],
                given,
                "national",
                "npc_resolution" if resolution else "government_work_report",
                d["year"],
            )
        )
    for f in sorted((GWR / "provinces-2025").glob("*.txt")):
        out.append((f.name, f.read_text(encoding="utf-8"), {}, "province", "government_work_report", 2025))
    csv.field_size_limit(1 << 30)
    for f in sorted((GWR / "provinces-2026").glob("2026_*.csv")):
        with open(f, encoding="utf-8-sig", newline="") as fh:
            row = next(csv.DictReader(fh))
        text = row.pop("full_text")
        out.append((f.name, text, row, "province", "government_work_report", 2026))
    return out


def _clean(text: str) -> CL.Cleaned:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CL.ScriptWarning)  # 1954 and 1957 are (partly) in Traditional
        return CL.clean_text(text)


@pytest.fixture(scope="module")
def gwr():
    if not GWR.is_dir():
        pytest.skip("the government-work-report corpus is not in this checkout")
    return _gwr_documents()


def _resolution_year(title: str) -> int:
    m = re.search(r"第(.{1,3})届全国人民代表大会第(.{1,3})次会议", title)
    assert m
    return M.npc_session_year(M._cn_number(m.group(1)), M._cn_number(m.group(2)))


def test_gwr_collection_with_its_columns(gwr):
    assert len(gwr) == 134
    wrong = []
    for name, text, given_cols, level, doc_type, year in gwr:
        c = _clean(text)
        inf = M.infer_metadata(c.text, c.header, given=given_cols)
        want_year = str(year) if year else str(_resolution_year(name))
        got = (inf.level, inf.doc_type, inf.period)
        if got != (level, doc_type, want_year):
            wrong.append((name, got))
    assert wrong == []


def test_gwr_collection_from_the_text_alone(gwr):
    """Without the columns: level and doc type right for all but the 1964 abstract (no title, no
    salutation, no speaker: nothing in its text says who delivered it); the year wherever the text states
    it (title, delivery line, session, a review of the year before), and never a wrong year."""
    misses, wrong_year, no_year = [], [], []
    for name, text, _, level, doc_type, year in gwr:
        c = _clean(text)
        inf = M.infer_metadata(c.text, c.header)
        if (inf.level, inf.doc_type) != (level, doc_type):
            misses.append(name)
        want_year = str(year) if year else str(_resolution_year(name))
        if inf.period is None:
            no_year.append(name)
        elif inf.period != want_year:
            wrong_year.append((name, inf.period))
    assert misses == ["1964年中华人民共和国国务院政府工作报告（摘要）"]
    assert wrong_year == []
    assert all(n.startswith(("19", "20")) and "国务院" in n for n in no_year)  # national reports only
    provincial = [n for n, *_ in gwr if n.endswith((".txt", ".csv"))]
    assert not set(provincial) & set(no_year)


# ------------------------------------------------------------------------ whole pages, one per genre

PAGES = [
    (
        (
            "无障碍 简体| 繁体\n当前位置：首页 > 政务公开 > 法治政府建设\n【法治政府建设】鄢陵县司法局2023年法治政府建设工作报告\n"
            "发布时间：2024-01-15 10:20 来源：县司法局 浏览次数：321\n【 打印 】 【 扫一扫 】\n"
            "2023年，县司法局在县委、县政府的坚强领导下，深入推进依法行政。现将有关情况报告如下：\n一、主要工作\n"
            "（一）加强组织领导。我局成立领导小组。\n分享:\n返回手机版"
        ),
        ("鄢陵县司法局", "鄢陵县", "county_dept", "annual_report", "2023", "2024-01-15"),
    ),
    (
        (
            "关于市政协十四届二次会议第0123号提案的答复\n张华委员：\n您提出的《关于加强社区治理的提案》收悉。现答复如下：\n"
            "一、关于社区治理。我局高度重视。\n感谢您对我市工作的关心和支持。\n郑州市民政局\n2024年6月18日\n（联系人：王某，电话：12345678）"
        ),
        ("郑州市民政局", "郑州市", "city_dept", "proposal_reply", "2024", "2024-06-18"),
    ),
    (
        "付店镇人民政府关于2022年度法治政府建设情况的报告\n2022年，我镇坚持以习近平法治思想为指导，扎实推进法治建设。",
        ("付店镇人民政府", "付店镇", "township", "annual_report", "2022", None),
    ),
    (
        (
            "司法部关于印发《法治政府建设督察工作规定》的通知\n各省、自治区、直辖市司法厅（局）：\n现将有关事项通知如下。\n"
            "司法部\n2023年5月10日"
        ),
        ("司法部", None, "national_dept", "notice", "2023", "2023-05-10"),
    ),
    (
        (
            "许昌市人民政府\n关于印发许昌市法治政府建设实施方案\n（2021—2025年）的通知\n各县（市、区）人民政府：\n"
            "为深入推进依法行政，结合我市实际，制定本方案。"
        ),
        ("许昌市人民政府", "许昌市", "city", "implementation_plan", "2021–2025", None),
    ),
    (
        "内蒙古自治区兴安盟扎赉特旗人民政府关于2023年法治政府建设年度报告\n2023年，我旗深入推进依法行政。",
        ("内蒙古自治区兴安盟扎赉特旗人民政府", "扎赉特旗", "county", "annual_report", "2023", None),
    ),
]


@pytest.mark.parametrize(("page", "want"), PAGES)
def test_whole_pages(page, want):
    c = CL.clean_text(page)
    for junk in ("无障碍", "打印", "分享", "返回手机版", "当前位置", "浏览次数"):
        assert junk not in c.text
    inf = M.infer_metadata(c.text, c.header)
    got = (inf.issuer, inf.region, inf.level, inf.doc_type, inf.period,
           inf.published.isoformat() if inf.published else None)  # fmt: skip
    assert got == want


# ---------------------------------------------------------------------------------- parsers never crash


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=400), st.dictionaries(st.sampled_from(["title", "year", "province", "publish_date", "level"]),
                                              st.text(max_size=30), max_size=5))  # fmt: skip
def test_inference_and_cleaning_take_any_text(text, given_cols):
    c = CL.clean_text(text)
    inf = M.infer_metadata(c.text, c.header, given=given_cols)
    assert inf.level in schema.LEVELS and inf.doc_type in schema.DOC_TYPES
    if inf.period is not None:
        assert S.validate_value("period", inf.period)[1] is None


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12), max_size=5), max_size=6),
       st.sampled_from([",", ";", "\t"]))  # fmt: skip
def test_any_sidecar_reads_without_crashing(tmp_path_factory, rows, sep):
    path = tmp_path_factory.mktemp("sc") / "metadata.csv"
    body = "\n".join(sep.join(r) for r in [["source_file", "level", "period"], *rows])
    path.write_text(body, encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", S.SidecarWarning)
        sc = S.read_sidecar(path)
    for key, values in sc.items():
        assert key and set(values) <= set(M.FIELDS)
        inf = M.Inferred()
        vals, _, _checks = S.merge_metadata(inf, values, doc_id=key, warn=False)
        assert vals["level"] in schema.LEVELS


_LINE = st.text(
    alphabet=st.sampled_from(
        list("某县市人民政府关于年度法治建设情况的报告方案通知答复。，：【】0123456789")
    ),
    max_size=25,
)


@settings(max_examples=80, deadline=None)
@given(st.lists(_LINE, max_size=8))
def test_a_found_title_is_made_of_head_lines_and_is_no_sentence(lines):
    title = M.find_title("\n".join(lines))
    if title is not None:
        assert "。" not in title and M._GENRE_END.search(title)
        stripped = [_head_line(ln) for ln in lines if ln.strip()]
        assert any(title.startswith(s) or s.startswith(title) or title in "".join(stripped) for s in stripped)


def _head_line(line: str) -> str:
    return M._COLUMN_TAG.sub("", line.strip()) or line.strip()


@settings(max_examples=80, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(
            list("中共河南省许昌市鄢陵县海淀区付店镇人民政府司法局厅委办国务院部总局 、")
        ),
        max_size=30,
    )
)
def test_level_of_any_issuer_string_is_a_level_and_its_region_a_known_place(issuer):
    region, level = M._level_of(issuer)
    assert level in schema.LEVELS
    assert (
        region is None or region in M.gazetteer() or re.fullmatch(r"[\u4e00-\u9fff]{1,8}(乡|镇|街道)", region)
    )


# ------------------------------------------------------------------ rules from the devset's development half
# Each rule below encodes how government pages and documents are written; the examples are constructed.


@pytest.mark.parametrize(
    ("head", "title"),
    [
        # a breadcrumb without a colon, a column label, then the title
        (
            "您现在的位置 首页 > 政务公开 > 通知公告\n通知公告\n某某市水利局关于做好汛期值班工作的通知\n各县区水利局：",
            "某某市水利局关于做好汛期值班工作的通知",
        ),
        # a date widget and a bare column label before the real title
        (
            "今天是：2020年5月1日 星期五\n工作总结\n2019年某区审计工作总结\n2019年，某区审计局坚持依法审计。",
            "2019年某区审计工作总结",
        ),
        # a red-letter masthead (…文件) and an organ line above a title that names the organ itself
        (
            "渭南市人民政府文件\n渭南市人民政府\n渭南市人民政府关于印发某某办法的通知\n各县市区人民政府：",
            "渭南市人民政府关于印发某某办法的通知",
        ),
        # a field label, a trailing field, a document number and book-title marks
        ("名称：关于某某事项的通知 文号：甲发〔2020〕1号\n正文第一句。", "关于某某事项的通知"),
        (
            "甲政办发〔2019〕3号《甲市人民政府办公室关于印发某规划的通知》\n乙。",
            "甲市人民政府办公室关于印发某规划的通知",
        ),
        # an e-book page marker and a volume marker on their own lines
        ("Page 3 - 政府工作报告\nP. 3\n政府工作报告\n各位代表：", "政府工作报告"),
        ("2010卷\n• 政府工作报告\n各位代表：", "政府工作报告"),
        # a short page heading gives way to the full title it abbreviates a few lines below
        (
            "关于某某报告的决议\n来源：某报\n第三届某某人民代表大会\n第二次会议关于某某报告的决议\n（2020年1月1日通过）",
            "第三届某某人民代表大会第二次会议关于某某报告的决议",
        ),
        # a file name on a document-sharing page, and a repost's (全文)
        ("某县人民政府关于印发某方案的通知.docx\n正文。", "某县人民政府关于印发某方案的通知"),
        ("（甘肃）2021年某县人民政府工作报告（全文）\n各位代表：", "2021年某县人民政府工作报告"),
    ],
)
def test_title_behind_page_furniture(head, title):
    assert M.find_title(CL.clean_text(head).text) == title


def test_a_breadcrumb_and_date_widget_are_furniture():
    for line in ("您所在的位置：政务公开 > 工作报告", "您当前的位置: 首页 > 政府信息公开 > 政府文件",
                 "您现在的位置 首页 > 专栏 > 结果公开", "今天是：2019年10月31日 星期四 农历十月初三"):  # fmt: skip
        assert CL.furniture_kind(line) in ("breadcrumb", "date_widget"), line
    assert CL.furniture_kind("我们现在的位置很重要，要看清形势。") is None


def test_a_document_sharing_notice_is_furniture_and_does_not_end_the_head():
    page = (
        "某盟行政公署办公室工作细则.docx\n- 上传时间:2022-12-12\n《某盟行政公署办公室工作细则.docx》由会员分享，"
        "可在线阅读，更多相关请在某某网上搜索。\n某盟行政公署办公室关于印发某盟行政公署办公室工作细则的通知\n"
        "（某署办发〔2007〕22号）\n各旗人民政府：\n现将细则印发给你们。\n二○○七年六月五日"
    )
    c = CL.clean_text(page)
    inf = M.infer_metadata(c.text, c.header)
    assert inf.title == "某盟行政公署办公室关于印发某盟行政公署办公室工作细则的通知"
    assert inf.doc_type == "notice"
    assert (inf.period, inf.sources["period"]) == ("2007", "doc_number")  # not the upload time
    assert inf.published.isoformat() == "2007-06-05"


def test_central_organs_and_ethnic_names_come_from_data():
    o = M.organs()
    assert {"司法部", "交通运输部", "国家发展改革委", "审计署", "海关总署"} <= set(o.central)
    assert len(o.ethnic) == 55 and "维吾尔" in o.ethnic
    assert M.central_organ_at("中华人民共和国交通运输部关于某事的公告") == "交通运输部"
    assert M.central_organ_at("交通运输局关于某事的通知") is None
    assert M._level_of("国家林业和草原局") == (None, "national_dept")


def test_a_bad_organs_file_is_refused(tmp_path: Path):
    bad = tmp_path / "organs.toml"
    bad.write_text('[central]\nnames = ["司法部", "Ministry"]\n[ethnic]\nnames = ["回"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match="Chinese characters"):
        M.organs(bad)
    bad.write_text("[central]\nnames = []\n", encoding="utf-8")
    with pytest.raises(ValueError, match="non-empty"):
        M.organs(bad)


@pytest.mark.parametrize(
    ("full", "short"),
    [("昌吉回族自治州", "昌吉州"), ("延边朝鲜族自治州", "延边州"), ("黔东南苗族侗族自治州", "黔东南州"),
     ("木垒哈萨克自治县", "木垒县"), ("博尔塔拉蒙古自治州", "博尔塔拉州"), ("许昌市", None), ("新疆维吾尔自治区", None)],
)  # fmt: skip
def test_short_names_of_autonomous_areas(full, short):
    assert M.autonomous_short(full) == short
    if short:
        assert M.gazetteer().by_name[short][0].name == full


def test_a_ministry_from_the_first_sentence_or_the_title():
    inf = M.infer_metadata("2021年，生态环境部坚持以习近平法治思想为指导，深入推进法治政府建设，取得新成效。")
    assert (inf.issuer, inf.level, inf.doc_type, inf.period) == (
        "生态环境部",
        "national_dept",
        "annual_report",
        "2021",
    )
    news = M.infer_metadata(
        "水利部召开某某工作会议\n2020-05-06 10:00 来源：水利部网站\n会议强调，要做好防汛工作。"
    )
    assert (news.issuer, news.level, news.published.isoformat()) == ("水利部", "national_dept", "2020-05-06")


@pytest.mark.parametrize(
    ("text", "issuer"),
    [
        ("某溪镇2022年法治政府建设年度报告\n2022年，某溪镇坚持依法行政。", "某溪镇人民政府"),
        (
            "2022年，在区委、区政府的坚强领导下，某桥街道深入学习贯彻习近平法治思想，推进法治建设。",
            "某桥街道办事处",
        ),
        ("2023年，某坪乡人民政府认真落实法治政府建设要求，依法行政水平提高。", "某坪乡人民政府"),
    ],
)
def test_townships_from_the_title_or_the_first_sentence(text, issuer):
    inf = M.infer_metadata(text)
    assert (inf.issuer, inf.level) == (issuer, "township")


def test_a_common_word_is_no_township():
    assert M._township_opening("城乡2023年发展规划") is None
    assert M._township_opening("全镇2023年工作总结") is None
    assert M._first_sentence_organ("2022年，乡镇坚持依法行政。") is None


def test_years_from_the_document_number_and_the_opening_sentence():
    notice = "国务院关于某某工作的意见\n国发〔2019〕8号\n各省、自治区、直辖市人民政府：\n依据某某〔2015〕3号文件，现提出如下意见。"
    assert (M.infer_metadata(notice).period, M.infer_metadata(notice).sources["period"]) == (
        "2019",
        "doc_number",
    )
    cited = "关于某某工作的意见\n各部门：\n依据某某〔2015〕3号文件精神，结合实际，现提出如下意见，请认真贯彻执行，确保落实到位。"
    assert M._doc_number_year(cited) is None  # a number cited in a sentence is not the document's own
    body = "2021年，某县坚持依法行政，落实《法治政府建设实施纲要（2021—2025年）》，推进法治政府建设。"
    assert M.infer_metadata(body).period == "2021"  # the opening year, not the plan's span


def test_an_autonomous_region_calls_itself_our_region():
    text = "2021年，我区坚持依法行政。自治区人民政府把法治政府建设摆在突出位置，我区各族群众满意。"
    assert M.infer_metadata(text).level == "province"
    district = "2021年，我区坚持依法行政。区人民政府把法治政府建设摆在突出位置，我区群众满意。"
    assert M.infer_metadata(district).level == "county"


def test_proposal_handling_reports_are_work_summaries():
    for title in ("某市司法局政协提案办理工作2021年度报告", "某局关于报送2020年建议提案办理工作总结的函"):
        assert M.infer_metadata(f"{title}\n现将有关情况报告如下：").doc_type == "work_summary", title
    assert M.infer_metadata("某县2022年法治政府建设年度报告\n正文。").doc_type == "annual_report"


@pytest.mark.parametrize(
    ("text", "issuer", "published"),
    [
        # the title names the bureau; the 发布机构 field names the portal
        (
            (
                "索引号: 123 发布机构: 某某县人民政府 发布日期: 2019-05-06\n某某县水务局关于对县人大第5号建议的答复\n"
                "王某代表：\n您提出的建议收悉，现答复如下："
            ),
            "某某县水务局",
            "2019-05-06",
        ),
        # a metadata table without colons; the signature followed by page furniture
        (
            (
                " 索 引 号  abc/2021-1\n 信息名称  关于对县政协第5号提案的答复\n 公开日期  2021-04-07  失效日期 \n"
                " 文  号   发布机构  红星县教育局\n李某委员：\n您的提案收悉，现答复如下：\n一、加强管理。\n红星县教育局\n2021年4月6日\n"
                "上一条：关于某某的答复\n网站地图"
            ),
            "红星县教育局",
            "2021-04-07",
        ),
        # the signature with its date digits run together, before trailing furniture
        (
            (
                "关于对市人大第40号建议的答复\n张某代表：\n您提出的建议收悉，现答复如下：\n一、已经安排。\n平安市交通运输局\n2017821\n"
                "联系人：某某\n附件下载："
            ),
            "平安市交通运输局",
            None,
        ),
    ],
)
def test_issuer_from_title_signature_and_metadata_table_in_that_order(text, issuer, published):
    c = CL.clean_text(text)
    inf = M.infer_metadata(c.text, c.header)
    assert inf.issuer == issuer
    assert inf.doc_type == "proposal_reply"
    assert (inf.published.isoformat() if inf.published else None) == published


def test_byline_and_standalone_dates():
    assert M._byline_date("某县政府  2016-03-21 00:00\n各乡镇：") == M.parse_date("2016-03-21")
    assert M._byline_date("——2025年3月5日在某会议上\n各位代表：") == M.parse_date("2025-03-05")
    assert (
        M._byline_date("生效日期：2019-06-19\n正文。") is None
    )  # an entry-into-force date is not publication
    assert M._standalone_date(
        "通知\n各部门：\n现印发给你们。\n某办公厅\n2016年5月28日\n一、总则"
    ) == M.parse_date("2016-05-28")


def test_plan_and_summary_cues_from_how_such_documents_are_written():
    transmit = "各市、县人民政府：\n现将《某省某某工作实施方案》印发给你们，请认真组织实施。\n某省人民政府\n2018年3月27日"
    assert M.infer_metadata(transmit).doc_type == "implementation_plan"
    rules = "某县人民政府工作规则\n第一章 总则\n一、根据有关法律，结合本县实际,制定本规则。"
    assert M.infer_metadata(rules).doc_type == "other"  # working rules are not a plan, whatever the comma
    both = "某区审计局2023年工作总结和2024年工作计划\n2023年，区审计局坚持依法审计。"
    assert M.infer_metadata(both).doc_type == "work_summary"


def test_a_text_file_holding_page_markup_is_read_as_html(tmp_path: Path):
    page = ("发文机关:某省人民政府\n" + "<p>各市、县人民政府:</p><p> 现将《某省某某实施方案》印发给你们。</p>"
            "<p style=\"text-align: right;\"> 某省人民政府</p><p> 2018年3月27日</p><p><br/></p>"
            "<p><strong>某省某某实施方案</strong></p><p>为深入贯彻有关精神，制定本实施方案。</p>")  # fmt: skip
    (tmp_path / "page.txt").write_text(page, encoding="utf-8")
    prose = "第一段。\n小于号 < 和大于号 > 在正文里不是标签。\n"
    (tmp_path / "prose.txt").write_text(prose, encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        docs = read_corpus(tmp_path).documents.sort("source_file")
    page_text, prose_text = docs["text"].to_list()
    assert "<p" not in page_text and "现将《某省某某实施方案》印发给你们。" in page_text
    assert "小于号 < 和大于号 > 在正文里不是标签。" in prose_text


def test_a_title_run_into_the_body_and_a_sharing_site_slogan():
    page = ("某某文库—海量文档免费下载www.example.com某省人民政府关于2022年度法治政府建设情况的报告2022年，省政府坚持"
            "依法行政，法治政府建设取得新成效，为全省发展提供了有力法治保障，各项工作稳步推进，群众满意度不断提升。")  # fmt: skip
    c = CL.clean_text(page)
    assert "example" not in c.text and "文库" not in c.text
    assert M.find_title(c.text) == "某省人民政府关于2022年度法治政府建设情况的报告"
    short = "某县人民政府关于某事的报告2022年，县政府坚持依法行政。"
    assert M.find_title(short) is None  # a short line is a sentence, not a title run into one


def test_a_document_number_glued_before_a_title():
    assert M.find_title("梁政发【2023】7号关于印发某县突发事件总体应急预案的通知\n各乡镇人民政府：") == (
        "关于印发某县突发事件总体应急预案的通知"
    )


def test_a_party_group_signs_and_a_mirror_runs_labels_into_values():
    page = ("发文机关中共某省交通运输厅党组\n发文日期2021年12月21日\n效力级别地方党内规范性文件\n厅直各单位：\n"
            "现将《关于某某工作的实施意见》印发给你们，请认真抓好落实。\n中共某省交通运输厅党组\n2021年12月21日\n"
            "关于某某工作的实施意见\n为深入贯彻有关精神，结合行业实际，制定本实施意见。")  # fmt: skip
    inf = M.infer_metadata(page)
    assert (inf.issuer, inf.level, inf.doc_type) == (
        "中共某省交通运输厅党组",
        "province_dept",
        "implementation_plan",
    )
    assert inf.published.isoformat() == "2021-12-21"
    assert M._table_fields(page)["发文机关"] == "中共某省交通运输厅党组"


# -------------------------------------------- rules written after the check half's errors were read (end)


@pytest.mark.parametrize(
    ("head", "title"),
    [
        ("新华社北京3月10日电 第某届全国人民代表大会第某次会议关于某某报告的决议\n正文。",
         "第某届全国人民代表大会第某次会议关于某某报告的决议"),
        ("政 府 工 作 报 告\n——2017年12月5日在某旗人民代表大会上\n各位代表：", "政府工作报告"),
        ("关于省人大第5号建议的答复[某交建〔2018〕101号]\n张某代表：", "关于省人大第5号建议的答复"),
        ("所属机构: 市自然资源局 发布机构:\n关于对市政协第16号提案的答复\n李某委员：", "关于对市政协第16号提案的答复"),
        ("首页/ 专题专栏/ 政协委员提案回复/\n关于对政协某县第2号提案的复函\n王某委员：", "关于对政协某县第2号提案的复函"),
        ("某镇2023年突发事件总体应急预案(暂行)\n1总则", "某镇2023年突发事件总体应急预案(暂行)"),
        ("简介:小编为你整理了多篇相关的《某文件》，但愿对你有帮助。\n第一篇:某省人民政府办公厅关于某事的通知\n各市州：",
         "某省人民政府办公厅关于某事的通知"),
    ],
)  # fmt: skip
def test_more_title_furniture(head, title):
    assert M.find_title(CL.clean_text(head).text) == title


@pytest.mark.parametrize(
    ("text", "issuer", "region", "level"),
    [
        ("长沙市天心区某某街道办事处2022年法治政府建设年度报告\n2022年，街道坚持依法行政。",
         "长沙市天心区某某街道办事处", "某某街道", "township"),
        ("重庆市万州区某某镇2023年突发事件总体应急预案\n1总则", "重庆市万州区某某镇人民政府", "某某镇", "township"),
        ("鲤城区人民政府某某街道办事处关于2022年度法治政府建设情况的报告\n正文。",
         "鲤城区人民政府某某街道办事处", "某某街道", "township"),
    ],
)  # fmt: skip
def test_a_township_named_after_its_district(text, issuer, region, level):
    inf = M.infer_metadata(text)
    assert (inf.issuer, inf.region, inf.level) == (issuer, region, level)


def test_a_bare_department_subject_and_an_officials_byline():
    text = "2023年，在县委、县政府的坚强领导下，县司法局坚持依法行政，各项工作取得新成效。三门县法治建设稳步推进，三门县群众满意。"
    inf = M.infer_metadata(text)
    assert (inf.issuer, inf.level) == ("三门县司法局", "county_dept")
    speech = "关于某州2020年预算执行情况的报告\n——2021年1月12日在某州人民代表大会上\n州财政局局长 某某某\n各位代表：\n受州人民政府委托，现将报告提请审议。"
    assert M._official_byline(speech) == "州财政局"
    assert M._official_byline("关于某事的报告\n局长说，要抓好落实。") is None


def test_every_source_named_on_the_devset_is_in_the_schema_vocabulary():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        docs = read_corpus(ROOT / "tests" / "data" / "devset" / "docs").documents
    named = {v for f in M.FIELDS for v in docs[f"{f}_source"].drop_nulls().to_list()}
    assert named <= set(schema.SOURCES), named - set(schema.SOURCES)
    assert {"doc_number", "first_sentence", "signature"} <= named


# ------------------------------------------------------------------ issue 13: rules that generalise
# Constructed documents with places drawn from the gazetteer: the rules must hold for any place of a kind,
# not for the documents of the evaluation sets.


def _names(rank: str, ending: str) -> list[str]:
    g = M.gazetteer()
    out = set()
    for name, ds in g.by_name.items():
        one = len(ds) == 1 and ds[0].name == name and ds[0].rank == rank
        if one and name.endswith(ending) and len(name) >= 3 and name not in M._MUNICIPALITIES:
            out.add(name)
    return sorted(out)


PROVINCES_SHENG = _names("province", "省")
PREFECTURE_CITIES = _names("prefecture", "市")
COUNTIES = _names("county", "县")
COUNTY_CITIES = _names("county", "市")


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(PROVINCES_SHENG))
def test_a_report_line_names_a_bare_government_and_a_book_title_its_province(prov: str) -> None:
    text = (f"根据有关规定，现将省政府2022年度法治政府建设情况报告如下。\n一、主要工作\n修订《{prov}人民政府工作规则》，"
            "坚持依法行政。\n")  # fmt: skip
    inf = M.infer_metadata(text)
    assert inf.level == "province" and inf.region == prov
    assert inf.issuer is not None and inf.issuer.startswith(prov) and inf.issuer.endswith("政府")


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(PROVINCES_SHENG))
def test_a_bare_department_as_subject_takes_the_province_the_text_names(prov: str) -> None:
    text = f"2023年，省应急管理厅坚持依法行政，推动出台《{prov}安全生产条例》。现将有关情况报告如下：\n"
    inf = M.infer_metadata(text)
    assert (inf.region, inf.level, inf.issuer) == (prov, "province_dept", f"{prov}应急管理厅")


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(PREFECTURE_CITIES))
def test_a_news_headline_over_a_byline_is_the_title_and_names_the_issuer(city: str) -> None:
    text = (f"首页 > 工作动态\n{city}司法局开展矛盾纠纷排查化解专项活动\n发布时间:2022-03-21 09:33 来源:{city}司法局\n"
            f"3月16日，{city}司法局扎实开展矛盾纠纷排查化解专项活动。\n")  # fmt: skip
    inf = M.infer_metadata(text)
    assert inf.title == f"{city}司法局开展矛盾纠纷排查化解专项活动"
    assert (inf.issuer, inf.region, inf.level) == (f"{city}司法局", city, "city_dept")


def test_a_headline_naming_a_ministry_is_national_dept_and_needs_a_byline() -> None:
    text = "人民网>>社会\n应急管理部:毫不松懈做好防汛抗旱工作\n2021年06月01日14:05 | 来源:某报\n记者今天从应急管理部获悉。\n"
    inf = M.infer_metadata(text)
    assert (inf.title, inf.issuer, inf.level) == (
        "应急管理部:毫不松懈做好防汛抗旱工作",
        "应急管理部",
        "national_dept",
    )
    # without a byline under it, a short line is not taken for a headline
    assert (
        M.find_title("应急管理部:毫不松懈做好防汛抗旱工作\n记者今天从应急管理部获悉，会议部署工作。") is None
    )


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(COUNTIES))
def test_a_division_as_subject_of_the_first_sentence_is_its_government(county: str) -> None:
    text = f"2019年，在市委、市政府的正确领导下，{county}全面贯彻党的十九大精神，依法行政不断完善。\n一、主要工作\n"
    inf = M.infer_metadata(text)
    assert (inf.issuer, inf.region, inf.level) == (f"{county}人民政府", county, "county")


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(COUNTIES))
def test_an_organ_and_date_byline_names_the_issuer_but_a_portal_does_not(county: str) -> None:
    head = f"关于《{county}2023年度工作总结》的政策解读\n"
    inf = M.infer_metadata(head + f"{county}人民政府 2024年01月08日\n现解读如下。\n")
    assert inf.title == f"关于《{county}2023年度工作总结》的政策解读"
    assert (inf.issuer, inf.level) == (f"{county}人民政府", "county")
    assert M._organ_date_byline(head + f"{county}人民政府门户网站 2024年01月08日\n现解读如下。\n") is None


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(PREFECTURE_CITIES))
def test_the_adoption_line_of_a_resolution_names_the_session(city: str) -> None:
    session = f"{city}第十五届人民代表大会第六次会议"
    text = (f"(2024年2月4日{session}第四次全体会议通过)\n{session}听取和审议了市长所作的政府工作报告。"
            "会议同意这个报告，决定批准这个报告。\n")  # fmt: skip
    inf = M.infer_metadata(text)
    assert (inf.issuer, inf.region, inf.level, inf.doc_type) == (session, city, "city", "npc_resolution")


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(COUNTY_CITIES))
def test_a_bare_organ_in_the_title_is_completed_from_the_signature(city: str) -> None:
    text = (f"市人民政府关于印发{city}突发事件总体应急预案的通知\n各乡镇人民政府，市政府各部门：\n"
            f"《{city}突发事件总体应急预案》已经市政府常务会议审议通过，现印发给你们，请认真组织实施。\n"
            f"{city}人民政府\n2020年4月1日\n")  # fmt: skip
    inf = M.infer_metadata(text)
    # a county-level city's government is county level, whatever its 市 suggests
    assert (inf.issuer, inf.region, inf.level, inf.doc_type) == (f"{city}人民政府", city, "county", "notice")


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(PREFECTURE_CITIES))
def test_an_issuing_organ_field_beats_the_region_a_title_opens_with(city: str) -> None:
    text = (
        f"{city}加快数字政府建设工作实施方案\n  • 发布单位:{city}人民政府办公室\n结合我市实际，制定本方案。\n"
    )
    inf = M.infer_metadata(text)
    assert (inf.issuer, inf.level) == (f"{city}人民政府办公室", "city_dept")
    # a 发布机构 (often the portal) does not: the title's region still gives the government
    inf = M.infer_metadata(text.replace("发布单位", "发布机构"))
    assert inf.issuer == f"{city}人民政府"


def test_weaker_self_references_give_a_level_when_nothing_is_named() -> None:
    inf = M.infer_metadata("为推进依法行政，结合自治区实际，制定本方案。\n一、总体要求\n")
    assert inf.level == "province" and inf.issuer is None
    city = PREFECTURE_CITIES[0]
    text = (f"2022年，全市司法行政系统深入推进法治建设。\n我局牵头制定《{city}法律顾问工作规定》，全市法治政府建设"
            "迈上新台阶，全市各部门积极参与。\n")  # fmt: skip
    inf = M.infer_metadata(text)
    assert (inf.region, inf.level) == (city, "city_dept")


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(PREFECTURE_CITIES))
def test_a_date_widget_and_a_news_dateline_are_not_read_as_the_document(city: str) -> None:
    text = (f"欢迎访问某某政法网,今天是 2025年12月08日 星期一\n2023年春节期间，{city}司法局切实加大矛盾纠纷排查化解力度。"
            "\n")  # fmt: skip
    inf = M.infer_metadata(text)
    assert inf.issuer == f"{city}司法局" and inf.period == "2023"
    inf = M.infer_metadata(f"某省长安网讯 {city}司法局认真贯彻落实省司法厅文件精神，开展专项行动。\n")
    assert inf.issuer == f"{city}司法局" and inf.level == "city_dept"


def test_genre_cues_for_transmitted_documents_and_disclosure_reports() -> None:
    plan = "各县（市、区）人民政府：\n《某市数字政府改革建设2023年工作要点》已经市人民政府同意，现印发给你们，请认真贯彻执行。\n"
    assert M.infer_metadata(plan).doc_type == "implementation_plan"
    rules = "各乡镇人民政府：\n修订后的《某州人民政府工作规则》已经州政府全体会议审议通过，现印发给你们，自印发之日起施行。\n"
    assert M.infer_metadata(rules).doc_type == "notice"
    assert M.infer_metadata("某局2022年政府信息公开工作年度报告\n正文。").doc_type == "work_summary"
    assert (
        M.infer_metadata("关于转发《某市大数据中心建设方案》的通知\n正文。").doc_type == "implementation_plan"
    )


def test_a_masthead_repeated_at_the_start_of_a_split_title_is_dropped() -> None:
    text = "政府信息公开\n自治区人民政府办公厅\n\n自治区人民政府办公厅2022\n\n政府信息公开工作年度报告\n依据条例，编制本报告。\n"
    assert M.find_title(text) == "自治区人民政府办公厅2022政府信息公开工作年度报告"


def test_title_lines_drop_contact_furniture_and_table_bars() -> None:
    assert (
        M.find_title("投稿邮箱:abc@163.com\n市人民政府关于印发某预案的通知\n各部门：\n")
        == "市人民政府关于印发某预案的通知"
    )
    assert M._strip_title_furniture("某局开展专项活动 |") == "某局开展专项活动"
    assert M._strip_title_furniture("通 知") == "通知"


def test_collection_columns_come_from_the_one_data_file() -> None:
    """Every column name of data/collection_columns.toml gives its field (one source of truth); a name that
    is not in that file gives nothing."""
    from fazhi.corpus.collections import column_rules

    for fld in ("title", "issuer", "region", "published"):
        for name in column_rules().fields[fld]:
            assert M._given_field({name: "x"}, fld) == "x", (fld, name)
    assert M._given_field({"Publish Date": "2024-01-01"}, "published") == "2024-01-01"  # compared normalised
    assert M._given_field({"年度": "2021"}, "period") == "2021"  # a year column gives the period
    assert M._given_field({"no_such_column": "x"}, "title") is None
    assert not hasattr(M, "_GIVEN_ALIASES")


def test_sidecar_provenance_is_validated_and_reaches_the_documents_table(tmp_path: Path):
    # issue 17: source_url (the official publication page) and accessed (the date retrieved), never guessed
    url = "https://www.gov.cn/zhengce/a.htm?x=1#p"
    assert S.validate_value("source_url", url) == (url, None)
    for bad in ("javascript:alert(1)", "www.gov.cn/a", "https://a.cn/x y", 'https://a.cn/"onmouseover=x'):
        value, problem = S.validate_value("source_url", bad)
        assert value is None and problem, bad
    assert S.validate_value("accessed", "2024-04-01") == ("2024-04-01", None)
    assert S.validate_value("accessed", "2024-02-30")[0] is None
    (tmp_path / "a.txt").write_text(
        "某县人民政府关于2023年法治政府建设情况的报告\n一、总体情况\n依法行政。", encoding="utf-8"
    )
    (tmp_path / "b.txt").write_text(
        "某市人民政府关于2023年法治政府建设情况的报告\n一、总体情况\n依法行政。", encoding="utf-8"
    )
    (tmp_path / "metadata.csv").write_text(
        "source_file,source_url,accessed\n"
        "a.txt,https://example.org/a.html,2024-04-01\nb.txt,javascript:alert(1),yesterday\n",
        encoding="utf-8",
    )
    with pytest.warns(S.SidecarWarning):
        corpus = read_corpus(tmp_path)
    docs = {r["source_file"]: r for r in corpus.documents.iter_rows(named=True)}
    assert docs["a.txt"]["source_url"] == "https://example.org/a.html"
    assert docs["a.txt"]["accessed"].isoformat() == "2024-04-01"
    assert docs["b.txt"]["source_url"] is None and docs["b.txt"]["accessed"] is None
    problems = corpus.metadata_check.filter(pl.col("problem").is_not_null())
    assert set(problems["field"]) >= {"source_url", "accessed"}
    assert "unknown column" not in " ".join(problems["problem"].to_list())
