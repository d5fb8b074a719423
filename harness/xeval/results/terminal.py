"""What ``xeval run`` prints when a run ends (the metrics table, or averages per language for a
large suite; the cross-lingual matrix; the leaderboard row) and the exit status it ends with."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any


def print_run(result: Any, output: Path) -> None:
    """The run's tables on stdout (``result``: a ``run.runner.RunResult``; ``output``: the results folder)."""
    from xeval.results import read_records
    from xeval.results.leaderboard import to_markdown, write_leaderboard
    from xeval.results.matrix import cluster_matrix, has_matrix, matrix_markdown

    summary = result.summary
    many = len(summary.get("tasks", {})) > COMPACT_TASKS
    if many:  # averages per language and cluster first; the per-task table lives in the files
        print(language_averages(summary))
    else:
        print(summary_table(summary))
    matrix = cluster_matrix(summary, list(read_records(result.run_dir / "samples.jsonl")))
    if has_matrix(matrix) or (many and matrix["rows"]):
        print("\ncross-lingual matrix (primary metric per task cluster):")
        print(matrix_markdown(matrix), end="")
    if summary.get("n_errors"):
        print(f"\n{summary['n_errors']} of {summary['n_records']} sample(s) failed (reasons in samples.jsonl)")
    print(f"\nresults: {result.run_dir}")
    frame, table = write_leaderboard(output)
    row = table[table["model"] == summary["model"]["spec"]] if not table.empty else table
    if many and not row.empty:  # dozens of task columns help nobody in a terminal
        row = row[[c for c in row.columns if c == "model" or c == "avg" or c.startswith("avg[")]]
    print("\nleaderboard:")
    print(to_markdown(row), end="")
    if many:
        print(f"\n{len(summary['tasks'])} tasks: the per-task table is in {result.run_dir / 'summary.json'} "
              f"(`xeval leaderboard --results {output} --format csv` for all runs)")


EXIT_FAILED_SAMPLES = 3  # more samples failed than --max-error-rate allows (0 ok, 1 regression, 2 bad input)


def exit_status(run_dir: Path, max_error_rate: float) -> int:
    """0 when the failed samples are within --max-error-rate; else one line and exit 3. A sample
    fails when its answer failed or a judge could not judge it (a failed call, an unreadable
    reply; in a jury, any one judge's verdict): a judge failing on every call is a failed run, not a
    run without its primary metric.
    Rows refused as bad data (answer outside the choices) were announced already and do not count."""
    from xeval.results import RunFolder
    from xeval.results.summary import JUDGE_PREFIXES

    records = list(RunFolder(run_dir).records(validate=False))

    def judge_error(record: dict[str, Any]) -> str | None:
        for name, score in sorted((record.get("scores") or {}).items()):
            if name.startswith(JUDGE_PREFIXES) and score.get("value") is None:
                return f"{name}: {score.get('error') or 'judge failed'}"
            jury = (score.get("details") or {}).get("jury") if name.startswith(JUDGE_PREFIXES) else None
            for member, verdict in sorted(jury.items()) if isinstance(jury, dict) else ():
                if isinstance(verdict, dict) and verdict.get("value") is None:  # one judge of a jury failed here
                    return f"{name}@{member}: {verdict.get('error') or 'judge failed'}"
        return None

    refused = {id(r) for r in records if r.get("error") and str(r["error"]).startswith("data:")}
    failed: list[tuple[dict[str, Any], str]] = []
    for record in records:
        why = None if id(record) in refused else (str(record["error"]) if record.get("error") else judge_error(record))
        if why:
            failed.append((record, why))
    judged_badly = sum(1 for r, _ in failed if not r.get("error"))
    if judged_badly:
        print(f"xeval: the judge could not judge {judged_badly} sample(s) (failed calls or unreadable replies; "
              "raw replies in samples.jsonl); they count as failed samples", file=sys.stderr)
    counted = len(records) - len(refused)
    rate = len(failed) / counted if counted else 0.0
    if failed and rate > max_error_rate:
        first, why = failed[0]
        print(f"xeval: {len(failed)} of {counted} sample(s) failed ({rate:.1%} > --max-error-rate "
              f"{max_error_rate:g}); first: {first['key']}: {why[:160]}", file=sys.stderr)
        return EXIT_FAILED_SAMPLES
    return 0


COMPACT_TASKS = 12  # above this many tasks the terminal shows averages, not one row per task


def language_averages(summary: dict[str, Any]) -> str:
    """Mean of the tasks' primary metrics (0-1 scale) per input x template language."""
    from collections import defaultdict

    from xeval.results import Summary
    from xeval.results.leaderboard import tidy_frame

    frame = tidy_frame([Summary.model_validate(summary)])
    primary = frame[frame["primary"] & frame["value"].notna()]
    groups: dict[tuple[str, str], list[float]] = defaultdict(list)
    for row in primary.itertuples():
        scaled = (row.value - row.scale_min) / (row.scale_max - row.scale_min)
        groups[(str(row.input_language), str(row.template_language))].append(float(scaled))
    lines = ["| input | template | tasks | mean primary metric (0-1) |", "|---|---|---|---|"]
    for (input_language, template_language), values in sorted(groups.items()):
        lines.append(f"| {input_language} | {template_language} | {len(values)} | {sum(values) / len(values):.3f} |")
    return "\n".join(lines)


def summary_table(summary: dict[str, Any]) -> str:
    lines = ["| task | input | template | metric | value | 95% CI | n | failed |",
             "|---|---|---|---|---|---|---|---|"]
    for m in summary["metrics"]:
        value = "" if m["value"] is None else f"{m['value']:.3f}"
        ci = "" if m["ci_low"] is None else f"[{m['ci_low']:.3f}, {m['ci_high']:.3f}]"
        lines.append(f"| {m['task']} | {m['input_language']} | {m['template_language']} | "
                     f"{m['metric']} | {value} | {ci} | {m['n']} | {m['n_failed']} |")
    return "\n".join(lines)


