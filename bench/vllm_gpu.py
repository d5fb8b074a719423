"""vLLM against the hf backend on one GPU: the same GGUF, the same suites, then raw throughput.

1. Agreement: both backends run the same tasks through xeval's runner; per sample, the chosen
   answer (rank classification) and the greedy text are compared, and the log-likelihoods'
   largest gap is printed (vLLM runs the Q4_K_M weights with its GGUF kernels, hf the
   dequantised weights, so small gaps are expected, not zero).
2. Throughput: N generation requests (max_tokens each, greedy, no stop) through each adapter's
   ``generate``, as one call; seconds and generated tokens per second, vLLM / hf as a ratio.

    python bench/vllm_gpu.py --gguf model.gguf [--tasks default] [--requests 512] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from xeval.models.registry import load_model
from xeval.run.runner import RunConfig, plan_tasks, run_evaluation
from xeval.types import GenerationRequest, GenerationSettings, Message

PROMPTS = ["대한민국의 수도에 대해 세 문장으로 설명하세요.", "Explain photosynthesis to a ten-year-old.",
           "김치를 만드는 방법을 단계별로 알려 주세요.", "Write a short poem about the sea.",
           "서울에서 부산까지 가는 방법을 비교해 주세요.", "List five uses of a paperclip."]


def run_suite(spec: str, args: dict[str, Any], tasks: str, data_source: str, batch_size: int,
              out: Path) -> tuple[dict[str, dict[str, Any]], float, float, Any]:
    start = time.perf_counter()
    adapter = load_model(spec, args)
    loaded = time.perf_counter() - start
    config = RunConfig(model=spec, tasks=tasks, data_source=data_source, batch_size=batch_size,
                       output=out, run_id=spec.split(":")[0])
    start = time.perf_counter()
    result = run_evaluation(config, adapter, plan_tasks(config))
    elapsed = time.perf_counter() - start
    records = {}
    for line in (result.run_dir / "samples.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        records[record["key"]] = record
    return records, loaded, elapsed, adapter


def throughput(adapter: Any, n: int, max_tokens: int) -> tuple[float, int]:
    settings = GenerationSettings(max_tokens=max_tokens)
    requests = [GenerationRequest(messages=(Message(role="user", content=f"{PROMPTS[i % len(PROMPTS)]} ({i})"),),
                                  settings=settings) for i in range(n)]
    adapter.generate(requests[:8])  # warm-up: kernels, graphs
    start = time.perf_counter()
    completions = adapter.generate(requests)
    return time.perf_counter() - start, sum(c.usage.completion_tokens for c in completions)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gguf", required=True)
    parser.add_argument("--tasks", default="default")
    parser.add_argument("--data-source", default="sample")
    parser.add_argument("--requests", type=int, default=512)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--out", type=Path, default=Path(tempfile.mkdtemp(prefix="xeval-vllm-")))
    args = parser.parse_args()
    backends = {
        "hf": ({"dtype": "bfloat16", "batch_size": 64}, 64),
        "vllm": ({"gpu_memory_utilization": 0.5, "max_model_len": 4096}, 256),
    }
    runs: dict[str, dict[str, dict[str, Any]]] = {}
    speed: dict[str, tuple[float, int]] = {}
    for name, (model_args, batch_size) in backends.items():
        records, loaded, elapsed, adapter = run_suite(f"{name}:{args.gguf}", model_args, args.tasks,
                                                      args.data_source, batch_size, args.out)
        runs[name] = records
        print(f"{name}: loaded in {loaded:.1f} s; {len(records)} samples of {args.tasks} in {elapsed:.1f} s; "
              f"errors {sum(1 for r in records.values() if r['error'])}", flush=True)
        speed[name] = throughput(adapter, args.requests, args.max_tokens)
        seconds, tokens = speed[name]
        print(f"{name}: {args.requests} requests x {args.max_tokens} max tokens in {seconds:.2f} s, "
              f"{tokens} tokens, {tokens / seconds:.0f} tokens/s", flush=True)
        adapter.close()
        del adapter
        try:
            import torch

            torch.cuda.empty_cache()
        except ImportError:
            pass
    hf, vl = runs["hf"], runs["vllm"]
    shared = sorted(set(hf) & set(vl))
    choice = [k for k in shared if hf[k]["output_type"] != "generate_until"]
    same_choice = sum(1 for k in choice if hf[k]["prediction"]["chosen"] == vl[k]["prediction"]["chosen"])
    gaps = [abs(a - b) for k in choice for a, b in zip(hf[k]["prediction"]["choice_logprobs"],
                                                       vl[k]["prediction"]["choice_logprobs"], strict=True)]
    generated = [k for k in shared if hf[k]["output_type"] == "generate_until"]
    same_text = sum(1 for k in generated if hf[k]["prediction"]["text"] == vl[k]["prediction"]["text"])
    print(f"agreement: chosen answer {same_choice}/{len(choice)}; greedy text identical {same_text}/{len(generated)}; "
          f"log-likelihood gap max {max(gaps, default=0):.3f} nats, mean {sum(gaps) / max(1, len(gaps)):.3f}")
    (hf_s, hf_t), (vl_s, vl_t) = speed["hf"], speed["vllm"]
    print(f"throughput vllm / hf: {(vl_t / vl_s) / (hf_t / hf_s):.1f}x tokens/s ({hf_s / vl_s:.1f}x wall time)")


if __name__ == "__main__":
    main()
