"""Backends register by name; optional ones import lazily.

Built-ins register with the :func:`backend` decorator on a small factory that imports
the heavy module only when called. Third-party backends register through the Python
entry-point group ``xeval.backends`` (``name = "package.module:factory"``), where the
factory has the signature ``factory(target: str, args: dict) -> ModelAdapter``. A backend says
where it runs under ``--executor ray`` when it registers: ``on_driver=True`` (a factory attribute
``on_driver = True`` for entry points) for API calls and recorded answers, which the driver makes
itself; the others are replicated on Ray workers.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

from xeval.errors import ModelError
from xeval.models.base import ModelAdapter

BackendFactory = Callable[[str, dict[str, Any]], ModelAdapter]
_BACKENDS: dict[str, BackendFactory] = {}
# Backends that run on the driver under --executor ray (API calls, recorded answers, no model):
# nothing to replicate on workers. Declared at registration (``on_driver=True``).
_ON_DRIVER: set[str] = set()
# Backends whose ``data_parallel_size`` model argument means N engines, each a Ray worker (vLLM).
_DATA_PARALLEL: set[str] = set()
EMBEDDED_SPEC = "embedded"
NO_MODEL_SPEC = "none"


def backend(name: str, on_driver: bool = False) -> Callable[[BackendFactory], BackendFactory]:
    def register(factory: BackendFactory) -> BackendFactory:
        _BACKENDS[name] = factory
        if on_driver:
            _ON_DRIVER.add(name)
        return factory

    return register


def runs_on_driver(spec: str) -> bool:
    """Whether a model of this spec is answered on the driver (its backend declared ``on_driver``),
    not replicated on Ray workers."""
    return split_spec(spec)[0] in _ON_DRIVER


def takes_data_parallel(spec: str) -> bool:
    """Whether this spec's backend runs ``data_parallel_size`` engines as Ray workers."""
    return split_spec(spec)[0] in _DATA_PARALLEL


def backend_names() -> list[str]:
    _load_entry_points()
    return sorted(_BACKENDS)


def _load_entry_points() -> None:
    for entry in entry_points(group="xeval.backends"):
        if entry.name not in _BACKENDS:
            _BACKENDS[entry.name] = factory = entry.load()
            if getattr(factory, "on_driver", False):  # a factory attribute: answered on the driver under Ray
                _ON_DRIVER.add(entry.name)


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


_KIND_NAMES = {int: "an integer", float: "a number", bool: "true or false", str: "text"}


def check_arg_types(function: Callable[..., Any], args: dict[str, Any], backend_name: str) -> None:
    """Model arguments checked against the backend's annotated parameters: ``n_ctx=abc`` is
    "n_ctx must be an integer, got 'abc'", not an error from deep inside the backend."""
    import inspect
    import types
    import typing

    try:
        hints = typing.get_type_hints(function)
    except Exception:  # noqa: BLE001 - unresolvable annotations: nothing to check against
        return
    parameters = inspect.signature(function).parameters
    for name, value in args.items():
        hint = hints.get(name)
        if hint is None or name not in parameters:
            continue
        options = typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, types.UnionType) else (hint,)
        kinds = [k for k in options if k in _KIND_NAMES]
        if not kinds or len(kinds) != len([k for k in options if k is not type(None)]):
            continue  # an annotation this check does not understand (Any, lists, callables)
        if value is None and type(None) in options:
            continue
        if any(_fits(value, kind) for kind in kinds):
            continue
        wanted = " or ".join(_KIND_NAMES[k] for k in kinds)
        raise ModelError(f"model argument {name} for {backend_name} must be {wanted}, got {value!r}")


def _fits(value: Any, kind: type) -> bool:
    if kind is bool:
        return isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, kind)


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
    from xeval.redaction import refuse_secret_args

    factory, target = resolve_spec(spec)
    refuse_secret_args(args, "model arguments")  # every backend, every role (the CLI says which flag first)
    adapter = factory(target, dict(args or {}))
    adapter.spec = spec
    return adapter


@backend(EMBEDDED_SPEC)
def _embedded(target: str, args: dict[str, Any]) -> ModelAdapter:
    from xeval.models.embedded import EMBEDDED_PARALLEL, embedded_model_path
    from xeval.models.llamacpp import LlamaCppAdapter

    args.setdefault("chat_template", "gemma")
    args.setdefault("parallel", EMBEDDED_PARALLEL)
    check_arg_types(LlamaCppAdapter.__init__, args, "embedded")
    return LlamaCppAdapter(str(embedded_model_path()), embedded=True, **args)


@backend(NO_MODEL_SPEC, on_driver=True)
def _none(target: str, args: dict[str, Any]) -> ModelAdapter:
    from xeval.models.none import NoModel

    return NoModel()


def _lazy_backend(name: str, module: str, attr: str, on_driver: bool = False, data_parallel: bool = False) -> None:
    """Register a backend whose module is imported only when a model of it is loaded; its model
    arguments are checked against the adapter's annotated parameters first."""

    def factory(target: str, args: dict[str, Any]) -> ModelAdapter:
        import importlib

        adapter_class = getattr(importlib.import_module(module), attr)
        check_arg_types(adapter_class.__init__, args, name)
        return adapter_class(target, **args)

    _BACKENDS[name] = factory
    if on_driver:
        _ON_DRIVER.add(name)
    if data_parallel:
        _DATA_PARALLEL.add(name)


_lazy_backend("hf", "xeval.models.hf", "HFAdapter")
_lazy_backend("openai", "xeval.models.openai_api", "OpenAIAdapter", on_driver=True)  # API calls
_lazy_backend("vllm", "xeval.models.vllm_engine", "VLLMAdapter", data_parallel=True)
_lazy_backend("llamacpp", "xeval.models.llamacpp", "LlamaCppAdapter")
_lazy_backend("scripted", "xeval.models.scripted", "ScriptedModel")
_lazy_backend("responses", "xeval.models.responses", "ResponseFileModel", on_driver=True)  # recorded answers
