"""KORANI-style meta-dataset files as they are: answers outside their choices, task clusters
(seen / unseen), a readable terminal with many tasks, and seeded subsets that stay paired."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from xeval.errors import ConfigError
from xeval.run.runner import RunConfig, plan_tasks
from xeval.tasks.metafile import UNMAPPED, load_cluster_map, load_meta_dataset
from xeval.tasks.rendering import choose_indices
from xeval.types import DATA_ERROR

FILE = Path(__file__).resolve().parents[1] / "data" / "korani_style.csv"
SELECTION = f"file:{FILE}"


def test_answers_outside_choices_are_recorded_not_refused(capsys: pytest.CaptureFixture[str]) -> None:
    tasks = load_meta_dataset(SELECTION)
    warning = capsys.readouterr().err.strip()
    assert warning == (f"xeval: warning: {FILE}: 3 row(s) whose answer is not among their choices, recorded as "
                       "failed, not scored (beep_hate 1, stylekqc 1, rotten_tomatoes 1); --strict refuses such files")
    broken = {s.id: s.metadata[DATA_ERROR] for _, samples in tasks for s in samples if DATA_ERROR in s.metadata}
    assert broken == {"7": "row 7: answer '아니다' is not one of its choices",
                      "12": "row 12: answer '요청' is not one of its choices",
                      "20": "row 20: answer 'Positive' is not one of its choices"}
    assert sum(len(samples) for _, samples in tasks) == 23 and len(tasks) == 15


def test_strict_keeps_the_refusal() -> None:
    with pytest.raises(ConfigError, match=r"row 7: answer '아니다' is not one of its choices \(without --strict"):
        load_meta_dataset(SELECTION, strict=True)


def test_clusters_and_seen_from_the_map() -> None:
    specs = {spec.task.split("/", 1)[1]: spec.xeval for spec, _ in load_meta_dataset(SELECTION)}
    assert (specs["klue_nli"].cluster, specs["klue_nli"].seen) == ("natural_language_inference", False)
    assert (specs["kobest_copa"].cluster, specs["kobest_copa"].seen) == ("sentence_completion", False)
    assert (specs["beep_hate"].cluster, specs["beep_hate"].seen) == ("hatespeech", True)
    assert (specs["mrpc"].cluster, specs["mrpc"].seen) == ("paraphrasing", True)


def test_own_cluster_map(tmp_path: Path) -> None:
    own = tmp_path / "clusters.yaml"
    own.write_text("unseen: [nli]\nclusters:\n  nli: [klue_nli, kor_nli]\n  other: [mrpc]\n", encoding="utf-8")
    specs = {spec.task.split("/", 1)[1]: spec.xeval for spec, _ in
             load_meta_dataset(SELECTION, clusters=load_cluster_map(own))}
    assert (specs["kor_nli"].cluster, specs["kor_nli"].seen) == ("nli", False)
    assert (specs["mrpc"].cluster, specs["mrpc"].seen) == ("other", True)
    assert (specs["squad"].cluster, specs["squad"].seen) == (UNMAPPED, None)
    own.write_text("unseen: [nope]\nclusters:\n  nli: [klue_nli]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="field 'unseen' must list cluster names"):
        load_cluster_map(own)
    own.write_text("clusters:\n  a: [x]\n  b: [x]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="dataset 'x' is in clusters 'a' and 'b'"):
        load_cluster_map(own)


def test_the_shipped_map_has_seventeen_clusters_four_unseen() -> None:
    shipped = load_cluster_map()
    assert len(set(shipped.clusters.values())) == 17
    assert shipped.unseen == {"natural_language_inference", "sentence_completion", "word_sense_disambiguation",
                              "coreference_resolution"}


def test_seeded_subset_is_paired_across_template_languages() -> None:
    config = RunConfig(tasks="klue_nli_ko_tpl-ko,klue_nli_ko_tpl-en", limit=3, data_source="sample", sample_seed=7)
    plans = {p.spec.task: [s.id for s in p.samples] for p in plan_tasks(config)}
    assert plans["klue_nli_ko_tpl-ko"] == plans["klue_nli_ko_tpl-en"]
    first = {p.spec.task: [s.id for s in p.samples]
             for p in plan_tasks(RunConfig(tasks="klue_nli_ko_tpl-ko", limit=3, data_source="sample"))}
    assert first["klue_nli_ko_tpl-ko"] == ["0", "1", "2"]
    n_docs = len(plan_tasks(RunConfig(tasks="klue_nli_ko_tpl-ko", data_source="sample"))[0].samples)
    assert plans["klue_nli_ko_tpl-ko"] == [str(i) for i in choose_indices(n_docs, 3, 7, "source:klue_nli")]
    other = plan_tasks(RunConfig(tasks="klue_nli_ko_tpl-ko", limit=3, data_source="sample", sample_seed=8))
    assert [s.id for s in other[0].samples] != plans["klue_nli_ko_tpl-ko"] or n_docs <= 3


def test_choose_indices() -> None:
    assert choose_indices(10, None, 5, "k") == list(range(10))
    assert choose_indices(10, 20, 5, "k") == list(range(10))
    assert choose_indices(10, 4, None, "k") == [0, 1, 2, 3]
    drawn = choose_indices(100, 5, 1, "k")
    assert drawn == sorted(drawn) and len(set(drawn)) == 5 and drawn == choose_indices(100, 5, 1, "k")
    assert drawn != choose_indices(100, 5, 2, "k")


@pytest.mark.slow
def test_korani_style_file_end_to_end(tmp_path: Path) -> None:
    """The embedded model on the file: warning line, compact terminal, per-cluster summary,
    failed rows with their reasons; a seeded subset is recorded in run.json."""
    proc = subprocess.run([sys.executable, "-m", "xeval", "run", "--tasks", SELECTION, "--output", str(tmp_path),
                           "--run-id", "korani", "--max-tokens", "8"],
                          capture_output=True, text=True, timeout=900, env={**os.environ})
    assert proc.returncode == 0, proc.stderr
    assert "3 row(s) whose answer is not among their choices" in proc.stderr
    out = proc.stdout
    assert "| input | template | tasks | mean primary metric (0-1) |" in out
    assert "| ko | ko | 9 |" in out and "| en | en | 5 |" in out  # beep_hate: its one row is unscored
    assert "cross-lingual matrix" in out and "natural_language_inference" in out
    assert "15 tasks: the per-task table is in" in out and "3 of 23 sample(s) failed" in out
    assert "korani_style/klue_nli" not in out  # no per-task rows in the terminal
    summary = json.loads((tmp_path / "korani" / "summary.json").read_text())
    clusters = {(row["cluster"], row["input_language"]): row for row in summary["clusters"]}
    assert clusters[("natural_language_inference", "ko")]["seen"] is False
    assert clusters[("natural_language_inference", "ko")]["n"] == 3
    assert clusters[("(unseen)", "ko")]["n"] == 6  # klue_nli 2 + kor_nli 1 + kobest_copa 2 + kobest_wic 1
    assert clusters[("hatespeech", "ko")]["n"] == 2  # the beep_hate row outside its choices is not scored
    records = [json.loads(line) for line in (tmp_path / "korani" / "samples.jsonl").read_text().splitlines()]
    failed = {r["id"]: r["error"] for r in records if r["error"]}
    assert failed == {"7": "data: row 7: answer '아니다' is not one of its choices",
                      "12": "data: row 12: answer '요청' is not one of its choices",
                      "20": "data: row 20: answer 'Positive' is not one of its choices"}
    assert summary["n_errors"] == 3

    proc = subprocess.run([sys.executable, "-m", "xeval", "run", "--tasks", "klue_nli_ko_tpl-ko,klue_nli_ko_tpl-en",
                           "--data-source", "sample", "--limit", "2", "--sample-seed", "11", "--output", str(tmp_path),
                           "--run-id", "seeded"], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr
    run = json.loads((tmp_path / "seeded" / "run.json").read_text())
    assert run["settings"]["sample_seed"] == 11 and run["settings"]["limit"] == 2
    records = [json.loads(line) for line in (tmp_path / "seeded" / "samples.jsonl").read_text().splitlines()]
    by_template = {t: sorted(r["id"] for r in records if r["template_language"] == t) for t in ("ko", "en")}
    assert by_template["ko"] == by_template["en"] and len(by_template["ko"]) == 2


def test_template_language_per_file_unless_given(tmp_path: Path) -> None:
    """KORANI ships one file per template language: without a column, a file's template language
    is the language most of its inputs are in; the input language is detected per row."""
    import csv

    rows = list(csv.DictReader(FILE.open(encoding="utf-8")))
    plain = tmp_path / "no_template_column.csv"
    with plain.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["input", "output", "choices", "dataset_name", "id"])
        writer.writeheader()
        writer.writerows({k: r[k] for k in writer.fieldnames} for r in rows)
    samples = [s for _, group in load_meta_dataset(f"file:{plain}") for s in group]
    assert {s.template_language for s in samples} == {"ko"}  # 18 of the 23 inputs are Korean
    assert {s.input_language for s in samples if s.task.endswith("/mrpc")} == {"en"}
    given = [s for _, group in load_meta_dataset(SELECTION) for s in group]
    assert {s.template_language for s in given if s.task.endswith("/mrpc")} == {"en"}
