"""KoMT-Bench's released judgments replayed (``model_judgment_gpt-4_single_final.jsonl``: GPT-4's
answers to the 80 conversations, judged by GPT-4, 160 judgments).

Those judgments were made on an earlier wording of the questions: only 3 of the 80 conversations
read today as they did then. So the questions, the reference answers and GPT-4's answers are
recovered from the released judge prompts themselves (each prompt is its template filled in), and
the run is made on them: GPT-4's answers through ``responses:``, the judge a ``responses:`` file
answering each judge prompt with its released judgment. Every judge request xeval sends equals the
released ``user_prompt`` byte for byte (the judge file answers no other), every score equals the
released one, and so do the per-turn means (9.625, 9.600)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from xeval.run.conversation import ConversationState
from xeval.run.runner import RunConfig, plan_tasks
from xeval.scoring.judges.conversation import CONVERSATION_JUDGES, ConversationJudge

ROOT = Path(__file__).resolve().parents[3]


def _pattern(template: str) -> re.Pattern[str]:
    """A released prompt template as a pattern recovering what filled it in."""
    out, seen = "", set()
    for i, part in enumerate(re.split(r"\{(\w+)\}", template)):
        if i % 2 == 0:
            out += re.escape(part)
        elif part in seen:
            out += f"(?P={part})"
        else:
            seen.add(part)
            out += f"(?P<{part}>.*?)"
    return re.compile(out + r"\Z", re.S)


def _released(shared: Path) -> tuple[list[dict[str, Any]], dict[int, dict[int, dict[str, str]]]]:
    folder = shared / "komt-bench"
    prompts = {p["name"]: p for p in map(json.loads, (folder / "judge_prompts_ko.jsonl").read_text().splitlines())}
    patterns = {name: _pattern(p["prompt_template"]) for name, p in prompts.items()}
    rows = [json.loads(line) for line in (folder / "model_judgment_gpt-4_single_final.jsonl").read_text().splitlines()]
    filled: dict[int, dict[int, dict[str, str]]] = defaultdict(dict)
    for row in rows:
        match = patterns[row["judge"][1]].match(row["user_prompt"])
        assert match, (row["question_id"], row["turn"])
        filled[row["question_id"]][row["turn"]] = match.groupdict()
    return rows, filled


def _recovered_data(shared: Path, out: Path) -> tuple[list[dict[str, Any]], dict[int, list[str]]]:
    """question_ko.jsonl and reference_answer_ko_gpt-4.jsonl as the judgments saw them, and GPT-4's
    answers by question id."""
    rows, filled = _released(shared)
    today = {q["question_id"]: q for q in map(json.loads, (shared / "komt-bench" / "question_ko.jsonl")
                                              .read_text().splitlines())}
    folder = out / "komt-bench"
    folder.mkdir(parents=True)
    questions, references, answers = [], [], {}
    for qid in sorted(filled):
        first, second = filled[qid][1], filled[qid][2]
        assert (first["question"], first["answer"]) == (second["question_1"], second["answer_1"])
        questions.append({"question_id": qid, "category": today[qid]["category"],
                          "turns": [second["question_1"], second["question_2"]]})
        if "ref_answer_2" in second:
            references.append({"question_id": qid, "model_id": "gpt-4",
                               "choices": [{"index": 0, "turns": [second["ref_answer_1"], second["ref_answer_2"]]}]})
        answers[qid] = [second["answer_1"], second["answer_2"]]
    (folder / "question_ko.jsonl").write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in questions))
    (folder / "reference_answer_ko_gpt-4.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in references))
    return rows, answers


def test_the_released_prompts_were_made_on_other_questions(shared_data: Path) -> None:
    _, filled = _released(shared_data)
    today = {q["question_id"]: q["turns"] for q in map(json.loads, (shared_data / "komt-bench" / "question_ko.jsonl")
                                                       .read_text().splitlines())}
    same = [qid for qid, turns in filled.items() if [turns[2]["question_1"], turns[2]["question_2"]] == today[qid]]
    assert len(filled) == 80 and len(same) == 3


def test_every_request_is_the_released_prompt_byte_for_byte(shared_data: Path, tmp_path: Path) -> None:
    rows, answers = _recovered_data(shared_data, tmp_path)
    [plan] = plan_tasks(RunConfig(tasks="komt_bench", data_source="local", data_dir=tmp_path), quiet_judges=True)
    judge = ConversationJudge(CONVERSATION_JUDGES["komt_bench"], None)  # type: ignore[arg-type]
    state = ConversationState()
    samples = {(int(s.conversation.id), s.conversation.turn): s for s in plan.samples if s.conversation}
    system = {p["name"]: p["system_prompt"] for p in map(json.loads, (shared_data / "komt-bench" /
                                                                      "judge_prompts_ko.jsonl").read_text().splitlines())}
    for qid, turns in answers.items():
        state.remember(samples[(qid, 1)], turns[0], None)
    for row in rows:
        sample = state.with_history(samples[(row["question_id"], row["turn"])])
        name, request = judge.named_request(sample, answers[row["question_id"]][row["turn"] - 1])
        assert name == row["judge"][1]
        assert [(m.role, m.content) for m in request.messages] == [("system", system[name]),
                                                                   ("user", row["user_prompt"])]
    assert len(rows) == 160


def test_the_released_judgments_replayed_give_the_released_scores(shared_data: Path, tmp_path: Path) -> None:
    rows, answers = _recovered_data(shared_data, tmp_path / "data")
    questions = {q["question_id"]: q["turns"] for q in map(json.loads, (tmp_path / "data" / "komt-bench" /
                                                                        "question_ko.jsonl").read_text().splitlines())}
    # GPT-4's answers, each to its own turn's question (responses: answers a request by its last user message)
    model_file = tmp_path / "gpt4_answers.jsonl"
    model_file.write_text("".join(json.dumps({"prompt": questions[qid][t], "response": answers[qid][t]},
                                             ensure_ascii=False) + "\n" for qid in answers for t in (0, 1)))
    judge_file = tmp_path / "gpt4_judgments.jsonl"
    judge_file.write_text("".join(json.dumps({"prompt": r["user_prompt"], "response": r["judgment"]},
                                             ensure_ascii=False) + "\n" for r in rows))
    proc = subprocess.run([sys.executable, "-m", "xeval", "run", "--model", f"responses:{model_file}",
                           "--judge", f"responses:{judge_file}", "--tasks", "komt_bench", "--data-source", "local",
                           "--data-dir", str(tmp_path / "data"), "--output", str(tmp_path / "out"), "--run-id", "r",
                           "--no-cache"], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    records = [json.loads(line) for line in (tmp_path / "out" / "r" / "samples.jsonl").read_text().splitlines()]
    assert len(records) == 160 and not any(r["error"] for r in records)
    released = {(r["question_id"], r["turn"]): r["score"] for r in rows}
    penalised = []
    for record in records:
        score = record["scores"]["judge_komt_bench"]
        place = (int(record["conversation"]["id"]), record["conversation"]["turn"])
        assert score["extra"]["unpenalised"] == released[place], place  # every request answered: byte-equal
        assert score["details"]["raw"] == [next(r["judgment"] for r in rows
                                                if (r["question_id"], r["turn"]) == place)]
        if score["extra"]["penalised"]:
            penalised.append(place)
            assert score["value"] == released[place] ** 0.5
        else:
            assert score["value"] == released[place]
    # xeval's language ID calls one answer not Korean: question 131's second answer, JSON alone
    assert penalised == [(131, 2)]
    summary = json.loads((tmp_path / "out" / "r" / "summary.json").read_text())
    [row] = [c for c in summary["conversations"] if c["category"] == "all"]
    assert (row["turn1_unpenalised"], row["turn2_unpenalised"]) == (9.625, 9.6)
    assert (row["turn1_n"], row["turn2_n"], row["turn1_n_failed"], row["turn2_n_failed"]) == (80, 80, 0, 0)
    assert row["turn1"] == 9.625
    q131 = released[(131, 2)]
    assert abs(row["turn2"] - (9.6 * 80 - q131 + q131 ** 0.5) / 80) < 1e-9
    assert abs(row["score_unpenalised"] - (9.625 + 9.6) / 2) < 1e-9
