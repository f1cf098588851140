"""Describing fitted topics: terms, labels, representative passages, prevalence, alignment, prose.

In: a ``TopicFit`` and its ``DTM``; ``documents`` (text for excerpts); theme hits. Out: the ``topics``,
``topic_summary``, ``doc_topics``, ``topic_representatives``, ``topic_prevalence`` and ``topic_alignment``
tables; ``selection_statement`` and ``topic_paragraphs`` (Markdown for the topics page). How: top terms by
probability and FREX, a label by ``propose_label``, prevalence by level with a within-document bootstrap,
alignment as rates and lifts; the prose is a template filled from the tables.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl
from scipy.optimize import linear_sum_assignment

from ..schema import DOC_TOPICS, TOPIC_ALIGNMENT, TOPIC_PREVALENCE
from ..schema import frame as table_frame
from .diagnostics import frex, npmi_coherence, top_terms
from .fitting import TopicFit
from .matrix import DTM
from .settings import TopicSettings


def propose_label(
    frex_terms: Sequence[str],
    unit_systems: Sequence[str | None],
    unit_weights: Sequence[float],
    *,
    n_terms: int = 3,
    min_share: float = 0.5,
) -> tuple[str, str | None, float]:
    """The label rule: ``"<system> · t1 t2 t3"``, or ``"— · t1 t2 t3"`` when no system dominates.

    Parameters
    ----------
    frex_terms
        The topic's terms ranked by FREX (the first ``n_terms`` go into the label: FREX favours terms that
        are both frequent in the topic and rare elsewhere, which is what tells topics apart).
    unit_systems, unit_weights
        Outline system (or None) and topic share of the topic's most representative units.
    n_terms
        Number of terms in the label.
    min_share
        A system names the topic when it holds at least this share of the representative units' weight.

    Returns
    -------
    (label, system, share)
        ``system`` is None when no system reaches ``min_share``; ``share`` is the best system's share.
    """
    total = float(sum(unit_weights))
    acc: dict[str, float] = {}
    for sysid, w in zip(unit_systems, unit_weights):
        if sysid is not None:
            acc[sysid] = acc.get(sysid, 0.0) + float(w)
    best, share = None, 0.0
    if total > 0:
        for sysid in sorted(acc):  # sorted: ties go to the first id by name, never to dict order
            if acc[sysid] / total > share + 1e-12:
                best, share = sysid, acc[sysid] / total
    system = best if share >= min_share else None
    terms = " ".join(frex_terms[:n_terms])
    return f"{system or '—'} · {terms}", system, share


def _excerpt(text: str | None, start: int, end: int, n: int = 160) -> str:
    if text is None:
        return ""
    piece = " ".join(text[start:end].split())
    return piece if len(piece) <= n else piece[:n] + "…"


def describe_fit(
    fit: TopicFit,
    dtm: DTM,
    settings: TopicSettings,
    *,
    per_topic_stability: np.ndarray | None = None,
    sample_match: np.ndarray | None = None,
    documents: pl.DataFrame | None = None,
) -> dict[str, pl.DataFrame]:
    """Terms, summary, unit shares and representative units of one fitted model.

    ``per_topic_stability`` and ``sample_match`` are per topic of ``fit`` (``sample_match`` defaults to 1:
    the fit is the selection run itself).

    Returns
    -------
    dict
        ``topics``, ``topic_summary``, ``doc_topics``, ``topic_representatives`` (schemas as declared).
    """
    s = settings
    fr, excl = frex(fit.beta, s.frex_weight)
    n = min(s.n_top, len(dtm.vocab))
    top_p, top_f = top_terms(fit.beta, n), top_terms(fr, n)
    coh = npmi_coherence(dtm.X, top_p)
    exc = np.take_along_axis(fr, top_p, axis=1).mean(axis=1)
    weights = dtm.units["n_tokens"].to_numpy().astype(float)
    prevalence = (fit.theta * weights[:, None]).sum(axis=0) / max(weights.sum(), 1.0)
    vocab = [str(v) for v in dtm.vocab]
    has_text = documents is not None and "text" in documents.columns
    texts = dict(zip(documents["doc_id"], documents["text"])) if has_text else {}
    term_rows, summary_rows, rep_rows = [], [], []
    for t in range(fit.k):
        order = np.lexsort((dtm.units["unit_id"].to_numpy(), -fit.theta[:, t]))[: s.n_representatives]
        reps = dtm.units[order.tolist()]
        label, system, share = propose_label(
            [vocab[i] for i in top_f[t]],
            reps["system"].to_list(),
            fit.theta[order, t].tolist(),
            n_terms=s.label_terms,
            min_share=s.label_min_system_share,
        )
        for ranking, idx in (("prob", top_p[t]), ("frex", top_f[t])):
            for r, i in enumerate(idx, start=1):
                row = (ranking, r, vocab[i], float(fit.beta[t, i]), float(excl[t, i]), float(fr[t, i]))
                term_rows.append((fit.model, fit.k, t, label, *row))
        stab = float(per_topic_stability[t]) if per_topic_stability is not None else None
        match = float(sample_match[t]) if sample_match is not None else 1.0
        measures = (float(share), float(prevalence[t]), float(coh[t]), float(exc[t]), stab)
        terms = (" ".join(vocab[i] for i in top_p[t]), " ".join(vocab[i] for i in top_f[t]))
        summary_rows.append((fit.model, fit.k, t, label, system, *measures, *terms, match))
        rep_rows += _representative_rows(fit, t, reps, order, texts)
    return {
        "topics": table_frame("topics", term_rows),
        "topic_summary": table_frame("topic_summary", summary_rows),
        "doc_topics": _doc_topics(fit, dtm),
        "topic_representatives": table_frame("topic_representatives", rep_rows),
    }


def _representative_rows(
    fit: TopicFit, t: int, reps: pl.DataFrame, order: np.ndarray, texts: dict[str, str]
) -> list[tuple]:
    """``topic_representatives`` rows of topic ``t``: its units of highest share, with an excerpt."""
    rows = []
    for r, (row, ui) in enumerate(zip(reps.iter_rows(named=True), order), start=1):
        where = (row["unit_id"], row["doc_id"], row["level"], row["path"], row["system"])
        span = (row["n_tokens"], row["start"], row["end"])
        excerpt = _excerpt(texts.get(row["doc_id"]), row["start"], row["end"])
        rows.append((fit.model, t, r, *where, float(fit.theta[ui, t]), *span, excerpt))
    return rows


def _doc_topics(fit: TopicFit, dtm: DTM) -> pl.DataFrame:
    """The ``doc_topics`` rows of one fit: every unit × topic with its share."""
    n_units, k = dtm.units.height, fit.k
    return (
        dtm.units.select(
            "unit_id", "doc_id", "section_id", "paragraph_id", "level", "system", "path", "n_tokens"
        )
        .join(pl.DataFrame({"topic": np.arange(k, dtype=np.int32)}), how="cross")
        .sort("unit_id", "topic")
        .with_columns(
            model=pl.lit(fit.model),
            unit=pl.lit(dtm.unit),
            share=pl.Series(fit.theta.reshape(n_units * k)),
        )
        .select(DOC_TOPICS.names)
    )


#: Above this many (replicate, unit) cells per level, the bootstrap accumulates per document instead of
#: building the dense replicates × units count matrix (2**24 cells = 128 MB of float64).
BOOTSTRAP_DENSE_MAX = 2**24


def prevalence_by_level(
    doc_topics: pl.DataFrame,
    labels: pl.DataFrame | None = None,
    *,
    n_bootstrap: int = 1000,
    ci: float = 0.95,
    seed: int = 0,
    dense_max: int = BOOTSTRAP_DENSE_MAX,
) -> pl.DataFrame:
    """Each topic's token-weighted share of each level's text, with a bootstrap percentile interval.

    The bootstrap resamples units with replacement *within each document* (documents are fixed: with a
    handful of documents per level, resampling documents would give degenerate intervals), so the
    interval reflects the variability of topics across a document's units, not across documents. With
    one document at a level, it describes that document, not the level.

    Parameters
    ----------
    doc_topics
        One model's doc_topics rows.
    labels
        topic, label (optional).
    dense_max
        Above this many (replicate, unit) cells per level the replicates are accumulated document by
        document (same draws, same order, bounded memory) instead of in one dense count matrix.
    """
    rng = np.random.default_rng(seed)
    rows = []
    alpha = (1 - ci) / 2
    for model in doc_topics["model"].unique().sort().to_list():
        dt = doc_topics.filter(pl.col("model") == model)
        k = dt["topic"].max() + 1
        units = dt.filter(pl.col("topic") == 0).sort("unit_id")
        theta = dt.sort("unit_id", "topic")["share"].to_numpy().reshape(units.height, k)
        w = units["n_tokens"].to_numpy().astype(float)
        docs = units["doc_id"].to_numpy()
        levels = units["level"].to_numpy()
        for level in sorted(set(levels.tolist())):
            idx_level = np.flatnonzero(levels == level)
            n_docs = len(set(docs[idx_level].tolist()))
            point = (theta[idx_level] * w[idx_level, None]).sum(axis=0) / w[idx_level].sum()
            reps = _bootstrap_level(
                theta, w, docs, idx_level, rng=rng, n_bootstrap=n_bootstrap, dense_max=dense_max
            )
            lo = np.quantile(reps, alpha, axis=0)
            hi = np.quantile(reps, 1 - alpha, axis=0)
            for t in range(k):
                rows.append(
                    (model, t, level, n_docs, idx_level.size, float(point[t]), float(lo[t]), float(hi[t]))
                )
    schema = {
        "model": pl.String,
        "topic": pl.Int32,
        "level": pl.String,
        "n_docs": pl.Int32,
        "n_units": pl.Int32,
    }
    schema |= {"share": pl.Float64, "lo": pl.Float64, "hi": pl.Float64}
    out = pl.DataFrame(rows, schema=schema, orient="row")
    if labels is None:
        labels = out.select("model", "topic").unique().with_columns(label=pl.lit(None, pl.String))
    return (
        out.join(labels.select("model", "topic", "label"), on=["model", "topic"], how="left")
        .select(TOPIC_PREVALENCE.names)
        .sort("model", "topic", "level")
    )


def _bootstrap_level(
    theta: np.ndarray,
    w: np.ndarray,
    docs: np.ndarray,
    idx_level: np.ndarray,
    *,
    rng: np.random.Generator,
    n_bootstrap: int,
    dense_max: int,
) -> np.ndarray:
    """Bootstrap replicates (replicates × topics) of one level's token-weighted topic shares, units drawn
    with replacement within each document (a multinomial per document, documents in sorted order)."""
    doc_ids = sorted(set(docs[idx_level].tolist()))
    by_doc: dict[str, list[int]] = {}
    for u in idx_level.tolist():  # one pass; each document's units stay in ascending order
        by_doc.setdefault(docs[u], []).append(u)
    if n_bootstrap * idx_level.size <= dense_max:
        # counts[b, i]: how often unit i is drawn in replicate b (multinomial within its document)
        counts = np.zeros((n_bootstrap, idx_level.size))
        pos = {u: j for j, u in enumerate(idx_level)}
        for d in doc_ids:
            members = [pos[u] for u in by_doc[d]]
            p = np.full(len(members), 1 / len(members))
            counts[:, members] = rng.multinomial(len(members), p, size=n_bootstrap)
        bw = counts * w[idx_level][None, :]
        return (bw @ theta[idx_level]) / bw.sum(axis=1, keepdims=True)
    # Many units: the same draws, in the same order, accumulated document by document, so memory stays at
    # replicates × (one document's units) instead of replicates × all units.
    num = np.zeros((n_bootstrap, theta.shape[1]))
    den = np.zeros((n_bootstrap, 1))
    for d in doc_ids:
        members = np.asarray(by_doc[d], dtype=np.int64)
        c = rng.multinomial(members.size, np.full(members.size, 1 / members.size), size=n_bootstrap)
        cw = c * w[members][None, :]
        num += cw @ theta[members]
        den += cw.sum(axis=1, keepdims=True)
    return num / den


def theme_counts_per_unit(theme_hits: pl.DataFrame | None, dtm: DTM) -> pl.DataFrame:
    """Theme lexicon hits per unit (unit_id, theme, hits), mapping each hit to the unit of its tokens.

    A hit is mapped by its document and start offset to the kept token starting there; a hit whose first
    token is not in the matrix (a stopword, a pruned term, a dropped unit) is mapped to the unit of the
    nearest preceding token of the same document.
    """
    empty = pl.DataFrame(schema={"unit_id": pl.Int32, "theme": pl.String, "hits": pl.Int64})
    if (
        theme_hits is None
        or theme_hits.height == 0
        or not {"doc_id", "theme", "start"} <= set(theme_hits.columns)
    ):
        return empty
    hits = theme_hits.select("doc_id", "theme", pl.col("start").cast(pl.Int64)).sort("doc_id", "start")
    tu = dtm.token_units.select("doc_id", pl.col("start").cast(pl.Int64), "unit_id").sort("doc_id", "start")
    mapped = hits.join_asof(
        tu, on="start", by="doc_id", strategy="backward", check_sortedness=False
    ).drop_nulls("unit_id")
    return mapped.group_by("unit_id", "theme").agg(hits=pl.len().cast(pl.Int64)).sort("unit_id", "theme")


def alignment(
    fit: TopicFit,
    dtm: DTM,
    theme_units: pl.DataFrame,
    labels: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Which topics carry which theme and which Outline system.

    theme: hits per 1,000 tokens of the topic's text, Σ_u θ_ut·hits_u / Σ_u θ_ut·n_u × 1000, and its lift
    over the corpus rate. system: share of the topic's token mass that sits in sections of the system,
    Σ_u θ_ut·n_us / Σ_u θ_ut·n_u, and its lift over the system's share of all tokens.
    """
    theta = fit.theta
    n_units, k = theta.shape
    n = dtm.units["n_tokens"].to_numpy().astype(float)
    mass = (theta * n[:, None]).sum(axis=0)
    rows = []
    for kind, frame, col, val in (
        ("theme", theme_units, "theme", "hits"),
        ("system", dtm.unit_systems.drop_nulls("system"), "system", "n"),
    ):
        for target in sorted(set(frame[col].to_list())):
            sub = frame.filter(pl.col(col) == target)
            v = np.zeros(n_units)
            v[sub["unit_id"].to_numpy()] = sub[val].to_numpy().astype(float)
            per_topic = theta.T @ v / np.where(mass > 0, mass, 1)
            base = v.sum() / max(n.sum(), 1.0)
            scale = 1000.0 if kind == "theme" else 1.0
            for t in range(k):
                rows.append(
                    (
                        fit.model,
                        t,
                        kind,
                        target,
                        float(per_topic[t] * scale),
                        float(per_topic[t] / base) if base > 0 else None,
                    )
                )
    out = pl.DataFrame(
        rows,
        schema={
            "model": pl.String,
            "topic": pl.Int32,
            "kind": pl.String,
            "target": pl.String,
            "value": pl.Float64,
            "lift": pl.Float64,
        },
        orient="row",
    )
    lab = (
        labels
        if labels is not None
        else out.select("model", "topic").unique().with_columns(label=pl.lit(None, pl.String))
    )
    return out.join(lab.select("model", "topic", "label"), on=["model", "topic"], how="left").select(
        TOPIC_ALIGNMENT.names
    )


def term_overlap(
    topics: pl.DataFrame, model_a: str = "lda", model_b: str = "nmf", n: int = 10
) -> pl.DataFrame:
    """Jaccard overlap of the top ``n`` terms (by probability) of every topic of two models.

    Returns
    -------
    polars.DataFrame
        model_a, topic_a, label_a, model_b, topic_b, label_b, shared (the common terms), jaccard; plus
        ``matched`` marking the Hungarian matching of the two models' topics on these overlaps.
    """

    def tops(model: str) -> pl.DataFrame:
        return (
            topics.filter((pl.col("model") == model) & (pl.col("ranking") == "prob") & (pl.col("rank") <= n))
            .group_by("topic", "label")
            .agg(pl.col("term").sort_by("rank"))
            .sort("topic")
        )

    a, b = tops(model_a), tops(model_b)
    rows = []
    for ta, la, terms_a in a.iter_rows():
        for tb, lb, terms_b in b.iter_rows():
            sa, sb = set(terms_a), set(terms_b)
            shared = [t for t in terms_a if t in sb]
            rows.append(
                (model_a, ta, la, model_b, tb, lb, " ".join(shared), len(sa & sb) / max(len(sa | sb), 1))
            )
    out = pl.DataFrame(
        rows,
        schema={
            "model_a": pl.String,
            "topic_a": pl.Int32,
            "label_a": pl.String,
            "model_b": pl.String,
            "topic_b": pl.Int32,
            "label_b": pl.String,
            "shared": pl.String,
            "jaccard": pl.Float64,
        },
        orient="row",
    )
    if out.height == 0:
        return out.with_columns(matched=pl.lit(None, pl.Boolean))
    J = out["jaccard"].to_numpy().reshape(a.height, b.height)
    r, c = linear_sum_assignment(-J)
    pairs = {(int(a["topic"][int(i)]), int(b["topic"][int(j)])) for i, j in zip(r, c)}
    return out.with_columns(
        matched=pl.Series(
            [(ta, tb) in pairs for ta, tb in zip(out["topic_a"], out["topic_b"])], dtype=pl.Boolean
        )
    )


def selection_statement(selection: pl.DataFrame) -> str:
    """One plain sentence on the model choice: the chosen model and k, and whether the choice holds
    (interior to the grid, and not flat), computed from ``model_selection``."""
    row = selection.filter(pl.col("primary") & pl.col("chosen")).row(0, named=True)
    ks = sorted(set(selection.filter(pl.col("primary"))["k"].to_list()))
    grid = f"k = {ks[0]}–{ks[-1]}" if len(ks) > 1 else f"k = {ks[0]}"
    head = f"The rule chose {row['model'].upper()} with k = {row['k']} (score {row['score']:.2f})"
    head += f" on a grid of {grid}"
    if not row["interior"]:
        where = "an edge of the grid, which could not be widened further"
        tail = "the data do not pin k down, read the chosen k as a bound."
        return f"{head}. The criterion peaks at {where}: {tail}"
    if row["flat"]:
        margin = row["margin"]
        return (
            f"{head}. The criterion is flat: the chosen k beats the next best by only {margin:.3f} "
            "on the 0–1 score "
            f"(below flat_margin), so neighbouring k describe the corpus about as well."
        )
    return (
        f"{head}. The choice is interior to the grid and beats the next best k by {row['margin']:.2f} "
        "on the 0–1 score."
    )


def _wrap_excerpt(text: str | None, n: int = 120) -> str:
    piece = " ".join((text or "").split())
    return piece if len(piece) <= n else piece[:n].rstrip("…") + "…"


def topic_paragraphs(
    summary: pl.DataFrame,
    representatives: pl.DataFrame,
    *,
    model: str,
    alignment: pl.DataFrame | None = None,
    effects: pl.DataFrame | None = None,
    n_passages: int = 3,
    excerpt_chars: int = 120,
) -> str:
    """Markdown describing each topic of ``model``, computed from the tables (a template, no judgement):
    its label (Chinese, then English by ``english_label``), top and FREX terms, a short paragraph
    (prevalence, coherence, stability, the Outline system
    and theme it leans to, its clearest covariate effect) and ``n_passages`` short representative passages.
    Markdown wraps, so long passages never run off the page.
    """
    out = []
    gloss = glossary()[1]
    for r in summary.filter(pl.col("model") == model).sort("topic").iter_rows(named=True):
        t = r["topic"]
        stab = f", stability across seeds {r['stability']:.2f}" if r["stability"] is not None else ""
        parts = [
            (
                f"It holds {r['prevalence']:.1%} of the corpus's tokens; "
                f"coherence (NPMI) {r['coherence']:.2f}{stab}."
            )
        ]
        if r["system"]:
            share = r["system_share"]
            parts.append(
                f"Its most representative sections sit in the Outline system {r['system']} ({share:.0%})."
            )
        if alignment is not None and alignment.height:
            parts += _theme_sentence(alignment, model=model, topic=t)
        if effects is not None and effects.height:
            parts.append(_effect_sentence(effects, model=model, topic=t))
        reps = representatives.filter((pl.col("model") == model) & (pl.col("topic") == t))
        passages = "\n".join(
            f"> {_wrap_excerpt(p['excerpt'], excerpt_chars)}  \n> — {p['doc_id']} ({p['level']}"
            + (f", {p['path']}" if p["path"] else "")
            + f"; share {p['share']:.2f})\n>"
            for p in reps.sort("rank").head(n_passages).iter_rows(named=True)
        )
        terms = r["label"].split(" · ", 1)[-1].split()  # the label's own terms (propose_label)
        english, n_glossed = english_label(t, r["system"], terms, gloss=gloss)
        glossed = f" ({n_glossed} of {len(terms)} label terms glossed)" if n_glossed < len(terms) else ""
        out.append(
            f"### Topic {t}: {r['label']}\n\n*{english}*{glossed}\n\n"
            f"**Top terms:** {r['top_terms']}  \n**FREX terms:** {r['frex_terms']}\n\n"
            + " ".join(parts)
            + "\n\n"
            + passages
            + "\n"
        )
    return "\n".join(out)


def _theme_sentence(alignment: pl.DataFrame, *, model: str, topic: int) -> list[str]:
    """The lexicon a topic carries at 1.5× the corpus rate or more (the highest lift), as a sentence."""
    mine = (pl.col("model") == model) & (pl.col("topic") == topic) & (pl.col("kind") == "theme")
    th = alignment.filter(mine).drop_nulls("lift").sort(["lift", "target"], descending=[True, False])
    if th.height and th["lift"][0] >= 1.5:
        return [f"It carries the {th['target'][0]} lexicon at {th['lift'][0]:.1f}× the corpus rate."]
    return []


def _effect_sentence(effects: pl.DataFrame, *, model: str, topic: int) -> str:
    """A topic's largest covariate contrast whose interval excludes zero, as a sentence."""
    mine = (pl.col("model") == model) & (pl.col("topic") == topic) & (pl.col("covariate") != "intercept")
    eff = (
        effects.filter(mine)
        .filter((pl.col("lo") > 0) | (pl.col("hi") < 0))
        .with_columns(size=pl.col("estimate").abs())
        .sort(["size", "contrast"], descending=[True, False])
    )
    if not eff.height:
        return "No covariate contrast's interval excludes zero."
    e = eff.row(0, named=True)
    return (
        f"Its clearest covariate effect: {e['covariate']} {e['contrast']}, "
        f"{e['estimate']:+.1%} of a document's "
        f"text ({e['lo']:+.1%} to {e['hi']:+.1%})."
    )


def choice_report(selection: pl.DataFrame, settings: pl.DataFrame) -> str:
    """The model choice in plain lines, from ``model_selection`` and ``topic_settings``: the rule, the
    ``selection_statement``, each model's criteria at the chosen k, the primary model's runner-up k, and
    which units the grid and the final models saw."""
    chosen = selection.filter(pl.col("chosen"))
    primary = selection.filter(pl.col("primary"))["model"][0]
    lines = [f"Rule: {selection['rule'][0]}.", selection_statement(selection)]
    for row in chosen.iter_rows(named=True):
        lines.append(
            f"  {row['model']}: coherence {row['coherence']:.3f}, exclusivity {row['exclusivity']:.3f}, "
            f"stability {row['stability']:.3f} (least stable pair of seeds {row['stability_min']:.3f}), "
            f"score {row['score']:.2f}"
        )
    ranked = selection.filter(pl.col("model") == primary).sort("score", descending=True)
    if ranked.height > 1:
        lines.append(f"Runner-up for {primary}: k = {ranked['k'][1]} (score {ranked['score'][1]:.2f}).")
    used = dict(settings.iter_rows())
    if "selection_units" in used:
        sample = "a seeded sample" if used["selection_sampled"] == "True" else "all of them"
        lines.append(
            f"Selection ran on {used['selection_units']} of {used['final_units']} units "
            f"({sample}; LDA {used['lda_method_selection']}); "
            f"final models on all {used['final_units']} units (LDA {used['lda_method_final']})."
        )
    return "\n".join(lines)


GLOSSARY_FILE = "topic_glossary.toml"  #: English glosses of domain terms, in pkg/fazhi/data/


def glossary(path: str = GLOSSARY_FILE) -> tuple[str, dict[str, str]]:
    """The version and the term → English gloss mapping of ``path`` (relative to ``pkg/fazhi/data/``)."""
    import tomllib

    from ..paths import PACKAGE_DATA

    cfg = tomllib.loads((PACKAGE_DATA / path).read_text(encoding="utf-8"))
    return str(cfg.get("version", "")), {str(k): str(v) for k, v in cfg.get("terms", {}).items()}


def english_label(
    topic: int, system: str | None, terms: Sequence[str], *, gloss: dict[str, str] | None = None
) -> tuple[str, int]:
    """The English half of a topic's label, and how many of ``terms`` the glossary translated.

    ``"<system's English name>: t1, t2, t3"`` when an Outline system names the topic (the English names
    of ``pkg/fazhi/data/outline.toml``), else ``"topic N: t1, t2, t3"``; each term is its gloss from
    ``topic_glossary.toml`` when there is one and stays as written (Chinese, never romanised) when not, so
    an untranslated label reads ``topic N: <Chinese terms>`` — the count says how much was translated.
    """
    from ..outline import load_systems

    gloss = glossary()[1] if gloss is None else gloss
    names = {s.id: s.english for s in load_systems()}
    head = names.get(system, system) if system else f"topic {topic}"
    shown = [gloss.get(t, t) for t in terms]
    return f"{head}: {', '.join(shown)}", sum(t in gloss for t in terms)
