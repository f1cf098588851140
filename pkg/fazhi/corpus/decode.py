"""Decoding: a file's bytes to text, detecting the encoding, or a ``Rejected`` with the reason.

In: raw bytes (and an encoding the file declares, if any). Out: ``decode`` gives ``(text, encoding)``;
``decode_text`` gives a :class:`Decoded` that also lists what was repaired (``notes``).
How: byte-order marks, a declared charset, strict UTF-8, BOM-less UTF-16, GB18030 and Big5 judged by
how plausible the Chinese is, then charset_normalizer. ``decode_text`` adds the repairs of damaged
files, each recorded: NUL bytes removed; a few invalid bytes in otherwise valid UTF-8 replaced by U+FFFD
(their byte offsets named); mojibake undone when the undoing is certain (UTF-8 once read as cp1252 or as
GBK and saved again), else rejected as ``mojibake``.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from functools import cache

# --------------------------------------------------------------------------------------------- errors


class Rejected(Exception):
    """A file that cannot become a document; ``reason`` is one of the rejected-table reasons."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


# ------------------------------------------------------------------------------------------- decoding

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_HTML_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
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
    """Share of characters that are what Chinese documents are made of: ASCII, CJK punctuation, common
    hanzi."""
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
                raise Rejected(
                    "undecodable", f"starts with a {enc} byte-order mark but does not decode: {e}"
                ) from e
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


# ------------------------------------------------------------------------------- repairs of damage

# At most this many invalid byte sequences in otherwise valid UTF-8 are replaced (U+FFFD) and recorded;
# more, and the file is not UTF-8 (detection goes on) or is damaged beyond repair.
MAX_INVALID_UTF8 = 8
# NUL bytes above this share of a file (and above MAX_NUL_COUNT) mean binary data, not text with stray NULs.
MAX_NUL_SHARE = 0.01
MAX_NUL_COUNT = 8  # ... but a few are always stray, even in a short file
# Mojibake: with at least MOJIBAKE_MIN_HAN hanzi, a text whose hanzi are less than MOJIBAKE_COMMON_SHARE
# "common" (GB2312 level 1, the 3,755 most used) is not Chinese as written. Real Simplified text is
# above 0.99, Traditional text about 0.6, UTF-8 misread as GBK about 0.15.
MOJIBAKE_MIN_HAN = 20
MOJIBAKE_COMMON_SHARE = 0.4
MOJIBAKE_SAMPLE = 20_000  # characters judged: mojibake of a whole file shows in its head


@dataclass
class Decoded:
    """A decoded file: its text, the encoding used, and the repairs made (empty when none)."""

    text: str
    encoding: str
    notes: list[str] = field(default_factory=list)


@cache
def _common_han() -> frozenset[str]:
    """The 3,755 hanzi of GB2312 level 1 (rows 0xB0-0xD7), the most used characters."""
    chars = set()
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return frozenset(chars)


def common_han_share(text: str) -> tuple[float, int]:
    """Share of a text's hanzi in GB2312 level 1 (the common ones), and the number of hanzi."""
    han = _CJK.findall(text)
    if not han:
        return 1.0, 0
    common = _common_han()
    return sum(ch in common for ch in han) / len(han), len(han)


def _lenient_utf8(raw: bytes) -> tuple[str, list[int]] | None:
    """UTF-8 with a few invalid sequences replaced by U+FFFD, and their byte offsets; None if too many."""
    parts: list[str] = []
    offsets: list[int] = []
    pos = 0
    while True:
        try:
            parts.append(raw[pos:].decode("utf-8"))
            break
        except UnicodeDecodeError as e:
            if len(offsets) >= MAX_INVALID_UTF8:
                return None
            parts.append(raw[pos : pos + e.start].decode("utf-8"))
            parts.append("\ufffd")
            offsets.append(pos + e.start)
            pos += e.end
    return "".join(parts), offsets


def _ranges(offsets: list[int]) -> str:
    """Byte offsets as runs: ``[5, 6, 7, 90]`` → ``"5-7, 90"``."""
    runs: list[list[int]] = []
    for o in offsets:
        if runs and o == runs[-1][1] + 1:
            runs[-1][1] = o
        else:
            runs.append([o, o])
    return ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in runs)


def _is_mojibake(text: str) -> bool:
    """Chinese mis-decoded and saved again: rare hanzi that, encoded back to GB18030, read as UTF-8 hanzi.

    Both signals are needed: few common hanzi alone is also true of Traditional or classical text, whose
    GB18030 bytes never read as UTF-8.
    """
    head = text[:MOJIBAKE_SAMPLE]
    share, n = common_han_share(head)
    if n < MOJIBAKE_MIN_HAN or share >= MOJIBAKE_COMMON_SHARE:
        return False
    back = head.encode("gb18030", errors="replace").decode("utf-8", errors="replace")
    return len(_CJK.findall(back)) >= 0.3 * n


def _repair_mojibake(text: str) -> tuple[str, str] | None:
    """Undo mojibake when the undoing is certain: ``(repaired text, what it was)``, else None.

    Certain means the reverse step is lossless and strict: the text's characters encode back to bytes
    (cp1252/latin-1 through ``ftfy``, or GBK) that decode as strict UTF-8 to plausible Chinese.
    """
    if not _CJK.search(text):
        import ftfy

        fixed = ftfy.fix_encoding(text)
        lossless = "\ufffd" not in fixed
        if fixed != text and lossless and _CJK.search(fixed) and not _is_mojibake(fixed):
            return fixed, "UTF-8 that was read as Latin-1/cp1252 and saved again"
        return None
    try:
        fixed = text.encode("gb18030").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None
    share, n = common_han_share(fixed)
    if n >= MOJIBAKE_MIN_HAN // 2 and share >= MOJIBAKE_COMMON_SHARE:
        return fixed, "UTF-8 that was read as GBK and saved again"
    return None


def _latin_mojibake(text: str) -> bool:
    """Text with no hanzi that ``ftfy`` judges to be mis-decoded UTF-8 (Ã¥, Ã¦ ... sequences)."""
    if _CJK.search(text) or text.isascii():
        return False
    from ftfy.badness import is_bad

    return bool(is_bad(text))


def decode_text(raw: bytes, declared: str | None = None) -> Decoded:
    """Decode a document's bytes, repairing what can be repaired with certainty and recording it.

    On top of :func:`decode`: stray NUL bytes are removed; up to ``MAX_INVALID_UTF8`` invalid byte
    sequences in otherwise valid UTF-8 Chinese are replaced by U+FFFD, naming their byte offsets;
    mojibake is undone when certain (see :func:`_repair_mojibake`).

    Raises
    ------
    Rejected
        ``binary``, ``undecodable`` (with the offset of the first bad byte), or ``mojibake`` when the
        text is mis-decoded Chinese that cannot be restored.
    """
    notes: list[str] = []
    has_bom = any(raw.startswith(bom) for bom, _ in _BOMS)
    nul_at = raw.find(b"\x00")
    work = raw
    if nul_at >= 0 and not has_bom:
        enc16 = _utf16_without_bom(raw)
        if enc16:
            return Decoded(raw.decode(enc16), enc16)
        n_nul = raw.count(b"\x00")
        if n_nul > max(MAX_NUL_COUNT, MAX_NUL_SHARE * len(raw)):
            raise Rejected("binary", f"{n_nul} NUL bytes ({n_nul / len(raw):.0%} of the file): not text")
        work = raw.replace(b"\x00", b"")
        notes.append(f"removed {n_nul} NUL byte(s), the first at byte offset {nul_at}")
    text: str | None = None
    encoding = ""
    if not has_bom:
        try:
            work.decode("utf-8")
        except UnicodeDecodeError as e:
            lenient = _lenient_utf8(work)
            if lenient is not None:
                candidate, offsets = lenient
                if len(_CJK.findall(candidate)) >= 20 * len(offsets):
                    text, encoding = candidate, "utf-8"
                    where = _ranges(offsets)
                    shift = " (offsets after NUL removal)" if work is not raw else ""
                    notes.append(
                        f"replaced {len(offsets)} invalid UTF-8 byte sequence(s) with U+FFFD at byte "
                        f"offset(s) {where}{shift}"
                    )
            first_bad = e.start
        else:
            first_bad = None
            utf8 = work.decode("utf-8")
            if _latin_mojibake(utf8):
                repaired = _repair_mojibake(utf8)
                if repaired is None:
                    raise Rejected(
                        "mojibake",
                        (
                            "mis-decoded UTF-8 (Ã¥, Ã¦ ... in place of hanzi) that cannot be undone with "
                            "certainty"
                        ),
                    )
                text, encoding = repaired[0], "utf-8"
                notes.append(f"repaired mojibake: {repaired[1]}")
    else:
        first_bad = None
    if text is None:
        try:
            text, encoding = decode(work, declared)
        except Rejected as r:
            if r.reason == "undecodable" and nul_at >= 0:
                raise Rejected(
                    "binary",
                    f"contains NUL bytes (the first at byte offset {nul_at}) and does not decode as text",
                ) from r
            if r.reason == "undecodable" and first_bad is not None:
                raise Rejected(
                    "undecodable",
                    f"{r.detail}; as UTF-8 the first invalid byte is at byte offset {first_bad}",
                ) from r
            raise
    if "\x00" in text:  # a byte-order-marked UTF-16/32 file can hold NUL characters too
        n_nul = text.count("\x00")
        text = text.replace("\x00", "")
        notes.append(f"removed {n_nul} NUL character(s)")
    if encoding != "big5" and _is_mojibake(text):
        repaired = _repair_mojibake(text)
        if repaired is None:
            share, n = common_han_share(text)
            raise Rejected(
                "mojibake",
                f"decodes as {encoding} but only {share:.0%} of its {n} hanzi are common characters: Chinese "
                "mis-decoded and saved again (e.g. UTF-8 read as GBK), bytes lost; find the original file",
            )
        text, what = repaired
        notes.append(f"repaired mojibake: {what}")
    return Decoded(text, encoding, notes)
