"""xeval's native lm-eval filters against lm-eval's own filter classes, on one case file."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from xeval.errors import ConfigError
from xeval.scoring.filters import FILTERS, parse_filter_list

CASES = json.loads((Path(__file__).parent / "cases" / "filters.json").read_text(encoding="utf-8"))


def lm_eval_output(pipeline: dict[str, Any]) -> list[Any]:
    pytest.importorskip("lm_eval")
    from lm_eval.filters import build_filter_ensemble

    components = [(step["function"], {k: v for k, v in step.items() if k != "function"})
                  for step in pipeline["filter"]]
    ensemble = build_filter_ensemble(pipeline["name"], components)
    instances = [SimpleNamespace(resps=list(a), doc=d, filtered_resps={})
                 for a, d in zip(CASES["answers"], CASES["docs"], strict=True)]
    ensemble.apply(instances)
    return [i.filtered_resps[pipeline["name"]] for i in instances]


@pytest.mark.parametrize("pipeline", CASES["pipelines"], ids=[p["name"] for p in CASES["pipelines"]])
def test_pipeline_matches_lm_eval(pipeline: dict[str, Any]) -> None:
    ours = parse_filter_list([pipeline], "cases/filters.json")[0].apply(CASES["answers"], CASES["docs"])
    theirs = lm_eval_output(pipeline)
    # xeval keeps every sample's result as a list of answers (one after take_first)
    assert ours == [[t] if isinstance(t, str) else list(t) for t in theirs]


def test_every_native_filter_is_in_the_case_file() -> None:
    used = {step["function"] for p in CASES["pipelines"] for step in p["filter"]}
    assert used == set(FILTERS)


def test_known_values() -> None:
    pipelines = {p.name: p for p in parse_filter_list(CASES["pipelines"], "cases")}
    strict = pipelines["strict-match"].apply(CASES["answers"], CASES["docs"])
    assert [s[0] for s in strict] == ["7", "[invalid]", "[invalid]", "[invalid]", "[invalid]", "[invalid]"]
    letters = pipelines["letters"].apply(CASES["answers"], CASES["docs"])
    assert letters[1] == ["(B)"] and letters[2] == ["(B)"]  # '정답: 거짓' found by its choice text


@pytest.mark.parametrize("raw, message", [
    ([{"name": "x", "filter": [{"function": "regexx"}]}], "unknown filter function 'regexx'"),
    ([{"filter": []}], "entry 1 needs 'name'"),
    ([{"name": "x", "filter": [{"function": "regex", "regex_pattern": "("}]}], "regex: missing"),
    ([{"name": "x", "filter": [{"function": "take_first", "k": 2}]}], "take_first"),
    ([{"name": "a", "filter": []}, {"name": "a", "filter": []}], "names must differ"),
])
def test_bad_filter_list_is_one_line(raw: list[Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_filter_list(raw, "task.yaml")
