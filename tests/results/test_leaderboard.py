"""Leaderboard over summaries: tidy CSV, latest run per model, per-language averages."""

from __future__ import annotations

import json
from pathlib import Path

from xeval.results.leaderboard import write_leaderboard


def _summary(folder: Path, run_id: str, model: str, created: str, acc_ko: float, acc_en: float) -> None:
    run = folder / run_id
    run.mkdir(parents=True)
    metrics = [
        {"task": "nli_ko", "input_language": "ko", "template_language": "ko", "metric": "acc",
         "value": acc_ko, "n": 10, "n_failed": 0, "ci_low": 0, "ci_high": 1},
        {"task": "nli_en", "input_language": "en", "template_language": "en", "metric": "acc",
         "value": acc_en, "n": 10, "n_failed": 0, "ci_low": 0, "ci_high": 1},
        {"task": "sum_ko", "input_language": "ko", "template_language": "ko", "metric": "chrf",
         "value": 50.0, "n": 10, "n_failed": 0, "ci_low": 40, "ci_high": 60},
    ]
    tasks = {"nli_ko": {"primary_metric": "acc"}, "nli_en": {"primary_metric": "acc"},
             "sum_ko": {"primary_metric": "chrf"}}
    (run / "summary.json").write_text(json.dumps({"run_id": run_id, "created": created,
                                                  "model": {"spec": model}, "tasks": tasks,
                                                  "metrics": metrics}))


def test_leaderboard_latest_run_per_model_and_language_averages(tmp_path: Path) -> None:
    _summary(tmp_path, "old", "m1", "2026-01-01T00:00:00", 0.1, 0.1)
    _summary(tmp_path, "new", "m1", "2026-02-01T00:00:00", 0.6, 0.8)
    _summary(tmp_path, "other", "m2", "2026-01-15T00:00:00", 0.2, 0.4)
    frame, table = write_leaderboard(tmp_path)
    assert list(table["model"]) == ["m1", "m2"]  # sorted by overall average
    m1 = table.set_index("model").loc["m1"]
    assert m1["nli_ko/acc"] == 0.6 and m1["avg[en]"] == 0.8
    assert m1["avg[ko]"] == (0.6 + 0.5) / 2  # chrF is averaged on a 0-1 scale
    assert set(frame["run_id"]) == {"new", "other"}
    csv = (tmp_path / "leaderboard.csv").read_text().splitlines()[0].split(",")
    assert csv[:7] == ["model", "task", "input_language", "template_language", "metric", "value", "n"]
    assert "| m1 |" in (tmp_path / "leaderboard.md").read_text()


def test_history_of_one_model_oldest_first(tmp_path: Path) -> None:
    import subprocess
    import sys

    _summary(tmp_path, "old", "m1", "2026-01-01T00:00:00", 0.1, 0.2)
    _summary(tmp_path, "new", "m1", "2026-02-01T00:00:00", 0.6, 0.8)
    _summary(tmp_path, "other", "m2", "2026-01-15T00:00:00", 0.2, 0.4)
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-m", "xeval", "leaderboard", "--results", str(tmp_path), "--history", "m1",
                          "--metric", "nli_ko/acc", "--format", "csv"], capture_output=True, text=True, cwd=root)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert lines[0] == "created,run_id,nli_ko/acc"
    assert lines[1].endswith(",old,0.1") and lines[2].endswith(",new,0.6") and len(lines) == 3
    missing = subprocess.run([sys.executable, "-m", "xeval", "leaderboard", "--results", str(tmp_path), "--history",
                              "nope"], capture_output=True, text=True, cwd=root)
    assert missing.returncode == 2 and "no runs of model 'nope'" in missing.stderr


def test_judge_scales_are_put_on_0_1_for_averages(tmp_path: Path) -> None:
    run = tmp_path / "judged"
    run.mkdir()
    metrics = [{"task": "chat_ko", "input_language": "ko", "template_language": "ko", "metric": "judge_six_facets",
                "value": 2.5, "n": 4, "n_failed": 0, "ci_low": 2, "ci_high": 3}]
    tasks = {"chat_ko": {"primary_metric": "judge_six_facets", "primary_scale": [1, 3]}}
    (run / "summary.json").write_text(json.dumps({"run_id": "judged", "created": "2026-03-01T00:00:00",
                                                  "model": {"spec": "m"}, "tasks": tasks, "metrics": metrics}))
    _, table = write_leaderboard(tmp_path)
    row = table.set_index("model").loc["m"]
    assert row["chat_ko/judge_six_facets"] == 2.5 and row["avg[ko]"] == 0.75  # (2.5 - 1) / (3 - 1)
