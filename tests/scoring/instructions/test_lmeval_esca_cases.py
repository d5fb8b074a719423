"""lm-eval 0.4.13's ``ifeval_es`` / ``ifeval_ca`` reference verdicts: the case files' format and coverage.

The case files (``cases/ifeval_{es,ca}.jsonl``) hold verdicts produced by running lm-eval's own
checkers (``lm_eval/tasks/ifeval/multilingual``) through its ``utils`` strict/loose functions
(``bench/instructions/reference_lmeval_esca.py cases``; the header line says how);
``cases/ifeval_es_on_mifeval_released.jsonl`` holds lm-eval's verdicts on M-IFEval's published
Spanish responses (``... released``). These tests check that the files are what the generator
writes and that every instruction id of lm-eval's two dictionaries has a followed and a not-followed
case; xeval's verdicts are compared with them once xeval has ``ifeval_es`` / ``ifeval_ca`` checkers.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from tests.scoring.instructions.test_mifeval_esfr import ES_IDS as MIFEVAL_ES_IDS

CASES = Path(__file__).parent / "cases"

# ES_INSTRUCTION_DICT of lm_eval/tasks/ifeval/multilingual/instructions_registry.py (lm-eval 0.4.13): the ids of
# M-IFEval's ES_INSTRUCTION_DICT, whose Spanish code lm-eval carries
ES_IDS = MIFEVAL_ES_IDS
# CA_INSTRUCTION_DICT: the same ids, catalan_capital / catalan_lowercase for the Spanish case checks
CA_IDS = [i.replace("spanish_", "catalan_") for i in ES_IDS]
IDS = {"es": ES_IDS, "ca": CA_IDS}
# lm-eval's relation words (_COMPARISON_RELATION of es_instructions.py / ca_instructions.py)
RELATIONS = {"at least", "less than"}
CASE_KEYS = {"id", "prompt", "instruction_id_list", "kwargs", "response", "reference", "reference_error",
             "reference_from", "note", "differs", "xeval_error"}


def load(name: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    rows = [json.loads(line) for line in (CASES / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows[0], rows[1:]


def verdict_lists(reference: Any, length: int, allow_none: bool = False) -> None:
    assert set(reference) == {"strict", "loose"}
    for mode in ("strict", "loose"):
        values = reference[mode]
        assert isinstance(values, list) and len(values) == length
        assert all(isinstance(v, bool) or (allow_none and v is None) for v in values), values
    if allow_none:  # an instruction with no verdict has none in either mode
        assert [v is None for v in reference["strict"]] == [v is None for v in reference["loose"]]


@pytest.mark.parametrize("language", ["es", "ca"])
def test_case_file_format(language: str) -> None:
    header, cases = load(f"ifeval_{language}.jsonl")
    assert set(header) == {"source", "checkers"}
    assert header["checkers"] == {"benchmark": "lmeval", "language": language}
    assert "lm-eval 0.4.13" in header["source"] and f"task ifeval_{language}" in header["source"]
    assert f"instructions/{language}_instructions.py" in header["source"]
    ids = [case["id"] for case in cases]
    assert len(ids) == len(set(ids))
    for case in cases:
        assert set(case) <= CASE_KEYS and case["id"].startswith(f"{language}-"), case["id"]
        assert isinstance(case["prompt"], str) and case["prompt"]
        assert isinstance(case["response"], str)
        instruction_ids, kwargs = case["instruction_id_list"], case["kwargs"]
        assert isinstance(instruction_ids, list) and instruction_ids and isinstance(kwargs, list)
        assert len(kwargs) == len(instruction_ids) and all(isinstance(k, dict) for k in kwargs)
        for instruction_id in instruction_ids:
            prefix, _, base = instruction_id.partition(":")
            assert prefix == language and base in IDS[language], instruction_id
        # exactly one of: the reference's verdicts, or the exception it raises on the row
        assert ("reference" in case) != ("reference_error" in case), case["id"]
        if "reference_error" in case:
            assert case["reference_error"].split(":")[0] in {"ValueError", "TypeError", "IndexError"}
            assert "reference_from" not in case
        else:
            verdict_lists(case["reference"], len(instruction_ids))


@pytest.mark.parametrize("language", ["es", "ca"])
def test_hand_decided_verdicts_are_sentence_counts(language: str) -> None:
    """Only a sentence count needs a trained spaCy component not installable here (ca_core_news_sm's
    parser for Catalan, xx_sent_ud_sm for a text langdetect does not call the task's language)."""
    _, cases = load(f"ifeval_{language}.jsonl")
    hand = [c for c in cases if "reference_from" in c]
    assert hand
    for case in hand:
        assert case["instruction_id_list"] == [f"{language}:length_constraints:number_sentences"], case["id"]
        assert case["reference_from"].startswith("hand count:")
    if language == "ca":  # every Catalan sentence count is hand-decided
        sentences = [c for c in cases if f"{language}:length_constraints:number_sentences" in c["instruction_id_list"]]
        assert sentences == hand


@pytest.mark.parametrize("language", ["es", "ca"])
def test_case_files_cover_every_instruction(language: str) -> None:
    _, cases = load(f"ifeval_{language}.jsonl")
    for base in IDS[language]:
        instruction_id = f"{language}:{base}"
        outcomes = {(c["reference"]["strict"][i], c["reference"]["loose"][i])
                    for c in cases if "reference" in c
                    for i, found in enumerate(c["instruction_id_list"]) if found == instruction_id}
        assert (True, True) in outcomes, f"{base}: no followed case"
        assert (False, False) in outcomes, f"{base}: no case followed in no variant"


@pytest.mark.parametrize("language", ["es", "ca"])
def test_relations_are_lm_evals_words(language: str) -> None:
    """The cases the reference checks use lm-eval's relation words (M-IFEval's Spanish ones raise there)."""
    _, cases = load(f"ifeval_{language}.jsonl")
    for case in cases:
        relations = {v for k in case["kwargs"] for key, v in k.items() if key.endswith("relation")}
        if "reference" in case:
            assert relations <= RELATIONS, case["id"]
        elif relations - RELATIONS:
            assert case["reference_error"].startswith("ValueError: The supported relation"), case["id"]


def test_released_fixture() -> None:
    header, lines = load("ifeval_es_on_mifeval_released.jsonl")
    assert "lm-eval 0.4.13 ifeval_es" in header["source"] and "M-IFEval" in header["source"]
    inputs = {line["key"]: line for line in lines if line["kind"] == "input"}
    responses = [line for line in lines if line["kind"] == "response"]
    assert len(inputs) + len(responses) == len(lines)
    for item in inputs.values():
        assert all(i.startswith("es:") and i[3:] in ES_IDS for i in item["instruction_id_list"])
        assert len(item["kwargs"]) == len(item["instruction_id_list"])
        assert {v for k in item["kwargs"] for key, v in k.items() if key.endswith("relation")} <= RELATIONS
    seen: set[tuple[str, int]] = set()
    with_text = set()
    for row in responses:
        item = inputs[row["key"]]
        assert (row["model"], row["key"]) not in seen
        seen.add((row["model"], row["key"]))
        if "response" in row:
            with_text.add(row["model"])
            assert hashlib.sha256(row["response"].encode("utf-8")).hexdigest() == row["response_sha256"]
            verdict_lists(row["mifeval_published"], len(item["instruction_id_list"]))
        else:
            assert set(row) == {"kind", "model", "key", "response_sha256", "lmeval"}
        verdict_lists(row["lmeval"], len(item["instruction_id_list"]), allow_none=True)
        for index, instruction_id in enumerate(item["instruction_id_list"]):
            if row["lmeval"]["strict"][index] is None:  # only xx_sent_ud_sm is out of reach
                assert instruction_id == "es:length_constraints:number_sentences"
    models = {row["model"] for row in responses}
    assert all(len([r for r in responses if r["model"] == m]) == len(inputs) for m in models)
    assert with_text and with_text < models
