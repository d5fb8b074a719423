"""``scripted:FILE``: replies (and optionally log-likelihoods) read from a file, like inspect's
mockllm, so tests and demos can assert exact values for extraction, reasoning traces and judges.

FILE is JSON (a list) or JSON Lines of entries:

* ``{"reply": "정답: C", "contains": "카페"}``: the reply to the first request whose prompt
  (every message, joined) contains ``contains``; an entry may serve any number of requests.
* ``{"reply": "B"}`` without ``contains``: replies served in order, one each, to requests no
  ``contains`` entry matched.
* ``"seed": 1235`` on a reply entry: it answers only requests with that seed (repeats are
  seeded ``--seed + r``, so each repeat can get its own reply).
* ``{"continuation": " Paris", "logprob": -1.5, "contains": "capital"}``: a log-likelihood.
  A file without such entries gives no log-likelihoods (as a chat-only API), which
  ``--mc-mode auto`` turns into multiple choice by generation.

A request nothing answers fails on its sample with the reason, never with an invented reply.
A ``"reply": null`` is a missing answer: empty text marked ``missing`` with the reason (scored as
an empty answer), never the text ``"None"``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from xeval.errors import ModelError
from xeval.jsonfiles import BadJson, json_document, json_lines
from xeval.models.base import Abilities
from xeval.models.fingerprint import file_sha256
from xeval.types import Completion, GenerationRequest, LoglikelihoodRequest, Usage


class ScriptedModel:
    spec = "scripted"

    def __init__(self, path: str, **extra: Any) -> None:
        if extra:
            raise ModelError(f"unknown model argument(s) for scripted: {', '.join(sorted(extra))}")
        self.path = Path(path).expanduser()
        try:
            text = self.path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ModelError(f"scripted replies file {self.path}: cannot read ({exc.strerror})") from None
        except UnicodeDecodeError:
            raise ModelError(f"scripted replies file {self.path}: not UTF-8 text") from None
        try:
            entries = json_document(text) if text.lstrip().startswith("[") else [e for _, e in json_lines(text)]
        except BadJson as exc:
            raise ModelError(f"scripted replies file {self.path}: bad JSON {exc.at}: {exc.reason}") from None
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise ModelError(f"scripted replies file {self.path}: expected a list of objects")
        self._matched = [e for e in entries if "reply" in e and e.get("contains")]
        self._queue = [e for e in entries if "reply" in e and not e.get("contains")]
        self._logprobs = [e for e in entries if "continuation" in e and "logprob" in e]
        self.abilities = Abilities(loglikelihood=bool(self._logprobs))

    def fingerprint(self) -> dict[str, Any]:
        return {"backend": "scripted", "file": self.path.name, "sha256": file_sha256(self.path)}

    def generate(self, requests: list[GenerationRequest]) -> list[Completion]:
        out = []
        for request in requests:
            prompt = "\n".join(m.content for m in request.messages)
            entry = next((e for e in self._matched if str(e["contains"]) in prompt
                          and e.get("seed", request.settings.seed) == request.settings.seed), None)
            if entry is None and self._queue:
                entry = self._queue.pop(0)
            if entry is None:
                out.append(Completion(error=f"scripted: no reply in {self.path.name} for prompt {prompt[:60]!r}"))
                continue
            if entry["reply"] is None:
                out.append(Completion(text="", finish_reason="stop", reasoning=entry.get("reasoning"),
                                      missing=f"scripted: the reply in {self.path.name} is null: no answer"))
                continue
            reply = str(entry["reply"])
            out.append(Completion(text=reply, finish_reason="stop",
                                  usage=Usage(prompt_tokens=len(prompt.split()), completion_tokens=len(reply.split())),
                                  reasoning=entry.get("reasoning")))
        return out

    def loglikelihood(self, requests: list[LoglikelihoodRequest]) -> list[float]:
        if not self._logprobs:
            raise ModelError(f"scripted:{self.path.name} gives no log-likelihoods (no 'logprob' entries)")
        out = []
        for request in requests:
            entry = next((e for e in self._logprobs if e["continuation"] == request.continuation
                          and str(e.get("contains", "")) in request.context), None)
            if entry is None:  # a failed request (recorded on its sample), not a bad file
                raise LookupError(f"scripted: no logprob in {self.path.name} for continuation "
                                  f"{request.continuation!r}")
            out.append(float(entry["logprob"]))
        return out

    def close(self) -> None:
        pass
