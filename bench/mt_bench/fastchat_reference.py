"""Regenerate the MT-Bench / KoMT-Bench judge-request fixture with FastChat's own code.

This script is NOT part of xeval and does not import it. It runs FastChat 0.2.36
(`fschat==0.2.36`, module `fastchat.llm_judge`) to build single-answer-grading judge
requests exactly as `gen_judgment.py --mode single --judge-model gpt-4` does, and
writes them to `tests/scoring/judges/cases/mt_bench_fastchat.json`, so that xeval's
re-implementation can be checked byte for byte against it.

Setup (a venv of its own, never the project's):

    python3.11 -m venv /work/refvenv-fschat
    /work/refvenv-fschat/bin/pip install fschat==0.2.36 openai anthropic psutil \
        torch==2.13.0 transformers accelerate
    # (fastchat.llm_judge.common imports openai/anthropic and
    #  fastchat.model.model_adapter, which imports psutil/torch/transformers/accelerate;
    #  CPU torch is enough, nothing is loaded or called)

Run from the repository root (regenerates the fixture in place):

    /work/refvenv-fschat/bin/python bench/mt_bench/fastchat_reference.py \
        [--shared /work/shared/data] [--out tests/scoring/judges/cases/mt_bench_fastchat.json]

How the requests are captured: `fastchat.llm_judge.common.chat_completion_openai` is
replaced by a recorder that stores `conv.to_openai_api_messages()`, temperature and
max_tokens, and returns a fixed judgment. Everything else is FastChat's: the judges
come from `gen_judgment.make_judge_single(load_judge_prompts(...))`, the matches from
`gen_judgment.make_match_single` (questions split on `NEED_REF_CATS`, reference
answers only for those, "-mt" judges for turn 2), and each match is played by
`common.play_a_match_single`, which calls the real `run_judge_single`.

Questions: for each benchmark, the first two question_ids of each of the 8
categories. Model answers are synthetic, deterministic and hostile (braces such as
`{question}` / `{answer_1}` / a lone `{`, Korean text, a trailing newline, and
"[[3]]" inside some), see `synthetic_answers`.

The fixture also holds `rating_cases`: judgment strings fed back through the real
`run_judge_single` with the rating FastChat parsed from each (or the exception it
raised), plus FastChat's rating regexes, `temperature_config` and `NEED_REF_CATS`
read from the installed package.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import inspect
import io
import json
import os
import sys

import fastchat.llm_judge.common as common
from fastchat.llm_judge import gen_judgment, gen_model_answer

FIXED_JUDGMENT = "The answer is fine. Rating: [[5]]"
JUDGE_MODEL = "gpt-4"
MODEL_NAME = "synthetic-model"

BENCHMARKS = [
    ("mt_bench", "mt-bench", "question.jsonl", "judge_prompts.jsonl", "reference_answer_gpt-4.jsonl"),
    (
        "komt_bench",
        "komt-bench",
        "question_ko.jsonl",
        "judge_prompts_ko.jsonl",
        "reference_answer_ko_gpt-4.jsonl",
    ),
]

# Judgments whose rating FastChat's parser is asked for (via the real run_judge_single).
RATING_JUDGMENTS = [
    "Rating: [[5]]",
    "점수: [[7]]",
    "[[10]]",
    "Rating: [[7.5]]",
    "Rating: [[5.]]",
    "Rating: [8]",
    "first [[3]] then [[9]]",
    "backup first [2] then primary [[9]]",
    "[1] [4]",
    "Rating: [[ 5 ]]",
    "Rating: [[5/10]]",
    "Rating: [[1.2.3]]",
    "Rating: [[-3]]",
    "Rating: [[05]]",
    "Rating: [[0]]",
    "Rating: 5",
    "",
    "[[3]]\n\nThe answer [[11]]",
    "Rating: [[８]]",
    "Rating: [[٣]]",
]


def synthetic_answers(qid: int) -> list[str]:
    """Two deterministic, hostile model answers (turn 1, turn 2) for question `qid`."""
    a1 = f"Answer {qid} turn 1 {{question}} {{x}} 안녕하세요 {{0}} }}{{ {{ref_answer_1}}\n"
    if qid % 2 == 0:
        a2 = f"Answer {qid} turn 2 [[3]] {{answer_1}} {{question_2}} 반갑습니다 {{\n"
    else:
        a2 = f"Answer {qid} turn 2 {{answer_2}} %s %(x)s 두 번째 답변 }}\n\n"
    return [a1, a2]


def load_jsonl(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


class Recorder:
    """Stands in for common.chat_completion_openai and records each request."""

    def __init__(self) -> None:
        self.calls: list[dict] = []
        self.reply: str | list[str] = FIXED_JUDGMENT  # a list: one reply a call, in order

    def __call__(self, model, conv, temperature, max_tokens, api_dict=None):
        self.calls.append(
            {
                "model": model,
                "messages": conv.to_openai_api_messages(),
                "temperature": temperature,
                "max_tokens": max_tokens,
            }
        )
        return self.reply.pop(0) if isinstance(self.reply, list) else self.reply


def pick_questions(questions: list[dict]) -> list[dict]:
    """The first two question_ids of each category, in question_id order."""
    by_cat: dict[str, list[dict]] = {}
    for q in sorted(questions, key=lambda q: q["question_id"]):
        by_cat.setdefault(q["category"], []).append(q)
    assert len(by_cat) == 8, sorted(by_cat)
    chosen = [q for qs in by_cat.values() for q in qs[:2]]
    return sorted(chosen, key=lambda q: q["question_id"])


def build_cases(bench: str, shared: str, recorder: Recorder) -> list[dict]:
    _, sub, qfile, pfile, rfile = next(b for b in BENCHMARKS if b[0] == bench)
    d = os.path.join(shared, sub)
    # FastChat's loaders, as gen_judgment.py uses them
    questions = common.load_questions(os.path.join(d, qfile), None, None)
    questions = pick_questions(questions)
    judge_prompts = common.load_judge_prompts(os.path.join(d, pfile))
    # load_model_answers reads a directory of <model>.jsonl; the reference answers
    # are keyed the same way (question_id -> answer dict, last line wins).
    ref_by_qid = {r["question_id"]: r for r in load_jsonl(os.path.join(d, rfile))}
    ref_answers = {JUDGE_MODEL: ref_by_qid}

    model_answers = {
        MODEL_NAME: {
            q["question_id"]: {
                "question_id": q["question_id"],
                "model_id": MODEL_NAME,
                "choices": [{"index": 0, "turns": synthetic_answers(q["question_id"])}],
            }
            for q in questions
        }
    }
    models = [MODEL_NAME]

    judges = gen_judgment.make_judge_single(JUDGE_MODEL, judge_prompts)
    common.check_data(questions, model_answers, ref_answers, models, judges)

    question_math = [q for q in questions if q["category"] in common.NEED_REF_CATS]
    question_default = [q for q in questions if q["category"] not in common.NEED_REF_CATS]
    mm = gen_judgment.make_match_single
    matches = []
    matches += mm(question_default, models, model_answers, judges["default"])
    matches += mm(question_math, models, model_answers, judges["math"], None, ref_answers)
    matches += mm(question_default, models, model_answers, judges["default-mt"], multi_turn=True)
    matches += mm(question_math, models, model_answers, judges["math-mt"], None, ref_answers, multi_turn=True)

    cases = []
    for match in matches:
        before = len(recorder.calls)
        with contextlib.redirect_stdout(io.StringIO()):
            result = common.play_a_match_single(match, output_file=None)
        assert len(recorder.calls) == before + 1
        call = recorder.calls[-1]
        assert call["model"] == JUDGE_MODEL
        assert result["score"] == 5, result["score"]
        # user_prompt returned by FastChat equals the user message sent
        assert call["messages"][-1] == {"role": "user", "content": result["user_prompt"]}
        q = match.question
        cases.append(
            {
                "benchmark": bench,
                "question_id": q["question_id"],
                "category": q["category"],
                "turn": result["turn"],
                "judge_prompt": result["judge"][1],
                "answers": match.answer["choices"][0]["turns"],
                "messages": call["messages"],
                "temperature": call["temperature"],
                "max_tokens": call["max_tokens"],
                "judgment": FIXED_JUDGMENT,
                "score": result["score"],
            }
        )
    cases.sort(key=lambda c: (c["question_id"], c["turn"]))
    return cases


def rating_cases(shared: str, recorder: Recorder) -> list[dict]:
    """Feed each judgment string back through the real run_judge_single."""
    d = os.path.join(shared, "mt-bench")
    judge_prompts = common.load_judge_prompts(os.path.join(d, "judge_prompts.jsonl"))
    judge = gen_judgment.make_judge_single(JUDGE_MODEL, judge_prompts)["default"]
    question = {"question_id": 0, "category": "writing", "turns": ["q1", "q2"]}
    answer = {"choices": [{"turns": ["a1", "a2"]}]}
    out = []
    for judgment in RATING_JUDGMENTS:
        recorder.reply = judgment
        try:
            rating, _, got = common.run_judge_single(question, answer, judge, None)
            assert got == judgment
            out.append({"judgment": judgment, "rating": rating, "rating_type": type(rating).__name__})
        except Exception as e:  # noqa: BLE001 - recording FastChat's behaviour
            out.append({"judgment": judgment, "error": type(e).__name__})
    recorder.reply = FIXED_JUDGMENT
    return out


def source_lines(module, needle: str) -> list[str]:
    return [ln.rstrip("\n") for ln in inspect.getsource(module).splitlines() if needle in ln]


BASELINE_NAME = "baseline"
PAIR_JUDGMENT = "Both are fine, A is better. [[A]]"
# (reply with the model first, reply with the baseline first): what play_a_match_pair records
PAIR_VERDICTS = [
    ("[[A]]", "[[B]]"), ("[[A]]", "[[A]]"), ("[[B]]", "[[A]]"), ("[[C]]", "[[C]]"), ("[[A]]", "[[C]]"),
    ("no verdict", "[[B]]"), ("no verdict", "no verdict"), ("[[A]] or rather [[B]]", "[[B]]"),
]


def baseline_answers(qid: int) -> list[str]:
    return [f"Baseline {qid} turn 1 {{answer_a}} 기준 답변\n", f"Baseline {qid} turn 2 {{answer_b_1}} }}{{"]


def build_pair_cases(bench: str, shared: str, recorder: Recorder) -> list[dict]:
    """Pairwise grading against a baseline (gen_judgment.py --mode pairwise-baseline): each match
    judged in both orders by play_a_match_pair -> run_judge_pair."""
    _, sub, qfile, pfile, rfile = next(b for b in BENCHMARKS if b[0] == bench)
    d = os.path.join(shared, sub)
    questions = pick_questions(common.load_questions(os.path.join(d, qfile), None, None))
    judge_prompts = common.load_judge_prompts(os.path.join(d, pfile))
    ref_answers = {JUDGE_MODEL: {r["question_id"]: r for r in load_jsonl(os.path.join(d, rfile))}}
    answers = {name: {q["question_id"]: {"question_id": q["question_id"], "model_id": name, "choices": [
        {"index": 0, "turns": make(q["question_id"])}]} for q in questions}
        for name, make in ((MODEL_NAME, synthetic_answers), (BASELINE_NAME, baseline_answers))}
    judges = gen_judgment.make_judge_pairwise(JUDGE_MODEL, judge_prompts)
    default = [q for q in questions if q["category"] not in common.NEED_REF_CATS]
    math = [q for q in questions if q["category"] in common.NEED_REF_CATS]
    mm = gen_judgment.make_match
    matches = []
    matches += mm(default, [MODEL_NAME], answers, judges["default"], BASELINE_NAME)
    matches += mm(math, [MODEL_NAME], answers, judges["math"], BASELINE_NAME, ref_answers)
    matches += mm(default, [MODEL_NAME], answers, judges["default-mt"], BASELINE_NAME, multi_turn=True)
    matches += mm(math, [MODEL_NAME], answers, judges["math-mt"], BASELINE_NAME, ref_answers, multi_turn=True)
    cases = []
    for match in matches:
        before = len(recorder.calls)
        recorder.reply = PAIR_JUDGMENT
        with contextlib.redirect_stdout(io.StringIO()):
            result = common.play_a_match_pair(match, output_file=None)
        calls = recorder.calls[before:]
        assert len(calls) == 2 and match.model_1 == MODEL_NAME and match.model_2 == BASELINE_NAME
        q = match.question
        cases.append({"benchmark": bench, "question_id": q["question_id"], "category": q["category"],
                      "turn": result["turn"], "judge_prompt": result["judge"][1],
                      "answers": match.answer_1["choices"][0]["turns"],
                      "baseline_answers": match.answer_2["choices"][0]["turns"],
                      "messages_model_first": calls[0]["messages"], "messages_baseline_first": calls[1]["messages"],
                      "temperature": calls[0]["temperature"], "max_tokens": calls[0]["max_tokens"],
                      "g1_winner": result["g1_winner"], "g2_winner": result["g2_winner"]})
    cases.sort(key=lambda c: (c["question_id"], c["turn"]))
    # the verdicts of both orders as play_a_match_pair records them
    verdicts = []
    match = matches[0]
    for first, second in PAIR_VERDICTS:
        recorder.reply = [first, second]
        with contextlib.redirect_stdout(io.StringIO()):
            result = common.play_a_match_pair(match, output_file=None)
        verdicts.append({"model_first": first, "baseline_first": second, "g1_winner": result["g1_winner"],
                         "g2_winner": result["g2_winner"]})
    recorder.reply = FIXED_JUDGMENT
    return cases + [{"benchmark": bench, "verdict_cases": verdicts}]


def main(argv=None) -> int:
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", default="/work/shared/data", help="dir holding mt-bench/ and komt-bench/")
    ap.add_argument("--out", default=os.path.join(repo, "tests/scoring/judges/cases/mt_bench_fastchat.json"))
    args = ap.parse_args(argv)

    version = importlib.metadata.version("fschat")
    recorder = Recorder()
    common.chat_completion_openai = recorder  # run_judge_single looks it up in common's globals

    cases = []
    for bench, *_ in BENCHMARKS:
        cases += build_cases(bench, args.shared, recorder)
    ratings = rating_cases(args.shared, recorder)
    pair_cases = []
    for bench, *_ in BENCHMARKS:
        pair_cases += build_pair_cases(bench, args.shared, recorder)

    pattern_src = source_lines(common, "one_score_pattern")
    doc = {
        "about": (
            f"Made by bench/mt_bench/fastchat_reference.py with FastChat fschat=={version} "
            f"(python {sys.version.split()[0]}): gen_judgment.make_judge_single / make_match_single "
            "(judge model 'gpt-4', questions split on NEED_REF_CATS, reference answers only for those, "
            "-multi-turn judges for turn 2) and common.play_a_match_single -> run_judge_single, with "
            "common.chat_completion_openai replaced by a recorder of conv.to_openai_api_messages(), "
            "temperature and max_tokens that returns the fixed judgment in each case. Questions: the "
            "first two question_ids of each category of mt-bench/question.jsonl and "
            "komt-bench/question_ko.jsonl; judge prompts from judge_prompts.jsonl / "
            "judge_prompts_ko.jsonl; reference answers from reference_answer_gpt-4.jsonl / "
            "reference_answer_ko_gpt-4.jsonl. Answers are synthetic (braces, Korean, trailing newline, "
            "[[3]]). Rating parse (run_judge_single, output_format '[[rating]]'): "
            "match = re.search(one_score_pattern, judgment); if no match, "
            "re.search(one_score_pattern_backup, judgment); rating = ast.literal_eval(match.groups()[0]) "
            "(first match, int or float; literal_eval raising propagates), else -1. rating_cases holds "
            "judgments run through the real run_judge_single and what it returned/raised."
        ),
        "fschat_version": version,
        "rating_patterns": {
            "one_score_pattern": common.one_score_pattern.pattern,
            "one_score_pattern_backup": common.one_score_pattern_backup.pattern,
            "source": pattern_src,
        },
        "temperature_config": dict(gen_model_answer.temperature_config),
        "need_ref_cats": list(common.NEED_REF_CATS),
        "rating_cases": ratings,
        "cases": cases,
        "pair_about": (
            "gen_judgment.make_judge_pairwise / make_match against the baseline 'baseline' "
            "(--mode pairwise-baseline) and common.play_a_match_pair -> run_judge_pair in both orders: "
            "messages_model_first (g1: the model as assistant A), messages_baseline_first (g2). "
            "verdict_cases: replies of both orders and the g1_winner / g2_winner play_a_match_pair records "
            "(run_judge_pair: '[[A]]' in the reply -> A, elif '[[B]]' -> B, elif '[[C]]' -> tie, else error)."
        ),
        "pair_cases": pair_cases,
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {len(cases)} cases, {len(ratings)} rating cases -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
