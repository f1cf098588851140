"""A synthetic corpus for benchmarks: seed sections repeated and shuffled into many documents.

In: the seed documents (``seeds/`` via ``fazhi.read_corpus``). Out: ``synthetic_corpus(target_chars,
seed)``, a list of document texts totalling at least ``target_chars`` characters, built by cutting every
seed into its top-level sections (with ``fazhi.segment_text`` when available, else a simple heading
split) and reassembling shuffled sections behind a seed preamble. Deterministic for a given ``seed``.

The texts keep the seeds' real vocabulary, heading styles and section lengths, so throughput measured on
them is representative of real documents, while the corpus can be made as large as a benchmark needs.
"""

from __future__ import annotations

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
    except Exception:  # the segmenter is missing or broken: benchmarks of other stages must still run
        starts = [0] + [m.start() for m in _TOP.finditer(text)]
        levels = [0] + [1] * (len(starts) - 1)
    starts.append(len(text))
    pieces = [text[a:b] for a, b in zip(starts, starts[1:]) if b > a]
    if levels and levels[0] == 0 and len(pieces) > 1:
        return pieces[0], pieces[1:]
    return "", pieces


@lru_cache(maxsize=1)
def _seed_pieces() -> tuple[tuple[str, ...], tuple[str, ...]]:
    from fazhi import read_corpus

    docs = read_corpus(ROOT / "seeds").documents
    preambles: list[str] = []
    sections: list[str] = []
    for text in docs["text"].to_list():
        pre, secs = _split_top(text)
        if pre.strip():
            preambles.append(pre)
        sections.extend(s for s in secs if s.strip())
    if not sections:  # degenerate corpus: use whole documents
        sections = list(docs["text"].to_list())
    return tuple(preambles or [""]), tuple(sections)


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


if __name__ == "__main__":
    corpus = synthetic_corpus(1_000_000)
    print(f"{len(corpus)} documents, {sum(map(len, corpus)):,} characters")
