"""One run folder: its paths, its one writer (an exclusive lock), and the one definition of
"the same run" that resuming and merging share.

A second process writing the same folder (an overlapping nightly job, two shards given one
``--run-id``) gets one line naming the holder's pid, and exit status 2; the lock is an OS file
lock, so a killed writer's lock is released with it and the next run takes the folder over
(resuming it).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from xeval import SCHEMA_VERSION
from xeval.errors import XevalError
from xeval.results.files import RecordWriter, read_json_file, read_records, repair_records, write_json_atomic
from xeval.results.schema import RunSpec, SampleRecord, Summary, check_version, parse

RUN_FILE = "run.json"  # the exact specs of the run, written when it starts
SAMPLES_FILE = "samples.jsonl"
SUMMARY_FILE = "summary.json"
LOCK_FILE = ".lock"

# Settings that do not change a run's results, and settings absent (None/False/default) in runs
# written before they existed: neither makes two runs different.
NEUTRAL_SETTINGS = {"batch_size", "max_error_rate", "tasks_dir"}
SETTING_DEFAULTS: dict[str, Any] = {"sample_seed": None, "strict": False, "clusters": None, "num_fewshot": None,
                                    "fewshot_as_multiturn": False, "repeats": None, "temperature": None,
                                    "mc_mode": "loglik", "reasoning_markers": ["<think>", "</think>"],
                                    "protocol": None, "as_baseline": False, "chat_model": None,
                                    "judge_spec": None, "judge_args": {}, "judge_mode": "generate",
                                    "baseline_spec": None}


class RunLockedError(XevalError):
    """Another process is writing this run folder."""


def run_identity(spec: dict[str, Any], ignore: frozenset[str] = frozenset()) -> dict[str, Any]:
    """What makes two runs the same run: model, results-changing settings, tasks (the settings
    in ``ignore`` aside: merging shards ignores ``shard``)."""
    settings = {k: v for k, v in (spec.get("settings") or {}).items()
                if k not in NEUTRAL_SETTINGS and k not in ignore
                and not (k in SETTING_DEFAULTS and v == SETTING_DEFAULTS[k])}
    tasks = {name: {k: v for k, v in meta.items() if k != "n_samples"} if isinstance(meta, dict) else meta
             for name, meta in (spec.get("tasks") or {}).items()}
    return json.loads(json.dumps({"model": spec.get("model"), "settings": settings, "tasks": tasks},
                                 sort_keys=True, default=str))


def differences(a: dict[str, Any], b: dict[str, Any], ignore: frozenset[str] = frozenset()) -> list[str]:
    """The parts (model, settings, tasks) in which two runs differ."""
    left, right = run_identity(a, ignore), run_identity(b, ignore)
    return [part for part in ("model", "settings", "tasks") if left[part] != right[part]]


def first_difference(a: dict[str, Any], b: dict[str, Any], ignore: frozenset[str] = frozenset(),
                     names: tuple[str, str] = ("there", "here")) -> str:
    """Where two runs' identities first differ, for a message: ``settings > limit: 2 there,
    3 here`` (``names`` say which run is which)."""
    found = _first_difference(run_identity(a, ignore), run_identity(b, ignore), [])
    if found is None:
        return ""
    path, left, right = found
    return f"{' > '.join(path)}: {_shown(left)} {names[0]}, {_shown(right)} {names[1]}"


_MISSING = object()


def changed_input(a: dict[str, Any], b: dict[str, Any]) -> str | None:
    """A file both runs read whose content differs (``tasks.T.inputs``), for a message; None when
    the files read are the same (or a run predates recording them)."""
    tasks_a, tasks_b = a.get("tasks") or {}, b.get("tasks") or {}
    for task in sorted(set(tasks_a) & set(tasks_b)):
        left = (tasks_a[task] or {}).get("inputs") if isinstance(tasks_a[task], dict) else None
        right = (tasks_b[task] or {}).get("inputs") if isinstance(tasks_b[task], dict) else None
        if not isinstance(left, dict) or not isinstance(right, dict):
            continue
        for label in sorted(set(left) | set(right)):
            if left.get(label) != right.get(label):
                if label not in left or label not in right:
                    return f"task {task} reads {label} {'now' if label in right else 'no more'}"
                return (f"{label} (read by task {task}) changed since the run started (sha256 "
                        f"{str(left[label])[:12]} then, {str(right[label])[:12]} now)")
    return None


def _first_difference(left: Any, right: Any, path: list[str]) -> tuple[list[str], Any, Any] | None:
    if isinstance(left, dict) and isinstance(right, dict):
        for key in sorted(set(left) | set(right)):
            found = _first_difference(left.get(key, _MISSING), right.get(key, _MISSING), [*path, str(key)])
            if found is not None:
                return found
        return None
    return None if left == right else (path, left, right)


def _shown(value: Any) -> str:
    if value is _MISSING:
        return "absent"
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


class RunFolder:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock: IO[str] | None = None

    @property
    def run_file(self) -> Path:
        return self.path / RUN_FILE

    @property
    def samples_file(self) -> Path:
        return self.path / SAMPLES_FILE

    @property
    def summary_file(self) -> Path:
        return self.path / SUMMARY_FILE

    # -- reading ---------------------------------------------------------------------------
    def read_spec(self) -> RunSpec:
        """run.json (validated), else the summary's copy of it (imported lm-eval results)."""
        if self.run_file.exists():
            data = read_json_file(self.run_file, f"{self.path}: {RUN_FILE} vanished while reading")
            return parse(RunSpec, data, self.run_file)
        if self.summary_file.exists():
            return self.read_summary()
        raise XevalError(f"{self.path}: no {RUN_FILE} or {SUMMARY_FILE} (not an xeval run)")

    def read_spec_data(self) -> dict[str, Any]:
        """run.json as written (checked against the schema)."""
        spec = self.read_spec()
        return spec.model_dump(mode="json", exclude_unset=True)

    def read_summary(self) -> Summary:
        if not self.summary_file.exists():
            raise XevalError(f"{self.path}: not a finished xeval run (no {SUMMARY_FILE})")
        data = read_json_file(self.summary_file, f"{self.summary_file}: vanished while reading")
        summary = parse(Summary, data, self.summary_file)
        summary._folder = self.path
        return summary

    def records(self, validate: bool = True) -> Iterator[dict[str, Any]]:
        """The records of samples.jsonl, in file order (a torn last line is skipped)."""
        if not self.samples_file.exists():
            return
        for number, record in enumerate(read_records(self.samples_file), 1):
            if validate:
                parse(SampleRecord, record, f"{self.samples_file} line {number}")
            yield record

    def has_records(self) -> bool:
        return self.samples_file.exists() and self.samples_file.stat().st_size > 0

    # -- writing ---------------------------------------------------------------------------
    @contextmanager
    def locked(self) -> Iterator[RunFolder]:
        """Hold the folder's writer lock for the block (one line and exit 2 for a second writer)."""
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            handle = open(self.path / LOCK_FILE, "a+", encoding="utf-8")
        except OSError as exc:
            raise XevalError(f"cannot create results folder {self.path}: {exc.strerror or exc}") from None
        if not _try_lock(handle):
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise RunLockedError(f"{self.path} is being written by another xeval process (pid {holder}): "
                                 "wait for it to finish, or give this run another --run-id")
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._lock = handle
        try:
            yield self
        finally:
            self._lock = None
            try:
                handle.seek(0)
                handle.truncate()
            except OSError:
                pass
            _unlock(handle)
            handle.close()

    def _require_lock(self) -> None:
        if self._lock is None:
            raise RuntimeError(f"{self.path}: write outside RunFolder.locked()")

    def start(self, meta: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
        """Start the run, or continue the one here: repair a torn last record, check it is the
        same run (model, settings, tasks), and return the run's own metadata with the keys of the
        samples already finished."""
        self._require_lock()
        if not self.run_file.exists():
            if self.has_records():
                raise XevalError(f"{self.path} has records but no {RUN_FILE}: not an xeval run to resume")
            meta = {"schema_version": SCHEMA_VERSION, **meta}
            write_json_atomic(self.run_file, meta)
            return meta, set()
        previous = self.read_spec_data()
        changed = differences(previous, meta)
        edited = changed_input(previous, meta)
        if edited:
            raise XevalError(f"cannot resume {self.path}: {edited}; restore it, or start a new run (another --run-id)")
        if changed:
            first = first_difference(previous, meta, names=("in the folder", "now"))
            raise XevalError(f"cannot resume {self.path}: its {', '.join(changed)} differ from this run's "
                             f"(first: {first}); use another --run-id, or the same --model/--tasks/--limit (a run "
                             "started by another xeval version may record its tasks otherwise: start it anew)")
        return previous, repair_records(self.samples_file)

    def drop_records(self, keys: set[str]) -> None:
        """Remove the records of ``keys`` from samples.jsonl (atomically; every other line kept byte
        for byte): samples a resumed run must answer again."""
        self._require_lock()
        lines = self.samples_file.read_bytes().splitlines(keepends=True)
        kept = [line for line in lines if json.loads(line).get("key") not in keys]
        tmp = self.samples_file.with_name(f".{self.samples_file.name}.tmp{os.getpid()}")
        try:
            with open(tmp, "wb") as handle:
                handle.writelines(kept)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.samples_file)
        except OSError as exc:
            raise XevalError(f"cannot rewrite {self.samples_file}: {exc.strerror or exc}") from None

    def writer(self) -> RecordWriter:
        self._require_lock()
        return RecordWriter(self.samples_file)

    def write_summary(self, summary: dict[str, Any]) -> None:
        self._require_lock()
        parse(Summary, summary, self.summary_file)
        write_json_atomic(self.summary_file, summary)


def load_summaries(results: Path) -> list[Summary]:
    """Every run summary under ``results``, oldest folder name first. A file that is not an
    xeval summary (or one newer than this xeval) is skipped with one line naming it; when none
    is readable, that is the error."""
    if not results.is_dir():
        raise XevalError(f"results folder {results} does not exist")
    summaries, skipped = [], []
    for path in sorted(results.glob(f"*/{SUMMARY_FILE}")):
        try:
            summaries.append(RunFolder(path.parent).read_summary())
        except XevalError as exc:
            skipped.append(str(exc))
            print(f"xeval: skipped {exc}", file=sys.stderr)
    if skipped and not summaries:
        raise XevalError(f"no readable run summary in {results}: {skipped[0]}")
    return summaries


def newest_per_model(summaries: list[Summary]) -> list[Summary]:
    """The most recent run of each model."""
    newest: dict[str, Summary] = {}
    for summary in summaries:
        current = newest.get(summary.model_spec)
        if current is None or summary.created > current.created:
            newest[summary.model_spec] = summary
    return sorted(newest.values(), key=lambda s: s.created)


def _try_lock(handle: IO[str]) -> bool:
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt

        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _unlock(handle: IO[str]) -> None:
    try:
        if sys.platform == "win32":  # pragma: no cover
            import msvcrt

            msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    except OSError:
        pass


__all__ = ["RunFolder", "RunLockedError", "load_summaries", "newest_per_model", "differences", "run_identity",
           "check_version", "RUN_FILE", "SAMPLES_FILE", "SUMMARY_FILE"]
