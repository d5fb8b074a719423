"""xeval's task YAMLs under lm-evaluation-harness itself, and rank classification that agrees
with lm-eval's ``acc`` sample by sample (same task, same model object, same samples)."""

from __future__ import annotations

from pathlib import Path

import pytest
from xeval.paths import tasks_dir
from xeval.run.runner import RunConfig, plan_tasks, run_evaluation

TASK = "klue_nli_ko_tpl-ko"
LIMIT = 12


def test_lm_eval_runs_the_korean_yaml_and_agrees_per_sample(hf_embedded, shared_data: Path,
                                                            tmp_path: Path, monkeypatch) -> None:
    lm_eval = pytest.importorskip("lm_eval")
    from lm_eval.models.huggingface import HFLM
    from lm_eval.tasks import TaskManager

    monkeypatch.setenv("XEVAL_DATA_DIR", str(shared_data))  # lm-eval reaches our loader through it
    lm = HFLM(pretrained=hf_embedded.model, tokenizer=hf_embedded.tokenizer, batch_size=4)
    results = lm_eval.simple_evaluate(
        model=lm, tasks=[TASK], task_manager=TaskManager(include_path=str(tasks_dir())),
        limit=LIMIT, log_samples=True)
    lm_samples = sorted(results["samples"][TASK], key=lambda s: s["doc_id"])
    assert len(lm_samples) == LIMIT
    lm_choices = [max(range(len(s["filtered_resps"])), key=lambda i: s["filtered_resps"][i][0])
                  for s in lm_samples]
    lm_acc = results["results"][TASK]["acc,none"]

    config = RunConfig(tasks=TASK, data_dir=shared_data, limit=LIMIT, output=tmp_path)
    plans = plan_tasks(config)
    xeval_samples = plans[0].samples
    # the very same prompts and choices reach both harnesses
    assert [s.context for s in xeval_samples] == [s["arguments"][0][0] for s in lm_samples]
    result = run_evaluation(config, hf_embedded, plans)
    import json

    records = [json.loads(x) for x in (result.run_dir / "samples.jsonl").read_text().splitlines()]
    assert [r["prediction"]["chosen"] for r in records] == lm_choices
    for record, sample in zip(records, lm_samples, strict=True):
        ours = record["prediction"]["choice_logprobs"]
        theirs = [r[0] for r in sample["filtered_resps"]]
        assert ours == pytest.approx(theirs, abs=1e-3)
    acc = next(m for m in result.summary["metrics"] if m["metric"] == "acc")
    assert acc["value"] == pytest.approx(lm_acc)
