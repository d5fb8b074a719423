"""M-IFEval's Japanese instructions (lightblue-tech/M-IFEval, ``instructions/ja_instructions.py`` and
``instruction_utils/ja_instructions_util.py`` at commit 0bc3143), rule for rule, under their
``ja:`` ids.

Only the instructions whose Japanese checker behaves differently from IFEval's are registered
here. The others take the unprefixed IFEval checker (:mod:`xeval.scoring.instructions.ifeval`)
through the registry's fallback, because M-IFEval's Japanese code for them is IFEval's code
unchanged: ``ja:length_constraints:number_paragraphs``, ``ja:detectable_content:number_placeholders``,
``ja:detectable_format:json_format``, ``ja:combination:two_responses`` and
``ja:language:response_language``. The last one uses ``langdetect`` in M-IFEval (unseeded, and a
detection failure counts as followed): so does the ``mifeval_ja`` task, seeded; the ``*_xeval_langid``
metrics use xeval's deterministic language ID.

Counting follows the reference:

- sentences: ``ja_sentence_segmenter``'s pipeline as M-IFEval builds it (neologd normalisation,
  line split, a line ending in の joined to the next, split after 。!? outside 「」 and
  parentheses), reimplemented here without the dependency (:func:`japanese_sentences`);
- letters (文字): ``len(response)``, white space and line breaks included;
- kanji: code points U+4E00-U+9FAF; hiragana ぁ-ん (ぁ-ゖ for "no hiragana"); katakana ァ-ン
  (ァ-ヺ for "no katakana") and half-width ｦ-ﾟ;
- keywords and the nominal ending (体言止め): Janome's morphemes (IPADIC); a keyword counts only
  where it is a whole morpheme. Janome (``pip install janome==0.5.0``) is imported on first use.

Relations are the benchmark's Japanese ones: ``未満`` (less than) and ``以上`` (at least).
"""

from __future__ import annotations

import collections
import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import Any

from pydantic import BaseModel, Field

from xeval.scoring.instructions import args as args_
from xeval.scoring.instructions.args import Relation, StrictArgs, compare, specialise
from xeval.scoring.instructions.ifeval import (
    BulletsArgs,
    EndArgs,
    ForbiddenArgs,
    HighlightsArgs,
    KeywordsArgs,
    PostscriptArgs,
    RepeatArgs,
    SectionsArgs,
)
from xeval.scoring.instructions.registry import CheckContext, KwargPattern, instruction, regex

JA = "mifeval_ja"  # the relation vocabulary: 未満 (<), 以上 (>=)


class _Args(StrictArgs):
    pass


def _compare(count: int, relation: str, threshold: int) -> bool:
    """未満: ``count < threshold``; 以上: ``count >= threshold``."""
    return bool(compare(count, relation, threshold, JA))


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


def _surfaces(text: str) -> list[str]:
    return [surface for surface, _ in morphemes(text)]


# --- keywords ---------------------------------------------------------------------------------------

@instruction("ja:keywords:existence", args=KeywordsArgs)
def keywords_existence(value: str, args: KeywordsArgs, context: CheckContext) -> bool:
    """Every keyword is one of the response's Janome morphemes (IFEval: a case-insensitive regex
    search). A keyword Janome splits (秘密の特訓) is never found."""
    surfaces = set(_surfaces(value))
    return all(keyword in surfaces for keyword in args.keywords)


FrequencyArgs = specialise(args_.FrequencyArgs, JA)


@instruction("ja:keywords:frequency", args=FrequencyArgs)
def keyword_frequency(value: str, args: Any, context: CheckContext) -> bool:
    """The morphemes equal to the (stripped) keyword, counted against ``frequency``."""
    found = collections.Counter(_surfaces(value))[args.keyword.strip()]
    return _compare(found, args.relation, args.frequency)


@instruction("ja:keywords:forbidden_words", args=ForbiddenArgs)
def forbidden_words(value: str, args: ForbiddenArgs, context: CheckContext) -> bool:
    """No forbidden word is one of the response's morphemes (a forbidden word inside a longer
    morpheme is allowed)."""
    surfaces = set(_surfaces(value))
    return not any(word in surfaces for word in args.forbidden_words)


LetterArgs = specialise(args_.LetterArgs, JA, patterns={"letter": r"^[\u3041-\u3093]$"})  # one hiragana


@instruction("ja:keywords:letter_frequency", args=LetterArgs)
def letter_frequency(value: str, args: Any, context: CheckContext) -> bool:
    """Occurrences of the hiragana and of its katakana twin (code point + 96: い and イ)."""
    letters = collections.Counter(value)
    total = letters[args.letter] + letters[chr(ord(args.letter) + 96)]
    return _compare(total, args.let_relation, args.let_frequency)


# --- length constraints ------------------------------------------------------------------------------

SentencesArgs = specialise(args_.SentencesArgs, JA)


@instruction("ja:length_constraints:number_sentences", args=SentencesArgs)
def number_sentences(value: str, args: Any, context: CheckContext) -> bool:
    """Sentences by :func:`japanese_sentences`."""
    return _compare(count_japanese_sentences(value), args.relation, args.num_sentences)


class _LettersArgs(_Args):
    num_letters: int = Field(ge=0)
    relation: Relation


LettersArgs = specialise(_LettersArgs, JA)


@instruction("ja:length_constraints:number_letters", args=LettersArgs)
def number_letters(value: str, args: Any, context: CheckContext) -> bool:
    """文字数: ``len(response)``, every character counted (spaces, line breaks, markup)."""
    return _compare(len(value), args.relation, args.num_letters)


FirstWordArgs = args_.FirstWordWithinArgs


@instruction("ja:length_constraints:nth_paragraph_first_word", args=FirstWordArgs)
def nth_paragraph_first_word(value: str, args: FirstWordArgs, context: CheckContext) -> bool:
    """Paragraphs split at ``\\n\\n`` (blank ones not counted) number ``num_paragraphs``, and the
    nth one, stripped and with leading 「 then 『 removed, starts with ``first_word``. The word is
    lower-cased (as M-IFEval stores it) and the paragraph is not, so a capitalised Latin word never
    matches; no word boundary is needed (首 matches 首都)."""
    paragraphs = value.split("\n\n")
    count = sum(1 for paragraph in paragraphs if paragraph.strip())
    if args.nth_paragraph > count:
        return False
    paragraph = paragraphs[args.nth_paragraph - 1].strip()
    if not paragraph:
        return False
    paragraph = paragraph.lstrip("「").lstrip("『")
    word = args.first_word.lower()
    return count == args.num_paragraphs and paragraph[:len(word)] == word


# --- detectable content -------------------------------------------------------------------------------

@instruction("ja:detectable_content:postscript", args=PostscriptArgs)
def postscript(value: str, args: PostscriptArgs, context: CheckContext) -> bool:
    """A line holding the marker, case-insensitive: ``P.P.S`` and ``P.S.`` as IFEval's patterns
    (``p\\.\\s?p\\.\\s?s``, ``p\\.\\s?s\\.``); any other marker (追伸, ``P.P.S.``) escaped, as a
    literal (IFEval uses it as a regular expression)."""
    marker = args.postscript_marker.strip()
    if marker == "P.P.S":
        pattern = r"\s*p\.\s?p\.\s?s.*$"
    elif marker == "P.S.":
        pattern = r"\s*p\.\s?s\..*$"
    else:
        pattern = r"\s*" + re.escape(marker) + r".*$"
    return bool(re.findall(pattern, value, flags=re.IGNORECASE | re.MULTILINE))


# --- detectable format --------------------------------------------------------------------------------

@instruction("ja:detectable_format:number_bullet_lists", args=BulletsArgs)
def number_bullet_lists(value: str, args: BulletsArgs, context: CheckContext) -> bool:
    """Exactly ``num_bullets`` lines starting with ・ (``^\\s*・[^・].*$``); ``*`` and ``-`` bullets
    are not counted."""
    return len(re.findall(r"^\s*・[^\・].*$", value, flags=re.MULTILINE)) == args.num_bullets


class NumberedArgs(_Args):
    num_items: int = Field(ge=0)


@instruction("ja:detectable_format:number_numbered_lists", args=NumberedArgs)
def number_numbered_lists(value: str, args: NumberedArgs, context: CheckContext) -> bool:
    """Exactly ``num_items`` lines ``^\\s*\\d+\\.\\s.*$`` (``1. ...``; any Unicode digit; ``1)`` and
    ``1．`` are not items)."""
    return len(re.findall(r"^\s*\d+\.\s.*$", value, flags=re.MULTILINE)) == args.num_items


JAPANESE_CONSTRAINED_RESPONSES = ("はい、そうです。", "いいえ、違います。", "どちらとも言えません。")


@instruction("ja:detectable_format:constrained_response")
def constrained_response(value: str, args: BaseModel, context: CheckContext) -> bool:
    """The response contains one of はい、そうです。 / いいえ、違います。 / どちらとも言えません。"""
    value = value.strip()
    return any(option in value for option in JAPANESE_CONSTRAINED_RESPONSES)


@instruction("ja:detectable_format:number_highlighted_sections", args=HighlightsArgs)
def number_highlighted_sections(value: str, args: HighlightsArgs, context: CheckContext) -> bool:
    """At least ``num_highlights`` non-blank 《...》 sections on one line (``*`` is not a highlight)."""
    found = sum(1 for h in re.findall(r"《[^\n《》]*》", value) if h.strip("《》").strip())
    return found >= args.num_highlights


def _sections_pattern(splitter: str) -> str:
    return r"\s?" + r"第[\d\uFF10-\uFF19]+" + splitter.strip() + r"\s?"


def _sections_patterns(args: SectionsArgs, context: CheckContext) -> list[KwargPattern]:
    return [KwargPattern("section_spliter", args.section_spliter, _sections_pattern(args.section_spliter))]


@instruction("ja:detectable_format:multiple_sections", args=SectionsArgs, patterns=_sections_patterns)
def multiple_sections(value: str, args: SectionsArgs, context: CheckContext) -> bool:
    """At least ``num_sections`` headers 第N章 (the splitter after 第 and ASCII or full-width digits;
    the splitter is a regular expression, as in the reference)."""
    sections = regex(_sections_pattern(args.section_spliter)).split(value)
    return len(sections) - 1 >= args.num_sections


@instruction("ja:detectable_format:title")
def title(value: str, args: BaseModel, context: CheckContext) -> bool:
    """A non-blank title in 『』 on one line (IFEval: ``<<...>>``)."""
    return any(t.lstrip("『").rstrip("』").strip() for t in re.findall(r"『[^\n]+』", value))


class NominalArgs(_Args):
    count: int = Field(ge=0)


@instruction("ja:detectable_format:nominal_ending", args=NominalArgs)
def nominal_ending(value: str, args: NominalArgs, context: CheckContext) -> bool:
    """体言止め: at least ``count`` Janome tokens 。！？ (a token whose surface is a substring of
    ``。！？``, so ``！？`` too; ASCII ``!?`` do not count) right after a noun (名詞...), once
    「...」 and 『...』 (within a line) are removed."""
    value = re.sub(r"「.*?」", "", value)
    value = re.sub(r"『.*?』", "", value)
    tokens = morphemes(value)
    found = sum(1 for i in range(1, len(tokens))
                if tokens[i][0] in "。！？" and tokens[i - 1][1].startswith("名詞"))
    return found >= args.count


# --- combination -------------------------------------------------------------------------------------

@instruction("ja:combination:repeat_prompt", args=RepeatArgs)
def repeat_prompt(value: str, args: RepeatArgs, context: CheckContext) -> bool:
    """The stripped response starts with the stripped prompt, case-sensitive (IFEval lower-cases)."""
    return value.strip().startswith(args.prompt_to_repeat.strip())


# --- start / end -------------------------------------------------------------------------------------

@instruction("ja:startend:end_checker", args=EndArgs)
def end_checker(value: str, args: EndArgs, context: CheckContext) -> bool:
    """The response, stripped and then without 」 or 』 at either end, ends with the phrase (also
    without 」』 at its ends); case-sensitive, and ``"`` is not stripped (IFEval: lower-cased,
    ``"`` stripped)."""
    return value.strip().strip("」』").endswith(args.end_phrase.strip().strip("」』"))


@instruction("ja:startend:quotation")
def quotation(value: str, args: BaseModel, context: CheckContext) -> bool:
    """The stripped response starts with 「 and ends with 」 (IFEval: ``"``)."""
    value = value.strip()
    return len(value) > 1 and value[0] == "「" and value[-1] == "」"


class EndingArgs(_Args):
    ending: str = Field(min_length=1)


@instruction("ja:startend:sentence_unified_end", args=EndingArgs)
def sentence_unified_end(value: str, args: EndingArgs, context: CheckContext) -> bool:
    """Every sentence ends with ``ending``: 「...」 and 『...』 (within a line) removed, the text split
    at 。！？, and every non-empty piece must end with it. What follows the last 。 counts as a
    piece, so a response ending in ``。\\n`` fails strictly; ASCII ``!?`` and line breaks do not
    end a sentence."""
    value = re.sub(r"「.*?」", "", value)
    value = re.sub(r"『.*?』", "", value)
    return all(not sentence or sentence.endswith(args.ending) for sentence in re.split(r"[。！？]", value))


# --- letters (scripts) --------------------------------------------------------------------------------

_KANJI = re.compile(r"[\u4e00-\u9faf]")
_KANJI_RUN = re.compile(r"[\u4e00-\u9faf]+")
_KANJI_WITH_FURIGANA = re.compile(r"[\u4e00-\u9faf]+（[ぁ-ん]+）")


@instruction("ja:letters:furigana")
def furigana(value: str, args: BaseModel, context: CheckContext) -> bool:
    """Every run of kanji (U+4E00-U+9FAF) is followed by its reading in hiragana in full-width
    parentheses: 漢字（かんじ）. A response without kanji follows it."""
    return len(_KANJI_RUN.findall(value)) == len(_KANJI_WITH_FURIGANA.findall(value))


@instruction("ja:letters:kansuuji")
def kansuuji(value: str, args: BaseModel, context: CheckContext) -> bool:
    """No digit (``\\d``: ASCII, full-width or any other script's) in the response."""
    return not re.search(r"\d", value)


@instruction("ja:letters:no_katakana")
def no_katakana(value: str, args: BaseModel, context: CheckContext) -> bool:
    """No katakana ァ-ヺ (U+30A1-U+30FA) nor half-width ｦ-ﾟ; ー and ・ are allowed."""
    return not any("\u30a1" <= ch <= "\u30fa" or "\uff66" <= ch <= "\uff9f" for ch in value)


def _not_a_letter(ch: str) -> bool:
    return not unicodedata.category(ch).startswith("L")


@instruction("ja:letters:katakana_only")
def katakana_only(value: str, args: BaseModel, context: CheckContext) -> bool:
    """Every letter (Unicode category L*) is katakana ァ-ン (U+30A1-U+30F3), ー, ・ or half-width
    ｦ-ﾟ: kanji, hiragana, Latin letters and ヴ fail; digits and punctuation are ignored."""
    return all("\u30a1" <= ch <= "\u30f3" or ch in "ー・" or "\uff66" <= ch <= "\uff9f" or _not_a_letter(ch)
               for ch in value)


@instruction("ja:letters:no_hiragana")
def no_hiragana(value: str, args: BaseModel, context: CheckContext) -> bool:
    """No hiragana ぁ-ゖ (U+3041-U+3096)."""
    return not any("\u3041" <= ch <= "\u3096" for ch in value)


@instruction("ja:letters:hiragana_only")
def hiragana_only(value: str, args: BaseModel, context: CheckContext) -> bool:
    """Every letter (Unicode category L*) is hiragana ぁ-ん (U+3041-U+3093) or ー: kanji, katakana,
    Latin letters, 々 and ゔ fail; digits and punctuation are ignored."""
    return all("\u3041" <= ch <= "\u3093" or ch == "ー" or _not_a_letter(ch) for ch in value)


class _KanjiArgs(_Args):
    kanji_limit: int = Field(ge=0)
    relation: Relation


KanjiArgs = specialise(_KanjiArgs, JA)


@instruction("ja:letters:kanji", args=KanjiArgs)
def kanji(value: str, args: Any, context: CheckContext) -> bool:
    """Kanji (U+4E00-U+9FAF, each occurrence) counted against ``kanji_limit``."""
    return _compare(len(_KANJI.findall(value)), args.relation, args.kanji_limit)


# --- punctuation -------------------------------------------------------------------------------------

@instruction("ja:punctuation:no_comma")
def no_comma(value: str, args: BaseModel, context: CheckContext) -> bool:
    """No 読点 、 (an ASCII or full-width comma is allowed)."""
    return "、" not in value


@instruction("ja:punctuation:no_period")
def no_period(value: str, args: BaseModel, context: CheckContext) -> bool:
    """No 句点 。 (an ASCII period or a half-width ｡ is allowed)."""
    return "。" not in value


# M-IFEval's JA_INSTRUCTION_DICT ids that take IFEval's checker unchanged (the registry's fallback).
FALLBACK_IDS = ("ja:language:response_language", "ja:length_constraints:number_paragraphs",
                "ja:detectable_content:number_placeholders", "ja:detectable_format:json_format",
                "ja:combination:two_responses")
