"""Scorers against case files: Korean, English, mixed script and empty answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from xeval.scoring import ScorerContext, make_scorer
from xeval.types import Prediction, Sample

CASES = Path(__file__).parent / "cases"


def _cases(name: str) -> list[dict]:
    return json.loads((CASES / f"{name}.json").read_text(encoding="utf-8"))


def _sample(case: dict, language: str = "ko") -> Sample:
    refs = case.get("references") or ([case["reference"]] if "reference" in case else [])
    return Sample(id="1", task="t", input_language=language, template_language=language,
                  answer_language=case.get("expected_language", language),
                  output_type="generate_until", messages=(), references=refs)


@pytest.mark.parametrize("name", ["exact_match", "rougeL", "chrf"])
def test_reference_scorers(name: str) -> None:
    scorer = make_scorer(name, ScorerContext())
    cases = _cases(name)
    scores = scorer.score([_sample(c) for c in cases], [Prediction(text=c["prediction"]) for c in cases])
    for case, score in zip(cases, scores, strict=True):
        assert score.error is None, case["note"]
        if "expected_range" in case:
            low, high = case["expected_range"]
            assert low <= score.value <= high, (case["note"], score.value)
        else:
            assert score.value == pytest.approx(case["expected"], abs=1e-6), (case["note"], score.value)
        if "expected_eojeol" in case:  # rougeL_eojeol: Korean words kept whole
            assert score.extra["eojeol"] == pytest.approx(case["expected_eojeol"], abs=1e-6), case["note"]


def test_language_cases() -> None:
    for case in _cases("language"):
        languages = frozenset(case.get("languages", ["ko", "en", "zh", "ja", "ru"]))
        scorer = make_scorer("language", ScorerContext(languages=languages))
        [score] = scorer.score([_sample(case)], [Prediction(text=case["prediction"])])
        if case["expected"] is None:
            assert score.value is None and score.error and score.error.startswith("und"), case["note"]
            continue
        assert score.value == case["expected"], (case["note"], score.details)
        assert score.extra["code_switching"] == case["code_switching"], (case["note"], score.details)


def test_failed_prediction_is_recorded_not_scored() -> None:
    for name in ["exact_match", "rougeL", "chrf", "language", "acc"]:
        scorer = make_scorer(name, ScorerContext(languages=frozenset({"ko"})))
        [score] = scorer.score([_sample({"reference": "서울"})],
                               [Prediction(error="ConnectionError: server went away")])
        assert score.value is None
        assert "server went away" in (score.error or "")


def test_rouge_matches_rouge_score_on_english() -> None:
    """Our LCS agrees with Google's rouge-score where its tokenizer works (English)."""
    from rouge_score import rouge_scorer
    from xeval.scoring.builtin import rouge_l

    reference_impl = rouge_scorer.RougeScorer(["rougeL"])
    pairs = [("the cat sat on the mat", "the dog sat on the mat"),
             ("a quick brown fox jumps", "the quick brown dog jumps over"),
             ("heavy rain is forecast tomorrow", "tomorrow heavy rain and wind are forecast")]
    for prediction, reference in pairs:
        expected = reference_impl.score(reference, prediction)["rougeL"].fmeasure
        assert rouge_l(prediction, reference) == pytest.approx(expected)


def test_rouge_score_default_tokenizer_drops_hangul_but_ours_does_not() -> None:
    from rouge_score import rouge_scorer
    from xeval.scoring.builtin import rouge_l

    text = "시청 앞 광장에서 축제가 열렸다"
    assert rouge_scorer.RougeScorer(["rougeL"]).score(text, text)["rougeL"].fmeasure == 0.0
    assert rouge_l(text, text) == 1.0


def test_accuracy_rank_classification() -> None:
    scorer = make_scorer("acc", ScorerContext())
    sample = Sample(id="1", task="t", input_language="en", template_language="en",
                    answer_language="en", output_type="multiple_choice", messages=(),
                    context="Q:", choices=["yes", "no way"], gold=1)
    [score] = scorer.score([sample], [Prediction(choice_logprobs=[-3.0, -4.0], choice_lengths=[3, 6])])
    assert score.value == 0.0  # raw log-likelihood picks "yes"
    assert score.extra["norm"] == 1.0  # per character, "no way" wins (-0.67 > -1.0)
