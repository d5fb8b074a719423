"""Agreement between judges: Cohen's kappa for two, Fleiss' kappa for more, on the categories each
judge gave the same samples, with a seeded percentile-bootstrap interval over the samples."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from xeval.results.stats import BOOTSTRAP_RESAMPLES


def cohen_kappa(first: Sequence[str], second: Sequence[str]) -> float | None:
    """Cohen's kappa of two raters over the same items (None where chance agreement is 1: one
    category only)."""
    n = len(first)
    if n == 0:
        return None
    observed = sum(a == b for a, b in zip(first, second, strict=True)) / n
    left, right = Counter(first), Counter(second)
    expected = sum(left[c] * right[c] for c in set(left) | set(right)) / (n * n)
    return None if expected >= 1.0 else (observed - expected) / (1.0 - expected)


def fleiss_kappa(ratings: Sequence[Sequence[str]]) -> float | None:
    """Fleiss' kappa: ``ratings[i]`` the categories the raters gave item i (the same number of
    raters for every item, at least two)."""
    if not ratings:
        return None
    raters = len(ratings[0])
    categories = sorted({c for item in ratings for c in item})
    counts = np.array([[item.count(c) for c in categories] for item in ratings], dtype=float)
    n = len(ratings)
    p_item = ((counts * (counts - 1)).sum(axis=1)) / (raters * (raters - 1))
    p_bar = float(p_item.mean())
    shares = counts.sum(axis=0) / (n * raters)
    p_e = float((shares ** 2).sum())
    return None if p_e >= 1.0 else (p_bar - p_e) / (1.0 - p_e)


def kappa(ratings: Sequence[Sequence[str]]) -> tuple[str, float | None]:
    """Cohen's kappa for two raters, Fleiss' for more: (method, value)."""
    if ratings and len(ratings[0]) == 2:
        return "cohen", cohen_kappa([r[0] for r in ratings], [r[1] for r in ratings])
    return "fleiss", fleiss_kappa(ratings)


def kappa_ci(ratings: Sequence[Sequence[str]], confidence: float = 0.95, resamples: int = BOOTSTRAP_RESAMPLES,
             seed: int = 0) -> tuple[float | None, float | None]:
    """Percentile-bootstrap interval of :func:`kappa`, items resampled whole (resamples where it is
    undefined are left out; None where fewer than two items)."""
    if len(ratings) < 2:
        return None, None
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(resamples):
        chosen = rng.integers(0, len(ratings), size=len(ratings))
        value = kappa([ratings[i] for i in chosen])[1]
        if value is not None:
            values.append(value)
    if not values:
        return None, None
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(values, [alpha, 1.0 - alpha])
    return float(low), float(high)
