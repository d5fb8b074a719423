"""M-IFEval's released verdicts, reproduced: every published response scored by xeval's ``mifeval_*``
tasks and compared, instruction by instruction, strict and loose, with the verdicts M-IFEval's own
code released.

M-IFEval (github lightblue-tech/M-IFEval, Apache-2.0; the shisa-ai fork keeps the same release)
publishes, per language and model, ``evaluations/{lang}_input_response_data_{model}/eval_results_
{strict,loose}.jsonl``: each prompt's response (``null`` where the API returned none) and its
``follow_instruction_list``. (The ``data/*_input_response_data_*.jsonl`` files of the checkout are
Git LFS pointers; the responses are read from the evaluation files, where they are the same.)

For each model this writes the responses as an IFEval response file and runs, in a subprocess,
``xeval run --model responses:FILE --tasks mifeval_en,mifeval_es,mifeval_fr,mifeval_ja --data-dir D``
(D holding ``m-ifeval/{lang}_input_data.jsonl`` from the checkout): the real scoring path, records and
all. Each record's verdicts (``prompt_level_strict_acc``'s, langdetect seeded as the reference calls
it; and ``prompt_level_strict_acc_xeval_langid``'s, xeval's language ID, what the tasks gave before
they used langdetect) are compared with the published ones. Each differing verdict gets its cause:

- ``langdetect unseeded``: a language check whose langdetect verdict on that text changes with the
  seed (M-IFEval leaves langdetect unseeded: its published verdict was drawn at random), and some
  seed gives the published verdict;
- ``random letter``: ``keywords:letter_frequency`` with a letter that is no ASCII letter (``#``,
  ``!``): M-IFEval's ``build_description`` then draws a random letter (``random.choice``, unseeded);
- ``xx_sent_ud_sm``: a Spanish ``number_sentences`` whose text langdetect does not call Spanish:
  M-IFEval counts it with spaCy's trained ``xx_sent_ud_sm`` (not on the package index);
- ``es_core_news_sm parser``: the other Spanish ``number_sentences``: M-IFEval counts with the
  trained parser of spaCy's ``es_core_news_sm`` 3.7 (not on the package index; xeval's rule stands in);
- ``punkt of the release``: an English ``number_sentences`` (xeval equals NLTK 3.9+'s Punkt
  ``punkt_tab`` English, as lm-eval's code run here; the release was counted with an older Punkt);
- ``unexplained``: anything else (none is expected).

The released verdicts were computed on the input data as it stood until 2025-07 (later commits
reword nine Japanese prompts and change one's kwargs): extract the checkout at commit 9975ae9 (its
``evaluations/`` are the released ones, as at HEAD). A published prompt the input data lacks is
counted as unmatched and not compared.

Usage::

    git -C <mirror>/shisa-ai+M-IFEval/repo archive 9975ae9 | tar -x -C /tmp/mifeval
    PYTHONPATH=harness python bench/instructions/mifeval_released.py /tmp/mifeval [--models 6]
        [--out /tmp/mifeval-runs] [--rows rows.jsonl] [--cases tests/scoring/instructions/cases/mifeval_released.jsonl]

``--rows`` writes every compared prompt (key, model, response, both verdict sets, the published ones,
causes); ``--cases`` writes the case file the CI test reads (every prompt with a difference, of either
metric, plus a sample of the others, two per language and model).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import string
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

LANGUAGES = ("en", "es", "fr", "ja")
# the ids whose checker asks a language ID (M-IFEval: langdetect), by their base id
LANGUAGE_CHECKS = frozenset({"language:response_language", "change_case:english_capital",
                             "change_case:english_lowercase", "change_case:spanish_capital",
                             "change_case:spanish_lowercase", "change_case:french_capital",
                             "change_case:french_lowercase"})
SEEDS = range(32)  # langdetect seeds tried for "decided at random"
CASES_PER_PAIR = 2  # agreeing prompts kept per (language, model) in --cases
ROOT = Path(__file__).resolve().parents[2]


def models(mifeval: Path) -> list[str]:
    """The models with published verdicts in every language."""
    found = []
    for folder in sorted((mifeval / "evaluations").glob("en_input_response_data_*")):
        model = folder.name.removeprefix("en_input_response_data_")
        if all((mifeval / "evaluations" / f"{lang}_input_response_data_{model}" / "eval_results_strict.jsonl").exists()
               for lang in LANGUAGES):
            found.append(model)
    return found


def published(mifeval: Path, language: str, model: str) -> dict[str, dict[str, Any]]:
    """prompt -> {response, strict, loose} as released."""
    folder = mifeval / "evaluations" / f"{language}_input_response_data_{model}"
    out: dict[str, dict[str, Any]] = {}
    for mode in ("strict", "loose"):
        for line in (folder / f"eval_results_{mode}.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            entry = out.setdefault(row["prompt"], {"response": row["response"]})
            entry[mode] = row["follow_instruction_list"]
    return out


def inputs(mifeval: Path, language: str) -> dict[str, dict[str, Any]]:
    text = (mifeval / "data" / f"{language}_input_data.jsonl").read_text(encoding="utf-8")
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    return {str(r["key"]): r for r in rows}


def run_model(mifeval: Path, model: str, work: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """xeval's records of one model's published responses, by (language, key)."""
    data_dir = work / "data"
    if not data_dir.exists():
        (data_dir / "m-ifeval").mkdir(parents=True)
        for language in LANGUAGES:
            (data_dir / "m-ifeval" / f"{language}_input_data.jsonl").symlink_to(
                (mifeval / "data" / f"{language}_input_data.jsonl").resolve())
    responses = work / f"responses_{model}.jsonl"
    with responses.open("w", encoding="utf-8") as f:
        for language in LANGUAGES:
            for prompt, entry in published(mifeval, language, model).items():
                f.write(json.dumps({"prompt": prompt, "response": entry["response"]}, ensure_ascii=False) + "\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "harness") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    command = [sys.executable, "-m", "xeval", "run", "--model", f"responses:{responses}",
               "--tasks", ",".join(f"mifeval_{lang}" for lang in LANGUAGES), "--data-dir", str(data_dir),
               "--output", str(work / "runs"), "--run-id", model, "--no-cache", "--max-error-rate", "1"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
    if done.returncode not in (0, 3):
        raise SystemExit(f"xeval run on {model} failed (exit {done.returncode}): {done.stderr[-2000:]}")
    records = {}
    for line in (work / "runs" / model / "samples.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        records[(record["task"].removeprefix("mifeval_"), str(record["id"]))] = record
    return records


def _variants_checked(instruction_id: str, kwargs: dict[str, Any], response: str, mode: str, language: str,
                      prompt: str, seed: int) -> bool:
    from xeval.scoring.instructions.registry import LANGDETECT, CheckContext, verdicts

    context = CheckContext(language=language, prompt=prompt, benchmark="mifeval", language_id=LANGDETECT,
                           langdetect_seed=seed)
    return bool(verdicts([instruction_id], [kwargs], response, context)[0][mode])


def cause(language: str, instruction_id: str, kwargs: dict[str, Any], response: str | None, mode: str,
          theirs: bool, prompt: str) -> str:
    """Why xeval's verdict is not the published one (see the module docstring)."""
    from xeval.language.langdetect_seeded import langdetect_language
    from xeval.scoring.instructions.registry import split_id

    base = split_id(instruction_id)[1]
    if response is None:
        return "null response"
    if base in LANGUAGE_CHECKS:
        drawn = {_variants_checked(instruction_id, kwargs, response, mode, language, prompt, s) for s in SEEDS}
        return "langdetect unseeded" if theirs in drawn and len(drawn) > 1 else "unexplained"
    letter = str(kwargs.get("letter", ""))
    if base == "keywords:letter_frequency" and not (len(letter) == 1 and letter in string.ascii_letters):
        return "random letter"
    if base == "length_constraints:number_sentences" and language == "es":
        spanish = langdetect_language(response.lower()) in ("es", None)
        return "es_core_news_sm parser" if spanish else "xx_sent_ud_sm"
    if base == "length_constraints:number_sentences" and language == "en":
        return "punkt of the release"
    return "unexplained"


def compare(mifeval: Path, chosen: list[str], work: Path) -> list[dict[str, Any]]:
    rows = []
    prompts = {language: inputs(mifeval, language) for language in LANGUAGES}
    for number, model in enumerate(chosen, 1):
        records = run_model(mifeval, model, work)
        for language in LANGUAGES:
            released = published(mifeval, language, model)
            unmatched = set(released) - {item["prompt"] for item in prompts[language].values()}
            if unmatched:
                print(f"{language} {model}: {len(unmatched)} published prompt(s) not in the input data, not compared "
                      f"(extract the checkout at 9975ae9)", file=sys.stderr)
            for key, item in prompts[language].items():
                theirs = released.get(item["prompt"])
                if theirs is None:
                    continue
                record = records.get((language, key))
                if record is None or record.get("error"):
                    raise SystemExit(f"{model} {language} {key}: no scored record "
                                     f"({record and record.get('error')})")
                row: dict[str, Any] = {
                    "language": language, "model": model, "key": key, "prompt": item["prompt"],
                    "instruction_id_list": item["instruction_id_list"], "kwargs": item["kwargs"],
                    "response": theirs["response"], "published": {m: theirs[m] for m in ("strict", "loose")},
                    "missing": record["prediction"].get("missing")}
                for metric, name in (("prompt_level_strict_acc", "xeval"),
                                     ("prompt_level_strict_acc_xeval_langid", "xeval_langid")):
                    found = record["scores"][metric]["details"]["instructions"]
                    row[name] = {m: [bool(v[m]) for v in found] for m in ("strict", "loose")}
                causes = {}
                for index, instruction_id in enumerate(item["instruction_id_list"]):
                    for mode in ("strict", "loose"):
                        if row["xeval"][mode][index] != theirs[mode][index]:
                            causes[f"{index}:{mode}"] = cause(language, instruction_id, item["kwargs"][index],
                                                              theirs["response"], mode, theirs[mode][index],
                                                              item["prompt"])
                row["causes"] = causes
                rows.append(row)
        print(f"[{number}/{len(chosen)}] {model}", file=sys.stderr, flush=True)
    return rows


def report(rows: list[dict[str, Any]]) -> None:
    for name, title in (("xeval", "mifeval_* metrics (langdetect seeded, as the reference)"),
                        ("xeval_langid", "*_xeval_langid metrics (xeval's language ID; before issue 38)")):
        print(f"\n{title}")
        print(f"{'lang':5} {'models':>6} {'mode':6} {'compared':>9} {'equal':>7} {'differ':>6}  by cause / id")
        for language in LANGUAGES:
            mine = [r for r in rows if r["language"] == language]
            for mode in ("strict", "loose"):
                compared = equal = 0
                by: collections.Counter[str] = collections.Counter()
                for row in mine:
                    for index, instruction_id in enumerate(row["instruction_id_list"]):
                        compared += 1
                        if row[name][mode][index] == row["published"][mode][index]:
                            equal += 1
                        elif name == "xeval":
                            by[row["causes"][f"{index}:{mode}"]] += 1
                        else:
                            by[instruction_id.split(":", 1)[1]] += 1
                models_n = len({r["model"] for r in mine})
                detail = ", ".join(f"{k} {v}" for k, v in by.most_common())
                print(f"{language:5} {models_n:6} {mode:6} {compared:9} {equal:7} {compared - equal:6}  {detail}")


def write_cases(rows: list[dict[str, Any]], path: Path, seed: int = 0) -> None:
    """Every prompt where either metric differs from the release, and CASES_PER_PAIR agreeing
    prompts per (language, model), drawn with ``seed``."""
    draw = random.Random(seed)
    keep = []
    by_pair: dict[tuple[str, str], list[dict[str, Any]]] = collections.defaultdict(list)
    for row in rows:
        differs = row["causes"] or row["xeval_langid"] != row["published"] or row["response"] is None
        if differs:
            keep.append(row)
        else:
            by_pair[(row["language"], row["model"])].append(row)
    for pair in sorted(by_pair):
        keep.extend(draw.sample(by_pair[pair], min(CASES_PER_PAIR, len(by_pair[pair]))))
    keep.sort(key=lambda r: (LANGUAGES.index(r["language"]), r["model"], int(r["key"])))
    header = {"source": "M-IFEval's released responses and verdicts (github lightblue-tech/M-IFEval, as the "
                        "shisa-ai/M-IFEval snapshot holds them: evaluations/{lang}_input_response_data_{model}/"
                        "eval_results_{strict,loose}.jsonl; Apache-2.0), extracted by "
                        "bench/instructions/mifeval_released.py: every prompt where xeval's verdicts (either "
                        "language ID) differed from the release, and a sample of the others; 'published' is the "
                        "release's verdicts, 'causes' the declared differences of the mifeval_* metrics "
                        "('index:mode': cause)", "checkers": {"benchmark": "mifeval"}, "verdicts": "published"}
    fields = ("language", "model", "key", "prompt", "instruction_id_list", "kwargs", "response", "published", "causes")
    with path.open("w", encoding="utf-8") as f:
        for line in [header, *({k: r[k] for k in fields} for r in keep)]:
            f.write(json.dumps(line, ensure_ascii=False) + "\n")
    print(f"{path}: {len(keep)} prompts", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mifeval", type=Path, help="an extracted M-IFEval checkout (git archive of HEAD)")
    parser.add_argument("--models", type=int, default=0, help="the first N models only (default: all)")
    parser.add_argument("--out", type=Path, default=None, help="work folder (default: a temporary one)")
    parser.add_argument("--rows", type=Path, default=None, help="write every compared prompt here (JSON Lines)")
    parser.add_argument("--cases", type=Path, default=None, help="write the CI case file here")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "harness"))
    chosen = models(args.mifeval)
    if args.models:
        chosen = chosen[:args.models]
    if not chosen:
        raise SystemExit(f"{args.mifeval}: no evaluations/*_input_response_data_* folders")
    with tempfile.TemporaryDirectory(prefix="mifeval-released-") as scratch:
        work = args.out or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        rows = compare(args.mifeval.resolve(), chosen, work)
    report(rows)
    if args.rows:
        with args.rows.open("w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    if args.cases:
        write_cases(rows, args.cases)


if __name__ == "__main__":
    main()
