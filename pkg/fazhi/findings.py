"""The landing page's findings in prose: themes, levels of government, document types, design caveats.

In: the result tables of a build (``documents``, ``theme_documents``, ``theme_groups``,
``theme_group_contrasts``, ``theme_validation``, ``topic_summary``), read through the stale-results guard.
Out: Markdown strings: ``key_findings``, ``level_findings``, ``within_findings``, ``design_caveats``; and
``theme_name`` (a theme's English name for prose, from its lexicon file).
How: every sentence is written from the tables, and a difference is claimed only where
``fazhi.compare.claims`` supports it (cluster bootstrap over documents, Holm); ``fazhi.report`` re-exports
these for the root notebooks.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl

from .compare import MIN_DOCS, claims, confounding, md_escape
from .labels import DISPLAY, label, labels
from .tables import read_table


def _join(values: list[object], limit: int = 12) -> str:
    """Escaped values joined by commas; long lists are cut with a count of the rest."""
    shown = [md_escape(v) for v in values[:limit]]
    rest = len(values) - limit
    return ", ".join(shown) + (f" and {rest} more" if rest > 0 else "")


def theme_name(theme: str) -> str:
    """The English name of a theme id for prose, capitalised: its lexicon file's ``label_en``
    (``Digital government``); the id made readable when no lexicon defines it."""
    entry = DISPLAY["theme"].get(theme)
    name = entry["en"] if entry else theme.replace("_", " ")
    return name[:1].upper() + name[1:]


def _read_optional(name: str, folder: Path | None) -> pl.DataFrame | None:
    try:
        return read_table(name, folder)
    except FileNotFoundError:
        return None


def key_findings(folder: Path | None = None, *, min_docs: int = MIN_DOCS) -> str:
    """The landing page's key findings, as Markdown, from the theme, validation and topic tables.

    For each of the three themes: in how many documents it is present (above the presence minimum),
    what the comparison of levels of government supports (``fazhi.compare.claims`` on
    ``theme_groups``/``theme_group_contrasts``: a cluster bootstrap over documents, groups of at least
    ``min_docs`` documents, Holm-adjusted; "most" only when supported, otherwise "no detectable
    difference"), the same within one document type or why that is impossible, and the validation F1 of
    the lexicon against the Outline heading labels. Then the topic model chosen by the selection rule.
    Every data value is escaped before it is written into Markdown.
    """
    from .themes import FOCUS, PRESENCE_MIN_HITS, PRESENCE_MIN_RATE

    docs = read_table("documents", folder)
    per_doc = _read_optional("theme_documents", folder)
    groups = _read_optional("theme_groups", folder)
    contrasts = _read_optional("theme_group_contrasts", folder)
    validation = _read_optional("theme_validation", folder)
    if docs.is_empty() or per_doc is None or groups is None or contrasts is None:
        return (
            "No document could be scored, so there are no findings: see the corpus page for what was "
            "rejected."
        )
    full = validation.filter(pl.col("variant") == "full") if validation is not None else pl.DataFrame()
    lines = [
        _theme_finding(theme, docs, per_doc, groups, contrasts, full=full, min_docs=min_docs)
        for theme in FOCUS
    ]
    method = (
        f"From {docs.height} document(s). A theme counts in a document only with at least "
        f"{PRESENCE_MIN_HITS:g} weighted lexicon hits and {PRESENCE_MIN_RATE:g} per 1,000 word tokens; a "
        "document's emphasis is its rate where the theme is present and 0 where not. Groups of documents "
        f"are compared by resampling documents (a cluster bootstrap) when a group has at least {min_docs}; "
        "smaller groups are described, not compared. A difference is named only when its Holm-adjusted "
        "interval excludes zero; documents of unknown level are never ranked."
    )
    level_c = contrasts.filter(pl.col("covariate") == "level", pl.col("theme").is_in(list(FOCUS)))
    if not level_c["supported"].any():
        lines.append(
            "- **In sum**: by these rules, no difference between levels of government in the three themes is "
            "supported by this corpus."
        )
    out = [method, "", *lines]
    topics = _topic_choice(folder)
    if topics:
        out += ["", topics]
    return "\n".join(out)


def _theme_finding(
    theme: str,
    docs: pl.DataFrame,
    per_doc: pl.DataFrame,
    groups: pl.DataFrame,
    contrasts: pl.DataFrame,
    *,
    full: pl.DataFrame,
    min_docs: int,
) -> str:
    """One theme's item of ``key_findings``: presence, the comparison of levels (overall and within one
    document type) and the validation F1 (``full``: the ``theme_validation`` rows of the full lexicon)."""
    d = per_doc.filter(pl.col("theme") == theme)
    n_present = int(d["present"].sum())
    name = theme_name(theme)
    if n_present == 0:
        return f"- **{name}**: present in none of the {d.height} document(s); nothing to compare."
    text = level_claim(groups, contrasts, theme=theme, min_docs=min_docs)
    within = _within_texts(groups, contrasts, docs, theme=theme, min_docs=min_docs)
    v = full.filter(pl.col("theme") == theme) if full.height else full
    f1 = v.row(0, named=True) if v.height else None
    valid = (
        (
            f" Validation against the Outline heading labels: F1 = {f1['f1']:.2f} on {f1['support']} "
            "labelled section(s)."
        )
        if f1 and f1["f1"] is not None
        else " No labelled section to validate against."
    )
    return (
        f"- **{name}**: present in {n_present} of {d.height} document(s). Levels of government: "
        f"{text}.{within}{valid}"
    )


def level_claim(
    groups: pl.DataFrame, contrasts: pl.DataFrame, *, theme: str, min_docs: int = MIN_DOCS
) -> str:
    """What the comparison of levels of government supports for one theme, Markdown-escaped: the
    ``fazhi.compare.claims`` sentence over all documents (``theme_groups`` / ``theme_group_contrasts``
    rows with covariate ``level`` and no stratum), or ``no level to compare``."""
    sel = [pl.col("theme") == theme, pl.col("covariate") == "level", pl.col("stratum").is_null()]
    found = claims(groups.filter(*sel), contrasts.filter(*sel), min_docs=min_docs, names=labels("level"))
    (claim,) = found or [None]
    return md_escape(claim.text) if claim else "no level to compare"


#: The covariates levels are compared within, and the noun that names one of their values.
WITHIN = (("doc_type", "document type"), ("period", "period"))


def _within_texts(
    groups: pl.DataFrame, contrasts: pl.DataFrame, docs: pl.DataFrame, *, theme: str, min_docs: int
) -> str:
    return "".join(
        _within_text(groups, contrasts, docs, theme=theme, within=w, noun=noun, min_docs=min_docs)
        for w, noun in WITHIN
    )


def level_findings(
    groups: pl.DataFrame, contrasts: pl.DataFrame, *, themes: Sequence[str], min_docs: int = MIN_DOCS
) -> str:
    """A Markdown list, one item per theme: what the comparison of levels of government supports (the
    sentence of ``key_findings``, from ``level_claim``)."""
    return "\n".join(
        f"- **{md_escape(theme_name(t))}**: {level_claim(groups, contrasts, theme=t, min_docs=min_docs)}."
        for t in themes
    )


def within_findings(
    groups: pl.DataFrame,
    contrasts: pl.DataFrame,
    documents: pl.DataFrame,
    *,
    themes: Sequence[str],
    min_docs: int = MIN_DOCS,
) -> str:
    """A Markdown list, one item per theme: levels of government compared within one document type and
    within one period, or why that is impossible (the sentences of ``key_findings``)."""
    return "\n".join(
        f"- **{md_escape(theme_name(t))}**:"
        + _within_texts(groups, contrasts, documents, theme=t, min_docs=min_docs)
        for t in themes
    )


def _within_text(
    groups: pl.DataFrame,
    contrasts: pl.DataFrame,
    docs: pl.DataFrame,
    *,
    theme: str,
    within: str,
    noun: str,
    min_docs: int,
) -> str:
    """One sentence: levels compared within each value of ``within`` (e.g. one document type), or why not."""
    if within not in docs.columns:
        return ""
    values = (
        docs.filter(~pl.col("level").cast(pl.String).fill_null("unknown").is_in(["unknown", ""]))
        .select(pl.col(within).cast(pl.String).fill_null("unknown"))
        .to_series()
        .unique()
        .to_list()
    )
    if len(values) == 1:
        shown = md_escape(label(within, values[0]))
        return f" All documents of known level are of one {noun} ({shown}): level is not confounded with it."
    reason = confounding(docs, by="level", within=within)
    if reason:
        return f" Within one {noun}: no comparison possible ({md_escape(reason)})."
    sel = [pl.col("theme") == theme, pl.col("covariate") == "level", pl.col("within") == within]
    gw, cw = groups.filter(*sel), contrasts.filter(*sel)
    strata = (
        gw.filter(pl.col("interval") == "cluster_bootstrap")
        .group_by("stratum")
        .len()
        .filter(pl.col("len") > 1)
    )
    parts = []
    for (stratum,) in strata.sort("stratum").select("stratum").iter_rows():
        (cl,) = claims(
            gw.filter(pl.col("stratum") == stratum),
            cw.filter(pl.col("stratum") == stratum),
            min_docs=min_docs,
            names=labels("level"),
        )
        parts.append(f"{md_escape(label(within, stratum))}: {md_escape(cl.text)}")
    if parts:
        return f" Within one {noun} — " + "; ".join(parts) + "."
    return f" Within one {noun}: none has two levels with {min_docs} or more documents each."


def _topic_choice(folder: Path | None) -> str | None:
    try:
        summary = read_table("topic_summary", folder)
    except FileNotFoundError:
        return None
    if summary.is_empty():
        return None
    first = summary.row(0, named=True)
    k = first["k"]
    per_model = (
        summary.group_by("model")
        .agg(pl.col("coherence").mean().alias("coherence"), pl.col("stability").mean().alias("stability"))
        .sort("model")
    )
    parts = [
        f"{r['model'].upper()} (mean NPMI coherence {r['coherence']:.2f}, mean stability across seeds "
        f"{r['stability']:.2f})"
        for r in per_model.iter_rows(named=True)
    ]
    return f"- **Topic models**: the selection rule chose k = {k}; " + " and ".join(parts) + "."


def design_caveats(documents: pl.DataFrame, min_docs: int = MIN_DOCS) -> str:
    """What the corpus's design lets a comparison of levels say, as Markdown, from the documents table.

    Lists, per level of government, how many documents there are and of which types and periods, and
    says plainly when a level has fewer than ``min_docs`` documents (its scores describe those documents,
    not the level) or when level is confounded with document type (no document type spans two levels).
    """
    if documents.is_empty():
        return "The corpus is empty."
    from .schema import in_order, levels_present

    documents = documents.with_columns(
        pl.col("level").cast(pl.String).fill_null("unknown"),
        pl.col("doc_type").cast(pl.String).fill_null("unknown"),
    )
    per = (
        documents.group_by("level")
        .agg(
            n=pl.len(),
            types=pl.col("doc_type").unique().sort(),
            periods=pl.col("period").fill_null("unknown").unique().sort(),
        )
        .sort(in_order("level", levels_present(documents["level"])))  # a stray name after the levels
    )
    lines = [
        f"- **{md_escape(label('level', r['level']))}**: {r['n']} document(s); "
        f"{_join([label('doc_type', t) for t in r['types']])}; period(s) {_join(r['periods'])}"
        for r in per.iter_rows(named=True)
    ]
    return "\n".join(
        ["Documents per level of government:", "", *lines, "", *_design_notes(documents, per, min_docs)]
    )


def _design_notes(documents: pl.DataFrame, per: pl.DataFrame, min_docs: int) -> list[str]:
    """The caveats of ``design_caveats``: unknown level, too few levels or documents, level confounded
    with document type, several periods (``per``: one row per level with its count ``n``)."""
    known = per.filter(pl.col("level") != "unknown")
    thin = [label("level", v) for v in known.filter(pl.col("n") < min_docs)["level"].to_list()]
    shared_types = (
        documents.filter(pl.col("level") != "unknown", pl.col("doc_type") != "unknown")
        .group_by("doc_type")
        .agg(pl.col("level").n_unique().alias("levels"))
        .filter(pl.col("levels") > 1)
    )
    notes = []
    unknown = per.filter(pl.col("level") == "unknown")
    if unknown.height:
        notes.append(
            f"{unknown['n'].item()} document(s) of unknown level: reported apart and never ranked among "
            "the levels."
        )
    if known.height < 2:
        notes.append("Fewer than two known levels of government: there is no comparison of levels to make.")
    if thin:
        notes.append(
            f"Fewer than {min_docs} documents at {_join(thin)}: these levels are described, not compared "
            "(no interval); what they show is about those documents, not the levels of government they "
            "belong to."
        )
    if known.height > 1 and shared_types.is_empty():
        notes.append(
            "No document type occurs at two levels, so level is confounded with document type: a difference "
            "between levels may be a difference between kinds of document."
        )
    elif known.height > 1:
        notes.append(
            "Document types shared by two or more levels: "
            f"{_join([label('doc_type', t) for t in shared_types['doc_type'].sort().to_list()])}; "
            "comparing levels within one type separates level from type."
        )
    periods = documents["period"].drop_nulls().unique()
    if periods.len() > 1:
        notes.append(
            f"The documents cover {periods.len()} different periods, so differences between levels may also "
            "be differences between years."
        )
    return notes
