"""The ModelAdapter protocol: whole batches in, results in the same order out."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from ..types import Completion, GenerationRequest, LoglikelihoodRequest


@runtime_checkable
class ModelAdapter(Protocol):
    """What every backend provides.

    ``generate`` and ``loglikelihood`` take a whole batch and return results in order.
    A backend that cannot do one raises :class:`xeval.errors.ModelError` saying so.
    """

    spec: str

    def fingerprint(self) -> dict[str, Any]:
        """Identity of the model: name, revision or file hash, and the args that matter."""
        ...

    def generate(self, requests: list[GenerationRequest]) -> list[Completion]: ...

    def loglikelihood(self, requests: list[LoglikelihoodRequest]) -> list[float]: ...

    def close(self) -> None: ...
