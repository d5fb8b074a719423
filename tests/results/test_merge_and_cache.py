"""Unit tests of the call cache (what makes two calls the same call, what is kept) and of
merging shards (order, overlaps, gaps, refusals), on small hand-made inputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from xeval.errors import XevalError
from xeval.models.cache import CachedModel, CallCache
from xeval.results.merge import merge_runs
from xeval.types import Completion, GenerationRequest, GenerationSettings, LoglikelihoodRequest, Message


class Counting:
    """A model that answers from a counter and fails on one prompt."""

    spec = "counting"

    def __init__(self, fingerprint: dict | None = None) -> None:
        self.calls = 0
        self._fingerprint = fingerprint or {"backend": "counting"}

    def fingerprint(self) -> dict:
        return self._fingerprint

    def generate(self, requests: list[GenerationRequest]) -> list[Completion]:
        out = []
        for request in requests:
            self.calls += 1
            text = request.messages[-1].content
            out.append(Completion(error="boom") if text == "fail" else Completion(text=f"{text}#{self.calls}"))
        return out

    def loglikelihood(self, requests: list[LoglikelihoodRequest]) -> list[float]:
        self.calls += len(requests)
        return [-float(len(r.continuation)) for r in requests]

    def close(self) -> None:
        pass


def _ask(text: str, **settings: object) -> GenerationRequest:
    return GenerationRequest(messages=(Message(role="user", content=text),), settings=GenerationSettings(**settings))


def test_cache_keys_on_fingerprint_request_and_settings_and_keeps_only_successes(tmp_path: Path) -> None:
    cache = CallCache(tmp_path / "c.sqlite")
    inner = Counting()
    model = CachedModel(inner, cache)
    first = model.generate([_ask("a"), _ask("fail"), _ask("a", seed=7)])
    assert [c.text for c in first] == ["a#1", "", "a#3"] and first[1].error == "boom"
    again = model.generate([_ask("a"), _ask("fail"), _ask("a", seed=7), _ask("a", max_tokens=5)])
    assert [c.text for c in again] == ["a#1", "", "a#3", "a#5"]  # the failure is asked again, not served
    assert (model.stats.hits, model.stats.misses) == (2, 5)
    other = CachedModel(Counting({"backend": "counting", "sha256": "other"}), cache)
    assert other.generate([_ask("a")])[0].text == "a#1"  # another model: its own call, not a's answer
    assert other.stats.misses == 1
    assert model.loglikelihood([LoglikelihoodRequest(context="x", continuation=" yy")]) == [-3.0]
    calls = inner.calls
    assert model.loglikelihood([LoglikelihoodRequest(context="x", continuation=" yy")]) == [-3.0]
    assert inner.calls == calls


def _shard(folder: Path, shard: str, seqs: list[int], text: str = "t") -> Path:
    folder.mkdir(parents=True)
    spec = {"schema_version": 2, "run_id": folder.name, "model": {"spec": "m"},
            "settings": {"limit": None, "shard": shard, "batch_size": 8},
            "tasks": {"t": {"n_samples": 4, "version": "1"}}}
    (folder / "run.json").write_text(json.dumps(spec))
    lines = [json.dumps({"key": f"t::{s}::ko", "seq": s, "task": "t", "id": str(s), "model": "m",
                         "input_language": "ko", "template_language": "ko", "answer_language": "ko",
                         "output_type": "generate_until", "prediction": {"text": text},
                         "scores": {"exact_match": {"value": float(s % 2)}}}) for s in seqs]
    (folder / "samples.jsonl").write_text("".join(x + "\n" for x in lines))
    return folder


def test_merge_orders_counts_overlaps_and_gaps(tmp_path: Path) -> None:
    one = _shard(tmp_path / "s1", "1/2", [2, 0])
    two = _shard(tmp_path / "s2", "2/2", [1, 2])
    report = merge_runs([one, two], tmp_path / "merged")
    assert (report.n_records, report.expected, report.overlaps, report.gaps) == (3, 4, ["t::2::ko"], [3])
    merged = [json.loads(x)["seq"] for x in (tmp_path / "merged" / "samples.jsonl").read_text().splitlines()]
    assert merged == [0, 1, 2]
    summary = json.loads((tmp_path / "merged" / "summary.json").read_text())
    assert summary["complete"] is False and summary["n_records"] == 3
    assert json.loads((tmp_path / "merged" / "run.json").read_text())["settings"]["shard"] is None


def test_merge_refuses_differing_samples_and_other_runs(tmp_path: Path) -> None:
    one = _shard(tmp_path / "s1", "1/2", [0, 1])
    other_text = _shard(tmp_path / "s2", "2/2", [1], text="different")
    with pytest.raises(XevalError, match="sample t::1::ko differs between shards"):
        merge_runs([one, other_text], tmp_path / "m1")
    other_model = _shard(tmp_path / "s3", "2/2", [2])
    spec = json.loads((other_model / "run.json").read_text())
    spec["model"]["spec"] = "n"
    (other_model / "run.json").write_text(json.dumps(spec))
    with pytest.raises(XevalError, match=r"is not a shard of the same run .* \(model differ; first: model > spec: "
                                         r"\"n\" in .*s3, \"m\" in .*s1\)"):
        merge_runs([one, other_model], tmp_path / "m2")
