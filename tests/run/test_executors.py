"""Executor choices that need no Ray cluster: flags, resources, vLLM data parallelism, the missing
extra, thread counts, when scoring overlaps."""

from __future__ import annotations

import builtins
from typing import Any

import pytest
from xeval.errors import MissingDependencyError, XevalError
from xeval.models.base import Abilities
from xeval.run.executors import (
    ExecutorSpec,
    LocalExecutor,
    check_executor_spec,
    data_parallel,
    executor_record,
    open_executor,
    parse_worker_resources,
)
from xeval.run.runner import RunConfig, overlap_scoring


def test_worker_resources_parse_to_numbers() -> None:
    assert parse_worker_resources("num_gpus=1, num_cpus=4,memory=8e9,accelerator_type_H100=0.01") == {
        "num_gpus": 1.0, "num_cpus": 4.0, "memory": 8e9, "accelerator_type_H100": 0.01}
    assert parse_worker_resources(None) == {}
    for bad, why in (("num_gpus", "NAME=NUMBER"), ("num_gpus=one", "not a number"), ("num_gpus=inf", "finite"),
                     ("=1", "NAME=NUMBER"), (",", "no resource"), ("a=1,a=2", "given twice"),
                     ("CPU=2", "say num_cpus"), ("object_store_memory=1e9", "memory"),
                     ("num_gpus=0.00001", "four decimals")):
        with pytest.raises(XevalError, match=why):
            parse_worker_resources(bad)


def test_ray_flags_need_the_ray_executor() -> None:
    check_executor_spec(ExecutorSpec())
    check_executor_spec(ExecutorSpec("ray", "10.0.0.1:6379", 4, {"num_gpus": 1.0}))
    for spec, why in ((ExecutorSpec("local", workers=2), "--workers apply with --executor ray"),
                      (ExecutorSpec("local", address="h:1"), "--ray-address apply"),
                      (ExecutorSpec("ray", workers=0), "at least 1"), (ExecutorSpec("dask"), "local, ray")):
        with pytest.raises(XevalError, match=why):
            check_executor_spec(spec)


def test_vllm_data_parallel_runs_one_engine_per_ray_worker() -> None:
    args, spec = data_parallel("vllm:Qwen/Qwen2.5-7B", {"data_parallel_size": 4, "dtype": "bfloat16"}, ExecutorSpec())
    assert args == {"dtype": "bfloat16"}
    assert (spec.name, spec.workers, spec.resources) == ("ray", 4, {"num_gpus": 1})
    # tensor-parallel replicas: vLLM places its ranks itself, through Ray
    # tensor-parallel replicas: each worker holds the GPUs of its engine (lm-eval: num_gpus=tensor_parallel_size)
    args, spec = data_parallel("vllm:m", {"data_parallel_size": 2, "tensor_parallel_size": 4,
                                          "pipeline_parallel_size": 2}, ExecutorSpec())
    assert args == {"tensor_parallel_size": 4, "pipeline_parallel_size": 2}
    assert (spec.workers, spec.resources) == (2, {"num_gpus": 8})
    # other backends and a size of 1 pass through unchanged
    assert data_parallel("hf:m", {"data_parallel_size": 2}, ExecutorSpec())[1] == ExecutorSpec()
    assert data_parallel("vllm:m", {"data_parallel_size": 1}, ExecutorSpec())[0] == {"data_parallel_size": 1}
    with pytest.raises(XevalError, match="disagree"):
        data_parallel("vllm:m", {"data_parallel_size": 2}, ExecutorSpec("ray", workers=3))
    with pytest.raises(XevalError, match="whole number"):
        data_parallel("vllm:m", {"data_parallel_size": 0}, ExecutorSpec())


def test_without_ray_the_executor_names_the_pip_line(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_ray(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "ray" or name.startswith("ray."):
            raise ImportError("No module named 'ray'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    with pytest.raises(MissingDependencyError, match=r"pip install 'xeval\[ray\]'"):
        open_executor(ExecutorSpec("ray", workers=2))


def test_the_local_executor_records_itself() -> None:
    assert executor_record(object()) == {"name": "local"}
    assert executor_record(_Model(elsewhere=False)) == {"name": "local"}
    assert LocalExecutor().name == "local"


class _Model:
    def __init__(self, **abilities: Any) -> None:
        self.abilities = Abilities(**abilities)


def test_judging_overlaps_generation_when_both_answer_outside_this_process() -> None:
    pooled, api, in_process = _Model(elsewhere=True), _Model(remote=True), _Model()
    assert overlap_scoring(RunConfig(judge=pooled), pooled)  # a judge worker beside the model's workers
    assert overlap_scoring(RunConfig(judge=api), pooled)
    assert not overlap_scoring(RunConfig(judge=in_process), pooled)  # it would share the driver's cores
    assert not overlap_scoring(RunConfig(judge=pooled), in_process)
    assert not overlap_scoring(RunConfig(), pooled)


def test_llama_threads_follow_the_workers_share(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Ray worker sets XEVAL_THREADS to its CPUs; two workers each taking every core would
    thrash. OMP_NUM_THREADS (often 1 in HPC modules) does not limit a one-process run."""
    import os

    from xeval.models.llamacpp import default_threads

    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.delenv("XEVAL_THREADS", raising=False)
    assert default_threads() == (os.cpu_count() or 1)
    monkeypatch.setenv("XEVAL_THREADS", "1")
    assert default_threads() == 1
    monkeypatch.setenv("XEVAL_THREADS", "junk")
    assert default_threads() == (os.cpu_count() or 1)


def test_a_request_that_kills_workers_is_split_out_then_not_sent_again() -> None:
    """A slice lost twice is sent again request by request; a single request lost twice is marked,
    and answered with that reason (a failed sample) instead of taking more workers down."""
    from types import SimpleNamespace

    from xeval.run.executors.ray import RayModelPool

    pool = SimpleNamespace(_poisoned={})
    keys = ["a", "b", "c"]
    lost = RuntimeError("The actor died unexpectedly")
    assert RayModelPool._after_loss(pool, (0, 1, 2), 1, keys, lost) == [(0, 1, 2)]  # type: ignore[arg-type]
    assert RayModelPool._after_loss(pool, (0, 1, 2), 2, keys, lost) == [(0,), (1,), (2,)]  # type: ignore[arg-type]
    assert RayModelPool._after_loss(pool, (1,), 1, keys, lost) == [(1,)] and not pool._poisoned  # type: ignore[arg-type]
    RayModelPool._after_loss(pool, (1,), 2, keys, lost)  # type: ignore[arg-type]
    assert pool._poisoned == {"b": "The actor died unexpectedly"}
    answer = RayModelPool._poisoned_answer(pool, "generate", "b")  # type: ignore[arg-type]
    assert answer.error.startswith("a Ray worker died on this request twice")
    with pytest.raises(RuntimeError, match="died on this request twice"):
        RayModelPool._poisoned_answer(pool, "loglikelihood", "b")  # type: ignore[arg-type]


def test_missing_dependency_errors_cross_process_boundaries() -> None:
    """Raised in a Ray worker (a node without the backend's package), it must unpickle on the driver."""
    import pickle

    error = pickle.loads(pickle.dumps(MissingDependencyError("the vllm backend", "'xeval[vllm]'")))
    assert isinstance(error, MissingDependencyError) and "pip install 'xeval[vllm]'" in str(error)


def test_backends_declare_where_they_run_in_the_registry() -> None:
    """#33: placement under --executor ray is declared when a backend registers (``on_driver``),
    not read off spec prefixes; a third-party factory says it with an ``on_driver`` attribute."""
    from xeval.models import registry

    assert registry.runs_on_driver("openai:gpt@http://127.0.0.1:1/v1")
    assert registry.runs_on_driver("responses:r.jsonl") and registry.runs_on_driver("none")
    assert not registry.runs_on_driver("embedded") and not registry.runs_on_driver("scripted:x.jsonl")
    assert registry.takes_data_parallel("vllm:m") and not registry.takes_data_parallel("hf:m")

    try:
        @registry.backend("remote-test", on_driver=True)
        def _remote(target: str, args: dict) -> Any:  # pragma: no cover - never loaded
            raise AssertionError

        assert registry.runs_on_driver("remote-test:x")
    finally:
        registry._BACKENDS.pop("remote-test", None)
        registry._ON_DRIVER.discard("remote-test")
    assert not registry.runs_on_driver("remote-test:x")
