"""A record's metric values: its scorers' values and extras, and the derived ones."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

AGREEMENT_METRIC = "language_judge_agreement"


def metric_values(record: dict[str, Any]) -> Iterator[tuple[str, float]]:
    """(metric name, value) of every scored metric of a record, plus derived ones."""
    scores = record.get("scores", {})
    for name, score in scores.items():
        if score.get("value") is not None:
            yield name, float(score["value"])
        for key, value in (score.get("extra") or {}).items():
            if score.get("value") is not None and value is not None:
                yield f"{name}_{key}", float(value)
        jury = (score.get("details") or {}).get("jury")
        if isinstance(jury, dict):  # a jury's judges, each on its own (scoring/judges/jury.py)
            for member, verdict in jury.items():
                if isinstance(verdict, dict) and isinstance(verdict.get("value"), int | float):
                    yield f"{name}@{member}", float(verdict["value"])
    # Does the language-ID scorer agree with the judge's Language aspect (3 stars = right)?
    language = (scores.get("language") or {}).get("value")
    if language is not None:
        for name, score in scores.items():
            judged = (score.get("extra") or {}).get("language") if name.startswith("judge_") else None
            if judged is not None:
                yield AGREEMENT_METRIC, float((language == 1.0) == (judged >= 2.5))
                break


def metric_weight(record: dict[str, Any], metric: str) -> float:
    """A scorer's per-sample weight for its metric (``details.weight``: an instruction-level
    share counts once per instruction), else 1. Summaries and compare pool with it alike."""
    details = (record.get("scores", {}).get(metric) or {}).get("details") or {}
    weight = details.get("weight", 1)
    ok = isinstance(weight, int | float) and not isinstance(weight, bool) and math.isfinite(weight) and weight > 0
    return float(weight) if ok else 1.0
