"""compare's statistics against scipy on fixtures; the summary's bootstrap CI; the cluster
matrix and summary aggregation on hand-written records with known values."""

from __future__ import annotations

import numpy as np
import pytest
from xeval.results import aggregate
from xeval.results.compare import mcnemar_p, paired_bootstrap
from xeval.results.matrix import cluster_matrix
from xeval.results.stats import bootstrap_ci

scipy_stats = pytest.importorskip("scipy.stats")

RNG = np.random.default_rng(7)
RUN = (RNG.random(300) < 0.62).astype(float)
BASE = np.where(RNG.random(300) < 0.8, RUN, 1 - RUN)  # paired: 80 % of the items agree


@pytest.mark.parametrize("b, c", [(0, 0), (3, 0), (7, 2), (12, 20), (40, 41), (1, 30)])
def test_mcnemar_is_scipys_exact_binomial(b: int, c: int) -> None:
    run = [1.0] * b + [0.0] * c + [1.0] * 5 + [0.0] * 4
    base = [0.0] * b + [1.0] * c + [1.0] * 5 + [0.0] * 4
    expected = 1.0 if b + c == 0 else scipy_stats.binomtest(min(b, c), b + c, 0.5).pvalue
    assert mcnemar_p(run, base) == pytest.approx(expected, rel=1e-9)


def test_mcnemar_on_the_paired_fixture() -> None:
    b = int(((RUN == 1) & (BASE == 0)).sum())
    c = int(((RUN == 0) & (BASE == 1)).sum())
    assert mcnemar_p(list(RUN), list(BASE)) == pytest.approx(scipy_stats.binomtest(min(b, c), b + c).pvalue)


def test_paired_bootstrap_ci_agrees_with_scipys_percentile_bootstrap() -> None:
    scores_run = RNG.random(200)
    scores_base = scores_run - 0.05 + RNG.normal(0, 0.1, 200)
    p, low, high = paired_bootstrap(list(scores_run), list(scores_base), alpha=0.05, resamples=20000)
    theirs = scipy_stats.bootstrap((scores_run - scores_base,), np.mean, method="percentile", n_resamples=20000,
                                   confidence_level=0.95, random_state=1).confidence_interval
    assert low == pytest.approx(theirs.low, abs=0.004) and high == pytest.approx(theirs.high, abs=0.004)
    assert p < 0.001  # a real 0.05 difference on 200 items


def test_summary_bootstrap_ci_agrees_with_scipy() -> None:
    data = RNG.random(150)
    low, high = bootstrap_ci(list(data), resamples=20000)
    theirs = scipy_stats.bootstrap((data,), np.mean, method="percentile", n_resamples=20000,
                                   random_state=3).confidence_interval
    assert low == pytest.approx(theirs.low, abs=0.004) and high == pytest.approx(theirs.high, abs=0.004)
    assert bootstrap_ci([0.5]) == (0.5, 0.5)


def _record(task: str, sample: int, input_language: str, template_language: str, acc: float, norm: float,
            error: str | None = None) -> dict:
    score = {"value": None, "error": error} if error else {"value": acc, "extra": {"norm": norm}}
    return {"key": f"{task}::{sample}::{template_language}", "task": task, "id": str(sample),
            "input_language": input_language, "template_language": template_language, "scores": {"acc": score}}


def test_matrix_and_aggregate_on_known_records() -> None:
    tasks = {"nli_ko_tpl-ko": {"cluster": "nli", "primary_metric": "acc_norm"},
             "nli_ko_tpl-en": {"cluster": "nli", "primary_metric": "acc_norm"},
             "wsd_ko_tpl-ko": {"cluster": "wsd", "primary_metric": "acc"}}
    records = [_record("nli_ko_tpl-ko", i, "ko", "ko", acc=1.0, norm=float(i % 2)) for i in range(4)]
    records += [_record("nli_ko_tpl-en", i, "ko", "en", acc=0.0, norm=1.0) for i in range(2)]
    records += [_record("wsd_ko_tpl-ko", i, "ko", "ko", acc=float(i < 3), norm=0.0) for i in range(4)]
    records.append(_record("wsd_ko_tpl-ko", 9, "ko", "ko", 0, 0, error="no prediction: boom"))
    matrix = cluster_matrix({"tasks": tasks}, records)
    assert matrix["columns"] == [("ko", "en"), ("ko", "ko")]
    assert matrix["rows"]["nli"][("ko", "ko")]["value"] == 0.5  # acc_norm, not acc
    assert matrix["rows"]["nli"][("ko", "en")]["value"] == 1.0
    assert matrix["rows"]["wsd"][("ko", "ko")]["value"] == 0.75 and matrix["rows"]["wsd"][("ko", "ko")]["n"] == 4
    rows = {(r["task"], r["metric"]): r for r in aggregate(records)}
    assert rows[("wsd_ko_tpl-ko", "acc")]["value"] == 0.75
    assert rows[("wsd_ko_tpl-ko", "acc")]["n"] == 4 and rows[("wsd_ko_tpl-ko", "acc")]["n_failed"] == 1
    assert rows[("nli_ko_tpl-ko", "acc_norm")]["value"] == 0.5


def test_compare_reads_the_direction_from_the_declared_facts(tmp_path) -> None:
    import json

    from xeval.results.compare import compare_runs

    def write(name: str, values: list[float]) -> None:
        folder = tmp_path / name
        folder.mkdir()
        facts = {"err_rate": {"higher_is_better": False}, "length": {"descriptive": True}, "acc": {}}
        (folder / "run.json").write_text(json.dumps({"schema_version": 2, "run_id": name, "model": {"spec": name},
                                                     "tasks": {"t": {"metric_facts": facts}}}))
        lines = [json.dumps({"key": f"t::{i}::ko", "seq": i, "task": "t", "id": str(i), "model": name,
                             "input_language": "ko", "template_language": "ko", "answer_language": "ko",
                             "output_type": "generate_until",
                             "scores": {"err_rate": {"value": v}, "length": {"value": 10 * v},
                                        "acc": {"value": 1.0 - v}}}) for i, v in enumerate(values)]
        (folder / "samples.jsonl").write_text("\n".join(lines) + "\n")

    write("base", [0.0] * 40)
    write("run", [1.0] * 20 + [0.0] * 20)  # more errors, longer answers, lower accuracy
    rows = {r.metric: r for r in compare_runs(tmp_path / "run", tmp_path / "base").rows}
    assert rows["err_rate"].diff == 0.5 and rows["err_rate"].regression  # up is worse: declared
    assert rows["acc"].regression
    assert rows["length"].diff == 5.0 and not rows["length"].regression  # descriptive: never a regression
