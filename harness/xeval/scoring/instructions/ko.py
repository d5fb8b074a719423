"""IFEval-Ko's own checkers (allganize/IFEval-Ko at commit 54199e3801116897697babf341865741dcd06fc8,
the lm-eval task folder ``ifeval_ko/``: ``instructions.py``, ``instructions_util.py``, ``utils.py``,
Apache-2.0, derived from Google's IFEval through lm-eval's ``tasks/ifeval``), ported rule for rule
as the ``("ifeval_ko", "ko")`` conventions (:mod:`.conventions`) that IFEval's checkers
(:mod:`.ifeval`) read, which the task ``ifeval_ko_reference`` declares (``metadata.xeval.instructions``).
The default ``ifeval_ko`` task keeps xeval's own Korean counting (``("xeval", "ko")``).

The hub repository cannot be reached here; the code was read from the copy that
developer0hye/llm-evals vendors as ``studies/2026-10-hanifeval/checker/`` (``instructions.py`` and
``utils.py`` at commit 0d6154b593ad256cab00807cbbab7ec08c8c5068, ``instructions_util.py`` at
a8fe8a612eb97a9ce452149732230e465fc38796), with that project's changes, each marked
``[hanifeval]``, undone: seeded ``langdetect``, escaped-substring keywords and forbidden words,
prefix match for the first word, v1.1's line-anchored list markers, failing undetectable
language, NFC-normalised arguments in ``utils.py``, raw-string regex literals. The restored
lines are lm-eval's English ones, as in another derivative of IFEval-Ko's ``instructions.py`` in
the public code index (it keeps IFEval-Ko's Korean comments and NFC calls); the splitter is
as a further vendored copy of IFEval-Ko's ``instructions_util.py`` has it.

Where IFEval-Ko differs from lm-eval's English IFEval (0.4.13 ``lm_eval/tasks/ifeval``):

- ``utils.py`` normalises the response to NFC before any check; ``build_description`` normalises
  to NFC the keywords (``keywords:existence``), the keyword (``keywords:frequency``, after
  ``strip``), the forbidden words, ``prompt_to_repeat`` and ``end_phrase`` (not
  ``section_spliter``, ``first_word``, ``postscript_marker`` nor ``language``);
- words (``length_constraints:number_words``): white-space tokens, the eojeol (``text.split()``),
  instead of NLTK's ``\\w+`` runs;
- sentences (``length_constraints:number_sentences``): IFEval's rule-based splitter (``.``, ``?``,
  ``!``) with Korean rules instead of NLTK's Punkt English model: abbreviations of two or three
  letters each followed by ``.`` take Hangul syllables too (``[A-Za-z가-힣]``); a single Latin
  letter's period is no end after a space (IFEval's rule) nor after other white space before
  Hangul; ``가. 나. 다. 라. 마. 바. 사.`` between white space are list markers, not sentence ends
  (so are the imperative endings ``가.`` and ``마.``); IFEval's acronym-and-starter rules are
  dropped;
- ``detectable_format:constrained_response``: the options ``제 답변은 예입니다.``, ``제 답변은
  아니요입니다.``, ``제 답변은 아마도입니다.``;
- a missing keyword, forbidden word or first word is an error, not a random English word.

Unchanged from lm-eval's English checkers, and ported so here: keywords are regular
expressions, unescaped, matched anywhere, case-insensitively (``사과`` is found in ``사과를``);
forbidden words match as ``\\bword\\b`` (``\\w`` is Unicode, so ``사과`` is *not* found in
``사과를``: a particle glued to the noun hides it); the nth paragraph's first word must equal
``first_word`` exactly, punctuation cut (``회사는`` is not ``회사``); titles are ``<<...>>``
spans; ``language:response_language`` is IFEval's. No ``change_case:*`` nor
``keywords:letter_frequency`` row is in IFEval-Ko's data.

xeval differs in three places, on purpose or by necessity:

- ``language:response_language`` asks the context's language ID: for ``ifeval_ko_reference`` ``langdetect``
  as IFEval-Ko's code, but seeded (a ``langdetect`` failure counts as followed, as there); in the
  ``*_xeval_langid`` metrics xeval's deterministic language ID (a response with no language
  material follows no language instruction);
- the loose variants are cut from the raw response and each variant is normalised to NFC
  (IFEval-Ko normalises the response first, then cuts): the two differ only where removing a
  ``*`` lets decomposed jamo or a combining mark compose;
- a kwarg that is 0 or empty is kept (IFEval-Ko drops every falsy kwarg, and its
  ``build_description`` then draws a random value); a ``nth_paragraph`` above
  ``num_paragraphs`` is used as given (IFEval-Ko draws a random one). IFEval's 541 prompts
  (M-IFEval's English copy), whose numbers IFEval-Ko keeps, have neither.

Reference equality: ``tests/scoring/instructions/test_ifeval_ko.py`` against the verdicts of the
reconstructed IFEval-Ko code (``bench/instructions/reference_ifeval_ko.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from xeval.language.counting import ifeval_sentences
from xeval.scoring.instructions.conventions import eojeol_count

BENCHMARK = "ifeval_ko"


def process_docs(docs: Iterable[dict[str, Any]]) -> Any:
    """A ``process_docs`` that marks every document as IFEval-Ko's (its ``benchmark`` field): for a
    task run by lm-eval without xeval's loader, whose ``process_results`` sees only the document.
    Takes xeval's list of documents or lm-eval's ``datasets.Dataset``."""
    mapper = getattr(docs, "map", None)
    if callable(mapper):
        return mapper(lambda doc: {**doc, "benchmark": BENCHMARK})
    return [{**doc, "benchmark": BENCHMARK} for doc in docs]


def count_words(text: str) -> int:
    """``count_words``: white-space tokens (eojeol)."""
    return eojeol_count(text)


def split_sentences(text: str) -> list[str]:
    """``split_into_sentences`` as IFEval-Ko modifies IFEval's (:func:`xeval.language.counting.ifeval_sentences`
    with ``korean=True``)."""
    return ifeval_sentences(text, korean=True)


def count_sentences(text: str) -> int:
    return len(split_sentences(text))


# the ids of IFEval-Ko's data (21: IFEval's 25 without change_case:* and keywords:letter_frequency)
IFEVAL_KO_IDS = (
    "keywords:existence", "keywords:frequency", "keywords:forbidden_words", "language:response_language",
    "length_constraints:number_sentences", "length_constraints:number_paragraphs", "length_constraints:number_words",
    "length_constraints:nth_paragraph_first_word", "detectable_content:number_placeholders",
    "detectable_content:postscript", "detectable_format:number_bullet_lists", "detectable_format:constrained_response",
    "detectable_format:number_highlighted_sections", "detectable_format:multiple_sections",
    "detectable_format:json_format", "detectable_format:title", "combination:two_responses",
    "combination:repeat_prompt", "startend:end_checker", "startend:quotation", "punctuation:no_comma",
)
# checked on the response as given, not NFC (IFEval-Ko's code for it is lm-eval's; see the module docstring)
FALLBACK_IDS = ("language:response_language",)
