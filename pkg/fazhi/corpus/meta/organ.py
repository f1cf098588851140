"""Names of organs: their level of government and region, and the parts organ names are made of.

In: an organ's name as a document writes it (河南省司法厅, 国务院, 某镇人民政府, 区应急管理局).
Out: :func:`_level_of` (region, level), :func:`_party_full_name`, :func:`_organ_after` and the patterns
of organ names shared by the title, issuer and subject rules.
How: a central organ (``data/organs.toml``) is national or national_dept; otherwise the gazetteer chain the
name opens with gives the rank, mapped to a level by :data:`_RANK_LEVEL` (from ``data/levels.toml``), and a
department ending (厅, 局, 委员会 …) makes it the ``_dept`` level; a name of division form that is not in the
gazetteer gives the level of its suffix and no region.
"""

from __future__ import annotations

import re

from .gazetteer import _MUNICIPALITIES, _chain
from .levels import SUFFIX_RANK, UNIT_FORMS, UNIT_RANK, level_vocab, rank_level, with_dept
from .vocab import central_organ_at, organs

_ORGAN_LINE = re.compile(
    r"^(?:中共)?[\u4e00-\u9fff]{2,30}(?:人民政府|政府|行政公署|办公厅|办公室|厅|局|委员会|办事处)$"
)


def _alternation(names: dict[str, str] | tuple[str, ...]) -> str:
    """A regular-expression alternation of unit words, longest first."""
    return "|".join(sorted(map(re.escape, names), key=lambda n: (-len(n), n)))


_CENTRAL = re.compile(
    r"^(?:中华人民共和国)?(?:国务院(?:办公厅)?|全国人民代表大会(?:常务委员会)?|全国人大(?:常委会)?|中共中央(?:办公厅)?|"
    r"中央人民政府|(?:第.{1,4}届)?全国人民代表大会第.{1,4}次会议|党中央)"
)
_CENTRAL_DEPT = re.compile(r"^(?:中华人民共和国)?[\u4e00-\u9fff]{1,10}?(?:部|总局|署)$")
_DEPT = re.compile(r"(厅|局|委员会|委|办公室|办|署|中心|院|所)")
_GOVERNMENT = re.compile(
    r"^(?:人民政府|政府|行政公署|党委|[省市县区州盟旗]?委|人大常委会|人民代表大会(?:常务委员会)?)?$"
)  # 浚县县委: the unit repeated before 委 is still the jurisdiction's committee
_BODY_AFTER = (
    r"(?=人民政府|政府|行政公署|党委|委员会|办事处|党工委|人大|[\u4e00-\u9fff]{0,10}(?:厅|局|委|办|中心))"
)
_STRUCTURAL = re.compile(
    r"^(?P<name>[\u4e00-\u9fff]{1,8}?(?P<suffix>" + _alternation(SUFFIX_RANK) + "))" + _BODY_AFTER
)
# A bare unit before its government or a department (省政府, 区司法局): the document's own.
_BARE_UNIT_ORGAN = re.compile(
    r"^(" + _alternation(UNIT_RANK) + r")"
    r"(?=人民政府|政府|行政公署|[\u4e00-\u9fff]{0,10}(?:厅|局|委员会|办公室)|[\u4e00-\u9fff]{2,10}委$)"
)  # the last: a commission by its short name (县卫生健康委, 市发展改革委), not a Party committee (县委)
_TOWNSHIP = re.compile(
    r"^(?!城乡|乡镇|城镇)(?P<name>[\u4e00-\u9fff]{1,8}?(?:乡|镇|街道|苏木|街(?=办)))" + _BODY_AFTER
)
_SUFFIX_RANK = SUFFIX_RANK  # the endings of divisions' names, by rank (``name_suffixes`` of levels.toml)
_RANK_LEVEL = level_vocab().by_rank  # rank -> level (``rank`` of levels.toml): prefecture -> city


def _street_name(name: str) -> str:
    """A street's name from its office's short form (某某街 of 某某街办 → 某某街道)."""
    return name + "道" if name.endswith("街") and not name.endswith("街道") else name


def _level_of(name: str | None) -> tuple[str | None, str]:
    """Region and level of government from the first body named in an issuer (or title) string.

    ``河南省人民政府`` → (河南省, province); ``河南省司法厅`` → (河南省, province_dept); ``许昌市…`` →
    (许昌市, city); ``中共潢川县委 潢川县人民政府`` → (潢川县, county); ``…镇人民政府`` → township;
    ``国务院`` → (None, national); ``生态环境部``, ``国务院办公厅`` → (None, national_dept). A region is a
    gazetteer name (or a township named before 人民政府); a name of county form that is not in the gazetteer
    (某县人民政府) gives the level and no region.
    """
    first = re.split(r"[\s、,，]+", re.sub(r"^中共", "", (name or "").strip()))[0]
    if not first:
        return None, "unknown"
    m = _CENTRAL.match(first)
    if m:  # its general office (国务院办公厅) is a department, like any government's office
        office = m.group(0).endswith("办公厅") or first[m.end() :].startswith("办公")
        return None, rank_level("national", dept=office)
    if central_organ_at(first):
        return None, rank_level("national", dept=True)
    d, end = _chain(first)
    if d is not None and end > 0:
        rest = first[end:]
        dept = bool(_DEPT.search(rest)) and not _GOVERNMENT.fullmatch(rest)
        if rest.startswith("委") and (_chain(rest[1:])[1] or _GOVERNMENT.fullmatch(rest[1:])):
            dept = False  # 汉中市委汉中市人民政府: the Party committee and government, issuing jointly
        level = _RANK_LEVEL[d.rank]
        if d.rank == "province" or (d.rank == "prefecture" and d.name in _MUNICIPALITIES):
            level = rank_level("province")
        rest = re.sub(
            r"^(?:人民政府|政府)(?=[\u4e00-\u9fff]{1,8}?(?:乡|镇|街道))", "", rest
        )  # 鲤城区人民政府金龙街道办事处
        m = _TOWNSHIP.match(rest)
        if m and m.group("name").endswith(("城乡", "乡镇", "城镇")):
            m = None  # 某市住房和城乡建设局 is no township's
        if rest.startswith(("乡", "镇", "街道")) or m:
            return (_street_name(m.group("name")) if m else None), rank_level("township")
        return d.name, with_dept(level, dept)
    m = _TOWNSHIP.match(first)
    if m and not m.group("name").endswith(("城乡", "乡镇", "城镇")):  # 市城乡建设局 is no township's
        return _street_name(m.group("name")), rank_level("township")
    if re.match(r"(?:中华人民共和国|国家|国务院)", first):
        return None, rank_level("national", dept=True)  # 国家市场监督管理总局, 国务院国有资产监督管理委员会
    m = _STRUCTURAL.match(first) if not first.startswith("自治") else None  # 自治区司法厅 is a bare unit
    if m:
        rest = first[m.end() :]
        dept = bool(_DEPT.search(rest)) and not _GOVERNMENT.fullmatch(rest)
        return None, rank_level(_SUFFIX_RANK[m.group("suffix")], dept=dept)
    m = _BARE_UNIT_ORGAN.match(first)
    if m:  # a bare unit, the document's own (省政府, 区司法局): the level, no region
        rest = first[m.end() :]
        dept = bool(_DEPT.search(rest)) and not _GOVERNMENT.fullmatch(rest)
        return None, rank_level(_UNIT_RANK[m.group(1)], dept=dept)
    if re.match(r"^(?:乡|镇|街道|苏木)(?:人民政府|政府|党委|党工委|办事处|办)", first):
        return None, rank_level("township")  # a bare township organ, the document's own (镇政府, 街道办事处)
    if _CENTRAL_DEPT.match(first):  # a ministry, commission or administration with no region before it
        return None, rank_level("national", dept=True)
    return None, "unknown"


def _party_full_name(organ: str) -> str:
    """A local Party committee or its office by its full name (广东省委办公厅 → 中共广东省委办公厅, 某县委 →
    中共某县委): a division's name directly followed by 委 (not 委员会, a government commission's ending) is
    the Party's."""
    if organ.startswith("中共"):
        return organ
    d, end = _chain(organ)
    if d is not None and end and organ[end:].startswith("委") and not organ[end:].startswith("委员会"):
        return "中共" + organ
    return organ


_SIGNATURE_ORGAN = re.compile(
    r"^(?:中共)?[\u4e00-\u9fff（）()]{2,40}(?:人民政府|政府|办公厅|办公室|厅|局|委员会|委|中心|党委|党组|党工委|法院|检察院|办事处|会议)$"
)


_BARE_GOV = re.compile(r"^(省|市|县|区|州|盟|旗|自治区|自治州|自治县|自治旗)(?:人民政府|政府)$")


_ORGAN_AFTER = re.compile(
    r"^(?:(?:人民)?政府(?:办公厅|办公室)|人民政府|政府|行政公署|[\u4e00-\u9fff]{0,12}?(?:厅|局|委员会|办公室))"
)


# An organ's kind after a place or a bare unit word (省应急管理厅, 区政府办公室, 某镇人民政府): the longest
# form.
_ORGAN_KIND = re.compile(
    r"^(?:(?:人民)?政府(?:办公厅|办公室)|(?:(?!人民政府|政府)[\u4e00-\u9fff]){0,12}?(?:"
    + "|".join(map(re.escape, organs().department_endings or ("厅", "局", "委员会", "办公室")))
    + r")|人民政府|政府|行政公署)"
)
_SUBJECT_VERBS = "|".join(map(re.escape, organs().subject_verbs or ("召开", "开展")))
_NOT_IN_ORGAN = re.compile(r"关于|的|年|[0-9０-９、，,《》“”]|印发|转发|建设|实施|" + _SUBJECT_VERBS)


def _organ_after(rest: str) -> str | None:
    """The organ's kind that follows a place (人民政府办公厅, 应急管理局, 发展和改革委员会, 政务服务中心), the
    longest form; None when what follows is no organ (关于…, a verb, a year)."""
    m = _ORGAN_KIND.match(rest)
    if not m or not m.group(0):
        return None
    kind = m.group(0)
    if kind not in ("人民政府", "政府", "行政公署") and _NOT_IN_ORGAN.search(
        re.sub(r"^(?:人民)?政府", "", kind)
    ):
        return None
    return kind


_UNIT_RANK = UNIT_RANK  # bare unit -> rank (``bare_units`` of levels.toml)
_BARE_UNIT = re.compile(r"^(" + _alternation(_UNIT_RANK) + r")(?=[\u4e00-\u9fff]{1,20}$)")


# The ranks a bare unit (省司法厅, 市人民政府) may name, and the ending its full name has (levels.toml).
_UNIT_FORMS = UNIT_FORMS
