"""Named data sources for the shipped suites: one public dataset, three ways to load it.

Each source knows its public dataset id (Hugging Face ``datasets``), the file name of its
official release (for ``--data-dir``), and the small sample the xeval project wrote, and
normalises all three to one schema, so a task YAML's templates see the same fields whatever
the origin. Task YAMLs name a source under ``metadata.xeval.source``; the same function
serves lm-evaluation-harness through ``custom_dataset: !function utils.load``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ConfigError, MissingDependencyError

Row = dict[str, Any]
DATA_SOURCES = ("sample", "hub", "local")
NLI_LABELS = {"entailment": 0, "neutral": 1, "contradiction": 2}


@dataclass(frozen=True)
class Source:
    name: str
    suite: str  # folder under tasks/ holding samples/<name>.jsonl
    hub_path: str | None  # None: not on the hub (local release files only)
    hub_name: str | None
    hub_split: str
    convert_hub: Callable[[Row], Row] | None
    local_file: str | None = None  # path of the official release file under --data-dir
    convert_local: Callable[[Row], Row] | None = None
    read_local: Callable[[Path], list[Row]] | None = None  # for release files that are not tables

    def sample_path(self) -> Path:
        from .paths import tasks_dir

        return tasks_dir() / self.suite / "samples" / f"{self.name}.jsonl"


def _nli_label(value: Any) -> int:
    if isinstance(value, str):
        key = value.strip().lower()
        if key in NLI_LABELS:
            return NLI_LABELS[key]
        if key.isdigit():
            return int(key)
        raise ValueError(f"unknown NLI label {value!r}")
    return int(value)


def _nli(premise: str, hypothesis: str, label: str) -> Callable[[Row], Row]:
    return lambda r: {"premise": r[premise], "hypothesis": r[hypothesis], "label": _nli_label(r[label])}


def _cb(r: Row) -> Row:  # super_glue cb: 0 entailment, 1 contradiction, 2 neutral
    return {"premise": r["premise"], "hypothesis": r["hypothesis"], "label": [0, 2, 1][int(r["label"])]}


def _rte(r: Row) -> Row:  # 0 entailment, 1 not_entailment
    return {"premise": r["premise"], "hypothesis": r["hypothesis"], "label": int(r["label"])}


def _copa_kobest(r: Row) -> Row:
    question = {"원인": "cause", "결과": "effect"}.get(str(r["question"]).strip(), r["question"])
    return {"premise": r["premise"], "question": question, "choice1": r["alternative_1"],
            "choice2": r["alternative_2"], "label": int(r["label"])}


def _copa_sglue(r: Row) -> Row:
    return {"premise": r["premise"], "question": r["question"], "choice1": r["choice1"],
            "choice2": r["choice2"], "label": int(r["label"])}


def _hellaswag_kobest(r: Row) -> Row:
    return {"context": r["context"], "endings": [r[f"ending_{i}"] for i in range(1, 5)],
            "label": int(r["label"])}


def _hellaswag_rowan(r: Row) -> Row:
    import re

    def clean(text: str) -> str:  # as lm-eval's hellaswag preprocess
        text = text.strip().replace(" [title]", ". ")
        return re.sub("\\[.*?\\]", "", text).replace("  ", " ")

    ctx = r["ctx_a"] + " " + r["ctx_b"].capitalize()
    return {"context": clean(r["activity_label"] + ": " + ctx),
            "endings": [clean(e) for e in r["endings"]], "label": int(r["label"])}


def _wic_kobest(r: Row) -> Row:
    return {"word": r["word"], "sentence1": r["context_1"], "sentence2": r["context_2"],
            "label": int(r["label"])}


def _wic_sglue(r: Row) -> Row:
    return {"word": r["word"], "sentence1": r["sentence1"], "sentence2": r["sentence2"],
            "label": int(r["label"])}


def _winogrande(r: Row) -> Row:
    return {"sentence": r["sentence"], "option1": r["option1"], "option2": r["option2"],
            "label": int(r["answer"]) - 1}


HATE_LABELS = {"none": 0, "offensive": 1, "hate": 2}


def _beep(r: Row) -> Row:
    value = r.get("hate_name", r["hate"])
    return {"text": r["comments"], "label": HATE_LABELS[str(value).strip().lower()]}


def _apeach(r: Row) -> Row:
    value: Any = r.get("class_name", r.get("class", r.get("label")))
    if isinstance(value, str):
        label = {"default": 0, "spoiled": 1}[value.strip().lower()]
    else:
        label = int(value)
    return {"text": r["text"], "label": label}


def _paws(r: Row) -> Row:
    return {"sentence1": r["sentence1"], "sentence2": r["sentence2"], "label": int(r["label"])}


def _nsmc(r: Row) -> Row:
    return {"text": r["document"], "label": int(r["label"])}


def _news_summary(r: Row) -> Row:
    return {"text": r["document"], "summary": r["summary"]}


def _alpacaeval_reader(language: str, modifiers: bool) -> Callable[[Path], list[Row]]:
    """The pasero multilingual AlpacaEval files: a JSON message list per line; modifier prompts
    come with a .types file (lang_xx: answer in xx; short, long, formats...)."""

    def read(path: Path) -> list[Row]:
        from .datasets import read_records

        rows = read_records(path, "jsonl")
        types: list[str] = []
        if modifiers:
            types_file = path.with_suffix(".types")
            try:
                types = types_file.read_text(encoding="utf-8").split()
            except OSError as exc:
                raise ConfigError(f"data file {types_file}: cannot read ({exc.strerror})") from None
            if len(types) != len(rows):
                raise ConfigError(f"{types_file}: {len(types)} types for {len(rows)} prompts")
        out = []
        for i, row in enumerate(rows):
            kind = types[i] if types else "none"
            answer = kind[5:] if kind.startswith("lang_") else language
            out.append({"id": str(i), "prompt": row["messages"][-1]["content"], "answer_language": answer,
                        "modifier": kind})
        return out

    return read


SOURCES: dict[str, Source] = {s.name: s for s in [
    *[Source(f"alpacaeval_{lang}", "chat", None, None, "test", None,
             f"multilingual-alpacaeval/alpacaeval_test_subset.{lang}.jsonl", None, _alpacaeval_reader(lang, False))
      for lang in ("en", "fr", "pt", "ru")],
    *[Source(f"alpacaeval_modifiers_{lang}", "chat", None, None, "test", None,
             f"multilingual-alpacaeval/modifiers.{lang}.jsonl", None, _alpacaeval_reader(lang, True))
      for lang in ("en", "fr", "pt", "ru")],
    # KORANI unseen clusters (Korean)
    Source("klue_nli", "korani", "klue/klue", "nli", "validation", _nli("premise", "hypothesis", "label"),
           "klue-nli/klue-nli-v1.1_dev.json", _nli("premise", "hypothesis", "gold_label")),
    Source("kornli", "korani", "kor_nli", "xnli", "test", _nli("premise", "hypothesis", "label"),
           "kornli/xnli.test.ko.tsv", _nli("sentence1", "sentence2", "gold_label")),
    Source("kobest_copa", "korani", "skt/kobest_v1", "copa", "test", _copa_kobest),
    Source("kobest_hellaswag", "korani", "skt/kobest_v1", "hellaswag", "test", _hellaswag_kobest),
    Source("kobest_wic", "korani", "skt/kobest_v1", "wic", "test", _wic_kobest),
    Source("ko_winogrande", "korani", "solonsophy/winogrande-ko", None, "test", _winogrande),
    # KORANI seen clusters (Korean)
    Source("beep", "korani", "kor_hate", None, "test", _beep,
           "korean-hate-speech/dev.tsv", _beep),
    Source("apeach", "korani", "jason9693/APEACH", None, "test", _apeach, "apeach/test.csv", _apeach),
    Source("pawsx_ko", "korani", "google-research-datasets/paws-x", "ko", "test", _paws),
    Source("nsmc", "korani", "e9t/nsmc", None, "test", _nsmc),
    Source("news_summary_ko", "korani", "daekeun-ml/naver-news-summarization-ko", None, "test",
           _news_summary),
    # T0 held-out clusters (English)
    Source("rte", "english", "aps/super_glue", "rte", "validation", _rte),
    Source("cb", "english", "aps/super_glue", "cb", "validation", _cb),
    Source("anli_r1", "english", "facebook/anli", None, "dev_r1", _nli("premise", "hypothesis", "label")),
    Source("copa", "english", "aps/super_glue", "copa", "validation", _copa_sglue),
    Source("hellaswag", "english", "Rowan/hellaswag", None, "validation", _hellaswag_rowan),
    Source("wic", "english", "aps/super_glue", "wic", "validation", _wic_sglue),
    Source("winogrande", "english", "allenai/winogrande", "winogrande_xl", "validation", _winogrande),
]}


def resolve_source(name: str, where: str = "") -> Source:
    source = SOURCES.get(name)
    if source is None:
        prefix = f"{where}: " if where else ""
        raise ConfigError(f"{prefix}unknown data source {name!r}: known sources are {', '.join(sorted(SOURCES))}")
    return source


def load_rows(source: Source, data_source: str = "hub", data_dir: Path | None = None) -> list[Row]:
    """Rows of ``source`` in its normalised schema, from the sample, the hub or a local file."""
    if data_source not in DATA_SOURCES:
        raise ConfigError(f"unknown data source kind {data_source!r}: use one of {', '.join(DATA_SOURCES)}")
    if data_source == "sample":
        from .datasets import read_records

        return read_records(source.sample_path(), "jsonl")
    if data_source == "local":
        return _load_local(source, data_dir)
    if source.hub_path is None or source.convert_hub is None:
        raise ConfigError(f"data source {source.name!r} is not on the hub: use --data-dir with its release "
                          f"files ({source.local_file}) or --data-source sample")
    return [source.convert_hub(row) for row in _hub_rows(source)]


def _load_local(source: Source, data_dir: Path | None) -> list[Row]:
    from .datasets import read_records

    if source.read_local is not None and source.local_file is not None:
        if data_dir is None:
            raise ConfigError(f"data source {source.name!r}: --data-dir is needed to read local files")
        return source.read_local(data_dir / source.local_file)
    if source.local_file is None or source.convert_local is None:
        raise ConfigError(
            f"data source {source.name!r} has no local-file loader; use the hub id "
            f"{source.hub_path!r} or the sample (--data-source sample)"
        )
    if data_dir is None:
        raise ConfigError(f"data source {source.name!r}: --data-dir is needed to read local files")
    candidates = [data_dir / source.local_file, data_dir / Path(source.local_file).name]
    path = next((p for p in candidates if p.exists()), candidates[0])
    rows = read_records(path)
    out = []
    for number, row in enumerate(rows, 1):
        try:
            out.append(source.convert_local(row))
        except (KeyError, ValueError) as exc:
            raise ConfigError(f"data file {path}: row {number}: missing or bad column {exc}") from None
    if not out:
        raise ConfigError(f"data file {path} has no rows")
    return out


def _hub_rows(source: Source) -> list[Row]:
    try:
        import datasets
    except ImportError:
        raise MissingDependencyError(f"data source {source.name!r} from the hub", "datasets") from None
    try:
        dataset = datasets.load_dataset(source.hub_path, source.hub_name, split=source.hub_split)
    except Exception as exc:  # noqa: BLE001 - the hub raises many kinds
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(
            f"cannot load {source.hub_path!r} ({source.hub_name or 'default'}, {source.hub_split}) "
            f"from the hub: {first}; offline, use --data-source sample or --data-dir"
        ) from None
    names = {k: f.names for k, f in dataset.features.items() if hasattr(f, "names")}
    rows = []
    for row in dataset:
        row = dict(row)
        for key, labels in names.items():
            if isinstance(row.get(key), int) and 0 <= row[key] < len(labels):
                row[f"{key}_name"] = labels[row[key]]
        rows.append(row)
    return rows


def load(**kwargs: Any) -> Any:
    """lm-evaluation-harness ``custom_dataset`` entry point.

    lm-eval passes the task's metadata (with ``xeval.source``) and any ``--metadata`` JSON;
    ``data_source`` (sample/hub/local) and ``data_dir`` pick the origin, defaulting to the
    environment variables ``XEVAL_DATA_SOURCE`` and ``XEVAL_DATA_DIR``, then the hub.
    Returns a ``datasets.DatasetDict`` with the rows under the source's split name (the
    task YAML's ``test_split``/``validation_split``).
    """
    import datasets

    meta = kwargs.get("xeval") or {}
    source = resolve_source(str(meta.get("source")))
    data_dir = kwargs.get("data_dir") or os.environ.get("XEVAL_DATA_DIR")
    kind = kwargs.get("data_source") or os.environ.get("XEVAL_DATA_SOURCE") or ("local" if data_dir else "hub")
    rows = load_rows(source, kind, Path(data_dir) if data_dir else None)
    return datasets.DatasetDict({source.hub_split: datasets.Dataset.from_list(rows)})
