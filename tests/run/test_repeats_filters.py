"""Repeats and lm-eval filter pipelines, end to end: exact values through the scripted backend
(native and through lm-eval's own task, which must agree), and the real embedded model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from xeval.cli import main

TASK = {
    "task": "arith_ko",
    "dataset_path": "json",
    "dataset_kwargs": {"data_files": {"test": "arith.jsonl"}},
    "test_split": "test",
    "output_type": "generate_until",
    "doc_to_text": "{{q}}",
    "doc_to_target": "{{a}}",
    "repeats": 3,
    "generation_kwargs": {"until": ["\n\n"], "max_gen_toks": 32, "do_sample": True, "temperature": 0.7},
    "metric_list": [{"metric": "exact_match", "aggregation": "mean", "higher_is_better": True}],
    "filter_list": [
        {"name": "strict-match", "filter": [{"function": "regex", "regex_pattern": "#### (\\-?[0-9\\.\\,]+)"},
                                            {"function": "take_first"}]},
        {"name": "vote", "filter": [{"function": "regex", "regex_pattern": "(\\d+)", "group_select": -1},
                                    {"function": "majority_vote"}, {"function": "take_first"}]},
        {"name": "each", "filter": [{"function": "regex", "regex_pattern": "(\\d+)", "group_select": -1}]},
    ],
    "metadata": {"version": 1, "xeval": {"input_language": "ko"}},
}
DOCS = [{"q": "3 더하기 4는?", "a": "7"}, {"q": "10 빼기 2는?", "a": "8"}, {"q": "2 곱하기 3은?", "a": "6"}]
REPLIES = {  # per question: the replies of repeats 1, 2, 3 (seeds 1234, 1235, 1236)
    "3 더하기 4는?": ["풀이: 3 + 4 #### 7", "답은 7", "#### 8"],
    "10 빼기 2는?": ["8", "#### 9", "9"],
    "2 곱하기 3은?": ["6", "#### 6", "6입니다"],
}


@pytest.fixture()
def task_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "tasks"
    folder.mkdir()
    spec = json.loads(json.dumps(TASK))
    spec["dataset_kwargs"]["data_files"]["test"] = str(folder / "arith.jsonl")
    (folder / "arith_ko.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    (folder / "arith.jsonl").write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in DOCS),
                                        encoding="utf-8")
    script = [{"contains": q, "seed": 1234 + r, "reply": reply}
              for q, replies in REPLIES.items() for r, reply in enumerate(replies)]
    (tmp_path / "replies.json").write_text(json.dumps(script, ensure_ascii=False), encoding="utf-8")
    return folder


def _run(task_dir: Path, out: Path, tasks: str, *extra: str, status: int = 0) -> tuple[dict, list[dict]]:
    code = main(["run", "--model", f"scripted:{task_dir.parent / 'replies.json'}", "--tasks-dir", str(task_dir),
                 "--tasks", tasks, "--output", str(out), "--run-id", "r", "--no-cache", *extra])
    assert code == status
    summary = json.loads((out / "r" / "summary.json").read_text())
    records = [json.loads(x) for x in (out / "r" / "samples.jsonl").read_text().splitlines()]
    return {m["metric"]: m["value"] for m in summary["metrics"]}, records


def test_filters_and_repeats_give_exact_values(task_dir: Path, tmp_path: Path) -> None:
    metrics, records = _run(task_dir, tmp_path / "native", "arith_ko")
    assert metrics["exact_match,strict-match"] == pytest.approx(1 / 3)  # only the first repeat, '#### N'
    assert metrics["exact_match,vote"] == pytest.approx(2 / 3)  # 7 (7,7,8), 9 (8,9,9), 6
    assert metrics["exact_match,each"] == pytest.approx((2 / 3 + 1 / 3 + 1) / 3)  # mean over the 3 answers
    assert metrics["exact_match,each_pass@3"] == pytest.approx(1.0)
    assert metrics["exact_match,each_maj@3"] == pytest.approx(2 / 3)
    first = next(r for r in records if r["id"] == "0")
    assert [a["text"] for a in first["prediction"]["repeats"]] == REPLIES["3 더하기 4는?"]
    assert first["scores"]["exact_match,each"]["details"]["repeats"] == [1.0, 1.0, 0.0]
    run = json.loads((tmp_path / "native" / "r" / "run.json").read_text())
    assert run["tasks"]["arith_ko"]["repeats"] == 3
    assert run["tasks"]["arith_ko"]["primary_metric"] == "exact_match,strict-match"


def test_lm_eval_runs_the_same_task_to_the_same_numbers(task_dir: Path, tmp_path: Path) -> None:
    pytest.importorskip("lm_eval")
    theirs, _ = _run(task_dir, tmp_path / "bridged", "lm_eval:arith_ko")
    ours, _ = _run(task_dir, tmp_path / "native", "arith_ko")
    for name in ("exact_match,strict-match", "exact_match,vote"):  # lm-eval's metric takes one answer
        assert theirs[name] == pytest.approx(ours[name])


def test_repeats_override_and_a_failed_repeat_fails_the_sample(task_dir: Path, tmp_path: Path) -> None:
    metrics, records = _run(task_dir, tmp_path / "four", "arith_ko", "--repeats", "4", status=3)
    assert all(r["error"] and r["error"].startswith("repeat 4 of 4: scripted: no reply") for r in records)
    assert all(s.get("error") for r in records for s in r["scores"].values())


def test_repeats_on_the_embedded_model(tmp_path: Path, capsys) -> None:
    """The real model, sampled: two answers per sample, each seeded, both recorded and scored."""
    code = main(["run", "--tasks", "xeval_qa_ko", "--limit", "2", "--repeats", "2", "--temperature", "0.9",
                 "--max-tokens", "24", "--output", str(tmp_path), "--run-id", "rep", "--no-cache"])
    assert code == 0, capsys.readouterr().err
    records = [json.loads(x) for x in (tmp_path / "rep" / "samples.jsonl").read_text().splitlines()]
    assert len(records) == 2 and not any(r["error"] for r in records)
    for record in records:
        assert len(record["prediction"]["repeats"]) == 2
        primary = next(iter(record["scores"].values()))
        assert len(primary["details"]["repeats"]) == 2 and "pass@2" in primary["extra"]
    run = json.loads((tmp_path / "rep" / "run.json").read_text())
    assert run["settings"]["repeats"] == 2 and run["settings"]["temperature"] == 0.9
