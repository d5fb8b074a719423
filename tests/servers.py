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


@contextmanager
def llama_server(model: Path, *, logits_all: bool = False, log: Path | None = None,
                 use_extra_bufts: bool | None = None, verbose: bool = True) -> Iterator[str]:
    """The real ``llama_cpp.server`` serving ``model`` with Gemma's chat format, started through
    xeval's wrapper so the kernel-path decision (no AMX buffer types on AMX builds) applies;
    yields the base URL (``http://127.0.0.1:PORT/v1``)."""
    from xeval.models.llamacpp_runtime import server_command

    port = free_port()
    command = server_command(model, port=port, use_extra_bufts=use_extra_bufts, extra_args=[
        "--chat_format", "gemma", "--n_ctx", "4096", "--n_threads", str(os.cpu_count() or 1),
        "--verbose", str(verbose).lower()])
    if logits_all:
        command += ["--logits_all", "true"]
    sink = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
    try:
        wait_for(f"http://127.0.0.1:{port}/v1/models", proc)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        stop(proc)
        if log:
            sink.close()  # type: ignore[union-attr]
