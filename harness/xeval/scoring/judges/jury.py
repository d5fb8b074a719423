"""Juries: several judges on every judged sample (``--judge A --judge B`` or ``--judge A,B``).

Each judge scorer of a run with a jury is one scorer per judge, wrapped in a :class:`JuryScorer`
that records every judge's verdict on the sample (``details.jury``, by label ``j1``, ``j2``, ...)
and combines them: the **mean** of the judges' values for an absolute rubric (its extras, e.g.
each facet, averaged alike), the **majority** outcome for a pairwise rubric (win / tie / loss; no
majority is a tie). The rule for failures: **a judge failing on a sample fails that judge's
verdict, not the jury's** — the jury's value is combined from the judges that judged it (their
labels in ``details.judged``); only a sample no judge could judge is a failed judgment. Each judge's
own metric (``<scorer>@j1``) is summarised beside the jury's, and the agreement between the judges
(Cohen's kappa for two, Fleiss' kappa for more) in summary.json's ``jury`` rows.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from xeval.models.base import Abilities, abilities_of
from xeval.types import Completion, GenerationRequest, MetricFacts, Prediction, Sample, Score, Usage

JURY_SEPARATOR = ","
OUTCOMES = ("win", "tie", "loss")


def jury_specs(spec: str) -> list[str]:
    """The judges of a ``--judge`` value: one spec, or a comma list (a jury)."""
    return [s.strip() for s in spec.split(JURY_SEPARATOR)]


def label(index: int) -> str:
    return f"j{index + 1}"


class CountingJudge:
    """A judge adapter that adds up the tokens its replies used (each judge's token use)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self._lock = threading.Lock()
        self.calls = self.prompt_tokens = self.completion_tokens = 0

    @property
    def spec(self) -> str:
        return str(self.inner.spec)

    def fingerprint(self) -> dict[str, Any]:
        return dict(self.inner.fingerprint())

    def generate(self, requests: list[GenerationRequest]) -> list[Completion]:
        replies = self.inner.generate(requests)
        with self._lock:
            self.calls += len(requests)
            for reply in replies:
                usage = reply.usage or Usage()
                self.prompt_tokens += usage.prompt_tokens or 0
                self.completion_tokens += usage.completion_tokens or 0
        return list(replies)

    def usage(self) -> dict[str, int]:
        return {"calls": self.calls, "prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens}

    def __getattr__(self, name: str) -> Any:  # abilities, loglikelihood, next_token_logprobs, close
        return getattr(self.inner, name)


class Jury:
    """The judges of a run, each under its label; recorded in run.json's ``judge`` as one spec
    (the comma list) with every judge's fingerprint and, at the end, token use."""

    def __init__(self, judges: list[Any]) -> None:
        self.judges = [CountingJudge(j) for j in judges]
        self.labels = [label(i) for i in range(len(judges))]

    @property
    def spec(self) -> str:
        return JURY_SEPARATOR.join(j.spec for j in self.judges)

    def fingerprint(self) -> dict[str, Any]:
        return {"jury": [{"label": name, "spec": j.spec, **j.fingerprint()}
                         for name, j in zip(self.labels, self.judges, strict=True)]}

    @property
    def abilities(self) -> Abilities:
        """What every judge of the jury can do (remote only when all of them are)."""
        each = [abilities_of(j) for j in self.judges]
        return replace(each[0], remote=all(a.remote for a in each),
                       elsewhere=all(a.remote or a.elsewhere for a in each),
                       next_token_logprobs=all(a.next_token_logprobs for a in each))

    def members(self) -> dict[str, str]:
        return {name: j.spec for name, j in zip(self.labels, self.judges, strict=True)}

    def usage(self) -> dict[str, dict[str, int]]:
        return {name: j.usage() for name, j in zip(self.labels, self.judges, strict=True)}


class JuryScorer:
    """One judge scorer per judge, combined (module docstring)."""

    def __init__(self, members: list[tuple[str, Any]]) -> None:
        self.members = members
        first = members[0][1]
        self.name = first.name
        self.pairwise = self.name.startswith("pairwise_")
        how = ("the majority outcome of the judges (no majority: a tie)" if self.pairwise
               else "the mean of the judges' values")
        self.facts: dict[str, MetricFacts] = {}
        for key, facts in (getattr(first, "facts", None) or {}).items():
            self.facts[key] = facts.model_copy(update={"about": f"{facts.about} — a jury of {len(members)}: {how}"}
                                               if key == self.name else {})
        for name, _ in members:
            own = (getattr(first, "facts", None) or {}).get(self.name, MetricFacts())
            self.facts[f"{self.name}@{name}"] = own.model_copy(update={"about": f"judge {name} alone"})

    def score(self, samples: list[Sample], predictions: list[Prediction]) -> list[Score]:
        with ThreadPoolExecutor(max_workers=len(self.members)) as pool:  # judges behind APIs wait side by side
            results = list(pool.map(lambda member: member[1].score(samples, predictions), self.members))
        return [self._combine([(name, scores[i]) for (name, _), scores in zip(self.members, results, strict=True)])
                for i in range(len(samples))]

    def _combine(self, verdicts: list[tuple[str, Score]]) -> Score:
        jury = {name: {"value": s.value, "extra": s.extra, **({"error": s.error} if s.error else {}),
                       **({"outcome": s.details.get("outcome")} if self.pairwise and s.value is not None else {})}
                for name, s in verdicts}
        judged = [(name, s) for name, s in verdicts if s.value is not None]
        details: dict[str, Any] = {"jury": jury, "judged": [name for name, _ in judged],
                                   "combine": "majority" if self.pairwise else "mean"}
        if not judged:
            reasons = "; ".join(f"{name}: {s.error or 'failed'}" for name, s in verdicts)
            return Score(scorer=self.name, error=f"every judge failed ({reasons})"[:2000], details=details)
        if self.pairwise:
            return self._majority(judged, details)
        keys = set.intersection(*(set(s.extra) for _, s in judged))
        extra = {k: _mean([s.extra[k] for _, s in judged]) for k in sorted(keys)}
        value = _mean([float(s.value) for _, s in judged if s.value is not None])
        return Score(scorer=self.name, value=value, extra=extra, details=details)

    def _majority(self, judged: list[tuple[str, Score]], details: dict[str, Any]) -> Score:
        outcomes = [str(s.details.get("outcome") or _outcome(s)) for _, s in judged]
        counts = {o: outcomes.count(o) for o in OUTCOMES}
        top = max(counts.values())
        leaders = [o for o in OUTCOMES if counts[o] == top]
        outcome = leaders[0] if len(leaders) == 1 and top * 2 > len(outcomes) else "tie"
        shares = {o: float(o == outcome) for o in OUTCOMES}
        first = judged[0][1]
        extra: dict[str, float] = dict(shares)
        extra["consistent"] = _mean([float(s.extra.get("consistent") or 0.0) for _, s in judged])
        extra.update({k: first.extra[k] for k in ("len_model", "len_baseline") if k in first.extra})
        by_judge: dict[str, str] = {name: o for (name, _), o in zip(judged, outcomes, strict=True)}
        return Score(scorer=self.name, value=shares["win"] + shares["tie"] / 2, extra=extra,
                     details={**details, "outcome": outcome, "outcomes": by_judge})


def _outcome(score: Score) -> str:
    value = float(score.value or 0.0)
    return "win" if value > 0.5 else "loss" if value < 0.5 else "tie"


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)
