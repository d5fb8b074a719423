"""Parse judge replies: JSON aspect scores (tolerant of prose, code fences, Korean text
around the object, single quotes, trailing commas) or MT-Bench ``[[rating]]`` tags.

A reply that cannot be read raises :class:`UnparseableReply` with the reason; a value is
never guessed, clamped or defaulted.
"""

from __future__ import annotations

import json
import re
from typing import Any

from xeval.scoring.judges.rubric import Rubric

_NUMBER = r"(-?\d+(?:\.\d+)?)"
_RATING = re.compile(r"\[\[\s*" + _NUMBER + r"\s*\]\]")
_RATING_LOOSE = re.compile(r"(?:rating|score|점수)\s*[:：=]\s*\[?\s*" + _NUMBER, re.IGNORECASE)


class UnparseableReply(ValueError):
    """The judge's reply could not be read; the message says why."""


def normalise_key(key: str) -> str:
    return re.sub(r"[\s\-]+", "_", key.strip().lower())


def _objects(text: str) -> list[str]:
    """Every balanced {...} span, outermost first, respecting quoted strings."""
    spans, depth, start, quote, escape = [], 0, -1, "", False
    for i, ch in enumerate(text):
        if quote:
            if escape:
                escape = False
            elif ch == "\\":
                escape = True
            elif ch == quote:
                quote = ""
            continue
        if ch == '"' and depth:
            quote = ch
        elif ch == "{":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "}" and depth:
            depth -= 1
            if depth == 0:
                spans.append(text[start:i + 1])
    return spans


def _load_object(span: str) -> dict[str, Any] | None:
    for candidate in (span, re.sub(r",\s*([}\]])", r"\1", span.replace("'", '"'))):
        try:
            value = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return None


def _number(value: Any, aspect: str) -> float:
    if isinstance(value, bool):
        raise UnparseableReply(f"aspect {aspect!r} is not a number: {value!r}")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        match = re.fullmatch(r"\s*" + _NUMBER + r"\s*(?:/\s*\d+|stars?|점)?\s*", value)
        if match:
            return float(match.group(1))
    if isinstance(value, dict):
        for key in ("score", "stars", "rating", "value"):
            if key in value:
                return _number(value[key], aspect)
    raise UnparseableReply(f"aspect {aspect!r} is not a number: {value!r}")


def parse_json_scores(text: str, aspects: list[str]) -> dict[str, float]:
    wanted = {normalise_key(a): a for a in aspects}
    for span in _objects(text):
        obj = _load_object(span)
        if obj is None:
            continue
        found = {wanted[normalise_key(k)]: v for k, v in obj.items() if normalise_key(k) in wanted}
        if not found:
            continue
        missing = [a for a in aspects if a not in found]
        if missing:
            raise UnparseableReply(f"missing aspects: {', '.join(missing)}")
        return {a: _number(found[a], a) for a in aspects}
    # No readable object: "language": 3 pairs in prose or broken JSON
    found_loose: dict[str, float] = {}
    for aspect in aspects:
        pattern = r"[\"']?" + re.escape(aspect).replace("_", "[ _-]") + r"[\"']?\s*[:=]\s*[\"']?" + _NUMBER
        match = re.search(pattern, text, re.IGNORECASE)
        if match:
            found_loose[aspect] = float(match.group(1))
    if not found_loose:
        raise UnparseableReply("no JSON object with the rubric's aspects in the reply")
    missing = [a for a in aspects if a not in found_loose]
    if missing:
        raise UnparseableReply(f"missing aspects: {', '.join(missing)}")
    return found_loose


def parse_rating(text: str) -> float:
    tags = _RATING.findall(text)
    if tags:
        return float(tags[-1])
    loose = _RATING_LOOSE.findall(text)
    if loose:
        return float(loose[-1])
    raise UnparseableReply("no rating in the reply (expected 'Rating: [[N]]')")


def parse_reply(rubric: Rubric, text: str) -> dict[str, float]:
    """Aspect -> score, checked against the rubric's scale."""
    if not text or not text.strip():
        raise UnparseableReply("empty reply")
    if rubric.output == "rating_tag":
        scores = {rubric.aspects[0]: parse_rating(text)}
    else:
        scores = parse_json_scores(text, rubric.aspects)
    low, high = rubric.scale.min, rubric.scale.max
    bad = {a: v for a, v in scores.items() if not low <= v <= high}
    if bad:
        shown = ", ".join(f"{a}={v:g}" for a, v in bad.items())
        raise UnparseableReply(f"out of range {low}-{high}: {shown}")
    return scores
