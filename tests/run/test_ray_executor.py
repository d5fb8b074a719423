"""``--executor ray`` on a real local Ray cluster (``ray.init(num_cpus=2)``) with two workers holding
the real embedded model: records byte-identical to one process, workers killed mid-slice, failed
samples staying failed samples. (The driver killed and resumed: test_ray_driver.py.)"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from xeval.errors import ModelError, XevalError
from xeval.models.registry import load_model
from xeval.run.runner import RunConfig, plan_tasks, run_evaluation

ray = pytest.importorskip("ray", reason="the ray extra (pip install 'xeval[ray]') is part of the test extra")

from xeval.run.executors import ExecutorSpec, RayExecutor  # noqa: E402
from xeval.run.executors.ray import RayModelPool  # noqa: E402

TASKS = "xeval_qa_en,xeval_qa_ko,xeval_nli_ko,xeval_summary_en"
LIMIT = 4
RUNTIME_FIELDS = ("run_id", "created", "finished", "duration_s", "executor")


@pytest.fixture(scope="module")
def cluster() -> Any:
    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def one_process(tmp_path_factory: pytest.TempPathFactory, embedded_model: Any) -> Path:
    """The reference: the same run in one process."""
    out = tmp_path_factory.mktemp("local")
    config = RunConfig(tasks=TASKS, limit=LIMIT, output=out, run_id="local")
    return run_evaluation(config, embedded_model, plan_tasks(config)).run_dir


@pytest.fixture
def pool(cluster: Any) -> Any:
    """Two workers (one CPU each: the whole local cluster), closed after the test."""
    executor = RayExecutor(ExecutorSpec("ray", workers=2))
    model = executor.open("embedded", {})
    yield model
    model.close()
    executor.close()


def _run(pool: Any, out: Path, run_id: str, **kwargs: Any) -> Path:
    config = RunConfig(tasks=TASKS, limit=LIMIT, output=out, run_id=run_id)
    return run_evaluation(config, pool, plan_tasks(config), **kwargs).run_dir


def _summary(run_dir: Path) -> dict[str, Any]:
    summary = json.loads((run_dir / "summary.json").read_text())
    return {k: v for k, v in summary.items() if k not in RUNTIME_FIELDS}


def _keys(run_dir: Path) -> list[str]:
    return [json.loads(line)["key"] for line in (run_dir / "samples.jsonl").read_text().splitlines()]


def test_ray_records_are_byte_identical_to_one_process(pool: Any, one_process: Path, tmp_path: Path) -> None:
    assert pool.workers == 2 and len({p["pid"] for p in pool.placement}) == 2  # two replicas, two processes
    run_dir = _run(pool, tmp_path, "ray")
    assert (run_dir / "samples.jsonl").read_bytes() == (one_process / "samples.jsonl").read_bytes()
    assert _summary(run_dir) == _summary(one_process)
    executor = json.loads((run_dir / "summary.json").read_text())["executor"]
    assert executor["name"] == "ray" and executor["workers"] == 2 and executor["resent_slices"] == 0
    assert json.loads((one_process / "summary.json").read_text())["executor"] == {"name": "local"}
    assert pool.fingerprint() == json.loads((one_process / "run.json").read_text())["model"]["fingerprint"]


def _kill_mid_slice(pool: Any, how: str, records: Path, done: threading.Event) -> threading.Thread:
    """Kill a worker while it holds a slice, once some records are written."""
    pids = {p["worker"]: p["pid"] for p in pool.placement}  # asked now: a busy actor answers nothing else

    def killer() -> None:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and not done.is_set():
            busy = [s for s in pool._slots if s.busy is not None and s.actor is not None]
            if busy and records.is_file() and records.stat().st_size > 0:
                slot = busy[0]
                if how == "ray.kill":
                    ray.kill(slot.actor, no_restart=True)
                else:
                    os.kill(pids[slot.index], signal.SIGKILL)
                return
            time.sleep(0.005)

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("how", ["ray.kill", "SIGKILL"])
def test_a_worker_killed_mid_slice_has_its_slice_sent_again(pool: Any, one_process: Path, tmp_path: Path,
                                                           how: str) -> None:
    done = threading.Event()
    killer = _kill_mid_slice(pool, how, tmp_path / "killed" / "samples.jsonl", done)
    try:
        run_dir = _run(pool, tmp_path, "killed")
    finally:
        done.set()
        killer.join()
    stats = pool.pool_stats
    assert stats.resent >= 1 and stats.replaced >= 1, stats  # a slice was lost with its worker, and sent again
    keys = _keys(run_dir)
    assert len(keys) == len(set(keys)) == len(_keys(one_process))  # every key once
    assert (run_dir / "samples.jsonl").read_bytes() == (one_process / "samples.jsonl").read_bytes()
    executor_record = json.loads((run_dir / "summary.json").read_text())["executor"]
    assert executor_record["resent_slices"] == stats.resent and executor_record["replaced_workers"] == stats.replaced


def _scripted_file(folder: Path) -> Path:
    """Replies for the sums task below: q1 has none (a failed generation); logprobs for none."""
    replies = [{"contains": f"What is {i} plus {i}?", "reply": str(2 * i)} for i in (0, 2, 3, 4, 5)]
    path = folder / "replies.json"
    path.write_text(json.dumps(replies), encoding="utf-8")
    return path


def test_a_failed_sample_stays_a_failed_sample(cluster: Any, tmp_path: Path) -> None:
    """A request the backend fails (inside a worker) is that sample's error, as in one process;
    no worker is lost or replaced for it."""
    from .test_fault_tolerance import _sums_task

    index = _sums_task(tmp_path, 6)
    spec = f"scripted:{_scripted_file(tmp_path)}"
    results = {}
    for name in ("local", "ray"):
        config = RunConfig(model=spec, tasks="sums", output=tmp_path / "out", run_id=name, batch_size=4)
        executor = RayExecutor(ExecutorSpec("ray", workers=2)) if name == "ray" else None
        model = executor.open(spec, {}) if executor else load_model(spec)
        try:
            results[name] = run_evaluation(config, model, plan_tasks(config, index)).run_dir
            stats = getattr(model, "pool_stats", None)
        finally:
            model.close()
            if executor:
                executor.close()
    assert stats is not None and stats.resent == 0 and stats.replaced == 0
    ray_lines = (results["ray"] / "samples.jsonl").read_bytes()
    assert ray_lines == (results["local"] / "samples.jsonl").read_bytes()
    failed = [json.loads(x) for x in ray_lines.decode().splitlines() if json.loads(x)["error"]]
    assert [r["id"] for r in failed] == ["q1"] and "no reply" in failed[0]["error"]


def test_an_exception_in_a_worker_is_raised_as_itself_on_the_driver(cluster: Any, tmp_path: Path) -> None:
    pool = RayModelPool(_session(), f"scripted:{_scripted_file(tmp_path)}", {}, workers=2)
    try:
        from xeval.types import LoglikelihoodRequest

        with pytest.raises(ModelError, match="gives no log-likelihoods"):  # the backend's own error, unwrapped
            pool.loglikelihood([LoglikelihoodRequest(context="a", continuation=" b")] * 3)
        assert pool.pool_stats.resent == 0
    finally:
        pool.close()


def _session() -> Any:
    from xeval.run.executors.ray import RaySession

    return RaySession()


def test_a_model_that_cannot_load_on_a_worker_is_one_error(cluster: Any, tmp_path: Path) -> None:
    with pytest.raises(XevalError) as caught:
        RayModelPool(_session(), f"llamacpp:{tmp_path / 'absent.gguf'}", {}, workers=2)
    assert "absent.gguf" in str(caught.value) and "\n" not in str(caught.value)


def test_every_worker_lost_ends_the_call_with_one_error(cluster: Any, tmp_path: Path) -> None:
    pool = RayModelPool(_session(), f"scripted:{_scripted_file(tmp_path)}", {}, workers=1, max_restarts=0)
    try:
        ray.kill(pool._slots[0].actor, no_restart=True)
        from xeval.types import GenerationRequest, GenerationSettings, Message

        request = GenerationRequest(messages=(Message(role="user", content="What is 2 plus 2?"),),
                                    settings=GenerationSettings())
        with pytest.raises(ModelError, match="every Ray worker was lost"):
            pool.generate([request])
    finally:
        pool.close()


def test_an_in_process_judge_is_a_worker_of_its_own_and_an_api_stays_on_the_driver(cluster: Any,
                                                                                   tmp_path: Path) -> None:
    from xeval.models.base import abilities_of
    from xeval.run.executors import _stays_on_the_driver

    executor = RayExecutor(ExecutorSpec("ray", workers=2, resources={"num_cpus": 0.5}))
    try:
        judge = executor.open(f"scripted:{_scripted_file(tmp_path)}", {}, role="judge")
        try:
            assert isinstance(judge, RayModelPool) and judge.workers == 1 and abilities_of(judge).elsewhere
            assert judge.resources == {"num_cpus": 1}  # never the model's --worker-resources (its GPUs)
        finally:
            judge.close()
        # an API's calls already run concurrently from the driver: it is not put on a worker
        assert _stays_on_the_driver("openai:gemma@http://127.0.0.1:9/v1", {})
        assert _stays_on_the_driver("responses:answers.jsonl", {}) and _stays_on_the_driver("none", {})
        assert not _stays_on_the_driver("embedded", {}) and not _stays_on_the_driver("vllm:m", {})
    finally:
        executor.close()


def test_the_address_check_tells_ray_from_a_plain_http_server(cluster: Any) -> None:
    """Before: a plain HTTP server at --ray-address passed the check (something listens) and
    ray.init waited minutes. Now its answer is read: Ray's GCS speaks gRPC, the HTTP server not."""
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    from xeval.run.executors.ray import _check_reachable

    _check_reachable(ray.get_runtime_context().gcs_address)  # the real head passes
    server = ThreadingHTTPServer(("127.0.0.1", 0), SimpleHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        began = time.monotonic()
        with pytest.raises(XevalError, match="something answers there, but not Ray"):
            _check_reachable(f"127.0.0.1:{server.server_address[1]}")
        assert time.monotonic() - began < 10
    finally:
        server.shutdown()


def test_workers_beyond_a_cluster_started_here_are_refused_at_once(cluster: Any, tmp_path: Path) -> None:
    session = _session()
    session.started_here = True  # as when the run itself started the local cluster
    try:
        with pytest.raises(XevalError, match="--workers 3 x num_cpus=1 ask for 3 CPU"):
            RayModelPool(session, f"scripted:{_scripted_file(tmp_path)}", {}, workers=3)
    finally:
        session.started_here = False  # the module's cluster stays up


def test_a_remote_call_from_a_worker_trips_the_breaker_on_the_driver(cluster: Any) -> None:
    """The same circuit breaker in a Ray worker: the server a worker calls dies, and the driver
    gets ServerDown (not a failed sample, not a lost worker) within the window."""
    from xeval.errors import ServerDown

    from ..servers import kill, start_stub_server

    proc, url = start_stub_server(reply="ok")
    pool = RayModelPool(_session(), f"openai:stub@{url}", {"down_after": 1, "max_retries": 0}, workers=1)
    try:
        request = _request("hello")
        assert [c.text for c in pool.generate([request])] == ["ok"]
        kill(proc)
        began = time.monotonic()
        with pytest.raises(ServerDown, match=f"the server at {url} stopped answering"):
            pool.generate([request, _request("again")])
        assert time.monotonic() - began < 10
        assert pool.pool_stats.resent == 0  # the worker was not lost: the server was
    finally:
        kill(proc)
        pool.close()


def _request(text: str) -> Any:
    from xeval.types import GenerationRequest, GenerationSettings, Message

    return GenerationRequest(messages=(Message(role="user", content=text),), settings=GenerationSettings(max_tokens=4))
