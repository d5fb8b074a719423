"""One evaluation run: tasks -> samples -> predictions -> scores -> records and summary."""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ConfigDict, Field

from xeval.errors import ConfigError, ServerDown, XevalError
from xeval.models.base import ModelAdapter, abilities_of
from xeval.redaction import redact, redact_value
from xeval.results import RunFolder, build_summary, make_record, read_records
from xeval.run.conversation import ConversationState, turn_order, turns_to_ask_again
from xeval.run.executors import executor_record
from xeval.run.lookahead import Lookahead
from xeval.run.predict import generates, planned_requests, predict, with_choices_shown
from xeval.run.progress import Progress
from xeval.run.protocols import resolve_protocol
from xeval.scoring import Scorer, ScorerContext, canonical_name, declared_facts, judge_needs, make_scorer
from xeval.scoring.builtin import language_gated
from xeval.settings import RunSettings
from xeval.tasks.datafiles import read_bytes, tracking_reads
from xeval.tasks.datasets import fewshot_split_name, load_documents, split_name
from xeval.tasks.metafile import is_meta_selection, load_cluster_map, load_meta_dataset, task_prefixes
from xeval.tasks.rendering import Fewshot, build_samples, process_documents
from xeval.tasks.task_index import LM_EVAL_PREFIX, TaskIndex
from xeval.tasks.taskspec import RECORDED_SPEC_EXCLUDE, TaskSpec
from xeval.types import (
    DATA_ERROR,
    SAMPLE_TEMPERATURE,
    GenerationRequest,
    GenerationSettings,
    MetricFacts,
    Prediction,
    Sample,
)


class RunConfig(RunSettings):
    """What the runner is given: the run's settings (:class:`~xeval.settings.RunSettings`, recorded in
    run.json) and, beside them, the live handles its scorers use, never recorded: the judge model
    (``judge:``/``pairwise:`` scorers) and the baseline's answers (``pairwise:`` scorers)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    judge: Any = Field(default=None, exclude=True)  # a ModelAdapter
    baseline: Any = Field(default=None, exclude=True)  # judges.scorers.Baseline


@dataclass
class TaskPlan:
    spec: TaskSpec
    samples: list[Sample]
    scorers: list[Scorer]
    # the files the task was read from (its YAML, its data), label -> sha256: part of the run's
    # identity, so a resume or merge over an edited file is refused, naming it
    inputs: dict[str, str] = field(default_factory=dict)
    # the language gate, decided once from the spec and scorers (:func:`language_gate`)
    gate: tuple[str, int, int] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.gate = language_gate(self)


@dataclass
class RunResult:
    run_dir: Path
    summary: dict[str, Any]


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:60] or "model"


def _check_unique_tasks(rendered: list[tuple[TaskSpec, list[Sample]]]) -> None:
    """Two selections giving one task name would give their samples one key (resume and merge
    would take one for the other): refuse with both sources."""
    sources: dict[str, str] = {}
    for spec, _ in rendered:
        if spec.task in sources:
            raise XevalError(f"task {spec.task!r} comes from both {sources[spec.task]} and {spec.source}: "
                             "select it once")
        sources[spec.task] = spec.source


@dataclass
class _Rendered:
    """A selected task, loaded and rendered: its samples, the files it was read from, the documents
    its filters read (filter_list) and lm-eval's own metrics (``lm_eval:`` tasks)."""

    spec: TaskSpec
    samples: list[Sample]
    inputs: dict[str, str] = field(default_factory=dict)
    docs: list[dict[str, Any]] | None = None
    lm_eval_metrics: list[Scorer] = field(default_factory=list)


def plan_tasks(config: RunConfig, index: TaskIndex | None = None, quiet_judges: bool = False) -> list[TaskPlan]:
    """Load and render every selected task before any model is loaded (fail fast)."""
    index = index or TaskIndex.load()
    names = [s.strip() for s in (config.tasks or "").split(",") if s.strip()]
    if config.tasks is not None and not names:
        raise XevalError("--tasks is empty: name at least one task, group or file:PATH")
    names = list(dict.fromkeys(names))  # a selection named twice runs once
    files = [n for n in names if is_meta_selection(n)]
    bridged = [n for n in names if n.startswith(LM_EVAL_PREFIX)]
    native = [n for n in names if n not in files and n not in bridged]
    rendered = _render_bridged(bridged, config, index)
    if native or not names:
        rendered += _render_native(native or None, config, index)
    if files:
        rendered += _render_files(files, config, index)
    _check_unique_tasks([(r.spec, r.samples) for r in rendered])
    _number_samples(rendered)
    languages = frozenset(s.answer_language for r in rendered for s in r.samples)
    context = ScorerContext(languages=languages, judge=config.judge, judge_mode=config.judge_mode,
                            baseline=config.baseline, judge_max_tokens=config.judge_max_tokens)
    protocol = resolve_protocol(config.protocol)
    plans = []
    unscorable: list[tuple[str, int, str]] = []  # task, rows refused, the first reason
    for task in rendered:
        scorers = _scorers(task, context, protocol, quiet_judges)
        refused = refuse_bad_rows(task.spec, task.samples, scorers)
        if refused:
            unscorable.append((task.spec.task, *refused))
        plans.append(TaskPlan(task.spec, task.samples, _answer_set_scorers(task.spec, scorers, config, task.docs),
                              task.inputs))
    if unscorable:
        counts = "; ".join(f"{task} {n} (first: {reason[:200]})" for task, n, reason in unscorable)
        print(f"xeval: warning: {sum(n for _, n, _ in unscorable)} row(s) cannot be scored and are recorded as "
              f"failed without asking the model: {counts}", file=sys.stderr)
    return plans


def _render_bridged(selections: list[str], config: RunConfig, index: TaskIndex) -> list[_Rendered]:
    """``lm_eval:TASK`` selections: lm-eval's own task objects, rendered, with lm-eval's metrics."""
    rendered = []
    for selection in selections:
        from xeval.integrations.lmeval import load_lm_eval_tasks

        include = [str(index.root), *(str(p) for p in index.extra_paths)]
        for spec, samples, metrics in load_lm_eval_tasks(selection, config.limit, include,
                                                         num_fewshot=config.num_fewshot, fewshot_seed=config.seed):
            rendered.append(_Rendered(spec, samples, lm_eval_metrics=metrics))
    return rendered


def _render_native(selections: list[str] | None, config: RunConfig, index: TaskIndex) -> list[_Rendered]:
    """Task YAMLs (``None``: the default suite), their documents loaded and rendered into samples."""
    rendered = []
    for spec in index.resolve(selections):
        _check_instruction_set(spec)
        missing = spec.unimplemented()
        if missing:
            raise XevalError(f"{spec.source}: task {spec.task!r} uses {', '.join(missing)}, which xeval's "
                             f"native runner does not implement yet; run it through lm-eval "
                             f"(--tasks lm_eval:{spec.task}) or remove the field")
        spec = with_num_fewshot(spec.as_baseline() if config.as_baseline else spec, config.num_fewshot)
        with tracking_reads() as read:
            if spec.source and Path(spec.source).is_file():
                read_bytes(Path(spec.source))
            docs = load_documents(spec, config.data_dir, config.data_source)
            fewshot = _fewshot(spec, docs, config)
        samples = build_samples(spec, docs, config.limit, config.sample_seed, fewshot)
        if spec.xeval.chat_doc_to_text:  # the chat model's prompt, kept beside; chosen once the model is known
            chat_spec = spec.model_copy(update={"doc_to_text": spec.xeval.chat_doc_to_text})
            for sample, chat in zip(samples, build_samples(chat_spec, docs, config.limit, config.sample_seed,
                                                           fewshot), strict=True):
                sample.metadata[CHAT_MESSAGES] = chat.messages
        rendered.append(_Rendered(spec, samples, _labelled(read, config.data_dir, [index.root, *index.extra_paths]),
                                  docs=process_documents(spec, docs) if spec.filter_list else None))
    return rendered


def _check_instruction_set(spec: TaskSpec) -> None:
    """A task's declared checker set (``metadata.xeval.instructions.benchmark``) names one of the
    conventions table's benchmarks: else one line naming the YAML (tasks sit below scoring, so the
    table is read here, when the task is planned)."""
    declared = spec.xeval.instructions
    if declared is None:
        return
    from xeval.scoring.instructions.conventions import BENCHMARKS

    if declared.benchmark not in BENCHMARKS:
        raise ConfigError(f"{spec.source}: metadata.xeval: field 'instructions.benchmark': unknown instruction "
                          f"benchmark {declared.benchmark!r} (one of {', '.join(BENCHMARKS)})")


def _render_files(selections: list[str], config: RunConfig, index: TaskIndex) -> list[_Rendered]:
    """``file:`` meta-datasets (KORANI's format, CSV / JSONL of labelled rows)."""
    if config.num_fewshot:
        raise XevalError(f"--num-fewshot {config.num_fewshot}: meta-dataset files ({', '.join(selections)}) have "
                         "no split to draw examples from; KORANI evaluates zero-shot")
    cluster_map = load_cluster_map(config.clusters)
    prefixes = task_prefixes(selections)
    rendered = []
    for selection in selections:
        with tracking_reads() as read:
            loaded = load_meta_dataset(selection, config.limit, strict=config.strict, clusters=cluster_map,
                                       sample_seed=config.sample_seed, prefix=prefixes[selection],
                                       use_predictions=config.model == "none")
        inputs = _labelled(read, config.data_dir, [index.root, *index.extra_paths])
        rendered += [_Rendered(spec, samples, inputs) for spec, samples in loaded]
    return rendered


def _number_samples(rendered: list[_Rendered]) -> None:
    """Each sample's position in the whole run (``seq``): shards and merges use it; a
    conversation's turns share their first turn's (``shard_seq``), so they stay in one shard."""
    seq = 0
    for task in rendered:
        first_turn: dict[str, int] = {}
        for sample in task.samples:
            sample.metadata["seq"] = seq
            if sample.conversation is not None:
                sample.metadata["shard_seq"] = first_turn.setdefault(sample.conversation.id, seq)
            seq += 1


def _scorers(task: _Rendered, context: ScorerContext, protocol: Any, quiet_judges: bool) -> list[Scorer]:
    """The task's scorers: lm-eval's metrics (bridged tasks), its metric_list and xeval scorers,
    a protocol's; a judge scorer with no judge (or baseline) is skipped, with a note."""
    spec = task.spec
    names = spec.scorer_names
    if protocol is not None:
        names = [*names, *(n for n in protocol.scorers(spec) if n not in names)]
    scorers: list[Scorer] = list(task.lm_eval_metrics)
    if not names and not scorers:
        raise XevalError(f"{spec.source}: task {spec.task!r} has no metric_list and no scorers")
    seen: set[str] = {s.name for s in scorers}
    for name in names:
        needs = judge_needs(name, context)
        if needs:  # answers first, judging later: the run stays useful (e.g. as a baseline)
            if not quiet_judges:
                print(f"xeval: {spec.task}: scorer {name} skipped (no {needs})", file=sys.stderr)
            continue
        scorer = make_scorer(name, context, where=spec.source)
        if scorer.name not in seen:  # acc and acc_norm are one scorer
            seen.add(scorer.name)
            scorers.append(scorer)
    return scorers


def refuse_bad_rows(spec: TaskSpec, samples: list[Sample], scorers: list[Scorer]) -> tuple[int, str] | None:
    """Validate the task's rows before the model is asked: a scorer that can tell a row it cannot
    score from the row alone (``row_error``: the instruction scorers' unknown ids, mistyped kwargs,
    patterns that are no regular expressions) marks it a failed data row with the reason. Returns
    how many rows were marked and the first reason; a task left with no row to score is refused."""
    checks = list({getattr(c, "__func__", c): c for c in (getattr(s, "row_error", None) for s in scorers)
                   if callable(c)}.values())
    if not checks or not samples:
        return None
    marked, first = 0, ""
    for sample in samples:
        if DATA_ERROR in sample.metadata:
            continue
        reason = next((r for r in (check(sample) for check in checks) if r), None)
        if reason:
            sample.metadata[DATA_ERROR] = reason
            marked, first = marked + 1, first or f"sample {sample.id}: {reason}"
    if marked and all(DATA_ERROR in s.metadata for s in samples):
        raise XevalError(f"{spec.source}: task {spec.task!r}: none of its {len(samples)} row(s) can be scored "
                         f"({first})"[:400])
    return (marked, first) if marked else None


CHAT_MESSAGES = "chat_messages"  # Sample.metadata: the prompt a chat model gets (chat_doc_to_text)


def with_chat_prompt(sample: Sample) -> Sample:
    chat = sample.metadata.get(CHAT_MESSAGES)
    return sample.model_copy(update={"messages": chat}) if chat else sample


def _labelled(read: dict[str, str], data_dir: Path | None, task_roots: list[Path]) -> dict[str, str]:
    """Files read, by a label that holds across machines: relative to --data-dir or to a tasks
    folder (the shipped one, --tasks-dir) where under them, else the path as given."""
    labelled = {}
    bases = [(data_dir, "data-dir/"), *((root, "tasks/") for root in task_roots)]
    for name, digest in read.items():
        path = Path(name)
        label = name
        for base, prefix in bases:
            if base is None:
                continue
            try:
                label = prefix + path.resolve().relative_to(Path(base).resolve()).as_posix()
                break
            except ValueError:
                continue
        labelled[label] = digest
    return dict(sorted(labelled.items()))


def repeats_for(spec: TaskSpec, config: RunConfig) -> int:
    """Answers per sample: ``--repeats``, else the task's ``repeats``, else one."""
    return max(1, config.repeats or spec.repeats or 1)


def _answer_set_scorers(spec: TaskSpec, scorers: list[Scorer], config: RunConfig,
                        docs: list[dict[str, Any]] | None) -> list[Scorer]:
    """Scorers of a task with a filter_list (one per metric x pipeline, named ``metric,pipeline``)
    or with repeats (mean, pass@K, maj@K per sample); else the scorers as they are."""
    from xeval.scoring.answersets import AnswerSetScorer
    from xeval.scoring.filters import parse_filter_list

    if spec.filter_list:
        if spec.output_type != "generate_until":
            raise XevalError(f"{spec.source}: filter_list applies to generate_until answers; task "
                             f"{spec.task!r} is {spec.output_type}")
        pipelines = parse_filter_list(spec.filter_list, spec.source)
        table = docs or []

        def doc(sample: Sample) -> dict[str, Any]:
            index = sample.metadata.get("doc_index")
            return table[index] if isinstance(index, int) and index < len(table) else {}

        return [AnswerSetScorer(scorer, pipeline, doc) for pipeline in pipelines for scorer in scorers]
    if repeats_for(spec, config) > 1:  # (lm-eval's own metrics take every repeat through their filters)
        return [scorer if getattr(scorer, "answers_all_repeats", False) else AnswerSetScorer(scorer)
                for scorer in scorers]
    return scorers


def with_num_fewshot(spec: TaskSpec, override: int | None) -> TaskSpec:
    """The task with ``--num-fewshot`` applied, as lm-eval applies it: every task takes the
    override except one whose YAML says ``num_fewshot: 0``."""
    if override is None or spec.num_fewshot == 0:
        return spec
    if override < 0:
        raise XevalError(f"--num-fewshot must be 0 or more, got {override}")
    return spec.model_copy(update={"num_fewshot": override})


def _fewshot(spec: TaskSpec, docs: list[dict[str, Any]], config: RunConfig) -> Fewshot | None:
    n = spec.num_fewshot or 0
    if n <= 0:
        return None
    split = fewshot_split_name(spec)
    same = split == split_name(spec)
    pool = docs if same else load_documents(spec, config.data_dir, config.data_source, split=split)
    return Fewshot(n=n, pool=process_documents(spec, pool), same_split=same, seed=config.seed,
                   multiturn=config.fewshot_as_multiturn)


def run_evaluation(
    config: RunConfig,
    model: ModelAdapter,
    plans: list[TaskPlan],
    on_batch: Callable[[int], None] | None = None,
) -> RunResult:
    """Evaluate ``plans`` on ``model``, appending records as batches finish.

    On any interruption (Ctrl-C included) the summary of what finished is written, marked
    incomplete, before the exception propagates: nothing computed is lost.
    """
    started = datetime.now(UTC)
    run_id = config.run_id or f"{started:%Y%m%d-%H%M%S}-{slug(redact(model.spec))}"
    folder = RunFolder(config.output / run_id)
    with folder.locked():  # one writer per run folder
        try:
            return _evaluate(config, model, plans, folder, started, on_batch)
        except ServerDown as exc:  # what finished is written; the CLI names the folder to resume
            exc.run_dir = str(folder.path)
            raise


def _evaluate(config: RunConfig, model: ModelAdapter, plans: list[TaskPlan], folder: RunFolder,
              started: datetime, on_batch: Callable[[int], None] | None) -> RunResult:
    meta, done = _start(config, model, plans, folder, started)
    writer = folder.writer()
    prepared = prepare(plans, config, done)
    total = sum(len(t.samples) for t in prepared)
    conversations = ConversationState()
    if any(s.conversation for t in prepared for s in t.samples):
        conversations.load_records(read_records(writer.path))
    model = _with_lookahead(model, prepared)
    overlap = overlap_scoring(config, model)
    batch_size = run_batch_size(config, model, overlap)
    complete = False
    clock = time.perf_counter()
    trace = os.environ.get("XEVAL_TRACE_CALLS")
    try:
        with Progress(total, f"{model.spec}") as progress, ScoringLane(overlap) as lane:
            for task in prepared:
                progress.describe(task.plan.spec.task)
                for group in turn_order(task.samples):  # a conversation's turn t after its turn t-1
                    for start in range(0, len(group), batch_size):
                        batch = [conversations.with_history(s) for s in group[start:start + batch_size]]
                        if trace is not None:  # debugging aid: which samples went to the model
                            with open(trace, "a", encoding="utf-8") as handle:
                                handle.write("".join(f"{s.key}\n" for s in batch))
                        predictions = predict_repeats(model, batch, task.settings, config, task.repeats)
                        for sample, prediction in zip(batch, predictions, strict=True):
                            if sample.conversation is not None:
                                conversations.remember(sample, prediction.text, prediction.error)

                        def finish(task: PreparedTask = task, batch: list[Sample] = batch,
                                   predictions: list[Prediction] = predictions) -> None:
                            writer.write(task.records(batch, predictions, model.spec))
                            progress.advance(len(batch))
                            if on_batch is not None:
                                on_batch(len(batch))

                        lane.submit(finish)  # with a judge API: judged while the next batch generates
        complete = True
    finally:
        failing = sys.exc_info()[1]  # the error ending the run, if one is: it stays the one reported
        writer.close()
        meta["executor"] = redact_value(executor_record(model))  # with the workers lost and replaced
        meta["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
        usage = getattr(config.judge, "usage", None)
        if callable(usage) and "judge" in meta:  # a jury: each judge's token use in this session
            meta["judge"] = {**meta["judge"], "usage": usage()}
        meta["duration_s"] = round(time.perf_counter() - clock, 3)
        records = list(read_records(writer.path))
        summary = build_summary(meta, records, complete)
        try:
            folder.write_summary(summary)
        except XevalError as exc:
            if failing is None:
                raise
            print(f"xeval: also {exc} (the summary can be rebuilt from samples.jsonl by resuming)", file=sys.stderr)
    return RunResult(folder.path, summary)


def _start(config: RunConfig, model: ModelAdapter, plans: list[TaskPlan], folder: RunFolder,
           started: datetime) -> tuple[dict[str, Any], set[str]]:
    """Write run.json (or check a resumed run is this one): the run's metadata and the keys of the
    samples already recorded (less the turns of conversations a resumed run must ask again)."""
    meta: dict[str, Any] = {
        "run_id": folder.path.name,
        "created": started.isoformat(timespec="seconds"),
        "model": {"spec": model.spec, "args": config.model_args,
                  "fingerprint": model.fingerprint()},
        "settings": config.recorded(),
        "tasks": {p.spec.task: _task_meta(p, config) for p in plans},
    }
    if config.judge is not None:
        meta["judge"] = {"spec": config.judge.spec, "fingerprint": config.judge.fingerprint(),
                         "mode": config.judge_mode}
        members = getattr(config.judge, "members", None)
        if callable(members):  # a jury: its judges by label
            meta["judge"]["jury"] = members()
    if config.baseline is not None:
        meta["baseline"] = config.baseline.label
    meta["executor"] = executor_record(model)  # where the requests were answered (not part of the run's identity)
    meta = redact_value(meta)  # no credentials in URLs, no API key, in anything the run writes
    executor = meta["executor"]
    meta, done = folder.start(meta)
    meta["executor"] = executor  # a resumed run: this session's
    if done and any(s.conversation for p in plans for s in p.samples):
        pending = [s for p in plans for s in p.samples if s.key not in done and _in_shard(s, config.shard)]
        redo = turns_to_ask_again(read_records(folder.samples_file), pending)
        if redo:
            folder.drop_records(redo)
            done = done - redo
            print(f"xeval: {len(redo)} recorded turn(s) of conversations that go on were redacted when written "
                  "(credentials in a reply): asked again, so the next turns see the model's own words",
                  file=sys.stderr)
    return meta, done


@dataclass
class PreparedTask:
    """A task as this session asks it, decided once before the first request: the samples still
    to answer (not recorded yet, in this shard) with their prompts as sent (a chat model's prompt,
    multiple choice's lettered choices), the generation settings, how many answers per sample,
    and the task's language gate (``TaskPlan.gate``)."""

    plan: TaskPlan
    samples: list[Sample]
    settings: GenerationSettings
    repeats: int
    mc_mode: str

    def requests_ahead(self) -> list[GenerationRequest]:
        """What the look-ahead may ask before this task's turn: its first turns' requests, as
        ``predict`` will send them (none with repeats: each repeat has its own seed)."""
        if self.repeats != 1:
            return []
        # a later turn's history is not known yet: only first turns are asked ahead
        first = [s for s in self.samples if s.conversation is None or s.conversation.turn == 1]
        return planned_requests(first, self.settings, self.mc_mode)

    def records(self, batch: list[Sample], predictions: list[Prediction], model_spec: str) -> list[dict[str, Any]]:
        """Score a batch (the language-gated primary metric beside the others) into its records."""
        scores = [scorer.score(batch, predictions) for scorer in self.plan.scorers]
        if self.plan.gate is not None:
            primary, main, language = self.plan.gate
            scores.append(language_gated(primary, scores[main], scores[language]))
        return [make_record(sample, prediction, [s[i] for s in scores], model_spec)
                for i, (sample, prediction) in enumerate(zip(batch, predictions, strict=True))]


def prepare(plans: list[TaskPlan], config: RunConfig, done: set[str]) -> list[PreparedTask]:
    """Each task as this session asks it (:class:`PreparedTask`): what is done or in another
    shard is left out; a chat model gets the tasks' chat prompts; multiple choice by generation
    gets its choices lettered in the prompt (the records keep the prompt as sent)."""
    prepared = []
    for plan in plans:
        samples = [s for s in plan.samples if s.key not in done and _in_shard(s, config.shard)]
        if config.chat_model:  # a chat model: tasks with a chat prompt send it as the user turn
            samples = [with_chat_prompt(s) for s in samples]
        if config.mc_mode == "generate" and plan.spec.output_type == "multiple_choice":
            samples = [with_choices_shown(s) for s in samples]
        if config.temperature is not None:  # --temperature wins over an item's own (by its category)
            samples = [_without_item_temperature(s) for s in samples]
        settings = _run_settings(plan, config)
        prepared.append(PreparedTask(replace(plan, samples=samples), samples, settings,
                                     _repeats_asked(plan, config, settings.temperature), config.mc_mode))
    return prepared


def _without_item_temperature(sample: Sample) -> Sample:
    if SAMPLE_TEMPERATURE not in sample.metadata:
        return sample
    return sample.model_copy(update={"metadata": {k: v for k, v in sample.metadata.items() if k != SAMPLE_TEMPERATURE}})


def _run_settings(plan: TaskPlan, config: RunConfig) -> GenerationSettings:
    """A task's generation settings with the run's overrides."""
    update: dict[str, Any] = {"seed": config.seed}
    if config.max_tokens is not None:
        update["max_tokens"] = config.max_tokens
    if config.temperature is not None:
        update["temperature"] = config.temperature
    return plan.spec.generation_settings().model_copy(update=update)


def _with_lookahead(model: ModelAdapter, prepared: list[PreparedTask]) -> ModelAdapter:
    """A batched in-process model also answers the next tasks' requests while it answers a
    batch (``run/lookahead.py``): a suite of many small tasks fills its slots."""
    abilities = abilities_of(model)
    if abilities.batch_hint <= 0 or abilities.remote:
        return model
    upcoming = [request for task in prepared for request in task.requests_ahead()]
    return Lookahead(model, upcoming, window=abilities.batch_hint) if upcoming else model


OVERLAP_BATCH_SHARE = 8  # judged while the next generates: batches of an eighth of the backend's wish


def run_batch_size(config: RunConfig, model: ModelAdapter, overlap: bool) -> int:
    """Samples per batch: concurrent backends (APIs) want bigger batches than in-process ones
    (``batch_hint``: 16 x their concurrency); when a judge scores each batch while the next one
    generates, batches of twice the concurrency, so that judging pipelines behind generation and only
    the last small batch (of each turn, in a conversation) waits for its judge alone."""
    hint = abilities_of(model).batch_hint
    if overlap:
        hint //= OVERLAP_BATCH_SHARE
    return max(config.batch_size, hint)


def overlap_scoring(config: RunConfig, model: ModelAdapter) -> bool:
    """Score (judge) a batch while the next one generates: when a judge is set and both the model
    and the judge answer outside this process (APIs, or Ray workers), whose waiting overlaps;
    in-process models would only compete for the same cores."""
    if config.judge is None:
        return False
    return all(abilities_of(m).remote or abilities_of(m).elsewhere for m in (model, config.judge))


class ScoringLane:
    """Runs each batch's scoring and writing in order: inline, or on one worker thread, one
    batch behind generation. The first failure is raised where the next batch is submitted
    (or when the lane closes); batches already scored stay written."""

    def __init__(self, overlap: bool) -> None:
        self.overlap = overlap
        self._pool: Any = None
        self._pending: Any = None

    def __enter__(self) -> ScoringLane:
        if self.overlap:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xeval-scoring")
        return self

    def submit(self, work: Callable[[], None]) -> None:
        if self._pool is None:
            work()
            return
        self._wait()
        self._pending = self._pool.submit(work)

    def _wait(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()

    def __exit__(self, *exc: object) -> None:
        if self._pool is None:
            return
        try:
            self._wait()
        finally:
            self._pool.shutdown(wait=True)


def applied_repeats(plan: TaskPlan, config: RunConfig) -> int:
    """Repeats as run: one for multiple choice by log-likelihood (deterministic)."""
    if plan.spec.output_type == "multiple_choice" and not generates(config.mc_mode):
        return 1
    return repeats_for(plan.spec, config)


def _repeats_asked(plan: TaskPlan, config: RunConfig, temperature: float) -> int:
    repeats = repeats_for(plan.spec, config)
    if repeats == 1:
        return 1
    if applied_repeats(plan, config) == 1:
        print(f"xeval: {plan.spec.task}: repeats={repeats} not applied: log-likelihoods are deterministic "
              "(--mc-mode generate samples answers)", file=sys.stderr)
        return 1
    if temperature == 0:
        print(f"xeval: {plan.spec.task}: repeats={repeats} with greedy decoding give the same answer each time "
              "(set --temperature)", file=sys.stderr)
    return repeats


def predict_repeats(model: ModelAdapter, batch: list[Sample], settings: GenerationSettings, config: RunConfig,
                    repeats: int) -> list[Prediction]:
    """Each sample answered ``repeats`` times, the r-th time with seed + r; one Prediction per
    sample holding every answer (a failed repeat fails the sample, with its reason)."""
    rounds = [predict(model, batch, settings.model_copy(update={"seed": settings.seed + r}), config.mc_mode,
                      config.reasoning_markers) for r in range(repeats)]
    if repeats == 1:
        return rounds[0]
    merged = []
    for answers in zip(*rounds, strict=True):
        failed = next(((r, a.error) for r, a in enumerate(answers) if a.error), None)
        error = f"repeat {failed[0] + 1} of {repeats}: {failed[1]}" if failed else None
        merged.append(answers[0].model_copy(update={"repeats": list(answers), "error": error}))
    return merged


def _in_shard(sample: Sample, shard: tuple[int, int] | None) -> bool:
    """Shard i of n holds the samples whose run position is i-1 modulo n."""
    position = sample.metadata.get("shard_seq", sample.metadata["seq"])
    return shard is None or position % shard[1] == shard[0] - 1


def primary_metric(spec: TaskSpec) -> str:
    """The task's headline metric: the first of its metric_list (then xeval scorers)."""
    first = spec.xeval.primary_metric or spec.scorer_names[0]
    name = first if first == "acc_norm" else canonical_name(first)
    if spec.filter_list and "," not in name and isinstance(spec.filter_list[0], dict):
        name = f"{name},{spec.filter_list[0].get('name')}"  # lm-eval's metric,filter
    return name


def resolve_mc_mode(requested: str, model: ModelAdapter, plans: list[TaskPlan]) -> str:
    """``auto``: log-likelihoods where the backend gives them (one probe request), else
    generation with the answer extracted from the reply."""
    multiple_choice = any(p.spec.output_type == "multiple_choice" for p in plans)
    declared = abilities_of(model).loglikelihood
    if requested == "loglik" and multiple_choice and declared is False:
        raise XevalError(f"--mc-mode loglik: {model.spec} gives no log-likelihoods; use --mc-mode generate "
                         "(or auto)")
    if requested != "auto":
        return requested
    if not multiple_choice:
        return "loglik"
    if declared is not None:
        if not declared:
            print(f"xeval: --mc-mode auto: {model.spec} gives no log-likelihoods; multiple choice by generation",
                  file=sys.stderr)
        return "loglik" if declared else "generate"
    from xeval.types import LoglikelihoodRequest

    try:
        model.loglikelihood([LoglikelihoodRequest(context="The sky is", continuation=" blue")])
    except ServerDown:
        raise  # not a refusal: the server is gone
    except Exception as exc:  # noqa: BLE001 - any refusal means: this backend gives no log-likelihoods
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"xeval: --mc-mode auto: {model.spec} gives no log-likelihoods ({reason[:160]}); multiple choice "
              "by generation", file=sys.stderr)
        return "generate"
    return "loglik"


def language_gate(plan: TaskPlan) -> tuple[str, int, int] | None:
    """For a generation task scored by its primary metric and by language correctness: the
    primary metric's name and the two scorers' positions (for ``<primary>_lang_gated``)."""
    if plan.spec.output_type != "generate_until" or not plan.spec.scorer_names:
        return None
    names = [s.name for s in plan.scorers]
    primary = primary_metric(plan.spec)
    if "language" not in names or primary not in names or primary == "language":
        return None
    if primary.startswith(("judge", "pairwise")):  # a judge already scores the language facet, on its own scale
        return None
    return primary, names.index(primary), names.index("language")


def metric_facts(plan: TaskPlan) -> dict[str, MetricFacts]:
    """What each metric of the task is, as its scorers declare it (and the derived ones)."""
    facts: dict[str, MetricFacts] = {}
    for scorer in plan.scorers:
        facts.update(declared_facts(scorer))
    gate = plan.gate
    if gate is not None:
        primary = facts.get(gate[0], MetricFacts())
        facts[f"{gate[0]}_lang_gated"] = primary.model_copy(update={"about": (
            f"{gate[0]}, 0 where the answer is decided to be in another language than asked (undecidable or "
            "no-text answers keep their value)")})
    return facts


def _task_meta(plan: TaskPlan, config: RunConfig) -> dict[str, Any]:
    spec = plan.spec
    facts = metric_facts(plan)
    return {
        "metrics_info": {name: f.about for name, f in facts.items() if f.about},
        "metric_facts": {name: f.model_dump(mode="json") for name, f in facts.items()},
        "version": spec.version,
        "source": spec.source,
        "output_type": spec.output_type,
        "input_language": spec.xeval.input_language,
        "template_language": spec.template_language,
        "answer_language": spec.answer_language,
        "n_samples": len(plan.samples),
        "num_fewshot": spec.num_fewshot or 0,
        "repeats": applied_repeats(plan, config),
        "scorers": [s.name for s in plan.scorers],
        # scores computed from other scores (the language-gated primary metric)
        "derived_scores": [f"{plan.gate[0]}_lang_gated"] if plan.gate else [],
        "primary_metric": primary_metric(spec) if spec.scorer_names else plan.scorers[0].name,
        "cluster": spec.xeval.cluster,
        "seen": spec.xeval.seen,
        "spec": spec.model_dump(mode="json", exclude=RECORDED_SPEC_EXCLUDE),
        "inputs": plan.inputs,
    }
