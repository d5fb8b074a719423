"""Mapping a generated reply to a choice: the case file, Korean and English."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from xeval.scoring.extract import choices_block, extract_choice

CASES = json.loads((Path(__file__).parent / "cases" / "mc_extraction.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["note"] for c in CASES])
def test_extraction_cases(case: dict) -> None:
    extraction = extract_choice(case["reply"], case["choices"])
    assert (extraction.index, extraction.method) == (case["index"], case["method"])


def test_choices_block_in_the_template_language() -> None:
    expected = "보기:\nA. 함의\nB. 중립\nC. 모순\n위 보기 중 정답의 기호(A, B, ...)만 답하세요."
    assert choices_block(["함의", "중립", "모순"], "ko") == expected
    assert choices_block(["yes", "no"], "en").startswith("Options:\nA. yes\nB. no\nAnswer with the letter")
    assert choices_block(["yes", "no"], "fr").startswith("Options:")  # other templates: English wording
