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
from xeval.scoring.judges.scorers import pairwise_facts
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


def _own_side(sample: Sample, answer: str) -> tuple[str, ...]:
    """The model's answers to the conversation's turns so far: its earlier ones from the sample's
    messages (the conversation as it was asked), this turn's ``answer`` last."""
    place = sample.conversation
    if place is None:
        raise ValueError("not a conversation turn")
    earlier = [m.content for m in sample.messages if m.role == "assistant"]
    if len(earlier) < place.turn - 1:
        raise ValueError(f"turn {place.turn}: the earlier answers are not in the conversation")
    return (*earlier[len(earlier) - (place.turn - 1):], answer)


def build_request(prompts: dict[str, JudgePrompt], sample: Sample, sides: list[tuple[str, ...]],
                  max_tokens: int = JUDGE_MAX_TOKENS) -> tuple[str, GenerationRequest]:
    """The judge request FastChat's ``run_judge_single`` (one side) or ``run_judge_pair`` (two
    sides: assistant A's answers, then B's) builds for this turn: the released prompt chosen by
    category (a reference answer for ``NEED_REF_CATS``) and turn (``-multi-turn`` for turn 2), filled
    with ``str.format``, sent as a system and a user message; its name and the request."""
    place = sample.conversation
    if place is None:
        raise ValueError("not a conversation turn")
    if place.turn not in (1, 2):
        raise ValueError(f"turn {place.turn}: MT-Bench judges two turns")
    doc = sample.metadata.get("doc") or {}
    category = str(doc.get("category") or sample.category or "")
    reference = _reference(sample)
    with_reference = category in NEED_REF_CATS
    if with_reference and (reference is None or len(reference) < place.turn):
        raise ValueError(f"category {category} is judged against a reference answer, and the sample has none")
    pairwise = len(sides) == 2
    name = ("pair-math-v1" if with_reference else "pair-v2") if pairwise else \
        ("single-math-v1" if with_reference else "single-v1")
    fields: dict[str, str] = {}
    if with_reference:
        assert reference is not None
        fields["ref_answer_1"] = reference[0]
        if place.turn == 2:
            fields["ref_answer_2"] = reference[1]
    if place.turn == 1:
        fields["question"] = place.user_turns[0]
        if pairwise:
            fields.update(answer_a=sides[0][0], answer_b=sides[1][0])
        else:
            fields["answer"] = sides[0][0]
    else:
        name += "-multi-turn"
        fields.update(question_1=place.user_turns[0], question_2=place.user_turns[1])
        if pairwise:
            fields.update(answer_a_1=sides[0][0], answer_a_2=sides[0][1], answer_b_1=sides[1][0],
                          answer_b_2=sides[1][1])
        else:
            fields.update(answer_1=sides[0][0], answer_2=sides[0][1])
    prompt = prompts.get(name)
    if prompt is None:
        raise ValueError(f"the judge prompts have no {name}")
    user = prompt.prompt_template.format(**fields)
    return name, GenerationRequest(
        messages=(Message(role="system", content=prompt.system_prompt), Message(role="user", content=user)),
        settings=GenerationSettings(max_tokens=max_tokens, temperature=0.0, seed=0))


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
            self.facts[self.name] = MetricFacts(range=SCALE, about=(
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
        return build_request(self.prompts, sample, [_own_side(sample, answer)], self.max_tokens)

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


# FastChat run_judge_pair (output_format "[[A]]"): the first of these found in the reply, in this order
PAIR_TAGS = (("[[A]]", "A"), ("[[B]]", "B"), ("[[C]]", "tie"))


def read_pair_verdict(text: str) -> str:
    """``A``, ``B`` or ``tie`` as FastChat's ``run_judge_pair`` reads a reply; a reply with none
    (FastChat: ``error``) or with two different ones (FastChat: the first of A, B, C it looks for)
    raises :class:`RatingError`."""
    found = [(tag, verdict) for tag, verdict in PAIR_TAGS if tag in text]
    if not found:
        raise RatingError("no verdict in the reply (expected '[[A]]', '[[B]]' or '[[C]]')")
    if len(found) > 1:
        raise RatingError(f"two different verdicts in the reply ({', '.join(tag for tag, _ in found)})")
    return found[0][1]


def _turn_one(sample: Sample) -> Sample:
    """The turn-1 sample of a turn-2 sample's conversation (MT-Bench's turn ids: ``<question>-t<turn>``),
    to look up the baseline's first answer by its key."""
    assert sample.conversation is not None
    return sample.model_copy(update={"id": f"{sample.conversation.id}-t1"})


class PairwiseConversationJudge:
    """``pairwise:mt_bench`` / ``pairwise:komt_bench``: each turn judged against the baseline's
    answer to the same turn, in both orders (``pair-v2``, ``pair-math-v1`` with the reference answer,
    their ``-multi-turn`` forms showing both whole conversations), as FastChat's ``gen_judgment.py
    --mode pairwise-baseline``; FastChat's tie rule (``show_result.py``): a win or a loss only when
    both orders name the same winner, else a tie. A failed judgment in either order fails the pair
    (FastChat counts one ``error`` beside a verdict as a tie, and two as a win for the baseline)."""

    def __init__(self, benchmark: ConversationBenchmark, judge: ModelAdapter, baseline: Any,
                 max_tokens: int | None = None) -> None:
        self.benchmark, self.judge, self.baseline = benchmark, judge, baseline
        self.max_tokens = max_tokens or JUDGE_MAX_TOKENS
        self.name = f"pairwise_{benchmark.name}"
        self.prompts = load_judge_prompts(judges_dir() / benchmark.prompts_file)
        how = "a win or loss only when both orders name the same winner, else a tie (FastChat's rule)"
        self.facts = pairwise_facts(self.name, how, f"{benchmark.name}'s pairwise prompts")

    def score(self, samples: list[Sample], predictions: list[Prediction]) -> list[Score]:
        theirs_now = self.baseline.answers(samples)
        earlier = [s for s in samples if s.conversation is not None and s.conversation.turn == 2]
        theirs_first = dict(zip([s.key for s in earlier], self.baseline.answers([_turn_one(s) for s in earlier])
                                if earlier else [], strict=True))
        out: list[Score | None] = [None] * len(samples)
        todo: list[tuple[int, str, str, str]] = []  # sample, prompt name, ours, theirs
        requests: list[GenerationRequest] = []
        for i, (sample, prediction, theirs) in enumerate(zip(samples, predictions, theirs_now, strict=True)):
            if prediction.error:
                out[i] = Score(scorer=self.name, error=f"no prediction: {prediction.error}")
                continue
            if theirs is None or (sample.key in theirs_first and theirs_first[sample.key] is None):
                out[i] = Score(scorer=self.name, error=f"no baseline answer ({self.baseline.label}) for {sample.key}")
                continue
            try:
                ours_side = _own_side(sample, prediction.text)
                their_side = (*([theirs_first[sample.key]] if sample.key in theirs_first else []), theirs)
                name, model_first = build_request(self.prompts, sample, [ours_side, their_side], self.max_tokens)
                _, baseline_first = build_request(self.prompts, sample, [their_side, ours_side], self.max_tokens)
            except ValueError as exc:
                out[i] = Score(scorer=self.name, error=f"cannot judge: {exc}")
                continue
            todo.append((i, name, prediction.text, theirs))
            requests += [model_first, baseline_first]
        replies = self.judge.generate(requests) if requests else []
        for k, (i, name, ours, theirs) in enumerate(todo):
            out[i] = self._combine(name, replies[2 * k], replies[2 * k + 1], ours, theirs)
        return [s for s in out if s is not None]

    def _combine(self, prompt: str, first: Any, second: Any, ours: str, theirs: str) -> Score:
        raw = {"model_first": [first.text] if first.text else [],
               "baseline_first": [second.text] if second.text else []}
        details: dict[str, Any] = {"prompt": prompt, "raw": raw}
        signs = []
        for reply, ours_is in ((first, "A"), (second, "B")):
            if reply.error:
                return Score(scorer=self.name, error=f"judge call failed: {reply.error}", details=details)
            try:
                verdict = read_pair_verdict(reply.text)
            except RatingError as exc:
                return Score(scorer=self.name, error=f"unreadable judge reply: {exc}", details=details)
            signs.append(0 if verdict == "tie" else (1 if verdict == ours_is else -1))
        names = {1: "win", 0: "tie", -1: "loss"}
        combined = signs[0] if signs[0] == signs[1] else 0
        shares = {key: float(combined == sign) for sign, key in names.items()}
        return Score(scorer=self.name, value=shares["win"] + shares["tie"] / 2, extra={
            **shares, "consistent": float(signs[0] == signs[1]), "len_model": float(len(ours)),
            "len_baseline": float(len(theirs))},
            details={**details, "outcome": names[combined], "verdicts": [names[s] for s in signs]})
