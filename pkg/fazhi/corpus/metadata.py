"""Metadata inference: title, issuer, region, level of government, doc type, period and date from the text.

In: a clean body, the header facts found while cleaning, and optionally ``given`` metadata from a
collection's own columns. Out: an :class:`Inferred` record whose ``sources`` say where each field came
from (title, h1, header, signature, byline, salutation, first_sentence, body_cue, self_reference,
gazetteer, mentions, session, doc_number, date_line, genre_rule, published, collection).

How, field by field (a field the text does not support stays null or ``unknown``, never a guess):

- title: a collection column, the HTML title/h1 or a page-meta table (标题), else the first line of the
  head that ends with a genre word, joined when split over two or three lines, behind a column tag
  (【法治建设报告】) stripped, skipping page furniture (breadcrumbs, date widgets, mastheads …文件, label
  lines, page and volume markers); a bare column label or a sharing site's file name gives way to a fuller
  title;
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
  organ kept as named; an inner office, 某厅新闻宣传处, gives its organ), or the speaker
  (我代表X人民政府); a bare organ (市人民政府, 省司法厅) is completed from the
  signature that ends with it, else from the division of its kind the text names most (市 → a municipality,
  prefecture- or county-level city);
- issuer, joint issue (某省委办公厅、省政府办公厅印发…): the lead organ, named first; the others are not
  recorded (there is no co-issuer field). A Party committee named by a division and 委 takes its full name
  (中共某省委办公厅); department short names (应急局) are kept as written (their ending still makes them a
  department);
- region and level: the issuer's name against the gazetteer of administrative divisions
  (``data/divisions/divisions.csv``); central organs (国务院, 全国人民代表大会, ministries without a region)
  are ``national``/``national_dept``; with no name, whom the salutation addresses (``[[addressee]]`` in
  ``data/levels.toml``: 各县（市、区）人民政府 → city), then the document's self-references (我省, 我县,
  我局, 我代表省人民政府) and the most-mentioned division of that rank; a department (我局) that names no
  jurisdiction of its own works under the lowest leadership pair it names (市委、市政府 → city_dept); a text
  that says 全乡/全镇 more than 全县 is a township's, the township it names as a place (某乡位于…). A region
  is always a gazetteer name (or a township named before its 人民政府);
- doc type: the title and body cues of ``data/genres.toml``;
- period (a news item about a meeting: the year it was held, from the date its first sentence opens with or
  its publication date, not a year the meeting reviews; one that looks back on a year, 回顾总结2023年工作,
  with no full date, is held the next year):
  a collection year, the title's year or span, the year of the document number (国发〔2023〕16号), the
  session of the National People's Congress (第十四届全国人民代表大会第三次会议 → 2025) where the document
  was delivered or which it records, the date line of a speech (——2025年1月15日在…会议上), a genre's own rule
  (``year_rules``), the head;
- published: page furniture (发布时间), a collection column, 发布日期/成文日期/时间/日期 fields and metadata
  tables (公开日期, 发文时间; never an upload time), a byline above the body (中阳县政府 2016-03-21), the
  signature, a date alone on a line of the head.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from ..paths import PACKAGE_DATA
from ..schema import DOC_TYPES, LEVELS

FIELDS = ("title", "issuer", "region", "level", "doc_type", "period", "published")
DIVISIONS_FILE = PACKAGE_DATA / "divisions" / "divisions.csv"
GENRES_FILE = PACKAGE_DATA / "genres.toml"
ORGANS_FILE = PACKAGE_DATA / "organs.toml"


@dataclass(frozen=True)
class Organs:
    """Central organs (ministries, commissions, administrations) and the peoples named in autonomous areas."""

    central: tuple[str, ...]  # longest first
    ethnic: tuple[str, ...]  # longest first
    subject_verbs: tuple[str, ...] = ()  # longest first: what a subject does (召开, 开展)
    township_units: tuple[str, ...] = ()  # longest first: 街道办事处, 街道, 苏木, 乡, 镇
    department_endings: tuple[str, ...] = ()  # longest first: 办公厅, 委员会, 局, 中心


@cache
def organs(path: Path = ORGANS_FILE) -> Organs:
    """The names of ``data/organs.toml``, validated: each a non-empty string of Chinese characters. The
    lists ``[subject] verbs``, ``[township] units`` and ``[department] endings`` are optional (empty when
    absent) and validated the same way when present.

    Raises
    ------
    ValueError
        When a list is missing or holds a name that is not Chinese characters.
    """
    with open(path, "rb") as f:
        data = tomllib.load(f)
    out = {}
    for key in ("central", "ethnic"):
        names = data.get(key, {}).get("names")
        if not isinstance(names, list) or not names:
            raise ValueError(f"{path.name}: [{key}] needs a non-empty list `names`")
        bad = [n for n in names if not isinstance(n, str) or not re.fullmatch(r"[\u4e00-\u9fff]+", n)]
        if bad:
            raise ValueError(f"{path.name}: [{key}] names must be Chinese characters: {bad}")
        out[key] = tuple(sorted(set(names), key=lambda n: (-len(n), n)))
    for table, key in (("subject", "verbs"), ("township", "units"), ("department", "endings")):
        names = data.get(table, {}).get(key, [])
        bad = [n for n in names if not isinstance(n, str) or not re.fullmatch(r"[\u4e00-\u9fff]+", n)]
        if not isinstance(names, list) or bad:
            raise ValueError(f"{path.name}: [{table}] {key} must be a list of Chinese characters: {bad}")
        out[table] = tuple(sorted(set(names), key=lambda n: (-len(n), n)))
    return Organs(out["central"], out["ethnic"], out["subject"], out["township"], out["department"])


def central_organ_at(s: str) -> str | None:
    """The central organ a string opens with (``司法部2022年…``, ``中华人民共和国交通运输部…``), as named."""
    t = s.removeprefix("中华人民共和国")
    return next((n for n in organs().central if t.startswith(n)), None)


def autonomous_short(name: str) -> str | None:
    """The short form of an autonomous prefecture's or county's name: the people dropped (昌吉回族自治州 →
    昌吉州, 木垒哈萨克自治县 → 木垒县); None for other names."""
    m = re.fullmatch(r"(.+?)自治(州|县|旗)", name)
    if not m:
        return None
    stem = m.group(1)
    peoples = "|".join(map(re.escape, organs().ethnic))
    stem = re.sub(rf"(?:(?:{peoples})族?)+$", "", stem)
    return stem + m.group(2) if len(stem) >= 2 and stem != m.group(1) else None


# ------------------------------------------------------------------------------------------ gazetteer


@dataclass(frozen=True)
class Division:
    """One administrative division of the gazetteer."""

    code: str
    name: str
    rank: str  # province, prefecture or county
    province: str
    prefecture: str


@dataclass(frozen=True)
class Gazetteer:
    """Divisions by name (full names, and the short names of provinces), for longest-match look-up."""

    by_name: dict[str, tuple[Division, ...]]
    by_first: dict[str, tuple[str, ...]]  # first character -> names, longest first

    def match_at(self, s: str, i: int) -> tuple[str, Division] | None:
        """The longest division name starting at ``s[i]``, with its division (a province before others)."""
        for name in self.by_first.get(s[i], ()) if i < len(s) else ():
            if s.startswith(name, i):
                return name, self.by_name[name][0]
        return None

    def find_all(self, text: str) -> list[tuple[int, str, Division]]:
        """Every non-overlapping division name in a text, left to right, longest first at each position."""
        out = []
        i = 0
        while i < len(text):
            m = self.match_at(text, i)
            if m:
                out.append((i, m[0], m[1]))
                i += len(m[0])
            else:
                i += 1
        return out

    def __contains__(self, name: object) -> bool:
        return name in self.by_name


_RANK_ORDER = {"province": 0, "prefecture": 1, "county": 2}


@cache
def gazetteer() -> Gazetteer:
    """The gazetteer of China's province-, prefecture- and county-level divisions (``divisions.csv``)."""
    by_name: dict[str, list[Division]] = {}
    with open(DIVISIONS_FILE, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            d = Division(row["code"], row["name"], row["rank"], row["province"], row["prefecture"])
            by_name.setdefault(d.name, []).append(d)
            if row["short"] and row["short"] != d.name:
                by_name.setdefault(row["short"], []).append(d)
    for ds in list(by_name.values()):
        for d in ds:
            short = autonomous_short(d.name)
            if short and short not in by_name:  # never shadow a division that has this name
                by_name[short] = [d]
    frozen = {k: tuple(sorted(v, key=lambda d: (_RANK_ORDER[d.rank], d.code))) for k, v in by_name.items()}
    first: dict[str, list[str]] = {}
    for name in frozen:
        first.setdefault(name[0], []).append(name)
    return Gazetteer(frozen, {k: tuple(sorted(v, key=lambda n: (-len(n), n))) for k, v in first.items()})


def province_names() -> tuple[str, ...]:
    """The full names of the provincial-level divisions, in code order."""
    g = gazetteer()
    return tuple(sorted({d.name for ds in g.by_name.values() for d in ds if d.rank == "province"},
                        key=lambda n: g.by_name[n][0].code))  # fmt: skip


PROVINCES = province_names()
_MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")

# ------------------------------------------------------------------------------------------- genres


@dataclass(frozen=True)
class Genre:
    """A document type with its cue phrases (regular expressions) from ``data/genres.toml``."""

    name: str
    title: tuple[re.Pattern[str], ...]
    body: tuple[re.Pattern[str], ...]
    year_rules: tuple[tuple[re.Pattern[str], int], ...]


@dataclass(frozen=True)
class Genres:
    genres: tuple[Genre, ...]
    head_chars: int
    tail_chars: int


@cache
def genres(path: Path = GENRES_FILE) -> Genres:
    """The document types and their cues, validated: every cue compiles, every year rule has a group; for
    the package's own file, the names are ``schema.DOC_TYPES``.

    Raises
    ------
    ValueError
        When a cue is not a valid regular expression or a year rule has no group.
    """
    with open(path, "rb") as f:
        data = tomllib.load(f)
    out = []
    for g in data["genre"]:
        try:
            title = tuple(re.compile(p) for p in g.get("title", ()))
            body = tuple(re.compile(p, re.MULTILINE) for p in g.get("body", ()))
            rules = tuple(
                (re.compile(r["pattern"]), int(r.get("offset", 0))) for r in g.get("year_rules", ())
            )
        except (re.error, KeyError, TypeError) as e:
            raise ValueError(f"data/genres.toml: genre {g.get('name')!r}: bad cue ({e})") from e
        if any(p.groups < 1 for p, _ in rules):
            raise ValueError(f"data/genres.toml: genre {g['name']!r}: a year rule needs a group for the year")
        out.append(Genre(g["name"], title, body, rules))
    if path == GENRES_FILE and tuple(g.name for g in out) != DOC_TYPES:
        raise ValueError(f"data/genres.toml changed since schema.DOC_TYPES was read: {[g.name for g in out]}")
    return Genres(tuple(out), int(data.get("head_chars", 600)), int(data.get("tail_chars", 300)))


# ------------------------------------------------------------------------------------------ records


@dataclass
class Inferred:
    """Metadata inferred from a document's text, header and collection columns, with each field's source."""

    title: str | None = None
    issuer: str | None = None
    region: str | None = None
    level: str = "unknown"
    doc_type: str = "other"
    period: str | None = None
    published: dt.date | None = None
    sources: dict[str, str | None] = field(default_factory=dict)
    rejected_given: dict[str, tuple[str, str]] = field(default_factory=dict)  # field -> (value, problem)
    from_text: dict[str, str | None] | None = (
        None  # what the text alone gives, when collection values were used
    )

    def as_strings(self) -> dict[str, str | None]:
        return {
            "title": self.title,
            "issuer": self.issuer,
            "region": self.region,
            "level": self.level,
            "doc_type": self.doc_type,
            "period": self.period,
            "published": self.published.isoformat() if self.published else None,
        }


# --------------------------------------------------------------------------------------- dates, years

_DIGITS = str.maketrans("０１２３４５６７８９〇○零一二三四五六七八九", "0123456789000123456789")
_DATE = re.compile(r"((?:19|20)\d{2})\s*[-年./]\s*(\d{1,2})\s*[-月./]\s*(\d{1,2})\s*日?")
_CN_DATE = re.compile(
    r"([〇○零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日"
)
_YEAR_SPAN = re.compile(
    r"[（(]?\s*((?:19|20)\d{2})\s*(?:年)?\s*[—–\-－~～至到]+\s*((?:19|20)\d{2})\s*年?\s*[)）]?"
)
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_CN_YEAR = re.compile(r"([〇○零一二三四五六七八九]{4})年")


def _cn_number(s: str) -> int:
    """一 → 1, 十 → 10, 十四 → 14, 二十三 → 23 (the numbers of sessions, months and days)."""
    s = s.translate(_DIGITS)
    if "十" not in s:
        return int(s) if s.isdigit() else 0
    tens, _, ones = s.partition("十")
    return (int(tens) if tens else 1) * 10 + (int(ones) if ones else 0)


def parse_date(value: str | None) -> dt.date | None:
    """The first plausible date in a string (``2024-03-28 16:58``, ``2024年3月28日``,
    ``二〇二四年三月一日``)."""
    if not value:
        return None
    v = value.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    m = _DATE.search(v)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    else:
        m = _CN_DATE.search(v)
        if not m:
            return None
        y, mo, d = int(m.group(1).translate(_DIGITS)), _cn_number(m.group(2)), _cn_number(m.group(3))
    try:
        return dt.date(y, mo, d)
    except ValueError:
        return None


# Terms of the National People's Congress: the n-th session of the congress elected in year Y is held in
# year Y + n - 1. Provincial congresses follow their own terms, so their sessions give no year.
NPC_TERMS = {1: 1954, 2: 1959, 3: 1964, 4: 1975, 5: 1978, 6: 1983, 7: 1988, 8: 1993, 9: 1998, 10: 2003,
             11: 2008, 12: 2013, 13: 2018, 14: 2023}  # fmt: skip
_NPC_SESSION = re.compile(
    r"第([一二三四五六七八九十]{1,3})届全国人民代表大会第([一二三四五六七八九十]{1,3})次会议"
)
_NPC_SHORT = re.compile(r"([一二三四五六七八九十]{1,3})届全国人大([一二三四五六七八九十]{1,3})次会议")


def npc_session_year(term: int, session: int) -> int | None:
    """The year of the ``session``-th session of the ``term``-th National People's Congress, when known."""
    start = NPC_TERMS.get(term)
    if start is None or not 1 <= session <= 6:
        return None
    return start + session - 1


def _session_year(text: str, *, anywhere: bool) -> int | None:
    """The year of the NPC session a text names as where it was delivered, or the one it records.

    With ``anywhere`` (a title) any session counts. In a body only a session the document was delivered
    at (在/向…会议上) or that is the subject of its first sentence (…会议听取/审议/通过) counts, never one it
    looks back on (第十二届…第一次会议以来的五年).
    """
    for pat in (_NPC_SESSION, _NPC_SHORT):
        for m in pat.finditer(text):
            before, after = text[max(0, m.start() - 2) : m.start()], text[m.end() : m.end() + 4]
            delivered = before.endswith(("在", "向")) or after.startswith(
                ("上", "听取", "审议", "通过", "关于")
            )
            opening = m.start() < 3
            if anywhere or delivered or opening:
                year = npc_session_year(_cn_number(m.group(1)), _cn_number(m.group(2)))
                if year:
                    return year
    return None


_DATE_LINE = re.compile(
    r"((?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|[〇○零一二三四五六七八九]{4}年[一二三四五六七八九十]{1,3}月"
    r"[一二三四五六七八九十]{1,3}日)[^。\n]{0,8}?在.{0,30}?(?:人民代表大会|人大).{0,20}?会议上"
)


# A document number (发文字号) carries the year of issue: 国发〔2023〕16号, 京政办发〔2016〕26号,
# 阿署办发[2007]22号.
_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,8}[〔\[［(（]\s*((?:19|20)\d{2})\s*[〕\]］)）]\s*\d{1,4}\s*号")
_OPENING_YEAR = re.compile(r"(?:^|\n)\s*((?:19|20)\d{2})\s*年(?:以来|度)?\s*[，,]")
# A meeting that looks back on a year's work (回顾总结2023年工作, 对2016年的工作进行总结,
# 报告对2022年工作作了回顾) is held after that year: in the next one.
_REVIEWED_YEAR = re.compile(
    r"(?:回顾|总结)(?:了)?((?:19|20)\d{2})\s*年(?!以来)"
    r"|对((?:19|20)\d{2})\s*年(?!以来)[^。，,；;]{0,20}?(?:进行了?|作了?|作出了?)?(?:全面)?(?:回顾|总结)"
)
_FULL_YEAR_DATE = re.compile(r"(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日")


def _doc_number_year(head: str, *, lines: int = 12) -> int | None:
    """The year in the document number on one of the first lines of the head (国发〔2023〕16号 → 2023); a
    number cited in running text (依据…〔2021〕3号文件) is not the document's own."""
    for ln in head.split("\n")[:lines]:
        s = ln.strip()
        m = _DOC_NUMBER.search(s)
        if m and "。" not in s and len(s) <= 40:
            return int(m.group(1))
    return None


def _held_year(text: str, published: dt.date | None) -> str | None:
    """The year a news item's event was held: the full date its first sentence opens with (2024年1月5日，…),
    else the year of its publication date; not a year the item names as what a meeting reviews
    (召开2023年度工作总结会 held in 2024)."""
    for ln in [x.strip() for x in text.split("\n") if x.strip()][:30]:
        if "。" in ln:
            m = re.match(r"^[^，,。]{0,20}?((?:19|20)\d{2})\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日", ln)
            if m:
                return m.group(1)
            break
    return str(published.year) if published else None


def _year_of(title: str | None, head: str, genre: Genre | None) -> tuple[str | None, str | None]:
    """Period (a year or a span) and its source, from the title, session, date line, genre rules or head."""
    t = (title or "").translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if t:
        m = _YEAR_SPAN.search(t)
        if m and int(m.group(1)) < int(m.group(2)):
            return f"{m.group(1)}–{m.group(2)}", "title"
        m = _YEAR.search(t) or _CN_YEAR.search(t)
        if m:
            return m.group(1).translate(_DIGITS), "title"
        y = _session_year(t, anywhere=True)
        if y:
            return str(y), "session"
    y = _doc_number_year(head)
    if y:
        return str(y), "doc_number"
    flat = re.sub(r"\s+", "", head)
    y = _session_year(flat, anywhere=False)
    if y:
        return str(y), "session"
    m = _DATE_LINE.search(flat)
    if m:
        d = parse_date(m.group(1))
        if d:
            return str(d.year), "date_line"
    if genre is not None:
        for pat, offset in genre.year_rules:
            m = pat.search(head.translate(str.maketrans("０１２３４５６７８９", "0123456789")))
            if m:
                return str(int(m.group(1)) + offset), "genre_rule"
    if genre is None or not genre.year_rules:
        h = head[:200].translate(str.maketrans("０１２３４５６７８９", "0123456789"))
        m = _OPENING_YEAR.search(h)
        if m:
            return m.group(1), "body_cue"  # the body opens with its year (2022年，司法部坚持…)
        m = _REVIEWED_YEAR.search(re.sub(r"\s+", "", head[:400]))
        if m and not _FULL_YEAR_DATE.search(h):
            return str(int(m.group(1) or m.group(2)) + 1), "body_cue"  # a meeting looking back on last year
        m = _YEAR_SPAN.search(h)
        if m and int(m.group(1)) < int(m.group(2)):
            return f"{m.group(1)}–{m.group(2)}", "body_cue"
        m = _YEAR.search(h)
        if m:
            return m.group(1), "body_cue"
    return None, None


# --------------------------------------------------------------------------------------------- title

_GENRE_END = re.compile(
    r"(报告|汇报|方案|意见|答复|回复|规划|总结|通知|决定|决议|办法|纲要|要点|计划|情况|公告|通告|批复|讲话|函|预案|规则|细则|解读)"
    r"(?:[（(][^）)]{1,20}[)）])?$"
)
_COLUMN_TAG = re.compile(r"^[【\[]([^】\]]{1,16})[】\]]\s*")
_SPAN_LINE = re.compile(r"[（(]\s*(?:19|20)\d{2}\s*[—–\-－~～至]+\s*(?:19|20)\d{2}\s*年?\s*[)）]")
_NOT_TITLE = re.compile(
    r"[。；;！!？?]|^(来源|时间|日期|发布|作者|——|--)|^[（(]?\d{4}年\d{1,2}月"
    # page furniture a title never contains: breadcrumbs (首页 > 政务公开), pipe tables, clock times, date
    # widgets (今天是…星期三), source fields, a red-letter masthead (…人民政府文件)
    r"|[>＞»|｜]|\d{1,2}:\d{2}|今天是|星期[一二三四五六日天]|(?:来源|时间|日期|编号|格式|页数|大小)\s*[:：]|文件$"
    r"|^(?:P\.?\s*\d+|Page\s*\d+|(?:19|20)\d{2}\s*卷|第\s*\d+\s*页|(?:19|20)\d{2}[-./]\d{1,2}[-./]\d{1,2})$"
    r"|@|邮箱|电子信箱"
    r"|^首页\s*/|^(?:组配分类|主题分类|所属主题|所属机构|文\s*号|索\s*引\s*号|发文字号|生效日期|废止日期|公开日期|发布机构|公开方式|有效性)"
    r"(?:\s|[:：])"
)
# What a page puts around a title line: a bullet, an e-book page or volume marker (Page 2 - , 2002卷•), a
# field label (名称：, 标题：), a document number before a title in book-title marks, a region tag in brackets
# before it ((内蒙古)2022年…) and a repost's (全文) or a file name's extension after it.
_TITLE_PREFIX = re.compile(
    r"^(?:(?:新华社|新华网|中新网|中新社|人民网|央视网)[\u4e00-\u9fff]{0,6}\d{1,2}月\d{1,2}日电\s*|第[一二三四五六七八九十]+篇\s*[:：]\s*|[•·●◆■▪\-–—]\s*|Page\s*\d+\s*[-–—]\s*|(?:19|20)\d{2}\s*卷\s*[•·]?\s*|(?:信息名称\s*[:：]?|名\s*称\s*[:：]|标\s*题\s*[:：])\s*"
    r"|[\u4e00-\u9fff]{1,6}[〔【\[［]\s*(?:19|20)\d{2}\s*[〕】\]］]\s*\d{1,4}\s*号"
    r"(?=《|关于|印发|\s*[\u4e00-\u9fff]{2,}(?:人民政府|政府|办公厅|办公室|厅|局|委员会)关于)|"
    r"[（(][\u4e00-\u9fff]{2,6}[)）](?=\s*(?:19|20)\d{2}年|[\u4e00-\u9fff]{2,}))+"
)
_TRAILING_DOC_NUMBER = re.compile(
    r"\s*[\[［【(（]\s*[\u4e00-\u9fff]{1,8}[〔【\[［]\s*(?:19|20)\d{2}\s*[〕】\]］]\s*\d{1,4}\s*号\s*[\]］】)）]$"
)
_TRAILING_FIELD = re.compile(
    r"\s+(?:文\s*号|索引号|发文字号|组配分类|主题分类|发布日期|成文日期)\s*[:：].*$"
    # a title run into its byline (…的函 2022-11-07 来源:市政府办公厅): the date and source are no part of it
    r"|(?<=[\u4e00-\u9fff》）)])\s+(?:19|20)\d{2}-\d{1,2}-\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"
    r"\s+(?:(?:信息|文章)?来源|作者)\s*[:：].*$"
)
_FILE_NAME = re.compile(r"\.(?:docx?|pdf|wps|txt)$", re.IGNORECASE)
_TITLE_SUFFIX = re.compile(r"(?:\s*[（(]全文[)）]|\.(?:docx?|pdf|wps|txt))$", re.IGNORECASE)


def _title_line(s: str) -> bool:
    return 4 <= len(s) <= 80 and not _NOT_TITLE.search(s) and bool(_GENRE_END.search(s))


def _strip_title_furniture(line: str) -> str:
    """A head line without what pages put around titles (:data:`_TITLE_PREFIX`, :data:`_TITLE_SUFFIX`), and
    without book-title marks around the whole line (《…的通知》)."""
    s = _COLUMN_TAG.sub("", line) or line
    s = _TITLE_SUFFIX.sub("", _TITLE_PREFIX.sub("", s)).strip()
    s = _TRAILING_DOC_NUMBER.sub("", _TRAILING_FIELD.sub("", s)).strip()
    s = re.sub(r"\s*[|｜]+$", "", s).strip()  # a table cell's bar after a headline (…专项活动 |)
    # a date set on the title's line (…的通知 2023-05-06, …会议 2023年5月6日 10:20): the date is no part of it
    s = re.sub(
        r"(?<=[\u4e00-\u9fff》）)])[\s\u3000]+[\[【（(]?(?:19|20)\d{2}\s*[-年./]\s*\d{1,2}\s*[-月./]"
        r"\s*\d{1,2}\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?[\]】)）]?$",
        "",
        s,
    ).strip()
    if re.fullmatch(r"(?:[\u4e00-\u9fff][ \u3000]+){1,}[\u4e00-\u9fff]", s):
        s = re.sub(
            r"[ \u3000]+", "", s
        )  # a heading set with spaces between its characters (政 府 工 作 报 告)
    if s.startswith("《") and s.endswith("》") and s.count("《") == 1:
        s = s[1:-1]
    return s or line


_ORGAN_LINE = re.compile(
    r"^(?:中共)?[\u4e00-\u9fff]{2,30}(?:人民政府|政府|行政公署|办公厅|办公室|厅|局|委员会|办事处)$"
)


def _title_candidates(lines: list[str]) -> list[tuple[int, str]]:
    """Every title found in the head, with the index of its first line, before the first sentence."""
    out: list[tuple[int, str]] = []
    for i, ln in enumerate(lines):
        if "。" in ln or _SALUTATION.match(ln):
            break
        if _NOT_TITLE.search(ln) or len(ln) > 80:
            continue
        for k in (1, 2, 3):
            parts = lines[i : i + k]
            if len(parts) < k or any(_NOT_TITLE.search(p) or len(p) > 60 for p in parts[1:]):
                break
            if (
                k > 1
                and _title_line(parts[-1])
                and _label_like(parts[-2])
                and not parts[-1].startswith("关于")
            ):
                break  # a column label before a title (云南要闻 / 2026年政府工作报告): take the title alone
            if (
                k > 1
                and _title_line(parts[-1])
                and "关于" in parts[-1]
                and (_ORGAN_LINE.match(parts[-2]) or _chain(parts[-1])[1] or central_organ_at(parts[-1]))
            ):
                # a masthead naming the organ before its own title (牟定县人民政府 / 牟定县…关于…的通知)
                break
            if k > 1 and parts[1].startswith(parts[0]):
                break  # a masthead repeated at the start of the title (办公厅 / 办公厅2022…年度报告)
            cand = "".join(parts)
            nxt = lines[i + k] if i + k < len(lines) else ""
            if _title_line(cand) and not re.match(r"[。，、；：,;]", nxt):
                if _SPAN_LINE.fullmatch(nxt):
                    cand += nxt
                out.append((i, cand))
                break
            if k == 1 and len(ln) > 40:
                break
    return out


# A title run into the body's first words when the page's line breaks were lost: a title-like start (it ends
# with a genre word) followed by the opening of a body (a year and a comma, a salutation).
_RUN_ON_TITLE = re.compile(
    r"^([^。，,；;：:]{6,60}?(?:报告|方案|意见|通知|总结|规划|要点|决定|决议|答复))"
    r"(?=(?:19|20)\d{2}\s*年(?:以来|度)?\s*[，,]|各位代表|[\u4e00-\u9fff、（）()]{2,40}[:：])"
)


def find_title(text: str, *, max_lines: int = 60) -> str | None:
    """The title in the head of a body: the first line (or two or three lines joined) that ends with a genre
    word, skipping bylines, date lines and page furniture, before the first sentence or salutation
    (各位代表：); a leading column tag (【法治建设报告】), bullet, field label or document number is dropped.
    A line that the next line continues (it starts with 。or ，) is a sentence cut by markup, not a title.

    Of the titles found, the first is taken, except that a bare column label (工作报告, 通知公告) gives way
    to a fuller title after it, and a page's short heading (关于政府工作报告的决议) to the full title it
    abbreviates a few lines below (…第一次会议关于政府工作报告的决议)."""
    raw = [ln.strip() for ln in text.split("\n") if ln.strip()][:max_lines]
    file_names = {i for i, ln in enumerate(raw) if _FILE_NAME.search(ln)}
    lines = [_strip_title_furniture(ln) for ln in raw]
    if lines and (m := _RUN_ON_TITLE.match(lines[0])) and len(lines[0]) > 80:
        lines[0:1] = [m.group(1), lines[0][m.end(1) :]]  # markup lost: the title runs into the first sentence
    cands = _title_candidates(lines)
    if not cands:  # a subtitle keeps its dash so that the headline above it is taken
        return _headline([("——" + ln) if re.match(r"[—―]|--", r) else ln for r, ln in zip(raw, lines)])
    i, best = cands[0]
    for j, cand in cands[1:]:
        if (_label_like(best) or i in file_names) and not _label_like(cand) and j not in file_names:
            return cand  # a column label or a sharing site's file name gives way to the document's own title
        if j - i <= 8 and len(cand) > len(best) and cand.endswith(best):
            return cand
    return best


# A news item's byline: a date or clock time with its source, author or publication label.
_BYLINE = re.compile(
    r"(?:来源|发布时间|更新时间|时间|日期|作者|信息来源)\s*[:：]|^\s*(?:19|20)\d{2}\s*[-年./]\s*\d{1,2}\s*[-月./]\s*\d{1,2}"
)


# Page furniture between a headline and its byline: sharing, printing and font-size widgets, view counts.
_BETWEEN_FURNITURE = re.compile(
    r"^(?:【?\s*(?:字号|字体|打印|分享|关闭|收藏|浏览|阅读|点击|大|中|小|默认)\s*[】:：]?[\s\d次]*)+$|分享到|扫一扫"
)


def _headline(lines: list[str], *, max_lines: int = 25) -> str | None:
    """A news item's headline: a short line with no sentence punctuation whose next line (bar-only lines and
    sharing or font-size widgets skipped) is a byline (``2021年11月30日14:05 | 来源:人民网``,
    ``发布时间:… 来源:…``); a headline need not end with a genre word (``应急管理部:毫不松懈做好…工作``,
    ``某县司法局开展…专项活动``). A subtitle under it (``——某某``) is passed over for the headline above
    it."""
    body = [ln for ln in lines[:max_lines] if not re.fullmatch(r"[|｜\s]*", ln)]
    body = [ln for ln in body if not _BETWEEN_FURNITURE.search(ln)]
    for i, ln in enumerate(body[:-1]):
        if "。" in ln or _SALUTATION.match(ln):
            return None
        if not 6 <= len(ln) <= 48 or re.search(r"[；;>＞»|｜]|\d{1,2}:\d{2}|今天是|星期|^[—\-―]", ln):
            continue
        if (
            _BYLINE.search(ln)
            or not re.search(r"[\u4e00-\u9fff]{4}", ln)
            or len(re.findall(r"[，,]", ln)) > 1
        ):
            continue
        if (_ORGAN_LINE.match(ln) or _SIGNATURE_ORGAN.match(ln)) and not (
            ln.endswith("会议") or re.search(_SUBJECT_VERBS, ln)
        ):
            continue  # an organ's name over a date is a byline, not a headline
        nxt = body[i + 1]
        if re.match(r"^[—\-―]{1,2}", nxt) and i + 2 < len(body) and "。" not in nxt:
            nxt = body[i + 2]  # a subtitle between the headline and its byline
        if _BYLINE.search(nxt) and re.search(r"\d", nxt) and not re.search(r"今天是|星期", nxt):
            return ln
    return None


def _label_like(s: str) -> bool:
    """A site's column label (云南要闻, 通知公告): short, no digits, no place name, not cut mid-phrase."""
    return len(s) <= 8 and not re.search(r"[\d０-９]", s) and not _JOINS.search(s) and _chain(s)[0] is None


_JOINS = re.compile(r"(关于|的|和|与|及|、|暨|对|印发|转发|年|度)$")
_SALUTATION = re.compile(r"^(?:各位代表|[\u4e00-\u9fff（）()、，,]{2,60})[：:！!]$")


# -------------------------------------------------------------------------------------- issuer, level

_CENTRAL = re.compile(
    r"^(?:中华人民共和国)?(?:国务院(?:办公厅)?|全国人民代表大会(?:常务委员会)?|全国人大(?:常委会)?|中共中央(?:办公厅)?|"
    r"中央人民政府|(?:第.{1,4}届)?全国人民代表大会第.{1,4}次会议|党中央)"
)
_CENTRAL_DEPT = re.compile(r"^(?:中华人民共和国)?[\u4e00-\u9fff]{1,10}?(?:部|总局|署)$")
_DEPT = re.compile(r"(厅|局|委员会|委|办公室|办|署|中心|院|所)")
_GOVERNMENT = re.compile(r"^(?:人民政府|政府|行政公署|党委|委|人大常委会|人民代表大会(?:常务委员会)?)?$")
_BODY_AFTER = (
    r"(?=人民政府|政府|行政公署|党委|委员会|办事处|党工委|人大|[\u4e00-\u9fff]{0,10}(?:厅|局|委|办|中心))"
)
_STRUCTURAL = re.compile(
    r"^(?P<name>[\u4e00-\u9fff]{1,8}?(?P<suffix>自治区|自治州|自治县|自治旗|特别行政区|省|地区|盟|市|县|旗|区))"
    + _BODY_AFTER
)
_TOWNSHIP = re.compile(
    r"^(?!城乡|乡镇|城镇)(?P<name>[\u4e00-\u9fff]{1,8}?(?:乡|镇|街道|苏木|街(?=办)))" + _BODY_AFTER
)
_SUFFIX_RANK = {"自治区": "province", "特别行政区": "province", "省": "province",
                "自治州": "prefecture", "地区": "prefecture", "盟": "prefecture", "市": "prefecture",
                "县": "county", "自治县": "county", "旗": "county", "自治旗": "county",
                "区": "county"}  # fmt: skip
_RANK_LEVEL = {"province": "province", "prefecture": "city", "county": "county"}


def _chain(first: str) -> tuple[Division | None, int]:
    """The most specific division named at the start of ``first`` (河南省许昌市 → 许昌市) and where it ends.

    Names must nest (province, then prefecture, then county); of a county name shared by several places
    (朝阳区), the one inside the division named before it is taken.
    """
    g = gazetteer()
    i, best = 0, None
    while m := g.match_at(first, i):
        cands = g.by_name[m[0]]
        if best is not None:
            deeper = [x for x in cands if _RANK_ORDER[x.rank] > _RANK_ORDER[best.rank]]
            inside = [x for x in deeper if best.name in (x.province, x.prefecture)]
            if not (inside or deeper):
                break
            best = (inside or deeper)[0]
        else:
            best = cands[0]
        i += len(m[0])
    return best, i


def _street_name(name: str) -> str:
    """A street's name from its office's short form (某某街 of 某某街办 → 某某街道)."""
    return name + "道" if name.endswith("街") and not name.endswith("街道") else name


def _level_of(name: str | None) -> tuple[str | None, str]:
    """Region and level of government from the first body named in an issuer (or title) string.

    ``河南省人民政府`` → (河南省, province); ``河南省司法厅`` → (河南省, province_dept); ``许昌市…`` →
    (许昌市, city); ``中共潢川县委 潢川县人民政府`` → (潢川县, county); ``…镇人民政府`` → township;
    ``国务院`` → (None, national); ``生态环境部`` → (None, national_dept). A region is a gazetteer name (or
    a township named before 人民政府); a name of county form that is not in the gazetteer (某县人民政府)
    gives the level and no region.
    """
    first = re.split(r"[\s、,，]+", re.sub(r"^中共", "", (name or "").strip()))[0]
    if not first:
        return None, "unknown"
    if _CENTRAL.match(first):
        return None, "national"
    if central_organ_at(first):
        return None, "national_dept"
    d, end = _chain(first)
    if d is not None and end > 0:
        rest = first[end:]
        dept = bool(_DEPT.search(rest)) and not _GOVERNMENT.fullmatch(rest)
        level = _RANK_LEVEL[d.rank]
        if d.rank == "province" or (d.rank == "prefecture" and d.name in _MUNICIPALITIES):
            level = "province"
        rest = re.sub(
            r"^(?:人民政府|政府)(?=[\u4e00-\u9fff]{1,8}?(?:乡|镇|街道))", "", rest
        )  # 鲤城区人民政府金龙街道办事处
        if rest.startswith(("乡", "镇", "街道")) or _TOWNSHIP.match(rest):
            m = _TOWNSHIP.match(rest)
            return (_street_name(m.group("name")) if m else None), "township"
        return d.name, level + ("_dept" if dept else "")
    m = _TOWNSHIP.match(first)
    if m:
        return _street_name(m.group("name")), "township"
    if re.match(r"(?:中华人民共和国|国家|国务院)", first):
        return None, "national_dept"  # 国家市场监督管理总局, 国务院国有资产监督管理委员会
    m = _STRUCTURAL.match(first) if not first.startswith("自治") else None  # 自治区司法厅 is a bare unit
    if m:
        rest = first[m.end() :]
        dept = bool(_DEPT.search(rest)) and not _GOVERNMENT.fullmatch(rest)
        level = _RANK_LEVEL[_SUFFIX_RANK[m.group("suffix")]]
        return None, level + ("_dept" if dept else "")
    m = re.match(
        r"^(自治区|自治州|自治县|省|市|县|区|州|盟|旗)(?=人民政府|政府|行政公署|[\u4e00-\u9fff]{0,10}(?:厅|局|委员会|办公室))",
        first,
    )
    if m:  # a bare unit, the document's own (省政府, 区司法局): the level, no region
        rest = first[m.end() :]
        dept = bool(_DEPT.search(rest)) and not _GOVERNMENT.fullmatch(rest)
        return None, _RANK_LEVEL[_UNIT_RANK[m.group(1)]] + ("_dept" if dept else "")
    if re.match(r"^(?:乡|镇|街道|苏木)(?:人民政府|政府|党委|党工委|办事处|办)", first):
        return None, "township"  # a bare township organ, the document's own (镇政府, 街道办事处)
    if _CENTRAL_DEPT.match(first):  # a ministry, commission or administration with no region before it
        return None, "national_dept"
    return None, "unknown"


_ISSUER_BEFORE_GUANYU = re.compile(r"^(.{2,60}?)\s*关于")
_YEAR_PREFIX = re.compile(r"^\s*(?:(?:19|20)\d{2}|[〇○零一二三四五六七八九]{4})\s*年度?\s*")


def _issuer_from_title(title: str | None) -> str | None:
    """The organ a title names before 关于 (``河南省人民政府关于…的报告``)."""
    if not title:
        return None
    m = _ISSUER_BEFORE_GUANYU.match(title)
    if m:
        cand = re.sub(r"\s+", " ", m.group(1)).strip()
        organ_like = re.fullmatch(r"[\u4e00-\u9fff（）()、\s]+", cand)  # no field label, number or date
        if organ_like and not re.search(r"[《》“”]", cand) and not cand.startswith(("对", "印发", "转发")):
            return cand
    return None


_TOWNSHIP_OPENING = re.compile(
    r"^(?P<name>(?![全各本我该城])[\u4e00-\u9fff]{2,6}?(?P<unit>镇|乡|街道|苏木))"
    r"(?:(?P<organ>人民政府|政府|办事处|街道办事处)|(?=(?:19|20)\d{2}\s*年|关于))"
)


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


def _township_opening(title: str | None) -> str | None:
    """The township government a title opens with (``下洋镇2023年…报告`` → 下洋镇人民政府, ``某街道关于…`` →
    某街道办事处); a title opening with a division of the gazetteer is not a township's."""
    if not title:
        return None
    t = _YEAR_PREFIX.sub("", title)
    m = _TOWNSHIP_OPENING.match(t)
    if not m or _chain(t)[1] or m.group("name") in ("城乡", "乡镇", "城镇"):
        return None
    if m.group("organ"):
        return m.group(0)
    return m.group("name") + ("办事处" if m.group("unit") == "街道" else "人民政府")


def _region_opening(title: str | None) -> Division | None:
    """The division a title opens with, after a year (``2025年上海市政府工作报告`` → 上海市)."""
    if not title:
        return None
    t = _YEAR_PREFIX.sub("", title)
    d, end = _chain(t)
    return d if end else None


_SIGNATURE_ORGAN = re.compile(
    r"^(?:中共)?[\u4e00-\u9fff（）()]{2,40}(?:人民政府|政府|办公厅|办公室|厅|局|委员会|委|中心|党委|党组|党工委|法院|检察院|办事处|会议)$"
)
_SIGNATURE_DATE = re.compile(
    r"^(?:(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|[〇○零一二三四五六七八九]{4}年[一二三四五六七八九十]{1,3}月"
    r"[一二三四五六七八九十]{1,3}日)$"
)


_RUN_DATE = re.compile(
    r"^(?:19|20)\d{2}(?:0?[1-9]|1[0-2])\d{1,2}$"
)  # 2017821, 20211022: a date whose digits ran together


_OFFICIAL_BYLINE = re.compile(
    r"^(?P<organ>(?:中共)?[\u4e00-\u9fff]{1,24}?(?:人民政府|政府|行政公署|办公厅|办公室|厅|局|委员会))"
    r"(?:党组书记、|党委书记、)?(?:代理)?(?:厅长|局长|主任|省长|市长|州长|县长|区长|旗长|盟长|乡长|镇长|专员|主席|代主席)"
    r"[\s\u3000]*[\u4e00-\u9fff·]{2,4}$"
)


def _official_byline(text: str, *, lines: int = 8) -> str | None:
    """The organ of the official who signs a speech or report under its title (``州财政局局长 文金哲``,
    ``某县人民政府县长 某某``), on one of the first lines."""
    for ln in [x.strip() for x in text.split("\n") if x.strip()][:lines]:
        m = _OFFICIAL_BYLINE.match(ln)
        if m:
            return m.group("organ")
    return None


_ISO_DATE = re.compile(r"(?:19|20)\d{2}[-./]\d{1,2}[-./]\d{1,2}")  # 2023-12-20 under an organ's name


def _signature_pair(text: str) -> str | None:
    """The organ of the last signature block anywhere in the text: an organ's name on its own line followed
    by a date line (``舟曲县教育局`` / ``2021年4月6日``, also ``20211022`` with the digits run together), so
    that page furniture after a signature (附件下载, 上一条, 网站地图) does not hide it."""
    lines = [re.sub(r"\s+", "", ln).strip("（）()") for ln in text.split("\n") if ln.strip()]
    for i in range(len(lines) - 2, 0, -1):
        organ, nxt = lines[i], lines[i + 1]
        if (
            _SIGNATURE_ORGAN.match(organ)
            and len(organ) <= 40
            and not organ.endswith("会议")
            and (_SIGNATURE_DATE.match(nxt) or _RUN_DATE.match(nxt) or _ISO_DATE.fullmatch(nxt))
        ):
            return organ
    return None


# 现将省政府2021年度…情况报告如下, 现将县人民政府2022年…报告如下: the organ that reports (not 我局, 本街道).
_REPORT_LINE = re.compile(
    r"现将(?![我本])(?P<who>[\u4e00-\u9fff]{1,24}?(?:人民政府|政府|行政公署|厅|局|委员会|办公室|办事处))"
    r"(?:(?:19|20)\d{2}\s*年度?)?[^。\n]{0,40}?(?:报告|汇报)如下"
)
# An organ with a date under a title (清水县人民政府 2024年01月08日), not a portal (…网站, …门户网站).
_ORGAN_DATE_BYLINE = re.compile(
    r"^(?P<organ>(?:中共)?[\u4e00-\u9fff]{2,30}?(?:人民政府|政府|行政公署|办公厅|办公室|厅|局|委员会|办事处))"
    r"[\s\u3000]+(?:19|20)\d{2}\s*[-年./]\s*\d{1,2}\s*[-月./]\s*\d{1,2}\s*日?$"
)
# (2024年2月4日梧州市第十五届人民代表大会第六次会议第四次全体会议通过): the session that adopted a resolution.
_ADOPTED_BY = re.compile(
    r"[（(]\s*(?:(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)?\s*"
    r"(?P<who>[\u4e00-\u9fff]{0,20}第[一二三四五六七八九十]{1,3}届人民代表大会(?:常务委员会)?第[一二三四五六七八九十]{1,3}次会议)"
    r"(?:第[一二三四五六七八九十]{1,3}次全体会议)?\s*通过\s*[)）]"
)


# The organ that made a report, in its opening (本报告由区政府办公室根据《条例》编制,
# 区统计局编制了本年度报告).
_COMPILER_ORGAN = (
    r"(?:[\u4e00-\u9fff]{1,20}?|)(?:省|市|县|区|州|盟|旗|镇|乡|街道)[\u4e00-\u9fff]{0,12}?"
    r"(?:人民政府|政府|办公厅|办公室|厅|局|委员会|中心|办事处)"
)
_COMPILER = re.compile(
    rf"本(?:年度)?报告(?:是)?由(?P<who>{_COMPILER_ORGAN})(?:根据|依据|按照|结合|编制|负责)"
    rf"|(?:[。，,；;]|^)(?P<who2>{_COMPILER_ORGAN})(?:根据|依据|按照)?[^。\n]{{0,60}}?(?:编制|编写|制作)(?:了|完成)?"
    r"(?:本|此)(?:年度)?报告"
    rf"|现(?:予以)?(?:公布|发布)(?P<who3>{_COMPILER_ORGAN})(?:(?:19|20)\d{{2}}年度?)[^。\n]{{0,24}}?报告"
)


def _compiler_organ(text: str, *, chars: int = 600) -> str | None:
    """The organ a report says made it (``本报告由区政府办公室根据…编制``), when it names a body of
    government."""
    for m in _COMPILER.finditer(re.sub(r"\s+", "", text[:chars])):
        who = m.group("who") or m.group("who2") or m.group("who3")
        if _level_of(who)[1] != "unknown" and not _NOT_IN_ORGAN.search(who.removeprefix("本")):
            return who
    return None


def _report_line_organ(text: str, *, chars: int = 400) -> str | None:
    """The organ a report names as its sender in its opening (``现将省政府2021年度…报告如下`` → 省政府)."""
    m = _REPORT_LINE.search(re.sub(r"\s+", "", text[:chars]))
    return m.group("who") if m else None


def _organ_date_byline(text: str, *, lines: int = 8) -> str | None:
    """The organ of a byline that is an organ's name and a date, on one of the first lines, before the
    body."""
    for ln in [x.strip() for x in text.split("\n") if x.strip()][:lines]:
        if "。" in ln:
            return None
        m = _ORGAN_DATE_BYLINE.match(ln)
        if m:
            return m.group("organ")
    return None


def _adopting_session(text: str, *, chars: int = 400) -> str | None:
    """The people's congress session that adopted a resolution, from its adoption line."""
    m = _ADOPTED_BY.search(re.sub(r"\s+", "", text[:chars]))
    if m and _chain(m.group("who"))[1]:
        return m.group("who")
    return None


def _signature(text: str) -> tuple[str | None, dt.date | None]:
    """The organ and date that sign a document: its last lines (``河南省人民政府`` / ``2024年3月1日``), else
    the last organ-and-date block before trailing furniture (:func:`_signature_pair`, organ only)."""
    organ, date = _signature_at_end(text)
    return organ or _signature_pair(text), date


def _signature_at_end(text: str) -> tuple[str | None, dt.date | None]:
    lines = [ln.strip().strip("（）()") for ln in text.split("\n") if ln.strip()][-4:]
    organ, date = None, None
    for ln in reversed(lines):
        s = re.sub(r"\s+", "", ln)
        if date is None and _SIGNATURE_DATE.match(s):
            date = parse_date(s)
            continue
        if organ is None and _SIGNATURE_ORGAN.match(s) and len(s) <= 40:
            organ = s
            break
        if "。" in s:
            break
    return organ, date


_SPEAKER = re.compile(
    r"我(?:现在)?(?:代表|受|根据)(?:[\u4e00-\u9fff]{0,6}和)?(?P<who>[\u4e00-\u9fff]{0,14}?(?:国务院|人民政府|政府))"
)
_SELF = re.compile(r"(?:我|本)(国|省|市|县|区|州|盟|旗|厅|局|委|办)(?![长委级域内外法公员场面次])")
_SELF_TOWNSHIP = re.compile(r"(?:我|本)(?:镇|乡|街道|苏木)(?![长委级域内外])")
_JURISDICTION_RANK = {"省": "province", "自治区": "province", "市": "prefecture", "州": "prefecture",
                      "盟": "prefecture", "县": "county", "区": "county", "旗": "county"}  # fmt: skip
# Weaker self-references, used when the text never says 我省/我县: 结合自治区实际, and 全市/全县 (the
# jurisdiction a document speaks of as a whole).
_OWN_REALITY = re.compile(r"结合(?:本|我)?(自治区|省|市|县|区|州|盟|旗)(?:的)?实际")
_WHOLE = re.compile(r"全(省|市|县|区|州|盟|旗)(?![长委级域内外])")
# A township's document speaks of 全乡, 全镇, 全街道 (not 全乡镇, a county's); the township it is is the one
# it names as a place (某乡位于…, 某镇人民政府, 某乡第十九届人民代表大会, 《某乡2022年…》).
# A government's leadership named as a pair (市委、市政府, 县委县政府): a department's own is the lowest one
# it names (it cites higher ones for their policies: 贯彻省委、省政府部署); never one named for many
# (各县委、县政府).
_BARE_LEADERS = re.compile(r"(?<![各全])(省|市|县|区|州|盟|旗)委[、和及]?\1(?:人民)?政府")
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
        if name.endswith(("乡镇", "城镇", "城乡")) or _chain(name)[1]:
            continue
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
_BARE_GOV = re.compile(r"^(省|市|县|区|州|盟|旗|自治区|自治州|自治县|自治旗)(?:人民政府|政府)$")


_FIRST_SENTENCE_PREFIX = re.compile(
    # a news dateline (辽宁长安网讯, 本报讯, 人民网北京11月30日电 (记者…)), then a time adverbial (2022年,
    # 近日, 2023年“两会”及春节期间), then 在…领导下
    r"^(?:(?:[\u4e00-\u9fff]{1,10}(?:网|报|台|社)讯|本报讯|[\u4e00-\u9fff]{0,10}\d{1,2}月\d{1,2}日(?:电|讯))"
    r"(?:[（(][^）)]{0,20}[)）])?)?"
    r"(?:(?:(?:19|20)\d{2}年[^，,。]{1,16}(?:期间|以来|之际|前夕)|(?:19|20)\d{2}年(?:以来|度)?|一年来|近年来|今年以来|近日|日前"
    r"|近期)[，,]?)?"
    r"(?:在[^，,。]{2,40}(?:领导|指导|支持|监督)下[，,])*"
)
# Page furniture above a body: a date widget, a welcome line, a site's name with 正文.
_WIDGET_LINE = re.compile(r"今天是|星期[一二三四五六日天]|欢迎(?:访问|来到)|^\S{2,10}\s+正文$")
# A division named as the subject of the first sentence, with no organ after it (南昌县全面贯彻…): its
# government.
_SUBJECT_VERB = re.compile(r"^(?:坚持|深入|认真|全面|紧紧|始终|以|按照|围绕|扎实|积极|持续|不断|聚焦)")
# A bare department as the subject of the first sentence (县司法局坚持…, 市财政局认真…).
_BARE_ORGAN_SUBJECT = re.compile(
    r"^((?:省|市|县|区|州|盟|旗|自治区|自治州|自治县)[\u4e00-\u9fff]{1,12}?(?:厅|局|委员会|办公室))"
    r"(?=坚持|深入|认真|全面|紧紧|始终|以|按照|围绕|扎实|积极|持续|不断|聚焦|党组|党委)"
)
# A township or street office as the subject of the first sentence (东城街道深入学习…, 下洋镇坚持…).
_TOWNSHIP_SUBJECT = re.compile(
    r"^(?P<name>(?![全各本我该城])[\u4e00-\u9fff]{2,6}?(?P<unit>镇|乡|街道|苏木))(?P<organ>人民政府|政府|街道办事处|办事处)?"
    r"(?=坚持|深入|认真|全面|紧紧|始终|以|按照|围绕|扎实|积极|持续|不断|聚焦|党委|党工委|人民政府|政府|办事处)"
)
_ORGAN_AFTER = re.compile(
    r"^(?:(?:人民)?政府(?:办公厅|办公室)|人民政府|政府|行政公署|[\u4e00-\u9fff]{0,12}?(?:厅|局|委员会|办公室))"
)


def _first_sentence_organ(text: str) -> str | None:
    """The organ the first sentence of the body is about, when it opens with one
    (``2022年，潢川县司法局坚持…``, ``第十四届全国人民代表大会第三次会议听取和审议了…``)."""
    lines = [ln.strip() for ln in text.split("\n")[:8] if ln.strip() and not _WIDGET_LINE.search(ln)]
    body = "".join(ln for ln in lines if not _title_line(ln) and not _SALUTATION.match(ln))
    s = re.sub(r"\s+", "", body)[:300].split("。", 1)[0]
    s = _FIRST_SENTENCE_PREFIX.sub("", s)
    m = _CENTRAL.match(s)
    if m:
        return m.group(0)
    organ = central_organ_at(s)
    if organ:
        return organ
    m = _BARE_ORGAN_SUBJECT.match(s)
    if m:
        return m.group(1)  # 县司法局坚持…: completed later with the region the document calls its own
    m = _TOWNSHIP_SUBJECT.match(s)
    if m and not _chain(s)[1] and m.group("name") not in ("城乡", "乡镇", "城镇"):
        if m.group("organ"):
            return m.group("name") + m.group("organ")
        return m.group("name") + ("办事处" if m.group("unit") == "街道" else "人民政府")
    d, end = _chain(s)
    if d is not None and end:
        m = _ORGAN_AFTER.match(s[end:])
        if m:
            return s[: end + m.end()]
        if _SUBJECT_VERB.match(s[end:]) and s[:end] == d.name:
            return f"{d.name}人民政府"  # 南昌县全面贯彻… → the county's government
    return None


# What opens a news item's first sentence before its subject: a dateline (本报讯, 某某网讯), a date or day
# with a part of the day (2024年1月5日上午, 3月5日, 近日), a place of the meeting is not stripped (it is no
# subject). A purpose or basis clause a news item opens with before its time and subject
# (为…，2月28日上午，某镇召开…; 为…，近日，某街办积极开展…): stripped only when a time adverbial follows it.
_PURPOSE = re.compile(
    r"^(?:为了?|根据|按照|依据|围绕)[^。]{2,150}?[，,]"
    r"(?=(?:(?:19|20)\d{2}年)?\d{1,2}月\d{1,2}(?:日|[至到—\-])|近日|日前|近期|今年以来)"
)
_NEWS_PREFIX = re.compile(
    r"^(?:(?:[\u4e00-\u9fff]{1,10}(?:网|报|台|社)讯|本报讯|[\u4e00-\u9fff]{0,10}\d{1,2}月\d{1,2}日(?:电|讯))"
    r"(?:[（(][^）)]{0,20}[)）])?[，,\s]*)?"
    r"(?:(?:(?:19|20)\d{2}年)?(?:\d{1,2}月\d{1,2}日?[至到—\-]\d{1,2}日|\d{1,2}月(?:\d{1,2}日)?|(?:\d{1,2}月)?\d{1,2}日)"
    r"(?:[至到—\-]\d{1,2}日)?"
    r"(?:上午|下午|晚上|晚|早上|凌晨|中午)?[，,]?|(?:19|20)\d{2}年(?:以来|度)?[，,]|近日[，,]?|日前[，,]?|近期[，,]?"
    r"|今年以来[，,]?)?"
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


_OFFICE_UNITS = tuple(u for u in organs().township_units if "办" in u)
_TOWN_UNITS = tuple(u for u in organs().township_units if "办" not in u) or ("乡", "镇", "街道")
_TOWNSHIP_HEAD = re.compile(
    r"^(?P<name>(?![全各本我该城乡])[\u4e00-\u9fff]{1,8}?(?P<unit>"
    + "|".join(map(re.escape, _TOWN_UNITS))
    + r"))"
    r"(?P<organ>人民政府|政府|党委|党工委|"
    + "|".join(map(re.escape, _OFFICE_UNITS or ("街道办事处",)))
    + r"|办事处)?(?="
    + _SUBJECT_VERBS
    + r"|[、和与]|(?:19|20)\d{2}年)"
)
_BARE_UNIT_HEAD = re.compile(r"^(?:自治区|自治州|自治县|自治旗|省|市|县|区|州|盟|旗)")


def _organ_at(s: str) -> str | None:
    """The organ a sentence opens with as its subject, before what it does (召开, 开展, 坚持 …; ``[subject]``
    of ``data/organs.toml``): a central organ; a division with its organ (某县司法局, 某省人民政府办公厅) or a
    township in it (某县某乡); a bare organ (省应急管理厅, 区政府办公室), kept as named; a township
    (某镇召开 → 某镇人民政府, 某街道 → 某街道办事处); a division alone before a verb → its government."""
    verb = re.compile(_SUBJECT_VERBS)
    if m := _CENTRAL.match(s):
        return m.group(0)
    if organ := central_organ_at(s):
        return organ
    d, end = _chain(s)
    start = 0
    if d is None or not end:
        if not (bm := _BARE_UNIT_HEAD.match(s)):
            return _township_organ(s)
        end = bm.end()
    rest = s[end:]
    if d is not None and (town := _township_organ(rest)):
        return s[:end] + town  # 某县某乡召开 → 某县某乡人民政府 (a township, not the county)
    kind = _organ_after(rest)
    after = rest[len(kind) :] if kind else ""
    if kind and not verb.match(rest) and (verb.match(after) or re.match(r"[、和与]", after)):
        return s[start : end + len(kind)]
    if d is not None and verb.match(rest) and s[:end] == d.name:
        return f"{d.name}人民政府"  # 某市召开… → the city's government
    return None


# A street office named by its short form alone (某某街办, 某某街道办) as a subject: the office, kept as
# named.
_STREET_OFFICE_HEAD = re.compile(
    r"^(?P<name>(?![全各本我该])[\u4e00-\u9fff]{2,4}?(?:街道办事处|街道办|街办))(?="
    + _SUBJECT_VERBS
    + r"|[、和与])"
)


def _township_organ(s: str) -> str | None:
    """The township government or street office a string opens with as a subject (某镇召开 → 某镇人民政府;
    某某街办开展 → 某某街办, as named)."""
    if (so := _STREET_OFFICE_HEAD.match(s)) and not _chain(so.group("name"))[1]:
        return so.group("name")
    m = _TOWNSHIP_HEAD.match(s)
    if not m or m.group("name") in ("城乡", "乡镇", "城镇") or _chain(m.group("name"))[1]:
        return None
    if m.group("organ"):
        return m.group("name") + m.group("organ")
    return m.group("name") + ("办事处" if m.group("unit") == "街道" else "人民政府")


def _subject_organ(text: str, *, lines: int = 30) -> str | None:
    """The body a news item or a report is about: the subject of its first sentence (``某镇召开…会议``,
    ``3月5日上午，省应急管理厅召开…``), after page furniture, the headline and the byline; or, failing that,
    the subject of the headline over a byline."""
    raw = [re.sub(r"\s+", "", ln) for ln in text.split("\n") if ln.strip()][:lines]
    for i, ln in enumerate(raw):
        if _WIDGET_LINE.search(ln) or _SALUTATION.match(ln) or ("。" not in ln and _BYLINE.search(ln)):
            continue
        if "。" in ln or (len(ln) >= 20 and re.search(r"[，,]", ln)):
            first = _NEWS_PREFIX.sub("", "".join(raw[i:])[:300].split("。", 1)[0])
            who = _organ_at(first) or _organ_at(_NEWS_PREFIX.sub("", _PURPOSE.sub("", first)))
            if who:
                return who
            break
    head = _headline([ln for ln in raw])
    return _organ_at(_NEWS_PREFIX.sub("", head)) if head else None


MENTION_CHARS = 30_000  # place names are counted in the first this many characters (bounded time)


_BARE_UNIT = re.compile(r"^(省|市|县|区|自治区|自治州|自治县|州|盟|旗)(?=[\u4e00-\u9fff]{1,20}$)")
_UNIT_RANK = {"省": "province", "自治区": "province", "市": "prefecture", "州": "prefecture",
              "自治州": "prefecture", "盟": "prefecture", "县": "county", "自治县": "county", "区": "county",
              "旗": "county"}  # fmt: skip


# An organ's internal office named after it in a source line (某厅新闻宣传处, 某局办公室科): the organ is the
# issuer.
_INNER_UNIT = re.compile(r"^(.{2,30}?(?:厅|局|委员会))[\u4e00-\u9fff]{2,10}?(?:处|科|股)$")


def _organ_from_source(source: str, region: str | None) -> str | None:
    """The organ a page's 来源/信息来源 line names, when it is one (not a newspaper or a division 处):
    a full name as it stands, a bare one (县司法局) completed with the region of that rank (潢川县司法局)."""
    s = re.sub(r"\s+", "", source)
    s = _INNER_UNIT.sub(r"\1", s)  # 省应急管理厅新闻宣传处 → 省应急管理厅: the organ, not its office
    if not (_SIGNATURE_ORGAN.match(s) or _BARE_GOV.match(s)) or s.endswith("会议"):
        return None
    if _chain(s)[1]:
        return s
    m = _BARE_UNIT.match(s)
    if m and region and region in gazetteer():
        d = gazetteer().by_name[region][0]
        rank = "province" if d.name in _MUNICIPALITIES else d.rank
        unit_rank = _UNIT_RANK[m.group(1)]
        if unit_rank == rank or (m.group(1) == "市" and (d.name in _MUNICIPALITIES or d.name.endswith("市"))):
            return d.name + s[m.end() :]  # 市人民政府 of 安陆市, a county-level city, is 安陆市人民政府
    if m and (region is None or region not in gazetteer()):
        return s  # a bare organ whose place the text never names is the issuer as named (区应急管理局)
    if not m and (
        _township_organ(s + "召开") or re.match(r"^(?:乡|镇|街道|苏木)(?:人民政府|政府|办事处)$", s)
    ):
        return s  # a township government or street office (某镇人民政府, 某街道办事处)
    return None


_SOURCE_FIELD = re.compile(
    r"(?:信息来源|文章来源|来源|发布机构|发布单位)\s*[:：]\s*([\u4e00-\u9fff（）()]{2,30})"
)


def _source_field(text: str, *, lines: int = 15) -> str | None:
    """The value of a 来源/信息来源/发布机构 field left in the head or the tail of the text."""
    kept = [ln for ln in text.split("\n") if ln.strip()]
    for ln in kept[:lines] + kept[-lines:]:
        m = _SOURCE_FIELD.search(ln)
        if m:
            return m.group(1)
    return None


# The ranks a bare unit (省司法厅, 市人民政府) may name, and the ending its full name has.
_UNIT_FORMS = {"省": (("province",), "省"), "自治区": (("province",), "自治区"),
               "市": (("province", "prefecture", "county"), "市"), "州": (("prefecture",), "州"),
               "自治州": (("prefecture",), "自治州"), "盟": (("prefecture",), "盟"),
               "县": (("county",), "县"), "自治县": (("county",), "县"), "旗": (("county",), "旗"),
               "区": (("county",), "区")}  # fmt: skip
_BARE_TITLE_ORGAN = re.compile(
    r"^(?:自治区|自治州|自治县|省|市|县|区|州|盟|旗)(?:人民政府|政府)?"
    r"(?:办公厅|办公室|[\u4e00-\u9fff]{1,10}?(?:厅|局|委员会))(?=[\u4e00-\u9fff]|\d)"
)


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
    if not counts:
        return None
    best = max(counts, key=lambda k: (counts[k], -first_at[k]))
    return next(x for x in gazetteer().by_name[best] if x.rank in ranks)


def _most_mentioned(text: str, rank: str, *, within: str | None = None) -> Division | None:
    """The gazetteer division of a rank mentioned most often in a text's first ``MENTION_CHARS`` characters
    (ties: the first mentioned)."""
    counts: Counter[str] = Counter()
    first_at: dict[str, int] = {}
    for pos, name, d in gazetteer().find_all(text[:MENTION_CHARS]):
        if len(name) <= 2 and d.rank != "province":
            continue  # 城区, 郊区, 新县: too often a common word in running text
        cand = d
        if cand.rank != rank:
            alt = [x for x in gazetteer().by_name[d.name] if x.rank == rank]
            if not alt:
                continue
            cand = alt[0]
        if within and within not in (cand.province, cand.prefecture, cand.name):
            continue
        counts[cand.name] += 1
        first_at.setdefault(cand.name, pos)
    if not counts:
        return None
    name = max(counts, key=lambda k: (counts[k], -first_at[k]))
    return (
        gazetteer().by_name[name][0]
        if gazetteer().by_name[name][0].rank == rank
        else next(x for x in gazetteer().by_name[name] if x.rank == rank)
    )


def _self_reference(text: str, *, region_hint: Division | None) -> tuple[str | None, str, str | None]:
    """Level (and region, issuer) from how a document refers to itself, when no organ is named.

    ``我代表国务院`` → national; ``我代表省人民政府`` / ``我省`` → province; ``我局`` with ``我县`` →
    county_dept. The region is the division of that rank the title or collection names, else the
    most-mentioned one. Returns (region, level, issuer).
    """
    head = text[:1500]
    sp = _SPEAKER.search(head)
    if sp and sp.group("who") in ("国务院", "中央人民政府", "中华人民共和国国务院"):
        return None, "national", "国务院"
    if any(_NPC_DELIVERY.match(ln.strip()) for ln in text.split("\n", 6)[:6]):
        return None, "national", None  # delivered at a session of the National People's Congress
    counts: Counter[str] = Counter(m.group(1) for m in _SELF.finditer(text))
    towns = len(_SELF_TOWNSHIP.findall(text))
    if towns and towns >= max((counts[k] for k in _JURISDICTION_RANK if k in counts), default=0):
        return None, "township", None  # 我镇, 本乡, 我街道: a township's own document
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
            return _named_township(text), "township", None  # 全乡, 全镇 more than 全县: a township's own
        if whole:
            juris = max(whole, key=lambda k: (whole[k], -text.find("全" + k)))
    if juris is None and counts.get("国", 0) >= 3 and _SALUTATION.match(text.split("\n", 1)[0].strip()):
        return (
            None,
            "national",
            None,
        )  # a speech to a congress about 我国, with no lower jurisdiction of its own
    if juris is None:
        return None, "unknown", None
    rank = _JURISDICTION_RANK[juris]
    dept = any(k in counts for k in ("厅", "局", "委", "办")) and issuer_form is None
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
        level = "province"
    level += "_dept" if dept else ""
    issuer = None
    if issuer_form and region is not None:
        issuer = f"{region.name}人民政府"
    return (region.name if region else None), level, issuer


@cache
def addressee_rules() -> tuple[tuple[re.Pattern[str], str], ...]:
    """The ``[[addressee]]`` rules of ``data/levels.toml``: (pattern, sender's level), validated."""
    with open(PACKAGE_DATA / "levels.toml", "rb") as f:
        rules = tomllib.load(f).get("addressee", [])
    out = []
    for r in rules:
        if r.get("level") not in LEVELS:
            raise ValueError(f"data/levels.toml: addressee level {r.get('level')!r} is not one of {LEVELS}")
        try:
            out.append((re.compile(r["pattern"]), r["level"]))
        except (re.error, KeyError) as e:
            raise ValueError(f"data/levels.toml: bad addressee pattern ({e})") from e
    return tuple(out)


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
                    level += "_dept"
                return level
        return None
    return None


# --------------------------------------------------------------------------------------------- genre


def _doc_type(title: str | None, text: str) -> tuple[str, str | None]:
    """Doc type and its source: the first genre whose title cue matches, else whose body cue matches."""
    gs = genres()
    t = title or ""
    if t:
        for g in gs.genres:
            if any(p.search(t) for p in g.title):
                return g.name, "title"
    head, tail = text[: gs.head_chars], text[-gs.tail_chars :]
    for g in gs.genres:
        if any(p.search(head) or p.search(tail) for p in g.body):
            return g.name, "body_cue"
    return "other", None


# ------------------------------------------------------------------------------------- given values


def _valid_given(field_name: str, value: str | None) -> tuple[str | None, str | None]:
    """A collection column's value, validated like a sidecar value: (value, None) or (None, problem)."""
    from .sidecar import validate_value

    return validate_value(field_name, value)


def _given_field(given: dict[str, str], fld: str) -> str | None:
    """The value a collection's columns give for one field. Column names are those of
    ``data/collection_columns.toml`` (the one list of them, shared with the collection readers), compared
    as the readers compare them; the field's own name counts too. A period is a ``period`` column, else a
    ``year`` column."""
    from .collections import column_rules, normalise_column_name

    rules = column_rules()
    lookup = {normalise_column_name(str(k)): v for k, v in given.items()}
    names = [fld, *rules.fields.get(fld, ())]
    if fld == "period":
        names += ["year", *rules.fields.get("year", ())]
    for alias in names:
        v = lookup.get(normalise_column_name(alias))
        if (
            v is not None
            and str(v).strip()
            and str(v).strip().lower() not in ("none", "null", "nan", "nat", "na")
        ):
            return str(v).strip()
    return None


# ------------------------------------------------------------------------------------------- infer


# A government-information metadata table (索引号 / 发布机构 / 公开日期 / 文号) rendered as text: labels and
# values separated by spaces, colons or cell bars.
_TABLE_FIELD = re.compile(
    r"(发布机构|发文机关|发文单位|发布单位|公开日期|发文时间|发文日期|发布日期|成文日期|信息时间)[\s:：|｜]*([^\s|｜:：]{2,30}(?:\s+\d{1,2}:\d{2})?)"
)


def _table_fields(text: str, *, lines: int = 15) -> dict[str, str]:
    """Fields of a metadata table in the head (the first value of each label); values that are labels
    themselves (an empty cell: ``文 号   发布机构  舟曲县教育局``) are skipped."""
    out: dict[str, str] = {}
    for ln in [x for x in text.split("\n") if x.strip()][:lines]:
        if "。" in ln:
            continue
        for key, value in _TABLE_FIELD.findall(ln):
            if not _TABLE_FIELD.match(value + " x"):
                out.setdefault(key, value)
    return out


_HEADER_FIELDS = re.compile(
    r"(成文日期|发布日期|发文日期|(?<!上传)(?<!下载)(?<!更新)(?<!修改)时间|日期)\s*[:：|]\s*([^\n|]{6,30})"
)
_FULL_DATE = re.compile(
    r"(?:19|20)\d{2}\s*[-年./]\s*\d{1,2}\s*[-月./]\s*\d{1,2}\s*日?|[〇○零一二三四五六七八九]{4}年[一二三四五六七八九十]{1,3}月"
    r"[一二三四五六七八九十]{1,3}日"
)


_UPDATE_TIME = re.compile(r"(?:更新|修改)时间\s*[:：|]\s*([^\n|]{6,30})")


_DATE_THEN_SOURCE = re.compile(
    r"(?:19|20)\d{2}-\d{1,2}-\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?\s+(?:(?:信息|文章)?来源|作者)\s*[:：]"
)


def _byline_date(text: str, *, lines: int = 15) -> dt.date | None:
    """The date of a byline near the top, before the first sentence: a short line that states a full date
    beside a site, an organ or a source (``中阳县政府  2016-03-21``, ``2019-03-18 11:49 来源:
    交通运输部网站``, ``——2025年3月5日在…会议上``); not a date alone on its line (a signature's), not an
    upload time."""
    for ln in [x.strip() for x in text.split("\n") if x.strip()][:lines]:
        if "。" in ln:
            return None  # the body has begun: a date below is a signature's, not a byline's
        if (len(ln) > 60 and not _DATE_THEN_SOURCE.search(ln)) or re.search(
            r"上传|下载|更新|修改|今天是|星期|生效|废止|施行|有效期", ln
        ):
            # a long line is no byline, unless a date is followed by its source (…的函 2022-11-07 来源:)
            continue
        if _SIGNATURE_DATE.match(re.sub(r"\s+", "", ln)):
            continue  # a date alone on its line signs something
        m = _FULL_DATE.search(ln)
        if m and (d := parse_date(m.group(0))):
            return d
    return None


def _standalone_date(text: str, *, lines: int = 40) -> dt.date | None:
    """The first line of the head that is only a date: the date under a notice's signature
    (``2016年5月28日``, ``二○○七年六月五日``)."""
    for ln in [x.strip() for x in text.split("\n") if x.strip()][:lines]:
        s = re.sub(r"\s+", "", ln).strip("（）()")
        if _SIGNATURE_DATE.match(s.replace("○", "〇")):
            return parse_date(s.replace("○", "〇"))
    return None


def infer_metadata(
    text: str,
    header: dict[str, str] | None = None,
    title_hint: str | None = None,
    *,
    given: dict[str, str] | None = None,
) -> Inferred:
    """Infer title, issuer, region, level, doc type, period and publication date from a document.

    Parameters
    ----------
    text
        The clean body.
    header
        Facts found while cleaning: ``published``/``source``/``title``/``issuer``/``成文日期`` from page
        furniture and meta tables, ``Published``/``Level`` from a database export header,
        ``title``/``h1``/``html_title`` from HTML.
    title_hint
        A title the container states (first line of a database export).
    given
        Metadata from a collection's own columns (title, year, province/region, issuer, publish_date,
        level, doc_type...). Valid values are used with source ``collection``; invalid ones are listed in
        ``rejected_given`` and never used.

    Returns
    -------
    Inferred
        The fields, with ``sources[field]`` saying where each came from (null when not found); when
        collection values were used, ``from_text`` holds what the text alone gives, so that they can be
        checked against each other.
    """
    header = header or {}
    given = given or {}
    src: dict[str, str | None] = dict.fromkeys(FIELDS)
    rejected: dict[str, tuple[str, str]] = {}
    g: dict[str, str] = {}
    for fld in FIELDS:
        raw = _given_field(given, fld)
        if raw is None:
            continue
        if fld == "period" and re.fullmatch(r"\d{4}(?:\.0)?", raw):
            raw = raw[:4]
        if fld == "published" and (d := parse_date(raw)) is not None and raw.startswith(str(d.year)):
            raw = d.isoformat()  # a collection's date column may carry a time (2026-02-09 09:20)
        value, problem = _valid_given(fld, raw)
        if problem:
            rejected[fld] = (raw, problem)
        elif value is not None:
            g[fld] = value

    # title
    title, src["title"] = None, None
    for key, value in (("collection", g.get("title")), ("title", title_hint), ("header", header.get("title")),
                       ("h1", header.get("h1"))):  # fmt: skip
        if value:
            title, src["title"] = value, key
            break
    if title is None:
        title = find_title(text)
        src["title"] = "title" if title else None
    if title is None and header.get("html_title"):
        # a page's <title> is the document's title followed by the site's name (标题_某县人民政府网)
        first = re.split(r"\s*[_|｜—–-]+\s*", header["html_title"].strip())[0]
        if _title_line(first):
            title, src["title"] = first, "header"
    if title:
        title = re.sub(r"\s+", " ", title).strip()

    # issuer and its level
    issuer, region, level = None, None, "unknown"
    for key, value in (("collection", g.get("issuer")), ("header", header.get("issuer"))):
        if value:
            issuer, src["issuer"] = value, key
            break
    if issuer is None:
        issuer = _issuer_from_title(title)
        src["issuer"] = "title" if issuer else None
    sig_organ, sig_date = _signature(text)
    opening = _region_opening(title)
    if issuer is None and title and _CENTRAL.match(_YEAR_PREFIX.sub("", title)):
        issuer, src["issuer"] = _CENTRAL.match(_YEAR_PREFIX.sub("", title)).group(0), "title"  # type: ignore[union-attr]
        issuer = re.sub(r"^中华人民共和国", "", issuer)
    if issuer is None and title and (organ := central_organ_at(_YEAR_PREFIX.sub("", title))):
        issuer, src["issuer"] = organ, "title"  # 司法部2022年法治政府建设年度报告, 交通运输部办结…
    table = _table_fields(text)
    named = table.get("发文机关") or table.get("发文单位") or table.get("发布单位")
    if issuer is None and named and _level_of(named)[1] != "unknown":
        issuer, src["issuer"] = re.sub(r"\s+", "", named), "header"  # the issuing organ's own field
    if issuer is None and title and (bare := _BARE_TITLE_ORGAN.match(_YEAR_PREFIX.sub("", title))):
        issuer, src["issuer"] = bare.group(0), "title"  # 市司法局在全市…, 自治区人民政府办公厅2022…报告
    if issuer is None and opening is None and (town := _township_opening(title)):
        issuer, src["issuer"] = town, "title"  # 下洋镇2023年法治政府建设年度报告 → 下洋镇人民政府
    if issuer is None and opening is not None:
        # A title that opens with an organ (潢川县司法局2023年…) names it; one that opens with a region and
        # no organ (许昌市法治政府建设实施方案) is that region's government's.
        t = _YEAR_PREFIX.sub("", title or "")
        end = _chain(t)[1]
        organ = _ORGAN_AFTER.match(t[end:])
        kind = _organ_after(t[end:])
        town = _township_opening(t[end:]) or _township_organ(t[end:])  # 某县某乡召开… is the township's
        if town:
            issuer, src["issuer"] = (
                t[:end] + town,
                "title",
            )  # 长沙市天心区坡子街街道办事处2022年…, 某区某镇2023年…
        elif kind and not kind.endswith(("政府", "行政公署")) and (organ is None or len(kind) >= organ.end()):
            issuer, src["issuer"] = t[:end] + kind, "title"  # 某市政务服务中心…, 某县发展和改革委…
        elif organ and not organ.group(0).endswith("政府"):
            issuer, src["issuer"] = t[: end + organ.end()], "title"
        else:
            issuer, src["issuer"] = f"{opening.name}人民政府", "title"
    if issuer is None and sig_organ:
        issuer, src["issuer"] = sig_organ, "signature"
    if issuer is None and (who := _official_byline(text)):
        issuer, src["issuer"] = who, "byline"
    if issuer is None and (who := _organ_date_byline(text)):
        issuer, src["issuer"] = who, "byline"
    if issuer is None and (who := _adopting_session(text)):
        issuer, src["issuer"] = who, "byline"
    publisher = header.get("publisher") or table.get("发布机构") or table.get("发文机关")
    if issuer is None and publisher and _level_of(publisher)[1] != "unknown":
        issuer, src["issuer"] = re.sub(r"\s+", "", publisher), "header"  # 发布机构: after title and signature
    if issuer is None:
        organ = _subject_organ(text) or _first_sentence_organ(text)
        if organ:
            issuer, src["issuer"] = organ, "first_sentence"
    if issuer is None and (who := _report_line_organ(text)):
        issuer, src["issuer"] = who, "first_sentence"
    if issuer is None and (who := _compiler_organ(text)):
        issuer, src["issuer"] = who, "first_sentence"  # a disclosure report: 本报告由某局…编制
    if issuer is None and (who := _subject_organ(text)):
        issuer, src["issuer"] = who, "first_sentence"  # a news item: the body that held the meeting
    if (
        issuer is not None
        and sig_organ
        and sig_organ != issuer
        and _BARE_UNIT.match(issuer)
        and (sig_organ.endswith(issuer) and _chain(sig_organ)[1])
    ):
        issuer, src["issuer"] = sig_organ, "signature"  # 市人民政府关于… signed 安陆市人民政府
    if issuer is not None:
        issuer = _party_full_name(issuer)
        region, level = _level_of(issuer)
        known = region is not None and region in gazetteer()
        src["level"] = "gazetteer" if known else ("issuer" if level != "unknown" else None)
        src["region"] = "gazetteer" if known else ("issuer" if region else None)  # a township, as named
    hint, hint_source = None, None
    if g.get("region") and g["region"] in gazetteer():
        hint, hint_source = gazetteer().by_name[g["region"]][0], "collection"
    elif opening is not None:
        hint, hint_source = opening, "title"
    if level == "unknown":
        lv = _level_from_salutation(text)
        if lv:
            level, src["level"] = lv, "salutation"
            if hint is not None and _RANK_LEVEL[hint.rank] == lv.removesuffix("_dept"):
                region, src["region"] = hint.name, hint_source
    if level == "unknown":
        r, lv, who = _self_reference(text, region_hint=hint)
        if lv != "unknown":
            region, level = r, lv
            src["level"] = "self_reference"
            src["region"] = "self_reference" if r else None
            if issuer is None and who:
                issuer, src["issuer"] = who, "salutation"
    if issuer is not None and region is None and _BARE_UNIT.match(issuer) and level != "unknown":
        # a bare organ (区司法局, 省政府): its region is the one the document calls its own
        r, lv, _ = _self_reference(text, region_hint=hint)
        if r in _MUNICIPALITIES and issuer.startswith("市") and level.startswith("city"):
            level = level.replace("city", "province")  # 市政府 of 北京市 is a provincial-level government
        unit0 = _BARE_UNIT.match(issuer)
        ending = _UNIT_FORMS[unit0.group(1)][1] if unit0 else ""
        if r and lv.removesuffix("_dept") == level.removesuffix("_dept") and r.endswith(ending):
            region, src["region"] = r, "self_reference"
            issuer = _organ_from_source(issuer, r) or issuer
        elif (unit := _BARE_UNIT.match(issuer)) and (d := _named_own(text, unit.group(1))) is not None:
            # no self-reference of that rank: the division of the organ's own kind the text names most (a
            # county's bureau writes about its county, 省司法厅 about 山东省, 市司法局 about 焦作市)
            region, src["region"] = d.name, "mentions"
            new_level = _RANK_LEVEL[d.rank] if d.name not in _MUNICIPALITIES else "province"
            level = new_level + ("_dept" if level.endswith("_dept") else "")
            issuer = _organ_from_source(issuer, d.name) or issuer
    source_value = header.get("source") or _source_field(text)
    if issuer is None and source_value:
        organ = _organ_from_source(source_value, region)
        if organ:
            issuer, src["issuer"] = organ, "header"
            r, lv = _level_of(organ)
            same_rank = lv.removesuffix("_dept") == level.removesuffix("_dept")
            weak = src["level"] in (None, "self_reference") and r is not None  # a named organ beats 我县
            if lv != "unknown" and (level == "unknown" or same_rank or weak):
                region, level = r or region, lv
                src["level"] = "header" if weak and not same_rank else (src["level"] or "header")
                src["region"] = "header" if weak and not same_rank else src["region"]
    if level == "unknown":
        # A database export states the level of its issuer ("河南省 (Provincial-level units)").
        m = re.match(r"(\S+)\s*\((Provincial|Prefecture|County)", header.get("Level", ""))
        if m:
            region = m.group(1) if m.group(1) in gazetteer() else None
            level = {"Provincial": "province", "Prefecture": "city", "County": "county"}[m.group(2)]
            src["level"], src["region"] = "header", ("header" if region else None)
    if g.get("region"):
        d = gazetteer().by_name[g["region"]][0] if g["region"] in gazetteer() else None
        inside = (
            d is not None
            and d.rank == "province"
            and region is not None
            and region in gazetteer()
            and gazetteer().by_name[region][0].province == d.name
            and region != d.name
        )
        if not inside:  # a province column does not overwrite a city or county of that province
            region, src["region"] = g["region"], "collection"
    if g.get("level"):
        level, src["level"] = g["level"], "collection"

    # doc type
    doc_type, src["doc_type"] = _doc_type(title, text)
    if g.get("doc_type"):
        doc_type, src["doc_type"] = g["doc_type"], "collection"
    genre = next((x for x in genres().genres if x.name == doc_type), None)

    # published
    published, src["published"] = None, None
    fields = dict(_HEADER_FIELDS.findall(text[:600]))
    for key, value in (
        ("header", header.get("published") or header.get("Published") or header.get("发布日期")),
        ("collection", g.get("published")),
        ("header", header.get("成文日期") or header.get("date")),
        ("header", fields.get("发布日期") or fields.get("成文日期") or fields.get("发文日期")),
        ("header", fields.get("时间") or fields.get("日期")),
        (
            "header",
            table.get("发布日期")
            or table.get("公开日期")
            or table.get("发文时间")
            or table.get("发文日期")
            or table.get("成文日期"),
        ),
        ("header", (d := _byline_date(text)) and d.isoformat()),
        ("signature", sig_date.isoformat() if sig_date else None),
        ("date_line", (d := _standalone_date(text)) and d.isoformat()),
        ("header", (m := _UPDATE_TIME.search(text[:600])) and m.group(1)),  # an update time comes last
    ):
        d = parse_date(value)
        if d:
            published, src["published"] = d, key
            break

    # period
    period, src["period"] = None, None
    if g.get("period"):
        period, src["period"] = g["period"], "collection"
    else:
        head = "\n".join(
            ln for ln in text[: genres().head_chars * 2].split("\n") if not _WIDGET_LINE.search(ln)
        )
        period, src["period"] = _year_of(title, head, genre)
        meeting = re.search(r"召开|举行|举办|会议|大会|[^机]会$", title or "")
        held = _held_year(text, published) if doc_type == "other" and meeting else None
        if held and period != held and src["period"] in ("title", "body_cue"):
            period, src["period"] = held, "date_line"  # a news item's year is the year it was held
        if period is None and published:
            period, src["period"] = str(published.year), "published"

    from_text = infer_metadata(text, header, title_hint).as_strings() if g else None
    return Inferred(
        title=title,
        issuer=issuer,
        region=region,
        level=level,
        doc_type=doc_type,
        period=period,
        published=published,
        sources=src,
        rejected_given=rejected,
        from_text=from_text,
    )


assert "unknown" in LEVELS and "other" in DOC_TYPES
