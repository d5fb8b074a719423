"""A crash in native code (a segfault in llama.cpp, an abort in a C extension) fails the test that
caused it, with its name, and the rest of the suite goes on: pytest runs the tests in a worker
process (pytest-xdist, configured in pyproject.toml) that is replaced when it dies."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CRASHING = '''
import os
import signal


def test_before():
    assert True


def test_segfaults_in_native_code():
    import ctypes
    ctypes.string_at(0)  # a read of address 0: SIGSEGV, as llama.cpp's AMX path does


def test_aborts():
    os.kill(os.getpid(), signal.SIGABRT)


def test_after():
    assert True
'''


def test_a_native_crash_fails_its_test_and_the_suite_goes_on(tmp_path: Path) -> None:
    (tmp_path / "test_crashing.py").write_text(CRASHING, encoding="utf-8")
    # the project's own pytest settings (pyproject.toml), as the README's test command runs them
    proc = subprocess.run([sys.executable, "-m", "pytest", "-c", str(ROOT / "pyproject.toml"),
                           "--rootdir", str(tmp_path), "-p", "no:cacheprovider", str(tmp_path / "test_crashing.py")],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out[-3000:]
    assert "2 failed, 2 passed" in out, out[-3000:]
    assert "crashed while running 'test_crashing.py::test_segfaults_in_native_code'" in out, out[-3000:]
    assert "crashed while running 'test_crashing.py::test_aborts'" in out, out[-3000:]
