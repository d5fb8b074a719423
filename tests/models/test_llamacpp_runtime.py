"""The llama.cpp kernel path: AMX decision, load parameters, server command, fingerprint and
cache key, missing internals, ``xeval doctor`` and ``xeval serve``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from xeval.errors import ModelError
from xeval.models import llamacpp_runtime as runtime
from xeval.models.cache import CallCache
from xeval.models.llamacpp_server import split_switch

# The line the AMX machine of issue 13 printed (Intel Xeon, llama-cpp-python 0.3.36 built natively).
AMX_INFO = ("CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | BMI2 = 1 | AVX512 = 1 | "
            "AVX512_VBMI = 1 | AVX512_VNNI = 1 | AVX512_BF16 = 1 | AMX_INT8 = 1 | LLAMAFILE = 1 | OPENMP = 1 | "
            "REPACK = 1 | ")
# What llama-cpp-python 0.3.36, built natively on the lent GPU machine's Intel Xeon host (amx_int8,
# amx_tile in /proc/cpuinfo), printed on 2026-11-23.
DEVICE_AMX_INFO = ("CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX_VNNI = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | BMI2 = 1 | "
                   "AVX512 = 1 | AVX512_VBMI = 1 | AVX512_VNNI = 1 | AVX512_BF16 = 1 | AMX_INT8 = 1 | LLAMAFILE = 1 | "
                   "OPENMP = 1 | REPACK = 1 | ")
# An AVX2-only AMD EPYC (the machine these tests were written on).
AVX2_INFO = ("CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | BMI2 = 1 | LLAMAFILE = 1 | "
             "OPENMP = 1 | REPACK = 1 | ")
# A multi-backend build: only the CPU section counts.
CUDA_INFO = "CUDA : ARCHS = 900 | USE_GRAPHS = 1 | PEER_MAX_BATCH_SIZE = 128 | " + AVX2_INFO


def test_cpu_features_parse_the_cpu_section_only() -> None:
    assert runtime.cpu_features(AVX2_INFO)[:4] == ["SSE3", "SSSE3", "AVX", "AVX2"]
    assert "AMX_INT8" in runtime.cpu_features(AMX_INFO)
    assert "ARCHS" not in runtime.cpu_features(CUDA_INFO)
    assert runtime.cpu_features(CUDA_INFO) == runtime.cpu_features(AVX2_INFO)
    assert runtime.cpu_features("CPU : AVX = 0 | AVX2 = 1 |") == ["AVX2"]


def test_amx_decision_both_answers_and_user_override() -> None:
    assert runtime.decide_kernel_path(DEVICE_AMX_INFO).extra_bufts is False
    assert "AMX_INT8" in runtime.cpu_features(DEVICE_AMX_INFO)
    amx = runtime.decide_kernel_path(AMX_INFO, version="0.3.36")
    assert amx.extra_bufts is False and "AMX" in amx.reason
    plain = runtime.decide_kernel_path(AVX2_INFO, version="0.3.36")
    assert plain.extra_bufts is True
    forced = runtime.decide_kernel_path(AVX2_INFO, requested=True, version="0.3.36")
    assert forced.extra_bufts is True and "requested" in forced.reason
    assert runtime.decide_kernel_path(AVX2_INFO, requested=False).extra_bufts is False
    assert runtime.decide_kernel_path(AMX_INFO, requested=False).extra_bufts is False
    assert plain.fingerprint() != runtime.decide_kernel_path(AVX2_INFO, requested=False,
                                                             version="0.3.36").fingerprint()
    assert amx.fingerprint()["cpu_features"] == runtime.cpu_features(AMX_INFO)


@pytest.mark.parametrize("info", [AMX_INFO, DEVICE_AMX_INFO])
def test_the_crashing_path_is_refused_on_amx(info: str) -> None:
    """``use_extra_bufts=true`` on an AMX build is the segfaulting path itself: one line, never a load."""
    with pytest.raises(ModelError) as refused:
        runtime.decide_kernel_path(info, requested=True)
    message = str(refused.value)
    assert "use_extra_bufts=true is refused" in message and "AMX_INT8" in message and "#20824" in message
    assert "\n" not in message


def test_a_user_forcing_the_crashing_path_on_amx_gets_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the real backend (this machine made to report an AMX build): refused before llama.cpp
    is asked to load anything."""
    from xeval.models.registry import load_model

    monkeypatch.setattr(runtime, "system_info", lambda: AMX_INFO)

    def no_load(*args: object, **kwargs: object) -> None:
        raise AssertionError("llama.cpp was asked to load on the refused path")

    monkeypatch.setattr(runtime, "model_params_override", no_load)
    with pytest.raises(ModelError, match="use_extra_bufts=true is refused"):
        load_model("embedded", {"use_extra_bufts": "true", "n_ctx": 256})


GUARD_TEST_MARK = "# bare on purpose"  # the guard's own test below: refused before llama.cpp loads


def test_every_llama_load_in_the_project_goes_through_the_decision() -> None:
    """No ``llama_cpp.Llama(...)`` built outside ``open_llama`` anywhere in the repository (tests,
    benches, tools included): a bare one segfaults on AMX and takes the whole test run down. The
    suite's conftest also fails any test whose code builds one at run time."""
    import ast

    def builds_llama(node: ast.AST) -> bool:
        if not isinstance(node, ast.Call):
            return False
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "from_pretrained":
            func = func.value  # Llama.from_pretrained(...)
        return (isinstance(func, ast.Name) and func.id == "Llama") or (
            isinstance(func, ast.Attribute) and func.attr == "Llama")

    root = Path(__file__).resolve().parents[2]
    allowed = root / "harness" / "xeval" / "models" / "llamacpp_runtime.py"
    offenders, scanned = [], 0
    for path in sorted(root.rglob("*.py")):
        if path == allowed or {".venv", "site-packages", "build"} & set(path.relative_to(root).parts):
            continue
        scanned += 1
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        offenders += [f"{path.relative_to(root)}:{node.lineno}" for node in ast.walk(ast.parse(text, str(path)))
                      if builds_llama(node) and GUARD_TEST_MARK not in lines[node.lineno - 1]]
    assert scanned > 100
    assert not offenders, f"bare llama_cpp.Llama construction (use llamacpp_runtime.open_llama): {offenders}"


def test_parse_bool() -> None:
    assert runtime.parse_bool("true") is True and runtime.parse_bool("off") is False
    assert runtime.parse_bool("auto") is None and runtime.parse_bool(None) is None
    with pytest.raises(ModelError, match="use_extra_bufts must be true, false or auto"):
        runtime.parse_bool("maybe")


def test_load_parameters_follow_the_decision() -> None:
    import llama_cpp.llama_cpp as low

    assert low.llama_model_default_params().use_extra_bufts is True  # llama.cpp's default
    with runtime.model_params_override(False):
        assert low.llama_model_default_params().use_extra_bufts is False
    assert low.llama_model_default_params().use_extra_bufts is True  # restored
    with pytest.raises(RuntimeError), runtime.model_params_override(False):
        raise RuntimeError("load failed")
    assert low.llama_model_default_params().use_extra_bufts is True  # restored after an error too


def test_server_command_carries_the_switch() -> None:
    command = runtime.server_command(Path("/m/model.gguf"), port=8123, use_extra_bufts=False,
                                     extra_args=["--chat_format", "gemma"], python="/usr/bin/python3")
    assert command == ["/usr/bin/python3", "-m", "xeval.models.llamacpp_server", "--use_extra_bufts", "false",
                       "--model", "/m/model.gguf", "--host", "127.0.0.1", "--port", "8123",
                       "--chat_format", "gemma"]
    assert runtime.server_command("m.gguf")[3:5] == ["--use_extra_bufts", "auto"]
    value, rest = split_switch(command[3:])
    assert value == "false" and rest[:2] == ["--model", "/m/model.gguf"] and "--use_extra_bufts" not in rest
    assert split_switch(["--use-extra-bufts=true", "--port", "1"]) == ("true", ["--port", "1"])
    assert split_switch(["--port", "1"]) == (None, ["--port", "1"])


class _Incomplete:
    """A stand-in for a ``Llama`` from a release without ``_batch``."""

    n_batch = 512

    class _ctx:  # noqa: N801 - mirrors the attribute name
        kv_cache_seq_rm = decode = get_logits = get_logits_ith = staticmethod(lambda *a: None)


def test_missing_internal_is_one_clear_line() -> None:
    with pytest.raises(ModelError) as info:
        runtime.check_internals(_Incomplete())
    message = str(info.value)
    assert "lacks Llama._batch" in message and "pip install llama-cpp-python==0.3.36" in message
    assert "\n" not in message


@pytest.mark.slow
def test_real_load_refuses_a_release_without_an_internal(monkeypatch: pytest.MonkeyPatch) -> None:
    from xeval.models.registry import load_model

    monkeypatch.setattr(runtime, "REQUIRED_INTERNALS", (*runtime.REQUIRED_INTERNALS, ("_ctx", "gone_in_0_4")))
    with pytest.raises(ModelError, match=r"lacks _ctx\.gone_in_0_4"):
        load_model("embedded", {"n_ctx": 256})


@pytest.mark.slow
def test_both_kernel_paths_load_answer_and_key_apart(embedded_model) -> None:  # type: ignore[no-untyped-def]
    """Extra buffer types on and off: both load and answer on this machine, and their
    fingerprints and call-cache keys differ, so one path's results never serve the other."""
    from xeval.models.registry import load_model
    from xeval.types import GenerationRequest, GenerationSettings, LoglikelihoodRequest, Message

    info = runtime.system_info()
    print("\nllama_print_system_info():", info)
    auto = embedded_model.fingerprint()["runtime"]
    assert auto["extra_bufts"] is (not runtime.has_amx(info))
    assert auto["llama_cpp_python"] == runtime.TESTED_LLAMA_CPP_PYTHON
    assert auto["cpu_features"] == runtime.cpu_features(info)

    request = GenerationRequest(messages=(Message(role="user", content="Name a famous scientist."),),
                                settings=GenerationSettings(max_tokens=8))
    texts, fingerprints, logliks = {}, {}, {}
    # on an AMX build the repacked path is the crashing one and is refused (see the tests above):
    # only the safe path is loaded there, and the keys are compared through the decision alone
    switches = (False,) if runtime.has_amx(info) else (True, False)
    for switch in switches:
        model = load_model("embedded", {"use_extra_bufts": switch, "n_ctx": 512})
        try:
            fingerprints[switch] = model.fingerprint()
            out = model.generate([request])[0]
            assert out.error is None and out.text.strip()
            texts[switch] = out.text
            logliks[switch] = model.loglikelihood([LoglikelihoodRequest(context="The capital of France is",
                                                                        continuation=" Paris")])[0]
        finally:
            model.close()
    assert fingerprints[False]["runtime"]["extra_bufts"] is False
    if True not in fingerprints:  # AMX: the other path's fingerprint as the decision would make it
        fingerprints[True] = {**fingerprints[False], "runtime": {**fingerprints[False]["runtime"], "extra_bufts": True}}
    assert fingerprints[True]["runtime"]["extra_bufts"] is True
    request_json = request.model_dump(mode="json")
    assert (CallCache.key(fingerprints[True], "generate", request_json)
            != CallCache.key(fingerprints[False], "generate", request_json))
    if True in texts:
        print("greedy text, extra bufts on / off:", repr(texts[True]), "/", repr(texts[False]))
        print("log-likelihood on / off:", logliks[True], logliks[False])
        assert abs(logliks[True] - logliks[False]) < 0.5  # same model, different kernels


@pytest.mark.slow
def test_server_applies_the_switch(tmp_path: Path) -> None:
    """The real llama_cpp.server started through xeval's wrapper: the decision is printed, and
    with extra buffer types off llama.cpp allocates no repack/AMX buffer."""
    import urllib.request

    from xeval.models.embedded import embedded_model_path

    from ..servers import llama_server

    for switch in (False, None):
        log = tmp_path / f"server-{switch}.log"
        with llama_server(embedded_model_path(), log=log, use_extra_bufts=switch, verbose=True) as url:
            with urllib.request.urlopen(f"{url}/models", timeout=10) as reply:  # noqa: S310 - loopback
                assert reply.status == 200
        text = log.read_text(errors="replace")
        buffers = [line for line in text.splitlines() if "model buffer size" in line]
        print(f"\nuse_extra_bufts={switch}:", *buffers, sep="\n  ")
        expected = "off" if switch is False else ("off" if runtime.has_amx(runtime.system_info()) else "on")
        assert f"extra buffer types {expected}" in text
        if switch is False:
            assert buffers and not any("REPACK" in line or "AMX" in line for line in buffers)


def test_doctor_reports_everything(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "xeval", "doctor", "--json", "--results", str(tmp_path)],
                          capture_output=True, text=True, timeout=300, env={**os.environ})
    checks = {c["name"]: c for c in json.loads(proc.stdout)}
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert checks["llama.cpp"]["ok"] and "CPU :" in checks["llama.cpp"]["system_info"]
    assert checks["llama.cpp"]["extra_bufts"] is (not runtime.has_amx(checks["llama.cpp"]["system_info"]))
    assert checks["embedded model"]["ok"] and checks["embedded model"]["text"].strip()
    assert checks["embedded model"]["runtime"]["llama_cpp_python"] == runtime.TESTED_LLAMA_CPP_PYTHON
    assert checks["backend embedded"]["ok"] and checks["backend openai"]["installed"]
    assert checks["cache"]["ok"] and checks["results"]["ok"]


def test_doctor_reports_a_native_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    from xeval import doctor

    monkeypatch.setattr(doctor, "_PROBE", "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)")
    check = doctor.check_embedded()
    assert not check.ok and "SIGSEGV" in check.detail and "use_extra_bufts=false" in check.detail


def test_serve_refuses_a_missing_file() -> None:
    proc = subprocess.run([sys.executable, "-m", "xeval", "serve", "--model", "/nonexistent.gguf"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "xeval: error: xeval serve --model /nonexistent.gguf: no such GGUF file"


def test_a_bare_llama_construction_fails_its_test() -> None:
    """The conftest guard: a ``llama_cpp.Llama(...)`` outside ``open_llama`` fails here, before llama.cpp
    loads anything (on an AMX CPU it would segfault the whole run)."""
    import llama_cpp
    from xeval.models.embedded import embedded_model_path

    with pytest.raises(AssertionError, match="outside the kernel-path decision"):
        llama_cpp.Llama(model_path=str(embedded_model_path()), n_ctx=64, verbose=False)  # bare on purpose
    llm, path = runtime.open_llama(embedded_model_path(), n_ctx=256, verbose=False)
    try:
        assert path.extra_bufts is (not runtime.has_amx(runtime.system_info()))
        assert llm.n_ctx() == 256
    finally:
        llm.close()
