"""IFEval's 25 instructions (google-research ``instruction_following_eval``, as lm-eval 0.4.13
carries them in ``lm_eval/tasks/ifeval/instructions.py``; Apache-2.0), rule for rule, generic over
the benchmark: each checker reads what its benchmark and language do differently from
``context.conventions`` (:mod:`.conventions`), so one checker serves IFEval, xeval's counting in
every language, M-IFEval's es/fr/ja rules, IFEval-Ko's and Multi-IF's:

- counts: words and sentences by the conventions' counters (IFEval: ``\\w+`` runs and NLTK's Punkt
  English model; xeval: characters in unspaced languages, :func:`xeval.language.split_sentences`;
  M-IFEval es: spaCy's Spanish tokens; ja: ``ja_sentence_segmenter``'s rules; IFEval-Ko: eojeol and
  its Korean splitter; Multi-IF: by the response's language), compared by the conventions' relation
  vocabulary (:func:`.args.compare`);
- marks and words: answer options, bullets, highlights, titles, quotes, commas, postscript markers,
  section headers, case folding, end-phrase quotes, keywords as regular expressions or morphemes,
  forbidden words as ``\\bword\\b``, substrings or morphemes;
- response language and English case: the context's language ID (:meth:`CheckContext.in_language`):
  for IFEval's and M-IFEval's tasks ``langdetect`` as their code calls it, seeded (a text it cannot
  read counts as followed, as there); elsewhere, and in the ``*_xeval_langid`` metrics, xeval's
  deterministic language ID (a response with no language material follows no language instruction).

The module's pure rules (:func:`two_responses`, :func:`is_json`, ...) also serve P-MMEval's checkers.
"""

from __future__ import annotations

import collections
import json
import re
import string

from pydantic import BaseModel

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
from xeval.scoring.instructions.conventions import Marks
from xeval.scoring.instructions.registry import (
    CheckContext,
    InstructionDataError,
    KwargPattern,
    instruction,
    regex,
)

# --- the rules, as plain functions ------------------------------------------------------------------


def count_placeholders(text: str) -> int:
    return len(re.findall(r"\[.*?\]", text))


def count_marked(text: str, marks: tuple[Marks, ...]) -> int:
    """Spans between the marks (``*...*`` and ``**...**`` in IFEval) with something inside."""
    return sum(1 for mark in marks for inner in mark.spans(text) if inner.strip())


def count_lines(text: str, patterns: tuple[str, ...]) -> int:
    """Lines matching any of ``patterns`` (IFEval's bullets: ``* item`` and ``- item``)."""
    return sum(len(re.findall(pattern, text, flags=re.MULTILINE)) for pattern in patterns)


def two_responses(text: str) -> bool:
    """Two different non-empty responses separated by ``******`` (an empty middle part fails)."""
    valid = []
    parts = text.split("******")
    for index, part in enumerate(parts):
        if not part.strip():
            if index not in (0, len(parts) - 1):
                return False
        else:
            valid.append(part)
    return len(valid) == 2 and valid[0].strip() != valid[1].strip()


def is_json(text: str) -> bool:
    """The response, without a Markdown code fence, parses as JSON."""
    value = (text.strip().removeprefix("```json").removeprefix("```Json").removeprefix("```JSON")
             .removeprefix("```").removesuffix("```").strip())
    try:
        json.loads(value)
    except ValueError:
        return False
    return True


def has_marked(text: str, marks: Marks) -> bool:
    """A span between the marks with something inside."""
    return any(inner.strip() for inner in marks.spans(text))


def count_paragraphs(text: str) -> int | None:
    """Paragraphs separated by ``***``; None where an empty one stands between two others."""
    paragraphs = re.split(r"\s?\*\*\*\s?", text)
    count = len(paragraphs)
    for index, paragraph in enumerate(paragraphs):
        if not paragraph.strip():
            if index in (0, len(paragraphs) - 1):
                count -= 1
            else:
                return None
    return count


# --- language -----------------------------------------------------------------------------------------

@instruction("language:response_language", args=LanguageArgs, normalized=False)
def response_language(value: str, args: LanguageArgs, context: CheckContext) -> bool:
    return context.in_language(value, args.language)


# --- length constraints -------------------------------------------------------------------------------

@instruction("length_constraints:number_sentences", args=SentencesArgs)
def number_sentences(value: str, args: SentencesArgs, context: CheckContext) -> bool:
    conventions = context.conventions
    return compare(conventions.sentences(value), args.relation, args.num_sentences, conventions.relations)


@instruction("length_constraints:number_paragraphs", args=ParagraphsArgs)
def number_paragraphs(value: str, args: ParagraphsArgs, context: CheckContext) -> bool:
    return count_paragraphs(value) == args.num_paragraphs


@instruction("length_constraints:number_words", args=WordsArgs)
def number_words(value: str, args: WordsArgs, context: CheckContext) -> bool:
    conventions = context.conventions
    return compare(conventions.words(value), args.relation, args.num_words, conventions.relations)


_ASCII_PUNCTUATION = frozenset(string.punctuation)


@instruction("length_constraints:nth_paragraph_first_word", args=FirstWordArgs)
def nth_paragraph_first_word(value: str, args: FirstWordArgs, context: CheckContext) -> bool:
    """Paragraphs split at ``\\n\\n`` (blank ones not counted, but still indexed) number
    ``num_paragraphs``, and the nth one starts with ``first_word``: IFEval's first word (cut at
    ``.,?!'"``, lower-cased, equal); M-IFEval es's ``phrase`` (as many words as the expected phrase,
    ASCII punctuation removed, lower-cased); M-IFEval ja's ``prefix`` (the paragraph without leading
    「 then 『, as written, starts with the lower-cased word: a capitalised Latin word never matches)."""
    paragraphs = re.split(r"\n\n", value)
    count = sum(1 for p in paragraphs if p.strip())
    if args.nth_paragraph > count:
        return False
    paragraph = paragraphs[args.nth_paragraph - 1].strip()
    if not paragraph:
        return False
    rule = context.conventions.first_word
    if rule == "phrase":
        expected = args.first_word.lower().split()
        words = ["".join(ch for ch in word if ch not in _ASCII_PUNCTUATION).lower() for word in paragraph.split()]
        return len(words) >= len(expected) and count == args.num_paragraphs and words[:len(expected)] == expected
    if rule == "prefix":
        paragraph = paragraph.lstrip("「").lstrip("『")
        word = args.first_word.lower()
        return count == args.num_paragraphs and paragraph[:len(word)] == word
    word = paragraph.split()[0].strip().lstrip("'").lstrip('"')
    first = ""
    for letter in word:
        if letter in {".", ",", "?", "!", "'", '"'}:
            break
        first += letter.lower()
    return count == args.num_paragraphs and first == args.first_word.lower()


# --- detectable content -------------------------------------------------------------------------------

@instruction("detectable_content:number_placeholders", args=PlaceholdersArgs)
def number_placeholders(value: str, args: PlaceholdersArgs, context: CheckContext) -> bool:
    return count_placeholders(value) >= args.num_placeholders


def _postscript_patterns(args: PostscriptArgs, context: CheckContext) -> list[KwargPattern]:
    conventions = context.conventions
    if conventions.literal_postscript:  # escaped: always a regular expression
        return []
    marker = args.postscript_marker
    return [KwargPattern("postscript_marker", marker, conventions.postscript_pattern(marker), re.MULTILINE)]


@instruction("detectable_content:postscript", args=PostscriptArgs, patterns=_postscript_patterns)
def postscript(value: str, args: PostscriptArgs, context: CheckContext) -> bool:
    """A line from the marker on: the conventions' markers with patterns of their own (IFEval's
    ``P.P.S`` and ``P.S.``); any other marker a regular expression, lower-cased, on the lower-cased
    response (IFEval), or as written, escaped, in any case (M-IFEval ja)."""
    conventions = context.conventions
    pattern = conventions.postscript_pattern(args.postscript_marker)
    if conventions.literal_postscript:
        return bool(re.findall(pattern, value, flags=re.IGNORECASE | re.MULTILINE))
    return bool(regex(pattern, re.MULTILINE).findall(value.lower()))


# --- detectable format --------------------------------------------------------------------------------

@instruction("detectable_format:number_bullet_lists", args=BulletsArgs)
def number_bullet_lists(value: str, args: BulletsArgs, context: CheckContext) -> bool:
    return count_lines(value, context.conventions.bullets) == args.num_bullets


@instruction("detectable_format:constrained_response")
def constrained_response(value: str, args: BaseModel, context: CheckContext) -> bool:
    options = context.conventions.options
    if options is None:
        raise InstructionDataError(f"{context.benchmark} has no answer options in {context.language!r}")
    value = value.strip()
    return any(option in value for option in options)


@instruction("detectable_format:number_highlighted_sections", args=HighlightsArgs)
def number_highlighted_sections(value: str, args: HighlightsArgs, context: CheckContext) -> bool:
    return count_marked(value, context.conventions.highlights) >= args.num_highlights


def _sections_patterns(args: SectionsArgs, context: CheckContext) -> list[KwargPattern]:
    splitter = args.section_spliter
    return [KwargPattern("section_spliter", splitter, context.conventions.section_pattern(splitter))]


@instruction("detectable_format:multiple_sections", args=SectionsArgs, patterns=_sections_patterns)
def multiple_sections(value: str, args: SectionsArgs, context: CheckContext) -> bool:
    """At least ``num_sections`` section headers: the splitter (a regular expression, not escaped)
    and a number (IFEval: ``SECTION 1``; M-IFEval ja: ``第1章``)."""
    sections = regex(context.conventions.section_pattern(args.section_spliter)).split(value)
    return len(sections) - 1 >= args.num_sections


@instruction("detectable_format:json_format")
def json_format(value: str, args: BaseModel, context: CheckContext) -> bool:
    return is_json(value)


@instruction("detectable_format:title")
def title(value: str, args: BaseModel, context: CheckContext) -> bool:
    return has_marked(value, context.conventions.title)


# --- combination --------------------------------------------------------------------------------------

@instruction("combination:two_responses")
def combination_two_responses(value: str, args: BaseModel, context: CheckContext) -> bool:
    return two_responses(value)


@instruction("combination:repeat_prompt", args=RepeatArgs)
def repeat_prompt(value: str, args: RepeatArgs, context: CheckContext) -> bool:
    conventions = context.conventions
    value, prompt = value.strip(), conventions.normalized(args.prompt_to_repeat).strip()
    if conventions.fold_case:
        value, prompt = value.lower(), prompt.lower()
    return value.startswith(prompt)


# --- start / end --------------------------------------------------------------------------------------

@instruction("startend:end_checker", args=EndArgs)
def end_checker(value: str, args: EndArgs, context: CheckContext) -> bool:
    """The response, stripped and without the conventions' quotes at its ends (IFEval: ``"``), ends
    with the phrase (stripped; M-IFEval ja also strips 」』 from it); lower-cased where the
    conventions fold case; M-IFEval es forgives one final period."""
    conventions = context.conventions
    response_quotes, phrase_quotes = conventions.end_strip
    value = value.strip().strip(response_quotes)
    phrase = conventions.normalized(args.end_phrase.strip()).strip()
    if phrase_quotes:
        phrase = phrase.strip(phrase_quotes)
    if conventions.fold_case:
        value, phrase = value.lower(), phrase.lower()
    if conventions.end_period and value.endswith("."):
        value = value[:-1]
    return value.endswith(phrase)


@instruction("startend:quotation")
def quotation(value: str, args: BaseModel, context: CheckContext) -> bool:
    value = value.strip()
    return len(value) > 1 and any(value.startswith(opening) and value.endswith(closing)
                                  for opening, closing in context.conventions.quotes)


# --- keywords -----------------------------------------------------------------------------------------

def _keywords_patterns(args: KeywordsArgs, context: CheckContext) -> list[KwargPattern]:
    conventions = context.conventions
    if conventions.keywords != "regex":
        return []
    return [KwargPattern("keywords", k, conventions.normalized(k), re.IGNORECASE) for k in args.keywords]


@instruction("keywords:existence", args=KeywordsArgs, patterns=_keywords_patterns)
def keywords_existence(value: str, args: KeywordsArgs, context: CheckContext) -> bool:
    """Every keyword found: a regular expression, unescaped, anywhere, case-insensitive (IFEval's
    code; kept for equal verdicts), or a whole morpheme (M-IFEval ja)."""
    conventions = context.conventions
    if conventions.morphemes is not None and conventions.keywords == "morphemes":
        surfaces = set(conventions.morphemes(value))
        return all(keyword in surfaces for keyword in args.keywords)
    return all(regex(conventions.normalized(k), re.IGNORECASE, "keyword").search(value) for k in args.keywords)


def _keyword_patterns(args: FrequencyArgs, context: CheckContext) -> list[KwargPattern]:
    conventions = context.conventions
    if conventions.keywords != "regex" or conventions.bad_keyword != "row":
        return []
    return [KwargPattern("keyword", args.keyword, conventions.normalized(args.keyword.strip()), re.IGNORECASE)]


@instruction("keywords:frequency", args=FrequencyArgs, patterns=_keyword_patterns)
def keyword_frequency(value: str, args: FrequencyArgs, context: CheckContext) -> bool:
    """Occurrences of the keyword (stripped): of the regular expression, case-insensitive, or of the
    morpheme. A keyword that is no regular expression is the row's error (IFEval's code raises), or
    not followed (Multi-IF catches the error)."""
    conventions = context.conventions
    if conventions.morphemes is not None and conventions.keywords == "morphemes":
        found = collections.Counter(conventions.morphemes(value))[args.keyword.strip()]
    else:
        try:
            pattern = regex(conventions.normalized(args.keyword.strip()), re.IGNORECASE, "keyword")
        except InstructionDataError:
            if conventions.bad_keyword == "unfollowed":
                return False
            raise
        found = len(pattern.findall(value))
    return compare(found, args.relation, args.frequency, conventions.relations)


def _forbidden_patterns(args: ForbiddenArgs, context: CheckContext) -> list[KwargPattern]:
    conventions = context.conventions
    if conventions.forbidden != "word":  # substrings or morphemes: no regular expression
        return []
    return [KwargPattern("forbidden_words", w, r"\b" + conventions.normalized(w) + r"\b", re.IGNORECASE)
            for w in args.forbidden_words]


@instruction("keywords:forbidden_words", args=ForbiddenArgs, patterns=_forbidden_patterns)
def forbidden_words(value: str, args: ForbiddenArgs, context: CheckContext) -> bool:
    """No forbidden word: as ``\\bword\\b`` (IFEval: a Korean noun with its particle escapes), as a
    substring (xeval's Korean, Japanese, Chinese and Thai: 사과를 holds 사과), or as a whole morpheme
    (M-IFEval ja: a forbidden word inside a longer morpheme is allowed)."""
    conventions = context.conventions
    if conventions.forbidden == "morphemes" and conventions.morphemes is not None:
        surfaces = set(conventions.morphemes(value))
        return not any(word in surfaces for word in args.forbidden_words)
    if conventions.forbidden == "substring":
        return not any(w.lower() in value.lower() for w in set(args.forbidden_words))
    return not any(regex(r"\b" + conventions.normalized(w) + r"\b", re.IGNORECASE, "forbidden word").search(value)
                   for w in set(args.forbidden_words))


@instruction("keywords:letter_frequency", args=LetterArgs, normalized=False)
def letter_frequency(value: str, args: LetterArgs, context: CheckContext) -> bool:
    """Occurrences of the letter in the lower-cased response (M-IFEval ja: with its katakana twin)."""
    conventions = context.conventions
    letters = collections.Counter(value.lower())
    letter = args.letter.strip().lower()
    found = letters[letter] + (letters[chr(ord(letter) + conventions.letter_twin)] if conventions.letter_twin else 0)
    return compare(found, args.let_relation, args.let_frequency, conventions.relations)


# --- change case --------------------------------------------------------------------------------------

@instruction("change_case:english_capital", normalized=False)
def english_capital(value: str, args: BaseModel, context: CheckContext) -> bool:
    return value.isupper() and context.in_language(value, "en")


@instruction("change_case:english_lowercase", normalized=False)
def english_lowercase(value: str, args: BaseModel, context: CheckContext) -> bool:
    return value.islower() and context.in_language(value, "en")


@instruction("change_case:capital_word_frequency", args=CapitalArgs, normalized=False)
def capital_word_frequency(value: str, args: CapitalArgs, context: CheckContext) -> bool:
    """Upper-case words of the conventions' tokens (IFEval: ``nltk.word_tokenize``)."""
    conventions = context.conventions
    capitals = sum(1 for word in conventions.tokens(value) if word.isupper())
    return compare(capitals, args.capital_relation, args.capital_frequency, conventions.relations)


# --- punctuation --------------------------------------------------------------------------------------

@instruction("punctuation:no_comma")
def no_comma(value: str, args: BaseModel, context: CheckContext) -> bool:
    commas = context.conventions.commas
    if commas is None:
        raise InstructionDataError(f"{context.benchmark} has no comma rule in {context.language!r}")
    return not any(comma in value for comma in commas)
