"""IFEval's four metrics as scorers, named as lm-eval names them.

``prompt_level_strict_acc`` / ``prompt_level_loose_acc``: 1 when every instruction of the prompt
is followed. ``inst_level_strict_acc`` / ``inst_level_loose_acc``: the share of the prompt's
instructions followed, weighted by its number of instructions in the summary, so the task figure
is pooled over instructions (lm-eval's ``agg_inst_level_acc``). The record of
``prompt_level_strict_acc`` keeps every instruction's strict and loose verdict and the kwargs it
was checked with; the summary groups them per instruction id and group.

The sample's document must carry ``instruction_id_list`` and ``kwargs`` (task metadata
``doc_fields``); ``prompt`` too where an instruction repeats it. Whose checkers and conventions
score the row is what the task YAML declares (``metadata.xeval.instructions: {benchmark: mifeval}``,
carried on the sample); a sample of no such task (lm-eval's ``process_results``, which sees only the
document) takes the document's ``benchmark`` field, else xeval's own (``xeval``). The checkers count
in the language of the instruction id's prefix (``ja:...``), else the declared one (the task's input
language).

Language checks (``language:response_language``, the case checks that also ask the language):
where the benchmark is one whose reference calls ``langdetect`` (IFEval, M-IFEval, IFEval-Ko: their
conventions' ``language_id``) the four metrics ask langdetect, seeded (the seed is in each record's
verdicts and in the metric's facts), so they are that benchmark's verdicts; the same four with
``_xeval_langid`` appended ask xeval's own language ID instead. Elsewhere both ask xeval's.
"""

from __future__ import annotations

from typing import Any

from xeval.language.langdetect_seeded import LANGDETECT_SEED, LANGDETECT_VERSION
from xeval.scoring import ScorerContext, ScorerFactory, scorer
from xeval.scoring.builtin import score_each
from xeval.scoring.instructions.conventions import conventions
from xeval.scoring.instructions.registry import (
    GENERIC_BENCHMARK,
    LANGDETECT,
    XEVAL_LANGID,
    CheckContext,
    InstructionDataError,
    RowMemo,
    parse_row,
    verdicts,
)
from xeval.types import INSTRUCTION_SET, MetricFacts, Prediction, Sample, Score

METRICS = ("prompt_level_strict_acc", "inst_level_strict_acc", "prompt_level_loose_acc", "inst_level_loose_acc")
XEVAL_LANGID_SUFFIX = "_xeval_langid"  # the same metric with xeval's language ID in the language checks
_MEMO = RowMemo()


def instruction_verdicts(sample: Sample, text: str, xeval_langid: bool = False) -> list[dict[str, Any]]:
    """The verdicts of the sample's instructions on ``text`` (memoised: the four metrics share
    them); ``xeval_langid``: xeval's language ID in the language checks whatever the benchmark.
    Raises :class:`InstructionDataError` for a row that cannot be checked."""
    found: list[dict[str, Any]] = _MEMO.get((sample.key, text, xeval_langid),
                                            lambda: _compute(sample, text, xeval_langid))
    return found


def reference_language_id(benchmark: str | None, language: str = "en") -> str:
    """The language ID a benchmark's reference code uses in its language checks."""
    return conventions(benchmark or GENERIC_BENCHMARK, language).language_id


def instruction_set(sample: Sample) -> tuple[str, str]:
    """(benchmark, language) whose checkers score the sample: its task's declaration, else its
    document's ``benchmark`` (lm-eval's path, a hand-built sample), else xeval's own."""
    declared = sample.metadata.get(INSTRUCTION_SET)
    if isinstance(declared, dict) and isinstance(declared.get("benchmark"), str):
        return declared["benchmark"], str(declared.get("language") or sample.input_language)
    benchmark = (sample.metadata.get("doc") or {}).get("benchmark")
    return (benchmark if isinstance(benchmark, str) else GENERIC_BENCHMARK), sample.input_language


def _row(sample: Sample, xeval_langid: bool = False) -> tuple[Any, Any, CheckContext]:
    """The sample's instruction ids, their kwargs, and the context they are checked in."""
    doc = sample.metadata.get("doc") or {}
    ids, kwargs = doc.get("instruction_id_list"), doc.get("kwargs")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise InstructionDataError(f"instruction_id_list must be a non-empty list of ids, got {ids!r}"[:200])
    prompt = doc.get("prompt")
    if not isinstance(prompt, str):
        prompt = sample.messages[-1].content if sample.messages else ""
    benchmark, language = instruction_set(sample)
    language_id = XEVAL_LANGID if xeval_langid else reference_language_id(benchmark, language)
    return ids, kwargs, CheckContext(language=language, prompt=prompt, benchmark=benchmark, language_id=language_id)


def _compute(sample: Sample, text: str, xeval_langid: bool) -> list[dict[str, Any]]:
    ids, kwargs, context = _row(sample, xeval_langid)
    return verdicts(ids, kwargs, text, context)


def row_error(sample: Sample) -> str | None:
    """Why the sample's instructions cannot be checked (an unknown id, a kwarg of the wrong type or
    out of range, a pattern that is no regular expression), or None: the row is validated without
    a response, so a bad row is known before the model is asked."""
    try:
        ids, kwargs, context = _row(sample)
        parse_row(ids, kwargs, context)
    except InstructionDataError as exc:
        return str(exc)
    return None


class InstructionScorer:
    def __init__(self, name: str) -> None:
        self.name = name
        self.prompt_level = name.startswith("prompt_level")
        self.mode = "strict" if "_strict_" in name else "loose"
        self.xeval_langid = name.endswith(XEVAL_LANGID_SUFFIX)
        about = ("1 when every instruction of the prompt is followed" if self.prompt_level else
                 "share of instructions followed, pooled over instructions (lm-eval's agg_inst_level_acc)")
        language_id = ("language checks by xeval's language ID (no language material: not followed)"
                       if self.xeval_langid else
                       f"language checks by langdetect {LANGDETECT_VERSION} seeded {LANGDETECT_SEED} where the "
                       f"benchmark's reference calls it (IFEval, M-IFEval: no language found counts as followed), "
                       f"else by xeval's language ID")
        self.facts = {name: MetricFacts(about=f"{about} ({self.mode}, IFEval's rules; counting by language; "
                                              f"{language_id})")}

    def score(self, samples: list[Sample], predictions: list[Prediction]) -> list[Score]:
        return score_each(self.name, samples, predictions, self.score_one)

    def row_error(self, sample: Sample) -> str | None:
        """Planning: why this row cannot be scored at all (see :func:`row_error`), or None."""
        return row_error(sample)

    def score_one(self, sample: Sample, prediction: Prediction) -> Score:
        try:
            found = instruction_verdicts(sample, prediction.text, self.xeval_langid)
        except InstructionDataError as exc:
            return Score(scorer=self.name, error=f"data: {exc}")
        followed = [v[self.mode] for v in found]
        if self.prompt_level:
            details: dict[str, Any] = {}
            if self.mode == "strict":  # the record's verdicts (the summary's rows read prompt_level_strict_acc's)
                details["instructions"] = found
                if not self.xeval_langid and reference_language_id(*instruction_set(sample)) == LANGDETECT:
                    details["language_id"] = {"name": "langdetect", "version": LANGDETECT_VERSION,
                                              "seed": LANGDETECT_SEED}  # what decided the language checks
            return Score(scorer=self.name, value=float(all(followed)), details=details)
        return Score(scorer=self.name, value=sum(followed) / len(followed), details={"weight": len(followed)})


def _factory(name: str) -> ScorerFactory:
    def make(context: ScorerContext) -> InstructionScorer:
        return InstructionScorer(name)

    return make


for _metric in METRICS:
    scorer(_metric)(_factory(_metric))
    scorer(_metric + XEVAL_LANGID_SUFFIX)(_factory(_metric + XEVAL_LANGID_SUFFIX))
