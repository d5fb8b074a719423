"""The instruction registry: typed kwargs, unknown ids, loose variants, language-aware counting,
the four metrics and the summary's per-instruction rows, on hand-computed values."""

from __future__ import annotations

import pytest
from xeval.results.summary import aggregate, instruction_report
from xeval.scoring import ScorerContext, make_scorer
from xeval.scoring.instructions import CheckContext, InstructionDataError, lookup, loose_variants, verdicts
from xeval.types import Message, Prediction, Sample


def test_bad_kwarg_is_one_line_naming_the_instruction() -> None:
    with pytest.raises(InstructionDataError) as info:
        verdicts(["length_constraints:number_words"], [{"num_words": "lots", "relation": "at least"}], "x",
                 CheckContext())
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("length_constraints:number_words: kwarg num_words:") and "'lots'" in message
    with pytest.raises(InstructionDataError, match="kwarg relation"):
        verdicts(["length_constraints:number_words"], [{"num_words": 3, "relation": "about"}], "x", CheckContext())
    with pytest.raises(InstructionDataError, match="kwarg colour: Extra inputs"):
        verdicts(["punctuation:no_comma"], [{"colour": "red"}], "x", CheckContext())
    with pytest.raises(InstructionDataError, match="unknown instruction id 'detectable_format:haiku'"):
        verdicts(["detectable_format:haiku"], [{}], "x", CheckContext())
    with pytest.raises(InstructionDataError, match="2 instruction id"):
        verdicts(["punctuation:no_comma", "startend:quotation"], [{}], "x", CheckContext())
    with pytest.raises(InstructionDataError, match="kwargs must be an object"):
        verdicts(["punctuation:no_comma"], [["a"]], "x", CheckContext())


def test_null_kwargs_are_dropped_as_the_hub_rows_need() -> None:
    found = verdicts(["punctuation:no_comma"], [{"num_words": None}], "fine", CheckContext())
    assert found == [{"id": "punctuation:no_comma", "group": "punctuation", "strict": True, "loose": True,
                      "kwargs": {}}]


def test_prefixed_ids_fall_back_to_ifeval_checkers() -> None:
    assert lookup("es:punctuation:no_comma").id == "punctuation:no_comma"
    assert lookup("detectable_format:title").group == "detectable_format"


def test_loose_variants_as_ifeval() -> None:
    assert loose_variants("**Title**\nbody *x*\nlast") == [
        "**Title**\nbody *x*\nlast", "Title\nbody x\nlast", "body *x*\nlast", "**Title**\nbody *x*",
        "body *x*", "body x\nlast", "Title\nbody x", "body x"]


def test_counting_follows_the_language() -> None:
    words = ["length_constraints:number_words"]
    # 22 characters, one \w+ run: at least 20 "words" in Japanese, 1 word in English
    japanese = "今日はとても良い天気ですね散歩に行きましょう"
    at_least_20 = [{"num_words": 20, "relation": "at least"}]
    assert verdicts(words, at_least_20, japanese, CheckContext(language="ja"))[0]["strict"] is True
    assert verdicts(words, at_least_20, japanese, CheckContext(language="en"))[0]["strict"] is False
    sentences = ["length_constraints:number_sentences"]
    two = [{"num_sentences": 2, "relation": "at least"}]
    assert verdicts(sentences, two, "今日は晴れです。明日は雨です。", CheckContext(language="ja"))[0]["strict"] is True
    assert verdicts(sentences, two, "मैं घर जा रहा हूँ। तुम कहाँ हो?", CheckContext(language="hi"))[0]["strict"] is True
    # a Korean noun with its particle holds the forbidden word; IFEval's \bword\b would miss it
    forbidden = ["keywords:forbidden_words"]
    assert verdicts(forbidden, [{"forbidden_words": ["사과"]}], "사과를 먹었다", CheckContext(language="ko"))[0][
        "strict"] is False
    assert verdicts(forbidden, [{"forbidden_words": ["bad"]}], "badminton", CheckContext(language="en"))[0][
        "strict"] is True


def _sample(key: str, ids: list[str], kwargs: list[dict], language: str = "en") -> Sample:
    return Sample(id=key, task="t", input_language=language, template_language=language, answer_language=language,
                  output_type="generate_until", messages=(Message(role="user", content="p"),),
                  metadata={"doc": {"instruction_id_list": ids, "kwargs": kwargs, "prompt": "p"}})


def test_four_metrics_and_pooling() -> None:
    samples = [_sample("1", ["punctuation:no_comma", "startend:quotation", "detectable_format:title"], [{}, {}, {}]),
               _sample("2", ["punctuation:no_comma"], [{}]),
               _sample("3", ["length_constraints:number_words"], [{"num_words": "x", "relation": "at least"}])]
    predictions = [Prediction(text='"<<T>> no commas"'), Prediction(text="a, b"), Prediction(text="text")]
    records = []
    for sample, prediction in zip(samples, predictions, strict=True):
        scores = {}
        for name in ("prompt_level_strict_acc", "inst_level_strict_acc", "prompt_level_loose_acc",
                     "inst_level_loose_acc"):
            score = make_scorer(name, ScorerContext()).score([sample], [prediction])[0]
            scores[name] = score.model_dump(exclude={"scorer"})
        records.append({"task": "t", "input_language": "en", "template_language": "en", "scores": scores})
    assert records[0]["scores"]["prompt_level_strict_acc"]["value"] == 1.0
    assert records[1]["scores"]["inst_level_strict_acc"]["value"] == 0.0
    assert records[2]["scores"]["prompt_level_strict_acc"]["error"].startswith("data: length_constraints:number_words")
    rows = {r["metric"]: r for r in aggregate(records)}
    assert rows["prompt_level_strict_acc"]["value"] == 0.5 and rows["prompt_level_strict_acc"]["n_failed"] == 1
    # pooled over instructions: 3 of 4 followed (a prompt-mean of the shares would be 0.5)
    assert rows["inst_level_strict_acc"]["value"] == 0.75
    report = {(r["level"], r["instruction"]): r for r in instruction_report(records)}
    assert report[("id", "punctuation:no_comma")] == {"task": "t", "input_language": "en", "level": "id",
                                                      "instruction": "punctuation:no_comma", "n": 2,
                                                      "strict_acc": 0.5, "loose_acc": 0.5}
    assert report[("group", "detectable_format")]["n"] == 1


def test_a_keyword_that_is_no_regular_expression_is_the_rows_data_error() -> None:
    """IFEval matches keywords as regular expressions; one that does not compile ('[') is the data
    row's one-line error, not a crash of the run (IFEval's and lm-eval's code raise there)."""
    from xeval.scoring.instructions.registry import CheckContext, InstructionDataError, verdicts

    for instruction_id, kwargs in (("keywords:existence", {"keywords": ["a[b"]}),
                                   ("keywords:frequency", {"keyword": "(x", "frequency": 1, "relation": "at least"}),
                                   ("keywords:forbidden_words", {"forbidden_words": ["c++("]})):
        with pytest.raises(InstructionDataError, match="not a valid regular expression"):
            verdicts([instruction_id], [kwargs], "some answer", CheckContext())


def test_korean_constrained_responses_are_the_ones_ifeval_ko_asks_for() -> None:
    """IFEval-Ko's prompts ask for 제 답변은 예입니다. (not IFEval's English options): the Korean
    task accepts those; English keeps IFEval's."""
    from xeval.scoring.instructions.registry import CheckContext, verdicts

    def strict(text: str, language: str) -> bool:
        found = verdicts(["detectable_format:constrained_response"], [{}], text, CheckContext(language=language))
        return bool(found[0]["strict"])

    assert strict("제 답변은 아니요입니다.", "ko") and not strict("My answer is no.", "ko")
    assert strict("My answer is no.", "en") and not strict("제 답변은 아니요입니다.", "en")
