"""Judge checks in a results folder: ``<results>/<check>/judge_check.json`` (written by
``xeval judge-check``) read back as the leaderboard's "judges" table: how often each judge
picks the labelled better answer, per pair set, subset and language."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from xeval.errors import XevalError
from xeval.results.files import read_json_file

JUDGE_CHECK_FILE = "judge_check.json"
JUDGE_PAIRS_FILE = "pairs.jsonl"
# judge_check.json: 1: per subset and overall figures, LLMBar's statistics beside them
JUDGE_CHECK_SCHEMA = 1
# the columns of the judges table, after judge, rubric, set, language and subset
TABLE_FIGURES = ("n", "failed", "acc_mean", "acc_better_first", "acc_better_second", "both_correct", "agreement",
                 "kappa_orders")


def read_judge_check(path: Path) -> dict[str, Any]:
    data = read_json_file(path, f"{path} not found")
    if not isinstance(data, dict) or data.get("kind") != "judge_check":
        raise XevalError(f"{path}: not an xeval judge check")
    version = data.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise XevalError(f"{path}: bad schema_version {version!r}")
    if version > JUDGE_CHECK_SCHEMA:
        raise XevalError(f"{path}: judge-check schema version {version} is newer than this xeval reads "
                         f"({JUDGE_CHECK_SCHEMA}); upgrade xeval")
    return data


def load_judge_checks(results: Path) -> list[dict[str, Any]]:
    """Every judge check under ``results``, oldest folder name first; an unreadable one is
    skipped with one line naming it."""
    checks = []
    for path in sorted(results.glob(f"*/{JUDGE_CHECK_FILE}")):
        try:
            checks.append(read_judge_check(path))
        except XevalError as exc:
            print(f"xeval: skipped {exc}", file=sys.stderr)
    return checks


def judges_table(checks: list[dict[str, Any]]) -> Any:
    """One row per judge x rubric x pair set x language x subset (the newest check of each), the
    overall row last in each group."""
    import pandas as pd

    newest: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for check in checks:
        key = (str(check.get("judge")), str(check.get("rubric")), str(check.get("set")), str(check.get("language")))
        if key not in newest or str(check.get("created", "")) >= str(newest[key].get("created", "")):
            newest[key] = check
    rows = []
    for (judge, rubric, pair_set, language), check in sorted(newest.items()):
        parts = [*(check.get("subsets") or {}).items(), ("overall", check.get("overall") or {})]
        for subset, figures in parts:
            row: dict[str, Any] = {"judge": judge, "rubric": rubric, "set": pair_set, "language": language,
                                   "subset": subset}
            for name in TABLE_FIGURES:
                value = figures.get(name) if isinstance(figures, dict) else None
                row[name] = float("nan") if value is None else value
            rows.append(row)
    return pd.DataFrame(rows, columns=["judge", "rubric", "set", "language", "subset", *TABLE_FIGURES])
