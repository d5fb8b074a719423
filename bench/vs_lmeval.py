"""xeval against lm-evaluation-harness on the same task, model object and samples.

Both harnesses get the same transformers model (the embedded GGUF dequantised, or any hf
model), loaded once; the wall time of each evaluation is compared, for a log-likelihood task
(KLUE-NLI, real dev file) and a generation task (Korean news summaries, project sample).

    python bench/vs_lmeval.py --data-dir ../shared/data [--limit 40] [--batch-size 8]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from xeval.models.registry import load_model
from xeval.paths import tasks_dir
from xeval.run.runner import RunConfig, plan_tasks, run_evaluation


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--limit", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--model", default="hf:embedded")
    args = parser.parse_args()
    import lm_eval
    from lm_eval.models.huggingface import HFLM
    from lm_eval.tasks import TaskManager

    os.environ["XEVAL_DATA_DIR"] = str(args.data_dir.resolve())
    start = time.perf_counter()
    adapter = load_model(args.model, {"chat_template": "plain", "dtype": "float32", "batch_size": args.batch_size})
    print(f"model {args.model} loaded in {time.perf_counter() - start:.0f} s (not counted below)")
    lm = HFLM(pretrained=adapter.model, tokenizer=adapter.tokenizer, batch_size=args.batch_size)
    manager = TaskManager(include_path=str(tasks_dir()))
    print("| task | kind | samples | xeval s | lm-eval s | xeval / lm-eval |")
    print("|---|---|---|---|---|---|")
    for task, kind, source, limit in [("klue_nli_ko_tpl-ko", "log-likelihood", "local", args.limit),
                                      ("news_summary_ko_ko_tpl-ko", "generation", "sample", 6)]:
        os.environ["XEVAL_DATA_SOURCE"] = source
        config = RunConfig(tasks=task, data_dir=args.data_dir if source == "local" else None,
                           data_source=source, limit=limit, output=Path(tempfile.mkdtemp(prefix="xeval-bench-")))
        start = time.perf_counter()
        run_evaluation(config, adapter, plan_tasks(config))
        ours = time.perf_counter() - start
        start = time.perf_counter()
        lm_eval.simple_evaluate(model=lm, tasks=[task], task_manager=manager, limit=limit)
        theirs = time.perf_counter() - start
        print(f"| {task} | {kind} | {limit} | {ours:.1f} | {theirs:.1f} | {ours / theirs:.2f} |")
    adapter.close()


if __name__ == "__main__":
    main()
