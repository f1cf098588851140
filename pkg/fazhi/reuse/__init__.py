"""Text reuse across levels of government: which passages a document restates from higher levels and peers.

In: ``documents``, ``sections`` and ``theme_sections`` of the build. Out: ``reuse_passages`` (aligned
passages, both sides, section path and theme), ``reuse_share`` (per document, the share of its characters
restating each relation of sources, overall, per section and per theme, by kind), ``reuse_formulae`` (phrases
of the day, reported apart) and ``reuse_settings``; columns documented in ``fazhi.schema``.

How:

1. Formulae (passim's cap): character ``formula_ngram``-grams found in more than ``formula_max_share`` of the
   jurisdictions (regions; central documents count as one) are slogans of the day; their maximal runs are
   listed in ``reuse_formulae``.
2. Candidates: MinHash-LSH over sentence chunks (``fazhi.reuse.candidates``), never all pairs.
3. Relations (``fazhi.reuse.shares.relation``): a candidate pair is aligned only when one document is in the
   other's hierarchy (higher level of its own branch, earlier or same year), a peer of the same year at the
   same level (the ``max_peers`` sharing most LSH buckets), or the same jurisdiction's latest earlier
   document. Of the higher and own-earlier sources of a document, only the latest of each (relation, level,
   region, doc_type) is kept (``latest_only``): a provincial report of 2026 is compared with the national
   report of 2025 (higher_earlier) and, separately, with that of 2026 (higher_same_year: the order within a
   year is not known from years).
4. Alignment (``fazhi.reuse.align``); a passage is ``formula`` when at least ``formula_cover`` of it is
   formula k-grams, ``verbatim`` at similarity ≥ ``verbatim_similarity``, else ``paraphrase``.
5. Shares: characters covered by the union of a kind's passages, per document, section and theme.

A corpus with fewer than two documents, or no pair of related documents, gives empty tables and a note.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from ..schema import empty, validate
from .align import AlignSettings, align_indexed, align_passages, anchor_index
from .candidates import candidate_pairs, kgram_hashes
from .shares import RELATIONS, covered, formula_hashes, relation

STAGE = "reuse"
TABLE_NAMES = ("reuse_passages", "reuse_share", "reuse_formulae", "reuse_settings")
KINDS = ("verbatim", "paraphrase", "formula")


@dataclass(frozen=True)
class ReuseSettings:
    """Everything that changes the reuse stage's results. Override with ``BuildSettings.reuse`` (``[reuse]``
    of a settings file)."""

    min_chars: int = 20  #: a passage is at least this many characters on both sides
    anchor: int = 6  #: alignment anchor length (characters)
    max_gap: int = 24  #: characters between consecutive anchors of a passage
    max_shift: int = 10  #: characters inserted or deleted between consecutive anchors
    min_similarity: float = 0.5  #: normalised Indel similarity of a passage's two sides
    verbatim_similarity: float = 0.9  #: a passage at least this similar is verbatim, else paraphrase
    chunk_chars: int = 30  #: LSH chunks: sentences merged to at least this many characters
    shingle: int = 4  #: characters per shingle of a chunk
    num_perm: int = 64  #: MinHash permutations
    lsh_threshold: float = 0.3  #: Jaccard threshold of the LSH index
    max_bucket_docs: int = 50  #: an LSH bucket with chunks of more documents yields no pairs
    seed: int = 1  #: MinHash seed
    formula_ngram: int = 8  #: characters of a formula k-gram
    formula_max_share: float = 0.5  #: k-grams in more than this share of jurisdictions are formulae
    formula_min_jurisdictions: int = 3  #: ... and in at least this many
    formula_cover: float = 0.5  #: a passage with at least this share of formula characters is a formula
    latest_only: bool = True  #: keep only the latest higher / own earlier source of each kind
    max_peers: int = 5  #: peers compared per document: those sharing most LSH buckets (0: none)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any] | None) -> ReuseSettings:
        """Defaults overridden by ``values`` (unknown keys raise)."""
        values = dict(values or {})
        unknown = sorted(set(values) - {f.name for f in fields(cls)})
        if unknown:
            raise ValueError(f"unknown reuse settings: {unknown}")
        return replace(cls(), **values)

    @property
    def align(self) -> AlignSettings:
        return AlignSettings(
            self.min_chars, self.anchor, self.max_gap, self.max_shift, self.min_similarity, 8
        )

    def as_table(self) -> pl.DataFrame:
        rows = [(k, str(v)) for k, v in asdict(self).items()]
        return validate(
            "reuse_settings", pl.DataFrame(rows, schema={"key": pl.String, "value": pl.String}, orient="row")
        )


def _empty(s: ReuseSettings) -> dict[str, pl.DataFrame]:
    out = {name: empty(name) for name in TABLE_NAMES}
    out["reuse_settings"] = s.as_table()
    return out


def _jur(row: dict) -> str:
    """The jurisdiction: a department's issuer, else the region, else the level (central documents)."""
    if (row["level"] or "").endswith("_dept") and row.get("issuer"):
        return row["issuer"]
    return row["region"] or row["level"] or "?"


def _formula_runs(text: str, hashes: np.ndarray, formula: np.ndarray, k: int) -> list[tuple[int, int]]:
    """Maximal runs of characters covered by formula k-grams (``formula`` sorted: ``formula_hashes``)."""
    if not formula.size or not hashes.size:
        return []
    at = np.minimum(np.searchsorted(formula, hashes), formula.size - 1)
    idx = np.flatnonzero(formula[at] == hashes)
    size = len(text) + 1
    mark = np.bincount(idx, minlength=size) - np.bincount(idx + k, minlength=size)
    cover = (np.cumsum(mark)[: len(text)] > 0).astype(np.int8)
    edge = np.diff(np.concatenate([[0], cover, [0]]))
    return list(zip(np.flatnonzero(edge == 1).tolist(), np.flatnonzero(edge == -1).tolist()))


def _sections(sections: pl.DataFrame | None, theme_sections: pl.DataFrame | None) -> dict[str, tuple]:
    """Per document: section starts (sorted), ends, paths and themes."""
    if sections is None or sections.height == 0:
        return {}
    sec = sections.select("doc_id", "section_id", "start", "end", "path")
    if theme_sections is not None and theme_sections.height:
        th = (
            theme_sections.filter(pl.col("classified"))
            .group_by("doc_id", "section_id")
            .agg(pl.col("theme").min())
        )
        sec = sec.join(th, on=["doc_id", "section_id"], how="left")
    else:
        sec = sec.with_columns(theme=pl.lit(None, pl.String))
    out = {}
    for (doc,), g in sec.sort("doc_id", "start").group_by("doc_id", maintain_order=True):
        out[doc] = (np.array(g["start"]), np.array(g["end"]), g["path"].to_list(), g["theme"].to_list())
    return out


def _locate(secs: tuple | None, pos: int) -> tuple[str | None, str | None]:
    if secs is None:
        return None, None
    i = int(np.searchsorted(secs[0], pos, side="right")) - 1
    if i < 0:
        return None, None
    return secs[2][i], secs[3][i]


def run_reuse(
    documents: pl.DataFrame,
    *,
    sections: pl.DataFrame | None = None,
    theme_sections: pl.DataFrame | None = None,
    settings: ReuseSettings = ReuseSettings(),
    note: Any = None,
) -> dict[str, pl.DataFrame]:
    """The reuse tables of a corpus (see the module docstring); ``note(message)`` records why one is empty."""
    s = settings
    say = note or (lambda m: None)
    docs = documents.select(
        "doc_id", "level", "region", "issuer", "doc_type", "period_start", "period_end", "text"
    ).sort("doc_id")
    if docs.height < 2:
        say(f"{docs.height} document(s): text reuse needs at least two")
        return _empty(s)
    rows = docs.with_columns(pl.col("period_end").fill_null(pl.col("period_start"))).to_dicts()
    for r in rows:
        r["jur"] = _jur(r)
    texts = [r["text"] or "" for r in rows]

    # 1. formulae
    hashes = [kgram_hashes(t, s.formula_ngram) for t in texts]
    by_jur: dict[str, list[np.ndarray]] = defaultdict(list)
    for r, h in zip(rows, hashes):
        by_jur[r["jur"]].append(h)
    formula = formula_hashes(
        by_jur, max_share=s.formula_max_share, min_jurisdictions=s.formula_min_jurisdictions
    )
    runs = [_formula_runs(t, h, formula, s.formula_ngram) for t, h in zip(texts, hashes)]
    del hashes, by_jur  # every character's k-gram hash: not needed again
    fcount: dict[str, list] = {}
    for r, t, rr in zip(rows, texts, runs):
        for a, b in rr:
            e = fcount.setdefault(t[a:b], [set(), set(), r["doc_id"]])
            e[0].add(r["doc_id"])
            e[1].add(r["jur"])
    formulae = pl.DataFrame(
        [(txt, len(txt), len(e[0]), len(e[1]), e[2]) for txt, e in fcount.items()],
        schema=empty("reuse_formulae").schema,
        orient="row",
    ).sort("n_jurisdictions", "n_chars", "text", descending=[True, True, False])
    fmask = []
    for t, rr in zip(texts, runs):
        m = np.zeros(len(t) + 1, dtype=np.int64)
        for a, b in rr:
            m[a:b] = 1
        fmask.append(np.concatenate([[0], np.cumsum(m)]))  # prefix sums: formula chars in [a, b)

    # 2–3. candidates and relations
    pairs = candidate_pairs(
        texts, chunk_chars=s.chunk_chars, shingle=s.shingle, num_perm=s.num_perm,
        threshold=s.lsh_threshold, max_bucket_docs=s.max_bucket_docs, seed=s.seed,
    )  # fmt: skip
    sources: dict[int, list[tuple[int, str]]] = defaultdict(list)
    peers: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for i, j, hits in pairs:
        for d, o in ((i, j), (j, i)):
            rel = relation(rows[d], rows[o])
            if rel == "peer":
                peers[d].append((-hits, o))
            elif rel is not None:
                sources[d].append((o, rel))
    for d, lst in peers.items():
        sources[d] += [(o, "peer") for _, o in sorted(lst)[: s.max_peers]]
    if s.latest_only:
        for d, lst in sources.items():
            best: dict[tuple, int] = {}
            for o, rel in lst:
                if rel in ("higher_earlier", "own_earlier", "higher_same_year"):
                    g = (rel, rows[o]["level"], rows[o]["region"], rows[o]["doc_type"])
                    best[g] = max(best.get(g, -(10**9)), rows[o]["period_end"])
            sources[d] = [
                (o, rel) for o, rel in lst
                if rel not in ("higher_earlier", "own_earlier", "higher_same_year")
                or rows[o]["period_end"]
                == best[(rel, rows[o]["level"], rows[o]["region"], rows[o]["doc_type"])]
            ]  # fmt: skip
    todo = sorted({(min(d, o), max(d, o)) for d, lst in sources.items() for o, _ in lst})
    if not todo:
        say(f"no pair of related documents shares a passage among {docs.height} documents")
        out = _empty(s)
        out["reuse_formulae"] = validate("reuse_formulae", formulae)
        return out

    # 4. alignment
    idx_cache: dict[int, dict] = {}

    def index(d: int) -> dict:
        if d not in idx_cache:
            idx_cache[d] = anchor_index(texts[d], anchor=s.anchor)
        return idx_cache[d]

    aligned: dict[tuple[int, int], list] = {}
    last_pair = {d: k for k, pair in enumerate(todo) for d in pair}
    for k, (i, j) in enumerate(todo):
        aligned[(i, j)] = align_indexed(texts[i], texts[j], index(i), index(j), settings=s.align)
        for d in (i, j):
            if last_pair[d] == k:
                idx_cache.pop(d, None)  # its last pair: the index (three numbers per character) goes
    secs = _sections(sections, theme_sections)
    prow = []
    for d in sorted(sources):
        for o, rel in sorted(sources[d]):
            found = aligned[(min(d, o), max(d, o))]
            for a0, a1, b0, b1, sim in found:
                if d > o:
                    a0, a1, b0, b1 = b0, b1, a0, a1
                fshare = (fmask[d][a1] - fmask[d][a0]) / max(1, a1 - a0)
                kind = (
                    "formula"
                    if fshare >= s.formula_cover
                    else "verbatim"
                    if sim >= s.verbatim_similarity
                    else "paraphrase"
                )
                path, theme = _locate(secs.get(rows[d]["doc_id"]), a0)
                spath, stheme = _locate(secs.get(rows[o]["doc_id"]), b0)
                prow.append((
                    rows[d]["doc_id"], rows[o]["doc_id"], rel, rows[o]["level"], a0, a1, b0, b1, sim, kind,
                    round(float(fshare), 6), path, theme, spath, stheme, texts[d][a0:a1], texts[o][b0:b1],
                ))  # fmt: skip
    passages = pl.DataFrame(prow, schema=empty("reuse_passages").schema, orient="row")

    # 5. shares (from the passage rows: relation, kind, start, end per document)
    mine_of: dict[str, list[tuple[str, str, int, int]]] = defaultdict(list)
    for r in prow:
        mine_of[r[0]].append((r[2], r[9], r[4], r[5]))
    srow = []
    for d in range(len(rows)):  # every document, with n_sources 0 when nothing was compared
        doc = rows[d]["doc_id"]
        units = [("document", "", 0, len(texts[d]))]
        sec = secs.get(doc)
        if sec is not None:
            units += [("section", p, int(a), int(b)) for a, b, p in zip(sec[0], sec[1], sec[2])]
            th: dict[str, list] = defaultdict(list)
            for a, b, t in zip(sec[0], sec[1], sec[3]):
                if t is not None:
                    th[t].append((int(a), int(b)))
        else:
            th = {}
        mine = mine_of.get(doc, [])
        rels = sorted({rel for _, rel in sources[d]}, key=RELATIONS.index)
        for rel in [*rels, "any"]:
            n_src = len({o for o, r in sources[d] if rel in (r, "any")})
            sub = mine if rel == "any" else [x for x in mine if x[0] == rel]
            for kind in ("verbatim", "paraphrase", "formula", "reuse"):
                wanted = ("verbatim", "paraphrase") if kind == "reuse" else (kind,)
                spans = [(a, b) for _, k, a, b in sub if k in wanted]

                def cov(a: int, b: int, spans: list[tuple[int, int]] = spans) -> int:
                    return covered([(max(x, a), min(y, b)) for x, y in spans if x < b and y > a])

                for scope, key, a, b in units:
                    n = b - a
                    c = cov(a, b)
                    srow.append((doc, rel, kind, scope, key, n_src, n, c, c / n if n else 0.0))
                for t in sorted(th):
                    n = sum(b - a for a, b in th[t])
                    c = sum(cov(a, b) for a, b in th[t])
                    srow.append((doc, rel, kind, "theme", t, n_src, n, c, c / n if n else 0.0))
    share = pl.DataFrame(srow, schema=empty("reuse_share").schema, orient="row")
    return {
        "reuse_passages": validate("reuse_passages", passages),
        "reuse_share": validate("reuse_share", share),
        "reuse_formulae": validate("reuse_formulae", formulae),
        "reuse_settings": s.as_table(),
    }


if TYPE_CHECKING:
    from ..pipeline import BuildContext


def build_stage(ctx: BuildContext) -> dict[str, pl.DataFrame]:
    """Pipeline stage: the reuse tables from ``ctx.tables`` (documents, sections, theme_sections).
    Settings: ``ReuseSettings`` defaults overridden by ``BuildSettings.reuse`` (``[reuse]`` of a settings
    file)."""
    s = ctx.settings.reuse

    def note(message: str) -> None:
        ctx.note(STAGE, message)

    t = ctx.tables
    if "documents" not in t:
        note("no documents table")
        return _empty(s)
    return run_reuse(
        t["documents"],
        sections=t.get("sections"),
        theme_sections=t.get("theme_sections"),
        settings=s,
        note=note,
    )


__all__ = ["ReuseSettings", "align_passages", "build_stage", "candidate_pairs", "run_reuse"]
