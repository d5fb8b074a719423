"""xeval's IFEval checkers against lm-eval's own, verdict by verdict (strict and loose) on a
hand-written case file covering all 25 instruction ids, passing and failing, with Korean,
Japanese and mixed-script responses. xeval's verdicts are the ``ifeval`` task's (langdetect, seeded,
in the language checks, as lm-eval's code). A case where xeval deliberately differs says why
(``differs``), and must then differ; ``xeval_langid_differs``: where xeval's own language ID (the
``*_xeval_langid`` metrics) decides otherwise than langdetect, and must."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from xeval.scoring.instructions import INSTRUCTIONS, CheckContext, verdicts
from xeval.scoring.instructions.registry import LANGDETECT, XEVAL_LANGID

from tests.scoring.instructions.reference import lm_eval_verdicts

CASES_FILE = Path(__file__).parent / "cases" / "ifeval_en.jsonl"
LINES = CASES_FILE.read_text(encoding="utf-8").splitlines()
HEADER = json.loads(LINES[0])
CASES = [json.loads(line) for line in LINES[1:]]
IFEVAL_IDS = sorted(i for i in INSTRUCTIONS if ":" in i and len(i.split(":")) == 2)

pytest.importorskip("lm_eval")
pytest.importorskip("langdetect")


def _ours(case: dict[str, Any], language_id: str = LANGDETECT) -> tuple[list[bool], list[bool]]:
    found = verdicts(case["instruction_id_list"], case["kwargs"], case["response"],
                     CheckContext(language="en", prompt=case["prompt"], language_id=language_id))
    return [v["strict"] for v in found], [v["loose"] for v in found]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_verdicts_equal_lm_eval(case: dict[str, Any]) -> None:
    reference = lm_eval_verdicts(case)
    ours = _ours(case)
    if case.get("differs"):
        assert ours != reference, f"declared different ({case['differs']}) but equal"
    else:
        assert ours == reference
    if case.get("xeval_langid_differs"):
        assert _ours(case, XEVAL_LANGID) != reference, case["xeval_langid_differs"]


def test_case_file_covers_every_id_both_ways() -> None:
    assert "lm-eval" in HEADER["source"]
    assert len(IFEVAL_IDS) == 25
    seen: dict[str, set[tuple[str, bool]]] = {i: set() for i in IFEVAL_IDS}
    for case in CASES:
        strict, loose = lm_eval_verdicts(case)
        for instruction_id, s, lo in zip(case["instruction_id_list"], strict, loose, strict=True):
            seen[instruction_id] |= {("strict", s), ("loose", lo)}
    missing = {i: sorted({("strict", True), ("strict", False)} - v) for i, v in seen.items()
               if not {("strict", True), ("strict", False)} <= v}
    assert not missing, f"ids without a passing and a failing strict case: {missing}"
    # loose rescues: a case that fails strictly and passes loosely
    rescued = [c["id"] for c in CASES if (v := lm_eval_verdicts(c))[0] != v[1]]
    assert len(rescued) >= 4, rescued
