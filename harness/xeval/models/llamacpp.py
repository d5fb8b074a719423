"""``llamacpp:FILE.gguf``: a GGUF model in process through llama-cpp-python.

Log-likelihoods evaluate each context once per choice set, then compute logits only for
the continuation rows, normalised over the vocabulary with one log-softmax per row.

Every request is computed from an empty KV cache, so a result never depends on what was
evaluated before it (llama.cpp's sums differ in the last bits with the batch layout): a
resumed or sharded run gives exactly the records of an uninterrupted one.
"""

from __future__ import annotations

import contextlib
import inspect
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from xeval.errors import ModelError
from xeval.models import llamacpp_runtime as runtime
from xeval.models.base import Abilities
from xeval.models.chat import ChatPrompter, choose_chat_format, template_switches, trim_at_stop
from xeval.models.fingerprint import file_sha256
from xeval.models.loglik import split_whitespace
from xeval.types import Completion, GenerationRequest, LoglikelihoodRequest, Usage

BATCHES_PER_CALL = 4


class LlamaCppAdapter:
    spec = "llamacpp"

    def __init__(
        self,
        path: str,
        *,
        chat_template: str | None = None,
        n_ctx: int = 4096,
        n_threads: int | None = None,
        n_batch: int = 512,
        parallel: int = 1,
        embedded: bool = False,
        enable_thinking: bool | None = None,
        **extra: Any,
    ) -> None:
        if not isinstance(parallel, int) or parallel < 1:
            raise ModelError(f"parallel must be an integer >= 1, got {parallel!r}")
        llama_cpp = runtime.import_llama_cpp()
        requested = runtime.parse_bool(extra.pop(runtime.EXTRA_BUFTS_ARG, None))
        known = set(inspect.signature(llama_cpp.Llama.__init__).parameters) - {"self", "kwargs"}
        unknown = sorted(set(extra) - known)
        if unknown:
            raise ModelError(f"unknown model argument(s) for llamacpp: {', '.join(unknown)}")
        from xeval.models.registry import check_arg_types

        check_arg_types(llama_cpp.Llama.__init__, extra, "llamacpp")
        file = Path(path).expanduser()
        if not file.is_file():
            raise ModelError(f"GGUF file {file} not found (model spec llamacpp:{path})")
        self.path = file
        self.embedded = embedded
        _check_context(n_ctx, file, extra)
        try:
            with _native_stderr_captured() as captured:
                self._llm, self.kernel_path = runtime.open_llama(
                    file,
                    use_extra_bufts=requested,
                    n_ctx=n_ctx,
                    n_batch=n_batch,
                    n_threads=n_threads or default_threads(),
                    n_threads_batch=n_threads or default_threads(),
                    logits_all=False,
                    verbose=False,
                    **extra,
                )
        except TypeError as exc:
            raise ModelError(f"bad model argument for llamacpp: {exc}") from None
        except (ValueError, RuntimeError) as exc:
            detail = captured[-1] if captured else ""
            raise ModelError(f"cannot load GGUF file {file}: {exc} {detail}".strip()) from None
        try:
            runtime.check_internals(self._llm)
        except ModelError:
            self._llm.close()
            raise
        self._n_ctx = n_ctx
        self._n_batch = n_batch
        self._n_vocab = self._llm.n_vocab()
        meta = dict(self._llm.metadata)
        self._metadata = meta
        template = meta.get("tokenizer.chat_template")
        chosen = choose_chat_format(chat_template, template, meta.get("general.architecture", ""))
        try:
            self._prompter = ChatPrompter(chosen, template, self._token_text(self._llm.token_bos()),
                                          self._token_text(self._llm.token_eos()), template_switches(enable_thinking))
        except ModelError:
            self._llm.close()
            raise
        self.chat_format = self._prompter.chat_format
        self.parallel = parallel
        # batches of several widths keep the slots refilled (a batch's tail decodes idle rows)
        self.abilities = Abilities(batch_hint=BATCHES_PER_CALL * parallel if parallel > 1 else 0,
                                   chat=self.chat_format != "plain")
        self._batcher: Any = None
        # the batch width changes greedy texts where tokens are nearly tied (one row vs ``parallel``
        # rows take different kernels): part of the identity
        self._args = {"n_ctx": n_ctx, **self._prompter.describe(), **extra,
                      **({"parallel": parallel} if parallel > 1 else {})}

    def _token_text(self, token: int) -> str:
        return self._llm.detokenize([token], special=True).decode("utf-8", "ignore") if token >= 0 else ""

    # -- identity ----------------------------------------------------------------------
    def fingerprint(self) -> dict[str, Any]:
        if self.embedded:
            from xeval.models.embedded import EMBEDDED_NAME, embedded_sha256

            name, digest = EMBEDDED_NAME, embedded_sha256()
        else:
            name, digest = self._metadata.get("general.name", self.path.name), file_sha256(self.path)
        return {"backend": "llamacpp", "name": name, "file": self.path.name,
                "sha256": digest, "args": self._args, "runtime": self.kernel_path.fingerprint()}

    # -- prompts -----------------------------------------------------------------------
    def _prompt(self, request: GenerationRequest) -> tuple[str, tuple[str, ...]]:
        return self._prompter.prompt(request.messages)

    def tokenize(self, text: str, add_bos: bool = True) -> list[int]:
        return list(self._llm.tokenize(text.encode("utf-8"), add_bos=add_bos, special=True))

    # -- generation --------------------------------------------------------------------
    def generate(self, requests: list[GenerationRequest]) -> list[Completion]:
        """Greedy requests decode ``parallel`` at a time in one batch (``llamacpp_batch``), even a
        lone one, so that its numbers never depend on how many came with it; sampled ones, and
        everything when ``parallel=1``, one by one."""
        results: list[Completion | None] = [None] * len(requests)
        greedy = [i for i, r in enumerate(requests) if r.settings.temperature <= 0]
        if self.parallel > 1 and greedy:
            for i, completion in zip(greedy, self._generate_batched([requests[i] for i in greedy]), strict=True):
                results[i] = completion
        return [c if c is not None else self._generate_one(r) for c, r in zip(results, requests, strict=True)]

    def _generate_batched(self, requests: list[GenerationRequest]) -> list[Completion]:
        from xeval.models.llamacpp_batch import BatchDecoder, Job, completion

        out: list[Completion | None] = [None] * len(requests)
        jobs = []
        for i, request in enumerate(requests):
            prepared = self._prepare(request)
            if isinstance(prepared, Completion):  # recorded on this sample; the rest of the batch goes on
                out[i] = prepared
                continue
            jobs.append(Job(i, *prepared))
        if jobs:
            need = max(job.need for job in jobs)
            with _native_stderr_captured():  # llama.cpp's notes on a new context
                if self._batcher is None:
                    self._batcher = BatchDecoder(self._llm, self.parallel, n_batch=self._n_batch, stream=need)
                self._batcher.reserve(need)
            self._batcher.run(jobs)
        for job in jobs:
            out[job.index] = completion(job)
        return [c if c is not None else Completion(error="not generated") for c in out]

    def _prepare(self, request: GenerationRequest) -> tuple[list[int], int, list[str]] | Completion:
        """Prompt tokens, token limit and stop strings; a failed Completion when it cannot fit."""
        prompt, template_stops = self._prompt(request)
        tokens = self.tokenize(prompt)
        if len(tokens) >= self._n_ctx:
            return Completion(error=f"prompt of {len(tokens)} tokens does not fit n_ctx={self._n_ctx}")
        max_tokens = min(request.settings.max_tokens, self._n_ctx - len(tokens))
        return tokens, max_tokens, list(dict.fromkeys([*request.settings.stop, *template_stops]))

    def _generate_one(self, request: GenerationRequest) -> Completion:
        prepared = self._prepare(request)
        if isinstance(prepared, Completion):
            return prepared
        tokens, max_tokens, stops = prepared
        settings = request.settings
        greedy = settings.temperature <= 0
        self._llm.reset()  # no prompt-prefix reuse: results independent of earlier requests
        result: Any = self._llm.create_completion(
            prompt=tokens,
            max_tokens=max_tokens,
            temperature=0.0 if greedy else settings.temperature,
            top_p=1.0 if greedy else settings.top_p,
            top_k=1 if greedy else 0,
            min_p=0.0,
            repeat_penalty=1.0,
            stop=stops or None,
            seed=settings.seed,
        )
        choice = result["choices"][0]
        text, _ = trim_at_stop(choice["text"], stops)
        usage = result.get("usage") or {}
        return Completion(
            text=text,
            finish_reason=choice.get("finish_reason"),
            usage=Usage(prompt_tokens=usage.get("prompt_tokens", len(tokens)),
                        completion_tokens=usage.get("completion_tokens", 0)),
        )

    # -- log-likelihood ----------------------------------------------------------------
    def loglikelihood(self, requests: list[LoglikelihoodRequest]) -> list[float]:
        results: list[float] = [0.0] * len(requests)
        # Group requests by context so each context is evaluated once.
        groups: dict[str, list[int]] = {}
        for i, request in enumerate(requests):
            context, _ = split_whitespace(request.context, request.continuation)
            groups.setdefault(context, []).append(i)
        for context, members in groups.items():
            context_tokens = self.tokenize(context) if context else [self._llm.token_bos()]
            last_row = self._eval_context(context_tokens)
            for i in members:
                ctx_text, continuation = split_whitespace(requests[i].context, requests[i].continuation)
                whole = self.tokenize(ctx_text + continuation)
                cont = whole[len(context_tokens):]
                if not cont:
                    raise ModelError("empty continuation in a log-likelihood request")
                if len(context_tokens) + len(cont) > self._n_ctx:
                    raise ModelError(
                        f"log-likelihood request of {len(context_tokens) + len(cont)} tokens "
                        f"does not fit n_ctx={self._n_ctx}"
                    )
                rows = self._eval_rows(context_tokens, cont[:-1])
                logits = np.vstack([last_row[None, :], rows]) if len(rows) else last_row[None, :]
                results[i] = continuation_logprob(logits, cont)
        self._llm.reset()
        return results

    def _decode(self, tokens: list[int], n_past: int, all_rows: bool) -> np.ndarray:
        """Run ``tokens`` at positions ``n_past...``; return logits of every row (all_rows)
        or of the last one only."""
        llm = self._llm
        llm._ctx.kv_cache_seq_rm(-1, n_past, -1)
        step = llm.n_batch
        out = np.empty((len(tokens) if all_rows else 1, self._n_vocab), dtype=np.float32)
        for start in range(0, len(tokens), step):
            chunk = tokens[start:start + step]
            llm._batch.set_batch(batch=chunk, n_past=n_past + start, logits_all=all_rows)
            llm._ctx.decode(llm._batch)
            if all_rows:
                out[start:start + len(chunk)] = np.ctypeslib.as_array(
                    llm._ctx.get_logits(), shape=(len(chunk), self._n_vocab))
            elif start + step >= len(tokens):
                out[0] = np.ctypeslib.as_array(llm._ctx.get_logits_ith(len(chunk) - 1),
                                               shape=(self._n_vocab,))
        return out

    def _eval_context(self, tokens: list[int]) -> np.ndarray:
        """Evaluate a context from position 0; return the logits of its last token."""
        return self._decode(tokens, 0, all_rows=False)[0]

    def _eval_rows(self, context: list[int], tokens: list[int]) -> np.ndarray:
        """Logits of every token of ``tokens`` placed after ``context`` (whose KV entries are
        kept, so the choices of one set share one context evaluation)."""
        if not tokens:
            return np.empty((0, self._n_vocab), dtype=np.float32)
        return self._decode(tokens, len(context), all_rows=True)

    def close(self) -> None:
        if getattr(self, "_batcher", None) is not None:
            self._batcher.close()
            self._batcher = None
        llm = getattr(self, "_llm", None)
        if llm is not None:
            llm.close()
            del self._llm


@contextlib.contextmanager
def _native_stderr_captured() -> Iterator[list[str]]:
    """Keep llama.cpp's C-level chatter off the terminal; the lines are kept for errors."""
    lines: list[str] = []
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # no real stderr (some test runners)
        yield lines
        return
    sys.stderr.flush()
    saved = os.dup(fd)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), fd)
        try:
            yield lines
        finally:
            os.dup2(saved, fd)
            os.close(saved)
            sink.seek(0)
            lines.extend(sink.read().decode("utf-8", "replace").splitlines())


def continuation_logprob(logits: np.ndarray, tokens: list[int]) -> float:
    """Sum of log-softmax(logits[j])[tokens[j]]: one normalisation per continuation row."""
    logits = logits.astype(np.float64, copy=False)
    peak = logits.max(axis=1, keepdims=True)
    log_norm = peak[:, 0] + np.log(np.exp(logits - peak).sum(axis=1))
    picked = logits[np.arange(len(tokens)), tokens]
    return float((picked - log_norm).sum())


ROPE_ARGS = ("rope_freq_base", "rope_freq_scale", "rope_scaling_type", "yarn_ext_factor", "yarn_orig_ctx")


def default_threads() -> int:
    """Threads when ``n_threads`` is not given: ``XEVAL_THREADS`` where set (a Ray worker's share of
    the cores: two workers each taking every core would thrash), else every core."""
    try:
        asked = int(os.environ.get("XEVAL_THREADS", ""))
    except ValueError:
        asked = 0
    return asked if asked > 0 else (os.cpu_count() or 1)


def _check_context(n_ctx: Any, file: Path, extra: dict[str, Any]) -> None:
    """``n_ctx`` within what the model was trained with, checked from the file's header before
    loading (llama.cpp would first allocate the KV cache: 99,999,999 tokens took 28 s and 5 GB to
    fail with an unrelated line). A context stretched on purpose (rope scaling) is the user's call."""
    from xeval.models.gguf import trained_context

    if not isinstance(n_ctx, int) or isinstance(n_ctx, bool) or n_ctx < 1:
        raise ModelError(f"n_ctx must be a whole number of tokens, 1 or more, got {n_ctx!r}")
    trained = trained_context(file)
    if trained and n_ctx > trained and not any(extra.get(arg) for arg in ROPE_ARGS):
        raise ModelError(f"n_ctx={n_ctx} exceeds the {trained} tokens {file.name} was trained with (its "
                         f"context_length): use n_ctx={trained} or less, or set rope scaling to stretch it")
