"""Join the shards of a run (``xeval run --shard I/N``) into one run.

Records are keyed (task, sample id, template, model) and carry their position in the whole
run, so the merged records come out in the unsharded order and the summary is rebuilt from
them: the result equals an unsharded run's. Overlaps and gaps are reported, never hidden.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import XevalError
from .records import (
    RUN_FILE,
    SAMPLES_FILE,
    SUMMARY_FILE,
    build_summary,
    read_json_file,
    read_records,
    write_json_atomic,
)


@dataclass
class MergeReport:
    run_dir: Path
    n_records: int
    expected: int
    overlaps: list[str] = field(default_factory=list)
    gaps: list[int] = field(default_factory=list)
    shards: list[str] = field(default_factory=list)


def _spec(run_dir: Path) -> dict[str, Any]:
    return dict(read_json_file(run_dir / RUN_FILE, f"{run_dir}: no {RUN_FILE} (not an xeval run)"))


def _identity(spec: dict[str, Any]) -> str:
    settings = {k: v for k, v in spec.get("settings", {}).items() if k not in {"shard", "batch_size"}}
    return json.dumps([spec.get("model"), settings, spec.get("tasks")], sort_keys=True, default=str)


def merge_runs(run_dirs: list[Path], output: Path) -> MergeReport:
    if not run_dirs:
        raise XevalError("merge needs at least one run folder")
    specs = [_spec(d) for d in run_dirs]
    for run_dir, spec in zip(run_dirs[1:], specs[1:], strict=True):
        if _identity(spec) != _identity(specs[0]):
            raise XevalError(f"{run_dir} is not a shard of the same run as {run_dirs[0]} "
                             "(model, settings or tasks differ)")
    by_key: dict[str, dict[str, Any]] = {}
    overlaps: list[str] = []
    for run_dir in run_dirs:
        for record in read_records(run_dir / SAMPLES_FILE):
            key = record["key"]
            if key in by_key:
                if by_key[key] != record:
                    raise XevalError(f"sample {key} differs between shards: refusing to pick one")
                overlaps.append(key)
                continue
            by_key[key] = record
    records = sorted(by_key.values(), key=lambda r: r["seq"])
    expected = sum(int(t.get("n_samples", 0)) for t in specs[0].get("tasks", {}).values())
    present = {r["seq"] for r in records}
    gaps = [i for i in range(expected) if i not in present]
    meta = dict(specs[0])
    meta["settings"] = {**meta.get("settings", {}), "shard": None}
    meta["merged_from"] = [str(d) for d in run_dirs]
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise XevalError(f"cannot create {output}: {exc.strerror or exc}") from None
    if (output / SAMPLES_FILE).exists():
        raise XevalError(f"{output} already holds records: merge into a new folder")
    meta["run_id"] = output.name
    write_json_atomic(output / RUN_FILE, meta)
    with open(output / SAMPLES_FILE, "w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    write_json_atomic(output / SUMMARY_FILE, build_summary(meta, records, complete=not gaps))
    return MergeReport(output, len(records), expected, overlaps, gaps,
                       [str(s.get("settings", {}).get("shard")) for s in specs])
