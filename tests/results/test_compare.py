"""`xeval compare` on real runs of the embedded model that differ in one generation setting."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def xeval(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xeval", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=600)


def test_compare_finds_the_known_regression_and_exit_code_follows(tmp_path: Path) -> None:
    common = ["run", "--tasks", "xeval_summary_en,xeval_qa_en", "--no-cache", "--output", str(tmp_path)]
    assert xeval(*common, "--run-id", "base").returncode == 0
    assert xeval(*common, "--run-id", "same").returncode == 0
    assert xeval(*common, "--run-id", "short", "--max-tokens", "2").returncode == 0  # answers cut to 2 tokens
    bad = xeval("compare", str(tmp_path / "short"), "--baseline", str(tmp_path / "base"))
    assert bad.returncode == 1, bad.stderr
    flagged = [line for line in bad.stdout.splitlines() if "REGRESSION" in line]
    assert any("| xeval_summary_en |" in line and "| rougeL |" in line for line in flagged)
    assert (tmp_path / "short" / "compare.md").read_text() == bad.stdout
    same = xeval("compare", str(tmp_path / "same"), "--baseline", str(tmp_path / "base"))
    assert same.returncode == 0 and "0 regression(s)" in same.stdout
    # a tolerance larger than the drop: reported, not a regression
    tolerant = xeval("compare", str(tmp_path / "short"), "--baseline", str(tmp_path / "base"), "--tolerance", "20")
    assert tolerant.returncode == 0


def test_compare_reports_unpaired_samples_and_refuses_other_task_versions(tmp_path: Path) -> None:
    assert xeval("run", "--tasks", "xeval_nli_en", "--limit", "6", "--no-cache", "--output", str(tmp_path),
                 "--run-id", "six").returncode == 0
    assert xeval("run", "--tasks", "xeval_nli_en", "--limit", "4", "--no-cache", "--output", str(tmp_path),
                 "--run-id", "four").returncode == 0
    out = xeval("compare", str(tmp_path / "four"), "--baseline", str(tmp_path / "six"))
    assert out.returncode == 0 and "only in the baseline (not compared): xeval_nli_en: 2" in out.stdout
    assert "| xeval_nli_en | en | en | acc | 4 |" in out.stdout
    spec = json.loads((tmp_path / "four" / "run.json").read_text())
    spec["tasks"]["xeval_nli_en"]["version"] = "2.0"
    (tmp_path / "four" / "run.json").write_text(json.dumps(spec))
    refused = xeval("compare", str(tmp_path / "four"), "--baseline", str(tmp_path / "six"))
    assert refused.returncode == 2 and "version" in refused.stderr and "Traceback" not in refused.stderr
    allowed = xeval("compare", str(tmp_path / "four"), "--baseline", str(tmp_path / "six"), "--allow-version-mismatch")
    assert allowed.returncode == 0
