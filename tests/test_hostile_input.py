"""Hostile input that must not become a wrong number, a lost record or a traceback, where the
right outcome is not exit 2 (issue #26): lone surrogates in replies and data, non-finite numbers
never written, hand-edited summaries."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from xeval.types import Completion, Message, Score, safe_text, safe_value

ROOT = Path(__file__).resolve().parent.parent
TASK = """task: t
dataset_path: json
dataset_kwargs:
  data_files:
    test: data.jsonl
output_type: generate_until
doc_to_text: "{{q}}"
doc_to_target: a
metric_list:
  - metric: exact_match
"""


def _xeval(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xeval", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=300, env={**os.environ})


def test_safe_text_replaces_lone_surrogates_only() -> None:
    assert safe_text("Rome \ud83d") == "Rome \ufffd"
    assert safe_text("fine 😀 서울") == "fine 😀 서울"  # a real astral character is one code point: kept
    assert safe_value({"q": ["\udc00x", 1], "\ud800": None}) == {"q": ["\ufffdx", 1], "\ufffd": None}
    assert Completion(text="a\ud83d", reasoning="\ud83d", error="b\udfff").model_dump()["text"] == "a\ufffd"
    assert Message(role="user", content="\ud83d").content == "\ufffd"


def test_a_reply_with_a_lone_surrogate_is_recorded_and_the_run_finishes(tmp_path: Path) -> None:
    """#26 item 2: a reply holding half an emoji (servers and JSON files produce them) used to be a
    UnicodeEncodeError with 1 of 3 records written, and with the cache on, 0 records."""
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "t.yaml").write_text(TASK, encoding="utf-8")
    rows = [{"q": "capital of Italy", "a": "Rome \ud83d"}, {"q": "capital of France \udc00", "a": "Paris"},
            {"q": "capital of Spain", "a": "Madrid"}]
    (tmp_path / "tasks" / "data.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    replies = tmp_path / "replies.json"
    replies.write_text(json.dumps([{"contains": "Italy", "reply": "Rome \ud83d"},
                                   {"contains": "France", "reply": "Paris"},
                                   {"contains": "Spain", "reply": "Madrid \ud83d\ude00 \udfff"}]), encoding="utf-8")
    for run_id in ("cached", "cached-again"):  # the call cache on (its own folder), then read back
        proc = _xeval("run", "--model", f"scripted:{replies}", "--tasks-dir", str(tmp_path / "tasks"), "--tasks", "t",
                      "--output", str(tmp_path / "out"), "--run-id", run_id, "--cache-dir", str(tmp_path / "cache"))
        assert proc.returncode == 0, proc.stderr
        records = [json.loads(line) for line in (tmp_path / "out" / run_id / "samples.jsonl")
                   .read_text(encoding="utf-8").splitlines()]
        assert len(records) == 3
        texts = {r["prompt"][-1]["content"]: r["prediction"]["text"] for r in records}
        assert texts["capital of Italy"] == "Rome \ufffd"
        assert texts["capital of France \ufffd"] == "Paris"
        assert texts["capital of Spain"] == "Madrid 😀 \ufffd"
        italy = next(r for r in records if r["prompt"][-1]["content"] == "capital of Italy")
        assert italy["references"] == ["Rome \ufffd"] and italy["scores"]["exact_match"]["value"] == 1.0
    assert "cache 3 hit(s), 0 model call(s)" in proc.stderr


def test_a_non_finite_score_is_a_failure_and_nothing_non_finite_is_written(tmp_path: Path) -> None:
    score = Score(scorer="s", value=float("nan"), extra={"a": 1.0, "b": float("inf")})
    assert score.value is None and score.error == "non-finite score (nan)" and score.extra == {"a": 1.0}
    from xeval.results.files import json_line, write_json_atomic

    line = json_line({"x": float("-inf"), "y": [1.0, float("nan")], "t": "\ud83d"})
    assert json.loads(line) == {"x": None, "y": [1.0, None], "t": "\ufffd"}
    write_json_atomic(tmp_path / "s.json", {"v": float("nan")})
    assert json.loads((tmp_path / "s.json").read_text()) == {"v": None}


def test_a_summary_edited_to_nan_is_skipped_with_a_line(tmp_path: Path) -> None:
    """#26 item 23: a NaN value in summary.json is a damaged file, named, never a silent gap."""
    replies = tmp_path / "replies.json"
    replies.write_text(json.dumps([{"contains": "Question", "reply": "x"}]), encoding="utf-8")
    for run_id in ("a", "b"):
        proc = _xeval("run", "--model", f"scripted:{replies}", "--tasks", "xeval_qa_en", "--limit", "2",
                      "--output", str(tmp_path / "out"), "--run-id", run_id, "--no-cache")
        assert proc.returncode == 0, proc.stderr
    path = tmp_path / "out" / "b" / "summary.json"
    data = json.loads(path.read_text())
    data["metrics"][0]["value"] = float("nan")
    path.write_text(json.dumps(data), encoding="utf-8")  # json writes the non-JSON literal NaN
    assert "NaN" in path.read_text()
    proc = _xeval("leaderboard", "--results", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    skipped = [line for line in proc.stderr.splitlines() if line.startswith("xeval: skipped")]
    assert len(skipped) == 1 and str(path) in skipped[0] and "metrics.0.value" in skipped[0]


def test_a_damaged_middle_line_is_set_aside_and_every_valid_record_kept(tmp_path: Path) -> None:
    """#26 item 3: a damaged line in the middle of samples.jsonl, then the same --run-id: the valid
    records after it used to be cut and recomputed. Now only the damaged line's sample runs again."""
    replies = tmp_path / "replies.json"
    replies.write_text(json.dumps([{"contains": "Question", "reply": "x"}]), encoding="utf-8")
    argv = ["run", "--model", f"scripted:{replies}", "--tasks", "xeval_qa_en", "--limit", "4", "--output",
            str(tmp_path / "out"), "--run-id", "r", "--no-cache"]
    assert _xeval(*argv).returncode == 0
    samples = tmp_path / "out" / "r" / "samples.jsonl"
    lines = samples.read_text(encoding="utf-8").splitlines(keepends=True)
    broken = lines[1][:40] + "\n"
    samples.write_text(lines[0] + broken + lines[2] + lines[3], encoding="utf-8")
    proc = _xeval(*argv)
    assert proc.returncode == 0, proc.stderr
    assert "damaged line(s) 2 (not JSON" in proc.stderr and "the 3 valid record(s) are kept" in proc.stderr
    now = samples.read_text(encoding="utf-8").splitlines(keepends=True)
    assert now[:3] == [lines[0], lines[2], lines[3]]  # kept byte for byte, in place
    assert json.loads(now[3])["key"] == json.loads(lines[1])["key"] and len(now) == 4  # only it ran again
    assert (tmp_path / "out" / "r" / "samples.jsonl.damaged").read_text(encoding="utf-8") == broken


def test_a_data_file_edited_before_resume_or_merge_is_refused(tmp_path: Path) -> None:
    """#26 item 5: the content of every file a run reads is part of its identity."""
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "t.yaml").write_text(TASK, encoding="utf-8")
    data = tmp_path / "tasks" / "data.jsonl"
    data.write_text('{"q": "a?", "a": "x"}\n{"q": "b?", "a": "y"}\n', encoding="utf-8")
    replies = tmp_path / "replies.json"
    replies.write_text(json.dumps([{"contains": "?", "reply": "x"}]), encoding="utf-8")
    argv = ["run", "--model", f"scripted:{replies}", "--tasks-dir", str(tmp_path / "tasks"), "--tasks", "t",
            "--output", str(tmp_path / "out"), "--no-cache", "--max-error-rate", "1"]
    for shard in ("1/2", "2/2"):
        assert _xeval(*argv, "--run-id", f"s{shard[0]}", "--shard", shard).returncode == 0
    run = json.loads((tmp_path / "out" / "s1" / "run.json").read_text())
    assert set(run["tasks"]["t"]["inputs"]) == {"tasks/t.yaml", "tasks/data.jsonl"}
    data.write_text('{"q": "a?", "a": "x"}\n{"q": "c?", "a": "z"}\n', encoding="utf-8")  # edited
    proc = _xeval(*argv, "--run-id", "s1", "--shard", "1/2")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1].startswith(
        f"xeval: error: cannot resume {tmp_path / 'out' / 's1'}: tasks/data.jsonl (read by task t) changed since "
        "the run started")
    assert _xeval(*argv, "--run-id", "s3", "--shard", "2/2").returncode == 0  # a shard of the edited file
    proc = _xeval("merge", str(tmp_path / "out" / "s1"), str(tmp_path / "out" / "s3"), "--output",
                  str(tmp_path / "m"))
    assert proc.returncode == 2 and "tasks/data.jsonl (read by task t) changed" in proc.stderr
    assert _xeval("merge", str(tmp_path / "out" / "s1"), str(tmp_path / "out" / "s2"), "--output",
                  str(tmp_path / "m2")).returncode == 0


IFEVAL_REPLIES = [{"contains": "lost cat", "reply": "Dear neighbour our cat is lost."},
                  {"contains": "sunrise", "reply": "\"The sun rose.\""}]


def _ifeval_run(tmp_path: Path) -> Path:
    replies = tmp_path / "replies.json"
    replies.write_text(json.dumps(IFEVAL_REPLIES), encoding="utf-8")
    out = _xeval("run", "--model", f"scripted:{replies}", "--tasks", "ifeval", "--data-source", "sample",
                 "--limit", "2", "--output", str(tmp_path / "runs"), "--run-id", "r", "--no-cache")
    assert out.returncode == 0, out.stderr
    return tmp_path / "runs" / "r"


def _edit_first_record(run: Path, edit) -> None:  # type: ignore[no-untyped-def]
    samples = run / "samples.jsonl"
    lines = samples.read_text(encoding="utf-8").splitlines(keepends=True)
    record = json.loads(lines[0])
    edit(record)
    lines[0] = json.dumps(record) + "\n"
    samples.write_text("".join(lines), encoding="utf-8")


def test_a_report_of_a_record_with_a_string_prompt_is_one_line(tmp_path: Path) -> None:
    """#38 item 17: `xeval report` on a record whose prompt is a string was an AttributeError traceback."""
    run = _ifeval_run(tmp_path)
    _edit_first_record(run, lambda r: r.update(prompt="just a string"))
    out = _xeval("report", str(run), "--out", str(tmp_path / "report.html"))
    assert out.returncode == 2, (out.stdout, out.stderr)
    [line] = [x for x in out.stderr.splitlines() if x.startswith("xeval: error:")]
    assert "Traceback" not in out.stderr and "samples.jsonl line 1" in line and "prompt" in line


def test_a_resume_over_a_verdict_without_its_id_sets_the_record_aside_and_rebuilds(tmp_path: Path) -> None:
    """#38 item 17: --resume over a record whose instruction verdict lacks its id was a KeyError, and
    summary.json was not rebuilt. The record is set aside as damaged, its sample runs again."""
    run = _ifeval_run(tmp_path)
    expected = (run / "samples.jsonl").read_text(encoding="utf-8")

    def drop_id(record: dict) -> None:
        del record["scores"]["prompt_level_strict_acc"]["details"]["instructions"][0]["id"]

    _edit_first_record(run, drop_id)
    (run / "summary.json").unlink()
    out = _xeval("run", "--resume", str(run))
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr and "set aside in samples.jsonl.damaged" in out.stderr
    assert sorted((run / "samples.jsonl").read_text(encoding="utf-8").splitlines()) == sorted(expected.splitlines())
    summary = json.loads((run / "summary.json").read_text(encoding="utf-8"))
    assert summary["n_records"] == 2 and any(row["level"] == "id" for row in summary["instructions"])


def test_a_resume_whose_run_json_holds_a_redacted_url_asks_for_it_again(tmp_path: Path) -> None:
    """Review of #38: a run started with base_url=http://user:password@host resumed with ``***@`` as its
    credentials: every remaining request failed. The resume asks for --model-args again, in one line."""
    run = _ifeval_run(tmp_path)
    spec = json.loads((run / "run.json").read_text(encoding="utf-8"))
    spec["model"]["args"] = {"base_url": "http://***@127.0.0.1:9/v1"}
    (run / "run.json").write_text(json.dumps(spec), encoding="utf-8")
    out = _xeval("run", "--resume", str(run))
    assert out.returncode == 2 and "Traceback" not in out.stderr, out.stderr
    [line] = [x for x in out.stderr.splitlines() if x.startswith("xeval: error:")]
    assert "base_url" in line and "give --model-args again" in line
