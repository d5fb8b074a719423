"""Multiple choice by generation, reasoning traces and the scripted backend: exact values through
scripted replies, and end to end on a real chat-only endpoint (llama_cpp.server behind a proxy
that refuses /v1/completions, as hosted chat APIs do)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

PROXY = Path(__file__).resolve().parents[1] / "fault_proxy.py"  # tests/fault_proxy.py


def _xeval(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xeval", *args], capture_output=True, text=True, timeout=900,
                          env={**os.environ})


def _records(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / "samples.jsonl").read_text(encoding="utf-8").splitlines()]


def _write(path: Path, entries: list[dict]) -> Path:
    path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries), encoding="utf-8")
    return path


def test_scripted_multiple_choice_by_generation(tmp_path: Path) -> None:
    replies = _write(tmp_path / "replies.jsonl", [
        {"reply": "정답: A"},
        {"reply": "<think>The premise says the cafe opens early, so this is entailment.</think>B"},
        {"reply": "잘 모르겠습니다."},
        {"reply": "정답은 A 또는 정답은 C입니다."},
    ])
    proc = _xeval("run", "--model", f"scripted:{replies}", "--tasks", "klue_nli_ko_tpl-ko", "--data-source", "sample",
                  "--limit", "4", "--batch-size", "4", "--output", str(tmp_path), "--run-id", "mc")
    assert proc.returncode == 0, proc.stderr
    assert "gives no log-likelihoods" in proc.stderr and "multiple choice by generation" in proc.stderr
    run = json.loads((tmp_path / "mc" / "run.json").read_text())
    assert run["settings"]["mc_mode"] == "generate"  # --mc-mode auto, resolved and recorded
    records = _records(tmp_path / "mc")
    got = [(r["prediction"]["extracted"], r["prediction"]["extraction"]) for r in records]
    assert got == [(0, "answer_form"), (1, "label_only"), (None, "unparseable"), (None, "ambiguous")]
    assert records[1]["prediction"]["text"] == "B"  # the trace is kept apart, the answer scored
    assert records[1]["prediction"]["reasoning"].startswith("The premise says")
    for record, (extracted, _) in zip(records, got, strict=True):
        assert record["scores"]["acc"]["value"] == float(extracted == record["gold"])
        assert record["scores"]["acc"]["extra"]["unparsed"] == float(extracted is None)
    prompt = records[0]["prompt"][-1]["content"]
    assert "보기:\nA. " in prompt and "위 보기 중 정답의 기호" in prompt  # Korean template: Korean choices block
    summary = json.loads((tmp_path / "mc" / "summary.json").read_text())
    unparsed = next(m for m in summary["metrics"] if m["metric"] == "acc_unparsed")
    assert unparsed["value"] == 0.5 and unparsed["n"] == 4  # 2 of 4: counted, shown, never dropped


def test_loglik_mode_on_a_backend_without_loglikelihoods_is_one_line(tmp_path: Path) -> None:
    replies = _write(tmp_path / "replies.jsonl", [{"reply": "A"}])
    proc = _xeval("run", "--model", f"scripted:{replies}", "--tasks", "klue_nli_ko_tpl-ko", "--data-source",
                  "sample", "--limit", "1", "--mc-mode", "loglik", "--output", str(tmp_path))
    assert proc.returncode == 2
    last = proc.stderr.strip().splitlines()[-1]
    # declared by the backend, so refused when the run is planned, before any model call
    assert last == (f"xeval: error: --mc-mode loglik: scripted:{replies} gives no log-likelihoods; "
                    "use --mc-mode generate (or auto)")
    assert not list(tmp_path.glob("*/samples.jsonl"))


def test_reasoning_traces_are_kept_apart_and_reported(tmp_path: Path) -> None:
    replies = _write(tmp_path / "replies.jsonl", [
        {"reply": "<think>The user wants a one-sentence summary in Korean. SECRET-TRACE</think>"
                  "서울에서 축제가 열렸다."},
        {"reply": "<think>I will think in English about this article and never finish"},
        {"reply": "부산에 비가 많이 왔다.", "reasoning": "Reasoning returned apart by the API, in English."},
    ])
    proc = _xeval("run", "--model", f"scripted:{replies}", "--tasks", "xeval_summary_ko", "--limit", "3",
                  "--batch-size", "3", "--output", str(tmp_path), "--run-id", "think")
    assert proc.returncode == 0, proc.stderr
    records = _records(tmp_path / "think")
    assert [r["prediction"]["text"] for r in records] == ["서울에서 축제가 열렸다.", "", "부산에 비가 많이 왔다."]
    assert [r["prediction"]["reasoning_unclosed"] for r in records] == [False, True, False]
    assert "SECRET-TRACE" in records[0]["prediction"]["reasoning"]
    assert all("SECRET" not in json.dumps(r["scores"], ensure_ascii=False) for r in records)
    assert records[0]["scores"]["language"]["value"] == 1.0  # the Korean answer, not the English trace
    assert records[1]["scores"]["language"]["error"].startswith("und:")  # an unclosed trace: empty answer
    summary = json.loads((tmp_path / "think" / "summary.json").read_text())
    [row] = summary["reasoning"]
    assert (row["task"], row["n"], row["n_unclosed"]) == ("xeval_summary_ko", 3, 1)
    assert row["trace_languages"] == {"en": 3} and row["answer_languages"] == {"ko": 3}


def test_the_judge_sees_only_the_answer(tmp_path: Path) -> None:
    answers = _write(tmp_path / "answers.jsonl", [
        {"reply": "<think>SECRET-TRACE planning in English</think>물을 자주 마시고 그늘에서 쉬세요."}] * 2)
    judge = _write(tmp_path / "judge.jsonl", [
        {"contains": "SECRET-TRACE", "reply": "the trace leaked"},
        {"contains": "물을 자주 마시고", "reply": json.dumps({"language": 3, "fluency": 3, "helpfulness": 2,
                                                            "accuracy": 3, "logical_coherence": 3,
                                                            "harmlessness": 3})},
    ])
    proc = _xeval("run", "--model", f"scripted:{answers}", "--tasks", "mchat_ko", "--limit", "2",
                  "--judge", f"scripted:{judge}", "--output", str(tmp_path), "--run-id", "judged")
    assert proc.returncode == 0, proc.stderr
    for record in _records(tmp_path / "judged"):
        judged = record["scores"]["judge_six_facets"]
        assert judged.get("error") is None, judged
        assert judged["extra"]["helpfulness"] == 2.0  # the reply keyed on the answer, not 'the trace leaked'
        assert "judge_six_facets_lang_gated" not in record["scores"]  # judges are not gated: own language facet


# ---------------------------------------------------------------------------------------
# A real chat-only endpoint
# ---------------------------------------------------------------------------------------

def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_xling_by_generation_on_a_chat_only_endpoint(llama_server_url: str, tmp_path: Path) -> None:
    upstream = int(llama_server_url.rsplit(":", 1)[1].split("/")[0])
    port = _port()
    proxy = subprocess.Popen([sys.executable, str(PROXY), "--port", str(port),
                              "--upstream", str(upstream), "--rate", "0", "--report", str(tmp_path / "proxy.json"),
                              "--refuse", "/v1/completions"])
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        model = f"openai:gemma@http://127.0.0.1:{port}/v1"
        common = ["--model", model, "--tasks", "xling",
                  "--data-source", "sample", "--limit", "4", "--max-tokens", "8", "--output", str(tmp_path)]
        refused = _xeval("run", *common, "--mc-mode", "loglik", "--run-id", "loglik")
        assert refused.returncode == 2
        last = refused.stderr.strip().splitlines()[-1]
        assert last.startswith("xeval: error:") and "/completions" in last
        proc = _xeval("run", *common, "--mc-mode", "generate", "--run-id", "gen")
        assert proc.returncode == 0, proc.stderr[-2000:]
        records = _records(tmp_path / "gen")
        choice_records = [r for r in records if r["output_type"] == "multiple_choice"]
        assert len(choice_records) >= 8 and {r["template_language"] for r in choice_records} == {"ko", "en"}
        for record in choice_records:  # an extracted choice, or a counted failure: never dropped
            assert record["error"] or record["prediction"]["extraction"] in {
                "answer_form", "label_only", "label_first", "choice_text", "unparseable", "ambiguous"}
            assert record["scores"]["acc"].get("value") is not None or record["error"]
        counts = json.loads((tmp_path / "proxy.json").read_text())
        assert counts.get("refused", 0) >= 1  # the loglik attempt hit the refused endpoint
    finally:
        proxy.terminate()
        proxy.wait(timeout=10)


def test_an_unimplemented_lm_eval_field_is_one_line(tmp_path: Path) -> None:
    task_dir = tmp_path / "tasks"
    task_dir.mkdir()
    (task_dir / "custom.yaml").write_text(
        "task: my_custom\ndataset_path: json\ndataset_kwargs:\n  data_files:\n    test: d.jsonl\n"
        "doc_to_text: '{{q}}'\ndoc_to_target: a\nprocess_results: !function utils.process_results\n"
        "metric_list:\n  - metric: exact_match\n",
        encoding="utf-8")
    (task_dir / "d.jsonl").write_text('{"q": "1+1=", "a": "2"}\n', encoding="utf-8")
    proc = _xeval("run", "--model", "none", "--tasks-dir", str(task_dir), "--tasks", "my_custom",
                  "--output", str(tmp_path))
    assert proc.returncode == 2
    line = proc.stderr.strip().splitlines()[-1]
    assert "custom.yaml: task 'my_custom' uses process_results" in line and "lm_eval:my_custom" in line
