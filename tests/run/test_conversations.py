"""Multi-turn conversations through the request path: turn t is sent after the model's own
replies to turns 1..t-1; each turn is recorded and resumed on its own (scripted model, exact
per-turn verdicts)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# first match wins: a later turn's prompt holds the earlier turns' text, so later turns come first
REPLIES = [
    {"contains": "Finally, add a title", "reply": "<<Sea>>\nWaves, roll"},
    {"contains": "Now rewrite it", "reply": "\"Waves roll in the night\""},
    {"contains": "Write a short poem", "reply": "Waves roll in the night"},
    {"contains": "Now end your answer", "reply": "- apples\n- pears\nAny other questions?"},
    {"contains": "lowercase letters only", "reply": "- apples are sweet and red and crisp\n- pears are soft and green"},
    {"contains": "List two fruits", "reply": "* Apples\n* Pears"},
]


def _run(tmp_path: Path, trace: Path | None = None, replies: Path | None = None) -> subprocess.CompletedProcess[str]:
    replies = replies or tmp_path / "replies.jsonl"
    replies.write_text("".join(json.dumps(r) + "\n" for r in REPLIES), encoding="utf-8")
    env = {**os.environ, **({"XEVAL_TRACE_CALLS": str(trace)} if trace else {})}
    return subprocess.run([sys.executable, "-m", "xeval", "run", "--model", f"scripted:{replies}", "--tasks",
                           "multi_if_en", "--data-source", "sample", "--output", str(tmp_path / "out"),
                           "--run-id", "mt", "--no-cache"], capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=300)


def _records(tmp_path: Path) -> list[dict]:
    return [json.loads(line) for line in (tmp_path / "out" / "mt" / "samples.jsonl").read_text("utf-8").splitlines()]


def test_three_turns_with_the_models_own_replies(tmp_path: Path) -> None:
    out = _run(tmp_path)
    assert out.returncode == 0, out.stderr
    records = {r["id"]: r for r in _records(tmp_path)}
    strict = {k: r["scores"]["prompt_level_strict_acc"]["value"] for k, r in records.items()}
    assert strict == {"1-t1": 1.0, "1-t2": 1.0, "1-t3": 0.0, "2-t1": 1.0, "2-t2": 1.0, "2-t3": 1.0}
    third = records["1-t3"]
    assert third["conversation"] == {"id": "1", "turn": 3}
    assert [(m["role"], m["content"]) for m in third["prompt"]] == [
        ("user", "Write a short poem about the sea. Do not use any commas."),
        ("assistant", "Waves roll in the night"),
        ("user", "Now rewrite it, and wrap your whole answer in double quotation marks."),
        ("assistant", "\"Waves roll in the night\""),
        ("user", "Finally, add a title wrapped in double angular brackets, such as <<title>>.")]
    verdicts = third["scores"]["prompt_level_strict_acc"]["details"]["instructions"]
    assert [(v["id"], v["strict"], v["loose"]) for v in verdicts] == [
        ("punctuation:no_comma", False, True), ("detectable_format:title", True, True)]  # loose: without the last line
    assert [(v["id"], v["strict"]) for v in records["2-t2"]["scores"]["prompt_level_strict_acc"]["details"][
        "instructions"]] == [("detectable_format:number_bullet_lists", True), ("change_case:english_lowercase", True)]
    summary = json.loads((tmp_path / "out" / "mt" / "summary.json").read_text("utf-8"))
    turns = {row["turn"]: row for row in summary["turns"]}
    assert (turns[1]["prompt_level_strict_acc"], turns[3]["prompt_level_strict_acc"]) == (1.0, 0.5)
    assert turns[3]["inst_level_strict_acc"] == 2 / 3 and turns[3]["n"] == 2


def test_a_run_stopped_after_turn_two_resumes_at_turn_three(tmp_path: Path) -> None:
    whole = tmp_path / "whole"
    whole.mkdir()
    replies = tmp_path / "replies.jsonl"  # one file: the model spec (its path) is in every record
    assert _run(whole, replies=replies).returncode == 0
    expected = (whole / "out" / "mt" / "samples.jsonl").read_bytes()
    stopped = tmp_path / "stopped"
    stopped.mkdir()
    assert _run(stopped, replies=replies).returncode == 0
    folder = stopped / "out" / "mt"
    lines = (folder / "samples.jsonl").read_bytes().splitlines(keepends=True)
    (folder / "samples.jsonl").write_bytes(b"".join(lines[:4]))  # turns 1 and 2 of both conversations
    (folder / "summary.json").unlink()
    trace = tmp_path / "calls.txt"
    out = _run(stopped, trace, replies=replies)
    assert out.returncode == 0, out.stderr
    assert (folder / "samples.jsonl").read_bytes() == expected
    assert trace.read_text("utf-8").split() == ["multi_if_en::1-t3::en", "multi_if_en::2-t3::en"]


def test_a_failed_turn_fails_the_turns_after_it(tmp_path: Path) -> None:
    global REPLIES
    saved = REPLIES
    REPLIES = [r for r in saved if r["contains"] != "Write a short poem"]  # turn 1 of conversation 1: no reply
    try:
        out = _run(tmp_path)
    finally:
        REPLIES = saved
    assert out.returncode == 3
    records = {r["id"]: r for r in _records(tmp_path)}
    assert records["1-t1"]["error"].startswith("scripted: no reply")
    assert records["1-t2"]["error"].startswith("conversation: turn 1 failed: scripted: no reply")
    assert records["1-t3"]["error"].startswith("conversation: turn 1 failed: scripted: no reply")
    assert records["2-t3"]["error"] is None


def test_a_resumed_conversation_sends_the_models_own_words_not_the_redacted_record(tmp_path: Path) -> None:
    """#38 item 8: a turn-1 reply holding a URL with credentials is written redacted; resumed after turn 1,
    the redacted record was sent as turn 2's history. The resumed run asks that conversation's recorded
    turns again, and its records equal the uninterrupted run's."""
    global REPLIES
    saved = REPLIES
    REPLIES = [
        {"contains": "Finally, add a title", "reply": "<<Sea>>"},
        {"contains": "://***@", "reply": "saw a redacted history"},
        {"contains": "Now rewrite it", "reply": "\"saw the model's own words\""},
        {"contains": "Write a short poem", "reply": "Waves at https://admin:hunter2pass@example.com/sea"},
        *[r for r in saved if r["contains"] in ("Now end your answer", "lowercase letters only", "List two fruits")],
    ]
    try:
        replies = tmp_path / "replies.jsonl"
        whole = tmp_path / "whole"
        whole.mkdir()
        assert _run(whole, replies=replies).returncode == 0
        expected = (whole / "out" / "mt" / "samples.jsonl").read_bytes()
        assert b"hunter2pass" not in expected  # written redacted
        records = {r["id"]: r for r in _records(whole)}
        assert records["1-t1"]["redacted"] is True and "redacted" not in records["2-t1"]
        assert records["1-t2"]["prediction"]["text"] == "\"saw the model's own words\""
        stopped = tmp_path / "stopped"
        stopped.mkdir()
        assert _run(stopped, replies=replies).returncode == 0
        folder = stopped / "out" / "mt"
        lines = (folder / "samples.jsonl").read_bytes().splitlines(keepends=True)
        assert [json.loads(line)["id"] for line in lines[:2]] == ["1-t1", "2-t1"]
        (folder / "samples.jsonl").write_bytes(b"".join(lines[:2]))  # killed after the first turns
        (folder / "summary.json").unlink()
        trace = tmp_path / "calls.txt"
        out = _run(stopped, trace, replies=replies)
        assert out.returncode == 0, out.stderr
        assert "1 recorded turn(s) of conversations that go on were redacted when written" in out.stderr
        assert sorted((folder / "samples.jsonl").read_bytes().splitlines()) == sorted(expected.splitlines())
        asked = trace.read_text("utf-8").split()
        assert sorted(asked) == sorted(["multi_if_en::1-t1::en", "multi_if_en::1-t2::en", "multi_if_en::2-t2::en",
                                        "multi_if_en::1-t3::en", "multi_if_en::2-t3::en"])
    finally:
        REPLIES = saved


def test_a_subset_draws_whole_conversations(tmp_path: Path) -> None:
    """#38 item 9: --limit 2 --sample-seed 1 drew turns, not conversations ('turn 1 was not answered', exit 3)."""
    replies = tmp_path / "replies.jsonl"
    replies.write_text("".join(json.dumps(r) + "\n" for r in REPLIES), encoding="utf-8")
    for limit, seed in (("1", "1"), ("1", "7"), ("2", "1"), ("1", None)):
        run_id = f"l{limit}-s{seed}"
        out = subprocess.run([sys.executable, "-m", "xeval", "run", "--model", f"scripted:{replies}", "--tasks",
                              "multi_if_en", "--data-source", "sample", "--output", str(tmp_path / "out"), "--run-id",
                              run_id, "--no-cache", "--limit", limit, *(["--sample-seed", seed] if seed else [])],
                             capture_output=True, text=True, cwd=ROOT, timeout=300)
        assert out.returncode == 0, out.stderr
        records = [json.loads(line) for line in (tmp_path / "out" / run_id / "samples.jsonl").read_text().splitlines()]
        conversations = {r["conversation"]["id"] for r in records}
        assert len(conversations) == int(limit), records
        assert sorted(r["conversation"]["turn"] for r in records) == sorted([1, 2, 3] * int(limit))
        assert all(r["error"] is None for r in records), [r["error"] for r in records]
