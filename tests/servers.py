"""Start and stop real local servers for tests (127.0.0.1 only, stopped by PID)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, proc: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:  # noqa: S310 - loopback only
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not come up in {timeout:g}s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)


def start_llama_server(model: Path, *, port: int | None = None, logits_all: bool = False, log: Path | None = None,
                       use_extra_bufts: bool | None = None,
                       verbose: bool = True) -> tuple[subprocess.Popen[bytes], str]:
    """Start the real ``llama_cpp.server`` serving ``model`` with Gemma's chat format, through
    xeval's wrapper (the kernel-path decision applies, as in ``xeval serve``), and wait until it
    answers; returns the process (stop it by its PID) and the base URL (``http://127.0.0.1:PORT/v1``)."""
    from xeval.models.llamacpp_runtime import server_command

    port = port or free_port()
    command = server_command(model, port=port, use_extra_bufts=use_extra_bufts, extra_args=[
        "--chat_format", "gemma", "--n_ctx", "4096", "--n_threads", str(os.cpu_count() or 1),
        "--verbose", str(verbose).lower()])
    if logits_all:
        command += ["--logits_all", "true"]
    sink = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
    if log:
        sink.close()  # type: ignore[union-attr]  # the child holds its own handle
    try:
        wait_for(f"http://127.0.0.1:{port}/v1/models", proc)
    except BaseException:
        stop(proc)
        raise
    return proc, f"http://127.0.0.1:{port}/v1"


@contextmanager
def llama_server(model: Path, *, logits_all: bool = False, log: Path | None = None,
                 use_extra_bufts: bool | None = None, verbose: bool = True) -> Iterator[str]:
    """The real ``llama_cpp.server`` (see :func:`start_llama_server`), stopped by its PID after."""
    proc, url = start_llama_server(model, logits_all=logits_all, log=log, use_extra_bufts=use_extra_bufts,
                                   verbose=verbose)
    try:
        yield url
    finally:
        stop(proc)


STUB = Path(__file__).resolve().parent / "stub_openai.py"


def start_stub_server(*, port: int | None = None, reply: str = "Rating: [[7]]", basic_auth: str | None = None,
                      log: Path | None = None, die_after: int | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """The stub OpenAI-compatible server (``tests/stub_openai.py``: a fixed reply at once) in a
    process of its own; returns it (stop or kill it by its PID) and its base URL."""
    import sys

    port = port or free_port()
    command = [sys.executable, str(STUB), "--port", str(port), "--reply", reply]
    if basic_auth:
        command += ["--basic-auth", basic_auth]
    if log:
        command += ["--log", str(log)]
    if die_after is not None:
        command += ["--die-after", str(die_after)]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while True:  # up when it accepts connections (with basic auth, /models answers 401)
        if proc.poll() is not None:
            raise RuntimeError(f"stub server exited early with code {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                stop(proc)
                raise TimeoutError("the stub server did not come up in 30 s") from None
            time.sleep(0.1)
    return proc, f"http://127.0.0.1:{port}/v1"


def kill(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL by PID, as an out-of-memory kill or a crash ends a server: no goodbye."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=15)
