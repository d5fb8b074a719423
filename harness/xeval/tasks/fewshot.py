"""Few-shot examples as lm-evaluation-harness draws and renders them.

The draw is lm-eval's default sampler: one ``random.Random(seed)`` per task, advanced document
by document in evaluation order, ``sample(pool, n)``; when the examples come from the
evaluation split itself, ``sample(pool, n + 1)`` with the evaluated document removed. The
rendering is lm-eval's plain-text one (``build_qa_turn``): each example is its question, the
target delimiter, its answer and the few-shot delimiter; the description comes first. So a
log-likelihood context is byte for byte lm-eval's. For generation, the same text is one user
turn, or, with ``fewshot_as_multiturn``, one user/assistant pair per example.

One deliberate difference: lm-eval removes the evaluated document from its own examples only
when ``fewshot_split`` names the evaluation split; when a task has no other split and falls back
to the evaluation split, lm-eval can show a document its own answer. xeval always removes it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from xeval.errors import ConfigError
from xeval.types import Message


@dataclass(frozen=True)
class Shot:
    question: str
    answer: str


class FewshotSampler:
    """Draws ``n`` example documents per evaluated document, as lm-eval's ``ContextSampler``."""

    def __init__(self, pool: list[dict[str, Any]], seed: int, same_split: bool, where: str) -> None:
        self.pool = list(pool)
        self.rnd = random.Random(seed)
        self.same_split = same_split
        self.where = where

    def draw(self, n: int, doc: dict[str, Any]) -> list[dict[str, Any]]:
        if n <= 0:
            return []
        available = len(self.pool) - (1 if self.same_split else 0)
        if available < n:
            raise ConfigError(f"{self.where}: num_fewshot={n} but the few-shot split has only "
                              f"{max(available, 0)} example(s) to draw from")
        if not self.same_split:
            return self.rnd.sample(self.pool, n)
        drawn = [x for x in self.rnd.sample(self.pool, n + 1) if x != doc][:n]
        if len(drawn) < n:  # the pool holds copies of the evaluated document: draw without them
            drawn = self.rnd.sample([x for x in self.pool if x != doc], n)
        return drawn


def answer_text(target: Any, choices: list[str] | None, where: str) -> str:
    """An example's answer as lm-eval writes it: the choice a target index names, the first
    of several targets, else the target itself."""
    if choices and isinstance(target, int) and not isinstance(target, bool):
        if not 0 <= target < len(choices):
            raise ConfigError(f"{where}: few-shot example target {target} outside {len(choices)} choices")
        return choices[target]
    if isinstance(target, list):
        return str(target[0]) if target else ""
    return "" if target is None else str(target)


def plain_context(description: str, shots: list[Shot], question: str,
                  target_delimiter: str, fewshot_delimiter: str) -> str:
    """lm-eval's plain-text prompt: description, then each example, then the question."""
    parts = [description]
    for shot in shots:
        if shot.answer != "":
            parts.append(f"{shot.question}{target_delimiter}{shot.answer}{fewshot_delimiter}")
        else:  # lm-eval: an example without an answer is its question alone
            parts.append(shot.question)
    parts.append(question)
    return "".join(parts)


def multiturn_messages(shots: list[Shot], question: str) -> list[Message]:
    """The examples as chat turns: a user turn per question, an assistant turn per answer."""
    messages: list[Message] = []
    for shot in shots:
        messages.append(Message(role="user", content=shot.question))
        if shot.answer != "":
            messages.append(Message(role="assistant", content=shot.answer))
    messages.append(Message(role="user", content=question))
    return messages


def join_system(system_prompt: str | None, description: str, delimiter: str) -> str:
    """lm-eval's ``maybe_delimit``: the delimiter only where neither side brings whitespace."""
    if not system_prompt:
        return description
    if not description:
        return system_prompt
    if system_prompt[-1].isspace() or description[0].isspace():
        return system_prompt + description
    return system_prompt + delimiter + description
