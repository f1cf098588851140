"""Planted reuse, the ground truth of the reuse validation and benchmark.

In: a source text, a target text and a random generator. Out: ``plant(source, target, rng)``, the target with
passages of the source inserted after edits, and the planted spans (offsets into the new target, and the
source span each came from).

How: a passage of ``length`` characters is cut from the source at a random sentence-independent offset and
edited as officials edit: a place name inserted (一个地名 from ``PLACES``), a number changed, 全国 written as
我省 (or the reverse), and two clauses (split on ，) swapped. It is inserted into the target at a random
sentence end (after 。), so that the truth is a span of the new target.
"""

from __future__ import annotations

import random
import re

PLACES = ("河南省", "许昌市", "潢川县", "我省", "全市", "本县", "黑龙江省", "东城区")
SWAPS = (("全国", "我省"), ("我省", "全国"), ("国务院", "省政府"), ("各地区", "各县区"))


def edit(passage: str, rng: random.Random) -> str:
    """The passage with an insertion, a substitution and a clause swap (each when possible)."""
    s = passage
    for old, new in SWAPS:
        if old in s:
            s = s.replace(old, new, 1)
            break
    s = re.sub(r"\d+", lambda m: str(int(m.group()) + rng.randint(1, 9)), s, count=1)
    clauses = s.split("，")
    if len(clauses) >= 3:
        x = rng.randrange(len(clauses) - 2)
        clauses[x], clauses[x + 1] = clauses[x + 1], clauses[x]
        s = "，".join(clauses)
    at = rng.randrange(len(s) // 3, 2 * len(s) // 3) if len(s) > 3 else 0
    return s[:at] + rng.choice(PLACES) + s[at:]


def plant(
    source: str, target: str, rng: random.Random, *, n: int = 3, length: tuple[int, int] = (40, 160)
) -> tuple[str, list[tuple[int, int, int, int]]]:
    """Insert ``n`` edited passages of ``source`` into ``target``.

    Returns
    -------
    tuple
        The new target and the planted spans ``(target_start, target_end, source_start, source_end)``.
    """
    seg = len(source) // n  # one passage from each n-th of the source: planted passages never overlap
    cuts = [k * seg + rng.randrange(max(1, seg - length[1])) for k in range(n)]
    ends = [m.end() for m in re.finditer("。", target)] or [len(target)]
    places = sorted(rng.sample(ends, min(n, len(ends))))
    pieces, spans, last, shift = [], [], 0, 0
    for k, at in enumerate(places):
        s0 = cuts[k]
        s1 = s0 + rng.randint(*length)
        text = edit(source[s0:s1], rng)
        pieces.append(target[last:at])
        start = at + shift
        pieces.append(text)
        spans.append((start, start + len(text), s0, s1))
        shift += len(text)
        last = at
    pieces.append(target[last:])
    return "".join(pieces), spans
