"""Metadata inference: title, issuer, region, level of government, doc type, period and date from the text.

This module is the stable import path; the code lives in :mod:`fazhi.corpus.meta` (``vocab``,
``gazetteer``, ``levels``, ``dates``, ``organ``, ``title``, ``subject``, ``mentions``, ``selfref``,
``issuer``, ``infer``). The names below are re-exported from there, the private ones for the tests that
check single rules.

In: a clean body, the header facts found while cleaning, and optionally ``given`` metadata from a
collection's own columns. Out: an :class:`Inferred` record whose ``sources`` say where each field came
from (title, h1, header, signature, byline, salutation, first_sentence, body_cue, self_reference,
gazetteer, mentions, session, doc_number, date_line, genre_rule, published, collection).

How, field by field (a field the text does not support stays null or ``unknown``, never a guess):

- title: a collection column, the HTML title/h1 or a page-meta table (标题; a labelled cell of a pipe table,
  名称: | … |), else the first line of the
  head that ends with a genre word, joined when split over two or three lines, behind a column tag
  (【法治建设报告】) stripped, skipping page furniture (breadcrumbs, date widgets, mastheads …文件, label
  lines, page and volume markers); a bare column label or a sharing site's file name gives way to a fuller
  title; a line that continues a title with its span and ending (…方案 / （2021—2025年）的通知) is joined;
- title, for a news item without a genre word: a short line directly over a byline (date, 来源, 发布时间);
- issuer: a collection column or page-meta field (发文机关, 发文单位, 发布单位), else the title (before 关于,
  or the organ, central organ of ``data/organs.toml``, region or township it opens with), the signature (an
  organ's name followed by a date line, even before trailing furniture), an official's byline (州财政局局长
  某某), a metadata table's 发布机构 (after title and signature: it is often the portal), the first sentence
  (2022年，潢川县司法局坚持…, 2022年，司法部…, 东城街道深入…, 南昌县全面贯彻… → its government; after a news
  dateline or a time clause), an organ-and-date byline, a resolution's adoption line, the sender of a report
  (现将省政府…报告如下), the organ that compiled a disclosure report (本报告由区政府办公室…编制), the subject
  of a news item's first sentence past furniture and byline (3月5日上午，某镇召开… → 某镇人民政府;
  省应急管理厅召开…; behind a purpose clause when a time follows it: 为…，2月28日上午，某镇召开…; a street
  office by its short form, 某某街办, kept as named; the verbs, township units and department endings are
  ``[subject]``, ``[township]``, ``[department]`` of ``data/organs.toml``), a 来源/信息来源 field (a bare
  organ kept as named; an inner office, 某厅新闻宣传处, gives its organ; a byline field run into it,
  区司法局发布时间:…, cut off), or the speaker (我代表X人民政府); last, the organ the body's clauses open
  with most often as their subject (2024年，某市应急管理局严格落实…; :mod:`.meta.mentions`), when it is of
  the level the document speaks as (我县, 我局 …); a township's own document (我镇) names its township; a
  bare organ (市人民政府, 省司法厅) is completed from the
  signature that ends with it, else from the division of its kind the text names most (市 → a municipality,
  prefecture- or county-level city; a prefecture-level city named only by its short form, 惠州日报, when no
  full name is given);
- issuer, joint issue (某省委办公厅、省政府办公厅印发…): the lead organ, named first; the others are not
  recorded (there is no co-issuer field). A Party committee named by a division and 委 takes its full name
  (中共某省委办公厅); department short names (应急局) are kept as written (their ending still makes them a
  department);
- region and level: the issuer's name against the gazetteer of administrative divisions
  (``data/divisions/divisions.csv``), its rank mapped to a level, and a department's ending to the level of
  that government's departments, by ``data/levels.toml`` (``rank``, ``department_of``, ``name_suffixes``,
  ``bare_units``: a new level is an entry there); a Party committee named with its unit repeated (某县县委)
  is the jurisdiction's; central organs (国务院, 全国人民代表大会, ministries without a region)
  are ``national``/``national_dept``; with no name, whom the salutation addresses (``[[addressee]]`` in
  ``data/levels.toml``: 各县（市、区）人民政府 → city), then the document's self-references (我省, 我县,
  我局, 我代表省人民政府) and the most-mentioned division of that rank; a department (我局) that names no
  jurisdiction of its own works under the lowest leadership pair it names (市委、市政府 → city_dept); a text
  that says 全乡/全镇 more than 全县 is a township's, the township it names as a place (某乡位于…). A region
  is always a gazetteer name (or a township named before its 人民政府);
- issuer, also: the organ whose meeting an official chairs in a headline (某某主持召开国务院常务会议), an
  organ alone on the line under the title (a law database's 全国人民代表大会常务委员会), a reply's
  联系单位 line; 国务院办公厅, like any government's office, is a department (``national_dept``);
- doc type: the title and body cues of ``data/genres.toml``; a title cue inside a document the title
  cites (讨论《政府工作报告》, 《…报告》解读) does not count unless the title transmits it
  (关于印发《…方案》的通知);
- period (a news item about a meeting: the year it was held, from the date its first sentence opens with or
  its publication date, not a year the meeting reviews; one that looks back on a year, 回顾总结2023年工作,
  with no full date, is held the next year):
  a collection year, the title's year or span (a notice that transmits a document,
  关于印发《…（2023—2025年）》的通知, takes its own signature's year, not the cited document's), the year of
  the document number (国发〔2023〕16号; also when its 号 is lost), the session of the National People's
  Congress (第十四届全国人民代表大会第三次会议 → 2025) where the document was delivered or which it records,
  the date line of a speech (——2025年1月15日在…会议上), a genre's own rule
  (``year_rules``), a body that opens by transmitting a document (…现印发给你们: its signature's year), the
  head (outside the titles it cites in 《》; the year the report names, 现将某乡2024年…报告如下; a news item
  whose first sentence is a meeting summing up a year, 召开2023年工作总结…会, the next year);
- published: page furniture (发布时间), a collection column, 发布日期/成文日期/时间/日期 fields and metadata
  tables (公开日期, 发文时间; never an upload time), a 发布时间 run into another header field, a byline
  above the body (中阳县政府 2016-03-21), the
  signature, a date alone on a line of the head.
"""

from __future__ import annotations

from .meta.dates import (  # noqa: F401
    NPC_TERMS,
    _byline_date,
    _cn_number,
    _doc_number_year,
    _standalone_date,
    npc_session_year,
    parse_date,
)
from .meta.gazetteer import (  # noqa: F401
    _MUNICIPALITIES,
    DIVISIONS_FILE,
    MENTION_CHARS,
    PROVINCES,
    Division,
    Gazetteer,
    _chain,
    gazetteer,
    province_names,
)
from .meta.infer import (  # noqa: F401
    FIELDS,
    Inferred,
    _given_field,
    infer_metadata,
)
from .meta.issuer import (  # noqa: F401
    _official_byline,
    _organ_date_byline,
    _signature_pair,
    _table_fields,
    _township_opening,
)
from .meta.mentions import _clause_subject  # noqa: F401
from .meta.organ import (  # noqa: F401
    _level_of,
    _organ_after,
    _party_full_name,
)
from .meta.subject import (  # noqa: F401
    _first_sentence_organ,
    _subject_organ,
)
from .meta.title import (  # noqa: F401
    _COLUMN_TAG,
    _GENRE_END,
    _headline,
    _strip_title_furniture,
    find_title,
)
from .meta.vocab import (
    GENRES_FILE,
    ORGANS_FILE,
    Genre,
    Genres,
    Organs,
    addressee_rules,
    autonomous_short,
    central_organ_at,
    genres,
    organs,
)

__all__ = [
    "DIVISIONS_FILE",
    "FIELDS",
    "GENRES_FILE",
    "MENTION_CHARS",
    "NPC_TERMS",
    "ORGANS_FILE",
    "PROVINCES",
    "Division",
    "Gazetteer",
    "Genre",
    "Genres",
    "Inferred",
    "Organs",
    "addressee_rules",
    "autonomous_short",
    "central_organ_at",
    "find_title",
    "gazetteer",
    "genres",
    "infer_metadata",
    "npc_session_year",
    "organs",
    "parse_date",
    "province_names",
]
