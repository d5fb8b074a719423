"""Juries of judges: every judge's verdict on the sample, the jury's combined score (mean;
majority for pairwise), each judge's own metric, the agreement between them (Cohen's / Fleiss'
kappa with a CI), each judge's token use; a judge failing on a sample fails its verdict, not the
jury's. Exact values through scripted judges; one run on real parts (the embedded model in process
and behind a real server)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from xeval.models.registry import load_model
from xeval.results.agreement import cohen_kappa, fleiss_kappa, kappa_ci
from xeval.run.runner import RunConfig, plan_tasks, run_evaluation
from xeval.scoring.judges.jury import Jury

from .test_mt_bench_run import ANSWERS, ROOT

FIRST = [("W1B", "[[8]]"), ("W1A", "[[6]]"), ("M2B", "[[3]]"), ("M2A", "[[9]]"), ("R3B", "[[7]]"), ("R3A", "[[5]]"),
         ("S4B", "[[4]]"), ("S4A", "[[2]]")]
SECOND = [("W1B", "[[7]]"), ("W1A", "[[6]]"), ("M2B", "no rating here"), ("M2A", "[[9]]"), ("R3B", "[[7]]"),
          ("R3A", "[[5]]"), ("S4B", "[[4]]"), ("S4A", "[[3]]")]


def _judge_file(path: Path, replies: list[tuple[str, str]]) -> Path:
    path.write_text("".join(json.dumps({"contains": c, "reply": r}) + "\n" for c, r in replies), encoding="utf-8")
    return path


def _run(tmp_path: Path, *judge_flags: str) -> subprocess.CompletedProcess[str]:
    answers = tmp_path / "answers.jsonl"
    answers.write_text("".join(json.dumps(a) + "\n" for a in ANSWERS), encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "xeval", "run", "--model", f"scripted:{answers}", *judge_flags,
                           "--tasks", "mt_bench", "--data-source", "sample", "--output", str(tmp_path / "out"),
                           "--run-id", "r", "--no-cache", "--max-error-rate", "0.2"],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_two_judges_every_verdict_the_mean_each_judges_metric_and_kappa(tmp_path: Path) -> None:
    first, second = _judge_file(tmp_path / "a.jsonl", FIRST), _judge_file(tmp_path / "b.jsonl", SECOND)
    proc = _run(tmp_path, "--judge", f"scripted:{first}", "--judge", f"scripted:{second}")
    assert proc.returncode == 0, proc.stderr  # one judge's verdict failed on one of 8 samples: within 0.2
    folder = tmp_path / "out" / "r"
    records = {r["id"]: r["scores"]["judge_mt_bench"] for r in map(json.loads, (folder / "samples.jsonl")
                                                                    .read_text().splitlines())}
    assert {k: s["value"] for k, s in records.items()} == {
        "1-t1": 6.0, "1-t2": 7.5, "2-t1": 9.0, "2-t2": 3.0, "3-t1": 5.0, "3-t2": 7.0, "4-t1": 2.5, "4-t2": 4.0}
    failed = records["2-t2"]["details"]
    assert failed["judged"] == ["j1"] and failed["jury"]["j2"]["value"] is None
    assert failed["jury"]["j2"]["error"].startswith("unreadable judge reply: no rating")
    assert records["1-t2"]["details"]["jury"] == {"j1": {"value": 8.0, "extra": {}}, "j2": {"value": 7.0, "extra": {}}}
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["judge"]["jury"] == {"j1": f"scripted:{first}", "j2": f"scripted:{second}"}
    assert set(summary["judge"]["usage"]) == {"j1", "j2"} and summary["judge"]["usage"]["j1"]["calls"] == 8
    judges = summary["judges"]
    assert (judges["judge_mt_bench"]["failed"], judges["judge_mt_bench@j1"]["failed"],
            judges["judge_mt_bench@j2"]["failed"]) == (0, 0, 1)
    metrics = {m["metric"]: m for m in summary["metrics"]}
    assert metrics["judge_mt_bench@j1"]["value"] == 44 / 8 and metrics["judge_mt_bench@j2"]["value"] == 41 / 7
    assert metrics["judge_mt_bench"]["value"] == (6 + 7.5 + 9 + 3 + 5 + 7 + 2.5 + 4) / 8
    [row] = summary["jury"]
    # the 7 samples both judged: 5 the same rating; chance agreement 6/49
    assert (row["method"], row["n"], row["judges"], row["all_agree"]) == ("cohen", 7, ["j1", "j2"], 5 / 7)
    assert abs(row["kappa"] - 29 / 43) < 1e-12
    assert row["kappa_ci_low"] <= row["kappa"] <= row["kappa_ci_high"]
    from xeval.results.report import Run, build_report

    html = build_report([Run(folder)])
    assert "<h2>Jury agreement</h2>" in html and f"{29 / 43:.3f}" in html


def test_a_judge_failing_on_every_call_fails_the_run_and_never_scores(tmp_path: Path) -> None:
    first, silent = _judge_file(tmp_path / "a.jsonl", FIRST), _judge_file(tmp_path / "none.jsonl", [])
    proc = _run(tmp_path, "--judge", f"scripted:{first},scripted:{silent}")
    assert proc.returncode == 3, proc.stderr
    assert "judge_mt_bench@j2: judge call failed" in proc.stderr
    summary = json.loads((tmp_path / "out" / "r" / "summary.json").read_text())
    assert summary["judges"]["judge_mt_bench@j2"] == {"samples": 8, "failed": 8, "retried": 0, "failure_rate": 1.0}
    assert "judge_mt_bench@j2" not in {m["metric"] for m in summary["metrics"] if m["value"] is not None}
    assert "jury" not in summary  # no sample judged by both: no agreement to report


def test_kappas_by_hand() -> None:
    assert cohen_kappa(["a", "a", "b", "b"], ["a", "a", "b", "b"]) == 1.0
    assert cohen_kappa(["a", "b"], ["b", "a"]) == -1.0
    assert cohen_kappa(["a", "a"], ["a", "a"]) is None  # one category: chance agreement is 1
    # Fleiss (1971)'s worked example is large; a small one by hand: 3 raters, 4 items
    ratings = [["a", "a", "a"], ["a", "a", "b"], ["b", "b", "b"], ["a", "b", "b"]]
    # P_i = 1, 1/3, 1, 1/3 -> P-bar 2/3; p_a = p_b = 1/2 -> P_e 1/2; kappa = (2/3 - 1/2) / (1/2) = 1/3
    assert abs(fleiss_kappa(ratings) - 1 / 3) < 1e-12
    low, high = kappa_ci([["a", "a"], ["b", "b"], ["a", "b"], ["b", "b"]])
    assert low is not None and high is not None and low <= high


@pytest.mark.slow
def test_a_jury_of_the_embedded_model_and_a_served_judge(embedded_model, llama_server_url: str,
                                                         tmp_path: Path) -> None:
    """Six facets in logprobs mode (a 270M base model rarely writes a readable rating; its
    log-probabilities always give one): the embedded model in process and behind a real server."""
    jury = Jury([embedded_model, load_model(f"openai:gemma@{llama_server_url}", {"top_logprobs": 100})])
    config = RunConfig(tasks="mchat_ko,mchat_en", limit=1, max_tokens=24, output=tmp_path, run_id="r", judge=jury,
                       judge_mode="logprobs", max_error_rate=1.0)
    result = run_evaluation(config, embedded_model, plan_tasks(config))
    records = [json.loads(x) for x in (result.run_dir / "samples.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(records) == 2
    for record in records:
        details = record["scores"]["judge_six_facets"]["details"]
        assert set(details["jury"]) == {"j1", "j2"}
        for verdict in details["jury"].values():
            assert (verdict["value"] is None and verdict["error"]) or 1.0 <= verdict["value"] <= 3.0
    summary = result.summary
    assert summary["judge"]["jury"] == {"j1": "embedded", "j2": f"openai:gemma@{llama_server_url}"}
    assert {"judge_six_facets@j1", "judge_six_facets@j2"} <= set(summary["judges"])
    own = {m["metric"] for m in summary["metrics"] if m["value"] is not None}
    assert {"judge_six_facets@j1", "judge_six_facets@j2"} <= own  # each judge's own score
    rows = {row["task"]: row for row in summary["jury"]}
    assert set(rows) == {"mchat_ko", "mchat_en", "*"}
    for row in rows.values():
        assert row["method"] == "cohen" and row["judges"] == ["j1", "j2"] and row["n"] >= 1
        assert row["kappa"] is None or -1.0 <= row["kappa"] <= 1.0
