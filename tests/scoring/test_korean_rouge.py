"""Korean ROUGE-L on Mecab-ko morphemes (as the KORANI study computed it) beside the eojeol
tokenisation, and the language-gated score."""

from __future__ import annotations

import pytest
from xeval.language.tokens import MecabKoTokenizer, WordTokenizer
from xeval.scoring import ScorerContext, make_scorer
from xeval.scoring.builtin import language_gated, rouge_l_auto
from xeval.types import Message, Prediction, Sample, Score

REFERENCE = "서울은 한국의 수도입니다."


def _sample(reference: str, language: str = "ko") -> Sample:
    return Sample(id="1", task="t", input_language=language, template_language=language, answer_language=language,
                  output_type="generate_until", messages=(Message(role="user", content="?"),), references=[reference])


def _rouge(prediction: str, reference: str = REFERENCE, language: str = "ko") -> Score:
    scorer = make_scorer("rougeL", ScorerContext())
    return scorer.score([_sample(reference, language)], [Prediction(text=prediction)])[0]


def test_morphemes() -> None:
    assert MecabKoTokenizer().tokenize(REFERENCE) == ["서울", "은", "한국", "의", "수도", "입니다"]
    assert WordTokenizer().tokenize(REFERENCE) == ["서울은", "한국의", "수도입니다"]


def test_identical_strings_score_one() -> None:
    score = _rouge(REFERENCE)
    assert score.value == 1.0 and score.extra["eojeol"] == 1.0
    assert score.details["tokenizer"] == "mecab-ko"


def test_hand_computed_cases() -> None:
    # 서울이: morphemes 서울 이 한국 의 수도 입니다 -> LCS 5 of 6 each side: F = 5/6
    particle = _rouge("서울이 한국의 수도입니다.")
    assert particle.value == pytest.approx(5 / 6)
    assert particle.extra["eojeol"] == pytest.approx(2 / 3)  # 서울이 != 서울은: LCS 2 of 3
    # 부산이: the word and its particle change: LCS 4 of 6
    content = _rouge("부산이 한국의 수도입니다.")
    assert content.value == pytest.approx(4 / 6)
    assert content.extra["eojeol"] == pytest.approx(2 / 3)
    # recall and precision differ: prediction of 3 morphemes, all in the reference
    short = _rouge("서울은 수도")  # 서울 은 수도 -> P = 3/3, R = 3/6, F = 2PR/(P+R) = 2/3
    assert short.value == pytest.approx(2 / 3)


def test_a_particle_change_scores_higher_than_a_content_word_change() -> None:
    particle, content = _rouge("서울이 한국의 수도입니다."), _rouge("부산이 한국의 수도입니다.")
    assert particle.value > content.value
    assert particle.extra["eojeol"] == content.extra["eojeol"]  # eojeol tokens cannot tell them apart


def test_other_languages_keep_word_tokens() -> None:
    score = _rouge("the cat sat on the mat", "the dog sat on the mat", "en")
    assert score.value == pytest.approx(5 / 6) and score.details["tokenizer"] == "xeval-words"
    assert rouge_l_auto("서울이 한국의 수도입니다.", REFERENCE) == pytest.approx(5 / 6)


def test_language_gated() -> None:
    main = [Score(scorer="rougeL", value=0.8), Score(scorer="rougeL", value=0.6), Score(scorer="rougeL", value=0.5),
            Score(scorer="rougeL", error="no prediction: timeout")]
    language = [Score(scorer="language", value=1.0, details={"outcome": "correct"}),
                Score(scorer="language", value=0.0, details={"outcome": "wrong"}),
                Score(scorer="language", error="undecidable: 'OK' ...", details={"outcome": "undecidable"}),
                Score(scorer="language", error="no prediction: timeout")]
    gated = language_gated("rougeL", main, language)
    assert [g.scorer for g in gated] == ["rougeL_lang_gated"] * 4
    assert [g.value for g in gated] == [0.8, 0.0, 0.5, None]
    assert gated[3].error == "no rougeL: no prediction: timeout"


@pytest.mark.slow
def test_gated_and_both_tokenisations_in_summary_leaderboard_and_report(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The embedded model on the project's Korean summaries and QA: the summary, the leaderboard
    and the report carry rougeL (morphemes), rougeL_eojeol and the language-gated scores."""
    import json
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-m", "xeval", "run", "--tasks", "xeval_summary_ko,xeval_qa_ko",
                          "--max-tokens", "16", "--output", str(tmp_path), "--run-id", "r"],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    metrics = {(m["task"], m["metric"]): m for m in summary["metrics"]}
    for name in ("rougeL", "rougeL_eojeol", "rougeL_lang_gated"):
        assert metrics[("xeval_summary_ko", name)]["n"] == 6
    assert metrics[("xeval_qa_ko", "exact_match_lang_gated")]["n"] == 10
    info = summary["tasks"]["xeval_summary_ko"]["metrics_info"]
    assert "Mecab-ko" in info["rougeL"] and "eojeol" in info["rougeL_eojeol"]
    records = [json.loads(line) for line in (tmp_path / "r" / "samples.jsonl").read_text().splitlines()]
    summaries = [r for r in records if r["task"] == "xeval_summary_ko"]
    assert all(r["scores"]["rougeL"]["details"]["tokenizer"] == "mecab-ko" for r in summaries)
    for r in summaries:  # the gate: 0 exactly where the answer was decided to be in another language
        gated, plain = r["scores"]["rougeL_lang_gated"]["value"], r["scores"]["rougeL"]["value"]
        wrong = r["scores"]["language"].get("value") == 0.0
        assert gated == (0.0 if wrong else plain)
    board = subprocess.run([sys.executable, "-m", "xeval", "leaderboard", "--results", str(tmp_path)],
                           capture_output=True, text=True, timeout=120)
    assert "xeval_summary_ko/rougeL_lang_gated" in board.stdout and "xeval_qa_ko/exact_match_lang_gated" in board.stdout
    tidy = subprocess.run([sys.executable, "-m", "xeval", "leaderboard", "--results", str(tmp_path), "--format", "csv"],
                          capture_output=True, text=True, timeout=120)
    assert ",rougeL_eojeol," in tidy.stdout
    report = subprocess.run([sys.executable, "-m", "xeval", "report", "--results", str(tmp_path),
                             "--out", str(tmp_path / "report.html")], capture_output=True, text=True, timeout=120)
    assert report.returncode == 0, report.stderr
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "rougeL_lang_gated" in page and "rougeL_eojeol" in page and "Mecab-ko morphemes" in page
