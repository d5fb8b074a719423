"""Counting words, characters and sentences per language, against hand-computed values."""

from __future__ import annotations

import pytest
from xeval.language import count_characters, count_sentences, count_words, korean_units, split_sentences, words
from xeval.language.counting import ifeval_sentences, is_unspaced


def test_korean_eojeol_morphemes_characters() -> None:
    # 나는 / 학교에 / 갔다.  ->  나 는 학교 에 갔 다 (Mecab-ko; the full stop is no morpheme)
    text = "나는 학교에 갔다."
    assert korean_units(text) == {"eojeol": 3, "morphemes": 6, "characters": 8}
    assert words(text, "morphemes") == ["나", "는", "학교", "에", "갔", "다"]
    assert count_words(text, "ifeval") == 3  # \w+ keeps each eojeol whole, drops the full stop
    assert count_sentences(text, "ko") == 1


def test_japanese_characters_and_sentences() -> None:
    text = "今日は晴れです。明日は雨でしょう！"
    assert count_characters(text) == 17  # 8 + 9, the sentence marks included
    assert split_sentences(text, "ja") == ["今日は晴れです。", "明日は雨でしょう！"]
    assert count_words(text, "ifeval") == 2  # what IFEval's word count sees: two unspaced runs
    assert count_words(text, "characters") == 17
    assert is_unspaced(text) and not is_unspaced("나는 학교에 갔다.")
    # a line break ends a sentence too; ASCII marks as well as full-width ones
    assert count_sentences("はい!\nそうです?次へ", "ja") == 3


def test_chinese_sentences() -> None:
    assert split_sentences("我很好。你呢？谢谢", "zh") == ["我很好。", "你呢？", "谢谢"]


def test_hindi_danda_ends_a_sentence() -> None:
    text = "मैं घर जा रहा हूँ। तुम कहाँ हो? ठीक है॥"
    assert split_sentences(text, "hi") == ["मैं घर जा रहा हूँ।", "तुम कहाँ हो?", "ठीक है॥"]
    assert count_words(text, "whitespace") == 10


def test_thai_sentences_at_spaces() -> None:
    # Thai writes no full stop; a space between Thai text separates sentences (or clauses)
    text = "วันนี้อากาศดี ฉันจะไปทะเล"
    assert split_sentences(text, "th") == ["วันนี้อากาศดี", "ฉันจะไปทะเล"]
    assert count_characters(text) == 24
    assert count_sentences("Hello world. วันนี้อากาศดี", "th") == 2


def test_arabic_question_mark() -> None:
    assert count_sentences("كيف حالك؟ أنا بخير.", "ar") == 2


def test_ifeval_sentence_rules() -> None:
    # abbreviations, initials and decimals do not end a sentence
    text = "Dr. Smith paid 3.5 dollars. He left at noon! Did J. R. R. Tolkien write it?"
    assert ifeval_sentences(text) == ["Dr. Smith paid 3.5 dollars.", "He left at noon!",
                                      "Did J. R. R. Tolkien write it?"]
    assert count_sentences(text, "en") == 3
    assert count_sentences(text, "ko") == 3  # space-delimited languages follow IFEval's rules


def test_word_conventions() -> None:
    assert words("don't stop-now", "ifeval") == ["don", "t", "stop", "now"]
    assert words("don't stop-now", "whitespace") == ["don't", "stop-now"]
    assert count_characters("a b\nc", spaces=True) == 5
    with pytest.raises(ValueError, match="unknown word convention"):
        words("x", "syllables")  # type: ignore[arg-type]
