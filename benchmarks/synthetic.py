"""A synthetic corpus for benchmarks: seed sections repeated and shuffled into many documents.

In: the seed documents (``seeds/`` via ``fazhi.read_corpus``). Out: ``synthetic_corpus(target_chars,
seed)``, a list of document texts totalling at least ``target_chars`` characters, built by cutting every
seed into its top-level sections (with ``fazhi.segment_text`` when available, else a simple heading
split) and reassembling shuffled sections behind a seed preamble. Deterministic for a given ``seed``.

The texts keep the seeds' real vocabulary, heading styles and section lengths, so throughput measured on
them is representative of real documents, while the corpus can be made as large as a benchmark needs.

``mixed_corpus(target_bytes, seed)`` is the corpus of the end-to-end benchmark: both genres, the seeds'
rule-of-law reports and the government work reports of ``tests/data/corpora/gov-work-reports``. Each
document is one genre: the preamble of a document of that genre, then 4–12 top-level sections of that
genre. Sections are dealt from shuffled decks (a new shuffle when a deck runs out), and a document's genre
is drawn in proportion to the genre's size, with a floor of ``min_share`` (10 %) of the documents for the
small one, so each section of the work reports is used about equally often (``target_bytes`` / 6.9 MB
times) and each of the seeds' 22 sections in under 4 % of the documents, instead of the seeds' sections
alone recurring in every tenth document. That keeps the genuine text genuine: a sentence is flagged as
boilerplate when it recurs in 10 % of the documents.
"""

from __future__ import annotations

import itertools
import random
import re
import sys
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "pkg") not in sys.path:
    sys.path.insert(0, str(ROOT / "pkg"))

# Fallback split before (or without) the segmenter: a line or clause opening with 一、 … 十九、.
_TOP = re.compile(r"(?:(?<=\n)|(?<=[。：:；;]))\s*(?=[一二三四五六七八九十]{1,3}[、，,])")


def _split_top(text: str) -> tuple[str, list[str]]:
    """Cut a text into (preamble, top-level sections)."""
    try:
        from fazhi.segment import segment_text

        rows = segment_text(text)
        tops = rows.filter(rows["level"] <= 1)
        starts = [int(s) for s in tops["start"].to_list()]
        levels = tops["level"].to_list()
    except Exception:  # noqa: BLE001 - the segmenter is missing or broken: benchmarks of other stages must still run
        starts = [0] + [m.start() for m in _TOP.finditer(text)]
        levels = [0] + [1] * (len(starts) - 1)
    starts.append(len(text))
    pieces = [text[a:b] for a, b in itertools.pairwise(starts) if b > a]
    if levels and levels[0] == 0 and len(pieces) > 1:
        return pieces[0], pieces[1:]
    return "", pieces


@lru_cache(maxsize=1)
def _seed_pieces() -> tuple[tuple[str, ...], tuple[str, ...]]:
    from fazhi import read_corpus

    return _pieces(read_corpus(ROOT / "seeds").documents["text"].to_list())


def _pieces(texts: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(preambles, top-level sections) of ``texts``; whole texts as sections when none has a section."""
    preambles: list[str] = []
    sections: list[str] = []
    for text in texts:
        pre, secs = _split_top(text)
        if pre.strip():
            preambles.append(pre)
        sections.extend(s for s in secs if s.strip())
    return tuple(preambles or [""]), tuple(sections or texts)


def synthetic_corpus(target_chars: int = 10_000_000, seed: int = 0) -> list[str]:
    """Documents built by repeating and shuffling the seeds' sections, totalling ≥ ``target_chars``.

    Parameters
    ----------
    target_chars
        Minimum total number of characters over all documents.
    seed
        Random seed: the same seed gives the same corpus.

    Returns
    -------
    list of str
        Document texts, each a seed preamble followed by 4–12 top-level sections drawn from all seeds.
    """
    preambles, sections = _seed_pieces()
    rng = random.Random(seed)
    docs: list[str] = []
    total = 0
    while total < target_chars:
        k = rng.randint(4, 12)
        parts = [rng.choice(preambles)] + [rng.choice(sections) for _ in range(k)]
        doc = "".join(p if p.endswith("\n") else p + "\n" for p in parts)
        docs.append(doc)
        total += len(doc)
    return docs


GOV = ROOT / "tests" / "data" / "corpora" / "gov-work-reports"


@lru_cache(maxsize=4)
def _genre_pieces(folder: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(preambles, top-level sections) of every document of a corpus folder (``fazhi.read_corpus``)."""
    import warnings

    from fazhi import read_corpus

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # script conversions and sidecar remarks of the real corpora
        docs = read_corpus(folder).documents
    return _pieces(docs["text"].to_list())


def mixed_corpus(
    target_bytes: int = 10 * 2**20,
    seed: int = 0,
    *,
    folders: tuple[Path, ...] = (ROOT / "seeds", GOV),
    min_share: float = 0.1,
) -> list[str]:
    """Documents of both genres (the seeds and the government work reports) totalling ≥ ``target_bytes``
    of UTF-8, each section of the sources used about equally often (see the module docstring).

    Deterministic for a given ``seed``.
    """
    rng = random.Random(seed)
    genres = [_genre_pieces(f) for f in folders]
    sizes = [sum(len(s.encode()) for s in secs) for _, secs in genres]
    weights = [max(n / sum(sizes), min_share) for n in sizes]
    decks: list[list[str]] = [[] for _ in genres]
    docs: list[str] = []
    total = 0
    while total < target_bytes:
        g = rng.choices(range(len(genres)), weights=weights)[0]
        preambles, sections = genres[g]
        parts = [rng.choice(preambles)]
        for _ in range(rng.randint(4, 12)):
            if not decks[g]:
                decks[g] = list(sections)
                rng.shuffle(decks[g])
            parts.append(decks[g].pop())
        doc = "".join(p if p.endswith("\n") else p + "\n" for p in parts)
        docs.append(doc)
        total += len(doc.encode())
    return docs


if __name__ == "__main__":
    corpus = synthetic_corpus(1_000_000)
    print(f"{len(corpus)} documents, {sum(map(len, corpus)):,} characters")
