"""The lm-evaluation-harness bridge, both ways, on real components."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from xeval.paths import tasks_dir

ROOT = Path(__file__).resolve().parents[2]
pytest.importorskip("lm_eval")


def test_lm_eval_cli_runs_an_xeval_generation_task_with_xeval_metrics(tmp_path: Path) -> None:
    """`lm_eval` (with the xeval model registered) on a Korean xeval task; Korean-aware ROUGE-L
    and language correctness come out as lm-eval metrics."""
    out = subprocess.run(
        [sys.executable, "-m", "xeval.lmeval", "--model", "xeval", "--model_args", "spec=embedded,cache=false",
         "--include_path", str(tasks_dir()), "--tasks", "news_summary_ko_ko_tpl-ko", "--limit", "3",
         "--output_path", str(tmp_path / "out")],
        capture_output=True, text=True, cwd=ROOT, timeout=900,
        env={**os.environ, "XEVAL_DATA_SOURCE": "sample", "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"})
    assert out.returncode == 0, out.stderr[-3000:]
    [results_file] = list((tmp_path / "out").rglob("results_*.json"))
    results = json.loads(results_file.read_text())["results"]["news_summary_ko_ko_tpl-ko"]
    assert 0.0 <= results["rouge_l,none"] <= 1.0
    assert 0.0 <= results["language_correct,none"] <= 1.0
    # and the file goes onto the xeval leaderboard
    imported = subprocess.run([sys.executable, "-m", "xeval", "import-lmeval", str(results_file),
                               "--results", str(tmp_path / "board")], capture_output=True, text=True, cwd=ROOT)
    assert imported.returncode == 0, imported.stderr
    assert "news_summary_ko_ko_tpl-ko/rouge_l" in imported.stdout and "lm_eval:xeval(" in imported.stdout
    summary = json.loads(next((tmp_path / "board").glob("*/summary.json")).read_text())
    row = next(m for m in summary["metrics"] if m["metric"] == "rouge_l")
    assert row["input_language"] == "ko" and row["n"] == 3


def test_xeval_on_an_lm_eval_task_agrees_with_lm_eval_per_sample(shared_data: Path, tmp_path: Path,
                                                                 monkeypatch) -> None:
    """lm-eval's own evaluator (through the xeval model) and `xeval run --tasks lm_eval:TASK`,
    and xeval's native YAML run: the same choice on every sample."""
    import lm_eval
    import xeval.integrations.lmeval  # noqa: F401 - registers the "xeval" lm-eval model
    from lm_eval.tasks import TaskManager

    task, limit = "kornli_ko_tpl-en", 10
    monkeypatch.setenv("XEVAL_DATA_DIR", str(shared_data))
    results = lm_eval.simple_evaluate(model="xeval", model_args="spec=embedded,cache=false", tasks=[task],
                                      task_manager=TaskManager(include_path=str(tasks_dir())), limit=limit,
                                      log_samples=True)
    lm_choices = [max(range(len(s["filtered_resps"])), key=lambda i: s["filtered_resps"][i][0])
                  for s in sorted(results["samples"][task], key=lambda s: s["doc_id"])]
    out = subprocess.run([sys.executable, "-m", "xeval", "run", "--tasks", f"lm_eval:{task},{task}",
                          "--data-dir", str(shared_data), "--limit", str(limit), "--no-cache",
                          "--output", str(tmp_path), "--run-id", "bridge"], capture_output=True, text=True,
                         cwd=ROOT, timeout=900, env={**os.environ, "XEVAL_DATA_DIR": str(shared_data)})
    assert out.returncode == 0, out.stderr[-3000:]
    records = [json.loads(x) for x in (tmp_path / "bridge" / "samples.jsonl").read_text().splitlines()]
    bridged = [r["prediction"]["chosen"] for r in records if r["task"] == f"lm_eval:{task}"]
    native = [r["prediction"]["chosen"] for r in records if r["task"] == task]
    assert bridged == lm_choices == native
    summary = json.loads((tmp_path / "bridge" / "summary.json").read_text())
    accs = {m["task"]: m["value"] for m in summary["metrics"] if m["metric"] == "acc"}
    assert accs[f"lm_eval:{task}"] == pytest.approx(results["results"][task]["acc,none"]) == accs[task]
    # the bridged task's recorded language is its rows' (it said English before)
    assert summary["tasks"][f"lm_eval:{task}"]["input_language"] == summary["tasks"][task]["input_language"] == "ko"
