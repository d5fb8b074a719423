"""The run-folder schema: run.json, one record of samples.jsonl, summary.json, and the facts
each metric declares. Every reader validates through these models.

Unknown keys are kept (``extra="allow"``), so a file read and written back is unchanged.
``schema_version`` is checked on read: a newer one than this xeval knows is a clear error;
older ones are migrated in memory (version 1 had no metric facts: they default to
higher-is-better on 0-1, and an xeval scorer's declared facts fill in what it knows).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    FiniteFloat,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from xeval import SCHEMA_VERSION
from xeval.errors import XevalError
from xeval.types import MetricFacts

DEFAULT_FACTS = MetricFacts()
# Version 1 files carry no metric facts: what that version's scorers would have declared.
V1_FACTS = {"chrf": MetricFacts(range=(0.0, 100.0)), "language_code_switching": MetricFacts(higher_is_better=False),
            "acc_unparsed": MetricFacts(higher_is_better=False)}
V1_DESCRIPTIVE_SUFFIXES = ("_len_model", "_len_baseline", "_consistent")


class TaskMeta(BaseModel):
    model_config = ConfigDict(extra="allow")

    version: str = "0"
    primary_metric: str | None = None
    cluster: str | None = None
    seen: bool | None = None
    metric_facts: dict[str, MetricFacts] = Field(default_factory=dict)

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value: Any) -> str:
        return str(value)


class RunSpec(BaseModel):
    """run.json: the exact specs of a run (an imported lm-eval result has only a summary)."""

    model_config = ConfigDict(extra="allow")

    schema_version: int = 1
    run_id: str = ""
    created: str = ""
    model: dict[str, Any] = Field(default_factory=dict)
    settings: dict[str, Any] = Field(default_factory=dict)
    tasks: dict[str, TaskMeta] = Field(default_factory=dict)
    _folder: Path | None = PrivateAttr(default=None)  # the run folder it was read from

    @property
    def folder(self) -> Path | None:
        return self._folder

    @property
    def model_spec(self) -> str:
        return str(self.model.get("spec", "?"))

    @model_validator(mode="before")
    @classmethod
    def _upgraded(cls, data: Any) -> Any:
        """An older run.json (or summary.json) read as this version (``settings.upgrade_settings``)."""
        from xeval.settings import upgrade_settings

        return upgrade_settings(data)

    @field_validator("settings")
    @classmethod
    def _typed_settings(cls, value: dict[str, Any]) -> dict[str, Any]:
        """The settings as :class:`~xeval.settings.RunSettings` types them (``limit: "abc"`` in a
        damaged run.json is that file's one-line error, not a TypeError mid-run); settings of other
        xeval versions are kept as they are."""
        from xeval.settings import check_recorded

        check_recorded(value)
        return value

    def facts(self, task: str, metric: str) -> MetricFacts:
        """The declared facts of ``metric`` in ``task`` (a metric's extras, ``<scorer>_<key>``,
        fall back to their scorer's facts when they declare none of their own)."""
        meta = self.tasks.get(task)
        if meta is None:
            return DEFAULT_FACTS
        if not meta.metric_facts:
            return _v1_facts(meta, metric)
        if metric in meta.metric_facts:
            return meta.metric_facts[metric]
        owners = [name for name in meta.metric_facts if metric.startswith(f"{name}_")]
        if owners:
            owner = meta.metric_facts[max(owners, key=len)]
            return owner.model_copy(update={"about": ""})
        return DEFAULT_FACTS


def _v1_facts(meta: TaskMeta, metric: str) -> MetricFacts:
    scale = (meta.model_extra or {}).get("primary_scale")
    if scale and metric == meta.primary_metric:
        return MetricFacts(range=(float(scale[0]), float(scale[1])))
    if metric.endswith(V1_DESCRIPTIVE_SUFFIXES):
        return MetricFacts(descriptive=True)
    return V1_FACTS.get(metric, DEFAULT_FACTS)


class MetricRow(BaseModel):
    model_config = ConfigDict(extra="allow")

    task: str
    input_language: str
    template_language: str
    metric: str
    value: float | None = Field(default=None, allow_inf_nan=False)  # NaN is no value: the file is damaged
    n: int = 0
    n_failed: int = 0
    ci_low: float | None = Field(default=None, allow_inf_nan=False)
    ci_high: float | None = Field(default=None, allow_inf_nan=False)


class InstructionRow(BaseModel):
    """One ``instructions`` row: verifiable instructions of a task x input language, per
    instruction id (``level: id``) or group (``level: group``)."""

    model_config = ConfigDict(extra="allow")

    task: str
    input_language: str
    level: Literal["id", "group"]
    instruction: str
    n: int = Field(ge=1)
    strict_acc: float = Field(ge=0, le=1, allow_inf_nan=False)
    loose_acc: float = Field(ge=0, le=1, allow_inf_nan=False)


class TurnRow(BaseModel):
    """One ``turns`` row: a multi-turn task x input language x turn, with every metric of that
    turn's samples as a key of its own (``prompt_level_strict_acc``: 0.5)."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, Annotated[float | None, Field(allow_inf_nan=False)]] = Field(init=False)

    task: str
    input_language: str
    turn: int = Field(ge=1)
    n: int = Field(ge=0)
    n_failed: int = Field(default=0, ge=0)

    @property
    def metrics(self) -> dict[str, float | None]:
        return dict(self.model_extra or {})


class ConversationRow(BaseModel):
    """One ``conversations`` row: a judged-conversation scorer x task x category (``all`` first),
    with ``score`` / ``turn1`` / ``turn2`` means, their CIs, n and failed judgments."""

    model_config = ConfigDict(extra="allow")

    scorer: str
    task: str
    category: str
    score: FiniteFloat | None = None
    turn1: FiniteFloat | None = None
    turn2: FiniteFloat | None = None


class Summary(RunSpec):
    """summary.json: the run's specs and its aggregated metrics."""

    complete: bool = True
    n_records: int = 0
    n_errors: int = 0
    metrics: list[MetricRow]
    judges: dict[str, Any] = Field(default_factory=dict)
    instructions: list[InstructionRow] = Field(default_factory=list)
    turns: list[TurnRow] = Field(default_factory=list)
    conversations: list[ConversationRow] = Field(default_factory=list)


INSTRUCTION_VERDICTS_METRIC = "prompt_level_strict_acc"  # the score whose details keep the verdicts


class InstructionVerdict(BaseModel):
    """One instruction's verdict, as instruction scorers keep them (``details.instructions``)."""

    model_config = ConfigDict(extra="allow")

    id: str
    group: str
    strict: bool
    loose: bool


class PromptMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: str
    content: str


class ScoreRecord(BaseModel):
    model_config = ConfigDict(extra="allow")

    value: FiniteFloat | None = None  # NaN or infinity is never a score, written or read back
    extra: dict[str, FiniteFloat | None] = Field(default_factory=dict)
    error: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)



class SampleRecord(BaseModel):
    """One line of samples.jsonl."""

    model_config = ConfigDict(extra="allow")

    key: str
    seq: int | None = None
    task: str
    id: str
    model: str
    input_language: str
    template_language: str
    answer_language: str
    output_type: str
    prompt: list[PromptMessage] | None = None
    prediction: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None
    scores: dict[str, ScoreRecord] = Field(default_factory=dict)

    @field_validator("scores")
    @classmethod
    def _instruction_verdicts(cls, value: dict[str, ScoreRecord]) -> dict[str, ScoreRecord]:
        """The verdicts the instruction tables read (``prompt_level_strict_acc``'s
        ``details.instructions``), each with its id, group and strict / loose verdict."""
        score = value.get(INSTRUCTION_VERDICTS_METRIC)
        if score is not None and "instructions" in score.details:
            verdicts = score.details["instructions"]
            if not isinstance(verdicts, list):
                raise ValueError(f"{INSTRUCTION_VERDICTS_METRIC}.details.instructions must be a list of verdicts")
            for verdict in verdicts:
                InstructionVerdict.model_validate(verdict)
        return value


def check_version(data: Any, where: Path | str) -> int:
    if not isinstance(data, dict):
        raise XevalError(f"{where}: not an xeval file (expected a JSON object)")
    version = data.get("schema_version", 1)
    if not isinstance(version, int) or version < 1:
        raise XevalError(f"{where}: bad schema_version {version!r}")
    if version > SCHEMA_VERSION:
        raise XevalError(f"{where}: schema version {version} is newer than this xeval reads ({SCHEMA_VERSION}); "
                         "upgrade xeval to read it")
    return version


T = TypeVar("T", bound=BaseModel)


def parse(model: type[T], data: Any, where: Path | str) -> T:
    """``data`` validated as ``model``, or one line naming the file and the first bad field."""
    check_version(data, where)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "(top level)"
        raise XevalError(f"{where}: not an xeval {model.__name__} file: field '{field}': {err['msg']}") from None
