"""Faults: an injecting proxy in front of the real llama_cpp.server; killed and resumed runs."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from xeval.models.registry import load_model
from xeval.run.runner import RunConfig, plan_tasks, run_evaluation
from xeval.tasks.task_index import TaskIndex

from ..fault_proxy import FAULTS
from ..servers import free_port, stop, wait_for

PROXY = Path(__file__).resolve().parents[1] / "fault_proxy.py"  # tests/fault_proxy.py

ROOT = Path(__file__).resolve().parents[2]


def _sums_task(folder: Path, n: int) -> TaskIndex:
    rows = [{"id": f"q{i}", "question": f"What is {i} plus {i}?", "answer": str(2 * i)} for i in range(n)]
    (folder / "data.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (folder / "sums.yaml").write_text(
        "task: sums\ndataset_path: json\ndataset_kwargs:\n  data_files:\n    test: data.jsonl\n"
        "output_type: generate_until\ndoc_to_text: '{{question}}'\ndoc_to_target: answer\n"
        "generation_kwargs:\n  max_gen_toks: 6\nmetric_list:\n  - metric: exact_match\n"
        "metadata:\n  xeval:\n    id_field: id\n", encoding="utf-8")
    return TaskIndex.load(extra_paths=[folder])


@pytest.mark.parametrize("transport", ["aiohttp", "openai"])
def test_run_survives_injected_api_faults(llama_server_url: str, tmp_path: Path, transport: str) -> None:
    upstream = int(llama_server_url.rsplit(":", 1)[1].split("/")[0])
    port = free_port()
    report = tmp_path / "injected.json"
    proxy = subprocess.Popen([sys.executable, str(PROXY), "--port", str(port),
                              "--upstream", str(upstream), "--rate", "0.3", "--seed", "3",
                              "--timeout-delay", "4", "--report", str(report)])
    try:
        wait_for(f"http://127.0.0.1:{port}/v1/models", proxy)
        model = load_model(f"openai:gemma@http://127.0.0.1:{port}/v1",
                           {"concurrency": 4, "timeout": 2, "backoff": 0.05, "max_backoff": 0.5, "max_retries": 8,
                            "transport": transport})
        assert model.transport == transport
        index = _sums_task(tmp_path, 40)
        config = RunConfig(tasks="sums", output=tmp_path / "results")
        result = run_evaluation(config, model, plan_tasks(config, index))
        time.sleep(0.6)
        injected = json.loads(report.read_text())
    finally:
        stop(proxy)
    records = [json.loads(x) for x in (result.run_dir / "samples.jsonl").read_text().splitlines()]
    assert len(records) == 40 and result.summary["complete"]
    for record in records:  # scored, or marked with the reason
        score = record["scores"]["exact_match"]
        assert score["value"] is not None or (record["error"] and score["error"])
    assert set(injected) == set(FAULTS), injected  # every kind of fault was injected
    assert sum(injected.values()) >= 10 and model.retries >= sum(injected.values()) - 2
    scored = sum(r["scores"]["exact_match"]["value"] is not None for r in records)
    print(f"\ninjected {sum(injected.values())} faults {injected}; {model.retries} retries; {scored}/40 scored")


def test_sigkilled_run_resumes_to_the_uninterrupted_records(tmp_path: Path) -> None:
    """SIGKILL at random points; the resumed run ends with exactly the records of an uninterrupted
    run, and no finished sample is sent to the model again (traced per attempt)."""
    args = ["--tasks", "xeval_qa_en,xeval_qa_ko,xeval_nli_ko,xeval_summary_ko,xeval_summary_en", "--limit", "8",
            "--batch-size", "1",
            "--no-cache", "--output", str(tmp_path)]
    base = subprocess.run([sys.executable, "-m", "xeval", "run", *args, "--run-id", "clean"], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert base.returncode == 0, base.stderr
    rng = random.Random(11)
    run_dir = tmp_path / "killed"
    attempts, kills = 0, 0
    while True:
        attempts += 1
        trace = tmp_path / f"trace{attempts}.txt"
        finished_before = set()
        if (run_dir / "samples.jsonl").exists():
            finished_before = {json.loads(x)["key"] for x in (run_dir / "samples.jsonl").read_bytes().split(b"\n")
                               if x.strip() and x.endswith(b"}")}
        proc = subprocess.Popen([sys.executable, "-m", "xeval", "run", *args, "--run-id", "killed"], cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                env={**__import__("os").environ, "XEVAL_TRACE_CALLS": str(trace)})
        try:
            proc.wait(timeout=rng.uniform(3.0, 6.0) if kills < 4 else 600)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            kills += 1
        sent = set(trace.read_text().split()) if trace.exists() else set()
        assert not (sent & finished_before), f"attempt {attempts} re-ran finished samples"
        if proc.returncode == 0:
            break
    assert kills >= 2
    clean = (tmp_path / "clean" / "samples.jsonl").read_bytes()
    assert (run_dir / "samples.jsonl").read_bytes() == clean
    a = json.loads((tmp_path / "clean" / "summary.json").read_text())
    b = json.loads((run_dir / "summary.json").read_text())
    assert a["metrics"] == b["metrics"] and b["complete"]


def _records(run_dir: Path) -> dict[str, dict]:
    lines = (run_dir / "samples.jsonl").read_text(encoding="utf-8").splitlines()
    return {r["key"]: r for r in map(json.loads, lines)}


def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("xeval: error:")]


def _wait_for_records(run_dir: Path, n: int, proc: subprocess.Popen[str], timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    samples = run_dir / "samples.jsonl"
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the run ended before the server was killed"
        if samples.exists() and len(samples.read_bytes().splitlines()) >= n:
            return
        time.sleep(0.1)
    raise TimeoutError(f"{n} records did not appear in {timeout:g} s")


def test_a_server_killed_mid_run_stops_it_in_seconds_and_resume_completes_it(tmp_path: Path) -> None:
    """The real model server (llama_cpp.server, as `xeval serve` starts it) SIGKILLed mid-run.
    Before: every batch waited out six backed-off retries per request, then recorded failures
    and the next batch started over (600 s later still running). Now: one line naming the server
    within the breaker's window, exit 3, the records written so far kept and none failed; the
    server restarted, --resume completes the run with the records of an uninterrupted one."""
    pytest.importorskip("llama_cpp.server")
    from xeval.models.embedded import embedded_model_path

    from ..servers import kill, start_llama_server

    tasks = tmp_path / "tasks"
    tasks.mkdir()
    _sums_task(tasks, 40)
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1"
    out = tmp_path / "out"
    common = [sys.executable, "-m", "xeval", "run", "--model", f"openai:gemma@{url}", "--tasks-dir", str(tasks),
              "--tasks", "sums", "--no-cache", "--output", str(out), "--concurrency", "1"]  # batches of 16
    server, _ = start_llama_server(embedded_model_path(), port=port, verbose=False)
    try:
        clean = subprocess.run([*common, "--run-id", "clean"], cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert clean.returncode == 0, clean.stderr
        run = subprocess.Popen([*common, "--run-id", "killed"], cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
        _wait_for_records(out / "killed", 16, run)  # the first batch written, the second in flight
        kill(server)
        killed_at = time.monotonic()
        _, stderr = run.communicate(timeout=120)
        took = time.monotonic() - killed_at
    finally:
        kill(server)
    print(f"\nserver SIGKILLed -> the run stopped in {took:.1f} s (down_after default 10 s): "
          f"{_error_lines(stderr)}")
    assert run.returncode == 3, stderr[-2000:]
    assert took < 30
    [line] = _error_lines(stderr)
    assert f"the server at {url} stopped answering" in line and f"--resume {out / 'killed'}" in line
    assert "Traceback" not in stderr
    kept = _records(out / "killed")
    assert 16 <= len(kept) < 40 and not any(r["error"] for r in kept.values())  # no outage turned into failures
    assert json.loads((out / "killed" / "summary.json").read_text())["complete"] is False
    server, _ = start_llama_server(embedded_model_path(), port=port, verbose=False)
    try:
        resumed = subprocess.run([sys.executable, "-m", "xeval", "run", "--resume", str(out / "killed"), "--no-cache",
                                  "--tasks-dir", str(tasks)],
                                 cwd=ROOT, capture_output=True, text=True, timeout=600)
    finally:
        kill(server)
    assert resumed.returncode == 0, resumed.stderr
    clean_records, resumed_records = _records(out / "clean"), _records(out / "killed")
    assert set(resumed_records) == set(clean_records) and len(clean_records) == 40
    for key, record in clean_records.items():
        assert resumed_records[key] == record, key
    assert json.loads((out / "killed" / "summary.json").read_text())["complete"]


def test_a_judge_whose_server_dies_trips_the_same_breaker(tmp_path: Path) -> None:
    """The judge's server crashes mid-run (the stub exits on its 21st completion): the run
    stops with one line naming the judge's server within its down_after (3 s here, from
    --judge-args), exit 3; the batches judged are kept, none with a judge failure; resumed with
    the judge back, every sample is judged."""
    from ..servers import kill, start_stub_server

    tasks = tmp_path / "tasks"
    tasks.mkdir()
    _sums_task(tasks, 48)
    yaml = (tasks / "sums.yaml").read_text()
    judged = yaml.replace("    id_field: id\n", "    id_field: id\n    scorers: ['judge:helpfulness']\n")
    (tasks / "sums.yaml").write_text(judged)
    model, model_url = start_stub_server(reply="4")
    port = free_port()
    judge, judge_url = start_stub_server(port=port, reply="Rating: [[7]]", die_after=20)
    out = tmp_path / "out"
    common = [sys.executable, "-m", "xeval", "run", "--model", f"openai:stub@{model_url}", "--tasks-dir", str(tasks),
              "--tasks", "sums", "--no-cache", "--output", str(out), "--concurrency", "1",
              "--judge", f"openai:judge@{judge_url}", "--judge-args", "down_after=3"]
    try:
        began = time.monotonic()
        first = subprocess.run([*common, "--run-id", "j"], cwd=ROOT, capture_output=True, text=True, timeout=300)
        took = time.monotonic() - began
        assert judge.poll() is not None  # it crashed
        kept = _records(out / "j")
        judge, _ = start_stub_server(port=port, reply="Rating: [[7]]")
        resumed = subprocess.run([*common, "--resume", str(out / "j")], cwd=ROOT, capture_output=True, text=True,
                                 timeout=300)
    finally:
        kill(model)
        kill(judge)
    print(f"\njudge server crashed -> run stopped after {took:.1f} s in all: {_error_lines(first.stderr)}")
    assert first.returncode == 3, first.stderr[-2000:]
    [line] = _error_lines(first.stderr)
    assert f"the server at {judge_url} stopped answering" in line and "down_after=3" in line
    assert took < 30
    assert 16 <= len(kept) < 48
    assert all(r["scores"]["judge_helpfulness"]["value"] == 7 for r in kept.values())  # no judge failure recorded
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    final = _records(out / "j")
    assert len(final) == 48 and all(r["scores"]["judge_helpfulness"]["value"] == 7 for r in final.values())
