"""Index of the task YAMLs under a tasks folder: tasks, groups and tags by name."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xeval.errors import ConfigError
from xeval.paths import tasks_dir
from xeval.tasks.taskspec import GroupSpec, TaskSpec, parse_group, parse_task, read_yaml

DEFAULT_GROUP = "default"
LM_EVAL_PREFIX = "lm_eval:"  # --tasks lm_eval:TASK runs an lm-eval task (xeval.lmeval)


@dataclass
class TaskIndex:
    root: Path
    extra_paths: list[Path] = field(default_factory=list)
    tasks: dict[str, TaskSpec] = field(default_factory=dict)
    groups: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def load(cls, root: Path | None = None, extra_paths: list[Path] | None = None) -> TaskIndex:
        index = cls(root=root or tasks_dir(), extra_paths=list(extra_paths or []))
        for folder in [index.root, *(extra_paths or [])]:
            if not folder.is_dir():
                raise ConfigError(f"tasks folder {folder} does not exist")
            for path in sorted(folder.rglob("*.yaml")):
                index._add_file(path)
        return index

    def _add_file(self, path: Path) -> None:
        data: dict[str, Any] = read_yaml(path)
        if "group" in data and "task" in data and isinstance(data["task"], list):
            group: GroupSpec = parse_group(data, path)
            self._add_group(group.group, group.members, path)
            return
        if "task" not in data:
            return  # a base file meant only to be included
        spec = parse_task(data, path)
        if spec.task in self.tasks:
            raise ConfigError(
                f"{path}: task name {spec.task!r} is already defined in {self.tasks[spec.task].source}"
            )
        self.tasks[spec.task] = spec
        tags = [spec.tag] if isinstance(spec.tag, str) else (spec.tag or [])
        for tag in tags:
            self.groups.setdefault(tag, []).append(spec.task)

    def _add_group(self, name: str, members: list[str], path: Path) -> None:
        if name in self.groups:
            raise ConfigError(f"{path}: group name {name!r} is defined twice")
        self.groups[name] = list(members)

    def resolve(self, selection: str | list[str] | None) -> list[TaskSpec]:
        """Names, groups or glob patterns (comma-separated) to task specs, in order, once each."""
        if selection is None:
            names = [DEFAULT_GROUP]
        elif isinstance(selection, str):
            names = [s.strip() for s in selection.split(",") if s.strip()]
        else:
            names = list(selection)
        if not names:
            raise ConfigError("--tasks is empty: name at least one task or group")
        chosen: list[str] = []
        for name in names:
            for task in self._expand(name, ()):
                if task not in chosen:
                    chosen.append(task)
        return [self.tasks[name] for name in chosen]

    def _expand(self, name: str, stack: tuple[str, ...]) -> list[str]:
        if name in stack:
            raise ConfigError(f"group cycle: {' -> '.join((*stack, name))}")
        if name in self.tasks:
            return [name]
        if name in self.groups:
            out: list[str] = []
            for member in self.groups[name]:
                out.extend(self._expand(member, (*stack, name)))
            return out
        if any(ch in name for ch in "*?["):
            matched = sorted(fnmatch.filter(self.tasks, name))
            if matched:
                return matched
            raise ConfigError(f"no task matches pattern {name!r} in {self.root}")
        raise ConfigError(
            f"unknown task {name!r}: not a task or group in {self.root} (see `xeval tasks`)"
        )
