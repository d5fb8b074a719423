"""User-facing errors: one clear line naming what went wrong and where."""

from __future__ import annotations


class XevalError(Exception):
    """An error caused by the user's input or environment.

    The CLI prints ``str(error)`` on one line and exits with code 2; no traceback.
    """


class ConfigError(XevalError):
    """A task, judge or run configuration is invalid (names the file and field)."""


class ModelError(XevalError):
    """A model spec is unknown, cannot be loaded, or a backend cannot do what is asked."""


class MissingDependencyError(ModelError):
    """An optional dependency is not installed; the message carries the pip command."""

    def __init__(self, what: str, pip: str) -> None:
        super().__init__(f"{what} needs an optional dependency: run `pip install {pip}`")
        self.what, self.pip = what, pip

    def __reduce__(self) -> tuple[type, tuple[str, str]]:  # raised in a Ray worker, unpickled on the driver
        return (type(self), (self.what, self.pip))


class ServerDown(XevalError):
    """A server the run sends requests to stopped answering (a run of connection failures longer
    than the circuit breaker's window): the run stops, what was recorded stays, and ``--resume``
    asks the rest once it is back. The CLI exits with code 3 (the run is not complete), not 2."""

    exit_code = 3

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.run_dir: str | None = None  # the run folder to resume, set by the runner that stopped

    def __reduce__(self) -> tuple[type, tuple[str]]:  # raised in a Ray worker, unpickled on the driver
        return (type(self), (self.message,))
