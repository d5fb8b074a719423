"""Model file hashes, cached by (path, size, mtime) so a large file is hashed once."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from xeval.paths import cache_dir


def file_sha256(path: Path) -> str:
    path = path.resolve()
    stat = path.stat()
    key = f"{path}|{stat.st_size}|{stat.st_mtime_ns}"
    index_file = cache_dir() / "file_hashes.json"
    try:
        index = json.loads(index_file.read_text())
    except (OSError, ValueError):
        index = {}
    if key in index:
        return str(index[key])
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    index[key] = digest.hexdigest()
    tmp = index_file.with_name(f".{index_file.name}.{os.getpid()}")
    tmp.write_text(json.dumps(index))
    os.replace(tmp, index_file)
    return str(index[key])
