"""The ModelAdapter protocol: whole batches in, results in the same order out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from xeval.types import Completion, GenerationRequest, LoglikelihoodRequest


@dataclass(frozen=True)
class Abilities:
    """What a backend can do beyond generating, declared as ``abilities`` and checked when a
    run is planned (not discovered by a failure in the middle of it)."""

    loglikelihood: bool | None = True  # rank classification; None: only a probe can tell (an API)
    next_token_logprobs: bool = False  # a next-token distribution (judge --judge-mode logprobs)
    batch_hint: int = 0  # samples per batch the backend wants (concurrent APIs: many)
    usage: bool = True  # token counts in its completions
    remote: bool = False  # its calls wait on a server (an API): other work can overlap them
    # its calls run in other processes (an executor's workers, --executor ray): the driver's cores
    # stay free for scoring while it answers, but it batches like the in-process model it replicates
    elsewhere: bool = False
    # it sends requests through a chat template (a chat model); False: as plain text (a base or
    # Alpaca-style model, --chat-template plain); None: not known (scripted, response files)
    chat: bool | None = None


DEFAULT_ABILITIES = Abilities()


def abilities_of(model: Any) -> Abilities:
    """A model's declared abilities (the defaults for a third-party backend declaring none)."""
    declared = getattr(model, "abilities", None)
    return declared if isinstance(declared, Abilities) else DEFAULT_ABILITIES


class NextTokenLogprobs(Protocol):
    """The optional ability ``Abilities.next_token_logprobs`` declares."""

    def next_token_logprobs(self, requests: list[GenerationRequest]) -> list[dict[str, float]]: ...


@runtime_checkable
class ModelAdapter(Protocol):
    """What every backend provides.

    ``generate`` and ``loglikelihood`` take a whole batch and return results in order.
    A backend that cannot do one raises :class:`xeval.errors.ModelError` saying so, and says so
    up front in its ``abilities`` (:class:`Abilities`, optional).
    """

    spec: str

    def fingerprint(self) -> dict[str, Any]:
        """Identity of the model: name, revision or file hash, and the args that matter."""
        ...

    def generate(self, requests: list[GenerationRequest]) -> list[Completion]: ...

    def loglikelihood(self, requests: list[LoglikelihoodRequest]) -> list[float]: ...

    def close(self) -> None: ...
