"""The KORANI study's released metrics: ``rougeL_korani`` (Mecab morphemes through rouge-score's
default tokenizer, which drops Hangul), ``accuracy_korani`` (stripped string equality) and
``--mc-mode exact`` / ``--protocol korani``: hand-computed values, the reference computation
redone independently, scripted replies with exact verdicts, and one run on the real model."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from xeval.scoring import ScorerContext, make_scorer
from xeval.scoring.korani import KoraniRougeL, korani_clean
from xeval.types import Message, Prediction, Sample


def _sample(reference: str, language: str = "ko", **extra: object) -> Sample:
    return Sample(id="1", task="t", input_language=language, template_language=language, answer_language=language,
                  output_type="generate_until", messages=(Message(role="user", content="?"),),
                  references=[reference], **extra)  # type: ignore[arg-type]


def _korani(prediction: str, reference: str, language: str = "ko") -> float | None:
    scorer = make_scorer("rougeL_korani", ScorerContext())
    return scorer.score([_sample(reference, language)], [Prediction(text=prediction)])[0].value


def test_clean_keeps_latin_digits_and_hangul_syllables() -> None:
    assert korani_clean("Seoul은, 2024년!! ㅋㅋ KTX?") == "seoul은  2024년      ktx"  # ! ! space ㅋ ㅋ space: six


def test_hangul_only_answers_score_zero_even_when_identical() -> None:
    # every morpheme is Hangul: rouge-score's tokenizer keeps none of them
    assert _korani("서울이 한국의 수도이다", "부산이 한국의 수도이다") == 0.0
    assert _korani("서울이 한국의 수도이다", "서울이 한국의 수도이다") == 0.0
    xeval_rouge = make_scorer("rougeL", ScorerContext())
    same = xeval_rouge.score([_sample("서울이 한국의 수도이다")], [Prediction(text="서울이 한국의 수도이다")])[0]
    assert same.value == 1.0  # xeval's rougeL counts the Hangul morphemes


def test_mixed_pairs_count_only_latin_letters_and_digits() -> None:
    # only [2024, ktx] survive on both sides: a perfect score for different cities
    assert _korani("서울은 2024년 KTX 개통", "부산은 2024년 KTX 개통 예정") == 1.0
    # ktx 2024 vs 2024 ktx: LCS 1 of 2 tokens each side -> P = R = 1/2, F = 1/2
    assert _korani("KTX 2024 개통", "2024 KTX 개통") == pytest.approx(0.5)
    # 3 counted tokens in the reference (2024 ktx 3), 2 in the answer, LCS 2: P 1, R 2/3, F 0.8
    assert _korani("2024 KTX 개통", "2024 KTX 3호선 개통") == pytest.approx(0.8)


def test_english_targets_use_the_raw_strings() -> None:
    # metric_rouge_english: no cleaning, the default tokenizer (lowercase, [a-z0-9] runs)
    assert _korani("The cat sat on the mat.", "the dog sat on the mat", "en") == pytest.approx(5 / 6)


def test_against_rouge_score_on_the_same_morpheme_strings(shared_data: Path) -> None:
    """Per pair: the study's computation redone here from its pieces (its ``clean``, Mecab's
    morphs joined by spaces, ``RougeScorer(["rougeL"])``) on real Korean sentences (KorNLI)."""
    import mecab
    from rouge_score.rouge_scorer import RougeScorer

    tagger, reference_scorer = mecab.MeCab(), RougeScorer(["rougeL"])

    def study(text: str) -> str:
        return " ".join(tagger.morphs(re.sub("[^A-Za-z0-9가-힣]", " ", text.lower()).strip()))

    with (shared_data / "kornli" / "xnli.test.ko.tsv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))[:60]
    korani = KoraniRougeL()
    latin = 0
    for i, row in enumerate(rows):
        reference, answer = row["sentence1"] + " 2024 KTX", row["sentence2"] + (" KTX" if i % 2 else " 2024")
        expected = reference_scorer.score(study(reference), study(answer))["rougeL"].fmeasure
        assert korani.pair(answer, reference, korean=True)[0] == expected
        latin += expected > 0
    assert latin == len(rows)  # the appended Latin tokens are all it counts


def test_accuracy_korani_is_stripped_equality() -> None:
    scorer = make_scorer("accuracy_korani", ScorerContext())
    sample = _sample("긍정")
    values = [s.value for s in scorer.score([sample] * 4, [Prediction(text=t) for t in (" 긍정 \n", "긍정.", "긍정 ",
                                                                                       "정답: 긍정")])]
    assert values == [1.0, 0.0, 1.0, 0.0]
    failed = scorer.score([sample], [Prediction(error="timeout")])[0]
    assert failed.value is None and "timeout" in (failed.error or "")


def _xeval(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xeval", *args], capture_output=True, text=True, timeout=900,
                          env={**os.environ})


def test_scripted_exact_mode_scores_as_korani(tmp_path: Path) -> None:
    """--protocol korani on KLUE-NLI (choices 참 / 중립 / 거짓; the sample's golds 0, 1, ...):
    a reply is right only when, stripped, it is the gold choice's text."""
    replies = tmp_path / "replies.jsonl"
    replies.write_text("".join(json.dumps({"reply": r}, ensure_ascii=False) + "\n"
                               for r in (" 참\n", "정답: 중립", "거짓", "중립.")), encoding="utf-8")
    proc = _xeval("run", "--model", f"scripted:{replies}", "--tasks", "klue_nli_ko_tpl-ko", "--data-source", "sample",
                  "--limit", "4", "--batch-size", "4", "--output", str(tmp_path), "--run-id", "k", "--protocol",
                  "korani", "--no-cache")
    assert proc.returncode == 0, proc.stderr
    run = json.loads((tmp_path / "k" / "run.json").read_text())
    assert run["settings"]["protocol"] == "korani" and run["settings"]["mc_mode"] == "exact"
    assert run["settings"]["temperature"] == 0.0 and run["settings"]["max_tokens"] == 256
    records = [json.loads(line) for line in (tmp_path / "k" / "samples.jsonl").read_text().splitlines()]
    golds = [r["gold"] for r in records]
    extracted = [r["prediction"]["extracted"] for r in records]
    assert extracted == [0, None, 2, None]  # only exact (stripped) choice texts count
    assert [r["prediction"]["extraction"] for r in records] == ["exact", "unparseable", "exact", "unparseable"]
    for record, chosen, gold in zip(records, extracted, golds, strict=True):
        assert record["scores"]["acc"]["value"] == float(chosen == gold)
        assert record["scores"]["accuracy_korani"]["value"] == float(chosen == gold)
    # the task's own prompt, no lettered choices added
    assert records[0]["prompt"][-1]["content"].endswith("참, 거짓, 중립 중 무엇입니까?\n정답:")


def test_protocol_korani_on_the_real_model(tmp_path: Path) -> None:
    """End to end on the embedded model: a Korean generation task gets rougeL_korani and
    accuracy_korani beside rougeL; a flag given (--max-tokens) wins over the preset."""
    proc = _xeval("run", "--tasks", "xeval_summary_ko", "--data-source", "sample", "--limit", "2",
                  "--output", str(tmp_path), "--run-id", "real", "--protocol", "korani", "--max-tokens", "24")
    assert proc.returncode == 0, proc.stderr
    run = json.loads((tmp_path / "real" / "run.json").read_text())
    assert run["settings"]["max_tokens"] == 24 and run["settings"]["protocol"] == "korani"
    records = [json.loads(line) for line in (tmp_path / "real" / "samples.jsonl").read_text().splitlines()]
    assert len(records) == 2
    korani = KoraniRougeL()
    for record in records:
        scores = record["scores"]
        assert {"rougeL", "rougeL_korani", "accuracy_korani"} <= set(scores)
        expected = korani.pair(record["prediction"]["text"], record["references"][0], korean=True)[0]
        assert scores["rougeL_korani"]["value"] == expected
    summary = json.loads((tmp_path / "real" / "summary.json").read_text())
    assert {"rougeL_korani", "accuracy_korani"} <= {m["metric"] for m in summary["metrics"]}
