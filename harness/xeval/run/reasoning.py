"""Reasoning traces: a reasoning model's ``<think>...</think>`` (or an API's separate
``reasoning_content``) is kept apart from its answer. Scorers and judges see the answer alone;
records keep the trace; the summary reports trace length, unclosed traces and the trace's
language next to the answer's.
"""

from __future__ import annotations

from xeval.settings import DEFAULT_MARKERS  # noqa: F401  (a trace's start and end: a run setting)


def split_reasoning(text: str, api_reasoning: str | None = None,
                    markers: tuple[str, str] = DEFAULT_MARKERS) -> tuple[str, str | None, bool]:
    """(answer, trace, unclosed). A trace opened and never closed leaves an empty answer. A
    closing marker without an opening one (templates that open the trace in the prompt, as
    Qwen3's does) closes a trace that began with the reply."""
    start, end = markers
    trace_parts = [api_reasoning] if api_reasoning else []
    head, sep, rest = text.partition(start)
    if sep:
        inner, closed, after = rest.partition(end)
        if not closed:
            return "", "\n".join([*trace_parts, inner.strip()]).strip(), True
        return (head + after).strip(), "\n".join([*trace_parts, inner.strip()]).strip(), False
    before, closed, after = text.partition(end)
    if closed:
        return after.strip(), "\n".join([*trace_parts, before.strip()]).strip(), False
    return text, (api_reasoning or None), False
