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
                     ("=1", "NAME=NUMBER"), (",", "no resource"), ("a=1,a=2", "given twice")):
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
    args, spec = data_parallel("vllm:m", {"data_parallel_size": 2, "tensor_parallel_size": 4}, ExecutorSpec())
    assert args == {"tensor_parallel_size": 4, "distributed_executor_backend": "ray"}
    assert (spec.workers, spec.resources) == (2, {"num_gpus": 0})
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


def test_llama_threads_follow_omp_num_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Ray worker's share of the cores arrives as OMP_NUM_THREADS; two workers each taking every
    core would thrash."""
    import os

    from xeval.models.llamacpp import default_threads

    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert default_threads() == 1
    monkeypatch.setenv("OMP_NUM_THREADS", "junk")
    assert default_threads() == (os.cpu_count() or 1)
    monkeypatch.delenv("OMP_NUM_THREADS")
    assert default_threads() == (os.cpu_count() or 1)
