"""Results of a word-intrusion study: coders' answers read back and scored per topic and per model.

In: a study folder (``tests/data/validation/intrusion/`` holds the project's): ``sheets.toml`` (how the
sheets were drawn, from which build), ``tasks/intrusion_<corpus>_<model>.csv`` (the sheets as sent),
``answer_key/intrusion_<corpus>_<model>_key.csv`` (never sent to coders) and
``answers/<coder>/intrusion_<corpus>_<model>.csv`` (each coder's filled sheet, CSV or XLSX).
Out: ``read_intrusion_study`` - tasks, key, valid answers and rejected answers, tidy;
``topic_precision`` - per corpus, model and topic: answers, hits, model precision with a Wilson interval;
``model_precision`` - per corpus and model: precision over all its topics with an interval whose unit of
resampling is the topic (a cluster bootstrap: the claim is about the model's topics, not about answers),
chance, topics found by a majority of coders, and inter-coder agreement (all coders chose the same word;
Fleiss' kappa); ``model_difference`` - the difference between two models' precision with its interval;
``drawn_topics_match`` - whether a current ``topics`` table still has the topics the sheets were drawn
from (``drawn_build_note`` says it in a sentence); ``summary_sentences`` - one sentence per corpus,
computed from those tables; ``models_for_reading`` - the model table with readable column names.
How: answers are checked against each task's options by ``fazhi.validation.intrusion.read_answers`` (an
answer that is not one of the shown words is rejected and listed, never scored); hits are answers equal
to the key's intruder. Chance is 1 / (options per task). Fleiss' kappa (statsmodels) takes the option
positions as categories; options are shuffled per task, so its chance agreement is that of positions.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
from scipy.stats import binomtest

from ._common import N_BOOT, SEED
from .intrusion import read_answers, score_intrusion

#: A sheet's file name: ``intrusion_<corpus>_<model>`` (the corpus name may hold underscores, the model not).
SHEET = re.compile(r"^intrusion_(?P<corpus>.+)_(?P<model>[^_]+)$")
ANSWER_SUFFIXES = (".csv", ".xlsx")


@dataclass(frozen=True)
class IntrusionStudy:
    """A word-intrusion study read back: what was sent, the key, and what the coders answered."""

    manifest: dict  #: ``sheets.toml``: how and from which build the sheets were drawn
    tasks: pl.DataFrame  #: corpus, model, task_id, option_1 .. option_n
    key: pl.DataFrame  #: corpus, model, task_id, topic, label, intruder, intruder_topic
    answers: pl.DataFrame  #: corpus, model, coder, task_id, answer (one of the task's options)
    rejected: pl.DataFrame  #: corpus, model, coder, task_id, answer, reason (never scored)
    coders: tuple[str, ...]  #: the coders, one folder of ``answers/`` each


def _sheet(stem: str) -> tuple[str, str]:
    m = SHEET.match(stem)
    if not m:
        raise ValueError(f"{stem}: a sheet is named intrusion_<corpus>_<model>")
    return m["corpus"], m["model"]


def read_intrusion_study(folder: str | Path) -> IntrusionStudy:
    """Read a study folder (see the module docstring) into an ``IntrusionStudy``.

    Raises
    ------
    FileNotFoundError
        When the folder has no sheet, a sheet has no key, or a coder has no answers to a sheet.
    ValueError
        When a key's tasks differ from its sheet's, or a key names another model than its file.
    """
    folder = Path(folder)
    manifest_path = folder / "sheets.toml"
    manifest = tomllib.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.is_file() else {}
    sheets = sorted((folder / "tasks").glob("intrusion_*.csv"))
    if not sheets:
        raise FileNotFoundError(f"{folder}: no tasks/intrusion_<corpus>_<model>.csv")
    coders = tuple(sorted(p.name for p in (folder / "answers").iterdir() if p.is_dir()))
    if not coders:
        raise FileNotFoundError(f"{folder}: no answers/<coder>/ folder")
    tasks, keys, answers, rejected = [], [], [], []
    for path in sheets:
        corpus, model = _sheet(path.stem)
        sheet = pl.read_csv(path, infer_schema=False).drop("answer", strict=False)
        key_path = folder / "answer_key" / f"{path.stem}_key.csv"
        if not key_path.is_file():
            raise FileNotFoundError(f"{path.name}: no answer key {key_path.name}")
        key = pl.read_csv(
            key_path,
            schema_overrides={"task_id": pl.String, "topic": pl.Int32, "intruder_topic": pl.Int32},
        )
        if sorted(key["task_id"]) != sorted(sheet["task_id"]):
            raise ValueError(f"{key_path.name}: its tasks are not those of {path.name}")
        if set(key["model"]) != {model}:
            raise ValueError(
                f"{key_path.name}: the key is of model(s) {sorted(set(key['model']))}, not {model}"
            )
        ids = [pl.lit(corpus).alias("corpus"), pl.lit(model).alias("model")]
        tasks.append(sheet.select(*ids, pl.all()))
        keys.append(key.select(*ids, pl.all().exclude("model")))
        for coder in coders:
            found = [folder / "answers" / coder / f"{path.stem}{s}" for s in ANSWER_SUFFIXES]
            filled = next((p for p in found if p.is_file()), None)
            if filled is None:
                raise FileNotFoundError(f"coder {coder} has no answers to {path.name}")
            ok, bad = read_answers(filled, sheet)
            who = [*ids, pl.lit(coder).alias("coder")]
            answers.append(ok.select(*who, pl.all()))
            rejected.append(bad.select(*who, pl.all()))
    return IntrusionStudy(
        manifest=manifest,
        tasks=pl.concat(tasks, how="diagonal"),
        key=pl.concat(keys),
        answers=pl.concat(answers),
        rejected=pl.concat(rejected),
        coders=coders,
    )


def topic_precision(study: IntrusionStudy, *, alpha: float = 0.05) -> pl.DataFrame:
    """Per corpus, model and topic: tasks, coders, answers, hits and model precision (hits / answers) with a
    Wilson (1 - alpha) interval over the topic's answers; sorted by corpus, model, topic."""
    parts = []
    for (corpus, model), key in study.key.group_by("corpus", "model", maintain_order=True):
        given = study.answers.filter((pl.col("corpus") == corpus) & (pl.col("model") == model))
        per_coder = {c: given.filter(pl.col("coder") == c).select("task_id", "answer") for c in study.coders}
        scored = score_intrusion(per_coder, key.drop("corpus").with_columns(pl.lit(model).alias("model")))
        parts.append(scored.with_columns(pl.lit(corpus).alias("corpus")))
    return (
        pl.concat(parts)
        .rename({"correct": "hits"})
        .select(
            "corpus", "model", "topic", "label", "tasks", "coders", "answers", "hits", "precision", "lo", "hi"
        )
        .sort("corpus", "model", "topic")
    )


def _options(study: IntrusionStudy) -> int:
    return len([c for c in study.tasks.columns if c.startswith("option_")])


def _boot_precision(
    hits: np.ndarray, answers: np.ndarray, *, n_boot: int, rng: np.random.Generator
) -> np.ndarray:
    """Precision (sum of hits / sum of answers) over ``n_boot`` resamples of the topics."""
    idx = rng.integers(0, len(hits), size=(n_boot, len(hits)))
    return hits[idx].sum(axis=1) / np.maximum(answers[idx].sum(axis=1), 1)


def _agreement(study: IntrusionStudy, corpus: str, model: str) -> tuple[int, int, float | None]:
    """(tasks every coder answered, of those where all chose the same word, Fleiss' kappa or None)."""
    from statsmodels.stats.inter_rater import fleiss_kappa

    n_coders = len(study.coders)
    sel = (pl.col("corpus") == corpus) & (pl.col("model") == model)
    given = study.answers.filter(sel)
    complete = (
        given.group_by("task_id").agg(pl.col("answer"), pl.len().alias("n")).filter(pl.col("n") == n_coders)
    )
    if complete.is_empty():
        return 0, 0, None
    same = int(complete.filter(pl.col("answer").list.n_unique() == 1).height)
    opt_cols = [c for c in study.tasks.columns if c.startswith("option_")]
    options = {r[0]: list(r[1:]) for r in study.tasks.filter(sel).select("task_id", *opt_cols).iter_rows()}
    counts = np.zeros((complete.height, len(opt_cols)), dtype=np.int64)
    for i, (task_id, chosen) in enumerate(complete.select("task_id", "answer").sort("task_id").iter_rows()):
        for word in chosen:
            counts[i, options[task_id].index(word)] += 1
    kappa = float(fleiss_kappa(counts, method="fleiss")) if n_coders > 1 else None
    return complete.height, same, None if kappa is None or np.isnan(kappa) else kappa


def model_precision(
    study: IntrusionStudy, *, n_boot: int = N_BOOT, seed: int = SEED, alpha: float = 0.05
) -> pl.DataFrame:
    """Per corpus and model: the model's precision over its topics, with a cluster-bootstrap interval.

    Columns: corpus, model, topics, topics_found (topics where more than half the answers found the
    intruder), answers, hits, precision (hits / answers), lo, hi (percentile interval of ``n_boot``
    resamples of the topics, seeded; where every topic scored alike, so that resampling topics cannot
    vary, a Wilson interval with the topic as the unit), interval (which of the two), chance (1 / options
    per task), tasks_complete (tasks every coder answered), all_agree (the share of those where every
    coder chose the same word) and fleiss_kappa.
    """
    per_topic = topic_precision(study, alpha=alpha)
    chance = 1.0 / _options(study)
    rows = []
    rng = np.random.default_rng(seed)
    for (corpus, model), t in per_topic.group_by("corpus", "model", maintain_order=True):
        t = t.filter(pl.col("answers") > 0)
        hits, answers = t["hits"].to_numpy(), t["answers"].to_numpy()
        total_h, total_a = int(hits.sum()), int(answers.sum())
        boot = _boot_precision(hits, answers, n_boot=n_boot, rng=rng) if t.height else np.array([np.nan])
        lo, hi = float(np.quantile(boot, alpha / 2)), float(np.quantile(boot, 1 - alpha / 2))
        how = "cluster bootstrap over topics"
        if (
            total_a and lo == hi
        ):  # every topic scored alike: resampling topics cannot vary; one topic, one unit
            ci = binomtest(round(total_h / total_a * t.height), t.height).proportion_ci(1 - alpha, "wilson")
            lo, hi, how = float(ci.low), float(ci.high), "Wilson, topics as units"
        complete, same, kappa = _agreement(study, corpus, model)
        rows.append(
            {
                "corpus": corpus,
                "model": model,
                "topics": t.height,
                "topics_found": int((2 * hits > answers).sum()),
                "answers": total_a,
                "hits": total_h,
                "precision": total_h / total_a if total_a else None,
                "lo": lo if total_a else None,
                "hi": hi if total_a else None,
                "interval": how if total_a else None,
                "chance": chance,
                "tasks_complete": complete,
                "all_agree": same / complete if complete else None,
                "fleiss_kappa": kappa,
            }
        )
    return pl.DataFrame(rows).sort("corpus", "model")


def _replicates(t: pl.DataFrame, *, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """A model's precision over ``n_boot`` resamples of its topics (``t``: hits and answers per topic), or
    Jeffreys draws with the topic as the unit where every topic scored alike."""
    hits, answers = t["hits"].to_numpy(), t["answers"].to_numpy()
    share = hits / answers
    if np.all(share == share[0]):
        k = share[0] * len(share)
        return rng.beta(k + 0.5, len(share) - k + 0.5, size=n_boot)
    return _boot_precision(hits, answers, n_boot=n_boot, rng=rng)


def model_difference(
    study: IntrusionStudy,
    first: str,
    second: str,
    *,
    n_boot: int = N_BOOT,
    seed: int = SEED,
    alpha: float = 0.05,
) -> pl.DataFrame:
    """Per corpus: precision of ``first`` minus that of ``second``, with a percentile interval from
    resampling each model's topics independently (the two models' topics are different units). For a model
    whose topics all scored alike (resampling cannot vary), each replicate draws its precision from the
    Jeffreys posterior Beta(k + 1/2, n - k + 1/2) with the topic as the unit (n topics, k = precision x n),
    so that a perfect score does not pass for a certain one."""
    per_topic = topic_precision(study, alpha=alpha).filter(pl.col("answers") > 0)
    rng = np.random.default_rng(seed)
    rows = []
    for corpus in sorted(per_topic["corpus"].unique()):
        a = per_topic.filter((pl.col("corpus") == corpus) & (pl.col("model") == first))
        b = per_topic.filter((pl.col("corpus") == corpus) & (pl.col("model") == second))
        if a.is_empty() or b.is_empty():
            continue
        pa = a["hits"].sum() / a["answers"].sum()
        pb = b["hits"].sum() / b["answers"].sum()
        boot = _replicates(a, n_boot=n_boot, rng=rng) - _replicates(b, n_boot=n_boot, rng=rng)
        rows.append(
            {
                "corpus": corpus,
                "first": first,
                "second": second,
                "difference": float(pa - pb),
                "lo": float(np.quantile(boot, alpha / 2)),
                "hi": float(np.quantile(boot, 1 - alpha / 2)),
            }
        )
    return pl.DataFrame(
        rows,
        schema={k: pl.String for k in ("corpus", "first", "second")}
        | {k: pl.Float64 for k in ("difference", "lo", "hi")},
    )


def drawn_topics_match(study: IntrusionStudy, topics: pl.DataFrame, *, corpus: str) -> pl.DataFrame:
    """Whether ``topics`` (a current ``topics`` table) still has the topics the sheets of ``corpus`` show.

    Per model and topic of the key: the words the task showed for the topic (its options less the
    intruder), the current table's top ``prob`` terms of the same topic number and model (as many), and
    ``same`` (the two sets are equal). A model the current table lacks gives no current terms.
    """
    opt_cols = [c for c in study.tasks.columns if c.startswith("option_")]
    sheet = study.tasks.filter(pl.col("corpus") == corpus).join(
        study.key.filter(pl.col("corpus") == corpus), on=["corpus", "model", "task_id"]
    )
    rows = []
    for r in sheet.sort("model", "topic").iter_rows(named=True):
        shown = sorted(r[c] for c in opt_cols if r[c] is not None and r[c] != r["intruder"])
        current = (
            topics.filter(
                (pl.col("model") == r["model"])
                & (pl.col("topic") == r["topic"])
                & (pl.col("ranking") == "prob")
            )
            .sort("rank")
            .head(len(shown))["term"]
            .to_list()
        )
        rows.append(
            {
                "model": r["model"],
                "topic": r["topic"],
                "drawn": " ".join(shown),
                "current": " ".join(sorted(current)),
                "same": sorted(current) == shown,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "model": pl.String,
            "topic": pl.Int32,
            "drawn": pl.String,
            "current": pl.String,
            "same": pl.Boolean,
        },
    )


def _fmt(p: float | None) -> str:
    return "—" if p is None else f"{p:.2f}"


def summary_sentences(
    models: pl.DataFrame, differences: pl.DataFrame | None = None, *, names: dict[str, str] | None = None
) -> dict[str, str]:
    """One Markdown sentence per corpus from ``model_precision`` (and ``model_difference``): topics found,
    precision with its interval against chance, and whether one model did better (only when the interval of
    the difference excludes zero). ``names`` maps a corpus to the name shown."""
    out = {}
    for corpus in models["corpus"].unique(maintain_order=True):
        rows = models.filter(pl.col("corpus") == corpus).sort("model").to_dicts()
        parts = [
            f"in {r['topics_found']} of {r['topics']} {r['model'].upper()} topics "
            f"(precision {_fmt(r['precision'])} [{_fmt(r['lo'])}, {_fmt(r['hi'])}])"
            for r in rows
        ]
        name = (names or {}).get(corpus, corpus)
        text = (
            f"**{name}**: a majority of coders found the intruder "
            + " and ".join(parts)
            + f", against chance {rows[0]['chance']:.2f}"
        )
        d = None if differences is None else differences.filter(pl.col("corpus") == corpus)
        if d is not None and d.height:
            d0 = d.row(0, named=True)
            a, b = d0["first"].upper(), d0["second"].upper()
            diff = f"{a} − {b} = {d0['difference']:+.2f} [{d0['lo']:+.2f}, {d0['hi']:+.2f}]"
            if d0["lo"] > 0:
                text += f"; {a} did better ({diff})"
            elif d0["hi"] < 0:
                text += f"; {b} did better ({diff})"
            else:
                text += f"; neither model did clearly better ({diff}, an interval that includes 0)"
        out[corpus] = text + "."
    return out


def models_for_reading(models: pl.DataFrame, *, names: dict[str, str] | None = None) -> pl.DataFrame:
    """``model_precision`` with readable column names and the corpus by its shown name, for a page."""
    return models.select(
        pl.col("corpus").replace(names or {}).alias("corpus"),
        pl.col("model").str.to_uppercase().alias("model"),
        pl.col("topics"),
        pl.col("topics_found").alias("topics found (majority)"),
        pl.col("answers"),
        pl.col("hits"),
        pl.col("precision"),
        pl.col("lo").alias("95% low"),
        pl.col("hi").alias("95% high"),
        pl.col("interval").alias("interval by"),
        pl.col("chance"),
        pl.col("all_agree").alias("all coders agree"),
        pl.col("fleiss_kappa").alias("Fleiss' κ"),
    )


def drawn_build_note(
    study: IntrusionStudy,
    current: dict[str, pl.DataFrame | None],
    *,
    names: dict[str, str] | None = None,
) -> str:
    """Markdown saying, per corpus, from which build the sheets were drawn and whether the current build's
    ``topics`` table (``current[corpus]``; ``None`` when not built here) still has those topics: the
    topics whose shown words are the current top words of the same model and topic number, out of all."""
    commit = str(study.manifest.get("commit", ""))[:7] or "an unrecorded commit"
    lines = []
    for corpus in study.key["corpus"].unique(maintain_order=True):
        name = (names or {}).get(corpus, corpus)
        head = f"- **{name}**: the sheets were drawn from a build made with commit `{commit}`"
        topics = current.get(corpus)
        if topics is None or topics.is_empty():
            lines.append(head + "; this site has no topic table of this corpus to compare them with.")
            continue
        match = drawn_topics_match(study, topics, corpus=corpus)
        per_model = ", ".join(
            f"{m.upper()} {int(g['same'].sum())} of {g.height}"
            for (m,), g in match.group_by("model", maintain_order=True)
        )
        same, total = int(match["same"].sum()), match.height
        if same == total:
            lines.append(
                head + f"; the current build has the same topics (all {total} show the same top words: "
                f"{per_model}), so the results describe the topics on this site."
            )
        else:
            lines.append(
                head + f"; **the current build's topics differ**: {same} of {total} drawn topics have the "
                f"same top words now ({per_model}). The results describe the topics the sheets were drawn "
                "from, not those on this site's topics page."
            )
    return "\n".join(lines)


def current_topics(study: IntrusionStudy) -> dict[str, pl.DataFrame | None]:
    """Each corpus of the study's ``topics`` table as this project built it, ``None`` where it has none.

    A corpus is found by its ``site_corpus`` name in ``sheets.toml`` among the corpora of
    ``notebooks/site.toml``: the default corpus's tables are this page's own (``fazhi.paths.data_dir``);
    another's are beside them (``<tables>--<name>``, where a site built elsewhere puts them) or, failing
    that, its ``tables`` folder. A table made from other inputs than the corpus's current ones counts as
    none (``fazhi.tables.StaleTableError``).
    """
    from ..paths import corpus_dir, data_dir, project_root
    from ..site import site_corpora
    from ..tables import StaleTableError, read_table

    site = {c.name: c for c in site_corpora(project_root())}
    found: dict[str, pl.DataFrame | None] = {}
    for corpus, entry in study.manifest.get("corpus", {}).items():
        c = site.get(entry.get("site_corpus", corpus))
        if c is None:
            found[corpus] = None
            continue
        if c.default:
            places = [(data_dir(), corpus_dir())]
        else:
            places = [(data_dir().with_name(f"{data_dir().name}--{c.name}"), c.folder), (c.tables, c.folder)]
        found[corpus] = None
        for tables, folder in places:
            try:
                found[corpus] = read_table("topics", tables, corpus=folder)
                break
            except (FileNotFoundError, StaleTableError):
                continue
    return found
