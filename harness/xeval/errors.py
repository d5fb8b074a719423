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
