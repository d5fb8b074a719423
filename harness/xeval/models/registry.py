"""Backends register by name; optional ones import lazily.

Built-ins register with the :func:`backend` decorator on a small factory that imports
the heavy module only when called. Third-party backends register through the Python
entry-point group ``xeval.backends`` (``name = "package.module:factory"``), where the
factory has the signature ``factory(target: str, args: dict) -> ModelAdapter``.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

from ..errors import ModelError
from .base import ModelAdapter

BackendFactory = Callable[[str, dict[str, Any]], ModelAdapter]
_BACKENDS: dict[str, BackendFactory] = {}
EMBEDDED_SPEC = "embedded"
NO_MODEL_SPEC = "none"


def backend(name: str) -> Callable[[BackendFactory], BackendFactory]:
    def register(factory: BackendFactory) -> BackendFactory:
        _BACKENDS[name] = factory
        return factory

    return register


def backend_names() -> list[str]:
    _load_entry_points()
    return sorted(_BACKENDS)


def _load_entry_points() -> None:
    for entry in entry_points(group="xeval.backends"):
        if entry.name not in _BACKENDS:
            _BACKENDS[entry.name] = entry.load()


def parse_model_args(text: str | None) -> dict[str, Any]:
    """Parse lm-eval style ``key=value,key=value``; numbers and booleans are typed."""
    args: dict[str, Any] = {}
    if not text:
        return args
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if "=" not in part:
            raise ModelError(f"bad --model-args entry {part!r}: expected key=value")
        key, value = (s.strip() for s in part.split("=", 1))
        if not key:
            raise ModelError(f"bad --model-args entry {part!r}: empty key")
        args[key] = _coerce(value)
    return args


def _coerce(value: str) -> Any:
    lowered = value.lower()
    if lowered in {"true", "false"}:
        return lowered == "true"
    if lowered in {"none", "null"}:
        return None
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    return value


def split_spec(spec: str) -> tuple[str, str]:
    """``backend:target`` -> (backend, target); ``embedded`` has no target."""
    spec = spec.strip()
    if spec in (EMBEDDED_SPEC, NO_MODEL_SPEC):
        return spec, ""
    name, sep, target = spec.partition(":")
    if not sep or not target:
        raise ModelError(
            f"unknown model spec {spec!r}: expected 'embedded' or BACKEND:TARGET "
            f"with BACKEND one of {', '.join(backend_names())}"
        )
    return name, target


def resolve_spec(spec: str) -> tuple[BackendFactory, str]:
    """The backend factory and target of a spec; an unknown backend is a clear error."""
    name, target = split_spec(spec)
    _load_entry_points()
    factory = _BACKENDS.get(name)
    if factory is None:
        raise ModelError(
            f"unknown model backend {name!r} in spec {spec!r}: known backends are "
            f"{', '.join(sorted(_BACKENDS))}"
        )
    return factory, target


def load_model(spec: str, args: dict[str, Any] | None = None) -> ModelAdapter:
    """Create the adapter for a model spec such as ``llamacpp:model.gguf`` or ``embedded``."""
    factory, target = resolve_spec(spec)
    adapter = factory(target, dict(args or {}))
    adapter.spec = spec
    return adapter


@backend(EMBEDDED_SPEC)
def _embedded(target: str, args: dict[str, Any]) -> ModelAdapter:
    from .embedded import embedded_model_path
    from .llamacpp import LlamaCppAdapter

    args.setdefault("chat_template", "gemma")
    return LlamaCppAdapter(str(embedded_model_path()), embedded=True, **args)


@backend(NO_MODEL_SPEC)
def _none(target: str, args: dict[str, Any]) -> ModelAdapter:
    from .none import NoModel

    return NoModel()


@backend("hf")
def _hf(target: str, args: dict[str, Any]) -> ModelAdapter:
    from .hf import HFAdapter

    return HFAdapter(target, **args)


@backend("openai")
def _openai(target: str, args: dict[str, Any]) -> ModelAdapter:
    from .openai_api import OpenAIAdapter

    return OpenAIAdapter(target, **args)


@backend("vllm")
def _vllm(target: str, args: dict[str, Any]) -> ModelAdapter:
    from .vllm_engine import VLLMAdapter

    return VLLMAdapter(target, **args)


@backend("llamacpp")
def _llamacpp(target: str, args: dict[str, Any]) -> ModelAdapter:
    from .llamacpp import LlamaCppAdapter

    return LlamaCppAdapter(target, **args)


@backend("scripted")
def _scripted(target: str, args: dict[str, Any]) -> ModelAdapter:
    from .scripted import ScriptedModel

    return ScriptedModel(target, **args)
