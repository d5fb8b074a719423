"""KORANI / English unseen suites: cross-lingual templates, groups, real data, matrix."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from xeval.tasks.datasets import load_documents
from xeval.tasks.rendering import build_samples
from xeval.tasks.sources import SOURCES, load_rows
from xeval.tasks.task_index import TaskIndex

ROOT = Path(__file__).resolve().parents[2]
UNSEEN_KO = {"klue_nli", "kornli", "kobest_copa", "kobest_hellaswag", "kobest_wic", "ko_winogrande"}
UNSEEN_EN = {"rte", "cb", "anli_r1", "copa", "hellaswag", "wic", "winogrande"}


@pytest.fixture(scope="module")
def index() -> TaskIndex:
    return TaskIndex.load()


def _samples(index: TaskIndex, name: str, **kwargs):  # type: ignore[no-untyped-def]
    spec = index.tasks[name]
    return build_samples(spec, load_documents(spec, data_source=kwargs.get("data_source", "sample"),
                                              data_dir=kwargs.get("data_dir")), kwargs.get("limit"))


def test_every_suite_task_renders_its_sample_offline(index: TaskIndex) -> None:
    suite = [s for s in index.tasks.values() if s.xeval.source and "/korani/" in s.source or "/english/" in s.source]
    assert len(suite) == 2 * len([s for s in SOURCES.values() if s.suite in {"korani", "english"}])
    for spec in suite:
        samples = _samples(index, spec.task)
        assert samples, spec.task
        meta = spec.xeval
        assert meta.cluster and meta.seen is not None and meta.input_language in {"ko", "en"}
        assert spec.task.endswith(f"_{meta.input_language}_tpl-{spec.template_language}")
        for sample in samples:
            if spec.output_type == "multiple_choice":
                assert sample.choices and 0 <= sample.gold < len(sample.choices)
            else:
                assert sample.references[0]


def test_groups(index: TaskIndex) -> None:
    unseen = {s.task for s in index.resolve("korani-unseen")}
    assert {index.tasks[t].xeval.source for t in unseen} == UNSEEN_KO
    assert all(index.tasks[t].template_language == "ko" for t in unseen)
    seen = index.resolve("korani-seen")
    assert len(seen) >= 4 and all(s.xeval.seen for s in seen)
    from xeval.scoring import canonical_name

    assert any(s.output_type == "generate_until" and "rougeL" in map(canonical_name, s.scorer_names) for s in seen)
    english = {index.tasks[t.task].xeval.source for t in index.resolve("english-unseen")}
    assert english == UNSEEN_EN
    xling = index.resolve("xling")
    pairs = Counter((s.xeval.source, s.template_language) for s in xling)
    assert set(pairs) == {(src, t) for src in UNSEEN_KO | UNSEEN_EN for t in ("ko", "en")}
    assert all(not s.xeval.seen for s in xling)


@pytest.mark.parametrize("source", ["kobest_copa", "klue_nli", "winogrande", "wic"])
def test_template_variants_differ_only_in_the_template(index: TaskIndex, source: str) -> None:
    lang = "en" if source in UNSEEN_EN else "ko"
    ko = _samples(index, f"{source}_{lang}_tpl-ko")
    en = _samples(index, f"{source}_{lang}_tpl-en")
    docs = load_rows(SOURCES[source], "sample")
    for k, e, doc in zip(ko, en, docs, strict=True):
        assert k.context != e.context  # different prompts
        assert k.gold == e.gold and len(k.choices) == len(e.choices)  # the same answer
        inputs = [v for key, v in doc.items() if isinstance(v, str) and key not in {"question"}]
        for text in inputs:
            if text not in (k.choices or []):
                assert text in k.context and text in e.context  # the task input, untouched
        if source in {"kobest_copa", "winogrande"}:
            assert k.choices == e.choices  # identical inputs and choices
    assert any("질문" in s.context for s in ko) and all("Question" in s.context for s in en)


def test_real_release_files_load_through_data_dir(shared_data: Path) -> None:
    expected = {"klue_nli": 3000, "kornli": 5010, "beep": 471, "apeach": 3770}
    for name, rows in expected.items():
        loaded = load_rows(SOURCES[name], "local", shared_data)
        assert len(loaded) == rows
        labels = Counter(r["label"] for r in loaded)
        assert set(labels) == ({0, 1, 2} if name != "apeach" else {0, 1})


def test_missing_local_loader_and_missing_file_are_clear(tmp_path: Path) -> None:
    from xeval.errors import ConfigError

    with pytest.raises(ConfigError, match="no local-file loader"):
        load_rows(SOURCES["kobest_copa"], "local", tmp_path)
    with pytest.raises(ConfigError, match="klue-nli-v1.1_dev.json not found"):
        load_rows(SOURCES["klue_nli"], "local", tmp_path)


def test_xling_run_prints_the_matrix(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "xeval", "run", "--tasks", "xling", "--data-source",
                          "sample", "--limit", "2", "--output", str(tmp_path)],
                         capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert out.returncode == 0, out.stderr
    matrix = out.stdout.split("cross-lingual matrix")[1].split("results:")[0]
    header = matrix.splitlines()[1]
    for column in ["in en / tpl en", "in en / tpl ko", "in ko / tpl en", "in ko / tpl ko", "avg"]:
        assert column in header
    rows = {line.split("|")[1].strip() for line in matrix.splitlines()[3:] if line.startswith("|")}
    assert rows == {"nli", "sentence_completion", "wsd", "coreference", "average"}
    assert "[" in matrix and "n=" in matrix  # cells carry a CI and n


def test_klue_nli_real_data_both_templates(embedded_model, shared_data: Path, tmp_path: Path) -> None:
    from xeval.run.runner import RunConfig, plan_tasks, run_evaluation

    config = RunConfig(tasks="klue_nli_ko_tpl-ko,klue_nli_ko_tpl-en", data_dir=shared_data, limit=12,
                       output=tmp_path)
    result = run_evaluation(config, embedded_model, plan_tasks(config))
    acc = {m["template_language"]: m for m in result.summary["metrics"] if m["metric"] == "acc"}
    assert set(acc) == {"ko", "en"} and all(m["n"] == 12 for m in acc.values())
    records = [json.loads(x) for x in (result.run_dir / "samples.jsonl").read_text().splitlines()]
    by_template = {t: {r["id"]: r["context"].split("\n")[0] for r in records if r["template_language"] == t}
                   for t in ("ko", "en")}
    assert by_template["ko"] == by_template["en"] and len(by_template["ko"]) == 12  # same items, both templates
