"""Core records that flow through a run: samples, requests, completions, scores and the facts
scorers declare about their metrics.

These are the seams between tasks, model adapters and scorers; keep them small.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

OutputType = Literal["generate_until", "multiple_choice"]
_SURROGATE = re.compile("[\ud800-\udfff]")


def safe_text(text: str) -> str:
    """Text as UTF-8 can carry it: a lone surrogate (half an emoji, as servers and JSON files
    produce: ``"Rome \\ud83d"``) becomes U+FFFD. Applied once where text enters xeval (model
    replies, data rows), and by the writers as a last guard."""
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text


def map_strings(value: Any, change: Callable[[str], str]) -> Any:
    """``change`` applied to every string of a value: its text, list items, mapping keys and values."""
    if isinstance(value, str):
        return change(value)
    if isinstance(value, dict):
        return {map_strings(k, change): map_strings(v, change) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(map_strings(v, change) for v in value)
    return value


def safe_value(value: Any) -> Any:
    """``safe_text`` through a data row's strings, lists and mappings."""
    return map_strings(value, safe_text)


def _safe(value: Any) -> Any:
    return safe_text(value) if isinstance(value, str) else value
DATA_ERROR = "data_error"  # Sample.metadata key: the row cannot be scored (bad data), and why
# Sample.metadata key: the checker set its task declares (metadata.xeval.instructions: benchmark, language)
INSTRUCTION_SET = "instruction_set"
SAMPLE_TEMPERATURE = "temperature"  # Sample.metadata key: this item's sampling temperature (by its category)


class Message(BaseModel):
    model_config = ConfigDict(frozen=True)

    role: Literal["system", "user", "assistant"]
    content: str

    @field_validator("content")
    @classmethod
    def _content_safe(cls, value: str) -> str:
        return safe_text(value)


class GenerationSettings(BaseModel):
    """How to decode. Greedy by default; seeded when sampling."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_tokens: int = Field(default=128, ge=1)
    temperature: float = Field(default=0.0, ge=0.0)
    top_p: float = Field(default=1.0, gt=0.0, le=1.0)
    stop: tuple[str, ...] = ()
    seed: int = 1234


class GenerationRequest(BaseModel):
    """Generate a reply to chat messages."""

    model_config = ConfigDict(frozen=True)

    messages: tuple[Message, ...]
    settings: GenerationSettings = GenerationSettings()


class LoglikelihoodRequest(BaseModel):
    """Log-probability of ``continuation`` following the raw text ``context``.

    As in lm-evaluation-harness: no chat template is applied, and trailing spaces of the
    context move onto the continuation before tokenisation.
    """

    model_config = ConfigDict(frozen=True)

    context: str
    continuation: str


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0


class Completion(BaseModel):
    """A model's answer to one request. ``error`` is set (with a reason) when it failed."""

    text: str = ""
    finish_reason: str | None = None
    usage: Usage = Usage()
    error: str | None = None
    reasoning: str | None = None  # a reasoning trace the API returned apart (reasoning_content)
    # the answer is missing, and why (a null response in a response file): ``text`` is empty and is
    # scored as such (an empty answer follows no instruction), unlike ``error``, which is not scored
    missing: str | None = None

    @field_validator("text", "error", "reasoning")
    @classmethod
    def _text_safe(cls, value: Any) -> Any:
        return _safe(value)


class Conversation(BaseModel):
    """The place of a sample in a multi-turn conversation: it answers user turn ``turn`` (from 1),
    sent after the model's own replies to the turns before it (the runner puts them in)."""

    model_config = ConfigDict(frozen=True)

    id: str  # the conversation's id, shared by the samples of its turns
    turn: int = Field(ge=1)
    user_turns: tuple[str, ...]  # the user messages of turns 1..turn, this turn's last

    @model_validator(mode="after")
    def _one_user_message_per_turn(self) -> Conversation:
        if len(self.user_turns) != self.turn:
            raise ValueError(f"turn {self.turn} needs {self.turn} user message(s), got {len(self.user_turns)}")
        return self


class Sample(BaseModel):
    """One item of one task, rendered in one template language."""

    id: str
    task: str
    input_language: str
    template_language: str
    answer_language: str
    output_type: OutputType
    messages: tuple[Message, ...]
    # multiple_choice: the raw context text (lm-eval style) and the choices
    context: str | None = None
    choices: list[str] | None = None
    target_delimiter: str = " "
    gold: int | None = None
    references: list[str] = Field(default_factory=list)
    prediction: str | None = None  # an answer produced elsewhere, scored as it is
    conversation: Conversation | None = None  # a turn of a multi-turn conversation
    category: str | None = None  # the benchmark's own category of the item (Vicuna's, WizardLM's skill)
    metadata: dict[str, Any] = Field(default_factory=dict)

    @property
    def key(self) -> str:
        """Unique within a run: task, sample id and template language."""
        return f"{self.task}::{self.id}::{self.template_language}"


class Prediction(BaseModel):
    """What the model produced for a sample: generated text or choice log-likelihoods."""

    text: str = ""
    choice_logprobs: list[float] | None = None
    choice_lengths: list[int] | None = None  # choice length in characters (acc_norm, as lm-eval)
    # multiple choice by generation: the choice the reply was mapped to, and how (extract.py)
    extracted: int | None = None
    extraction: str | None = None
    # a reasoning model's trace (<think>...</think> or reasoning_content), kept apart from ``text``,
    # which is the answer alone: scorers and judges see only the answer
    reasoning: str | None = None
    reasoning_unclosed: bool = False  # the trace never ended: the answer is empty
    missing: str | None = None  # the answer is missing, and why (Completion.missing): scored as empty
    usage: Usage = Usage()
    error: str | None = None
    # repeats: every answer, the first one included (the fields above are the first one's)
    repeats: list[Prediction] | None = None

    @field_validator("text", "error", "reasoning")
    @classmethod
    def _text_safe(cls, value: Any) -> Any:
        return _safe(value)

    @property
    def chosen(self) -> int | None:
        if not self.choice_logprobs:
            return self.extracted
        return max(range(len(self.choice_logprobs)), key=lambda i: self.choice_logprobs[i])  # type: ignore[index]


class Score(BaseModel):
    """A scorer's verdict on one sample.

    ``value`` is the primary metric (named after the scorer); ``extra`` holds secondary
    metrics summarised as ``<scorer>_<key>``. A failure is recorded with ``error`` and
    ``value=None``: never a silent 0.
    """

    scorer: str
    value: float | None = None
    extra: dict[str, float] = Field(default_factory=dict)
    error: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _finite(self) -> Score:
        """A non-finite value (a scorer's 0/0) is a failure with that reason, never a NaN score."""
        if self.value is not None and not math.isfinite(self.value):
            self.error, self.value = self.error or f"non-finite score ({self.value})", None
        bad = [k for k, v in self.extra.items() if not math.isfinite(v)]
        for key in bad:
            del self.extra[key]
        return self


class MetricFacts(BaseModel):
    """What a metric is, declared by the scorer that computes it; compare, leaderboard, matrix
    and report read these instead of knowing metric names."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    higher_is_better: bool = True
    range: tuple[float, float] = (0.0, 1.0)  # for averages on 0-1 (judge scales, chrF's 0-100)
    aggregation: str = "mean"
    descriptive: bool = False  # a figure that describes (lengths, consistency), never a regression
    about: str = ""  # tokenisation, extractor, gating: how it is computed

    def scaled(self, value: float) -> float:
        low, high = self.range
        return (value - low) / (high - low) if high != low else value
