"""What the reference-verdict generators share: reading and writing a case file (its first line
a header naming its source) and the versions of the reference's packages. Standard library only:
the generators import it from their own folder inside the references' scratch venvs."""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path
from typing import Any


def read_case_file(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The header (``{}`` when the first line names no source) and the cases."""
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    header = lines[0] if lines and "source" in lines[0] else {}
    return header, lines[1:] if header else lines


def write_case_file(path: Path, lines: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")


def package_versions(names: tuple[str, ...]) -> str:
    """``name==version`` of each package, ``name (absent)`` where it is not installed."""
    versions = []
    for name in names:
        try:
            versions.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} (absent)")
    return ", ".join(versions)
