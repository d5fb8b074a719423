"""``--model none``: score predictions given in the data; no model is called."""

from __future__ import annotations

from typing import Any

from xeval.models.base import Abilities
from xeval.types import Completion, GenerationRequest, LoglikelihoodRequest

REASON = "no prediction for this sample in the data, and --model none calls no model"


class PredictionMissing(Exception):
    """A sample needs a model answer under --model none (recorded on the sample)."""


class NoModel:
    spec = "none"
    abilities = Abilities(loglikelihood=False, usage=False)

    def fingerprint(self) -> dict[str, Any]:
        return {"backend": "none", "name": "predictions from the data"}

    def generate(self, requests: list[GenerationRequest]) -> list[Completion]:
        return [Completion(error=REASON) for _ in requests]

    def loglikelihood(self, requests: list[LoglikelihoodRequest]) -> list[float]:
        raise PredictionMissing(REASON)

    def close(self) -> None:
        pass
