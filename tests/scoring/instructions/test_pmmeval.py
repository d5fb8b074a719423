"""P-MMEval's mIFEval: xeval's verdicts equal those of OpenCompass's own code.

``cases/pmmeval_mifeval.jsonl`` holds responses written for these tests, in P-MMEval's ten
languages, with the verdicts OpenCompass's ``mifeval.py`` and ``mifeval_utils`` gave them (written
by ``bench/instructions/reference_pmmeval.py reference``): ``reference`` is the released
evaluator's (its kwargs merging and its "loose" kept), matched by :func:`pmmeval.released_verdicts`;
``isolated`` is P-MMEval's checkers on each instruction alone with its own kwargs (strict, and
loose by IFEval's variants), matched by xeval's four metrics. The reference has no randomness.
A case's ``own_differs`` says where xeval's own checkers deliberately part from it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from xeval.scoring.instructions import pmmeval
from xeval.scoring.instructions.registry import (
    BENCHMARK_INSTRUCTIONS,
    INSTRUCTIONS,
    CheckContext,
    InstructionDataError,
    lookup,
    verdicts,
)
from xeval.scoring.instructions.scorer import InstructionScorer
from xeval.types import Message, Prediction, Sample

ROOT = Path(__file__).resolve().parents[3]
CASES_FILE = Path(__file__).parent / "cases" / "pmmeval_mifeval.jsonl"
_LINES = [json.loads(line) for line in CASES_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
HEADER, CASES = _LINES[0], _LINES[1:]

# mifeval_class_map of opencompass/datasets/PMMEval/mifeval_utils/__init__.py at a5acc4b
PMMEVAL_IDS = {
    "combination:repeat_prompt", "combination:two_responses", "detectable_content:number_placeholders",
    "detectable_content:postscript", "detectable_format:constrained_response", "detectable_format:json_format",
    "detectable_format:number_bullet_lists", "detectable_format:number_highlighted_sections",
    "detectable_format:title", "keywords:forbidden_words", "length_constraints:nth_paragraph_first_word",
    "length_constraints:number_paragraphs", "length_constraints:number_sentences", "length_constraints:number_words",
    "punctuation:no_comma", "startend:end_checker", "startend:quotation",
}


def _context(language: str, prompt: str = "") -> CheckContext:
    return CheckContext(language=language, prompt=prompt, benchmark=pmmeval.BENCHMARK)


def test_header_names_the_reference() -> None:
    assert "open-compass/opencompass a5acc4bba3b658f151617a3b393602110fb7a740" in HEADER["source"]
    assert "no randomness" in HEADER["source"] and "datasets==3" in HEADER["source"]


def test_cases_cover_every_instruction_and_language() -> None:
    isolated: dict[str, set[tuple[bool, bool]]] = {}
    released: dict[str, set[bool]] = {}
    for case in CASES:
        for index, instruction_id in enumerate(case["instruction_id_list"]):
            if "strict" in case["isolated"]:
                isolated.setdefault(instruction_id, set()).add(
                    (case["isolated"]["strict"][index], case["isolated"]["loose"][index]))
            if case["reference"]["strict"] is not None:
                released.setdefault(instruction_id, set()).add(case["reference"]["strict"][index])
    assert set(isolated) == PMMEVAL_IDS
    for instruction_id in PMMEVAL_IDS:
        assert {(True, True), (False, False)} <= isolated[instruction_id], instruction_id
        assert released[instruction_id] == {True, False}, instruction_id
    loose_only = {i for i, outcomes in isolated.items() if (False, True) in outcomes}
    assert {"combination:repeat_prompt", "detectable_format:json_format", "startend:end_checker"} <= loose_only
    # every language of P-MMEval, each counting rule's languages among them
    assert {c["language"] for c in CASES} == set(pmmeval.LANGUAGES)
    words = {c["language"] for c in CASES if "length_constraints:number_words" in c["instruction_id_list"]}
    assert {"ko", "ja", "zh", "th", "ar", "vi", "en"} <= words
    # the released evaluator's own behaviours: merged kwargs, a loose verdict below the strict one, a raise
    assert any(c["reference"]["strict"] and c["isolated"].get("strict") and
               c["reference"]["strict"] != c["isolated"]["strict"] for c in CASES)
    assert any(c["reference"]["strict_acc"] == 1.0 and c["reference"]["loose_acc"] == 0.0 for c in CASES)
    assert any("loose_error" in c["reference"] and "strict_error" not in c["reference"] for c in CASES)


def test_every_instruction_id_resolves_to_pmmevals_checker() -> None:
    assert set(BENCHMARK_INSTRUCTIONS[pmmeval.BENCHMARK]) == PMMEVAL_IDS == set(pmmeval.RULES)
    for instruction_id in PMMEVAL_IDS:
        found = lookup(instruction_id, pmmeval.BENCHMARK)
        assert found is BENCHMARK_INSTRUCTIONS[pmmeval.BENCHMARK][instruction_id]
        assert found is not INSTRUCTIONS[instruction_id]  # IFEval's stays for other benchmarks


# --- counting, by hand -------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "language", "expected"), [
    ("Hello  big\tworld\n", "en", 3),  # white-space tokens
    ("Xin chào thế giới", "vi", 4),  # Vietnamese: syllables, as written
    ("¿Qué tal, amigo?", "es", 3),
    ("안녕하세요 반갑습니다", "ko", 10),  # Korean: characters, not eojeol (2)
    ("저는 Python을 좋아해요", "ko", 13),  # 저는 2 + Python을 7 + 좋아해요 4
    ("私はPythonが好きです。", "ja", 14),  # kana, kanji, Latin and 。 alike
    ("你好，世界！", "zh", 6),  # punctuation counts
    ("สวัสดี ครับ", "th", 10),  # code points: the vowel and tone marks count
    ("مرحبا بالعالم", "ar", 12),  # Arabic: characters too
    ("全角\u3000空白", "ja", 4),  # the ideographic space is white space
    ("", "ko", 0),
])
def test_word_counts(text: str, language: str, expected: int) -> None:
    assert pmmeval.count_words(text, language) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("One. Two. Three.", 1),  # a line is a sentence, whatever its punctuation
    ("一文目。二文目。\n三文目。", 2),
    ("첫째\n\n  \n둘째\n", 2),  # blank lines count for nothing
    ("", 0),
])
def test_sentence_counts(text: str, expected: int) -> None:
    assert pmmeval.count_sentences(text) == expected


@pytest.mark.parametrize(("language", "text", "expected"), [
    ("ko", "안녕하세요 반갑습니다", True),  # 10 <= 10: "less than" is at most
    ("ko", "안녕하세요 반갑습니다!", False),
    ("en", "one two three four five six seven eight nine ten", True),
    ("en", "one two three four five six seven eight nine ten eleven", False),
])
def test_less_than_is_at_most(language: str, text: str, expected: bool) -> None:
    [verdict] = verdicts(["length_constraints:number_words"], [{"relation": "less than", "num_words": 10}], text,
                         _context(language))
    assert verdict["strict"] is expected


@pytest.mark.parametrize(("language", "text", "expected"), [
    ("ar", "نعم, شكرا", True), ("ar", "نعم، شكرا", False),  # only the Arabic comma
    ("ja", "はい，そうです", True), ("ja", "はい、そうです", False),  # 、 but not ，
    ("zh", "苹果、香蕉", True), ("zh", "你好，世界", False),  # ， but not 、
    ("th", "สวัสดีครับ", True), ("th", "ลิง", False),  # the reference's "comma" is the letter ล
    ("fr", "Bon… d'accord", False), ("ko", "네, 좋아요", False), ("ko", "네 좋아요", True),
])
def test_commas_by_language(language: str, text: str, expected: bool) -> None:
    [verdict] = verdicts(["punctuation:no_comma"], [{}], text, _context(language))
    assert verdict["strict"] is expected


def test_an_unknown_language_is_a_data_error() -> None:
    with pytest.raises(InstructionDataError, match="no 'de' rules"):
        verdicts(["punctuation:no_comma"], [{}], "Ja, gut.", _context("de"))
    [counted] = verdicts(["length_constraints:number_words"], [{"relation": "at least", "num_words": 5}],
                         "Ja gut", _context("de"))  # not a space-delimited code of P-MMEval's list: characters
    assert counted["strict"] is True


# --- the released evaluator's merging, by hand ----------------------------------------------------------

def test_released_strict_merges_the_rows_kwargs() -> None:
    ids = ["length_constraints:number_words", "length_constraints:number_sentences"]
    kwargs = [{"relation": "at least", "num_words": 5}, {"relation": "less than", "num_sentences": 3}]
    found = pmmeval.released_verdicts(ids, kwargs, "one two three four five six", "en")
    assert found["strict"] == [False, True]  # words checked "less than" 5 (the sentences' relation)
    assert found["loose"] is None and found["loose_error"].startswith("TypeError")  # 6 <= None
    own = verdicts(ids, kwargs, "one two three four five six", _context("en"))
    assert [v["strict"] for v in own] == [True, True]


def test_released_loose_takes_the_last_kwargs() -> None:
    found = pmmeval.released_verdicts(["length_constraints:number_words", "punctuation:no_comma"],
                                      [{"relation": "at least", "num_words": 2}, {}], "하나 둘 셋", "ko")
    assert found == {"strict": [True, True], "loose": [False, True]}  # relation None: not followed
    # nulls already in the rows (the hub's, through datasets) change nothing
    filled = pmmeval.released_verdicts(["length_constraints:number_words", "punctuation:no_comma"],
                                       [{"relation": "at least", "num_words": 2, "end_phrase": None},
                                        {"relation": None, "num_words": None, "end_phrase": None}], "하나 둘 셋", "ko")
    assert filled == found
    assert pmmeval.released_verdicts(["punctuation:no_comma"], [{}], "  \n", "ko") == {"strict": [False],
                                                                                    "loose": [False]}


# --- scorers and the task ---------------------------------------------------------------------------

def _sample(doc: dict[str, Any], language: str) -> Sample:
    return Sample(id=str(doc["key"]), task=f"pmmeval_mifeval_{language}", input_language=language,
                  template_language=language, answer_language=language, output_type="generate_until",
                  messages=(Message(role="user", content=doc["prompt"]),), metadata={"doc": doc})


def test_scorers_on_a_sample() -> None:
    doc = {"key": "s1", "prompt": "100자 이상, 쉼표 없이.", "benchmark": "pmmeval",
           "instruction_id_list": ["length_constraints:number_words", "punctuation:no_comma"],
           "kwargs": [{"relation": "at least", "num_words": 10}, {}]}
    sample, prediction = _sample(doc, "ko"), Prediction(text="안녕하세요 반갑습니다")
    released_strict = pmmeval.ReleasedScorer("strict").score([sample], [prediction])[0]
    released_loose = pmmeval.ReleasedScorer("loose").score([sample], [prediction])[0]
    own = InstructionScorer("prompt_level_strict_acc").score([sample], [prediction])[0]
    assert (released_strict.value, released_loose.value, own.value) == (1.0, 0.0, 1.0)
    # a row OpenCompass's evaluator raises on: a recorded failure, never a 0
    crashing = _sample({**doc, "key": "s2", "instruction_id_list": ["startend:end_checker",
                                                                    "length_constraints:number_words"],
                        "kwargs": [{"end_phrase": "다"}, {"relation": "at least", "num_words": 10}]}, "ko")
    failed = pmmeval.ReleasedScorer("strict").score([crashing], [prediction])[0]  # loose: endswith(None)
    assert failed.value is None and failed.error and "TypeError" in failed.error
    bad = pmmeval.ReleasedScorer("strict").score([_sample({**doc, "key": "s3", "kwargs": [{}]}, "ko")], [prediction])[0]
    assert bad.value is None and bad.error and bad.error.startswith("data:")


def test_samples_are_pmmeval_rows_in_every_language() -> None:
    for language in pmmeval.LANGUAGES:
        rows = [json.loads(line) for line in
                (ROOT / "tasks" / "ifeval" / "samples" / f"pmmeval_mifeval_{language}.jsonl").read_text(
                    encoding="utf-8").splitlines()]
        assert len(rows) >= 3, language
        for row in rows:
            assert row["benchmark"] == "pmmeval" and row["answer_language"] == language
            verdicts(row["instruction_id_list"], row["kwargs"], "x", _context(language, row["prompt"]))  # kwargs valid


def test_hub_source_reads_one_language_file(tmp_path: Path) -> None:
    """The hub repository's layout (a README config over mifeval/test/*.jsonl): a language's task
    reads only its own file."""
    from xeval.tasks.sources import SOURCES, load_rows

    repo = tmp_path / "Qwen" / "P-MMEval"
    (repo / "mifeval" / "test").mkdir(parents=True)
    (repo / "README.md").write_text("---\nconfigs:\n- config_name: mifeval\n  data_files:\n  - split: test\n"
                                    "    path: \"mifeval/test/*.jsonl\"\n---\n", encoding="utf-8")
    for language, prompt in (("ko", "쉼표 없이 답하세요."), ("en", "Answer without commas.")):
        (repo / "mifeval" / "test" / f"{language}.jsonl").write_text(json.dumps(
            {"prompt": prompt, "instruction_id_list": ["punctuation:no_comma"], "kwargs": [{}]},
            ensure_ascii=False) + "\n", encoding="utf-8")
    os.environ["XEVAL_HUB_MIRROR"] = str(tmp_path)
    try:
        rows = load_rows(SOURCES["pmmeval_mifeval_ko"], "hub")
    finally:
        del os.environ["XEVAL_HUB_MIRROR"]
    assert [(r["prompt"], r["benchmark"], r["answer_language"]) for r in rows] == [
        ("쉼표 없이 답하세요.", "pmmeval", "ko")]
    local = load_rows(SOURCES["pmmeval_mifeval_en"], "local", tmp_path / "Qwen")  # DIR/P-MMEval/mifeval/test/en.jsonl
    assert [r["prompt"] for r in local] == ["Answer without commas."]


def test_task_end_to_end_on_a_response_file(tmp_path: Path) -> None:
    sample_file = ROOT / "tasks" / "ifeval" / "samples" / "pmmeval_mifeval_ko.jsonl"
    rows = [json.loads(line) for line in sample_file.read_text(encoding="utf-8").splitlines()]
    responses = ["봄 소풍에서 " + "김밥을 나눠 먹고 친구들과 웃었다 " * 8,  # 100+ characters, no comma
                 "제 대답은 아마도입니다.", "<<김치찌개>>\n김치를 볶고 물을 부어 끓인다.",
                 "저는 배를 좋아해요. 사과보다 달아요.",  # 사과 inside 사과보다: forbidden
                 "잘 지내니?\n추신: 다음 주에 보자."]
    path = tmp_path / "responses.jsonl"
    path.write_text("".join(json.dumps({"prompt": r["prompt"], "response": t}, ensure_ascii=False) + "\n"
                            for r, t in zip(rows, responses, strict=True)), encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "xeval", "run", "--model", f"responses:{path}", "--tasks",
                          "pmmeval_mifeval_ko", "--data-source", "sample", "--output", str(tmp_path / "out"),
                          "--run-id", "r", "--no-cache"], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    summary = json.loads((tmp_path / "out" / "r" / "summary.json").read_text(encoding="utf-8"))
    metrics = {m["metric"]: m["value"] for m in summary["metrics"] if m["task"] == "pmmeval_mifeval_ko"}
    assert metrics["prompt_level_strict_acc"] == pytest.approx(0.8)
    assert metrics["pmmeval_strict_acc"] == pytest.approx(0.8)
    assert metrics["pmmeval_loose_acc"] == pytest.approx(0.6)  # prompt 1: the loose check sees relation None
