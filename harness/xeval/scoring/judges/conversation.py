"""Judged conversations: MT-Bench's single-answer grading as FastChat's ``llm_judge`` runs it, and
KoMT-Bench's Korean form with its language penalty (``judge:mt_bench``, ``judge:komt_bench``).

Each turn of a two-turn conversation is a sample of its own (``run/conversation.py``); its judge
request is the one FastChat's ``common.run_judge_single`` builds (``gen_judgment.py``'s judges):

* the prompt from the benchmark's released ``judge_prompts*.jsonl`` (shipped under ``judges/``,
  byte for byte): ``single-v1`` for turn 1, ``single-v1-multi-turn`` for turn 2 (the whole
  conversation, the second answer graded), their ``single-math-v1`` forms with the reference
  answer's turns for the categories FastChat judges against one (``NEED_REF_CATS``);
* filled with Python's ``str.format`` as FastChat fills it, sent as a system and a user message
  (``conv.to_openai_api_messages()`` of its ``gpt-4`` template), temperature 0, 2048 new tokens;
* the rating read as FastChat reads it: the first ``[[N]]``, else the first ``[N]``
  (``one_score_pattern``, ``one_score_pattern_backup``).

Where FastChat records ``-1`` for a reply without a rating (and ``show_result.py`` drops it from the
means), takes the first of two different ratings, and keeps a rating off the 1-10 scale, xeval
records a failed judgment with the raw reply: counted, never averaged in, under ``--max-error-rate``.

KoMT-Bench (``detector.py``) takes the square root of the score of an answer not in Korean, except
questions 138 and 140 (JSON answers); xeval decides "in Korean" with its own language ID (their
MediaPipe model cannot be installed here): an answer detected in another language is penalised, one
with no language material at all (``[5, 1, 3]``) is not; the unpenalised score is kept beside it.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from xeval.errors import ConfigError
from xeval.language.identify import UNDETERMINED, LanguageIdentifier
from xeval.models.base import ModelAdapter
from xeval.paths import judges_dir
from xeval.types import GenerationRequest, GenerationSettings, Message, MetricFacts, Prediction, Sample, Score

# FastChat common.py (0.2.36 and the KoMT-Bench fork alike)
ONE_SCORE_PATTERN = re.compile(r"\[\[(\d+\.?\d*)\]\]")
ONE_SCORE_PATTERN_BACKUP = re.compile(r"\[(\d+\.?\d*)\]")
NEED_REF_CATS = ("math", "reasoning", "coding", "arena-hard-200")
JUDGE_MAX_TOKENS = 2048  # chat_completion_openai(model, conv, temperature=0, max_tokens=2048)
SCALE = (1.0, 10.0)
SINGLE_PROMPTS = ("single-v1", "single-math-v1", "single-v1-multi-turn", "single-math-v1-multi-turn")


@dataclass(frozen=True)
class ConversationBenchmark:
    """A judged-conversation benchmark: its released judge prompts and, for KoMT-Bench, the
    language an answer must be in to escape the penalty and the questions exempt from it."""

    name: str
    prompts_file: str  # under judges/
    penalty_language: str | None = None
    penalty_exempt: frozenset[str] = frozenset()


CONVERSATION_JUDGES = {
    "mt_bench": ConversationBenchmark("mt_bench", "mt_bench/judge_prompts.jsonl"),
    # detector.py: `if lang_result != "ko" and q_id != 138 and q_id != 140: score = sqrt(score)`
    "komt_bench": ConversationBenchmark("komt_bench", "komt_bench/judge_prompts_ko.jsonl", "ko",
                                        frozenset({"138", "140"})),
}


@dataclass(frozen=True)
class JudgePrompt:
    name: str
    system_prompt: str
    prompt_template: str
    output_format: str


@lru_cache(maxsize=8)
def load_judge_prompts(path: Path) -> dict[str, JudgePrompt]:
    """The released prompts by name (FastChat's ``load_judge_prompts``), checked: the four
    single-answer prompts present, each with its fields."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"judge prompts {path}: cannot read ({exc.strerror})") from None
    prompts: dict[str, JudgePrompt] = {}
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            prompts[row["name"]] = JudgePrompt(row["name"], row["system_prompt"], row["prompt_template"],
                                               row["output_format"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"judge prompts {path}: line {number}: not a judge prompt ({exc})") from None
    missing = [n for n in SINGLE_PROMPTS if n not in prompts]
    if missing:
        raise ConfigError(f"judge prompts {path}: no {', '.join(missing)}")
    return prompts


class RatingError(ValueError):
    """The judge's reply holds no usable rating; the message says why."""


def read_rating(text: str) -> tuple[float, str]:
    """The rating as FastChat reads it (the first ``[[N]]``, else the first ``[N]``) and which
    pattern found it; no rating, two different ratings, or one off the 1-10 scale raise
    :class:`RatingError` (FastChat: ``-1``, the first, the number as written)."""
    for pattern, how in ((ONE_SCORE_PATTERN, "[[rating]]"), (ONE_SCORE_PATTERN_BACKUP, "[rating]")):
        found = pattern.findall(text)
        if not found:
            continue
        values = list(dict.fromkeys(float(v) for v in found))
        if len(values) > 1:
            raise RatingError(f"two different ratings in the reply ({', '.join(f'{v:g}' for v in values)})")
        if not SCALE[0] <= values[0] <= SCALE[1]:
            raise RatingError(f"rating {values[0]:g} is off the 1-10 scale")
        return values[0], how
    raise RatingError("no rating in the reply (expected '[[N]]')")


def _reference(sample: Sample) -> list[str] | None:
    doc = sample.metadata.get("doc") or {}
    reference = doc.get("reference")
    return [str(t) for t in reference] if isinstance(reference, list) else None


class ConversationJudge:
    """``judge:mt_bench`` / ``judge:komt_bench``: each turn graded 1-10 as FastChat grades it."""

    def __init__(self, benchmark: ConversationBenchmark, judge: ModelAdapter, max_tokens: int | None = None) -> None:
        self.benchmark, self.judge = benchmark, judge
        self.max_tokens = max_tokens or JUDGE_MAX_TOKENS
        self.name = f"judge_{benchmark.name}"
        self.prompts = load_judge_prompts(judges_dir() / benchmark.prompts_file)
        about = f"LLM judge, {benchmark.name}'s single-answer grading (FastChat llm_judge), 1-10 per turn"
        self.facts: dict[str, MetricFacts] = {self.name: MetricFacts(range=SCALE, about=about)}
        self.identifier = None
        if benchmark.penalty_language:
            lang = benchmark.penalty_language
            self.identifier = LanguageIdentifier([lang])
            self.facts[self.name] = MetricFacts(range=(1.0, 10.0), about=(
                f"{about}; the square root of the score of an answer not in {lang} (except questions "
                f"{', '.join(sorted(benchmark.penalty_exempt))}), as KoMT-Bench's detector.py"))
            self.facts[f"{self.name}_unpenalised"] = MetricFacts(range=SCALE, about=f"{about}, before the "
                                                                 "language penalty")
            self.facts[f"{self.name}_penalised"] = MetricFacts(descriptive=True, about=(
                f"1 when the answer was not in {lang} and its score was square-rooted"))

    def request(self, sample: Sample, answer: str) -> GenerationRequest:
        """The judge request FastChat builds for this turn's answer (the conversation so far in
        the sample's messages: the model's own earlier answers)."""
        return self.named_request(sample, answer)[1]

    def named_request(self, sample: Sample, answer: str) -> tuple[str, GenerationRequest]:
        """The released prompt's name and the request built from it."""
        place = sample.conversation
        if place is None:
            raise ValueError("not a conversation turn")
        doc = sample.metadata.get("doc") or {}
        category = str(doc.get("category") or sample.category or "")
        reference = _reference(sample)
        math_prompt = category in NEED_REF_CATS
        if math_prompt and reference is None:
            raise ValueError(f"category {category} is judged against a reference answer, and the sample has none")
        kwargs: dict[str, Any] = {}
        if math_prompt:
            assert reference is not None
            kwargs["ref_answer_1"] = reference[0]
        if place.turn == 1:
            name = "single-math-v1" if math_prompt else "single-v1"
            user = self.prompts[name].prompt_template.format(question=place.user_turns[0], answer=answer, **kwargs)
        elif place.turn == 2:
            name = "single-math-v1-multi-turn" if math_prompt else "single-v1-multi-turn"
            earlier = [m.content for m in sample.messages if m.role == "assistant"]
            if not earlier:
                raise ValueError("turn 1's answer is not in the conversation")
            if math_prompt:
                assert reference is not None
                kwargs["ref_answer_2"] = reference[1]
            user = self.prompts[name].prompt_template.format(
                question_1=place.user_turns[0], question_2=place.user_turns[1], answer_1=earlier[-1],
                answer_2=answer, **kwargs)
        else:
            raise ValueError(f"turn {place.turn}: MT-Bench judges two turns")
        prompt = self.prompts[name]
        return name, GenerationRequest(
            messages=(Message(role="system", content=prompt.system_prompt), Message(role="user", content=user)),
            settings=GenerationSettings(max_tokens=self.max_tokens, temperature=0.0, seed=0))

    def score(self, samples: list[Sample], predictions: list[Prediction]) -> list[Score]:
        out: list[Score | None] = [None] * len(samples)
        todo: list[tuple[int, str, GenerationRequest]] = []
        for i, (sample, prediction) in enumerate(zip(samples, predictions, strict=True)):
            if prediction.error:
                out[i] = Score(scorer=self.name, error=f"no prediction: {prediction.error}")
                continue
            try:
                todo.append((i, *self.named_request(sample, prediction.text)))
            except ValueError as exc:
                out[i] = Score(scorer=self.name, error=f"cannot judge: {exc}")
        replies = self.judge.generate([r for _, _, r in todo]) if todo else []
        for (i, name, _), reply in zip(todo, replies, strict=True):
            out[i] = self._score(samples[i], predictions[i].text, name, reply.text, reply.error)
        return [s for s in out if s is not None]

    def _score(self, sample: Sample, answer: str, prompt: str, text: str, error: str | None) -> Score:
        details: dict[str, Any] = {"prompt": prompt, "raw": [text] if text else []}
        if error:
            return Score(scorer=self.name, error=f"judge call failed: {error}", details=details)
        try:
            rating, how = read_rating(text)
        except RatingError as exc:
            return Score(scorer=self.name, error=f"unreadable judge reply: {exc}", details=details)
        if how != "[[rating]]":
            details["rating_pattern"] = how
        if self.identifier is None:
            return Score(scorer=self.name, value=rating, details=details)
        lang = self.benchmark.penalty_language
        detected = self.identifier.detect(answer).language
        question = str((sample.metadata.get("doc") or {}).get("question_id", sample.conversation.id
                                                                if sample.conversation else sample.id))
        # an answer without language material ("[5, 1, 3]") is in no other language: not penalised
        penalised = detected not in (lang, UNDETERMINED) and question not in self.benchmark.penalty_exempt
        details["detected"] = detected
        return Score(scorer=self.name, value=math.sqrt(rating) if penalised else rating,
                     extra={"unpenalised": rating, "penalised": float(penalised)}, details=details)
