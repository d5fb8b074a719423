"""M-IFEval's French-only instructions (github lightblue-tech/M-IFEval, commit 0bc3143,
``instructions/fr_instructions.py`` and ``instruction_utils/fr_instructions_util.py``; Apache-2.0),
rule for rule, under their ``fr:`` ids.

M-IFEval's French versions of IFEval's ids are IFEval's checkers (:mod:`.ifeval`) reading the
``("mifeval", "fr")`` conventions (:mod:`.conventions`): relations ``moins de`` (``<``) and ``au
moins`` (``>=``); sentences by NLTK Punkt's French model with M-IFEval's abbreviations
(:func:`xeval.language.punkt.french_sentences`), words as IFEval's ``\\w+`` runs; ``Oui.``/``Non.``/
``Peut-être.``; titles ``##...##``; quotations also in ``'...'`` or ``«...»``; one ASCII letter for
``letter_frequency``. Only the checks IFEval has no id for are here: French capitals and lower case,
ç/œ, tutoiement, accents present or absent, no digits.
"""

from __future__ import annotations

import re
import unicodedata

from pydantic import BaseModel, Field

from xeval.scoring.instructions.args import StrictArgs
from xeval.scoring.instructions.registry import CheckContext, instruction

# --- change case ----------------------------------------------------------------------------------

@instruction("fr:change_case:french_capital")
def french_capital(value: str, args: BaseModel, context: CheckContext) -> bool:
    """``CapitalLettersFrenchChecker``: ``str.isupper()`` and the lower-cased text French."""
    return value.isupper() and context.in_language(value.lower(), "fr")


@instruction("fr:change_case:french_lowercase")
def french_lowercase(value: str, args: BaseModel, context: CheckContext) -> bool:
    """``LowercaseLettersFrenchChecker``: ``str.islower()`` and the text French."""
    return value.islower() and context.in_language(value, "fr")


# --- French additions -------------------------------------------------------------------------------

class ForbiddenCharArgs(StrictArgs):
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


class AccentsArgs(StrictArgs):
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
