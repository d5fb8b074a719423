"""Scoring a sample that has several answers: repeats (``repeats: K``) and filter pipelines.

:class:`AnswerSetScorer` wraps any scorer. It takes each sample's answers (one per repeat),
passes them through the task's filter pipeline when it has one (lm-eval's ``filter_list``),
scores every answer that remains with the wrapped scorer and combines them per sample:

* ``value``: the mean over the answers (with one answer, its score as it is);
* ``pass@K``: the best of the K answers (for a 0/1 metric, whether any answer was right);
* ``maj@K``: the score of the most frequent answer (the extracted choice for multiple choice
  by generation, else the stripped text; ties go to the answer that came first).

The per-answer values stay in ``details.repeats``. The summary's confidence intervals then
resample samples, never repeats. A sample with a failed repeat is a failed sample (with the
repeat's reason): an average over fewer answers than asked would not be the same number.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from xeval.scoring import Scorer, declared_facts
from xeval.scoring.filters import FilterPipeline
from xeval.types import Prediction, Sample, Score


class AnswerSetScorer:
    def __init__(self, inner: Scorer, pipeline: FilterPipeline | None = None,
                 doc: Callable[[Sample], dict[str, Any]] | None = None) -> None:
        self.inner = inner
        self.pipeline = pipeline
        self.doc = doc or (lambda sample: dict(sample.metadata.get("doc") or {}))
        self.name = f"{inner.name},{pipeline.name}" if pipeline is not None else inner.name
        inner_facts = declared_facts(inner)
        facts = {self._renamed(k): v for k, v in inner_facts.items()}
        if pipeline is not None:
            base = inner_facts[inner.name]
            facts[self.name] = base.model_copy(update={"about": f"{base.about} (answer after filter pipeline "
                                                                f"'{pipeline.name}')".lstrip()})
        self.facts = facts

    def _renamed(self, metric: str) -> str:
        if self.pipeline is None or not metric.startswith(self.inner.name):
            return metric
        return f"{self.name}{metric[len(self.inner.name):]}"

    def __getattr__(self, name: str) -> Any:  # rubric and other facts of the wrapped scorer
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)

    def score(self, samples: list[Sample], predictions: list[Prediction]) -> list[Score]:
        sets = [list(p.repeats) if p.repeats else [p] for p in predictions]
        if self.pipeline is not None:
            sets = self._filtered(samples, sets)
        width = max((len(s) for s in sets), default=0)
        by_position: list[list[Score | None]] = [[None] * width for _ in samples]
        for position in range(width):
            rows = [i for i, s in enumerate(sets) if len(s) > position]
            scored = self.inner.score([samples[i] for i in rows], [sets[i][position] for i in rows])
            for i, score in zip(rows, scored, strict=True):
                by_position[i][position] = score
        return [self._combine(prediction, answers, [s for s in scores if s is not None])
                for prediction, answers, scores in zip(predictions, sets, by_position, strict=True)]

    def _filtered(self, samples: list[Sample], sets: list[list[Prediction]]) -> list[list[Prediction]]:
        assert self.pipeline is not None
        texts = [[a.text for a in answers] for answers in sets]
        filtered = self.pipeline.apply(texts, [self.doc(s) for s in samples])
        return [[answers[min(j, len(answers) - 1)].model_copy(update={"text": text, "repeats": None})
                 for j, text in enumerate(out)] for answers, out in zip(sets, filtered, strict=True)]

    def _combine(self, prediction: Prediction, answers: list[Prediction], scores: list[Score]) -> Score:
        if prediction.error is not None:
            return Score(scorer=self.name, error=f"no prediction: {prediction.error}")
        if len(scores) == 1:
            return scores[0].model_copy(update={"scorer": self.name})
        failed = next((s for s in scores if s.error is not None or s.value is None), None)
        if failed is not None:
            return Score(scorer=self.name, error=f"a repeat was not scored: {failed.error or 'no value'}")
        values = [float(s.value) for s in scores if s.value is not None]
        n = len(values)
        keys = [_answer_key(a) for a in answers]
        top = Counter(keys).most_common(1)[0][0]
        extra = {key: sum(s.extra[key] for s in scores) / n
                 for key in scores[0].extra if all(key in s.extra for s in scores)}
        extra[f"pass@{n}"] = max(values)
        extra[f"maj@{n}"] = values[keys.index(top)]
        return Score(scorer=self.name, value=sum(values) / n, extra=extra,
                     details={"repeats": values, "majority_answer": top})


def _answer_key(answer: Prediction) -> str:
    if answer.extracted is not None:
        return f"choice {answer.extracted}"
    return answer.text.strip()
