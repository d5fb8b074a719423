"""Chat prompt formatting shared by every backend that builds a text prompt itself.

A backend picks a format once (:func:`choose_chat_format`) and renders each request's
messages with :class:`ChatPrompter`: xeval's own Gemma turn template (the embedded base model
has none), plain concatenation, or the model's own Jinja chat template (from the tokenizer or
the GGUF metadata), rendered the way transformers renders it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from xeval.errors import ModelError
from xeval.types import Message

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


BUILTIN_FORMATS = {"gemma": format_gemma, "plain": format_plain}
BUILTIN_STOPS: dict[str, tuple[str, ...]] = {"gemma": (GEMMA_END_OF_TURN,), "plain": ()}
JINJA = "jinja"


def choose_chat_format(explicit: str | None, model_template: str | None, architecture: str) -> str:
    """An explicit choice wins; then the model's own template; Gemma without one gets
    xeval's Gemma template; anything else is plain."""
    if explicit:
        return explicit
    if model_template:
        return JINJA
    if architecture.startswith("gemma"):
        return "gemma"
    return "plain"


def render_jinja(template: str, messages: Sequence[Message], bos_token: str, eos_token: str,
                 **template_kwargs: Any) -> str:
    """Render a Hugging Face style chat template with a generation prompt; ``template_kwargs``
    (``enable_thinking``...) reach the template as variables, as transformers passes them."""
    import jinja2
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    def raise_exception(message: str) -> None:
        raise jinja2.TemplateError(message)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=["jinja2.ext.loopcontrols"])
    env.globals["raise_exception"] = raise_exception
    try:
        return env.from_string(template).render(
            **template_kwargs, messages=[m.model_dump() for m in messages], bos_token=bos_token,
            eos_token=eos_token, add_generation_prompt=True)
    except jinja2.TemplateError as exc:
        raise ModelError(f"the chat template failed to render: {exc}") from None


class ChatPrompter:
    """Turns chat messages into a prompt string plus the stop strings of the format."""

    def __init__(self, chat_format: str, template: str | None = None, bos_token: str = "",
                 eos_token: str = "", template_kwargs: dict[str, Any] | None = None) -> None:
        if chat_format not in BUILTIN_FORMATS and chat_format != JINJA:
            path = Path(chat_format).expanduser()
            if not path.is_file():
                raise ModelError(
                    f"unknown chat template {chat_format!r}: use gemma, plain, jinja (the model's "
                    "own) or the path of a Jinja template file")
            template, chat_format = path.read_text(encoding="utf-8"), JINJA
        if chat_format == JINJA and not template:
            raise ModelError("chat format 'jinja' needs a template, and the model has none")
        self.template_kwargs = dict(template_kwargs or {})
        if self.template_kwargs and chat_format != JINJA:
            raise ModelError(f"{', '.join(sorted(self.template_kwargs))} reach(es) only a model's own Jinja chat "
                             f"template; this model is prompted with xeval's {chat_format!r} format")
        self.chat_format = chat_format
        self.template = template
        self.bos_token = bos_token
        self.eos_token = eos_token

    def prompt(self, messages: Sequence[Message]) -> tuple[str, tuple[str, ...]]:
        """(prompt without a leading BOS — the tokenizer adds it — , stop strings)."""
        if self.chat_format in BUILTIN_FORMATS:
            return BUILTIN_FORMATS[self.chat_format](messages), BUILTIN_STOPS[self.chat_format]
        assert self.template is not None
        text = render_jinja(self.template, messages, self.bos_token, self.eos_token, **self.template_kwargs)
        if self.bos_token and text.startswith(self.bos_token):
            text = text[len(self.bos_token):]
        return text, tuple(s for s in (self.eos_token,) if s)

    def describe(self) -> dict[str, Any]:
        import hashlib

        digest = hashlib.sha256((self.template or "").encode()).hexdigest()[:16] if self.template else None
        out: dict[str, Any] = {"chat_format": self.chat_format, "chat_template_sha256": digest}
        if self.template_kwargs:
            out["chat_template_kwargs"] = dict(sorted(self.template_kwargs.items()))
        return out


def template_switches(enable_thinking: bool | None) -> dict[str, Any]:
    """Chat-template switches given as model arguments (``enable_thinking=false``: Qwen3,
    EXAONE, DeepSeek-R1 distills' templates read it)."""
    if enable_thinking is None:
        return {}
    if not isinstance(enable_thinking, bool):
        raise ModelError(f"enable_thinking must be true or false, got {enable_thinking!r}")
    return {"enable_thinking": enable_thinking}


def trim_at_stop(text: str, stops: Sequence[str]) -> tuple[str, bool]:
    """Cut ``text`` at the earliest stop string; say whether one was found."""
    cut = len(text)
    for stop in stops:
        if stop:
            index = text.find(stop)
            if index != -1:
                cut = min(cut, index)
    return text[:cut], cut != len(text)


def end_token_ids(tokenizer: Any) -> list[int]:
    """EOS plus Gemma's ``<end_of_turn>`` where a transformers tokenizer has it: where generation ends."""
    ids = [tokenizer.eos_token_id]
    end_of_turn = tokenizer.convert_tokens_to_ids(GEMMA_END_OF_TURN)
    if isinstance(end_of_turn, int) and end_of_turn != tokenizer.unk_token_id and end_of_turn not in ids:
        ids.append(end_of_turn)
    return ids
