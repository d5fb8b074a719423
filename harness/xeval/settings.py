"""A run's settings, typed and defined once (:class:`RunSettings`).

Each field is one setting of ``xeval run``: its command-line flag and help (``cli(...)``), its
bounds (a validator: one line naming the flag, exit 2), and whether run.json records it
(``recorded``: what ``--resume`` takes back). The command line is built from these fields
(:func:`add_run_flags`), run.json's ``settings`` is :meth:`RunSettings.recorded`, and
``--resume`` is :meth:`RunSettings.resumed` (the recorded settings, then the flags given again).
A new flag is a new field here.

The live handles of a run (the model, the judge, the baseline's answers, the executor) are not
settings: they sit beside them (``run.runner.RunConfig``, ``run.session``).

run.json's schema version 3 records the judge, the baseline, ``--max-error-rate`` and
``--tasks-dir`` too (version 2 did not, and ``--resume`` forgot them); :func:`upgrade_settings`
reads a version-2 run.json as version 3.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from xeval.errors import XevalError

DEFAULT_MARKERS = ("<think>", "</think>")
MC_MODES = ("loglik", "generate", "exact", "auto")


def cli(*names: str, help: str, recorded: bool = True, default: Any = None, **argparse_kwargs: Any) -> dict[str, Any]:
    """A field's command line: its flag names, help, argparse extras; ``recorded``: written in
    run.json's settings; ``default``: the command line's default where it differs from the field's."""
    return {"cli": {"names": names, "help": help, "kwargs": argparse_kwargs, "default": default}, "recorded": recorded}


def session(*names: str, help: str, **kwargs: Any) -> dict[str, Any]:
    """A flag of this session only (where to write, how to answer): not part of the run's record."""
    return cli(*names, help=help, recorded=False, **kwargs)


def resolved() -> dict[str, Any]:
    """A setting decided when the run starts (no flag), recorded."""
    return {"recorded": True}


class RunSettings(BaseModel):
    """Everything ``xeval run`` was asked for. The recorded fields come first, in the order run.json
    has always written them."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    # --- recorded in run.json's settings (in run.json's order) -------------------------------------
    limit: int | None = Field(None, json_schema_extra=cli(
        "--limit", type=int,
        help="evaluate only N samples per task: the first N, or a seeded random N with --sample-seed"))
    batch_size: int = Field(8, json_schema_extra=cli("--batch-size", type=int, help="requests per batch"))
    seed: int = Field(1234, json_schema_extra=cli("--seed", type=int, help="the generation and sampling seed"))
    tasks: str | None = Field(None, json_schema_extra=cli(
        "--tasks", help="task names, groups or glob patterns, comma-separated (default: default)"))
    sample_seed: int | None = Field(None, json_schema_extra=cli(
        "--sample-seed", type=int,
        help="with --limit: a seeded random subset (the same documents for every template language of a dataset, "
             "so the cross-lingual matrix stays paired)"))
    strict: bool = Field(False, json_schema_extra=cli(
        "--strict", action="store_true",
        help="file: meta-datasets: refuse rows whose answer is not among their choices (default: record them as "
             "failed, unscored, with a warning)"))
    clusters: Path | None = Field(None, json_schema_extra=cli(
        "--clusters", type=Path,
        help="file: meta-datasets: a YAML mapping dataset names to task clusters (default: the KORANI map, "
             "tasks/korani/clusters.yaml)"))
    mc_mode: Literal["loglik", "generate", "exact", "auto"] = Field("loglik", json_schema_extra=cli(
        "--mc-mode", choices=list(MC_MODES), default="auto",
        help="multiple choice: rank the choices by log-likelihood, or show them lettered and extract the model's "
             "choice from its reply, or (exact) generate from the task's own prompt and count the reply right when, "
             "stripped, it equals the gold choice (KORANI) (auto: generate when the backend gives no "
             "log-likelihoods, e.g. chat-only APIs)"))
    protocol: str | None = Field(None, json_schema_extra=cli(
        "--protocol",
        help="a study's preset: korani = greedy, 256 new tokens, --mc-mode exact, and the study's rougeL_korani and "
             "accuracy_korani beside xeval's metrics (flags given win)"))
    as_baseline: bool = Field(False, json_schema_extra=resolved())  # this run answers as a pairwise baseline
    chat_model: bool | None = Field(None, json_schema_extra=resolved())  # the model applies a chat template
    num_fewshot: int | None = Field(None, json_schema_extra=cli(
        "--num-fewshot", "--num_fewshot", type=int,
        help="few-shot examples per sample, for every task (as lm-eval's --num_fewshot: a task whose YAML says "
             "num_fewshot: 0 stays zero-shot); drawn with --seed"))
    repeats: int | None = Field(None, json_schema_extra=cli(
        "--repeats", type=int,
        help="answers per sample (overrides a task's repeats): scored as the mean, pass@K and maj@K per sample; "
             "the r-th answer is seeded with --seed + r"))
    temperature: float | None = Field(None, json_schema_extra=cli(
        "--temperature", type=float, help="sampling temperature for every task (repeats need > 0 to differ)"))
    fewshot_as_multiturn: bool = Field(False, json_schema_extra=cli(
        "--fewshot-as-multiturn", action="store_true",
        help="generation: show few-shot examples as user/assistant turns, not as one text"))
    reasoning_markers: tuple[str, str] = Field(DEFAULT_MARKERS, json_schema_extra=cli(
        "--reasoning-markers",
        help="START,END of a reasoning trace kept apart from the answer (default '<think>,</think>'; an API's "
             "reasoning_content is kept apart too)"))
    data_source: Literal["sample", "hub", "local"] | None = Field(None, json_schema_extra=cli(
        "--data-source", choices=["sample", "hub", "local"],
        help="where named data sources load from: the project's sample, the hub, or --data-dir (default: local "
             "with --data-dir, else hub)"))
    data_dir: Path | None = Field(None, json_schema_extra=cli(
        "--data-dir", type=Path, help="folder of the datasets' release files (and of relative data_files)"))
    shard: tuple[int, int] | None = Field(None, json_schema_extra=cli(
        "--shard", help="I/N: run only the I-th of N deterministic slices"))
    max_tokens: int | None = Field(None, json_schema_extra=cli(
        "--max-tokens", type=int, help="override every task's generation length (max_gen_toks)"))
    # recorded since schema version 3
    judge_spec: str | None = Field(None, json_schema_extra=cli(
        "--judge", metavar="SPEC", action="append",
        help="model spec of the LLM judge (judge:/pairwise: scorers); given more than once, or a comma list, a jury "
             "of judges (every verdict recorded, combined by mean or majority, their agreement summarised)"))
    judge_args: dict[str, Any] = Field(default_factory=dict, json_schema_extra=cli(
        "--judge-args", help="judge backend arguments: key=value,..."))
    judge_mode: Literal["generate", "logprobs"] = Field("generate", json_schema_extra=cli(
        "--judge-mode", choices=["generate", "logprobs"],
        help="parse the judge's reply, or weight the scale by its log-probabilities"))
    judge_max_tokens: int | None = Field(None, json_schema_extra=cli(
        "--judge-max-tokens", type=int,
        help="cap the judge's reply length (default: each judge's own: 2048 for MT-Bench as FastChat sends it, "
             "a rubric's max_tokens)"))
    baseline_spec: str | None = Field(None, json_schema_extra=cli(
        "--baseline", metavar="RUN_OR_SPEC",
        help="pairwise baseline: a run folder (or run id under --output) or a model spec"))
    max_error_rate: float = Field(0.0, json_schema_extra=cli(
        "--max-error-rate", type=float,
        help="exit 3 when more than this share of the samples failed (default 0: any failed sample; rows refused "
             "as bad data do not count); the results are written either way"))
    tasks_dir: list[Path] | None = Field(None, json_schema_extra=cli(
        "--tasks-dir", "--include_path", type=Path, action="append",
        help="extra folder of task YAMLs (repeatable)"))

    # --- the model: run.json records it as model.spec and model.args ---------------------------------
    model: str = Field("embedded", json_schema_extra=session(
        "--model", help="model spec: embedded (default), llamacpp:FILE.gguf, hf:ID, openai:MODEL@URL, none"))
    model_args: dict[str, Any] = Field(default_factory=dict, json_schema_extra=session(
        "--model-args", "--model_args", help="backend arguments: key=value,key=value"))

    # --- this session only ------------------------------------------------------------------------
    chat_template: str | None = Field(None, json_schema_extra=session(
        "--chat-template", help="gemma, plain, jinja (the model's own) or a Jinja template file"))
    gen_kwargs: str | None = Field(None, json_schema_extra=session(
        "--gen-kwargs", "--gen_kwargs",
        help="lm-eval's generation overrides: max_gen_toks=N,temperature=T,do_sample=true|false"))
    output: Path = Field(Path("results"), json_schema_extra=session(
        "--output", "--output_path", type=Path, help="results folder"))
    run_id: str | None = Field(None, json_schema_extra=session(
        "--run-id", help="name of the run folder (default: time-model); an existing one is resumed"))
    resume: Path | None = Field(None, json_schema_extra=session(
        "--resume", type=Path, help="continue the run in this folder, with the specs it was started with"))
    executor: str = Field("local", json_schema_extra=session(
        "--executor",
        help="where requests are answered: local (this process) or ray (model replicas on a Ray cluster, one per "
             "worker; pip install 'xeval[ray]'); the driver writes the run either way"))
    ray_address: str | None = Field(None, json_schema_extra=session(
        "--ray-address",
        help="--executor ray: a running cluster (HOST:PORT, ray://HOST:PORT, auto); default: RAY_ADDRESS, else a "
             "local cluster started for the run"))
    workers: int | None = Field(None, json_schema_extra=session(
        "--workers", type=int,
        help="--executor ray: model replicas (Ray workers), each loaded once (default 1)"))
    worker_resources: str | None = Field(None, json_schema_extra=session(
        "--worker-resources",
        help="--executor ray: what each worker asks Ray for, e.g. num_gpus=1,num_cpus=4 (default num_cpus=1)"))
    no_cache: bool = Field(False, json_schema_extra=session(
        "--no-cache", action="store_true", help="do not read or write the call cache"))
    cache_dir: Path | None = Field(None, json_schema_extra=session(
        "--cache-dir", type=Path, help="where the call cache lives"))
    concurrency: int | None = Field(None, json_schema_extra=session(
        "--concurrency", type=int, help="concurrent requests for API backends (default 8)"))

    # --- bounds: one line naming the flag -------------------------------------------------------------
    @field_validator("limit", "batch_size", "max_tokens", "judge_max_tokens", "concurrency", "repeats", "workers")
    @classmethod
    def _at_least_one(cls, value: int | None, info: Any) -> int | None:
        if value is not None and value < 1:
            what = {"limit": "--limit must be at least 1"}.get(info.field_name)
            raise ValueError(what or f"{flag_of(info.field_name)} must be at least 1, got {value}")
        return value

    @field_validator("seed", "num_fewshot")
    @classmethod
    def _not_negative(cls, value: int | None, info: Any) -> int | None:
        if value is not None and value < 0:  # llama.cpp takes seed -1 for "random": a recorded -1 would not replay
            raise ValueError(f"{flag_of(info.field_name)} must be 0 or more, got {value}")
        return value

    @field_validator("temperature")
    @classmethod
    def _temperature(cls, value: float | None) -> float | None:
        if value is not None and not (math.isfinite(value) and value >= 0):
            raise ValueError(f"--temperature must be a finite number, 0 or more, got {value}")
        return value

    @field_validator("judge_spec", mode="before")
    @classmethod
    def _jury(cls, value: Any) -> Any:
        """``--judge A --judge B`` and ``--judge A,B`` are one jury, recorded as ``A,B``."""
        if isinstance(value, list | tuple):
            value = ",".join(str(v) for v in value)
        if isinstance(value, str) and "," in value:
            specs = [s.strip() for s in value.split(",")]
            if not all(specs):
                raise ValueError(f"--judge {value!r}: an empty judge in the jury")
            twice = next((s for s in specs if specs.count(s) > 1), None)
            if twice is not None:
                raise ValueError(f"--judge {twice!r} is in the jury twice: each judge once")
            value = ",".join(specs)
        return value

    @field_validator("max_error_rate")
    @classmethod
    def _rate(cls, value: float) -> float:
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"--max-error-rate must be between 0 and 1, got {value}")
        return value

    @field_validator("run_id")
    @classmethod
    def _run_id(cls, value: str | None) -> str | None:
        """A run id names one folder under --output: no path separators, not '.', '..' or absolute."""
        if value is not None and (not value or value in {".", ".."} or "/" in value or "\\" in value
                                  or "\x00" in value or value != value.strip()):
            raise ValueError(f"--run-id {value!r}: must be one plain folder name (letters, digits, '-', '_', '.'; "
                             f"no path separators, not '.' or '..')")
        return value

    @field_validator("shard", mode="before")
    @classmethod
    def _shard(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                index, count = (int(x) for x in value.split("/"))
            except ValueError:
                raise ValueError(f"--shard {value!r}: expected I/N, e.g. 1/4") from None
            value = (index, count)
        if isinstance(value, tuple | list) and len(value) == 2 and all(isinstance(v, int) for v in value):
            if not 1 <= value[0] <= value[1]:
                raise ValueError(f"--shard {value[0]}/{value[1]!r}: I must be between 1 and N")
        return value

    @field_validator("reasoning_markers", mode="before")
    @classmethod
    def _markers(cls, value: Any) -> Any:
        if value is None or value == "":
            return DEFAULT_MARKERS
        if isinstance(value, str):
            parts = value.split(",")
            if len(parts) != 2 or not all(p.strip() for p in parts):
                raise ValueError(f"--reasoning-markers {value!r}: expected START,END, e.g. '<think>,</think>'")
            return parts[0].strip(), parts[1].strip()
        return value

    # --- what run.json records ------------------------------------------------------------------------
    def recorded(self) -> dict[str, Any]:
        """run.json's ``settings``: the recorded fields, as JSON (paths as text, the shard as I/N)."""
        out: dict[str, Any] = {}
        for name in recorded_fields():
            value = getattr(self, name)
            if isinstance(value, Path):
                value = str(value)
            elif name == "shard" and value is not None:
                value = f"{value[0]}/{value[1]}"
            elif name == "reasoning_markers":
                value = list(value)
            elif name == "tasks_dir" and value is not None:
                value = [str(p) for p in value]
            out[name] = value
        return out

    @classmethod
    def build(cls, **fields: Any) -> RunSettings:
        """Validated settings, or one line naming the flag."""
        try:
            return cls(**fields)
        except ValidationError as exc:
            raise XevalError(first_error(exc)) from None

    def update(self, **fields: Any) -> RunSettings:
        """These settings with ``fields`` changed, validated."""
        return type(self).build(**{**{k: getattr(self, k) for k in type(self).model_fields}, **fields})


def first_error(exc: ValidationError) -> str:
    """The first validation error, as its one line (a flag's own message, else field and reason)."""
    err = exc.errors()[0]
    message = str(err["msg"]).removeprefix("Value error, ")
    if err["type"] == "value_error":
        return message
    where = ".".join(str(p) for p in err["loc"])
    return f"{flag_of(where) if where in RunSettings.model_fields else where}: {message}"


def check_recorded(settings: dict[str, Any]) -> None:
    """A run.json's recorded settings, checked as the fields type them (keys this xeval does not
    know, from other versions, are left alone): a ValueError naming ``settings.<field>``."""
    known = {k: v for k, v in settings.items() if k in recorded_fields() and v is not None}
    try:
        RunSettings(**known)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise ValueError(f"settings.{where}: {str(err['msg']).removeprefix('Value error, ')}") from None


def recorded_fields() -> list[str]:
    return [name for name, info in RunSettings.model_fields.items()
            if isinstance(info.json_schema_extra, dict) and info.json_schema_extra.get("recorded")]


def _cli_spec(name: str) -> dict[str, Any] | None:
    """A field's ``cli(...)`` metadata, or None (a setting with no flag)."""
    info = RunSettings.model_fields.get(name)
    extra = info.json_schema_extra if info is not None else None
    spec = extra.get("cli") if isinstance(extra, dict) else None
    return cast(dict[str, Any], spec) if isinstance(spec, dict) else None


def flag_of(name: str) -> str:
    """A field's first flag (``max_tokens`` -> ``--max-tokens``)."""
    spec = _cli_spec(name)
    return str(spec["names"][0]) if spec is not None else f"--{name.replace('_', '-')}"


def add_run_flags(parser: argparse.ArgumentParser) -> None:
    """``xeval run``'s flags, from the fields. A flag not given is absent from the namespace
    (:func:`given_flags`), so the recorded settings of a resumed run are kept where no flag says otherwise."""
    for name in RunSettings.model_fields:
        spec = _cli_spec(name)
        if spec is None:
            continue
        parser.add_argument(*spec["names"], dest=name, default=argparse.SUPPRESS, help=spec["help"], **spec["kwargs"])


def given_flags(args: argparse.Namespace) -> dict[str, Any]:
    """The run flags given on the command line, by field name."""
    return {name: value for name, value in vars(args).items() if name in RunSettings.model_fields}


def command_line_default(name: str) -> Any:
    """The value a flag not given takes on a new run (the field's default, or the command line's own)."""
    spec = _cli_spec(name)
    if spec is not None and spec.get("default") is not None:
        return spec["default"]
    return RunSettings.model_fields[name].get_default(call_default_factory=True)


# --- run.json versions --------------------------------------------------------------------------------

SETTINGS_ADDED_IN_3: dict[str, Any] = {"judge_spec": None, "judge_args": {}, "judge_mode": "generate",
                                       "judge_max_tokens": None,
                                       "baseline_spec": None, "max_error_rate": 0.0, "tasks_dir": None}


def upgrade_settings(spec: dict[str, Any]) -> dict[str, Any]:
    """A version-2 run.json (or summary.json) read as version 3: its settings gain the judge (from its
    ``judge`` record), the baseline (its label), ``--max-error-rate`` and ``--tasks-dir`` (not recorded
    then: their defaults)."""
    if not isinstance(spec, dict) or spec.get("schema_version", 1) >= 3 or not isinstance(spec.get("settings"), dict):
        return spec
    settings = dict(spec["settings"])
    for key, default in SETTINGS_ADDED_IN_3.items():
        settings.setdefault(key, default)
    judge = spec.get("judge")
    if isinstance(judge, dict):
        settings["judge_spec"] = judge.get("spec")
        settings["judge_mode"] = judge.get("mode", "generate")
    if isinstance(spec.get("baseline"), str):
        settings["baseline_spec"] = spec["baseline"]
    return {**spec, "schema_version": 3, "settings": settings}
