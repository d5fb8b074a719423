"""IFEval-Ko's own checkers (allganize/IFEval-Ko at commit 54199e3801116897697babf341865741dcd06fc8,
the lm-eval task folder ``ifeval_ko/``: ``instructions.py``, ``instructions_util.py``, ``utils.py``,
Apache-2.0, derived from Google's IFEval through lm-eval's ``tasks/ifeval``), ported rule for rule
as the checker set ``ifeval_ko`` (``CheckContext.benchmark == "ifeval_ko"``), which the task
``ifeval_ko_reference`` selects: its :func:`process_docs` marks every document ``benchmark:
ifeval_ko`` and the scorer passes that on. The default ``ifeval_ko`` task keeps xeval's own Korean
counting (:mod:`.ifeval` under language ``ko``).

The hub repository cannot be reached here; the code was read from the copy that
developer0hye/llm-evals vendors as ``studies/2026-10-hanifeval/checker/`` (``instructions.py`` and
``utils.py`` at commit 0d6154b593ad256cab00807cbbab7ec08c8c5068, ``instructions_util.py`` at
a8fe8a612eb97a9ce452149732230e465fc38796), with that project's changes, each marked
``[hanifeval]``, undone: seeded ``langdetect``, escaped-substring keywords and forbidden words,
prefix match for the first word, v1.1's line-anchored list markers, failing undetectable
language, NFC-normalised arguments in ``utils.py``, raw-string regex literals. The restored
lines are lm-eval's English ones, as in another derivative of IFEval-Ko's ``instructions.py`` in
the public code index (it keeps IFEval-Ko's Korean comments and NFC calls); the splitter is
as a further vendored copy of IFEval-Ko's ``instructions_util.py`` has it.

Where IFEval-Ko differs from lm-eval's English IFEval (0.4.13 ``lm_eval/tasks/ifeval``):

- ``utils.py`` normalises the response to NFC before any check; ``build_description`` normalises
  to NFC the keywords (``keywords:existence``), the keyword (``keywords:frequency``, after
  ``strip``), the forbidden words, ``prompt_to_repeat`` and ``end_phrase`` (not
  ``section_spliter``, ``first_word``, ``postscript_marker`` nor ``language``);
- words (``length_constraints:number_words``): white-space tokens, the eojeol (``text.split()``),
  instead of NLTK's ``\\w+`` runs;
- sentences (``length_constraints:number_sentences``): IFEval's rule-based splitter (``.``, ``?``,
  ``!``) with Korean rules instead of NLTK's Punkt English model: abbreviations of two or three
  letters each followed by ``.`` take Hangul syllables too (``[A-Za-z가-힣]``); a single Latin
  letter's period is no end after a space (IFEval's rule) nor after other white space before
  Hangul; ``가. 나. 다. 라. 마. 바. 사.`` between white space are list markers, not sentence ends
  (so are the imperative endings ``가.`` and ``마.``); IFEval's acronym-and-starter rules are
  dropped;
- ``detectable_format:constrained_response``: the options ``제 답변은 예입니다.``, ``제 답변은
  아니요입니다.``, ``제 답변은 아마도입니다.``;
- a missing keyword, forbidden word or first word is an error, not a random English word.

Unchanged from lm-eval's English checkers, and ported so here: keywords are regular
expressions, unescaped, matched anywhere, case-insensitively (``사과`` is found in ``사과를``);
forbidden words match as ``\\bword\\b`` (``\\w`` is Unicode, so ``사과`` is *not* found in
``사과를``: a particle glued to the noun hides it); the nth paragraph's first word must equal
``first_word`` exactly, punctuation cut (``회사는`` is not ``회사``); titles are ``<<...>>``
spans; ``language:response_language`` is IFEval's. No ``change_case:*`` nor
``keywords:letter_frequency`` row is in IFEval-Ko's data.

xeval differs in three places, on purpose or by necessity:

- ``language:response_language`` is not registered here: the checker set falls back to xeval's
  IFEval checker, which asks the context's language ID: for ``ifeval_ko_reference`` ``langdetect``
  as IFEval-Ko's code, but seeded (a ``langdetect`` failure counts as followed, as there); in the
  ``*_xeval_langid`` metrics xeval's deterministic language ID (a response with no language
  material follows no language instruction);
- the loose variants are cut from the raw response and each variant is normalised to NFC
  (IFEval-Ko normalises the response first, then cuts): the two differ only where removing a
  ``*`` lets decomposed jamo or a combining mark compose;
- a kwarg that is 0 or empty is kept (IFEval-Ko drops every falsy kwarg, and its
  ``build_description`` then draws a random value); a ``nth_paragraph`` above
  ``num_paragraphs`` is used as given (IFEval-Ko draws a random one). IFEval's 541 prompts
  (M-IFEval's English copy), whose numbers IFEval-Ko keeps, have neither.

Reference equality: ``tests/scoring/instructions/test_ifeval_ko.py`` against the verdicts of the
reconstructed IFEval-Ko code (``bench/instructions/reference_ifeval_ko.py``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

from xeval.scoring.instructions import ifeval
from xeval.scoring.instructions.args import NoArgs, compare
from xeval.scoring.instructions.registry import (
    INSTRUCTIONS,
    CheckContext,
    Checker,
    KwargPattern,
    instruction,
    regex,
)

BENCHMARK = "ifeval_ko"
CONSTRAINED_RESPONSES = ("제 답변은 예입니다.", "제 답변은 아니요입니다.", "제 답변은 아마도입니다.")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def process_docs(docs: Iterable[dict[str, Any]]) -> Any:
    """A task's ``process_docs``: every document checked by IFEval-Ko's checker set (its
    ``benchmark`` field, which the task keeps in ``doc_fields``). Takes xeval's list of documents
    or lm-eval's ``datasets.Dataset``."""
    mapper = getattr(docs, "map", None)
    if callable(mapper):
        return mapper(lambda doc: {**doc, "benchmark": BENCHMARK})
    return [{**doc, "benchmark": BENCHMARK} for doc in docs]


# --- counting (instructions_util.py) ----------------------------------------------------------------

def count_words(text: str) -> int:
    """``count_words``: white-space tokens (eojeol)."""
    return len(text.split())


_PREFIXES = "(Mr|St|Mrs|Ms|Dr)[.]"
_SUFFIXES = "(Inc|Ltd|Jr|Sr|Co)"
_WEBSITES = "[.](com|net|org|io|gov|edu|me)"
_DIGITS = "([0-9])"
_MULTIPLE_DOTS = r"\.{2,}"
_LATIN = "([A-Za-z])"
_MIXED = "([A-Za-z가-힣])"  # a Latin letter or a Hangul syllable
_LIST_MARKER = "([가나다라마바사])"


def split_sentences(text: str) -> list[str]:
    """``split_into_sentences`` as IFEval-Ko modifies IFEval's: ``.``/``?``/``!`` end a sentence
    except where a rule marks the period as no end (``<prd>``), in this order: Mr/St/Mrs/Ms/Dr.;
    a web suffix (.com, ...); a decimal point; runs of dots (no end inside, one end after);
    Ph.D.; two or three Latin letters or Hangul syllables each followed by a period; Inc/Ltd/Jr/
    Sr/Co. and a single Latin letter with its period after a space; a Latin letter's period
    before Hangul; a Korean list marker (가.-사.) between white space. Line breaks are spaces."""
    text = " " + text + "  "
    text = text.replace("\n", " ")
    text = re.sub(_PREFIXES, "\\1<prd>", text)
    text = re.sub(_WEBSITES, "<prd>\\1", text)
    text = re.sub(_DIGITS + "[.]" + _DIGITS, "\\1<prd>\\2", text)
    text = re.sub(_MULTIPLE_DOTS, lambda match: "<prd>" * len(match.group(0)) + "<stop>", text)
    if "Ph.D" in text:
        text = text.replace("Ph.D.", "Ph<prd>D<prd>")
    text = re.sub(_MIXED + "[.]" + _MIXED + "[.]" + _MIXED + "[.]", "\\1<prd>\\2<prd>\\3<prd>", text)
    text = re.sub(_MIXED + "[.]" + _MIXED + "[.]", "\\1<prd>\\2<prd>", text)
    text = re.sub(" " + _SUFFIXES + "[.]", " \\1<prd>", text)
    text = re.sub(" " + _LATIN + "[.]", " \\1<prd>", text)
    text = re.sub(r"\s" + _LATIN + r"[.]\s+(?=[가-힣])", " \\1<prd> ", text)
    text = re.sub(r"\s" + _LIST_MARKER + r"[.]\s+", " \\1<prd> ", text)
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


def count_sentences(text: str) -> int:
    return len(split_sentences(text))


# --- the checkers that count or match differently from xeval's IFEval ones -------------------------

@instruction("length_constraints:number_words", args=ifeval.WordsArgs, benchmark=BENCHMARK)
def number_words(value: str, args: ifeval.WordsArgs, context: CheckContext) -> bool:
    return compare(count_words(nfc(value)), args.relation, args.num_words)


@instruction("length_constraints:number_sentences", args=ifeval.SentencesArgs, benchmark=BENCHMARK)
def number_sentences(value: str, args: ifeval.SentencesArgs, context: CheckContext) -> bool:
    return compare(count_sentences(nfc(value)), args.relation, args.num_sentences)


@instruction("detectable_format:constrained_response", benchmark=BENCHMARK)
def constrained_response(value: str, args: BaseModel, context: CheckContext) -> bool:
    value = nfc(value).strip()
    return any(option in value for option in CONSTRAINED_RESPONSES)


def _keywords_patterns(args: ifeval.KeywordsArgs, context: CheckContext) -> list[KwargPattern]:
    return [KwargPattern("keywords", k, nfc(k), re.IGNORECASE) for k in args.keywords]


@instruction("keywords:existence", args=ifeval.KeywordsArgs, benchmark=BENCHMARK, patterns=_keywords_patterns)
def keywords_existence(value: str, args: ifeval.KeywordsArgs, context: CheckContext) -> bool:
    # a regular expression, unescaped, anywhere: a particle after the keyword does not hide it
    value = nfc(value)
    return all(regex(nfc(k), re.IGNORECASE).search(value) for k in args.keywords)


def _keyword_patterns(args: ifeval.FrequencyArgs, context: CheckContext) -> list[KwargPattern]:
    return [KwargPattern("keyword", args.keyword, nfc(args.keyword.strip()), re.IGNORECASE)]


@instruction("keywords:frequency", args=ifeval.FrequencyArgs, benchmark=BENCHMARK, patterns=_keyword_patterns)
def keyword_frequency(value: str, args: ifeval.FrequencyArgs, context: CheckContext) -> bool:
    found = len(regex(nfc(args.keyword.strip()), re.IGNORECASE).findall(nfc(value)))
    return compare(found, args.relation, args.frequency)


def _forbidden_patterns(args: ifeval.ForbiddenArgs, context: CheckContext) -> list[KwargPattern]:
    return [KwargPattern("forbidden_words", w, r"\b" + nfc(w) + r"\b", re.IGNORECASE) for w in args.forbidden_words]


@instruction("keywords:forbidden_words", args=ifeval.ForbiddenArgs, benchmark=BENCHMARK, patterns=_forbidden_patterns)
def forbidden_words(value: str, args: ifeval.ForbiddenArgs, context: CheckContext) -> bool:
    # \bword\b with Unicode \w: 사과 is not found in 사과를 (the particle is a word character)
    value = nfc(value)
    return not any(regex(r"\b" + nfc(w) + r"\b", re.IGNORECASE).search(value) for w in args.forbidden_words)


@instruction("length_constraints:nth_paragraph_first_word", args=ifeval.FirstWordArgs, benchmark=BENCHMARK)
def nth_paragraph_first_word(value: str, args: ifeval.FirstWordArgs, context: CheckContext) -> bool:
    # IFEval's exact first word (punctuation cut, lower-cased): 회사는 is not 회사
    return ifeval.nth_paragraph_first_word(nfc(value), args, context)


# --- the checkers that are lm-eval's English ones on the NFC response (and NFC arguments) ----------

@instruction("combination:repeat_prompt", args=ifeval.RepeatArgs, benchmark=BENCHMARK)
def repeat_prompt(value: str, args: ifeval.RepeatArgs, context: CheckContext) -> bool:
    args = ifeval.RepeatArgs(prompt_to_repeat=nfc(args.prompt_to_repeat))
    return ifeval.repeat_prompt(nfc(value), args, context)


@instruction("startend:end_checker", args=ifeval.EndArgs, benchmark=BENCHMARK)
def end_checker(value: str, args: ifeval.EndArgs, context: CheckContext) -> bool:
    args = ifeval.EndArgs(end_phrase=nfc(args.end_phrase.strip()))
    return ifeval.end_checker(nfc(value), args, context)


def _on_nfc(instruction_id: str, args: type[BaseModel], check: Checker) -> None:
    def on_nfc(value: str, arguments: Any, context: CheckContext) -> bool:
        return bool(check(nfc(value), arguments, context))

    on_nfc.__name__ = check.__name__
    on_nfc.__doc__ = f"IFEval's ``{instruction_id}`` on the NFC response (IFEval-Ko's code is lm-eval's)."
    instruction(instruction_id, args=args, benchmark=BENCHMARK, patterns=INSTRUCTIONS[instruction_id].patterns)(on_nfc)


# IFEval-Ko's code for these is lm-eval's, unchanged, and xeval's IFEval checkers for them do not
# depend on the language; only the response is normalised first
SAME_AS_IFEVAL: tuple[tuple[str, type[BaseModel], Checker], ...] = (
    ("length_constraints:number_paragraphs", ifeval.ParagraphsArgs, ifeval.number_paragraphs),
    ("detectable_content:number_placeholders", ifeval.PlaceholdersArgs, ifeval.number_placeholders),
    ("detectable_content:postscript", ifeval.PostscriptArgs, ifeval.postscript),
    ("detectable_format:number_bullet_lists", ifeval.BulletsArgs, ifeval.number_bullet_lists),
    ("detectable_format:number_highlighted_sections", ifeval.HighlightsArgs, ifeval.number_highlighted_sections),
    ("detectable_format:multiple_sections", ifeval.SectionsArgs, ifeval.multiple_sections),
    ("detectable_format:json_format", NoArgs, ifeval.json_format),
    ("detectable_format:title", NoArgs, ifeval.title),
    ("combination:two_responses", NoArgs, ifeval.two_responses),
    ("startend:quotation", NoArgs, ifeval.quotation),
    ("punctuation:no_comma", NoArgs, ifeval.no_comma),
)
for _id, _args, _check in SAME_AS_IFEVAL:
    _on_nfc(_id, _args, _check)

# the ids of IFEval-Ko's data (21: IFEval's 25 without change_case:* and keywords:letter_frequency)
IFEVAL_KO_IDS = (
    "keywords:existence", "keywords:frequency", "keywords:forbidden_words", "language:response_language",
    "length_constraints:number_sentences", "length_constraints:number_paragraphs", "length_constraints:number_words",
    "length_constraints:nth_paragraph_first_word", "detectable_content:number_placeholders",
    "detectable_content:postscript", "detectable_format:number_bullet_lists", "detectable_format:constrained_response",
    "detectable_format:number_highlighted_sections", "detectable_format:multiple_sections",
    "detectable_format:json_format", "detectable_format:title", "combination:two_responses",
    "combination:repeat_prompt", "startend:end_checker", "startend:quotation", "punctuation:no_comma",
)
# taken from xeval's IFEval checkers (see the module docstring)
FALLBACK_IDS = ("language:response_language",)
