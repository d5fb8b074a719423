"""The ``xeval`` command line. Imports stay lazy so ``xeval --help`` starts fast."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

from xeval import __version__
from xeval.errors import ServerDown, XevalError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="xeval",
        description="Evaluate how well language models follow instructions across languages.",
    )
    parser.add_argument("--version", action="version", version=f"xeval {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="evaluate a model on tasks")
    run.add_argument("--model", default=None,
                     help="model spec: embedded (default), llamacpp:FILE.gguf, hf:ID, openai:MODEL@URL, none")
    run.add_argument("--model-args", "--model_args", default=None, help="backend arguments: key=value,key=value")
    run.add_argument("--chat-template", default=None,
                     help="gemma, plain, jinja (the model's own) or a Jinja template file")
    run.add_argument("--tasks", default=None,
                     help="task names, groups or glob patterns, comma-separated (default: default)")
    run.add_argument("--limit", type=int, default=None,
                     help="evaluate only N samples per task: the first N, or a seeded random N with --sample-seed")
    run.add_argument("--sample-seed", type=int, default=None,
                     help="with --limit: a seeded random subset (the same documents for every template "
                          "language of a dataset, so the cross-lingual matrix stays paired)")
    run.add_argument("--mc-mode", choices=["loglik", "generate", "exact", "auto"], default="auto",
                     help="multiple choice: rank the choices by log-likelihood, or show them lettered and "
                          "extract the model's choice from its reply, or (exact) generate from the task's own "
                          "prompt and count the reply right when, stripped, it equals the gold choice (KORANI) "
                          "(auto: generate when the backend gives no log-likelihoods, e.g. chat-only APIs)")
    run.add_argument("--protocol", default=None,
                     help="a study's preset: korani = greedy, 256 new tokens, --mc-mode exact, and the study's "
                          "rougeL_korani and accuracy_korani beside xeval's metrics (flags given win)")
    run.add_argument("--num-fewshot", "--num_fewshot", type=int, default=None,
                     help="few-shot examples per sample, for every task (as lm-eval's --num_fewshot: a task "
                          "whose YAML says num_fewshot: 0 stays zero-shot); drawn with --seed")
    run.add_argument("--repeats", type=int, default=None,
                     help="answers per sample (overrides a task's repeats): scored as the mean, pass@K and "
                          "maj@K per sample; the r-th answer is seeded with --seed + r")
    run.add_argument("--temperature", type=float, default=None,
                     help="sampling temperature for every task (repeats need > 0 to differ)")
    run.add_argument("--fewshot-as-multiturn", action="store_true",
                     help="generation: show few-shot examples as user/assistant turns, not as one text")
    run.add_argument("--reasoning-markers", default=None,
                     help="START,END of a reasoning trace kept apart from the answer (default '<think>,</think>'; "
                          "an API's reasoning_content is kept apart too)")
    run.add_argument("--strict", action="store_true",
                     help="file: meta-datasets: refuse rows whose answer is not among their choices "
                          "(default: record them as failed, unscored, with a warning)")
    run.add_argument("--clusters", type=Path, default=None,
                     help="file: meta-datasets: a YAML mapping dataset names to task clusters "
                          "(default: the KORANI map, tasks/korani/clusters.yaml)")
    run.add_argument("--output", "--output_path", type=Path, default=Path("results"), help="results folder")
    run.add_argument("--max-error-rate", type=float, default=0.0,
                     help="exit 3 when more than this share of the samples failed (default 0: any failed sample; "
                          "rows refused as bad data do not count); the results are written either way")
    run.add_argument("--gen-kwargs", "--gen_kwargs", default=None,
                     help="lm-eval's generation overrides: max_gen_toks=N,temperature=T,do_sample=true|false")
    run.add_argument("--run-id", default=None,
                     help="name of the run folder (default: time-model); an existing one is resumed")
    run.add_argument("--resume", type=Path, default=None,
                     help="continue the run in this folder, with the specs it was started with")
    run.add_argument("--judge", default=None, help="model spec of the LLM judge (judge:/pairwise: scorers)")
    run.add_argument("--judge-args", default=None, help="judge backend arguments: key=value,...")
    run.add_argument("--judge-mode", choices=["generate", "logprobs"], default="generate",
                     help="parse the judge's reply, or weight the scale by its log-probabilities")
    run.add_argument("--baseline", default=None,
                     help="pairwise baseline: a run folder (or run id under --output) or a model spec")
    run.add_argument("--shard", default=None, help="I/N: run only the I-th of N deterministic slices")
    run.add_argument("--executor", default="local",
                     help="where requests are answered: local (this process) or ray (model replicas on a Ray "
                          "cluster, one per worker; pip install 'xeval[ray]'); the driver writes the run either way")
    run.add_argument("--ray-address", default=None,
                     help="--executor ray: a running cluster (HOST:PORT, ray://HOST:PORT, auto); default: "
                          "RAY_ADDRESS, else a local cluster started for the run")
    run.add_argument("--workers", type=int, default=None,
                     help="--executor ray: model replicas (Ray workers), each loaded once (default 1)")
    run.add_argument("--worker-resources", default=None,
                     help="--executor ray: what each worker asks Ray for, e.g. num_gpus=1,num_cpus=4 "
                          "(default num_cpus=1)")
    run.add_argument("--no-cache", action="store_true", help="do not read or write the call cache")
    run.add_argument("--cache-dir", type=Path, default=None, help="where the call cache lives")
    run.add_argument("--batch-size", type=int, default=8)
    run.add_argument("--max-tokens", type=int, default=None,
                     help="override every task's generation length (max_gen_toks)")
    run.add_argument("--concurrency", type=int, default=None,
                     help="concurrent requests for API backends (default 8)")
    run.add_argument("--seed", type=int, default=1234)
    run.add_argument("--data-dir", type=Path, default=None,
                     help="folder of the datasets' release files (and of relative data_files)")
    run.add_argument("--data-source", choices=["sample", "hub", "local"], default=None,
                     help="where named data sources load from: the project's sample, the hub, "
                          "or --data-dir (default: local with --data-dir, else hub)")
    run.add_argument("--tasks-dir", "--include_path", type=Path, action="append", default=None,
                     help="extra folder of task YAMLs (repeatable)")

    tasks = sub.add_parser("tasks", help="list the available tasks")
    tasks.add_argument("--path", action="store_true", help="print the tasks folder and exit")
    tasks.add_argument("--tasks-dir", type=Path, action="append", default=None)

    merge = sub.add_parser("merge", help="join the shards of a run into one run")
    merge.add_argument("runs", type=Path, nargs="+", help="the shard run folders")
    merge.add_argument("--output", type=Path, default=None,
                       help="the merged run folder (default: beside the first shard, '-merged')")

    cmp = sub.add_parser("compare", help="paired comparison of a run with a baseline run; exit 1 on regression")
    cmp.add_argument("run", type=Path)
    cmp.add_argument("--baseline", type=Path, required=True)
    cmp.add_argument("--tolerance", type=float, default=0.0, help="drops up to this size are not regressions")
    cmp.add_argument("--alpha", type=float, default=0.05)
    cmp.add_argument("--out", type=Path, default=None, help="markdown file (default RUN/compare.md)")
    cmp.add_argument("--allow-version-mismatch", action="store_true")

    imp = sub.add_parser("import-lmeval", help="put an lm-eval results JSON on the leaderboard")
    imp.add_argument("path", type=Path, help="lm-eval's results_*.json")
    imp.add_argument("--results", type=Path, default=Path("results"))
    imp.add_argument("--model-label", default=None, help="the leaderboard row name (default: lm-eval's model args)")

    report = sub.add_parser("report", help="one static HTML file: leaderboard, charts, matrix, judges, samples")
    report.add_argument("runs", type=Path, nargs="*", help="run folders (default: the newest run of each model)")
    report.add_argument("--results", type=Path, default=Path("results"))
    report.add_argument("--out", type=Path, default=None, help="the HTML file (default RESULTS/report.html)")

    doctor = sub.add_parser("doctor", help="versions, CPU and llama.cpp kernel path, backends, the embedded "
                                           "model answering one prompt, cache and results folders")
    doctor.add_argument("--results", type=Path, default=Path("results"))
    doctor.add_argument("--no-model", action="store_true", help="skip loading the embedded model")
    doctor.add_argument("--json", action="store_true", help="machine-readable output")

    serve = sub.add_parser("serve", help="serve a GGUF model (default: embedded) as an OpenAI-compatible "
                                         "endpoint: llama_cpp.server with xeval's kernel-path decision")
    serve.add_argument("--model", default="embedded", help="embedded or a GGUF file")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--use-extra-bufts", choices=["auto", "true", "false"], default="auto",
                       help="llama.cpp's AMX/repack buffer types (auto: off on AMX builds, which crash)")
    serve.add_argument("server_args", nargs=argparse.REMAINDER,
                       help="further llama_cpp.server arguments after --, e.g. -- --n_ctx 8192")

    data = sub.add_parser("data", help="data sources: `xeval data check [TASKS]` loads one row of each")
    data_sub = data.add_subparsers(dest="data_command", metavar="ACTION", required=True)
    check = data_sub.add_parser("check", help="load one row of every selected source and check its fields")
    check.add_argument("tasks", nargs="?", default=None, help="tasks or groups (default: every source)")
    check.add_argument("--mirror", type=Path, default=None,
                       help="a local mirror of the hub repositories (DIR/<owner>/<name>), as $XEVAL_HUB_MIRROR")
    check.add_argument("--tasks-dir", type=Path, action="append", default=None)

    board = sub.add_parser("leaderboard", help="one table over all runs in a results folder")
    board.add_argument("--results", type=Path, default=Path("results"))
    board.add_argument("--format", choices=["md", "csv", "html"], default="md")
    board.add_argument("--history", metavar="MODEL", default=None,
                       help="every run of this model (spec as on the leaderboard), oldest first")
    board.add_argument("--metric", default=None, help="with --history: only TASK/METRIC")
    board.add_argument("--by", choices=["instruction-group", "instruction-id", "turn"], default=None,
                       help="instruction following per instruction group or id (strict and loose, n), or per turn of "
                            "multi-turn tasks: one row per model x task x input language x group / id / turn")
    return parser


class Terminated(KeyboardInterrupt):
    """SIGTERM (what CI runners and schedulers send at a timeout), handled as Ctrl-C is: the
    finished samples are kept and a partial summary.json written."""


def _on_sigterm(signum: int, frame: Any) -> None:
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a second SIGTERM ends the process at once
    raise Terminated


def main(argv: list[str] | None = None) -> int:
    import signal

    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread (xeval called from a library's worker): leave it be
        pass
    try:
        handlers = {"run": _cmd_run, "tasks": _cmd_tasks, "leaderboard": _cmd_leaderboard, "merge": _cmd_merge,
                    "import-lmeval": _cmd_import_lmeval, "compare": _cmd_compare,
                    "report": _cmd_report, "doctor": _cmd_doctor, "serve": _cmd_serve,
                    "data": _cmd_data}
        handler = handlers[args.command]
        return handler(args)
    except ServerDown as exc:  # a server gone mid-run: not bad input; the run is incomplete (exit 3)
        from xeval.redaction import redact

        resume = f"; continue with --resume {exc.run_dir} once it answers again" if exc.run_dir else ""
        print(f"xeval: error: {redact(str(exc))}; finished samples are saved{resume}", file=sys.stderr)
        return exc.exit_code
    except XevalError as exc:
        from xeval.redaction import redact

        print(f"xeval: error: {redact(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        terminated = isinstance(exc, Terminated)
        print(f"xeval: {'terminated (SIGTERM)' if terminated else 'interrupted'}; finished samples are saved "
              "(continue with --resume RUN_DIR)", file=sys.stderr)
        return 143 if terminated else 130
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from xeval.models.base import abilities_of
    from xeval.models.registry import parse_model_args, resolve_spec
    from xeval.redaction import redact, refuse_secret_args
    from xeval.results import read_records
    from xeval.results.leaderboard import to_markdown, write_leaderboard
    from xeval.results.matrix import cluster_matrix, has_matrix, matrix_markdown
    from xeval.run.reasoning import parse_markers
    from xeval.run.runner import RunConfig, plan_tasks, resolve_mc_mode, run_evaluation
    from xeval.tasks.task_index import TaskIndex

    if args.resume is not None:
        _resume_defaults(args)
    args.model = args.model or "embedded"
    if args.limit is not None and args.limit < 1:
        raise XevalError("--limit must be at least 1")
    if args.batch_size < 1:
        raise XevalError("--batch-size must be at least 1")
    _apply_gen_kwargs(args)
    if args.max_tokens is not None and args.max_tokens < 1:
        raise XevalError(f"--max-tokens must be at least 1, got {args.max_tokens}")
    if args.concurrency is not None and args.concurrency < 1:
        raise XevalError(f"--concurrency must be at least 1, got {args.concurrency}")
    if not 0.0 <= args.max_error_rate <= 1.0:
        raise XevalError(f"--max-error-rate must be between 0 and 1, got {args.max_error_rate}")
    if args.repeats is not None and args.repeats < 1:
        raise XevalError(f"--repeats must be at least 1, got {args.repeats}")
    if args.temperature is not None and not (math.isfinite(args.temperature) and args.temperature >= 0):
        raise XevalError(f"--temperature must be a finite number, 0 or more, got {args.temperature}")
    if args.seed < 0:  # llama.cpp takes -1 for "random": a run that records it would not replay
        raise XevalError(f"--seed must be 0 or more, got {args.seed}")
    if args.run_id is not None:
        check_run_id(args.run_id)
    if args.num_fewshot is not None and args.num_fewshot < 0:
        raise XevalError(f"--num-fewshot must be 0 or more, got {args.num_fewshot}")
    _apply_protocol(args)
    resolve_spec(args.model)  # an unknown spec fails before any data is read
    model_args = parse_model_args(args.model_args) if isinstance(args.model_args, str | None) else args.model_args
    refuse_secret_args(model_args, "--model-args")
    judge_args = parse_model_args(args.judge_args)
    refuse_secret_args(judge_args, "--judge-args")
    if args.chat_template:
        if args.model.startswith("openai:") and model_args.get("api", "chat") == "chat":
            print("xeval: note: --chat-template is ignored for openai: chat requests (the server applies its "
                  "own template); it applies with --model-args api=completions", file=sys.stderr)
        else:
            model_args["chat_template"] = args.chat_template
    if args.concurrency is not None:
        if args.model.startswith("openai:"):
            model_args["concurrency"] = args.concurrency
        else:  # in-process backends batch instead
            print(f"xeval: note: --concurrency is for API backends (openai:); ignored for {args.model} "
                  "(--batch-size, or --model-args parallel=N for llama.cpp)", file=sys.stderr)
    from xeval.run.executors import ExecutorSpec, check_executor_spec, data_parallel, parse_worker_resources

    executor_spec = ExecutorSpec(args.executor, args.ray_address, 1 if args.workers is None else args.workers,
                                 parse_worker_resources(args.worker_resources))
    model_args, executor_spec = data_parallel(args.model, model_args, executor_spec)  # vLLM DP: Ray workers
    check_executor_spec(executor_spec)
    config = RunConfig(
        model=args.model, model_args=model_args, tasks=args.tasks,
        limit=args.limit, output=args.output, run_id=args.run_id, batch_size=args.batch_size,
        data_dir=args.data_dir, data_source=args.data_source, seed=args.seed, shard=_parse_shard(args.shard),
        max_tokens=args.max_tokens, sample_seed=args.sample_seed, strict=args.strict, clusters=args.clusters,
        reasoning_markers=parse_markers(args.reasoning_markers),
        num_fewshot=args.num_fewshot, fewshot_as_multiturn=args.fewshot_as_multiturn,
        repeats=args.repeats, temperature=args.temperature, protocol=args.protocol,
    )
    index = TaskIndex.load(extra_paths=args.tasks_dir)
    cache = None
    if not args.no_cache:
        from xeval.models.cache import CACHE_FILE, CallCache
        from xeval.paths import cache_dir

        cache = CallCache((args.cache_dir or cache_dir()) / CACHE_FILE)
    opened: list[Any] = []
    executors: list[Any] = []  # started on the first model opened (after the tasks are planned, where it can)

    def open_model(spec: str, extra: dict[str, Any], keep: bool = True, role: str = "model") -> Any:
        from xeval.models.cache import CachedModel
        from xeval.run.executors import open_executor

        if not executors:
            executors.append(open_executor(executor_spec))
        adapter = executors[0].open(spec, extra, role)
        if keep:  # closed when the run ends; a baseline model is closed as soon as it has answered
            opened.append(adapter)
        return CachedModel(adapter, cache) if cache is not None else adapter

    try:
        if args.judge:
            resolve_spec(args.judge)
            config.judge = open_model(args.judge, judge_args, role="judge")
            config.judge_mode = args.judge_mode
        if args.baseline:
            config.baseline = _baseline(args.baseline, args.output, open_model, config, index, args.mc_mode)
        plans = plan_tasks(config, index)
        n = sum(len(p.samples) for p in plans)
        print(f"xeval: {len(plans)} task(s), {n} sample(s), model {redact(args.model)}", file=sys.stderr)
        model = open_model(args.model, config.model_args)
        config.mc_mode = resolve_mc_mode(args.mc_mode, model, plans)
        config.chat_model = abilities_of(model).chat
        result = run_evaluation(config, model, plans)
    finally:
        for adapter in opened:
            adapter.close()
        for executor in executors:
            executor.close()
        if cache is not None:
            cache.close()
        stats = [m.stats for m in [config.judge, locals().get("model")] if m is not None and hasattr(m, "stats")]
        if stats:
            print(f"xeval: cache {sum(s.hits for s in stats)} hit(s), {sum(s.misses for s in stats)} "
                  "model call(s)", file=sys.stderr)
    summary = result.summary
    many = len(summary.get("tasks", {})) > COMPACT_TASKS
    if many:  # averages per language and cluster first; the per-task table lives in the files
        print(_language_averages(summary))
    else:
        print(_summary_table(summary))
    matrix = cluster_matrix(summary, list(read_records(result.run_dir / "samples.jsonl")))
    if has_matrix(matrix) or (many and matrix["rows"]):
        print("\ncross-lingual matrix (primary metric per task cluster):")
        print(matrix_markdown(matrix), end="")
    if summary.get("n_errors"):
        print(f"\n{summary['n_errors']} of {summary['n_records']} sample(s) failed (reasons in samples.jsonl)")
    print(f"\nresults: {result.run_dir}")
    frame, table = write_leaderboard(args.output)
    row = table[table["model"] == summary["model"]["spec"]] if not table.empty else table
    if many and not row.empty:  # dozens of task columns help nobody in a terminal
        row = row[[c for c in row.columns if c == "model" or c == "avg" or c.startswith("avg[")]]
    print("\nleaderboard:")
    print(to_markdown(row), end="")
    if many:
        print(f"\n{len(summary['tasks'])} tasks: the per-task table is in {result.run_dir / 'summary.json'} "
              f"(`xeval leaderboard --results {args.output} --format csv` for all runs)")
    return _exit_status(result.run_dir, args.max_error_rate)


EXIT_FAILED_SAMPLES = 3  # more samples failed than --max-error-rate allows (0 ok, 1 regression, 2 bad input)


def check_run_id(run_id: str) -> None:
    """A run id names one folder under --output: no path separators, not '.', '..' or absolute."""
    if not run_id or run_id in {".", ".."} or "/" in run_id or "\\" in run_id or "\x00" in run_id \
            or run_id != run_id.strip():
        raise XevalError(f"--run-id {run_id!r}: must be one plain folder name (letters, digits, '-', '_', '.'; "
                         f"no path separators, not '.' or '..')")


def _exit_status(run_dir: Path, max_error_rate: float) -> int:
    """0 when the failed samples are within --max-error-rate; else one line and exit 3. A sample
    fails when its answer failed or a judge could not judge it (a failed call, an unreadable
    reply): a judge failing on every call is a failed run, not a run without its primary metric.
    Rows refused as bad data (answer outside the choices) were announced already and do not count."""
    from xeval.results import RunFolder
    from xeval.results.summary import JUDGE_PREFIXES

    records = list(RunFolder(run_dir).records(validate=False))

    def judge_error(record: dict[str, Any]) -> str | None:
        for name, score in sorted((record.get("scores") or {}).items()):
            if name.startswith(JUDGE_PREFIXES) and score.get("value") is None:
                return f"{name}: {score.get('error') or 'judge failed'}"
        return None

    refused = {id(r) for r in records if r.get("error") and str(r["error"]).startswith("data:")}
    failed: list[tuple[dict[str, Any], str]] = []
    for record in records:
        why = None if id(record) in refused else (str(record["error"]) if record.get("error") else judge_error(record))
        if why:
            failed.append((record, why))
    judged_badly = sum(1 for r, _ in failed if not r.get("error"))
    if judged_badly:
        print(f"xeval: the judge could not judge {judged_badly} sample(s) (failed calls or unreadable replies; "
              "raw replies in samples.jsonl); they count as failed samples", file=sys.stderr)
    counted = len(records) - len(refused)
    rate = len(failed) / counted if counted else 0.0
    if failed and rate > max_error_rate:
        first, why = failed[0]
        print(f"xeval: {len(failed)} of {counted} sample(s) failed ({rate:.1%} > --max-error-rate "
              f"{max_error_rate:g}); first: {first['key']}: {why[:160]}", file=sys.stderr)
        return EXIT_FAILED_SAMPLES
    return 0


def _apply_protocol(args: argparse.Namespace) -> None:
    """``--protocol``: the study's decoding and multiple-choice mode, unless given as flags."""
    from xeval.run.protocols import resolve_protocol

    protocol = resolve_protocol(args.protocol)
    if protocol is None:
        return
    if args.mc_mode not in ("auto", protocol.mc_mode):
        raise XevalError(f"--protocol {protocol.name} answers multiple choice with --mc-mode {protocol.mc_mode}; "
                         f"drop --mc-mode {args.mc_mode} or the protocol")
    args.mc_mode = protocol.mc_mode
    if args.temperature is None:
        args.temperature = protocol.temperature
    if args.max_tokens is None:
        args.max_tokens = protocol.max_tokens


def _apply_gen_kwargs(args: argparse.Namespace) -> None:
    """lm-eval's --gen_kwargs onto xeval's flags (the flags win where both are given)."""
    if not args.gen_kwargs:
        return
    from xeval.models.registry import parse_model_args

    kwargs = parse_model_args(args.gen_kwargs)
    unknown = sorted(set(kwargs) - {"max_gen_toks", "max_tokens", "temperature", "do_sample"})
    if unknown:
        raise XevalError(f"--gen-kwargs: {', '.join(unknown)} not supported (max_gen_toks, temperature, do_sample)")
    tokens = kwargs.get("max_gen_toks", kwargs.get("max_tokens"))
    if tokens is not None:
        if not isinstance(tokens, int) or isinstance(tokens, bool):
            raise XevalError(f"--gen-kwargs: max_gen_toks must be an integer, got {tokens!r}")
        args.max_tokens = args.max_tokens if args.max_tokens is not None else tokens
    temperature = kwargs.get("temperature")
    if kwargs.get("do_sample") is False:
        temperature = 0.0
    if temperature is not None:
        if not isinstance(temperature, int | float) or isinstance(temperature, bool):
            raise XevalError(f"--gen-kwargs: temperature must be a number, got {temperature!r}")
        args.temperature = args.temperature if args.temperature is not None else float(temperature)


def _baseline(value: str, output: Path, open_model: Any, config: Any, index: Any, mc_mode: str) -> Any:
    """A run folder (or a run id under --output) holding the baseline's answers; or a model,
    which first answers the same tasks as a recorded, cached run of its own (the tasks' own
    generation settings), whose answers are then judged against."""
    from dataclasses import replace

    from xeval.models.registry import resolve_spec
    from xeval.redaction import redact
    from xeval.run.baseline import baseline_from_run
    from xeval.run.runner import plan_tasks, resolve_mc_mode, run_evaluation

    for candidate in (Path(value), output / value):
        if (candidate / "samples.jsonl").exists():
            return baseline_from_run(candidate)
    if ":" not in value and value not in {"embedded", "none"}:
        raise XevalError(f"--baseline {value!r}: not a run folder with samples.jsonl, nor a model spec")
    resolve_spec(value)
    base_config = replace(config, model=value, model_args={}, judge=None, baseline=None, as_baseline=True,
                          run_id=f"{config.run_id}-baseline" if config.run_id else None)
    plans = plan_tasks(base_config, index, quiet_judges=True)
    model = open_model(value, {}, keep=False, role="baseline")
    try:
        base_config.mc_mode = resolve_mc_mode(mc_mode, model, plans)
        result = run_evaluation(base_config, model, plans)
    finally:
        model.close()
    print(f"xeval: baseline {redact(value)}: {result.summary['n_records']} answer(s) recorded in {result.run_dir}",
          file=sys.stderr)
    return baseline_from_run(result.run_dir)


def _parse_shard(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    try:
        index, count = (int(x) for x in text.split("/"))
    except ValueError:
        raise XevalError(f"--shard {text!r}: expected I/N, e.g. 1/4") from None
    if not 1 <= index <= count:
        raise XevalError(f"--shard {text!r}: I must be between 1 and N")
    return index, count


def _cmd_compare(args: argparse.Namespace) -> int:
    from xeval.results.compare import compare_runs, comparison_markdown

    comparison = compare_runs(args.run, args.baseline, args.tolerance, args.alpha, args.allow_version_mismatch)
    text = comparison_markdown(comparison, args.run, args.baseline, args.tolerance, args.alpha)
    out = args.out or args.run / "compare.md"
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise XevalError(f"cannot write {out}: {exc.strerror}") from None
    print(text, end="")
    return 1 if comparison.regressions else 0


def _cmd_import_lmeval(args: argparse.Namespace) -> int:
    from xeval.integrations.import_lmeval import import_lmeval
    from xeval.results.leaderboard import to_markdown, write_leaderboard

    run_dir = import_lmeval(args.path, args.results, args.model_label)
    print(f"imported {args.path} as {run_dir}")
    _, table = write_leaderboard(args.results)
    print(to_markdown(table), end="")
    return 0


def _cmd_merge(args: argparse.Namespace) -> int:
    from xeval.results.merge import merge_runs

    output = args.output or args.runs[0].parent / f"{args.runs[0].name}-merged"
    report = merge_runs(args.runs, output)
    print(f"merged {len(args.runs)} shard(s) ({', '.join(report.shards)}) into {report.run_dir}: "
          f"{report.n_records} of {report.expected} samples")
    if report.overlaps:
        print(f"overlaps (identical, kept once): {len(report.overlaps)}: {', '.join(report.overlaps[:10])}")
    if report.gaps:
        print(f"gaps: {len(report.gaps)} sample position(s) missing, e.g. {report.gaps[:10]}; "
              "the merged run is marked incomplete")
    return 0 if not report.gaps else 1


def _resume_defaults(args: argparse.Namespace) -> None:
    """``--resume RUN_DIR``: the run's own specs, unless given again on the command line."""
    from xeval.results import RunFolder

    if not (args.resume / "run.json").is_file():
        raise XevalError(f"--resume {args.resume}: no run.json there (not an xeval run)")
    typed = RunFolder(args.resume).read_spec()  # through its schema: a damaged field is one line
    spec = typed.model_dump(mode="json")
    settings = spec.get("settings", {})
    model_spec, model_args = typed.model.get("spec"), typed.model.get("args")
    if not isinstance(model_spec, str) or not model_spec.strip():
        raise XevalError(f"{args.resume / 'run.json'}: not an xeval RunSpec file: field 'model.spec': missing "
                         "(the model this run was started with)")
    if model_args is not None and not isinstance(model_args, dict):
        raise XevalError(f"{args.resume / 'run.json'}: not an xeval RunSpec file: field 'model.args': not an object")
    args.output, args.run_id = args.resume.parent, args.resume.name
    from xeval.redaction import is_redacted

    if args.model is None and is_redacted(model_spec):
        raise XevalError(f"--resume {args.resume}: the model spec in run.json had credentials, redacted there "
                         f"({model_spec}); give --model again")
    args.model = args.model or model_spec
    if args.model_args is None:
        redacted = sorted(k for k, v in (model_args or {}).items() if isinstance(v, str) and is_redacted(v))
        if redacted:  # e.g. a base_url's user:password@, written as ***@: sent as it is, every request would fail
            raise XevalError(f"--resume {args.resume}: model argument(s) {', '.join(redacted)} in run.json had "
                             "credentials, redacted there; give --model-args again")
        args.model_args = model_args or {}
    args.tasks = args.tasks or settings.get("tasks")
    args.limit = args.limit if args.limit is not None else settings.get("limit")
    args.seed = settings.get("seed", args.seed)
    args.sample_seed = args.sample_seed if args.sample_seed is not None else settings.get("sample_seed")
    if args.mc_mode == "auto" and settings.get("mc_mode"):
        args.mc_mode = settings["mc_mode"]
    args.protocol = args.protocol or settings.get("protocol")
    if args.max_tokens is None:
        args.max_tokens = settings.get("max_tokens")
    if args.reasoning_markers is None and settings.get("reasoning_markers"):
        args.reasoning_markers = ",".join(settings["reasoning_markers"])
    args.strict = args.strict or bool(settings.get("strict"))
    if args.num_fewshot is None:
        args.num_fewshot = settings.get("num_fewshot")
    if args.repeats is None:
        args.repeats = settings.get("repeats")
    if args.temperature is None:
        args.temperature = settings.get("temperature")
    args.fewshot_as_multiturn = args.fewshot_as_multiturn or bool(settings.get("fewshot_as_multiturn"))
    if args.clusters is None and settings.get("clusters"):
        args.clusters = Path(settings["clusters"])
    args.data_source = args.data_source or settings.get("data_source")
    if args.data_dir is None and settings.get("data_dir"):
        args.data_dir = Path(settings["data_dir"])


COMPACT_TASKS = 12  # above this many tasks the terminal shows averages, not one row per task


def _language_averages(summary: dict[str, Any]) -> str:
    """Mean of the tasks' primary metrics (0-1 scale) per input x template language."""
    from collections import defaultdict

    from xeval.results import Summary
    from xeval.results.leaderboard import tidy_frame

    frame = tidy_frame([Summary.model_validate(summary)])
    primary = frame[frame["primary"] & frame["value"].notna()]
    groups: dict[tuple[str, str], list[float]] = defaultdict(list)
    for row in primary.itertuples():
        scaled = (row.value - row.scale_min) / (row.scale_max - row.scale_min)
        groups[(str(row.input_language), str(row.template_language))].append(float(scaled))
    lines = ["| input | template | tasks | mean primary metric (0-1) |", "|---|---|---|---|"]
    for (input_language, template_language), values in sorted(groups.items()):
        lines.append(f"| {input_language} | {template_language} | {len(values)} | {sum(values) / len(values):.3f} |")
    return "\n".join(lines)


def _summary_table(summary: dict[str, Any]) -> str:
    lines = ["| task | input | template | metric | value | 95% CI | n | failed |",
             "|---|---|---|---|---|---|---|---|"]
    for m in summary["metrics"]:
        value = "" if m["value"] is None else f"{m['value']:.3f}"
        ci = "" if m["ci_low"] is None else f"[{m['ci_low']:.3f}, {m['ci_high']:.3f}]"
        lines.append(f"| {m['task']} | {m['input_language']} | {m['template_language']} | "
                     f"{m['metric']} | {value} | {ci} | {m['n']} | {m['n_failed']} |")
    return "\n".join(lines)


def _cmd_tasks(args: argparse.Namespace) -> int:
    from xeval.tasks.task_index import TaskIndex

    index = TaskIndex.load(extra_paths=args.tasks_dir)
    if args.path:
        print(index.root)
        return 0
    print("| task | input | template | output type | metrics | groups |")
    print("|---|---|---|---|---|---|")
    membership: dict[str, list[str]] = {}
    for group, members in index.groups.items():
        for member in members:
            membership.setdefault(member, []).append(group)
    for name, spec in sorted(index.tasks.items()):
        print(f"| {name} | {spec.xeval.input_language} | {spec.template_language} | "
              f"{spec.output_type} | {', '.join(spec.scorer_names)} | "
              f"{', '.join(sorted(membership.get(name, [])))} |")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from xeval.results.report import latest_runs, write_report

    runs = args.runs or latest_runs(args.results)
    out = write_report(runs, args.out or args.results / "report.html")
    print(f"report of {len(runs)} run(s) written to {out}")
    return 0


def _cmd_data(args: argparse.Namespace) -> int:
    import os

    from xeval.tasks.datacheck import check_source, render, selected_sources
    from xeval.tasks.sources import HUB_MIRROR_ENV
    from xeval.tasks.task_index import TaskIndex

    if args.mirror is not None:
        os.environ[HUB_MIRROR_ENV] = str(args.mirror)
    index = TaskIndex.load(extra_paths=args.tasks_dir) if args.tasks else None
    checks = []
    for source in selected_sources(args.tasks, index):
        checks.append(check_source(source))
        print(render(checks[-1:]), flush=True)
    failed = sum(c.status == "FAIL" for c in checks)
    print(f"{len(checks)} source(s): {sum(c.status == 'ok' for c in checks)} ok, {failed} failed, "
          f"{sum(c.status == '--' for c in checks)} local only")
    return 1 if failed else 0


def _cmd_doctor(args: argparse.Namespace) -> int:
    import json

    from xeval.doctor import render, run_doctor

    checks = run_doctor(args.results, with_model=not args.no_model)
    if args.json:
        print(json.dumps([{"name": c.name, "ok": c.ok, "detail": c.detail, **c.data} for c in checks],
                         ensure_ascii=False, indent=1))
    else:
        print(render(checks))
    return 0 if all(c.ok for c in checks) else 1


def _cmd_serve(args: argparse.Namespace) -> int:
    import os

    from xeval.models.llamacpp_runtime import format_command, parse_bool, server_command

    if args.model == "embedded":
        from xeval.models.embedded import embedded_model_path

        model = embedded_model_path()
        extra = ["--chat_format", "gemma"]
    else:
        model = Path(args.model).expanduser()
        if not model.is_file():
            raise XevalError(f"xeval serve --model {args.model}: no such GGUF file")
        extra = []
    rest = [a for a in args.server_args if a != "--"]
    command = server_command(model, host=args.host, port=args.port,
                             use_extra_bufts=parse_bool(args.use_extra_bufts), extra_args=extra + rest)
    print(f"xeval: {format_command(command)}", file=sys.stderr, flush=True)
    os.execv(command[0], command)
    return 0  # pragma: no cover - execv does not return


def _cmd_leaderboard(args: argparse.Namespace) -> int:
    from xeval.results import load_summaries
    from xeval.results.leaderboard import to_markdown, write_leaderboard

    if args.by and args.history:
        raise XevalError("--by and --history cannot be combined")
    summaries = load_summaries(args.results)
    frame, table = write_leaderboard(args.results, summaries)
    if args.by:
        from xeval.results.leaderboard import by_frame, by_table

        frame = by_frame(summaries, args.by)
        if frame.empty:
            what = "per-turn rows (multi-turn tasks)" if args.by == "turn" else "instruction-following rows"
            raise XevalError(f"no {what} in {args.results}")
        table = by_table(frame)
    if args.history:
        from xeval.results.leaderboard import history_table, tidy_frame

        table = history_table(tidy_frame(summaries), args.history, args.metric)
        if table.empty:
            raise XevalError(f"no runs of model {args.history!r}" + (f" with {args.metric}" if args.metric else "")
                             + f" in {args.results}")
        frame = table
    if args.format == "csv":
        print(frame.to_csv(index=False), end="")
    elif args.format == "html":
        print(table.to_html(index=False, float_format=lambda v: f"{v:.3f}"))
    else:
        print(to_markdown(table), end="")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
