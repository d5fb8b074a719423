"""Shared fixtures: the real embedded model (loaded once per session) and the shared data."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep xeval's cache of the test session out of the user's home, but reuse the
    assembled embedded GGUF when one is there (assembling costs ~2 s)."""
    if "XEVAL_CACHE_DIR" not in os.environ:
        os.environ["XEVAL_CACHE_DIR"] = str(tmp_path_factory.mktemp("xeval-cache"))
    yield


@pytest.fixture(scope="session", autouse=True)
def _llama_loads_take_the_kernel_path_decision() -> Iterator[None]:
    """Fail any test whose code builds a ``llama_cpp.Llama`` outside xeval's kernel-path decision
    (``llamacpp_runtime.open_llama``): on an AMX CPU a bare one segfaults and takes the whole
    test run down, on every other CPU it silently passes."""
    try:
        import llama_cpp
    except ImportError:
        yield
        return
    from xeval.models import llamacpp_runtime as runtime

    original = llama_cpp.Llama.__init__

    @functools.wraps(original)
    def guarded(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not runtime.loading_under_decision():
            raise AssertionError("llama_cpp.Llama built outside the kernel-path decision (a segfault on AMX "
                                 "CPUs): load it with xeval.models.llamacpp_runtime.open_llama")
        original(self, *args, **kwargs)

    llama_cpp.Llama.__init__ = guarded  # type: ignore[method-assign]
    yield
    llama_cpp.Llama.__init__ = original  # type: ignore[method-assign]


@pytest.fixture(scope="session")
def embedded_model():  # type: ignore[no-untyped-def]
    from xeval.models.registry import load_model

    model = load_model("embedded")
    yield model
    model.close()


@pytest.fixture(scope="session")
def embedded_one_row():  # type: ignore[no-untyped-def]
    """The embedded model decoding one row a step (``parallel=1``), as llama_cpp.server does: the
    default decodes 8 rows a step through other kernels, and on some CPUs (an AVX-512 Xeon) a
    greedy text then differs from the server's from its first word."""
    from xeval.models.registry import load_model

    model = load_model("embedded", {"parallel": 1})
    yield model
    model.close()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not found at {SHARED_DATA} (a user's checkout has no ../shared)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def hf_embedded():  # type: ignore[no-untyped-def]
    """The embedded GGUF through transformers (dequantised to float32 on the CPU): ~1 min."""
    pytest.importorskip("transformers")
    from xeval.models.registry import load_model

    model = load_model("hf:embedded", {"chat_template": "gemma", "dtype": "float32", "batch_size": 4})
    yield model
    model.close()


@pytest.fixture(scope="session")
def llama_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real OpenAI-compatible server (python -m llama_cpp.server) on 127.0.0.1 serving the
    embedded GGUF; started for the test session and stopped by its PID."""
    pytest.importorskip("llama_cpp.server")
    from xeval.models.embedded import embedded_model_path

    from .servers import llama_server

    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    with llama_server(embedded_model_path(), log=log) as url:
        yield url
