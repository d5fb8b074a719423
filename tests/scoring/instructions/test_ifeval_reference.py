"""xeval's IFEval checkers against lm-eval's own: the hand-written case file covers all 25
instruction ids, passing and failing, with Korean, Japanese and mixed-script responses. Its verdicts,
case by case, are checked with every case file's (test_case_files.py): xeval's are the ``ifeval``
task's (langdetect, seeded, in the language checks, as lm-eval's code); a case where xeval
deliberately differs says why (``differs``), and must then differ; ``xeval_langid_differs``: where
xeval's own language ID (the ``*_xeval_langid`` metrics) decides otherwise than langdetect, and must."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from xeval.scoring.instructions import INSTRUCTIONS

from tests.scoring.instructions.reference import lm_eval_verdicts

CASES_FILE = Path(__file__).parent / "cases" / "ifeval_en.jsonl"
LINES = CASES_FILE.read_text(encoding="utf-8").splitlines()
HEADER = json.loads(LINES[0])
CASES = [json.loads(line) for line in LINES[1:]]
IFEVAL_IDS = sorted(i for i in INSTRUCTIONS if ":" in i and len(i.split(":")) == 2)

pytest.importorskip("lm_eval")
pytest.importorskip("langdetect")


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
