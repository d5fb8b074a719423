"""KoMT-Bench judged by a local ``xeval serve`` judge: the judged run's wall time against the same
run without the judge (judging a batch overlaps the next batch's generation).

Two real OpenAI-compatible servers on 127.0.0.1, each ``xeval serve`` of the embedded model with
one thread (the machine's two cores: one each): one answers as the model, one judges. Both runs
start from an empty call cache; the released questions (``--data-dir``) or the project's samples.

    python bench/mt_bench/judged_overlap.py [--limit 8] [--max-tokens 48] [--judge-max-tokens 48]
        [--data-dir ../shared/data]

Prints a markdown table: wall seconds, the judged run as a ratio of the unjudged (goal <= 1.3x) and of
the larger of the unjudged run and judging alone (the answers from the unjudged run's cache): on one
machine a judge slower than the model bounds the first ratio from below by judging alone.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))

from servers import free_port, stop, wait_for  # noqa: E402
from xeval.models.embedded import embedded_model_path  # noqa: E402


def _serve(log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = [sys.executable, "-m", "xeval", "serve", "--port", str(port), "--", "--chat_format", "gemma",
               "--n_ctx", "4096", "--n_threads", "1", "--n_threads_batch", "1"]
    proc = subprocess.Popen(command, stdout=log.open("ab"), stderr=subprocess.STDOUT)
    wait_for(f"http://127.0.0.1:{port}/v1/models", proc, timeout=300)
    return proc, f"http://127.0.0.1:{port}/v1"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=8, help="conversations (two turns each)")
    parser.add_argument("--max-tokens", type=int, default=48)
    parser.add_argument("--judge-max-tokens", type=int, default=48)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--concurrency", type=int, default=2, help="requests in flight to each server")
    args = parser.parse_args()
    embedded_model_path()
    work = Path(tempfile.mkdtemp(prefix="xeval-mtbench-"))
    model_server, model_url = _serve(work / "model.log")
    judge_server, judge_url = _serve(work / "judge.log")
    data = ["--data-source", "local", "--data-dir", str(args.data_dir)] if args.data_dir else \
        ["--data-source", "sample"]
    try:
        def timed(name: str, judged: bool, task: str = "komt_bench", limit: int = args.limit,
                  cache: str | None = None) -> float:
            argv = [sys.executable, "-m", "xeval", "run", "--model", f"openai:gemma@{model_url}", "--tasks",
                    task, *data, "--limit", str(limit), "--max-tokens", str(args.max_tokens),
                    "--output", str(work / "results"), "--run-id", name,
                    "--cache-dir", str(work / f"cache-{cache or name}"),
                    "--max-error-rate", "1", "--concurrency", str(args.concurrency)]
            if judged:
                argv += ["--judge", f"openai:gemma@{judge_url}", "--judge-max-tokens", str(args.judge_max_tokens)]
            start = time.perf_counter()
            proc = subprocess.run(argv, capture_output=True, text=True)
            wall = time.perf_counter() - start
            if proc.returncode not in (0, 3):
                raise SystemExit(proc.stderr[-2000:])
            return wall

        timed("warm-up", judged=True, task="mt_bench", limit=1)  # both servers warm, on other prompts
        alone = timed("unjudged", judged=False)
        judging = timed("judging-alone", judged=True, cache="unjudged")  # the answers from the unjudged run's cache
        judged = timed("judged", judged=True)
        print(f"komt_bench, {args.limit} conversations ({2 * args.limit} turns), answers <= {args.max_tokens} "
              f"tokens, judgments <= {args.judge_max_tokens} tokens; model and judge: xeval serve, 1 thread each, "
              f"concurrency {args.concurrency}")
        print("| run | wall s | x unjudged | x max(unjudged, judging alone) |")
        print("|---|---|---|---|")
        for name, wall in (("unjudged", alone), ("judging alone (answers cached)", judging),
                           ("judged (local xeval serve judge)", judged)):
            print(f"| {name} | {wall:.2f} | {wall / alone:.2f} | {wall / max(alone, judging):.2f} |")
    finally:
        stop(model_server)
        stop(judge_server)


if __name__ == "__main__":
    main()
