"""Run records: per-sample JSONL appended as samples finish, and the summary JSON.

``samples.jsonl`` gets one line per finished sample, flushed at once, so an interrupted
run loses nothing it finished. ``summary.json`` is written atomically (temp file, fsync,
rename) and can always be rebuilt from the records.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from . import SCHEMA_VERSION, __version__
from .errors import XevalError
from .matrix import cluster_summary
from .stats import bootstrap_ci
from .types import Prediction, Sample, Score

SAMPLES_FILE = "samples.jsonl"
SUMMARY_FILE = "summary.json"
RUN_FILE = "run.json"  # the exact specs of the run, written when it starts
GROUP_KEYS = ("task", "input_language", "template_language")


def make_record(sample: Sample, prediction: Prediction, scores: list[Score], model: str) -> dict[str, Any]:
    return {
        "key": sample.key,
        "seq": sample.metadata.get("seq"),
        "task": sample.task,
        "id": sample.id,
        "model": model,
        "input_language": sample.input_language,
        "template_language": sample.template_language,
        "answer_language": sample.answer_language,
        "output_type": sample.output_type,
        "prompt": [m.model_dump() for m in sample.messages],
        "context": sample.context,
        "choices": sample.choices,
        "gold": sample.gold,
        "references": sample.references,
        "prediction": {
            "text": prediction.text,
            "choice_logprobs": prediction.choice_logprobs,
            "chosen": prediction.chosen,
            "extracted": prediction.extracted,
            "extraction": prediction.extraction,
            "reasoning": prediction.reasoning,
            "reasoning_unclosed": prediction.reasoning_unclosed,
            "usage": prediction.usage.model_dump(),
            **({"repeats": [{"text": r.text, "extracted": r.extracted, "reasoning": r.reasoning,
                             "error": r.error} for r in prediction.repeats]} if prediction.repeats else {}),
        },
        "error": prediction.error,
        "scores": {s.scorer: s.model_dump(exclude={"scorer"}) for s in scores},
    }


def read_json_file(path: Path, missing: str) -> Any:
    """A JSON file, or a one-line XevalError: ``missing`` when it is absent, else unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise XevalError(missing) from None
    except (OSError, ValueError) as exc:
        raise XevalError(f"{path}: unreadable ({exc})") from None


def write_json_atomic(path: Path, data: Any) -> None:
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=2, sort_keys=False)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise XevalError(f"cannot write {path}: {exc.strerror or exc}") from None


class RecordWriter:
    """Appends one JSON line per finished sample; flushed per batch, fsynced on close."""

    def __init__(self, run_dir: Path) -> None:
        self.path = run_dir / SAMPLES_FILE
        try:
            self._handle: IO[str] = open(self.path, "a", encoding="utf-8")
        except OSError as exc:
            raise XevalError(f"cannot write results to {run_dir}: {exc.strerror or exc}") from None

    def write(self, records: Iterable[dict[str, Any]]) -> None:
        try:
            for record in records:
                self._handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            self._handle.flush()
        except OSError as exc:
            raise XevalError(f"cannot write {self.path}: {exc.strerror or exc}") from None

    def close(self) -> None:
        if not self._handle.closed:
            try:
                self._handle.flush()
                os.fsync(self._handle.fileno())
            except OSError:
                pass  # the write that failed has already raised its own clear error
            try:
                self._handle.close()
            except OSError:
                pass


def repair_records(path: Path) -> set[str]:
    """Cut a samples.jsonl back to its last complete record (a killed writer leaves a torn
    line) and return the keys of the records it holds; duplicates are an error."""
    if not path.exists():
        return set()
    data = path.read_bytes()
    end = data.rfind(b"\n") + 1
    keys: set[str] = set()
    good = 0
    for line in data[:end].splitlines(keepends=True):
        try:
            record = json.loads(line)
        except ValueError:
            break  # a damaged line: keep what precedes it
        if record["key"] in keys:
            raise XevalError(f"{path}: sample {record['key']} is recorded twice")
        keys.add(record["key"])
        good += len(line)
    if good != len(data):
        with open(path, "r+b") as handle:
            handle.truncate(good)
    return keys


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    """Records of a samples.jsonl; a torn last line (a killed writer) is skipped."""
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if not line.endswith("\n"):
                break
            yield json.loads(line)


JUDGE_PREFIXES = ("judge_", "pairwise_")
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
    # Does the language-ID scorer agree with the judge's Language aspect (3 stars = right)?
    language = (scores.get("language") or {}).get("value")
    if language is not None:
        for name, score in scores.items():
            judged = (score.get("extra") or {}).get("language") if name.startswith("judge_") else None
            if judged is not None:
                yield AGREEMENT_METRIC, float((language == 1.0) == (judged >= 2.5))
                break


def judge_report(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Per judge scorer: samples judged, failures (unreadable replies, failed calls), rate."""
    report: dict[str, dict[str, Any]] = {}
    for record in records:
        for name, score in record.get("scores", {}).items():
            if not name.startswith(JUDGE_PREFIXES):
                continue
            entry = report.setdefault(name, {"samples": 0, "failed": 0, "retried": 0})
            entry["samples"] += 1
            entry["failed"] += score.get("value") is None
            entry["retried"] += bool((score.get("details") or {}).get("retried"))
    for entry in report.values():
        entry["failure_rate"] = entry["failed"] / entry["samples"] if entry["samples"] else None
    return report


def aggregate(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per task x input language x template language x metric: mean, n, 95% bootstrap CI,
    and how many samples could not be scored (errors are counted, never averaged in)."""
    values: dict[tuple[str, ...], list[float]] = defaultdict(list)
    failed: dict[tuple[str, ...], int] = defaultdict(int)
    metrics_of: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for record in records:
        group = tuple(str(record[k]) for k in GROUP_KEYS)
        for name, score in record.get("scores", {}).items():
            metrics_of[group].add(name)
            if score.get("value") is None:
                failed[(*group, name)] += 1
        for name, value in metric_values(record):
            metrics_of[group].add(name)
            values[(*group, name)].append(value)
    rows = []
    for group in sorted(metrics_of):
        for metric in sorted(metrics_of[group]):
            data = values.get((*group, metric), [])
            low, high = bootstrap_ci(data)
            rows.append({
                **dict(zip(GROUP_KEYS, group, strict=True)),
                "metric": metric,
                "value": sum(data) / len(data) if data else None,
                "n": len(data),
                "n_failed": failed.get((*group, metric), 0),
                "ci_low": low if data else None,
                "ci_high": high if data else None,
            })
    return rows


def build_summary(run_meta: dict[str, Any], records: list[dict[str, Any]], complete: bool) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "xeval_version": __version__,
        **run_meta,
        "complete": complete,
        "n_records": len(records),
        "n_errors": sum(1 for r in records if r.get("error")),
        "metrics": aggregate(records),
        "judges": judge_report(records),
        "clusters": cluster_summary(run_meta.get("tasks", {}), records),
        "reasoning": reasoning_report(records),
    }


def reasoning_report(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per task x input language, for answers that came with a reasoning trace: how many, how
    long (whitespace tokens), how many never closed (empty answers), and the language of the
    traces next to the language asked for the answer: a model may think in English and answer
    in Korean."""
    from collections import Counter

    from .langid import LanguageIdentifier

    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        prediction = record.get("prediction") or {}
        if prediction.get("reasoning") or prediction.get("reasoning_unclosed"):
            groups[(record["task"], record["input_language"])].append(record)
    if not groups:
        return []
    languages = {r["answer_language"] for rs in groups.values() for r in rs}
    identifier = LanguageIdentifier(languages)
    rows = []
    for (task, input_language), members in sorted(groups.items()):
        traces = [m["prediction"].get("reasoning") or "" for m in members]
        lengths = [len(t.split()) for t in traces]
        trace_languages = Counter(identifier.detect(t[:2000]).language for t in traces if t.strip())
        rows.append({
            "task": task, "input_language": input_language, "n": len(members),
            "trace_tokens_mean": sum(lengths) / len(lengths),
            "n_unclosed": sum(bool(m["prediction"].get("reasoning_unclosed")) for m in members),
            "trace_languages": dict(trace_languages.most_common()),
            "answer_languages": dict(Counter(m["answer_language"] for m in members).most_common()),
        })
    return rows
