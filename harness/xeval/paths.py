"""Where xeval keeps its cache and finds its shipped tasks and judges."""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def cache_dir() -> Path:
    """``$XEVAL_CACHE_DIR``, else ``$XDG_CACHE_HOME/xeval``, else ``~/.cache/xeval``."""
    env = os.environ.get("XEVAL_CACHE_DIR")
    if env:
        path = Path(env)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        path = Path(base) / "xeval"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _project_dir(name: str, env_var: str) -> Path:
    env = os.environ.get(env_var)
    if env:
        return Path(env)
    # A source checkout or editable install: harness/xeval/ -> <root>/<name>
    checkout = _PACKAGE_DIR.parent.parent / name
    if checkout.is_dir():
        return checkout
    # A wheel install ships the folders as package data.
    return _PACKAGE_DIR / "_data" / name


def tasks_dir() -> Path:
    return _project_dir("tasks", "XEVAL_TASKS_DIR")


def judges_dir() -> Path:
    return _project_dir("judges", "XEVAL_JUDGES_DIR")
