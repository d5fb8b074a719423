"""Reference verdicts for M-IFEval's Japanese instructions, from M-IFEval's own code, and xeval's
agreement with them.

M-IFEval (lightblue-tech/M-IFEval) is run as its ``evaluation_main`` runs it: each row's
instructions through ``test_instruction_following_strict`` and ``..._loose`` (the same functions,
imported from the checkout), with the checker classes of ``JA_INSTRUCTION_DICT`` (read from
``instructions_registry.py``, whose Spanish module needs spaCy and is not imported) and
``langdetect`` seeded (``DetectorFactory.seed = 0``; M-IFEval itself does not seed it).

Three commands:

``reference`` and ``published`` run M-IFEval's code and need a scratch environment with its
dependencies, not xeval::

    git -C /work/.mirror/lightblue-tech+M-IFEval/repo worktree add /tmp/mifeval-ref HEAD
    python3.11 -m venv /tmp/ref-ja && /tmp/ref-ja/bin/pip install janome==0.5.0 \\
        ja_sentence_segmenter==0.0.2 langdetect==1.0.9 immutabledict nltk absl-py
    /tmp/ref-ja/bin/python bench/instructions/reference_mifeval_ja.py reference \\
        --mifeval /tmp/mifeval-ref --cases tests/scoring/instructions/cases/mifeval_ja.jsonl

rewrites each case's ``reference`` ({"strict": [...], "loose": [...]}) and the header line. ::

    /tmp/ref-ja/bin/python bench/instructions/reference_mifeval_ja.py published \\
        --mifeval /tmp/mifeval-ref --out /tmp/mifeval_ja_published.jsonl

writes every published Japanese response (``data/ja_input_response_data_*.jsonl``, one file a
model) as a case, with the reference verdicts and M-IFEval's published ones
(``evaluations/.../eval_results_{strict,loose}.jsonl``, made with unseeded langdetect). ``compare``
runs in xeval's environment and reports instruction-level agreement, per id, with an example of
each disagreement::

    python bench/instructions/reference_mifeval_ja.py compare /tmp/mifeval_ja_published.jsonl
"""

from __future__ import annotations

import argparse
import ast
import collections
import json
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

from casefile import package_versions, read_case_file, write_case_file  # this folder's

REFERENCE_PACKAGES = ("janome", "ja_sentence_segmenter", "langdetect", "immutabledict", "absl-py", "nltk")


# --- running M-IFEval's code (scratch environment) -------------------------------------------------

def _ja_instruction_dict(mifeval: Path) -> dict[str, Any]:
    """``{"ja:" + id: class}`` as ``instructions_registry.INSTRUCTION_DICT`` holds them, read from
    the registry's source (its module imports the Spanish checkers, which need spaCy)."""
    from instructions import ja_instructions

    tree = ast.parse((mifeval / "instructions_registry.py").read_text(encoding="utf-8"))
    constants: dict[str, Any] = {}
    table: dict[str, Any] = {}
    for node in tree.body:
        if not isinstance(node, ast.Assign) or len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
            continue
        name = node.targets[0].id
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            constants[name] = node.value.value
        elif name == "JA_INSTRUCTION_DICT" and isinstance(node.value, ast.Dict):
            for key, value in zip(node.value.keys, node.value.values, strict=True):
                assert key is not None and isinstance(value, ast.Attribute)
                instruction_id = eval(compile(ast.Expression(key), "instructions_registry", "eval"), {}, constants)
                table["ja:" + instruction_id] = getattr(ja_instructions, value.attr)
    if not table:
        raise SystemExit(f"no JA_INSTRUCTION_DICT in {mifeval / 'instructions_registry.py'}")
    return table


def _load_mifeval(mifeval: Path) -> Any:
    """M-IFEval's ``evaluation_main`` module, its registry limited to the Japanese checkers."""
    sys.path.insert(0, str(mifeval))
    from langdetect import DetectorFactory

    DetectorFactory.seed = 0
    registry = types.ModuleType("instructions_registry")
    registry.INSTRUCTION_DICT = _ja_instruction_dict(mifeval)  # type: ignore[attr-defined]
    sys.modules["instructions_registry"] = registry
    import evaluation_main

    return evaluation_main


def _reference(evaluation_main: Any, row: dict[str, Any], key: int = 0) -> dict[str, list[bool]]:
    inp = evaluation_main.InputExample(key=key, instruction_id_list=row["instruction_id_list"],
                                       prompt=row["prompt"], kwargs=row["kwargs"])
    prompt_to_response = {row["prompt"]: row["response"]}
    strict = evaluation_main.test_instruction_following_strict(inp, prompt_to_response)
    loose = evaluation_main.test_instruction_following_loose(inp, prompt_to_response)
    return {"strict": list(strict.follow_instruction_list), "loose": list(loose.follow_instruction_list)}


def _source(mifeval: Path, commit: str | None) -> str:
    if commit is None:
        try:
            commit = subprocess.run(["git", "-C", str(mifeval), "rev-parse", "HEAD"], capture_output=True,
                                    text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            commit = "unknown commit"
    return (f"lightblue-tech/M-IFEval {commit}: evaluation_main.test_instruction_following_strict/_loose "
            f"with JA_INSTRUCTION_DICT, langdetect seeded 0, Python {sys.version.split()[0]}, "
            f"{package_versions(REFERENCE_PACKAGES)}; written by bench/instructions/reference_mifeval_ja.py reference")


def command_reference(args: argparse.Namespace) -> None:
    evaluation_main = _load_mifeval(args.mifeval)
    header, cases = read_case_file(args.cases)
    header = {**header, "source": _source(args.mifeval, args.commit)}
    out = [header]
    for case in cases:
        case = {**case, "reference": _reference(evaluation_main, case)}
        out.append(case)
    target = args.out or args.cases
    write_case_file(target, out)
    print(f"{len(cases)} cases -> {target}")


def _published_verdicts(path: Path) -> dict[str, list[bool]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {row["prompt"]: row["follow_instruction_list"] for row in rows}


def command_published(args: argparse.Namespace) -> None:
    evaluation_main = _load_mifeval(args.mifeval)
    data = args.mifeval / "data"
    inputs = [json.loads(line) for line in (data / "ja_input_data.jsonl").read_text(encoding="utf-8").splitlines()
              if line.strip()]
    written = 0
    with args.out.open("w", encoding="utf-8") as out:
        out.write(json.dumps({"source": _source(args.mifeval, args.commit),
                              "checkers": {"benchmark": "mifeval", "language": "ja"}}, ensure_ascii=False) + "\n")
        for path in sorted(data.glob("ja_input_response_data_*.jsonl")):
            model = path.stem.removeprefix("ja_input_response_data_")
            responses = evaluation_main.read_prompt_to_response_dict(str(path))
            evaluations = args.mifeval / "evaluations" / path.stem
            published = {mode: _published_verdicts(evaluations / f"eval_results_{mode}.jsonl")
                         for mode in ("strict", "loose") if (evaluations / f"eval_results_{mode}.jsonl").exists()}
            for row in inputs:
                case = {"id": f"{model}:{row['key']}", "prompt": row["prompt"],
                        "instruction_id_list": row["instruction_id_list"], "kwargs": row["kwargs"],
                        "response": responses[row["prompt"]]}
                case["reference"] = _reference(evaluation_main, case, row["key"])
                case["published"] = {mode: table[row["prompt"]] for mode, table in published.items()}
                out.write(json.dumps(case, ensure_ascii=False) + "\n")
                written += 1
            print(f"{model}: {len(inputs)} rows", flush=True)
    print(f"{written} rows -> {args.out}")


# --- comparing xeval with them (xeval's environment) ------------------------------------------------

def command_compare(args: argparse.Namespace) -> None:
    import xeval.scoring.instructions.ifeval  # noqa: F401  (registers IFEval's checkers)
    import xeval.scoring.instructions.ja  # noqa: F401
    from xeval.scoring.instructions.registry import CheckContext, verdicts

    _, cases = read_case_file(args.cases)
    against = ["reference"] + (["published"] if any(c.get("published") for c in cases) else [])
    totals: dict[tuple[str, str], list[int]] = collections.defaultdict(lambda: [0, 0])
    per_id: dict[tuple[str, str, str], list[int]] = collections.defaultdict(lambda: [0, 0])
    examples: dict[tuple[str, str, str], list[dict[str, Any]]] = collections.defaultdict(list)
    for case in cases:
        context = CheckContext(language="ja", prompt=case["prompt"], benchmark="mifeval")
        response = case["response"] if isinstance(case["response"], str) else ""
        ours = verdicts(case["instruction_id_list"], case["kwargs"], response, context)
        for name in against:
            theirs = case.get(name) or {}
            for mode in ("strict", "loose"):
                if mode not in theirs:
                    continue
                for index, (mine, expected) in enumerate(zip(ours, theirs[mode], strict=True)):
                    agree = mine[mode] == expected
                    totals[(name, mode)][0] += agree
                    totals[(name, mode)][1] += 1
                    per_id[(name, mode, mine["id"])][0] += agree
                    per_id[(name, mode, mine["id"])][1] += 1
                    if not agree:
                        examples[(name, mode, mine["id"])].append(
                            {"case": case["id"], "index": index, "xeval": mine[mode], name: expected,
                             "kwargs": case["kwargs"][index], "response": response[: args.excerpt]})
    for (name, mode), (agree, total) in sorted(totals.items()):
        print(f"{name} {mode}: {agree}/{total} instructions agree ({agree / total:.2%})")
    for (name, mode, instruction_id), (agree, total) in sorted(per_id.items()):
        if agree != total:
            found = examples[(name, mode, instruction_id)]
            print(f"\n{name} {mode} {instruction_id}: {total - agree} of {total} differ; e.g. "
                  f"{json.dumps(found[0], ensure_ascii=False)}")
            if args.all:
                for example in found[1:]:
                    print(f"    {json.dumps(example, ensure_ascii=False)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    reference = sub.add_parser("reference", help="rewrite a case file's reference verdicts (scratch venv)")
    reference.add_argument("--mifeval", type=Path, required=True, help="an M-IFEval checkout")
    reference.add_argument("--cases", type=Path, required=True)
    reference.add_argument("--out", type=Path, help="write here instead of rewriting --cases")
    reference.add_argument("--commit", help="the checkout's commit, when it is no git work tree")
    published = sub.add_parser("published", help="reference verdicts of every published ja response (scratch venv)")
    published.add_argument("--mifeval", type=Path, required=True)
    published.add_argument("--out", type=Path, required=True)
    published.add_argument("--commit")
    compare = sub.add_parser("compare", help="xeval's verdicts against a case file's (xeval's venv)")
    compare.add_argument("cases", type=Path)
    compare.add_argument("--all", action="store_true", help="print every disagreement, not one an id")
    compare.add_argument("--excerpt", type=int, default=300, help="response characters shown per example")
    args = parser.parse_args()
    {"reference": command_reference, "published": command_published, "compare": command_compare}[args.command](args)


if __name__ == "__main__":
    main()
