"""Task YAML loading: lm-eval fields, include merging, validation naming file and field."""

from __future__ import annotations

from pathlib import Path

import pytest
from xeval.errors import ConfigError
from xeval.tasks.rendering import build_samples
from xeval.tasks.task_index import TaskIndex
from xeval.tasks.taskspec import parse_task, read_yaml


def test_shipped_tasks_load_and_default_group_covers_both_languages() -> None:
    index = TaskIndex.load()
    default = index.resolve(None)
    assert {s.xeval.input_language for s in default} == {"ko", "en"}
    assert {s.output_type for s in default} == {"multiple_choice", "generate_until"}
    names = {n for s in default for n in s.scorer_names}
    assert {"acc", "exact_match", "chrf", "rougeL", "language"} <= names


def test_include_list_merges_in_order_and_variant_wins(tmp_path: Path) -> None:
    """lm-eval's semantics: shallow merge, later includes override earlier, the file wins."""
    (tmp_path / "_base_yaml").write_text(
        "dataset_path: json\noutput_type: multiple_choice\ndoc_to_target: 0\ndoc_to_text: base\n"
        "doc_to_choice: ['a', 'b']\nmetadata:\n  version: 2\n  xeval:\n    cluster: nli\n", encoding="utf-8")
    (tmp_path / "_tpl_yaml").write_text("doc_to_text: 'T: {{x}}'\ndoc_to_choice: ['x', 'y']\n", encoding="utf-8")
    (tmp_path / "v.yaml").write_text(
        "include: [_base_yaml, _tpl_yaml]\ntask: v\ndoc_to_choice: ['p', 'q']\n"
        "metadata:\n  version: 3\n  xeval:\n    input_language: ko\n    template_language: en\n", encoding="utf-8")
    spec = parse_task(read_yaml(tmp_path / "v.yaml"), tmp_path / "v.yaml")
    assert spec.output_type == "multiple_choice" and spec.doc_to_text == "T: {{x}}"
    assert spec.doc_to_choice == ["p", "q"]
    assert spec.version == "3" and spec.xeval.cluster is None  # metadata replaced whole, as in lm-eval
    assert spec.xeval.input_language == "ko" and spec.template_language == "en"


def test_include_cycle_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("include: b.yaml\ntask: a\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("include: a.yaml\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="include cycle"):
        read_yaml(tmp_path / "a.yaml")


def test_bad_xeval_metadata_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("task: t\ndataset_path: json\ndoc_to_text: x\ndoc_to_target: y\n"
                    "metadata:\n  xeval:\n    input_langauge: ko\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"metadata.xeval.*input_langauge"):
        parse_task(read_yaml(path), path)


def test_lm_eval_doc_to_semantics(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        "task: t\ndataset_path: json\noutput_type: multiple_choice\n"
        "doc_to_text: 'Q: {{q}}'\ndoc_to_target: '{{label}}'\ndoc_to_choice: '{{options}}'\n"
        "description: 'Answer. '\n", encoding="utf-8")
    spec = parse_task(read_yaml(path), path)
    docs = [{"q": "2+2", "label": 1, "options": ["3", "4"]},
            {"q": "1+1", "label": "0", "options": ["2", "5"]}]
    first, second = build_samples(spec, docs)
    assert first.context == "Answer. Q: 2+2" and first.choices == ["3", "4"] and first.gold == 1
    assert second.gold == 0  # a digit string target is an index, as in lm-eval
    assert first.key != second.key


def test_group_glob_and_unknown(tmp_path: Path) -> None:
    index = TaskIndex.load()
    assert [s.task for s in index.resolve("xeval_qa_*")] == ["xeval_qa_en", "xeval_qa_ko"]
    with pytest.raises(ConfigError, match="unknown task 'nope'"):
        index.resolve("nope")


def test_two_rows_under_one_id_are_refused_naming_both(tmp_path: Path) -> None:
    """Issue 38 (item 5): two rows sharing their id field were two records under one key (exit 0;
    a re-run of the run id failed "recorded twice"). Refused at planning, naming both rows, also
    when --limit takes only the first of them."""
    path = tmp_path / "t.yaml"
    path.write_text("task: t\ndataset_path: json\ndoc_to_text: '{{q}}'\ndoc_to_target: a\n"
                    "metadata:\n  xeval:\n    id_field: key\n", encoding="utf-8")
    spec = parse_task(read_yaml(path), path)
    docs = [{"key": 7, "q": "a", "a": "b"}, {"key": 8, "q": "c", "a": "d"}, {"key": "7", "q": "e", "a": "f"}]
    for limit in (None, 1):
        with pytest.raises(ConfigError, match="task 't': rows 1 and 3 of its data share the id '7' \\(key\\)"):
            build_samples(spec, docs, limit)
    assert [s.id for s in build_samples(spec, docs[:2])] == ["7", "8"]
    path.write_text("task: t\ndataset_path: json\ndoc_to_text: '{{q}}'\ndoc_to_target: a\n", encoding="utf-8")
    no_id_field = parse_task(read_yaml(path), path)
    assert [s.id for s in build_samples(no_id_field, docs)] == ["0", "1", "2"]  # the row's place
