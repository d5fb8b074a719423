"""Greedy generation of many sequences at once on one llama.cpp model.

llama.cpp decodes several sequences in one batch (a ``seq_id`` per token, one KV buffer shared
by all of them): each step costs about as much for 8 sequences as for one on a small model,
because the weights are read once per step. Prompts are evaluated one after the other (that
part is compute-bound anyway), then every unfinished sequence advances one token per
``llama_decode``.

Greedy only: a sampled request has no batched twin of llama-cpp-python's sampler chain and
goes through the sequential path. The stop rules are ``create_completion``'s: an end-of-
generation token ends a sequence without being kept, then the token limit, then the stop
strings. Batched kernels compute the same logits in a different order, so a greedy text can
differ from the sequential one where two tokens are nearly tied, and a sequence's numbers depend
on which others share its batch (so shards and resumed runs are not byte-identical to a whole
run). Batching is therefore opt-in (``parallel=N``, default 1) and part of the model fingerprint
and the cache key.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from xeval.models.chat import trim_at_stop
from xeval.types import Completion, Usage


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


class BatchDecoder:
    """A second llama.cpp context on the adapter's model, with ``parallel`` sequence slots and a
    unified KV buffer of ``pool`` tokens."""

    def __init__(self, llm: Any, parallel: int, pool: int, n_batch: int) -> None:
        import llama_cpp
        from llama_cpp import _internals as internals

        self._llama_cpp = llama_cpp
        self._llm = llm
        self.parallel = parallel
        self.pool = pool
        self.n_batch = n_batch
        params = type(llm.context_params).from_buffer_copy(llm.context_params)
        params.n_ctx = pool
        params.n_batch = n_batch
        params.n_ubatch = min(n_batch, 512)
        params.n_seq_max = parallel
        params.kv_unified = True
        self._ctx = internals.LlamaContext(model=llm._model, params=params, verbose=False)
        self._batch = internals.LlamaBatch(n_tokens=max(n_batch, parallel), embd=0, n_seq_max=parallel,
                                           verbose=False)
        self._vocab = llm._model.vocab
        self._n_vocab = llm.n_vocab()

    def close(self) -> None:
        self._batch.close()
        self._ctx.close()

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

    # -- a group of jobs sharing the KV buffer ---------------------------------------------
    def run(self, jobs: list[Job]) -> None:
        """Complete ``jobs`` (at most ``parallel``, fitting ``pool`` together) in place."""
        self._ctx.kv_cache_clear()
        for slot, job in enumerate(jobs):  # prompts, one sequence at a time, in chunks of n_batch
            last_row = 0
            for start in range(0, len(job.prompt), self.n_batch):
                chunk = job.prompt[start:start + self.n_batch]
                final = start + len(chunk) == len(job.prompt)
                self._decode([(t, start + k, slot, final and k == len(chunk) - 1) for k, t in enumerate(chunk)])
                last_row = len(chunk) - 1
            job.next_token = self._argmax(last_row)
        active = list(range(len(jobs)))
        while active:
            still = []
            for slot in active:
                if self._accept(jobs[slot]):
                    still.append(slot)
            active = still
            if not active:
                break
            # each unfinished sequence feeds back the token it just accepted
            self._decode([(jobs[s].generated[-1], len(jobs[s].prompt) + len(jobs[s].generated) - 1, s, True)
                          for s in active])
            for row, slot in enumerate(active):
                jobs[slot].next_token = self._argmax(row)

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


def plan_groups(jobs: list[Job], parallel: int, pool: int) -> list[list[Job]]:
    """Consecutive groups of at most ``parallel`` jobs whose prompts and limits fit ``pool``."""
    groups: list[list[Job]] = []
    current: list[Job] = []
    used = 0
    for job in jobs:
        need = len(job.prompt) + job.max_tokens
        if current and (len(current) >= parallel or used + need > pool):
            groups.append(current)
            current, used = [], 0
        current.append(job)
        used += need
    if current:
        groups.append(current)
    return groups


def completion(job: Job) -> Completion:
    text, _ = trim_at_stop(job.text, job.stops)
    return Completion(text=text, finish_reason=job.finish_reason,
                      usage=Usage(prompt_tokens=len(job.prompt), completion_tokens=len(job.generated)))
