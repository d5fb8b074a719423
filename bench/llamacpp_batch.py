"""Batched llama.cpp generation: samples/s against a sequential llama-cpp-python loop.

Two figures from one run, on the same prompts and settings (greedy, max tokens N):

1. in process: a bare ``llama_cpp.Llama.create_completion`` loop over the prompts (the baseline),
   xeval's llamacpp adapter with ``parallel=1`` and with each width P; plus how many greedy
   texts the batched path shares with the sequential one;
2. end to end, as a user sees it (whole processes: start-up, model load, evaluation, scoring):
   ``xeval run`` with ``--model-args parallel=1`` (one row at a time) against ``parallel=P`` on the same tasks.

Prompts: the multilingual AlpacaEval prompts in ../shared/data (open-ended, generation-heavy).

    python bench/llamacpp_batch.py --data-dir ../shared/data --n 32 --max-tokens 64
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--n", type=int, default=32, help="prompts for the in-process figure")
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--parallel", default="8,16", help="batch widths to measure, comma-separated")
    parser.add_argument("--e2e-limit", type=int, default=8, help="prompts per task for the end-to-end pair")
    args = parser.parse_args()
    widths = [int(w) for w in args.parallel.split(",")]

    from xeval.models.embedded import embedded_model_path
    from xeval.models.registry import load_model
    from xeval.run.runner import RunConfig, plan_tasks
    from xeval.types import GenerationRequest, GenerationSettings

    plans = plan_tasks(RunConfig(tasks="alpacaeval_en,alpacaeval_fr", data_dir=args.data_dir, data_source="local",
                                 limit=args.n // 2))
    settings = GenerationSettings(max_tokens=args.max_tokens)
    requests = [GenerationRequest(messages=s.messages, settings=settings) for p in plans for s in p.samples]
    print(f"{len(requests)} prompts, greedy, max {args.max_tokens} new tokens, {os.cpu_count()} cores")

    from xeval.models import llamacpp_runtime as runtime

    # "bare" = llama-cpp-python's own generation loop; the load still takes the kernel-path decision
    bare, _ = runtime.open_llama(embedded_model_path(), n_ctx=4096, verbose=False,
                                 n_threads=os.cpu_count(), n_threads_batch=os.cpu_count())
    adapter = load_model("embedded", {"parallel": 1})
    prompts = [adapter._prompt(r) for r in requests]  # the same chat-formatted prompts and stops
    adapter.close()
    started = time.perf_counter()
    for prompt, stops in prompts:
        bare.reset()
        bare.create_completion(prompt=bare.tokenize(prompt.encode(), special=True), max_tokens=args.max_tokens,
                               temperature=0.0, top_k=1, top_p=1.0, min_p=0.0, repeat_penalty=1.0, stop=list(stops))
    bare_s = time.perf_counter() - started
    bare.close()

    timings, texts = {}, {}
    for parallel in (1, *widths):
        model = load_model("embedded", {"parallel": parallel})
        started = time.perf_counter()
        out = model.generate(requests)
        timings[parallel] = time.perf_counter() - started
        texts[parallel] = [o.text for o in out]
        model.close()
    n = len(requests)
    print("\n| path | seconds | samples/s | vs bare loop |")
    print("|---|---|---|---|")
    print(f"| bare llama-cpp-python loop (baseline) | {bare_s:.1f} | {n / bare_s:.2f} | 1.00x |")
    for parallel, seconds in timings.items():
        print(f"| xeval llamacpp parallel={parallel} | {seconds:.1f} | {n / seconds:.2f} | {bare_s / seconds:.2f}x |")
    for width in widths:
        same = sum(a == b for a, b in zip(texts[1], texts[width], strict=True))
        print(f"greedy texts identical, parallel={width} vs 1: {same}/{n}")

    step_costs(bare_model_path=str(embedded_model_path()))

    print("\nend to end (whole `xeval run` processes, alpacaeval_en + alpacaeval_fr, "
          f"--limit {args.e2e_limit}, --max-tokens {args.max_tokens}):")
    walls = {}
    with tempfile.TemporaryDirectory() as out:
        for parallel in (1, *widths):
            command = [sys.executable, "-m", "xeval", "run", "--tasks", "alpacaeval_en,alpacaeval_fr",
                       "--data-dir", str(args.data_dir), "--limit", str(args.e2e_limit), "--max-tokens",
                       str(args.max_tokens), "--model-args", f"parallel={parallel}", "--no-cache",
                       "--output", out, "--run-id", f"p{parallel}"]
            started = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            walls[parallel] = time.perf_counter() - started
    for parallel, wall in walls.items():
        print(f"| parallel={parallel} | {wall:.1f} s | {walls[1] / wall:.2f}x |")


def step_costs(bare_model_path: str, widths: tuple[int, ...] = (1, 2, 4, 8, 16, 32), steps: int = 16) -> None:
    """The ceiling: what one decode step costs for W rows on this machine's llama.cpp kernels
    (tokens/s at width W over tokens/s at width 1 is the most batching can give)."""
    from xeval.models import llamacpp_runtime as runtime
    from xeval.models.llamacpp_batch import BatchDecoder

    llm, _ = runtime.open_llama(bare_model_path, n_ctx=512, verbose=False,
                                n_threads=os.cpu_count(), n_threads_batch=os.cpu_count())
    prompt = llm.tokenize(b"Tell me about the sea.")
    print("\ndecode step cost by width (llama_decode of W rows, one per KV stream):")
    print("| width | ms/step | tokens/s | vs width 1 |")
    print("|---|---|---|---|")
    base = 0.0
    for width in widths:
        decoder = BatchDecoder(llm, width, n_batch=512, stream=256)
        for slot in range(width):
            decoder._decode([(t, k, slot, False) for k, t in enumerate(prompt)])
        started = time.perf_counter()
        for i in range(steps):
            decoder._decode([(prompt[i % len(prompt)], len(prompt) + i, slot, True) for slot in range(width)])
        per_step = (time.perf_counter() - started) / steps
        base = base or width / per_step
        print(f"| {width} | {per_step * 1000:.1f} | {width / per_step:.0f} | {width / per_step / base:.2f}x |")
        decoder.close()
    llm.close()


if __name__ == "__main__":
    main()
