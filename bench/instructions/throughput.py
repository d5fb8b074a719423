"""Checker throughput: xeval's IFEval checkers next to lm-eval's own on the same responses.

    python bench/instructions/throughput.py [--inputs en_input_data.jsonl --responses RESPONSES.jsonl] [--repeat 3]

Responses default to the case file of the reference test (tests/scoring/instructions/cases/
ifeval_en.jsonl); with ``--inputs`` and ``--responses`` (an IFEval-format response file, such as
M-IFEval's published ``data/en_input_response_data_*.jsonl``) the prompts' instructions are
checked on those responses. Both sides do strict and loose verdicts for every instruction;
lm-eval's run is the baseline (1.00x) measured in the same process.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from xeval.scoring.instructions import CheckContext, verdicts  # noqa: E402

from tests.scoring.instructions.reference import lm_eval_verdicts  # noqa: E402


def load_cases(inputs: Path | None, responses: Path | None) -> list[dict]:
    if inputs is None or responses is None:
        lines = (ROOT / "tests" / "scoring" / "instructions" / "cases" / "ifeval_en.jsonl").read_text("utf-8")
        return [json.loads(line) for line in lines.splitlines()[1:]]
    by_prompt = {json.loads(line)["prompt"]: json.loads(line)["response"]
                 for line in responses.read_text("utf-8").splitlines() if line.strip()}
    cases = []
    for line in inputs.read_text("utf-8").splitlines():
        row = json.loads(line)
        if row["prompt"] in by_prompt:
            ids = [i.split(":", 1)[1] if i.startswith("en:") else i for i in row["instruction_id_list"]]
            cases.append({"prompt": row["prompt"], "instruction_id_list": ids, "kwargs": row["kwargs"],
                          "response": by_prompt[row["prompt"]]})
    return cases


def timed(fn, cases: list[dict], repeat: int) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for case in cases:
            fn(case)
        best = min(best, time.perf_counter() - start)
    return best


def ours(case: dict) -> None:
    verdicts(case["instruction_id_list"], case["kwargs"], case["response"], CheckContext(prompt=case["prompt"]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--inputs", type=Path)
    parser.add_argument("--responses", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    cases = load_cases(args.inputs, args.responses)
    for case in cases[:3]:  # warm-up: language-ID models, Punkt, lm-eval's imports
        ours(case)
        lm_eval_verdicts(case)
    n_instructions = sum(len(c["instruction_id_list"]) for c in cases)
    reference = timed(lm_eval_verdicts, cases, args.repeat)
    xeval_time = timed(ours, cases, args.repeat)
    agree = sum(lm_eval_verdicts(c) == (lambda v: ([x["strict"] for x in v], [x["loose"] for x in v]))(
        verdicts(c["instruction_id_list"], c["kwargs"], c["response"], CheckContext(prompt=c["prompt"])))
        for c in cases)
    print(f"{len(cases)} responses, {n_instructions} instructions; best of {args.repeat}")
    print(f"lm-eval checkers: {reference:.3f} s  {len(cases) / reference:8.1f} responses/s  1.00x")
    print(f"xeval checkers:   {xeval_time:.3f} s  {len(cases) / xeval_time:8.1f} responses/s  "
          f"{reference / xeval_time:.2f}x")
    print(f"responses with every verdict equal (strict and loose): {agree}/{len(cases)}")


if __name__ == "__main__":
    main()
