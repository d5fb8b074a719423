"""The next tasks' generation requests sent with the current batch (batched in-process models):
windows as planned, failures stay the batch's own, and records identical to a run without it."""

from __future__ import annotations

from pathlib import Path

import pytest
from xeval.models.base import Abilities
from xeval.run import runner
from xeval.run.lookahead import Lookahead
from xeval.run.runner import RunConfig, plan_tasks, run_evaluation
from xeval.types import Completion, GenerationRequest, GenerationSettings, Message


def _request(text: str) -> GenerationRequest:
    return GenerationRequest(messages=(Message(role="user", content=text),), settings=GenerationSettings())


class Recording:
    spec = "recording"
    abilities = Abilities(batch_hint=4)

    def __init__(self, fail_on: str | None = None) -> None:
        self.calls: list[list[str]] = []
        self.fail_on = fail_on

    def generate(self, requests: list[GenerationRequest]) -> list[Completion]:
        texts = [r.messages[0].content for r in requests]
        self.calls.append(texts)
        if self.fail_on in texts and len(texts) > 1:
            raise RuntimeError("refused")
        return [Completion(text=t.upper()) for t in texts]


def test_requests_ahead_fill_the_window() -> None:
    upcoming = [_request(t) for t in "abcdefg"]
    model = Recording()
    ahead = Lookahead(model, upcoming, window=4)  # type: ignore[arg-type]
    assert [c.text for c in ahead.generate(upcoming[:2])] == ["A", "B"]  # task one: a, b
    assert [c.text for c in ahead.generate(upcoming[2:3])] == ["C"]  # task two: served, no call
    assert [c.text for c in ahead.generate(upcoming[3:6])] == ["D", "E", "F"]
    assert [c.text for c in ahead.generate([_request("z"), upcoming[6]])] == ["Z", "G"]  # not planned: asked too
    assert model.calls == [["a", "b", "c", "d"], ["e", "f", "g"], ["z"]]
    assert ahead.spec == "recording" and ahead.abilities.batch_hint == 4


def test_a_failure_ahead_is_not_the_batch_s() -> None:
    upcoming = [_request(t) for t in "abcd"]
    model = Recording(fail_on="c")
    ahead = Lookahead(model, upcoming, window=4)  # type: ignore[arg-type]
    assert [c.text for c in ahead.generate(upcoming[:2])] == ["A", "B"]  # asked again without c, d
    assert model.calls == [["a", "b", "c", "d"], ["a", "b"]]


@pytest.mark.slow
def test_records_are_identical_with_and_without_lookahead(tmp_path: Path, monkeypatch) -> None:
    """Many small generation tasks on the batched embedded model: fewer, fuller model calls, the
    same bytes in samples.jsonl."""
    from xeval.models.registry import load_model

    model = load_model("embedded")
    calls: list[int] = []
    real = model.generate
    monkeypatch.setattr(model, "generate", lambda requests: (calls.append(len(requests)), real(requests))[1])
    tasks = "xeval_qa_ko,xeval_qa_en,xeval_summary_ko,xeval_summary_en,mchat_ko"
    sizes = {}
    for name in ("plain", "lookahead"):
        calls.clear()
        with monkeypatch.context() as patch:
            if name == "plain":
                patch.setattr(runner, "_with_lookahead", lambda model, prepared: model)
            config = RunConfig(tasks=tasks, limit=3, output=tmp_path, run_id=name, max_tokens=16)
            run_evaluation(config, model, plan_tasks(config))
        sizes[name] = list(calls)
    model.close()
    plain, ahead = (tmp_path / name / "samples.jsonl" for name in ("plain", "lookahead"))
    assert plain.read_bytes() == ahead.read_bytes()
    assert sizes["plain"] == [3, 3, 3, 3, 3]  # one call per task
    assert sizes["lookahead"] == [15]  # every task's requests in one window of 32
