"""Resume and re-run cost: a run with a cold cache, the same run again (warm cache, new run id),
and `--resume` of the finished run; model calls counted.

    python bench/resume.py [--tasks default]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from xeval.models.cache import CachedModel, CallCache
from xeval.models.registry import load_model
from xeval.run.runner import RunConfig, plan_tasks, run_evaluation


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="embedded")
    parser.add_argument("--tasks", default="default")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="xeval-bench-"))
    inner = load_model(args.model)
    rows = []
    for label, run_id in [("first run, cold cache", "a"), ("same run again, warm cache", "b"),
                          ("--resume of the finished run", "b")]:
        model = CachedModel(inner, CallCache(folder / "cache.sqlite"))
        config = RunConfig(model=args.model, tasks=args.tasks, output=folder, run_id=run_id)
        start = time.perf_counter()
        run_evaluation(config, model, plan_tasks(config))
        rows.append((label, time.perf_counter() - start, model.stats.misses, model.stats.hits))
        model.cache.close()
    first = rows[0][1]
    print("| run | seconds | ratio to the first | model calls | cache hits |")
    print("|---|---|---|---|---|")
    for label, seconds, misses, hits in rows:
        print(f"| {label} | {seconds:.2f} | {seconds / first:.3f} | {misses} | {hits} |")
    inner.close()


if __name__ == "__main__":
    main()
