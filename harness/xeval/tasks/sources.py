"""Named data sources for the shipped suites: one public dataset, three ways to load it.

Each source knows its public dataset id (Hugging Face ``datasets``), the file name of its
official release (for ``--data-dir``), and the small sample the xeval project wrote, and
normalises all three to one schema, so a task YAML's templates see the same fields whatever
the origin. Task YAMLs name a source under ``metadata.xeval.source``; the same function
serves lm-evaluation-harness through ``custom_dataset: !function utils.load``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xeval.errors import ConfigError, MissingDependencyError

Row = dict[str, Any]
DATA_SOURCES = ("sample", "hub", "local")
NLI_LABELS = {"entailment": 0, "neutral": 1, "contradiction": 2}
NLI_FIELDS = ("premise", "hypothesis", "label")
PARQUET_REVISION = "refs/convert/parquet"
#: A local mirror of hub repositories (``DIR/<owner>/<name>`` holding the files of the pinned
#: revision), for organisations without hub access and for tests of ``xeval data check``.
HUB_MIRROR_ENV = "XEVAL_HUB_MIRROR"


@dataclass(frozen=True)
class Companion:
    """A release file beside the main one, joined on ``key`` (a field both files hold)."""

    repo_file: str  # in the source's repository, at its revision
    local_file: str  # under --data-dir
    key: str
    field: str  # where a row gets its companion row


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
    # The hub repository's revision: a commit, or the hub's parquet conversion
    # (``refs/convert/parquet``) for repositories that hold only a loading script, which
    # ``datasets`` >= 4.0 refuses to run. Such a conversion keeps a folder per config
    # (``hub_data_dir``) with a folder per split.
    hub_revision: str | None = None
    hub_data_dir: str | None = None
    hub_fields: tuple[str, ...] = ()  # the hub row's fields the converter reads (checked by `data check`)
    evidence: str = ""  # where the id, revision and fields were confirmed
    # one normalised row into several (a conversation into its turns), after conversion
    explode: Callable[[Row], list[Row]] | None = None
    licence: str = ""
    gated: bool = False  # the hub asks users to accept terms (HF_TOKEN needed)
    # a JSON Lines file in a public git repository, at a commit, read with ``datasets``' JSON
    # loader (for benchmarks released as repository files, not hub datasets): hub_path is then
    # the repository (owner/name) and hub_revision the commit
    repo_file: str | None = None
    # one file of a hub repository that keeps a file per language under one config (P-MMEval's
    # mifeval/test/{lang}.jsonl): loaded as the split ``hub_split``
    hub_data_files: str | None = None
    # a second release file joined onto the rows by a key before conversion (MT-Bench's reference
    # answers): its rows land in each row's ``companion_field`` (None where it has none)
    companion: Companion | None = None

    def sample_path(self) -> Path:
        from xeval.paths import tasks_dir

        return tasks_dir() / self.suite / "samples" / f"{self.name}.jsonl"

    def repo_file_url(self) -> str:
        assert self.repo_file is not None and self.hub_path is not None and self.hub_revision is not None
        return f"https://raw.githubusercontent.com/{self.hub_path}/{self.hub_revision}/{self.repo_file}"

    def hub_label(self) -> str:
        if self.repo_file is not None:
            return f"github {self.hub_path}@{(self.hub_revision or '')[:12]} {self.repo_file}"
        label = f"{self.hub_path}" + (f"@{self.hub_revision}" if self.hub_revision else "")
        where = self.hub_name or self.hub_data_dir or 'default'
        return f"{label} ({where}{', ' + self.hub_data_files if self.hub_data_files else ''}, {self.hub_split})"


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
    answer = str(r["answer"]).strip()
    if answer not in {"1", "2"}:  # WinoGrande's test split hides its labels (empty answer)
        raise ValueError(f"answer {r['answer']!r} is not 1 or 2 (an unlabelled test split?)")
    return {"sentence": r["sentence"], "option1": r["option1"], "option2": r["option2"],
            "label": int(answer) - 1}


HATE_LABELS = {"none": 0, "offensive": 1, "hate": 2}


def _beep(r: Row) -> Row:
    value = r.get("hate_name", r["hate"])
    key = str(value).strip().lower()
    if key not in HATE_LABELS:  # a bare ClassLabel index without its names is not guessed
        raise ValueError(f"hate label {value!r} is not one of {', '.join(HATE_LABELS)}")
    return {"text": r["comments"], "label": HATE_LABELS[key]}


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


def _vicuna(r: Row) -> Row:
    """A Vicuna question: FastChat's ``llm_judge`` format (``turns``) or the older ``table``
    format X-Instruction's scripts read (``text``)."""
    turns = r.get("turns")
    text = turns[0] if isinstance(turns, list) and turns else r["text"]
    if not isinstance(text, str) or not text.strip():
        raise ValueError("the question is empty")
    return {"id": str(r["question_id"]), "instruction": text, "category": str(r["category"])}


def _wizardlm(r: Row) -> Row:
    """A WizardLM test-set item (``idx``, ``Skill``, ``Difficulty``, ``Instruction``)."""
    if not isinstance(r["Instruction"], str) or not r["Instruction"].strip():
        raise ValueError("Instruction is empty")
    return {"id": str(r["idx"]), "instruction": r["Instruction"], "category": str(r["Skill"]),
            "difficulty": r.get("Difficulty")}


def _alpacaeval_reader(language: str, modifiers: bool) -> Callable[[Path], list[Row]]:
    """The pasero multilingual AlpacaEval files: a JSON message list per line; modifier prompts
    come with a .types file (lang_xx: answer in xx; short, long, formats...)."""

    def read(path: Path) -> list[Row]:
        from xeval.tasks.datafiles import read_bytes, read_records

        rows = read_records(path, "jsonl")
        types: list[str] = []
        if modifiers:
            types_file = path.with_suffix(".types")
            try:
                types = read_bytes(types_file).decode("utf-8").split()
            except UnicodeDecodeError:
                raise ConfigError(f"data file {types_file}: not UTF-8 text") from None
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


def _instructions(language: str, benchmark: str | None = None) -> Callable[[Row], Row]:
    """An IFEval-format row (IFEval, M-IFEval): key, prompt, instruction ids and their kwargs; the
    answer's language is the one a response_language instruction asks for, else ``language``.
    ``benchmark`` marks whose rules check it (``ifeval``, ``mifeval``: their reference's language
    ID, langdetect; see ``scoring/instructions/scorer.py``)."""
    if benchmark is None:
        return lambda r: _instruction_row(r, language)
    return lambda r: {**_instruction_row(r, language), "benchmark": benchmark}


def _instruction_row(r: Row, language: str) -> Row:
    ids, kwargs = r["instruction_id_list"], r["kwargs"]
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise ValueError(f"instruction_id_list must be a list of ids, got {ids!r}"[:160])
    if not isinstance(kwargs, list) or len(kwargs) != len(ids):
        raise ValueError(f"kwargs must be a list of {len(ids)} object(s), one per instruction, got {kwargs!r}"[:160])
    if not isinstance(r["prompt"], str) or not r["prompt"].strip():
        raise ValueError("prompt is empty")
    answer = language
    for instruction_id, args in zip(ids, kwargs, strict=True):
        if instruction_id.endswith("language:response_language") and isinstance(args, dict) \
                and isinstance(args.get("language"), str):
            answer = args["language"]
    return {"key": str(r["key"]), "prompt": r["prompt"], "instruction_id_list": ids,
            "kwargs": [dict(k) if isinstance(k, dict) else k for k in kwargs], "answer_language": answer}


IFEVAL_FIELDS = ("key", "prompt", "instruction_id_list", "kwargs")
MULTI_IF_LANGUAGES = {"en": "English", "zh": "Chinese", "hi": "Hindi", "ru": "Russian", "fr": "French",
                      "es": "Spanish", "it": "Italian", "pt": "Portuguese"}
MULTI_IF_TURNS = 3


def _json_field(value: Any) -> Any:
    """Multi-IF keeps its lists and messages as JSON text in the hub's columns."""
    import json

    return json.loads(value) if isinstance(value, str) else value


def _multi_if(r: Row) -> Row:
    """A Multi-IF conversation (facebook/Multi-IF: ``turn_{t}_prompt`` a JSON message,
    ``turn_{t}_instruction_id_list`` and ``turn_{t}_kwargs`` JSON lists, the kwargs JSON objects),
    as ``turns``: prompt, instruction ids and kwargs per turn."""
    turns = []
    for t in range(1, MULTI_IF_TURNS + 1):
        prompt = r.get(f"turn_{t}_prompt")
        if prompt in (None, "", "None"):  # Multi-IF's metrics.py skips such a turn (some rows have two turns)
            break
        message = _json_field(prompt)
        content = message.get("content") if isinstance(message, dict) else message
        ids = _json_field(r[f"turn_{t}_instruction_id_list"])
        kwargs = [_json_field(k) for k in _json_field(r[f"turn_{t}_kwargs"])]
        turns.append(_instruction_row({"key": f"{r['key']}", "prompt": content, "instruction_id_list": ids,
                                       "kwargs": kwargs}, "en"))
    if not turns:
        raise ValueError("no turn_1_prompt")
    return {"key": str(r["key"]), "language": str(r.get("language", "")), "turns": turns}


def _multi_if_turns(language: str) -> Callable[[Row], list[Row]]:
    """A conversation row into one row per turn (only the conversations in ``language``)."""
    names = {language, MULTI_IF_LANGUAGES[language].lower()}

    def explode(r: Row) -> list[Row]:
        if str(r.get("language", "")).strip().lower() not in names:
            return []
        turns = r["turns"]
        if not isinstance(turns, list) or not turns:
            raise ValueError("turns must be a non-empty list")
        out = []
        for t, turn in enumerate(turns, 1):
            answer = language
            for instruction_id, args in zip(turn["instruction_id_list"], turn["kwargs"], strict=True):
                if instruction_id.endswith("language:response_language") and isinstance(args, dict):
                    answer = str(args.get("language") or answer)
            out.append({"key": f"{r['key']}-t{t}", "conversation_id": str(r["key"]), "turn": t,
                        "user_turns": [x["prompt"] for x in turns[:t]], "prompt": turn["prompt"],
                        "instruction_id_list": turn["instruction_id_list"], "kwargs": turn["kwargs"],
                        "answer_language": answer, "benchmark": "multi_if"})  # Multi-IF's counting rules
        return out

    return explode
# MT-Bench (FastChat llm_judge): the categories judged with a reference answer (common.py NEED_REF_CATS)
MT_BENCH_REFERENCE_CATEGORIES = ("math", "reasoning", "coding", "arena-hard-200")
MT_BENCH_TURNS = 2


def _mt_bench_question(r: Row) -> Row:
    """An MT-Bench question (``question_id``, ``category``, ``turns``) with its reference answer's
    turns where the reference file has one (``choices[0].turns``, what FastChat's judge reads)."""
    reference = r.get("reference_answer")
    turns = None
    if isinstance(reference, dict):
        choices = reference.get("choices")
        turns = choices[0].get("turns") if isinstance(choices, list) and choices and isinstance(choices[0], dict) \
            else None
        if not isinstance(turns, list) or not all(isinstance(t, str) for t in turns):
            raise ValueError(f"the reference answer of question {r.get('question_id')!r} "
                             f"({r.get('reference_answer_file')}) has no choices[0].turns list of texts")
    return {"question_id": r["question_id"], "category": r["category"], "turns": r["turns"], "reference": turns,
            "reference_file": r.get("reference_answer_file")}


def _mt_bench_turns(r: Row) -> list[Row]:
    """A two-turn MT-Bench conversation into one row per turn; the question's checks (two
    non-empty turns, a category, a reference answer where its category is judged with one)."""
    qid, category, turns = r.get("question_id"), r.get("category"), r.get("turns")
    if isinstance(qid, bool) or not isinstance(qid, int | str) or not str(qid).strip():
        raise ValueError(f"question_id must be a number or a name, got {qid!r}")
    if not isinstance(category, str) or not category.strip():
        raise ValueError(f"question {qid}: no category")
    if not isinstance(turns, list) or len(turns) != MT_BENCH_TURNS:
        count = len(turns) if isinstance(turns, list) else "no list of"
        raise ValueError(f"question {qid}: MT-Bench asks two turns, this question has {count} turn(s)")
    if not all(isinstance(t, str) and t.strip() for t in turns):
        raise ValueError(f"question {qid}: a turn is empty or not text")
    reference = r.get("reference")
    if category in MT_BENCH_REFERENCE_CATEGORIES:
        where = f" ({r['reference_file']})" if r.get("reference_file") else ""
        if not isinstance(reference, list) or len(reference) < MT_BENCH_TURNS:
            raise ValueError(f"question {qid} ({category}) is judged against a reference answer of both turns, "
                             f"and the reference file{where} has none")
    else:
        reference = None
    return [{"key": f"{qid}-t{t}", "conversation_id": str(qid), "question_id": qid, "turn": t,
             "user_turns": turns[:t], "prompt": turns[t - 1], "category": category, "turns": turns,
             "reference": reference} for t in range(1, MT_BENCH_TURNS + 1)]


MIFEVAL_LANGUAGES = ("en", "es", "fr", "ja")
PMMEVAL_LANGUAGES = ("en", "zh", "ar", "es", "fr", "ja", "ko", "pt", "th", "vi")
PMMEVAL_FIELDS = ("prompt", "instruction_id_list", "kwargs")


def _pmmeval(language: str) -> Callable[[Row], Row]:
    """A P-MMEval mIFEval row (prompt, instruction_id_list, kwargs: the fields OpenCompass's
    PMMEvalMIFEvalDataset reads), checked by P-MMEval's own rules (``benchmark: pmmeval``); a row
    without a key is keyed by its prompt's digest."""

    def convert(r: Row) -> Row:
        key = r.get("key")
        if key is None:
            import hashlib

            key = "p" + hashlib.sha256(str(r["prompt"]).encode("utf-8")).hexdigest()[:12]
        return {**_instruction_row({**r, "key": key}, language), "benchmark": "pmmeval"}

    return convert


SOURCES: dict[str, Source] = {s.name: s for s in [
    # IFEval (arXiv 2311.07911): google/IFEval on the hub (train, 541); the release file
    # instruction_following_eval/data/input_data.jsonl under --data-dir DIR/ifeval/
    Source("ifeval", "ifeval", "google/IFEval", None, "train", _instructions("en", "ifeval"), "ifeval/input_data.jsonl",
           _instructions("en", "ifeval"), hub_fields=IFEVAL_FIELDS, licence="Apache-2.0",
           evidence="lm-eval tasks/ifeval/ifeval.yaml (google/IFEval, train)"),
    # M-IFEval (arXiv 2502.04688): release files data/{lang}_input_data.jsonl of
    # lightblue-tech/M-IFEval (commit 0bc3143), under --data-dir DIR/m-ifeval/
    *[Source(f"mifeval_{lang}", "ifeval", None, None, "test", None, f"m-ifeval/{lang}_input_data.jsonl",
             _instructions(lang, "mifeval"), licence="Apache-2.0",
             evidence="lightblue-tech/M-IFEval data/ (commit 0bc3143)")
      for lang in MIFEVAL_LANGUAGES],
    # P-MMEval's mIFEval (arXiv 2411.09116): Qwen/P-MMEval, config mifeval (960 rows), one file a
    # language, mifeval/test/{lang}.jsonl, as OpenCompass reads them; or --data-dir
    # DIR/P-MMEval/mifeval/test/{lang}.jsonl (OpenCompass's data/P-MMEval layout, the hub's too)
    *[Source(f"pmmeval_mifeval_{lang}", "ifeval", "Qwen/P-MMEval", "mifeval", "test", _pmmeval(lang),
             f"P-MMEval/mifeval/test/{lang}.jsonl", _pmmeval(lang), hub_data_files=f"mifeval/test/{lang}.jsonl",
             hub_fields=PMMEVAL_FIELDS, licence="Apache-2.0",
             evidence="OpenCompass a5acc4b opencompass/datasets/PMMEval/mifeval.py (PMMEvalMIFEvalDataset.load: "
                      "mifeval/test/{lang}.jsonl; reader columns prompt, instruction_id_list, kwargs); hub README "
                      "(config mifeval: mifeval/test/*.jsonl)")
      for lang in PMMEVAL_LANGUAGES],
    # Multi-IF (arXiv 2410.15553): 4,501 three-turn conversations in 8 languages, facebook/Multi-IF
    # (train, as lm-eval's multi_if task); one task per language, one sample per turn
    *[Source(f"multi_if_{lang}", "ifeval", "facebook/Multi-IF", None, "train", _multi_if, None, None,
             hub_fields=("key", "language", "turn_1_prompt", "turn_1_instruction_id_list", "turn_1_kwargs"),
             licence="see the dataset card", evidence="lm-eval tasks/multi_if (utils.process_docs)",
             explode=_multi_if_turns(lang))
      for lang in MULTI_IF_LANGUAGES],
    # IFEval-Ko (allganize/IFEval-Ko, train: 342 IFEval prompts translated into Korean, IFEval's row
    # format and ids), or a local file in IFEval's format under --data-dir DIR/ifeval-ko/input_data.jsonl
    Source("ifeval_ko", "ifeval", "allganize/IFEval-Ko", None, "train", _instructions("ko"),
           "ifeval-ko/input_data.jsonl", _instructions("ko"), hub_fields=IFEVAL_FIELDS, licence="Apache-2.0",
           evidence="hub dataset card; loaders of the Korean leaderboards that run it (key, prompt, "
                    "instruction_id_list, kwargs; split train)"),
    # lm-eval 0.4.13's ifeval_es / ifeval_ca (lm_eval/tasks/ifeval/multilingual): IFEval translated into
    # Spanish (BSC-LT/IFEval_es) and Catalan (projecte-aina/IFEval_ca), 541 prompts each, es:/ca: ids, scored
    # by lm-eval's own checkers (benchmark lmeval); the test split as lm-eval's YAMLs name it, or the hub's
    # rows as an IFEval-format file under --data-dir DIR/ifeval-es/input_data.jsonl (ifeval-ca/...)
    *[Source(f"ifeval_{lang}", "ifeval", hub, None, "test", _instructions(lang, "lmeval"),
             f"ifeval-{lang}/input_data.jsonl", _instructions(lang, "lmeval"), hub_fields=IFEVAL_FIELDS,
             licence="CC BY 4.0 (see the dataset card)",
             evidence=f"lm-eval 0.4.13 tasks/ifeval/multilingual/ifeval_{lang}.yaml (dataset_path {hub}, "
                      "test_split test; process_results reads key, prompt, instruction_id_list, kwargs)")
      for lang, hub in (("es", "BSC-LT/IFEval_es"), ("ca", "projecte-aina/IFEval_ca"))],
    # X-Instruction (arXiv 2405.19744) answers English questions in ten languages: the 80 Vicuna
    # questions (FastChat, Apache-2.0) and the WizardLM test set (218 items, 29 skills), read from
    # their repositories' files at a commit, or --data-dir DIR/vicuna-bench/question.jsonl and
    # DIR/wizardlm/WizardLM_testset.jsonl
    Source("xinstruct_vicuna", "xinstruct", "lm-sys/FastChat", None, "train", _vicuna, "vicuna-bench/question.jsonl",
           _vicuna, hub_revision="589532dcfa83700f950b9aa3983416c543afabc0",
           repo_file="fastchat/llm_judge/data/vicuna_bench/question.jsonl", hub_fields=("question_id", "category",
                                                                                         "turns"),
           licence="Apache-2.0", evidence="X-Instruction README (Vicuna benchmark); FastChat llm_judge data"),
    Source("xinstruct_wizardlm", "xinstruct", "nlpxucan/WizardLM", None, "train", _wizardlm,
           "wizardlm/WizardLM_testset.jsonl", _wizardlm, hub_revision="6526cfae2497cfb1a23476c808a8095cd378e486",
           repo_file="data/WizardLM_testset.jsonl", hub_fields=("idx", "Skill", "Instruction"),
           licence="see the repository", evidence="X-Instruction's reported sets (Vicuna & WizardLM); WizardLM data/"),
    # MT-Bench (arXiv 2306.05685; FastChat llm_judge, Apache-2.0) and KoMT-Bench (LG AI Research,
    # LGPL-3.0): 80 two-turn questions each, with GPT-4's reference answers for the categories judged
    # against one; their repositories' files at a commit, or --data-dir DIR/mt-bench/question.jsonl
    # (+ reference_answer_gpt-4.jsonl) and DIR/komt-bench/question_ko.jsonl (+ reference_answer_ko_gpt-4.jsonl)
    Source("mt_bench", "mt_bench", "lm-sys/FastChat", None, "train", _mt_bench_question, "mt-bench/question.jsonl",
           _mt_bench_question, hub_revision="589532dcfa83700f950b9aa3983416c543afabc0",
           repo_file="fastchat/llm_judge/data/mt_bench/question.jsonl",
           companion=Companion("fastchat/llm_judge/data/mt_bench/reference_answer/gpt-4.jsonl",
                               "mt-bench/reference_answer_gpt-4.jsonl", "question_id", "reference_answer"),
           hub_fields=("question_id", "category", "turns"), explode=_mt_bench_turns, licence="Apache-2.0",
           evidence="FastChat 589532dc fastchat/llm_judge/ (gen_model_answer.py, gen_judgment.py, common.py)"),
    Source("komt_bench", "mt_bench", "LG-AI-EXAONE/KoMT-Bench", None, "train", _mt_bench_question,
           "komt-bench/question_ko.jsonl", _mt_bench_question,
           hub_revision="56d4f3af437543dce39f08aecfb818abed81210d",
           repo_file="FastChat/fastchat/llm_judge/data/mt_bench/question_ko.jsonl",
           companion=Companion("FastChat/fastchat/llm_judge/data/mt_bench/reference_answer_ko/gpt-4.jsonl",
                               "komt-bench/reference_answer_ko_gpt-4.jsonl", "question_id", "reference_answer"),
           hub_fields=("question_id", "category", "turns"), explode=_mt_bench_turns, licence="LGPL-3.0",
           evidence="LG-AI-EXAONE/KoMT-Bench (its fork of FastChat's llm_judge; detector.py)"),
    *[Source(f"alpacaeval_{lang}", "chat", None, None, "test", None,
             f"multilingual-alpacaeval/alpacaeval_test_subset.{lang}.jsonl", None, _alpacaeval_reader(lang, False),
             licence="CC BY-NC 4.0", evidence="naver/pasero release files")
      for lang in ("en", "fr", "pt", "ru")],
    *[Source(f"alpacaeval_modifiers_{lang}", "chat", None, None, "test", None,
             f"multilingual-alpacaeval/modifiers.{lang}.jsonl", None, _alpacaeval_reader(lang, True),
             licence="CC BY-NC 4.0", evidence="naver/pasero release files")
      for lang in ("en", "fr", "pt", "ru")],
    # KORANI unseen clusters (Korean)
    Source("klue_nli", "korani", "klue/klue", "nli", "validation", _nli("premise", "hypothesis", "label"),
           "klue-nli/klue-nli-v1.1_dev.json", _nli("premise", "hypothesis", "gold_label"),
           hub_fields=NLI_FIELDS, licence="CC BY-SA 4.0", evidence="parquet repo; lm-eval tasks/klue"),
    # KorNLI moved from the namespace-less `kor_nli` (refused by huggingface_hub >= 1.0) to
    # kakaobrain/kor_nli (parquet; configs multi_nli, snli, xnli; xnli: validation 2490, test 5010).
    Source("kornli", "korani", "kakaobrain/kor_nli", "xnli", "test", _nli("premise", "hypothesis", "label"),
           "kornli/xnli.test.ko.tsv", _nli("sentence1", "sentence2", "gold_label"),
           hub_fields=NLI_FIELDS, licence="CC BY-SA 4.0", evidence="hub repo kakaobrain/kor_nli (parquet)"),
    Source("kobest_copa", "korani", "skt/kobest_v1", "copa", "test", _copa_kobest,
           hub_fields=("premise", "question", "alternative_1", "alternative_2", "label"),
           licence="CC BY-SA 4.0", evidence="lm-eval tasks/kobest"),
    Source("kobest_hellaswag", "korani", "skt/kobest_v1", "hellaswag", "test", _hellaswag_kobest,
           hub_fields=("context", "ending_1", "ending_2", "ending_3", "ending_4", "label"),
           licence="CC BY-SA 4.0", evidence="lm-eval tasks/kobest"),
    Source("kobest_wic", "korani", "skt/kobest_v1", "wic", "test", _wic_kobest,
           hub_fields=("word", "context_1", "context_2", "label"), licence="CC BY-SA 4.0",
           evidence="lm-eval tasks/kobest"),
    # Ko-WinoGrande: a labelled translation (its test split is WinoGrande's validation, 1267 rows).
    # A translation of WinoGrande's *test* split has no labels, so the earlier
    # solonsophy/winogrande-ko is not used. Gated on the hub: accept its terms, set HF_TOKEN.
    Source("ko_winogrande", "korani", "thunder-research-group/SNU_Ko-WinoGrande", None, "test", _winogrande,
           hub_fields=("sentence", "option1", "option2", "answer"), licence="see the dataset card",
           evidence="hub dataset card", gated=True),
    # KORANI seen clusters (Korean)
    # BEEP!: inmoonlight/kor_hate holds only a loading script; the hub's parquet conversion of it
    # lives at refs/convert/parquet. Its `hate` field is a ClassLabel (hate, offensive, none).
    Source("beep", "korani", "inmoonlight/kor_hate", None, "test", _beep,
           "korean-hate-speech/dev.tsv", _beep, hub_revision=PARQUET_REVISION, hub_data_dir="default",
           hub_fields=("comments", "hate"), licence="CC BY-SA 4.0",
           evidence="kor_hate loading script (features); hub parquet conversion"),
    Source("apeach", "korani", "jason9693/APEACH", None, "test", _apeach, "apeach/test.csv", _apeach,
           hub_fields=("text",), licence="CC BY-SA 4.0", evidence="hub repo (csv)"),
    Source("pawsx_ko", "korani", "google-research-datasets/paws-x", "ko", "test", _paws,
           hub_fields=("sentence1", "sentence2", "label"), licence="see the dataset card",
           evidence="lm-eval tasks/paws-x"),
    # NSMC: e9t/nsmc holds a loading script on main; the parquet conversion is default/test.
    Source("nsmc", "korani", "e9t/nsmc", None, "test", _nsmc, hub_revision=PARQUET_REVISION,
           hub_data_dir="default", hub_fields=("document", "label"), licence="CC0 1.0",
           evidence="hub parquet conversion (default/test)"),
    Source("news_summary_ko", "korani", "daekeun-ml/naver-news-summarization-ko", None, "test",
           _news_summary, hub_fields=("document", "summary"), licence="Apache-2.0 (see the dataset card)",
           evidence="hub repo (csv)"),
    # T0 held-out clusters (English)
    Source("rte", "english", "aps/super_glue", "rte", "validation", _rte,
           hub_fields=("premise", "hypothesis", "label"), licence="see SuperGLUE", evidence="lm-eval tasks/super_glue"),
    Source("cb", "english", "aps/super_glue", "cb", "validation", _cb,
           hub_fields=("premise", "hypothesis", "label"), licence="see SuperGLUE", evidence="lm-eval tasks/super_glue"),
    Source("anli_r1", "english", "facebook/anli", None, "dev_r1", _nli("premise", "hypothesis", "label"),
           hub_fields=NLI_FIELDS, licence="CC BY-NC 4.0", evidence="lm-eval tasks/anli"),
    Source("copa", "english", "aps/super_glue", "copa", "validation", _copa_sglue,
           hub_fields=("premise", "question", "choice1", "choice2", "label"), licence="BSD 2-Clause",
           evidence="lm-eval tasks/super_glue"),
    Source("hellaswag", "english", "Rowan/hellaswag", None, "validation", _hellaswag_rowan,
           hub_fields=("activity_label", "ctx_a", "ctx_b", "endings", "label"), licence="MIT",
           evidence="lm-eval tasks/hellaswag"),
    Source("wic", "english", "aps/super_glue", "wic", "validation", _wic_sglue,
           hub_fields=("word", "sentence1", "sentence2", "label"), licence="CC BY-NC 4.0",
           evidence="lm-eval tasks/super_glue"),
    Source("winogrande", "english", "allenai/winogrande", "winogrande_xl", "validation", _winogrande,
           hub_fields=("sentence", "option1", "option2", "answer"), licence="CC BY 4.0",
           evidence="lm-eval tasks/winogrande"),
]}


def resolve_source(name: str, where: str = "") -> Source:
    source = SOURCES.get(name)
    if source is None:
        prefix = f"{where}: " if where else ""
        raise ConfigError(f"{prefix}unknown data source {name!r}: known sources are {', '.join(sorted(SOURCES))}")
    return source


def load_rows(source: Source, data_source: str = "hub", data_dir: Path | None = None) -> list[Row]:
    """Rows of ``source`` in its normalised schema, from the sample, the hub or a local file."""
    rows = _load_rows(source, data_source, data_dir)
    if source.explode is None:
        return rows
    out = []
    for number, row in enumerate(rows, 1):
        try:
            out.extend(source.explode(row))
        except (KeyError, ValueError, TypeError) as exc:
            where = f" ({data_dir / source.local_file})" if data_source == "local" and data_dir and source.local_file \
                else ""
            raise ConfigError(f"data source {source.name!r}{where}: row {number}: bad value: {exc}") from None
    if not out:
        raise ConfigError(f"data source {source.name!r}: no rows ({data_source})")
    return out


def _load_rows(source: Source, data_source: str, data_dir: Path | None) -> list[Row]:
    if data_source not in DATA_SOURCES:
        raise ConfigError(f"unknown data source kind {data_source!r}: use one of {', '.join(DATA_SOURCES)}")
    if data_source == "sample":
        from xeval.tasks.datafiles import read_records

        return read_records(source.sample_path(), "jsonl")
    if data_source == "local":
        return _load_local(source, data_dir)
    if source.hub_path is None or source.convert_hub is None:
        raise ConfigError(f"data source {source.name!r} is not on the hub: use --data-dir with its release "
                          f"files ({source.local_file}) or --data-source sample")
    rows = _hub_rows(source)
    if source.companion is not None:
        rows = _joined(source, rows, _hub_rows(source, source.companion.repo_file),
                       f"data source {source.name!r} ({source.hub_label()})")
    return convert_rows(source, rows, f"data source {source.name!r} ({source.hub_label()})")


def convert_rows(source: Source, rows: Iterable[Row], where: str, limit: int | None = None) -> list[Row]:
    """``source.convert_hub`` over hub rows; a renamed field or a bad value is one line naming
    the source, the row and the way out, as for local files."""
    assert source.convert_hub is not None
    out = []
    for number, row in enumerate(rows, 1):
        try:
            out.append(source.convert_hub(row))
        except KeyError as exc:
            raise ConfigError(f"{where}: row {number}: no field {exc} (has {', '.join(map(str, row))}); "
                              f"{_way_out(source)}") from None
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"{where}: row {number}: bad value: {exc}; {_way_out(source)}") from None
        if limit is not None and len(out) >= limit:
            break
    return out


def _way_out(source: Source) -> str:
    local = f"--data-dir with its release file {source.local_file}, " if source.local_file else ""
    return f"use {local}--data-source sample, or report the upstream change"


def _load_local(source: Source, data_dir: Path | None) -> list[Row]:
    from xeval.tasks.datafiles import read_records

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
    if source.companion is not None:
        rows = _joined(source, rows, _local_companion(source.companion, data_dir, path), str(path))
    out = []
    for number, row in enumerate(rows, 1):
        try:
            out.append(source.convert_local(row))
        except (KeyError, ValueError) as exc:
            raise ConfigError(f"data file {path}: row {number}: missing or bad column {exc}") from None
    if not out:
        raise ConfigError(f"data file {path} has no rows")
    return out


def _local_companion(companion: Companion, data_dir: Path | None, main: Path) -> tuple[Path, list[Row]]:
    from xeval.tasks.datafiles import read_records

    assert data_dir is not None
    candidates = [data_dir / companion.local_file, main.parent / Path(companion.local_file).name]
    path = next((p for p in candidates if p.exists()), candidates[0])
    return path, read_records(path)


def _joined(source: Source, rows: list[Row], companion: tuple[Path, list[Row]] | list[Row], where: str) -> list[Row]:
    """``rows`` with their companion rows (by the companion's key) in ``companion.field``; a
    companion row under a key twice, or without the key, is one line naming the file and row."""
    assert source.companion is not None
    key = source.companion.key
    path, others = companion if isinstance(companion, tuple) else (None, companion)
    label = str(path) if path is not None else f"{where} {source.companion.repo_file}"
    by_key: dict[str, Row] = {}
    for number, other in enumerate(others, 1):
        if not isinstance(other, dict) or other.get(key) is None:
            raise ConfigError(f"data file {label}: row {number}: no field {key!r}")
        if str(other[key]) in by_key:
            raise ConfigError(f"data file {label}: row {number}: {key} {other[key]!r} appears twice")
        by_key[str(other[key])] = other
    field = source.companion.field
    return [{**row, field: by_key.get(str(row.get(key))), f"{field}_file": label} for row in rows]


def hub_location(source: Source) -> tuple[str, str | None]:
    """Where ``datasets`` loads a source from: the hub id at its pinned revision, or its folder
    in the local mirror named by ``$XEVAL_HUB_MIRROR`` (which holds that revision's files)."""
    assert source.hub_path is not None
    mirror = os.environ.get(HUB_MIRROR_ENV)
    if mirror:
        return str(Path(mirror).expanduser() / source.hub_path), None
    return source.hub_path, source.hub_revision


def open_hub_dataset(source: Source, streaming: bool = False) -> Any:
    """The source's split through ``datasets`` (a one-line error naming the id on failure)."""
    try:
        import datasets
    except ImportError:
        raise MissingDependencyError(f"data source {source.name!r} from the hub", "datasets") from None
    path, revision = hub_location(source)
    if source.repo_file is not None:  # a repository's release file through the JSON loader
        mirrored = os.environ.get(HUB_MIRROR_ENV)
        data_files = str(Path(path) / source.repo_file) if mirrored else source.repo_file_url()
        path, revision = "json", None
    kwargs: dict[str, Any] = {"split": source.hub_split, "streaming": streaming}
    if source.repo_file is not None:
        kwargs["data_files"] = data_files
    elif source.hub_data_files is not None:
        kwargs["data_files"] = {source.hub_split: source.hub_data_files}
    if revision:
        kwargs["revision"] = revision
    if source.hub_data_dir:
        kwargs["data_dir"] = source.hub_data_dir
    try:
        return datasets.load_dataset(path, source.hub_name, **kwargs)
    except Exception as exc:  # noqa: BLE001 - the hub raises many kinds
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        gated = (" It is gated: accept its terms on the hub and set HF_TOKEN." if source.gated else "")
        where = f"local mirror {path}" if os.environ.get(HUB_MIRROR_ENV) else "the hub"
        raise ConfigError(
            f"cannot load {source.hub_label()} from {where}: {first}.{gated} Offline or blocked: use "
            + (f"--data-dir with its release file {source.local_file}, or " if source.local_file else "")
            + "--data-source sample"
        ) from None


def with_label_names(row: Row, names: dict[str, list[str]]) -> Row:
    """Add ``<field>_name`` for ClassLabel fields (e.g. BEEP!'s ``hate`` -> ``hate_name``)."""
    row = dict(row)
    for key, labels in names.items():
        if isinstance(row.get(key), int) and 0 <= row[key] < len(labels):
            row[f"{key}_name"] = labels[row[key]]
    return row


def label_names(dataset: Any) -> dict[str, list[str]]:
    features = getattr(dataset, "features", None) or {}
    return {k: f.names for k, f in features.items() if hasattr(f, "names")}


def _hub_rows(source: Source, repo_file: str | None = None) -> list[Row]:
    """The source's rows from the hub (or, for a repository's files, ``repo_file`` instead of its
    own file: a companion file at the same commit)."""
    if repo_file is not None:
        from dataclasses import replace

        source = replace(source, repo_file=repo_file)
    dataset = open_hub_dataset(source)
    names = label_names(dataset)
    return [with_label_names(row, names) for row in dataset]


def load(**kwargs: Any) -> Any:
    """lm-evaluation-harness ``custom_dataset`` entry point.

    lm-eval passes the task's metadata (with ``xeval.source``) and any ``--metadata`` JSON; a task
    declaring its instruction checker set (``xeval.instructions``) gets it in every row's ``benchmark``;
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
    declared = meta.get("instructions")
    if isinstance(declared, dict) and declared.get("benchmark"):
        # lm-eval's process_results sees only the document: it carries the task's declared checker set
        rows = [{**row, "benchmark": declared["benchmark"]} for row in rows]
    return datasets.DatasetDict({source.hub_split: datasets.Dataset.from_list(rows)})
