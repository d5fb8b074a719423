"""Reference verdicts for P-MMEval's mIFEval, from OpenCompass's own code, and xeval's agreement
with them.

P-MMEval (arXiv 2411.09116) is evaluated with OpenCompass: ``opencompass/datasets/PMMEval/
mifeval.py`` (the loader ``PMMEvalMIFEvalDataset.load``, the row functions
``test_instruction_following_strict`` / ``_loose`` that ``PMMEvalMIFEvalEvaluator.score`` calls)
and ``mifeval_utils/`` (the checkers). Only those files are taken from the checkout; the few
OpenCompass names ``mifeval.py`` imports (``BaseDataset``, ``BaseEvaluator``, the registries,
``get_data_path``) are stubbed, and nothing else of OpenCompass is run. The reference has no
randomness (no language ID): its verdicts are fixed by its code alone.

Three commands. ``prepare`` copies the reference files out of a git checkout into a scratch
folder (any Python)::

    python3.11 bench/instructions/reference_pmmeval.py prepare \\
        --opencompass /work/.mirror/open-compass+opencompass/repo --into /tmp/pmmeval-ref

``reference`` runs them in a scratch environment with OpenCompass's pinned ``datasets`` (the
loader goes through ``datasets.Dataset.from_list``, which gives every kwargs object every key of
its language file, null where unused: the released "loose" depends on it)::

    python3.11 -m venv /tmp/ref-pmm && /tmp/ref-pmm/bin/pip install "datasets>=2.12,<4" "numpy<2"
    /tmp/ref-pmm/bin/python bench/instructions/reference_pmmeval.py reference \\
        --ref /tmp/pmmeval-ref --cases tests/scoring/instructions/cases/pmmeval_mifeval.jsonl

It writes each case's language's rows as ``mifeval/test/{lang}.jsonl`` (the hub's and
OpenCompass's layout), loads them with ``PMMEvalMIFEvalDataset.load`` and records:

- ``reference``: the row functions' prompt values (``strict_acc``, ``loose_acc``: 1.0 or 0.0) and
  each instruction's verdict in them (read off the checker calls: the functions look each
  instruction's checker up once, so a recording ``mifeval_class_map`` sees which call is whose);
  a mode that raises has ``<mode>_error`` (the exception's type and message) instead;
- ``isolated``: each instruction alone (a one-instruction row through the same strict function),
  strict, and loose by IFEval's rule (any of IFEval's eight loose variants followed): P-MMEval's
  checkers with each instruction's own kwargs, what xeval's four metrics use.

``compare`` runs in xeval's environment and reports agreement::

    python bench/instructions/reference_pmmeval.py compare tests/scoring/instructions/cases/pmmeval_mifeval.jsonl
"""

from __future__ import annotations

import argparse
import collections
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from casefile import package_versions, read_case_file, write_case_file  # this folder's

COMMIT = "a5acc4bba3b658f151617a3b393602110fb7a740"
REFERENCE_FILES = (
    "opencompass/datasets/PMMEval/mifeval.py",
    *(f"opencompass/datasets/PMMEval/mifeval_utils/{name}.py" for name in (
        "__init__", "combination_checker", "detectable_content_checker", "detectable_format_checker",
        "keywords_checker", "length_constraints_checker", "punctuation_checker", "startend_checker")),
)
# the OpenCompass names mifeval.py imports, as no-ops (nothing of them takes part in a verdict)
STUBS = {
    "opencompass/__init__.py": "",
    "opencompass/datasets/__init__.py": "",
    "opencompass/datasets/PMMEval/__init__.py": "",  # the real one imports every P-MMEval dataset
    "opencompass/datasets/base.py": "class BaseDataset:\n    pass\n",
    "opencompass/openicl/__init__.py": "",
    "opencompass/openicl/icl_evaluator/__init__.py":
        "class BaseEvaluator:\n    def __init__(self, pred_postprocessor=None):\n        pass\n",
    "opencompass/registry.py":
        "class _Registry:\n    def register_module(self, *args, **kwargs):\n        return lambda obj: obj\n\n\n"
        "LOAD_DATASET = _Registry()\nTEXT_POSTPROCESSORS = _Registry()\n",
    "opencompass/utils/__init__.py": "def get_data_path(path, local_mode=False):\n    return path\n",
}
REFERENCE_PACKAGES = ("datasets", "pyarrow", "numpy")
CASE_FIELDS = ("prompt", "instruction_id_list", "kwargs")


# --- prepare (any Python) ---------------------------------------------------------------------------

def command_prepare(args: argparse.Namespace) -> None:
    into: Path = args.into
    for path in REFERENCE_FILES:
        text = subprocess.run(["git", "-C", str(args.opencompass), "show", f"{args.commit}:{path}"],
                              capture_output=True, text=True, check=True).stdout
        (into / path).parent.mkdir(parents=True, exist_ok=True)
        (into / path).write_text(text, encoding="utf-8")
    for path, text in STUBS.items():
        (into / path).parent.mkdir(parents=True, exist_ok=True)
        (into / path).write_text(text, encoding="utf-8")
    (into / "COMMIT").write_text(args.commit + "\n", encoding="utf-8")
    print(f"{len(REFERENCE_FILES)} reference files at {args.commit[:12]} and {len(STUBS)} stubs -> {into}")


# --- reference (scratch environment) ----------------------------------------------------------------

class _Recording(dict):  # type: ignore[type-arg]
    """``mifeval_class_map`` that logs each checker call's result under the instruction it
    belongs to: the row functions look ``map[group]`` up once per instruction, then call its
    function (strict once, loose up to once per loose variant)."""

    def __init__(self, table: dict[str, Any]) -> None:
        super().__init__(table)
        self.calls: list[list[Any]] = []

    def __getitem__(self, group: str) -> Any:
        inner = dict.__getitem__(self, group)
        log: list[Any] = []
        self.calls.append(log)

        class _Group:
            def __getitem__(self, name: str) -> dict[str, Any]:
                info = dict(inner[name])
                check = info["function"]

                def recorded(**kwargs: Any) -> Any:
                    result = check(**kwargs)
                    log.append(result)
                    return result

                info["function"] = recorded
                return info

        return _Group()


def _loose_variants(response: str) -> list[str]:
    """IFEval's eight loose variants (as ``test_instruction_following_loose`` builds them)."""
    lines = response.split("\n")
    first, last, both = ("\n".join(lines[1:]).strip(), "\n".join(lines[:-1]).strip(), "\n".join(lines[1:-1]).strip())
    return [response, response.replace("*", ""), first, last, both,
            first.replace("*", ""), last.replace("*", ""), both.replace("*", "")]


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _released(mifeval: Any, table: dict[str, Any], example: dict[str, Any], response: str,
              language: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for mode in ("strict", "loose"):
        run = getattr(mifeval, f"test_instruction_following_{mode}")
        recording = _Recording(table)
        mifeval.mifeval_class_map = recording
        try:
            value = run(example, response, language)
        except Exception as exc:  # noqa: BLE001 - the reference's own failure is the verdict
            out[f"{mode}_acc"], out[mode], out[f"{mode}_error"] = None, None, _error(exc)
            continue
        finally:
            mifeval.mifeval_class_map = table
        assert len(recording.calls) == len(example["instruction_id_list"]), recording.calls
        followed = [any(bool(result) for result in log) for log in recording.calls]
        assert float(all(followed)) == value, (followed, value)
        out[f"{mode}_acc"], out[mode] = value, followed
    if "strict_error" not in out and "loose_error" not in out:  # the evaluator's own entry point agrees
        scored = mifeval.PMMEvalMIFEvalEvaluator().score([(response, language)], None, [example])
        assert scored == {"strict_acc": out["strict_acc"] * 100, "loose_acc": out["loose_acc"] * 100}, scored
    return out


def _isolated(mifeval: Any, example: dict[str, Any], response: str, language: str) -> dict[str, Any]:
    strict, loose = [], []
    try:
        for instruction_id, kwargs in zip(example["instruction_id_list"], example["kwargs"], strict=True):
            row = {"prompt": example["prompt"], "instruction_id_list": [instruction_id], "kwargs": [kwargs]}
            strict.append(mifeval.test_instruction_following_strict(row, response, language) == 1.0)
            loose.append(any(mifeval.test_instruction_following_strict(row, v, language) == 1.0
                             for v in _loose_variants(response)))
    except Exception as exc:  # noqa: BLE001
        return {"error": _error(exc)}
    return {"strict": strict, "loose": loose}


def _source(ref: Path) -> str:
    commit_file = ref / "COMMIT"
    commit = commit_file.read_text(encoding="utf-8").strip() if commit_file.exists() else "unknown commit"
    return (f"open-compass/opencompass {commit}: opencompass/datasets/PMMEval/mifeval.py "
            f"(PMMEvalMIFEvalDataset.load, test_instruction_following_strict/_loose, PMMEvalMIFEvalEvaluator) "
            f"with mifeval_utils' checkers, no randomness; Python {sys.version.split()[0]}, "
            f"{package_versions(REFERENCE_PACKAGES)}; "
            f"written by bench/instructions/reference_pmmeval.py reference")


def command_reference(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(args.ref))
    from opencompass.datasets.PMMEval import mifeval

    table = mifeval.mifeval_class_map
    header, cases = read_case_file(args.cases)
    by_language: dict[str, list[int]] = collections.defaultdict(list)
    for index, case in enumerate(cases):
        by_language[case["language"]].append(index)
    out = list(cases)
    with tempfile.TemporaryDirectory() as scratch:
        for language, indices in by_language.items():
            folder = Path(scratch) / "mifeval" / "test"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{language}.jsonl").write_text(
                "".join(json.dumps({f: cases[i][f] for f in CASE_FIELDS}, ensure_ascii=False) + "\n"
                        for i in indices), encoding="utf-8")
            dataset = mifeval.PMMEvalMIFEvalDataset.load(path=scratch, lang=language)
            for index, example in zip(indices, dataset, strict=True):
                response = cases[index]["response"]
                out[index] = {**cases[index], "reference": _released(mifeval, table, example, response, language),
                              "isolated": _isolated(mifeval, example, response, language)}
    target = args.out or args.cases
    header = {**header, "source": _source(args.ref)}
    write_case_file(target, [header, *out])
    print(f"{len(cases)} cases in {len(by_language)} languages -> {target}")


# --- compare (xeval's environment) ------------------------------------------------------------------

def command_compare(args: argparse.Namespace) -> None:
    from xeval.scoring.instructions import pmmeval
    from xeval.scoring.instructions.registry import CheckContext, InstructionDataError, verdicts

    _, cases = read_case_file(args.cases)
    totals: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    for case in cases:
        reference, isolated = case["reference"], case["isolated"]
        try:
            ours = pmmeval.released_verdicts(case["instruction_id_list"], case["kwargs"], case["response"],
                                             case["language"])
        except InstructionDataError as exc:
            ours = {"data_error": str(exc)}
        for mode in ("strict", "loose"):
            mine = ours.get(mode) if "data_error" not in ours else None
            agree = (mine == reference[mode]) and (f"{mode}_error" in reference) == (f"{mode}_error" in ours
                                                                                     or "data_error" in ours)
            totals[f"released {mode}"][0] += agree
            totals[f"released {mode}"][1] += 1
            if not agree:
                print(f"released {mode} differs: {case['id']}: xeval {ours} reference {reference}")
        context = CheckContext(language=case["language"], prompt=case["prompt"], benchmark=pmmeval.BENCHMARK)
        try:
            own = verdicts(case["instruction_id_list"], case["kwargs"], case["response"], context)
            mine_own: dict[str, Any] = {"strict": [v["strict"] for v in own], "loose": [v["loose"] for v in own]}
        except InstructionDataError as exc:
            mine_own = {"data_error": str(exc)}
        if "own_differs" in case:  # declared: xeval refuses the kwargs, or checks an id P-MMEval lacks by IFEval's
            totals["own, declared differences"][0] += mine_own != isolated
            totals["own, declared differences"][1] += 1
            continue
        agree = mine_own == isolated
        totals["own"][0] += agree
        totals["own"][1] += 1
        if not agree:
            print(f"own differs: {case['id']}: xeval {mine_own} isolated {isolated}")
    for name, (agree, total) in sorted(totals.items()):
        print(f"{name}: {agree}/{total} cases {'differ' if 'declared' in name else 'agree'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    prepare = sub.add_parser("prepare", help="copy the reference files out of an OpenCompass checkout")
    prepare.add_argument("--opencompass", type=Path, required=True, help="an OpenCompass git directory")
    prepare.add_argument("--commit", default=COMMIT)
    prepare.add_argument("--into", type=Path, required=True)
    reference = sub.add_parser("reference", help="rewrite a case file's reference verdicts (scratch venv)")
    reference.add_argument("--ref", type=Path, required=True, help="the folder `prepare` wrote")
    reference.add_argument("--cases", type=Path, required=True)
    reference.add_argument("--out", type=Path, help="write here instead of rewriting --cases")
    compare = sub.add_parser("compare", help="xeval's verdicts against a case file's (xeval's venv)")
    compare.add_argument("cases", type=Path)
    args = parser.parse_args()
    {"prepare": command_prepare, "reference": command_reference, "compare": command_compare}[args.command](args)


if __name__ == "__main__":
    main()
