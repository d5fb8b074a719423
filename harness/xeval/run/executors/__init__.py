"""Where a run's requests are answered: in this process (``local``, the default) or by model
replicas on a Ray cluster (``ray``). The runner plans and writes either way; an executor only
opens the models the run asks (the model, an in-process judge, a baseline model).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from xeval.errors import XevalError
from xeval.models.base import ModelAdapter, abilities_of

EXECUTORS = ("local", "ray")
RAY_NAMES = {"CPU": "num_cpus", "GPU": "num_gpus", "cpu": "num_cpus", "gpu": "num_gpus",
             "object_store_memory": "memory (a worker cannot reserve object store memory)"}
_RESOURCE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$")


@dataclass(frozen=True)
class ExecutorSpec:
    name: str = "local"
    address: str | None = None  # a running Ray cluster (default: RAY_ADDRESS, else a local one)
    workers: int = 1
    resources: dict[str, float] = field(default_factory=dict)  # per worker: num_cpus, num_gpus, memory, custom


class Executor(Protocol):
    name: str

    def open(self, spec: str, args: dict[str, Any], role: str = "model") -> ModelAdapter: ...

    def close(self) -> None: ...


def parse_worker_resources(text: str | None) -> dict[str, float]:
    """``num_gpus=1,num_cpus=4,memory=8e9,accelerator_type_H100=0.01``: what each worker asks Ray
    for (num_cpus, num_gpus, memory in bytes; any other name is a custom resource)."""
    if text is None:
        return {}
    out: dict[str, float] = {}
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep or not _RESOURCE_NAME.match(name):
            raise XevalError(f"--worker-resources {text!r}: expected NAME=NUMBER,... (e.g. num_gpus=1,num_cpus=4), "
                             f"got {part!r}")
        try:
            number = float(value)
        except ValueError:
            raise XevalError(f"--worker-resources: {name}={value!r} is not a number") from None
        if not math.isfinite(number) or number < 0:
            raise XevalError(f"--worker-resources: {name} must be a finite number, 0 or more, got {value!r}")
        if name in RAY_NAMES:
            raise XevalError(f"--worker-resources: {name}: say {RAY_NAMES[name]} (what Ray's .options() takes)")
        if name in out:
            raise XevalError(f"--worker-resources: {name} given twice")
        if number and abs(number * 10_000 - round(number * 10_000)) > 1e-6:
            raise XevalError(f"--worker-resources: {name}={value}: Ray takes at most four decimals")
        out[name] = number
    if not out:
        raise XevalError(f"--worker-resources {text!r}: no resource named")
    return out


def check_executor_spec(spec: ExecutorSpec) -> None:
    if spec.name not in EXECUTORS:
        raise XevalError(f"--executor {spec.name!r}: expected one of {', '.join(EXECUTORS)}")
    if spec.workers < 1:
        raise XevalError(f"--workers must be at least 1, got {spec.workers}")
    if spec.name == "local":
        given = [flag for flag, on in (("--ray-address", spec.address is not None), ("--workers", spec.workers != 1),
                                       ("--worker-resources", bool(spec.resources))) if on]
        if given:
            raise XevalError(f"{', '.join(given)} apply with --executor ray")
    if spec.address is not None and not spec.address.strip():
        raise XevalError("--ray-address is empty: give HOST:PORT, ray://HOST:PORT or auto")


def data_parallel(spec: str, args: dict[str, Any], executor: ExecutorSpec) -> tuple[dict[str, Any], ExecutorSpec]:
    """``vllm:M --model-args data_parallel_size=N`` as lm-eval runs it: N engines, each a Ray worker
    (one GPU each; ``tensor_parallel_size`` GPUs each through vLLM's own Ray executor)."""
    from xeval.models.registry import takes_data_parallel

    size = args.get("data_parallel_size")
    if size in (None, 1) or not takes_data_parallel(spec):
        return args, executor
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise XevalError(f"--model-args data_parallel_size must be a whole number, 1 or more, got {size!r}")
    if executor.name == "ray" and executor.workers not in (1, size):
        raise XevalError(f"--workers {executor.workers} and data_parallel_size={size} disagree: give one of them")
    rest = {k: v for k, v in args.items() if k != "data_parallel_size"}
    gpus = 1
    for name in ("tensor_parallel_size", "pipeline_parallel_size"):  # the GPUs one engine spans
        value = rest.get(name, 1)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise XevalError(f"--model-args {name} must be a whole number, 1 or more, got {value!r}")
        gpus *= value
    resources = dict(executor.resources)
    resources.setdefault("num_gpus", gpus)  # as lm-eval's @ray.remote(num_gpus=tensor_parallel_size)
    return rest, ExecutorSpec("ray", executor.address, size, resources)


class LocalExecutor:
    """Every model in this process."""

    name = "local"

    def open(self, spec: str, args: dict[str, Any], role: str = "model") -> ModelAdapter:
        from xeval.models.registry import load_model

        return load_model(spec, args)

    def close(self) -> None:
        return None


class RayExecutor:
    """The run's model as ``workers`` Ray actors; an in-process judge or baseline model as one
    worker of its own; API models (calls waiting on a server) stay on the driver, concurrent."""

    name = "ray"

    def __init__(self, spec: ExecutorSpec) -> None:
        from xeval.run.executors.ray import RaySession

        self.spec = spec
        self.session = RaySession(spec.address)

    def open(self, spec: str, args: dict[str, Any], role: str = "model") -> ModelAdapter:
        from xeval.models.registry import load_model, resolve_spec
        from xeval.run.executors.ray import RayModelPool

        resolve_spec(spec)
        if _stays_on_the_driver(spec, args):  # an API (concurrent calls are its scale-out), or no model at all
            return load_model(spec, args)
        if role == "model":
            return RayModelPool(self.session, spec, args, self.spec.workers, self.spec.resources or None)
        # a judge or baseline model: one worker of its own, one CPU (the model's GPUs stay the model's)
        return RayModelPool(self.session, spec, args, 1, {"num_cpus": 1})

    def close(self) -> None:
        self.session.close()


def _stays_on_the_driver(spec: str, args: dict[str, Any]) -> bool:
    """Backends declared ``on_driver`` in the registry (API calls, recorded answers, no model)."""
    from xeval.models.registry import runs_on_driver

    return runs_on_driver(spec)


def open_executor(spec: ExecutorSpec) -> Executor:
    check_executor_spec(spec)
    return RayExecutor(spec) if spec.name == "ray" else LocalExecutor()


def executor_record(model: Any) -> dict[str, Any]:
    """What run.json and summary.json record about where the model's requests were answered."""
    describe = getattr(model, "executor", None)
    if callable(describe) and abilities_of(model).elsewhere:
        try:
            found = describe()
        except Exception:  # noqa: BLE001 - a description is not worth failing a run
            found = None
        if isinstance(found, dict):
            return found
    return {"name": "local"}
