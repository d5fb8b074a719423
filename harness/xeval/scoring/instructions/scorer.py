"""IFEval's four metrics as scorers, named as lm-eval names them.

``prompt_level_strict_acc`` / ``prompt_level_loose_acc``: 1 when every instruction of the prompt
is followed. ``inst_level_strict_acc`` / ``inst_level_loose_acc``: the share of the prompt's
instructions followed, weighted by its number of instructions in the summary, so the task figure
is pooled over instructions (lm-eval's ``agg_inst_level_acc``). The record of
``prompt_level_strict_acc`` keeps every instruction's strict and loose verdict and the kwargs it
was checked with; the summary groups them per instruction id and group.

The sample's document must carry ``instruction_id_list`` and ``kwargs`` (task metadata
``doc_fields``); ``prompt`` too where an instruction repeats it, ``benchmark`` where the benchmark
checks some ids by rules of its own (``multi_if``). The checkers count in the language of the
instruction id's prefix (``ja:...``), else the task's input language.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from xeval.scoring import ScorerContext, ScorerFactory, scorer
from xeval.scoring.builtin import score_each
from xeval.scoring.instructions.registry import CheckContext, InstructionDataError, parse_row, split_id, verdicts
from xeval.types import MetricFacts, Prediction, Sample, Score

METRICS = ("prompt_level_strict_acc", "inst_level_strict_acc", "prompt_level_loose_acc", "inst_level_loose_acc")
_MEMO: OrderedDict[tuple[str, str], list[dict[str, Any]] | str] = OrderedDict()
_MEMO_SIZE = 4096


def instruction_verdicts(sample: Sample, text: str) -> list[dict[str, Any]]:
    """The verdicts of the sample's instructions on ``text`` (memoised: the four metrics share
    them). Raises :class:`InstructionDataError` for a row that cannot be checked."""
    memo_key = (sample.key, text)
    found = _MEMO.get(memo_key)
    if found is None:
        try:
            found = _compute(sample, text)
        except InstructionDataError as exc:
            found = str(exc)
        _MEMO[memo_key] = found
        while len(_MEMO) > _MEMO_SIZE:
            _MEMO.popitem(last=False)
    if isinstance(found, str):
        raise InstructionDataError(found)
    return found


def _row(sample: Sample) -> tuple[Any, Any, CheckContext]:
    """The sample's instruction ids, their kwargs, and the context they are checked in."""
    doc = sample.metadata.get("doc") or {}
    ids, kwargs = doc.get("instruction_id_list"), doc.get("kwargs")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise InstructionDataError(f"instruction_id_list must be a non-empty list of ids, got {ids!r}"[:200])
    prefixes = {split_id(i)[0] for i in ids} - {None}
    language = prefixes.pop() if len(prefixes) == 1 else sample.input_language
    prompt = doc.get("prompt")
    if not isinstance(prompt, str):
        prompt = sample.messages[-1].content if sample.messages else ""
    benchmark = doc.get("benchmark")  # a benchmark with rules of its own for some ids (multi_if)
    return ids, kwargs, CheckContext(language=str(language), prompt=prompt,
                                     benchmark=benchmark if isinstance(benchmark, str) else "ifeval")


def _compute(sample: Sample, text: str) -> list[dict[str, Any]]:
    ids, kwargs, context = _row(sample)
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
        about = ("1 when every instruction of the prompt is followed" if self.prompt_level else
                 "share of instructions followed, pooled over instructions (lm-eval's agg_inst_level_acc)")
        self.facts = {name: MetricFacts(about=f"{about} ({self.mode}, IFEval's rules; counting by language)")}

    def score(self, samples: list[Sample], predictions: list[Prediction]) -> list[Score]:
        return score_each(self.name, samples, predictions, self.score_one)

    def row_error(self, sample: Sample) -> str | None:
        """Planning: why this row cannot be scored at all (see :func:`row_error`), or None."""
        return row_error(sample)

    def score_one(self, sample: Sample, prediction: Prediction) -> Score:
        try:
            found = instruction_verdicts(sample, prediction.text)
        except InstructionDataError as exc:
            return Score(scorer=self.name, error=f"data: {exc}")
        followed = [v[self.mode] for v in found]
        if self.prompt_level:
            details: dict[str, Any] = {"instructions": found} if self.mode == "strict" else {}
            return Score(scorer=self.name, value=float(all(followed)), details=details)
        return Score(scorer=self.name, value=sum(followed) / len(followed), details={"weight": len(followed)})


def _factory(name: str) -> ScorerFactory:
    def make(context: ScorerContext) -> InstructionScorer:
        return InstructionScorer(name)

    return make


for _metric in METRICS:
    scorer(_metric)(_factory(_metric))
