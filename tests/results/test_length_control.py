"""AlpacaEval 2's length-controlled win rate: xeval's equals alpaca_eval's own function's on a
fixture of its released annotations, and every pairwise summary row carries it."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest
from xeval.results.length_control import LengthSample, length_controlled_win_rate
from xeval.results.summary import pairwise_report

pytest.importorskip("sklearn")

FIXTURE = Path(__file__).parent / "fixtures" / "length_control"
TOLERANCE = 0.05  # points of win rate (x 100)


def _fixture() -> tuple[dict, dict, dict[int, float]]:
    annotations = json.loads((FIXTURE / "annotations.json").read_text())
    figures = json.loads((FIXTURE / "alpaca_eval_figures.json").read_text())["figures"]
    with (FIXTURE / "instruction_difficulty.csv").open() as f:
        difficulty = {int(row["index"]): float(row["instruction_difficulty"]) for row in csv.DictReader(f)}
    return annotations, figures, difficulty


def _samples(data: dict[str, list]) -> list[LengthSample]:
    """alpaca_eval's annotations as xeval's input: its preference runs from 1 (output_1, the
    baseline, better) to 2 (output_2, the model, better), 0 being a tie; the instruction is the
    row's position, the key alpaca_eval reads its difficulty by."""
    return [LengthSample(None if p is None else (1.5 if p == 0 else p) - 1, float(model), float(baseline), i)
            for i, (p, baseline, model) in enumerate(zip(data["preference"], data["len_output_1"],
                                                         data["len_output_2"], strict=True))]


@pytest.mark.parametrize("formula", ["minimal", "noreg"])
def test_equals_alpaca_eval_on_its_released_annotations(formula: str) -> None:
    annotations, figures, difficulty = _fixture()
    assert len(annotations) >= 3
    for model, data in annotations.items():
        reference = figures[model][formula]
        ours = length_controlled_win_rate(_samples(data), difficulty if formula == "noreg" else None)
        assert ours.formula == formula
        assert ours.win_rate == pytest.approx(reference["length_controlled_winrate"], abs=TOLERANCE), model
        assert ours.standard_error == pytest.approx(reference["lc_standard_error"], abs=1e-3), model
        # the judge (GPT-4 Turbo) rewards length: positive weight on the model's longer answer
        assert ours.length_coef > 0
        assert ours.sampling_se is not None and 0 < ours.sampling_se < 10


def test_failed_judgments_and_bad_input() -> None:
    rng = random.Random(1)
    samples = [LengthSample(float(rng.random() < 0.6), rng.randint(100, 900), 500, i) for i in range(40)]
    with_failures = [*samples, LengthSample(None, 5000, 500, 40)]
    assert length_controlled_win_rate(with_failures).n == 40
    with pytest.raises(ValueError, match="difficulty"):
        length_controlled_win_rate(samples, formula="noreg")
    with pytest.raises(ValueError, match="no difficulty for instruction"):
        length_controlled_win_rate(samples, {0: 1.0})
    with pytest.raises(ValueError, match=r"outside \[0, 1\]"):
        length_controlled_win_rate([*samples, LengthSample(2.0, 10, 10, 41)])
    with pytest.raises(ValueError, match="at least 5"):
        length_controlled_win_rate(samples[:4])
    with pytest.raises(ValueError, match="unknown formula"):
        length_controlled_win_rate(samples, formula="length_controlled_v1")


def _record(i: int, value: float | None, len_model: int, len_baseline: int, category: str,
            task: str = "xinstruct_vicuna_en") -> dict:
    share = {"win": float(value == 1), "tie": float(value == 0.5), "loss": float(value == 0)}
    score = {"value": value, "extra": {**share, "consistent": 1.0, "len_model": float(len_model),
                                       "len_baseline": float(len_baseline)}}
    if value is None:
        score = {"value": None, "error": "judge failed"}
    return {"task": task, "id": str(i), "answer_language": "en", "category": category,
            "scores": {"pairwise_pairwise": score}}


def test_summary_rows_carry_the_length_controlled_win_rate() -> None:
    """A judge that looks only at length, and a model that answers longer four times in five: the
    raw win rate is high, the length-controlled one about even, and the length weight large."""
    rng = random.Random(7)
    records = []
    for i in range(400):
        longer = rng.random() < 0.8
        len_model = 600 + rng.randint(50, 400) if longer else 600 - rng.randint(50, 400)
        value = 1.0 if longer == (rng.random() < 0.9) else 0.0  # the longer answer wins 9 times in 10
        records.append(_record(i, value, len_model, 600, "a" if i % 2 else "b"))
    records.append(_record(400, None, 0, 600, "a"))
    rows = {(r["task"], r["category"]): r for r in pairwise_report(records)}
    whole = rows[("xinstruct_vicuna_en", "all")]
    assert whole["n"] == 400 and whole["n_failed"] == 1
    assert whole["win_rate"] > 0.7
    assert whole["lc_win_rate"] == pytest.approx(0.5, abs=0.1)
    assert whole["lc_length_coef"] > 2
    assert 0 < whole["lc_win_rate_se"] < 0.1
    # fitted on the "all" rows only; the existing keys unchanged
    assert rows[("xinstruct_vicuna_en", "a")]["lc_win_rate"] is None
    assert {"win", "win_rate_ci_low", "win_only", "consistency"} <= set(whole)


def test_summary_length_control_with_no_length_effect_matches_the_raw_win_rate() -> None:
    rng = random.Random(3)
    records = [_record(i, 1.0 if rng.random() < 0.7 else 0.0, rng.randint(100, 1100), 600, "all-the-same")
               for i in range(300)]
    whole = next(r for r in pairwise_report(records) if r["category"] == "all")
    assert whole["lc_win_rate"] == pytest.approx(whole["win_rate"], abs=0.05)
    assert abs(whole["lc_length_coef"]) < 0.5


@pytest.mark.parametrize(("values", "why"), [
    ([1.0, 0.0] * 4, "fewer than 10 judged samples"),
    ([1.0] * 30, "one class only: every sample a win"),
    ([0.0] * 30, "one class only: every sample a loss"),
])
def test_summary_length_control_not_fitted(values: list[float], why: str) -> None:
    records = [_record(i, v, 100 + 10 * i, 200, "c") for i, v in enumerate(values)]
    whole = next(r for r in pairwise_report(records) if r["category"] == "all")
    assert (whole["lc_win_rate"], whole["lc_win_rate_se"], whole["lc_length_coef"]) == (None, None, None), why


def test_the_leaderboard_and_the_report_show_it_beside_the_raw_win_rate(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    from xeval.results.leaderboard import write_leaderboard
    from xeval.results.report import Run, build_report
    from xeval.results.summary import build_summary

    rng = random.Random(3)
    records = []
    for i in range(200):
        longer = rng.random() < 0.8
        value = 1.0 if longer == (rng.random() < 0.9) else 0.0
        record = _record(i, value, 800 if longer else 400, 600, "a")
        records.append({**record, "key": f"x::{i}::en", "input_language": "en", "template_language": "en"})
    meta = {"run_id": "r", "created": "2026-12-07T00:00:00+00:00", "model": {"spec": "m"},
            "tasks": {"xinstruct_vicuna_en": {"version": "1", "primary_metric": "pairwise_pairwise"}}}
    folder = tmp_path / "results" / "r"
    folder.mkdir(parents=True)
    summary = build_summary(meta, records, True)
    (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    whole = next(r for r in summary["pairwise"] if r["category"] == "all")
    _, table = write_leaderboard(tmp_path / "results")
    row = table.iloc[0]
    assert row["xinstruct_vicuna_en/pairwise_pairwise"] == whole["win_rate"]
    assert row["xinstruct_vicuna_en/pairwise_pairwise_lc_win_rate"] == whole["lc_win_rate"]
    html = build_report([Run(folder)])
    assert "length-controlled win rate" in html and f"{whole['lc_win_rate']:.3f}" in html
