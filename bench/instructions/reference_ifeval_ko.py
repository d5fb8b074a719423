"""Reference verdicts for IFEval-Ko's instructions, from IFEval-Ko's own checker code, and xeval's
agreement with them (the checker set ``ifeval_ko``, task ``ifeval_ko_reference``).

IFEval-Ko (allganize/IFEval-Ko, hub dataset, commit 54199e3801116897697babf341865741dcd06fc8) ships
an lm-eval task folder ``ifeval_ko/`` (``ifeval_ko.yaml``, ``utils.py``, ``instructions.py``,
``instructions_registry.py``, ``instructions_util.py``). It is run here as lm-eval runs it: each
case through ``utils.test_instruction_following_strict`` and ``..._loose``, the folder imported as
the package ``lm_eval.tasks.ifeval_ko`` (stub parents, so lm-eval itself is not needed; relative
imports work too), ``langdetect`` seeded (``DetectorFactory.seed = 0``; IFEval-Ko does not seed
it). IFEval-Ko's checkers need no NLTK data: its sentence and word counts are its own.

Two commands. ``reference`` runs IFEval-Ko's code in a scratch environment with its
dependencies, not xeval's::

    python3.11 -m venv /tmp/ref-ko && /tmp/ref-ko/bin/pip install langdetect==1.0.9 immutabledict \\
        absl-py nltk packaging
    /tmp/ref-ko/bin/python bench/instructions/reference_ifeval_ko.py reference \\
        --checker DIR/ifeval_ko --cases tests/scoring/instructions/cases/ifeval_ko.jsonl

rewrites each case's ``reference`` ({"strict": [...], "loose": [...]}) and the header line, which
names the checker files by SHA-256. ``DIR`` is where the hub folder was downloaded
(``huggingface_hub.snapshot_download("allganize/IFEval-Ko", repo_type="dataset",
revision="54199e3...", allow_patterns="ifeval_ko/*")``, as the dataset card says). Where the hub
cannot be reached (as when the shipped case file was written), the folder is rebuilt from the
copy that developer0hye/llm-evals vendors as ``studies/2026-10-hanifeval/checker/``: its
``instructions.py`` and ``utils.py`` at commit 0d6154b593ad256cab00807cbbab7ec08c8c5068 and
``instructions_util.py`` at a8fe8a612eb97a9ce452149732230e465fc38796 (before its v1.1 splitter
change), with every change it marks ``[hanifeval]`` undone by hand: the ``langdetect`` seed line
removed; ``ResponseLanguageChecker`` returning True again on ``LangDetectException``;
``KeywordChecker``, ``KeywordFrequencyChecker`` and ``ForbiddenWords`` matching the unescaped
keyword (``re.search(keyword, ...)``, ``re.findall(keyword, ...)``, ``\\b`` + word + ``\\b``, as
lm-eval's English code); ``ParagraphFirstWordCheck`` comparing the whole first word; ``utils.py``
without its argument normalisation (``_nfc``); the two regex literals of ``split_into_sentences``
back to their mixed raw/plain form (the same regexes). The copy lacks ``instructions_registry.py``:
lm-eval 0.4.13's (the same ids onto the same class names, which IFEval-Ko's ``instructions.py``
keeps) stands in, its import made relative. Pass ``--source`` to say which of the two was run.

``compare`` runs in xeval's environment and reports instruction-level agreement per id, with an
example of each disagreement (a case's ``differs`` lists the ids where xeval differs on purpose)::

    python bench/instructions/reference_ifeval_ko.py compare tests/scoring/instructions/cases/ifeval_ko.jsonl
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import importlib
import json
import sys
import types
from pathlib import Path
from typing import Any

from casefile import package_versions, read_case_file, write_case_file  # this folder's

REFERENCE_PACKAGES = ("langdetect", "immutabledict", "absl-py", "nltk", "packaging")
CHECKER_FILES = ("utils.py", "instructions.py", "instructions_registry.py", "instructions_util.py")
RECONSTRUCTED = ("allganize/IFEval-Ko 54199e3801116897697babf341865741dcd06fc8 ifeval_ko/, reconstructed from "
                 "developer0hye/llm-evals studies/2026-10-hanifeval/checker/ (instructions.py, utils.py at "
                 "0d6154b593ad256cab00807cbbab7ec08c8c5068; instructions_util.py at "
                 "a8fe8a612eb97a9ce452149732230e465fc38796) with its [hanifeval] changes undone; "
                 "instructions_registry.py from lm-eval 0.4.13")


# --- running IFEval-Ko's code (scratch environment) ------------------------------------------------

def _load_checker(folder: Path) -> Any:
    """IFEval-Ko's ``utils`` module, the folder imported as ``lm_eval.tasks.ifeval_ko``."""
    missing = [name for name in CHECKER_FILES if not (folder / name).is_file()]
    if missing:
        raise SystemExit(f"{folder}: no {', '.join(missing)} (the hub's ifeval_ko/ folder)")
    from langdetect import DetectorFactory

    DetectorFactory.seed = 0
    for name in ("lm_eval", "lm_eval.tasks"):
        if name not in sys.modules:
            stub = types.ModuleType(name)
            stub.__path__ = []  # type: ignore[attr-defined]
            sys.modules[name] = stub
    package = types.ModuleType("lm_eval.tasks.ifeval_ko")
    package.__path__ = [str(folder)]  # type: ignore[attr-defined]
    sys.modules["lm_eval.tasks.ifeval_ko"] = package
    return importlib.import_module("lm_eval.tasks.ifeval_ko.utils")


def _reference(utils: Any, case: dict[str, Any]) -> dict[str, list[bool]]:
    inp = utils.InputExample(key=0, instruction_id_list=case["instruction_id_list"], prompt=case["prompt"],
                             kwargs=case["kwargs"])
    strict = utils.test_instruction_following_strict(inp, case["response"])
    loose = utils.test_instruction_following_loose(inp, case["response"])
    return {"strict": list(strict.follow_instruction_list), "loose": list(loose.follow_instruction_list)}


def _source(folder: Path, source: str) -> str:
    digests = ", ".join(f"{name} sha256 {hashlib.sha256((folder / name).read_bytes()).hexdigest()[:16]}"
                        for name in CHECKER_FILES)
    return (f"{source} ({digests}): utils.test_instruction_following_strict/_loose, langdetect seeded 0, "
            f"Python {sys.version.split()[0]}, {package_versions(REFERENCE_PACKAGES)}; "
            f"written by bench/instructions/reference_ifeval_ko.py reference")


def command_reference(args: argparse.Namespace) -> None:
    utils = _load_checker(args.checker)
    header, cases = read_case_file(args.cases)
    out = [{**header, "source": _source(args.checker, args.source)}]
    out += [{**case, "reference": _reference(utils, case)} for case in cases]
    target = args.out or args.cases
    write_case_file(target, out)
    print(f"{len(cases)} cases -> {target}")


# --- comparing xeval with them (xeval's environment) ------------------------------------------------

def command_compare(args: argparse.Namespace) -> None:
    import xeval.scoring.instructions  # noqa: F401  (registers every checker set)
    from xeval.scoring.instructions.ko import BENCHMARK
    from xeval.scoring.instructions.registry import CheckContext, verdicts

    _, cases = read_case_file(args.cases)
    totals: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    per_id: dict[tuple[str, str], list[int]] = collections.defaultdict(lambda: [0, 0])
    examples: dict[tuple[str, str], list[dict[str, Any]]] = collections.defaultdict(list)
    for case in cases:
        context = CheckContext(language="ko", prompt=case["prompt"], benchmark=BENCHMARK)
        ours = verdicts(case["instruction_id_list"], case["kwargs"], case["response"], context)
        for mode in ("strict", "loose"):
            for index, (mine, expected) in enumerate(zip(ours, case["reference"][mode], strict=True)):
                agree = mine[mode] == expected
                totals[mode][0] += agree
                totals[mode][1] += 1
                per_id[(mode, mine["id"])][0] += agree
                per_id[(mode, mine["id"])][1] += 1
                if not agree:
                    examples[(mode, mine["id"])].append(
                        {"case": case["id"], "index": index, "xeval": mine[mode], "reference": expected,
                         "declared": mine["id"] in case.get("differs", {}), "response": case["response"][:200]})
    for mode, (agree, total) in sorted(totals.items()):
        print(f"{mode}: {agree}/{total} instructions agree ({agree / total:.2%})")
    for (mode, instruction_id), (agree, total) in sorted(per_id.items()):
        if agree != total:
            found = examples[(mode, instruction_id)]
            print(f"{mode} {instruction_id}: {total - agree} of {total} differ; e.g. "
                  f"{json.dumps(found[0], ensure_ascii=False)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    reference = sub.add_parser("reference", help="rewrite a case file's reference verdicts (scratch venv)")
    reference.add_argument("--checker", type=Path, required=True, help="IFEval-Ko's ifeval_ko/ task folder")
    reference.add_argument("--cases", type=Path, required=True)
    reference.add_argument("--out", type=Path, help="write here instead of rewriting --cases")
    reference.add_argument("--source", default=RECONSTRUCTED, help="what --checker holds, for the header line")
    compare = sub.add_parser("compare", help="xeval's verdicts against a case file's (xeval's venv)")
    compare.add_argument("cases", type=Path)
    args = parser.parse_args()
    {"reference": command_reference, "compare": command_compare}[args.command](args)


if __name__ == "__main__":
    main()
