"""The results layer: one run folder per run, one schema every reader shares.

* :mod:`.schema`: pydantic models of run.json, a samples.jsonl record and summary.json, with
  the metric facts scorers declare; ``schema_version`` checked on read.
* :mod:`.folder`: :class:`RunFolder` (paths, the one writer's lock, start/resume, the one
  "same run" check) and the folder scans of the leaderboard and report.
* :mod:`.files`: atomic JSON, the appending record writer, torn-line repair.
* :mod:`.summary`: a sample's record and summary.json built from the records.
"""

from xeval.results.files import RecordWriter, read_json_file, read_records, repair_records, write_json_atomic
from xeval.results.folder import (
    RUN_FILE,
    SAMPLES_FILE,
    SUMMARY_FILE,
    RunFolder,
    RunLockedError,
    differences,
    first_difference,
    load_summaries,
    newest_per_model,
    run_identity,
)
from xeval.results.schema import (
    DEFAULT_FACTS,
    MetricFacts,
    MetricRow,
    RunSpec,
    SampleRecord,
    Summary,
    check_version,
    parse,
)
from xeval.results.summary import (
    GROUP_KEYS,
    aggregate,
    build_summary,
    judge_report,
    make_record,
    reasoning_report,
)
from xeval.results.values import AGREEMENT_METRIC, metric_values

__all__ = [
    "AGREEMENT_METRIC", "DEFAULT_FACTS", "GROUP_KEYS", "RUN_FILE", "SAMPLES_FILE", "SUMMARY_FILE", "MetricFacts",
    "MetricRow", "RecordWriter", "RunFolder", "RunLockedError", "RunSpec", "SampleRecord", "Summary", "aggregate",
    "build_summary", "check_version", "differences", "first_difference", "judge_report", "load_summaries",
    "make_record", "metric_values", "newest_per_model", "parse", "read_json_file", "read_records", "reasoning_report",
    "repair_records", "run_identity", "write_json_atomic",
]
