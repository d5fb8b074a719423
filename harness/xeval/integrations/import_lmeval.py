"""Import lm-evaluation-harness results JSON onto the xeval leaderboard (``xeval import-lmeval``)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from xeval import SCHEMA_VERSION, __version__
from xeval.errors import XevalError
from xeval.results import RunFolder, read_json_file
from xeval.scoring import canonical_name


def import_lmeval(path: Path, results: Path, model_label: str | None = None) -> Path:
    """Write an xeval summary (metrics only, no records) for an lm-eval results file."""
    data = read_json_file(path, f"lm-eval results file {path} not found")
    if not isinstance(data, dict) or not isinstance(data.get("results"), dict):
        raise XevalError(f"{path}: not lm-eval results (no 'results' object)")
    config = data.get("config") or {}
    model_args = config.get("model_args") or ""
    if isinstance(model_args, dict):
        model_args = ",".join(f"{k}={v}" for k, v in model_args.items())
    label = model_label or f"lm_eval:{config.get('model', '?')}({model_args})"
    configs = data.get("configs") or {}
    counts = data.get("n-samples") or {}
    metrics = []
    tasks: dict[str, Any] = {}
    for task, values in sorted(data["results"].items()):
        xeval_meta = ((configs.get(task) or {}).get("metadata") or {}).get("xeval") or {}
        input_language = xeval_meta.get("input_language", "und")
        template_language = xeval_meta.get("template_language", input_language)
        n = int((counts.get(task) or {}).get("effective") or values.get("sample_len") or 0)
        names = []
        higher = (data.get("higher_is_better") or {}).get(task) or {}
        facts: dict[str, Any] = {}
        for key, value in values.items():
            metric, comma, lm_filter = key.partition(",")  # lm-eval metrics are "name,filter"
            if not comma or metric.endswith("_stderr") or not isinstance(value, int | float):
                continue
            stderr = values.get(f"{metric}_stderr,{lm_filter}")
            name = metric if lm_filter in {"", "none"} else f"{metric},{lm_filter}"  # as xeval names them
            names.append(name)
            facts[name] = {"higher_is_better": higher.get(metric) is not False,
                           "about": f"lm-eval's {metric}" + (f" after filter {lm_filter}" if name != metric else "")}
            half = 1.96 * float(stderr) if isinstance(stderr, int | float) else None
            metrics.append({"task": task, "input_language": input_language, "template_language": template_language,
                            "metric": name, "value": float(value), "n": n, "n_failed": 0,
                            "ci_low": float(value) - half if half is not None else None,
                            "ci_high": float(value) + half if half is not None else None})
        wanted = canonical_name(str(xeval_meta.get("primary_metric") or ""))
        primary = next((n for n in names if canonical_name(n) == wanted), names[0] if names else None)
        tasks[task] = {"primary_metric": primary, "cluster": xeval_meta.get("cluster"), "metric_facts": facts,
                       "version": str(((configs.get(task) or {}).get("metadata") or {}).get("version", "0"))}
    created = data.get("date")
    created_iso = (__import__("datetime").datetime.fromtimestamp(float(created)).isoformat(timespec="seconds")
                   if isinstance(created, int | float) else str(created or ""))
    run_id = "lmeval-" + re.sub(r"[^A-Za-z0-9._-]+", "-", f"{path.stem}-{label}")[:80].strip("-")
    with RunFolder(results / run_id).locked() as folder:
        folder.write_summary({
            "schema_version": SCHEMA_VERSION, "xeval_version": __version__, "run_id": run_id,
            "created": created_iso, "model": {"spec": label, "fingerprint": {"backend": "lm_eval", **config}},
            "imported_from": str(path), "tasks": tasks, "complete": True, "n_records": 0, "n_errors": 0,
            "metrics": metrics, "judges": {}})
    return folder.path
