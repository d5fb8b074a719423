"""Multi-IF's own rules for four IFEval ids (facebookresearch/Multi-IF ``ifeval.py`` at commit
1cdb53ed18499ad729e0766e5d3099dd5344406f, Apache-2.0), ported rule for rule: its counting (here) and
its quotes and keyword rule, the ``multi_if`` entries of :mod:`.conventions` that IFEval's checkers
read for the multi_if tasks (``CheckContext.benchmark == "multi_if"``).

Multi-IF copies IFEval's checkers and changes these:

- ``length_constraints:number_sentences`` and ``number_words`` count by the language of the
  *response*, not the task (Multi-IF asks ``langdetect``; a failure counts as English):

  - Chinese or Japanese: sentences are the runs of text up to and including one of
    ``!?。.！？．``, line by line (``split_chinese_japanese``, ifeval.py:1684); words are the
    Chinese, kana and Hangul characters plus the space-separated tokens of what is left, after
    Multi-IF's punctuation is deleted and emoji counted one each (``count_words_chinese_japanese``,
    ifeval.py:1698; emoji found by Unicode ranges, where Multi-IF asks the ``emoji`` package);
  - Hindi: sentences end after ``।``, ``!`` or ``?`` (not at ``.`` nor at a line break;
    ``count_hindi_num_sentences``, ifeval.py:1737); words are IFEval's ``\\w+`` runs;
  - any other language: IFEval's counts (NLTK's Punkt English sentences, ``\\w+`` words);
  - Thai: Multi-IF tokenises with PyThaiNLP, not ported (no Multi-IF row is Thai): xeval's Thai
    counts stand in.

  xeval asks its own deterministic language ID (``CheckContext.identifier``) instead of the
  unseeded ``langdetect``; no language material counts as English, as a ``langdetect`` failure does.
- ``startend:quotation`` also takes a response wrapped in “…” or 「…」 (ifeval.py:3374).
- ``keywords:frequency``: a keyword that is no valid regular expression is not followed (Multi-IF
  catches the error; ifeval.py:2590-2596).

Kept from xeval's IFEval checkers where Multi-IF's code differs (declared differences in
``tests/scoring/instructions/cases/multi_if.jsonl``): ``language:response_language`` and the
English-case ids use xeval's language ID, as the language choice above does (``langdetect`` calls
short Chinese texts Korean or Vietnamese, and Chinese with a few English words English);
``keywords:forbidden_words`` finds a word inside unspaced Chinese text (IFEval's ``\\bword\\b``,
which Multi-IF keeps, never does); an empty or white-space response follows nothing (Multi-IF's
strict check tests ``if response``, not ``response.strip()``, metrics.py:42).
"""

from __future__ import annotations

import re

from xeval.language.counting import ifeval_sentence_count, ifeval_word_count
from xeval.language.identify import UNDETERMINED
from xeval.scoring.instructions.registry import CheckContext, response_identifier

BENCHMARK = "multi_if"

# --- counting by the response's language ----------------------------------------------------------

# ifeval.py:1705-1715: Chinese ideographs (and extension A), hiragana and katakana, Hangul syllables
_ASIAN_CHARACTER = re.compile("[\u4e00-\u9fff\u3400-\u4dbf\u3040-\u309f\u30a0-\u30ff\uac00-\ud7af]")
# the characters of Multi-IF's ``non_alphanumeric_patterns`` class (ifeval.py:1707), deleted before
# counting: ASCII punctuation but = and |, and these CJK and typographic marks
_DELETED = "!\"#$%&'()*+,-./:;<>?@[\\]^_`{}~" + "»—“”…、。《》「」〔〕！（），．：；？￥"
_PUNCTUATION = re.compile("[" + re.escape(_DELETED) + "]+")
# what ``emoji.emoji_count`` / ``replace_emoji`` find, by Unicode ranges (the emoji package's table
# is not a dependency): a flag, a keycap, or a pictograph with its variation selector, skin tone,
# tag sequence and zero-width-joined continuations
_PICTOGRAPH = ("\u00a9\u00ae\u203c\u2049\u2122\u2139\u2194-\u2199\u21a9\u21aa\u231a\u231b\u2328\u23cf"
               "\u23e9-\u23f3\u23f8-\u23fa\u24c2\u25aa\u25ab\u25b6\u25c0\u25fb-\u25fe\u2600-\u27bf"
               "\u2934\u2935\u2b05-\u2b07\u2b1b\u2b1c\u2b50\u2b55\u3030\u303d\u3297\u3299"
               "\U0001f000-\U0001f1e5\U0001f200-\U0001faff")
_ONE_EMOJI = f"[{_PICTOGRAPH}]\ufe0f?[\U0001f3fb-\U0001f3ff]?[\U000e0020-\U000e007f]*"
_EMOJI = re.compile(f"[\U0001f1e6-\U0001f1ff]{{2}}|[0-9#*]\ufe0f?\u20e3|{_ONE_EMOJI}(?:\u200d{_ONE_EMOJI})*")
_CJK_SENTENCE_END = "!?。.！？．"
_CJK_SENTENCE = re.compile(f"[^{re.escape(_CJK_SENTENCE_END)}\n]+[{re.escape(_CJK_SENTENCE_END)}\n]?")
_HINDI_BREAK = re.compile(r"(?<=[।!?])\s*")


def counting_language(text: str) -> str:
    """The language Multi-IF counts ``text`` in: the response's own (``en`` when none is found), by
    xeval's language ID (:attr:`CheckContext.identifier`)."""
    detected = response_identifier().detect(text).language
    return "en" if detected == UNDETERMINED else detected


def count_cjk_sentences(text: str) -> int:
    """``split_chinese_japanese``: on each line (stripped), a run of text up to one terminator."""
    return sum(len(_CJK_SENTENCE.findall(line.strip())) for line in text.splitlines())


def count_hindi_sentences(text: str) -> int:
    """``count_hindi_num_sentences``: the non-blank pieces after each ``।``, ``!`` and ``?``."""
    return sum(1 for piece in _HINDI_BREAK.split(text) if piece.strip())


def count_cjk_words(text: str) -> int:
    """``count_words_chinese_japanese``: Multi-IF's punctuation deleted, each emoji one word (then
    deleted), each Chinese, kana or Hangul character one word, and the space-separated tokens
    of what remains (Latin words, numbers) one each."""
    text = _PUNCTUATION.sub("", text)
    emoji = len(_EMOJI.findall(text))
    text = _EMOJI.sub("", text)
    asian = len(_ASIAN_CHARACTER.findall(text))
    return asian + len(_ASIAN_CHARACTER.sub(" ", text).split()) + emoji


def count_sentences(text: str, context: CheckContext | None = None) -> int:
    """Sentences by the response's language (the context is not needed: the language is the text's)."""
    language = counting_language(text)
    if language in ("zh", "ja"):
        return count_cjk_sentences(text)
    if language == "hi":
        return count_hindi_sentences(text)
    return ifeval_sentence_count(text, "th" if language == "th" else "en")


def count_words(text: str, context: CheckContext | None = None) -> int:
    """Words by the response's language."""
    language = counting_language(text)
    if language in ("zh", "ja"):
        return count_cjk_words(text)
    return ifeval_word_count(text, "th" if language == "th" else "en")
