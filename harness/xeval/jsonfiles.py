"""JSON and JSON Lines text, parsed one way wherever xeval reads it (data files, ``responses:``
and ``scripted:`` files): a JSON Lines record ends at ``\\n`` only, so U+2028, U+2029 or U+0085
inside a string (``json.dumps(ensure_ascii=False)`` writes them raw) stays in its string; every
way the parser refuses text (bad syntax, an integer beyond Python's digit limit, nesting too
deep) is one :class:`BadJson` naming the line.
"""

from __future__ import annotations

import json
from typing import Any


class BadJson(ValueError):
    """Text that is not JSON: where (``line``, from 1, when known) and why."""

    def __init__(self, line: int | None, reason: str) -> None:
        super().__init__(f"line {line}: {reason}" if line is not None else reason)
        self.line, self.reason = line, reason

    @property
    def at(self) -> str:
        """``at line N`` where the line is known, else ``in the text``."""
        return f"at line {self.line}" if self.line is not None else "in the text"


def _why(exc: BaseException) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return exc.msg
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    return (str(exc).split(";")[0] or type(exc).__name__)[:200]  # e.g. an integer beyond 4300 digits


def json_document(text: str) -> Any:
    """One JSON value; :class:`BadJson` (with the line where parsing stopped) if it is not one."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadJson(exc.lineno, exc.msg) from None
    except (ValueError, RecursionError) as exc:
        raise BadJson(None, _why(exc)) from None


def json_lines(text: str) -> list[tuple[int, Any]]:
    """The values of JSON Lines text with their line numbers (from 1); blank lines are skipped.
    Lines end at ``\\n``, ``\\r\\n`` or a lone ``\\r`` (JSON text holds no raw carriage return: one can
    only end a line), never at the other characters ``str.splitlines`` takes."""
    values = []
    for number, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        if not line.strip():
            continue
        try:
            values.append((number, json.loads(line)))
        except (ValueError, RecursionError) as exc:
            raise BadJson(number, _why(exc)) from None
    return values
