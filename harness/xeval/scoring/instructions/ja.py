"""M-IFEval's Japanese-only instructions (lightblue-tech/M-IFEval, ``instructions/ja_instructions.py``
and ``instruction_utils/ja_instructions_util.py`` at commit 0bc3143; Apache-2.0), rule for rule, under
their ``ja:`` ids.

M-IFEval's Japanese versions of IFEval's ids are IFEval's checkers (:mod:`.ifeval`) reading the
``("mifeval", "ja")`` conventions (:mod:`.conventions`): relations ``未満`` (less than) and ``以上``
(at least); sentences by ``ja_sentence_segmenter``'s pipeline as M-IFEval builds it
(:mod:`xeval.language.japanese`); keywords, keyword counts and forbidden words as whole Janome
morphemes; ・ bullets, 《》 highlights, 『』 titles, 「」 quotations, 第N章 sections, the options
はい、そうです。/いいえ、違います。/どちらとも言えません。, 、 as the comma; a postscript marker taken
literally; the prompt and end phrase compared case-sensitively (the end without 」』); the first
word a prefix of the paragraph; a hiragana letter counted with its katakana twin. Their ids
``ja:language:response_language``, ``ja:length_constraints:number_paragraphs``,
``ja:detectable_content:number_placeholders``, ``ja:detectable_format:json_format`` and
``ja:combination:two_responses`` are IFEval's code unchanged in M-IFEval.

Only the checks IFEval has no id for are here: lengths in 文字 (``len(response)``: white space and
line breaks included), numbered lists, the nominal ending (体言止め), a unified sentence ending,
furigana, kansuuji, the scripts (kanji U+4E00-U+9FAF; hiragana ぁ-ん, ぁ-ゖ for "no hiragana";
katakana ァ-ン, ァ-ヺ for "no katakana", and half-width ｦ-ﾟ), a kanji count, no 。.
"""

from __future__ import annotations

import re
import unicodedata

from pydantic import BaseModel, Field

from xeval.language.japanese import morphemes
from xeval.scoring.instructions.args import Relation, StrictArgs, compare
from xeval.scoring.instructions.registry import INSTRUCTIONS, CheckContext, instruction


class _Args(StrictArgs):
    pass


# --- length constraints ------------------------------------------------------------------------------

class LettersArgs(_Args):
    num_letters: int = Field(ge=0)
    relation: Relation


@instruction("ja:length_constraints:number_letters", args=LettersArgs)
def number_letters(value: str, args: LettersArgs, context: CheckContext) -> bool:
    """文字数: ``len(response)``, every character counted (spaces, line breaks, markup)."""
    return compare(len(value), args.relation, args.num_letters, context.conventions.relations)


# --- detectable format --------------------------------------------------------------------------------

class NumberedArgs(_Args):
    num_items: int = Field(ge=0)


@instruction("ja:detectable_format:number_numbered_lists", args=NumberedArgs)
def number_numbered_lists(value: str, args: NumberedArgs, context: CheckContext) -> bool:
    """Exactly ``num_items`` lines ``^\\s*\\d+\\.\\s.*$`` (``1. ...``; any Unicode digit; ``1)`` and
    ``1．`` are not items)."""
    return len(re.findall(r"^\s*\d+\.\s.*$", value, flags=re.MULTILINE)) == args.num_items


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


# --- start / end -------------------------------------------------------------------------------------

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


class KanjiArgs(_Args):
    kanji_limit: int = Field(ge=0)
    relation: Relation


@instruction("ja:letters:kanji", args=KanjiArgs)
def kanji(value: str, args: KanjiArgs, context: CheckContext) -> bool:
    """Kanji (U+4E00-U+9FAF, each occurrence) counted against ``kanji_limit``."""
    return compare(len(_KANJI.findall(value)), args.relation, args.kanji_limit, context.conventions.relations)


# --- punctuation -------------------------------------------------------------------------------------

@instruction("ja:punctuation:no_period")
def no_period(value: str, args: BaseModel, context: CheckContext) -> bool:
    """No 句点 。 (an ASCII period or a half-width ｡ is allowed)."""
    return "。" not in value


# M-IFEval's JA_INSTRUCTION_DICT ids that IFEval's checkers serve, in the ja conventions
MIFEVAL_JA_IDS = tuple(f"ja:{base}" for base in (
    "keywords:existence", "keywords:frequency", "keywords:forbidden_words", "keywords:letter_frequency",
    "language:response_language", "length_constraints:number_sentences", "length_constraints:number_paragraphs",
    "length_constraints:nth_paragraph_first_word", "detectable_content:number_placeholders",
    "detectable_content:postscript", "detectable_format:number_bullet_lists", "detectable_format:constrained_response",
    "detectable_format:number_highlighted_sections", "detectable_format:multiple_sections",
    "detectable_format:json_format", "detectable_format:title", "combination:two_responses",
    "combination:repeat_prompt", "startend:end_checker", "startend:quotation", "punctuation:no_comma"))
FALLBACK_IDS = tuple(i for i in MIFEVAL_JA_IDS if i not in INSTRUCTIONS)
