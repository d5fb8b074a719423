"""Log-likelihood request handling shared by the backends (lm-evaluation-harness's rules)."""

from __future__ import annotations


def split_whitespace(context: str, continuation: str) -> tuple[str, str]:
    """lm-eval's rule: trailing spaces of the context belong to the continuation."""
    spaces = len(context) - len(context.rstrip())
    if spaces:
        return context[:-spaces], context[-spaces:] + continuation
    return context, continuation
