"""Wall time of one run in one process vs on 1 and 2 Ray workers (a local cluster), and the share
of it spent starting Ray and loading the model replicas. Figures are ratios against the
one-process run measured in the same invocation.

    python bench/ray/workers.py [--n 128] [--tokens 16]

The run: N generated questions of a small task (the embedded model, greedy, --tokens new tokens),
no cache. Each configuration's records are checked equal to the one-process run's.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from xeval.models.registry import load_model
from xeval.run.runner import RunConfig, plan_tasks, run_evaluation
from xeval.tasks.task_index import TaskIndex


def _task(folder: Path, n: int, tokens: int) -> TaskIndex:
    rows = [{"id": f"q{i}", "question": f"Write one sentence about the number {i}.", "answer": str(i)}
            for i in range(n)]
    (folder / "data.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (folder / "numbers.yaml").write_text(
        "task: numbers\ndataset_path: json\ndataset_kwargs:\n  data_files:\n    test: data.jsonl\n"
        "output_type: generate_until\ndoc_to_text: '{{question}}'\ndoc_to_target: answer\n"
        f"generation_kwargs:\n  max_gen_toks: {tokens}\nmetric_list:\n  - metric: exact_match\n"
        "metadata:\n  xeval:\n    id_field: id\n", encoding="utf-8")
    return TaskIndex.load(extra_paths=[folder])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=128)
    parser.add_argument("--tokens", type=int, default=16)
    args = parser.parse_args()
    import ray
    from xeval.run.executors import ExecutorSpec, RayExecutor

    folder = Path(tempfile.mkdtemp(prefix="xeval-bench-ray-"))
    index = _task(folder, args.n, args.tokens)
    results: dict[str, tuple[float, float, bytes]] = {}

    def measure(name: str, open_model, close) -> None:  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        model = open_model()
        loaded = time.perf_counter()
        config = RunConfig(tasks="numbers", output=folder / "out", run_id=name)
        run_dir = run_evaluation(config, model, plan_tasks(config, index)).run_dir
        model.close()
        close()
        total = time.perf_counter() - start
        results[name] = (total, loaded - start, (run_dir / "samples.jsonl").read_bytes())

    measure("one process", lambda: load_model("embedded"), lambda: None)
    for label, workers, cpus in (("ray, 1 worker x 2 CPUs", 1, 2.0), ("ray, 1 worker x 1 CPU", 1, 1.0),
                                 ("ray, 2 workers x 1 CPU", 2, 1.0)):
        holder: dict[str, RayExecutor] = {}

        def open_pool(workers: int = workers, cpus: float = cpus, holder: dict = holder) -> object:
            holder["executor"] = RayExecutor(ExecutorSpec("ray", workers=workers, resources={"num_cpus": cpus}))
            return holder["executor"].open("embedded", {})

        measure(label, open_pool, lambda holder=holder: holder["executor"].close())
        assert not ray.is_initialized()
    base_total, _, base_records = results["one process"]
    print(f"{args.n} questions, {args.tokens} new tokens each, embedded model; ratios vs one process "
          f"({base_total:.1f} s)")
    print("| configuration | wall time (ratio) | start + model load share | records equal |")
    print("|---|---|---|---|")
    for name, (total, load, records) in results.items():
        print(f"| {name} | {total / base_total:.2f}x | {load / total:.0%} | {records == base_records} |")


if __name__ == "__main__":
    main()
