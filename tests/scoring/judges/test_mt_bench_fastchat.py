"""MT-Bench's and KoMT-Bench's judge requests against FastChat's own code: the fixture
``cases/mt_bench_fastchat.json`` holds what fschat 0.2.36's ``run_judge_single`` sent for two
questions of each category, both turns, both benchmarks (hostile answers: braces, ``{question}``,
trailing newlines), made by ``bench/mt_bench/fastchat_reference.py``; xeval's requests for the same
questions, the same answers and the released reference answers are byte-equal. Its ``rating_cases``
are FastChat's ratings of 20 replies, against which xeval's reading is checked case by case."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from xeval.run.conversation import ConversationState
from xeval.run.runner import RunConfig, plan_tasks
from xeval.scoring.judges.conversation import (
    CONVERSATION_JUDGES,
    NEED_REF_CATS,
    ONE_SCORE_PATTERN,
    ONE_SCORE_PATTERN_BACKUP,
    ConversationJudge,
    RatingError,
    read_rating,
)
from xeval.types import Sample

FIXTURE = json.loads((Path(__file__).parent / "cases" / "mt_bench_fastchat.json").read_text(encoding="utf-8"))


class _NoJudge:
    spec = "none"

    def generate(self, requests: list) -> list:  # pragma: no cover - requests are only built here
        raise AssertionError("not asked")


def _samples(benchmark: str, shared_data: Path) -> dict[tuple[str, int], Sample]:
    [plan] = plan_tasks(RunConfig(tasks=benchmark, data_source="local", data_dir=shared_data), quiet_judges=True)
    return {(s.conversation.id, s.conversation.turn): s for s in plan.samples if s.conversation}


@pytest.mark.parametrize("benchmark", ["mt_bench", "komt_bench"])
def test_judge_requests_equal_fastchats_own(benchmark: str, shared_data: Path) -> None:
    cases = [c for c in FIXTURE["cases"] if c["benchmark"] == benchmark]
    assert len(cases) == 32 and {c["category"] for c in cases} >= {"writing", "math", "coding", "humanities"}
    samples = _samples(benchmark, shared_data)
    judge = ConversationJudge(CONVERSATION_JUDGES[benchmark], _NoJudge())  # type: ignore[arg-type]
    for case in cases:
        sample = samples[(str(case["question_id"]), case["turn"])]
        state = ConversationState()
        first = samples[(str(case["question_id"]), 1)]
        state.remember(first, case["answers"][0], None)
        asked = state.with_history(sample)  # turn 2: after the model's own turn-1 answer, as the runner sends it
        name, request = judge.named_request(asked, case["answers"][case["turn"] - 1])
        where = f"{benchmark} question {case['question_id']} turn {case['turn']}"
        assert name == case["judge_prompt"], where
        assert [m.model_dump() for m in request.messages] == case["messages"], where
        assert (request.settings.temperature, request.settings.max_tokens) == (case["temperature"],
                                                                               case["max_tokens"]), where


def test_the_rules_are_fastchats() -> None:
    assert ONE_SCORE_PATTERN.pattern == FIXTURE["rating_patterns"]["one_score_pattern"]
    assert ONE_SCORE_PATTERN_BACKUP.pattern == FIXTURE["rating_patterns"]["one_score_pattern_backup"]
    assert list(NEED_REF_CATS) == FIXTURE["need_ref_cats"]
    for task in ("mt_bench", "komt_bench"):
        [plan] = plan_tasks(RunConfig(tasks=task, data_source="sample"), quiet_judges=True)
        assert plan.spec.xeval.temperature_by_category == FIXTURE["temperature_config"]
        assert plan.spec.generation_kwargs["temperature"] == 0.7  # FastChat's default for other categories
        assert plan.spec.generation_kwargs["max_gen_toks"] == 1024


def test_ratings_as_fastchat_reads_them_where_it_gives_one() -> None:
    """Where FastChat's rating is one 1-10 value, xeval's is the same; where FastChat records -1
    (no rating), 0 (off the scale), the first of two different ratings, or crashes (``[[05]]``,
    full-width digits: ``ast.literal_eval`` raises), xeval's differs as the README says."""
    agreed = differ = 0
    for case in FIXTURE["rating_cases"]:
        text, theirs = case["judgment"], case.get("rating")
        try:
            ours: float | None = read_rating(text)[0]
        except RatingError:
            ours = None
        if theirs is not None and theirs != -1 and 1 <= theirs <= 10 and "[[11]]" not in text \
                and text != "first [[3]] then [[9]]" and text != "[1] [4]":
            assert ours == theirs, text
            agreed += 1
        else:
            differ += 1
            if theirs == -1 or (theirs is not None and not 1 <= theirs <= 10):
                assert ours is None, text  # no rating / off the scale: a failed judgment, not a score
            elif case.get("error"):
                assert ours is not None, text  # FastChat crashes on [[05]] and full-width digits; xeval reads them
            else:
                assert ours is None, text  # two different ratings: FastChat takes the first, xeval refuses
    assert (agreed, differ) == (7, 13)
