"""Candidate document pairs for alignment: character shingles, MinHash and LSH (datasketch), not all pairs.

In: the documents' texts. Out: ``candidate_pairs(texts)``, the sorted pairs ``(i, j)``, ``i < j``, of
documents that share at least one similar chunk; ``kgram_hashes(text)``, hashed character k-grams (for
formulae).

How: each text is cut into chunks (sentences split on 。！？；and line breaks, merged until at least
``chunk_chars`` characters). A chunk's shingles are its character ``shingle``-grams (digits folded), hashed
with a deterministic polynomial hash (numpy, no Python ``hash``); its MinHash signature has ``num_perm``
values from multiply-shift hashing with a fixed seed. The chunks' MinHashes go into a
``datasketch.MinHashLSH`` index (its bands and rows chosen by datasketch for the Jaccard threshold
``threshold``); two documents are candidates when a chunk of one is returned by the index's query for a chunk
of the other. A chunk whose neighbours lie in more than ``max_bucket_docs`` documents is a slogan shared by
everyone and yields no pairs (passim's cap on frequent n-grams). The cost is linear in the corpus size plus
the number of neighbours: the signatures are computed with numpy for all chunks of a document at once, and
only chunks that share a band with another chunk (found with a numpy sort of the bands) are inserted into
and queried from the index, identical signatures once; the others could only find themselves.

Change of 2026-12-02: until then the bands were bucketed by this module (polars group-by on the same bands and
rows) and the cap applied per bucket; the index is now datasketch's and the cap applies per chunk (to the
union of its buckets), so a chunk that shares one band with a slogan no longer loses its other bands' pairs,
and ``hits`` counts neighbouring chunk pairs instead of bucket collisions. The signatures are unchanged.
Measured: identical candidate pairs on the 250-document benchmark corpus (1,296 of 1,296); on the government
work reports 12,813 passages instead of 12,727, and 176 of the 610 (document, source) pairs differ (peers are
ranked by ``hits``). Since the band-sharing filter, the deduplication and the vectorised signatures (same
day), ``candidate_pairs`` takes about a fifth of the time of inserting and querying every chunk, with the
same pairs and hits (benchmarks/README.md; tests/test_reuse.py compares it with that straightforward use).
"""

from __future__ import annotations

import re

import numpy as np
from datasketch import LeanMinHash, MinHashLSH

_SPLIT = re.compile(r"[。！？；\n]+")
_MASK32 = np.uint64(0xFFFFFFFF)
_BLOCK = 16_384  # shingles hashed at once by ``signatures`` (memory: 64 values of 8 bytes each)


def codepoints(text: str) -> np.ndarray:
    """The text's code points as uint64, digits folded to 0 (changed numbers still match)."""
    cp = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    digit = ((cp >= 48) & (cp <= 57)) | ((cp >= 0xFF10) & (cp <= 0xFF19))
    cp[digit] = 48
    return cp


def kgram_hashes(text: str, k: int) -> np.ndarray:
    """A 64-bit polynomial hash of every ``k``-character window of ``text`` (length ``len(text) - k + 1``)."""
    cp = codepoints(text)
    n = len(cp) - k + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint64)
    h = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for t in range(k):
            h = h * np.uint64(1_000_003) + cp[t : t + n]
    return h


def chunks(text: str, *, chunk_chars: int = 30) -> list[tuple[int, int]]:
    """Sentence chunks ``(start, end)`` of ``text``, merged until each is at least ``chunk_chars`` long."""
    spans, start = [], 0
    for m in _SPLIT.finditer(text):
        if m.end() - start >= chunk_chars:
            spans.append((start, m.end()))
            start = m.end()
    if len(text) - start > 0:
        if spans and len(text) - start < chunk_chars:
            spans[-1] = (spans[-1][0], len(text))
        else:
            spans.append((start, len(text)))
    return spans


def _perms(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 2**63, size=num_perm, dtype=np.uint64) | np.uint64(1)
    b = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)
    return a, b


def signatures(
    text: str, spans: list[tuple[int, int]], *, shingle: int, perms: tuple[np.ndarray, np.ndarray]
) -> np.ndarray:
    """MinHash signatures of the chunks' shingles: one row per chunk, uint32 (the high half of a
    multiply-shift hash, min per chunk). A chunk shorter than ``shingle`` has the all-ones signature.
    Computed for many chunks at once (``np.minimum.reduceat``), in blocks of about ``_BLOCK`` shingles."""
    a, b = perms
    h = kgram_hashes(text, shingle)
    out = np.full((len(spans), len(a)), 0xFFFFFFFF, dtype=np.uint64)
    first = np.array([s for s, _ in spans], dtype=np.int64)
    stop = np.maximum(first, np.array([e for _, e in spans], dtype=np.int64) - shingle + 1)
    rows = np.flatnonzero(stop > first)  # chunks with at least one shingle
    lens = stop[rows] - first[rows]
    ends = np.cumsum(lens)
    lo = 0
    while lo < rows.size:
        # a block of chunks with about _BLOCK shingles in all (at least one chunk)
        hi = max(lo + 1, int(np.searchsorted(ends, (ends[lo - 1] if lo else 0) + _BLOCK, side="right")))
        r, n = rows[lo:hi], lens[lo:hi]
        offsets = np.cumsum(n) - n
        pos = np.repeat(first[r] - offsets, n) + np.arange(int(n.sum()), dtype=np.int64)
        with np.errstate(over="ignore"):
            mh = np.multiply(h[pos][:, None], a[None, :])
            mh += b[None, :]
        # the high half is monotone in the value: the min of the high halves is the high half of the min
        out[r] = np.minimum.reduceat(mh, offsets, axis=0) >> np.uint64(32)
        lo = hi
    return (out & _MASK32).astype(np.uint32)


def _band_shared(sig: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """Per row of ``sig``: whether any of its ``bands`` bands of ``rows`` values (the index's bands) equals
    the same band of another row, i.e. whether the LSH index can return anything for it but itself."""
    shared = np.zeros(len(sig), dtype=bool)
    if len(sig) < 2:
        return shared
    wide = sig.astype(np.uint64)
    for i in range(bands):
        cols = [wide[:, c] for c in range(i * rows, (i + 1) * rows)]
        # pairs of 32-bit values packed into one 64-bit sort key each
        keys = [
            (cols[c] << np.uint64(32)) | (cols[c + 1] if c + 1 < len(cols) else np.uint64(0))
            for c in range(0, len(cols), 2)
        ]
        order = np.lexsort(keys[::-1])
        same = np.ones(len(sig) - 1, dtype=bool)  # sorted row equals the next one
        for key in keys:
            k = key[order]
            same &= k[1:] == k[:-1]
        hit = np.zeros(len(sig), dtype=bool)
        hit[1:] |= same
        hit[:-1] |= same
        shared[order[hit]] = True
    return shared


def _expand(groups: np.ndarray, start: np.ndarray, size: np.ndarray, order: np.ndarray) -> tuple:
    """For each entry ``g`` of ``groups``, the members ``order[start[g] : start[g] + size[g]]``: (entry index,
    member) arrays."""
    n = size[groups]
    which = np.repeat(np.arange(len(groups), dtype=np.int64), n)
    offset = np.arange(which.size, dtype=np.int64) - np.repeat(np.cumsum(n) - n, n)
    return which, order[start[groups][which] + offset]


def candidate_pairs(
    texts: list[str],
    *,
    chunk_chars: int = 30,
    shingle: int = 4,
    num_perm: int = 64,
    threshold: float = 0.3,
    max_bucket_docs: int = 50,
    seed: int = 1,
) -> list[tuple[int, int, int]]:
    """Pairs of documents ``(i, j, hits)`` (indices into ``texts``, ``i < j``, sorted) with at least one
    similar chunk; ``hits`` counts the pairs of their chunks that are LSH neighbours (more: more shared text).

    Every chunk's MinHash (``datasketch.LeanMinHash`` holding this module's seeded signature) goes into a
    ``datasketch.MinHashLSH`` index, whose bands and rows are datasketch's choice for ``threshold`` and
    ``num_perm``; each chunk is then queried. A chunk whose neighbours lie in more than ``max_bucket_docs``
    documents is a slogan shared by everyone and yields no pairs (passim's cap on frequent n-grams, applied
    to a chunk's neighbours, i.e. the union of its buckets). Chunks of the same document are not paired.
    Same inputs and seed, same pairs.

    The result is that of inserting and querying every chunk one by one (tests/test_reuse.py holds that
    reference), computed with less work: a chunk none of whose bands equals the same band of another chunk
    can only find itself, so it is neither inserted nor queried; chunks with identical signatures are
    inserted and queried once (identical signature, identical query result) and expanded to their chunks
    afterwards with numpy.
    """
    perms = _perms(num_perm, seed)
    sigs, owners = [], []
    for d, text in enumerate(texts):
        spans = chunks(text, chunk_chars=chunk_chars)
        if spans:
            sigs.append(signatures(text, spans, shingle=shingle, perms=perms))
            owners.append(np.full(len(spans), d, dtype=np.int64))
    if not sigs:
        return []
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    sig_all = np.concatenate(sigs)
    keep = _band_shared(sig_all, lsh.b, lsh.r)
    doc = np.concatenate(owners)[keep]
    if not doc.size:
        return []
    # distinct signatures: uniq[u] is inserted under key u, its chunks are order[start[u]:start[u] + size[u]]
    uniq, inv = np.unique(sig_all[keep], axis=0, return_inverse=True)
    inv = inv.ravel()
    order = np.argsort(inv, kind="stable")
    size = np.bincount(inv, minlength=len(uniq))
    start = np.cumsum(size) - size
    hashes = [LeanMinHash(seed=seed, hashvalues=row, scheme="affine32") for row in uniq.astype(np.uint64)]
    with lsh.insertion_session() as session:
        for u, m in enumerate(hashes):
            session.insert(u, m, check_duplication=False)
    found = [np.fromiter(lsh.query(m), dtype=np.int64) for m in hashes]
    qu = np.repeat(np.arange(len(uniq), dtype=np.int64), [len(f) for f in found])  # query signature
    which, near = _expand(np.concatenate(found), start, size, order)  # (query, neighbouring chunk)
    qu = qu[which]
    # a chunk is a slogan when its neighbours lie in more than max_bucket_docs documents other than its own
    # (its own document is always among them: a signature finds itself); alike for a signature's chunks
    ud = np.unique(np.stack([qu, doc[near]], axis=1), axis=0)
    slogan = np.bincount(ud[:, 0], minlength=len(uniq)) - 1 > max_bucket_docs
    live = ~slogan[qu]
    qu, near = qu[live], near[live]
    which, k = _expand(qu, start, size, order)  # (neighbouring chunk, querying chunk)
    o = near[which]
    ok = (k < o) & (doc[k] != doc[o]) & ~slogan[inv[o]]
    k, o = k[ok], o[ok]
    i, j = np.minimum(doc[k], doc[o]), np.maximum(doc[k], doc[o])
    key, hits = np.unique(i * len(texts) + j, return_counts=True)
    return [(int(x // len(texts)), int(x % len(texts)), int(n)) for x, n in zip(key, hits)]
