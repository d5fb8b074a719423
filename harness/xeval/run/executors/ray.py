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
            elif os.environ.get("RAY_ADDRESS", "").strip():  # what ray.init() joins: checked the same way
                _check_reachable(os.environ["RAY_ADDRESS"].strip(), "RAY_ADDRESS")
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
        self._poisoned: dict[str, str] = {}  # request key -> why: requests that took a worker down twice
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
        """More than the cluster has: refused on a cluster this run started (nothing will ever add
        room: the workers would wait out the start timeout); a joined cluster may autoscale."""
        total = self._ray.cluster_resources()
        for option, amount in self.resources.items():
            name = {"num_cpus": "CPU", "num_gpus": "GPU"}.get(option, option)
            if amount * workers > total.get(name, 0):
                if self._session.started_here:
                    raise XevalError(f"--workers {workers} x {option}={amount:g} ask for {amount * workers:g} {name}; "
                                     f"the local Ray cluster started for this run has {total.get(name, 0):g}: ask "
                                     "for fewer --workers or less --worker-resources, or join a bigger cluster "
                                     "(--ray-address)")
                print(f"xeval: ray: {workers} worker(s) x {option}={amount:g} ask for more than the cluster's "
                      f"{total.get(name, 0):g} {name}: the rest wait for room (up to {self._start_timeout:g} s, "
                      f"{START_TIMEOUT_ENV})", file=sys.stderr)

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
        """Idle workers close their model; busy or starting ones are killed at once (Ctrl-C and
        SIGTERM must not wait behind a slice still decoding)."""
        if self._closed:
            return
        self._closed = True
        idle = [s for s in self._slots if s.actor is not None and s.busy is None and s.ready is None]
        closing = [s.actor.close.remote() for s in idle]
        if closing:
            try:
                self._ray.wait(closing, num_returns=len(closing), timeout=10)
            except Exception:  # noqa: BLE001,S110 - a worker already gone has nothing to close
                pass
        for slot in self._slots:
            self._kill(slot.actor)
            slot.actor = slot.busy = slot.ready = None

    # -- slices --------------------------------------------------------------------------------------

    def _map(self, method: str, requests: list[Any]) -> list[Any]:
        """``method`` over ``requests``: one slice per live worker, answers in request order.

        A slice whose worker is lost is sent again; one lost twice is split into single requests;
        a request that took a worker down twice on its own is not sent again (its sample fails
        with that reason, in this call and later ones)."""
        if self._closed:
            raise ModelError(f"{self.spec}: the Ray workers were closed")
        if not requests:
            return []
        keys = [_request_key(r) for r in requests]
        answers: dict[int, Any] = {}
        failure: BaseException | None = None
        sendable = []
        for i, key in enumerate(keys):
            if key in self._poisoned:  # it took a worker down twice before: not sent again
                try:
                    answers[i] = self._poisoned_answer(method, key)
                except RuntimeError as exc:
                    failure = failure or exc
            else:
                sendable.append(i)
        size = max(1, math.ceil(len(sendable) / self.workers))
        queue: collections.deque[tuple[int, ...]] = collections.deque(
            tuple(sendable[i:i + size]) for i in range(0, len(sendable), size))
        losses: collections.Counter[tuple[int, ...]] = collections.Counter()
        in_flight: dict[Any, tuple[_Slot, tuple[int, ...]]] = {}
        try:
            while queue or in_flight:
                for slot in self._slots:
                    if queue and slot.actor is not None and slot.ready is None and slot.busy is None:
                        part_of = queue.popleft()
                        slot.busy = slot.actor.call.remote(method, [requests[i] for i in part_of])
                        in_flight[slot.busy] = (slot, part_of)
                        self.pool_stats.slices += 1
                starting = {s.ready: s for s in self._slots if s.ready is not None}
                if not in_flight and not starting:
                    last = (self.pool_stats.lost or ["?"])[-1]
                    raise ModelError(f"{self.spec}: every Ray worker was lost and no replacement can be started "
                                     f"({self.pool_stats.replaced} started; last loss: {last})")
                done, _ = self._ray.wait([*in_flight, *starting], num_returns=1, timeout=self._wait_time(starting))
                if not done:
                    self._give_up_late_starts(in_flight)
                    continue
                ref = done[0]
                if ref in starting:
                    self._settle_start(starting[ref])
                    continue
                slot, part_of = in_flight.pop(ref)
                slot.busy = None
                try:
                    part = self._ray.get(ref)
                except self._errors as exc:  # the worker is gone, not the request: sent again
                    self.pool_stats.resent += 1
                    self._lose(slot, exc)
                    losses[part_of] += 1
                    for again in reversed(self._after_loss(part_of, losses[part_of], keys, exc)):
                        if len(again) == 1 and keys[again[0]] in self._poisoned:
                            try:
                                answers[again[0]] = self._poisoned_answer(method, keys[again[0]])
                            except RuntimeError as poisoned:
                                failure = failure or poisoned
                        else:
                            queue.appendleft(again)
                    continue
                except self._ray.exceptions.RayTaskError as exc:
                    failure = failure or _cause(exc)  # the backend's own exception, raised once all are back
                    continue
                except self._ray.exceptions.RayError as exc:  # an answer that cannot come back (unpicklable, ...)
                    failure = failure or ModelError(f"{self.spec}: a Ray worker's answer could not be read: "
                                                    f"{_first_line(exc)}")
                    continue
                answers.update(zip(part_of, part, strict=True))
        finally:
            for slot, _ in in_flight.values():  # an early exit: nothing is waited for any more
                slot.busy = None
        if failure is not None:
            raise failure
        return [answers[i] for i in range(len(requests))]

    def _after_loss(self, part_of: tuple[int, ...], times: int, keys: list[str],
                    exc: BaseException) -> list[tuple[int, ...]]:
        """What is sent again after a slice's worker was lost ``times`` times: the slice; after
        two losses its requests one by one; a single request lost twice is marked not to send."""
        if times < 2:
            return [part_of]
        if len(part_of) > 1:  # lost twice: one request of it may be what kills workers
            return [(i,) for i in part_of]
        self._poisoned[keys[part_of[0]]] = _first_line(exc)
        return [part_of]

    def _poisoned_answer(self, method: str, key: str) -> Any:
        reason = (f"a Ray worker died on this request twice ({self._poisoned[key][:200]}); it was not sent again")
        if method == "generate":
            from xeval.types import Completion

            return Completion(error=reason)
        raise RuntimeError(reason)  # no per-request error value: the runner records it on the sample

    # -- workers -------------------------------------------------------------------------------------

    def _start(self, slot: _Slot) -> None:
        options: dict[str, Any] = {k: v for k, v in self.resources.items() if k in ("num_cpus", "num_gpus", "memory")}
        custom = {k: v for k, v in self.resources.items() if k not in options}
        if custom:
            options["resources"] = custom
        try:
            slot.actor = self._remote_class.options(**options).remote(self.spec, self._args)
        except (ValueError, TypeError) as exc:  # Ray's own checks of the resources
            raise XevalError(f"--worker-resources {_shown(self.resources)}: Ray refuses them: "
                             f"{_first_line(exc)}") from None
        slot.ready = slot.actor.load.remote()
        slot.started = time.monotonic()

    def _await_ready(self, slot: _Slot) -> dict[str, Any]:
        done, _ = self._ray.wait([slot.ready], timeout=max(0.0, slot.started + self._start_timeout - time.monotonic()))
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
                raise XevalError(_first_line(cause)) from None
            raise ModelError(f"ray worker {slot.index} cannot load {self.spec}: {_first_line(cause)}") from None
        except self._ray.exceptions.RayError as exc:  # died, unschedulable, runtime env, unreadable error
            self.close()
            raise ModelError(f"ray worker {slot.index} cannot load {self.spec}: {_first_line(exc)}") from None
        slot.ready = None
        from xeval import __version__

        if info.get("xeval_version") != __version__:
            self.close()
            raise ModelError(f"ray worker {slot.index} on {info.get('host')} runs xeval {info.get('xeval_version')}, "
                             f"the driver {__version__}: install the same xeval on every node")
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
            print(f"xeval: ray worker {slot.index}'s replacement loads {self.spec} differently (its fingerprint "
                  "differs); not used", file=sys.stderr)

    def _lose(self, slot: _Slot, exc: BaseException) -> None:
        reason = f"worker {slot.index}: {_first_line(exc)}"
        self.pool_stats.lost.append(reason)
        print(f"xeval: ray {reason}; its slice is sent again", file=sys.stderr)
        self._kill(slot.actor)
        slot.actor = None
        if self.pool_stats.replaced < self.max_restarts:
            self.pool_stats.replaced += 1
            self._start(slot)

    def _wait_time(self, starting: dict[Any, _Slot]) -> float | None:
        """Until the first starting replacement is late (None: no deadline, slices take their time)."""
        if not starting:
            return None
        now = time.monotonic()
        return max(0.0, min(s.started + self._start_timeout - now for s in starting.values()))

    def _give_up_late_starts(self, in_flight: dict[Any, tuple[_Slot, tuple[int, ...]]]) -> None:
        """Replacements not started in the start timeout are given up (the cluster has no room for
        them); if nothing else is running either, that ends the call."""
        now = time.monotonic()
        for slot in self._slots:
            if slot.ready is not None and now - slot.started >= self._start_timeout:
                self._kill(slot.actor)
                slot.actor = slot.ready = None
                self.pool_stats.lost.append(f"worker {slot.index} replacement: not started in "
                                            f"{self._start_timeout:g} s")
        if not in_flight and not any(s.ready is not None for s in self._slots):
            raise ModelError(f"{self.spec}: no Ray worker answered or started in {self._start_timeout:g} s "
                             f"({'; '.join(self.pool_stats.lost[-3:])})")

    def _kill(self, actor: Any) -> None:
        if actor is None:
            return
        try:
            self._ray.kill(actor, no_restart=True)
        except Exception:  # noqa: BLE001,S110 - already gone
            pass


def _request_key(request: Any) -> str:
    dump = getattr(request, "model_dump_json", None)
    return dump() if callable(dump) else repr(request)


def _check_reachable(address: str, flag: str = "--ray-address") -> None:
    """``HOST:PORT`` / ``ray://HOST:PORT``: something must listen there, and speak gRPC as Ray's head
    does (Ray itself waits minutes on a dead address, or on another kind of server, before
    failing); ``auto`` and other forms are left to Ray (from ``RAY_ADDRESS``, any other form)."""
    import socket

    host, sep, port = address.removeprefix("ray://").rpartition(":")
    if not sep or not port.isdigit() or not host or "://" in host:
        if flag == "--ray-address" and address != "auto" and not address.startswith(("ray://", "anyscale://")):
            raise XevalError(f"--ray-address {redact(address)!r}: expected HOST:PORT, ray://HOST:PORT or auto")
        return
    try:
        sock = socket.create_connection((host.strip("[]"), int(port)), timeout=5)
    except OSError as exc:
        raise XevalError(f"{flag} {redact(address)}: nothing answers there "
                         f"({exc.strerror or type(exc).__name__}); is the cluster's head started (ray start --head)?") \
            from None
    with sock:
        if os.environ.get("RAY_USE_TLS", "0").lower() in {"1", "true"}:
            return  # a TLS cluster: its handshake is Ray's to make
        speaks = _speaks_grpc(sock)
    if not speaks:
        raise XevalError(f"{flag} {redact(address)}: something answers there, but not Ray (no gRPC: "
                         f"{speaks.why}); give the head's GCS port (ray start --head prints it, default 6379) "
                         "or ray://HOST:10001")


class _Probe:
    def __init__(self, ok: bool, why: str = "") -> None:
        self.ok, self.why = ok, why

    def __bool__(self) -> bool:
        return self.ok


# HTTP/2's connection preface and an empty SETTINGS frame: a gRPC server (Ray's GCS and its
# client server both are) answers with a SETTINGS frame of its own; an HTTP/1 server, a
# database or a silent port do not (Ray would wait minutes on them before failing)
_H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"
_PROBE_TIMEOUT = 5.0


def _speaks_grpc(sock: Any) -> _Probe:
    """Whether the server on ``sock`` speaks HTTP/2 (gRPC): its first frame is SETTINGS."""
    try:
        sock.settimeout(_PROBE_TIMEOUT)
        sock.sendall(_H2_PREFACE)
        head = b""
        while len(head) < 9:
            chunk = sock.recv(9 - len(head))
            if not chunk:
                break
            head += chunk
    except TimeoutError:
        return _Probe(False, f"no reply in {_PROBE_TIMEOUT:g} s")
    except OSError as exc:
        return _Probe(False, f"the connection broke off: {exc.strerror or type(exc).__name__}")
    if len(head) == 9 and head[3] == 0x04 and head[5:9] == b"\x00\x00\x00\x00":
        return _Probe(True)
    if head.startswith(b"HTTP/"):
        return _Probe(False, f"it answers HTTP/1: {head.decode('latin-1')!r}...")
    return _Probe(False, "it closed the connection" if not head else f"it answers {head[:9]!r}")


def _cause(exc: Any) -> BaseException:
    """The exception the backend raised inside the worker (Ray wraps it in a RayTaskError)."""
    cause = getattr(exc, "cause", None)
    return cause if isinstance(cause, BaseException) else ModelError(_first_line(exc))


def _shown(resources: dict[str, float]) -> str:
    return ",".join(f"{k}={v:g}" for k, v in resources.items())
