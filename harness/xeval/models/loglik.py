"""Log-likelihood request handling shared by the backends (lm-evaluation-harness's rules)."""

from __future__ import annotations

from collections.abc import Callable

from xeval.errors import ModelError


def split_whitespace(context: str, continuation: str) -> tuple[str, str]:
    """lm-eval's rule: trailing spaces of the context belong to the continuation."""
    spaces = len(context) - len(context.rstrip())
    if spaces:
        return context[:-spaces], context[-spaces:] + continuation
    return context, continuation


def encode_request(encode: Callable[[str], list[int]], bos_id: int, context: str,
                   continuation: str) -> tuple[list[int], list[int]]:
    """(context tokens, continuation tokens) the way lm-eval's HFLM makes them.

    The context and context+continuation are tokenised separately and the continuation is the
    tail of the whole; an empty context is the BOS token alone. ``encode`` adds special tokens.
    """
    context, continuation = split_whitespace(context, continuation)
    if context:
        context_tokens = encode(context)
        whole = encode(context + continuation)
    else:
        context_tokens = [bos_id]
        whole = [bos_id, *encode(continuation)[1:]]
    continuation_tokens = whole[len(context_tokens):]
    if not continuation_tokens:
        raise ModelError("empty continuation in a log-likelihood request")
    return context_tokens, continuation_tokens
