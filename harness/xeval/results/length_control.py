"""AlpacaEval 2's length-controlled (LC) win rate, as ``alpaca_eval/metrics/glm_winrate.py``
(alpaca-eval 0.6.6) computes it.

The judge's preference for the model's answer (a probability in [0, 1]; 1 / 0.5 / 0 for a win,
a tie and a loss) is regressed, by a logistic GLM without intercept, on

* ``tanh`` of the length difference standardised by its standard deviation (not centred),
* the instruction's difficulty, when a per-instruction difficulty is given (``noreg`` formula;
  without it, the ``minimal`` formula),
* a constant "baseline" term (alpaca_eval's ``not_gamed_baseline``: 1 for every row here).

The fit is alpaca_eval's: soft labels by duplicating every row (label 1 weighted by the
preference, label 0 by one minus it), L1-penalised liblinear logistic regression without
intercept, ``C`` chosen among ``logspace(-4, 4, 10)`` by 5-fold ``GroupKFold`` cross-validation
(a row's two copies in the same fold) on the continuous log loss, then refitted on all rows,
``random_state`` 123. The LC win rate is the mean over instructions of the predicted preference
with the length difference set to zero, x 100.

scikit-learn is needed (``pip install xeval[lc]``); it is imported when a fit is made.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# alpaca_eval's GLM_INFO formulas that need no hub file (``length_controlled_v1`` also needs the
# gamed models' annotations, df_gamed.csv, to regularise towards; see README)
FORMULAS = ("minimal", "noreg")
CS = tuple(float(c) for c in np.logspace(-4, 4, 10))  # LogisticRegressionCV's default grid (Cs=10)
N_SPLITS = 5
RANDOM_STATE = 123
MIN_SAMPLES = 10


@dataclass(frozen=True)
class LengthSample:
    """One judged pair: the judge's preference for the model's answer in [0, 1] (None when the
    judgment failed: left out of the fit, still counted in the length scale and the prediction,
    as alpaca_eval does), the two answers' lengths, and the instruction's id (the key into a
    difficulty table)."""

    preference: float | None
    len_model: float
    len_baseline: float
    instruction: Any = None


@dataclass(frozen=True)
class LengthControlled:
    """A fitted LC win rate.

    ``win_rate``: the predicted preference at zero length difference averaged over the
    instructions, x 100 (alpaca_eval's ``length_controlled_winrate``).
    ``standard_error``: alpaca_eval's ``lc_standard_error``, the standard error of the mean of the
    per-instruction predictions x 100; it measures the spread of difficulty only, and is 0 for
    the ``minimal`` formula, whose prediction is the same for every instruction.
    ``sampling_se``: the standard error of ``win_rate`` from the fit (delta method on the
    sandwich covariance of the coefficients, x 100); None when the covariance is singular.
    ``length_coef``: the weight of ``tanh((len_model - len_baseline) / sd)``: positive when the
    judge prefers the longer answer (alpaca_eval's own weight has the opposite sign, its
    difference being baseline minus model).
    ``weights``: every fitted weight, named as alpaca_eval's patsy columns.
    """

    win_rate: float
    standard_error: float
    sampling_se: float | None
    length_coef: float
    formula: str
    n: int
    c: float
    weights: dict[str, float] = field(default_factory=dict)


def length_controlled_win_rate(samples: Sequence[LengthSample], difficulty: dict[Any, float] | None = None,
                               formula: str | None = None) -> LengthControlled:
    """Fit the GLM on ``samples`` and predict the win rate at zero length difference.

    ``formula``: ``minimal`` (length and baseline terms) or ``noreg`` (plus the instruction's
    difficulty, read from ``difficulty`` by each sample's ``instruction``); by default ``noreg``
    when ``difficulty`` is given, else ``minimal``. Raises ValueError when the fit is impossible:
    fewer than ``N_SPLITS`` judged samples, or a preference outside [0, 1]."""
    formula = formula or ("noreg" if difficulty is not None else "minimal")
    if formula not in FORMULAS:
        raise ValueError(f"unknown formula {formula!r}: use one of {', '.join(FORMULAS)}")
    if formula == "noreg" and difficulty is None:
        raise ValueError("the noreg formula needs a per-instruction difficulty")
    delta = np.array([s.len_baseline - s.len_model for s in samples], dtype=float)
    scale = float(np.std(delta, ddof=1)) if len(delta) > 1 else 0.0
    if not math.isfinite(scale) or scale == 0.0:
        scale = 1.0  # no spread to standardise by (alpaca_eval would divide by zero)
    columns = ["np.tanh(std_delta_len)"]
    features = [np.tanh(delta / scale)]
    if formula == "noreg":
        assert difficulty is not None
        missing = sorted({str(s.instruction) for s in samples if s.instruction not in difficulty})
        if missing:
            raise ValueError(f"no difficulty for instruction(s) {', '.join(missing[:5])}")
        columns.append("instruction_difficulty")
        features.append(np.array([float(difficulty[s.instruction]) for s in samples]))
    columns.append("not_gamed_baseline.astype(float)")
    features.append(np.ones(len(samples)))
    x_all = np.column_stack(features)
    judged = np.array([s.preference is not None for s in samples], dtype=bool)
    y = np.array([s.preference for s in samples if s.preference is not None], dtype=float)
    if len(y) < N_SPLITS:
        raise ValueError(f"{len(y)} judged samples: at least {N_SPLITS} are needed for {N_SPLITS}-fold fitting")
    if ((y < 0) | (y > 1) | ~np.isfinite(y)).any():
        raise ValueError("a preference outside [0, 1]")
    coef, c = _fit(x_all[judged], y)
    x_test = x_all.copy()
    x_test[:, 0] = 0.0  # tanh(0): no length difference
    predicted = _logistic(x_test @ coef)
    se = float(np.std(predicted, ddof=1) / math.sqrt(len(predicted))) if len(predicted) > 1 else float("nan")
    return LengthControlled(
        win_rate=float(predicted.mean() * 100), standard_error=se * 100,
        sampling_se=_sampling_se(x_all[judged], y, coef, x_test), length_coef=-float(coef[0]),
        formula=formula, n=int(len(y)), c=c, weights=dict(zip(columns, (float(w) for w in coef), strict=True)))


def _logistic(x: np.ndarray) -> np.ndarray:
    return np.exp(-np.logaddexp(0, -x))


def _fit(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """alpaca_eval's ``fit_LogisticRegressionCV(..., is_ytrue_proba=True, n_splits=5)``, written
    as ``LogisticRegressionCV``'s own loop: the same duplicated data, folds, grid, scorer and refit,
    and the same liblinear seeds (one ``RandomState(123)`` per fold, drawn once per ``C`` in grid
    order, as its regularisation path does; a fresh one for the refit)."""
    from sklearn.model_selection import GroupKFold

    n = len(y)
    x_dup = np.concatenate([x, x])
    y_dup = np.concatenate([np.ones(n), np.zeros(n)])
    prob = np.concatenate([y, 1 - y])  # the probability of each copy's label: its sample weight
    groups = np.concatenate([np.arange(n), np.arange(n)])
    scores = np.zeros(len(CS))
    for train, test in GroupKFold(n_splits=N_SPLITS).split(x_dup, y_dup, groups):
        target = np.where(y_dup[test] == 1, prob[test], 1 - prob[test])
        seeds = np.random.RandomState(RANDOM_STATE)
        for k, c in enumerate(CS):
            model = _model(c, seeds).fit(x_dup[train], y_dup[train], sample_weight=prob[train])
            predicted = np.clip(model.predict_proba(x_dup[test])[:, 1], 1e-15, 1 - 1e-15)
            # the scorer: minus the continuous log loss (LogisticRegressionCV sums it over the folds)
            scores[k] += np.mean(target * np.log(predicted) + (1 - target) * np.log(1 - predicted))
    best = CS[int(np.argmax(scores))]
    model = _model(best, np.random.RandomState(RANDOM_STATE)).fit(x_dup, y_dup, sample_weight=prob)
    return np.asarray(model.coef_[0], dtype=float), best


def _model(c: float, seeds: np.random.RandomState) -> Any:
    """An L1 liblinear logistic regression without intercept, as alpaca_eval configures it
    (``penalty="l1"`` is ``l1_ratio=1`` from scikit-learn 1.8 on)."""
    import inspect

    from sklearn.linear_model import LogisticRegression

    kwargs: dict[str, Any] = {"C": c, "solver": "liblinear", "fit_intercept": False, "dual": False,
                              "random_state": seeds}
    parameters = inspect.signature(LogisticRegression).parameters
    if "l1_ratio" in parameters and parameters["penalty"].default == "deprecated":
        kwargs["l1_ratio"] = 1.0
    else:
        kwargs["penalty"] = "l1"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return LogisticRegression(**kwargs)


def _sampling_se(x: np.ndarray, y: np.ndarray, coef: np.ndarray, x_test: np.ndarray) -> float | None:
    """Delta-method standard error of the mean predicted preference, from the sandwich
    (heteroskedasticity-robust) covariance of the coefficients, the penalty set aside."""
    p = _logistic(x @ coef)
    bread = (x * (p * (1 - p))[:, None]).T @ x
    residual = (y - p)[:, None] * x
    meat = residual.T @ residual
    try:
        inverse = np.linalg.inv(bread)
    except np.linalg.LinAlgError:
        return None
    if not np.isfinite(inverse).all() or np.linalg.cond(bread) > 1e12:
        return None
    covariance = inverse @ meat @ inverse
    q = _logistic(x_test @ coef)
    gradient = ((q * (1 - q))[:, None] * x_test).mean(axis=0)
    variance = float(gradient @ covariance @ gradient)
    return math.sqrt(variance) * 100 if variance >= 0 and math.isfinite(variance) else None
