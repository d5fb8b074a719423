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


class _Replies:
    """A judge answering each request with the next reply of a list, keeping the requests."""

    spec = "replies"

    def __init__(self, replies: list[str]) -> None:
        self.replies, self.requests = list(replies), []

    def generate(self, requests: list) -> list:
        from xeval.types import Completion

        self.requests += requests
        return [Completion(text=self.replies.pop(0)) for _ in requests]


def _pairwise(benchmark: str, case: dict, samples: dict, replies: list[str]):
    from xeval.scoring.judges.conversation import PairwiseConversationJudge
    from xeval.scoring.judges.scorers import Baseline
    from xeval.types import Prediction

    qid = str(case["question_id"])
    theirs = {samples[(qid, t)].key: case["baseline_answers"][t - 1] for t in (1, 2)}
    judge = _Replies(replies)
    scorer = PairwiseConversationJudge(CONVERSATION_JUDGES[benchmark], judge,  # type: ignore[arg-type]
                                       Baseline(lambda ss: [theirs.get(s.key) for s in ss], "run:base"))
    state = ConversationState()
    state.remember(samples[(qid, 1)], case["answers"][0], None)
    asked = state.with_history(samples[(qid, case["turn"])])
    [score] = scorer.score([asked], [Prediction(text=case["answers"][case["turn"] - 1])])
    return score, judge.requests


@pytest.mark.parametrize("benchmark", ["mt_bench", "komt_bench"])
def test_pairwise_requests_in_both_orders_equal_fastchats_own(benchmark: str, shared_data: Path) -> None:
    cases = [c for c in FIXTURE["pair_cases"] if c["benchmark"] == benchmark and "turn" in c]
    assert len(cases) == 32
    samples = _samples(benchmark, shared_data)
    for case in cases:
        score, requests = _pairwise(benchmark, case, samples, ["[[A]]", "[[B]]"])
        where = f"{benchmark} question {case['question_id']} turn {case['turn']}"
        assert score.details["prompt"] == case["judge_prompt"], where
        assert [m.model_dump() for m in requests[0].messages] == case["messages_model_first"], where
        assert [m.model_dump() for m in requests[1].messages] == case["messages_baseline_first"], where
        assert (requests[0].settings.temperature, requests[0].settings.max_tokens) == (0, 2048)
        assert score.details["outcome"] == "win" and score.value == 1.0  # A first, B second: the model both times


def test_pairwise_verdicts_combine_as_fastchats_show_result(shared_data: Path) -> None:
    """FastChat's rule (show_result.py display_result_pairwise): a tie in the first order or two
    orders that disagree is a tie, else the winner. Where a reply has no verdict ('error') or two,
    xeval records a failed judgment; FastChat counts error beside a verdict as a tie, two errors as
    the second model's win, and takes [[A]] from a reply naming both."""
    [record] = [c for c in FIXTURE["pair_cases"] if c.get("verdict_cases") and c["benchmark"] == "mt_bench"]
    case = next(c for c in FIXTURE["pair_cases"] if c["benchmark"] == "mt_bench" and c.get("turn") == 1)
    samples = _samples("mt_bench", shared_data)
    seen = []
    for verdict in record["verdict_cases"]:
        g1, g2 = verdict["g1_winner"], verdict["g2_winner"]
        theirs = "tie" if g1 == "tie" or g1 != g2 else ("win" if g1 == "model_1" else "loss")
        score, _ = _pairwise("mt_bench", case, samples, [verdict["model_first"], verdict["baseline_first"]])
        ours = score.details.get("outcome") if score.value is not None else "failed"
        seen.append((theirs, ours))
        if "error" in (g1, g2) or verdict["model_first"].count("[[") > 1:
            assert ours == "failed" and score.error.startswith("unreadable judge reply"), verdict
        else:
            assert ours == theirs, verdict
    assert seen == [("win", "win"), ("tie", "tie"), ("loss", "loss"), ("tie", "tie"), ("tie", "tie"),
                    ("tie", "failed"), ("loss", "failed"), ("win", "failed")]
