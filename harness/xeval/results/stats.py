"""Statistics for summaries: means with percentile-bootstrap confidence intervals."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

BOOTSTRAP_RESAMPLES = 1000


def weighted_mean(values: Sequence[float], weights: Sequence[float] | None = None) -> float:
    if weights is None:
        return sum(values) / len(values)
    return sum(v * w for v, w in zip(values, weights, strict=True)) / sum(weights)


def bootstrap_ci(
    values: Sequence[float], confidence: float = 0.95, resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = 0, weights: Sequence[float] | None = None,
) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean (seeded, so summaries are reproducible). With
    ``weights`` (a sample's number of instructions), of the weighted mean, samples resampled whole."""
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        return (float("nan"), float("nan"))
    if data.size == 1 or np.all(data == data[0]):
        return (float(data[0]), float(data[0]))
    rng = np.random.default_rng(seed)
    index = rng.integers(0, data.size, size=(resamples, data.size))
    if weights is None:
        means = data[index].mean(axis=1)
    else:
        w = np.asarray(weights, dtype=float)
        means = (data[index] * w[index]).sum(axis=1) / w[index].sum(axis=1)
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(means, [alpha, 1.0 - alpha])
    return (float(low), float(high))
