"""``xeval run --executor ray`` from the command line: a driver killed mid-run (SIGKILL) is resumed with
``--resume`` like any run; only the missing samples are sent out, every key ends up once, and the
records equal the one-process run's."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .test_fault_tolerance import _sums_task

pytest.importorskip("ray", reason="the ray extra (pip install 'xeval[ray]') is part of the test extra")

ROOT = Path(__file__).resolve().parents[2]
N = 256  # four batches of 64 (two workers x the embedded model's 32)


def _descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (Ray's local cluster started by a driver)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, stack = set(), [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def _xeval(*args: str) -> list[str]:
    return [sys.executable, "-m", "xeval", "run", *args]


def _lines(run_dir: Path) -> list[str]:
    path = run_dir / "samples.jsonl"
    return path.read_text().splitlines() if path.is_file() else []


def test_a_killed_driver_resumes_with_only_the_missing_samples(tmp_path: Path) -> None:
    _sums_task(tmp_path, N)
    common = ["--tasks", "sums", "--tasks-dir", str(tmp_path), "--no-cache", "--output", str(tmp_path / "out")]
    local = subprocess.run(_xeval(*common, "--run-id", "local"), cwd=ROOT, capture_output=True, text=True,
                           timeout=600)
    assert local.returncode == 0, local.stderr
    run_dir = tmp_path / "out" / "killed"
    driver = subprocess.Popen(_xeval(*common, "--run-id", "killed", "--executor", "ray", "--workers", "2"), cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and driver.poll() is None and not _lines(run_dir):
        time.sleep(0.05)
    cluster = _descendants(driver.pid)
    driver.send_signal(signal.SIGKILL)
    driver.wait(timeout=30)
    for pid in cluster:  # what Ray leaves of a SIGKILLed driver's local cluster (its agents)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    written = set()
    for line in _lines(run_dir):
        try:
            written.add(json.loads(line)["key"])
        except ValueError:  # a line torn by the kill: set aside by the resume, its sample asked again
            pass
    assert 0 < len(written) < N, f"killed after {len(written)} of {N} records"
    trace = tmp_path / "asked.txt"
    resumed = subprocess.run(_xeval("--resume", str(run_dir), "--tasks-dir", str(tmp_path), "--executor", "ray",
                                    "--workers", "2"), cwd=ROOT,
                             capture_output=True, text=True, timeout=600,
                             env={**os.environ, "XEVAL_TRACE_CALLS": str(trace)})
    assert resumed.returncode == 0, resumed.stderr
    keys = [json.loads(line)["key"] for line in _lines(run_dir)]
    assert len(keys) == len(set(keys)) == N  # every key once
    asked = trace.read_text().split()
    assert sorted(asked) == sorted(set(keys) - written)  # only the missing ones
    assert sorted(_lines(run_dir)) == sorted(_lines(tmp_path / "out" / "local"))  # the one-process records
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["complete"] and summary["executor"]["name"] == "ray" and summary["executor"]["workers"] == 2
