"""Instruction following in the leaderboard and the report: a scripted run of the IFEval and
Multi-IF samples, with its rows per instruction group, instruction id and turn exactly as
`xeval leaderboard --by ...` and `xeval report` show them; language correctness beside
prompt_level_strict_acc; runs without instruction tasks shown as before; damaged rows refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# first match wins (a later turn's prompt holds the earlier turns' text, so later turns come first)
REPLIES = [
    # multi_if_en (tasks/ifeval/samples/multi_if_en.jsonl), as tests/run/test_conversations.py
    {"contains": "Finally, add a title", "reply": "<<Sea>>\nWaves, roll"},  # comma: strict no, loose yes
    {"contains": "Now rewrite it", "reply": "\"Waves roll in the night\""},
    {"contains": "Write a short poem", "reply": "Waves roll in the night"},
    {"contains": "Now end your answer", "reply": "- apples\n- pears\nAny other questions?"},
    {"contains": "lowercase letters only, a short sentence",
     "reply": "- apples are sweet and red and crisp\n- pears are soft and green"},
    {"contains": "List two fruits", "reply": "* Apples\n* Pears"},
    # ifeval (tasks/ifeval/samples/ifeval.jsonl)
    {"contains": "lost cat", "reply": "Dear neighbour\nOur cat Tom is lost. Please call us."},  # no comma
    {"contains": "sunrise", "reply": "\"The sun rises, slowly.\""},  # quoted, but 4 words, not 40
    {"contains": "benefits of walking", "reply": "* walking is good\n* it is free\n* it clears the mind"},
    {"contains": "poem about rain", "reply": "<<Rain>>\nDrops on the roof.\nIs there anything else I can help with?"},
    {"contains": "rainbow", "reply": "A rainbow is sunlight split by raindrops."},  # English; Korean was asked
    {"contains": "favourite season", "reply": "Summer, because it is warm."},  # not lowercase
]


def xeval(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xeval", *argv], capture_output=True, text=True, cwd=ROOT,
                          timeout=300, env=dict(os.environ))


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("instruction-runs")
    replies = folder / "replies.jsonl"
    replies.write_text("".join(json.dumps(r) + "\n" for r in REPLIES), encoding="utf-8")
    out = xeval("run", "--model", f"scripted:{replies}", "--tasks", "ifeval,multi_if_en", "--data-source", "sample",
                "--output", str(folder / "out"), "--run-id", "r", "--no-cache")
    assert out.returncode == 0, out.stderr
    return folder / "out"


def _model(results: Path) -> str:
    return f"scripted:{results.parent / 'replies.jsonl'}"


def test_leaderboard_shows_language_correctness_beside_instruction_following(results: Path) -> None:
    out = xeval("leaderboard", "--results", str(results))
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "| model | ifeval/language | ifeval/prompt_level_strict_acc | ifeval/prompt_level_strict_acc_lang_gated"
        " | multi_if_en/language | multi_if_en/prompt_level_strict_acc | multi_if_en/prompt_level_strict_acc_lang_gated"
        " | avg[en] | avg |",
        "|---|---|---|---|---|---|---|---|---|",
        # ifeval: 3 of 6 prompts followed; 5 of 6 answers in the language asked (the rainbow one is not Korean).
        # multi_if_en: 5 of 6 turns followed strictly, every answer in English. avg: (0.5 + 5/6) / 2
        f"| {_model(results)} | 0.833 | 0.500 | 0.500 | 1.000 | 0.833 | 0.833 | 0.667 | 0.667 |",
    ]


def test_leaderboard_by_instruction_group(results: Path) -> None:
    out = xeval("leaderboard", "--results", str(results), "--by", "instruction-group")
    assert out.returncode == 0, out.stderr
    m = _model(results)
    assert out.stdout.splitlines() == [
        "| model | task | input_language | group | n | strict_acc | loose_acc |",
        "|---|---|---|---|---|---|---|",
        f"| {m} | ifeval | en | change_case | 1 | 0.000 | 0.000 |",
        f"| {m} | ifeval | en | detectable_format | 2 | 1.000 | 1.000 |",
        f"| {m} | ifeval | en | language | 1 | 0.000 | 0.000 |",
        f"| {m} | ifeval | en | length_constraints | 1 | 0.000 | 0.000 |",
        f"| {m} | ifeval | en | punctuation | 1 | 1.000 | 1.000 |",
        f"| {m} | ifeval | en | startend | 2 | 1.000 | 1.000 |",
        f"| {m} | multi_if_en | en | change_case | 1 | 1.000 | 1.000 |",
        f"| {m} | multi_if_en | en | detectable_format | 3 | 1.000 | 1.000 |",
        f"| {m} | multi_if_en | en | punctuation | 3 | 0.667 | 1.000 |",  # turn 3's comma: loose without its line
        f"| {m} | multi_if_en | en | startend | 2 | 1.000 | 1.000 |",
    ]


def test_leaderboard_by_instruction_id_as_csv(results: Path) -> None:
    out = xeval("leaderboard", "--results", str(results), "--by", "instruction-id", "--format", "csv")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "model,task,input_language,instruction_id,n,strict_acc,loose_acc,run_id,created"
    rows = [line.split(",")[1:7] for line in lines[1:]]
    assert all(line.split(",")[7] == "r" for line in lines[1:])
    assert rows == [
        ["ifeval", "en", "change_case:english_lowercase", "1", "0.0", "0.0"],
        ["ifeval", "en", "detectable_format:number_bullet_lists", "1", "1.0", "1.0"],
        ["ifeval", "en", "detectable_format:title", "1", "1.0", "1.0"],
        ["ifeval", "en", "language:response_language", "1", "0.0", "0.0"],
        ["ifeval", "en", "length_constraints:number_words", "1", "0.0", "0.0"],
        ["ifeval", "en", "punctuation:no_comma", "1", "1.0", "1.0"],
        ["ifeval", "en", "startend:end_checker", "1", "1.0", "1.0"],
        ["ifeval", "en", "startend:quotation", "1", "1.0", "1.0"],
        ["multi_if_en", "en", "change_case:english_lowercase", "1", "1.0", "1.0"],
        ["multi_if_en", "en", "detectable_format:number_bullet_lists", "2", "1.0", "1.0"],
        ["multi_if_en", "en", "detectable_format:title", "1", "1.0", "1.0"],
        ["multi_if_en", "en", "punctuation:no_comma", "3", "0.6666666666666666", "1.0"],
        ["multi_if_en", "en", "startend:end_checker", "1", "1.0", "1.0"],
        ["multi_if_en", "en", "startend:quotation", "1", "1.0", "1.0"],
    ]


def test_leaderboard_by_turn(results: Path) -> None:
    out = xeval("leaderboard", "--results", str(results), "--by", "turn")
    assert out.returncode == 0, out.stderr
    m = _model(results)
    assert out.stdout.splitlines() == [
        "| model | task | input_language | turn | n | n_failed | prompt_level_strict_acc | inst_level_strict_acc"
        " | prompt_level_loose_acc | inst_level_loose_acc | language | language_code_switching"
        " | prompt_level_strict_acc_lang_gated |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        f"| {m} | multi_if_en | en | 1 | 2 | 0 | 1.000 | 1.000 | 1.000 | 1.000 | 1.000 | 0.000 | 1.000 |",
        f"| {m} | multi_if_en | en | 2 | 2 | 0 | 1.000 | 1.000 | 1.000 | 1.000 | 1.000 | 0.000 | 1.000 |",
        f"| {m} | multi_if_en | en | 3 | 2 | 0 | 0.500 | 0.667 | 1.000 | 1.000 | 1.000 | 0.000 | 0.500 |",
    ]
    both = xeval("leaderboard", "--results", str(results), "--by", "turn", "--history", m)
    assert both.returncode == 2 and "--by and --history cannot be combined" in both.stderr


class _Tables(HTMLParser):
    """The cells of every <table id=...> of a page, row by row (header row first)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._table = dict(attrs).get("id")
            if self._table:
                self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self.tables[self._table].append([])
        elif tag in ("td", "th") and self._table:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = None
        elif tag in ("td", "th") and self._table and self._cell is not None:
            self.tables[self._table][-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _report_tables(run_dir: Path, out: Path) -> tuple[dict[str, list[list[str]]], str]:
    done = xeval("report", str(run_dir), "--out", str(out))
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    parser = _Tables()
    parser.feed(text)
    return parser.tables, text


def test_report_tables_per_language_group_id_and_turn(results: Path, tmp_path: Path) -> None:
    tables, text = _report_tables(results / "r", tmp_path / "report.html")
    label = f"{_model(results)} · r"
    assert "<h2>Instruction following</h2>" in text
    assert tables["instructions-language"] == [
        ["run", "task", "input language", "prompts", "prompt strict", "inst strict", "prompt loose", "inst loose",
         "language correctness"],
        # ifeval: 5 of 8 instructions; multi_if_en: 8 of 9 strictly, all 9 loosely
        [label, "ifeval", "en", "6", "0.500", "0.625", "0.500", "0.625", "0.833"],
        [label, "multi_if_en", "en", "6", "0.833", "0.889", "1.000", "1.000", "1.000"],
    ]
    groups = tables["instructions-group"]
    assert groups[0] == ["run", "task", "input language", "instruction group", "n", "strict acc", "loose acc"]
    assert [row[1:] for row in groups[1:]] == [
        ["ifeval", "en", "change_case", "1", "0.000", "0.000"],
        ["ifeval", "en", "detectable_format", "2", "1.000", "1.000"],
        ["ifeval", "en", "language", "1", "0.000", "0.000"],
        ["ifeval", "en", "length_constraints", "1", "0.000", "0.000"],
        ["ifeval", "en", "punctuation", "1", "1.000", "1.000"],
        ["ifeval", "en", "startend", "2", "1.000", "1.000"],
        ["multi_if_en", "en", "change_case", "1", "1.000", "1.000"],
        ["multi_if_en", "en", "detectable_format", "3", "1.000", "1.000"],
        ["multi_if_en", "en", "punctuation", "3", "0.667", "1.000"],
        ["multi_if_en", "en", "startend", "2", "1.000", "1.000"],
    ]
    assert all(row[0] == label for row in groups[1:])
    ids = tables["instructions-id"]
    assert ids[0] == ["run", "task", "input language", "instruction id", "n", "strict acc", "loose acc"]
    assert [row[1:] for row in ids[1:]] == [
        ["ifeval", "en", "change_case:english_lowercase", "1", "0.000", "0.000"],
        ["ifeval", "en", "detectable_format:number_bullet_lists", "1", "1.000", "1.000"],
        ["ifeval", "en", "detectable_format:title", "1", "1.000", "1.000"],
        ["ifeval", "en", "language:response_language", "1", "0.000", "0.000"],
        ["ifeval", "en", "length_constraints:number_words", "1", "0.000", "0.000"],
        ["ifeval", "en", "punctuation:no_comma", "1", "1.000", "1.000"],
        ["ifeval", "en", "startend:end_checker", "1", "1.000", "1.000"],
        ["ifeval", "en", "startend:quotation", "1", "1.000", "1.000"],
        ["multi_if_en", "en", "change_case:english_lowercase", "1", "1.000", "1.000"],
        ["multi_if_en", "en", "detectable_format:number_bullet_lists", "2", "1.000", "1.000"],
        ["multi_if_en", "en", "detectable_format:title", "1", "1.000", "1.000"],
        ["multi_if_en", "en", "punctuation:no_comma", "3", "0.667", "1.000"],
        ["multi_if_en", "en", "startend:end_checker", "1", "1.000", "1.000"],
        ["multi_if_en", "en", "startend:quotation", "1", "1.000", "1.000"],
    ]
    assert tables["instructions-turn"] == [
        ["run", "task", "input language", "turn", "samples", "failed", "prompt_level_strict_acc",
         "inst_level_strict_acc", "prompt_level_loose_acc", "inst_level_loose_acc", "language",
         "language_code_switching", "prompt_level_strict_acc_lang_gated"],
        [label, "multi_if_en", "en", "1", "2", "0", "1.000", "1.000", "1.000", "1.000", "1.000", "0.000", "1.000"],
        [label, "multi_if_en", "en", "2", "2", "0", "1.000", "1.000", "1.000", "1.000", "1.000", "0.000", "1.000"],
        [label, "multi_if_en", "en", "3", "2", "0", "0.500", "0.667", "1.000", "1.000", "1.000", "0.000", "0.500"],
    ]
    # the report's leaderboard is the leaderboard's: language correctness beside the primary metric
    assert tables["leaderboard"][0][1:4] == ["ifeval/language", "ifeval/prompt_level_strict_acc",
                                             "ifeval/prompt_level_strict_acc_lang_gated"]


def test_runs_without_instruction_tasks_are_shown_as_before(tmp_path: Path) -> None:
    replies = tmp_path / "replies.json"
    replies.write_text('[{"contains": "Question", "reply": "Paris"}]', encoding="utf-8")
    out = xeval("run", "--model", f"scripted:{replies}", "--tasks", "xeval_qa_en", "--limit", "3", "--output",
                str(tmp_path / "out"), "--run-id", "q", "--no-cache")
    assert out.returncode == 0, out.stderr
    summary = json.loads((tmp_path / "out" / "q" / "summary.json").read_text(encoding="utf-8"))
    assert "language" in {m["metric"] for m in summary["metrics"]}  # scored, but not an instruction task
    board = xeval("leaderboard", "--results", str(tmp_path / "out"))
    assert board.returncode == 0, board.stderr
    assert board.stdout.splitlines()[0] == ("| model | xeval_qa_en/exact_match | xeval_qa_en/exact_match_lang_gated"
                                            " | avg[en] | avg |")
    tables, text = _report_tables(tmp_path / "out" / "q", tmp_path / "report.html")
    assert "Instruction following" not in text and not any(name.startswith("instructions-") for name in tables)
    for view, what in (("instruction-group", "no instruction-following rows"), ("turn", "no per-turn rows")):
        refused = xeval("leaderboard", "--results", str(tmp_path / "out"), "--by", view)
        assert refused.returncode == 2 and what in refused.stderr and "Traceback" not in refused.stderr


DAMAGE = {  # what is written over a good summary.json, and what its one error line must name
    "instruction n not a number": (lambda s: s["instructions"][0].update(n="many"), "field 'instructions.0.n'"),
    "strict_acc a string": (lambda s: s["instructions"][3].update(strict_acc="high"),
                            "field 'instructions.3.strict_acc'"),
    "strict_acc above 1": (lambda s: s["instructions"][1].update(strict_acc=7), "field 'instructions.1.strict_acc'"),
    "unknown level": (lambda s: s["instructions"][0].update(level="family"), "field 'instructions.0.level'"),
    "instruction row a string": (lambda s: s["instructions"].__setitem__(2, "punctuation"), "field 'instructions.2'"),
    "instructions an object": (lambda s: s.update(instructions={"ifeval": 1}), "field 'instructions'"),
    "turn not a number": (lambda s: s["turns"][0].update(turn="first"), "field 'turns.0.turn'"),
    "turn metric a string": (lambda s: s["turns"][1].update(prompt_level_strict_acc="half"),
                             "field 'turns.1.prompt_level_strict_acc'"),
}


@pytest.mark.parametrize("name", list(DAMAGE))
def test_damaged_instruction_rows_are_one_line_and_exit_2(name: str, results: Path, tmp_path: Path) -> None:
    damage, needle = DAMAGE[name]
    run = tmp_path / "res" / "r"
    run.mkdir(parents=True)
    summary = json.loads((results / "r" / "summary.json").read_text(encoding="utf-8"))
    damage(summary)
    (run / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    (run / "samples.jsonl").write_bytes((results / "r" / "samples.jsonl").read_bytes())
    for argv in (["report", str(run), "--out", str(tmp_path / "r.html")],
                 ["leaderboard", "--results", str(tmp_path / "res"), "--by", "instruction-group"]):
        out = xeval(*argv)
        assert out.returncode == 2, (argv, out.returncode, out.stderr)
        assert "Traceback" not in out.stderr
        errors = [line for line in out.stderr.splitlines() if line.startswith("xeval: error:")]
        assert len(errors) == 1 and "summary.json" in errors[0] and needle in errors[0], out.stderr
    assert not (tmp_path / "r.html").exists()
