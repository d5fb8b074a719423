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
