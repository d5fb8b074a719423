"""KLUE-NLI and KorNLI (real files) on a model, per template language, with baselines.

    python bench/korani_nli.py --data-dir ../shared/data --limit 200 [--model embedded]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from pathlib import Path

from xeval.models.registry import load_model
from xeval.results.stats import bootstrap_ci
from xeval.run.runner import RunConfig, plan_tasks, run_evaluation
from xeval.tasks.sources import SOURCES, load_rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--limit", type=int, default=200)
    parser.add_argument("--model", default="embedded")
    args = parser.parse_args()
    tasks = "klue_nli_ko_tpl-ko,klue_nli_ko_tpl-en,kornli_ko_tpl-ko,kornli_ko_tpl-en"
    config = RunConfig(model=args.model, tasks=tasks, data_dir=args.data_dir, limit=args.limit,
                       output=Path(tempfile.mkdtemp(prefix="xeval-bench-")))
    model = load_model(args.model)
    start = time.perf_counter()
    result = run_evaluation(config, model, plan_tasks(config))
    wall = time.perf_counter() - start
    print(f"model {args.model}, first {args.limit} items, {wall:.1f} s")
    print("| dataset | template | acc | 95% CI | always-entailment | majority class |")
    print("|---|---|---|---|---|---|")
    for source in ("klue_nli", "kornli"):
        labels = [r["label"] for r in load_rows(SOURCES[source], "local", args.data_dir)[: args.limit]]
        entail = [float(x == 0) for x in labels]
        majority = Counter(labels).most_common(1)[0][1] / len(labels)
        low, high = bootstrap_ci(entail)
        for template in ("ko", "en"):
            metric = next(m for m in result.summary["metrics"]
                          if m["task"] == f"{source}_ko_tpl-{template}" and m["metric"] == "acc")
            print(f"| {source} | {template} | {metric['value']:.3f} | [{metric['ci_low']:.3f}, "
                  f"{metric['ci_high']:.3f}] | {sum(entail) / len(entail):.3f} [{low:.3f}, {high:.3f}] | "
                  f"{majority:.3f} |")
    model.close()


if __name__ == "__main__":
    main()
