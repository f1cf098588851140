"""Government work reports: national against provincial emphasis, and seven decades of the national report.

In: the result tables of a corpus of government work reports (``documents``, ``theme_sections``,
``theme_documents``, ``theme_hits``), as built by ``fazhi build`` (``notebooks/site.toml``'s
``gov-work-reports``), and the coded paragraphs of ``tests/data/validation/``. Out: small polars frames, one
per sentence of the pages ``notebooks/08_national_provincial.ipynb`` and ``notebooks/09_seven_decades.ipynb``.

How: a report's emphasis on a theme is its weighted lexicon hits per 1,000 word tokens (``per_1k_tokens``
of ``theme_documents``). Its uncertainty comes from resampling the report's *sections* with replacement
(``section_replicates``): there is one report per government and year, so the claim "this report
stresses the theme more" is a claim about this text, and the text's sections are the units that could
have been written otherwise. Claims about provinces as a population (the provincial median, the rank
correlation between years) resample *provinces* on top, so both sources of variation are in the
interval. Every p-value is two-sided, from the bootstrap standard error of the difference (``wald_p``:
a percentile p-value cannot go below 2/(B+1), which Holm over 93 province × theme comparisons would
turn into "nothing ever stands out"), adjusted with Holm (``compare.holm``) across all the comparisons
of one table. Intervals are 95% percentile intervals of the same replicates.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import polars as pl

from .compare import holm
from .themes import FOCUS

N_BOOT = 1000
SEED = 20260316
REPORT = "government_work_report"


def _rng(seed: int, *keys: str) -> np.random.Generator:
    import hashlib

    h = int.from_bytes(hashlib.sha256("|".join(keys).encode()).digest()[:8], "little")
    return np.random.default_rng([seed, h])


def reports(documents: pl.DataFrame) -> pl.DataFrame:
    """The government work reports of the corpus: doc_id, collection, level, region, year (int)."""
    return (
        documents.filter(pl.col("doc_type") == REPORT)
        .select("doc_id", "collection", "level", "region", year=pl.col("period").cast(pl.Int64, strict=False))
        .filter(pl.col("year").is_not_null())
        .sort("level", "year", "region", "doc_id", nulls_last=True)
    )


def section_replicates(
    theme_sections: pl.DataFrame,
    doc_ids: Sequence[str],
    *,
    themes: Sequence[str] = FOCUS,
    n_boot: int = N_BOOT,
    seed: int = SEED,
) -> dict[str, np.ndarray]:
    """Per document, an array (n_boot + 1) × themes of emphasis: row 0 the observed value, rows 1.. the
    replicates from resampling the document's sections with replacement (each document its own stream)."""
    ts = theme_sections.filter(pl.col("doc_id").is_in(list(doc_ids)) & pl.col("theme").is_in(list(themes)))
    out: dict[str, np.ndarray] = {}
    for (doc,), part in ts.sort("doc_id", "section_id", "theme").group_by(["doc_id"], maintain_order=True):
        wide = part.pivot(on="theme", index="section_id", values="weighted_hits", aggregate_function="sum")
        tokens = part.group_by("section_id", maintain_order=True).agg(pl.col("word_tokens").first())
        wide = wide.join(tokens, on="section_id", how="left").sort("section_id").fill_null(0)
        hits = np.column_stack(
            [wide[t].to_numpy() if t in wide.columns else np.zeros(wide.height) for t in themes]
        )
        words = wide["word_tokens"].to_numpy().astype(float)
        n = len(words)
        idx = _rng(seed, str(doc)).integers(0, n, size=(n_boot, n))
        h = np.vstack([hits.sum(0, keepdims=True), hits[idx].sum(1)])
        w = np.concatenate([[words.sum()], words[idx].sum(1)])
        out[str(doc)] = 1000 * h / np.maximum(w, 1)[:, None]
    return out


def wald_p(observed: float, reps: np.ndarray) -> float:
    """Two-sided p-value of ``observed`` being zero, from the replicates' standard error (normal
    reference)."""
    from scipy.stats import norm

    se = float(np.nanstd(reps, ddof=1))
    if not se > 0:
        return 1.0 if observed == 0 else 0.0
    return float(2 * norm.sf(abs(observed) / se))


def _ci(reps: np.ndarray) -> tuple[float, float]:
    lo, hi = np.nanpercentile(reps, [2.5, 97.5])
    return float(lo), float(hi)


def report_emphasis(
    reps: dict[str, np.ndarray], docs: pl.DataFrame, *, themes: Sequence[str] = FOCUS
) -> pl.DataFrame:
    """One row per report and theme: emphasis (per 1,000 word tokens) with its 95% section-bootstrap
    interval."""
    rows = []
    for r in docs.iter_rows(named=True):
        arr = reps.get(r["doc_id"])
        if arr is None:
            continue
        for k, t in enumerate(themes):
            lo, hi = _ci(arr[1:, k])
            rows.append({**r, "theme": t, "emphasis": float(arr[0, k]), "ci_low": lo, "ci_high": hi})
    return pl.DataFrame(
        rows,
        schema={
            **docs.schema,
            "theme": pl.String,
            "emphasis": pl.Float64,
            "ci_low": pl.Float64,
            "ci_high": pl.Float64,
        },
    )


def national_against_provinces(
    reps: dict[str, np.ndarray], docs: pl.DataFrame, *, themes: Sequence[str] = FOCUS, seed: int = SEED
) -> pl.DataFrame:
    """The national report against the provinces' median, per provincial year and theme.

    Each provincial year Y is compared with the national report of Y−1 (the latest delivered before the
    provinces' reports, January/February of Y) and with that of Y (March of Y, after them), where the
    corpus has it. The provincial median is bootstrapped over provinces (with each province's own
    section replicate), the national value over its sections; the difference's p-value is Holm-adjusted
    over all rows. ``share_provinces_below`` (the share of provinces below the national value) carries
    the interval of the same replicates (``below_low``, ``below_high``).
    """
    nat = docs.filter(pl.col("level") == "national")
    prov = docs.filter(pl.col("level") == "province")
    rows = []
    for year in sorted(prov["year"].unique().to_list()):
        ids = prov.filter(pl.col("year") == year)["doc_id"].to_list()
        stack = np.stack([reps[i] for i in ids if i in reps])  # provinces × (B+1) × themes
        if not len(stack):
            continue
        b = stack.shape[1] - 1
        pick = _rng(seed, "provinces", str(year)).integers(0, len(stack), size=(b, len(stack)))
        med_obs = np.median(stack[:, 0, :], axis=0)
        med_rep = np.median(stack[pick, np.arange(1, b + 1)[:, None], :], axis=1)  # B × themes
        for nat_year, when in ((year - 1, "before"), (year, "after")):
            nid = nat.filter(pl.col("year") == nat_year)["doc_id"].to_list()
            if not nid or nid[0] not in reps:
                continue
            n_arr = reps[nid[0]]
            for k, t in enumerate(themes):
                diff = n_arr[1:, k] - med_rep[:, k]
                lo, hi = _ci(diff)
                below = float(np.mean(stack[:, 0, k] < n_arr[0, k]))
                # the same share in each replicate: resampled provinces' replicate values against the
                # national report's replicate value
                below_rep = np.mean(
                    stack[pick, np.arange(1, b + 1)[:, None], k] < n_arr[1:, k][:, None], axis=1
                )
                below_lo, below_hi = _ci(below_rep)
                rows.append(
                    {
                        "provincial_year": year,
                        "national_year": nat_year,
                        "national_delivered": when,
                        "theme": t,
                        "n_provinces": len(stack),
                        "national": float(n_arr[0, k]),
                        "national_low": _ci(n_arr[1:, k])[0],
                        "national_high": _ci(n_arr[1:, k])[1],
                        "province_median": float(med_obs[k]),
                        "median_low": _ci(med_rep[:, k])[0],
                        "median_high": _ci(med_rep[:, k])[1],
                        "difference": float(n_arr[0, k] - med_obs[k]),
                        "diff_low": lo,
                        "diff_high": hi,
                        "share_provinces_below": below,
                        "below_low": below_lo,
                        "below_high": below_hi,
                        "p": wald_p(float(n_arr[0, k] - med_obs[k]), diff),
                    }
                )
    df = pl.DataFrame(rows)
    return df.with_columns(p_holm=pl.Series(holm(df["p"].to_list()) if df.height else [], dtype=pl.Float64))


def province_outliers(
    reps: dict[str, np.ndarray], docs: pl.DataFrame, *, themes: Sequence[str] = FOCUS, alpha: float = 0.05
) -> pl.DataFrame:
    """Each province's report against the median of all provinces of its year, per theme.

    The difference is bootstrapped by resampling the sections of every report (the median moves with
    the replicates too); the p-values are Holm-adjusted over all provinces × themes of a year.
    ``stands_out`` is ``above``/``below`` where the adjusted p is under ``alpha``.
    """
    prov = docs.filter(pl.col("level") == "province")
    parts = []
    for year in sorted(prov["year"].unique().to_list()):
        sub = prov.filter(pl.col("year") == year).filter(pl.col("doc_id").is_in(list(reps)))
        stack = np.stack([reps[i] for i in sub["doc_id"]])
        med = np.median(stack, axis=0)  # (B+1) × themes
        rows = []
        for j, r in enumerate(sub.iter_rows(named=True)):
            for k, t in enumerate(themes):
                diff = stack[j, 1:, k] - med[1:, k]
                lo, hi = _ci(diff)
                elo, ehi = _ci(stack[j, 1:, k])
                rows.append(
                    {
                        "year": year,
                        "region": r["region"],
                        "doc_id": r["doc_id"],
                        "theme": t,
                        "emphasis": float(stack[j, 0, k]),
                        "ci_low": elo,
                        "ci_high": ehi,
                        "province_median": float(med[0, k]),
                        "difference": float(stack[j, 0, k] - med[0, k]),
                        "diff_low": lo,
                        "diff_high": hi,
                        "p": wald_p(float(stack[j, 0, k] - med[0, k]), diff),
                    }
                )
        part = pl.DataFrame(rows)
        part = part.with_columns(p_holm=pl.Series(holm(part["p"].to_list()), dtype=pl.Float64))
        parts.append(part)
    df = pl.concat(parts) if parts else pl.DataFrame()
    if not df.height:
        return df
    return df.with_columns(
        stands_out=pl.when(pl.col("p_holm") >= alpha)
        .then(pl.lit(None, dtype=pl.String))
        .when(pl.col("difference") > 0)
        .then(pl.lit("above"))
        .otherwise(pl.lit("below"))
    )


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    from scipy.stats import spearmanr

    if len(a) < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return float(spearmanr(a, b).statistic)


def rank_stability(
    emphasis: pl.DataFrame,
    *,
    years: tuple[int, int] = (2025, 2026),
    themes: Sequence[str] = FOCUS,
    n_boot: int = N_BOOT,
    seed: int = SEED,
) -> pl.DataFrame:
    """Whether a province's emphasis in the later year follows the earlier: Spearman's rank correlation
    over the provinces present in both years, with a 95% interval from resampling provinces."""
    prov = emphasis.filter(pl.col("level") == "province")
    rows = []
    for t in themes:
        a = prov.filter((pl.col("year") == years[0]) & (pl.col("theme") == t)).select("region", x="emphasis")
        b = prov.filter((pl.col("year") == years[1]) & (pl.col("theme") == t)).select("region", y="emphasis")
        both = a.join(b, on="region").sort("region")
        x, y = both["x"].to_numpy(), both["y"].to_numpy()
        n = len(x)
        if n < 3:
            continue
        idx = _rng(seed, "rank", t).integers(0, n, size=(n_boot, n))
        boots = np.array([_spearman(x[i], y[i]) for i in idx])
        lo, hi = _ci(boots)
        rows.append({"theme": t, "n_provinces": n, "spearman": _spearman(x, y), "ci_low": lo, "ci_high": hi})
    return pl.DataFrame(rows)


def first_appearance(
    theme_documents: pl.DataFrame, docs: pl.DataFrame, *, themes: Sequence[str] = FOCUS
) -> pl.DataFrame:
    """Per theme, in the national reports: the first year with any lexicon hit, the first year the theme is
    present (the presence minimum of ``themes.theme_documents``), and the share of the reports from then
    on in which it is present (a theme that appears once and vanishes is not yet on the agenda)."""
    nat = docs.filter(pl.col("level") == "national").select("doc_id", "year")
    td = theme_documents.join(nat, on="doc_id").filter(pl.col("theme").is_in(list(themes)))
    rows = []
    for t in themes:
        s = td.filter(pl.col("theme") == t).sort("year")
        hit = s.filter(pl.col("hits") > 0)["year"]
        pres = s.filter(pl.col("present"))["year"]
        first = pres.min() if pres.len() else None
        after = s.filter(pl.col("year") >= first) if first is not None else s.clear()
        rows.append(
            {
                "theme": t,
                "reports": s.height,
                "first_hit": hit.min() if hit.len() else None,
                "first_present": first,
                "reports_since": after.height,
                "present_since": int(after["present"].sum()) if after.height else 0,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "theme": pl.String,
            "reports": pl.Int64,
            "first_hit": pl.Int64,
            "first_present": pl.Int64,
            "reports_since": pl.Int64,
            "present_since": pl.Int64,
        },
    )


def vocabulary_by_year(
    theme_hits: pl.DataFrame, docs: pl.DataFrame, eras: pl.DataFrame, *, themes: Sequence[str] = FOCUS
) -> pl.DataFrame:
    """Hits per national report, theme and term for the terms with a documented era, with
    ``in_era`` (whether the year lies in the term's ``valid_from``–``valid_to``)."""
    nat = docs.filter(pl.col("level") == "national").select("doc_id", "year")
    marked = eras.filter(pl.col("theme").is_in(list(themes)) & (pl.col("era") != ""))
    return (
        theme_hits.join(nat, on="doc_id")
        .join(marked, on=["theme", "term"])
        .group_by("theme", "term", "year", "valid_from", "valid_to")
        .agg(hits=pl.len())
        .with_columns(
            in_era=(pl.col("valid_from").is_null() | (pl.col("year") >= pl.col("valid_from")))
            & (pl.col("valid_to").is_null() | (pl.col("year") <= pl.col("valid_to")))
        )
        .sort("theme", "valid_from", "term", "year", nulls_last=False)
    )


def vocabulary_summary(by_year: pl.DataFrame) -> pl.DataFrame:
    """Per era-marked term: its documented era, the first and last national report using it, and the
    hits before its era (anachronisms that would be matches of another meaning)."""
    return (
        by_year.group_by("theme", "term", "valid_from", "valid_to")
        .agg(
            first_year=pl.col("year").min(),
            last_year=pl.col("year").max(),
            reports=pl.col("year").n_unique(),
            hits=pl.col("hits").sum(),
            hits_outside_era=pl.col("hits").filter(~pl.col("in_era")).sum(),
        )
        .sort("theme", "first_year", "term")
    )


ERAS = (
    (1954, 1977, "1954–1977"),
    (1978, 1999, "1978–1999"),
    (2000, 2012, "2000–2012"),
    (2013, 2100, "2013–"),
)


def coded_national(folder: Path, *, themes: Sequence[str] = FOCUS) -> pl.DataFrame:
    """Every coded paragraph of a national report in ``folder`` (``paragraphs_*.csv`` with adjudicated
    codes), with its year and era (``ERAS``). A unit coded in two files is kept once (the first file)."""
    from .validation.measure import read_coded

    parts = []
    for path in sorted(folder.glob("paragraphs_*.csv")):
        f = read_coded(path, themes=themes)
        parts.append(f.select("unit_id", "source", "doc", "text", *themes, "group"))
    frame = pl.concat(parts).unique("unit_id", keep="first", maintain_order=True)
    frame = frame.filter(pl.col("source") == "national").with_columns(
        year=pl.col("doc").cast(pl.Int64, strict=False)
    )
    era = pl.lit(None, dtype=pl.String)
    for lo, hi, name in reversed(ERAS):
        era = pl.when(pl.col("year").is_between(lo, hi)).then(pl.lit(name)).otherwise(era)
    return frame.filter(pl.col("year").is_not_null()).with_columns(era=era).sort("year", "unit_id")


def accuracy_by_era(
    coded: pl.DataFrame, *, themes: Sequence[str] = FOCUS, n_boot: int = N_BOOT
) -> pl.DataFrame:
    """Precision, recall and F1 of the presence measure (``presence`` rules, as ``score_themes``'s
    ``present``) per era and theme, against the adjudicated codes, with 95% intervals from a cluster
    bootstrap over reports (``validation.accuracy.accuracy_table`` with ``groups="doc"``). Unweighted:
    the coded paragraphs were drawn by keyword strata, so these describe the coded sample, not all
    paragraphs of an era."""
    from .validation.accuracy import accuracy_table
    from .validation.measure import rule_predictions

    parts = []
    for _, _, name in ERAS:
        sub = coded.filter(pl.col("era") == name)
        if not sub.height:
            continue
        pred = rule_predictions(sub, themes=themes)
        acc = accuracy_table(sub, pred, themes=themes, groups="doc", n_boot=n_boot)
        parts.append(acc.with_columns(era=pl.lit(name), reports=pl.lit(sub["doc"].n_unique())))
    return (
        pl.concat(parts).select("era", "reports", pl.exclude("era", "reports")) if parts else pl.DataFrame()
    )


# ------------------------------------------------------------------------------------------------
# Sentences of the pages: every number computed, every claim with its interval
# ------------------------------------------------------------------------------------------------


def _name(theme: str) -> str:
    from .report import theme_name

    return theme_name(theme)


def _p(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"


def _iv(lo: float, hi: float) -> str:
    return f"[{lo:.2f}, {hi:.2f}]"


def national_sentences(table: pl.DataFrame, *, alpha: float = 0.05) -> str:
    """Markdown bullets: per provincial year and theme, the national report against the provincial median."""
    if not table.height:
        return "The corpus has no national report to set against the provinces."
    out = []
    for r in table.iter_rows(named=True):
        verdict = (
            (
                f"{'above' if r['difference'] > 0 else 'below'} the provincial median (Holm-adjusted p "
                f"{_p(r['p_holm'])})"
            )
            if r["p_holm"] < alpha
            else f"not distinguishable from the provincial median (Holm-adjusted p = {r['p_holm']:.2f})"
        )
        out.append(
            f"- **{_name(r['theme'])}**, provinces {r['provincial_year']} against the national report of "
            f"{r['national_year']} (delivered {r['national_delivered']} them): national {r['national']:.2f} "
            f"{_iv(r['national_low'], r['national_high'])}, provincial median {r['province_median']:.2f} "
            f"{_iv(r['median_low'], r['median_high'])}; difference {r['difference']:+.2f} "
            f"{_iv(r['diff_low'], r['diff_high'])}: {verdict}. {r['share_provinces_below']:.0%} "
            f"[{r['below_low']:.0%}, {r['below_high']:.0%}] of the {r['n_provinces']} provinces are below "
            "the national value."
        )
    return "\n".join(out)


def national_table(table: pl.DataFrame) -> pl.DataFrame:
    """The national-against-provinces table narrowed for a page column: the years in one column, each value
    with its 95% interval in one text column, the Holm-adjusted p-value."""
    if not table.height:
        return pl.DataFrame()

    def iv(v: str, lo: str, hi: str) -> pl.Expr:
        return pl.struct(v, lo, hi).map_elements(
            lambda r: f"{r[v]:.2f} {_iv(r[lo], r[hi])}", return_dtype=pl.String
        )

    return table.select(
        pl.format("{} vs {} ({})", "provincial_year", "national_year", "national_delivered").alias(
            "provinces vs national (delivered)"
        ),
        pl.col("theme").map_elements(_name, return_dtype=pl.String).alias("theme"),
        iv("national", "national_low", "national_high").alias("national [95%]"),
        iv("province_median", "median_low", "median_high").alias("provincial median [95%]"),
        iv("difference", "diff_low", "diff_high").alias("difference [95%]"),
        pl.col("p_holm").round(3).alias("Holm p"),
    )


def outlier_sentences(outliers: pl.DataFrame) -> str:
    """Markdown bullets: the provinces whose report stands out from the provincial median after Holm."""
    if not outliers.height:
        return "No provincial reports."
    out = []
    for (year,), part in outliers.group_by(["year"], maintain_order=True):
        n_tests = part.height
        hits = part.filter(pl.col("stands_out").is_not_null()).sort("theme", "difference")
        if not hits.height:
            out.append(
                f"- **{year}**: no province stands out on any of the themes after Holm's adjustment over "
                f"{n_tests} comparisons (provinces × themes)."
            )
            continue
        items = "; ".join(
            f"{r['region']} on {_name(r['theme']).lower()} ({r['stands_out']}: {r['difference']:+.2f} "
            f"{_iv(r['diff_low'], r['diff_high'])}, adjusted p {_p(r['p_holm'])})"
            for r in hits.iter_rows(named=True)
        )
        out.append(
            f"- **{year}**: {hits.height} of {n_tests} province × theme comparisons stand out after "
            f"Holm: {items}."
        )
    return "\n".join(out)


def stability_sentences(table: pl.DataFrame) -> str:
    """Markdown bullets: the rank correlation of provinces' emphasis between the two years."""
    if not table.height:
        return "Fewer than three provinces are in both years: no rank correlation."
    out = []
    for r in table.iter_rows(named=True):
        lo, hi = r["ci_low"], r["ci_high"]
        reading = (
            "provinces that stressed it more in the first year tend to stress it more in the second"
            if lo > 0
            else "the interval includes no association"
            if hi > 0
            else "the order reverses"
        )
        out.append(
            f"- **{_name(r['theme'])}**: Spearman's ρ = {r['spearman']:.2f} {_iv(lo, hi)} over "
            f"{r['n_provinces']} provinces: {reading}."
        )
    return "\n".join(out)


def appearance_sentences(table: pl.DataFrame) -> str:
    """Markdown bullets: when each theme first appears in the national report, and how steadily after."""
    out = []
    for r in table.iter_rows(named=True):
        if r["first_present"] is None:
            out.append(
                f"- **{_name(r['theme'])}**: never above the presence minimum in {r['reports']} reports"
                f" (first lexicon hit: {r['first_hit'] or 'none'})."
            )
            continue
        out.append(
            f"- **{_name(r['theme'])}**: first lexicon hit in {r['first_hit']}; first above the presence "
            f"minimum in {r['first_present']}; present in {r['present_since']} of the {r['reports_since']} "
            f"reports since ({r['present_since'] / r['reports_since']:.0%})."
        )
    return "\n".join(out)


def _pr(r: dict, name: str) -> str:
    """A precision or recall with its cluster-bootstrap interval; where the bootstrap cannot vary (every
    resample as good: few positives, all right), the Wilson 95% interval of the counts instead, said so."""
    from .metadata_eval import wilson_interval

    v = r[name]
    if np.isnan(v):
        return "undefined"
    lo, hi = r[name + "_lo"], r[name + "_hi"]
    if hi - lo < 1e-9:
        n = int(r["tp"] + (r["fp"] if name == "precision" else r["fn"]))
        wl, wh = wilson_interval(int(r["tp"]), n)
        return f"{v:.2f} {_iv(wl, wh)} (Wilson, {int(r['tp'])} of {n}: the report bootstrap does not vary)"
    return f"{v:.2f} {_iv(lo, hi)}"


def era_accuracy_sentences(acc: pl.DataFrame) -> str:
    """Markdown bullets: precision and recall of the presence measure per era, with their intervals."""
    out = []
    for r in acc.iter_rows(named=True):
        if r["tp"] + r["fn"] == 0 and r["tp"] + r["fp"] == 0:
            out.append(
                f"- {r['era']}, {_name(r['theme']).lower()}: no coded or predicted positive among "
                f"{r['n']} paragraphs ({r['reports']} reports): precision and recall undefined."
            )
            continue

        out.append(
            f"- {r['era']}, {_name(r['theme']).lower()}: precision {_pr(r, 'precision')}, recall "
            f"{_pr(r, 'recall')} ({r['n']} paragraphs from {r['reports']} reports; "
            f"{int(r['tp'] + r['fn'])} coded positive)."
        )
    return "\n".join(out)


def corpus_counts(docs: pl.DataFrame) -> str:
    """One sentence: how many reports of each level and which years (what this corpus can support)."""
    nat = docs.filter(pl.col("level") == "national")
    prov = docs.filter(pl.col("level") == "province")
    py = sorted(prov["year"].unique().to_list())
    return (
        f"This corpus has **{nat.height} national government work reports** ({nat['year'].min()}–"
        f"{nat['year'].max()}, one a year where present) and **{prov.height} provincial reports** "
        f"({', '.join(str(y) for y in py) or 'none'}; {prov['region'].n_unique()} provinces)."
    )
