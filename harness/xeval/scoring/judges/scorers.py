"""Judge scorers: absolute (one or many aspects) and pairwise against a baseline.

``judge:RUBRIC`` asks the judge model to rate each answer (generate-and-parse, one retry on
an unreadable reply; or, in ``logprobs`` mode, the probability-weighted score over the scale
from the judge's log-likelihoods, G-Eval style). ``pairwise:RUBRIC`` judges each answer
against the baseline's in both orders and combines the verdicts (disagreement = tie).
A reply that stays unreadable is a recorded failure with the raw reply, never a score.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, cast

from xeval.errors import ConfigError, ServerDown
from xeval.language.names import language_name
from xeval.models.base import ModelAdapter, NextTokenLogprobs, abilities_of
from xeval.scoring.judges.parse import UnparseableReply, parse_reply
from xeval.scoring.judges.rubric import Rubric, nonce_for
from xeval.types import GenerationRequest, LoglikelihoodRequest, Message, MetricFacts, Prediction, Sample, Score

RETRY_PROMPT = ("Your reply could not be read ({reason}). Reply again with only the requested format, "
                "nothing else.")


def _question(sample: Sample) -> str:
    return "\n\n".join(m.content for m in sample.messages if m.role != "system")


def _answer(sample: Sample, prediction: Prediction) -> str:
    if sample.output_type == "multiple_choice" and sample.choices and prediction.chosen is not None:
        return sample.choices[prediction.chosen]
    return prediction.text


def ask(judge: ModelAdapter, rubric: Rubric, requests: list[GenerationRequest]
        ) -> list[tuple[dict[str, float] | None, list[str], str | None]]:
    """Judge each request: (scores or None, raw replies, failure reason), one retry each."""
    replies = judge.generate(requests)
    results: list[tuple[dict[str, float] | None, list[str], str | None]] = []
    retry: list[int] = []
    for i, reply in enumerate(replies):
        if reply.error:
            results.append((None, [], f"judge call failed: {reply.error}"))
            continue
        try:
            results.append((parse_reply(rubric, reply.text), [reply.text], None))
        except UnparseableReply as exc:
            results.append((None, [reply.text], str(exc) if rubric.retry else f"unparseable judge reply: {exc}"))
            retry.append(i)
    if retry and rubric.retry:
        second = [GenerationRequest(
            messages=(*requests[i].messages, Message(role="assistant", content=replies[i].text or "(empty)"),
                      Message(role="user", content=RETRY_PROMPT.format(reason=results[i][2]))),
            settings=requests[i].settings) for i in retry]
        for i, reply in zip(retry, judge.generate(second), strict=True):
            raws = [*results[i][1], reply.text]
            if reply.error:
                results[i] = (None, raws, f"judge retry failed: {reply.error}")
                continue
            try:
                results[i] = (parse_reply(rubric, reply.text), raws, None)
            except UnparseableReply as exc:
                results[i] = (None, raws, f"unparseable judge reply after one retry: {exc}")
    return results


class JudgeScorer:
    """Absolute scoring on a rubric's aspects; value = mean over aspects, each aspect in
    ``extra``."""

    def __init__(self, rubric: Rubric, judge: ModelAdapter, mode: str = "generate") -> None:
        if rubric.kind != "absolute":
            raise ConfigError(f"{rubric.source}: rubric {rubric.name!r} is {rubric.kind}; use pairwise:{rubric.name}")
        if mode not in {"generate", "logprobs"}:
            raise ConfigError(f"unknown judge mode {mode!r}: use generate or logprobs")
        judge_can = abilities_of(judge)
        if mode == "logprobs" and not judge_can.next_token_logprobs and judge_can.loglikelihood is False:
            raise ConfigError(f"--judge-mode logprobs: the judge {judge.spec} gives no log-probabilities; "
                              "use --judge-mode generate")
        self.rubric, self.judge, self.mode = rubric, judge, mode
        self.name = f"judge_{rubric.name}"
        scale = (float(rubric.scale.min), float(rubric.scale.max))
        self.facts = {self.name: MetricFacts(range=scale, about=f"LLM judge, rubric {rubric.name}: mean over its "
                                                               f"aspects on {scale[0]:g}-{scale[1]:g}")}

    def prompt(self, sample: Sample, prediction: Prediction) -> str:
        answer = _answer(sample, prediction)
        reference = sample.references[0] if sample.references else ""
        question = _question(sample)
        return self.rubric.render(question=question, answer=answer, reference=reference,
                                  language=sample.answer_language, language_name=language_name(sample.answer_language),
                                  nonce=nonce_for(question, answer, reference))

    def score(self, samples: list[Sample], predictions: list[Prediction]) -> list[Score]:
        out: list[Score | None] = [None] * len(samples)
        todo = []
        for i, prediction in enumerate(predictions):
            if prediction.error:
                out[i] = Score(scorer=self.name, error=f"no prediction: {prediction.error}")
            else:
                todo.append(i)
        prompts = {i: self.prompt(samples[i], predictions[i]) for i in todo}
        if self.mode == "logprobs":
            for i in todo:
                out[i] = self._weighted(prompts[i])
        else:
            results = ask(self.judge, self.rubric, [self.rubric.request(prompts[i]) for i in todo])
            for i, (scores, raws, reason) in zip(todo, results, strict=True):
                out[i] = self._score(scores, raws, reason)
        return [s for s in out if s is not None]

    def _score(self, scores: dict[str, float] | None, raws: list[str], reason: str | None) -> Score:
        if scores is None:
            return Score(scorer=self.name, error=reason or "judge failed", details={"raw": raws})
        return Score(scorer=self.name, value=sum(scores.values()) / len(scores), extra=scores,
                     details={"raw": raws, "retried": len(raws) > 1})

    def _weighted(self, prompt: str) -> Score:
        """G-Eval: the expected score under the judge's distribution over the scale's values.

        Backends with a next-token distribution (APIs: ``top_logprobs``) are asked once per
        aspect; the others score each value of the scale as a continuation (log-likelihood)."""
        values = list(range(self.rubric.scale.min, self.rubric.scale.max + 1))
        ask_line = "Reply with only the {aspect} score, one number from {low} to {high}."
        try:
            if abilities_of(self.judge).next_token_logprobs:
                requests = [self.rubric.request(f"{prompt}\n\n" + ask_line.format(
                    aspect=a, low=values[0], high=values[-1])) for a in self.rubric.aspects]
                tops = cast(NextTokenLogprobs, self.judge).next_token_logprobs(requests)
                logprobs = []
                for aspect, top in zip(self.rubric.aspects, tops, strict=True):
                    found = {v: max((lp for tok, lp in top.items() if tok.strip() == str(v)), default=None)
                             for v in values}
                    if all(lp is None for lp in found.values()):
                        return Score(scorer=self.name, error=f"no scale value among the judge's top tokens "
                                     f"for {aspect}: {sorted(top, key=lambda t: -top[t])[:5]}")
                    logprobs += [lp if lp is not None else -1e9 for lp in found.values()]
            else:
                head = f"{self.rubric.system}\n\n{prompt}" if self.rubric.system else prompt
                requests_ll = [LoglikelihoodRequest(context=f"{head}\n\n{aspect} score ({values[0]}-{values[-1]}):",
                                                    continuation=f" {v}")
                               for aspect in self.rubric.aspects for v in values]
                logprobs = self.judge.loglikelihood(requests_ll)
        except ServerDown:
            raise  # the judge's server is gone: the run stops, this batch is judged on --resume
        except Exception as exc:  # noqa: BLE001 - recorded on the sample
            return Score(scorer=self.name, error=f"judge log-probabilities failed: {type(exc).__name__}: {exc}")
        scores: dict[str, float] = {}
        distributions: dict[str, list[float]] = {}
        for k, aspect in enumerate(self.rubric.aspects):
            row = logprobs[k * len(values):(k + 1) * len(values)]
            peak = max(row)
            weights = [math.exp(x - peak) for x in row]
            total = sum(weights)
            probs = [w / total for w in weights]
            distributions[aspect] = [round(p, 6) for p in probs]
            scores[aspect] = sum(p * v for p, v in zip(probs, values, strict=True))
        return Score(scorer=self.name, value=sum(scores.values()) / len(scores), extra=scores,
                     details={"mode": "logprobs", "distribution": distributions})


class Baseline:
    """Answers of the baseline side, handed to the pairwise scorer by the run (a baseline model
    answers as a run of its own first, ``xeval run --baseline MODEL``, so its answers are recorded
    and cached; :func:`xeval.run.baseline.baseline_from_run` reads them)."""

    def __init__(self, answers: Callable[[list[Sample]], list[str | None]], label: str) -> None:
        self.answers = answers
        self.label = label


def pairwise_facts(name: str, how: str, what: str) -> dict[str, MetricFacts]:
    """The metrics a pairwise scorer reports (win rate, wins, losses, ties, lengths, position
    consistency): ``how`` the two orders make one verdict, ``what`` the prompt it judges with."""
    return {
        name: MetricFacts(about=f"win rate against the baseline, win + tie/2, judged in both orders ({how}), {what}"),
        f"{name}_win": MetricFacts(about=f"wins alone against the baseline ({how}), {what}"),
        f"{name}_loss": MetricFacts(higher_is_better=False, about="losses against the baseline"),
        **{f"{name}_{key}": MetricFacts(descriptive=True, about=about) for key, about in (
            ("tie", "ties with the baseline"),
            ("len_model", "answer length in characters"), ("len_baseline", "baseline answer length"),
            ("consistent", "1 when both orders gave the same verdict (position consistency)"))},
    }


class PairwiseScorer:
    """Win (1) / tie (0.5) / loss (0) against the baseline, judged in both orders."""

    def __init__(self, rubric: Rubric, judge: ModelAdapter, baseline: Baseline) -> None:
        if rubric.kind != "pairwise":
            raise ConfigError(f"{rubric.source}: rubric {rubric.name!r} is absolute; use judge:{rubric.name}")
        self.rubric, self.judge, self.baseline = rubric, judge, baseline
        self.name = f"pairwise_{rubric.name}"
        how = ("each order's verdict counting half, a tie being equal scores" if rubric.combine == "per_order"
               else "a win or loss only when both orders agree, else a tie")
        self.facts = pairwise_facts(self.name, how, f"rubric {rubric.name}")

    def prompt(self, sample: Sample, answer_a: str, answer_b: str) -> str:
        question = _question(sample)
        doc = sample.metadata.get("doc") or {}
        instruction = doc.get("instruction") if isinstance(doc.get("instruction"), str) else question
        return self.rubric.render(question=question, instruction=instruction, answer_a=answer_a, answer_b=answer_b,
                                  language=sample.answer_language, language_name=language_name(sample.answer_language),
                                  nonce=nonce_for(question, answer_a, answer_b))

    def score(self, samples: list[Sample], predictions: list[Prediction]) -> list[Score]:
        baseline = self.baseline.answers(samples)
        out: list[Score | None] = [None] * len(samples)
        todo, requests = [], []
        for i, (sample, prediction, other) in enumerate(zip(samples, predictions, baseline, strict=True)):
            if prediction.error:
                out[i] = Score(scorer=self.name, error=f"no prediction: {prediction.error}")
            elif other is None:
                out[i] = Score(scorer=self.name, error=f"no baseline answer ({self.baseline.label}) for {sample.key}")
            else:
                ours = _answer(sample, prediction)
                todo.append((i, ours, other))
                requests += [self.rubric.request(self.prompt(sample, ours, other)),
                             self.rubric.request(self.prompt(sample, other, ours))]
        results = ask(self.judge, self.rubric, requests) if requests else []
        for k, (i, ours, other) in enumerate(todo):
            first, second = results[2 * k], results[2 * k + 1]
            out[i] = self._combine(first, second, ours, other)
        return [s for s in out if s is not None]

    def _combine(self, first: Any, second: Any, ours: str, other: str) -> Score:
        raws = {"model_first": first[1], "baseline_first": second[1]}
        if first[0] is None or second[0] is None:
            reason = first[2] if first[0] is None else second[2]
            return Score(scorer=self.name, error=reason, details={"raw": raws})
        # verdict from the model's side: +1 model better, -1 baseline better, 0 tie (equal scores)
        a, b = self.rubric.aspects
        v1 = _sign(first[0][a] - first[0][b])
        v2 = _sign(second[0][b] - second[0][a])
        names = {1: "win", 0: "tie", -1: "loss"}
        if self.rubric.combine == "per_order":  # each order's judgement counts half
            shares = {key: ((v1 == sign) + (v2 == sign)) / 2 for sign, key in names.items()}
            outcome = names[v1] if v1 == v2 else f"{names[v1]}/{names[v2]}"
        else:  # both orders must agree, else a tie
            combined = v1 if v1 == v2 else 0
            shares = {key: float(combined == sign) for sign, key in names.items()}
            outcome = names[combined]
        return Score(scorer=self.name, value=shares["win"] + shares["tie"] / 2, extra={
            **shares, "consistent": float(v1 == v2), "len_model": float(len(ours)), "len_baseline": float(len(other)),
        }, details={"outcome": outcome, "orders": [first[0], second[0]], "verdicts": [names[v1], names[v2]],
                    "combine": self.rubric.combine, "raw": raws})


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)
