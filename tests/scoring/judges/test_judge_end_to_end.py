"""Real judges: the embedded model behind llama_cpp.server judging the embedded model's answers."""

from __future__ import annotations

import json
from pathlib import Path

from xeval.models.cache import CachedModel, CallCache
from xeval.models.registry import load_model
from xeval.run.baseline import baseline_from_run
from xeval.run.runner import RunConfig, plan_tasks, run_evaluation


def _records(run_dir: Path) -> list[dict]:
    return [json.loads(x) for x in (run_dir / "samples.jsonl").read_text(encoding="utf-8").splitlines()]


def test_six_facets_in_both_modes(embedded_model, llama_server_url, tmp_path: Path) -> None:
    judge = load_model(f"openai:gemma@{llama_server_url}", {"top_logprobs": 100})
    results = {}
    for mode in ("generate", "logprobs"):
        config = RunConfig(tasks="mchat_ko,mchat_en", limit=1, output=tmp_path, run_id=mode,
                           judge=judge, judge_mode=mode)
        results[mode] = run_evaluation(config, embedded_model, plan_tasks(config))
    # generate mode: each sample has six star ratings, or a recorded failure with the raw reply
    for record in _records(results["generate"].run_dir):
        score = record["scores"]["judge_six_facets"]
        if score["value"] is None:
            assert score["error"] and score["details"]["raw"], score
        else:
            assert set(score["extra"]) >= {"language", "fluency", "helpfulness", "accuracy",
                                           "logical_coherence", "harmlessness"}
    report = results["generate"].summary["judges"]["judge_six_facets"]
    assert report["samples"] == 2 and 0.0 <= report["failure_rate"] <= 1.0
    # logprobs mode (top_logprobs through the API): each facet an expectation over 1..3, or a
    # recorded failure when no digit of the scale is among the judge's top tokens
    summary = results["logprobs"].summary
    scored = 0
    for record in _records(results["logprobs"].run_dir):
        score = record["scores"]["judge_six_facets"]
        if score["value"] is None:
            assert "no scale value" in score["error"], score
            continue
        scored += 1
        assert all(1.0 <= v <= 3.0 for v in score["extra"].values())
        assert set(score["details"]["distribution"]) == set(score["extra"])
    assert scored >= 1
    facets = {(m["input_language"], m["metric"]): m for m in summary["metrics"]}
    agreement = [m for (lang, name), m in facets.items() if name == "language_judge_agreement"]
    assert agreement and sum(m["n"] for m in agreement) == scored  # language ID vs the judge
    assert summary["judge"]["mode"] == "logprobs" and summary["judge"]["fingerprint"]["base_url"]


def test_pairwise_both_orders_and_cached_rejudging(embedded_model, llama_server_url, tmp_path: Path) -> None:
    # the baseline: the same model sampled at temperature 1 in an earlier run
    base_config = RunConfig(tasks="xinstruct_ko", limit=2, output=tmp_path, run_id="baseline", seed=7)
    sampled = embedded_model
    run_evaluation(base_config, sampled, [p for p in plan_tasks(base_config)])
    cache = CallCache(tmp_path / "cache.sqlite")
    judge = CachedModel(load_model(f"openai:gemma@{llama_server_url}"), cache)
    config = RunConfig(tasks="xinstruct_ko", limit=2, output=tmp_path, run_id="pairwise", judge=judge,
                       baseline=baseline_from_run(tmp_path / "baseline"))
    result = run_evaluation(config, embedded_model, plan_tasks(config))
    assert judge.stats.misses >= 6  # two orders per pair (plus retries of unreadable replies)
    for record in _records(result.run_dir):
        score = record["scores"]["pairwise_pairwise"]
        raw = score["details"]["raw"]
        assert raw["model_first"] and raw["baseline_first"]  # both orders were judged
        if score["value"] is not None:
            assert score["details"]["outcome"] in {"win", "tie", "loss"}
            assert score["extra"]["len_model"] == len(record["prediction"]["text"])
    assert result.summary["baseline"] == "run:baseline"
    # a rerun re-judges nothing
    misses = judge.stats.misses
    again = RunConfig(tasks="xinstruct_ko", limit=2, output=tmp_path, run_id="pairwise-again", judge=judge,
                      baseline=baseline_from_run(tmp_path / "baseline"))
    run_evaluation(again, embedded_model, plan_tasks(again))
    assert judge.stats.misses == misses
    assert _records(tmp_path / "pairwise-again") == _records(result.run_dir)
