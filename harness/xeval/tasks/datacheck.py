"""``xeval data check [TASKS]``: load one row of every selected data source and check its fields.

Public datasets move (renamed ids, scripts dropped, fields renamed); a nightly job or a user
runs this on a networked machine to catch the next move in seconds instead of in the middle
of an evaluation. ``--mirror DIR`` (or ``$XEVAL_HUB_MIRROR``) checks a local mirror instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from xeval.errors import XevalError
from xeval.tasks.sources import (
    SOURCES,
    Source,
    convert_rows,
    label_names,
    open_hub_dataset,
    resolve_source,
    with_label_names,
)
from xeval.tasks.task_index import TaskIndex


@dataclass
class SourceCheck:
    source: str
    status: str  # ok | FAIL | -- (not on the hub)
    detail: str


def selected_sources(tasks: str | None, index: TaskIndex | None = None) -> list[Source]:
    """The named sources of the selected tasks (every source when ``tasks`` is None)."""
    if tasks is None:
        return list(SOURCES.values())
    index = index or TaskIndex.load()
    names = [n.strip() for n in tasks.split(",") if n.strip()]
    seen: dict[str, Source] = {}
    for spec in index.resolve(names):
        if spec.xeval.source is not None:
            seen.setdefault(spec.xeval.source, resolve_source(spec.xeval.source, spec.source))
    if not seen:
        raise XevalError(f"--tasks {tasks!r}: no selected task names a data source")
    return list(seen.values())


def check_source(source: Source) -> SourceCheck:
    if source.hub_path is None or source.convert_hub is None:
        return SourceCheck(source.name, "--", f"not on the hub: release file {source.local_file} via --data-dir")
    try:
        dataset = open_hub_dataset(source, streaming=True)
        first = next(iter(dataset), None)
        if first is None:
            return SourceCheck(source.name, "FAIL", f"{source.hub_label()}: the split is empty")
        row = with_label_names(dict(first), label_names(dataset))
        missing = [f for f in source.hub_fields if f not in row]
        if missing:
            return SourceCheck(source.name, "FAIL", f"{source.hub_label()}: missing field(s) {', '.join(missing)} "
                                                    f"(has {', '.join(map(str, first))})")
        convert_rows(source, [row], f"{source.hub_label()}")
    except XevalError as exc:
        return SourceCheck(source.name, "FAIL", str(exc))
    return SourceCheck(source.name, "ok", f"{source.hub_label()}: fields {', '.join(source.hub_fields)}")


def render(checks: list[SourceCheck]) -> str:
    return "\n".join(f"[{c.status}] {c.source}: {c.detail}" for c in checks)
