"""Cleaning: page furniture, HTML and database-export wrappers removed, every line of the document kept.

In: decoded text (plain, HTML or a database export). Out: a :class:`Cleaned` body with what was removed
(``removed``: kind and text, so that nothing goes unrecorded) and the header facts found on the way
(publication date, source, title, issuer, 成文日期).
How:
- Traditional characters are converted to Simplified with OpenCC (``t2s``) when a text is written in
  them (``script``: simplified, traditional or mixed); the original is kept (``original_text``).
- Pinyin injected after characters (``關(guān)于``) is removed.
- Whole-line furniture patterns (``FURNITURE_LINES``), widget lines (``WIDGET_TOKENS``: 打印, 全屏,
  【字号：加大 还原 减小】, 无障碍, 返回手机版... alone or spread one per line), split page-meta fields
  (``来源：`` / ``四川日报`` on two lines), breadcrumbs spread over lines, photo captions.
- URLs and site watermarks inside lines (``INLINE_FURNITURE``), removed from the line, the rest kept.
- Lines repeated across many documents of one collection (:func:`repeated_lines`, :func:`drop_lines`).
- A real HTML parser (selectolax/lexbor), and the database export's own layout (``wrappers``).
The parts: ``script`` (Traditional → Simplified, pinyin), ``wrappers`` (HTML, database exports) and
``cleaned`` (the ``Cleaned`` record); their names are re-exported here.
A line holding a full sentence (。) is never furniture, except a photo caption (``…本报记者 王鼎 摄``).
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence

from .cleaned import Cleaned, _normalise_newlines, _tidy_lines
from .script import (
    MIXED_MIN_CHARS,
    TRADITIONAL_MIN_CHARS,
    TRADITIONAL_SHARE,
    ScriptWarning,
    remove_pinyin,
    to_simplified,
)
from .wrappers import html_to_text, is_db_export, parse_db_export

# ------------------------------------------------------------------------------------------ cleaning

# Whole lines that are page furniture. Each pattern must match a complete (stripped) line, so that a
# sentence of the document that merely mentions these words can never be removed.
_FIELD = (
    r"(?:发布时间|发表时间|发布日期|发文日期|成文日期|信息来源|来源|作者|责任编辑|编\s*辑|浏览次数|阅读次数|阅读量|点击数|访问量|"
    r"索引号|主题分类|信息时间|发文字号|文号|发文机关|发布机构|公开方式|有效性)"
)
_WIDGET = r"(?:分享到|打印本页|打印|关闭窗口|关闭|收藏|返回顶部)"
_PLATFORMS = r"(?:微信|微博|新浪微博|腾讯微博|QQ空间|QQ|朋友圈|人人网|豆瓣|抖音|[\s|｜/、,，:：])*"
FURNITURE_LINES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pat))
    for name, pat in (
        ("breadcrumb", r"(?:当前位置|您现在的位置|您的位置|所在位置)\s*[:：].{0,120}"),
        # 您所在的位置:政务公开 > 工作报告, 您现在的位置 首页 > …, 您当前的位置: 首页 > …
        (
            "breadcrumb",
            r"[您你]?(?:现在|当前|目前)?(?:所在)?的?位置\s*[:：]?\s*[^。，；]{0,80}?(?:>|＞|›|»)[^。；]{0,120}",
        ),
        ("breadcrumb", r"(?:网站)?首页\s*(?:>|＞|›|»)\s*.{0,120}"),
        ("date_widget", r"今天是\s*[:：]?\s*(?:19|20)\d{2}\s*年[^。，；]{0,40}"),
        ("page_meta", rf"(?:【\s*)?{_FIELD}\s*[:：][^。，；]{{0,160}}"),
        (
            "font_widget",
            rf"[【\[]?\s*字[体号]\s*[:：]?\s*[大中小\s]*[】\]]?(?:\s*{_WIDGET}\s*[:：]?{_PLATFORMS})*",
        ),
        ("share_widget", rf"分享到\s*[:：]?{_PLATFORMS}"),
        ("qr_widget", r"扫一扫在手机(?:上)?打开(?:当前页|本页)?"),
        ("print_widget", r"(?:[【\[]\s*(?:打印|关闭|打印本页|关闭窗口|收藏|返回顶部)\s*[】\]]\s*)+"),
        (
            "print_widget",
            r"(?:打印本页|关闭窗口|打印|关闭|返回顶部|返回首页)(?:\s+(?:打印本页|关闭窗口|打印|关闭|返回顶部))*",
        ),
        ("nav_link", r"(?:上一篇|下一篇)\s*[:：].{0,120}"),
        ("related", r"(?:相关阅读|相关链接|相关文章|相关新闻|相关文件|延伸阅读)\s*[:：]?"),
        ("site_footer", r"(?:主办单位|承办单位|网站标识码|ICP备|版权所有|联系我们|网站地图)[^。，；]{0,160}"),
        (
            "page_meta",
            r"(?:时间|日期)\s*[:：]\s*(?:19|20)\d{2}[-年./]\d{1,2}[-月./]\d{1,2}日?(?:\s+\d{1,2}[:：]\d{2}(?:[:：]\d{2})?)?",
        ),
        ("page_meta", r"(?:19|20)\d{2}[-/.]\d{1,2}[-/.]\d{1,2}\s+\d{1,2}:\d{2}(?::\d{2})?"),
        ("page_meta", r"(?:19|20)\d{2}年\d{1,2}月\d{1,2}日\s*\d{1,2}[时:]\d{2}分?(?::\d{2})?"),
        (
            "page_meta",
            r"\|?\s*(?:标\s*题|索\s*引\s*号|发文字号|成文日期|发布日期|发文机关|主题分类)\s*[|｜:：].{0,200}",
        ),
    )
)

# Words of page widgets (buttons, menus, font-size and share bars). A line made only of these is a widget
# line: furniture when it holds a word of two or more characters, or sits in a run of widget lines
# (下载 / 打印 / 全屏 / 收藏 / 【字号： / 加大 / 还原 / 减小 / 】 one per line).
WIDGET_TOKENS = (
    "下载", "打印", "全屏", "收藏", "字号", "字体", "加大", "还原", "减小", "默认", "大", "中", "小",
    "分享到", "分享", "无障碍", "简体", "繁体", "长者模式", "关怀版", "返回手机版", "返回电脑版", "手机版",
    "返回首页", "返回顶部", "请输入检索词", "请输入关键词", "请输入关键字", "搜索", "检索", "高级搜索",
    "登录", "注册", "扫一扫", "二维码", "打印本页", "关闭窗口", "关闭", "发表评论", "我要评论", "网友评论",
    "查看评论", "评论", "纠错", "我要纠错", "微信", "微博", "QQ空间", "阅读量", "浏览量", "点赞",
    "在手机上打开",
)  # fmt: skip
_WIDGET_SEP = re.compile(r"[\s|｜/、·•:：【】\[\]()（）<>《》,，\d条次人]+")
_WIDGET_RE = re.compile("|".join(sorted(map(re.escape, WIDGET_TOKENS), key=len, reverse=True)))
_FIELD_LABEL = re.compile(
    r"(?:来源|信息来源|发表时间|发布时间|发布日期|时间|日期|阅读量|浏览次数|作者|责任编辑|分享)\s*[:：]?"
)
_CRUMB_LABEL = re.compile(
    r"(?:当前位置|您现在的位置|您的位置|所在位置|[您你](?:现在|当前)?(?:所在)?的位置)\s*[:：]?"
)
_CRUMB_SEP = re.compile(r"[>＞›»]+|&gt;")
# A photo caption: "…作政府工作报告。本报记者 朱江 摄" (a reporter's name, then 摄, ending the line).
_CAPTION = re.compile(
    r".{0,120}(?:记者|通讯员|摄影)[\s\u3000]*[\u4e00-\u9fff·]{1,5}(?:[\s\u3000]+[\u4e00-\u9fff]{1,3})?[\s\u3000]*(?<!拍)摄"
)

# A document-sharing site's notice about the file it shows: "《….docx》由会员分享，可在线阅读，…请在…上搜索。"
_SHARE_SITE = re.compile(r".{0,150}(?:由\s*(?:会员|用户|网友)\s*(?:分享|上传)|小编为[你您]整理).{0,150}")

# Furniture inside a line: removed from the line, the rest of it kept.
INLINE_FURNITURE: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pat))
    for name, pat in (
        # a document-sharing site's slogan before its address: 某某文库—全网资源每日更新www.example.com
        (
            "watermark",
            r"[\u4e00-\u9fff]{2,10}\s*[—–\-]{1,2}\s*[\u4e00-\u9fff]{2,16}\s*(?:https?://)?www\.[A-Za-z0-9\-.]+\.[A-Za-z]{2,6}",
        ),
        ("url", r"(?:https?://|www\.)[A-Za-z0-9\-._~:/?#\[\]@!$&'*+,;=%]+"),
        (
            "watermark",
            r"[（(]\s*(?:来源|稿源)\s*[:：]\s*[\u4e00-\u9fffA-Za-z]{2,24}(?:网|网站|日报|客户端|公众号)\s*[）)]",
        ),
        ("watermark", r"[（(【\[]\s*[\u4e00-\u9fff]{2,24}(?:门户网站|政府网|人民政府网)\s*[）)】\]]"),
    )
)


def _widget_strength(s: str) -> int:
    """0: not a widget line; 1: only one-character widget words (大 中 小 】); 2: a widget line."""
    rest = _WIDGET_SEP.sub("", s)
    if not rest:
        return 1 if re.fullmatch(r"[\s【】\[\]:：|｜]+", s) else 0
    words = _WIDGET_RE.findall(rest)
    if "".join(words) != rest:
        return 0
    return 2 if any(len(w) >= 2 for w in words) else 1


def furniture_kind(line: str) -> str | None:
    """The kind of page furniture a whole line is (``breadcrumb``, ``page_meta``, ...), or None for
    content."""
    s = line.strip(" \t\u00a0\u3000\u200b\ufeff")
    if not s:
        return None
    if len(s) <= 160 and _CAPTION.fullmatch(s):
        return "photo_caption"
    if len(s) <= 300 and _SHARE_SITE.fullmatch(s):
        return "share_site"
    if "。" in s:
        return None  # a line with a full sentence in it is the document's, whatever words it uses
    for name, pat in FURNITURE_LINES:
        if pat.fullmatch(s):
            return name
    if len(s) <= 60 and _widget_strength(s) == 2:
        return "widget"
    return None


_GLUED_SITE = re.compile(r"[\u4e00-\u9fff](?:门户网站|人民政府网站?|政府网)\s*$")
_GENRE_WORD = re.compile(r"报告|方案|意见|答复|规划|总结|通知|决定|办法|纲要|要点|计划|情况|决议|公告|通告")


def remove_inline(line: str, *, watermarks: Iterable[str] = ()) -> tuple[str, list[tuple[str, str]]]:
    """Remove URLs and site watermarks from inside a line (``INLINE_FURNITURE``, plus ``watermarks``: exact
    strings such as the site's name), keeping the rest of it."""
    removed: list[tuple[str, str]] = []
    for name, pat in INLINE_FURNITURE:
        if pat.search(line):
            removed.extend((name, m.group(0)) for m in pat.finditer(line))
            line = pat.sub("", line)
    m = _GLUED_SITE.search(line)
    if m and "。" not in line:
        # a site's name glued to the end of a heading (…情况的报告某县人民政府门户网站): cut after the
        # last genre word, when what follows it is a short name
        ends = [g.end() for g in _GENRE_WORD.finditer(line, 0, m.start())]
        if ends and 2 <= m.end() - ends[-1] <= 24 and not _GENRE_WORD.search(line, ends[-1], m.end()):
            removed.append(("watermark", line[ends[-1] :]))
            line = line[: ends[-1]]
    for w in watermarks:
        if w and w in line:
            removed.extend(("watermark", w) for _ in range(line.count(w)))
            line = line.replace(w, "")
    return line, removed


def _simplified(text: str) -> tuple[str, str, int]:
    """``to_simplified(text)``, with a ``ScriptWarning`` (pointing at the caller of ``clean_text``) when
    characters were converted."""
    converted, script, n_conv = to_simplified(text)
    if n_conv:
        head = next((ln.strip() for ln in converted.split("\n") if ln.strip()), "")[:30]
        warnings.warn(
            (
                f"{script} text converted to Simplified ({n_conv} characters; original kept in "
                f"original_text): {head}"
            ),
            ScriptWarning,
            stacklevel=3,
        )
    return converted, script, n_conv


def clean_text(text: str, *, watermarks: Iterable[str] = ()) -> Cleaned:
    """Remove page furniture from a plain-text page, keeping every line of the document itself.

    Traditional characters are converted first (the original is kept in ``original_text``), injected
    pinyin removed, then furniture is recognised line by line (``FURNITURE_LINES``: breadcrumbs,
    发布时间/信息来源 lines, font, share and QR widgets, print/close links, 上一篇/下一篇, a trailing 相关阅读
    list; widget lines; page-meta fields and breadcrumbs spread over several lines; photo captions), and
    URLs and watermarks are cut out of the remaining lines (``watermarks``: extra exact strings, e.g.
    the site's name). Metadata found in furniture (publication date, source, title, issuer) is kept in
    ``header`` for inference. Lines are stripped of surrounding whitespace and empty lines dropped.
    """
    original = _normalise_newlines(text)
    converted, script, n_conv = _simplified(original)
    converted, removed = remove_pinyin(converted)
    lines = converted.split("\n")
    kept: list[str] = []
    header: dict[str, str] = {}
    strip = " \t\u00a0\u3000\u200b\ufeff"
    stripped = [ln.strip(strip) for ln in lines]
    i = 0
    while i < len(lines):
        line, s = lines[i], stripped[i]
        kind = furniture_kind(line)
        if kind == "related":
            rest = [ln for ln in lines[i + 1 :] if ln.strip(" \t\u00a0\u3000")]
            # A trailing list of links (short lines, no sentences) is furniture; body text after it is not.
            if all(len(ln.strip()) <= 60 and "。" not in ln for ln in rest):
                removed.append((kind, s))
                removed.extend(("related", ln.strip()) for ln in rest)
                break
        run = _furniture_run(stripped, i)
        if run:
            kind_run, j = run
            for k in range(i, j):
                if stripped[k]:
                    removed.append((kind_run, stripped[k]))
            if kind_run == "page_meta":
                header.update(_split_field(stripped[i:j]))
            i = j
            continue
        if kind:
            removed.append((kind, s))
            if kind == "page_meta":
                facts = _page_meta_fields(line)
                header.update(facts)
                if not facts and re.match(r"(?:19|20)\d{2}", s):
                    header.setdefault("published", s)  # a bare date and time: the page's publication
        else:
            line, cut = remove_inline(line, watermarks=watermarks)
            removed.extend(cut)
            kept.append(line)
        i += 1
    out = _tidy_lines(kept)
    return Cleaned(
        text=out,
        removed=removed,
        header=header,
        script=script,
        converted_chars=n_conv,
        original_text=original if n_conv else None,
    )


def _next_nonblank(stripped: list[str], i: int) -> int:
    while i < len(stripped) and not stripped[i]:
        i += 1
    return i


def _furniture_run(stripped: list[str], i: int) -> tuple[str, int] | None:
    """A piece of furniture spread over several lines starting at line ``i``: (kind, end) or None.

    Widget words one per line (a run of two or more widget lines), a page-meta label alone on its line
    followed by its value (``来源：`` / ``四川日报``), and a breadcrumb spread over lines (``您的位置:`` /
    ``首页`` / ``>`` / ``云南要闻``).
    """
    s = stripped[i]
    if not s:
        return None
    # widget words, one per line
    if _widget_strength(s):
        j = i
        strong = False
        while j < len(stripped) and (
            not stripped[j] or (len(stripped[j]) <= 12 and _widget_strength(stripped[j]))
        ):
            strong = strong or _widget_strength(stripped[j]) == 2
            j += 1
        n = sum(1 for k in range(i, j) if stripped[k])
        if n >= 2 and strong:
            return "widget", j
    # a page-meta label alone, then its value
    if _FIELD_LABEL.fullmatch(s) and s.rstrip(":：") not in ("分享",):
        j = _next_nonblank(stripped, i + 1)
        if (
            j < len(stripped)
            and len(stripped[j]) <= 40
            and "。" not in stripped[j]
            and not _FIELD_LABEL.fullmatch(stripped[j])
        ):
            return "page_meta", j + 1
        return "page_meta", i + 1
    # a breadcrumb over several lines
    if _CRUMB_LABEL.fullmatch(s) or (
        s == "首页"
        and _CRUMB_SEP.fullmatch(
            stripped[_next_nonblank(stripped, i + 1)]
            if _next_nonblank(stripped, i + 1) < len(stripped)
            else ""
        )
    ):
        j = i + 1
        while True:
            k = _next_nonblank(stripped, j)
            if k < len(stripped) and _CRUMB_SEP.fullmatch(stripped[k]):
                k2 = _next_nonblank(stripped, k + 1)
                if (
                    k2 < len(stripped)
                    and len(stripped[k2]) <= 16
                    and not re.search(r"[。，；！？]", stripped[k2])
                ):
                    j = k2 + 1
                    continue
                j = k + 1
            elif k < len(stripped) and stripped[k] == "首页" and j == i + 1:
                j = k + 1
                continue
            break
        return "breadcrumb", j
    return None


def _split_field(lines: list[str]) -> dict[str, str]:
    label = lines[0].rstrip(":： ")
    value = next((ln for ln in lines[1:] if ln), "")
    if not value:
        return {}
    if label in ("来源", "信息来源"):
        return {"source": value}
    if label in ("发表时间", "发布时间", "发布日期", "时间", "日期"):
        return {"published": value}
    return {}


# ------------------------------------------------------------------------- collection furniture


def repeated_lines(
    texts: Sequence[str],
    *,
    min_share: float = 0.5,
    min_docs: int = 3,
    max_len: int = 60,
) -> frozenset[str]:
    """Lines that are furniture of a collection because they recur in many of its documents.

    Parameters
    ----------
    texts
        The (cleaned) texts of one collection: one site, one folder, one export.
    min_share, min_docs
        A line is furniture when it occurs in at least ``max(min_docs, min_share × len(texts))``
        documents.
    max_len
        Longer lines are never furniture.

    Returns
    -------
    frozenset[str]
        The stripped lines. Never a line holding a sentence (。！？), nor one ending with a colon
        (a salutation such as 各位代表：, which is the document's own), nor a numbered heading (一、…).
    """
    counts: Counter[str] = Counter()
    for t in texts:
        counts.update({ln.strip(" \t\u00a0\u3000") for ln in t.split("\n")} - {""})
    need = max(min_docs, int(min_share * len(texts) + 0.999999))
    return frozenset(
        ln
        for ln, n in counts.items()
        if n >= need
        and len(ln) <= max_len
        and not re.search(r"[。！？!?]", ln)
        and not re.search(r"[：:]$", ln)
        and not re.match(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]|\d+[.、])", ln)
    )


def drop_lines(
    cleaned: Cleaned,
    lines: frozenset[str] | set[str],
    *,
    kind: str = "repeated",
    edge_lines: int | None = 25,
) -> Cleaned:
    """``cleaned`` without the given whole lines (e.g. :func:`repeated_lines`), each recorded in ``removed``.

    With ``edge_lines`` (the default), only those among the first and last ``edge_lines`` lines go: site
    furniture sits at the top and bottom of a page, while a short line deep in the body (a hyperlink
    split onto its own line, such as 法律) is the document's. ``None`` removes them anywhere.
    """
    if not lines:
        return cleaned
    kept, removed = [], list(cleaned.removed)
    all_lines = cleaned.text.split("\n")
    n = len(all_lines)
    for i, ln in enumerate(all_lines):
        at_edge = edge_lines is None or i < edge_lines or i >= n - edge_lines
        if at_edge and ln.strip(" \t\u00a0\u3000") in lines:
            removed.append((kind, ln))
        else:
            kept.append(ln)
    return Cleaned(
        text="\n".join(kept),
        removed=removed,
        header=cleaned.header,
        english_summary=cleaned.english_summary,
        title_hint=cleaned.title_hint,
        script=cleaned.script,
        converted_chars=cleaned.converted_chars,
        original_text=cleaned.original_text,
    )


_META_FIELD = re.compile(
    r"(发布时间|发表时间|发布日期|发文日期|成文日期|信息时间|信息来源|来源|时间|日期|标\s*题|发文机关|发布机构|发文字号)"
    r"\s*[:：|｜]\s*([^\s【】|｜]+(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?)"
)


def _page_meta_fields(line: str) -> dict[str, str]:
    """Facts of a page-meta line: ``published``, ``source``, ``title``, ``issuer`` (发文机关), ``publisher``
    (发布机构), ``成文日期``, ``发文字号``."""
    out: dict[str, str] = {}
    for key, value in _META_FIELD.findall(line):
        key = re.sub(r"\s+", "", key)
        if key in ("信息来源", "来源"):
            out.setdefault("source", value)
        elif key == "标题":
            out.setdefault("title", value)
        elif key == "发文机关":
            out.setdefault("issuer", value)
        elif key == "发布机构":
            out.setdefault("publisher", value)  # often the portal, not the issuer (metadata decides)
        elif key in ("成文日期", "发文字号"):
            out.setdefault(key, value)
        else:
            out.setdefault("published", value)
    return out


__all__ = [
    "FURNITURE_LINES",
    "MIXED_MIN_CHARS",
    "TRADITIONAL_MIN_CHARS",
    "TRADITIONAL_SHARE",
    "WIDGET_TOKENS",
    "Cleaned",
    "ScriptWarning",
    "clean_text",
    "drop_lines",
    "furniture_kind",
    "html_to_text",
    "is_db_export",
    "parse_db_export",
    "remove_inline",
    "remove_pinyin",
    "repeated_lines",
    "to_simplified",
]
