"""The topic stage: matrix, grid, final fits, description, effects, seeded topics, in one call.

In: the tables of the earlier stages (``ctx.tables``) and ``ctx.settings.topics``. Out: the eleven topic
tables (``_STAGE_TABLES``). How: ``run_topics`` chains the public steps of the subpackage; a matrix too
small to fit gives empty tables and a recorded reason (``skip_reason``), never silence.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from ..schema import (
    DOC_TOPICS,
    MODEL_SELECTION,
    TOPIC_ALIGNMENT,
    TOPIC_EFFECTS,
    TOPIC_PREVALENCE,
    TOPIC_REPRESENTATIVES,
    TOPIC_RUNS,
    TOPIC_SEEDED,
    TOPIC_SETTINGS,
    TOPIC_SUMMARY,
    TOPICS,
)
from .describe import alignment, describe_fit, prevalence_by_level, theme_counts_per_unit
from .diagnostics import match_topics
from .effects import topic_effects
from .fitting import GridResult, TopicFit, fit_grid, fit_topic_model, lda_method, tfidf
from .matrix import DTM, document_term_matrix, selection_rows, subset_dtm
from .seeded import seeded_topics
from .settings import TopicSettings

#: The ``topic_settings`` key whose value says why no model was fitted (present only then).
SKIPPED_KEY = "skipped"


def skip_reason(dtm: DTM, s: TopicSettings) -> str:
    """Why a matrix is too small to fit topics: its shape and what pruning removed, in one line."""
    p = dtm.pruning
    n_units, n_terms = dtm.X.shape
    why = [
        (
            f"the document-term matrix has {n_units} unit(s) × {n_terms} term(s); "
            "a topic model needs at least 3 × 3"
        )
    ]
    if p.get("kept_tokens", 0) and p.get("boilerplate_tokens", 0) >= p.get("kept_tokens", 0):
        why.append(
            "boilerplate exclusion removed every token (topics.exclude_boilerplate = false keeps them)"
        )
    elif p.get("units_before", 0) and not p.get("units_after", 0):
        why.append(f"no {s.unit} has {s.min_unit_tokens} kept tokens and terms shared by {s.min_df} of them")
    elif not p.get("kept_tokens", 0):
        why.append("no token was kept")
    return "no topic model was fitted: " + "; ".join(why)


def topics_skipped(settings: pl.DataFrame) -> str | None:
    """The reason recorded in a ``topic_settings`` table when no topic model was fitted, else None."""
    rows = settings.filter(pl.col("key") == SKIPPED_KEY)["value"]
    return rows[0] if rows.len() else None


def notebook_guard(settings: pl.DataFrame) -> str | None:
    """In a notebook: when no topic model was fitted, print the recorded reason and turn the rest of the
    notebook's code cells into no-ops (so the page shows the reason instead of failing); returns it.

    Outside IPython it only returns the reason (None when models were fitted).
    """
    reason = topics_skipped(settings)
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover -- IPython comes with the notebook dependencies
        get_ipython = None
    ip = get_ipython() if get_ipython is not None else None
    if ip is not None:  # a guard of an earlier run (tables since rebuilt) goes first
        ip.input_transformers_post[:] = [f for f in ip.input_transformers_post if f is not _skip_cell]
    if reason is None:
        return None
    print(reason)
    if ip is not None:
        ip.input_transformers_post.append(_skip_cell)
    return reason


def _skip_cell(lines: list[str]) -> list[str]:
    """IPython input transformer of ``notebook_guard``: a cell becomes a no-op, except the guard's own cell
    (so that re-running it after a new build lifts the guard)."""
    if any("notebook_guard(" in line for line in lines):
        return lines
    return ["pass  # no topic model was fitted: see the reason above\n"]


def run_topics(
    tokens: pl.DataFrame | pl.LazyFrame,
    *,
    sections: pl.DataFrame | None = None,
    sentences: pl.DataFrame | None = None,
    documents: pl.DataFrame | None = None,
    boilerplate: pl.DataFrame | None = None,
    theme_hits: pl.DataFrame | None = None,
    settings: TopicSettings | None = None,
    jobs: int | None = None,
    timings: dict[str, float] | None = None,
) -> dict[str, pl.DataFrame]:
    """The whole topic stage on tables in memory: matrix, grid, selection, description. See the package doc.

    Parameters
    ----------
    jobs
        At most this many worker processes for the grid (default ``settings.jobs``); the grid stays serial
        when it fits fewer than ``settings.parallel_min_units`` units. Results do not depend on it.
    timings
        If given, filled with the seconds spent in each step (for benchmarks; never written to a table).
    """
    s = settings or TopicSettings()
    lap = _Laps(timings)
    dtm = document_term_matrix(
        tokens,
        sections=sections,
        sentences=sentences,
        documents=documents,
        boilerplate=boilerplate,
        settings=s,
    )
    lap("matrix")
    if dtm.X.shape[0] < 3 or dtm.X.shape[1] < 3:
        out = {t.name: pl.DataFrame(schema=t.polars_schema) for t in _STAGE_TABLES}
        reason = pl.DataFrame({"key": [SKIPPED_KEY], "value": [skip_reason(dtm, s)]})
        out["topic_settings"] = pl.concat([s.as_table(), reason])
        return out
    rows = selection_rows(dtm, s)
    grid_dtm = dtm if rows is None else subset_dtm(dtm, rows)
    workers = 1 if grid_dtm.X.shape[0] < s.parallel_min_units else (jobs or s.jobs)
    grid = fit_grid(grid_dtm, s, jobs=workers, n_units_all=dtm.X.shape[0])
    lap("grid")
    finals = final_fits(dtm, grid, s, sampled=rows is not None)
    lap("final fits")
    theme_units = theme_counts_per_unit(theme_hits, dtm)
    tables = _describe_finals(finals, dtm, theme_units, s, documents=documents)
    labels = tables["topic_summary"].select("model", "topic", "label")
    lap("description and alignment")
    tables["topic_prevalence"] = prevalence_by_level(
        tables["doc_topics"], labels, n_bootstrap=s.n_bootstrap, ci=s.ci, seed=s.bootstrap_seed
    )
    lap("prevalence bootstrap")
    primary = str(grid.selection.filter(pl.col("primary"))["model"][0])
    tables["topic_effects"] = topic_effects(
        finals[primary][0], dtm, documents, labels, n_draws=s.effects_draws, seed=s.effects_seed, ci=s.ci
    )
    lap("covariate effects")
    tables["topic_seeded"] = pl.DataFrame(schema=TOPIC_SEEDED.polars_schema)
    if s.seeded:
        from ..themes import default_lexicons

        tables["topic_seeded"] = seeded_topics(dtm, default_lexicons().frame(), theme_units, s)
    lap("seeded topics")
    tables["model_selection"] = grid.selection
    tables["topic_runs"] = grid.runs
    tables["topic_settings"] = pl.concat(
        [s.as_table(), _derived_settings(dtm, grid, s, sampled=rows is not None)]
    )
    return {t.name: tables[t.name] for t in _STAGE_TABLES}


class _Laps:
    """Seconds per step into ``timings`` (when given): each call closes the step since the last."""

    def __init__(self, timings: dict[str, float] | None) -> None:
        import time

        self._clock = time.perf_counter
        self._last = self._clock()
        self._timings = timings

    def __call__(self, step: str) -> None:
        now = self._clock()
        if self._timings is not None:
            self._timings[step] = self._timings.get(step, 0.0) + now - self._last
        self._last = now


def final_fits(
    dtm: DTM, grid: GridResult, s: TopicSettings, *, sampled: bool
) -> dict[str, tuple[TopicFit, np.ndarray, np.ndarray | None]]:
    """Per model, the fit described at the chosen k, its topics' stability, and (when the grid ran on a
    sample) how closely each of its topics reproduces the medoid run's (cosine of the matched topics).

    Without a sample the fit is the grid's medoid run. With one, the model is fitted on every unit under
    the medoid run's seed, and its topics are paired with the medoid run's by Hungarian matching, which
    carries each topic's stability over.
    """
    k = int(grid.selection.filter(pl.col("chosen"))["k"][0])
    Xt_all = tfidf(dtm.X) if sampled and "nmf" in s.models else None
    finals: dict[str, tuple[TopicFit, np.ndarray, np.ndarray | None]] = {}
    for m in s.models:
        runs = grid.runs.filter((pl.col("model") == m) & (pl.col("k") == k) & pl.col("medoid"))
        medoid_seed = int(runs["seed"][0])
        chosen = grid.fits[(m, k, medoid_seed)]
        stab = grid.per_topic_stability[(m, k)][list(s.seeds).index(medoid_seed)]
        if not sampled:
            finals[m] = (chosen, stab, None)
            continue
        fit = fit_topic_model(dtm.X, k, model=m, seed=medoid_seed, settings=s, X_tfidf=Xt_all)
        perm, sims = match_topics(fit.beta, chosen.beta)
        finals[m] = (fit, stab[perm], sims)
    return finals


def _describe_finals(
    finals: dict[str, tuple[TopicFit, np.ndarray, np.ndarray | None]],
    dtm: DTM,
    theme_units: pl.DataFrame,
    s: TopicSettings,
    *,
    documents: pl.DataFrame | None,
) -> dict[str, pl.DataFrame]:
    """``describe_fit`` and ``alignment`` of every final fit, concatenated and sorted by their keys."""
    described: dict[str, list[pl.DataFrame]] = {}
    aligned = []
    for m in s.models:
        fit, stab, match = finals[m]
        d = describe_fit(fit, dtm, s, per_topic_stability=stab, sample_match=match, documents=documents)
        for name, df in d.items():
            described.setdefault(name, []).append(df)
        aligned.append(alignment(fit, dtm, theme_units, d["topic_summary"].select("model", "topic", "label")))
    tables = {name: pl.concat(dfs) for name, dfs in described.items()}
    order = {
        "topics": ["model", "topic", "ranking", "rank"],
        "topic_summary": ["model", "topic"],
        "doc_topics": ["model", "unit_id", "topic"],
        "topic_representatives": ["model", "topic", "rank"],
    }
    tables = {name: df.sort(order[name]) for name, df in tables.items()}
    tables["topic_alignment"] = pl.concat(aligned).sort("model", "topic", "kind", "target")
    return tables


def _derived_settings(dtm: DTM, grid: GridResult, s: TopicSettings, *, sampled: bool) -> pl.DataFrame:
    """The ``topic_settings`` rows the stage derives: what ran on what, the model used, junk removed."""
    n_grid, n_all = int(grid.selection["n_units"][0]), dtm.X.shape[0]
    primary = str(grid.selection.filter(pl.col("primary"))["model"][0])
    junk = {key: str(v) for key, v in dtm.pruning.items() if key.startswith("junk_tokens_")}
    values = {
        "selection_sampled": str(sampled),
        "selection_units": str(n_grid),
        "final_units": str(n_all),
        "lda_method_selection": lda_method(n_grid, s),
        "lda_method_final": lda_method(n_all, s),
        "primary_model_used": primary,
        "k_grid_fitted": str(sorted(set(grid.selection["k"].to_list()))),
        **junk,
    }
    return pl.DataFrame({"key": list(values), "value": list(values.values())})


_STAGE_TABLES = (
    TOPICS,
    DOC_TOPICS,
    MODEL_SELECTION,
    TOPIC_RUNS,
    TOPIC_SUMMARY,
    TOPIC_REPRESENTATIVES,
    TOPIC_PREVALENCE,
    TOPIC_ALIGNMENT,
    TOPIC_EFFECTS,
    TOPIC_SEEDED,
    TOPIC_SETTINGS,
)


if TYPE_CHECKING:
    from ..pipeline import BuildContext


def build_stage(ctx: BuildContext) -> dict[str, pl.DataFrame]:
    """Pipeline stage: the topic tables from ``ctx.tables`` (tokens, sections, sentences, documents,
    boilerplate, theme_hits). Settings: ``BuildSettings.topics`` (a ``TopicSettings``).
    """
    s = ctx.settings.topics
    t = ctx.tables
    if not ctx.has("tokens"):
        ctx.log("topics: no tokens table; topic tables left empty")
        out = {tab.name: pl.DataFrame(schema=tab.polars_schema) for tab in _STAGE_TABLES}
        out["topic_settings"] = s.as_table()
        return out
    # Fits are independent and single-threaded, so the grid may run across the build's worker processes
    # (results do not depend on the number of workers); run_topics keeps it serial when the grid fits fewer
    # than settings.parallel_min_units units, where starting spawned workers costs more than the fits.
    jobs = s.jobs if s.jobs != 1 else max(1, ctx.jobs)
    out = run_topics(
        ctx.scan("tokens"),  # the matrix reads the kept tokens' columns it uses
        sections=t.get("sections"),
        sentences=t.get("sentences"),
        documents=t.get("documents"),
        boilerplate=t.get("boilerplate"),
        theme_hits=t.get("theme_hits"),
        settings=s,
        jobs=jobs,
    )
    reason = topics_skipped(out["topic_settings"])
    if reason is not None:
        ctx.note("topics", reason)
    return out
