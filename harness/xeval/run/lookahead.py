"""Generation requests of the tasks ahead, sent with the current ones.

The runner asks the model batch by batch, task by task. A batched in-process model (llama.cpp
with ``parallel`` slots) runs a batch of three requests at the cost of a full-width batch, and a
suite of many small tasks (the KORANI release files: 94 tasks, about four samples each) gives it
little else. ``Lookahead`` wraps the model: when a request is not answered yet, it sends it
together with the next requests the run will make, up to a window, and keeps their answers until
the run asks for them. Records are still written batch by batch, task by task.

Only for backends whose answers do not depend on the requests sent with them (batched llama.cpp
decodes a fixed-width batch; tests/run/test_lookahead.py checks records identical either way).
"""

from __future__ import annotations

from typing import Any

from xeval.models.base import ModelAdapter
from xeval.types import Completion, GenerationRequest


def request_key(request: GenerationRequest) -> str:
    return request.model_dump_json()


class Lookahead:
    """``model`` answering ``upcoming`` (the run's generation requests, in run order) ``window``
    at a time; everything else passes through."""

    def __init__(self, model: ModelAdapter, upcoming: list[GenerationRequest], window: int) -> None:
        self._model = model
        self._upcoming = upcoming
        self._next = 0
        self._window = window
        self._answers: dict[str, Completion] = {}

    def __getattr__(self, name: str) -> Any:  # spec, abilities, loglikelihood, fingerprint, ...
        return getattr(self._model, name)

    def generate(self, requests: list[GenerationRequest]) -> list[Completion]:
        keys = [request_key(r) for r in requests]
        missing = {k: r for k, r in zip(keys, requests, strict=True) if k not in self._answers}
        if missing:
            ahead: dict[str, GenerationRequest] = dict(missing)
            while len(ahead) < self._window and self._next < len(self._upcoming):
                request = self._upcoming[self._next]
                self._next += 1
                key = request_key(request)
                if key not in self._answers:
                    ahead.setdefault(key, request)
            try:
                answers = self._model.generate(list(ahead.values()))
            except Exception:  # noqa: BLE001 - asked again without the requests ahead: its own failure
                return self._model.generate(requests)
            self._answers.update(zip(ahead, answers, strict=True))
        out = [self._answers[k] for k in keys]
        for key in set(keys):  # asked for: kept no longer
            del self._answers[key]
        return out
