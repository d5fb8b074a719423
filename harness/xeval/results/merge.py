"""Join the shards of a run (``xeval run --shard I/N``) into one run.

Records are keyed (task, sample id, template, model) and carry their position in the whole
run, so the merged records come out in the unsharded order and the summary is rebuilt from
them: the result equals an unsharded run's. Overlaps and gaps are reported, never hidden.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xeval.errors import XevalError
from xeval.results import RunFolder, build_summary, differences, first_difference
from xeval.results.folder import changed_input


@dataclass
class MergeReport:
    run_dir: Path
    n_records: int
    expected: int
    overlaps: list[str] = field(default_factory=list)
    gaps: list[int] = field(default_factory=list)
    shards: list[str] = field(default_factory=list)


def merge_runs(run_dirs: list[Path], output: Path) -> MergeReport:
    if not run_dirs:
        raise XevalError("merge needs at least one run folder")
    shards = [RunFolder(d) for d in run_dirs]
    specs = [shard.read_spec_data() for shard in shards]
    for run_dir, spec in zip(run_dirs[1:], specs[1:], strict=True):
        changed = differences(spec, specs[0], ignore=frozenset({"shard"}))
        edited = changed_input(specs[0], spec)
        if edited:
            raise XevalError(f"{run_dir} is not a shard of the same run as {run_dirs[0]}: {edited} between them")
        if changed:
            first = first_difference(spec, specs[0], frozenset({"shard"}), (f"in {run_dir}", f"in {run_dirs[0]}"))
            raise XevalError(f"{run_dir} is not a shard of the same run as {run_dirs[0]} "
                             f"({', '.join(changed)} differ; first: {first})")
    by_key: dict[str, dict[str, Any]] = {}
    overlaps: list[str] = []
    for shard in shards:
        for record in shard.records():
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
    with RunFolder(output).locked() as folder:
        if folder.has_records():
            raise XevalError(f"{output} already holds records: merge into a new folder")
        meta["run_id"] = output.name
        meta, _ = folder.start(meta)
        writer = folder.writer()
        try:
            writer.write(records)
        finally:
            writer.close()
        folder.write_summary(build_summary(meta, records, complete=not gaps))
    return MergeReport(output, len(records), expected, overlaps, gaps,
                       [str(s.get("settings", {}).get("shard")) for s in specs])
