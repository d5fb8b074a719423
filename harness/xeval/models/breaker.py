"""One circuit breaker for every remote call a run makes (the model, a judge, a baseline model;
on the driver or inside a Ray worker): a server that dies mid-run ends the run in seconds.

A killed (or out-of-memory, or crashed) server refuses every connection from then on. Retried
with backoff, each request of each batch would wait out its retries before failing, the next
batch starting over: minutes per batch, and every sample a recorded failure. Instead, every
request to one server reports to its breaker: a connection failure (refused, or broken off)
counts, any reply of the server (an answer, an HTTP error, a malformed body) resets the count.
Once the failures in a row span ``window`` seconds, the breaker opens: every request to that
server, in flight or queued, raises :class:`~xeval.errors.ServerDown`, which ends the run. The
batch in flight is not recorded (its samples are asked again by ``--resume``): an outage is
never turned into failed samples, nor into scores.

A timeout is neither: a slow server is not a dead one (the request's own retries handle it).
"""

from __future__ import annotations

import math
import threading
import time

from xeval.errors import ModelError, ServerDown
from xeval.redaction import redact

DEFAULT_WINDOW = 10.0  # seconds of connection failures in a row before the run stops
MIN_FAILURES = 2  # one refused connection is never enough (the window is measured between two)
STALE_SLACK = 5.0  # seconds beyond two windows after which a streak without a new failure is forgotten


def check_window(value: object, name: str = "down_after") -> float:
    """The breaker's window from a model argument: a finite number of seconds, more than 0."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        raise ModelError(f"bad model argument {name}={value!r}: must be a finite number of seconds, more than 0 "
                         "(how long a server may refuse connections before the run stops)")
    return float(value)


class CircuitBreaker:
    """Connection failures in a row to one server; thread-safe (requests run on an event loop
    thread, scorers on another)."""

    def __init__(self, server: str, window: float = DEFAULT_WINDOW) -> None:
        self.server = redact(server)  # named in the message: never its credentials
        self.window = check_window(window)
        self._lock = threading.Lock()
        self._first: float | None = None  # when the failures in a row began
        self._last: float | None = None  # the latest failure
        # failures further apart than this are not "in a row" (a request between them timed out, or gave
        # up): a retry comes within the window of its last failure, so twice it plus slack is never hit
        # by a server that is really gone
        self.stale_after = 2 * self.window + STALE_SLACK
        self._failures = 0
        self._replies = 0  # replies seen in all (a request compares it across its own failures)
        self._open: str | None = None  # why the breaker opened

    @property
    def replies(self) -> int:
        return self._replies

    @property
    def is_open(self) -> bool:
        return self._open is not None

    def check(self) -> None:
        """Raise :class:`ServerDown` when the breaker is open (the request is not sent)."""
        if self._open is not None:
            raise ServerDown(self._open)

    def reply(self) -> None:
        """The server answered (anything): the failures in a row end."""
        with self._lock:
            self._first, self._failures = None, 0
            self._replies += 1

    def failure(self, reason: str) -> float:
        """A connection failure (``reason``: one line, no secrets). Opens the breaker and raises
        :class:`ServerDown` once the failures in a row span the window; else returns the seconds
        left until they would (the caller retries no later than that)."""
        now = time.monotonic()
        with self._lock:
            if self._open is None:
                if self._first is not None and self._last is not None and now - self._last > self.stale_after:
                    self._first, self._failures = None, 0  # a stale streak (a request timed out since): a new one
                self._last = now
                if self._first is None:
                    self._first = now
                self._failures += 1
                elapsed = now - self._first
                if elapsed < self.window or self._failures < MIN_FAILURES:
                    return max(0.0, self.window - elapsed)
                self._open = (f"the server at {self.server} stopped answering: {self._failures} connection "
                              f"failures in a row over {elapsed:.1f} s (last: {redact(reason)}; down_after="
                              f"{self.window:g})")
        raise ServerDown(self._open)
