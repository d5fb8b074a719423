"""Multi-IF: xeval's verdicts, as the multi_if tasks compute them, equal those of Multi-IF's own code.

``cases/multi_if.jsonl`` holds hand-written responses in English, Chinese, Hindi, Russian, French,
Spanish, Italian and Portuguese with the strict and loose verdicts that Multi-IF's ``metrics_gen``
gave them (written by ``bench/instructions/reference_multi_if.py reference``), and in its header
the per-language ``turn_1_*_overall`` figures of the same call. The multi_if tasks check a turn with
``CheckContext(language=<task language>, benchmark="multi_if")``: Multi-IF's own rules
(:mod:`xeval.scoring.instructions.multi_if`) where it has them, IFEval's checkers otherwise. A
case's ``differs`` maps an instruction id to the reason xeval deliberately differs there; there the
verdicts must differ.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from xeval.scoring.instructions import multi_if
from xeval.scoring.instructions.conventions import conventions
from xeval.scoring.instructions.registry import CheckContext, lookup, verdicts
from xeval.scoring.instructions.scorer import InstructionScorer
from xeval.tasks.datasets import load_documents
from xeval.tasks.rendering import build_samples
from xeval.tasks.sources import MULTI_IF_LANGUAGES, SOURCES
from xeval.tasks.task_index import TaskIndex
from xeval.types import Prediction

CASES_FILE = Path(__file__).parent / "cases" / "multi_if.jsonl"
_LINES = [json.loads(line) for line in CASES_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
HEADER, CASES = _LINES[0], _LINES[1:]
COMMIT = "1cdb53ed18499ad729e0766e5d3099dd5344406f"

# Multi-IF's ifeval.INSTRUCTION_DICT at the commit (ifeval.py:3394): IFEval's 25 ids
MULTI_IF_IDS = {
    "keywords:existence", "keywords:frequency", "keywords:forbidden_words", "keywords:letter_frequency",
    "language:response_language", "length_constraints:number_sentences", "length_constraints:number_paragraphs",
    "length_constraints:number_words", "length_constraints:nth_paragraph_first_word",
    "detectable_content:number_placeholders", "detectable_content:postscript",
    "detectable_format:number_bullet_lists", "detectable_format:constrained_response",
    "detectable_format:number_highlighted_sections", "detectable_format:multiple_sections",
    "detectable_format:json_format", "detectable_format:title", "combination:two_responses",
    "combination:repeat_prompt", "startend:end_checker", "change_case:capital_word_frequency",
    "change_case:english_capital", "change_case:english_lowercase", "punctuation:no_comma", "startend:quotation",
}
OWN_RULES = {"length_constraints:number_sentences", "length_constraints:number_words", "startend:quotation",
             "keywords:frequency"}
LANGUAGE_NAMES = {"en": "English", "zh": "Chinese", "hi": "Hindi", "ru": "Russian", "fr": "French",
                  "es": "Spanish", "it": "Italian", "pt": "Portuguese"}


def test_header_names_the_reference() -> None:
    assert COMMIT in HEADER["source"]
    assert "langdetect seeded 0" in HEADER["source"] and "metrics_gen" in HEADER["source"]


def test_cases_cover_every_instruction_passing_and_failing() -> None:
    seen: dict[str, set[tuple[bool, bool]]] = {}
    for case in CASES:
        for index, instruction_id in enumerate(case["instruction_id_list"]):
            outcome = (case["reference"]["strict"][index], case["reference"]["loose"][index])
            seen.setdefault(instruction_id, set()).add(outcome)
    assert set(seen) == MULTI_IF_IDS
    for instruction_id, outcomes in seen.items():
        assert {(True, True), (False, False)} <= outcomes, instruction_id
    assert {c["language"] for c in CASES} == set(MULTI_IF_LANGUAGES)
    # Multi-IF's own counting rules, passing and failing, in the languages where they count differently
    for language in ("zh", "hi", "ru", "en"):
        for instruction_id in ("length_constraints:number_sentences", "length_constraints:number_words"):
            outcomes = {c["reference"]["strict"][i] for c in CASES if c["language"] == language
                        for i, x in enumerate(c["instruction_id_list"]) if x == instruction_id}
            assert outcomes == {True, False}, (language, instruction_id)


# the conventions fields Multi-IF's own rules for OWN_RULES change (counting, quotes, a bad keyword)
OWN_FIELDS = {"words", "sentences", "quotes", "bad_keyword"}


def test_multi_if_rules_replace_four_ids_only() -> None:
    for instruction_id in MULTI_IF_IDS:
        own = lookup(instruction_id, "multi_if")
        assert own is lookup(instruction_id), instruction_id  # IFEval's checker, Multi-IF's conventions
        assert own.id == instruction_id and own.group == instruction_id.split(":")[0]
    for language in MULTI_IF_LANGUAGES:
        theirs, xevals = conventions("multi_if", language), conventions("xeval", language)
        changed = {f.name for f in dataclasses.fields(theirs) if getattr(theirs, f.name) != getattr(xevals, f.name)}
        assert changed - {"benchmark", "reference"} == OWN_FIELDS, language


def test_declared_differences() -> None:
    declared = {(c["id"], i) for c in CASES for i in c.get("differs", {})}
    assert declared == {
        ("zh-forbidden-inside-text", "keywords:forbidden_words"),  # IFEval's \b in unspaced Chinese
        ("zh-sentences-short-text", "length_constraints:number_sentences"),  # langdetect: Korean
        ("zh-mixed-counted-as-english", "length_constraints:number_words"),  # langdetect: English
        ("en-whitespace-response", "punctuation:no_comma"),  # Multi-IF's strict `if response`
    }


# --- the headline: per turn, the mean of the four metrics ------------------------------------------

def _overall(cases: list[dict[str, Any]]) -> float:
    """Multi-IF's turn figure (metrics.py metrics_gen): the mean of prompt-level strict, instruction-
    level strict (pooled over instructions), prompt-level loose and instruction-level loose."""
    figures = []
    for mode in ("strict", "loose"):
        lists = [c["reference"][mode] for c in cases]
        figures.append(sum(all(x) for x in lists) / len(lists))
        figures.append(sum(sum(x) for x in lists) / sum(len(x) for x in lists))
    return sum(figures) / 4


def test_the_turn_figure_is_the_mean_of_the_four_metrics() -> None:
    aggregate = HEADER["aggregate"]
    assert aggregate["turn_1_prompts_number"] == len(CASES)
    assert _overall(CASES) == pytest.approx(aggregate["turn_1_all_languages_overall"], abs=1e-12)  # pooled rows
    for code, name in LANGUAGE_NAMES.items():
        mine = _overall([c for c in CASES if c["language"] == code])
        assert mine == pytest.approx(aggregate[f"turn_1_{name}_overall"], abs=1e-12), name
    # pooled over all rows, not the mean of the languages' figures
    by_language = [aggregate[f"turn_1_{name}_overall"] for name in LANGUAGE_NAMES.values()]
    assert aggregate["turn_1_all_languages_overall"] != pytest.approx(sum(by_language) / len(by_language))


# --- the tasks choose Multi-IF's rules ---------------------------------------------------------------

def test_every_turn_of_a_multi_if_task_names_the_benchmark() -> None:
    index = TaskIndex.load()
    for language in MULTI_IF_LANGUAGES:
        spec = index.tasks[f"multi_if_{language}"]
        assert "benchmark" in spec.xeval.doc_fields, language
    row = {"key": "7", "language": "Chinese", "turns": [
        {"prompt": "写一首诗。", "instruction_id_list": ["startend:quotation"], "kwargs": [{}]},
        {"prompt": "再写一首。", "instruction_id_list": ["punctuation:no_comma"], "kwargs": [{}]}]}
    turns = SOURCES["multi_if_zh"].explode(row)  # type: ignore[misc]
    assert [(t["turn"], t["benchmark"]) for t in turns] == [(1, "multi_if"), (2, "multi_if")]


def test_a_multi_if_sample_is_scored_by_multi_ifs_rules() -> None:
    spec = TaskIndex.load().tasks["multi_if_zh"]
    samples = {s.id: s for s in build_samples(spec, load_documents(spec, data_source="sample"))}
    second = samples["1-t2"]  # no_comma, and at least 3 sentences
    assert second.metadata["doc"]["benchmark"] == "multi_if"
    score = InstructionScorer("prompt_level_strict_acc").score_one(second, Prediction(text="价格是3.5元。很便宜。"))
    # Multi-IF splits Chinese sentences at an ASCII "." too: 价格是3. / 5元。/ 很便宜。
    assert score.value == 1.0
    assert [(v["id"], v["strict"]) for v in score.details["instructions"]] == [
        ("punctuation:no_comma", True), ("length_constraints:number_sentences", True)]
    without = second.model_copy(update={"id": "x", "metadata": {"doc": {
        k: v for k, v in second.metadata["doc"].items() if k != "benchmark"}}})
    assert InstructionScorer("prompt_level_strict_acc").score_one(without, Prediction(
        text="价格是3.5元。很便宜。")).value == 0.0  # IFEval's checkers, Chinese by 。！？: 2 sentences


# --- Multi-IF's counting, by hand (each value the one Multi-IF's own function gives) ----------------

@pytest.mark.parametrize(("text", "expected"), [
    ("こんにちは、ジェイソンさん、Jason? Nice to meet you☺ ❤", 19),  # Multi-IF's own docstring example
    ("今天天气很好，我们一起去公园散步吧。", 16),  # ，。 deleted, not counted
    ("我们在2024年使用Python和Java编写了这个大型程序，效果非常好。", 24),  # 21 characters + 3 tokens
    ("太棒了😀😀", 5),  # each emoji one word
    ("OK👍好", 3),
    ("a=b|c", 1),  # = and | are not Multi-IF's punctuation: one token
    ("«引用»", 3),  # » is deleted, « is not: 2 characters + «
    ("", 0),
])
def test_cjk_words(text: str, expected: int) -> None:
    assert multi_if.count_cjk_words(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("今天天气很好。我们去公园散步吧！你想一起去吗？", 3),
    ("价格是3.5元。很便宜。", 3),  # an ASCII "." ends a sentence
    ("真的吗？！太好了！！", 2),  # a terminator with no text before it is no sentence
    ("第一行\n第二行\n\n第三行。", 3),  # each non-empty line
    ("他说：“我们走吧。”然后离开了。", 2),  # ” after 。 opens the next sentence
    ("你好。 再见。", 2),
    ("", 0),
])
def test_cjk_sentences(text: str, expected: int) -> None:
    assert multi_if.count_cjk_sentences(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("यह पहला वाक्य है। यह दूसरा वाक्य है। क्या यह तीसरा है?", 3),
    ("यह पहला वाक्य है. यह दूसरा वाक्य है.", 1),  # "." ends no Hindi sentence
    ("पहली पंक्ति\nदूसरी पंक्ति", 1),  # nor a line break
    ("यह पहला श्लोक है॥ यह दूसरा श्लोक है॥", 1),  # nor ॥
    ("हाँ! नहीं?", 2),
])
def test_hindi_sentences(text: str, expected: int) -> None:
    assert multi_if.count_hindi_sentences(text) == expected


def test_counting_follows_the_responses_language_not_the_tasks() -> None:
    zh_task = CheckContext(language="zh", benchmark="multi_if")
    english = "This answer is in English. It has two sentences."
    assert multi_if.count_sentences(english, zh_task) == 2 and multi_if.count_words(english, zh_task) == 9
    assert multi_if.count_words("今天天气很好，我们一起去公园散步吧。", CheckContext(language="en")) == 16
    assert multi_if.count_words("123 456", zh_task) == 2  # no language material: counted as English


def test_a_keyword_that_is_no_regular_expression_is_not_followed() -> None:
    context = CheckContext(language="en", benchmark="multi_if")
    [found] = verdicts(["keywords:frequency"], [{"keyword": "*star", "frequency": 1, "relation": "less than"}],
                       "A star is born.", context)
    assert (found["strict"], found["loose"]) == (False, False)
