"""The run folder: one writer (two processes on one run id), a killed writer's lock taken over,
schema round trips and version checks, exit statuses."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from xeval import SCHEMA_VERSION
from xeval.errors import XevalError
from xeval.results import RunFolder, RunSpec, SampleRecord, Summary, load_summaries, parse

ROOT = Path(__file__).resolve().parents[2]
SLOW_RUN = ["run", "--tasks", "xeval_qa_ko", "--limit", "8", "--max-tokens", "48", "--no-cache"]


def _xeval(*argv: str, **kwargs: object) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "xeval", *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=ROOT, **kwargs)  # type: ignore[call-overload]


def _wait_for_lock(run_dir: Path, proc: subprocess.Popen[str], timeout: float = 120.0) -> int:
    """The pid written in the run folder's lock file once the writer holds it."""
    deadline = time.monotonic() + timeout
    lock = run_dir / ".lock"
    while time.monotonic() < deadline:
        if lock.exists() and lock.read_text().strip():
            return int(lock.read_text().strip())
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    raise AssertionError("the first run never took the lock")


def _records(run_dir: Path) -> list[dict]:
    return [json.loads(x) for x in (run_dir / "samples.jsonl").read_text().splitlines()]


def test_two_processes_one_run_id_one_is_refused(tmp_path: Path) -> None:
    first = _xeval(*SLOW_RUN, "--output", str(tmp_path), "--run-id", "nightly")
    holder = _wait_for_lock(tmp_path / "nightly", first)
    assert holder == first.pid
    second = subprocess.run([sys.executable, "-m", "xeval", *SLOW_RUN, "--output", str(tmp_path),
                             "--run-id", "nightly"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    out, err = first.communicate(timeout=600)
    assert first.returncode == 0, err
    assert second.returncode == 2
    line = second.stderr.strip().splitlines()[-1]
    assert line == (f"xeval: error: {tmp_path / 'nightly'} is being written by another xeval process "
                    f"(pid {first.pid}): wait for it to finish, or give this run another --run-id")
    records = _records(tmp_path / "nightly")
    keys = [r["key"] for r in records]
    assert len(keys) == len(set(keys)) == 8
    summary = json.loads((tmp_path / "nightly" / "summary.json").read_text())
    assert summary["n_records"] == 8
    assert {m["n"] + m["n_failed"] for m in summary["metrics"] if m["metric"] == "exact_match"} == {8}


def test_a_killed_writers_lock_is_taken_over_and_the_run_resumed(tmp_path: Path) -> None:
    first = _xeval(*SLOW_RUN, "--output", str(tmp_path), "--run-id", "r", start_new_session=True)
    _wait_for_lock(tmp_path / "r", first)  # the model is loaded before the lock is taken: kill at once,
    os.killpg(first.pid, signal.SIGKILL)    # mid-generation (8 rows of 48 tokens take about a second here)
    first.wait(timeout=30)
    done_before = len(_records(tmp_path / "r")) if (tmp_path / "r" / "samples.jsonl").exists() else 0
    second = subprocess.run([sys.executable, "-m", "xeval", *SLOW_RUN, "--output", str(tmp_path), "--run-id", "r"],
                            capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert second.returncode == 0, second.stderr
    keys = [r["key"] for r in _records(tmp_path / "r")]
    assert len(keys) == len(set(keys)) == 8 and done_before < 8


def test_schema_round_trips_a_real_run(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "xeval", "run", "--tasks", "xeval_nli_ko,xeval_qa_en", "--limit", "2",
                           "--output", str(tmp_path), "--run-id", "rt", "--no-cache"],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    folder = tmp_path / "rt"
    for model, path in ((RunSpec, folder / "run.json"), (Summary, folder / "summary.json")):
        data = json.loads(path.read_text())
        assert data["schema_version"] == SCHEMA_VERSION
        assert parse(model, data, path).model_dump(mode="json", exclude_unset=True) == data
    for record in _records(folder):
        assert SampleRecord.model_validate(record).model_dump(mode="json", exclude_unset=True) == record
    summary = RunFolder(folder).read_summary()
    assert summary.facts("xeval_nli_ko", "acc").higher_is_better is True
    assert summary.facts("xeval_qa_en", "language_code_switching").higher_is_better is False


def test_a_version_1_summary_is_read_with_its_facts_migrated(tmp_path: Path) -> None:
    v1 = {"schema_version": 1, "run_id": "old", "created": "2026-01-01T00:00:00", "model": {"spec": "m"},
          "tasks": {"t": {"primary_metric": "judge_x", "primary_scale": [1, 3], "version": 1.0}},
          "metrics": [{"task": "t", "input_language": "ko", "template_language": "ko", "metric": "judge_x",
                       "value": 2.0, "n": 4},
                      {"task": "t", "input_language": "ko", "template_language": "ko", "metric": "chrf",
                       "value": 50.0, "n": 4}]}
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "summary.json").write_text(json.dumps(v1))
    [summary] = load_summaries(tmp_path)
    assert summary.facts("t", "judge_x").range == (1.0, 3.0)
    assert summary.facts("t", "chrf").range == (0.0, 100.0)
    assert summary.tasks["t"].version == "1.0"
    from xeval.results.leaderboard import tidy_frame

    frame = tidy_frame([summary])
    assert frame.set_index("metric").loc["judge_x", "scale_max"] == 3.0


def test_a_newer_schema_is_a_clear_error_and_skipped_in_folder_scans(tmp_path: Path, capsys) -> None:
    for name, version in (("new", SCHEMA_VERSION + 1), ("ok", SCHEMA_VERSION)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "summary.json").write_text(json.dumps(
            {"schema_version": version, "run_id": name, "model": {"spec": name}, "metrics": []}))
    with pytest.raises(XevalError, match=f"schema version {SCHEMA_VERSION + 1} is newer than this xeval reads"):
        RunFolder(tmp_path / "new").read_summary()
    assert [s.run_id for s in load_summaries(tmp_path)] == ["ok"]
    assert "xeval: skipped" in capsys.readouterr().err


def test_exit_status_follows_the_failed_samples(tmp_path: Path) -> None:
    replies = tmp_path / "replies.json"
    replies.write_text(json.dumps([{"contains": "서울", "reply": "서울"}]), encoding="utf-8")

    def run(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "xeval", "run", "--model", f"scripted:{replies}", "--tasks",
                               "xeval_qa_ko", "--limit", "4", "--output", str(tmp_path), "--no-cache", *extra],
                              capture_output=True, text=True, cwd=ROOT, timeout=300)

    failing = run("--run-id", "a")
    assert failing.returncode == 3
    assert "sample(s) failed" in failing.stderr.splitlines()[-1]
    assert json.loads((tmp_path / "a" / "summary.json").read_text())["n_records"] == 4  # written all the same
    assert run("--run-id", "b", "--max-error-rate", "1").returncode == 0


def test_lm_eval_spellings_and_a_flag_for_another_backend(tmp_path: Path) -> None:
    """lm-eval's flag names work; --concurrency on an in-process model is a note, not an error."""
    tasks = tmp_path / "tasks"
    tasks.mkdir()
    (tasks / "one.yaml").write_text(
        "task: one_ko\ndataset_path: json\ndataset_kwargs:\n  data_files:\n    test: d.jsonl\n"
        "doc_to_text: '{{q}}'\ndoc_to_target: a\noutput_type: generate_until\n"
        "metric_list:\n  - metric: exact_match\nmetadata:\n  xeval:\n    input_language: ko\n", encoding="utf-8")
    (tasks / "d.jsonl").write_text('{"q": "한국의 수도는?", "a": "서울"}\n', encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "xeval", "run", "--model_args", "n_ctx=1024", "--include_path",
                           str(tasks), "--tasks", "one_ko", "--output_path", str(tmp_path / "out"), "--run-id", "a",
                           "--num_fewshot", "0", "--gen_kwargs", "max_gen_toks=7,do_sample=false",
                           "--concurrency", "4", "--no-cache", "--max-error-rate", "1"],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "--concurrency is for API backends (openai:); ignored for embedded" in proc.stderr
    run = json.loads((tmp_path / "out" / "a" / "run.json").read_text())
    assert run["model"]["args"]["n_ctx"] == 1024
    assert run["settings"]["max_tokens"] == 7 and run["settings"]["temperature"] == 0.0
    assert run["settings"]["num_fewshot"] == 0


def test_chat_template_on_an_openai_chat_model_is_a_note(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "xeval", "run", "--model", "openai:x@http://127.0.0.1:9/v1",
                           "--model-args", "preflight=false,max_retries=0,timeout=2", "--chat-template", "plain",
                           "--tasks", "xeval_qa_en", "--limit", "1", "--output", str(tmp_path), "--no-cache"],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert "--chat-template is ignored for openai: chat requests" in proc.stderr
    assert proc.returncode == 3  # nothing listens there: the sample fails, recorded, and the run says so
