"""The title in the head of a document body.

In: a clean body. Out: :func:`find_title` (the title, or None), :func:`_headline` (a news item's headline
over its byline) and the head-line patterns other rules share (:data:`_SALUTATION`, :data:`_WIDGET_LINE`,
:data:`_BYLINE`).
How: the first head line (or two or three joined) that ends with a genre word, after page furniture is
stripped (column tags, bullets, field labels, document numbers, dates set on the line); a bare column label
or a file name gives way to a fuller title; without one, a short line directly over a byline.
"""

from __future__ import annotations

import re

from .gazetteer import _chain
from .organ import _ORGAN_LINE, _SIGNATURE_ORGAN, _SUBJECT_VERBS
from .vocab import central_organ_at

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
    r"|[>＞»|｜]|\d{1,2}:\d{2}|今天是|星期[一二三四五六日天]|(?:来源|时间|日期|编号|格式|页数|大小|类别|签发人)\s*[:：]|文件$"
    r"|^(?:P\.?\s*\d+|Page\s*\d+|(?:19|20)\d{2}\s*卷|第\s*\d+\s*页|(?:19|20)\d{2}[-./]\d{1,2}[-./]\d{1,2})$"
    r"|@|邮箱|电子信箱"
    r"|^首页\s*/|^[\[［【]?\s*(?:组配分类|主题分类|体裁分类|所属主题|所属机构|文\s*号|索\s*引\s*号|发文字号|生效日期|废止日期"
    r"|公开日期|成文日期|发布机构|公开方式|有效性)(?:\s|[:：\]］】])"  # a table's label, also in brackets
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


# A line that continues a title already ending with a genre word: a span in brackets, then the words that
# end the title (…实施方案 / （2021—2025年）的通知).
_CONTINUATION = re.compile(
    r"^[（(]\s*(?:19|20)\d{2}\s*[—–\-－~～至]+\s*(?:19|20)\d{2}\s*年?\s*[)）][\u4e00-\u9fff]{1,12}$"
)


def _continues_title(cand: str, nxt: str) -> bool:
    """Whether the next head line completes a title that already reads as one."""
    return bool(_CONTINUATION.match(nxt)) and _title_line(cand + nxt)


def _title_candidates(lines: list[str]) -> list[tuple[int, str]]:
    """Every title found in the head, with the index of its first line, before the first sentence."""
    out: list[tuple[int, str]] = []
    for i, ln in enumerate(lines):
        if "。" in ln or (_SALUTATION.match(ln) and not _WIDGET_LINE.search(ln)):
            break  # the body begins (a date widget's 今天是: is no salutation)
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
                if _SPAN_LINE.fullmatch(nxt) or _continues_title(cand, nxt):
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


# A title in a metadata table's labelled cell (名称: | 某镇防汛抗旱应急预案 | 文号: | 无 |), split by bars.
_LABELLED = re.compile(
    r"(?:^|[|｜])\s*(?:信息名称|文件名称|名\s*称|标\s*题)\s*[:：]?\s*[|｜]\s*([^|｜]{4,80}?)\s*(?:[|｜]|$)"
)


def _labelled_title(raw: list[str]) -> str | None:
    """The value of a title cell (名称, 标题, 信息名称) of a page-meta table in the head, when it reads as a
    title (ends with a genre word)."""
    for ln in raw[:15]:
        m = _LABELLED.search(ln)
        if m and _title_line(s := _strip_title_furniture(m.group(1))):
            return s
    return None


def find_title(text: str, *, max_lines: int = 60) -> str | None:
    """The title in the head of a body: the first line (or two or three lines joined) that ends with a genre
    word, skipping bylines, date lines and page furniture, before the first sentence or salutation
    (各位代表：); a leading column tag (【法治建设报告】), bullet, field label or document number is dropped.
    A line that the next line continues (it starts with 。or ，) is a sentence cut by markup, not a title.

    Of the titles found, the first is taken, except that a bare column label (工作报告, 通知公告) gives way
    to a fuller title after it, and a page's short heading (关于政府工作报告的决议) to the full title it
    abbreviates a few lines below (…第一次会议关于政府工作报告的决议)."""
    raw = [ln.strip() for ln in text.split("\n") if ln.strip()][:max_lines]
    if labelled := _labelled_title(raw):
        return labelled
    file_names = {i for i, ln in enumerate(raw) if _FILE_NAME.search(ln)}
    lines = [_strip_title_furniture(ln) for ln in raw]
    if lines and (m := _RUN_ON_TITLE.match(lines[0])) and len(lines[0]) > 80:
        lines[0:1] = [m.group(1), lines[0][m.end(1) :]]  # markup lost: the title runs into the first sentence
    cands = _title_candidates(lines)
    if not cands:  # a subtitle keeps its dash so that the headline above it is taken
        marked = [("——" + ln) if re.match(r"[—―]|--", r) else ln for r, ln in zip(raw, lines)]
        return _headline(marked) or _lead_headline(marked)
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


# A line of widgets between a headline and its lead (字号:A A 颜色:, 【打印】, 浏览次数:12).
_WIDGETS = re.compile(r"字号|字体|颜色|打印|分享|收藏|浏览|点击|阅读|扫一扫|关闭")
# A numbered section heading (一、总体情况, （一）…, 1.): no headline.
_SECTION = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d+[、.．])")


def _lead_headline(lines: list[str], *, max_lines: int = 25) -> str | None:
    """A news item's headline with no byline under it: the short line directly over the item's lead (its
    first paragraph, a sentence of 30 characters or more), widget lines between them skipped, with no
    sentence or salutation above it; not a section heading, a salutation, a byline or an organ's name."""
    head = [ln for ln in lines[:max_lines] if ln.strip()]
    lead = next((i for i, ln in enumerate(head) if "。" in ln and len(ln) >= 30), None)
    if not lead or re.match(r"[。，、；：,;]", head[lead]):
        return None  # (a lead that continues the line above is a sentence cut by markup)
    i = lead - 1
    while i > 0 and len(head[i]) <= 30 and (_BETWEEN_FURNITURE.search(head[i]) or _WIDGETS.search(head[i])):
        i -= 1
    ln = head[i]
    if any("。" in x or _SALUTATION.match(x) for x in head[:i]):
        return None  # the body has begun above it (各位代表！…): a section heading, not a headline
    if not 6 <= len(ln) <= 60 or re.search(r"[。；;！!？?>＞»|｜]|\d{1,2}:\d{2}|今天是|星期|[：:]$", ln):
        return None
    if _SECTION.match(ln) or _BYLINE.search(ln) or _SALUTATION.match(ln) or _WIDGETS.search(ln):
        return None
    if not re.search(r"[\u4e00-\u9fff]{4}", ln) or len(re.findall(r"[，,]", ln)) > 1:
        return None
    if (_ORGAN_LINE.match(ln) or _SIGNATURE_ORGAN.match(ln)) and not re.search(_SUBJECT_VERBS, ln):
        return None
    return ln


def _label_like(s: str) -> bool:
    """A site's column label (云南要闻, 通知公告): short, no digits, no place name, not cut mid-phrase."""
    return len(s) <= 8 and not re.search(r"[\d０-９]", s) and not _JOINS.search(s) and _chain(s)[0] is None


_JOINS = re.compile(r"(关于|的|和|与|及|、|暨|对|印发|转发|年|度)$")
_SALUTATION = re.compile(r"^(?:各位代表|[\u4e00-\u9fff（）()、，,]{2,60})[：:！!]$")


# Page furniture above a body: a date widget, a welcome line, a site's name with 正文.
_WIDGET_LINE = re.compile(r"今天是|星期[一二三四五六日天]|欢迎(?:访问|来到)|^\S{2,10}\s+正文$")
