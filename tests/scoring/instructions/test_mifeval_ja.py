"""M-IFEval's Japanese instructions: xeval's verdicts equal those of M-IFEval's own code.

``cases/mifeval_ja.jsonl`` holds hand-written and published responses with the strict and loose
verdicts that M-IFEval's ``evaluation_main`` gave them (written by
``bench/instructions/reference_mifeval_ja.py reference``). xeval's verdicts are the ``mifeval_ja``
task's (langdetect, seeded, as the reference). A case's ``differs`` maps an instruction id to the
reason xeval deliberately differs there; ``xeval_langid_differs`` where xeval's own language ID (the
``*_xeval_langid`` metrics) decides otherwise than langdetect: there the verdicts must differ.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import xeval.scoring.instructions.ifeval  # noqa: F401  (registers IFEval's checkers, the fallbacks)
from xeval.language import japanese
from xeval.scoring.instructions import ja
from xeval.scoring.instructions.registry import (
    CheckContext,
    InstructionDataError,
    lookup,
    verdicts,
)

CASES_FILE = Path(__file__).parent / "cases" / "mifeval_ja.jsonl"
_LINES = [json.loads(line) for line in CASES_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
HEADER, CASES = _LINES[0], _LINES[1:]

# M-IFEval's JA_INSTRUCTION_DICT (instructions_registry.py at 0bc3143), with the "ja:" prefix
MIFEVAL_JA_IDS = {
    "ja:" + i for i in (
        "keywords:existence", "keywords:frequency", "keywords:forbidden_words", "keywords:letter_frequency",
        "language:response_language", "length_constraints:number_sentences", "length_constraints:number_paragraphs",
        "length_constraints:number_letters", "length_constraints:nth_paragraph_first_word",
        "detectable_content:number_placeholders", "detectable_content:postscript",
        "detectable_format:number_bullet_lists", "detectable_format:number_numbered_lists",
        "detectable_format:constrained_response", "detectable_format:number_highlighted_sections",
        "detectable_format:multiple_sections", "detectable_format:json_format", "detectable_format:title",
        "combination:two_responses", "combination:repeat_prompt", "startend:end_checker",
        "startend:sentence_unified_end", "detectable_format:nominal_ending", "letters:furigana", "letters:kansuuji",
        "letters:no_katakana", "letters:katakana_only", "letters:no_hiragana", "letters:hiragana_only",
        "letters:kanji", "punctuation:no_comma", "punctuation:no_period", "startend:quotation")
}
def test_header_names_the_reference() -> None:
    assert "0bc3143a919eef2f9ec64aa26da8a546086653de" in HEADER["source"]
    assert "langdetect seeded 0" in HEADER["source"]


def test_cases_cover_every_instruction_passing_and_failing() -> None:
    seen: dict[str, set[tuple[bool, bool]]] = {}
    for case in CASES:
        for index, instruction_id in enumerate(case["instruction_id_list"]):
            outcome = (case["reference"]["strict"][index], case["reference"]["loose"][index])
            seen.setdefault(instruction_id, set()).add(outcome)
    assert set(seen) == MIFEVAL_JA_IDS
    for instruction_id, outcomes in seen.items():
        assert {(True, True), (False, False)} <= outcomes, instruction_id
    # a response that passes only loosely (first or last line, or the asterisks, removed); the
    # three counts of bracketed spans can only fall when lines or asterisks go
    loose_only = {i for i, outcomes in seen.items() if (False, True) in outcomes}
    assert MIFEVAL_JA_IDS - loose_only == {"ja:detectable_content:number_placeholders",
                                           "ja:detectable_format:number_highlighted_sections",
                                           "ja:detectable_format:title"}


def test_every_instruction_id_resolves() -> None:
    for instruction_id in MIFEVAL_JA_IDS:
        found = lookup(instruction_id)
        assert found.id == (instruction_id if instruction_id not in ja.FALLBACK_IDS
                            else instruction_id.removeprefix("ja:"))


# --- Japanese counting, by hand ---------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("一つ目です。二つ目です。三つ目です。", 3),
    ("一つ目です。二つ目です", 2),  # the unterminated tail is a sentence
    ("これは私の\n本です。", 1),  # a line ending in の takes the next one on
    ("私の\nの\n本", 1),  # joined twice: "私の" + "の" ends in の again
    ("の\n本", 2),  # a lone の has nothing before it: no join
    ("彼は「はい。そうです。」と言った。", 1),  # no break inside 「」
    ("注意（ここ。重要。）を読む。", 1),  # nor inside parentheses, full-width normalised to ASCII
    ("すごい!本当?やった！なぜ？", 4),  # ！？ normalised to !?
    ("見出し\n\n本文\n最後", 3),  # each line a sentence, the empty one none
    ("a! b", 2),  # the space before b stays (ASCII on both sides): " b" is a sentence
    ("It is 3.5 km. It is far.", 1),  # "." is no sentence end
    ("句点｡半角", 2),  # half-width ｡ normalised to 。
    ("", 0),
])
def test_japanese_sentences(text: str, expected: int) -> None:
    assert japanese.count_japanese_sentences(text) == expected


def test_neologd_normalisation() -> None:
    assert japanese.neologd_normalize("  ＡＢＣ１２３ ｶﾀｶﾅ  ") == "ABC123カタカナ"  # the space beside kana goes too
    assert japanese.neologd_normalize("日本 語 と English") == "日本語とEnglish"  # spaces beside Japanese dropped
    assert japanese.neologd_normalize("ラーーメン〜！") == "ラーメン～!"
    assert japanese.neologd_normalize("「引用」（注）") == "「引用」(注)"


@pytest.mark.parametrize(("instruction_id", "kwargs", "response", "expected"), [
    # 文字数 is len(): "あい うえ\nお" is 7 characters, spaces and line break included
    ("ja:length_constraints:number_letters", {"num_letters": 7, "relation": "未満"}, "あい うえ\nお", False),
    ("ja:length_constraints:number_letters", {"num_letters": 8, "relation": "未満"}, "あい うえ\nお", True),
    # い 2 + イ 1 = 3
    ("ja:keywords:letter_frequency", {"letter": "い", "let_frequency": 3, "let_relation": "以上"}, "いイいう", True),
    ("ja:keywords:letter_frequency", {"letter": "い", "let_frequency": 4, "let_relation": "以上"}, "いイいう", False),
    # 日本語の漢字: 日 本 語 漢 字 = 5 kanji (の is hiragana)
    ("ja:letters:kanji", {"kanji_limit": 5, "relation": "以上"}, "日本語の漢字", True),
    ("ja:letters:kanji", {"kanji_limit": 5, "relation": "未満"}, "日本語の漢字", False),
    # two kanji runs, both with a hiragana reading
    ("ja:letters:furigana", {}, "漢字（かんじ）を書（か）く", True),
    ("ja:letters:furigana", {}, "漢字（かんじ）を書く", False),
    # ヴ (U+30F4) is past ン: not katakana for katakana_only; ー and ・ are
    ("ja:letters:katakana_only", {}, "ヴァイオリン", False),
    ("ja:letters:katakana_only", {}, "ラーメン・スープ", True),
    ("ja:letters:no_katakana", {}, "らーめん・すーぷ", True),
    # 々 is a letter and not hiragana
    ("ja:letters:hiragana_only", {}, "ひとびと々", False),
    ("ja:startend:sentence_unified_end", {"ending": "です"}, "ペンです。本です。", True),
    ("ja:startend:sentence_unified_end", {"ending": "です"}, "ペンです。本です。\n", False),  # "\n" is a piece
])
def test_counting_rules(instruction_id: str, kwargs: dict[str, Any], response: str, expected: bool) -> None:
    [verdict] = verdicts([instruction_id], [kwargs], response, CheckContext(language="ja", benchmark="mifeval"))
    assert verdict["strict"] is expected


def test_keywords_are_whole_janome_morphemes() -> None:
    pytest.importorskip("janome")
    morphemes = japanese.morphemes("猫が本棚の本を読む。")
    assert [s for s, _ in morphemes] == ["猫", "が", "本棚", "の", "本", "を", "読む", "。"]
    context = CheckContext(language="ja", benchmark="mifeval")
    [found] = verdicts(["ja:keywords:existence"], [{"keywords": ["本"]}], "猫が本棚で眠る。", context)
    assert found["strict"] is False  # 本 only inside 本棚
    [counted] = verdicts(["ja:keywords:frequency"], [{"keyword": "猫", "frequency": 2, "relation": "以上"}],
                         "子猫と猫。", context)
    assert counted["strict"] is False  # 子猫 is one morpheme: one 猫


# --- bad kwargs ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("instruction_id", "kwargs"), [
    ("ja:letters:kanji", {"kanji_limit": 3, "relation": "less than"}),  # the English relation
    ("ja:letters:kanji", {"kanji_limit": -1, "relation": "未満"}),
    ("ja:letters:kanji", {"kanji_limit": 3, "relation": "未満", "extra": 1}),
    ("ja:keywords:letter_frequency", {"letter": "a", "let_frequency": 3, "let_relation": "以上"}),
    ("ja:keywords:letter_frequency", {"letter": "いい", "let_frequency": 3, "let_relation": "以上"}),
    ("ja:length_constraints:nth_paragraph_first_word", {"num_paragraphs": 2, "nth_paragraph": 3, "first_word": "a"}),
    ("ja:length_constraints:number_letters", {"num_letters": "many", "relation": "以上"}),
    ("ja:detectable_format:nominal_ending", {}),
    ("ja:startend:sentence_unified_end", {"ending": ""}),
    ("ja:letters:furigana", {"reading": "hiragana"}),
])
def test_bad_kwargs_raise(instruction_id: str, kwargs: dict[str, Any]) -> None:
    with pytest.raises(InstructionDataError):
        verdicts([instruction_id], [kwargs], "応答です。", CheckContext(language="ja", benchmark="mifeval"))
