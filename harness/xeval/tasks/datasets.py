"""Load a task's documents: local JSON/JSONL/CSV/TSV files natively, hub datasets lazily."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from xeval.errors import ConfigError, MissingDependencyError
from xeval.tasks.datafiles import LOCAL_FORMATS, read_records
from xeval.tasks.taskspec import TaskSpec
from xeval.types import safe_value


def split_name(spec: TaskSpec) -> str:
    return spec.test_split or spec.validation_split or "test"


def fewshot_split_name(spec: TaskSpec) -> str:
    """Where few-shot examples come from, as lm-eval picks it: ``fewshot_split``, else the
    training split, else the validation split, else the evaluation split itself."""
    return spec.fewshot_split or spec.training_split or spec.validation_split or split_name(spec)


def load_documents(
    spec: TaskSpec, data_dir: Path | None = None, data_source: str | None = None,
    split: str | None = None,
) -> list[dict[str, Any]]:
    """The documents of the task's evaluation split (or of ``split``).

    A task naming ``metadata.xeval.source`` loads that source from ``data_source``: the
    project's sample, the hub, or the official release file under ``data_dir`` (the default
    is ``local`` when a data dir is given, else ``hub``).

    ``dataset_path`` json/csv/tsv with ``dataset_kwargs.data_files`` reads local files
    (relative paths resolve against ``data_dir`` if given, else the YAML's folder);
    anything else is a Hugging Face dataset id, loaded through ``datasets``.
    """
    split = split or split_name(spec)
    source = Path(spec.source)
    named = spec.xeval.source
    if named is not None:
        if split != split_name(spec):
            raise ConfigError(f"{source}: data source {named!r} has one split; few-shot examples need "
                              f"another (fewshot_split {split!r} is not available)")
        from xeval.tasks.sources import load_rows, resolve_source

        kind = data_source or ("local" if data_dir else "hub")
        docs = load_rows(resolve_source(named, spec.source), kind, data_dir)
    elif spec.dataset_path in LOCAL_FORMATS:
        files = spec.dataset_kwargs.get("data_files")
        if isinstance(files, dict):
            chosen = files.get(split)
            if chosen is None:
                raise ConfigError(
                    f"{source}: field 'dataset_kwargs.data_files' has no split {split!r}"
                )
        else:
            chosen = files
        if isinstance(chosen, list):
            if len(chosen) != 1:
                raise ConfigError(f"{source}: give exactly one data file per split")
            chosen = chosen[0]
        if not isinstance(chosen, str):
            raise ConfigError(f"{source}: field 'dataset_kwargs.data_files' must name a file")
        path = Path(chosen)
        if not path.is_absolute():
            path = (data_dir or source.parent) / path
        fmt = "jsonl" if spec.dataset_path == "json" and path.suffix == ".jsonl" else spec.dataset_path
        docs = read_records(path, fmt)
    else:
        docs = _load_hub(spec, split)
    if not docs:
        raise ConfigError(f"{source}: dataset split {split!r} is empty")
    return [safe_value(doc) for doc in docs]  # text from outside, made safe where it enters


def _load_hub(spec: TaskSpec, split: str) -> list[dict[str, Any]]:
    try:
        import datasets
    except ImportError:
        raise MissingDependencyError(
            f"task {spec.task!r} (dataset {spec.dataset_path})", "datasets"
        ) from None
    kwargs = {k: v for k, v in spec.dataset_kwargs.items() if k != "data_files"}
    try:
        dataset = datasets.load_dataset(spec.dataset_path, spec.dataset_name, split=split, **kwargs)
    except Exception as exc:  # noqa: BLE001 - the hub raises many kinds
        raise ConfigError(
            f"{spec.source}: cannot load dataset {spec.dataset_path!r} split {split!r}: "
            f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        ) from None
    return [dict(row) for row in dataset]
