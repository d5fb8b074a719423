"""Multiple choice by generation: show the choices lettered, map the model's reply to one.

A chat model that gives no log-likelihoods answers a multiple-choice item in text. The reply is
mapped to a choice by, in order: an explicit answer form (``정답: C``, ``답은 2번입니다``,
``The answer is (B)``), a reply that is only a label (``B``, ``(B)``, ``B.``, ``2번``), the
label opening the reply (``B. 모순``), the text of exactly one choice. Full-width forms
(``Ｃ``, ``（２）``) are folded first. A reply naming two different choices is *ambiguous*, one
naming none *unparseable*: both count as wrong, are counted and shown, never dropped.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from xeval.language.tokens import normalize_answer

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# The line after the lettered choices, per template language.
INSTRUCTIONS = {
    "ko": "위 보기 중 정답의 기호(A, B, ...)만 답하세요.",
    "en": "Answer with the letter (A, B, ...) of the correct option only.",
}
CHOICES_HEADER = {"ko": "보기:", "en": "Options:"}


@dataclass(frozen=True)
class Extraction:
    index: int | None  # the chosen choice, None when unparseable or ambiguous
    method: str  # answer_form | label_only | label_first | choice_text | ambiguous | unparseable
    matched: str = ""


def labels_for(n: int) -> list[str]:
    return list(LETTERS[:n]) if n <= len(LETTERS) else [str(i + 1) for i in range(n)]


def choices_block(choices: list[str], template_language: str) -> str:
    """The lettered choices and the answer instruction, in the template's language."""
    language = template_language if template_language in INSTRUCTIONS else "en"
    lines = [f"{label}. {choice}" for label, choice in zip(labels_for(len(choices)), choices, strict=True)]
    return f"{CHOICES_HEADER[language]}\n" + "\n".join(lines) + f"\n{INSTRUCTIONS[language]}"


_ANSWER_FORMS = [
    r"(?:정답|답|답변)\s*(?:은|는|:|=)?\s*[:：]?\s*(?:보기\s*)?\(?\s*([A-Z]|\d{1,2})\s*\)?\s*(?:번|입니다|이다|$|[.\s,)])",
    r"(?:the\s+)?(?:correct\s+|final\s+)?(?:answer|option|choice)\s*(?:is|:)\s*(?:option\s*)?\(?\s*([A-Z]|\d{1,2})\s*\)?(?![A-Za-z])",
    r"(?<![A-Za-z])\(?\s*([A-Z]|\d{1,2})\s*\)?\s*(?:번|번이|번입니다)",
]


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def extract_choice(reply: str, choices: list[str]) -> Extraction:
    """Which of ``choices`` (labelled A, B, ... or 1, 2, ...) ``reply`` picks."""
    text = _fold(reply)
    labels = labels_for(len(choices))

    def to_index(token: str) -> int | None:
        token = token.upper()
        if token in labels:
            return labels.index(token)
        if token.isdigit() and 1 <= int(token) <= len(choices):
            return int(token) - 1
        return None

    found = []
    for pattern in _ANSWER_FORMS:
        for match in re.finditer(pattern, text, flags=re.IGNORECASE | re.MULTILINE):
            index = to_index(match.group(1))
            if index is not None:
                found.append((index, match.group(0).strip()))
    if found:
        distinct = {i for i, _ in found}
        if len(distinct) > 1:
            return Extraction(None, "ambiguous", "; ".join(m for _, m in found))
        return Extraction(found[0][0], "answer_form", found[0][1])
    bare = re.fullmatch(r"[(\[]?\s*([A-Za-z]|\d{1,2})\s*[)\].:]?", text)
    if bare:
        index = to_index(bare.group(1))
        if index is not None:
            return Extraction(index, "label_only", text)
    first = re.match(r"[(\[]?\s*([A-Z]|\d{1,2})\s*[)\].:]\s+\S", text)
    if first:
        index = to_index(first.group(1))
        if index is not None:
            return Extraction(index, "label_first", first.group(0))
    normalized = normalize_answer(text)
    exact = [i for i, c in enumerate(choices) if normalize_answer(c) == normalized]
    if len(exact) == 1:
        return Extraction(exact[0], "choice_text", choices[exact[0]])
    # a choice named in the reply (Korean particles may follow it: no word boundary after Hangul)
    mentioned = [i for i, c in enumerate(choices) if normalize_answer(c) and
                 re.search(rf"(?<!\w){re.escape(normalize_answer(c))}(?![A-Za-z0-9])", normalized)]
    # 'not equivalent' names 'equivalent' too: keep the longest of nested mentions
    mentioned = [i for i in mentioned if not any(
        j != i and normalize_answer(choices[i]) in normalize_answer(choices[j]) for j in mentioned)]
    if len(mentioned) == 1:
        return Extraction(mentioned[0], "choice_text", choices[mentioned[0]])
    if len(mentioned) > 1:
        return Extraction(None, "ambiguous", ", ".join(choices[i] for i in mentioned))
    return Extraction(None, "unparseable")
