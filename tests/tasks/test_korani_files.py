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
    assert warning == (f"xeval: warning: {FILE}: 3 multiple-choice row(s) with no answer or an answer not among "
                       "their choices, recorded as failed, not scored (beep_hate 1, stylekqc 1, rotten_tomatoes 1); "
                       "--strict refuses such files")
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
    assert "3 multiple-choice row(s) with no answer or an answer not among their choices" in proc.stderr
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


ANSWER_LANGUAGE_ROWS = [
    # (input, output, expected answer language): shapes taken from KORANI's English and Korean
    # sample files, where the reference alone had named German, Portuguese, Spanish or French
    ("I have a new situation: Rob and Greg studied maps. Who studied the older map?", "Rob", "en"),
    ("Please answer the following question about this movie plot: who does Tim marry?", "Angie", "en"),
    ("What key details about walter kistler can be extracted from the following bio?", "walter kistler", "en"),
    ("Who was the governor of Espirito Santo in 1920? Answer with his full name.",
     "alfeu adolfo monjardim de andrade e almeida", "en"),  # a name decided Portuguese at 0.98
    ("How many yards was the longest touchdown pass? Read the passage and answer.", "29", "en"),
    ("다음 신문 기사를 읽고 질문에 답하시오. 계란 산란일 표시가 의무화되었나?", "Yes", "en"),  # the label is English
    ("다음 문장을 영어로 번역하시오.\n구급대원이 도착했을 때 그는 이미 숨을 거두었다.",
     "It was known that when the paramedics arrived, he had already died.", "en"),
    ("다음 영어 문장을 한국어로 번역해줘!\nThe center shall be equipped with the organisation and facilities "
     "needed for its work.", "센터는 업무에 필요한 조직과 시설을 갖추어야 한다.", "ko"),
    ("Translate into French: The weather is very nice today and we are going to the beach.",
     "Il fait très beau aujourd'hui et nous allons à la plage.", "fr"),  # same script, a sentence
]


def test_answer_language_from_the_reference_only_where_it_is_evidence(tmp_path: Path) -> None:
    """A short reference ('Rob', 'Yes', '29') or a name does not say what language the answer is
    expected in: on KORANI's English sample file 17 generation rows were expected in German,
    Portuguese, Spanish or French, and their English answers scored as the wrong language."""
    import csv

    data = tmp_path / "answers.csv"
    with data.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["input", "output", "choices", "dataset_name", "id"])
        for i, (text, output, _) in enumerate(ANSWER_LANGUAGE_ROWS):
            writer.writerow([text, output, "", "qa", i])
        writer.writerow(["Answer in Korean: what is the capital of Japan?", "Tokyo", "", "qa_given", 99])
    samples = {s.id: s for _, group in load_meta_dataset(f"file:{data}") for s in group}
    got = {i: samples[str(i)].answer_language for i in range(len(ANSWER_LANGUAGE_ROWS))}
    assert got == {i: expected for i, (_, _, expected) in enumerate(ANSWER_LANGUAGE_ROWS)}
    # a `language` column still wins over everything
    rows = list(csv.DictReader(data.open(encoding="utf-8")))
    given = tmp_path / "given.csv"
    with given.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=[*rows[0], "language"])
        writer.writeheader()
        writer.writerows({**r, "language": "ko" if r["id"] == "99" else ""} for r in rows)
    by_id = {s.id: s for _, group in load_meta_dataset(f"file:{given}") for s in group}
    assert by_id["99"].answer_language == "ko" and by_id["0"].answer_language == "en"


def test_task_languages_are_those_of_its_rows() -> None:
    """run.json and summary.json record a file task's languages: those of most of its rows (they
    said English for every Korean task before)."""
    specs = {spec.task.split("/", 1)[1]: spec for spec, _ in load_meta_dataset(SELECTION)}
    klue = specs["klue_nli"]
    assert (klue.xeval.input_language, klue.template_language, klue.answer_language) == ("ko", "ko", "ko")
    mrpc = specs["mrpc"]
    assert (mrpc.xeval.input_language, mrpc.template_language, mrpc.answer_language) == ("en", "en", "en")


def test_files_sharing_a_stem_keep_their_samples_apart(tmp_path: Path) -> None:
    """KORANI ships ``sample_ko/dev.csv`` and ``sample_en/dev.csv``: run together, a dataset in
    both gave two samples one key (``dev/klue_nli::1::ko``), which resume and merge take for
    one sample. Task names now carry the folders it takes to tell the files apart."""
    from xeval.tasks.metafile import task_prefixes

    row = "input,output,choices,dataset_name\n\"{}\",함의,함의|||모순,klue_nli\n"
    for folder, text in (("sample_ko", "전제: 비가 온다. 가설: 길이 젖었다. 관계는?"),
                         ("sample_en", "Premise: 비가 온다. Hypothesis: 길이 젖었다. What is the relation?")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "dev.csv").write_text(row.format(text), encoding="utf-8")
    (tmp_path / "other.csv").write_text(row.format("전제: 해가 떴다. 가설: 밝다."), encoding="utf-8")
    files = [f"file:{tmp_path / f}" for f in ("sample_ko/dev.csv", "sample_en/dev.csv", "other.csv")]
    assert list(task_prefixes(files).values()) == ["sample_ko/dev", "sample_en/dev", "other"]
    plans = plan_tasks(RunConfig(model="none", tasks=",".join([*files, files[0]])))  # one named twice: once
    assert [p.spec.task for p in plans] == ["sample_ko/dev/klue_nli", "sample_en/dev/klue_nli", "other/klue_nli"]
    keys = [s.key for p in plans for s in p.samples]
    assert len(set(keys)) == 3, keys
