"""Determinism (the same run twice is byte-identical) and secrets (an API key leaves no trace)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VOLATILE = {"created", "finished", "duration_s", "run_id"}


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xeval", "run", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=600, env={**os.environ, **(env or {})})


def test_same_run_twice_is_byte_identical(tmp_path: Path) -> None:
    args = ["--tasks", "xeval_nli_ko,xeval_qa_ko,xeval_summary_en", "--limit", "4", "--no-cache",
            "--output", str(tmp_path)]
    for run_id in ("one", "two"):
        out = _run(*args, "--run-id", run_id)
        assert out.returncode == 0, out.stderr
    one, two = tmp_path / "one", tmp_path / "two"
    assert (one / "samples.jsonl").read_bytes() == (two / "samples.jsonl").read_bytes()

    def stable(path: Path) -> dict:
        return {k: v for k, v in json.loads(path.read_text()).items() if k not in VOLATILE}

    assert stable(one / "summary.json") == stable(two / "summary.json")
    assert stable(one / "run.json") == stable(two / "run.json")


def test_api_key_leaves_no_trace(llama_server_url: str, tmp_path: Path) -> None:
    key = "sk-xevaltest-" + "Zq9" * 12
    env = {"OPENAI_API_KEY": key, "XEVAL_CACHE_DIR": str(tmp_path / "cache")}
    outputs = []
    out = _run("--model", f"openai:gemma@{llama_server_url}", "--tasks", "xeval_qa_ko,xeval_qa_en", "--limit", "3",
               "--output", str(tmp_path / "results"), "--cache-dir", str(tmp_path / "cache"), env=env)
    assert out.returncode == 0, out.stderr
    outputs.append(out.stdout + out.stderr)
    # a failing server: the error line must not carry the key either
    dead = _run("--model", "openai:gemma@http://127.0.0.1:9/v1", "--tasks", "xeval_qa_en",
                "--output", str(tmp_path / "results"), env=env)
    assert dead.returncode == 2
    outputs.append(dead.stdout + dead.stderr)
    leaderboard = subprocess.run([sys.executable, "-m", "xeval", "leaderboard", "--results",
                                  str(tmp_path / "results"), "--format", "html"],
                                 capture_output=True, text=True, cwd=ROOT, env={**os.environ, **env})
    outputs.append(leaderboard.stdout + leaderboard.stderr)
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name == "calls.sqlite" for p in files) and any(p.name == "samples.jsonl" for p in files)
    for path in files:
        assert key.encode() not in path.read_bytes(), path
    for text in outputs:
        assert key not in text


@pytest.mark.parametrize("extra", [["--model-args", "parallel=1"], []], ids=["one-by-one", "batched-default"])
def test_shards_merge_into_the_unsharded_run(tmp_path: Path, extra: list[str]) -> None:
    # batched: each shard's generations share a batch with other mates than in the whole run
    args = ["--tasks", "xeval_nli_en,xeval_qa_en", "--limit", "5", "--no-cache", "--output", str(tmp_path), *extra]
    assert _run(*args, "--run-id", "whole").returncode == 0
    for i in (1, 2, 3):
        out = _run(*args, "--run-id", f"s{i}", "--shard", f"{i}/3")
        assert out.returncode == 0, out.stderr
    sizes = [len((tmp_path / f"s{i}" / "samples.jsonl").read_text().splitlines()) for i in (1, 2, 3)]
    assert sizes == [4, 3, 3]
    merge = subprocess.run([sys.executable, "-m", "xeval", "merge", *(str(tmp_path / f"s{i}") for i in (3, 1, 2)),
                            "--output", str(tmp_path / "merged")], capture_output=True, text=True, cwd=ROOT)
    assert merge.returncode == 0, merge.stderr
    assert (tmp_path / "merged" / "samples.jsonl").read_bytes() == (tmp_path / "whole" / "samples.jsonl").read_bytes()
    whole = json.loads((tmp_path / "whole" / "summary.json").read_text())
    merged = json.loads((tmp_path / "merged" / "summary.json").read_text())
    assert merged["metrics"] == whole["metrics"] and merged["complete"]
    # a missing shard is a reported gap, and an overlap is reported once
    partial = subprocess.run([sys.executable, "-m", "xeval", "merge", str(tmp_path / "s1"), str(tmp_path / "s1"),
                              str(tmp_path / "s2"), "--output", str(tmp_path / "partial")],
                             capture_output=True, text=True, cwd=ROOT)
    assert partial.returncode == 1
    assert "gaps: 3 sample position(s)" in partial.stdout and "overlaps (identical, kept once): 4" in partial.stdout
    assert json.loads((tmp_path / "partial" / "summary.json").read_text())["complete"] is False
