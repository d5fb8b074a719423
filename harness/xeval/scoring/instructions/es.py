"""M-IFEval's Spanish-only instructions (github lightblue-tech/M-IFEval, commit 0bc3143,
``instructions/es_instructions.py``; Apache-2.0), rule for rule, under their ``es:`` ids.

M-IFEval's Spanish versions of IFEval's ids are IFEval's checkers (:mod:`.ifeval`) reading the
``("mifeval", "es")`` conventions (:mod:`.conventions`): relations ``al menos`` (``>=``) and
``como máximo`` (``<=``, inclusive, where IFEval's ``less than`` is strict); words, tokens and
sentences of spaCy's ``es_core_news_sm`` (:mod:`xeval.language.spanish`), list markers stripped
first; ``*`` bullets only; ``P.D.``/``Nota`` postscripts; ``Sí.``/``No.``/``Quizás.``; an end
checker that forgives one final period; a first-word phrase compared word by word; an ignored
``relation`` on the counts of markup. Only the checks IFEval has no id for are here: inverted
question and exclamation marks, Spanish capitals and lower case, ñ, ü and accented vowels. lm-eval
0.4.13's Catalan file keeps them all, in Catalan only in its case checks' language: they are
registered under its ``ca:`` ids too, the case checks asking for the context's language.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from pydantic import BaseModel

from xeval.scoring.instructions.args import LetterCountArgs, WordsArgs, compare
from xeval.scoring.instructions.conventions import Marks
from xeval.scoring.instructions.ifeval import has_marked
from xeval.scoring.instructions.registry import CheckContext, instruction

# --- punctuation ----------------------------------------------------------------------------------


@instruction("es:punctuation:question_marks", "ca:punctuation:question_marks")
def question_marks(value: str, args: BaseModel, context: CheckContext) -> bool:
    """``QuestionMarkChecker``: a question between ``¿`` and ``?`` with something in it."""
    return has_marked(value, Marks("¿", "?", r"¿[^?]*\?"))


@instruction("es:punctuation:exclamation_marks", "ca:punctuation:exclamation_marks")
def exclamation_marks(value: str, args: BaseModel, context: CheckContext) -> bool:
    """``ExclamationMarkChecker``: an exclamation between ``¡`` and ``!`` with something in it."""
    return has_marked(value, Marks("¡", "!", r"¡[^!]*\!"))


# --- change case ----------------------------------------------------------------------------------

@instruction("es:change_case:spanish_capital", "ca:change_case:catalan_capital", normalized=False)
def spanish_capital(value: str, args: BaseModel, context: CheckContext) -> bool:
    """``CapitalLettersSpanishChecker``: every letter of the NFKD form upper case (combining marks
    skipped; a text without letters passes this part) and the lower-cased text in the context's
    language (Spanish; lm-eval's ``CapitalLettersCatalanChecker``: Catalan)."""
    upper = all(ch.isupper() or not ch.isalpha()
                for ch in unicodedata.normalize("NFKD", value) if not unicodedata.combining(ch))
    return upper and context.in_language(value.lower(), context.language)


@instruction("es:change_case:spanish_lowercase", "ca:change_case:catalan_lowercase", normalized=False)
def spanish_lowercase(value: str, args: BaseModel, context: CheckContext) -> bool:
    """``LowercaseLettersSpanishChecker``: ``str.islower()`` and the text in the context's language
    (Spanish; lm-eval's ``LowercaseLettersCatalanChecker``: Catalan)."""
    return value.islower() and context.in_language(value, context.language)


# --- special characters ---------------------------------------------------------------------------

def _words_with(value: str, context: CheckContext, test: Callable[[str], bool]) -> int:
    """The conventions' words (spaCy's Spanish words) that pass ``test``."""
    return sum(1 for word in context.conventions.tokens(value) if test(word))


@instruction("es:special_character:enie", "ca:special_character:enie", args=LetterCountArgs)
def enie(value: str, args: LetterCountArgs, context: CheckContext) -> bool:
    """``EnieChecker``: exactly ``let_frequency`` spaCy words with ``ñ`` (either case)."""
    return _words_with(value, context, lambda w: "ñ" in w.lower()) == args.let_frequency


@instruction("es:special_character:dieresis", "ca:special_character:dieresis", args=LetterCountArgs)
def dieresis(value: str, args: LetterCountArgs, context: CheckContext) -> bool:
    """``DieresisChecker``: exactly ``let_frequency`` spaCy words with ``ü`` (either case)."""
    return _words_with(value, context, lambda w: "ü" in w.lower()) == args.let_frequency


_TILDES = frozenset("áéíóúÁÉÍÓÚ")


@instruction("es:special_character:tildes", "ca:special_character:tildes", args=WordsArgs)
def tildes(value: str, args: WordsArgs, context: CheckContext) -> bool:
    """``TildesChecker``: spaCy words with an acute-accented vowel (precomposed ``áéíóú``, either case)."""
    found = _words_with(value, context, lambda w: any(ch in _TILDES for ch in w))
    return compare(found, args.relation, args.num_words, context.conventions.relations)
