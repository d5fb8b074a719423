"""The case files under ``cases/``: reading them, and checking xeval's verdicts against each case's
reference verdicts as its header says they were made.

A case file is JSON Lines: a header, then one case a line (``id`` or ``key``, ``prompt``,
``instruction_id_list``, ``kwargs``, ``response`` and the reference's verdicts). The header names the
reference (``source``), whose checkers xeval checks the cases with (``checkers``: a benchmark of
:mod:`xeval.scoring.instructions.conventions` and a language, else each case's ``language``), and
how the verdicts are given (``verdicts``):

- ``reference`` (the default): each case's ``reference: {"strict": [...], "loose": [...]}``, the
  reference's own verdicts, instruction by instruction;
- ``lm_eval``: computed here from lm-eval 0.4.13's own ``lm_eval/tasks/ifeval`` code;
- ``pmmeval``: P-MMEval's, from OpenCompass: ``reference`` is its released evaluator's (kwargs
  merged, its "loose"), ``isolated`` its checkers on each instruction alone (xeval's four metrics);
- ``published``: M-IFEval's released verdicts (``published``) of its released responses, which the
  ``mifeval_*`` tasks' metric must reproduce but where ``causes`` (``"index:mode": cause``) declares a
  known difference, whose cause is checked.

xeval's verdicts use the reference's language ID (the conventions' ``language_id``: langdetect,
seeded, for IFEval, M-IFEval and IFEval-Ko). Where xeval deliberately differs a case says so:
``differs`` (a reason: the case's verdicts differ; an object: the listed instruction ids' differ),
and there the verdicts must differ; ``xeval_langid_differs`` likewise where xeval's own language ID
(the ``*_xeval_langid`` metrics) decides otherwise than the reference's. A case whose reference
raises on the row says so (``reference_error``: its exception), and xeval must refuse the row
(:class:`InstructionDataError`); so must it where a case declares ``xeval_error`` (a reason: kwargs
the reference replaces with a random draw).
"""

from __future__ import annotations

import json
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from xeval.language.langdetect_seeded import langdetect_language
from xeval.scoring.instructions import pmmeval
from xeval.scoring.instructions.conventions import conventions
from xeval.scoring.instructions.registry import XEVAL_LANGID, CheckContext, InstructionDataError, split_id, verdicts
from xeval.scoring.instructions.scorer import InstructionScorer
from xeval.types import Message, Prediction, Sample

CASES = Path(__file__).parent / "cases"
VERDICT_KINDS = ("reference", "lm_eval", "pmmeval", "published")
JANOME_IDS = {"ja:keywords:existence", "ja:keywords:frequency", "ja:keywords:forbidden_words",
              "ja:detectable_format:nominal_ending"}


@dataclass(frozen=True)
class CaseFile:
    name: str
    header: dict[str, Any]
    cases: list[dict[str, Any]]

    @property
    def benchmark(self) -> str:
        return str(self.header["checkers"]["benchmark"])

    def language(self, case: dict[str, Any]) -> str:
        return str(self.header["checkers"].get("language") or case["language"])

    @property
    def verdicts(self) -> str:
        return str(self.header.get("verdicts", "reference"))


def load(path: Path) -> CaseFile:
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return CaseFile(path.stem, lines[0], lines[1:])


def case_files() -> list[CaseFile]:
    """Every file of cases (a file whose header declares another ``layout``, such as lm-eval's
    verdicts on M-IFEval's released responses, ``kind`` input and response lines, has a test of its own)."""
    return [found for found in map(load, sorted(CASES.glob("*.jsonl"))) if "layout" not in found.header]


def case_id(case: dict[str, Any]) -> str:
    if "id" in case:
        return str(case["id"])
    return f"{case['language']}-{case['model']}-{case['key']}"


def context(file: CaseFile, case: dict[str, Any], language_id: str | None = None) -> CheckContext:
    """The context of the file's checkers, with the reference's language ID unless told."""
    benchmark, language = file.benchmark, file.language(case)
    return CheckContext(language=language, prompt=case.get("prompt", ""), benchmark=benchmark,
                        language_id=language_id or conventions(benchmark, language).language_id)


def ours(file: CaseFile, case: dict[str, Any], language_id: str | None = None) -> tuple[list[bool], list[bool]]:
    found = verdicts(case["instruction_id_list"], case["kwargs"], case["response"], context(file, case, language_id))
    return [v["strict"] for v in found], [v["loose"] for v in found]


def reference_verdicts(file: CaseFile, case: dict[str, Any]) -> tuple[list[bool], list[bool]]:
    if file.verdicts == "lm_eval":
        from tests.scoring.instructions.reference import lm_eval_verdicts

        return lm_eval_verdicts(case)
    return list(case["reference"]["strict"]), list(case["reference"]["loose"])


def _assert_differences(mine: tuple[list[bool], list[bool]], theirs: tuple[list[bool], list[bool]],
                        ids: list[str], declared: Any, what: str, equal_elsewhere: bool) -> None:
    """``declared`` a reason: the whole verdicts differ; an object: the listed ids' (strict, loose)
    differ, and (``equal_elsewhere``) the others' are equal; None: equal throughout."""
    if isinstance(declared, str):
        assert mine != theirs, f"declared {what} ({declared}) but equal"
        return
    declared = declared or {}
    assert set(declared) <= set(ids)
    for index, instruction_id in enumerate(ids):
        pair, their_pair = (mine[0][index], mine[1][index]), (theirs[0][index], theirs[1][index])
        if instruction_id in declared:
            assert pair != their_pair, f"{instruction_id} was declared {what}: {declared[instruction_id]}"
        elif equal_elsewhere:
            assert pair == their_pair, instruction_id


def check_reference(file: CaseFile, case: dict[str, Any]) -> None:
    """xeval's verdicts against the reference's (``reference`` and ``lm_eval`` files)."""
    if JANOME_IDS & set(case["instruction_id_list"]):
        pytest.importorskip("janome", reason="M-IFEval's keyword and nominal-ending checkers need janome")
    if "reference_error" in case or "xeval_error" in case:  # the reference raises, or xeval refuses, the row
        with pytest.raises(InstructionDataError):
            ours(file, case)
        return
    theirs = reference_verdicts(file, case)
    ids = case["instruction_id_list"]
    _assert_differences(ours(file, case), theirs, ids, case.get("differs"), "to differ", equal_elsewhere=True)
    if case.get("xeval_langid_differs"):
        _assert_differences(ours(file, case, XEVAL_LANGID), theirs, ids, case["xeval_langid_differs"],
                            "to differ under xeval's language ID", equal_elsewhere=False)


# --- P-MMEval: the released evaluator, and its checkers one instruction at a time ----------------------

PMMEVAL_IDS = frozenset(pmmeval.RULES)


def _error_type(message: str) -> str:
    return message.split(":", 1)[0]


def check_pmmeval(file: CaseFile, case: dict[str, Any]) -> None:
    reference = case["reference"]
    released_args = (case["instruction_id_list"], case["kwargs"], case["response"], case["language"])
    if reference.get("strict_error", "").startswith(("KeyError", "ValueError")) and reference["strict_acc"] is None \
            and not set(case["instruction_id_list"]) <= PMMEVAL_IDS:
        with pytest.raises(InstructionDataError, match="no P-MMEval instruction"):  # OpenCompass: an unknown id
            pmmeval.released_verdicts(*released_args)
    else:
        released = pmmeval.released_verdicts(*released_args)
        for mode in ("strict", "loose"):
            assert released[mode] == reference[mode], mode
            if reference[mode] is None:
                assert _error_type(released[f"{mode}_error"]) == _error_type(reference[f"{mode}_error"]), mode
            else:
                assert f"{mode}_error" not in released
                assert float(all(released[mode])) == reference[f"{mode}_acc"]
    own = context(file, case)
    isolated = case["isolated"]
    if "own_differs" in case:
        if set(case["instruction_id_list"]) <= PMMEVAL_IDS:  # kwargs the reference takes and xeval refuses
            with pytest.raises(InstructionDataError):
                verdicts(case["instruction_id_list"], case["kwargs"], case["response"], own)
        else:  # an id P-MMEval does not define: IFEval's checker
            from xeval.scoring.instructions.registry import INSTRUCTIONS, lookup

            assert all(lookup(i, pmmeval.BENCHMARK) is INSTRUCTIONS[i] for i in case["instruction_id_list"])
        return
    assert "error" not in isolated
    found = verdicts(case["instruction_id_list"], case["kwargs"], case["response"], own)
    assert [v["strict"] for v in found] == isolated["strict"]
    assert [v["loose"] for v in found] == isolated["loose"]


# --- M-IFEval's published verdicts, through the mifeval_* tasks' metric -----------------------------------

LANGUAGE_CHECKS = {"language:response_language", "change_case:english_capital", "change_case:english_lowercase",
                   "change_case:spanish_capital", "change_case:spanish_lowercase", "change_case:french_capital",
                   "change_case:french_lowercase"}
CAUSES = {"langdetect unseeded", "random letter", "xx_sent_ud_sm", "es_core_news_sm parser", "punkt of the release"}
SEEDS = range(32)


def released_sample(case: dict[str, Any]) -> Sample:
    doc = {"key": case["key"], "prompt": case["prompt"], "instruction_id_list": case["instruction_id_list"],
           "kwargs": case["kwargs"], "benchmark": "mifeval"}  # as the mifeval_* sources give it
    language = case["language"]
    return Sample(id=f"{case['model']}:{case['key']}", task=f"mifeval_{language}", input_language=language,
                  template_language=language, answer_language=language, output_type="generate_until",
                  messages=(Message(role="user", content=case["prompt"]),), metadata={"doc": doc})


def scored(case: dict[str, Any], metric: str = "prompt_level_strict_acc") -> dict[str, list[bool]]:
    response = case["response"]
    prediction = Prediction(text=response or "", missing=None if response is not None else "null in the release")
    score = InstructionScorer(metric).score_one(released_sample(case), prediction)
    found = score.details["instructions"]
    return {mode: [bool(v[mode]) for v in found] for mode in ("strict", "loose")}


def check_cause(case: dict[str, Any], index: int, mode: str, declared: str) -> None:
    """The declared cause holds for this verdict."""
    instruction_id, kwargs = case["instruction_id_list"][index], case["kwargs"][index]
    base = split_id(instruction_id)[1]
    response = case["response"]
    assert declared in CAUSES and response is not None
    if declared == "langdetect unseeded":  # the reference's unseeded draw: some seed gives its verdict, some not
        assert base in LANGUAGE_CHECKS
        drawn = set()
        for seed in SEEDS:
            seeded = CheckContext(language=case["language"], prompt=case["prompt"], benchmark="mifeval",
                                  language_id="langdetect", langdetect_seed=seed)
            drawn.add(verdicts([instruction_id], [kwargs], response, seeded)[0][mode])
        assert drawn == {True, False}
    elif declared == "random letter":  # M-IFEval's build_description draws a random letter for it
        assert base == "keywords:letter_frequency"
        assert not (len(kwargs["letter"]) == 1 and kwargs["letter"] in string.ascii_letters)
    elif declared == "xx_sent_ud_sm":  # counted by spaCy's xx_sent_ud_sm, not installable
        assert (case["language"], base) == ("es", "length_constraints:number_sentences")
        assert langdetect_language(response.lower()) not in ("es", None)
    elif declared == "es_core_news_sm parser":
        assert (case["language"], base) == ("es", "length_constraints:number_sentences")
        assert langdetect_language(response.lower()) in ("es", None)
    else:
        assert (case["language"], base) == ("en", "length_constraints:number_sentences")


def check_published(file: CaseFile, case: dict[str, Any]) -> None:
    mine = scored(case)
    for index, instruction_id in enumerate(case["instruction_id_list"]):
        for mode in ("strict", "loose"):
            verdict, theirs = mine[mode][index], case["published"][mode][index]
            declared = case["causes"].get(f"{index}:{mode}")
            if declared is None:
                assert verdict == theirs, f"{instruction_id} {mode}"
                continue
            assert verdict != theirs, f"{instruction_id} {mode}: declared to differ ({declared}) but agrees"
            check_cause(case, index, mode, declared)


CHECKS = {"reference": check_reference, "lm_eval": check_reference, "pmmeval": check_pmmeval,
          "published": check_published}
