"""The IFEval-format tasks under lm-evaluation-harness itself (`lm_eval --include_path tasks`):
their ``process_results`` (``xeval.lmeval.ifeval_results_<language>``) gives lm-eval's four ifeval
metrics from xeval's checkers, the instruction-level ones aggregated by ``agg_inst_level_acc``, and
they equal xeval's own run of the same responses: scripted answers with known verdicts, and the
embedded model's own answers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from xeval.paths import tasks_dir

ROOT = Path(__file__).resolve().parents[2]
pytest.importorskip("lm_eval")

METRICS = ("prompt_level_strict_acc", "inst_level_strict_acc", "prompt_level_loose_acc", "inst_level_loose_acc")
OFFLINE = {"XEVAL_DATA_SOURCE": "sample", "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"}
REPLIES = [  # the project's samples (tasks/ifeval/samples/), one reply each
    # ifeval (en)
    {"contains": "lost cat", "reply": "Dear neighbour, hello\nOur cat Tom is lost. Please call us."},  # loose only
    {"contains": "sunrise", "reply": "\"The sun rises, slowly.\""},  # quoted (yes), 40 words (no)
    {"contains": "benefits of walking", "reply": "* walking is good\n* it is free\n* it clears the mind"},
    {"contains": "poem about rain", "reply": "<<Rain>>\nDrops on the roof.\nIs there anything else I can help with?"},
    {"contains": "rainbow", "reply": "무지개는 햇빛이 물방울에서 굴절되어 생기는 현상입니다."},  # Korean, as asked
    {"contains": "favourite season", "reply": "Summer, because it is warm."},  # not lowercase
    # ifeval_ko
    {"contains": "바다에 대한", "reply": "안녕, 바다\n바다는 넓고 푸르다"},  # the comma in the first line: loose only
    {"contains": "계절을", "reply": "나는 가을이 좋다"},  # 3 words, not 30
    {"contains": "건강한 습관", "reply": "* 운동\n* 수면\n* 물 마시기"},
    {"contains": "서울을 소개", "reply": "<<서울>>\n서울은 한국의 수도입니다."},
    {"contains": "무지개가", "reply": "무지개는 빛입니다."},  # English was asked
    # mifeval_ja (ja: ids)
    {"contains": "四季", "reply": "日本には四季があります。"},
    {"contains": "好きな食べ物", "reply": "寿司が好きです。"},  # not 100 letters
    {"contains": "雨の日", "reply": "『雨の日』\n本を読みます。"},  # M-IFEval's Japanese title: in 『』
    {"contains": "富士山", "reply": "Mount Fuji is the highest mountain in Japan."},
]
EXPECTED = {  # worked out from the replies above
    "ifeval": {"prompt_level_strict_acc": 3 / 6, "inst_level_strict_acc": 5 / 8,
               "prompt_level_loose_acc": 4 / 6, "inst_level_loose_acc": 6 / 8},
    "ifeval_ko": {"prompt_level_strict_acc": 2 / 5, "inst_level_strict_acc": 2 / 5,
                  "prompt_level_loose_acc": 3 / 5, "inst_level_loose_acc": 3 / 5},
    "mifeval_ja": {"prompt_level_strict_acc": 3 / 4, "inst_level_strict_acc": 3 / 4,
                   "prompt_level_loose_acc": 3 / 4, "inst_level_loose_acc": 3 / 4},
}


def _lm_eval(model_args: str, tasks: str, out: Path, *extra: str) -> tuple[dict, dict[str, list[dict]]]:
    """``lm_eval`` (with the xeval model registered) over the tasks folder: its results per task
    and its logged samples per task."""
    done = subprocess.run(
        [sys.executable, "-m", "xeval.lmeval", "--model", "xeval", "--model_args", model_args,
         "--include_path", str(tasks_dir()), "--tasks", tasks, "--log_samples", "--output_path", str(out), *extra],
        capture_output=True, text=True, cwd=ROOT, timeout=900, env={**os.environ, **OFFLINE})
    assert done.returncode == 0, done.stderr[-3000:]
    [results_file] = list(out.rglob("results_*.json"))
    results = json.loads(results_file.read_text(encoding="utf-8"))["results"]
    samples = {}
    for task in results:
        prefix = f"samples_{task}_"  # then the date: samples_ifeval_ko_... is another task's
        [path] = [p for p in out.rglob(f"{prefix}*.jsonl") if p.name[len(prefix)].isdigit()]
        samples[task] = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return results, samples


def _xeval_run(model: str, tasks: str, out: Path) -> tuple[dict, list[dict]]:
    done = subprocess.run([sys.executable, "-m", "xeval", "run", "--model", model, "--tasks", tasks,
                           "--data-source", "sample", "--output", str(out), "--run-id", "x", "--no-cache"],
                          capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads((out / "x" / "summary.json").read_text(encoding="utf-8"))
    records = [json.loads(line) for line in (out / "x" / "samples.jsonl").read_text(encoding="utf-8").splitlines()]
    return summary, records


def _assert_equal_runs(results: dict, samples: dict[str, list[dict]], summary: dict, records: list[dict]) -> None:
    """lm-eval's figures equal xeval's, per task and metric, and verdict by verdict."""
    ours = {(m["task"], m["metric"]): m["value"] for m in summary["metrics"]}
    for task, row in results.items():
        for metric in METRICS:
            assert row[f"{metric},none"] == pytest.approx(ours[(task, metric)], abs=1e-12), (task, metric)
        verdicts = {r["id"]: r["scores"]["prompt_level_strict_acc"]["details"]["instructions"]
                    for r in records if r["task"] == task}
        assert len(samples[task]) == len(verdicts)
        for sample in samples[task]:
            theirs = verdicts[str(sample["doc"]["key"])]
            assert sample["inst_level_strict_acc"] == [v["strict"] for v in theirs]
            assert sample["inst_level_loose_acc"] == [v["loose"] for v in theirs]
            assert sample["prompt_level_strict_acc"] == all(v["strict"] for v in theirs)


def test_lm_eval_runs_the_ifeval_tasks_and_equals_xeval_on_the_same_replies(tmp_path: Path) -> None:
    replies = tmp_path / "replies.jsonl"
    replies.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in REPLIES), encoding="utf-8")
    tasks = "ifeval,ifeval_ko,mifeval_ja"
    results, samples = _lm_eval(f"spec=scripted:{replies},cache=false", tasks, tmp_path / "lm")
    assert set(results) == set(EXPECTED)
    for task, expected in EXPECTED.items():
        for metric, value in expected.items():
            assert results[task][f"{metric},none"] == pytest.approx(value, abs=1e-12), (task, metric)
        assert results[task]["sample_len"] == len(samples[task])
    first = next(s for s in samples["ifeval"] if s["doc"]["key"] == "2")  # two instructions: a list per prompt
    assert (first["prompt_level_strict_acc"], first["inst_level_strict_acc"]) == (False, [False, True])
    summary, records = _xeval_run(f"scripted:{replies}", tasks, tmp_path / "xeval")
    _assert_equal_runs(results, samples, summary, records)


def test_lm_eval_on_the_embedded_model_equals_xeval_on_its_answers(tmp_path: Path) -> None:
    """A real small model under lm-eval (ifeval_ko, the project's sample), then xeval's own run
    of the very answers lm-eval logged (``responses:FILE``)."""
    results, samples = _lm_eval("spec=embedded,cache=false", "ifeval_ko", tmp_path / "lm",
                                "--gen_kwargs", "max_gen_toks=40")
    answers = tmp_path / "answers.jsonl"
    answers.write_text("".join(json.dumps({"prompt": s["doc"]["prompt"], "response": s["resps"][0][0]},
                                          ensure_ascii=False) + "\n" for s in samples["ifeval_ko"]), encoding="utf-8")
    assert all(s["resps"][0][0].strip() for s in samples["ifeval_ko"])  # the model answered
    summary, records = _xeval_run(f"responses:{answers}", "ifeval_ko", tmp_path / "xeval")
    assert {r["prediction"]["text"] for r in records} == {s["resps"][0][0] for s in samples["ifeval_ko"]}
    _assert_equal_runs(results, samples, summary, records)


RUNNABLE = {"ifeval", "ifeval_ko", "ifeval_ko_reference", "mifeval_en", "mifeval_es", "mifeval_fr", "mifeval_ja",
            *(f"pmmeval_mifeval_{lang}" for lang in ("en", "zh", "ar", "es", "fr", "ja", "ko", "pt", "th", "vi"))}


def test_ifeval_format_tasks_name_the_results_of_their_language() -> None:
    """Under lm-eval a task's process_results sees only the document and the answer: the function
    a task names is the one of its input language (it counts words and sentences in it)."""
    import xeval.lmeval

    named = {}
    for path in sorted((tasks_dir() / "ifeval").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        if "include: _ifeval_base_yaml" not in text:
            continue  # groups
        spec = yaml.safe_load(text.replace("!function ", ""))
        meta = spec["metadata"]["xeval"]
        if meta.get("conversation"):
            assert "process_results" not in spec, path  # multi-turn: lm-eval would send no earlier turns
        elif "process_results" in spec:
            function = f"xeval.lmeval.ifeval_results_{meta['input_language']}"
            assert spec["process_results"] == function, path
            assert callable(getattr(xeval.lmeval, function.rsplit(".", 1)[1]))
            named[path.stem] = function
    assert RUNNABLE <= set(named)


def test_the_results_count_in_their_language() -> None:
    from xeval.lmeval import agg_inst_level_acc, ifeval_results_en, ifeval_results_ja

    doc = {"key": "1", "prompt": "5語以上で答えてください。",
           "instruction_id_list": ["length_constraints:number_words"],
           "kwargs": [{"relation": "at least", "num_words": 5, "num_bullets": None}]}  # None: as datasets fill it
    answer = ["今日はいい天気です"]  # one \w+ run; nine characters, Japanese words counted as characters
    assert ifeval_results_ja(doc, answer)["inst_level_strict_acc"] == [True]
    assert ifeval_results_en(doc, answer) == {"prompt_level_strict_acc": False, "inst_level_strict_acc": [False],
                                              "prompt_level_loose_acc": False, "inst_level_loose_acc": [False]}
    assert agg_inst_level_acc([[True, False], [True], [False, False, True]]) == pytest.approx(3 / 6)
