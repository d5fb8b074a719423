"""The llamacpp backend on the real embedded model (Gemma 3 270M GGUF)."""

from __future__ import annotations

import numpy as np
import pytest
from xeval.errors import ModelError
from xeval.models.llamacpp import continuation_logprob
from xeval.types import GenerationRequest, GenerationSettings, LoglikelihoodRequest, Message


def _request(text: str, **settings: object) -> GenerationRequest:
    return GenerationRequest(messages=(Message(role="user", content=text),),
                             settings=GenerationSettings(max_tokens=16, **settings))


def test_generate_is_deterministic_for_the_same_seed(embedded_model) -> None:
    prompts = ["대한민국의 수도는 어디입니까?", "Write a short poem about the sea."]
    greedy = [_request(p) for p in prompts]
    assert [c.text for c in embedded_model.generate(greedy)] == \
        [c.text for c in embedded_model.generate(greedy)]
    sampled = [_request(p, temperature=1.0, seed=7) for p in prompts]
    first = [c.text for c in embedded_model.generate(sampled)]
    assert first == [c.text for c in embedded_model.generate(sampled)]
    assert all(c.usage.completion_tokens > 0 for c in embedded_model.generate(greedy))


def test_generate_honours_stop_strings_and_max_tokens(embedded_model) -> None:
    [long] = embedded_model.generate([_request("Count: 1, 2, 3,")])
    assert long.usage.completion_tokens <= 16
    [stopped] = embedded_model.generate([_request("Count: 1, 2, 3,", stop=(",",))])
    assert "," not in stopped.text
    assert "<end_of_turn>" not in long.text


@pytest.mark.parametrize(
    ("context", "right", "wrong"),
    [
        ("The capital of France is", " Paris", " banana"),
        ("One, two, three, four,", " five", " purple"),
        ("대한민국의 수도는", " 서울", " 바나나"),
        ("월요일, 화요일,", " 수요일", " 고양이"),
    ],
)
def test_loglikelihood_ranks_the_right_continuation_first(embedded_model, context, right, wrong) -> None:
    good, bad = embedded_model.loglikelihood([
        LoglikelihoodRequest(context=context, continuation=right),
        LoglikelihoodRequest(context=context, continuation=wrong),
    ])
    assert good < 0 and bad < 0
    assert good > bad


def test_shared_prefix_loglikelihood_equals_a_full_forward_pass(embedded_model) -> None:
    """The KV-reusing path gives the same numbers as scoring each request from scratch."""
    from xeval.models.llamacpp_runtime import open_llama

    wet = "전제: 비가 온다.\n질문: 땅이 젖는다. 참, 거짓, 중립?\n정답:"
    clear = "전제: 비가 온다.\n질문: 하늘이 맑다. 참, 거짓, 중립?\n정답:"
    requests = [
        LoglikelihoodRequest(context=wet, continuation=" 참"),
        LoglikelihoodRequest(context=wet, continuation=" 거짓"),
        LoglikelihoodRequest(context=clear, continuation=" 거짓"),
        LoglikelihoodRequest(context="Question: 2+2=\nAnswer: ", continuation="4"),
    ]
    fast = embedded_model.loglikelihood(requests)
    reference, _ = open_llama(embedded_model.path, n_ctx=512, logits_all=True, verbose=False)
    try:
        for request, value in zip(requests, fast, strict=True):
            ctx = request.context.rstrip(" ")
            cont = request.context[len(ctx):] + request.continuation
            ctx_tokens = reference.tokenize(ctx.encode(), add_bos=True, special=True)
            whole = reference.tokenize((ctx + cont).encode(), add_bos=True, special=True)
            cont_tokens = whole[len(ctx_tokens):]
            reference.reset()
            reference.eval(ctx_tokens + cont_tokens)
            rows = np.array(reference.scores[len(ctx_tokens) - 1:len(ctx_tokens) + len(cont_tokens) - 1])
            assert value == pytest.approx(continuation_logprob(rows, cont_tokens), abs=2e-3)
    finally:
        reference.close()


def test_generation_after_loglikelihood_is_unchanged(embedded_model) -> None:
    """Log-likelihood calls manage the KV cache themselves; generation must not notice."""
    request = _request("Name three colors.")
    before = embedded_model.generate([request])[0].text
    embedded_model.loglikelihood([LoglikelihoodRequest(context="Name three", continuation=" colors")])
    assert embedded_model.generate([request])[0].text == before


def test_fingerprint_names_the_file_hash(embedded_model) -> None:
    fingerprint = embedded_model.fingerprint()
    assert fingerprint["backend"] == "llamacpp"
    assert len(fingerprint["sha256"]) == 64
    assert fingerprint["args"]["chat_format"] == "gemma"


def test_missing_gguf_is_a_clear_error(tmp_path) -> None:
    from xeval.models.registry import load_model

    with pytest.raises(ModelError, match="not found"):
        load_model(f"llamacpp:{tmp_path / 'missing.gguf'}")
