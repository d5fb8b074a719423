"""Harness overhead: `xeval run` (in process) against the bare backend calls on the same
prompts, and where the time outside the model goes.

    python bench/overhead.py [--model embedded] [--tasks default] [--limit N]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from xeval.models.registry import load_model
from xeval.run.predict import choice_requests, generation_requests
from xeval.run.runner import RunConfig, TaskPlan, plan_tasks, run_evaluation


class Timed:
    """Wraps a model or scorer and adds up the seconds spent in its calls."""

    def __init__(self, inner: Any, methods: tuple[str, ...]) -> None:
        self.inner, self.seconds = inner, 0.0
        for name in methods:
            setattr(self, name, self._timed(getattr(inner, name)))

    def _timed(self, fn: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start
        return call

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def bare_calls(model: Any, plans: list[TaskPlan]) -> float:
    start = time.perf_counter()
    for plan in plans:
        settings = plan.spec.generation_settings()
        if plan.spec.output_type == "multiple_choice":
            model.loglikelihood([r for s in plan.samples for r in choice_requests(s)])
        else:
            model.generate(generation_requests(plan.samples, settings))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="embedded")
    parser.add_argument("--tasks", default="default")
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    model = load_model(args.model)
    start = time.perf_counter()
    config = RunConfig(model=args.model, tasks=args.tasks, limit=args.limit,
                       output=Path(tempfile.mkdtemp(prefix="xeval-bench-")))
    plans = plan_tasks(config)
    planning = time.perf_counter() - start
    n = sum(len(p.samples) for p in plans)
    bare = bare_calls(model, plans)
    timed = Timed(model, ("generate", "loglikelihood"))
    scorers: list[Timed] = []
    for plan in plans:
        plan.scorers = [Timed(s, ("score",)) for s in plan.scorers]  # type: ignore[misc]
        scorers += plan.scorers  # type: ignore[arg-type]
    start = time.perf_counter()
    run_evaluation(config, timed, plans)  # type: ignore[arg-type]
    wall = time.perf_counter() - start
    scoring = sum(s.seconds for s in scorers)
    other = wall - timed.seconds - scoring
    print(f"model {args.model}, tasks {args.tasks}, {n} samples")
    print("| measure | seconds | fraction of the xeval run |")
    print("|---|---|---|")
    print(f"| xeval run (model loaded) | {wall:.2f} | 1.000 |")
    print(f"| bare backend calls, same prompts | {bare:.2f} | {bare / wall:.3f} |")
    print(f"| inside the model, during the run | {timed.seconds:.2f} | {timed.seconds / wall:.3f} |")
    print(f"| scoring | {scoring:.3f} | {scoring / wall:.4f} |")
    print(f"| records, summary, progress, rest | {other:.3f} | {other / wall:.4f} |")
    print(f"| task loading and rendering (before the run) | {planning:.3f} | {planning / wall:.4f} |")
    print(f"harness overhead: (run - model time) / run = {(wall - timed.seconds) / wall:.2%}; "
          f"run / bare calls = {wall / bare:.3f}")
    model.close()


if __name__ == "__main__":
    main()
