"""One typed RunSettings (issue #33): the command line is built from its fields, run.json's
``settings`` is its dump, ``--resume`` reads it back (the flags given winning), bounds are its
validators, and run.json of schema version 2 is read as version 3."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from xeval.cli import _parser, main
from xeval.errors import XevalError
from xeval.results import RunFolder
from xeval.run.session import settings_for
from xeval.settings import (
    RunSettings,
    add_run_flags,
    given_flags,
    recorded_fields,
    upgrade_settings,
)

FIXTURE_RUN = Path(__file__).parent / "fixtures" / "unchanged" / "suite" / "run.json"


def parse(*argv: str) -> RunSettings:
    args = _parser().parse_args(["run", *argv])
    return settings_for(given_flags(args))


def test_every_field_with_a_flag_is_on_the_command_line() -> None:
    parser = argparse.ArgumentParser()
    add_run_flags(parser)
    dests = {action.dest for action in parser._actions if action.dest != "help"}
    flagged = {name for name, info in RunSettings.model_fields.items()
               if isinstance(info.json_schema_extra, dict) and "cli" in info.json_schema_extra}
    assert dests == flagged
    assert {"as_baseline", "chat_model"} == set(RunSettings.model_fields) - flagged  # decided when the run starts


def test_defaults_of_a_new_run() -> None:
    settings = parse()
    assert settings.model == "embedded" and settings.mc_mode == "auto" and settings.batch_size == 8
    assert settings.seed == 1234 and settings.output == Path("results") and settings.max_error_rate == 0.0


def test_the_recorded_settings_keep_run_json_s_order_and_forms() -> None:
    """The fields version 2 recorded come first, in its order and JSON forms (old summaries read alike)."""
    old = json.loads(FIXTURE_RUN.read_text())["settings"]
    settings = parse("--shard", "2/3", "--clusters", "c.yaml", "--reasoning-markers", "<r>,</r>", "--limit", "4")
    recorded = settings.recorded()
    assert list(recorded)[:len(old)] == list(old)
    assert recorded["shard"] == "2/3" and recorded["clusters"] == "c.yaml"
    assert recorded["reasoning_markers"] == ["<r>", "</r>"] and recorded["limit"] == 4
    assert set(recorded) - set(old) == {"judge_spec", "judge_args", "judge_mode", "judge_max_tokens", "baseline_spec",
                                        "max_error_rate", "tasks_dir"}


@pytest.mark.parametrize(("argv", "message"), [
    (["--limit", "0"], "--limit must be at least 1"),
    (["--batch-size", "0"], "--batch-size must be at least 1, got 0"),
    (["--max-tokens", "-5"], "--max-tokens must be at least 1, got -5"),
    (["--judge-max-tokens", "0"], "--judge-max-tokens must be at least 1, got 0"),
    (["--repeats", "0"], "--repeats must be at least 1, got 0"),
    (["--seed", "-1"], "--seed must be 0 or more, got -1"),
    (["--num-fewshot", "-2"], "--num-fewshot must be 0 or more, got -2"),
    (["--temperature", "inf"], "--temperature must be a finite number, 0 or more, got inf"),
    (["--max-error-rate", "1.5"], "--max-error-rate must be between 0 and 1, got 1.5"),
    (["--shard", "0/2"], "I must be between 1 and N"),
    (["--shard", "a/b"], "--shard 'a/b': expected I/N"),
    (["--reasoning-markers", "<t>"], "expected START,END"),
    (["--run-id", "a/b"], "one plain folder name"),
    (["--gen-kwargs", "max_gen_toks=x"], "--gen-kwargs: max_gen_toks must be an integer"),
    (["--protocol", "korani", "--mc-mode", "loglik"], "drop --mc-mode loglik or the protocol"),
])
def test_bounds_are_one_line_naming_the_flag(argv: list[str], message: str) -> None:
    with pytest.raises(XevalError) as caught:
        parse(*argv)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_gen_kwargs_and_protocol_fill_what_no_flag_set() -> None:
    assert parse("--gen-kwargs", "max_gen_toks=7,do_sample=false").max_tokens == 7
    assert parse("--gen-kwargs", "max_gen_toks=7", "--max-tokens", "9").max_tokens == 9
    korani = parse("--protocol", "korani", "--max-tokens", "5")
    assert (korani.mc_mode, korani.max_tokens, korani.temperature) == ("exact", 5, 0.0)


def _run_folder(tmp_path: Path, settings: dict[str, object], schema_version: int = 3) -> Path:
    folder = tmp_path / "out" / "r"
    folder.mkdir(parents=True)
    (folder / "run.json").write_text(json.dumps({
        "schema_version": schema_version, "run_id": "r", "model": {"spec": "scripted:x.jsonl", "args": {}},
        "settings": settings, "tasks": {}}))
    return folder


def test_resume_takes_the_recorded_settings_and_the_flags_given_win(tmp_path: Path) -> None:
    recorded = parse("--tasks", "ifeval", "--limit", "3", "--judge", "embedded", "--judge-mode", "logprobs",
                     "--max-error-rate", "0.25", "--tasks-dir", str(tmp_path), "--mc-mode", "generate",
                     "--seed", "9").recorded()
    folder = _run_folder(tmp_path, recorded)
    resumed = parse("--resume", str(folder))
    assert resumed.recorded() == recorded
    assert (resumed.model, resumed.output, resumed.run_id) == ("scripted:x.jsonl", folder.parent, "r")
    again = parse("--resume", str(folder), "--max-error-rate", "1", "--limit", "5", "--output", str(tmp_path / "x"),
                  "--run-id", "other")
    assert (again.max_error_rate, again.limit, again.judge_spec) == (1.0, 5, "embedded")
    assert (again.output, again.run_id) == (folder.parent, "r")  # the folder resumed is where the run is written


def test_a_version_2_run_json_reads_as_version_3(tmp_path: Path) -> None:
    old = json.loads(FIXTURE_RUN.read_text())
    assert old["schema_version"] == 2
    upgraded = upgrade_settings({**old, "judge": {"spec": "embedded", "mode": "logprobs"}, "baseline": "base-run"})
    assert upgraded["schema_version"] == 3
    assert {k: upgraded["settings"][k] for k in ("judge_spec", "judge_mode", "baseline_spec", "max_error_rate")} == \
        {"judge_spec": "embedded", "judge_mode": "logprobs", "baseline_spec": "base-run", "max_error_rate": 0.0}
    folder = tmp_path / "old"
    folder.mkdir()
    (folder / "run.json").write_text(json.dumps(old))
    spec = RunFolder(folder).read_spec()
    assert spec.schema_version == 3 and set(recorded_fields()) <= set(spec.settings)
    resumed = parse("--resume", str(folder))
    assert resumed.tasks == "default,ifeval,mifeval_ja" and resumed.data_source == "sample"


@pytest.mark.parametrize(("field", "value"), [("judge_mode", "maybe"), ("max_error_rate", 7), ("limit", "abc"),
                                              ("shard", "9/2"), ("tasks_dir", 5), ("judge_max_tokens", 0)])
def test_a_damaged_recorded_setting_is_one_line_naming_it(tmp_path: Path, field: str, value: object,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    folder = _run_folder(tmp_path, {field: value})
    assert main(["run", "--resume", str(folder)]) == 2
    err = capsys.readouterr().err.strip()
    assert "run.json" in err and f"settings.{field}" in err and len(err.splitlines()) == 1


def test_a_redacted_judge_spec_is_asked_for_again(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _run_folder(tmp_path, {"judge_spec": "openai:gpt@https://***@example.org/v1"})
    assert main(["run", "--resume", str(folder)]) == 2
    assert "give --judge again" in capsys.readouterr().err
