"""MT-Bench and KoMT-Bench end to end on real parts: the embedded model answers the first two
released conversations of each (turn 2 after its own turn-1 answer) and judges them, in process and
through a real OpenAI-compatible server (llama_cpp.server through xeval's serve wrapper) on
127.0.0.1. A 270M base model's ratings cannot be known: each turn has a rating on 1-10 or a
recorded failed judgment with the raw reply; the records and the per-turn fields are complete."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from xeval.models.registry import load_model
from xeval.run.runner import RunConfig, plan_tasks, run_evaluation


def _check(run_dir: Path, tasks: tuple[str, ...]) -> None:
    records = [json.loads(x) for x in (run_dir / "samples.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(records) == 4 * len(tasks)
    for record in records:
        assert record["error"] is None and record["prediction"]["text"] is not None
        assert record["conversation"]["turn"] in (1, 2) and record["category"] == "writing"
        if record["conversation"]["turn"] == 2:
            assert [m["role"] for m in record["prompt"]] == ["user", "assistant", "user"]
        score = record["scores"][f"judge_{record['task']}"]
        if score["value"] is None:
            assert score["error"].startswith(("unreadable judge reply", "judge call failed")), score
        else:
            assert 1.0 <= score["value"] <= 10.0
        assert score["details"]["prompt"] == ("single-v1" if record["conversation"]["turn"] == 1
                                              else "single-v1-multi-turn")
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    rows = {(r["task"], r["category"]): r for r in summary["conversations"]}
    for task in tasks:
        row = rows[(task, "all")]
        for turn in ("turn1", "turn2"):
            assert row[f"{turn}_n"] + row[f"{turn}_n_failed"] == 2
        assert row["score_n"] + row["score_n_failed"] == 4
    assert {(t["task"], t["turn"]) for t in summary["turns"]} == {(t, n) for t in tasks for n in (1, 2)}


@pytest.mark.slow
def test_in_process_judge(embedded_model, shared_data: Path, tmp_path: Path) -> None:
    config = RunConfig(tasks="mt_bench,komt_bench", limit=2, max_tokens=24, data_source="local",
                       data_dir=shared_data, output=tmp_path, run_id="r", judge=embedded_model,
                       judge_max_tokens=48, max_error_rate=1.0)
    result = run_evaluation(config, embedded_model, plan_tasks(config))
    _check(result.run_dir, ("mt_bench", "komt_bench"))


@pytest.mark.slow
def test_served_judge(embedded_model, llama_server_url: str, shared_data: Path, tmp_path: Path) -> None:
    judge = load_model(f"openai:gemma@{llama_server_url}")
    config = RunConfig(tasks="mt_bench,komt_bench", limit=2, max_tokens=24, data_source="local",
                       data_dir=shared_data, output=tmp_path, run_id="r", judge=judge, judge_max_tokens=48,
                       max_error_rate=1.0)
    result = run_evaluation(config, embedded_model, plan_tasks(config))
    _check(result.run_dir, ("mt_bench", "komt_bench"))
    assert result.summary["judge"]["fingerprint"]["base_url"] == llama_server_url
