"""The files of a run folder, read and written safely.

JSON documents are written atomically (temp file, fsync, rename). ``samples.jsonl`` is
appended one line per finished sample; a writer killed mid-line leaves a torn last line, which
readers skip and a resuming writer cuts off.
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from xeval.errors import XevalError
from xeval.redaction import redact_value
from xeval.types import safe_text


def read_json_file(path: Path, missing: str) -> Any:
    """A JSON file, or a one-line XevalError: ``missing`` when it is absent, else unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise XevalError(missing) from None
    except (OSError, ValueError) as exc:
        raise XevalError(f"{path}: unreadable ({exc})") from None


def finite(value: Any) -> Any:
    """``value`` with every non-finite float as None: xeval writes JSON, and NaN is not JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    return value


def json_line(record: Any) -> str:
    """One JSON line as the writers write it: finite numbers only, text UTF-8 can carry, no
    credentials or API keys (xeval.redaction)."""
    return safe_text(json.dumps(redact_value(finite(record)), ensure_ascii=False, allow_nan=False))


#: A record field, present (true) when the redaction changed what the record holds: the line on disk
#: is not what the model said, so a resumed conversation asks that turn again rather than send the
#: redacted text as its history.
REDACTED_FIELD = "redacted"


def record_line(record: dict[str, Any]) -> str:
    """A samples.jsonl line: :func:`json_line`, marked with :data:`REDACTED_FIELD` when the redaction
    changed the record."""
    clean = finite(record)
    shown = redact_value(clean)
    if shown != clean:
        shown[REDACTED_FIELD] = True
    return safe_text(json.dumps(shown, ensure_ascii=False, allow_nan=False))


def write_json_atomic(path: Path, data: Any) -> None:
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(safe_text(json.dumps(redact_value(finite(data)), ensure_ascii=False, indent=2,
                                              allow_nan=False)))
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise XevalError(f"cannot write {path}: {exc.strerror or exc}") from None


class RecordWriter:
    """Appends one JSON line per finished sample; flushed per batch, fsynced on close."""

    def __init__(self, path: Path) -> None:
        self.path = path
        run_dir = path.parent
        try:
            self._handle: IO[str] = open(self.path, "a", encoding="utf-8")
        except OSError as exc:
            raise XevalError(f"cannot write results to {run_dir}: {exc.strerror or exc}") from None

    def write(self, records: Iterable[dict[str, Any]]) -> None:
        try:
            for record in records:
                self._handle.write(record_line(record) + "\n")
            self._handle.flush()
        except OSError as exc:
            raise XevalError(f"cannot write {self.path}: {exc.strerror or exc}") from None

    def close(self) -> None:
        if not self._handle.closed:
            try:
                self._handle.flush()
                os.fsync(self._handle.fileno())
            except OSError:
                pass  # the write that failed has already raised its own clear error
            try:
                self._handle.close()
            except OSError:
                pass


def _record(line: bytes) -> dict[str, Any] | str:
    """One samples.jsonl line as a record, or why it is not one."""
    try:
        record = json.loads(line.decode("utf-8"))
    except UnicodeDecodeError:
        return "not UTF-8"
    except ValueError as exc:
        return f"not JSON: {getattr(exc, 'msg', exc)}"
    if not isinstance(record, dict) or not isinstance(record.get("key"), str):
        return "not a record (a JSON object with a key)"
    from pydantic import ValidationError

    from xeval.results.schema import SampleRecord

    try:  # every reader (resume, report, compare, leaderboard) gets records of the one schema
        SampleRecord.model_validate(record)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        return f"field '{where}': {err['msg']}"
    return record


def repair_records(path: Path) -> set[str]:
    """Make a samples.jsonl resumable and return the keys of its records: a torn last line (a
    killed writer) is cut; a damaged line elsewhere (a disk or an editor) is set aside in
    ``samples.jsonl.damaged``, named on stderr, and its sample runs again, while every valid
    record before and after it is kept. A sample recorded twice is an error."""
    if not path.exists():
        return set()
    data = path.read_bytes()
    end = data.rfind(b"\n") + 1
    keys: set[str] = set()
    kept: list[bytes] = []
    damaged: list[tuple[int, bytes, str]] = []
    for number, line in enumerate(data[:end].splitlines(keepends=True), 1):
        record = _record(line)
        if isinstance(record, str):
            damaged.append((number, line, record))
            continue
        if record["key"] in keys:
            raise XevalError(f"{path}: sample {record['key']} is recorded twice (line {number})")
        keys.add(record["key"])
        kept.append(line)
    if damaged:
        aside = path.with_name(f"{path.name}.damaged")
        try:
            with open(aside, "ab") as handle:
                handle.writelines(line for _, line, _ in damaged)
            tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
            with open(tmp, "wb") as handle:
                handle.writelines(kept)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except OSError as exc:
            raise XevalError(f"cannot set damaged lines of {path} aside: {exc.strerror or exc}") from None
        shown = ", ".join(f"{number} ({why})" for number, _, why in damaged[:5])
        print(f"xeval: {path}: damaged line(s) {shown}{' ...' if len(damaged) > 5 else ''} set aside in "
              f"{aside.name}; their samples run again, the {len(kept)} valid record(s) are kept", file=sys.stderr)
    elif end != len(data):
        with open(path, "r+b") as handle:
            handle.truncate(end)
    return keys


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    """Records of a samples.jsonl; a torn last line (a killed writer) is skipped, and a damaged
    line elsewhere is one line naming the file and the line (resuming the run sets it aside)."""
    try:
        handle = open(path, "rb")
    except OSError as exc:
        raise XevalError(f"cannot read {path}: {exc.strerror or exc}") from None
    with handle:
        for number, line in enumerate(handle, 1):
            if not line.endswith(b"\n"):
                break
            record = _record(line)
            if isinstance(record, str):
                raise XevalError(f"{path} line {number}: damaged record ({record}); resume the run to set it "
                                 "aside, or remove the line")
            yield record
