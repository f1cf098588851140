"""Region and level of government: from the issuer's name, else from how the document addresses and names
itself; and a bare organ completed with its place.

In: the issuer found by :mod:`.precedence`, the text, header facts, a collection's values and the division
the title opens with. Out: :func:`place` (a :class:`Placed`: issuer, region, level, with their sources
written into the shared ``sources`` dict).
How, in order: the issuer's name against the gazetteer (:func:`~.organ._level_of`); with no level, whom the
salutation addresses, then the document's self-references (我省, 我局 …; a township's own document names
its township as issuer); a bare organ (区司法局) takes the region the document calls its own, else the
division of its kind it names most; with no issuer, a 来源 field's organ; a database export's stated
level; last, a collection's region and level columns (a province column does not overwrite a city of that
province).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .gazetteer import _MUNICIPALITIES, Division, gazetteer
from .issuer import _organ_from_source, _source_field
from .levels import government_of, is_dept, rank_level, with_dept
from .organ import _BARE_UNIT, _RANK_LEVEL, _UNIT_FORMS, _level_of, _party_full_name
from .selfref import _level_from_salutation, _named_own, _self_reference


@dataclass
class Placed:
    """The issuer, region and level as they are settled step by step (sources go into ``src``)."""

    issuer: str | None
    region: str | None
    level: str
    src: dict[str, str | None]


def place(
    issuer: str | None,
    src: dict[str, str | None],
    *,
    text: str,
    header: dict[str, str],
    given: dict[str, str],
    opening: Division | None,
) -> Placed:
    """Region and level (and the issuer, completed) from the issuer and the text; see the module."""
    st = Placed(issuer, None, "unknown", src)
    if st.issuer is not None:
        st.issuer = _party_full_name(st.issuer)
        st.region, st.level = _level_of(st.issuer)
        known = st.region is not None and st.region in gazetteer()
        src["level"] = "gazetteer" if known else ("issuer" if st.level != "unknown" else None)
        src["region"] = "gazetteer" if known else ("issuer" if st.region else None)  # a township, as named
    hint, hint_source = None, None
    if given.get("region") and given["region"] in gazetteer():
        hint, hint_source = gazetteer().by_name[given["region"]][0], "collection"
    elif opening is not None:
        hint, hint_source = opening, "title"
    if st.level == "unknown":
        _by_salutation(st, text, hint, hint_source)
    if st.level == "unknown":
        _by_self_reference(st, text, hint)
    if st.issuer is not None and st.region is None and _BARE_UNIT.match(st.issuer) and st.level != "unknown":
        _complete_bare_organ(st, text, hint)
    if st.issuer is None and (source_value := header.get("source") or _source_field(text)):
        _by_source(st, source_value)
    if st.level == "unknown":
        _by_export_header(st, header)
    if st.issuer is None and st.src["level"] == "self_reference" and _no_other_source(header, text):
        _jurisdiction_as_issuer(st)
    _by_given(st, given)
    return st


def _by_salutation(st: Placed, text: str, hint: Division | None, hint_source: str | None) -> None:
    """The level whom the salutation addresses tells (各县（市、区）人民政府 → city), and the hinted region
    when it is of that level."""
    lv = _level_from_salutation(text)
    if lv:
        st.level, st.src["level"] = lv, "salutation"
        if hint is not None and _RANK_LEVEL[hint.rank] == government_of(lv):
            st.region, st.src["region"] = hint.name, hint_source


def _by_self_reference(st: Placed, text: str, hint: Division | None) -> None:
    """Level and region from the document's self-references; the speaker's government, or the township a
    township's document names, as issuer when there is none."""
    r, lv, who = _self_reference(text, region_hint=hint)
    if lv == "unknown":
        return
    st.region, st.level = r, lv
    st.src["level"] = "self_reference"
    st.src["region"] = "self_reference" if r else None
    if st.issuer is None and who:
        st.issuer, st.src["issuer"] = who, "salutation"
    elif st.issuer is None and lv == rank_level("township") and r:
        # the township a township's document names
        st.issuer, st.src["issuer"] = r + ("办事处" if r.endswith("街道") else "人民政府"), "self_reference"


def _no_other_source(header: dict[str, str], text: str) -> bool:
    """Whether no 来源 names another body than the host site (来源: 本站原创 is the site's own; a newspaper's
    or a media centre's report is theirs)."""
    source = re.sub(r"\s+", "", header.get("source") or _source_field(text) or "")
    return not source or source.startswith(("本站", "本网"))


def _jurisdiction_as_issuer(st: Placed) -> None:
    """A document that names no organ and no 来源 body but speaks as its jurisdiction, not as a department
    (我区召开…, 我市各部门要…), is its government's (the gold convention for a report naming a place only)."""
    r = st.region
    if r and r in gazetteer() and not is_dept(st.level):
        st.issuer, st.src["issuer"] = r + "人民政府", "self_reference"


def _complete_bare_organ(st: Placed, text: str, hint: Division | None) -> None:
    """A bare organ (区司法局, 省政府) takes the region the document calls its own, else the division of the
    organ's own kind the text names most (a county's bureau writes about its county, 省司法厅 about 山东省,
    市司法局 about 焦作市)."""
    issuer = st.issuer or ""
    r, lv, _ = _self_reference(text, region_hint=hint)
    if (
        r in _MUNICIPALITIES
        and issuer.startswith("市")
        and government_of(st.level) == rank_level("prefecture")
    ):
        st.level = rank_level("province", dept=is_dept(st.level))  # 市政府 of 北京市: a provincial government
    unit = _BARE_UNIT.match(issuer)
    ending = _UNIT_FORMS[unit.group(1)][1] if unit else ""
    if r and government_of(lv) == government_of(st.level) and r.endswith(ending):
        st.region, st.src["region"] = r, "self_reference"
        st.issuer = _organ_from_source(issuer, r) or issuer
    elif unit and (d := _named_own(text, unit.group(1))) is not None:
        st.region, st.src["region"] = d.name, "mentions"
        new_level = _RANK_LEVEL[d.rank] if d.name not in _MUNICIPALITIES else rank_level("province")
        st.level = with_dept(new_level, is_dept(st.level))
        st.issuer = _party_full_name(_organ_from_source(issuer, d.name) or issuer)


def _by_source(st: Placed, source_value: str) -> None:
    """The organ of a page's 来源 field as issuer; its level when the text gave none of its rank (a named
    organ beats 我县)."""
    organ = _organ_from_source(source_value, st.region)
    if not organ:
        return
    st.issuer, st.src["issuer"] = organ, "header"
    r, lv = _level_of(organ)
    same_rank = government_of(lv) == government_of(st.level)
    weak = st.src["level"] in (None, "self_reference") and r is not None
    if lv != "unknown" and (st.level == "unknown" or same_rank or weak):
        st.region, st.level = r or st.region, lv
        st.src["level"] = "header" if weak and not same_rank else (st.src["level"] or "header")
        st.src["region"] = "header" if weak and not same_rank else st.src["region"]


_EXPORT_LEVEL = {"Provincial": "province", "Prefecture": "prefecture", "County": "county"}


def _by_export_header(st: Placed, header: dict[str, str]) -> None:
    """A database export states the level of its issuer ("河南省 (Provincial-level units)")."""
    m = re.match(r"(\S+)\s*\((Provincial|Prefecture|County)", header.get("Level", ""))
    if m:
        st.region = m.group(1) if m.group(1) in gazetteer() else None
        st.level = rank_level(_EXPORT_LEVEL[m.group(2)])
        st.src["level"], st.src["region"] = "header", ("header" if st.region else None)


def _by_given(st: Placed, given: dict[str, str]) -> None:
    """A collection's region and level columns; a province column does not overwrite a city or county of
    that province."""
    if given.get("region"):
        d = gazetteer().by_name[given["region"]][0] if given["region"] in gazetteer() else None
        inside = (
            d is not None
            and d.rank == "province"
            and st.region is not None
            and st.region in gazetteer()
            and gazetteer().by_name[st.region][0].province == d.name
            and st.region != d.name
        )
        if not inside:
            st.region, st.src["region"] = given["region"], "collection"
    if given.get("level"):
        st.level, st.src["level"] = given["level"], "collection"
