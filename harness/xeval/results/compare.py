"""Compare a run with a baseline run: paired tests per task x language x template x metric.

Samples are paired by key (task, id, template). Accuracy-like 0/1 metrics use McNemar's exact
test on the discordant pairs; continuous ones a paired bootstrap of the mean difference. A
regression is flagged only when the drop is beyond the tolerance *and* significant at alpha.
Samples present in only one run are reported, never silently dropped.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from xeval.errors import XevalError
from xeval.results import GROUP_KEYS, SAMPLES_FILE, RunFolder, RunSpec, metric_values
from xeval.results.stats import weighted_mean
from xeval.results.values import metric_weight


@dataclass
class Row:
    task: str
    input_language: str
    template_language: str
    metric: str
    n: int
    run: float
    baseline: float
    diff: float
    p_value: float
    test: str
    ci_low: float | None = None
    ci_high: float | None = None
    regression: bool = False


@dataclass
class Comparison:
    rows: list[Row] = field(default_factory=list)
    only_in_run: dict[str, int] = field(default_factory=dict)
    only_in_baseline: dict[str, int] = field(default_factory=dict)

    @property
    def regressions(self) -> list[Row]:
        return [r for r in self.rows if r.regression]


def _load(run_dir: Path) -> tuple[RunSpec, dict[str, dict[str, Any]]]:
    folder = RunFolder(run_dir)
    if not folder.samples_file.exists():
        raise XevalError(f"{run_dir}: no {SAMPLES_FILE} (not an xeval run with records)")
    return folder.read_spec(), {r["key"]: r for r in folder.records()}


def mcnemar_p(run: list[float], base: list[float]) -> float:
    """Exact two-sided McNemar test (binomial on the discordant pairs)."""
    b = sum(1 for x, y in zip(run, base, strict=True) if x > y)
    c = sum(1 for x, y in zip(run, base, strict=True) if x < y)
    n = b + c
    if n == 0:
        return 1.0
    k = min(b, c)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n
    return min(1.0, 2 * tail)


Weights = tuple[list[float], list[float]]  # the run's and the baseline's per-sample weights


def paired_bootstrap(run: list[float], base: list[float], alpha: float, resamples: int = 4000,
                     seed: int = 0, weights: Weights | None = None) -> tuple[float, float, float]:
    """(p-value, CI low, CI high) of the paired difference of the means; with ``weights`` (the run's
    and the baseline's per-sample weights), of the weighted means, pairs resampled whole."""
    if weights is not None:
        ours, theirs = np.asarray(run), np.asarray(base)
        w_ours, w_theirs = np.asarray(weights[0]), np.asarray(weights[1])
        observed = float(weighted_mean(run, weights[0]) - weighted_mean(base, weights[1]))
        if np.all(ours == theirs) and np.all(w_ours == w_theirs):
            return 1.0, 0.0, 0.0
        index = np.random.default_rng(seed).integers(0, len(run), size=(resamples, len(run)))
        means = ((ours[index] * w_ours[index]).sum(axis=1) / w_ours[index].sum(axis=1)
                 - (theirs[index] * w_theirs[index]).sum(axis=1) / w_theirs[index].sum(axis=1))
        if np.all(means == observed):
            return (1.0 if observed == 0 else 0.0), observed, observed
        low, high = np.quantile(means, [alpha / 2, 1 - alpha / 2])
        p = 2 * min((means <= 0).mean(), (means >= 0).mean())
        return float(min(1.0, p)), float(low), float(high)
    diffs = np.asarray(run) - np.asarray(base)
    if np.all(diffs == diffs[0]):
        return (1.0 if diffs[0] == 0 else 0.0), float(diffs[0]), float(diffs[0])
    rng = np.random.default_rng(seed)
    means = diffs[rng.integers(0, len(diffs), size=(resamples, len(diffs)))].mean(axis=1)
    low, high = np.quantile(means, [alpha / 2, 1 - alpha / 2])
    p = 2 * min((means <= 0).mean(), (means >= 0).mean())
    return float(min(1.0, p)), float(low), float(high)


def compare_runs(run_dir: Path, baseline_dir: Path, tolerance: float = 0.0, alpha: float = 0.05,
                 allow_version_mismatch: bool = False) -> Comparison:
    if not (math.isfinite(tolerance) and tolerance >= 0):
        raise XevalError(f"--tolerance must be a finite number, 0 or more, got {tolerance}")
    if not (math.isfinite(alpha) and 0 < alpha < 1):
        raise XevalError(f"--alpha must be between 0 and 1 (exclusive), got {alpha}")
    run_spec, run = _load(run_dir)
    base_spec, base = _load(baseline_dir)
    for folder, records in ((run_dir, run), (baseline_dir, base)):
        if not records:  # a crashed nightly run must not pass its gate with "0 regressions"
            raise XevalError(f"{folder}: no records to compare (the run wrote no sample)")
    if not allow_version_mismatch:
        for task, meta in run_spec.tasks.items():
            other = base_spec.tasks.get(task)
            if other and other.version != meta.version:
                raise XevalError(f"task {task!r} is version {meta.version} in {run_dir} but "
                                 f"{other.version} in {baseline_dir}: pass --allow-version-mismatch")
    result = Comparison()
    for key in run.keys() - base.keys():
        result.only_in_run[run[key]["task"]] = result.only_in_run.get(run[key]["task"], 0) + 1
    for key in base.keys() - run.keys():
        result.only_in_baseline[base[key]["task"]] = result.only_in_baseline.get(base[key]["task"], 0) + 1
    # per group and metric: the paired values and each side's per-sample weight (an instruction-level
    # metric pools its samples by instruction count, as the summary does)
    pairs: dict[tuple[str, ...], tuple[list[float], list[float], list[float], list[float]]] = \
        defaultdict(lambda: ([], [], [], []))
    for key in sorted(run.keys() & base.keys()):
        ours, theirs = dict(metric_values(run[key])), dict(metric_values(base[key]))
        group = tuple(str(run[key][k]) for k in GROUP_KEYS)
        for metric in ours.keys() & theirs.keys():
            entry = pairs[(*group, metric)]
            entry[0].append(ours[metric])
            entry[1].append(theirs[metric])
            entry[2].append(metric_weight(run[key], metric))
            entry[3].append(metric_weight(base[key], metric))
    for (task, input_language, template_language, metric), (ours_v, base_v, ours_w, base_w) in sorted(pairs.items()):
        weighted = any(w != 1.0 for w in ours_w + base_w)
        binary = all(v in (0.0, 1.0) for v in ours_v + base_v)
        run_mean = weighted_mean(ours_v, ours_w if weighted else None)
        base_mean = weighted_mean(base_v, base_w if weighted else None)
        diff = float(run_mean - base_mean)
        if binary and not weighted:
            p, low, high, test = mcnemar_p(ours_v, base_v), None, None, "McNemar"
        else:
            p, low, high = paired_bootstrap(ours_v, base_v, alpha, weights=(ours_w, base_w) if weighted else None)
            test = "weighted paired bootstrap" if weighted else "paired bootstrap"
        facts = run_spec.facts(task, metric)
        worse = -diff if facts.higher_is_better else diff
        regression = not facts.descriptive and worse > tolerance and p < alpha
        result.rows.append(Row(task, input_language, template_language, metric, len(ours_v),
                               float(run_mean), float(base_mean), diff, p, test, low, high, regression))
    return result


def comparison_markdown(comparison: Comparison, run_dir: Path, baseline_dir: Path, tolerance: float,
                        alpha: float) -> str:
    lines = [f"## xeval compare: `{run_dir.name}` vs baseline `{baseline_dir.name}`", "",
             f"{len(comparison.regressions)} regression(s) (drop > {tolerance:g} and p < {alpha:g}).", "",
             "| task | input | template | metric | n | run | baseline | diff | 95% CI | p | test | |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in comparison.rows:
        ci = f"[{r.ci_low:+.3f}, {r.ci_high:+.3f}]" if r.ci_low is not None else ""
        flag = "**REGRESSION**" if r.regression else ""
        lines.append(f"| {r.task} | {r.input_language} | {r.template_language} | {r.metric} | {r.n} | "
                     f"{r.run:.3f} | {r.baseline:.3f} | {r.diff:+.3f} | {ci} | {r.p_value:.3g} | {r.test} | {flag} |")
    unpaired = (("only in the run", comparison.only_in_run), ("only in the baseline", comparison.only_in_baseline))
    for label, counts in unpaired:
        if counts:
            listed = ", ".join(f"{t}: {n}" for t, n in sorted(counts.items()))
            lines += ["", f"Samples {label} (not compared): {listed}"]
    return "\n".join(lines) + "\n"
