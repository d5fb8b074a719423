"""IFEval's 25 instructions (google-research ``instruction_following_eval``, as lm-eval 0.4.13
carries them in ``lm_eval/tasks/ifeval/instructions.py``), rule for rule, with counting that
follows the benchmark's language:

- words: English and other space-delimited languages as IFEval (``\\w+`` runs); Japanese,
  Chinese and Thai in characters (an unspaced sentence is one ``\\w+`` run);
- sentences: English by NLTK's Punkt English model, as IFEval; other languages by
  :func:`xeval.language.split_sentences` (。！？, ।, Thai spaces, ...);
- forbidden words: Korean, Japanese, Chinese and Thai by substring (IFEval's ``\bword\b``
  misses a Korean noun with its particle);
- response language and English case (``change_case:english_capital``/``english_lowercase``): the
  context's language ID (:meth:`CheckContext.in_language`): for IFEval's and M-IFEval's tasks
  ``langdetect`` as their code calls it, seeded (a text it cannot read counts as followed, as
  there); elsewhere, and in the ``*_xeval_langid`` metrics, xeval's deterministic language ID (a
  response with no language material follows no language instruction).
"""

from __future__ import annotations

import collections
import json
import re

from pydantic import BaseModel

from xeval.language import count_characters, count_words, split_sentences
from xeval.language.counting import UNSPACED_LANGUAGES
from xeval.language.punkt import punkt_sentences, word_tokenize
from xeval.scoring.instructions.args import (
    BulletsArgs,
    CapitalArgs,
    EndArgs,
    FirstWordArgs,
    ForbiddenArgs,
    FrequencyArgs,
    HighlightsArgs,
    KeywordsArgs,
    LanguageArgs,
    LetterArgs,
    ParagraphsArgs,
    PlaceholdersArgs,
    PostscriptArgs,
    RepeatArgs,
    SectionsArgs,
    SentencesArgs,
    WordsArgs,
    compare,
)
from xeval.scoring.instructions.registry import (
    CheckContext,
    KwargPattern,
    instruction,
    kwarg_pattern,
    regex,
)

# Languages whose words carry particles or are not space-delimited: a word is found as a
# substring (IFEval's \bword\b never matches 사과 in 사과를, nor any word in unspaced Japanese)
SUBSTRING_LANGUAGES = frozenset({"ko", "ja", "zh", "th"})


def count_response_words(text: str, language: str) -> int:
    """Words as the benchmark counts them in ``language`` (see the module docstring)."""
    if language in UNSPACED_LANGUAGES:
        return count_characters(text)
    return count_words(text, "ifeval")


def count_response_sentences(text: str, language: str) -> int:
    if language == "en":
        return len(punkt_sentences(text))
    return len(split_sentences(text, language))


# --- language ---------------------------------------------------------------------------------


@instruction("language:response_language", args=LanguageArgs)
def response_language(value: str, args: LanguageArgs, context: CheckContext) -> bool:
    return context.in_language(value, args.language)


# --- length constraints -------------------------------------------------------------------------


@instruction("length_constraints:number_sentences", args=SentencesArgs)
def number_sentences(value: str, args: SentencesArgs, context: CheckContext) -> bool:
    return compare(count_response_sentences(value, context.language), args.relation, args.num_sentences)


@instruction("length_constraints:number_paragraphs", args=ParagraphsArgs)
def number_paragraphs(value: str, args: ParagraphsArgs, context: CheckContext) -> bool:
    paragraphs = re.split(r"\s?\*\*\*\s?", value)
    count = len(paragraphs)
    for index, paragraph in enumerate(paragraphs):
        if not paragraph.strip():
            if index in (0, len(paragraphs) - 1):
                count -= 1
            else:
                return False
    return count == args.num_paragraphs


@instruction("length_constraints:number_words", args=WordsArgs)
def number_words(value: str, args: WordsArgs, context: CheckContext) -> bool:
    return compare(count_response_words(value, context.language), args.relation, args.num_words)


@instruction("length_constraints:nth_paragraph_first_word", args=FirstWordArgs)
def nth_paragraph_first_word(value: str, args: FirstWordArgs, context: CheckContext) -> bool:
    paragraphs = re.split(r"\n\n", value)
    count = sum(1 for p in paragraphs if p.strip())
    if args.nth_paragraph > count:
        return False
    paragraph = paragraphs[args.nth_paragraph - 1].strip()
    if not paragraph:
        return False
    word = paragraph.split()[0].strip().lstrip("'").lstrip('"')
    first = ""
    for letter in word:
        if letter in {".", ",", "?", "!", "'", '"'}:
            break
        first += letter.lower()
    return count == args.num_paragraphs and first == args.first_word.lower()


# --- detectable content -------------------------------------------------------------------------


@instruction("detectable_content:number_placeholders", args=PlaceholdersArgs)
def number_placeholders(value: str, args: PlaceholdersArgs, context: CheckContext) -> bool:
    return len(re.findall(r"\[.*?\]", value)) >= args.num_placeholders


def postscript_pattern(marker: str) -> str:
    """IFEval's: ``P.P.S`` and ``P.S.`` have their own patterns; any other marker is a regular
    expression (lower-cased, not escaped)."""
    marker = marker.strip()
    if marker == "P.P.S":
        return r"\s*p\.\s?p\.\s?s.*$"
    if marker == "P.S.":
        return r"\s*p\.\s?s\..*$"
    return r"\s*" + marker.lower() + r".*$"


_postscript_patterns = kwarg_pattern("postscript_marker", postscript_pattern, re.MULTILINE)


@instruction("detectable_content:postscript", args=PostscriptArgs, patterns=_postscript_patterns)
def postscript(value: str, args: PostscriptArgs, context: CheckContext) -> bool:
    return bool(regex(postscript_pattern(args.postscript_marker), re.MULTILINE).findall(value.lower()))


# --- detectable format --------------------------------------------------------------------------


@instruction("detectable_format:number_bullet_lists", args=BulletsArgs)
def number_bullet_lists(value: str, args: BulletsArgs, context: CheckContext) -> bool:
    stars = re.findall(r"^\s*\*[^\*].*$", value, flags=re.MULTILINE)
    dashes = re.findall(r"^\s*-.*$", value, flags=re.MULTILINE)
    return len(stars) + len(dashes) == args.num_bullets


CONSTRAINED_RESPONSES = ("My answer is yes.", "My answer is no.", "My answer is maybe.")
# the options a benchmark's prompts in that language ask for (IFEval-Ko's translated prompts)
CONSTRAINED_RESPONSES_IN = {"ko": ("제 답변은 예입니다.", "제 답변은 아니요입니다.", "제 답변은 아마도입니다.")}


@instruction("detectable_format:constrained_response")
def constrained_response(value: str, args: BaseModel, context: CheckContext) -> bool:
    value = value.strip()
    return any(option in value for option in CONSTRAINED_RESPONSES_IN.get(context.language, CONSTRAINED_RESPONSES))


def _pattern(text: str, what: str) -> re.Pattern[str]:
    """A keyword as IFEval uses it, a regular expression (case-insensitive); one that does not
    compile is the data row's error (IFEval's code raises there and ends the evaluation)."""
    return regex(text, re.IGNORECASE, what)


@instruction("detectable_format:number_highlighted_sections", args=HighlightsArgs)
def number_highlighted_sections(value: str, args: HighlightsArgs, context: CheckContext) -> bool:
    count = sum(1 for h in re.findall(r"\*[^\n\*]*\*", value) if h.strip("*").strip())
    count += sum(1 for h in re.findall(r"\*\*[^\n\*]*\*\*", value) if h.removeprefix("**").removesuffix("**").strip())
    return count >= args.num_highlights


def sections_pattern(splitter: str) -> str:
    """IFEval's section header: the splitter (a regular expression, not escaped) and a number."""
    return r"\s?" + splitter.strip() + r"\s?\d+\s?"


_sections_patterns = kwarg_pattern("section_spliter", sections_pattern)


@instruction("detectable_format:multiple_sections", args=SectionsArgs, patterns=_sections_patterns)
def multiple_sections(value: str, args: SectionsArgs, context: CheckContext) -> bool:
    sections = regex(sections_pattern(args.section_spliter)).split(value)
    return len(sections) - 1 >= args.num_sections


@instruction("detectable_format:json_format")
def json_format(value: str, args: BaseModel, context: CheckContext) -> bool:
    value = (value.strip().removeprefix("```json").removeprefix("```Json").removeprefix("```JSON")
             .removeprefix("```").removesuffix("```").strip())
    try:
        json.loads(value)
    except ValueError:
        return False
    return True


@instruction("detectable_format:title")
def title(value: str, args: BaseModel, context: CheckContext) -> bool:
    return any(t.lstrip("<").rstrip(">").strip() for t in re.findall(r"<<[^\n]+>>", value))


# --- combination --------------------------------------------------------------------------------

@instruction("combination:two_responses")
def two_responses(value: str, args: BaseModel, context: CheckContext) -> bool:
    valid = []
    parts = value.split("******")
    for index, part in enumerate(parts):
        if not part.strip():
            if index not in (0, len(parts) - 1):
                return False
        else:
            valid.append(part)
    return len(valid) == 2 and valid[0].strip() != valid[1].strip()


@instruction("combination:repeat_prompt", args=RepeatArgs)
def repeat_prompt(value: str, args: RepeatArgs, context: CheckContext) -> bool:
    return value.strip().lower().startswith(args.prompt_to_repeat.strip().lower())


# --- start / end --------------------------------------------------------------------------------


@instruction("startend:end_checker", args=EndArgs)
def end_checker(value: str, args: EndArgs, context: CheckContext) -> bool:
    return value.strip().strip('"').lower().endswith(args.end_phrase.strip().lower())


@instruction("startend:quotation")
def quotation(value: str, args: BaseModel, context: CheckContext) -> bool:
    value = value.strip()
    return len(value) > 1 and value[0] == '"' and value[-1] == '"'


# --- keywords -----------------------------------------------------------------------------------


def _keywords_patterns(args: KeywordsArgs, context: CheckContext) -> list[KwargPattern]:
    return [KwargPattern("keywords", k, k, re.IGNORECASE) for k in args.keywords]


@instruction("keywords:existence", args=KeywordsArgs, patterns=_keywords_patterns)
def keywords_existence(value: str, args: KeywordsArgs, context: CheckContext) -> bool:
    # the keyword is a regular expression in IFEval's code (not escaped); kept for equal verdicts
    return all(_pattern(k, "keyword").search(value) for k in args.keywords)


def _keyword_patterns(args: FrequencyArgs, context: CheckContext) -> list[KwargPattern]:
    return [KwargPattern("keyword", args.keyword, args.keyword.strip(), re.IGNORECASE)]


@instruction("keywords:frequency", args=FrequencyArgs, patterns=_keyword_patterns)
def keyword_frequency(value: str, args: FrequencyArgs, context: CheckContext) -> bool:
    found = len(_pattern(args.keyword.strip(), "keyword").findall(value))
    return compare(found, args.relation, args.frequency)


def _forbidden_patterns(args: ForbiddenArgs, context: CheckContext) -> list[KwargPattern]:
    if context.language in SUBSTRING_LANGUAGES:  # found as substrings, no regular expression
        return []
    return [KwargPattern("forbidden_words", w, r"\b" + w + r"\b", re.IGNORECASE) for w in args.forbidden_words]


@instruction("keywords:forbidden_words", args=ForbiddenArgs, patterns=_forbidden_patterns)
def forbidden_words(value: str, args: ForbiddenArgs, context: CheckContext) -> bool:
    if context.language in SUBSTRING_LANGUAGES:  # a Korean noun takes its particle: 사과를 holds 사과
        return not any(w.lower() in value.lower() for w in set(args.forbidden_words))
    return not any(_pattern(r"\b" + w + r"\b", "forbidden word").search(value) for w in set(args.forbidden_words))


@instruction("keywords:letter_frequency", args=LetterArgs)
def letter_frequency(value: str, args: LetterArgs, context: CheckContext) -> bool:
    letters = collections.Counter(value.lower())
    return compare(letters[args.letter.strip().lower()], args.let_relation, args.let_frequency)


# --- change case --------------------------------------------------------------------------------

@instruction("change_case:english_capital")
def english_capital(value: str, args: BaseModel, context: CheckContext) -> bool:
    return value.isupper() and context.in_language(value, "en")


@instruction("change_case:english_lowercase")
def english_lowercase(value: str, args: BaseModel, context: CheckContext) -> bool:
    return value.islower() and context.in_language(value, "en")


@instruction("change_case:capital_word_frequency", args=CapitalArgs)
def capital_word_frequency(value: str, args: CapitalArgs, context: CheckContext) -> bool:
    capitals = sum(1 for word in word_tokenize(value) if word.isupper())
    return compare(capitals, args.capital_relation, args.capital_frequency)


# --- punctuation --------------------------------------------------------------------------------

@instruction("punctuation:no_comma")
def no_comma(value: str, args: BaseModel, context: CheckContext) -> bool:
    return "," not in value
