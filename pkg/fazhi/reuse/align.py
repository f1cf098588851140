"""Local alignment of two Chinese texts: the passages one restates from the other, tolerant of small edits.

In: two strings. Out: ``align_passages(a, b)``, a polars table of passages (``a_start, a_end, b_start,
b_end, similarity``), character offsets into the given strings.

How (seed and extend, as passim and BLAST do, on characters):

1. Anchors: every ``anchor``-character window (digits folded to one symbol, so that changed numbers still
   match) shared by both texts. A window occurring more than ``max_anchor_occurrences`` times in either
   text is not an anchor (repeats make spurious chains).
2. Chains: anchors sorted by their offset in ``a`` are chained when the next one starts at most
   ``max_gap`` characters later on both sides and the diagonal (``b - a`` offset) moves by at most
   ``max_shift`` characters. The gaps absorb substitutions (我省 for 全国, a changed number) and the drift
   absorbs insertions and deletions (an inserted place name). A reordered clause becomes its own chain.
3. Passages: a chain's extent on both sides, kept when both sides are at least ``min_chars`` characters
   long and their normalised Indel similarity (``rapidfuzz.fuzz.ratio`` / 100) is at least
   ``min_similarity``, and at least three quarters of ``min_chars`` of its characters are in chains.
   Passages are one-to-one: a character of ``a`` or of ``b`` is in at most one passage (the chain with more
   anchors wins; ties by position).

The anchors of a pair are matched with numpy (``anchor_index``: windows sorted by hash; ``searchsorted``), an
index computed once per text.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from rapidfuzz import fuzz

PASSAGE_SCHEMA = {
    "a_start": pl.Int64,
    "a_end": pl.Int64,
    "b_start": pl.Int64,
    "b_end": pl.Int64,
    "similarity": pl.Float64,
}


@dataclass(frozen=True)
class AlignSettings:
    """The settings of ``align_passages`` (documented defaults, none tuned to a corpus)."""

    min_chars: int = 20  #: a passage is at least this many characters on both sides
    anchor: int = 6  #: characters of a shared window that seeds a chain
    max_gap: int = 24  #: at most this many characters between consecutive anchors of a chain
    max_shift: int = 10  #: at most this many characters inserted or deleted between consecutive anchors
    min_similarity: float = 0.5  #: normalised Indel similarity of the two sides
    max_anchor_occurrences: int = 8  #: windows repeated more often in one text are not anchors


def anchor_index(text: str, *, anchor: int = 6) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``anchor``-character windows of ``text`` (digits folded, hashed), sorted by hash, then position:
    arrays ``h`` (64-bit hash), ``i`` (where the window starts) and ``n`` (how often the window occurs in
    ``text``)."""
    from .candidates import kgram_hashes

    h = kgram_hashes(text, anchor)
    order = np.argsort(h, kind="stable")
    h = h[order]
    first = np.flatnonzero(np.concatenate([[True], h[1:] != h[:-1]])) if h.size else np.zeros(0, np.int64)
    runs = np.diff(np.append(first, h.size))
    return h, order.astype(np.int64), np.repeat(runs, runs)


def _join(
    index_a: tuple[np.ndarray, np.ndarray, np.ndarray],
    index_b: tuple[np.ndarray, np.ndarray, np.ndarray],
    cap: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Positions ``(i_a, i_b)`` of every pair of equal windows, each at most ``cap`` times in its text."""
    ha, ia, na = index_a
    hb, ib, nb = index_b
    ka, kb = na <= cap, nb <= cap
    ha, ia, hb, ib = ha[ka], ia[ka], hb[kb], ib[kb]
    lo = np.searchsorted(hb, ha, side="left")
    hit = np.flatnonzero(hb[np.minimum(lo, max(0, hb.size - 1))] == ha) if hb.size else lo[:0]
    ha, ia, lo = ha[hit], ia[hit], lo[hit]  # windows of a found in b
    cnt = np.searchsorted(hb, ha, side="right") - lo
    which = np.repeat(np.arange(ha.size, dtype=np.int64), cnt)
    offset = np.arange(which.size, dtype=np.int64) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    return ia[which], ib[lo[which] + offset]


def _segments(i: np.ndarray, j: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Runs of anchors on one diagonal at consecutive offsets: (i_first, i_last, j_first, j_last), by i."""
    d = j - i
    order = np.lexsort((i, d))
    i, j, d = i[order], j[order], d[order]
    new = np.ones(len(i), dtype=bool)
    new[1:] = (d[1:] != d[:-1]) | (i[1:] != i[:-1] + 1)
    first = np.flatnonzero(new)
    last = np.append(first[1:], len(i)) - 1
    segs = sorted(zip(i[first].tolist(), i[last].tolist(), j[first].tolist(), j[last].tolist()))
    return segs


def _chains(segs: list[tuple[int, int, int, int]], s: AlignSettings) -> list[tuple[int, int, int, int, int]]:
    """Chain segments (sorted by a) into (a0, a_last, b0, b_last, n_anchors)."""
    open_: list[list[int]] = []  # a0, b0, a_last, b_last, n
    done: list[tuple[int, int, int, int, int]] = []
    for i0, i1, j0, j1 in segs:
        still = []
        best = None
        best_d = s.max_shift + 1
        for c in open_:
            if i0 - c[2] > s.max_gap:
                done.append((c[0], c[2], c[1], c[3], c[4]))
                continue
            still.append(c)
            if i0 > c[2] and 0 < j0 - c[3] <= s.max_gap + s.max_shift:
                dd = abs((j0 - i0) - (c[3] - c[2]))
                if dd < best_d:
                    best, best_d = c, dd
        open_ = still
        n = i1 - i0 + 1
        if best is not None:
            best[2], best[3], best[4] = i1, j1, best[4] + n
        else:
            open_.append([i0, j0, i1, j1, n])
    done.extend((c[0], c[2], c[1], c[3], c[4]) for c in open_)
    return done


def _merge(
    boxes: list[tuple[int, int, int, int, int]], gap: int
) -> list[tuple[int, int, int, int, int, int]]:
    """Merge chains within ``gap`` characters of each other on both sides (reordered clauses of one passage):
    (a_start, a_end, b_start, b_end, n_anchors, characters of a inside the chains)."""
    boxes = sorted(boxes)
    parent = list(range(len(boxes)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    active: list[int] = []
    for q, (a0, a1, b0, b1, _) in enumerate(boxes):
        active = [p for p in active if boxes[p][1] + gap >= a0]
        for p in active:
            if boxes[p][2] - gap <= b1 and b0 <= boxes[p][3] + gap:
                parent[find(q)] = find(p)
        active.append(q)
    groups: dict[int, list[int]] = {}
    for q in range(len(boxes)):
        groups.setdefault(find(q), []).append(q)
    out = []
    for members in groups.values():
        if len(members) == 1:
            a0, a1, b0, b1, n = boxes[members[0]]
            out.append((a0, a1, b0, b1, n, a1 - a0))
            continue
        bs = [boxes[q] for q in members]
        out.append((
            min(b[0] for b in bs), max(b[1] for b in bs), min(b[2] for b in bs), max(b[3] for b in bs),
            sum(b[4] for b in bs), sum(b[1] - b[0] for b in bs),
        ))  # fmt: skip
    return out


def align_indexed(
    a: str,
    b: str,
    index_a: tuple[np.ndarray, np.ndarray, np.ndarray],
    index_b: tuple[np.ndarray, np.ndarray, np.ndarray],
    *,
    settings: AlignSettings = AlignSettings(),
) -> list[tuple[int, int, int, int, float]]:
    """``align_passages`` on a precomputed ``anchor_index`` of each text:
    ``(a_start, a_end, b_start, b_end, similarity)`` rows."""
    s = settings
    cap = s.max_anchor_occurrences
    ia, ib = _join(index_a, index_b, cap)
    if ia.size == 0:
        return []
    segs = _segments(ia, ib)
    k = s.anchor
    # a lone anchor (one window, no neighbour on its diagonal) is noise unless it merges; 2+ anchors kept
    boxes = [(a0, a1 + k, b0, b1 + k, n) for a0, a1, b0, b1, n in _chains(segs, s) if n >= 2]
    found = []
    for a0, a_end, b0, b_end, n, matched in _merge(boxes, s.max_gap):
        if a_end - a0 < s.min_chars or b_end - b0 < s.min_chars or matched < 0.75 * s.min_chars:
            continue
        found.append((-n, a0, a_end, b0, b_end))
    found.sort()
    taken_a: list[tuple[int, int]] = []
    taken_b: list[tuple[int, int]] = []
    out = []
    for _, a0, a_end, b0, b_end in found:
        if any(x < a_end and a0 < y for x, y in taken_a) or any(x < b_end and b0 < y for x, y in taken_b):
            continue
        sim = fuzz.ratio(a[a0:a_end], b[b0:b_end]) / 100.0
        if sim < s.min_similarity:
            continue
        taken_a.append((a0, a_end))
        taken_b.append((b0, b_end))
        out.append((a0, a_end, b0, b_end, round(sim, 6)))
    out.sort()
    return out


def align_passages(
    a: str,
    b: str,
    *,
    min_chars: int = 20,
    anchor: int = 6,
    max_gap: int = 24,
    max_shift: int = 10,
    min_similarity: float = 0.5,
    max_anchor_occurrences: int = 8,
) -> pl.DataFrame:
    """The passages ``a`` and ``b`` share, found by local alignment on characters (see the module docstring).

    Parameters
    ----------
    a, b
        The two texts.
    min_chars
        A passage is at least this many characters long on both sides (default 20).
    anchor, max_gap, max_shift, min_similarity, max_anchor_occurrences
        See ``AlignSettings``.

    Returns
    -------
    polars.DataFrame
        One row per passage, in order of ``a_start``: ``a_start, a_end, b_start, b_end`` (character offsets
        into ``a`` and ``b``, end exclusive) and ``similarity`` (normalised Indel similarity, 0–1).
    """
    s = AlignSettings(min_chars, anchor, max_gap, max_shift, min_similarity, max_anchor_occurrences)
    if min_chars < anchor:
        raise ValueError(f"min_chars ({min_chars}) must be at least anchor ({anchor})")
    rows = align_indexed(a, b, anchor_index(a, anchor=anchor), anchor_index(b, anchor=anchor), settings=s)
    return pl.DataFrame(rows, schema=PASSAGE_SCHEMA, orient="row")
