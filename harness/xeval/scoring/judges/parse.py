"""Parse judge replies: JSON aspect scores (tolerant of prose, code fences, Korean text
around the object, single quotes, trailing commas), MT-Bench ``[[rating]]`` tags, or
``<aspect>N</aspect>`` tags.

One rule for every format: the judge's verdict is the **last** one in its reply (a judge that
quotes an answer's claimed scores, or reconsiders, ends with its own), and a score written as a
fraction counts only over the scale's maximum (``3/10`` on a 1-3 scale is unreadable, not 3).
A reply that cannot be read raises :class:`UnparseableReply` with the reason; a value is
never guessed, clamped or defaulted.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from xeval.scoring.judges.rubric import Rubric

_NUMBER = r"(-?\d+(?:\.\d+)?)"
_RATING = re.compile(r"\[\[\s*" + _NUMBER + r"\s*\]\]")
_RATING_LOOSE = re.compile(r"(?:rating|score|점수)\s*[:：=]\s*\[?\s*" + _NUMBER + r"(?:\s*/\s*(\d+(?:\.\d+)?))?",
                           re.IGNORECASE)


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


def _number(value: Any, aspect: str, top: float | None = None) -> float:
    """A score: a number, or text holding one (``3``, ``3 stars``, ``3/3`` where 3 is the
    scale's maximum ``top``); a fraction over anything else is unreadable."""
    if isinstance(value, bool):
        raise UnparseableReply(f"aspect {aspect!r} is not a number: {value!r}")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise UnparseableReply(f"aspect {aspect!r} is not a finite number: {value!r}")
        return float(value)
    if isinstance(value, str):
        match = re.fullmatch(r"\s*" + _NUMBER + r"\s*(?:/\s*(\d+(?:\.\d+)?)|stars?|점)?\s*", value)
        if match:
            _over(match.group(2), top, aspect, value)
            return float(match.group(1))
    if isinstance(value, dict):
        for key in ("score", "stars", "rating", "value"):
            if key in value:
                return _number(value[key], aspect, top)
    raise UnparseableReply(f"aspect {aspect!r} is not a number: {value!r}")


def _over(denominator: str | None, top: float | None, aspect: str, written: str) -> None:
    if denominator is not None and top is not None and float(denominator) != top:
        raise UnparseableReply(f"aspect {aspect!r} is {written.strip()!r}: a fraction over {denominator}, "
                               f"not over the scale's maximum {top:g}")


def parse_json_scores(text: str, aspects: list[str], top: float | None = None) -> dict[str, float]:
    """The last JSON object of the reply that names the rubric's aspects (its final verdict)."""
    wanted = {normalise_key(a): a for a in aspects}
    for span in reversed(_objects(text)):
        obj = _load_object(span)
        if obj is None:
            continue
        found = {wanted[normalise_key(k)]: v for k, v in obj.items() if normalise_key(k) in wanted}
        if not found:
            continue
        missing = [a for a in aspects if a not in found]
        if missing:
            raise UnparseableReply(f"missing aspects: {', '.join(missing)}")
        return {a: _number(found[a], a, top) for a in aspects}
    # No readable object: "language": 3 pairs in prose or broken JSON, the last of each
    found_loose: dict[str, float] = {}
    for aspect in aspects:
        pattern = (r"[\"']?" + re.escape(aspect).replace("_", "[ _-]") + r"[\"']?\s*[:=]\s*[\"']?" + _NUMBER
                   + r"(?:\s*/\s*(\d+(?:\.\d+)?))?")
        matches = list(re.finditer(pattern, text, re.IGNORECASE))
        if matches:
            _over(matches[-1].group(2), top, aspect, matches[-1].group(0))
            found_loose[aspect] = float(matches[-1].group(1))
    if not found_loose:
        raise UnparseableReply("no JSON object with the rubric's aspects in the reply")
    missing = [a for a in aspects if a not in found_loose]
    if missing:
        raise UnparseableReply(f"missing aspects: {', '.join(missing)}")
    return found_loose


def parse_rating(text: str, top: float | None = None) -> float:
    tags = _RATING.findall(text)
    if tags:
        return float(tags[-1])
    loose = list(_RATING_LOOSE.finditer(text))
    if loose:
        _over(loose[-1].group(2), top, "rating", loose[-1].group(0))
        return float(loose[-1].group(1))
    raise UnparseableReply("no rating in the reply (expected 'Rating: [[N]]')")


def parse_score_tags(text: str, aspects: list[str]) -> dict[str, float]:
    """``<score1>7</score1>``: each aspect's tag as X-Instruction's ``gpt4_eval.py`` searches it
    (``re.search('<score1>(.*?)</score1>', reply)``, no line breaks inside); as for every format
    here, the last tag of an aspect is the judge's verdict (its code takes the first, which only
    differs when a judge writes two). Where its code records -1 for a missing tag and truncates
    ``7.5`` to 7, a missing tag, a non-number or a non-integer is an unreadable reply here."""
    scores: dict[str, float] = {}
    for aspect in aspects:
        found = re.findall(f"<{re.escape(aspect)}>(.*?)</{re.escape(aspect)}>", text)
        if not found:
            raise UnparseableReply(f"no <{aspect}>...</{aspect}> in the reply")
        match = re.fullmatch(r"\s*" + _NUMBER + r"\s*", found[-1])
        if match is None:
            raise UnparseableReply(f"<{aspect}> holds {found[-1].strip()[:40]!r}, not a number")
        value = float(match.group(1))
        if not value.is_integer():
            raise UnparseableReply(f"<{aspect}> holds {value:g}: the rubric asks for an integer")
        scores[aspect] = value
    return scores


def parse_reply(rubric: Rubric, text: str) -> dict[str, float]:
    """Aspect -> score, checked against the rubric's scale."""
    if not text or not text.strip():
        raise UnparseableReply("empty reply")
    top = float(rubric.scale.max)
    if rubric.output == "rating_tag":
        scores = {rubric.aspects[0]: parse_rating(text, top)}
    elif rubric.output == "score_tags":
        scores = parse_score_tags(text, rubric.aspects)
    else:
        scores = parse_json_scores(text, rubric.aspects, top)
    low, high = rubric.scale.min, rubric.scale.max
    bad = {a: v for a, v in scores.items() if not low <= v <= high}
    if bad:
        shown = ", ".join(f"{a}={v:g}" for a, v in bad.items())
        raise UnparseableReply(f"out of range {low}-{high}: {shown}")
    return scores
