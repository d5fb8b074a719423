"""``hf:PATH_OR_ID``: a transformers causal LM (a hub id, a local folder, or a GGUF file).

Generation is batched with left padding; log-likelihoods follow lm-evaluation-harness's
HFLM exactly (context and context+continuation tokenised separately, the continuation is
the tail of the whole), so rank classification matches ``lm_eval --model hf``.
"""

from __future__ import annotations

from typing import Any

from xeval.errors import MissingDependencyError, ModelError
from xeval.models.base import Abilities
from xeval.models.chat import ChatPrompter, choose_chat_format, end_token_ids, template_switches, trim_at_stop
from xeval.models.fingerprint import file_sha256
from xeval.models.gguf import converted_tokenizer_dir, locate_gguf
from xeval.models.loglik import encode_request
from xeval.types import Completion, GenerationRequest, GenerationSettings, LoglikelihoodRequest, Usage

DTYPES = {"float32", "float16", "bfloat16", "auto"}


class HFAdapter:
    spec = "hf"

    def __init__(
        self,
        target: str,
        *,
        dtype: str = "auto",
        device: str = "auto",
        gguf_file: str | None = None,
        chat_template: str | None = None,
        batch_size: int = 8,
        max_length: int | None = None,
        revision: str | None = None,
        trust_remote_code: bool = False,
        model: Any = None,
        tokenizer: Any = None,
        embedded: bool = False,
        enable_thinking: bool | None = None,
        **extra: Any,
    ) -> None:
        try:
            import torch
            import transformers
        except ImportError:
            raise MissingDependencyError("the hf backend", "'xeval[hf]' (transformers, torch)") from None
        if dtype not in DTYPES:
            raise ModelError(f"bad model argument dtype={dtype!r}: use one of {', '.join(sorted(DTYPES))}")
        self._torch = torch
        self.target = target
        self.embedded = embedded
        source, self.gguf_path = locate_gguf(target, gguf_file, "hf")
        self.device = ("cuda" if torch.cuda.is_available() else "cpu") if device == "auto" else device
        torch_dtype: Any = getattr(torch, dtype) if dtype != "auto" else (
            torch.bfloat16 if self.device.startswith("cuda") else torch.float32)
        common: dict[str, Any] = {"revision": revision, "trust_remote_code": trust_remote_code}
        if self.gguf_path is not None:
            common["gguf_file"] = self.gguf_path.name
        self.tokenizer: Any
        self.model: Any
        try:
            self.tokenizer = tokenizer or self._load_tokenizer(transformers, source, common)
            self.model = model or transformers.AutoModelForCausalLM.from_pretrained(
                source, dtype=torch_dtype, **common, **extra)
        except (OSError, ValueError, TypeError) as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ModelError(f"cannot load hf model {target!r}: {first}") from None
        if model is None:
            self.model.to(self.device)
        self.model.eval()
        self.device = str(next(self.model.parameters()).device)
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.batch_size = batch_size
        config = self.model.config
        configured: Any = getattr(config, "max_position_embeddings", None)
        self.max_length: int = int(max_length or configured or 2048)
        architecture = getattr(config, "model_type", "")
        chosen = choose_chat_format(chat_template, getattr(self.tokenizer, "chat_template", None), architecture)
        self._prompter = ChatPrompter(chosen, getattr(self.tokenizer, "chat_template", None),
                                      self.tokenizer.bos_token or "", self.tokenizer.eos_token or "",
                                      template_switches(enable_thinking))
        self._stop_ids = end_token_ids(self.tokenizer)
        self.abilities = Abilities(chat=chosen != "plain")
        self._args = {"dtype": str(torch_dtype).removeprefix("torch."), "device": self.device,
                      "revision": revision or getattr(config, "_commit_hash", None),
                      **self._prompter.describe()}

    def _load_tokenizer(self, transformers: Any, source: str, common: dict[str, Any]) -> Any:
        if self.gguf_path is None:
            return transformers.AutoTokenizer.from_pretrained(source, **common)
        return transformers.AutoTokenizer.from_pretrained(str(converted_tokenizer_dir(self.gguf_path, transformers)))

    def fingerprint(self) -> dict[str, Any]:
        out: dict[str, Any] = {"backend": "hf", "name": self.target, "args": self._args}
        if self.gguf_path is not None:
            out["file"] = self.gguf_path.name
            out["sha256"] = file_sha256(self.gguf_path)
        return out

    # -- generation --------------------------------------------------------------------
    def generate(self, requests: list[GenerationRequest]) -> list[Completion]:
        results: list[Completion | None] = [None] * len(requests)
        groups: dict[GenerationSettings, list[int]] = {}
        for i, request in enumerate(requests):
            groups.setdefault(request.settings, []).append(i)
        for settings, members in groups.items():
            for start in range(0, len(members), self.batch_size):
                chunk = members[start:start + self.batch_size]
                for i, completion in zip(chunk, self._generate_batch([requests[i] for i in chunk], settings),
                                         strict=True):
                    results[i] = completion
        return [r for r in results if r is not None]

    def _generate_batch(self, requests: list[GenerationRequest], settings: GenerationSettings) -> list[Completion]:
        torch = self._torch
        prompts: list[str] = []
        template_stops: tuple[str, ...] = ()
        for request in requests:
            prompt, template_stops = self._prompter.prompt(request.messages)
            prompts.append(prompt)
        self.tokenizer.padding_side = "left"
        batch = self.tokenizer(prompts, return_tensors="pt", padding=True).to(self.device)
        width = batch["input_ids"].shape[1]
        max_new = max(1, min(settings.max_tokens, self.max_length - width))
        stops = list(dict.fromkeys([*settings.stop, *template_stops]))
        kwargs: dict[str, Any] = {"max_new_tokens": max_new, "eos_token_id": self._stop_ids,
                                  "pad_token_id": self.tokenizer.pad_token_id}
        if settings.temperature > 0:
            torch.manual_seed(settings.seed)
            kwargs.update(do_sample=True, temperature=settings.temperature, top_p=settings.top_p)
        else:
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        if stops:
            kwargs["stopping_criteria"] = [_StopStrings(self.tokenizer, stops, width)]
        with torch.inference_mode():
            output = self.model.generate(**batch, **kwargs)
        completions = []
        for row, prompt_mask in zip(output[:, width:], batch["attention_mask"], strict=True):
            tokens = [int(t) for t in row if int(t) != self.tokenizer.pad_token_id]
            text = self.tokenizer.decode(tokens, skip_special_tokens=False)
            text, stopped = trim_at_stop(text, [*stops, *(t for t in (self.tokenizer.eos_token,) if t)])
            n_generated = len(tokens)
            completions.append(Completion(
                text=text, finish_reason="stop" if stopped or n_generated < max_new else "length",
                usage=Usage(prompt_tokens=int(prompt_mask.sum()), completion_tokens=n_generated)))
        return completions

    # -- log-likelihood ----------------------------------------------------------------
    def _encode(self, text: str) -> list[int]:
        return list(self.tokenizer(text, add_special_tokens=True)["input_ids"])

    def loglikelihood(self, requests: list[LoglikelihoodRequest]) -> list[float]:
        torch = self._torch
        encoded: list[tuple[list[int], list[int]]] = []
        for request in requests:
            encoded.append(encode_request(self._encode, self.tokenizer.bos_token_id, request.context,
                                          request.continuation))
        # One forward pass per distinct input row: the choices of a set whose continuations
        # are one token long (most labels) share the row of their context.
        rows_of: dict[tuple[int, ...], list[int]] = {}
        for i, (context_tokens, continuation_tokens) in enumerate(encoded):
            row_tokens = tuple((context_tokens + continuation_tokens)[-(self.max_length + 1):][:-1])
            rows_of.setdefault(row_tokens, []).append(i)
        distinct = sorted(rows_of, key=lambda r: -len(r))  # longest first: less padding
        results = [0.0] * len(encoded)
        for start in range(0, len(distinct), self.batch_size):
            chunk_rows = distinct[start:start + self.batch_size]
            inputs = [list(r) for r in chunk_rows]
            width = max(len(x) for x in inputs)
            pad = self.tokenizer.pad_token_id
            # Left padding puts every continuation at the end of its row, so the 262k-wide
            # output layer runs only on the last positions (logits_to_keep); explicit position
            # ids keep the numbers those of the unpadded sequences.
            ids = torch.tensor([[pad] * (width - len(x)) + x for x in inputs], device=self.device)
            mask = torch.tensor([[0] * (width - len(x)) + [1] * len(x) for x in inputs], device=self.device)
            positions = (mask.cumsum(dim=1) - 1).clamp(min=0)
            keep = max(len(encoded[i][1]) for key in chunk_rows for i in rows_of[key])
            with torch.inference_mode():
                logits = self.model(input_ids=ids, attention_mask=mask, position_ids=positions,
                                    logits_to_keep=keep).logits.float()
            for row_logits, key in zip(logits, chunk_rows, strict=True):
                for i in rows_of[key]:
                    wanted = encoded[i][1]
                    n = len(wanted)
                    # normalise only the continuation rows (the vocabulary is 262k wide)
                    picked = torch.log_softmax(row_logits[keep - n:], dim=-1)
                    target = torch.tensor(wanted, device=self.device)
                    results[i] = float(picked.gather(1, target[:, None]).sum())
        return results

    def close(self) -> None:
        self.model = None


class _StopStrings:
    """Stop a batch once every row's new text holds a stop string. Decodes only the tail of
    each row, unlike transformers' stop_strings, which scans the whole 262k vocabulary on
    every generate call."""

    def __init__(self, tokenizer: Any, stops: list[str], prompt_width: int, tail_tokens: int = 8) -> None:
        self.tokenizer, self.stops, self.width, self.tail = tokenizer, stops, prompt_width, tail_tokens
        self.done: set[int] = set()

    def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
        import torch

        flags = []
        for row, tokens in enumerate(input_ids):
            if row not in self.done:
                text = self.tokenizer.decode(tokens[max(self.width, len(tokens) - self.tail):])
                if any(stop in text for stop in self.stops):
                    self.done.add(row)
            flags.append(row in self.done)
        return torch.tensor(flags, device=input_ids.device)
