"""The files of a run folder, read and written safely.

JSON documents are written atomically (temp file, fsync, rename). ``samples.jsonl`` is
appended one line per finished sample; a writer killed mid-line leaves a torn last line, which
readers skip and a resuming writer cuts off.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from xeval.errors import XevalError


def read_json_file(path: Path, missing: str) -> Any:
    """A JSON file, or a one-line XevalError: ``missing`` when it is absent, else unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise XevalError(missing) from None
    except (OSError, ValueError) as exc:
        raise XevalError(f"{path}: unreadable ({exc})") from None


def write_json_atomic(path: Path, data: Any) -> None:
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=2, sort_keys=False)
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
                self._handle.write(json.dumps(record, ensure_ascii=False) + "\n")
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


def repair_records(path: Path) -> set[str]:
    """Cut a samples.jsonl back to its last complete record (a killed writer leaves a torn
    line) and return the keys of the records it holds; duplicates are an error."""
    if not path.exists():
        return set()
    data = path.read_bytes()
    end = data.rfind(b"\n") + 1
    keys: set[str] = set()
    good = 0
    for line in data[:end].splitlines(keepends=True):
        try:
            record = json.loads(line)
        except ValueError:
            break  # a damaged line: keep what precedes it
        if record["key"] in keys:
            raise XevalError(f"{path}: sample {record['key']} is recorded twice")
        keys.add(record["key"])
        good += len(line)
    if good != len(data):
        with open(path, "r+b") as handle:
            handle.truncate(good)
    return keys


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    """Records of a samples.jsonl; a torn last line (a killed writer) is skipped."""
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if not line.endswith("\n"):
                break
            yield json.loads(line)
