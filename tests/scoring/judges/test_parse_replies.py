"""Judge reply parsing from a case file of real-looking replies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from xeval.scoring.judges.parse import UnparseableReply, parse_reply
from xeval.scoring.judges.rubric import load_rubric

CASES = json.loads((Path(__file__).parent / "cases" / "replies.json").read_text(encoding="utf-8"))


def test_enough_cases() -> None:
    assert len(CASES) >= 40
    assert sum("error" in c for c in CASES) >= 10


@pytest.mark.parametrize("case", CASES, ids=[c["note"] for c in CASES])
def test_reply(case: dict) -> None:
    rubric = load_rubric(case["rubric"])
    if "error" in case:
        with pytest.raises(UnparseableReply, match=case["error"]):
            parse_reply(rubric, case["reply"])
    else:
        assert parse_reply(rubric, case["reply"]) == pytest.approx(case["expected"])
