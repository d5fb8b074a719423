"""Local data files (JSON, JSON Lines, CSV, TSV) read into rows: what task datasets, named
sources and meta-dataset files share."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from xeval.errors import ConfigError
from xeval.jsonfiles import BadJson, json_document, json_lines

# The files read while a task is planned, path -> sha256 of their bytes (see ``tracking_reads``)
_TRACKED: list[dict[str, str]] = []


@contextmanager
def tracking_reads() -> Iterator[dict[str, str]]:
    """Collect every local file read inside the block (data files, release files, sidecars) as
    path -> sha256: a run records them, so resuming or merging over an edited file is refused."""
    found: dict[str, str] = {}
    _TRACKED.append(found)
    try:
        yield found
    finally:
        _TRACKED.remove(found)


def read_bytes(path: Path) -> bytes:
    """A local file's bytes, noted for ``tracking_reads``."""
    data = path.read_bytes()
    if _TRACKED:
        digest = hashlib.sha256(data).hexdigest()
        for found in _TRACKED:
            found[str(path)] = digest
    return data

LOCAL_FORMATS = {"json", "csv", "tsv"}
# A CSV cell may hold a whole document (a long article to summarise): Python's default limit of
# 128 KiB per field is raised to 256 MiB.
CSV_FIELD_LIMIT = 256 * 1024 * 1024


def read_records(path: Path, fmt: str | None = None) -> list[dict[str, Any]]:
    """Rows of a local data file as dicts. ``fmt`` defaults from the suffix."""
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    try:
        text = read_bytes(path).decode("utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"data file {path} not found") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"data file {path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise ConfigError(f"data file {path}: cannot read: {exc.strerror}") from None
    if fmt in {"jsonl", "json"}:
        stripped = text.lstrip()
        if fmt == "json" and stripped.startswith(("[", "{")):
            try:
                data = json_document(text)
            except BadJson as exc:
                if stripped.startswith("{"):
                    return _jsonl(path, text)  # JSON Lines with a .json suffix
                raise ConfigError(f"data file {path}: bad JSON {exc.at}: {exc.reason}") from None
            if isinstance(data, dict):
                data = data.get("data", data.get("rows", [data]))
            if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
                raise ConfigError(f"data file {path}: expected a list of objects")
            return data
        return _jsonl(path, text)
    if fmt in {"csv", "tsv"}:
        delimiter = "\t" if fmt == "tsv" else ","
        # TSV files (KorNLI, BEEP!) carry bare quote characters inside fields: no quoting.
        handle = io.StringIO(text, newline="")
        csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
        if fmt == "tsv":
            reader = csv.DictReader(handle, delimiter=delimiter, quoting=csv.QUOTE_NONE)
        else:
            reader = csv.DictReader(handle, delimiter=delimiter)
        rows = []
        try:
            for row in reader:
                extra = row.pop(None, None)
                if extra:
                    raise ConfigError(f"data file {path}: line {reader.line_num}: {len(extra)} cell(s) more than "
                                      f"the header's {len(reader.fieldnames or [])} column(s)")
                rows.append(dict(row))
        except csv.Error as exc:
            raise ConfigError(f"data file {path}: line {reader.line_num}: {exc}") from None
        if reader.fieldnames is None:
            raise ConfigError(f"data file {path}: empty (no header row)")
        return rows
    raise ConfigError(f"data file {path}: unsupported format {fmt!r} (json, jsonl, csv, tsv)")


def _jsonl(path: Path, text: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    try:
        values = json_lines(text)
    except BadJson as exc:
        raise ConfigError(f"data file {path}: bad JSON on line {exc.line}: {exc.reason}") from None
    for number, row in values:
        if isinstance(row, list) and all(isinstance(m, dict) and "role" in m for m in row):
            row = {"messages": row}  # chat datasets: one message list per line
        if not isinstance(row, dict):
            raise ConfigError(f"data file {path}: line {number} is not a JSON object")
        rows.append(row)
    return rows
