"""What a refactor must not change: the records, summary and exit status of whole runs, byte for
byte, against files written by xeval before the refactor of issue #33 (``fixtures/unchanged/``).

Two runs, on scripted replies (no model: the same answers on every machine):

* ``suite``: the default suite, ``ifeval`` and ``mifeval_ja`` on their sample rows, answered from
  ``replies.jsonl`` (the embedded model's own replies, recorded once; one reply null, one prompt left
  unanswered: a missing answer and a failed sample, exit 3). Also under ``--executor ray``.
* ``mifeval_ja_released``: ``mifeval_ja`` on M-IFEval's released Japanese prompts (``--data-dir``) answered
  with claude-3-haiku's released responses (M-IFEval, Apache-2.0), through ``responses:``.

Summaries are compared as this xeval reads them: the fixtures' run.json and summary.json are schema
version 2, read through the versioned reader (version 3 records the judge, baseline, --max-error-rate
and --tasks-dir among the settings). Only what differs between two runs of the same inputs is set
aside: the run id, times, duration, where the requests were answered (``executor``), the data
folder's and the task files' absolute paths (where the checkout is). Regenerate the
fixtures (only when a change of the numbers is intended, and say so in the commit) with
``python tests/run/test_records_unchanged.py --write``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from xeval.settings import upgrade_settings

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures" / "unchanged"
DATA = ROOT.parent / "shared" / "data"
VOLATILE = ("run_id", "created", "finished", "duration_s", "executor")

RUNS: dict[str, list[str]] = {
    "suite": ["--model", "scripted:replies.jsonl", "--tasks", "default,ifeval,mifeval_ja", "--data-source", "sample"],
    "mifeval_ja_released": ["--model", "responses:ja_responses.jsonl", "--tasks", "mifeval_ja",
                            "--data-dir", str(DATA)],
}


def run_xeval(name: str, where: Path, *extra: str) -> tuple[int, Path]:
    """Run ``name`` in ``where`` (its reply files copied beside it); the exit status and run folder."""
    for file in ("replies.jsonl", "ja_responses.jsonl"):
        shutil.copy(FIXTURES / file, where / file)
    proc = subprocess.run([sys.executable, "-m", "xeval", "run", *RUNS[name], "--output", "out", "--run-id", name,
                           "--no-cache", *extra], cwd=where, capture_output=True, text=True, timeout=900)
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    return proc.returncode, where / "out" / name


def comparable_summary(path: Path) -> dict[str, Any]:
    """A summary as this xeval reads it (the fixtures' schema version 2 through the reader of older
    versions, ``settings.upgrade_settings``), less what differs between two runs of the same inputs."""
    summary = upgrade_settings(json.loads(path.read_text(encoding="utf-8")))
    for key in VOLATILE:
        summary.pop(key, None)
    if summary.get("settings", {}).get("data_dir"):
        summary["settings"]["data_dir"] = "<data>"
    for meta in summary.get("tasks", {}).values():  # the task file's absolute path: where the checkout is
        meta["source"] = meta["source"].rsplit("/tasks/", 1)[-1]
    return summary


def assert_unchanged(name: str, status: int, run_dir: Path) -> None:
    expected = FIXTURES / name
    assert status == int((expected / "exit_status").read_text())
    assert (run_dir / "samples.jsonl").read_bytes() == (expected / "samples.jsonl").read_bytes()
    assert comparable_summary(run_dir / "summary.json") == comparable_summary(expected / "summary.json")


@pytest.mark.parametrize("name", sorted(RUNS))
def test_records_and_summary_unchanged(name: str, tmp_path: Path) -> None:
    if name == "mifeval_ja_released" and not DATA.is_dir():
        pytest.fail(f"{DATA} is missing: the tests read the shared data beside the repository")
    status, run_dir = run_xeval(name, tmp_path)
    assert_unchanged(name, status, run_dir)


def test_records_unchanged_under_ray(tmp_path: Path) -> None:
    pytest.importorskip("ray", reason="the ray extra (pip install 'xeval[ray]') is part of the test extra")
    status, run_dir = run_xeval("suite", tmp_path, "--executor", "ray", "--workers", "1")
    assert json.loads((run_dir / "summary.json").read_text())["executor"]["name"] == "ray"
    assert_unchanged("suite", status, run_dir)


def test_resume_of_a_run_written_before_the_change(tmp_path: Path) -> None:
    """A run folder written by the xeval of the fixtures (its run.json as it wrote it), stopped
    after half of its records, is resumed by this xeval and ends equal to the uninterrupted run."""
    for file in ("replies.jsonl", "ja_responses.jsonl"):
        shutil.copy(FIXTURES / file, tmp_path / file)
    folder = tmp_path / "out" / "suite"
    folder.mkdir(parents=True)
    spec = json.loads((FIXTURES / "suite" / "run.json").read_text(encoding="utf-8"))
    for meta in spec["tasks"].values():  # the task files of this checkout (run.json names them by absolute path)
        meta["source"] = str(ROOT / "tasks" / meta["source"].rsplit("/tasks/", 1)[-1])
    (folder / "run.json").write_text(json.dumps(spec, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    lines = (FIXTURES / "suite" / "samples.jsonl").read_bytes().splitlines(keepends=True)
    (folder / "samples.jsonl").write_bytes(b"".join(lines[:len(lines) // 2]))
    proc = subprocess.run([sys.executable, "-m", "xeval", "run", "--resume", "out/suite", "--no-cache"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    summary = comparable_summary(folder / "summary.json")
    expected = comparable_summary(FIXTURES / "suite" / "summary.json")
    assert (folder / "samples.jsonl").read_bytes() == (FIXTURES / "suite" / "samples.jsonl").read_bytes()
    assert proc.returncode == int((FIXTURES / "suite" / "exit_status").read_text())
    assert summary == expected


def write_fixtures() -> None:  # pragma: no cover - run by hand, see the module docstring
    import tempfile

    for name in RUNS:
        with tempfile.TemporaryDirectory() as tmp:
            status, run_dir = run_xeval(name, Path(tmp))
            target = FIXTURES / name
            target.mkdir(parents=True, exist_ok=True)
            for file in ("samples.jsonl", "summary.json", "run.json"):
                shutil.copy(run_dir / file, target / file)
            (target / "exit_status").write_text(f"{status}\n")
            print(f"{name}: exit {status}, {sum(1 for _ in open(run_dir / 'samples.jsonl'))} records")


if __name__ == "__main__":  # pragma: no cover
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python tests/run/test_records_unchanged.py --write")
    write_fixtures()
