"""Greedy generation of many sequences at once on one llama.cpp model.

llama.cpp decodes several sequences in one ``llama_decode`` (a ``seq_id`` per token): the
weights are read once per step for all of them. The decoder keeps ``parallel`` sequence slots,
each with its own KV stream (``kv_unified=false``), and refills a slot as soon as its sequence
ends (continuous batching). A new prompt is evaluated alone in its slot's stream; then every
step decodes exactly ``parallel`` rows, one per slot in slot order, an idle slot contributing a
dummy token in its emptied stream.

That fixed shape is what makes the numbers a function of the prompt alone. llama.cpp's matrix
kernels take another path for another number of rows (one row is a matrix-vector product, four
or more go through the repacked tiles), and a unified KV buffer puts a sequence's cells wherever
its batch mates left room. With one KV stream per slot and always ``parallel`` rows, a
sequence's logits are bit-identical whatever its mates, its slot, the order of the requests or
the stream size (tests/models/test_llamacpp_batching.py), so shards, resumed runs and whole runs
agree. They are not bit-identical to the one-row path (``parallel=1``): a greedy text can differ
where two tokens are nearly tied. ``parallel`` is therefore part of the model fingerprint and
the cache key.

Greedy only: a sampled request has no batched twin of llama-cpp-python's sampler chain and
goes through the sequential path. The stop rules are ``create_completion``'s: an end-of-
generation token ends a sequence without being kept, then the token limit, then the stop
strings.
"""

from __future__ import annotations

import ctypes
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from xeval.models.chat import trim_at_stop
from xeval.types import Completion, Usage

STREAM_ROUNDING = 256  # stream sizes grow in these steps (llama.cpp pads its KV views to 256 anyway)


@dataclass
class Job:
    """One prompt to complete: its tokens, its limits, and what it has produced so far."""

    index: int
    prompt: list[int]
    max_tokens: int
    stops: list[str]
    generated: list[int] = field(default_factory=list)
    next_token: int = -1
    finish_reason: str | None = None
    text: str = ""
    error: str | None = None

    @property
    def need(self) -> int:
        """KV cells this job can fill: its prompt and every token it may generate."""
        return len(self.prompt) + self.max_tokens


class BatchDecoder:
    """A second llama.cpp context on the adapter's model with ``parallel`` slots, each a KV stream
    of ``stream`` tokens (grown, by rebuilding the context, when a longer job comes)."""

    def __init__(self, llm: Any, parallel: int, n_batch: int, stream: int = STREAM_ROUNDING) -> None:
        import llama_cpp

        self._llama_cpp = llama_cpp
        self._llm = llm
        self.parallel = parallel
        self.n_batch = n_batch
        self.stream = 0
        self._ctx: Any = None
        self._batch: Any = None
        self._vocab = llm._model.vocab
        self._n_vocab = llm.n_vocab()
        self.reserve(stream)

    def reserve(self, need: int) -> None:
        """A context whose streams hold ``need`` tokens each (sizes do not change the numbers)."""
        if need <= self.stream:
            return
        from llama_cpp import _internals as internals

        self.close()
        stream = -(-need // STREAM_ROUNDING) * STREAM_ROUNDING
        params = type(self._llm.context_params).from_buffer_copy(self._llm.context_params)
        params.n_ctx = stream * self.parallel
        params.n_batch = self.n_batch
        params.n_ubatch = min(self.n_batch, 512)
        params.n_seq_max = self.parallel
        params.kv_unified = False
        self._ctx = internals.LlamaContext(model=self._llm._model, params=params, verbose=False)
        self._batch = internals.LlamaBatch(n_tokens=max(self.n_batch, self.parallel), embd=0,
                                           n_seq_max=self.parallel, verbose=False)
        self.stream = stream

    def close(self) -> None:
        if self._batch is not None:
            self._batch.close()
            self._batch = None
        if self._ctx is not None:
            self._ctx.close()
            self._ctx = None
        self.stream = 0

    # -- one llama_decode ------------------------------------------------------------------
    def _decode(self, entries: list[tuple[int, int, int, bool]]) -> None:
        """``entries``: (token, position, sequence id, want logits)."""
        batch = self._batch.batch
        batch.n_tokens = len(entries)
        for j, (token, pos, seq, logits) in enumerate(entries):
            batch.token[j] = token
            batch.pos[j] = pos
            batch.n_seq_id[j] = 1
            batch.seq_id[j][0] = seq
            batch.logits[j] = logits
        self._ctx.decode(self._batch)

    def _argmax(self, row: int) -> int:
        pointer = self._ctx.get_logits_ith(row)
        logits = np.ctypeslib.as_array(ctypes.cast(pointer, ctypes.POINTER(ctypes.c_float)), shape=(self._n_vocab,))
        return int(np.argmax(logits))

    def _is_eog(self, token: int) -> bool:
        return bool(self._llama_cpp.llama_vocab_is_eog(self._vocab, token))

    # -- the slots -------------------------------------------------------------------------
    def run(self, jobs: list[Job]) -> None:
        """Complete every job in place (``finish_reason`` and text, or ``error``)."""
        if not jobs:
            return
        self.reserve(max(job.need for job in jobs))
        self._ctx.kv_cache_clear()
        queue = deque(jobs)
        slots: list[Job | None] = [None] * self.parallel
        while True:
            for s in range(self.parallel):
                while slots[s] is None and queue:
                    slots[s] = self._start(s, queue.popleft())
            if not any(slots):
                return
            entries = []
            for s, job in enumerate(slots):
                if job is None:  # an idle slot still takes its row: the step's shape never changes
                    self._ctx.kv_cache_seq_rm(s, -1, -1)
                    entries.append((0, 0, s, False))
                else:  # feed back the token it just accepted
                    entries.append((job.generated[-1], len(job.prompt) + len(job.generated) - 1, s, True))
            try:
                self._decode(entries)
            except RuntimeError as exc:
                for s, job in enumerate(slots):
                    if job is not None:
                        job.error = f"llama.cpp decode failed: {exc}"
                        slots[s] = None
                self._ctx.kv_cache_clear()
                continue
            for s, job in enumerate(slots):
                if job is not None:
                    job.next_token = self._argmax(s)
                    if not self._accept(job):
                        slots[s] = None

    def _start(self, slot: int, job: Job) -> Job | None:
        """Evaluate ``job``'s prompt alone in ``slot``'s emptied stream and take its first token;
        the job while it goes on, else None (finished at once, or failed)."""
        self._ctx.kv_cache_seq_rm(slot, -1, -1)
        try:
            last_row = 0
            for start in range(0, len(job.prompt), self.n_batch):
                chunk = job.prompt[start:start + self.n_batch]
                final = start + len(chunk) == len(job.prompt)
                self._decode([(t, start + k, slot, final and k == len(chunk) - 1) for k, t in enumerate(chunk)])
                last_row = len(chunk) - 1
        except RuntimeError as exc:
            job.error = f"llama.cpp decode failed: {exc}"
            self._ctx.kv_cache_seq_rm(slot, -1, -1)
            return None
        job.next_token = self._argmax(last_row)
        return job if self._accept(job) else None

    def _accept(self, job: Job) -> bool:
        """Take the job's next token as ``create_completion`` does; False once it is finished."""
        token = job.next_token
        if self._is_eog(token):
            job.finish_reason = "stop"
            return False
        job.generated.append(token)
        job.text = self._llm.detokenize(job.generated).decode("utf-8", "ignore")
        if job.stops and any(stop in job.text for stop in job.stops):
            job.finish_reason = "stop"
            return False
        if len(job.generated) >= job.max_tokens:
            job.finish_reason = "length"
            return False
        return True


def completion(job: Job) -> Completion:
    if job.error is not None:
        return Completion(error=job.error)
    text, _ = trim_at_stop(job.text, job.stops)
    return Completion(text=text, finish_reason=job.finish_reason,
                      usage=Usage(prompt_tokens=len(job.prompt), completion_tokens=len(job.generated)))
