"""Bad input: one line naming the thing, exit code 2, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def xeval(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xeval", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


def assert_clean_error(out: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert out.returncode == 2, (out.returncode, out.stderr)
    assert "Traceback" not in out.stderr
    lines = [line for line in out.stderr.splitlines() if line.startswith("xeval: error:")]
    assert len(lines) == 1, out.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def write_task(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """task: {name}
dataset_path: json
dataset_kwargs:
  data_files:
    test: data.jsonl
output_type: generate_until
doc_to_text: "{{{{q}}}}"
doc_to_target: a
metric_list:
  - metric: exact_match
"""


@pytest.mark.parametrize(("spec", "named"), [("nosuchbackend:model", "'nosuchbackend'"),
                                             ("gpt4", "'gpt4'"), ("llamacpp:", "'llamacpp:'")])
def test_unknown_model_spec(spec: str, named: str) -> None:
    assert_clean_error(xeval("run", "--model", spec, "--tasks", "xeval_qa_en"), "model", named)


def test_missing_task() -> None:
    assert_clean_error(xeval("run", "--tasks", "no_such_task"), "'no_such_task'")


def test_broken_yaml(tmp_path: Path) -> None:
    path = write_task(tmp_path, "broken.yaml", "task: broken\ndoc_to_text: [unclosed\n")
    assert_clean_error(xeval("run", "--tasks-dir", str(tmp_path), "--tasks", "broken"),
                       str(path), "broken YAML", "line")


def test_unknown_key_names_the_field(tmp_path: Path) -> None:
    write_task(tmp_path, "typo.yaml", GOOD.format(name="typo") + "doc_to_txet: oops\n")
    assert_clean_error(xeval("run", "--tasks-dir", str(tmp_path), "--tasks", "typo"),
                       "typo.yaml", "doc_to_txet")


def test_missing_data_file(tmp_path: Path) -> None:
    write_task(tmp_path, "nodata.yaml", GOOD.format(name="nodata"))
    assert_clean_error(xeval("run", "--tasks-dir", str(tmp_path), "--tasks", "nodata"),
                       "data.jsonl", "not found")


def test_unknown_scorer(tmp_path: Path) -> None:
    write_task(tmp_path, "data.jsonl", '{"q": "hi", "a": "hello"}\n')
    write_task(tmp_path, "badmetric.yaml",
               GOOD.format(name="badmetric").replace("exact_match", "bleurt_large"))
    assert_clean_error(xeval("run", "--tasks-dir", str(tmp_path), "--tasks", "badmetric"),
                       "badmetric.yaml", "'bleurt_large'")


def test_template_with_missing_field(tmp_path: Path) -> None:
    write_task(tmp_path, "data.jsonl", '{"question": "hi", "a": "hello"}\n')
    write_task(tmp_path, "badfield.yaml", GOOD.format(name="badfield"))
    assert_clean_error(xeval("run", "--tasks-dir", str(tmp_path), "--tasks", "badfield"),
                       "badfield.yaml", "doc_to_text", "'q'")


def test_bad_limit() -> None:
    assert_clean_error(xeval("run", "--limit", "0"), "--limit")
