"""One ``xeval run`` session: settings from the command line (or a run folder being resumed), then
the executor, the call cache and the models opened in order, the run, and everything closed again.

:func:`settings_for` turns the flags given into :class:`~xeval.settings.RunSettings` (a resumed
run: its recorded settings, the flags given winning); :class:`RunSession` holds the live handles
beside them and runs the evaluation. Printing the result is ``results.terminal``'s job.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, cast

from xeval.errors import XevalError
from xeval.settings import RunSettings, command_line_default

# ---------------------------------------------------------------------------------------------------------------
# settings


def settings_for(given: dict[str, Any]) -> RunSettings:
    """The settings of this run: the flags given (by field name) over a resumed run's recorded
    settings (``--resume``) or the defaults; then ``--gen-kwargs`` and ``--protocol`` fill what no flag
    set. Bounds are the fields' validators: the first bad value is one line naming its flag."""
    from xeval.models.registry import parse_model_args

    fields = dict(given)
    for name in ("model_args", "judge_args"):
        if isinstance(fields.get(name), str):
            fields[name] = parse_model_args(fields[name])
    base = resumed_settings(fields["resume"], fields) if fields.get("resume") is not None else {}
    merged = {name: command_line_default(name) for name in RunSettings.model_fields}
    merged.update(base)
    merged.update(fields)
    if base:  # the run folder resumed is where the run is written, whatever --output / --run-id say
        merged.update(output=base["output"], run_id=base["run_id"])
    if base and "mc_mode" not in fields and base.get("mc_mode"):
        merged["mc_mode"] = base["mc_mode"]  # the resolved mode the run started with
    merged["strict"] = bool(fields.get("strict")) or bool(base.get("strict"))
    merged["fewshot_as_multiturn"] = bool(fields.get("fewshot_as_multiturn")) or bool(base.get("fewshot_as_multiturn"))
    settings = RunSettings.build(**merged)
    settings = _with_gen_kwargs(settings)
    return _with_protocol(settings)


def resumed_settings(folder: Path, given: dict[str, Any]) -> dict[str, Any]:
    """``--resume RUN_DIR``: the run's own settings and model (run.json read through its versioned
    schema: a damaged field is one line), where to write (the folder), and the checks that a
    redacted credential is given again rather than sent as ``***``."""
    from xeval.redaction import is_redacted
    from xeval.results import RunFolder
    from xeval.settings import recorded_fields

    if not (folder / "run.json").is_file():
        raise XevalError(f"--resume {folder}: no run.json there (not an xeval run)")
    typed = RunFolder(folder).read_spec()
    spec = typed.model_dump(mode="json")
    settings = spec.get("settings", {})
    model_spec, model_args = typed.model.get("spec"), typed.model.get("args")
    if not isinstance(model_spec, str) or not model_spec.strip():
        raise XevalError(f"{folder / 'run.json'}: not an xeval RunSpec file: field 'model.spec': missing "
                         "(the model this run was started with)")
    if model_args is not None and not isinstance(model_args, dict):
        raise XevalError(f"{folder / 'run.json'}: not an xeval RunSpec file: field 'model.args': not an object")
    if "model" not in given and is_redacted(model_spec):
        raise XevalError(f"--resume {folder}: the model spec in run.json had credentials, redacted there "
                         f"({model_spec}); give --model again")
    for field, flag, recorded_args in (("model_args", "--model-args", model_args),
                                       ("judge_args", "--judge-args", settings.get("judge_args"))):
        if field not in given:
            redacted = sorted(k for k, v in (recorded_args or {}).items() if isinstance(v, str) and is_redacted(v))
            if redacted:  # e.g. a base_url's user:password@, written as ***@: sent as it is, every request would fail
                what = "model" if field == "model_args" else "judge"
                raise XevalError(f"--resume {folder}: {what} argument(s) {', '.join(redacted)} in run.json had "
                                 f"credentials, redacted there; give {flag} again")
    judge = settings.get("judge_spec")
    if "judge_spec" not in given and isinstance(judge, str) and is_redacted(judge):
        raise XevalError(f"--resume {folder}: the judge spec in run.json had credentials, redacted there "
                         f"({settings['judge_spec']}); give --judge again")
    base = {name: settings[name] for name in recorded_fields() if settings.get(name) is not None}
    base.update(model=model_spec, model_args=model_args or {}, output=folder.parent, run_id=folder.name)
    return base


def _with_gen_kwargs(settings: RunSettings) -> RunSettings:
    """lm-eval's --gen_kwargs onto xeval's flags (the flags win where both are given)."""
    if not settings.gen_kwargs:
        return settings
    from xeval.models.registry import parse_model_args

    kwargs = parse_model_args(settings.gen_kwargs)
    unknown = sorted(set(kwargs) - {"max_gen_toks", "max_tokens", "temperature", "do_sample"})
    if unknown:
        raise XevalError(f"--gen-kwargs: {', '.join(unknown)} not supported (max_gen_toks, temperature, do_sample)")
    update: dict[str, Any] = {}
    tokens = kwargs.get("max_gen_toks", kwargs.get("max_tokens"))
    if tokens is not None:
        if not isinstance(tokens, int) or isinstance(tokens, bool):
            raise XevalError(f"--gen-kwargs: max_gen_toks must be an integer, got {tokens!r}")
        if settings.max_tokens is None:
            update["max_tokens"] = tokens
    temperature = kwargs.get("temperature")
    if kwargs.get("do_sample") is False:
        temperature = 0.0
    if temperature is not None:
        if not isinstance(temperature, int | float) or isinstance(temperature, bool):
            raise XevalError(f"--gen-kwargs: temperature must be a number, got {temperature!r}")
        if settings.temperature is None:
            update["temperature"] = float(temperature)
    return settings.update(**update) if update else settings


def _with_protocol(settings: RunSettings) -> RunSettings:
    """``--protocol``: the study's decoding and multiple-choice mode, unless given as flags."""
    from xeval.run.protocols import resolve_protocol

    protocol = resolve_protocol(settings.protocol)
    if protocol is None:
        return settings
    if settings.mc_mode not in ("auto", protocol.mc_mode):
        raise XevalError(f"--protocol {protocol.name} answers multiple choice with --mc-mode {protocol.mc_mode}; "
                         f"drop --mc-mode {settings.mc_mode} or the protocol")
    return settings.update(mc_mode=protocol.mc_mode,
                           temperature=protocol.temperature if settings.temperature is None else settings.temperature,
                           max_tokens=protocol.max_tokens if settings.max_tokens is None else settings.max_tokens)


def backend_args(settings: RunSettings) -> dict[str, Any]:
    """The model's backend arguments: ``--model-args`` with ``--chat-template`` and ``--concurrency``
    where the backend takes them (a note where it does not); credential-named ones refused."""
    from xeval.models.registry import resolve_spec
    from xeval.redaction import refuse_secret_args

    resolve_spec(settings.model)  # an unknown spec fails before any data is read
    model_args = dict(settings.model_args)
    refuse_secret_args(model_args, "--model-args")
    refuse_secret_args(settings.judge_args, "--judge-args")
    remote = settings.model.startswith("openai:")
    if settings.chat_template:
        if remote and model_args.get("api", "chat") == "chat":
            print("xeval: note: --chat-template is ignored for openai: chat requests (the server applies its "
                  "own template); it applies with --model-args api=completions", file=sys.stderr)
        else:
            model_args["chat_template"] = settings.chat_template
    if settings.concurrency is not None:
        if remote:
            model_args["concurrency"] = settings.concurrency
        else:  # in-process backends batch instead
            print(f"xeval: note: --concurrency is for API backends (openai:); ignored for {settings.model} "
                  "(--batch-size, or --model-args parallel=N for llama.cpp)", file=sys.stderr)
    return model_args


# ---------------------------------------------------------------------------------------------------------------
# the session


class RunSession:
    """The live side of a run: executor, call cache and models, opened in that order (the executor
    on the first model opened, after the tasks are planned) and closed in reverse when the session ends."""

    def __init__(self, settings: RunSettings) -> None:
        from xeval.run.executors import ExecutorSpec, check_executor_spec, data_parallel, parse_worker_resources

        self.settings = settings
        model_args = backend_args(settings)
        executor_spec = ExecutorSpec(settings.executor, settings.ray_address,
                                     1 if settings.workers is None else settings.workers,
                                     parse_worker_resources(settings.worker_resources))
        # vLLM data parallel: Ray workers
        self.model_args, self.executor_spec = data_parallel(settings.model, model_args, executor_spec)
        check_executor_spec(self.executor_spec)
        self.cache: Any = None
        self._opened: list[Any] = []
        self._executors: list[Any] = []
        self._counted: list[Any] = []  # the judge and the model, whose cache use is reported

    def __enter__(self) -> RunSession:
        if not self.settings.no_cache:
            from xeval.models.cache import CACHE_FILE, CallCache
            from xeval.paths import cache_dir

            self.cache = CallCache((self.settings.cache_dir or cache_dir()) / CACHE_FILE)
        return self

    def open_model(self, spec: str, extra: dict[str, Any], keep: bool = True, role: str = "model") -> Any:
        from xeval.models.cache import CachedModel
        from xeval.run.executors import open_executor

        if not self._executors:
            self._executors.append(open_executor(self.executor_spec))
        adapter = self._executors[0].open(spec, extra, role)
        if keep:  # closed when the run ends; a baseline model is closed as soon as it has answered
            self._opened.append(adapter)
        model = CachedModel(adapter, self.cache) if self.cache is not None else adapter
        if role in ("model", "judge"):
            self._counted.append(model)
        return model

    def __exit__(self, *exc: object) -> None:
        for adapter in self._opened:
            adapter.close()
        for executor in self._executors:
            executor.close()
        if self.cache is not None:
            self.cache.close()
        stats = [m.stats for m in self._counted if hasattr(m, "stats")]
        if stats:
            print(f"xeval: cache {sum(s.hits for s in stats)} hit(s), {sum(s.misses for s in stats)} "
                  "model call(s)", file=sys.stderr)

    def run(self) -> Any:
        """Plan the tasks, open the judge, the baseline and the model, and evaluate: the RunResult."""
        from xeval.models.base import abilities_of
        from xeval.redaction import redact
        from xeval.run.runner import RunConfig, plan_tasks, resolve_mc_mode, run_evaluation
        from xeval.tasks.task_index import TaskIndex

        settings = self.settings
        config = RunConfig.model_validate({**settings.model_dump(), "model_args": self.model_args})
        index = TaskIndex.load(extra_paths=settings.tasks_dir)
        if settings.judge_spec:
            from xeval.models.registry import resolve_spec
            from xeval.scoring.judges.jury import Jury, jury_specs

            specs = jury_specs(settings.judge_spec)
            for spec in specs:
                resolve_spec(spec)
            judges = [self.open_model(spec, dict(settings.judge_args), role="judge") for spec in specs]
            config.judge = Jury(judges) if len(judges) > 1 else judges[0]
        if settings.baseline_spec:
            config.baseline = self._baseline(settings.baseline_spec, config, index)
        plans = plan_tasks(config, index)
        n = sum(len(p.samples) for p in plans)
        print(f"xeval: {len(plans)} task(s), {n} sample(s), model {redact(settings.model)}", file=sys.stderr)
        model = self.open_model(settings.model, config.model_args)
        config.mc_mode = cast(Any, resolve_mc_mode(settings.mc_mode, model, plans))
        config.chat_model = abilities_of(model).chat
        return run_evaluation(config, model, plans)

    def _baseline(self, value: str, config: Any, index: Any) -> Any:
        """A run folder (or a run id under --output) holding the baseline's answers; or a model,
        which first answers the same tasks as a recorded, cached run of its own (the tasks' own
        generation settings), whose answers are then judged against."""
        from xeval.models.registry import resolve_spec
        from xeval.redaction import redact
        from xeval.run.baseline import baseline_from_run
        from xeval.run.runner import plan_tasks, resolve_mc_mode, run_evaluation

        for candidate in (Path(value), config.output / value):
            if (candidate / "samples.jsonl").exists():
                return baseline_from_run(candidate)
        if ":" not in value and value not in {"embedded", "none"}:
            raise XevalError(f"--baseline {value!r}: not a run folder with samples.jsonl, nor a model spec")
        resolve_spec(value)
        base_config = config.model_copy(update={
            "model": value, "model_args": {}, "judge": None, "baseline": None, "as_baseline": True,
            "judge_spec": None, "judge_args": {}, "baseline_spec": None,
            "run_id": f"{config.run_id}-baseline" if config.run_id else None})
        plans = plan_tasks(base_config, index, quiet_judges=True)
        model = self.open_model(value, {}, keep=False, role="baseline")
        try:
            base_config.mc_mode = cast(Any, resolve_mc_mode(self.settings.mc_mode, model, plans))
            result = run_evaluation(base_config, model, plans)
        finally:
            model.close()
        print(f"xeval: baseline {redact(value)}: {result.summary['n_records']} answer(s) recorded in "
              f"{result.run_dir}", file=sys.stderr)
        return baseline_from_run(result.run_dir)
