"""Bring-your-own meta-dataset files (KORANI / P3 style), with and without a model."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

ROWS = [
    {"input": "문장: 배우들 연기가 훌륭했다.\n이 리뷰는 긍정입니까, 부정입니까?", "output": "긍정",
     "choices": "긍정|||부정", "dataset_name": "nsmc", "prediction": "긍정"},
    {"input": "문장: 시간이 아까운 영화.\n이 리뷰는 긍정입니까, 부정입니까?", "output": "부정",
     "choices": "긍정|||부정", "dataset_name": "nsmc", "prediction": "긍정"},
    {"input": "다음 질문에 답하세요: 대한민국의 수도는?", "output": "서울", "choices": "",
     "dataset_name": "closed_qa", "language": "ko", "prediction": "서울"},
    {"input": "Answer in Korean: what is the capital of Japan?", "output": "도쿄", "choices": "",
     "dataset_name": "closed_qa", "language": "ko", "prediction": "Tokyo"},
    {"input": "다음 질문에 답하세요: 물이 얼면?", "output": "얼음", "choices": "",
     "dataset_name": "closed_qa", "language": "ko", "prediction": ""},
]


def _write_csv(path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(ROWS[0]) + ["language"])
        writer.writeheader()
        writer.writerows(ROWS)


def test_predictions_file_scored_with_model_none(tmp_path: Path) -> None:
    data = tmp_path / "korani_preds.csv"
    _write_csv(data)
    out = subprocess.run([sys.executable, "-m", "xeval", "run", "--model", "none", "--tasks", f"file:{data}",
                          "--output", str(tmp_path / "results"), "--run-id", "preds"],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    # one sample has no prediction: it fails, the run says so in one line and exits 3 (results written)
    assert out.returncode == 3, out.stderr
    assert "xeval: 1 of 5 sample(s) failed (20.0% > --max-error-rate 0); first: korani_preds/closed_qa::5::ko" \
        in out.stderr
    summary = json.loads((tmp_path / "results" / "preds" / "summary.json").read_text())
    metrics = {(m["task"], m["input_language"], m["metric"]): m for m in summary["metrics"]}
    assert metrics[("korani_preds/nsmc", "ko", "acc")]["value"] == 0.5
    korean_qa = metrics[("korani_preds/closed_qa", "ko", "exact_match")]
    assert korean_qa["value"] == 1.0 and korean_qa["n"] == 1  # 서울 right
    assert korean_qa["n_failed"] == 1  # the empty prediction: recorded, not scored
    english_qa = metrics[("korani_preds/closed_qa", "en", "exact_match")]  # language is a grouping key
    assert english_qa["value"] == 0.0 and english_qa["n"] == 1  # Tokyo != 도쿄
    assert metrics[("korani_preds/closed_qa", "en", "language")]["value"] == 0.0  # "Tokyo" is not Korean
    records = [json.loads(x) for x in (tmp_path / "results" / "preds" / "samples.jsonl").read_text().splitlines()]
    missing = [r for r in records if r["error"]]
    assert len(missing) == 1 and "--model none" in missing[0]["error"]
    assert {r["input_language"] for r in records} == {"ko", "en"}  # detected per row
    assert "| none |" in out.stdout  # on the leaderboard


def test_meta_dataset_with_the_embedded_model(embedded_model, tmp_path: Path) -> None:
    from xeval.run.runner import RunConfig, plan_tasks, run_evaluation

    data = tmp_path / "p3.jsonl"
    rows = [{k: v for k, v in r.items() if k != "prediction"} for r in ROWS]
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    config = RunConfig(tasks=f"file:{data}", output=tmp_path)
    result = run_evaluation(config, embedded_model, plan_tasks(config))
    assert result.summary["n_errors"] == 0
    tasks = result.summary["tasks"]
    assert tasks["p3/nsmc"]["output_type"] == "multiple_choice"
    assert tasks["p3/closed_qa"]["output_type"] == "generate_until"
    assert {m["metric"] for m in result.summary["metrics"] if m["task"] == "p3/closed_qa"} >= {
        "exact_match", "rougeL", "language"}


def test_meta_dataset_missing_column(tmp_path: Path) -> None:
    data = tmp_path / "bad.csv"
    data.write_text("prompt,output\nhi,there\n", encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "xeval", "run", "--model", "none", "--tasks", f"file:{data}",
                          "--output", str(tmp_path)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 2 and "missing column 'input'" in out.stderr and "Traceback" not in out.stderr
