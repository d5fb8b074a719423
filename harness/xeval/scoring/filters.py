"""lm-evaluation-harness's answer filters (``filter_list``), natively, with lm-eval's semantics.

A task's ``filter_list`` names pipelines; each takes every sample's answers (one per repeat)
through its steps in order and hands the result to the task's metrics, which are then
reported as ``<metric>,<pipeline>`` (lm-eval's ``exact_match,strict-match``). The steps match
lm-eval's classes of the same name (``lm_eval/filters``), down to their fallbacks; the test
suite runs both on one fixture. lm-eval itself is not needed.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from xeval.errors import ConfigError

Answers = Any  # per sample: a list of answers, or one answer after take_first
Step = Callable[[list[Answers], list[dict[str, Any]]], list[Answers]]


def _regex_select(regex: re.Pattern[str], group_select: int, fallback: str) -> Callable[[Any], str]:
    def select(resp: Any) -> str:
        if not isinstance(resp, str):
            resp = ""
        match = regex.findall(resp)
        if not match:
            return fallback
        found = match[group_select]
        if isinstance(found, tuple):
            found = next((m for m in found if m), fallback)
        return str(found).strip()
    return select


def regex(regex_pattern: str = r"#### (\-?[0-9\.\,]+)", group_select: int = 0,
          fallback: str = "[invalid]") -> Step:
    select = _regex_select(re.compile(regex_pattern), group_select, fallback)
    return lambda resps, docs: [[select(r) for r in inst] for inst in resps]


def remove_whitespace() -> Step:
    return lambda resps, docs: [[r.strip() for r in inst] for inst in resps]


def lowercase() -> Step:
    return lambda resps, docs: [[r.lower() for r in inst] for inst in resps]


def uppercase() -> Step:
    return lambda resps, docs: [[r.upper() for r in inst] for inst in resps]


def take_first() -> Step:
    return lambda resps, docs: [inst[0] for inst in resps]


def take_first_k(k: int) -> Step:
    def apply(resps: list[Answers], docs: list[dict[str, Any]]) -> list[Answers]:
        if resps and len(resps[0]) < k:
            raise ConfigError(f"filter take_first_k: k={k} needs at least {k} answers per sample "
                              f"(repeats), got {len(resps[0])}")
        return [inst[:k] for inst in resps]
    return apply


def majority_vote() -> Step:
    return lambda resps, docs: [[Counter(inst).most_common(1)[0][0]] for inst in resps]


def map_values(mapping_dict: dict[str, Any] | None = None, default_value: Any = None) -> Step:
    table = dict(mapping_dict or {})
    return lambda resps, docs: [[table.get(r, default_value) for r in inst] for inst in resps]


@lru_cache(maxsize=1)
def _punctuation() -> dict[int, None]:
    return dict.fromkeys(i for i in range(sys.maxunicode) if unicodedata.category(chr(i)).startswith("P"))


def multi_choice_regex(regex_pattern: str = r"#### (\-?[0-9\.\,]+)", group_select: int = 0,
                       fallback: str = "[invalid]", ignore_case: bool = False, ignore_punctuation: bool = False,
                       regexes_to_ignore: list[str] | None = None) -> Step:
    """The answer as ``(A)``, ``(B)``...: the pattern, else a choice's text in the reply, else
    ``: B``. Each document needs a ``choices`` field (lm-eval's convention)."""
    primary = re.compile(regex_pattern)

    def find(pattern: re.Pattern[str], resp: Any, convert: dict[str, str]) -> str:
        if not isinstance(resp, str):
            resp = ""
        match = pattern.findall(resp)
        if not match:
            return ""
        found = match[group_select]
        if isinstance(found, tuple):
            found = next((m for m in found if m), "")
            if not found:
                return ""
        found = str(found).strip()
        return convert.get(found, found) if found else found

    def ignore(text: str) -> str:
        for pattern in regexes_to_ignore or []:
            text = re.sub(pattern, "", text)
        if ignore_case:
            text = text.lower()
        if ignore_punctuation:
            text = text.translate(_punctuation())
        return text

    def apply(resps: list[Answers], docs: list[dict[str, Any]]) -> list[Answers]:
        out = []
        for inst, doc in zip(resps, docs, strict=True):
            if "choices" not in doc:
                raise ConfigError("filter multi_choice_regex needs a 'choices' field in every document")
            to_letter: dict[str, str] = {}
            letters: list[str] = []
            texts: list[str] = []
            for i, choice in enumerate(doc["choices"]):
                letter = chr(ord("A") + i)
                text = ignore(str(choice).strip())
                texts.append(re.escape(text))
                to_letter[text] = f"({letter})"
                letters.append(letter)
            by_text = re.compile("|".join(sorted(texts, key=len, reverse=True)))
            by_letter = re.compile(rf":[\s]*({'|'.join(letters)})")
            letter_to_target = {letter: f"({letter})" for letter in letters}
            filtered = []
            for resp in inst:
                found = (find(primary, resp, {}) or find(by_text, ignore(resp if isinstance(resp, str) else ""),
                                                         to_letter)
                         or find(by_letter, resp, letter_to_target))
                filtered.append(found or fallback)
            out.append(filtered)
        return out
    return apply


FILTERS: dict[str, Callable[..., Step]] = {
    "regex": regex,
    "remove_whitespace": remove_whitespace,
    "lowercase": lowercase,
    "uppercase": uppercase,
    "take_first": take_first,
    "take_first_k": take_first_k,
    "majority_vote": majority_vote,
    "map": map_values,
    "multi_choice_regex": multi_choice_regex,
}


@dataclass(frozen=True)
class FilterPipeline:
    """One named entry of ``filter_list``."""

    name: str
    steps: tuple[Step, ...]

    def apply(self, answers: list[list[str]], docs: list[dict[str, Any]]) -> list[list[str]]:
        """Every sample's answers through the steps; each sample ends as a list of answers
        (one, after take_first or majority_vote)."""
        result: list[Answers] = [list(a) for a in answers]
        for step in self.steps:
            result = list(step(result, docs))
        return [[str(r) for r in out] if isinstance(out, list) else [str(out)] for out in result]


def parse_filter_list(raw: list[Any], where: str) -> list[FilterPipeline]:
    """``filter_list`` as lm-eval reads it: ``[{name, filter: [{function, **kwargs}]}]``."""
    pipelines = []
    for number, entry in enumerate(raw, 1):
        if not isinstance(entry, dict) or "name" not in entry or not isinstance(entry.get("filter"), list):
            raise ConfigError(f"{where}: filter_list entry {number} needs 'name' and a 'filter' list")
        steps = []
        for step in entry["filter"]:
            function = step.get("function") if isinstance(step, dict) else None
            if function not in FILTERS:
                known = ", ".join(sorted(FILTERS))
                raise ConfigError(f"{where}: filter_list '{entry['name']}': unknown filter function "
                                  f"{function!r} (xeval implements {known})")
            kwargs = {k: v for k, v in step.items() if k != "function"}
            try:
                steps.append(FILTERS[function](**kwargs))
            except (TypeError, re.error) as exc:
                raise ConfigError(f"{where}: filter_list '{entry['name']}': {function}: {exc}") from None
        pipelines.append(FilterPipeline(str(entry["name"]), tuple(steps)))
    names = [p.name for p in pipelines]
    if len(set(names)) != len(names):
        raise ConfigError(f"{where}: filter_list names must differ: {names}")
    return pipelines
