"""X-Instruction as its authors ran it (ZNLP/X-Instruction): the Alpaca prompt of its
``utils/inference.py`` byte for byte in its ten languages, its judge prompt (``utils/gpt4_eval.py``)
rendered exactly and its ``<score1>``/``<score2>`` replies parsed, win / tie / loss and position
consistency with exact values through scripted answers and a scripted judge, the Vicuna release
file through --data-dir, and one run on the real model judged through llama_cpp.server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from xeval.run.runner import RunConfig, plan_tasks
from xeval.scoring.judges.parse import UnparseableReply, parse_reply
from xeval.scoring.judges.rubric import load_rubric
from xeval.scoring.judges.scorers import Baseline, PairwiseScorer

ROOT = Path(__file__).resolve().parents[3]
# X-Instruction's language map (gpt4_eval.py / chatgpt_generation.py _LANG_CODE_TO_NAME)
LANGUAGES = {"fi": "Finnish", "id": "Indonesian", "th": "Thai", "tr": "Turkish", "vi": "Vietnamese",
             "bn": "Bengali", "hi": "Hindi", "sw": "Swahili", "ta": "Tamil", "ur": "Urdu"}
# utils/inference.py PROMPT_DICT["xres_aug_prompt_no_input"], the variant scripts/inference.sh selects
PROMPT = ("Below is an instruction that describes a task. Write a response that appropriately completes the "
          "request.\n\n### Instruction:\n{instruction} Answer in {output_lang} and the style of an AI assistant. "
          "\n\n### Response:")
# utils/gpt4_eval.py, the active "Prompt_2, without outputing justification", and its system message
SYSTEM = ("We would like to request your feedback on the performance of AI assistant in response to the "
          "instruction and the given input displayed following.")
JUDGE = ("Given the question and the answer in {lang} language. You are a helpful and precise assistant for checking "
         "the quality of the answer in {lang}.\n\n<question>\n{instruction}\n</question>\n<answer1>\n{output1}\n"
         "</answer1>\n<answer2>\n{output2}\n</answer2>\n\nSuppose the user only speaks the language of the question, "
         "please evaluate both answers with your justification, and only provide a score ranging from 0 to 10 after "
         "your justifications, the score must be an integer. When evaluating the answers, you should consider the "
         "helpfulness, relevance, accuracy, level of details of the answers. The score for answer 1 should be wrapped "
         "by <score1> and </score1>, and the score for answer 2 should be wrapped by <score2> and </score2>.\n\n"
         "Please only output the scores for the answers, and do not output the justification and any other "
         "information.\n\n")


def _xeval(*argv: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xeval", *argv], capture_output=True, text=True, cwd=ROOT,
                          timeout=timeout)


def test_every_task_renders_the_authors_prompt_byte_for_byte() -> None:
    plans = plan_tasks(RunConfig(tasks="xinstruct-paper", data_source="sample"), quiet_judges=True)
    assert sorted(p.spec.task for p in plans) == sorted(f"xinstruct_{s}_{c}" for s in ("vicuna", "wizardlm")
                                                        for c in LANGUAGES)
    for plan in plans:
        language = plan.spec.answer_language
        assert plan.spec.generation_kwargs == {"until": [], "do_sample": True, "temperature": 0.7, "top_p": 0.9,
                                               "max_gen_toks": 2048}
        for sample in plan.samples:
            instruction = sample.metadata["doc"]["instruction"]
            assert [m.role for m in sample.messages] == ["user"]
            assert sample.messages[0].content == PROMPT.format(instruction=instruction,
                                                               output_lang=LANGUAGES[language])
            assert sample.category
            # a chat model gets the instruction itself as its user turn
            [chat] = sample.metadata["chat_messages"]
            assert (chat.role, chat.content) == (
                "user", f"{instruction} Answer in {LANGUAGES[language]} and the style of an AI assistant.")


def test_the_vicuna_release_file_loads_through_data_dir(shared_data: Path) -> None:
    plan = plan_tasks(RunConfig(tasks="xinstruct_vicuna_ta", data_source="local", data_dir=shared_data),
                      quiet_judges=True)[0]
    assert len(plan.samples) == 80
    lines = [json.loads(line) for line in (shared_data / "vicuna-bench" / "question.jsonl").read_text().splitlines()]
    assert [s.id for s in plan.samples] == [str(q["question_id"]) for q in lines]
    assert [s.category for s in plan.samples] == [q["category"] for q in lines]
    assert plan.samples[0].messages[0].content == PROMPT.format(instruction=lines[0]["turns"][0], output_lang="Tamil")


def test_the_judge_prompt_is_the_authors_exactly() -> None:
    rubric = load_rubric("xinstruct")
    plan = plan_tasks(RunConfig(tasks="xinstruct_wizardlm_ur", data_source="sample", limit=1), quiet_judges=True)[0]
    sample = plan.samples[0]
    scorer = PairwiseScorer(rubric, judge=None, baseline=Baseline(lambda s: [None] * len(s), "none"))  # type: ignore[arg-type]
    prompt = scorer.prompt(sample, "jibu la kwanza\n\nna mstari", "second answer")
    assert prompt == JUDGE.format(lang="Urdu", instruction=sample.metadata["doc"]["instruction"],
                                  output1="jibu la kwanza\n\nna mstari", output2="second answer")
    request = rubric.request(prompt)
    assert [(m.role, m.content) for m in request.messages] == [("system", SYSTEM), ("user", prompt)]
    assert request.settings.temperature == 0.0 and request.settings.max_tokens == 256


@pytest.mark.parametrize(("reply", "expected"), [
    ("<score1>7</score1>\n<score2>4</score2>", {"score1": 7.0, "score2": 4.0}),
    ("Answer 1 is better. <score1> 10 </score1> and <score2>0</score2>", {"score1": 10.0, "score2": 0.0}),
    ("<score2>3</score2><score1>8.0</score1>", {"score1": 8.0, "score2": 3.0}),
    ("<score1>6</score1><score2>6</score2> (again: <score1>6</score1>)", {"score1": 6.0, "score2": 6.0}),
    # the last tag is the verdict, as for every judge format
    ("<score1>7</score1><score2>4</score2> on reflection <score1>5</score1>", {"score1": 5.0, "score2": 4.0}),
])
def test_score_tags_parse(reply: str, expected: dict[str, float]) -> None:
    assert parse_reply(load_rubric("xinstruct"), reply) == expected


@pytest.mark.parametrize(("reply", "reason"), [
    ("<score1>7</score1>", "no <score2>"),  # the authors' code records -1 here
    ("Score 1: 7, score 2: 4", "no <score1>"),
    ("<score1>seven</score1><score2>4</score2>", "not a number"),  # the authors' code raises ValueError
    ("<score1>11</score1><score2>4</score2>", "out of range 0-10"),
    ("<score1>-1</score1><score2>4</score2>", "out of range 0-10"),
    ("<score1>7.5</score1><score2>4</score2>", "integer"),  # the authors' code truncates to 7
    ("<score1>\n7\n</score1><score2>4</score2>", "no <score1>"),  # as re.search without DOTALL
    ("", "empty reply"),
])
def test_unreadable_score_tags_are_failures(reply: str, reason: str) -> None:
    with pytest.raises(UnparseableReply, match=reason):
        parse_reply(load_rubric("xinstruct"), reply)


QUESTIONS = ("sleep better", "phases during a month", "tour guide", "popular with local people")
MODEL = ("Lala mapema kila siku.", "Mwezi huzunguka dunia.", "Karibuni sana katika mji wetu.", "Angalia wenyeji.")
BASE = ("Kunywa chai jioni.", "Jua linaangaza mwezi.", "Hamjambo wageni wapendwa.", "Soma maoni mtandaoni.")
# (model-first scores, baseline-first scores) per question, for each rubric
PAPER = [((8, 5), (5, 8)),   # win in both orders
         ((7, 7), (6, 7)),   # tie, then win: per order 1/2 tie + 1/2 win, inconsistent
         ((9, 4), (9, 4)),   # the first position wins both times: win, then loss
         None]               # unreadable: a failure, recorded with the raw reply, not asked again
OURS = [((8, 3), (3, 8)), ((5, 6), (6, 5)), ((7, 4), (7, 4)), ((5, 5), (5, 5))]


def _write(path: Path, entries: list[dict]) -> Path:
    path.write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")
    return path


def _judge_entries() -> list[dict]:
    entries = []
    for i, (paper, ours) in enumerate(zip(PAPER, OURS, strict=True)):
        for order, first in enumerate((MODEL[i], BASE[i])):  # the answer shown first
            if paper is None:
                entries.append({"contains": f"<answer1>\n{first}\n", "reply": "<score1>8</score1> only one score"})
            else:
                a, b = paper[order]
                reply = f"<score1>{a}</score1><score2>{b}</score2>"
                entries.append({"contains": f"<answer1>\n{first}\n", "reply": reply})
            a, b = ours[order]
            entries.append({"contains": f"{first}\n[END ANSWER A", "reply": json.dumps({"score_a": a, "score_b": b})})
    return entries


def _replies(answers: tuple[str, ...]) -> list[dict]:
    return [{"contains": q, "reply": a} for q, a in zip(QUESTIONS, answers, strict=True)]


def test_win_tie_loss_and_consistency_exact(tmp_path: Path) -> None:
    model = _write(tmp_path / "model.json", _replies(MODEL))
    base = _write(tmp_path / "base.json", _replies(BASE))
    judge = _write(tmp_path / "judge.json", _judge_entries())
    proc = _xeval("run", "--model", f"scripted:{model}", "--baseline", f"scripted:{base}", "--judge",
                  f"scripted:{judge}", "--tasks", "xinstruct_vicuna_sw", "--data-source", "sample", "--limit", "4",
                  "--output", str(tmp_path / "out"), "--run-id", "x", "--no-cache", "--max-error-rate", "0.25")
    assert proc.returncode == 0, proc.stderr  # the unjudged sample is 1 of 4 failed, within --max-error-rate
    assert "the judge could not judge 1 sample(s)" in proc.stderr
    records = {r["id"]: r for r in map(json.loads, (tmp_path / "out" / "x" / "samples.jsonl").read_text().splitlines())}
    paper = [records[str(i)]["scores"]["pairwise_xinstruct"] for i in range(1, 5)]
    assert [p["details"].get("verdicts") for p in paper[:3]] == [["win", "win"], ["tie", "win"], ["win", "loss"]]
    assert [p["value"] for p in paper] == [1.0, 0.75, 0.5, None]
    assert [p["details"]["outcome"] for p in paper[:3]] == ["win", "tie/win", "win/loss"]
    assert "no <score2>" in paper[3]["error"] and len(paper[3]["details"]["raw"]["model_first"]) == 1  # no retry
    ours = [records[str(i)]["scores"]["pairwise_pairwise"] for i in range(1, 5)]
    assert [o["details"]["outcome"] for o in ours] == ["win", "loss", "tie", "tie"]
    assert [o["value"] for o in ours] == [1.0, 0.0, 0.5, 0.5]
    assert [records[str(i)]["category"] for i in range(1, 5)] == ["generic", "knowledge", "roleplay", "common-sense"]
    # the baseline answered as the study's ChatGPT did: its prompt and system message, its own run
    baseline = [json.loads(line) for line in (tmp_path / "out" / "x-baseline" / "samples.jsonl").read_text().split("\n")
                if line]
    instruction = json.loads((ROOT / "tasks" / "xinstruct" / "samples" / "xinstruct_vicuna.jsonl").read_text()
                             .splitlines()[0])["instruction"]
    assert baseline[0]["prompt"] == [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": f"Given an instruction in English, please generate a response in Swahili.\n\n"
                                    f"Instruction: {instruction}\n\n### Response:"}]
    assert records["1"]["prompt"] == [{"role": "user", "content": PROMPT.format(instruction=instruction,
                                                                                output_lang="Swahili")}]
    base_run = json.loads((tmp_path / "out" / "x-baseline" / "run.json").read_text())
    assert base_run["settings"]["as_baseline"] is True
    assert base_run["tasks"]["xinstruct_vicuna_sw"]["spec"]["generation_kwargs"]["top_p"] == 1.0

    summary = json.loads((tmp_path / "out" / "x" / "summary.json").read_text())
    rows = {(r["scorer"], r["category"]): r for r in summary["pairwise"] if r["task"] == "xinstruct_vicuna_sw"}
    whole = rows[("pairwise_xinstruct", "all")]
    assert (whole["n"], whole["n_failed"]) == (3, 1)
    assert whole["win"] == pytest.approx(2 / 3) and whole["tie"] == pytest.approx(1 / 6)
    assert whole["loss"] == pytest.approx(1 / 6)
    assert whole["win_rate"] == pytest.approx(0.75) and whole["win_only"] == pytest.approx(2 / 3)
    assert whole["consistency"] == pytest.approx(1 / 3)
    assert whole["win_rate_ci_low"] <= whole["win_rate"] <= whole["win_rate_ci_high"]
    ours_all = rows[("pairwise_pairwise", "all")]
    assert (ours_all["n"], ours_all["n_failed"]) == (4, 0)
    assert (ours_all["win"], ours_all["tie"], ours_all["loss"]) == (0.25, 0.5, 0.25)
    assert ours_all["win_rate"] == 0.5 and ours_all["win_only"] == 0.25 and ours_all["consistency"] == 0.75
    knowledge = rows[("pairwise_xinstruct", "knowledge")]
    assert (knowledge["n"], knowledge["win_rate"], knowledge["consistency"]) == (1, 0.75, 0.0)
    assert rows[("pairwise_xinstruct", "common-sense")]["n_failed"] == 1
    metrics = {m["metric"]: m for m in summary["metrics"]}
    assert metrics["pairwise_xinstruct"]["value"] == pytest.approx(0.75)
    assert metrics["pairwise_xinstruct"]["n_failed"] == 1
    assert summary["judges"]["pairwise_xinstruct"]["failed"] == 1
    run = json.loads((tmp_path / "out" / "x" / "run.json").read_text())
    facts = run["tasks"]["xinstruct_vicuna_sw"]["metric_facts"]
    assert facts["pairwise_xinstruct_loss"]["higher_is_better"] is False


def test_pooled_per_language_across_both_sets(tmp_path: Path) -> None:
    model = _write(tmp_path / "model.json", [{"contains": "Instruction", "reply": "Jibu."}])
    base = _write(tmp_path / "base.json", [{"contains": "Instruction", "reply": "Jibu jingine."}])
    judge = _write(tmp_path / "judge.json", [
        {"contains": "<answer1>\nJibu.\n", "reply": "<score1>6</score1><score2>2</score2>"},
        {"contains": "<answer1>\nJibu jingine.\n", "reply": "<score1>2</score1><score2>6</score2>"},
        {"contains": "[END ANSWER A", "reply": '{"score_a": 5, "score_b": 5}'},
    ])
    proc = _xeval("run", "--model", f"scripted:{model}", "--baseline", f"scripted:{base}", "--judge",
                  f"scripted:{judge}", "--tasks", "xinstruct_vicuna_sw,xinstruct_wizardlm_sw", "--data-source",
                  "sample", "--limit", "2", "--output", str(tmp_path / "out"), "--run-id", "p", "--no-cache")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((tmp_path / "out" / "p" / "summary.json").read_text())
    pooled = [r for r in summary["pairwise"] if r["task"] == "*" and r["category"] == "all"]
    assert {(r["scorer"], r["answer_language"], r["n"], r["win_rate"]) for r in pooled} == {
        ("pairwise_xinstruct", "sw", 4, 1.0), ("pairwise_pairwise", "sw", 4, 0.5)}


def test_xinstruct_vicuna_sw_on_the_real_model(llama_server_url: str, tmp_path: Path) -> None:
    """The embedded model answers three Vicuna questions in Swahili, the server's copy answers as the
    baseline, and the same model judges through llama_cpp.server, both rubrics, both orders."""
    proc = _xeval("run", "--tasks", "xinstruct_vicuna_sw", "--data-dir", str(ROOT.parent / "shared" / "data"),
                  "--limit", "3", "--max-tokens", "48", "--baseline", f"openai:gemma@{llama_server_url}",
                  "--judge", f"openai:gemma@{llama_server_url}", "--output", str(tmp_path), "--run-id", "real",
                  "--max-error-rate", "1", timeout=1500)  # a 270M judge's replies are often unreadable
    assert proc.returncode == 0, proc.stderr[-3000:]
    records = [json.loads(line) for line in (tmp_path / "real" / "samples.jsonl").read_text().splitlines()]
    assert len(records) == 3 and all(r["category"] == "generic" for r in records)
    run = json.loads((tmp_path / "real" / "run.json").read_text())
    assert run["settings"]["chat_model"] is True  # the embedded model applies Gemma's chat template
    for record in records:  # so it was sent the instruction itself, not the Alpaca frame
        [turn] = record["prompt"]
        assert turn["content"].endswith(" Answer in Swahili and the style of an AI assistant.")
        assert "### Instruction" not in turn["content"]
    for record in records:
        for name in ("pairwise_xinstruct", "pairwise_pairwise"):
            score = record["scores"][name]
            raw = score["details"]["raw"]
            assert raw["model_first"] and raw["baseline_first"], name  # both orders were judged
            if score["value"] is None:
                assert score["error"]  # an unreadable reply: a recorded failure with its reason
            else:
                assert len(score["details"]["orders"]) == 2
    summary = json.loads((tmp_path / "real" / "summary.json").read_text())
    assert {r["scorer"] for r in summary["pairwise"]} == {"pairwise_xinstruct", "pairwise_pairwise"}


def test_chat_models_are_told_apart_from_plain_text_ones() -> None:
    from xeval.models.base import abilities_of
    from xeval.models.registry import load_model

    for args, chat in (({}, True), ({"chat_template": "plain"}, False)):
        model = load_model("embedded", {"parallel": 1, **args})
        try:
            assert abilities_of(model).chat is chat
        finally:
            model.close()
