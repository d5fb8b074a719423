"""Counting words, characters and sentences per language, under a named convention.

Benchmarks count differently, and a checker must count as its reference does:

- ``ifeval``: ``\\w+`` runs (nltk ``RegexpTokenizer(r"\\w+")``, IFEval and lm-eval): an unspaced
  Japanese or Chinese sentence is one word, a Korean eojeol one word, ``don't`` two.
- ``whitespace``: runs of non-space characters (``str.split()``); for Korean, the eojeol.
- ``morphemes``: Korean morphemes (Mecab-ko), punctuation dropped.
- ``characters``: characters other than white space (how Japanese and Chinese lengths are
  given, 文字/字).

Sentences: space-delimited languages by IFEval's rule-based splitter (abbreviations, decimals,
initials; the same sentences as lm-eval's ``split_into_sentences``); Japanese and Chinese after
。！？!? and at line breaks; Hindi, Marathi and Nepali after । and ॥ as well; Thai, which writes
no sentence punctuation, at the spaces between Thai text (and after .!?); Arabic-script languages
after ؟ and ۔ as well.
"""

from __future__ import annotations

import functools
import re
from typing import Literal

from xeval.language.scripts import script_of
from xeval.language.tokens import MecabKoTokenizer

WordConvention = Literal["ifeval", "whitespace", "morphemes", "characters"]
WORD_CONVENTIONS: tuple[str, ...] = ("ifeval", "whitespace", "morphemes", "characters")
# Languages written without spaces between words: their lengths are given in characters.
UNSPACED_LANGUAGES = frozenset({"ja", "zh", "th", "lo", "km", "my"})

_WORD = re.compile(r"\w+")


def words(text: str, convention: WordConvention = "ifeval") -> list[str]:
    """The words of ``text`` under ``convention`` (see the module docstring)."""
    if convention == "ifeval":
        return _WORD.findall(text)
    if convention == "whitespace":
        return text.split()
    if convention == "morphemes":
        return _mecab().tokenize(text) if text.strip() else []
    if convention == "characters":
        return [ch for ch in text if not ch.isspace()]
    raise ValueError(f"unknown word convention {convention!r} (one of {', '.join(WORD_CONVENTIONS)})")


@functools.cache
def _mecab() -> MecabKoTokenizer:
    return MecabKoTokenizer()


def count_words(text: str, convention: WordConvention = "ifeval") -> int:
    return len(words(text, convention))


def count_characters(text: str, *, spaces: bool = False) -> int:
    """Characters of ``text``; white space only when ``spaces``."""
    return len(text) if spaces else sum(1 for ch in text if not ch.isspace())


def korean_units(text: str) -> dict[str, int]:
    """One Korean text counted three ways: eojeol (space-delimited), morphemes (Mecab-ko) and
    characters (no spaces). ``나는 학교에 갔다.``: 3 eojeol, 6 morphemes (나 는 학교 에 갔 다), 8 characters."""
    return {"eojeol": count_words(text, "whitespace"), "morphemes": count_words(text, "morphemes"),
            "characters": count_characters(text)}


# IFEval's sentence splitter (google-research instruction_following_eval/instructions_util.py),
# rule for rule: lm-eval and M-IFEval's en/es/fr utilities carry the same function. IFEval-Ko
# (allganize/IFEval-Ko ``instructions_util.py``) changes it for Korean (``korean=True``).
_ALPHABETS = "([A-Za-z])"
_PREFIXES = "(Mr|St|Mrs|Ms|Dr)[.]"
_SUFFIXES = "(Inc|Ltd|Jr|Sr|Co)"
_STARTERS = (r"(Mr|Mrs|Ms|Dr|Prof|Capt|Cpt|Lt|He\s|She\s|It\s|They\s|Their\s|Our\s|We\s|But\s|However\s|That\s|"
             r"This\s|Wherever)")
_ACRONYMS = "([A-Z][.][A-Z][.](?:[A-Z][.])?)"
_WEBSITES = "[.](com|net|org|io|gov|edu|me)"
_DIGITS = "([0-9])"
_MULTIPLE_DOTS = r"\.{2,}"
_LETTER_OR_SYLLABLE = "([A-Za-z가-힣])"  # IFEval-Ko's abbreviations take Hangul syllables too
_KOREAN_LIST_MARKER = "([가나다라마바사])"


def ifeval_sentences(text: str, korean: bool = False) -> list[str]:
    """Sentences as IFEval splits them (English rules; used for every space-delimited language).

    ``korean``: as IFEval-Ko splits them: abbreviations of two or three letters each followed by
    ``.`` take Hangul syllables too; a single Latin letter's period is no end after a space (IFEval's
    rule) nor after other white space before Hangul; ``가. 나. 다. 라. 마. 바. 사.`` between white
    space are list markers, not sentence ends; IFEval's acronym-and-starter rules are dropped."""
    abbreviation = _LETTER_OR_SYLLABLE if korean else _ALPHABETS
    text = " " + text + "  "
    text = text.replace("\n", " ")
    text = re.sub(_PREFIXES, "\\1<prd>", text)
    text = re.sub(_WEBSITES, "<prd>\\1", text)
    text = re.sub(_DIGITS + "[.]" + _DIGITS, "\\1<prd>\\2", text)
    text = re.sub(_MULTIPLE_DOTS, lambda match: "<prd>" * len(match.group(0)) + "<stop>", text)
    if "Ph.D" in text:
        text = text.replace("Ph.D.", "Ph<prd>D<prd>")
    if not korean:
        text = re.sub(r"\s" + _ALPHABETS + "[.] ", " \\1<prd> ", text)
        text = re.sub(_ACRONYMS + " " + _STARTERS, "\\1<stop> \\2", text)
    text = re.sub(abbreviation + "[.]" + abbreviation + "[.]" + abbreviation + "[.]", "\\1<prd>\\2<prd>\\3<prd>",
                  text)
    text = re.sub(abbreviation + "[.]" + abbreviation + "[.]", "\\1<prd>\\2<prd>", text)
    if not korean:
        text = re.sub(" " + _SUFFIXES + "[.] " + _STARTERS, " \\1<stop> \\2", text)
    text = re.sub(" " + _SUFFIXES + "[.]", " \\1<prd>", text)
    text = re.sub(" " + _ALPHABETS + "[.]", " \\1<prd>", text)
    if korean:
        text = re.sub(r"\s" + _ALPHABETS + r"[.]\s+(?=[가-힣])", " \\1<prd> ", text)
        text = re.sub(r"\s" + _KOREAN_LIST_MARKER + r"[.]\s+", " \\1<prd> ", text)
    if "”" in text:
        text = text.replace(".”", "”.")
    if '"' in text:
        text = text.replace('."', '".')
    if "!" in text:
        text = text.replace('!"', '"!')
    if "?" in text:
        text = text.replace('?"', '"?')
    text = text.replace(".", ".<stop>").replace("?", "?<stop>").replace("!", "!<stop>")
    text = text.replace("<prd>", ".")
    sentences = [s.strip() for s in text.split("<stop>")]
    if sentences and not sentences[-1]:
        sentences = sentences[:-1]
    return sentences


_CJK_END = re.compile(r"(?<=[。！？!?．])|\n+")
_INDIC_END = re.compile(r"(?<=[।॥?!])\s*|(?<=\.)\s+|\n+")
_ARABIC_END = re.compile(r"(?<=[؟۔.!?])\s+|(?<=[؟۔])|\n+")
_THAI_SPACE = re.compile(r"(?<=[.!?])\s+|\n+|(?<=[\u0e00-\u0e7f])[ \t]+(?=[\u0e00-\u0e7f])")


def split_sentences(text: str, language: str) -> list[str]:
    """The sentences of ``text`` in ``language`` (see the module docstring for the rules)."""
    if language in ("ja", "zh"):
        parts = _CJK_END.split(text)
    elif language in ("hi", "mr", "ne"):
        parts = _INDIC_END.split(text)
    elif language in ("ar", "fa", "ur", "ps"):
        parts = _ARABIC_END.split(text)
    elif language == "th":
        parts = _THAI_SPACE.split(text)
    else:
        return ifeval_sentences(text)
    return [p.strip() for p in parts if p and p.strip()]


def count_sentences(text: str, language: str) -> int:
    return len(split_sentences(text, language))


def ifeval_word_count(text: str, language: str) -> int:
    """Words as xeval's IFEval checkers count them in ``language``: IFEval's ``\\w+`` runs, and
    characters (no white space) in languages written without spaces (an unspaced Japanese sentence
    would be one ``\\w+`` run)."""
    return count_characters(text) if language in UNSPACED_LANGUAGES else count_words(text, "ifeval")


def ifeval_sentence_count(text: str, language: str) -> int:
    """Sentences as xeval's IFEval checkers count them in ``language``: English by NLTK's Punkt
    English model, as IFEval; other languages by :func:`split_sentences`."""
    if language == "en":
        from xeval.language.punkt import punkt_sentences

        return len(punkt_sentences(text))
    return len(split_sentences(text, language))


def is_unspaced(text: str) -> bool:
    """Mostly kana, ideographs or Thai: a text whose words are not separated by spaces."""
    letters = [script_of(ch) for ch in text if ch.isalpha()]
    if not letters:
        return False
    unspaced = sum(1 for s in letters if s in ("Kana", "Han", "Thai"))
    return unspaced * 2 > len(letters)
