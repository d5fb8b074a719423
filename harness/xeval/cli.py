"""The ``xeval`` command line. Imports stay lazy so ``xeval --help`` starts fast."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from xeval import __version__
from xeval.errors import ServerDown, XevalError
from xeval.settings import add_run_flags


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="xeval",
        description="Evaluate how well language models follow instructions across languages.",
    )
    parser.add_argument("--version", action="version", version=f"xeval {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="evaluate a model on tasks")
    add_run_flags(run)  # one flag per RunSettings field (xeval/settings.py)

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

    judge_check = sub.add_parser("judge-check", help="a judge's accuracy on labelled preference pairs (LLMBar, "
                                                     "or a CSV / JSONL of input, output_1, output_2, label)")
    add = judge_check.add_argument
    add("--judge", required=True, metavar="SPEC", help="model spec of the judge")
    add("--judge-args", default=None, help="judge backend arguments: key=value,...")
    add("--set", dest="pair_set", default="llmbar",
        help="llmbar (its five subsets) or a pair file (.csv, .jsonl; file: optional)")
    add("--rubric", default="llmbar-vanilla",
        help="llmbar-vanilla, llmbar-cot, llmbar-swap (LLMBar's prompts) or a pairwise rubric of judges/")
    add("--limit", type=int, default=None, help="N pairs in all, taken from the subsets in turn")
    add("--data-dir", type=Path, default=None,
        help="folder holding llmbar/<subset>/dataset.json (default: the LLMBar repository at a pinned commit)")
    add("--output", type=Path, default=Path("results"), help="results folder")
    add("--language", default="en", help="the pairs' language (a rubric's language_name; the judges table)")
    add("--judge-max-tokens", type=int, default=None,
        help="cap the judge's reply length (default: LLMBar's 50 / 300, a rubric's max_tokens)")

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
                    "data": _cmd_data, "judge-check": _cmd_judge_check}
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
    from xeval.results.terminal import exit_status, print_run
    from xeval.run.session import RunSession, settings_for
    from xeval.settings import given_flags

    settings = settings_for(given_flags(args))
    with RunSession(settings) as session:
        result = session.run()
    print_run(result, settings.output)
    return exit_status(result.run_dir, settings.max_error_rate)


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
    from xeval.results.judges import load_judge_checks
    from xeval.results.report import latest_runs, write_report

    runs = args.runs or latest_runs(args.results)
    checks = load_judge_checks(args.results) if args.results.is_dir() else []
    out = write_report(runs, args.out or args.results / "report.html", checks)
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


def _cmd_judge_check(args: argparse.Namespace) -> int:
    from xeval.judgecheck import exit_code, render, run_judge_check
    from xeval.models.registry import parse_model_args

    folder, summary = run_judge_check(args.judge, args.pair_set, args.rubric, parse_model_args(args.judge_args),
                                      args.data_dir, args.limit, args.output, args.language, args.judge_max_tokens)
    print(render(summary), end="")
    print(f"judge check written to {folder}")
    return exit_code(summary)


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
    if not (args.by or args.history) and args.format != "csv":
        from xeval.results.judges import judges_table, load_judge_checks

        checks = load_judge_checks(args.results)
        if checks:  # the judges table: each judge's accuracy on labelled pairs (xeval judge-check)
            judges = judges_table(checks)
            if args.format == "html":
                print(judges.to_html(index=False, float_format=lambda v: f"{v:.3f}"))
            else:
                print("\n## Judges (labelled pairs, both orders)\n\n" + to_markdown(judges), end="")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
