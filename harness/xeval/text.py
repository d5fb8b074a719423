"""Text normalisation and tokenisation shared by scorers (Korean-aware)."""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")
# A word is a run of letters/digits; ideographs and kana are one token each (no spaces
# between words in Chinese and Japanese). Hangul words (eojeol) stay whole.
_TOKEN = re.compile(
    r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff]"
    r"|[^\W_\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff]+"
)


def strip_punctuation(text: str) -> str:
    return "".join(" " if unicodedata.category(ch).startswith("P") else ch for ch in text)


def normalize_answer(text: str) -> str:
    """For exact match: NFKC (full-width forms to ASCII), case-folded, punctuation removed,
    whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = strip_punctuation(text)
    return _SPACE.sub(" ", text).strip()


def tokenize(text: str) -> list[str]:
    """Words for ROUGE: NFKC, case-folded, letters and digits of every script kept."""
    return _TOKEN.findall(unicodedata.normalize("NFKC", text).casefold())
