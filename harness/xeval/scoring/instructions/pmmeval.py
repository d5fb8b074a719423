"""P-MMEval's mIFEval (arXiv 2411.09116; Qwen/P-MMEval, config ``mifeval``): its own checkers for
the IFEval ids its data carries, and its released evaluator's two figures.

The reference is OpenCompass (open-compass/opencompass at commit a5acc4bba3b6, files unchanged
since P-MMEval was added in 90efcf22): ``opencompass/datasets/PMMEval/mifeval_utils/*.py`` (the
checkers, ``mifeval_class_map``) and ``opencompass/datasets/PMMEval/mifeval.py`` (the evaluator).
Its data carries plain IFEval ids; these checkers are registered for the benchmark ``pmmeval``
(a row whose document says ``"benchmark": "pmmeval"``), rule for rule, quirks kept for equal
verdicts. Seventeen ids, in ten languages (en zh ar es fr ja ko pt th vi); there is no
response-language, change-case, keyword-existence/frequency, letter or multiple-sections check
(P-MMEval defines none; an id it does not define falls to IFEval's checker here, where
OpenCompass would stop on a KeyError).

Counting, by the task's language (the reference's ``lang_code``):

- words: en es fr pt vi (and the codes in, ru) split on white space (``str.split``); every other
  language, ar ja ko th zh included, counts characters that are not white space;
- ``less than`` means *at most* (``count <= n``) for words and sentences, unlike IFEval's ``<``;
- sentences: the non-empty lines (stripped) of the stripped response, in every language;
- paragraphs: the non-empty pieces between ``***`` (empty ones anywhere are skipped, where IFEval
  fails an empty middle one); nth-paragraph-first-word: at least ``num_paragraphs`` non-empty
  ``\\n\\n`` pieces and at least ``nth_paragraph``; the first word is never compared (the
  reference overwrites ``first_word`` with ``""``);
- commas: ar ``،`` only (not ``,``); es pt vi ``,`` ``，``; fr ``,`` and the ellipsis ``…``; ja ``,``
  ``、`` (not ``，``); ko en ``,``; zh ``,`` ``，`` (not ``、``); th the letter ``ล`` (U+0E25, so a
  Thai answer with ล "has a comma");
- quotation: ``"..."`` in every language; also ``«...»`` (ar es fr pt), ``“...”`` (ar es fr ko pt
  th vi zh), ``『...』`` (ja); a lone ``"`` counts;
- constrained response: the language's three sentences, as substrings;
- forbidden words: case-sensitive substrings, every language; end phrase: case-sensitive, the
  stripped response's ending, quotes not removed; postscript: the marker lower-cased as a regular
  expression (no P.S./P.P.S. special cases).

The released evaluator (``PMMEvalMIFEvalEvaluator``) reports, per language, ``strict_acc`` and
``loose_acc``: the share of prompts whose every instruction is followed, x100, rounded to 2
places; P-MMEval's ``mifeval`` figure is the plain mean of the ten languages' ``strict_acc``
(OpenCompass's summariser, the first metric of each). It differs from IFEval's rules in two ways
that change verdicts, reproduced by :func:`released_verdicts` and the scorers
``pmmeval_strict_acc`` / ``pmmeval_loose_acc``:

- every instruction of a row is checked with the kwargs of all the row's instructions merged
  (strict: the non-null values, a later instruction's winning; so ``number_words`` is checked with
  ``number_sentences``' ``relation`` when both are asked);
- "loose" checks the unmodified response (the eight variants are built but never passed), with
  the merged kwargs *including* nulls: as OpenCompass loads rows through ``datasets``, every kwargs
  object carries every key, so each instruction gets the row's last instruction's kwargs. A check
  then compares with None: False for a relation, a TypeError (which stops OpenCompass's whole
  evaluation) for a number; xeval records that as the prompt's failure.

xeval's own four metrics (``prompt_level_strict_acc`` ...) use these checkers with each
instruction's own kwargs and IFEval's loose variants.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from xeval.scoring import ScorerContext, scorer
from xeval.scoring.builtin import score_each
from xeval.scoring.instructions.args import Relation, StrictArgs, compare, operator_of
from xeval.scoring.instructions.conventions import (
    ANGLE_TITLE,
    ASTERISKS,
    IFEVAL_BULLETS,
    PMMEVAL_LANGUAGES,
    Conventions,
    conventions,
    pmmeval_sentence_count,
)
from xeval.scoring.instructions.ifeval import (
    count_lines,
    count_marked,
    count_placeholders,
    has_marked,
    is_json,
    two_responses,
)
from xeval.scoring.instructions.registry import (
    CheckContext,
    InstructionDataError,
    Patterns,
    RowMemo,
    instruction,
    kwarg_pattern,
)
from xeval.types import MetricFacts, Prediction, Sample, Score

BENCHMARK = "pmmeval"
LANGUAGES = PMMEVAL_LANGUAGES


def _in(language: str) -> Conventions:
    """P-MMEval's answer options, commas, quotes and counting in ``language`` (:mod:`.conventions`)."""
    return conventions(BENCHMARK, language)


def count_words(text: str, language: str) -> int:
    """P-MMEval's length: white-space tokens in en es fr pt vi (in, ru); else characters that are
    not white space."""
    return _in(language).words(text)


def count_sentences(text: str) -> int:
    """P-MMEval's sentences: the non-empty stripped lines of the stripped text."""
    return pmmeval_sentence_count(text)


def _relation(count: int, relation: Any, threshold: Any) -> bool | None:
    # "less than" is at most; another phrase falls through: no verdict, taken as not followed
    return None if operator_of(relation, BENCHMARK) is None else compare(count, relation, threshold, BENCHMARK)


# --- kwargs, as xeval validates each instruction's own ---------------------------------------------

class _Args(StrictArgs):
    # the reference's checkers take **kwargs: a key another instruction uses is ignored
    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)


class RepeatArgs(_Args):
    prompt_to_repeat: str


class PlaceholdersArgs(_Args):
    num_placeholders: int


class PostscriptArgs(_Args):
    postscript_marker: str


class BulletsArgs(_Args):
    num_bullets: int


class HighlightsArgs(_Args):
    num_highlights: int


class ForbiddenArgs(_Args):
    forbidden_words: list[str]


class FirstWordArgs(_Args):
    num_paragraphs: int
    nth_paragraph: int = Field(ge=1)
    first_word: str  # required by the reference's signature, never compared


class ParagraphsArgs(_Args):
    num_paragraphs: int


class SentencesArgs(_Args):
    relation: Relation
    num_sentences: int


class WordsArgs(_Args):
    relation: Relation
    num_words: int


class EndArgs(_Args):
    end_phrase: str


class NoArgs(_Args):
    pass


# --- P-MMEval's rules, with the reference's parameters (null values behave as there) ------------------

@dataclass(frozen=True)
class Rule:
    """One of ``mifeval_class_map``'s entries: the check, whether it takes the language
    (``required_lang_code``), and xeval's model of its kwargs."""

    check: Callable[..., Any]
    needs_language: bool
    args: type[_Args]
    patterns: Patterns | None = None  # the kwargs it uses as regular expressions


RULES: dict[str, Rule] = {}


def _registered(rule: Rule) -> Callable[[str, Any, CheckContext], bool]:
    def check(value: str, args: BaseModel, context: CheckContext) -> bool:
        try:
            return bool(rule.check(value, lang_code=context.language, **args.model_dump()))
        except KeyError:  # constrained_response and no_comma have rules for P-MMEval's ten languages only
            raise InstructionDataError(f"P-MMEval has no {context.language!r} rules for this instruction "
                                       f"(its languages: {' '.join(LANGUAGES)})") from None

    return check


def rule(instruction_id: str, args: type[_Args] = NoArgs, needs_language: bool = False,
         patterns: Patterns | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register one of P-MMEval's rules: in :data:`RULES` (the released evaluator's map) and as the
    ``pmmeval`` checker of its id (xeval's four metrics)."""

    def register(check: Callable[..., Any]) -> Callable[..., Any]:
        RULES[instruction_id] = found = Rule(check, needs_language, args, patterns)
        instruction(instruction_id, args=args, benchmark=BENCHMARK, patterns=patterns)(_registered(found))
        return check

    return register


@rule("combination:repeat_prompt", RepeatArgs)
def _repeat_prompt(text: str, *, prompt_to_repeat: Any, **_: Any) -> bool:
    return text.strip().lower().startswith(prompt_to_repeat.strip().lower())


@rule("combination:two_responses")
def _two_responses(text: str, **_: Any) -> bool:
    return two_responses(text)


@rule("detectable_content:number_placeholders", PlaceholdersArgs)
def _number_placeholders(text: str, *, num_placeholders: Any, **_: Any) -> bool:
    return count_placeholders(text) >= num_placeholders


def _postscript_pattern(marker: Any) -> Any:
    return r"\s*" + marker.lower() + r".*$"  # no P.S. / P.P.S. patterns of their own, the marker not stripped


@rule("detectable_content:postscript", PostscriptArgs,
      patterns=kwarg_pattern("postscript_marker", _postscript_pattern, re.MULTILINE))
def _postscript(text: str, *, postscript_marker: Any, **_: Any) -> bool:
    return bool(re.findall(_postscript_pattern(postscript_marker), text.lower(), flags=re.MULTILINE))


@rule("detectable_format:constrained_response", needs_language=True)
def _constrained_response(text: str, *, lang_code: str, **_: Any) -> bool:
    options = _in(lang_code).options
    if options is None:
        raise KeyError(lang_code)
    return any(option in text for option in options)


@rule("detectable_format:json_format")
def _json_format(text: str, **_: Any) -> bool:
    return is_json(text)


@rule("detectable_format:number_bullet_lists", BulletsArgs)
def _number_bullet_lists(text: str, *, num_bullets: Any, **_: Any) -> bool:
    return bool(count_lines(text, IFEVAL_BULLETS) == num_bullets)


@rule("detectable_format:number_highlighted_sections", HighlightsArgs)
def _number_highlighted_sections(text: str, *, num_highlights: Any, **_: Any) -> bool:
    return count_marked(text, ASTERISKS) >= num_highlights


@rule("detectable_format:title")
def _title(text: str, **_: Any) -> bool:
    return has_marked(text, ANGLE_TITLE)


@rule("keywords:forbidden_words", ForbiddenArgs)
def _forbidden_words(text: str, *, forbidden_words: Any, **_: Any) -> bool:
    return not any(word in text for word in forbidden_words)  # case-sensitive substrings


@rule("length_constraints:nth_paragraph_first_word", FirstWordArgs, needs_language=True)
def _nth_paragraph_first_word(text: str, *, num_paragraphs: Any, nth_paragraph: Any, first_word: Any,
                              lang_code: str, **_: Any) -> bool:
    paragraphs = [p.strip() for p in re.split(r"\n\n", text) if p.strip() != ""]
    if len(paragraphs) < num_paragraphs or len(paragraphs) < nth_paragraph:
        return False
    paragraphs[nth_paragraph - 1].strip()  # indexed as there (a float index fails as there)
    return True  # the reference sets first_word = "" before comparing: every paragraph starts with it


@rule("length_constraints:number_paragraphs", ParagraphsArgs)
def _number_paragraphs(text: str, *, num_paragraphs: Any, **_: Any) -> bool:
    paragraphs = [p for p in re.split(r"\s?\*\*\*\s?", text) if p.strip() != ""]  # empty ones skipped anywhere
    return bool(len(paragraphs) == num_paragraphs)


@rule("length_constraints:number_sentences", SentencesArgs, needs_language=True)
def _number_sentences(text: str, *, relation: Any, num_sentences: Any, lang_code: str, **_: Any) -> bool | None:
    return _relation(_in(lang_code).sentences(text), relation, num_sentences)


@rule("length_constraints:number_words", WordsArgs, needs_language=True)
def _number_words(text: str, *, relation: Any, num_words: Any, lang_code: str, **_: Any) -> bool | None:
    return _relation(_in(lang_code).words(text), relation, num_words)


@rule("punctuation:no_comma", needs_language=True)
def _no_comma(text: str, *, lang_code: str, **_: Any) -> bool:
    commas = _in(lang_code).commas
    if commas is None:
        raise KeyError(lang_code)
    return not any(comma in text for comma in commas)


@rule("startend:end_checker", EndArgs)
def _end_checker(text: str, *, end_phrase: Any, **_: Any) -> bool:
    return text.strip().endswith(end_phrase)  # case-sensitive, quotes kept, the phrase not stripped


@rule("startend:quotation", needs_language=True)
def _quotation(text: str, *, lang_code: str, **_: Any) -> bool:
    text = text.strip()  # a lone " counts
    return any(text.startswith(opening) and text.endswith(closing) for opening, closing in _in(lang_code).quotes)


# every kwarg any rule takes: the keys a row's kwargs objects all carry once ``datasets`` loaded them
PARAM_KEYS = frozenset({"prompt_to_repeat", "num_placeholders", "postscript_marker", "num_bullets", "num_highlights",
                        "forbidden_words", "num_paragraphs", "nth_paragraph", "first_word", "relation",
                        "num_sentences", "num_words", "end_phrase"})


# --- the released evaluator -------------------------------------------------------------------------

def _call(rule: Rule, response: str, params: Mapping[str, Any], language: str) -> Any:
    given: dict[str, Any] = {"lang_code": language} if rule.needs_language else {}
    given.update(params)  # as the reference: lang_code first, the kwargs over it, then the response
    given.pop("input_string", None)
    return rule.check(response, **given)


def released_verdicts(instruction_ids: list[str], kwargs_list: list[Any], response: str,
                      language: str) -> dict[str, Any]:
    """Each instruction's verdict as OpenCompass's ``test_instruction_following_strict`` and
    ``..._loose`` reach it (``{"strict": [...], "loose": [...]}``); where one of them raises,
    that mode is ``None`` and ``"<mode>_error"`` says what it raised.

    Raises :class:`InstructionDataError` for an id P-MMEval does not define (OpenCompass: a
    ValueError or KeyError) or kwargs that are not a list of objects."""
    rules = []
    for instruction_id in instruction_ids:
        if not isinstance(instruction_id, str) or len(instruction_id.split(":")) != 2 \
                or instruction_id not in RULES:
            raise InstructionDataError(f"{instruction_id!r} is no P-MMEval instruction "
                                       f"(it defines {', '.join(sorted(RULES))})"[:300])
        rules.append(RULES[instruction_id])
    if not isinstance(kwargs_list, list) or not all(isinstance(k, Mapping) for k in kwargs_list):
        raise InstructionDataError(f"kwargs must be a list of objects, got {kwargs_list!r}"[:200])
    # strict: the non-null values of every object, a later one's winning
    strict_params = {k: v for kwargs in kwargs_list for k, v in kwargs.items() if v is not None}
    # loose: every value, nulls too; ``datasets`` gave every object every key, so the last one's all win
    keys = PARAM_KEYS.union(*(kwargs.keys() for kwargs in kwargs_list))
    last = kwargs_list[-1] if kwargs_list else {}
    loose_params = {k: last.get(k) for k in keys}
    followed = bool(response.strip())  # an empty response follows nothing; its checks never run
    out: dict[str, Any] = {}
    for mode, params in (("strict", strict_params), ("loose", loose_params)):
        try:
            out[mode] = [followed and bool(_call(rule, response, params, language)) for rule in rules]
        except (TypeError, AttributeError, KeyError, IndexError, ValueError, re.error) as exc:
            out[mode] = None
            out[f"{mode}_error"] = f"{type(exc).__name__}: {exc}"
    return out


_MEMO = RowMemo()


def _released(sample: Sample, text: str) -> dict[str, Any]:
    def compute() -> dict[str, Any]:
        doc = sample.metadata.get("doc") or {}
        ids, kwargs = doc.get("instruction_id_list"), doc.get("kwargs")
        if not isinstance(ids, list) or not ids:
            raise InstructionDataError(f"instruction_id_list must be a non-empty list of ids, got {ids!r}"[:200])
        if not isinstance(kwargs, list) or len(kwargs) != len(ids):
            raise InstructionDataError(f"{len(ids)} instruction id(s) but kwargs {kwargs!r}"[:200])
        return released_verdicts(ids, kwargs, text, sample.input_language)

    found: dict[str, Any] = _MEMO.get((sample.key, text), compute)
    return found


class ReleasedScorer:
    """``pmmeval_strict_acc`` / ``pmmeval_loose_acc``: OpenCompass's per-prompt ``strict_acc`` and
    ``loose_acc`` (1 when every instruction is followed, by its evaluator's rules; 0-1 here, x100
    there)."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.name = f"pmmeval_{mode}_acc"
        about = ("merged kwargs, non-null values" if mode == "strict" else
                 "the unmodified response, the last instruction's kwargs with nulls")
        self.facts = {self.name: MetricFacts(about=f"P-MMEval's released {mode}_acc (OpenCompass "
                                                   f"PMMEvalMIFEvalEvaluator, x100 there): {about}")}

    def score(self, samples: list[Sample], predictions: list[Prediction]) -> list[Score]:
        return score_each(self.name, samples, predictions, self.score_one)

    def score_one(self, sample: Sample, prediction: Prediction) -> Score:
        try:
            found = _released(sample, prediction.text)
        except InstructionDataError as exc:
            return Score(scorer=self.name, error=f"data: {exc}")
        errors = [found[f"{m}_error"] for m in ("strict", "loose") if found.get(f"{m}_error")]
        if errors:
            return Score(scorer=self.name, error=f"OpenCompass's evaluator raises on this row ({'; '.join(errors)}) "
                                                 f"and stops; no released figure")
        followed: list[bool] = found[self.mode]
        return Score(scorer=self.name, value=float(all(followed)), details={"instructions": followed})


def _factory(mode: str) -> Callable[[ScorerContext], ReleasedScorer]:
    def make(context: ScorerContext) -> ReleasedScorer:
        return ReleasedScorer(mode)

    return make


for _mode in ("strict", "loose"):
    scorer(f"pmmeval_{_mode}_acc")(_factory(_mode))
