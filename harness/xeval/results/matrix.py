"""The cross-lingual matrix: task cluster x (input language, template language).

The shape of the KORANI study's tables: one row per task cluster, one column per input
language x template language, each cell the cluster's primary metric pooled over its tasks'
samples with a 95% bootstrap CI, an average column per cluster and an average row.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from xeval.results.stats import bootstrap_ci
from xeval.results.values import metric_values


def cluster_matrix(summary: dict[str, Any], records: list[dict[str, Any]]) -> dict[str, Any]:
    """``{"columns": [(input, template)...], "rows": {cluster: {(input, template): cell}}}``
    where a cell is ``{"value", "ci_low", "ci_high", "n", "tasks"}``."""
    tasks = summary.get("tasks", {})
    values: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    task_names: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for record in records:
        meta = tasks.get(record["task"], {})
        cluster, metric = meta.get("cluster"), meta.get("primary_metric")
        if not cluster or not metric:
            continue
        value = dict(metric_values(record)).get(metric)
        if value is None:
            continue
        key = (cluster, record["input_language"], record["template_language"])
        values[key].append(float(value))
        task_names[key].add(record["task"])
    columns = sorted({(k[1], k[2]) for k in values})
    rows: dict[str, dict[tuple[str, str], dict[str, Any]]] = defaultdict(dict)
    for (cluster, input_language, template_language), data in sorted(values.items()):
        low, high = bootstrap_ci(data)
        rows[cluster][(input_language, template_language)] = {
            "value": sum(data) / len(data), "ci_low": low, "ci_high": high, "n": len(data),
            "tasks": sorted(task_names[(cluster, input_language, template_language)]),
        }
    return {"columns": columns, "rows": dict(rows)}


def has_matrix(matrix: dict[str, Any]) -> bool:
    """Worth printing: some cluster is measured in more than one language setting."""
    return any(len(cells) > 1 for cells in matrix["rows"].values())


def matrix_markdown(matrix: dict[str, Any]) -> str:
    columns = matrix["columns"]
    header = ["cluster"] + [f"in {i} / tpl {t}" for i, t in columns] + ["avg"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    column_values: dict[tuple[str, str], list[float]] = defaultdict(list)
    for cluster, cells in sorted(matrix["rows"].items()):
        row = [cluster]
        for column in columns:
            cell = cells.get(column)
            if cell is None:
                row.append("")
                continue
            column_values[column].append(cell["value"])
            row.append(f"{cell['value']:.3f} [{cell['ci_low']:.2f}, {cell['ci_high']:.2f}] n={cell['n']}")
        present = [c["value"] for c in cells.values()]
        row.append(f"{sum(present) / len(present):.3f}")
        lines.append("| " + " | ".join(row) + " |")
    averages = [column_values[c] for c in columns]
    row = ["average"] + [f"{sum(v) / len(v):.3f}" if v else "" for v in averages]
    flat = [x for v in averages for x in v]
    row.append(f"{sum(flat) / len(flat):.3f}" if flat else "")
    lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"


def cluster_summary(tasks: dict[str, Any], records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per task cluster x input language x template language: the pooled primary metric with its
    95% CI, whether the cluster is seen or unseen, and its tasks; then one row per seen/unseen
    group (cluster ``"(seen)"`` / ``"(unseen)"``). For summary.json."""
    matrix = cluster_matrix({"tasks": tasks}, records)
    seen_of = {meta.get("cluster"): meta.get("seen") for meta in tasks.values() if meta.get("cluster")}
    rows = []
    for cluster, cells in sorted(matrix["rows"].items()):
        for (input_language, template_language), cell in sorted(cells.items()):
            rows.append({"cluster": cluster, "seen": seen_of.get(cluster), "input_language": input_language,
                         "template_language": template_language, **cell})
    for flag, label in ((True, "(seen)"), (False, "(unseen)")):
        grouped = {name: {**meta, "cluster": label} for name, meta in tasks.items()
                   if meta.get("cluster") and meta.get("seen") is flag}
        if not grouped:
            continue
        pooled = cluster_matrix({"tasks": grouped}, [r for r in records if r["task"] in grouped])
        for (input_language, template_language), cell in sorted(pooled["rows"].get(label, {}).items()):
            rows.append({"cluster": label, "seen": flag, "input_language": input_language,
                         "template_language": template_language, **cell})
    return rows
