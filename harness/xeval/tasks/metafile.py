"""Bring-your-own meta-dataset: ``--tasks file:PATH`` (CSV, TSV, JSONL or JSON).

The KORANI release, Super-NaturalInstructions and P3 exports are tables of instances:
``input`` (instruction and input already rendered), ``output``, optional ``choices``
(``|||``-separated) and ``dataset_name``. Optional ``language`` (the language the answer
should be in; else the reference's language where it is evidence: see
:func:`expected_answer_language`) and ``prediction`` (an answer produced elsewhere, scored as it is, so
``--model none`` works), ``input_language`` and ``template_language`` (else detected: the input
language per row, the template language per file). Each ``dataset_name`` becomes one task of the run, placed in its
task cluster (seen or unseen) by a cluster map (``tasks/korani/clusters.yaml`` by default,
``--clusters FILE`` for your own).

A multiple-choice row whose answer is not among its choices (20 of the 200 rows of KORANI's
Korean sample file) is not scored: it is recorded as a failed sample with the reason (a data
error is not a model's wrong answer), and one warning line counts such rows per dataset.
``strict`` refuses the file instead.
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xeval.errors import ConfigError
from xeval.language.identify import UNDETERMINED, Detection, LanguageIdentifier
from xeval.tasks.datafiles import read_records
from xeval.tasks.rendering import choose_indices, first_shared_id
from xeval.tasks.taskspec import TaskSpec, read_yaml, record_row_languages
from xeval.types import DATA_ERROR, Message, Sample, safe_value

UNMAPPED = "unmapped"

PREFIX = "file:"
CHOICE_SEPARATOR = "|||"
REQUIRED = ("input", "output")
DEFAULT_LANGUAGES = ("ko", "en", "ja", "zh", "fr", "de", "es", "pt", "ru")


def is_meta_selection(name: str) -> bool:
    return name.startswith(PREFIX)


def _text(row: dict[str, Any], key: str) -> str:
    value = row.get(key)
    return "" if value is None else str(value)


@dataclass
class ClusterMap:
    """Dataset name -> task cluster, and which clusters are held out (unseen)."""

    clusters: dict[str, str] = field(default_factory=dict)
    unseen: frozenset[str] = frozenset()
    source: str = ""

    def cluster(self, dataset: str) -> str:
        return self.clusters.get(dataset, UNMAPPED)

    def seen(self, dataset: str) -> bool | None:
        cluster = self.clusters.get(dataset)
        return None if cluster is None else cluster not in self.unseen


def default_cluster_file() -> Path:
    from xeval.paths import tasks_dir

    return tasks_dir() / "korani" / "clusters.yaml"


def load_cluster_map(path: Path | None = None) -> ClusterMap:
    """A cluster map YAML: ``clusters: {CLUSTER: [dataset, ...]}`` and ``unseen: [CLUSTER, ...]``."""
    path = path or default_cluster_file()
    data = read_yaml(path)
    clusters = data.get("clusters")
    if not isinstance(clusters, dict):
        raise ConfigError(f"{path}: field 'clusters' must map a cluster name to a list of dataset names")
    mapping: dict[str, str] = {}
    for cluster, names in clusters.items():
        if not isinstance(names, list):
            raise ConfigError(f"{path}: clusters.{cluster} must be a list of dataset names")
        for name in names:
            if str(name) in mapping:
                raise ConfigError(f"{path}: dataset {name!r} is in clusters {mapping[str(name)]!r} and {cluster!r}")
            mapping[str(name)] = str(cluster)
    unseen = data.get("unseen", [])
    if not isinstance(unseen, list) or any(str(c) not in clusters for c in unseen):
        raise ConfigError(f"{path}: field 'unseen' must list cluster names of 'clusters'")
    return ClusterMap(mapping, frozenset(str(c) for c in unseen), str(path))


def task_prefixes(selections: list[str]) -> dict[str, str]:
    """The prefix of each file's task names: its stem (``dev`` for ``sample_ko/dev.csv``), with
    as many parent folders as it takes to tell apart files that share a stem (KORANI ships
    ``sample_ko/dev.csv`` and ``sample_en/dev.csv``: ``sample_ko/dev`` and ``sample_en/dev``)."""
    paths = {s: Path(s[len(PREFIX):]).expanduser().resolve() for s in selections}
    prefixes = {}
    for selection, path in paths.items():
        parts = path.with_suffix("").parts
        depth = 1
        while depth < len(parts) and any(
                other != path and other.with_suffix("").parts[-depth:] == parts[-depth:] for other in paths.values()):
            depth += 1
        prefixes[selection] = "/".join(parts[-depth:])
    return prefixes


def _choices(row: dict[str, Any], path: Path, number: int) -> list[str]:
    """A row's choices: ``|||``-separated text (CSV, TSV) or a JSON list (JSONL, JSON)."""
    value = row.get("choices")
    if value is None:
        return []
    if isinstance(value, list):
        if not all(isinstance(c, str | int | float) and not isinstance(c, bool) for c in value):
            raise ConfigError(f"data file {path}: row {number}: choices must be texts, got {value!r}"[:200])
        return [str(c).strip() for c in value]
    if not isinstance(value, str):
        raise ConfigError(f"data file {path}: row {number}: choices must be a list or '|||'-separated text, "
                          f"got {value!r}"[:200])
    return [c.strip() for c in value.split(CHOICE_SEPARATOR)] if value.strip() else []


def load_meta_dataset(selection: str, limit: int | None = None, *, strict: bool = False,
                      clusters: ClusterMap | None = None, sample_seed: int | None = None,
                      prefix: str | None = None, use_predictions: bool = True) -> list[tuple[TaskSpec, list[Sample]]]:
    """Tasks (one per dataset name and output type) and their samples from a meta-dataset;
    task names are ``PREFIX/dataset_name`` (``prefix`` defaults to the file's stem).
    ``use_predictions``: score a ``prediction`` column as the answers (``--model none``); with a
    model it answers, and the column is ignored (said once)."""
    path = Path(selection[len(PREFIX):]).expanduser()
    prefix = prefix or path.stem
    rows = [safe_value(row) for row in read_records(path)]  # text from outside, made safe where it enters
    if not rows:
        raise ConfigError(f"data file {path} has no rows")
    for column in REQUIRED:
        if column not in rows[0]:
            raise ConfigError(f"data file {path}: missing column {column!r} (has {', '.join(rows[0])})")
    clusters = clusters if clusters is not None else load_cluster_map()
    languages = {_text(r, "language") for r in rows if _text(r, "language")} | set(DEFAULT_LANGUAGES)
    identifier = LanguageIdentifier(languages)
    if not use_predictions and any(_text(r, "prediction") for r in rows):
        print(f"xeval: note: {path}: its prediction column is ignored: the model answers "
              "(--model none scores the file's predictions)", file=sys.stderr)
        rows = [{k: v for k, v in r.items() if k != "prediction"} for r in rows]
    groups: dict[tuple[str, bool], list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for number, row in enumerate(rows, 1):
        name = _text(row, "dataset_name") or path.stem
        groups[(name, bool(_choices(row, path, number)))].append((number, row))
    has_both = {name for name, _ in groups if (name, True) in groups and (name, False) in groups}
    # One template language per file (KORANI ships a Korean-template and an English-template
    # file): a `template_language` column, else the language most of the file's inputs are in.
    detected = Counter(d.language for r in rows if (d := identifier.detect(_text(r, "input"))).decidable)
    file_template = next((lang for lang, _ in detected.most_common() if lang != UNDETERMINED), "en")
    out = []
    unscorable: Counter[str] = Counter()
    reference_free = 0
    for (name, multiple_choice), members in groups.items():
        task = f"{prefix}/{name}" + ("/generation" if name in has_both and not multiple_choice else "")
        spec = _spec(task, path, multiple_choice, clusters.cluster(name), clusters.seen(name))
        chosen = [members[i] for i in choose_indices(len(members), limit, sample_seed, f"file:{name}")]
        _unique_ids(path, task, members)
        samples = [_sample(spec, number, row, identifier, path, strict, file_template) for number, row in chosen]
        record_row_languages(spec, samples)
        unscorable[name] += sum(DATA_ERROR in s.metadata for s in samples)
        reference_free += sum(not s.references and DATA_ERROR not in s.metadata for s in samples)
        out.append((spec, samples))
    if reference_free:
        print(f"xeval: note: {path}: {reference_free} row(s) without a reference answer (output): scored by the "
              "scorers that need none (language, judges); exact match, ROUGE and chrF record 'no reference' for "
              "them", file=sys.stderr)
    if sum(unscorable.values()):
        counts = ", ".join(f"{name} {n}" for name, n in unscorable.most_common() if n)
        print(f"xeval: warning: {path}: {sum(unscorable.values())} multiple-choice row(s) with no answer or an answer "
              f"not among their choices, recorded as failed, not scored ({counts}); --strict refuses such files",
              file=sys.stderr)
    return out


def _unique_ids(path: Path, task: str, members: list[tuple[int, dict[str, Any]]]) -> None:
    shared = first_shared_id((number, _text(row, "id") or str(number)) for number, row in members)
    if shared is not None:
        raise ConfigError(f"data file {path}: rows {shared[0]} and {shared[1]} share the id {shared[2]!r} "
                          f"(task {task}): ids must be unique")


def _spec(task: str, path: Path, multiple_choice: bool, cluster: str, seen: bool | None) -> TaskSpec:
    metrics = ["acc"] if multiple_choice else ["exact_match", "rougeL"]
    scorers = [] if multiple_choice else ["language"]
    return TaskSpec(
        task=task, dataset_path=str(path), doc_to_text="input", doc_to_target="output",
        output_type="multiple_choice" if multiple_choice else "generate_until",
        metric_list=[{"metric": m} for m in metrics],  # type: ignore[misc]
        generation_kwargs={"max_gen_toks": 128},
        metadata={"version": "file", "xeval": {"scorers": scorers, "primary_metric": metrics[-1]
                                               if not multiple_choice else "acc",
                                               "cluster": cluster, "seen": seen}},
        source=str(path),
    )


def _sample(spec: TaskSpec, number: int, row: dict[str, Any], identifier: LanguageIdentifier,
            path: Path, strict: bool, file_template: str) -> Sample:
    text, output = _text(row, "input"), _text(row, "output").strip()
    detected_input = identifier.detect(text)
    # a language the row does not say and the identifier cannot decide ("Answer.") is undecided, never a guess
    input_language = _text(row, "input_language") or (detected_input.language if detected_input.decidable
                                                      else UNDETERMINED)
    template_language = _text(row, "template_language") or file_template
    answer_language = _text(row, "language") or expected_answer_language(
        identifier.detect(output), detected_input, input_language, template_language, output)
    prediction = row.get("prediction")
    common: dict[str, Any] = {
        "id": _text(row, "id") or str(number), "task": spec.task,
        "input_language": input_language,
        "template_language": template_language,
        "answer_language": answer_language, "output_type": spec.output_type,
        "messages": (Message(role="user", content=text),),
        "prediction": None if prediction is None or prediction == "" else str(prediction),
        "metadata": {"row": number},
    }
    if not output and spec.output_type != "multiple_choice":
        # an open-ended row without a reference: scored by every scorer that needs none (language,
        # a judge); the reference-based metrics record "no reference" for it (never a 0 against "")
        return Sample(**common, references=[])
    if not output:  # a multiple-choice row without its answer: nothing of its task can score it
        reason = f"row {number}: no output (the answer) in this multiple-choice row"
        if strict:
            raise ConfigError(f"data file {path}: {reason} (without --strict such rows are recorded, not scored)")
        common["metadata"][DATA_ERROR] = reason
        return Sample(**common, context=text, choices=_choices(row, path, number), gold=None, references=[])
    if spec.output_type == "multiple_choice":
        choices = _choices(row, path, number)
        if output not in choices:
            reason = f"row {number}: answer {output!r} is not one of its choices"
            if strict:
                raise ConfigError(f"data file {path}: {reason} (without --strict such rows are recorded, not scored)")
            common["metadata"][DATA_ERROR] = reason
            return Sample(**common, context=text, choices=choices, gold=None, references=[output])
        return Sample(**common, context=text, choices=choices, gold=choices.index(output),
                      references=[output])
    return Sample(**common, references=[output])


# A reference in the input's script but another language names that language only when it reads
# as a sentence: decided, this sure, and this many words. Short answers ('Rob', 'map', 'walter
# kistler') and names ('alfeu adolfo monjardim de andrade e almeida', decided Portuguese at
# 0.98) are used in any language and say nothing of the language the answer is expected in.
SENTENCE_CONFIDENCE = 0.99
SENTENCE_WORDS = 5


def expected_answer_language(reference: Detection, detected_input: Detection, input_language: str,
                             template_language: str, output: str) -> str:
    """The language a row's answer is expected in, when no ``language`` column says so.

    The reference decides where it is evidence: in another script than the input (a
    translation; an English label on a Korean task), or a sentence in another language of the
    same script. A reference without letters ('29'), too short to decide ('Yes', 'Chris'), or a
    name, leaves the input language, unless the input language cannot be it ('Yes' on a Korean
    task): then the template language, English, or the best guess, among those it may be.
    """
    if reference.language == UNDETERMINED:
        return input_language
    if reference.decidable:
        if reference.script != detected_input.script:
            return reference.language
        words = len(output.split())
        if reference.confidence >= SENTENCE_CONFIDENCE and words >= SENTENCE_WORDS:
            return reference.language
        return input_language
    for language in (input_language, template_language, "en"):
        if language in reference.plausible:
            return language
    return reference.language
