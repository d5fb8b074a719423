"""Issue 38 (items 14, 15): one JSON Lines reader for data files, ``responses:`` and ``scripted:``
files. A record ends at ``\\n`` only (U+2028, U+2029 and U+0085 are characters of its strings, as
``json.dumps(ensure_ascii=False)`` writes them); every way the parser refuses text (an integer past
Python's 4300-digit limit, nesting too deep) is one clear error naming the line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from xeval.errors import ConfigError, ModelError
from xeval.jsonfiles import BadJson, json_document, json_lines
from xeval.models.responses import ResponseFileModel
from xeval.models.scripted import ScriptedModel
from xeval.tasks.datafiles import read_records
from xeval.types import GenerationRequest, Message

SEPARATORS = "\u2028\u2029\u0085\x1c\x1d\x1e\x0b\x0c"  # what str.splitlines splits at besides \n and \r


def _line(value: object) -> str:
    return json.dumps(value, ensure_ascii=False) + "\n"


def test_a_record_ends_at_newline_only() -> None:
    text = _line({"a": f"x{SEPARATORS[:3]}y"}) + "\r\n" + _line({"b": 2}).replace("\n", "\r\n")
    assert json_lines(text) == [(1, {"a": "x\u2028\u2029\u0085y"}), (3, {"b": 2})]


@pytest.mark.parametrize(("text", "line", "needle"), [
    ('{"a": 1}\n{"n": ' + "9" * 5000 + "}\n", 2, "4300 digits"),
    ('{"a": 1}\n\n' + "[" * 100_000 + "]" * 100_000 + "\n", 3, "nested too deeply"),
    ('{"a": 1}\n{"a": \n', 2, "Expecting value"),
])
def test_every_refusal_is_one_error_naming_the_line(text: str, line: int, needle: str) -> None:
    with pytest.raises(BadJson) as info:
        json_lines(text)
    assert info.value.line == line and needle in info.value.reason and "\n" not in str(info.value)
    document = text.split("\n")[line - 1]
    with pytest.raises(BadJson, match=needle):
        json_document(document)


def test_data_files_read_what_json_dumps_writes(tmp_path: Path) -> None:
    rows = [{"q": f"a{ch}b", "a": "c"} for ch in SEPARATORS[:3]]
    path = tmp_path / "data.jsonl"
    path.write_text("".join(_line(r) for r in rows), encoding="utf-8")
    assert read_records(path) == rows
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"q": 1}\n{"n": ' + "9" * 5000 + "}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="bad.jsonl: bad JSON on line 2: Exceeds the limit \\(4300 digits\\)"):
        read_records(bad)
    whole = tmp_path / "bad.json"
    whole.write_text('[{"n": ' + "9" * 5000 + "}]", encoding="utf-8")
    with pytest.raises(ConfigError, match="bad.json: bad JSON in the text: Exceeds the limit"):
        read_records(whole)


def _ask(model: object, prompt: str) -> str:
    [completion] = model.generate([GenerationRequest(messages=(Message(role="user", content=prompt),))])  # type: ignore[attr-defined]
    assert completion.error is None, completion.error
    return str(completion.text)


def test_responses_and_scripted_files_read_what_json_dumps_writes(tmp_path: Path) -> None:
    responses = tmp_path / "responses.jsonl"
    responses.write_text(_line({"prompt": "Say hi.", "response": "hi\u2028there"}), encoding="utf-8")
    assert _ask(ResponseFileModel(str(responses)), "Say hi.") == "hi\u2028there"
    scripted = tmp_path / "replies.jsonl"
    scripted.write_text(_line({"contains": "hi", "reply": "a\u2029b"}), encoding="utf-8")
    assert _ask(ScriptedModel(str(scripted)), "Say hi.") == "a\u2029b"
    for path, model in ((responses, ResponseFileModel), (scripted, ScriptedModel)):
        path.write_text('{"prompt": "x", "response": ' + "1" * 5000 + "}\n", encoding="utf-8")
        with pytest.raises(ModelError, match="line 1.*4300 digits"):
            model(str(path))
    scripted.write_bytes(b'[{"reply": "\xff"}]')
    with pytest.raises(ModelError, match="not UTF-8"):
        ScriptedModel(str(scripted))


def test_carriage_returns_end_lines() -> None:
    """Review of #38: a file with classic Mac line ends (a lone \\r) was one line, refused as bad JSON."""
    from xeval.jsonfiles import json_lines

    text = '{"a": 1}\r{"a": 2}\r\n{"a": "x\u2028y"}\n'
    assert json_lines(text) == [(1, {"a": 1}), (2, {"a": 2}), (3, {"a": "x\u2028y"})]
