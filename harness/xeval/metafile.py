"""Bring-your-own meta-dataset: ``--tasks file:PATH`` (CSV, TSV, JSONL or JSON).

The KORANI release, Super-NaturalInstructions and P3 exports are tables of instances:
``input`` (instruction and input already rendered), ``output``, optional ``choices``
(``|||``-separated) and ``dataset_name``. Optional ``language`` (the language the answer
should be in) and ``prediction`` (an answer produced elsewhere, scored as it is, so
``--model none`` works). Each ``dataset_name`` becomes one task of the run.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from .datasets import read_records
from .errors import ConfigError
from .langid import UNDETERMINED, LanguageIdentifier
from .taskspec import TaskSpec
from .types import Message, Sample

PREFIX = "file:"
CHOICE_SEPARATOR = "|||"
REQUIRED = ("input", "output")
DEFAULT_LANGUAGES = ("ko", "en", "ja", "zh", "fr", "de", "es", "pt", "ru")


def is_meta_selection(name: str) -> bool:
    return name.startswith(PREFIX)


def _text(row: dict[str, Any], key: str) -> str:
    value = row.get(key)
    return "" if value is None else str(value)


def load_meta_dataset(selection: str, limit: int | None = None) -> list[tuple[TaskSpec, list[Sample]]]:
    """Tasks (one per dataset name and output type) and their samples from a meta-dataset."""
    path = Path(selection[len(PREFIX):]).expanduser()
    rows = read_records(path)
    if not rows:
        raise ConfigError(f"data file {path} has no rows")
    for column in REQUIRED:
        if column not in rows[0]:
            raise ConfigError(f"data file {path}: missing column {column!r} (has {', '.join(rows[0])})")
    languages = {_text(r, "language") for r in rows if _text(r, "language")} | set(DEFAULT_LANGUAGES)
    identifier = LanguageIdentifier(languages)
    groups: dict[tuple[str, bool], list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for number, row in enumerate(rows, 1):
        name = _text(row, "dataset_name") or path.stem
        groups[(name, bool(_text(row, "choices").strip()))].append((number, row))
    has_both = {name for name, _ in groups if (name, True) in groups and (name, False) in groups}
    out = []
    for (name, multiple_choice), members in groups.items():
        task = f"{path.stem}/{name}" + ("/generation" if name in has_both and not multiple_choice else "")
        spec = _spec(task, path, multiple_choice)
        chosen = members if limit is None else members[:limit]
        samples = [_sample(spec, number, row, identifier, path) for number, row in chosen]
        out.append((spec, samples))
    return out


def _spec(task: str, path: Path, multiple_choice: bool) -> TaskSpec:
    metrics = ["acc"] if multiple_choice else ["exact_match", "rougeL"]
    scorers = [] if multiple_choice else ["language"]
    return TaskSpec(
        task=task, dataset_path=str(path), doc_to_text="input", doc_to_target="output",
        output_type="multiple_choice" if multiple_choice else "generate_until",
        metric_list=[{"metric": m} for m in metrics],  # type: ignore[misc]
        generation_kwargs={"max_gen_toks": 128},
        metadata={"version": "file", "xeval": {"scorers": scorers, "primary_metric": metrics[-1]
                                               if not multiple_choice else "acc"}},
        source=str(path),
    )


def _sample(spec: TaskSpec, number: int, row: dict[str, Any], identifier: LanguageIdentifier,
            path: Path) -> Sample:
    text, output = _text(row, "input"), _text(row, "output").strip()
    input_language = identifier.detect(text).language
    answer_language = _text(row, "language") or identifier.detect(output).language
    if answer_language == UNDETERMINED:
        answer_language = input_language
    prediction = row.get("prediction")
    common: dict[str, Any] = {
        "id": _text(row, "id") or str(number), "task": spec.task,
        "input_language": input_language, "template_language": input_language,
        "answer_language": answer_language, "output_type": spec.output_type,
        "messages": (Message(role="user", content=text),),
        "prediction": None if prediction is None or prediction == "" else str(prediction),
        "metadata": {"row": number},
    }
    if spec.output_type == "multiple_choice":
        choices = [c.strip() for c in _text(row, "choices").split(CHOICE_SEPARATOR)]
        if output not in choices:
            raise ConfigError(f"data file {path}: row {number}: output {output!r} is not one of its choices")
        return Sample(**common, context=text, choices=choices, gold=choices.index(output),
                      references=[output])
    return Sample(**common, references=[output])
