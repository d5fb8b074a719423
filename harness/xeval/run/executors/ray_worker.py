"""What one Ray worker runs: one model replica, loaded once, answering slices of requests.

Imported inside the worker process (a Ray actor); it does not import Ray itself, so the class
can be tested and reused without it. Exceptions raised by the backend travel back to the driver
as the task's error, where the pool raises the original exception: a failed request is a failed
sample there, exactly as in one process.
"""

from __future__ import annotations

import os
from typing import Any

from xeval.models.base import Abilities, abilities_of

THREADS_ENV = "XEVAL_THREADS"  # threads an in-process backend may use (llama.cpp's n_threads default)


class ModelWorker:
    """One replica of ``load_model(spec, args)``, loaded by :meth:`load` (not in the constructor,
    so a model that cannot load is an ordinary error on the driver, not a dead actor)."""

    def __init__(self, spec: str, args: dict[str, Any]) -> None:
        self.spec = spec
        self.args = dict(args)
        self.model: Any = None

    def load(self) -> dict[str, Any]:
        """Load the model; its fingerprint, abilities, xeval's version and this process's id."""
        from xeval import __version__
        from xeval.models.registry import load_model

        if self.model is None:
            for name in [n for n in os.environ if n.startswith("VLLM_DP_")]:  # one engine per worker (as lm-eval)
                del os.environ[name]
            cpus = _assigned_cpus()
            if cpus >= 1:  # in-process backends use this worker's share of the cores, not all of them
                os.environ[THREADS_ENV] = str(int(cpus))
            self.model = load_model(self.spec, self.args)
        abilities = abilities_of(self.model)
        return {"fingerprint": self.model.fingerprint(), "abilities": _abilities_dict(abilities),
                "pid": os.getpid(), "host": os.uname().nodename, "xeval_version": __version__}

    def pid(self) -> int:
        return os.getpid()

    def call(self, method: str, requests: list[Any]) -> list[Any]:
        """``generate``, ``loglikelihood`` or ``next_token_logprobs`` on one slice."""
        if method not in ("generate", "loglikelihood", "next_token_logprobs"):
            raise ValueError(f"unknown model method {method!r}")
        return list(getattr(self.model, method)(requests))

    def close(self) -> None:
        if self.model is not None:
            self.model.close()
            self.model = None


def _assigned_cpus() -> float:
    """The CPUs Ray gave this worker (0 outside Ray, or when it asked only for GPUs)."""
    try:
        import ray

        return float(ray.get_runtime_context().get_assigned_resources().get("CPU", 0))
    except Exception:  # noqa: BLE001 - not inside a Ray worker
        return 0.0


def _abilities_dict(abilities: Abilities) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(abilities)
