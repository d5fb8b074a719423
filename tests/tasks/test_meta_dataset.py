"""Bring-your-own meta-dataset files (KORANI / P3 style), with and without a model."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from xeval.errors import ConfigError

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


def test_a_prediction_column_with_a_real_model_is_ignored_and_the_model_answers(tmp_path: Path) -> None:
    """#26 item 1: with a model, the file's predictions were recorded as that model's answers
    (0 requests). Now the model is asked and the column is said to be ignored."""
    data = tmp_path / "preds.csv"
    _write_csv(data)
    replies = tmp_path / "replies.json"
    replies.write_text(json.dumps([{"contains": "긍정입니까", "reply": "부정"},
                                   {"contains": "질문", "reply": "모릅니다"},
                                   {"contains": "Japan", "reply": "도쿄"}], ensure_ascii=False), encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "xeval", "run", "--model", f"scripted:{replies}", "--mc-mode",
                          "generate", "--tasks", f"file:{data}", "--output", str(tmp_path / "results"),
                          "--run-id", "m", "--no-cache"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "its prediction column is ignored: the model answers" in out.stderr
    records = [json.loads(line) for line in (tmp_path / "results" / "m" / "samples.jsonl").read_text().splitlines()]
    texts = sorted(r["prediction"]["text"] for r in records)
    assert texts == sorted(["부정", "부정", "모릅니다", "도쿄", "모릅니다"])  # the model's, not the file's


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_jsonl_choices_as_a_list(tmp_path: Path) -> None:
    """#26 item 7: ["blue", "red"] in JSONL was read as the one choice "['blue', 'red']"."""
    from xeval.tasks.metafile import load_meta_dataset

    data = _write_jsonl(tmp_path / "mc.jsonl", [
        {"input": "Sky colour?", "output": "blue", "choices": ["blue", "red"], "dataset_name": "sky"},
        {"input": "Grass colour?", "output": "green", "choices": [" green ", "red"], "dataset_name": "sky"}])
    [(spec, samples)] = load_meta_dataset(f"file:{data}")
    assert spec.output_type == "multiple_choice"
    assert [(s.choices, s.gold) for s in samples] == [(["blue", "red"], 0), (["green", "red"], 0)]
    assert all("data_error" not in s.metadata for s in samples)


def test_a_row_without_an_output_is_scored_reference_free(tmp_path: Path) -> None:
    """#26 item 6: a CSV row with no output cell was scored 0.0 against an empty reference; #38 item 2:
    refusing it as a data row then failed every scorer. It is scored by the scorers that need no
    reference (language), and the reference-based metrics record 'no reference' for it."""
    data = tmp_path / "missing.csv"
    data.write_text("input,output,dataset_name\n대한민국의 수도는?,서울,qa\n일본의 수도는?,,qa\n", encoding="utf-8")
    replies = tmp_path / "replies.json"
    replies.write_text(json.dumps([{"contains": "수도", "reply": "서울입니다"}], ensure_ascii=False), encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "xeval", "run", "--model", f"scripted:{replies}", "--tasks",
                          f"file:{data}", "--output", str(tmp_path / "results"), "--run-id", "o", "--no-cache"],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "1 row(s) without a reference answer (output): scored by the scorers that need none" in out.stderr
    records = {r["id"]: r for r in map(json.loads, (tmp_path / "results" / "o" / "samples.jsonl")
                                       .read_text().splitlines())}
    assert records["2"]["error"] is None
    for metric in ("exact_match", "rougeL"):
        assert records["2"]["scores"][metric]["value"] is None
        assert records["2"]["scores"][metric]["error"].startswith("no reference")
    assert records["2"]["scores"]["language"]["value"] == 1.0  # a Korean answer to a Korean question
    assert records["1"]["scores"]["exact_match"]["value"] == 0.0 and records["1"]["scores"]["language"]["value"] == 1.0


def test_a_multiple_choice_row_without_its_answer_is_a_failed_data_row(tmp_path: Path) -> None:
    from xeval.tasks.metafile import load_meta_dataset

    data = _write_jsonl(tmp_path / "mc.jsonl", [
        {"input": "Sky colour?", "output": "blue", "choices": ["blue", "red"], "dataset_name": "sky"},
        {"input": "Grass colour?", "output": "", "choices": ["green", "red"], "dataset_name": "sky"}])
    [(_, samples)] = load_meta_dataset(f"file:{data}")
    assert samples[1].metadata["data_error"] == "row 2: no output (the answer) in this multiple-choice row"
    with pytest.raises(ConfigError, match="row 2: no output"):
        load_meta_dataset(f"file:{data}", strict=True)


def test_predictions_without_references_are_scored_for_language(tmp_path: Path) -> None:
    """#38 item 2: labelled open-ended answers with no reference (bench/data/langid_cases.jsonl, 20
    languages) scored with --model none: the language scorer decides them (it gave 0 decided when a
    row without output was a failed data row)."""
    cases = [json.loads(line) for line in (ROOT / "bench" / "data" / "langid_cases.jsonl").read_text().splitlines()]
    rows = [{"input": "Answer the question.", "output": "", "prediction": case["text"], "language": case["language"],
             "dataset_name": "answers", "id": str(i)} for i, case in enumerate(cases)]
    data = _write_jsonl(tmp_path / "answers.jsonl", rows)
    out = subprocess.run([sys.executable, "-m", "xeval", "run", "--model", "none", "--tasks", f"file:{data}",
                          "--output", str(tmp_path / "results"), "--run-id", "n", "--no-cache"],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    records = [json.loads(line) for line in (tmp_path / "results" / "n" / "samples.jsonl").read_text().splitlines()]
    assert len(records) == len(rows) and all(r["error"] is None for r in records)
    decided = [r["scores"]["language"]["value"] for r in records if r["scores"]["language"]["value"] is not None]
    print(f"\n{len(decided)} of {len(records)} reference-free answers decided, {sum(decided):.0f} correct")
    assert len(decided) >= 0.6 * len(records) and sum(decided) >= 0.9 * len(decided)
    assert all(r["scores"]["rougeL"]["error"].startswith("no reference") for r in records)


def test_a_csv_cell_over_128_kib_is_read(tmp_path: Path) -> None:
    """#26 item 18: a long document in one cell was a _csv.Error traceback."""
    from xeval.tasks.datafiles import read_records

    data = tmp_path / "long.csv"
    document = "가나다라마 " * 40_000  # 240,000 characters, about 560 KiB of UTF-8
    data.write_text(f'input,output\n"{document}",요약\n', encoding="utf-8")
    [row] = read_records(data)
    assert row["input"] == document and row["output"] == "요약"


def test_an_input_language_the_identifier_cannot_decide_is_undecided(tmp_path: Path) -> None:
    """#38 item 20: short inputs ('Answer.') had their input language recorded as a guess ('de')."""
    from xeval.tasks.metafile import load_meta_dataset

    data = _write_jsonl(tmp_path / "short.jsonl", [
        {"input": "Answer.", "output": "", "prediction": "Ja.", "dataset_name": "short"},
        {"input": "Answer.", "output": "", "prediction": "Yes.", "language": "en", "dataset_name": "short"},
        {"input": "대한민국의 수도는 어디입니까?", "output": "", "prediction": "서울", "dataset_name": "short"}])
    [(spec, samples)] = load_meta_dataset(f"file:{data}")
    assert [s.input_language for s in samples] == ["und", "und", "ko"]
    assert [s.answer_language for s in samples] == ["und", "en", "ko"]
    from xeval.scoring.builtin import LanguageCorrectness
    from xeval.types import Prediction

    scores = LanguageCorrectness(frozenset({"en", "ko", "de"})).score(samples, [Prediction(text=s.prediction or "")
                                                                               for s in samples])
    assert scores[0].value is None and scores[0].error.startswith("und: the answer language is not known")
    assert scores[2].value == 1.0
