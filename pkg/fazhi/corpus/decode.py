"""Decoding: a file's bytes to text, detecting the encoding, or a ``Rejected`` with the reason.

In: raw bytes (and an encoding the file declares, if any). Out: ``(text, encoding)``.
How: byte-order marks, a declared charset, strict UTF-8, BOM-less UTF-16, GB18030 and Big5 judged by
how plausible the Chinese is, then charset_normalizer; never a decoding with replacement characters.
"""

from __future__ import annotations

import codecs
import re

# --------------------------------------------------------------------------------------------- errors


class Rejected(Exception):
    """A file that cannot become a document; ``reason`` is one of the rejected-table reasons."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


# ------------------------------------------------------------------------------------------- decoding

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_HTML_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _plausible(text: str) -> float:
    """Share of characters that are ordinary text (not controls or private-use), for ranking decodings."""
    if not text:
        return 0.0
    bad = sum(1 for ch in text if (ch < " " and ch not in "\n\r\t\f") or "\ue000" <= ch <= "\uf8ff")
    return 1.0 - bad / len(text)


def _gb2312_share(text: str) -> float:
    """Share of CJK characters in the common GB2312 repertoire: high for real Chinese, low for mis-decodes."""
    cjk = _CJK.findall(text)
    if not cjk:
        return 1.0
    ok = 0
    for ch in cjk:
        try:
            ch.encode("gb2312")
            ok += 1
        except UnicodeEncodeError:
            pass
    return ok / len(cjk)


def _text_score(text: str) -> float:
    """Share of characters that are what Chinese documents are made of: ASCII, CJK punctuation, common hanzi."""
    if not text:
        return 0.0
    good = 0
    for ch in text:
        if " " <= ch <= "~" or ch in "\n\r\t" or "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef":
            good += 1
        elif _CJK.match(ch):
            try:
                ch.encode("gb2312")
                good += 1
            except UnicodeEncodeError:
                pass
    return good / len(text)


def _utf16_without_bom(raw: bytes) -> str | None:
    """Detect BOM-less UTF-16: of the two byte orders, the one that decodes to plausible text, if any."""
    if len(raw) < 4 or len(raw) % 2 or b"\x00" not in raw:
        return None
    best: tuple[float, str] | None = None
    for enc in ("utf-16-le", "utf-16-be"):
        try:
            score = _text_score(raw.decode(enc))
        except UnicodeDecodeError:
            continue
        if best is None or score > best[0]:
            best = (score, enc)
    return best[1] if best and best[0] > 0.9 else None


def decode(raw: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode a file's bytes to text, detecting the encoding.

    The order is deterministic and conservative: a byte-order mark; a declared charset (HTML ``<meta>``)
    when it decodes cleanly; strict UTF-8; BOM-less UTF-16; strict GB18030 when the result is plausible
    Chinese; Big5; finally ``charset_normalizer``. A decoding must be strict (no replacement characters).

    Parameters
    ----------
    raw
        The file's bytes.
    declared
        An encoding the file declares for itself, tried after a BOM.

    Returns
    -------
    (text, encoding)
        The decoded text and the name of the encoding used.

    Raises
    ------
    Rejected
        ``binary`` when the bytes are not text, ``undecodable`` when no encoding decodes them.
    """
    for bom, enc in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(enc), enc
            except UnicodeDecodeError as e:
                raise Rejected("undecodable", f"starts with a {enc} byte-order mark but does not decode: {e}") from e
    if declared:
        name = declared.lower()
        name = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030"}.get(name, name)
        try:
            text = raw.decode(name)
            if _plausible(text) > 0.99:
                return text, name
        except (UnicodeDecodeError, LookupError):
            pass  # the declaration lies or is unknown; fall through to detection
    try:
        text = raw.decode("utf-8")
        if _CJK.search(text) or text.isascii():
            return text, "utf-8"
        # Short GBK byte strings can also be valid UTF-8 (一 = D2 BB = Cyrillic һ): with no hanzi in the
        # UTF-8 reading, prefer a GB18030 reading that is plausible Chinese.
        try:
            gb = raw.decode("gb18030")
            if _CJK.search(gb) and _text_score(gb) > _text_score(text):
                return gb, "gb18030"
        except UnicodeDecodeError:
            pass
        return text, "utf-8"
    except UnicodeDecodeError:
        pass
    enc16 = _utf16_without_bom(raw)
    if enc16:
        return raw.decode(enc16), enc16
    if b"\x00" in raw:
        raise Rejected("binary", "contains NUL bytes and is not UTF-16/32 text")
    candidates: list[tuple[float, str, str]] = []
    for enc in ("gb18030", "big5"):
        try:
            text = raw.decode(enc)
        except UnicodeDecodeError:
            continue
        if _plausible(text) < 0.99:
            continue
        # GB18030 decodes almost any byte string; only trust it when the characters are common ones.
        score = _gb2312_share(text) if enc == "gb18030" else 0.5
        candidates.append((score, enc, text))
    if candidates:
        score, enc, text = max(candidates, key=lambda c: c[0])
        if enc == "big5" or score >= 0.8:
            return text, enc
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(raw).best()
    except Exception:  # noqa: BLE001 - a detector failure is just "undecodable"
        best = None
    if best is not None and best.encoding and _plausible(str(best)) > 0.99:
        return str(best), best.encoding
    if candidates:
        _, enc, text = max(candidates, key=lambda c: c[0])
        return text, enc
    raise Rejected("undecodable", "not valid UTF-8, UTF-16, GB18030 or Big5, and no detector could decode it")
