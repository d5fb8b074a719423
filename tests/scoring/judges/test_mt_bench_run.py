"""MT-Bench / KoMT-Bench runs with exact values: a scripted model answers the project's sample
conversations, a scripted judge grades them; per-turn and per-category means, failed judgments
(two ratings, a rating off the scale) counted and never averaged in, the leaderboard's columns,
resume mid-conversation, and the temperature FastChat asks each category at."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from xeval.results.leaderboard import write_leaderboard
from xeval.run.predict import generation_requests
from xeval.run.runner import RunConfig, plan_tasks, prepare

ROOT = Path(__file__).resolve().parents[3]
# first match wins: a turn-2 prompt holds turn 1's text, so turn-2 entries come first
ANSWERS = [
    {"contains": "more formal", "reply": "Dear neighbour, thank you. W1B"},
    {"contains": "thanking a neighbour", "reply": "Thanks for watering! W1A"},
    {"contains": "How many pencils", "reply": "15 pencils. M2B"},
    {"contains": "How much do 12 pencils", "reply": "8 dollars. M2A"},
    {"contains": "If Sora grows", "reply": "Sora. R3B"},
    {"contains": "Who is the shortest", "reply": "Sora. R3A"},
    {"contains": "seven-year-old", "reply": "Light bounces around. S4B"},
    {"contains": "why the sky looks blue", "reply": "Rayleigh scattering. S4A"},
]
JUDGMENTS = [
    {"contains": "W1B", "reply": "Good. Rating: [[8]]"},
    {"contains": "W1A", "reply": "[[6]]"},
    {"contains": "M2B", "reply": "First [[9]], on reflection [[3]]"},  # two ratings: a failed judgment
    {"contains": "M2A", "reply": "Rating: [[11]]"},  # off the 1-10 scale: a failed judgment
    # the reference answer's second turn is in the turn-2 prompt of a reasoning question
    {"contains": "### Reference answer:\nSora is the tallest.", "reply": "Rating: [[7]]"},
    {"contains": "R3A", "reply": "Rating: [[5]]"},
    {"contains": "S4B", "reply": "[[4]]"},
    {"contains": "S4A", "reply": "Rating: [2]"},  # FastChat's backup pattern
]


def _write(path: Path, entries: list[dict]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in entries), encoding="utf-8")
    return path


def _run(tmp_path: Path, *extra: str, out: Path | None = None) -> subprocess.CompletedProcess[str]:
    answers, judge = _write(tmp_path / "answers.jsonl", ANSWERS), _write(tmp_path / "judge.jsonl", JUDGMENTS)
    return subprocess.run([sys.executable, "-m", "xeval", "run", "--model", f"scripted:{answers}", "--judge",
                           f"scripted:{judge}", "--tasks", "mt_bench", "--data-source", "sample", "--output",
                           str(out or tmp_path / "out"), "--run-id", "r", "--no-cache", *extra],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_scores_per_turn_and_category_failures_counted(tmp_path: Path) -> None:
    proc = _run(tmp_path, "--max-error-rate", "0.3")
    assert proc.returncode == 0, proc.stderr
    folder = tmp_path / "out" / "r"
    records = {r["id"]: r for r in map(json.loads, (folder / "samples.jsonl").read_text().splitlines())}
    scores = {k: r["scores"]["judge_mt_bench"] for k, r in records.items()}
    assert {k: s["value"] for k, s in scores.items()} == {
        "1-t1": 6.0, "1-t2": 8.0, "2-t1": None, "2-t2": None, "3-t1": 5.0, "3-t2": 7.0, "4-t1": 2.0, "4-t2": 4.0}
    assert scores["2-t1"]["error"] == "unreadable judge reply: rating 11 is off the 1-10 scale"
    assert scores["2-t2"]["error"] == "unreadable judge reply: two different ratings in the reply (9, 3)"
    assert scores["2-t2"]["details"]["raw"] == ["First [[9]], on reflection [[3]]"]
    assert scores["4-t1"]["details"]["rating_pattern"] == "[rating]"
    assert [scores[k]["details"]["prompt"] for k in ("1-t1", "1-t2", "3-t1", "3-t2")] == [
        "single-v1", "single-v1-multi-turn", "single-math-v1", "single-math-v1-multi-turn"]
    # turn 2 is asked after the model's own turn-1 answer
    assert [(m["role"], m["content"]) for m in records["1-t2"]["prompt"]] == [
        ("user", "Write a two-sentence note thanking a neighbour for watering your plants."),
        ("assistant", "Thanks for watering! W1A"), ("user", "Now make the note more formal, still in two sentences.")]
    assert records["3-t2"]["category"] == "reasoning" and records["3-t2"]["conversation"] == {"id": "3", "turn": 2}
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["judges"]["judge_mt_bench"] == {"samples": 8, "failed": 2, "retried": 0, "failure_rate": 0.25}
    rows = {row["category"]: row for row in summary["conversations"]}
    assert list(rows) == ["all", "math", "reasoning", "stem", "writing"]
    everything = rows["all"]
    assert (everything["turn1"], everything["turn2"], everything["score"]) == (13 / 3, 19 / 3, 32 / 6)
    assert (everything["turn1_n"], everything["turn1_n_failed"], everything["score_n_failed"]) == (3, 1, 2)
    assert everything["score_ci_low"] <= everything["score"] <= everything["score_ci_high"]
    assert rows["math"]["score"] is None and rows["math"]["score_n_failed"] == 2
    assert (rows["reasoning"]["turn1"], rows["reasoning"]["turn2"]) == (5.0, 7.0)
    turns = {row["turn"]: row for row in summary["turns"]}
    assert (turns[1]["judge_mt_bench"], turns[2]["judge_mt_bench"]) == (13 / 3, 19 / 3)
    _, table = write_leaderboard(tmp_path / "out")
    row = table.iloc[0]
    assert (row["mt_bench/score"], row["mt_bench/turn1"], row["mt_bench/turn2"]) == (32 / 6, 13 / 3, 19 / 3)
    assert row["mt_bench/judge_mt_bench"] == 32 / 6


def test_failed_judgments_over_the_error_rate_fail_the_run(tmp_path: Path) -> None:
    proc = _run(tmp_path, "--max-error-rate", "0.1")
    assert proc.returncode == 3, proc.stderr
    assert "the judge could not judge 2 sample(s)" in proc.stderr


def test_no_judge_records_the_answers_unjudged(tmp_path: Path) -> None:
    answers = _write(tmp_path / "answers.jsonl", ANSWERS)
    proc = subprocess.run([sys.executable, "-m", "xeval", "run", "--model", f"scripted:{answers}", "--tasks",
                           "mt_bench", "--data-source", "sample", "--output", str(tmp_path / "out"), "--run-id", "r",
                           "--no-cache"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "--judge" in proc.stderr
    records = [json.loads(line) for line in (tmp_path / "out" / "r" / "samples.jsonl").read_text().splitlines()]
    assert len(records) == 8 and all("judge_mt_bench" not in r["scores"] for r in records)


def test_a_run_stopped_after_turn_one_resumes_to_the_same_records(tmp_path: Path) -> None:
    whole = tmp_path / "whole"
    assert _run(tmp_path, "--max-error-rate", "0.3", out=whole).returncode == 0
    expected = (whole / "r" / "samples.jsonl").read_bytes()
    stopped = tmp_path / "stopped"
    assert _run(tmp_path, "--max-error-rate", "0.3", out=stopped).returncode == 0
    folder = stopped / "r"
    lines = (folder / "samples.jsonl").read_bytes().splitlines(keepends=True)
    assert all(json.loads(line)["conversation"]["turn"] == 1 for line in lines[:4])
    (folder / "samples.jsonl").write_bytes(b"".join(lines[:4]))  # killed after every turn 1
    (folder / "summary.json").unlink()
    proc = _run(tmp_path, "--max-error-rate", "0.3", "--resume", str(folder), out=stopped)
    assert proc.returncode == 0, proc.stderr
    assert (folder / "samples.jsonl").read_bytes() == expected


@pytest.mark.parametrize("task", ["mt_bench", "komt_bench"])
def test_each_category_is_asked_at_fastchats_temperature(task: str) -> None:
    config = RunConfig(tasks=task, data_source="sample")
    [prepared] = prepare(plan_tasks(config, quiet_judges=True), config, set())
    temperatures = {(s.category, s.conversation.turn): r.settings.temperature for s, r in zip(
        prepared.samples, generation_requests(prepared.samples, prepared.settings), strict=True)}
    assert temperatures == {("writing", 1): 0.7, ("writing", 2): 0.7, ("math", 1): 0.0, ("math", 2): 0.0,
                            ("reasoning", 1): 0.0, ("reasoning", 2): 0.0, ("stem", 1): 0.1, ("stem", 2): 0.1}
    assert prepared.settings.max_tokens == 1024
    overridden = RunConfig(tasks=task, data_source="sample", temperature=0.3)
    [prepared] = prepare(plan_tasks(overridden, quiet_judges=True), overridden, set())
    assert {r.settings.temperature for r in generation_requests(prepared.samples, prepared.settings)} == {0.3}


def test_pairwise_against_a_baseline_run_in_both_orders(tmp_path: Path) -> None:
    """--baseline RUN: each turn against the baseline's answer to it, both orders, FastChat's tie
    rule; the pairwise summary rows (win rate with CIs, position consistency, per category)."""
    base_answers = _write(tmp_path / "base.jsonl", [
        {"contains": c["contains"], "reply": "BASE " + c["reply"].split()[-1]} for c in ANSWERS])
    proc = subprocess.run([sys.executable, "-m", "xeval", "run", "--model", f"scripted:{base_answers}", "--tasks",
                           "mt_bench", "--data-source", "sample", "--limit", "2", "--output", str(tmp_path / "out"),
                           "--run-id", "base", "--no-cache"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    judge = _write(tmp_path / "pair-judge.jsonl", [
        # turn 1 of the writing question: [[A]] with the model first, [[B]] with the baseline first: a win
        {"contains": "[The Start of Assistant A's Answer]\nThanks for watering! W1A", "reply": "[[A]]"},
        {"contains": "[The Start of Assistant A's Answer]\nBASE W1A", "reply": "[[B]]"},
        # turn 2: A both times, the orders disagree: a tie
        {"contains": "### Assistant B:\nBASE W1B", "reply": "[[A]]"},
        {"contains": "### Assistant B:\nDear neighbour, thank you. W1B", "reply": "[[A]]"},
        # turn 1 of the math question: the baseline both times: a loss
        {"contains": "[The Start of Assistant A's Answer]\n8 dollars. M2A", "reply": "[[B]]"},
        {"contains": "[The Start of Assistant A's Answer]\nBASE M2A", "reply": "[[A]]"},
        # turn 2: [[C]] both times: a tie, consistent
        {"contains": "### Assistant B:\nBASE M2B", "reply": "[[C]]"},
        {"contains": "### Assistant B:\n15 pencils. M2B", "reply": "[[C]]"},
        *JUDGMENTS])
    answers = _write(tmp_path / "answers.jsonl", ANSWERS)
    proc = subprocess.run([sys.executable, "-m", "xeval", "run", "--model", f"scripted:{answers}", "--judge",
                           f"scripted:{judge}", "--baseline", str(tmp_path / "out" / "base"), "--tasks", "mt_bench",
                           "--data-source", "sample", "--limit", "2", "--output", str(tmp_path / "out"), "--run-id",
                           "r", "--no-cache", "--max-error-rate", "0.6"], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    records = {r["id"]: r for r in map(json.loads, (tmp_path / "out" / "r" / "samples.jsonl").read_text().splitlines())}
    pair = {k: r["scores"]["pairwise_mt_bench"] for k, r in records.items()}
    assert {k: (p["details"]["outcome"], p["details"]["verdicts"], p["value"]) for k, p in pair.items()} == {
        "1-t1": ("win", ["win", "win"], 1.0), "1-t2": ("tie", ["win", "loss"], 0.5),
        "2-t1": ("loss", ["loss", "loss"], 0.0), "2-t2": ("tie", ["tie", "tie"], 0.5)}
    assert [pair[k]["details"]["prompt"] for k in ("1-t1", "1-t2", "2-t1", "2-t2")] == [
        "pair-v2", "pair-v2-multi-turn", "pair-math-v1", "pair-math-v1-multi-turn"]
    assert pair["1-t1"]["extra"]["len_baseline"] == len("BASE W1A")
    summary = json.loads((tmp_path / "out" / "r" / "summary.json").read_text())
    rows = {row["category"]: row for row in summary["pairwise"] if row["scorer"] == "pairwise_mt_bench"}
    assert (rows["all"]["n"], rows["all"]["win_rate"], rows["all"]["win"], rows["all"]["loss"]) == (4, 0.5, 0.25, 0.25)
    assert rows["all"]["consistency"] == 0.75
    assert rows["all"]["win_rate_ci_low"] <= 0.5 <= rows["all"]["win_rate_ci_high"]
    assert (rows["writing"]["win_rate"], rows["math"]["win_rate"]) == (0.75, 0.25)


def test_the_report_charts_each_category(tmp_path: Path) -> None:
    from xeval.results.report import Run, build_report

    assert _run(tmp_path, "--max-error-rate", "0.3").returncode == 0
    html = build_report([Run(tmp_path / "out" / "r")])
    assert '<figure class="chart" id="conversation-mt_bench">' in html
    chart = html.split('id="conversation-mt_bench">')[1].split("</figure>")[0]
    for category in ("all", "math", "reasoning", "stem", "writing"):
        assert f">{category}</text>" in chart
    assert "reasoning: 7.000</title>" in chart  # turn 2 of the reasoning question
    assert '<table id="conversations">' in html or 'id="conversations"' in html


def test_under_ray_the_records_are_the_local_runs(tmp_path: Path) -> None:
    """--executor ray: the conversations answered by a Ray worker, judged on the driver; records
    byte-equal to the local run's."""
    pytest.importorskip("ray", reason="the ray extra (pip install 'xeval[ray]') is part of the test extra")
    assert _run(tmp_path, "--max-error-rate", "0.3", out=tmp_path / "local").returncode == 0
    proc = _run(tmp_path, "--max-error-rate", "0.3", "--executor", "ray", "--workers", "1", out=tmp_path / "ray")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads((tmp_path / "ray" / "r" / "summary.json").read_text())["executor"]["name"] == "ray"
    assert (tmp_path / "ray" / "r" / "samples.jsonl").read_bytes() == (tmp_path / "local" / "r" /
                                                                       "samples.jsonl").read_bytes()


def test_the_cache_keys_a_second_turn_by_the_whole_conversation() -> None:
    """Two turn-2 requests that differ only in the model's turn-1 answer are two cache entries (a
    re-run whose first answer changed asks turn 2 again), and so are their judge requests."""
    from xeval.models.cache import CallCache
    from xeval.run.conversation import ConversationState
    from xeval.scoring.judges.conversation import CONVERSATION_JUDGES, ConversationJudge

    config = RunConfig(tasks="mt_bench", data_source="sample", limit=1)
    [prepared] = prepare(plan_tasks(config, quiet_judges=True), config, set())
    first, second = prepared.samples
    judge = ConversationJudge(CONVERSATION_JUDGES["mt_bench"], None)  # type: ignore[arg-type]
    keys, judged = set(), set()
    for answer in ("One answer.", "Another answer."):
        state = ConversationState()
        state.remember(first, answer, None)
        asked = state.with_history(second)
        [request] = generation_requests([asked], prepared.settings)
        keys.add(CallCache.key({"model": "m"}, "generate", request))
        judged.add(CallCache.key({"model": "j"}, "generate", judge.request(asked, "The same second answer.")))
    assert len(keys) == 2 and len(judged) == 2
