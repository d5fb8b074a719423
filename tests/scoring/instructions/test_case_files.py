"""Every case file under ``cases/``, case by case: xeval's verdicts equal the reference's, as the
file's header says they were made (its reference, whose checkers, how the verdicts are given; see
:mod:`tests.scoring.instructions.casefiles`), and differ exactly where a case declares why.

A new case file (a language added to the IFEval family) is checked here with no test code: its
header names the checkers (``{"checkers": {"benchmark": ..., "language": ...}}``)."""

from __future__ import annotations

from typing import Any

import pytest
from xeval.scoring.instructions.conventions import BENCHMARKS

from tests.scoring.instructions.casefiles import CHECKS, VERDICT_KINDS, CaseFile, case_files, case_id

FILES = case_files()
ALL = [(file, case) for file in FILES for case in file.cases]


@pytest.mark.parametrize(("file", "case"), ALL, ids=[f"{file.name}:{case_id(case)}" for file, case in ALL])
def test_verdicts_equal_the_references(file: CaseFile, case: dict[str, Any]) -> None:
    if file.verdicts == "lm_eval":
        pytest.importorskip("lm_eval")
    if file.verdicts in ("lm_eval", "published"):
        pytest.importorskip("langdetect")
    CHECKS[file.verdicts](file, case)


@pytest.mark.parametrize("file", FILES, ids=[file.name for file in FILES])
def test_every_case_file_names_its_reference_and_checkers(file: CaseFile) -> None:
    assert file.header["source"]
    assert file.benchmark in BENCHMARKS
    assert file.verdicts in VERDICT_KINDS
    assert file.cases
    assert len({case_id(case) for case in file.cases}) == len(file.cases)  # ids name the cases
    if "language" not in file.header["checkers"]:
        assert all(case.get("language") for case in file.cases)
