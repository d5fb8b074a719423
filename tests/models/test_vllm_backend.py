"""The vllm backend on a real GPU: the embedded GGUF (or $XEVAL_TEST_GGUF) through vLLM's engine.

These tests need vllm and a CUDA device, which CI's CPU machines lack (the missing-package
error is tested in test_openai_backend.py); they run on GPU machines, e.g.
``XEVAL_TEST_GGUF=model.gguf pytest tests/test_vllm_backend.py``.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest
from xeval.types import GenerationRequest, GenerationSettings, LoglikelihoodRequest, Message

vllm = pytest.importorskip("vllm")
torch = pytest.importorskip("torch")
if not torch.cuda.is_available():
    pytest.skip("the vllm backend needs a CUDA device", allow_module_level=True)


@pytest.fixture(scope="module")
def gguf() -> str:
    if os.environ.get("XEVAL_TEST_GGUF"):
        return os.environ["XEVAL_TEST_GGUF"]
    from xeval.models.embedded import embedded_model_path

    return str(embedded_model_path())


@pytest.fixture(scope="module")
def vllm_model(gguf: str):  # type: ignore[no-untyped-def]
    from xeval.models.registry import load_model

    model = load_model(f"vllm:{gguf}", {"gpu_memory_utilization": 0.3, "max_model_len": 4096,
                                                 "enforce_eager": True})
    yield model
    model.close()


def test_vllm_generates_and_ranks_like_hf(vllm_model, gguf: str) -> None:
    from xeval.models.registry import load_model

    requests = [LoglikelihoodRequest(context="대한민국의 수도는", continuation=c) for c in (" 서울", " 부산", " 도쿄")]
    requests += [LoglikelihoodRequest(context="The capital of France is", continuation=c)
                 for c in (" Paris", " Berlin", " Madrid")]
    ours = vllm_model.loglikelihood(requests)
    assert all(math.isfinite(v) and v < 0 for v in ours)
    hf = load_model(f"hf:{gguf}", {"dtype": "float32", "device": "cuda"})
    try:
        theirs = hf.loglikelihood(requests)
    finally:
        hf.close()
    # Q4_K kernels (vLLM) against dequantised float32 weights (hf): close, not identical.
    assert max(abs(a - b) for a, b in zip(ours, theirs, strict=True)) < 0.5
    assert ours.index(max(ours[:3])) == theirs.index(max(theirs[:3]))
    assert ours[3:].index(max(ours[3:])) == theirs[3:].index(max(theirs[3:]))
    settings = GenerationSettings(max_tokens=24, stop=("\n",))
    out = vllm_model.generate([GenerationRequest(messages=(Message(role="user", content="Count: one, two,"),),
                                                 settings=settings)])
    assert out[0].text.strip() and "\n" not in out[0].text
    assert out[0].usage.completion_tokens > 0 and out[0].finish_reason in {"stop", "length"}


def test_vllm_runs_the_default_suite_end_to_end(vllm_model, tmp_path: Path) -> None:
    from xeval.run.runner import RunConfig, plan_tasks, run_evaluation

    config = RunConfig(model="vllm:test", tasks="default", output=tmp_path, batch_size=64)
    result = run_evaluation(config, vllm_model, plan_tasks(config))
    records = [json.loads(line) for line in (result.run_dir / "samples.jsonl").read_text().splitlines()]
    assert len(records) == 56 and not [r for r in records if r["error"]]
    assert {r["input_language"] for r in records} >= {"ko", "en"}
    assert all(r["prediction"]["text"] for r in records if r["output_type"] == "generate_until")
    run = json.loads((result.run_dir / "run.json").read_text())
    assert run["model"]["fingerprint"]["backend"] == "vllm" and run["model"]["fingerprint"]["sha256"]


def test_vllm_data_parallel_runs_engines_as_ray_workers(gguf: str, tmp_path: Path) -> None:
    """``data_parallel_size=2`` as lm-eval runs it: two engines, each a Ray worker (here both on
    the one lent GPU, half of it each), the driver writing every record once."""
    import subprocess
    import sys

    pytest.importorskip("ray")
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run([sys.executable, "-m", "xeval", "run", "--model", f"vllm:{gguf}", "--model-args",
                           "data_parallel_size=2,gpu_memory_utilization=0.25,max_model_len=4096,enforce_eager=true",
                           "--worker-resources", "num_gpus=0.5", "--tasks", "default", "--limit", "3",
                           "--no-cache", "--output", str(tmp_path), "--run-id", "dp"],
                          cwd=root, capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, proc.stderr[-3000:]
    records = [json.loads(line) for line in (tmp_path / "dp" / "samples.jsonl").read_text().splitlines()]
    keys = [r["key"] for r in records]
    assert len(keys) == len(set(keys)) > 0 and not [r for r in records if r["error"]]
    executor = json.loads((tmp_path / "dp" / "summary.json").read_text())["executor"]
    assert executor["name"] == "ray" and executor["workers"] == 2 and executor["gpus"] >= 1
