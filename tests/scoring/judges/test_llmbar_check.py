"""``xeval judge-check`` against LLMBar's own release: a judge that replays ChatGPT's released
completions reproduces every figure of the matching ``statistics.json`` (5 subsets x Vanilla,
CoT, Swap = 15 files), the requests it is sent being those LLMBar's ``evaluate.py`` builds
(its code, copied below as the reference, and the debate prompts its Swap results hold)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from xeval.judgecheck import (
    LLMBAR_SUBSETS,
    Pair,
    check_judge,
    cohen_kappa,
    load_pairs,
)
from xeval.types import Completion, GenerationRequest

ROOT = Path(__file__).resolve().parents[3]
CONFIGS = {"Vanilla": "llmbar-vanilla", "CoT": "llmbar-cot", "Swap": "llmbar-swap"}
MAX_TOKENS = {"Vanilla.txt": 50, "CoT.txt": 300, "Swap.txt": 50}  # LLMBar's ChatGPT configs


def reference_prompt_to_chatml(prompt: str, start_token: str = "<|im_start|>", end_token: str = "<|im_end|>"):
    """LLMEvaluator/evaluate.py's prompt_to_chatml (princeton-nlp/LLMBar 900616b), as written there."""
    prompt = prompt.strip()
    assert prompt.startswith(start_token)
    assert prompt.endswith(end_token)
    message = []
    for p in prompt.split("<|im_start|>")[1:]:
        newline_splitted = p.split("\n", 1)
        role = newline_splitted[0].strip()
        content = newline_splitted[1].split(end_token, 1)[0].strip()
        message.append(dict(content=content, role=role))
    return message


def key(messages: list[dict[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple((m["role"], m["content"]) for m in messages)


class Replay:
    """A judge answering each request with ChatGPT's released completion for exactly that
    request (messages byte for byte, and the config's max_tokens); anything else fails the test."""

    spec = "replay"

    def __init__(self, answers: dict[tuple[Any, ...], list[tuple[str, str]]]) -> None:
        self.answers = answers
        self.calls = 0

    def generate(self, requests: list[GenerationRequest]) -> list[Completion]:
        out = []
        for request in requests:
            k = (request.settings.max_tokens, *((m.role, m.content) for m in request.messages))
            assert self.answers.get(k), f"a request LLMBar never sent: {k[:2]}"
            text, finish = self.answers[k].pop(0)
            out.append(Completion(text=text, finish_reason=finish))
            self.calls += 1
        return out

    def fingerprint(self) -> dict[str, Any]:
        return {"backend": "replay"}

    def close(self) -> None:
        pass


def released(folder: Path, config: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    results = json.loads((folder / f"ChatGPT_{config}_result.json").read_text(encoding="utf-8"))
    statistics = json.loads((folder / f"ChatGPT_{config}_statistics.json").read_text(encoding="utf-8"))
    return results, statistics


def replay_for(results: list[dict[str, Any]], config: str) -> Replay:
    """Each released completion under the request LLMBar sent for it: the first stage's rebuilt
    with LLMBar's own code from the template, the Swap debate's as its result file records it."""
    first = (ROOT / "judges" / "llmbar" / ("Vanilla.txt" if config == "Vanilla" else "CoT.txt")).read_text()
    answers: dict[tuple[Any, ...], list[tuple[str, str]]] = {}
    for instance in results:
        stage = instance["results"][0]
        for swap in (False, True):
            kwargs = dict(input=instance["input"],
                          output_1=instance["output_1"] if not swap else instance["output_2"],
                          output_2=instance["output_2"] if not swap else instance["output_1"])
            messages = reference_prompt_to_chatml(first.format_map(kwargs))
            completion, finish = stage[f"swap = {swap}"]["completion"]
            answers.setdefault((MAX_TOKENS["Vanilla.txt" if config == "Vanilla" else "CoT.txt"], *key(messages)),
                               []).append((completion, finish))
        if len(instance["results"]) == 2:
            for swap in (False, True):
                entry = instance["results"][1][f"swap = {swap}"]
                messages = reference_prompt_to_chatml(entry["prompt"])
                answers.setdefault((MAX_TOKENS["Swap.txt"], *key(messages)), []).append(tuple(entry["completion"]))
    return Replay(answers)


@pytest.fixture(scope="module")
def llmbar_dir(shared_data: Path) -> Path:
    folder = shared_data / "llmbar"
    if not folder.is_dir():
        pytest.skip(f"LLMBar's release not found at {folder}")
    return folder


@pytest.mark.parametrize("config", list(CONFIGS))
@pytest.mark.parametrize("subset", list(LLMBAR_SUBSETS))
def test_replayed_chatgpt_reproduces_statistics(subset: str, config: str, llmbar_dir: Path) -> None:
    folder = llmbar_dir / LLMBAR_SUBSETS[subset][0]
    results, statistics = released(folder, config)
    pairs = [p for p in load_pairs("llmbar", llmbar_dir.parent)[0] if p.subset == subset]
    assert [(p.input, p.output_1, p.output_2, p.label) for p in pairs] == \
        [(r["input"], r["output_1"], r["output_2"], r["label"]) for r in results]
    judge = replay_for(results, config)
    records, figures = check_judge(judge, pairs, CONFIGS[config])  # type: ignore[arg-type]
    assert all(not left for left in judge.answers.values()), "a released completion was never asked for"
    assert judge.calls == sum(2 * len(r["results"]) for r in results)
    # every pair's verdicts are the released ones
    assert [r["verdicts"] for r in records] == \
        [[r["results"][-1]["swap = False"]["winner"], r["results"][-1]["swap = True"]["winner"]] for r in results]
    ours = figures["subsets"][subset]
    assert ours["llmbar"] == statistics  # every figure, exactly (strings as LLMBar formats them, floats ==)
    assert ours["failed"] == 0 and ours["n"] == len(results)
    assert ours["acc_mean"] == pytest.approx((ours["acc_given_order"] + ours["acc_swapped_order"]) / 2)
    assert ours["acc_mean"] == pytest.approx((ours["acc_better_first"] + ours["acc_better_second"]) / 2)
    assert ours["kappa_orders"] == statistics["kappa_agreement"]


@pytest.mark.filterwarnings("ignore")
def test_cohen_kappa_is_scikit_learns() -> None:
    sklearn = pytest.importorskip("sklearn.metrics")
    import random

    rng = random.Random(7)
    for n in (2, 5, 30, 134):
        for _ in range(40):
            y1 = [rng.choice((0, 1)) for _ in range(n)]
            y2 = [rng.choice((1, 2)) if rng.random() < 0.5 else rng.choice((0, 1)) for _ in range(n)]
            expected = float(sklearn.cohen_kappa_score(y1, y2))
            got = cohen_kappa(y1, y2)
            assert (got is None and expected != expected) or got == expected, (y1, y2)


def test_the_shipped_prompts_are_llmbars(llmbar_dir: Path) -> None:
    for name in ("Vanilla.txt", "CoT.txt", "Swap.txt"):
        assert (ROOT / "judges" / "llmbar" / name).read_bytes() == (llmbar_dir / "prompts" / name).read_bytes()


# ------------------------------------------------------------------- pair files and failures

def xeval(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xeval", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=600)


PAIRS = [
    {"input": "Say hi.", "output_1": "Hi!", "output_2": "Bye.", "label": 1},
    {"input": "Count to 3.", "output_1": "1 2", "output_2": "1 2 3", "label": 2},
]


def test_a_pair_file_judged_by_a_scripted_judge(tmp_path: Path) -> None:
    """A JSONL pair file, a judge that always picks Output (a): right in one order of each pair,
    accuracy 1/2, no positional agreement; written where the leaderboard reads it."""
    pairs = tmp_path / "ko_pairs.jsonl"
    pairs.write_text("".join(json.dumps(p) + "\n" for p in PAIRS), encoding="utf-8")
    replies = tmp_path / "replies.json"
    replies.write_text(json.dumps([{"contains": "Output (a)", "reply": "Output (a)"}]), encoding="utf-8")
    out = xeval("judge-check", "--judge", f"scripted:{replies}", "--set", str(pairs), "--output",
                str(tmp_path / "results"), "--language", "ko")
    assert out.returncode == 0, out.stderr
    (folder,) = (tmp_path / "results").iterdir()
    summary = json.loads((folder / "judge_check.json").read_text(encoding="utf-8"))
    assert summary["schema_version"] == 1 and summary["set"] == "ko_pairs.jsonl"
    overall = summary["overall"]
    assert (overall["n"], overall["acc_mean"], overall["agreement"], overall["both_correct"]) == (2, 0.5, 0.0, 0.0)
    assert (overall["acc_better_first"], overall["acc_better_second"]) == (1.0, 0.0)  # a judge that favours (a)
    records = [json.loads(line) for line in (folder / "pairs.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["verdicts"] for r in records] == [["1", "2"], ["1", "2"]]
    board = xeval("leaderboard", "--results", str(tmp_path / "results"))
    assert board.returncode == 0, board.stderr
    assert "## Judges" in board.stdout and "ko_pairs" in board.stdout and "scripted" in board.stdout
    from xeval.results.judges import load_judge_checks
    from xeval.results.report import _judges_section

    html = _judges_section(load_judge_checks(tmp_path / "results"))  # what `xeval report` adds
    assert "<h2>Judges</h2>" in html and "ko_pairs.jsonl" in html and ">0.500<" in html


def test_a_judge_failing_every_call_gives_no_figures_and_exit_3(tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("input,output_1,output_2,label\nSay hi.,Hi!,Bye.,1\nCount.,1,1 2 3,2\n", encoding="utf-8")
    replies = tmp_path / "none.json"
    replies.write_text("[]", encoding="utf-8")  # no reply to anything: every call fails
    out = xeval("judge-check", "--judge", f"scripted:{replies}", "--set", f"file:{pairs}", "--output",
                str(tmp_path / "results"))
    assert out.returncode == 3, (out.returncode, out.stderr)
    assert "2 of 2 pair(s) failed" in out.stderr and "Traceback" not in out.stderr
    (folder,) = (tmp_path / "results").iterdir()
    summary = json.loads((folder / "judge_check.json").read_text(encoding="utf-8"))
    assert summary["overall"]["failed"] == 2 and summary["overall"]["n"] == 0 and not summary["complete"]
    assert summary["overall"]["acc_mean"] is None and summary["overall"]["llmbar"] is None


def test_llmbar_from_the_pinned_commit_through_a_mirror(llmbar_dir: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Without --data-dir the pairs come from the repository's Dataset/LLMBar/ at the pinned
    commit (here a local mirror, as $XEVAL_HUB_MIRROR lays it out): the same pairs."""
    pytest.importorskip("datasets")
    for folder, repo_folder in LLMBAR_SUBSETS.values():
        target = tmp_path / "princeton-nlp" / "LLMBar" / "Dataset" / "LLMBar" / repo_folder / "dataset.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((llmbar_dir / folder / "dataset.json").read_bytes())
    monkeypatch.setenv("XEVAL_HUB_MIRROR", str(tmp_path))
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "hf-cache"))
    mirrored, source = load_pairs("llmbar", None, limit=12)
    local, _ = load_pairs("llmbar", llmbar_dir.parent, limit=12)
    assert "900616bff90b" in source and mirrored == local
    # --limit 12: the subsets in turn, each from its first pair
    assert [(p.subset, p.index) for p in local] == [(s, i) for s in LLMBAR_SUBSETS for i in range(3 if s in (
        "Natural", "Adversarial_Neighbor") else 2)]


def test_check_judge_in_process_with_a_pairwise_rubric() -> None:
    """Any pairwise rubric: the verdict is the higher score, equal scores none (wrong, and two of
    them agree)."""

    class Scores:
        spec = "scores"

        def generate(self, requests: list[GenerationRequest]) -> list[Completion]:
            return [Completion(text='{"score_a": 5, "score_b": 5}') for _ in requests]

    pairs = [Pair(subset="s", index=0, input="q", output_1="a", output_2="b", label=1)]
    records, figures = check_judge(Scores(), pairs, "pairwise")  # type: ignore[arg-type]
    assert records[0]["verdicts"] == [None, None]
    assert figures["overall"]["acc_mean"] == 0.0 and figures["overall"]["agreement"] == 1.0
    assert figures["overall"]["no_verdict"] == 2


@pytest.mark.slow
def test_embedded_judge_end_to_end(shared_data: Path, tmp_path: Path) -> None:
    """`xeval judge-check --judge embedded --set llmbar --limit 10`: 10 pairs, 2 of each subset, both
    orders, on the embedded model (replies capped at 8 tokens); written and readable, every pair
    either in the figures or counted as failed."""
    if not (shared_data / "llmbar").is_dir():
        pytest.skip("LLMBar's release not in the shared data")
    out = xeval("judge-check", "--judge", "embedded", "--set", "llmbar", "--limit", "10", "--data-dir",
                str(shared_data), "--output", str(tmp_path / "results"), "--judge-max-tokens", "8")
    assert out.returncode in (0, 3), out.stderr[-2000:]
    assert "Traceback" not in out.stderr
    (folder,) = (tmp_path / "results").iterdir()
    summary = json.loads((folder / "judge_check.json").read_text(encoding="utf-8"))
    assert summary["judge"] == "embedded" and summary["judge_max_tokens"] == 8
    assert list(summary["subsets"]) == list(LLMBAR_SUBSETS)
    for figures in [*summary["subsets"].values(), summary["overall"]]:
        assert figures["n"] + figures["failed"] == figures["pairs"]
        for name in ("acc_given_order", "acc_swapped_order", "acc_mean", "acc_better_first", "acc_better_second",
                     "both_correct", "agreement"):
            assert figures[name] is None if figures["n"] == 0 else 0.0 <= figures[name] <= 1.0
    assert summary["overall"]["pairs"] == 10
    assert [f["pairs"] for f in summary["subsets"].values()] == [2] * 5
    assert (out.returncode == 3) == (summary["overall"]["failed"] > 0)
    lines = (folder / "pairs.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 10
