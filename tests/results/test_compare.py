"""`xeval compare` on real runs of the embedded model that differ in one generation setting."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

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


IFEVAL_ROWS = [
    {"key": 1, "prompt": "Write about fruit with four rules.",
     "instruction_id_list": ["punctuation:no_comma", "startend:end_checker", "keywords:existence",
                             "detectable_format:number_highlighted_sections"],
     "kwargs": [{}, {"end_phrase": "The end."}, {"keywords": ["apple"]}, {"num_highlights": 1}]},
    {"key": 2, "prompt": "Name a pear variety.", "instruction_id_list": ["keywords:existence"],
     "kwargs": [{"keywords": ["pear"]}]},
]


def _ifeval_runs(tmp_path: Path) -> tuple[Path, Path]:
    """Two scripted runs of two IFEval prompts (4 instructions and 1): instruction-level 0.2 and 0.8
    pooled by instruction, 0.5 and 0.5 as a plain mean of the samples."""
    data = tmp_path / "data" / "ifeval"
    data.mkdir(parents=True)
    (data / "input_data.jsonl").write_text("".join(json.dumps(r) + "\n" for r in IFEVAL_ROWS), encoding="utf-8")
    replies = {"low": ["hello, world", "a pear"], "high": ["an apple is *highlighted* here. The end.", "nothing"]}
    for name, (long, short) in replies.items():
        script = tmp_path / f"{name}.json"
        script.write_text(json.dumps([{"contains": "four rules", "reply": long},
                                      {"contains": "pear variety", "reply": short}]), encoding="utf-8")
        out = xeval("run", "--model", f"scripted:{script}", "--tasks", "ifeval", "--data-dir", str(tmp_path / "data"),
                    "--output", str(tmp_path / "runs"), "--run-id", name, "--no-cache")
        assert out.returncode == 0, out.stderr
    return tmp_path / "runs" / "high", tmp_path / "runs" / "low"


def test_compare_pools_instruction_level_metrics_as_the_summary_does(tmp_path: Path) -> None:
    """#38 item 3: compare showed 0.500 vs 0.500 (+0.000) where the summaries said 0.8 and 0.2."""
    high, low = _ifeval_runs(tmp_path)
    summary = {r["metric"]: r["value"] for r in json.loads((high / "summary.json").read_text())["metrics"]}
    assert summary["inst_level_strict_acc"] == 0.8
    out = xeval("compare", str(high), "--baseline", str(low))
    assert out.returncode == 0, out.stderr
    row = next(line for line in out.stdout.splitlines() if "| inst_level_strict_acc |" in line)
    assert "| 2 | 0.800 | 0.200 | +0.600 |" in row and "weighted paired bootstrap" in row, row
    prompt = next(line for line in out.stdout.splitlines() if "| prompt_level_strict_acc |" in line)
    assert "| 2 | 0.500 | 0.500 | +0.000 |" in prompt and "McNemar" in prompt, prompt


@pytest.mark.parametrize("bad", ["NaN", "Infinity", "-Infinity"])
def test_a_non_finite_score_in_samples_is_refused_not_compared(tmp_path: Path, bad: str) -> None:
    """#38 item 4: a NaN score in samples.jsonl was compared as a value (nan ... +nan, exit 0)."""
    high, low = _ifeval_runs(tmp_path)
    samples = high / "samples.jsonl"
    lines = samples.read_text(encoding="utf-8").splitlines(keepends=True)
    record = json.loads(lines[0])
    record["scores"]["prompt_level_strict_acc"]["value"] = float(bad.replace("Infinity", "inf"))
    lines[0] = json.dumps(record) + "\n"  # json.dumps writes NaN / Infinity
    assert bad in lines[0]
    samples.write_text("".join(lines), encoding="utf-8")
    out = xeval("compare", str(high), "--baseline", str(low))
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert "Traceback" not in out.stderr and "nan" not in out.stdout.lower()
    [line] = [x for x in out.stderr.splitlines() if x.startswith("xeval: error:")]
    assert "samples.jsonl line 1" in line and "scores.prompt_level_strict_acc.value" in line and "finite" in line
