"""Issue 38 (items 6, 7, 13, 18): an instruction row is validated without a response, at planning:
kwargs typed strictly, every kwarg a checker uses as a regular expression compiled (once), unknown
ids and empty lists refused; the runner marks such rows failed data rows before the model is
asked and refuses a task with none left to score."""

from __future__ import annotations

import math
from typing import Any

import pytest
from xeval.errors import XevalError
from xeval.run.runner import refuse_bad_rows
from xeval.scoring import ScorerContext, make_scorer
from xeval.scoring.instructions.registry import CheckContext, InstructionDataError, _compiled, parse_row, verdicts
from xeval.scoring.instructions.scorer import METRICS, row_error
from xeval.tasks.taskspec import TaskSpec
from xeval.types import DATA_ERROR, Message, Sample

WORDS = "length_constraints:number_words"


@pytest.mark.parametrize("value", [True, False, "5", 5.0, math.nan, [5], {"n": 5}])
def test_kwargs_are_typed_strictly(value: Any) -> None:
    """``num_words: true`` is no count and ``"5"`` no number: the row's data error (pydantic's lax
    mode took them as 1 and 5)."""
    with pytest.raises(InstructionDataError, match="kwarg num_words: Input should be a valid integer"):
        parse_row([WORDS], [{"num_words": value, "relation": "at least"}], CheckContext())


def test_strict_types_keep_good_rows_and_their_records() -> None:
    found = verdicts([WORDS], [{"num_words": 2, "relation": "at least"}], "two words", CheckContext())
    assert found == [{"id": WORDS, "group": "length_constraints", "strict": True, "loose": True,
                      "kwargs": {"num_words": 2, "relation": "at least"}}]
    with pytest.raises(InstructionDataError, match="kwarg keywords"):  # a string is no list of keywords
        parse_row(["keywords:existence"], [{"keywords": "apple"}], CheckContext())
    with pytest.raises(InstructionDataError, match="kwarg language"):
        parse_row(["language:response_language"], [{"language": 7}], CheckContext())


@pytest.mark.parametrize(("ids", "kwargs", "needle"), [
    ([], [], "instruction_id_list must be a non-empty list"),
    ("punctuation:no_comma", [{}], "instruction_id_list must be a non-empty list"),
    (["punctuation:no_comma"], {}, "kwargs must be a list of objects"),
    ([WORDS], [{"num_words": 5, "relation": "about"}], "kwarg relation"),
    ([WORDS], [{"num_words": -5, "relation": "at least"}], "greater than or equal to 0"),
    (["detectable_format:haiku"], [{}], "unknown instruction id 'detectable_format:haiku'"),
    (["es:length_constraints:number_words"], [{"num_words": 5, "relation": "at least"}], "kwarg relation"),
])
def test_bad_rows_are_refused_without_a_response(ids: Any, kwargs: Any, needle: str) -> None:
    with pytest.raises(InstructionDataError, match=needle):
        parse_row(ids, kwargs, CheckContext())


# (benchmark, language, instruction id, kwargs, the kwarg named): every checker that uses a kwarg as
# a regular expression, in each benchmark's checkers
NOT_A_REGEX = [
    ("ifeval", "en", "detectable_content:postscript", {"postscript_marker": "P.S.("}, "postscript_marker"),
    ("ifeval", "en", "detectable_format:multiple_sections", {"section_spliter": "SECTION(", "num_sections": 2},
     "section_spliter"),
    ("ifeval", "en", "keywords:existence", {"keywords": ["fine", "a[b"]}, "keywords"),
    ("ifeval", "en", "keywords:frequency", {"keyword": "(x", "frequency": 1, "relation": "at least"}, "keyword"),
    ("ifeval", "en", "keywords:forbidden_words", {"forbidden_words": [":)"]}, "forbidden_words"),
    ("ifeval_ko", "ko", "keywords:forbidden_words", {"forbidden_words": [":)"]}, "forbidden_words"),
    ("ifeval_ko", "ko", "keywords:existence", {"keywords": ["사과("]}, "keywords"),
    ("ifeval_ko", "ko", "keywords:frequency", {"keyword": "[", "frequency": 1, "relation": "at least"}, "keyword"),
    ("ifeval_ko", "ko", "detectable_content:postscript", {"postscript_marker": "추신("}, "postscript_marker"),
    ("pmmeval", "en", "detectable_content:postscript", {"postscript_marker": "P.S.("}, "postscript_marker"),
    ("ifeval", "es", "es:detectable_content:postscript", {"postscript_marker": "P.D.("}, "postscript_marker"),
    ("ifeval", "es", "es:detectable_format:multiple_sections", {"section_spliter": "(", "num_sections": 2},
     "section_spliter"),
    ("ifeval", "es", "es:keywords:frequency", {"keyword": "(", "frequency": 1, "relation": "al menos"}, "keyword"),
    ("ifeval", "fr", "fr:keywords:frequency", {"keyword": "(", "frequency": 1, "relation": "au moins"}, "keyword"),
    ("ifeval", "ja", "ja:detectable_format:multiple_sections", {"section_spliter": "章(", "num_sections": 2},
     "section_spliter"),
]


@pytest.mark.parametrize(("benchmark", "language", "instruction_id", "kwargs", "kwarg"), NOT_A_REGEX)
def test_a_kwarg_that_is_no_regular_expression_is_found_without_a_response(
        benchmark: str, language: str, instruction_id: str, kwargs: dict[str, Any], kwarg: str) -> None:
    context = CheckContext(language=language, benchmark=benchmark)
    with pytest.raises(InstructionDataError, match=f"{instruction_id}: kwarg {kwarg}: .* is not a valid regular "
                                                   "expression") as info:
        parse_row([instruction_id], [kwargs], context)
    assert "\n" not in str(info.value)
    with pytest.raises(InstructionDataError):  # and scoring says the same, never an re.error
        verdicts([instruction_id], [kwargs], "P.S. ( SECTION 1 a[b :) 第1章(", context)


def test_checkers_that_do_not_use_a_kwarg_as_a_regular_expression_take_it() -> None:
    """Where the benchmark's checker escapes or does not use a regex, the value is fine as it is; and
    Multi-IF counts a keyword that is no regular expression as not followed (its ifeval.py catches
    the error), which stays its rule."""
    assert verdicts(["keywords:forbidden_words"], [{"forbidden_words": [":)"]}], "좋아요 :)",
                    CheckContext(language="ko"))[0]["strict"] is False  # xeval's Korean: a substring
    assert verdicts(["ja:detectable_content:postscript"], [{"postscript_marker": "P.S.("}], "本文\nP.S.( 追記",
                    CheckContext(language="ja"))[0]["strict"] is True  # M-IFEval ja escapes the marker
    found = verdicts(["keywords:frequency"], [{"keyword": "(x", "frequency": 1, "relation": "at least"}], "(x",
                     CheckContext(benchmark="multi_if"))
    assert found[0]["strict"] is False and found[0]["loose"] is False


def test_a_kwarg_pattern_is_compiled_once() -> None:
    kwargs = [{"postscript_marker": "P.Z.(?:once)"}]
    parse_row(["detectable_content:postscript"], kwargs, CheckContext())  # planning compiles it
    misses = _compiled.cache_info().misses
    for response in ("a\np.z.once", "b", "c\nP.Z.ONCE x"):
        verdicts(["detectable_content:postscript"], kwargs, response, CheckContext())
    assert _compiled.cache_info().misses == misses


def _sample(key: str, ids: Any, kwargs: Any, **doc: Any) -> Sample:
    return Sample(id=key, task="t", input_language="en", template_language="en", answer_language="en",
                  output_type="generate_until", messages=(Message(role="user", content="p"),),
                  metadata={"doc": {"instruction_id_list": ids, "kwargs": kwargs, "prompt": "p", **doc}})


def test_the_scorers_tell_a_bad_row_from_the_row_alone() -> None:
    good = _sample("1", ["punctuation:no_comma"], [{}])
    assert row_error(good) is None
    assert "unknown instruction id" in (row_error(_sample("2", ["nope:nope"], [{}])) or "")
    assert "non-empty list" in (row_error(_sample("3", [], [])) or "")
    # the row's benchmark picks the checkers: P-MMEval's postscript is a regex as IFEval's
    assert "not a valid regular expression" in (row_error(_sample("4", ["detectable_content:postscript"],
                                                                  [{"postscript_marker": "P.S.("}],
                                                                  benchmark="pmmeval")) or "")
    for name in METRICS:
        scorer = make_scorer(name, ScorerContext())
        assert scorer.row_error(good) is None  # type: ignore[attr-defined]


def _spec() -> TaskSpec:
    return TaskSpec(task="t", dataset_path="json", doc_to_text="prompt", doc_to_target="", source="t.yaml",
                    metric_list=[{"metric": "prompt_level_strict_acc"}])  # type: ignore[list-item]


def test_the_runner_marks_bad_rows_before_the_model_is_asked_and_refuses_a_task_with_none_left() -> None:
    scorers = [make_scorer(name, ScorerContext()) for name in METRICS] + [make_scorer("language", ScorerContext())]
    samples = [_sample("1", ["punctuation:no_comma"], [{}]),
               _sample("2", [WORDS], [{"num_words": True, "relation": "at least"}]),
               _sample("3", ["detectable_format:haiku"], [{}])]
    marked = refuse_bad_rows(_spec(), samples, scorers)
    assert marked is not None and marked[0] == 2 and marked[1].startswith("sample 2: length_constraints:number_words")
    assert DATA_ERROR not in samples[0].metadata
    assert "kwarg num_words" in samples[1].metadata[DATA_ERROR]
    assert samples[2].metadata[DATA_ERROR] == "unknown instruction id 'detectable_format:haiku'"
    assert refuse_bad_rows(_spec(), [_sample("4", ["punctuation:no_comma"], [{}])], scorers) is None
    with pytest.raises(XevalError, match="none of its 2 row\\(s\\) can be scored \\(sample 5: unknown instruction"):
        refuse_bad_rows(_spec(), [_sample("5", ["x:y"], [{}]), _sample("6", [], [])], scorers)
    # a task without instruction scorers is not touched
    assert refuse_bad_rows(_spec(), [_sample("7", [], [])], [make_scorer("language", ScorerContext())]) is None
