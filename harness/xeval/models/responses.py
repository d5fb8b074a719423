"""``responses:FILE``: responses produced elsewhere, scored as they are.

FILE is a response file in IFEval's format, one ``{"prompt": ..., "response": ...}`` object a
line (what google-research's ``evaluation_main --input_response_data`` and M-IFEval take, and
what their published response files hold). A request is answered with the response whose prompt
equals the request's last user message (as IFEval matches them: by the prompt's text); a prompt
the file has no response for is a failed sample with that reason. Nothing is generated.

A response that is JSON ``null`` (M-IFEval's release has them where the API returned nothing) is
a missing answer: the request is answered with empty text marked ``missing`` with the reason, and
scored as such (IFEval's and M-IFEval's ``evaluation_main`` count it as following no instruction).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from xeval.errors import ModelError
from xeval.jsonfiles import BadJson, json_lines
from xeval.models.base import Abilities
from xeval.models.fingerprint import file_sha256
from xeval.types import Completion, GenerationRequest, LoglikelihoodRequest, Usage


class ResponseFileModel:
    spec = "responses"

    def __init__(self, path: str, **extra: Any) -> None:
        if extra:
            raise ModelError(f"unknown model argument(s) for responses: {', '.join(sorted(extra))}")
        self.path = Path(path).expanduser()
        try:
            entries = json_lines(self.path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ModelError(f"response file {self.path}: cannot read ({exc.strerror})") from None
        except UnicodeDecodeError:
            raise ModelError(f"response file {self.path}: not UTF-8 text") from None
        except BadJson as exc:
            raise ModelError(f"response file {self.path}: line {exc.line}: bad JSON ({exc.reason})") from None
        self._responses: dict[str, str | None] = {}  # None: the file's response is null
        for number, entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("prompt"), str) or "response" not in entry \
                    or not isinstance(entry["response"], str | None):
                raise ModelError(f"response file {self.path}: line {number}: expected an object with text fields "
                                 f"'prompt' and 'response' (a null response: a missing answer)")
            if entry["prompt"] in self._responses and self._responses[entry["prompt"]] != entry["response"]:
                raise ModelError(f"response file {self.path}: line {number}: a second, different response to the "
                                 f"prompt {entry['prompt'][:50]!r}")
            self._responses[entry["prompt"]] = entry["response"]
        if not self._responses:
            raise ModelError(f"response file {self.path}: no responses")
        self.abilities = Abilities(loglikelihood=False)

    def fingerprint(self) -> dict[str, Any]:
        return {"backend": "responses", "file": self.path.name, "sha256": file_sha256(self.path)}

    def generate(self, requests: list[GenerationRequest]) -> list[Completion]:
        out = []
        for request in requests:
            users = [m.content for m in request.messages if m.role == "user"]
            prompt = users[-1] if users else ""
            key = prompt if prompt in self._responses else prompt.strip()
            if key not in self._responses:
                out.append(Completion(error=f"no response to this prompt in {self.path.name} ({prompt[:50]!r})"))
                continue
            response = self._responses[key]
            if response is None:
                out.append(Completion(text="", finish_reason="stop", usage=Usage(prompt_tokens=0, completion_tokens=0),
                                      missing=f"the response in {self.path.name} is null: no answer, which follows "
                                              f"no instruction"))
                continue
            out.append(Completion(text=response, finish_reason="stop",
                                  usage=Usage(prompt_tokens=0, completion_tokens=0)))
        return out

    def loglikelihood(self, requests: list[LoglikelihoodRequest]) -> list[float]:
        raise ModelError(f"responses:{self.path.name} holds responses only, no log-likelihoods")

    def close(self) -> None:
        pass
