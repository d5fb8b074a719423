"""The leaderboard: one pandas table over every run summary in a results folder."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from xeval.errors import XevalError
from xeval.results import RunSpec, Summary, load_summaries

TIDY_COLUMNS = ["model", "task", "input_language", "template_language", "metric", "value", "n",
                "ci_low", "ci_high", "n_failed", "primary", "scale_min", "scale_max", "run_id", "created"]
GATED_SUFFIX = "_lang_gated"  # the primary metric, 0 for answers in the wrong language: shown beside it
# Verifiable instruction following (IFEval's metrics, lm-eval's names): a task whose primary metric is
# one of them shows its language correctness beside it
INSTRUCTION_METRICS = ("prompt_level_strict_acc", "inst_level_strict_acc", "prompt_level_loose_acc",
                       "inst_level_loose_acc")
LANGUAGE_METRIC = "language"
# judged conversations (MT-Bench): the score and each turn's, from summary.json's conversations rows
CONVERSATION_METRICS = ("score", "turn1", "turn2")
LC_SUFFIX = "_lc_win_rate"  # a pairwise scorer's length-controlled win rate, beside its raw one
BY_VIEWS = ("instruction-group", "instruction-id", "turn")  # `xeval leaderboard --by`


def model_label(summary: RunSpec) -> str:
    return summary.model_spec


def tidy_frame(summaries: list[Summary]) -> Any:
    """Every metric of every run, one row each (columns: :data:`TIDY_COLUMNS`); each metric's
    range, for averages on 0-1, is what its scorer declared (judge scales, chrF's 0-100)."""
    import pandas as pd

    rows = []
    for summary in summaries:
        for metric in summary.metrics:
            task_meta = summary.tasks.get(metric.task)
            low, high = summary.facts(metric.task, metric.metric).range
            rows.append({
                "model": model_label(summary),
                **{k: getattr(metric, k) for k in ("task", "input_language", "template_language",
                                                   "metric", "value", "n", "ci_low", "ci_high", "n_failed")},
                "primary": task_meta is not None and metric.metric == task_meta.primary_metric,
                "scale_min": float(low), "scale_max": float(high),
                "run_id": summary.run_id,
                "created": summary.created,
            })
        rows += _conversation_rows(summary) + _length_controlled_rows(summary)
    return pd.DataFrame(rows, columns=TIDY_COLUMNS)


def _length_controlled_rows(summary: Summary) -> list[dict[str, Any]]:
    """A pairwise task's length-controlled win rate (``<scorer>_lc_win_rate``, from summary.json's
    ``pairwise`` rows over every category), shown beside its raw win rate."""
    rows = []
    for row in (summary.model_extra or {}).get("pairwise") or []:
        if not isinstance(row, dict) or row.get("category") != "all" or row.get("lc_win_rate") is None:
            continue
        primary = next((m for m in summary.metrics if m.task == row.get("task") and m.metric == row.get("scorer")),
                       None)
        task_meta = summary.tasks.get(str(row.get("task")))
        if primary is None or task_meta is None or task_meta.primary_metric != primary.metric:
            continue  # shown beside the raw win rate, which the table shows as the task's primary metric
        se = row.get("lc_win_rate_se")
        rows.append({"model": model_label(summary), "task": primary.task, "input_language": primary.input_language,
                     "template_language": primary.template_language, "metric": f"{row['scorer']}{LC_SUFFIX}",
                     "value": row["lc_win_rate"], "n": row.get("n", 0),
                     "ci_low": None if se is None else row["lc_win_rate"] - 1.96 * se,
                     "ci_high": None if se is None else row["lc_win_rate"] + 1.96 * se,
                     "n_failed": row.get("n_failed", 0), "primary": False, "scale_min": 0.0, "scale_max": 1.0,
                     "run_id": summary.run_id, "created": summary.created})
    return rows


def _conversation_rows(summary: Summary) -> list[dict[str, Any]]:
    """MT-Bench's headline numbers as metrics of their task (``mt_bench/score``, ``turn1``,
    ``turn2``: the primary judge's means over every category), shown beside its primary metric."""
    rows = []
    for row in summary.conversations:
        task_meta = summary.tasks.get(row.task)
        if row.category != "all" or task_meta is None or row.scorer != task_meta.primary_metric:
            continue
        primary = next((m for m in summary.metrics if m.task == row.task and m.metric == row.scorer), None)
        if primary is None:
            continue
        low, high = summary.facts(row.task, row.scorer).range
        extra = row.model_extra or {}
        for metric in CONVERSATION_METRICS:
            rows.append({"model": model_label(summary), "task": row.task,
                         "input_language": primary.input_language, "template_language": primary.template_language,
                         "metric": metric, "value": getattr(row, metric), "n": extra.get(f"{metric}_n", 0),
                         "ci_low": extra.get(f"{metric}_ci_low"), "ci_high": extra.get(f"{metric}_ci_high"),
                         "n_failed": extra.get(f"{metric}_n_failed", 0), "primary": False,
                         "scale_min": float(low), "scale_max": float(high),
                         "run_id": summary.run_id, "created": summary.created})
    return rows


def latest(frame: Any) -> Any:
    """Keep, per model and task, the metrics of the most recent run that has the task."""
    if frame.empty:
        return frame
    newest = frame.groupby(["model", "task"])["created"].transform("max")
    return frame[frame["created"] == newest].reset_index(drop=True)


def wide_table(frame: Any, primary_only: bool = True) -> Any:
    """One row per model; a column per task/metric (each task's primary metric only, unless
    ``primary_only`` is False), then per-language averages of the primary metrics (0-1
    scale) and the overall average."""
    import pandas as pd

    if frame.empty:
        return pd.DataFrame()
    data = frame.dropna(subset=["value"])
    gated = data["metric"].astype(str).str.endswith(GATED_SUFFIX)
    instruction_tasks = data.loc[data["primary"] & data["metric"].isin(INSTRUCTION_METRICS), "task"]
    beside = ((data["metric"] == LANGUAGE_METRIC) & data["task"].isin(set(instruction_tasks))) | \
        data["metric"].isin(CONVERSATION_METRICS) | data["metric"].astype(str).str.endswith(LC_SUFFIX)
    shown = data[data["primary"] | gated | beside] if primary_only and data["primary"].any() else data
    table = shown.pivot_table(index="model", columns=["task", "metric"], values="value",
                             aggfunc="mean")
    table.columns = [f"{task}/{metric}" for task, metric in table.columns]
    primary = data[data["primary"]].copy()
    if not primary.empty:
        primary["scaled"] = (primary["value"] - primary["scale_min"]) / (primary["scale_max"] - primary["scale_min"])
        by_language = primary.pivot_table(index="model", columns="input_language",
                                          values="scaled", aggfunc="mean")
        by_language.columns = [f"avg[{lang}]" for lang in by_language.columns]
        table = table.join(by_language)
        table["avg"] = primary.groupby("model")["scaled"].mean()
        table = table.sort_values("avg", ascending=False)
    return table.reset_index()


def by_frame(summaries: list[Summary], view: str) -> Any:
    """The rows of ``xeval leaderboard --by VIEW`` over the newest run of each model and task:
    ``instruction-group`` / ``instruction-id``: one row per model x task x input language x
    instruction group (id), with the instructions checked (n) and the shares followed strictly and
    loosely; ``turn``: one row per model x multi-turn task x input language x turn, with every
    metric of that turn (IFEval's four first). Columns end with run_id and created."""
    import pandas as pd

    if view not in BY_VIEWS:
        raise XevalError(f"--by must be one of {', '.join(BY_VIEWS)}, got {view!r}")
    rows: list[dict[str, Any]] = []
    if view == "turn":
        keys = ["model", "task", "input_language", "turn", "n", "n_failed"]
        for summary in summaries:
            for turn in summary.turns:
                rows.append({"model": model_label(summary), "task": turn.task, "input_language": turn.input_language,
                             "turn": turn.turn, "n": turn.n, "n_failed": turn.n_failed, **turn.metrics,
                             "run_id": summary.run_id, "created": summary.created})
        found = {k for row in rows for k in row} - set(keys) - {"run_id", "created"}
        metrics = [m for m in INSTRUCTION_METRICS if m in found] + sorted(found - set(INSTRUCTION_METRICS))
        columns = [*keys, *metrics]
    else:
        level, name = ("group", "group") if view == "instruction-group" else ("id", "instruction_id")
        columns = ["model", "task", "input_language", name, "n", "strict_acc", "loose_acc"]
        for summary in summaries:
            for row in summary.instructions:
                if row.level == level:
                    rows.append({"model": model_label(summary), "task": row.task,
                                 "input_language": row.input_language, name: row.instruction, "n": row.n,
                                 "strict_acc": row.strict_acc, "loose_acc": row.loose_acc,
                                 "run_id": summary.run_id, "created": summary.created})
    frame = latest(pd.DataFrame(rows, columns=[*columns, "run_id", "created"]))
    return frame.sort_values(columns[:4], kind="stable").reset_index(drop=True)


def by_table(frame: Any) -> Any:
    """What ``--by`` shows in markdown and HTML: its rows without run_id and created."""
    return frame.drop(columns=["run_id", "created"])


def history_table(frame: Any, model: str, metric: str | None = None) -> Any:
    """One row per run of ``model`` (oldest first): each task's primary metric, or only the
    ``TASK/METRIC`` asked for, so a nightly series reads top to bottom."""
    import pandas as pd

    runs = frame[frame["model"] == model].dropna(subset=["value"])
    if metric:
        task, _, name = metric.partition("/")
        runs = runs[(runs["task"] == task) & (runs["metric"] == name)]
    else:
        runs = runs[runs["primary"]]
    if runs.empty:
        return pd.DataFrame()
    table = runs.pivot_table(index=["created", "run_id"], columns=["task", "metric"], values="value", aggfunc="mean")
    table.columns = [f"{task}/{name}" for task, name in table.columns]
    return table.sort_index().reset_index()


def to_markdown(table: Any, digits: int = 3) -> str:
    if table.empty:
        return "(no results)\n"
    headers = [str(c) for c in table.columns]
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    for row in table.itertuples(index=False):
        cells = []
        for value in row:
            if isinstance(value, float):
                cells.append("" if math.isnan(value) else f"{value:.{digits}f}")
            else:
                cells.append(str(value).replace("|", "\\|"))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_leaderboard(results: Path, summaries: list[Summary] | None = None) -> tuple[Any, Any]:
    """Build the leaderboard over ``results`` (its ``summaries``, read here unless given) and
    write ``leaderboard.{md,csv}`` there."""
    frame = latest(tidy_frame(load_summaries(results) if summaries is None else summaries))
    table = wide_table(frame)
    try:
        (results / "leaderboard.md").write_text(to_markdown(table), encoding="utf-8")
        frame.to_csv(results / "leaderboard.csv", index=False)
    except OSError as exc:
        raise XevalError(f"cannot write the leaderboard in {results}: {exc.strerror}") from None
    return frame, table
