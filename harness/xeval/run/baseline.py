"""The baseline's answers for pairwise judging, read from a run folder's records."""

from __future__ import annotations

from pathlib import Path

from xeval.errors import ConfigError
from xeval.results import SAMPLES_FILE, read_records
from xeval.scoring.judges.scorers import Baseline


def baseline_from_run(run_dir: Path) -> Baseline:
    """The answers a run recorded, by sample key (a failed sample has none)."""
    path = run_dir / SAMPLES_FILE
    if not path.exists():
        raise ConfigError(f"--baseline {run_dir}: no {SAMPLES_FILE} there")
    by_key = {r["key"]: (None if r.get("error") else r["prediction"]["text"]) for r in read_records(path)}
    return Baseline(lambda samples: [by_key.get(s.key) for s in samples], f"run:{run_dir.name}")
