"""Japanese sentences and morphemes as M-IFEval's Japanese checkers find them.

- sentences: ``ja_sentence_segmenter`` 0.0.2's pipeline as M-IFEval's ``count_sentences`` builds it
  (neologd normalisation, line split, a line ending in の joined to the next, split after 。!? outside
  「」 and parentheses), reimplemented here without the dependency (:func:`japanese_sentences`);
- morphemes: Janome's (IPADIC; ``pip install janome==0.5.0``, imported on first use), as
  ``ja_instructions_util.tokenizing_texts`` gives them (:func:`morphemes`).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import Any

# --- sentences: ja_sentence_segmenter 0.0.2, as M-IFEval's count_sentences composes it -------------

def _normalize_class(char_class: str, text: str) -> str:
    """``__unicode_normalize``: NFKC applied to the runs of ``char_class`` only, then ``－`` to ``-``."""
    pattern = re.compile(f"([{char_class}]+)")
    text = "".join(unicodedata.normalize("NFKC", part) if pattern.match(part) else part
                   for part in pattern.split(text))
    return text.replace("\uff0d", "-")


_SPACE_BLOCKS = "\u4e00-\u9fff\u3040-\u309f\u30a0-\u30ff\u3000-\u303f\uff00-\uffef"
_BASIC_LATIN = "\u0000-\u007f"


def _remove_space_between(left: str, right: str, text: str) -> str:
    pattern = re.compile(f"([{left}]) ([{right}])")
    while pattern.search(text):
        text = pattern.sub(r"\1\2", text)
    return text


_ASCII_SYMBOLS = "!\"#$%&'()*+,-./:;<=>?@[\xa5]^_`{|}~\uff61\uff64\uff65\uff62\uff63"
_WIDE_SYMBOLS = ("\uff01\u201d\uff03\uff04\uff05\uff06\u2019\uff08\uff09\uff0a\uff0b\uff0c\uff0d\uff0e\uff0f\uff1a"
                 "\uff1b\uff1c\uff1d\uff1e\uff1f\uff20\uff3b\uffe5\uff3d\uff3e\uff3f\uff40\uff5b\uff5c\uff5d\u301c"
                 "\u3002\u3001\u30fb\u300c\u300d")
_TO_WIDE = {ord(a): ord(b) for a, b in zip(_ASCII_SYMBOLS, _WIDE_SYMBOLS, strict=True)}
# every wide symbol but ＝ ・ 「 」 。 、 goes back to ASCII
_WIDE_TO_NARROW = ("\uff01\u201d\uff03\uff04\uff05\uff06\u2019\uff08\uff09\uff0a\uff0b\uff0c\uff0d\uff0e\uff0f"
                   "\uff1a\uff1b\uff1c\uff1e\uff1f\uff20\uff3b\uffe5\uff3d\uff3e\uff3f\uff40\uff5b\uff5c\uff5d\u301c")


def neologd_normalize(text: str) -> str:
    """ja_sentence_segmenter's ``normalize`` (mecab-ipadic-neologd's rules, tildes kept as ～):
    stripped; full-width digits and Latin letters and half-width kana to NFKC; hyphens to ``-``,
    long-vowel marks to ``ー``, tildes to ``～``; ASCII symbols to full width, runs of spaces to
    one, spaces between Japanese characters (and between Japanese and ASCII) dropped; then the
    full-width symbols but ＝・「」 back to ASCII, ’ to ' and ” to ". ``！`` and ``？`` end as ``!``
    and ``?``."""
    text = text.strip()
    text = _normalize_class("\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\uff61-\uff9f", text)
    text = re.sub("[\u02d7\u058a\u2010\u2011\u2012\u2013\u2043\u207b\u208b\u2212]+", "-", text)
    text = re.sub("[\ufe63\uff0d\uff70\u2014\u2015\u2500\u2501\u30fc]+", "\u30fc", text)
    text = re.sub("[~\u223c\u223e\u301c\u3030\uff5e]", "\uff5e", text)
    text = text.translate(_TO_WIDE)
    text = re.sub("[ \u3000]+", " ", text)
    text = _remove_space_between(_SPACE_BLOCKS, _SPACE_BLOCKS, text)
    text = _remove_space_between(_SPACE_BLOCKS, _BASIC_LATIN, text)
    text = _remove_space_between(_BASIC_LATIN, _SPACE_BLOCKS, text)
    text = _normalize_class(_WIDE_TO_NARROW, text)
    return text.replace("\u2019", "'").replace("\u201d", '"')


_TAIL_NO = re.compile(r"^(?P<result>.+)(の)$")


def _join_tail_no(lines: Iterable[str]) -> Iterator[str]:
    """``concatenate_matching(former_matching_rule=r"^(?P<result>.+)(の)$", remove_former_matched=False)``:
    a line that ends in の (and has a character before it) takes the next line on."""
    it = iter(lines)
    try:
        former = next(it)
    except StopIteration:
        return
    for latter in it:
        if _TAIL_NO.match(former):
            former += latter
        else:
            yield former
            former = latter
    yield former


_ESCAPE = "\u222f"  # ∯, the library's escape mark around protected punctuation
_PUNCTUATION = "。!?"
_UNPROTECTED = re.compile(rf"(?<!{_ESCAPE})([{_PUNCTUATION}])(?!{_ESCAPE})")
_PROTECTED = re.compile(rf"({_ESCAPE})([{_PUNCTUATION}])({_ESCAPE})")
_BETWEEN_QUOTES = re.compile(r"「[^「」]*」")
_BETWEEN_PARENS = re.compile(r"\([^()]*\)")


def _protect(match: re.Match[str]) -> str:
    return _UNPROTECTED.sub(rf"{_ESCAPE}\1{_ESCAPE}", match.group())


def _split_punctuation(line: str) -> list[str]:
    """``split_punctuation(punctuations="。!?")``: a break after each 。 ! ? except inside 「」 and
    ``()``; the pieces are ``str.splitlines()`` of the result (a white-space piece counts; an
    empty line gives none)."""
    line = _BETWEEN_QUOTES.sub(_protect, line)
    line = _BETWEEN_PARENS.sub(_protect, line)
    line = _UNPROTECTED.sub("\\1\n", line)
    return _PROTECTED.sub("\\2", line).splitlines()


def japanese_sentences(text: str) -> list[str]:
    """Sentences as M-IFEval's ``count_sentences`` finds them: ``make_pipeline(normalize,
    split_newline, concat_tail_no, split_punctuation("。!?"))``. The whole text is normalised
    (:func:`neologd_normalize`), split at line boundaries (``str.splitlines``), a line ending in
    の joined with the next, and each line split after 。 ! ? (full-width ！？ included, being
    normalised to ASCII) outside 「」 and parentheses."""
    lines = _join_tail_no(neologd_normalize(text).splitlines())
    return [sentence for line in lines for sentence in _split_punctuation(line)]


def count_japanese_sentences(text: str) -> int:
    return len(japanese_sentences(text))


# --- morphemes: Janome ------------------------------------------------------------------------------

@functools.cache
def _janome() -> Any:
    try:
        from janome.tokenizer import Tokenizer
    except ImportError:
        from xeval.errors import MissingDependencyError

        raise MissingDependencyError("M-IFEval's Japanese keyword and nominal-ending instructions",
                                     "janome==0.5.0") from None
    return Tokenizer()


@functools.lru_cache(maxsize=256)
def morphemes(text: str) -> tuple[tuple[str, str], ...]:
    """``(surface, part_of_speech)`` of each Janome token of ``text`` (janome 0.5.0, its IPADIC),
    as ``ja_instructions_util.tokenizing_texts`` gives them."""
    return tuple((token.surface, token.part_of_speech) for token in _janome().tokenize(text))


def surfaces(text: str) -> list[str]:
    """The surfaces of :func:`morphemes` (a keyword counts only where it is a whole morpheme)."""
    return [surface for surface, _ in morphemes(text)]
