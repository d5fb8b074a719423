"""Whole runs on the real embedded model: records, summary and leaderboard agree."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from xeval import SCHEMA_VERSION
from xeval.results import aggregate, read_records
from xeval.run.runner import RunConfig, plan_tasks, run_evaluation

ROOT = Path(__file__).resolve().parents[2]


def test_korean_run_writes_records_and_summary_that_agree(embedded_model, tmp_path) -> None:
    config = RunConfig(tasks="xeval_nli_ko,xeval_qa_ko", limit=5, output=tmp_path, batch_size=2)
    result = run_evaluation(config, embedded_model, plan_tasks(config))
    records = [json.loads(line) for line in (result.run_dir / "samples.jsonl").read_text().splitlines()]
    summary = json.loads((result.run_dir / "summary.json").read_text())
    assert summary["complete"] is True and summary["n_records"] == len(records) == 10
    assert summary["schema_version"] == SCHEMA_VERSION == 3 and summary["xeval_version"]  # 3: #33 (settings)
    assert summary["model"]["fingerprint"]["sha256"]
    assert set(summary["tasks"]) == {"xeval_nli_ko", "xeval_qa_ko"}
    assert summary["tasks"]["xeval_qa_ko"]["spec"]["doc_to_text"].startswith("다음 질문에")
    # every record carries its prompt, answer and every scorer of its task
    for record in records:
        assert record["prompt"][0]["content"]
        task = summary["tasks"][record["task"]]
        expected = set(task["scorers"]) | set(task["derived_scores"])
        assert set(record["scores"]) == expected
    # the summary is exactly the aggregate of the records
    assert summary["metrics"] == json.loads(json.dumps(aggregate(records)))
    acc = next(m for m in summary["metrics"] if m["task"] == "xeval_nli_ko" and m["metric"] == "acc")
    chosen = [r["prediction"]["chosen"] == r["gold"] for r in records if r["task"] == "xeval_nli_ko"]
    assert acc["n"] == 5 and acc["value"] == pytest.approx(sum(chosen) / 5)
    assert acc["ci_low"] <= acc["value"] <= acc["ci_high"]
    language = next(m for m in summary["metrics"] if m["task"] == "xeval_qa_ko" and m["metric"] == "language")
    assert language["input_language"] == "ko" and language["template_language"] == "ko"


def test_interrupted_run_keeps_finished_samples(tmp_path) -> None:
    from xeval.models.registry import load_model

    # one sequence at a time: a batched model would ask for batches of 32 and finish in one
    model = load_model("embedded", {"parallel": 1})
    config = RunConfig(tasks="xeval_qa_en", limit=6, output=tmp_path, batch_size=2)
    calls = []

    def interrupt(n: int) -> None:
        calls.append(n)
        if len(calls) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_evaluation(config, model, plan_tasks(config), on_batch=interrupt)
    model.close()
    [run_dir] = list(tmp_path.iterdir())
    records = list(read_records(run_dir / "samples.jsonl"))
    summary = json.loads((run_dir / "summary.json").read_text())
    assert len(records) == 4 and summary["complete"] is False and summary["n_records"] == 4


def test_cli_default_run_prints_a_leaderboard_row(tmp_path) -> None:
    """`xeval run` with no --model and no --tasks: the embedded default on the default suite."""
    out = subprocess.run([sys.executable, "-m", "xeval", "run", "--output", str(tmp_path)],
                         capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    tail = out.stdout.split("leaderboard:")[-1]
    assert "| embedded |" in tail and "avg[ko]" in tail and "avg[en]" in tail
    assert (tmp_path / "leaderboard.md").exists()
    csv = (tmp_path / "leaderboard.csv").read_text().splitlines()
    assert csv[0].startswith("model,task,input_language,template_language,metric,value,n")
    summary = json.loads(next(tmp_path.glob("*/summary.json")).read_text())
    metrics = {m["metric"] for m in summary["metrics"]}
    assert {"acc", "acc_norm", "exact_match", "chrf", "rougeL", "language"} <= metrics
    assert {m["input_language"] for m in summary["metrics"]} == {"ko", "en"}
    # #38 item 21: what xeval is for, on the first run: verifiable instruction following in both languages
    assert {"prompt_level_strict_acc", "inst_level_strict_acc", "prompt_level_loose_acc",
            "inst_level_loose_acc"} <= metrics
    assert {(m["task"], m["input_language"]) for m in summary["metrics"] if m["metric"] == "inst_level_strict_acc"} \
        == {("xeval_ifeval_ko", "ko"), ("xeval_ifeval_en", "en")}
    assert {row["task"] for row in summary["instructions"] if row["level"] == "id"} == {"xeval_ifeval_ko",
                                                                                       "xeval_ifeval_en"}
    board = subprocess.run([sys.executable, "-m", "xeval", "leaderboard", "--results", str(tmp_path),
                            "--format", "csv"], capture_output=True, text=True, cwd=ROOT)
    assert board.returncode == 0 and "embedded,xeval_nli_ko,ko,ko,acc," in board.stdout


def test_sigterm_writes_a_partial_summary_and_resumes(tmp_path) -> None:
    """#26 item 24: SIGTERM (a CI runner's or scheduler's timeout) as SIGINT: finished samples
    kept, a partial summary.json written, exit 143 with one line; --resume finishes the run."""
    import signal
    import time

    argv = [sys.executable, "-m", "xeval", "run", "--tasks", "xeval_qa_en", "--limit", "6", "--batch-size", "1",
            "--model-args", "parallel=1", "--max-tokens", "32", "--output", str(tmp_path), "--run-id", "t",
            "--no-cache"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    samples = tmp_path / "t" / "samples.jsonl"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not (samples.exists() and samples.read_text().count("\n") >= 1):
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, err
    assert "xeval: terminated (SIGTERM); finished samples are saved" in err and "Traceback" not in err
    summary = json.loads((tmp_path / "t" / "summary.json").read_text())
    done = summary["n_records"]
    assert summary["complete"] is False and 1 <= done < 6
    again = subprocess.run([sys.executable, "-m", "xeval", "run", "--resume", str(tmp_path / "t"), "--no-cache"],
                           capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert again.returncode == 0, again.stderr
    keys = [json.loads(line)["key"] for line in samples.read_text().splitlines()]
    assert len(keys) == len(set(keys)) == 6
    assert json.loads((tmp_path / "t" / "summary.json").read_text())["complete"] is True
