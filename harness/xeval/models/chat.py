"""Chat prompt formatting shared by every backend that needs a text prompt."""

from __future__ import annotations

from collections.abc import Sequence

from ..types import Message

GEMMA_END_OF_TURN = "<end_of_turn>"


def format_gemma(messages: Sequence[Message]) -> str:
    """Gemma's turn template (no BOS: the tokenizer adds it).

    Gemma has no system role: a system message is prepended to the first user turn.
    The prompt ends with an open model turn.
    """
    system = "\n\n".join(m.content for m in messages if m.role == "system")
    parts: list[str] = []
    for message in messages:
        if message.role == "system":
            continue
        content = message.content
        if system and message.role == "user":
            content = f"{system}\n\n{content}"
            system = ""
        role = "model" if message.role == "assistant" else "user"
        parts.append(f"<start_of_turn>{role}\n{content}{GEMMA_END_OF_TURN}\n")
    parts.append("<start_of_turn>model\n")
    return "".join(parts)


def format_plain(messages: Sequence[Message]) -> str:
    """No template: the message contents joined by blank lines (base models, raw prompts)."""
    return "\n\n".join(m.content for m in messages)


CHAT_FORMATS = {"gemma": format_gemma, "plain": format_plain}
STOP_STRINGS = {"gemma": (GEMMA_END_OF_TURN,), "plain": ()}


def trim_at_stop(text: str, stops: Sequence[str]) -> tuple[str, bool]:
    """Cut ``text`` at the earliest stop string; say whether one was found."""
    cut = len(text)
    for stop in stops:
        if stop:
            index = text.find(stop)
            if index != -1:
                cut = min(cut, index)
    return text[:cut], cut != len(text)
