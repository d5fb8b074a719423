"""The relation vocabulary, the shared kwargs models, the conventions table, and where a task's
checker set is declared (its YAML) and taken from (the scorer), on hand-checked values."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from xeval.errors import ConfigError
from xeval.language.langdetect_seeded import langdetect_language
from xeval.run.runner import _check_instruction_set
from xeval.scoring.instructions import args
from xeval.scoring.instructions import conventions as table
from xeval.scoring.instructions.conventions import (
    KOREAN_OPTIONS,
    TABLE,
    Conventions,
    conventions,
    prefixed_benchmark,
)
from xeval.scoring.instructions.registry import CheckContext, InstructionDataError, verdicts
from xeval.scoring.instructions.scorer import InstructionScorer, instruction_set
from xeval.tasks.task_index import TaskIndex
from xeval.tasks.taskspec import RECORDED_SPEC_EXCLUDE, TaskSpec
from xeval.types import INSTRUCTION_SET, Message, Prediction, Sample

ROOT = Path(__file__).resolve().parents[3]


# --- one relation vocabulary, one comparison ----------------------------------------------------------

@pytest.mark.parametrize(("vocabulary", "relation", "count", "threshold", "expected"), [
    ("ifeval", "less than", 5, 5, False),  # IFEval's "less than" is strict
    ("ifeval", "at least", 5, 5, True),
    ("pmmeval", "less than", 5, 5, True),  # OpenCompass compares it as at most
    ("mifeval_es", "como máximo", 5, 5, True),  # M-IFEval es: inclusive
    ("mifeval_es", "al menos", 4, 5, False),
    ("mifeval_fr", "moins de", 5, 5, False),
    ("mifeval_ja", "未満", 4, 5, True),
    ("mifeval_ja", "以上", 4, 5, False),
    ("lmeval", "less than", 5, 5, True),  # lm-eval's ifeval_es/ca: IFEval's words, M-IFEval es's inclusive <=
    ("lmeval", "at least", 4, 5, False),
])
def test_compare_as_each_reference(vocabulary: str, relation: str, count: int, threshold: int, expected: bool) -> None:
    assert args.compare(count, relation, threshold, vocabulary) is expected


def test_a_phrase_of_another_vocabulary_is_no_relation() -> None:
    assert args.operator_of("al menos", "ifeval") is None and args.operator_of(None, "pmmeval") is None
    with pytest.raises(ValueError, match="no relation of ifeval"):
        args.compare(3, "al menos", 2)


def test_specialised_models_keep_order_defaults_and_messages() -> None:
    assert args.specialise(args.WordsArgs) is args.WordsArgs  # IFEval's own, unchanged
    spanish = args.specialise(args.WordsArgs, "mifeval_es")
    assert spanish.model_validate({"num_words": 3, "relation": "como máximo"}).model_dump() == {
        "num_words": 3, "relation": "como máximo"}
    with pytest.raises(ValidationError, match="Input should be 'al menos' or 'como máximo'"):
        spanish.model_validate({"num_words": 3, "relation": "at least"})
    ignored = args.specialise(args.PlaceholdersArgs, "mifeval_es", ignored_relation=True)
    assert list(ignored.model_validate({"num_placeholders": 2}).model_dump().items()) == [
        ("num_placeholders", 2), ("relation", "al menos")]  # the record's kwargs, in this order
    letter = args.specialise(args.LetterArgs, "mifeval_ja", patterns={"letter": r"^[\u3041-\u3093]$"})
    assert list(letter.model_fields) == ["letter", "let_frequency", "let_relation"]
    with pytest.raises(ValidationError, match="String should match pattern"):
        letter.model_validate({"letter": "a", "let_frequency": 1, "let_relation": "以上"})


# --- the conventions table ----------------------------------------------------------------------------

def test_the_table_is_keyed_by_benchmark_and_language() -> None:
    assert all(key == (entry.benchmark, entry.language) for key, entry in TABLE.items())
    assert conventions("mifeval", "es") is TABLE[("mifeval", "es")]
    assert conventions("xeval", "de").language == "de" and conventions("xeval", "de").language_id == "xeval"
    assert conventions("ifeval", "ko").language_id == "langdetect"  # IFEval's reference asks langdetect
    with pytest.raises(InstructionDataError, match="unknown instruction benchmark 'nope'"):
        conventions("nope", "en")


def test_facts_stand_once() -> None:
    # Korean answer options: IFEval-Ko's, for its own checkers and for xeval's Korean IFEval tasks
    assert conventions("ifeval_ko", "ko").options is KOREAN_OPTIONS is conventions("xeval", "ko").options
    assert conventions("pmmeval", "ko").options != KOREAN_OPTIONS  # P-MMEval's prompts ask otherwise
    # Thai: words in characters and substring forbidden words in xeval's counting, and in Multi-IF's
    for benchmark in ("xeval", "multi_if"):
        thai = conventions(benchmark, "th")
        assert thai.forbidden == "substring"
    assert conventions("xeval", "th").words("สวัสดี ครับ") == 10
    assert conventions("pmmeval", "th").commas == "\u0e25"  # the reference's "comma", the letter ล


def test_prefixed_ids_take_the_conventions_of_their_language() -> None:
    assert prefixed_benchmark("ifeval", "es") == "mifeval"  # M-IFEval's data prefixes them
    assert prefixed_benchmark("ifeval", "ko") == "ifeval"  # ko: ids are IFEval's, counted in Korean
    [found] = verdicts(["es:length_constraints:number_words"], [{"num_words": 3, "relation": "como máximo"}],
                       "uno dos tres", CheckContext(language="en"))
    assert found["strict"] is True


def test_a_language_is_one_table_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    """A benchmark in a new language (lm-eval's Catalan, say): an entry, and the prefixed ids of its
    data are checked by IFEval's checkers in it."""
    catalan = dataclasses.replace(TABLE[("mifeval", "es")], benchmark="lmeval", language="ca",
                                  options=("Sí.", "No.", "Potser."), reference="a test")
    monkeypatch.setitem(TABLE, ("lmeval", "ca"), catalan)
    table.conventions.cache_clear()
    try:
        context = CheckContext(language="ca", benchmark="lmeval")
        found = verdicts(["ca:detectable_format:constrained_response", "ca:length_constraints:number_words"],
                         [{}, {"num_words": 2, "relation": "al menos"}], "Potser. Ho pensaré", context)
        assert [v["strict"] for v in found] == [True, True]
        with pytest.raises(InstructionDataError, match="lmeval has no conventions in 'xx'"):
            conventions("lmeval", "xx")
    finally:
        table.conventions.cache_clear()


def _differing(one: Conventions, other: Conventions) -> set[str]:
    return {f.name for f in dataclasses.fields(Conventions) if getattr(one, f.name) != getattr(other, f.name)}


def test_lm_evals_entries_are_m_ifevals_spanish() -> None:
    """lm-eval 0.4.13's ifeval_es is M-IFEval's Spanish code with IFEval's relation words; its
    ifeval_ca the Spanish code with Catalan words and "ca" in the case checks."""
    spanish, catalan = conventions("lmeval", "es"), conventions("lmeval", "ca")
    assert _differing(spanish, conventions("mifeval", "es")) == {"benchmark", "relations", "reference"}
    assert _differing(catalan, spanish) == {"language", "words", "tokens", "reference"}
    assert (spanish.words("La casa del poble."), catalan.words("La casa del poble.")) == (4, 5)  # d + el
    assert catalan.words("1. La casa del poble.\n- L'home") == 7  # list markers stripped, then L' + home
    context = CheckContext(language="es", benchmark="lmeval", language_id="langdetect")
    with pytest.raises(InstructionDataError, match="relation"):  # M-IFEval's words are no relation here
        verdicts(["es:length_constraints:number_words"], [{"num_words": 3, "relation": "al menos"}], "a b c", context)
    with pytest.raises(InstructionDataError, match="section_spliter"):  # lm-eval's Spanish file raises
        verdicts(["es:detectable_format:multiple_sections"], [{"num_sections": 1}], "Sección 1 a", context)
    text = "AQUESTA ÉS LA RESPOSTA DEL MEU POBLE, AMB LES MUNTANYES I ELS RIUS QUE HI HA."
    found = verdicts(["ca:change_case:catalan_capital", "es:change_case:spanish_capital"], [{}, {}], text,
                     dataclasses.replace(context, language="ca"))
    assert [v["strict"] for v in found] == [langdetect_language(text.lower()) == "ca",
                                            langdetect_language(text.lower()) == "es"]
    assert found[0]["strict"]  # the case check asks the context's language, Catalan here
    xeval_langid = dataclasses.replace(context, language="ca", language_id="xeval")
    [own] = verdicts(["ca:change_case:catalan_capital"], [{}], text, xeval_langid)
    assert own["strict"]  # xeval's language ID knows Catalan too (the *_xeval_langid metrics)


def test_conventions_are_records() -> None:
    entry = conventions("mifeval", "ja")
    assert isinstance(entry, Conventions) and dataclasses.is_dataclass(entry)
    with pytest.raises(dataclasses.FrozenInstanceError):
        entry.commas = ","  # type: ignore[misc]


# --- the checker set is declared in the task YAML, and the scorer takes it from there ------------------

def _sample(doc: dict[str, Any], declared: dict[str, str] | None = None) -> Sample:
    return Sample(id=str(doc["key"]), task="t", input_language="ko", template_language="ko", answer_language="ko",
                  output_type="generate_until", messages=(Message(role="user", content="p"),),
                  metadata={"doc": doc, **({INSTRUCTION_SET: declared} if declared else {})})


def test_the_declaration_decides_then_the_document() -> None:
    doc = {"key": "1", "prompt": "p", "instruction_id_list": ["length_constraints:number_words"],
           "kwargs": [{"num_words": 5, "relation": "at least"}]}
    text = "AI-기반 서비스는 3.5% 성장했다"  # 4 eojeol (IFEval-Ko), 6 \\w+ runs (xeval's Korean counting)
    strict = InstructionScorer("prompt_level_strict_acc")
    assert instruction_set(_sample(doc)) == ("xeval", "ko")
    assert strict.score_one(_sample(doc), Prediction(text=text)).value == 1.0
    declared = {"benchmark": "ifeval_ko", "language": "ko"}
    assert strict.score_one(_sample({**doc, "key": "2"}, declared), Prediction(text=text)).value == 0.0
    marked = {**doc, "key": "3", "benchmark": "ifeval_ko"}  # lm-eval's path: the document says so
    assert strict.score_one(_sample(marked), Prediction(text=text)).value == 0.0
    overruled = _sample({**marked, "key": "4"}, {"benchmark": "xeval", "language": "ko"})
    assert instruction_set(overruled) == ("xeval", "ko")
    assert strict.score_one(overruled, Prediction(text=text)).value == 1.0


def test_an_unknown_benchmark_in_a_yaml_is_one_line(tmp_path: Path) -> None:
    spec = TaskSpec(task="t", dataset_path="json", doc_to_text="x", doc_to_target="", source=str(tmp_path / "t.yaml"),
                    metadata={"xeval": {"instructions": {"benchmark": "mifevel"}}})
    with pytest.raises(ConfigError, match="unknown instruction benchmark 'mifevel'") as info:
        _check_instruction_set(spec)  # when the task is planned (tasks sit below scoring's table)
    assert "\n" not in str(info.value) and "t.yaml" in str(info.value)


def test_declared_tasks_agree_with_their_rows_and_are_not_recorded() -> None:
    index = TaskIndex.load()
    declared = {name: spec for name, spec in index.tasks.items() if spec.xeval.instructions is not None}
    assert {"mifeval_es", "ifeval_ko_reference", "multi_if_zh", "pmmeval_mifeval_ko", "ifeval_ko"} <= set(declared)
    for name, spec in declared.items():
        dumped = spec.model_dump(mode="json", exclude=RECORDED_SPEC_EXCLUDE)
        assert "instructions" not in dumped["metadata"]["xeval"], name  # runs recorded before stay the same
        samples = ROOT / "tasks" / "ifeval" / "samples" / f"{spec.xeval.source}.jsonl"
        if spec.xeval.source is None or not samples.exists():
            continue
        for line in samples.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if "benchmark" in row:  # the rows' own field, where lm-eval reads it, says the same
                assert row["benchmark"] == spec.xeval.instructions.benchmark, name  # type: ignore[union-attr]


def test_lm_evals_rows_carry_the_declaration() -> None:
    pytest.importorskip("datasets")
    from xeval.tasks.sources import load

    meta = {"source": "ifeval_ko", "instructions": {"benchmark": "ifeval_ko"}}
    rows = list(next(iter(load(xeval=meta, data_source="sample").values())))
    assert rows and all(row["benchmark"] == "ifeval_ko" for row in rows)
    plain = list(next(iter(load(xeval={"source": "ifeval_ko"}, data_source="sample").values())))
    assert all("benchmark" not in row or row["benchmark"] is None for row in plain)
