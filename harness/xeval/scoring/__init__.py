"""Scorers: batched, registered by name.

A scorer takes the samples and the model's predictions for them and returns one
:class:`~xeval.types.Score` per sample, in order. Built-ins register with
:func:`scorer`; third-party ones through the entry-point group ``xeval.scorers``
(a factory ``factory(context: ScorerContext) -> Scorer``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any, Protocol, runtime_checkable

from xeval.errors import ConfigError
from xeval.types import MetricFacts, Prediction, Sample, Score


@runtime_checkable
class Scorer(Protocol):
    """``name`` and ``score``; a scorer may also declare ``facts``: for each metric it reports
    (its own name, ``<name>_<extra key>``), a :class:`~xeval.types.MetricFacts`; and
    ``row_error(sample) -> str | None``: why a row cannot be scored at all, told from the row
    alone, so the runner refuses it at planning, before the model is asked."""

    name: str

    def score(self, samples: list[Sample], predictions: list[Prediction]) -> list[Score]: ...


def declared_facts(scorer: Scorer) -> dict[str, MetricFacts]:
    """The facts a scorer declares about its metrics (its primary metric at least: defaults,
    higher is better on 0-1, when it declares nothing)."""
    facts = dict(getattr(scorer, "facts", None) or {})
    facts.setdefault(scorer.name, MetricFacts())
    return facts


@dataclass(frozen=True)
class ScorerContext:
    """What a scorer may need to know about the run."""

    languages: frozenset[str] = field(default_factory=frozenset)
    judge: Any = None  # a ModelAdapter, for judge:RUBRIC and pairwise:RUBRIC
    judge_mode: str = "generate"
    baseline: Any = None  # a judges.scorers.Baseline, for pairwise:RUBRIC
    judge_max_tokens: int | None = None  # --judge-max-tokens: the judge's reply length, where not its own


ScorerFactory = Callable[[ScorerContext], Scorer]
_SCORERS: dict[str, ScorerFactory] = {}
# lm-eval metric names that map onto xeval scorers
ALIASES = {
    "acc_norm": "acc",
    "rouge_l": "rougeL",
    "rougel": "rougeL",
    "language_correct": "language",
    "em": "exact_match",
}


def scorer(name: str) -> Callable[[ScorerFactory], ScorerFactory]:
    def register(factory: ScorerFactory) -> ScorerFactory:
        _SCORERS[name] = factory
        return factory

    return register


def scorer_names() -> list[str]:
    _load_builtins()
    return sorted(_SCORERS)


def _load_builtins() -> None:
    from xeval.scoring import builtin, korani  # noqa: F401 - registers on import
    from xeval.scoring.instructions import scorer as _instructions  # noqa: F401 - registers on import

    for entry in entry_points(group="xeval.scorers"):
        if entry.name not in _SCORERS:
            _SCORERS[entry.name] = entry.load()


def canonical_name(name: str) -> str:
    return ALIASES.get(name, ALIASES.get(name.lower(), name))


def make_scorer(name: str, context: ScorerContext, where: str = "") -> Scorer:
    prefix = f"{where}: " if where else ""
    kind, sep, rubric_name = name.partition(":")
    if sep and kind in {"judge", "pairwise"}:
        return _judge_scorer(kind, rubric_name, context, prefix)
    _load_builtins()
    factory = _SCORERS.get(canonical_name(name))
    if factory is None:
        raise ConfigError(
            f"{prefix}unknown scorer {name!r}: known scorers are {', '.join(sorted(_SCORERS))}"
        )
    return factory(context)


def judge_needs(name: str, context: ScorerContext) -> str | None:
    """What a judge scorer lacks in this run (``--judge`` / ``--baseline``), or None."""
    kind, sep, _ = name.partition(":")
    if not sep or kind not in {"judge", "pairwise"}:
        return None
    if context.judge is None:
        return "--judge"
    if kind == "pairwise" and context.baseline is None:
        return "--baseline"
    return None


def _judge_scorer(kind: str, rubric_name: str, context: ScorerContext, prefix: str) -> Scorer:
    from dataclasses import replace

    from xeval.scoring.judges.jury import Jury, JuryScorer

    if isinstance(context.judge, Jury):  # one scorer per judge, combined
        return JuryScorer([(name, _judge_scorer(kind, rubric_name, replace(context, judge=judge), prefix))
                           for name, judge in zip(context.judge.labels, context.judge.judges, strict=True)])
    return _one_judge_scorer(kind, rubric_name, context, prefix)


def _one_judge_scorer(kind: str, rubric_name: str, context: ScorerContext, prefix: str) -> Scorer:
    from xeval.scoring.judges.conversation import CONVERSATION_JUDGES, ConversationJudge, PairwiseConversationJudge
    from xeval.scoring.judges.rubric import load_rubric
    from xeval.scoring.judges.scorers import JudgeScorer, PairwiseScorer

    if kind == "judge" and rubric_name in CONVERSATION_JUDGES:  # MT-Bench's released prompts, not a rubric
        if context.judge is None:
            raise ConfigError(f"{prefix}scorer judge:{rubric_name} needs a judge model: pass --judge SPEC")
        return ConversationJudge(CONVERSATION_JUDGES[rubric_name], context.judge, context.judge_max_tokens)
    if kind == "pairwise" and rubric_name in CONVERSATION_JUDGES:
        if context.judge is None:
            raise ConfigError(f"{prefix}scorer pairwise:{rubric_name} needs a judge model: pass --judge SPEC")
        if context.baseline is None:
            raise ConfigError(f"{prefix}scorer pairwise:{rubric_name} needs --baseline RUN_DIR_OR_MODEL_SPEC")
        return PairwiseConversationJudge(CONVERSATION_JUDGES[rubric_name], context.judge, context.baseline,
                                         context.judge_max_tokens)
    rubric = load_rubric(rubric_name)
    if context.judge_max_tokens is not None:
        rubric = rubric.model_copy(update={"max_tokens": context.judge_max_tokens})
    if context.judge is None:
        raise ConfigError(f"{prefix}scorer {kind}:{rubric_name} needs a judge model: pass --judge SPEC")
    if kind == "judge":
        return JudgeScorer(rubric, context.judge, context.judge_mode)
    if context.baseline is None:
        raise ConfigError(f"{prefix}scorer pairwise:{rubric_name} needs --baseline RUN_DIR_OR_MODEL_SPEC")
    return PairwiseScorer(rubric, context.judge, context.baseline)
