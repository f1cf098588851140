"""Level of government from how a document speaks of itself and whom it addresses.

In: a clean body and, optionally, a division the title or collection names. Out: :func:`_self_reference`
(region, level, issuer), :func:`_level_from_salutation`, :func:`_named_township`, :func:`_named_own`.
How: the speaker (我代表某人民政府), then the most frequent self-reference (我省, 我县, 我局), 结合本省实际,
the lowest leadership pair a department names (市委、市政府), 全县/全乡; its rank's region is the hinted
division, else the most mentioned one; the salutation's addressees (``[[addressee]]`` of
``data/levels.toml``) give the sender's level.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache

from .gazetteer import (
    _MUNICIPALITIES,
    _RANK_ORDER,
    MENTION_CHARS,
    Division,
    _chain,
    _most_mentioned,
    gazetteer,
)
from .levels import UNIT_RANK, rank_level, with_dept
from .organ import _BARE_GOV, _RANK_LEVEL, _UNIT_FORMS, _level_of
from .title import _SALUTATION
from .vocab import addressee_rules

_SPEAKER = re.compile(
    r"我(?:现在)?(?:代表|受|根据)(?:[\u4e00-\u9fff]{0,6}和)?(?P<who>[\u4e00-\u9fff]{0,14}?(?:国务院|人民政府|政府))"
)
# The one-character units of levels.toml (省, 市, 县, 区, 州, 盟, 旗): 我县, 全市, 县委县政府.
_UNITS1 = "|".join(sorted(u for u in UNIT_RANK if len(u) == 1))
_SELF = re.compile(rf"(?:我|本)(国|{_UNITS1}|厅|局|委|办)(?![长委级域内外法公员场面次])")
_SELF_TOWNSHIP = re.compile(r"(?:我|本)(?:镇|乡|街道|苏木)(?![长委级域内外])")
_JURISDICTION_RANK = UNIT_RANK  # 我X, 全X: the rank of X (``bare_units`` of levels.toml)
# Weaker self-references, used when the text never says 我省/我县: 结合自治区实际, and 全市/全县 (the
# jurisdiction a document speaks of as a whole).
_OWN_REALITY = re.compile(r"结合(?:本|我)?(自治区|省|市|县|区|州|盟|旗)(?:的)?实际")
_WHOLE = re.compile(rf"全({_UNITS1})(?![长委级域内外])")
# A township's document speaks of 全乡, 全镇, 全街道 (not 全乡镇, a county's); the township it is is the one
# it names as a place (某乡位于…, 某镇人民政府, 某乡第十九届人民代表大会, 《某乡2022年…》).
# A government's leadership named as a pair (市委、市政府, 县委县政府): a department's own is the lowest one
# it names (it cites higher ones for their policies: 贯彻省委、省政府部署); never one named for many
# (各县委、县政府).
# Or (also a department's) its jurisdiction's bodies named bare as a group: 市人大、市政府、市政协.
_BARE_LEADERS = re.compile(
    rf"(?<![各全])({_UNITS1})(?:委[、和及]?\1(?:人民)?政府|(?:人大|政府|政协)[、和及]\1(?:人大|政府|政协))"
)
_WHOLE_TOWNSHIP = re.compile(r"全(?:乡|镇|街道|苏木)(?![长委级域内外镇村])")
_TOWNSHIP_NAME = re.compile(
    r"(?:(?<![\u4e00-\u9fff])|(?<=[市县区旗]))"
    r"(?P<name>(?![全各本我该城乡])[\u4e00-\u9fff]{2,4}?(?:乡|镇|街道|苏木))"
    r"(?=人民政府|政府|党委|党工委|人大|人民代表大会|第[一二三四五六七八九十]{1,3}届|位于|地处|辖|总面积|召开|"
    r"(?:19|20)\d{2}年|[、，,。])"
)


def _named_township(text: str) -> str | None:
    """The township a text names most often as a place (ties: the first named), or None."""
    counts: Counter[str] = Counter()
    for m in _TOWNSHIP_NAME.finditer(text[:MENTION_CHARS]):
        name = m.group("name")
        if name.endswith(("乡镇", "城镇", "城乡")) or _chain(name)[1] or _SELF_TOWNSHIP.search(name):
            continue  # 现将我乡2024年…: a self-reference, no name
        counts[name] += 1
    if not counts:
        return None
    return max(counts, key=lambda k: (counts[k], -text.find(k)))


_NPC_DELIVERY = re.compile(
    r"^[—\-―\s（(]*(?:(?:19|20)\d{2}年\d{1,2}月\d{1,2}日)?\s*在第[一二三四五六七八九十]{1,3}届全国人民代表大会"
    r"第[一二三四五六七八九十]{1,3}次会议上"
)
# An autonomous region's organs named bare, as the region's own documents name them (never a district's).
_AUTONOMOUS_REGION_ORGAN = re.compile(r"(?<![\u4e00-\u9fff]族)自治区(?:人民政府|政府|党委|人大|各级|各族)")


def _named_own(text: str, unit: str) -> Division | None:
    """The division of a bare unit's kind (省 → a province whose name ends with 省; 市 → a municipality,
    prefecture-level or county-level city) that the text names most, in its first ``MENTION_CHARS``."""
    ranks, ending = _UNIT_FORMS[unit]
    counts: Counter[str] = Counter()
    first_at: dict[str, int] = {}
    for pos, name, d in gazetteer().find_all(text[:MENTION_CHARS]):
        cands = [x for x in gazetteer().by_name[name] if x.rank in ranks and x.name.endswith(ending)]
        if not cands or len(cands[0].name) <= 2:
            continue
        counts[cands[0].name] += 1
        first_at.setdefault(cands[0].name, pos)
    if not counts and "prefecture" in ranks:
        # no full name: a prefecture-level city named by its short form (惠州日报, 滁州网讯, 建设太原)
        for m in _city_short_names().finditer(text[:MENTION_CHARS]):
            counts[m.group(0) + "市"] += 1
            first_at.setdefault(m.group(0) + "市", m.start())
    if not counts:
        return None
    best = max(counts, key=lambda k: (counts[k], -first_at[k]))
    return next(x for x in gazetteer().by_name[best] if x.rank in ranks)


@cache
def _city_short_names() -> re.Pattern[str]:
    """The short forms of prefecture-level cities (惠州 of 惠州市) that name no other division, longest
    first."""
    g = gazetteer()
    shorts = {
        d.name[:-1]
        for ds in g.by_name.values()
        for d in ds
        if d.rank == "prefecture" and d.name.endswith("市") and len(d.name) >= 3 and d.name[:-1] not in g
    }
    return re.compile("|".join(sorted(map(re.escape, shorts), key=lambda n: (-len(n), n))))


def _self_reference(text: str, *, region_hint: Division | None) -> tuple[str | None, str, str | None]:
    """Level (and region, issuer) from how a document refers to itself, when no organ is named.

    ``我代表国务院`` → national; ``我代表省人民政府`` / ``我省`` → province; ``我局`` with ``我县`` →
    county_dept. The region is the division of that rank the title or collection names, else the
    most-mentioned one. Returns (region, level, issuer).
    """
    head = text[:1500]
    sp = _SPEAKER.search(head)
    if sp and sp.group("who") in ("国务院", "中央人民政府", "中华人民共和国国务院"):
        return None, rank_level("national"), "国务院"
    if any(_NPC_DELIVERY.match(ln.strip()) for ln in text.split("\n", 6)[:6]):
        return None, rank_level("national"), None  # delivered at a session of the National People's Congress
    counts: Counter[str] = Counter(m.group(1) for m in _SELF.finditer(text))
    towns = len(_SELF_TOWNSHIP.findall(text))
    if towns and towns >= max((counts[k] for k in _JURISDICTION_RANK if k in counts), default=0):
        # 我镇, 本乡, 我街道: a township's own document
        return _named_township(text), rank_level("township"), None
    juris = None
    issuer_form = None
    if sp:
        who = sp.group("who")
        d, end = _chain(who)
        if d is not None and end:
            region, level = _level_of(who)
            return region, level, who
        bm = _BARE_GOV.match(who)
        if bm:
            unit = bm.group(1)
            juris = {"自治区": "省", "自治州": "州", "自治县": "县", "自治旗": "旗"}.get(unit, unit)
            issuer_form = unit
    if juris is None:
        juris = _spoken_jurisdiction(text, counts)
    if juris == _TOWNSHIP_WHOLE:
        # 全乡, 全镇 more than 全县: a township's own
        return _named_township(text), rank_level("township"), None
    if juris is None and counts.get("国", 0) >= 3 and _SALUTATION.match(text.split("\n", 1)[0].strip()):
        return None, rank_level("national"), None  # a speech to a congress about 我国, no lower jurisdiction
    if juris is None:
        return None, "unknown", None
    dept = any(k in counts for k in ("厅", "局", "委", "办")) and issuer_form is None
    return _placed_jurisdiction(text, juris, region_hint, dept=dept, issuer_form=issuer_form)


_TOWNSHIP_WHOLE = "乡"  # what :func:`_spoken_jurisdiction` says for a text that speaks of 全乡/全镇 most


def _spoken_jurisdiction(text: str, counts: Counter[str]) -> str | None:
    """The unit of the jurisdiction a document speaks as: its most frequent 我X, else 结合本X实际, else (a
    department, 我局) the lowest leadership pair it names, else the X of 全X it says most (全乡/全镇 more
    than any: :data:`_TOWNSHIP_WHOLE`)."""
    juris = max((k for k in counts if k in _JURISDICTION_RANK), key=lambda k: counts[k], default=None)
    if juris is None and (own := _OWN_REALITY.search(text[:3000])):
        juris = own.group(1)
    if juris is None and any(k in counts for k in ("厅", "局", "委", "办")):
        # a department (我局) names its own government bare: 围绕市委、市政府的中心工作, 在县委县政府领导下
        leaders: dict[str, int] = {}
        for m in _BARE_LEADERS.finditer(text[:3000]):
            leaders.setdefault(m.group(1), m.start())
        if leaders:  # the lowest rank; of one rank (市委…, 州委…), the first named
            juris = max(leaders, key=lambda k: (_RANK_ORDER[_JURISDICTION_RANK[k]], -leaders[k]))
    if juris is None:
        whole = Counter(m.group(1) for m in _WHOLE.finditer(text[:3000]))
        town_whole = len(_WHOLE_TOWNSHIP.findall(text[:3000]))
        if town_whole > max(whole.values(), default=0):
            return _TOWNSHIP_WHOLE
        if whole:
            juris = max(whole, key=lambda k: (whole[k], -text.find("全" + k)))
    return juris


def _placed_jurisdiction(
    text: str, juris: str, region_hint: Division | None, *, dept: bool, issuer_form: str | None
) -> tuple[str | None, str, str | None]:
    """Region, level and issuer of the jurisdiction a unit word names (我区 of an autonomous region is a
    province's; 我市 of a municipality too): the hinted division of its rank, else the most mentioned."""
    rank = _JURISDICTION_RANK[juris]
    if juris == "自治区":
        juris = "区"
        region_hint = region_hint if region_hint is not None and region_hint.rank == "province" else None
        rank = "province"
    if juris == "区" and (
        (region_hint is not None and region_hint.rank == "province")
        or _AUTONOMOUS_REGION_ORGAN.search(text[:3000])
    ):
        rank = "province"  # 我区 in an autonomous region's document (自治区人民政府…, 自治区党委…)
    if juris == "市" and region_hint is not None and region_hint.name in _MUNICIPALITIES:
        rank = "province"  # 我市 in a municipality's document
    county_city = _county_city(text, region_hint) if juris == "市" and rank == "prefecture" else None
    if county_city is not None:
        rank, region_hint = "county", county_city  # 我市 of a county-level city (县级市)
    region: Division | None = None
    if region_hint is not None and (
        region_hint.rank == rank or (rank == "prefecture" and region_hint.name in _MUNICIPALITIES)
    ):
        region = region_hint
    else:
        region = _most_mentioned(text, rank)
        if rank == "prefecture" and region is None:
            region = _most_mentioned(text, "province")
            region = region if region is not None and region.name in _MUNICIPALITIES else None
    level = _RANK_LEVEL[rank]
    if region is not None and region.name in _MUNICIPALITIES:
        level = rank_level("province")
    level = with_dept(level, dept)
    issuer = f"{region.name}人民政府" if issuer_form and region is not None else None
    return (region.name if region else None), level, issuer


def _county_city(text: str, hint: Division | None) -> Division | None:
    """The county-level city (a 县级市: county rank, named …市) a document speaking as 我市/全市 is: the
    hinted division when it is one, else the one the text names more often than any prefecture-level city."""
    if hint is not None:
        return hint if hint.rank == "county" and hint.name.endswith("市") else None
    counts: Counter[Division] = Counter()
    for _, name, d in gazetteer().find_all(text[:MENTION_CHARS]):
        if len(name) > 2 and d.rank in ("prefecture", "county") and d.name.endswith("市"):
            counts[d] += 1
    top = counts.most_common()
    if not top or top[0][0].rank != "county":
        return None
    return top[0][0] if len(top) == 1 or top[1][1] < top[0][1] else None


def _level_from_salutation(text: str) -> str | None:
    """The sender's level from whom the salutation addresses (各县（市、区）人民政府，市政府各部门： →
    city)."""
    for line in [ln.strip() for ln in text.split("\n") if ln.strip()][:8]:
        if "。" in line:
            return None
        if not re.search(r"[：:]$", line):
            continue
        for pat, level in addressee_rules():
            if pat.search(line):
                if level != "unknown" and "人民政府" not in line and "政府" not in line:
                    level = with_dept(level, True)
                return level
        return None
    return None
