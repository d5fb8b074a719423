"""Task YAMLs (lm-evaluation-harness format) loaded into validated :class:`TaskSpec` objects.

The fields are lm-eval's; xeval-only settings live under ``metadata.xeval``. ``include:``
(a file or a list) merges base files exactly as lm-eval does — in order, shallowly, the
including file winning — so a cross-lingual template variant is a small YAML that includes
its task's base file and a template file.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from xeval.errors import ConfigError
from xeval.types import GenerationSettings, OutputType


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps lm-eval's ``!function`` tags as references."""


def _function_constructor(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> dict[str, str]:
    value = loader.construct_scalar(node)
    return {"__function__": str(value)}


_Loader.add_constructor("!function", _function_constructor)


class MetricSpec(BaseModel):
    model_config = ConfigDict(extra="allow")

    metric: str | dict[str, str]
    aggregation: str | dict[str, str] | None = None  # lm-eval's: a name or a !function (xeval pools its own way)
    higher_is_better: bool | None = None

    @property
    def name(self) -> str:
        if isinstance(self.metric, dict):  # !function module.name -> name
            return self.metric.get("__function__", "").rsplit(".", 1)[-1]
        return self.metric


class BaselinePrompt(BaseModel):
    """How a study prompted its baseline model (X-Instruction asked ChatGPT with a prompt of its
    own): used when the task runs as the baseline of a pairwise run (``--baseline MODEL``)."""

    model_config = ConfigDict(extra="forbid")

    doc_to_text: str
    system_prompt: str | None = None
    generation_kwargs: dict[str, Any] | None = None


class InstructionSet(BaseModel):
    """The checker set of a verifiable-instruction task (IFEval's format): a benchmark of
    :mod:`xeval.scoring.instructions.conventions` (``ifeval``, ``xeval``, ``mifeval``, ``ifeval_ko``,
    ``multi_if``, ``pmmeval``) and the language its conventions are taken in (default: the task's
    input language); language-prefixed ids (``es:...``) are checked in their prefix's language."""

    model_config = ConfigDict(extra="forbid")

    benchmark: str  # checked against the conventions table when the task is planned (run.runner)
    language: str | None = None


class XevalMeta(BaseModel):
    """xeval-only settings, under ``metadata.xeval`` in a task YAML."""

    model_config = ConfigDict(extra="forbid")

    input_language: str = "en"
    template_language: str | None = None  # defaults to input_language
    answer_language: str | None = None  # language the answer should be in
    cluster: str | None = None
    seen: bool | None = None
    scorers: list[str] = Field(default_factory=list)  # xeval scorers beyond metric_list
    primary_metric: str | None = None  # the headline metric (default: the first one)
    source: str | None = None  # a named data source (xeval.sources): sample, hub or local file
    answer_language_field: str | None = None  # a document field naming the answer's language
    id_field: str | None = None
    system_prompt: str | None = None
    # document fields a scorer reads (an instruction list and its kwargs): kept on the sample
    doc_fields: list[str] = Field(default_factory=list)
    # multi-turn: each document is one turn (fields conversation_id, turn, user_turns), sent after
    # the model's replies to the conversation's earlier turns
    conversation: bool = False
    # a document field holding the item's category (Vicuna's category, WizardLM's Skill): kept on
    # the record, and pairwise results are reported per category
    category_field: str | None = None
    # a sampling temperature per category (MT-Bench's temperature_config in FastChat's
    # gen_model_answer.py): an item of a listed category is asked at its temperature, greedy at 0;
    # the others at generation_kwargs'; --temperature overrides them all
    temperature_by_category: dict[str, Annotated[float, Field(ge=0.0, le=5.0)]] | None = None
    baseline: BaselinePrompt | None = None
    # the prompt for a chat model, where doc_to_text is a study's completion template (its Alpaca
    # "### Instruction:" frame for base models): a chat model gets this as its user turn
    chat_doc_to_text: str | None = None
    # verifiable instructions: whose checker set and conventions score the rows (the one place a task
    # says so; not recorded in the run's task spec, see RECORDED_SPEC_EXCLUDE)
    instructions: InstructionSet | None = None

    @model_validator(mode="after")
    def _temperatures_need_categories(self) -> XevalMeta:
        if self.temperature_by_category and not self.category_field:
            raise ValueError("temperature_by_category needs category_field (the field naming an item's category)")
        return self


# What a run records of a task's spec leaves out: where the task was read from, and the checker set
# its YAML declares (metadata.xeval.instructions; named by the task's version, and left out so that the
# runs recorded before the declaration moved into the YAML stay the same runs, byte for byte)
RECORDED_SPEC_EXCLUDE: dict[str, Any] = {"source": True, "metadata": {"xeval": {"instructions"}}}


class TaskSpec(BaseModel):
    """One task, validated. Unknown top-level keys are an error (typos are caught)."""

    model_config = ConfigDict(extra="forbid")

    task: str
    tag: list[str] | str | None = None
    dataset_path: str
    dataset_name: str | None = None
    dataset_kwargs: dict[str, Any] = Field(default_factory=dict)
    test_split: str | None = None
    validation_split: str | None = None
    training_split: str | None = None
    fewshot_split: str | None = None
    num_fewshot: int | None = Field(default=None, ge=0)
    description: str = ""
    doc_to_text: str | dict[str, str]
    doc_to_target: str | int | list[Any] | dict[str, str]
    doc_to_choice: str | list[Any] | dict[str, str] | None = None
    target_delimiter: str = " "
    fewshot_delimiter: str = "\n\n"
    output_type: OutputType = "generate_until"
    generation_kwargs: dict[str, Any] = Field(default_factory=dict)
    metric_list: list[MetricSpec] = Field(default_factory=list)
    custom_dataset: dict[str, str] | None = None  # lm-eval's loader hook (xeval uses metadata.xeval.source)
    process_docs: dict[str, str] | None = None
    process_results: dict[str, str] | None = None
    filter_list: list[Any] | None = None
    should_decontaminate: bool | None = None
    repeats: int | None = Field(default=None, ge=1)
    metadata: dict[str, Any] = Field(default_factory=dict)

    # set by the loader, not from YAML
    source: str = ""

    def unimplemented(self) -> list[str]:
        """lm-eval fields set here that xeval's native runner does not implement yet: a task
        using them fails with one line instead of running differently from lm-eval."""
        found = []
        # a process_results of xeval's own (xeval.lmeval.ifeval_results_<language>) is lm-eval's way
        # to what xeval's scorers of the same metric names compute natively
        if self.process_results is not None and not self.process_results.get("__function__", "").startswith("xeval."):
            found.append("process_results")
        return found

    @property
    def xeval(self) -> XevalMeta:
        raw = self.metadata.get("xeval") or {}
        try:
            return XevalMeta.model_validate(raw)
        except ValidationError as exc:
            raise ConfigError(
                f"{self.source}: metadata.xeval: {_first_error(exc)}"
            ) from None

    @property
    def template_language(self) -> str:
        meta = self.xeval
        return meta.template_language or meta.input_language

    @property
    def answer_language(self) -> str:
        meta = self.xeval
        return meta.answer_language or self.template_language

    def as_baseline(self) -> TaskSpec:
        """The task as its study prompted the baseline model (itself when it names no baseline prompt)."""
        baseline = self.xeval.baseline
        if baseline is None:
            return self
        meta = {**(self.metadata.get("xeval") or {}), "system_prompt": baseline.system_prompt,
                "chat_doc_to_text": None}
        return self.model_copy(update={
            "doc_to_text": baseline.doc_to_text, "metadata": {**self.metadata, "xeval": meta},
            "generation_kwargs": baseline.generation_kwargs if baseline.generation_kwargs is not None
            else self.generation_kwargs})

    @property
    def version(self) -> str:
        return str(self.metadata.get("version", "0"))

    @property
    def scorer_names(self) -> list[str]:
        names = [m.name for m in self.metric_list]
        for name in self.xeval.scorers:
            if name not in names:
                names.append(name)
        return names

    @field_validator("generation_kwargs")
    @classmethod
    def _generation_kwargs_convert(cls, value: dict[str, Any]) -> dict[str, Any]:
        """Every setting the run reads converts (``max_gen_toks: lots`` is this file's error, found
        before a run folder is created)."""
        for key, kind, low in (("max_gen_toks", int, 1), ("max_tokens", int, 1), ("temperature", float, 0.0),
                               ("top_p", float, 0.0), ("seed", int, 0)):
            given = value.get(key)
            if given is None:
                continue
            try:
                if isinstance(given, bool):
                    raise ValueError
                number = kind(given)
            except (TypeError, ValueError):
                expected = "an integer" if kind is int else "a number"
                raise ValueError(f"{key} must be {expected}, got {given!r}") from None
            if not math.isfinite(number) or number < low:
                raise ValueError(f"{key} must be {low} or more, got {given!r}")
        return value

    def generation_settings(self) -> GenerationSettings:
        kwargs = self.generation_kwargs
        until = kwargs.get("until", [])
        if isinstance(until, str):
            until = [until]
        temperature = float(kwargs.get("temperature", 0.0) or 0.0)
        if not kwargs.get("do_sample", temperature > 0):
            temperature = 0.0
        return GenerationSettings(
            max_tokens=int(kwargs.get("max_gen_toks", kwargs.get("max_tokens", 128))),
            temperature=temperature,
            top_p=float(kwargs.get("top_p", 1.0)),
            stop=tuple(until),
            seed=int(kwargs.get("seed", 1234)),
        )


class GroupSpec(BaseModel):
    model_config = ConfigDict(extra="allow")

    group: str
    task: list[str | dict[str, Any]]
    source: str = ""

    @property
    def members(self) -> list[str]:
        names: list[str] = []
        for item in self.task:
            if isinstance(item, str):
                names.append(item)
            elif isinstance(item, dict) and isinstance(item.get("task"), str):
                names.append(item["task"])
        return names


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "(top level)"
    kind: Literal["unknown", "other"] = "unknown" if err["type"] == "extra_forbidden" else "other"
    if kind == "unknown":
        return f"field '{where}': unknown key"
    return f"field '{where}': {err['msg']}"


def read_yaml(path: Path, _seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Read a task YAML, resolving ``include:`` relative to its folder (cycles refused)."""
    path = path.resolve()
    if path in _seen:
        raise ConfigError(f"{path}: include cycle through {' -> '.join(p.name for p in _seen)}")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1} column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{path}:{where}: broken YAML: {problem}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of task fields, got {type(data).__name__}")
    include = data.pop("include", None)
    if include is None:
        return data
    includes = include if isinstance(include, list) else [include]
    if not all(isinstance(i, str) for i in includes):
        raise ConfigError(f"{path}: field 'include' must be a file name or a list of them")
    # lm-eval's semantics: included files merge in order, shallowly; the including file wins.
    merged: dict[str, Any] = {}
    for name in includes:
        merged.update(read_yaml(path.parent / name, (*_seen, path)))
    merged.update(data)
    return merged


def parse_task(data: dict[str, Any], source: Path) -> TaskSpec:
    try:
        spec = TaskSpec.model_validate({**data, "source": str(source)})
    except ValidationError as exc:
        raise ConfigError(f"{source}: {_first_error(exc)}") from None
    _ = spec.xeval  # validate metadata.xeval now, not mid-run
    return spec


def parse_group(data: dict[str, Any], source: Path) -> GroupSpec:
    try:
        return GroupSpec.model_validate({**data, "source": str(source)})
    except ValidationError as exc:
        raise ConfigError(f"{source}: {_first_error(exc)}") from None


def record_row_languages(spec: TaskSpec, samples: Sequence[Any]) -> None:
    """Set a task's languages, as run.json and summary.json record them, to those most of its
    rows are in (tasks whose languages are detected per row: meta-dataset files, lm-eval
    bridges). A row's own languages still group its metrics."""
    meta = spec.metadata.setdefault("xeval", {})
    for key in ("input_language", "template_language", "answer_language"):
        counts = Counter(str(getattr(sample, key)) for sample in samples)
        if counts:
            meta[key] = counts.most_common(1)[0][0]
