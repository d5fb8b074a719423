"""ifeval_es / ifeval_ca: lm-eval 0.4.13's tasks of those names, as xeval tasks. Their data and
generation are lm-eval's YAMLs' (read from the installed lm_eval package); their sample rows are
the project's own, in lm-eval's vocabulary (es:/ca: ids, relations "at least" / "less than")."""

from __future__ import annotations

from pathlib import Path

import lm_eval
import pytest
import yaml
from xeval.tasks.datasets import load_documents
from xeval.tasks.rendering import build_samples
from xeval.tasks.sources import SOURCES, load_rows
from xeval.tasks.task_index import TaskIndex

LMEVAL_TASKS = Path(lm_eval.__file__).parent / "tasks" / "ifeval" / "multilingual"


def _lmeval_yaml(task: str) -> dict:
    return yaml.safe_load((LMEVAL_TASKS / f"{task}.yaml").read_text(encoding="utf-8").replace("!function ", ""))


@pytest.fixture(scope="module")
def index() -> TaskIndex:
    return TaskIndex.load()


@pytest.mark.parametrize("language", ["es", "ca"])
def test_data_and_generation_are_lm_evals(index: TaskIndex, language: str) -> None:
    task = f"ifeval_{language}"
    theirs = _lmeval_yaml(task)
    source = SOURCES[task]
    assert (source.hub_path, source.hub_name, source.hub_split) == (theirs["dataset_path"], theirs["dataset_name"],
                                                                   theirs["test_split"])
    assert source.local_file == f"ifeval-{language}/input_data.jsonl"
    spec = index.tasks[task]
    assert spec.xeval.source == task and spec.xeval.input_language == language
    assert spec.test_split == theirs["test_split"] and spec.output_type == theirs["output_type"]
    ours = spec.generation_kwargs or {}
    for key in ("until", "do_sample", "max_gen_toks"):
        assert ours[key] == theirs["generation_kwargs"][key], key
    assert [m.metric for m in spec.metric_list or []] == [m["metric"] for m in theirs["metric_list"]]


@pytest.mark.parametrize("language", ["es", "ca"])
def test_sample_rows_speak_lm_evals_vocabulary(index: TaskIndex, language: str) -> None:
    task = f"ifeval_{language}"
    rows = load_rows(SOURCES[task], "sample")
    assert 4 <= len(rows) <= 6 and len({r["key"] for r in rows}) == len(rows)
    ids = [i for r in rows for i in r["instruction_id_list"]]
    assert all(i.startswith(f"{language}:") for i in ids) and len(set(ids)) >= 8
    relations = {v for r in rows for k in r["kwargs"] for key, v in k.items() if key.endswith("relation")}
    assert relations == {"at least", "less than"}
    assert all(v for r in rows for k in r["kwargs"] for v in k.values())  # lm-eval would drop a falsy kwarg
    samples = build_samples(index.tasks[task], load_documents(index.tasks[task], data_source="sample"), None)
    assert [s.messages[-1].content for s in samples] == [r["prompt"] for r in rows]
