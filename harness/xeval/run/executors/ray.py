"""``--executor ray``: requests answered by model replicas on a Ray cluster (``pip install 'xeval[ray]'``).

The driver plans the run, keeps the call cache and is the one writer of the run folder, as in one
process: :class:`RayModelPool` is a model adapter whose ``generate`` / ``loglikelihood`` split
each batch into one slice per worker, send the slices to the workers (Ray actors, each holding
one replica, loaded once) and put the answers back in order. Nothing is shared between workers
but the requests sent and the answers returned, so no shared filesystem is needed.

Faults:

- a worker that dies mid-slice (its process killed, ``ray.kill``, its node lost) has the slice
  sent again, to another worker or to a replacement started in its slot (``max_restarts``
  replacements in all); the run goes on, and no request is answered twice into the records;
- an exception raised by the backend inside a worker is raised on the driver as the original
  exception, so the runner records it on the sample (a failed sample, not a failed worker);
- no worker alive and none that can be started: a :class:`ModelError` ends the run; what was
  written stays written and ``--resume`` sends out only the missing samples.

``ray.init()`` without an address starts a local cluster (a laptop runs the same command); with
``--ray-address`` (or ``RAY_ADDRESS``) the driver joins a running cluster (``ray start``, KubeRay,
a Slurm allocation). The workers need xeval and the backend's packages installed where they run.
"""

from __future__ import annotations

import collections
import logging
import math
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from xeval.errors import MissingDependencyError, ModelError, XevalError
from xeval.models.base import Abilities
from xeval.redaction import redact

START_TIMEOUT_ENV = "XEVAL_RAY_START_TIMEOUT"  # seconds to wait for a worker to start (default 900)
_DEFAULT_START_TIMEOUT = 900.0


def import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise MissingDependencyError("--executor ray", "'xeval[ray]'") from None
    return ray


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def _lost_worker_errors(ray: Any) -> tuple[type[BaseException], ...]:
    """The errors that mean the worker (or its node, or the slice's result) is gone, not that the
    request failed: the slice is sent again."""
    names = ("RayActorError", "ActorDiedError", "ActorUnavailableError", "WorkerCrashedError", "NodeDiedError",
             "ObjectLostError", "OwnerDiedError", "LocalRayletDiedError")
    return tuple(getattr(ray.exceptions, n) for n in names if hasattr(ray.exceptions, n))


class RaySession:
    """The Ray connection of one xeval run: joined (or started, locally) once, shut down at the end
    only if this run started it."""

    def __init__(self, address: str | None = None) -> None:
        self.ray = import_ray()
        self.address = address
        self.started_here = False
        if not self.ray.is_initialized():
            if address:
                _check_reachable(address)
            try:
                self.ray.init(address=address or None, include_dashboard=False, logging_level=logging.ERROR,
                              log_to_driver=False, configure_logging=False)
            except Exception as exc:  # noqa: BLE001 - any failure to connect is one line
                where = f"--ray-address {redact(address)}" if address else "a local Ray cluster (ray.init())"
                raise XevalError(f"{where}: cannot start or join Ray: {redact(_first_line(exc))}") from None
            self.started_here = True

    def describe(self) -> dict[str, Any]:
        resources = self.ray.cluster_resources()
        return {"address": redact(self.address) if self.address else "local",
                "nodes": len([n for n in self.ray.nodes() if n.get("Alive")]),
                "cpus": resources.get("CPU", 0), "gpus": resources.get("GPU", 0)}

    def close(self) -> None:
        if self.started_here and self.ray.is_initialized():
            self.ray.shutdown()
            self.started_here = False


@dataclass
class _Slot:
    """One worker place: its current actor, whether it has loaded its model, what it is doing."""

    index: int
    actor: Any = None
    ready: Any = None  # the load() call while the actor starts
    busy: Any = None  # the call in flight
    started: float = 0.0


@dataclass
class PoolStats:
    slices: int = 0
    resent: int = 0  # slices sent again after their worker was lost
    replaced: int = 0  # workers started in a lost one's place
    lost: list[str] = field(default_factory=list)  # why each lost worker was lost


class RayModelPool:
    """``workers`` replicas of ``load_model(spec, args)`` as Ray actors, used as one model."""

    def __init__(self, session: RaySession, spec: str, args: dict[str, Any], workers: int,
                 resources: dict[str, float] | None = None, max_restarts: int | None = None) -> None:
        from xeval.run.executors.ray_worker import ModelWorker

        if workers < 1:
            raise XevalError(f"--workers must be at least 1, got {workers}")
        self.spec = spec
        self._ray = session.ray
        self._session = session
        self._args = dict(args)
        self.workers = workers
        self.resources = dict(resources or {"num_cpus": 1})
        self.max_restarts = workers * 2 if max_restarts is None else max_restarts
        self.pool_stats = PoolStats()
        self._errors = _lost_worker_errors(self._ray)
        self._remote_class = self._ray.remote(ModelWorker)
        timeout = os.environ.get(START_TIMEOUT_ENV)
        try:
            self._start_timeout = float(timeout) if timeout else _DEFAULT_START_TIMEOUT
        except ValueError:
            raise XevalError(f"{START_TIMEOUT_ENV}={timeout!r}: expected seconds") from None
        self._warn_if_no_room(workers)
        self._slots = [_Slot(i) for i in range(workers)]
        self._closed = False
        for slot in self._slots:
            self._start(slot)
        loaded = [self._await_ready(slot) for slot in self._slots]
        self._fingerprint = loaded[0]["fingerprint"]
        different = [i for i, info in enumerate(loaded) if info["fingerprint"] != self._fingerprint]
        if different:
            self.close()
            raise ModelError(f"ray workers {', '.join(map(str, different))} load {spec} differently from worker 0 "
                             "(their fingerprints differ: other CPU features or package versions): run on like "
                             "machines, or split the run with --shard per kind of machine")
        self.abilities = self._pool_abilities(Abilities(**loaded[0]["abilities"]))
        self.placement = [{"worker": i, "host": info["host"], "pid": info["pid"]} for i, info in enumerate(loaded)]

    def _warn_if_no_room(self, workers: int) -> None:
        total = self._ray.cluster_resources()
        for option, name in (("num_cpus", "CPU"), ("num_gpus", "GPU")):
            asked = self.resources.get(option, 0) * workers
            if asked > total.get(name, 0):
                print(f"xeval: ray: {workers} worker(s) x {option}={self.resources[option]:g} ask for more than the "
                      f"cluster's {total.get(name, 0):g} {name}(s): the rest wait for room (up to "
                      f"{self._start_timeout:g} s, {START_TIMEOUT_ENV})", file=sys.stderr)

    # -- identity -----------------------------------------------------------------------------------

    def fingerprint(self) -> dict[str, Any]:
        """The replicas' fingerprint: the same as the model's in one process (same cache keys)."""
        return dict(self._fingerprint)

    def executor(self) -> dict[str, Any]:
        """What run.json records about where the requests were answered."""
        return {"name": "ray", "workers": self.workers, "resources": self.resources, **self._session.describe(),
                "resent_slices": self.pool_stats.resent, "replaced_workers": self.pool_stats.replaced}

    def _pool_abilities(self, inner: Abilities) -> Abilities:
        from dataclasses import replace

        hint = max(inner.batch_hint, 1) * self.workers  # one full slice per worker per batch
        return replace(inner, batch_hint=hint, elsewhere=True)

    # -- the model protocol ---------------------------------------------------------------------------

    def generate(self, requests: list[Any]) -> list[Any]:
        return self._map("generate", requests)

    def loglikelihood(self, requests: list[Any]) -> list[Any]:
        return self._map("loglikelihood", requests)

    def next_token_logprobs(self, requests: list[Any]) -> list[Any]:
        return self._map("next_token_logprobs", requests)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        closing = [s.actor.close.remote() for s in self._slots if s.actor is not None]
        try:
            self._ray.wait(closing, num_returns=len(closing), timeout=30)
        except Exception:  # noqa: BLE001,S110 - a worker already gone has nothing to close
            pass
        for slot in self._slots:
            if slot.actor is not None:
                self._kill(slot.actor)
                slot.actor = None

    # -- slices --------------------------------------------------------------------------------------

    def _map(self, method: str, requests: list[Any]) -> list[Any]:
        """``method`` over ``requests``: one slice per live worker, answers in request order."""
        if self._closed:
            raise ModelError(f"{self.spec}: the Ray workers were closed")
        if not requests:
            return []
        size = math.ceil(len(requests) / self.workers)
        slices = [requests[i:i + size] for i in range(0, len(requests), size)]
        answers: list[list[Any] | None] = [None] * len(slices)
        queue = collections.deque(range(len(slices)))
        in_flight: dict[Any, tuple[_Slot, int]] = {}
        failure: BaseException | None = None
        while queue or in_flight:
            for slot in self._slots:
                if queue and slot.actor is not None and slot.ready is None and slot.busy is None:
                    index = queue.popleft()
                    slot.busy = slot.actor.call.remote(method, slices[index])
                    in_flight[slot.busy] = (slot, index)
                    self.pool_stats.slices += 1
            starting = {s.ready: s for s in self._slots if s.ready is not None}
            waiting = [*in_flight, *starting]
            if not waiting:
                last = (self.pool_stats.lost or ["?"])[-1]
                raise ModelError(f"{self.spec}: every Ray worker was lost and no replacement can be started "
                                 f"({self.pool_stats.replaced} started; last loss: {last})")
            done, _ = self._ray.wait(waiting, num_returns=1, timeout=self._start_timeout)
            if not done:
                self._give_up_waiting(starting, in_flight)
                continue
            ref = done[0]
            if ref in starting:
                self._settle_start(starting[ref])
                continue
            slot, index = in_flight.pop(ref)
            slot.busy = None
            try:
                answers[index] = self._ray.get(ref)
            except self._errors as exc:
                queue.appendleft(index)  # sent again, to whichever worker is free first
                self.pool_stats.resent += 1
                self._lose(slot, exc)
            except self._ray.exceptions.RayTaskError as exc:
                failure = failure or _cause(exc)  # the backend's own exception, raised once all are back
            except XevalError:
                raise
        if failure is not None:
            raise failure
        return [answer for part in answers for answer in (part or [])]

    # -- workers -------------------------------------------------------------------------------------

    def _start(self, slot: _Slot) -> None:
        options: dict[str, Any] = {k: v for k, v in self.resources.items() if k in ("num_cpus", "num_gpus", "memory")}
        custom = {k: v for k, v in self.resources.items() if k not in options}
        if custom:
            options["resources"] = custom
        slot.actor = self._remote_class.options(**options).remote(self.spec, self._args)
        slot.ready = slot.actor.load.remote()
        slot.started = time.monotonic()

    def _await_ready(self, slot: _Slot) -> dict[str, Any]:
        done, _ = self._ray.wait([slot.ready], timeout=self._start_timeout)
        if not done:
            self.close()
            raise ModelError(f"ray worker {slot.index} for {self.spec} did not start in {self._start_timeout:g} s "
                             f"(resources asked: {_shown(self.resources)}; cluster: {self._session.describe()}); "
                             f"ask for fewer --workers or other --worker-resources")
        try:
            info: dict[str, Any] = self._ray.get(slot.ready)
        except self._ray.exceptions.RayTaskError as exc:
            self.close()
            cause = _cause(exc)
            if isinstance(cause, XevalError):
                raise cause from None
            raise ModelError(f"ray worker {slot.index} cannot load {self.spec}: {_first_line(cause)}") from None
        except self._errors as exc:
            self.close()
            raise ModelError(f"ray worker {slot.index} for {self.spec} died while loading: "
                             f"{_first_line(exc)}") from None
        slot.ready = None
        return info

    def _settle_start(self, slot: _Slot) -> None:
        """A replacement worker finished loading (or failed to)."""
        try:
            info = self._ray.get(slot.ready)
        except Exception as exc:  # noqa: BLE001 - a replacement that cannot start leaves the slot empty
            slot.ready = None
            self._kill(slot.actor)
            slot.actor = None
            self.pool_stats.lost.append(f"worker {slot.index} replacement: {_first_line(exc)}")
            return
        slot.ready = None
        if info.get("fingerprint") != self._fingerprint:  # another kind of machine: its answers would differ
            self._kill(slot.actor)
            slot.actor = None
            self.pool_stats.lost.append(f"worker {slot.index} replacement: its fingerprint differs; not used")

    def _lose(self, slot: _Slot, exc: BaseException) -> None:
        reason = f"worker {slot.index}: {_first_line(exc)}"
        self.pool_stats.lost.append(reason)
        print(f"xeval: ray {reason}; its slice is sent again", file=sys.stderr)
        self._kill(slot.actor)
        slot.actor = None
        if self.pool_stats.replaced < self.max_restarts:
            self.pool_stats.replaced += 1
            self._start(slot)

    def _give_up_waiting(self, starting: dict[Any, _Slot], in_flight: dict[Any, tuple[_Slot, int]]) -> None:
        """Nothing finished in the start timeout: replacements still not started are given up (the
        cluster has no room for them); if nothing else is running either, that ends the call."""
        for slot in starting.values():
            self._kill(slot.actor)
            slot.actor = slot.ready = None
            self.pool_stats.lost.append(f"worker {slot.index} replacement: not started in {self._start_timeout:g} s")
        if not in_flight:
            raise ModelError(f"{self.spec}: no Ray worker answered or started in {self._start_timeout:g} s "
                             f"({'; '.join(self.pool_stats.lost[-3:])})")

    def _kill(self, actor: Any) -> None:
        if actor is None:
            return
        try:
            self._ray.kill(actor, no_restart=True)
        except Exception:  # noqa: BLE001,S110 - already gone
            pass


def _check_reachable(address: str) -> None:
    """``HOST:PORT`` / ``ray://HOST:PORT``: something must listen there (Ray itself waits long on a
    dead address before failing); ``auto`` and other forms are left to Ray."""
    import socket

    host, sep, port = address.removeprefix("ray://").rpartition(":")
    if not sep or not port.isdigit() or not host:
        if address != "auto" and not address.startswith(("ray://", "anyscale://")):
            raise XevalError(f"--ray-address {redact(address)!r}: expected HOST:PORT, ray://HOST:PORT or auto")
        return
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=5).close()
    except OSError as exc:
        raise XevalError(f"--ray-address {redact(address)}: nothing answers there "
                         f"({exc.strerror or type(exc).__name__}); is the cluster's head started (ray start --head)?") \
            from None


def _cause(exc: Any) -> BaseException:
    """The exception the backend raised inside the worker (Ray wraps it in a RayTaskError)."""
    cause = getattr(exc, "cause", None)
    return cause if isinstance(cause, BaseException) else ModelError(_first_line(exc))


def _shown(resources: dict[str, float]) -> str:
    return ",".join(f"{k}={v:g}" for k, v in resources.items())
