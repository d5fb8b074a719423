"""GGUF -> transformers folder (what the vllm backend loads): made once, loadable, same model."""

from __future__ import annotations

import json

import pytest
from xeval.types import LoglikelihoodRequest


@pytest.mark.slow
def test_embedded_gguf_converts_once_to_a_folder_that_scores_like_the_gguf(hf_embedded) -> None:
    pytest.importorskip("transformers")
    from xeval.models.embedded import embedded_model_path
    from xeval.models.gguf import converted_model_dir
    from xeval.models.registry import load_model

    folder = converted_model_dir(embedded_model_path())
    config = json.loads((folder / "config.json").read_text())
    assert "quantization_config" not in config and config["model_type"].startswith("gemma3")
    assert (folder / "tokenizer.json").exists()
    stamp = (folder / "config.json").stat().st_mtime_ns
    assert converted_model_dir(embedded_model_path()) == folder
    assert (folder / "config.json").stat().st_mtime_ns == stamp  # cached, not converted again

    requests = [LoglikelihoodRequest(context="대한민국의 수도는", continuation=c) for c in (" 서울", " 부산", " 도쿄")]
    converted = load_model(f"hf:{folder}", {"dtype": "float32"})
    try:
        ours = converted.loglikelihood(requests)
    finally:
        converted.close()
    theirs = hf_embedded.loglikelihood(requests)
    # bfloat16 storage of the dequantised weights: close to the float32 GGUF load, same ranking
    assert max(abs(a - b) for a, b in zip(ours, theirs, strict=True)) < 0.5
    assert ours.index(max(ours)) == theirs.index(max(theirs))
