"""IFEval-format tasks end to end: published-style response files scored as they are
(``responses:FILE``), and the samples answered by the real embedded model."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SAMPLES = ROOT / "tasks" / "ifeval" / "samples"


def _xeval(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xeval", *argv], capture_output=True, text=True, cwd=ROOT,
                          timeout=900)


def _records(run_dir: Path) -> dict[str, dict]:
    return {r["id"]: r for r in map(json.loads, (run_dir / "samples.jsonl").read_text(encoding="utf-8").splitlines())}


def test_response_file_is_scored_as_it_is(tmp_path: Path) -> None:
    lines = (SAMPLES / "ifeval.jsonl").read_text(encoding="utf-8").splitlines()
    prompts = [json.loads(line)["prompt"] for line in lines]
    responses = {
        0: "Dear neighbour\nOur cat Tom is lost. Please call us.",       # no comma: followed
        1: '"The sun rises, slowly."',                                  # quoted but 4 words: 1 of 2
        2: "* walking is good\n* it is free\n* it clears the mind",      # three bullets
        3: "<<Rain>>\nDrops on the roof.\nIs there anything else I can help with?",
        4: "무지개는 햇빛이 물방울에서 굴절되어 생기는 현상입니다.",           # Korean, as asked
        # prompt 6 (index 5) has no response: a failed sample with the reason
    }
    path = tmp_path / "responses.jsonl"
    path.write_text("".join(json.dumps({"prompt": prompts[i], "response": r}, ensure_ascii=False) + "\n"
                            for i, r in responses.items()), encoding="utf-8")
    out = _xeval("run", "--model", f"responses:{path}", "--tasks", "ifeval", "--data-source", "sample",
                 "--output", str(tmp_path / "out"), "--run-id", "r", "--no-cache")
    assert out.returncode == 3, out.stderr  # one sample failed (more than --max-error-rate 0)
    records = _records(tmp_path / "out" / "r")
    assert "no response to this prompt in responses.jsonl" in records["6"]["error"]
    strict = {k: r["scores"]["prompt_level_strict_acc"]["value"] for k, r in records.items() if not r["error"]}
    assert strict == {"1": 1.0, "2": 0.0, "3": 1.0, "4": 1.0, "5": 1.0}
    verdicts = records["2"]["scores"]["prompt_level_strict_acc"]["details"]["instructions"]
    assert [(v["id"], v["strict"], v["kwargs"]) for v in verdicts] == [
        ("length_constraints:number_words", False, {"num_words": 40, "relation": "at least"}),
        ("startend:quotation", True, {})]
    summary = json.loads((tmp_path / "out" / "r" / "summary.json").read_text(encoding="utf-8"))
    metrics = {m["metric"]: m for m in summary["metrics"] if m["task"] == "ifeval"}
    assert metrics["prompt_level_strict_acc"]["value"] == 0.8 and metrics["prompt_level_strict_acc"]["n_failed"] == 1
    assert metrics["inst_level_strict_acc"]["value"] == pytest.approx(6 / 7)  # pooled: 6 of 7 instructions
    assert metrics["language"]["value"] == 1.0  # the Korean answer is in the language asked for
    rows = {(r["level"], r["instruction"]): r for r in summary["instructions"]}
    assert rows[("id", "startend:quotation")]["strict_acc"] == 1.0
    assert rows[("group", "length_constraints")]["n"] == 1


@pytest.mark.slow
def test_ifeval_samples_on_the_embedded_model(tmp_path: Path) -> None:
    out = _xeval("run", "--tasks", "ifeval,ifeval_ko,mifeval_ja", "--data-source", "sample", "--max-tokens", "24",
                 "--output", str(tmp_path), "--run-id", "e", "--no-cache")
    assert out.returncode == 0, out.stderr[-2000:]
    lines = (tmp_path / "e" / "samples.jsonl").read_text(encoding="utf-8").splitlines()
    by_task: dict[str, int] = {}
    for record in map(json.loads, lines):
        by_task[record["task"]] = by_task.get(record["task"], 0) + 1
        verdicts = record["scores"]["prompt_level_strict_acc"]["details"]["instructions"]
        assert verdicts and all(isinstance(v["strict"], bool) and isinstance(v["loose"], bool) for v in verdicts)
        assert record["prediction"]["text"].strip()
    assert by_task == {"ifeval": 6, "ifeval_ko": 5, "mifeval_ja": 4}


def test_a_bad_kwarg_fails_its_row_only(tmp_path: Path) -> None:
    rows = [{"key": 1, "prompt": "Say hi without commas.", "instruction_id_list": ["punctuation:no_comma"],
             "kwargs": [{}]},
            {"key": 2, "prompt": "Say hi in many words.", "instruction_id_list": ["length_constraints:number_words"],
             "kwargs": [{"num_words": "lots", "relation": "at least"}]}]
    data = tmp_path / "data" / "ifeval" / "input_data.jsonl"
    data.parent.mkdir(parents=True)
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    responses = tmp_path / "responses.jsonl"
    responses.write_text("".join(json.dumps({"prompt": r["prompt"], "response": "hi there"}) + "\n" for r in rows),
                         encoding="utf-8")
    out = _xeval("run", "--model", f"responses:{responses}", "--tasks", "ifeval", "--data-dir", str(tmp_path / "data"),
                 "--output", str(tmp_path / "out"), "--run-id", "r", "--no-cache")
    # a bad data row is that row's data error (counted in n_failed; like rows refused as bad data,
    # not a failed model call, so not against --max-error-rate), found at planning (issue 38:
    # kwargs typed strictly, the model not asked for it) and said on stderr
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr
    assert "1 row(s) cannot be scored" in out.stderr and "ifeval 1" in out.stderr
    records = _records(tmp_path / "out" / "r")
    assert records["1"]["scores"]["prompt_level_strict_acc"]["value"] == 1.0
    failed = records["2"]["scores"]["prompt_level_strict_acc"]
    assert failed["value"] is None
    assert failed["error"] == ("no prediction: data: length_constraints:number_words: kwarg num_words: Input should "
                               "be a valid integer (given 'lots')")


def test_a_pattern_that_is_no_regular_expression_fails_its_row_at_planning(tmp_path: Path) -> None:
    """Issue 38 (item 13): ``postscript_marker: "P.S.("`` was an ``re.error`` traceback with 0 of 2
    records written, and every resume crashed the same way. Now it is that row's data error, found
    before the model is asked (the response file has no response for it: asked, it would fail with
    "no response"), said in one line on stderr; the other row is scored and a re-run resumes."""
    rows = [{"key": 1, "prompt": "Say hi with a postscript.", "instruction_id_list": ["detectable_content:postscript"],
             "kwargs": [{"postscript_marker": "P.S.("}]},
            {"key": 2, "prompt": "Say hi without commas.", "instruction_id_list": ["punctuation:no_comma"],
             "kwargs": [{}]}]
    data = tmp_path / "data" / "ifeval" / "input_data.jsonl"
    data.parent.mkdir(parents=True)
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    responses = tmp_path / "responses.jsonl"
    responses.write_text(json.dumps({"prompt": rows[1]["prompt"], "response": "hi there"}) + "\n", encoding="utf-8")
    argv = ("run", "--model", f"responses:{responses}", "--tasks", "ifeval", "--data-dir", str(tmp_path / "data"),
            "--output", str(tmp_path / "out"), "--run-id", "r", "--no-cache")
    out = _xeval(*argv)
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr
    warnings = [line for line in out.stderr.splitlines() if "cannot be scored" in line]
    assert len(warnings) == 1 and "1 row(s)" in warnings[0] and "'P.S.('" in warnings[0], out.stderr
    records = _records(tmp_path / "out" / "r")
    assert len(records) == 2 and records["2"]["scores"]["prompt_level_strict_acc"]["value"] == 1.0
    assert records["1"]["error"] == ("data: detectable_content:postscript: kwarg postscript_marker: 'P.S.(' is not a "
                                     "valid regular expression (missing ), unterminated subpattern at position 7)")
    again = _xeval(*argv)
    assert again.returncode == 0 and "Traceback" not in again.stderr, again.stderr
    assert _records(tmp_path / "out" / "r") == records


def test_reference_language_id_null_responses_and_the_xeval_langid_metric(tmp_path: Path) -> None:
    """``ifeval`` decides its language checks with langdetect, seeded (recorded), as lm-eval's and
    M-IFEval's code do; ``*_xeval_langid`` with xeval's language ID. A null response is a missing
    answer: empty, marked with the reason, scored as following nothing (not the text "None", not a
    refused file)."""
    rows = [{"key": 1, "prompt": "Name a colour in capitals.", "instruction_id_list": ["change_case:english_capital"],
             "kwargs": [{}]},
            {"key": 2, "prompt": "Answer in Finnish.", "instruction_id_list": ["language:response_language"],
             "kwargs": [{"language": "fi"}]},
            {"key": 3, "prompt": "Say hi without commas.", "instruction_id_list": ["punctuation:no_comma"],
             "kwargs": [{}]}]
    data = tmp_path / "data" / "ifeval" / "input_data.jsonl"
    data.parent.mkdir(parents=True)
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    responses = tmp_path / "responses.jsonl"
    answers = {1: "BETRICE", 2: "12345 67890", 3: None}  # langdetect: German; no language; null
    responses.write_text("".join(json.dumps({"prompt": r["prompt"], "response": answers[r["key"]]}) + "\n"
                                 for r in rows), encoding="utf-8")
    out = _xeval("run", "--model", f"responses:{responses}", "--tasks", "ifeval", "--data-dir", str(tmp_path / "data"),
                 "--output", str(tmp_path / "out"), "--run-id", "r", "--no-cache")
    assert out.returncode == 0, out.stderr
    records = _records(tmp_path / "out" / "r")
    reference = {k: r["scores"]["prompt_level_strict_acc"]["value"] for k, r in records.items()}
    own = {k: r["scores"]["prompt_level_strict_acc_xeval_langid"]["value"] for k, r in records.items()}
    assert reference == {"1": 0.0, "2": 1.0, "3": 0.0}  # lm-eval's: not English; langdetect failure = followed
    assert own == {"1": 1.0, "2": 0.0, "3": 0.0}  # xeval's: an English name; no language material
    assert records["1"]["scores"]["prompt_level_strict_acc"]["details"]["language_id"] == {
        "name": "langdetect", "version": "1.0.9", "seed": 0}
    missing = records["3"]
    assert missing["error"] is None and missing["prediction"]["text"] == ""
    assert "responses.jsonl is null" in missing["prediction"]["missing"]
    run = json.loads((tmp_path / "out" / "r" / "run.json").read_text(encoding="utf-8"))
    about = json.dumps(run)
    assert "langdetect 1.0.9 seeded 0" in about and "xeval's language ID (no language material" in about


def test_a_null_scripted_reply_is_a_missing_answer(tmp_path: Path) -> None:
    from xeval.models.scripted import ScriptedModel
    from xeval.types import GenerationRequest, Message

    path = tmp_path / "replies.jsonl"
    path.write_text(json.dumps({"reply": None, "contains": "commas"}) + "\n", encoding="utf-8")
    [completion] = ScriptedModel(str(path)).generate([GenerationRequest(messages=(
        Message(role="user", content="Say hi without commas."),))])
    assert completion.text == "" and completion.error is None
    assert completion.missing is not None and "null" in completion.missing
