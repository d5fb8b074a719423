"""Judging a batch while the next one generates: same records as scoring inline, in order;
a scoring failure surfaces and what was scored stays written."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from xeval.models.registry import load_model
from xeval.run import runner
from xeval.run.runner import RunConfig, ScoringLane, plan_tasks, run_evaluation


def test_lane_keeps_order_and_runs_one_batch_behind() -> None:
    done: list[int] = []
    threads: set[str] = set()
    with ScoringLane(True) as lane:
        for i in range(6):
            lane.submit(lambda i=i: (done.append(i), threads.add(threading.current_thread().name)))
    assert done == list(range(6)) and all(t.startswith("xeval-scoring") for t in threads)
    inline: list[int] = []
    with ScoringLane(False) as lane:
        lane.submit(lambda: inline.append(threading.current_thread() is threading.main_thread()))
    assert inline == [True]


def test_a_scoring_failure_surfaces_after_the_batches_before_it() -> None:
    done: list[int] = []

    def work(i: int) -> None:
        if i == 2:
            raise RuntimeError("judge exploded")
        done.append(i)

    with pytest.raises(RuntimeError, match="judge exploded"), ScoringLane(True) as lane:
        for i in range(5):
            lane.submit(lambda i=i: work(i))
    assert done == [0, 1]


def test_overlapped_judged_run_writes_the_same_records(tmp_path: Path, monkeypatch) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps([{"contains": "여름", "reply": "물을 마시세요."}, {"contains": "요", "reply": "네."}],
                                  ensure_ascii=False), encoding="utf-8")
    stars = {"language": 3, "fluency": 2, "helpfulness": 3, "accuracy": 2, "logical_coherence": 3, "harmlessness": 1}
    judge_file = tmp_path / "judge.json"
    judge_file.write_text(json.dumps([{"contains": "[END REQUEST", "reply": json.dumps(stars)}]), encoding="utf-8")
    records = {}
    for name, overlap in (("inline", False), ("overlapped", True)):
        monkeypatch.setattr(runner, "overlap_scoring", lambda config, model, overlap=overlap: overlap)
        config = RunConfig(tasks="mchat_ko", limit=5, batch_size=2, output=tmp_path, run_id=name,
                           judge=load_model(f"scripted:{judge_file}"))
        result = run_evaluation(config, load_model(f"scripted:{answers}"), plan_tasks(config))
        records[name] = [{k: v for k, v in json.loads(x).items() if k != "model"}
                         for x in (result.run_dir / "samples.jsonl").read_text().splitlines()]
    assert records["overlapped"] == records["inline"]
    assert [r["seq"] for r in records["overlapped"]] == sorted(r["seq"] for r in records["overlapped"])
    assert len(records["overlapped"]) == 4  # mchat_ko's four prompts, in batches of two
    assert all(r["scores"]["judge_six_facets"]["value"] == 14 / 6 for r in records["overlapped"])


def test_overlap_only_when_model_and_judge_wait_on_servers() -> None:
    from types import SimpleNamespace

    from xeval.models.base import Abilities

    api = SimpleNamespace(abilities=Abilities(batch_hint=64, remote=True))
    local = SimpleNamespace(abilities=Abilities(batch_hint=32))  # batched llama.cpp: busy cores, not waiting
    assert runner.overlap_scoring(SimpleNamespace(judge=api), api)
    assert not runner.overlap_scoring(SimpleNamespace(judge=local), api)
    assert not runner.overlap_scoring(SimpleNamespace(judge=api), local)
    assert not runner.overlap_scoring(SimpleNamespace(judge=None), api)


def test_overlapped_batches_are_small_enough_to_pipeline() -> None:
    """Judged while the next batch generates: batches of an eighth of the backend's wish (twice an
    API's concurrency), so only the last small batch waits for its judge alone; --batch-size is
    the floor; without overlap the backend's wish."""
    from types import SimpleNamespace

    from xeval.models.base import Abilities
    from xeval.scoring.judges.jury import Jury

    api = SimpleNamespace(abilities=Abilities(batch_hint=128, remote=True))
    assert runner.run_batch_size(SimpleNamespace(batch_size=1), api, overlap=False) == 128
    assert runner.run_batch_size(SimpleNamespace(batch_size=1), api, overlap=True) == 16
    assert runner.run_batch_size(SimpleNamespace(batch_size=32), api, overlap=True) == 32
    jury = Jury([api, SimpleNamespace(abilities=Abilities(remote=True))])
    assert runner.overlap_scoring(SimpleNamespace(judge=jury), api)  # a jury of servers overlaps too
    local_jury = Jury([api, SimpleNamespace(abilities=Abilities(batch_hint=32))])
    assert not runner.overlap_scoring(SimpleNamespace(judge=local_jury), api)
