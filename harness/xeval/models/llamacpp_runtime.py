"""What llama.cpp does on *this* machine, decided at run time, and the load settings that follow.

llama-cpp-python compiles llama.cpp natively on install, so the kernels a build uses are the
features of the CPU it was built on; ``llama_print_system_info()`` lists them (``AVX2 = 1 |
AMX_INT8 = 1 | ...``). Two facts follow from them:

* **AMX.** Where the build has ``AMX_INT8``, llama.cpp repacks quantised weights into its AMX
  buffer type and, on Sapphire/Emerald/Granite Rapids Xeons, segfaults in the first decode
  (llama.cpp issue #20824; other projects' CI crashed only on AMX runners). Loading with
  ``use_extra_bufts = false`` (no AMX / repack buffer types; llama.cpp's ``--repack off``)
  avoids it. xeval therefore loads without extra buffer types when the build has AMX, and
  keeps llama.cpp's default (repacking on) everywhere else. ``use_extra_bufts=false`` forces
  the safe path anywhere; ``use_extra_bufts=true`` is refused with one line on an AMX build
  (the crashing path itself: a segfault would take the whole run down, records unwritten).
* **Numbers.** The kernel path changes the numbers (greedy text, log-likelihoods), so the
  llama-cpp-python version, the CPU features in use and the extra-buffer-type switch go into
  the model fingerprint, and through it into the call-cache key: a result computed on one
  kernel path is never served to a run on another.

``Llama.__init__`` does not expose ``use_extra_bufts``; :func:`model_params_override` sets it
on the model parameters llama-cpp-python builds (``llama_model_default_params``). Every
``llama_cpp.Llama`` that xeval, its tests, benches and tools build comes from :func:`open_llama`
(the decision, then the load under the override); the test suite fails any construction made
outside it. The server started by :func:`server_command`
(``python -m xeval.models.llamacpp_server``, which is ``python -m llama_cpp.server`` with the
same decision applied).
"""

from __future__ import annotations

import contextlib
import shlex
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any

from xeval.errors import MissingDependencyError, ModelError

#: The llama-cpp-python release xeval's in-process backend was tested with. The backend uses
#: llama-cpp-python internals (``Llama._ctx``, ``Llama._batch``, ...), so pyproject pins it.
TESTED_LLAMA_CPP_PYTHON = "0.3.36"

#: Internals ``models/llamacpp.py`` calls: (object, attribute) on a loaded ``Llama``.
REQUIRED_INTERNALS: tuple[tuple[str, str], ...] = (
    ("Llama", "_ctx"), ("Llama", "_batch"), ("Llama", "n_batch"),
    ("_ctx", "kv_cache_seq_rm"), ("_ctx", "decode"), ("_ctx", "get_logits"), ("_ctx", "get_logits_ith"),
    ("_batch", "set_batch"),
)

EXTRA_BUFTS_ARG = "use_extra_bufts"
_PATCH_LOCK = threading.Lock()
_DECIDED_LOADS = 0  # loads now inside model_params_override (under _PATCH_LOCK)


def import_llama_cpp() -> ModuleType:
    try:
        import llama_cpp
    except ImportError:
        raise MissingDependencyError("the llamacpp backend",
                                     f"llama-cpp-python=={TESTED_LLAMA_CPP_PYTHON}") from None
    return llama_cpp


def llama_cpp_version() -> str:
    try:
        return metadata.version("llama-cpp-python")
    except metadata.PackageNotFoundError:
        return "not installed"


def system_info() -> str:
    """``llama_print_system_info()`` of the installed build, as text."""
    llama_cpp = import_llama_cpp()
    raw = llama_cpp.llama_print_system_info()
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


def cpu_features(info: str) -> list[str]:
    """The CPU features a build uses, from its system info: ``CPU : SSE3 = 1 | AVX = 1 | ...``
    (a multi-backend build lists several ``NAME : ...`` sections; only the CPU ones count)."""
    features: list[str] = []
    section = ""
    for part in info.split("|"):
        part = part.strip()
        if ":" in part:
            section, _, part = (s.strip() for s in part.partition(":"))
        if section.upper() != "CPU" or "=" not in part:
            continue
        name, _, value = (s.strip() for s in part.partition("="))
        if name and value not in ("", "0") and name not in features:
            features.append(name)
    return features


def has_amx(info: str) -> bool:
    return any(f.startswith("AMX") for f in cpu_features(info))


@dataclass(frozen=True)
class KernelPath:
    """How llama.cpp will run on this machine: what goes into fingerprints and cache keys."""

    llama_cpp_python: str
    cpu_features: tuple[str, ...]
    extra_bufts: bool
    reason: str

    def fingerprint(self) -> dict[str, Any]:
        return {"llama_cpp_python": self.llama_cpp_python, "cpu_features": list(self.cpu_features),
                "extra_bufts": self.extra_bufts}


def decide_kernel_path(info: str, requested: bool | None = None, version: str | None = None) -> KernelPath:
    """Extra buffer types on or off for a build with system info ``info``.

    ``requested`` (``use_extra_bufts=true|false`` from the user) wins, except that ``true`` is
    refused on an AMX build; otherwise they are off exactly when the build has AMX, whose
    repacked path crashes (llama.cpp #20824).
    """
    features = tuple(cpu_features(info))
    version = version or llama_cpp_version()
    if requested is True and has_amx(info):
        raise ModelError("use_extra_bufts=true is refused on this machine: its llama.cpp build has AMX_INT8, "
                         "whose AMX/repack path segfaults (llama.cpp #20824); leave it unset (auto) or false")
    if requested is not None:
        why = f"use_extra_bufts={str(requested).lower()} requested"
        return KernelPath(version, features, bool(requested), why)
    if has_amx(info):
        return KernelPath(version, features, False,
                          "build has AMX_INT8: AMX/repack buffer types off (llama.cpp #20824 segfault)")
    return KernelPath(version, features, True, "no AMX: llama.cpp's default buffer types (repacking on)")


def parse_bool(value: Any, name: str = EXTRA_BUFTS_ARG) -> bool | None:
    """``true``/``false``/``auto`` (or a bool) -> True/False/None."""
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    if text in {"auto", ""}:
        return None
    raise ModelError(f"{name} must be true, false or auto, got {value!r}")


@contextlib.contextmanager
def model_params_override(use_extra_bufts: bool) -> Iterator[None]:
    """While loading a ``Llama``, have ``llama_model_default_params()`` return parameters with
    ``use_extra_bufts`` set (``Llama.__init__`` builds its model parameters from it and has no
    argument for the field). Loads in other threads wait for the lock."""
    import llama_cpp.llama_cpp as low

    if "use_extra_bufts" not in {field[0] for field in low.llama_model_params._fields_}:
        raise ModelError(f"llama-cpp-python {llama_cpp_version()} has no llama_model_params.use_extra_bufts; "
                         f"xeval needs llama-cpp-python=={TESTED_LLAMA_CPP_PYTHON}")
    global _DECIDED_LOADS
    with _PATCH_LOCK:
        original = low.llama_model_default_params

        def defaults() -> Any:
            params = original()
            params.use_extra_bufts = use_extra_bufts
            return params

        low.llama_model_default_params = defaults
        _DECIDED_LOADS += 1
        try:
            yield
        finally:
            _DECIDED_LOADS -= 1
            low.llama_model_default_params = original


def loading_under_decision() -> bool:
    """True while a load runs inside :func:`model_params_override` (the test suite's guard
    against a bare ``llama_cpp.Llama(...)``, which crashes on AMX machines)."""
    return _DECIDED_LOADS > 0


def open_llama(model_path: Path | str, *, use_extra_bufts: bool | None = None,
               info: str | None = None, **kwargs: Any) -> tuple[Any, KernelPath]:
    """A ``llama_cpp.Llama`` loaded on the kernel path this machine's build allows, with that
    path: the one way xeval, its tests, benches and tools build one. ``use_extra_bufts`` is the
    user's request (``None`` = decide); ``kwargs`` go to ``Llama``."""
    llama_cpp = import_llama_cpp()
    path = decide_kernel_path(system_info() if info is None else info, use_extra_bufts)
    with model_params_override(path.extra_bufts):
        llm = llama_cpp.Llama(model_path=str(model_path), **kwargs)
    return llm, path


def check_internals(llm: Any) -> None:
    """One clear line, not a segfault, when a llama-cpp-python release lacks an internal the
    in-process backend calls."""
    missing = []
    for owner, attr in REQUIRED_INTERNALS:
        target = llm if owner == "Llama" else getattr(llm, owner, None)
        if target is None or not hasattr(target, attr):
            missing.append(f"{owner}.{attr}" if owner != "Llama" else f"Llama.{attr}")
    if missing:
        raise ModelError(
            f"llama-cpp-python {llama_cpp_version()} lacks {', '.join(missing)}, which xeval's llamacpp "
            f"backend uses; install the tested release: pip install llama-cpp-python=={TESTED_LLAMA_CPP_PYTHON}"
        )


def server_command(model: Path | str, *, host: str = "127.0.0.1", port: int = 8000,
                   use_extra_bufts: bool | None = None, extra_args: list[str] | None = None,
                   python: str | None = None) -> list[str]:
    """The command line that serves ``model`` as an OpenAI-compatible endpoint with xeval's
    kernel-path decision (``python -m xeval.models.llamacpp_server``: ``llama_cpp.server``
    with ``--use_extra_bufts auto|true|false`` added). Every server xeval's tests or docs
    start comes from here."""
    switch = "auto" if use_extra_bufts is None else str(use_extra_bufts).lower()
    return [python or sys.executable, "-m", "xeval.models.llamacpp_server", "--use_extra_bufts", switch,
            "--model", str(model), "--host", host, "--port", str(port), *(extra_args or [])]


def format_command(command: list[str]) -> str:
    return " ".join(shlex.quote(part) for part in command)
