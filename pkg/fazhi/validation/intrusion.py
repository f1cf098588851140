"""Word-intrusion tasks for human coders from a fitted topic model, and a scorer of their answers.

In: the ``topics`` table of the topic stage (one row per term of a topic: ``model``, ``topic``, ``label``,
``ranking``, ``rank``, ``term``); coders' filled-in sheets.
Out: ``intrusion_tasks`` - the tasks (``task_id`` and ``option_1`` .. ``option_<n+1>``, shuffled) and,
apart, the answer key (task, model, topic, label, intruder, the topic the intruder comes from);
``write_intrusion_sheets`` - the sheet as CSV and XLSX with instructions, and the key in its own folder,
so that coders are never sent it; ``read_answers`` - a coder's sheet back, with answers that are not one
of the task's options listed as rejected; ``score_intrusion`` - model precision per topic (the share of
answers that found the intruder) with a Wilson interval.
How: the word-intrusion test of Chang, Boyd-Graber, Gerrish, Wang & Blei (2009), "Reading tea leaves",
NeurIPS. For each topic the task shows its ``n_words`` most probable terms and one intruder: a term among
the top ``pool`` terms of another topic that is not among this topic's listed terms (all rankings), so
it is high in another topic and low in this one. Intruders, option order and task order come from a
seeded ``numpy`` generator: the same table and seed give the same sheet. A coherent topic is one whose
intruder coders find; precision near 1 / (n_words + 1) is chance.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import polars as pl
from scipy.stats import binomtest

from ._common import SEED

INSTRUCTIONS = (
    "Each row shows six words (or n+1) from a topic model. All but one belong together; one is an intruder. "
    "Write the intruder, exactly as shown, in the column 'answer'. If you cannot tell, guess."
)

_KEY_SCHEMA = {
    "task_id": pl.String,
    "model": pl.String,
    "topic": pl.Int32,
    "label": pl.String,
    "intruder": pl.String,
    "intruder_topic": pl.Int32,
}


def intrusion_tasks(
    topics: pl.DataFrame,
    *,
    model: str | None = None,
    ranking: str = "prob",
    n_words: int = 5,
    pool: int = 10,
    tasks_per_topic: int = 1,
    seed: int = SEED,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Word-intrusion tasks for one model of a ``topics`` table; returns ``(tasks, key)``.

    Parameters
    ----------
    topics
        The topic stage's ``topics`` table (or any frame with model, topic, ranking, rank, term; label is
        optional).
    model
        Which model's topics (needed when the table holds more than one).
    ranking
        The ranking whose top terms are shown and from which intruders are drawn (``prob`` or ``frex``).
    n_words
        Top terms of the topic shown in each task.
    pool
        An intruder is among the top ``pool`` terms of another topic.
    tasks_per_topic
        Tasks per topic, each with its own intruder (drawn without replacement when there are enough).
    seed
        Seed of the generator.
    """
    need = ["model", "topic", "ranking", "rank", "term"]
    missing = [c for c in need if c not in topics.columns]
    if missing:
        raise ValueError(f"topics table has no {', '.join(missing)} column")
    if n_words < 2 or pool < 1 or tasks_per_topic < 1:
        raise ValueError("n_words must be >= 2, pool and tasks_per_topic >= 1")
    models = sorted(topics["model"].unique().to_list())
    if model is None:
        if len(models) != 1:
            raise ValueError(f"the table holds models {models}: choose one with model=")
        model = models[0]
    frame = topics.filter(pl.col("model") == model)
    if frame.is_empty():
        raise ValueError(f"no topics of model {model!r} (have {models})")
    if "label" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, pl.String).alias("label"))
    ranked = frame.filter(pl.col("ranking") == ranking).sort("topic", "rank")
    ids = sorted(ranked["topic"].unique().to_list())
    if len(ids) < 2:
        raise ValueError("word intrusion needs at least two topics")
    listed = {t: set(frame.filter(pl.col("topic") == t)["term"].to_list()) for t in ids}
    top = {t: ranked.filter(pl.col("topic") == t)["term"].to_list() for t in ids}
    labels = dict(frame.group_by("topic").agg(pl.first("label")).iter_rows())
    rng = np.random.default_rng(seed)
    tasks, key = [], []
    for t in ids:
        shown = top[t][:n_words]
        if len(shown) < n_words:
            raise ValueError(f"topic {t} lists {len(shown)} {ranking} terms, fewer than n_words={n_words}")
        candidates: dict[str, int] = {}
        for o in ids:
            if o != t:
                for term in top[o][:pool]:
                    if term not in listed[t]:
                        candidates.setdefault(term, o)
        if not candidates:
            raise ValueError(f"topic {t}: no term of another topic's top {pool} is absent from it")
        names = sorted(candidates)
        pick = rng.choice(len(names), tasks_per_topic, replace=tasks_per_topic > len(names))
        for i in pick:
            intruder = names[int(i)]
            options = [*shown, intruder]
            rng.shuffle(options)
            tasks.append(options)
            key.append((model, t, labels.get(t), intruder, candidates[intruder]))
    order = rng.permutation(len(tasks))
    width = len(str(len(tasks)))
    task_ids = [f"T{j + 1:0{width}d}" for j in range(len(tasks))]
    opt_cols = [f"option_{j + 1}" for j in range(n_words + 1)]
    task_frame = pl.DataFrame(
        [[task_ids[j], *tasks[i], ""] for j, i in enumerate(order)],
        schema=["task_id", *opt_cols, "answer"],
        orient="row",
    )
    key_frame = pl.DataFrame(
        [(task_ids[j], *key[i]) for j, i in enumerate(order)], schema=_KEY_SCHEMA, orient="row"
    )
    return task_frame, key_frame


def write_intrusion_sheets(
    tasks: pl.DataFrame, key: pl.DataFrame, folder: str | Path, *, stem: str = "intrusion"
) -> dict[str, Path]:
    """Write ``<stem>.csv`` and ``<stem>.xlsx`` (tasks, and an instructions sheet) for coders, and the
    key to ``answer_key/<stem>_key.csv`` (keep that folder away from coders). Returns the paths."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    folder = Path(folder)
    (folder / "answer_key").mkdir(parents=True, exist_ok=True)
    paths = {
        "csv": folder / f"{stem}.csv",
        "xlsx": folder / f"{stem}.xlsx",
        "key": folder / "answer_key" / f"{stem}_key.csv",
    }
    tasks.write_csv(paths["csv"])
    key.write_csv(paths["key"])
    wb = Workbook()
    ws = wb.active
    ws.title = "tasks"
    ws.append(tasks.columns)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in tasks.iter_rows():
        ws.append(list(row))
    info = wb.create_sheet("instructions")
    info.append([INSTRUCTIONS])
    wb.save(paths["xlsx"])
    return paths


def read_answers(path: str | Path, tasks: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A coder's filled sheet (CSV or XLSX) as ``(answers, rejected)``: answers hold task_id and answer for
    every answer that is one of the task's options; rejected lists the others (blank, unknown task, not an
    option) with a reason."""
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        ws = load_workbook(path, read_only=True)["tasks"]
        rows = list(ws.iter_rows(values_only=True))
        header = [str(h) for h in rows[0]]
        sheet = pl.DataFrame(
            [["" if v is None else str(v) for v in r] for r in rows[1:]], schema=header, orient="row"
        )
    else:
        sheet = pl.read_csv(path, infer_schema=False)
    for col in ("task_id", "answer"):
        if col not in sheet.columns:
            raise ValueError(f"{path.name} has no {col!r} column")
    opt_cols = [c for c in tasks.columns if c.startswith("option_")]
    options = {r[0]: set(r[1:]) for r in tasks.select("task_id", *opt_cols).iter_rows()}
    ok, bad = [], []
    for task_id, answer in sheet.select("task_id", pl.col("answer").fill_null("")).iter_rows():
        answer = answer.strip()
        if task_id not in options:
            bad.append((task_id, answer, "unknown task"))
        elif not answer:
            bad.append((task_id, answer, "no answer"))
        elif answer not in options[task_id]:
            bad.append((task_id, answer, "not one of the task's words"))
        else:
            ok.append((task_id, answer))
    answers = pl.DataFrame(ok, schema={"task_id": pl.String, "answer": pl.String}, orient="row")
    rejected = pl.DataFrame(
        bad, schema={"task_id": pl.String, "answer": pl.String, "reason": pl.String}, orient="row"
    )
    return answers, rejected


def score_intrusion(
    answers: Mapping[str, pl.DataFrame], key: pl.DataFrame, *, alpha: float = 0.05
) -> pl.DataFrame:
    """Model precision per topic: the share of coders' answers that name the intruder, with a Wilson
    (1 - alpha) interval over answers (coders x tasks of the topic).

    ``answers`` maps a coder's name to a frame of task_id and answer (e.g. from ``read_answers``).
    Returns model, topic, label, tasks, coders, answers, correct, precision, lo, hi, sorted by topic.
    """
    if not answers:
        raise ValueError("no coders' answers")
    long = pl.concat(
        [a.select("task_id", "answer").with_columns(pl.lit(c).alias("coder")) for c, a in answers.items()]
    )
    unknown = long.join(key, on="task_id", how="anti")
    if not unknown.is_empty():
        raise ValueError(f"answers to tasks not in the key: {', '.join(unknown['task_id'].unique().sort())}")
    scored = long.join(key, on="task_id").with_columns((pl.col("answer") == pl.col("intruder")).alias("hit"))
    per = (
        key.group_by("model", "topic", "label")
        .agg(pl.len().alias("tasks"))
        .join(
            scored.group_by("model", "topic").agg(
                pl.col("coder").n_unique().alias("coders"),
                pl.len().alias("answers"),
                pl.col("hit").sum().cast(pl.Int64).alias("correct"),
            ),
            on=["model", "topic"],
            how="left",
        )
        .with_columns(pl.col("coders", "answers", "correct").fill_null(0).cast(pl.Int64))
        .sort("model", "topic")
    )
    lo, hi, prec = [], [], []
    for n, k in per.select("answers", "correct").iter_rows():
        if n == 0:
            prec.append(None)
            lo.append(None)
            hi.append(None)
            continue
        ci = binomtest(k, n).proportion_ci(confidence_level=1 - alpha, method="wilson")
        prec.append(k / n)
        lo.append(float(ci.low))
        hi.append(float(ci.high))
    return per.with_columns(
        pl.Series("precision", prec, pl.Float64),
        pl.Series("lo", lo, pl.Float64),
        pl.Series("hi", hi, pl.Float64),
    ).select("model", "topic", "label", "tasks", "coders", "answers", "correct", "precision", "lo", "hi")
