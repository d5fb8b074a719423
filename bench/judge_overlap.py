"""Judged runs: judging a batch while the next one generates (API model, API judge).

Two local OpenAI-compatible endpoints with a fixed added latency (bench/latency_server.py), one
answering as the model, one as a six-facet judge. In one process, on the same 768 prompts:

1. generation alone (no judge), 2. judging alone (the answers from the call cache of run 1),
3. the judged run, scoring inline after each batch (sequential, as before), 4. the judged run
with scoring overlapped; 3 and 4 start from an empty cache for both model and judge.
Figures are ratios to the larger of 1 and 2 (the goal: overlapped <= 1.15x).

    python bench/judge_overlap.py [--latency 0.05] [--samples 768] [--concurrency 4]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from servers import free_port, stop, wait_for  # noqa: E402
from xeval.models.cache import CachedModel, CallCache  # noqa: E402
from xeval.models.registry import load_model  # noqa: E402
from xeval.run import runner  # noqa: E402
from xeval.run.runner import RunConfig, plan_tasks, run_evaluation  # noqa: E402
from xeval.tasks.task_index import TaskIndex  # noqa: E402

STARS = json.dumps({"language": 3, "fluency": 3, "helpfulness": 2, "accuracy": 2, "logical_coherence": 3,
                    "harmlessness": 3})


def _server(latency: float, reply: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(Path(__file__).with_name("latency_server.py")), "--port", str(port),
                             "--latency", str(latency), "--reply", reply])
    wait_for(f"http://127.0.0.1:{port}/v1/models", proc)
    return proc, f"http://127.0.0.1:{port}/v1"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--samples", type=int, default=768)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="xeval-overlap-"))
    tasks = work / "tasks"
    tasks.mkdir()
    (tasks / "data.jsonl").write_text("".join(json.dumps({"id": f"p{i}", "prompt": f"질문 {i}: 서울은 어디에 있나요?"},
                                                         ensure_ascii=False) + "\n" for i in range(args.samples)))
    (tasks / "judged_ko.yaml").write_text(
        "task: judged_ko\ndataset_path: json\ndataset_kwargs:\n  data_files:\n    test: data.jsonl\n"
        "output_type: generate_until\ndoc_to_text: '{{prompt}}'\ndoc_to_target: ''\n"
        "generation_kwargs:\n  max_gen_toks: 32\nmetadata:\n  xeval:\n    input_language: ko\n    id_field: id\n"
        "    scorers: ['judge:six_facets']\n", encoding="utf-8")
    index = TaskIndex.load(extra_paths=[tasks])
    model_server, model_url = _server(args.latency, "서울은 한국의 수도입니다.")
    judge_server, judge_url = _server(args.latency, STARS)
    try:
        def models(cache_file: Path) -> tuple[CachedModel, CachedModel]:
            cache = CallCache(cache_file)
            opts = {"concurrency": args.concurrency}
            return (CachedModel(load_model(f"openai:bench@{model_url}", opts), cache),
                    CachedModel(load_model(f"openai:judge@{judge_url}", opts), cache))

        def timed(name: str, cache_file: Path, judged: bool, overlap: bool = True) -> float:
            model, judge = models(cache_file)
            config = RunConfig(tasks="judged_ko", output=work / "results", run_id=name,
                               judge=judge if judged else None)
            plans = plan_tasks(config, index)
            original = runner.overlap_scoring
            if not overlap:
                runner.overlap_scoring = lambda config, model: False  # type: ignore[assignment]
            try:
                start = time.perf_counter()
                result = run_evaluation(config, model, plans)
                wall = time.perf_counter() - start
            finally:
                runner.overlap_scoring = original  # type: ignore[assignment]
                model.close()
                judge.close()
            assert result.summary["n_errors"] == 0, result.summary["n_errors"]
            if judged:
                assert result.summary["judges"]["judge_six_facets"]["failed"] == 0
            return wall

        generation = timed("generate", work / "c1.sqlite", judged=False)
        judging = timed("judge-only", work / "c1.sqlite", judged=True)  # answers from run 1's cache
        sequential = timed("sequential", work / "c2.sqlite", judged=True, overlap=False)
        overlapped = timed("overlapped", work / "c3.sqlite", judged=True, overlap=True)
        base = max(generation, judging)
        print(f"{args.samples} samples, latency {args.latency * 1000:.0f} ms, concurrency {args.concurrency} "
              f"(model and judge), batches of {args.concurrency * 16}")
        print("| run | wall s | x max(generation, judging) |")
        print("|---|---|---|")
        for name, wall in (("generation alone", generation), ("judging alone", judging),
                           ("judged, sequential", sequential), ("judged, overlapped", overlapped)):
            print(f"| {name} | {wall:.2f} | {wall / base:.2f} |")
    finally:
        stop(model_server)
        stop(judge_server)


if __name__ == "__main__":
    main()
