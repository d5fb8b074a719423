"""xeval's port of spaCy's Catalan tokenizer (``xeval.language.catalan``) against spaCy itself.

``cases/catalan_tokens.jsonl`` holds the tokens and ``is_punct`` flags that spaCy 3.7.5's Catalan
tokenizer (``spacy.blank("ca")``, the tokenizer of ``ca_core_news_sm``, which lm-eval's ``ifeval_ca``
counts words with) gives on a few hundred texts: ``bench/language/reference_catalan_tokens.py`` writes
it (its header line says how).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from xeval.language import catalan, spanish

CASES = Path(__file__).parent / "cases" / "catalan_tokens.jsonl"


def _cases() -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in CASES.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert "spacy==3.7.5" in lines[0]["source"]
    return lines[1:]


CASE_LINES = _cases()


def test_the_case_file_is_varied() -> None:
    texts = [case["text"] for case in CASE_LINES]
    assert len(texts) >= 300 and len(set(texts)) == len(texts)
    tokens = {token for case in CASE_LINES for token in case["tokens"]}
    # what the Catalan rules act on, each met at least once
    assert {"L'", "d'", "-ho", "'l", "col·legi", "Sr.", "EE", "UU", "😀", "«", "»", "...", "\n"} <= tokens
    assert any(case["tokens"][:2] == ["d", "el"] for case in CASE_LINES)  # del: an exception split in two


@pytest.mark.parametrize("case", CASE_LINES, ids=lambda case: case["text"][:40])
def test_tokens_and_punctuation_equal_spacys(case: dict[str, Any]) -> None:
    tokens = catalan.spacy_tokens(case["text"])
    assert tokens == case["tokens"]
    assert [catalan.is_punct(token) for token in tokens] == case["is_punct"]
    words = [t for t, punct in zip(case["tokens"], case["is_punct"], strict=True) if not punct]
    assert catalan.tokenize_words(case["text"]) == words
    assert catalan.count_words(case["text"]) == len(words)


@pytest.mark.parametrize(("text", "catalan_words", "spanish_words"), [
    ("La casa del poble.", ["La", "casa", "d", "el", "poble"], ["La", "casa", "del", "poble"]),
    ("L'home va dir-ho al Sr. Puig.", ["L'", "home", "va", "dir", "-ho", "a", "l", "Sr.", "Puig"],
     ["L'home", "va", "dir-ho", "al", "Sr.", "Puig"]),
    ("EE. UU. i el col·legi", ["EE", "UU", "i", "el", "col·legi"], ["EE. UU.", "i", "el", "col·legi"]),
])
def test_catalan_rules_are_not_spanish(text: str, catalan_words: list[str], spanish_words: list[str]) -> None:
    assert catalan.tokenize_words(text) == catalan_words
    assert spanish.tokenize_words(text) == spanish_words
