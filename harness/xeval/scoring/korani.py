"""The KORANI study's released metrics, reproduced as its code computes them
(``CHLee0801/KORANI-Instruction-Tuning``: ``third_party/trainers/utils.py`` and ``run.py``).

``rougeL_korani``: for a Korean target, ``metric_rouge_korean``: lowercase, every character
outside ``[A-Za-z0-9가-힣]`` to a space, Mecab morphemes joined by spaces, then ``datasets``'
``rouge`` metric, which is rouge-score's ``RougeScorer(["rougeL"])`` with its default
tokenizer. That tokenizer keeps only ``[a-z0-9]`` runs, so **every Hangul morpheme is
dropped**: the study's Korean ROUGE counts Latin letters and digits only (two Korean answers
with no Latin letter or digit score 0, whatever they say). For an English target,
``metric_rouge_english``: the raw strings through the same default tokenizer. The study's
corpus figure is the bootstrap aggregator's ``mid`` F-measure (an unseeded resampling
estimate of the mean); xeval reports the mean of the per-sample values, with its own CI.

``accuracy_korani``: ``run.py``'s ``get_accuracy``: the generated text, stripped, equal to the
label, stripped (no other normalisation). For multiple choice the label is the gold choice's
text (``--mc-mode exact`` asks for it by generation from the task's own prompt).

xeval's own ``rougeL`` (Mecab-ko morphemes through a whitespace tokenizer: Hangul counted) and
``exact_match`` (NFKC, case, punctuation) stand beside them.
"""

from __future__ import annotations

import re
from typing import Any

from xeval.errors import MissingDependencyError
from xeval.scoring import scorer
from xeval.scoring.builtin import NO_REFERENCE, score_each
from xeval.types import MetricFacts, Prediction, Sample, Score

_REMOVE = re.compile("[^A-Za-z0-9가-힣]")


def korani_clean(text: str) -> str:
    """``clean`` of the study's utils.py: lowercase, then non-``[A-Za-z0-9가-힣]`` to spaces."""
    return _REMOVE.sub(" ", text.lower()).strip()


class KoraniRougeL:
    """ROUGE-L F1 as the KORANI release computes it (see the module docstring)."""

    name = "rougeL_korani"
    facts = {"rougeL_korani": MetricFacts(about=(
        "ROUGE-L F1 as the KORANI study's code computes it: Korean through Mecab morphemes, then rouge-score's "
        "default tokenizer, which keeps only [a-z0-9] tokens (Hangul dropped); compare with rougeL"))}

    def __init__(self) -> None:
        from rouge_score.rouge_scorer import RougeScorer

        self._rouge = RougeScorer(["rougeL"])  # the default tokenizer, as datasets' 'rouge' metric
        self._mecab: Any = None

    def morphemes(self, text: str) -> str:
        """``" ".join(mecab.morphs(clean(text)))`` (the study used konlpy's Mecab with
        mecab-ko-dic; xeval reads the same dictionary through python-mecab-ko)."""
        if self._mecab is None:
            try:
                import mecab
            except ImportError:
                raise MissingDependencyError("rougeL_korani (Mecab-ko morphemes)", "python-mecab-ko") from None
            self._mecab = mecab.MeCab()
        cleaned = korani_clean(text)
        return " ".join(self._mecab.morphs(cleaned)) if cleaned else ""

    def pair(self, prediction: str, reference: str, korean: bool) -> tuple[float, str, str]:
        """(F1, the prediction and reference strings handed to rouge-score)."""
        if korean:
            prediction, reference = self.morphemes(prediction), self.morphemes(reference)
        return float(self._rouge.score(reference, prediction)["rougeL"].fmeasure), prediction, reference

    def score(self, samples: list[Sample], predictions: list[Prediction]) -> list[Score]:
        return score_each(self.name, samples, predictions, self.score_one)

    def score_one(self, sample: Sample, pred: Prediction) -> Score:
        if not sample.references:
            return Score(scorer=self.name, error=NO_REFERENCE)
        korean = sample.answer_language == "ko"  # the study picks the metric by target language
        best = max((self.pair(pred.text, ref, korean) for ref in sample.references), key=lambda r: r[0])
        from rouge_score import tokenize

        counted = len(tokenize.tokenize(best[1], None))
        return Score(scorer=self.name, value=best[0], details={
            "metric": "metric_rouge_korean" if korean else "metric_rouge_english",
            "tokens_counted": counted, "tokens_in_answer": len(best[1].split())})


class KoraniAccuracy:
    """``run.py``'s accuracy: the reply, stripped, equals the label, stripped."""

    name = "accuracy_korani"
    facts = {"accuracy_korani": MetricFacts(about=(
        "1 when the generated answer, stripped of surrounding whitespace, equals the label exactly (the KORANI "
        "study's run.py); for multiple choice the label is the gold choice's text"))}

    def score(self, samples: list[Sample], predictions: list[Prediction]) -> list[Score]:
        return score_each(self.name, samples, predictions, self.score_one)

    def score_one(self, sample: Sample, pred: Prediction) -> Score:
        labels = label_texts(sample)
        if not labels:
            return Score(scorer=self.name, error="accuracy_korani needs a label (reference or gold choice)")
        if sample.output_type == "multiple_choice" and pred.choice_logprobs and not pred.text:
            return Score(scorer=self.name, error="accuracy_korani compares generated text: run with --mc-mode exact")
        return Score(scorer=self.name, value=float(pred.text.strip() in {label.strip() for label in labels}))


def label_texts(sample: Sample) -> list[str]:
    if sample.output_type == "multiple_choice":
        if sample.choices and sample.gold is not None:
            return [sample.choices[sample.gold]]
        return []
    return list(sample.references)


def exact_choice(text: str, choices: list[str]) -> int | None:
    """The choice the reply names under KORANI's rule (stripped equality), else None."""
    answer = text.strip()
    return next((i for i, choice in enumerate(choices) if choice.strip() == answer), None)


scorer("rougeL_korani")(lambda context: KoraniRougeL())
scorer("accuracy_korani")(lambda context: KoraniAccuracy())
