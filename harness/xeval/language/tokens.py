"""Text normalisation and word tokens for matching and ROUGE (Korean-aware): exact-match
normalisation, xeval word tokens, Mecab-ko morphemes."""

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


_HAS_WORD = re.compile(r"[^\W_]")


class WordTokenizer:
    """xeval's word tokens (:func:`tokenize`: Hangul words, eojeol, kept whole) as a
    rouge-score tokenizer."""

    name = "xeval-words"

    def tokenize(self, text: str) -> list[str]:
        return tokenize(text)


class MecabKoTokenizer:
    """Korean morphemes from Mecab-ko (python-mecab-ko with mecab-ko-dic), as the KORANI study
    computed ROUGE: 서울이 and 서울은 share the morpheme 서울. NFKC and case-folded first;
    punctuation tokens dropped (rouge-score's own tokenizer drops non-alphanumerics too)."""

    name = "mecab-ko"

    def __init__(self) -> None:
        try:
            import mecab
        except ImportError:
            from xeval.errors import MissingDependencyError

            raise MissingDependencyError("Korean ROUGE on Mecab-ko morphemes", "python-mecab-ko") from None
        self._mecab = mecab.MeCab()

    def tokenize(self, text: str) -> list[str]:
        text = unicodedata.normalize("NFKC", text).casefold()
        return [m for m in self._mecab.morphs(text) if _HAS_WORD.search(m)]
