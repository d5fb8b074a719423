"""The checkers' shared argument types and the one relation vocabulary.

Every benchmark of the IFEval family gives a count and a relation phrase (``"at least"``,
``"al menos"``, ``"未満"``); :data:`RELATIONS` maps every phrase any benchmark uses to the
comparison its reference makes, per vocabulary (``"less than"`` is strict in IFEval and *at most*
in P-MMEval), and :func:`compare` is the one comparison.

The kwargs models are typed strictly, as the data gives them (``true`` is no count, ``"5"`` no
number, ``5.0`` no whole number), with no key the checker does not take. A model's relation fields
accept the phrases of one vocabulary: :func:`specialise` retypes them (and the other kwargs a
benchmark constrains further: one ASCII letter, one hiragana) for a benchmark's conventions, so a
phrase of another benchmark is the row's error, with pydantic's own message.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

Operator = Literal["<", "<=", ">", ">=", "=="]
OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq}

# Every relation phrase a benchmark's data uses, with the comparison its reference makes (in the
# order the phrases are listed in a refusal). IFEval's vocabulary is also lm-eval's, IFEval-Ko's
# and Multi-IF's.
RELATIONS: dict[str, dict[str, Operator]] = {
    "ifeval": {"less than": "<", "at least": ">="},
    "pmmeval": {"less than": "<=", "at least": ">="},  # OpenCompass compares "less than" as at most
    "mifeval_es": {"al menos": ">=", "como máximo": "<="},  # M-IFEval es: como máximo is inclusive
    # lm-eval 0.4.13's ifeval_es/ifeval_ca: IFEval's words on M-IFEval es's comparisons ("less than" inclusive)
    "lmeval": {"less than": "<=", "at least": ">="},
    "mifeval_fr": {"moins de": "<", "au moins": ">="},
    "mifeval_ja": {"未満": "<", "以上": ">="},
}
# the fields that hold a relation phrase, in any checker's kwargs
RELATION_FIELDS = ("relation", "let_relation", "capital_relation")


def operator_of(relation: Any, vocabulary: str = "ifeval") -> Operator | None:
    """The comparison ``relation`` names in ``vocabulary``; None for a phrase it does not know."""
    return RELATIONS[vocabulary].get(relation) if isinstance(relation, str) else None


def compare(count: Any, relation: str, threshold: Any, vocabulary: str = "ifeval") -> bool:
    """``count <relation> threshold`` as ``vocabulary``'s reference compares: ``"at least"`` is
    ``>=``; IFEval's ``"less than"`` ``<``, P-MMEval's ``<=`` (validated kwargs carry only the
    vocabulary's phrases)."""
    found = operator_of(relation, vocabulary)
    if found is None:
        raise ValueError(f"{relation!r} is no relation of {vocabulary} (one of {', '.join(RELATIONS[vocabulary])})")
    return bool(OPERATORS[found](count, threshold))


def at_least(vocabulary: str) -> str:
    """The vocabulary's phrase for ``>=``."""
    return next(phrase for phrase, op in RELATIONS[vocabulary].items() if op == ">=")


class StrictArgs(BaseModel):
    """The base of every checker's kwargs: typed strictly, as the data gives them (``true`` is no
    count, ``"5"`` no number, ``5.0`` no whole number), no key the checker does not take."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class NoArgs(StrictArgs):
    pass


Relation = Literal["less than", "at least"]  # IFEval's; :func:`specialise` retypes it per vocabulary


# --- IFEval's kwargs, as every benchmark of the family names them ------------------------------------

class LanguageArgs(StrictArgs):
    language: str = Field(min_length=2, max_length=3)


class SentencesArgs(StrictArgs):
    num_sentences: int = Field(ge=0)
    relation: Relation


class ParagraphsArgs(StrictArgs):
    num_paragraphs: int = Field(ge=0)


class WordsArgs(StrictArgs):
    num_words: int = Field(ge=0)
    relation: Relation


class FirstWordArgs(StrictArgs):
    num_paragraphs: int = Field(ge=1)
    nth_paragraph: int = Field(ge=1)
    first_word: str = Field(min_length=1)


class FirstWordWithinArgs(FirstWordArgs):
    """M-IFEval's: its ``build_description`` draws a random paragraph for an ``nth_paragraph``
    above ``num_paragraphs``, so such a row has no reference verdict."""

    @model_validator(mode="after")
    def _nth_within(self) -> FirstWordWithinArgs:
        if self.nth_paragraph > self.num_paragraphs:
            raise ValueError(f"nth_paragraph {self.nth_paragraph} exceeds num_paragraphs {self.num_paragraphs}")
        return self


class PlaceholdersArgs(StrictArgs):
    num_placeholders: int = Field(ge=0)


class PostscriptArgs(StrictArgs):
    postscript_marker: str = Field(min_length=1)


class BulletsArgs(StrictArgs):
    num_bullets: int = Field(ge=0)


class HighlightsArgs(StrictArgs):
    num_highlights: int = Field(ge=0)


class SectionsArgs(StrictArgs):
    section_spliter: str = Field(min_length=1)
    num_sections: int = Field(ge=0)


class RepeatArgs(StrictArgs):
    prompt_to_repeat: str = Field(min_length=1)


class EndArgs(StrictArgs):
    end_phrase: str = Field(min_length=1)


class KeywordsArgs(StrictArgs):
    keywords: list[str] = Field(min_length=1)


class FrequencyArgs(StrictArgs):
    keyword: str = Field(min_length=1)
    frequency: int = Field(ge=0)
    relation: Relation


class ForbiddenArgs(StrictArgs):
    forbidden_words: list[str] = Field(min_length=1)


class LetterArgs(StrictArgs):
    letter: str = Field(min_length=1)
    let_frequency: int = Field(ge=0)
    let_relation: Relation


class CapitalArgs(StrictArgs):
    capital_frequency: int = Field(ge=0)
    capital_relation: Relation


class LetterCountArgs(StrictArgs):
    let_frequency: int = Field(ge=0)


# --- one model, a benchmark's variant ------------------------------------------------------------

@functools.cache
def _specialised(model: type[StrictArgs], vocabulary: str, ignored_relation: bool,
                 overrides: tuple[tuple[str, str], ...]) -> type[StrictArgs]:
    words = tuple(RELATIONS[vocabulary])
    phrase: Any = Literal.__getitem__(words)
    fields: dict[str, Any] = {}
    for name in RELATION_FIELDS:
        if name in model.model_fields:
            fields[name] = (phrase, ...)
    if ignored_relation and "relation" not in model.model_fields:
        fields["relation"] = (phrase, at_least(vocabulary))
    for name, pattern in overrides:
        fields[name] = (str, Field(pattern=pattern))
    if not fields:
        return model
    return create_model(model.__name__, __base__=model, __module__=model.__module__, **fields)


def specialise(model: type[StrictArgs], vocabulary: str = "ifeval", ignored_relation: bool = False,
               patterns: Mapping[str, str] | None = None) -> type[StrictArgs]:
    """``model`` for a benchmark: its relation fields take ``vocabulary``'s phrases;
    ``ignored_relation`` adds an optional ``relation`` (default the vocabulary's ``>=`` phrase),
    which the checker takes and ignores, as M-IFEval's Spanish counts of markup do; ``patterns``
    constrains text kwargs (``{"letter": "^[A-Za-z]$"}``). The same model, unchanged, for IFEval."""
    if vocabulary == "ifeval" and not ignored_relation and not patterns:
        return model
    return _specialised(model, vocabulary, ignored_relation, tuple(sorted((patterns or {}).items())))
