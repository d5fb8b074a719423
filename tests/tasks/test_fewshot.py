"""Few-shot prompts byte-equal to lm-evaluation-harness's, on real KLUE-NLI rows.

The tasks are written here as lm-eval YAMLs over local JSON Lines files (a train and a test
split cut from the KLUE-NLI dev release); lm-eval's own ``ConfigurableTask`` renders its
requests as ``simple_evaluate`` would (num_fewshot set, fewshot seed set, then
``build_all_requests``), and xeval's native runner renders the same YAML.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from xeval.errors import XevalError
from xeval.run.runner import RunConfig, plan_tasks
from xeval.tasks.task_index import TaskIndex

LABELS = {"entailment": 0, "neutral": 1, "contradiction": 2}

MC_TASK = {
    "task": "klue_nli_fs",
    "dataset_path": "json",
    "dataset_kwargs": {"data_files": {"train": "train.jsonl", "test": "test.jsonl"}},
    "training_split": "train",
    "test_split": "test",
    "fewshot_split": "train",
    "num_fewshot": 3,
    "description": "다음 문장의 관계를 고르세요.\n\n",
    "output_type": "multiple_choice",
    "doc_to_text": "{{premise}}\n질문: {{hypothesis}} 참, 거짓, 중립 중 무엇입니까?\n정답:",
    "doc_to_choice": ["참", "중립", "거짓"],
    "doc_to_target": "label",
    "metric_list": [{"metric": "acc"}],
}
GEN_TASK = {  # examples drawn from the evaluation split itself: the evaluated row is left out
    "task": "klue_nli_gen_fs",
    "dataset_path": "json",
    "dataset_kwargs": {"data_files": {"test": "test.jsonl"}},
    "test_split": "test",
    "fewshot_split": "test",
    "num_fewshot": 3,
    "output_type": "generate_until",
    "doc_to_text": "전제: {{premise}}\n가설: {{hypothesis}}\n관계:",
    "doc_to_target": "{{gold_label}}",
    "target_delimiter": " ",
    "fewshot_delimiter": "\n###\n",
    "generation_kwargs": {"until": ["\n"], "max_gen_toks": 8},
    "metric_list": [{"metric": "exact_match"}],
}


@pytest.fixture(scope="module")
def task_dir(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    rows = json.loads((shared_data / "klue-nli" / "klue-nli-v1.1_dev.json").read_text(encoding="utf-8"))
    rows = [{"premise": r["premise"], "hypothesis": r["hypothesis"], "gold_label": r["gold_label"],
             "label": LABELS[r["gold_label"]]} for r in rows]
    folder = tmp_path_factory.mktemp("fewshot_tasks")
    for name, part in (("train", rows[:40]), ("test", rows[40:64])):
        (folder / f"{name}.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in part),
                                              encoding="utf-8")
    for spec in (MC_TASK, GEN_TASK):
        data = json.loads(json.dumps(spec))
        files = data["dataset_kwargs"]["data_files"]
        data["dataset_kwargs"]["data_files"] = {k: str(folder / v) for k, v in files.items()}
        (folder / f"{spec['task']}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return folder


def lm_eval_requests(task_dir: Path, name: str, limit: int, num_fewshot: int | None = None,
                     **context_kwargs: Any) -> list[Any]:
    """lm-eval's rendered requests for TASK, set up as ``lm_eval.simple_evaluate`` sets it up."""
    pytest.importorskip("lm_eval")
    from lm_eval.tasks import TaskManager, get_task_dict

    task = get_task_dict([name], TaskManager(include_path=str(task_dir)))[name]
    if num_fewshot is not None and task.get_config("num_fewshot") != 0:
        task.set_config(key="num_fewshot", value=num_fewshot)
    task.set_fewshot_seed(seed=1234)
    task.build_all_requests(limit=limit, rank=0, world_size=1, **context_kwargs)
    return sorted(task.instances, key=lambda i: (i.doc_id, i.idx))


def xeval_samples(task_dir: Path, name: str, limit: int, **config: Any) -> list[Any]:
    plans = plan_tasks(RunConfig(tasks=name, limit=limit, **config), TaskIndex.load(extra_paths=[task_dir]))
    return plans[0].samples


def test_multiple_choice_contexts_are_lm_evals(task_dir: Path) -> None:
    theirs = [i for i in lm_eval_requests(task_dir, "klue_nli_fs", limit=12) if i.idx == 0]
    ours = xeval_samples(task_dir, "klue_nli_fs", limit=12)
    assert len(ours) == len(theirs) == 12
    assert [s.context for s in ours] == [i.args[0] for i in theirs]
    assert [" " + c for c in ours[0].choices] == [i.args[1] for i in lm_eval_requests(
        task_dir, "klue_nli_fs", limit=1)]
    # three examples, each answered with its choice text, after the description
    first = ours[0].context
    assert first.startswith("다음 문장의 관계를 고르세요.\n\n") and first.count("정답:") == 4
    assert first.count("\n\n") >= 3


def test_num_fewshot_override_and_seed_change_the_draw(task_dir: Path) -> None:
    five = xeval_samples(task_dir, "klue_nli_fs", limit=6, num_fewshot=5)
    theirs = [i.args[0] for i in lm_eval_requests(task_dir, "klue_nli_fs", limit=6, num_fewshot=5) if i.idx == 0]
    assert [s.context for s in five] == theirs
    assert five[0].context.count("정답:") == 6
    reseeded = xeval_samples(task_dir, "klue_nli_fs", limit=6, seed=7)
    assert [s.context for s in reseeded] != [s.context for s in xeval_samples(task_dir, "klue_nli_fs", limit=6)]
    zero = xeval_samples(task_dir, "klue_nli_fs", limit=2, num_fewshot=0)
    assert zero[0].context.count("정답:") == 1


def test_examples_from_the_evaluation_split_leave_the_evaluated_row_out(task_dir: Path) -> None:
    theirs = lm_eval_requests(task_dir, "klue_nli_gen_fs", limit=24)
    ours = xeval_samples(task_dir, "klue_nli_gen_fs", limit=24)
    assert [s.messages[-1].content for s in ours] == [i.args[0] for i in theirs]
    for sample in ours:  # the question asked is never among its own examples
        question = sample.messages[-1].content.rsplit("\n###\n", 1)[-1]
        assert sample.messages[-1].content.count(question) == 1
        assert sample.messages[-1].content.count("관계:") == 4


def test_fewshot_as_multiturn_gives_lm_evals_chat_turns(task_dir: Path) -> None:
    def as_json(messages: list[dict[str, str]], add_generation_prompt: bool = True) -> str:
        return json.dumps(messages, ensure_ascii=False)

    theirs = lm_eval_requests(task_dir, "klue_nli_gen_fs", limit=5, apply_chat_template=True,
                              fewshot_as_multiturn=True, chat_template=as_json)
    ours = xeval_samples(task_dir, "klue_nli_gen_fs", limit=5, fewshot_as_multiturn=True)
    assert [[m.model_dump() for m in s.messages] for s in ours] == [json.loads(i.args[0]) for i in theirs]
    assert [m.role for m in ours[0].messages] == ["user", "assistant"] * 3 + ["user"]


def test_too_few_examples_is_one_line(task_dir: Path) -> None:
    with pytest.raises(XevalError, match=r"num_fewshot=40 but the few-shot split has only 23"):
        xeval_samples(task_dir, "klue_nli_gen_fs", limit=2, num_fewshot=40)


def test_fewshot_run_on_the_embedded_model(task_dir: Path, tmp_path: Path, capsys) -> None:
    """End to end: the CLI, the real embedded model, three examples per KLUE-NLI item; the
    setting is recorded in run.json and the records keep the prompts as sent."""
    from xeval.cli import main

    code = main(["run", "--tasks-dir", str(task_dir), "--tasks", "klue_nli_fs,klue_nli_gen_fs", "--limit", "3",
                 "--num-fewshot", "2", "--output", str(tmp_path), "--run-id", "fs", "--no-cache"])
    assert code == 0, capsys.readouterr().err
    run = json.loads((tmp_path / "fs" / "run.json").read_text())
    assert run["settings"]["num_fewshot"] == 2
    assert {t: m["num_fewshot"] for t, m in run["tasks"].items()} == {"klue_nli_fs": 2, "klue_nli_gen_fs": 2}
    records = [json.loads(x) for x in (tmp_path / "fs" / "samples.jsonl").read_text().splitlines()]
    assert len(records) == 6 and not any(r.get("error") for r in records)
    gen = [r for r in records if r["task"] == "klue_nli_gen_fs"]
    assert all(r["prompt"][-1]["content"].count("관계:") == 3 for r in gen)
