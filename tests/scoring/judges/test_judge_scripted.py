"""Judges end to end with exact values: scripted answers, a scripted judge, the CLI.

The real-model judge tests (test_judge_end_to_end.py) show the plumbing on a real server,
where a 270M judge's replies cannot be known; here every reply is known, so every score is.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
FACETS = ("language", "fluency", "helpfulness", "accuracy", "logical_coherence", "harmlessness")


def _write(path: Path, entries: list[dict]) -> Path:
    path.write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")
    return path


def _xeval(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xeval", *argv], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)


def _records(run_dir: Path) -> dict[str, dict]:
    return {r["id"]: r for r in map(json.loads, (run_dir / "samples.jsonl").read_text().splitlines())}


def test_six_facets_exact(tmp_path: Path) -> None:
    answers = _write(tmp_path / "answers.json", [
        {"contains": "여름에", "reply": "<think>Need three tips.</think>물을 많이 마시고, 그늘에 있으세요."},
        {"contains": "김치찌개", "reply": "김치와 돼지고기를 볶고 물을 부어 끓입니다."},
    ])
    stars = {"language": 3, "fluency": 2, "helpfulness": 3, "accuracy": 2, "logical_coherence": 3, "harmlessness": 3}
    judge = _write(tmp_path / "judge.json", [
        {"contains": "물을 많이 마시고", "reply": json.dumps(stars)},
        {"contains": "돼지고기", "reply": "I cannot rate this."},  # unreadable, and so is the retry
    ])
    proc = _xeval("run", "--model", f"scripted:{answers}", "--judge", f"scripted:{judge}", "--tasks", "mchat_ko",
                  "--limit", "2", "--output", str(tmp_path / "out"), "--run-id", "r", "--no-cache",
                  "--max-error-rate", "0.5")
    assert proc.returncode == 0, proc.stderr  # the unjudged sample counts as failed: 1 of 2, within the rate
    assert "the judge could not judge 1 sample(s)" in proc.stderr
    records = _records(tmp_path / "out" / "r")
    scored = records["chat-ko-1"]["scores"]["judge_six_facets"]
    assert scored["value"] == sum(stars.values()) / 6 and scored["extra"] == stars
    assert "Need three tips" not in json.dumps(scored["details"])  # the judge saw the answer, not the trace
    failed = records["chat-ko-2"]["scores"]["judge_six_facets"]
    assert failed["value"] is None and failed["error"].startswith("unparseable judge reply after one retry")
    assert failed["details"]["raw"] == ["I cannot rate this.", "I cannot rate this."]
    summary = json.loads((tmp_path / "out" / "r" / "summary.json").read_text())
    assert summary["judges"]["judge_six_facets"] == {"samples": 2, "failed": 1, "retried": 0, "failure_rate": 0.5}
    metric = next(m for m in summary["metrics"] if m["metric"] == "judge_six_facets")
    assert metric["value"] == 16 / 6 and metric["n"] == 1 and metric["n_failed"] == 1
    facts = summary["tasks"]["mchat_ko"]["metric_facts"]["judge_six_facets"]
    assert facts["range"] == [1.0, 3.0]


def test_pairwise_against_a_baseline_model_recorded_as_its_own_run(tmp_path: Path) -> None:
    ours = {"sky": "하늘이 파란 이유는 레일리 산란 때문입니다.", "tips": "매일 단어를 외우세요.",
            "water": "물을 드세요."}
    theirs = {"sky": "The sky is blue.", "tips": "언어 공부 팁: 듣기, 말하기, 쓰기.", "water": "Drink water."}
    answers = _write(tmp_path / "ours.json", [
        {"contains": "sky is blue", "reply": ours["sky"]}, {"contains": "three tips", "reply": ours["tips"]},
        {"contains": "", "reply": ours["water"]}])
    baseline = _write(tmp_path / "theirs.json", [
        {"contains": "sky is blue", "reply": theirs["sky"]}, {"contains": "three tips", "reply": theirs["tips"]},
        {"contains": "", "reply": theirs["water"]}])

    def verdict(first: str, score_a: int, score_b: int) -> dict:  # keyed by the answer shown as A
        return {"contains": f"{first}\n[END ANSWER A", "reply": json.dumps({"score_a": score_a, "score_b": score_b})}

    judge = _write(tmp_path / "judge.json", [
        verdict(ours["sky"], 9, 3), verdict(theirs["sky"], 3, 9),  # a win in both orders
        verdict(ours["tips"], 8, 6), verdict(theirs["tips"], 8, 6),  # the first answer wins each time: a tie
    ])
    out = tmp_path / "out"
    proc = _xeval("run", "--model", f"scripted:{answers}", "--judge", f"scripted:{judge}", "--baseline",
                  f"scripted:{baseline}", "--tasks", "xinstruct_ko", "--limit", "2", "--output", str(out),
                  "--run-id", "pw", "--no-cache")
    assert proc.returncode == 0, proc.stderr
    # the baseline answered first, as a run of its own, with the task's settings
    base_run = json.loads((out / "pw-baseline" / "run.json").read_text())
    assert base_run["model"]["spec"] == f"scripted:{baseline}"
    assert base_run["tasks"]["xinstruct_ko"]["spec"]["generation_kwargs"]["max_gen_toks"] == 192
    assert {r["prediction"]["text"] for r in _records(out / "pw-baseline").values()} == {theirs["sky"], theirs["tips"]}
    records = _records(out / "pw")
    sky, tips = records["xi-1"]["scores"]["pairwise_pairwise"], records["xi-2"]["scores"]["pairwise_pairwise"]
    assert (sky["value"], sky["details"]["outcome"], sky["extra"]["consistent"]) == (1.0, "win", 1.0)
    assert (tips["value"], tips["details"]["outcome"], tips["extra"]["consistent"]) == (0.5, "tie", 0.0)
    assert sky["extra"]["len_baseline"] == len(theirs["sky"])
    summary = json.loads((out / "pw" / "summary.json").read_text())
    assert summary["baseline"] == "run:pw-baseline"
    assert next(m for m in summary["metrics"] if m["metric"] == "pairwise_pairwise")["value"] == 0.75


def test_a_judge_failing_every_call_fails_the_run(tmp_path: Path) -> None:
    """#26 item 10: a judge whose every call fails (here a scripted judge with no reply for any
    request; a 401 alike) leaves no primary metric: exit 3, and the terminal says why."""
    answers = _write(tmp_path / "ours.json", [{"reply": "하늘은 파랗습니다."}, {"reply": "물을 드세요."}])
    judge = _write(tmp_path / "judge.json", [{"contains": "a prompt no judge request holds", "reply": "{}"}])
    out = tmp_path / "out"
    proc = _xeval("run", "--model", f"scripted:{answers}", "--judge", f"scripted:{judge}", "--tasks",
                  "mchat_ko", "--limit", "2", "--output", str(out), "--run-id", "j", "--no-cache")
    assert proc.returncode == 3, proc.stderr
    assert "the judge could not judge 2 sample(s)" in proc.stderr
    assert "2 of 2 sample(s) failed" in proc.stderr and "judge_six_facets" in proc.stderr
    summary = json.loads((out / "j" / "summary.json").read_text())  # the results are written all the same
    assert summary["judges"]["judge_six_facets"]["failure_rate"] == 1.0
    proc = _xeval("run", "--model", f"scripted:{answers}", "--judge", f"scripted:{judge}", "--tasks",
                  "mchat_ko", "--limit", "2", "--output", str(out), "--run-id", "j2", "--no-cache",
                  "--max-error-rate", "1")
    assert proc.returncode == 0, proc.stderr
