"""The bad-input catalogue: each case is one clear line naming the thing, exit code 2, no
traceback, and nothing already computed is lost."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from .servers import free_port

ROOT = Path(__file__).resolve().parent.parent

GOOD = """task: {name}
dataset_path: json
dataset_kwargs:
  data_files:
    test: data.jsonl
output_type: generate_until
doc_to_text: "{{{{q}}}}"
doc_to_target: a
metric_list:
  - metric: exact_match
"""
MC = """task: {name}
dataset_path: json
dataset_kwargs:
  data_files:
    test: data.jsonl
output_type: multiple_choice
doc_to_text: "{{{{q}}}}"
doc_to_target: a
doc_to_choice: {choices}
metric_list:
  - metric: acc
"""


def xeval(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(env or {})
    max_file = env.pop("MAX_FILE_BYTES", None)

    def limit() -> None:  # a full disk, as the writer sees it: writes fail with EFBIG
        import resource

        resource.setrlimit(resource.RLIMIT_FSIZE, (int(max_file), int(max_file)))

    return subprocess.run([sys.executable, "-m", "xeval", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=300, env={**os.environ, **env}, preexec_fn=limit if max_file else None)


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def task_dir(tmp: Path, yaml: str, data: str | bytes | None = '{"q": "hi", "a": "hello"}\n', name: str = "t") -> list[str]:
    write(tmp / "tasks" / f"{name}.yaml", yaml)
    if data is not None:
        write(tmp / "tasks" / "data.jsonl", data)
    return ["run", "--tasks-dir", str(tmp / "tasks"), "--tasks", name, "--output", str(tmp / "out"), "--no-cache"]


def damaged_run(tmp: Path) -> str:
    """A finished run (scripted answers) whose samples.jsonl has a damaged second line."""
    replies = write(tmp / "replies.json", '[{"contains": "Question", "reply": "x"}]')
    proc = xeval("run", "--model", f"scripted:{replies}", "--tasks", "xeval_qa_en", "--limit", "3", "--output",
                 str(tmp / "runs"), "--run-id", "d", "--no-cache")
    assert proc.returncode == 0, proc.stderr
    samples = tmp / "runs" / "d" / "samples.jsonl"
    lines = samples.read_text(encoding="utf-8").splitlines(keepends=True)
    samples.write_text(lines[0] + lines[1][: len(lines[1]) // 2] + "\n" + "".join(lines[2:]), encoding="utf-8")
    return str(tmp / "runs" / "d")


SECRET = "sk-live-0123456789abcdef"  # a credential given as an argument: refused, never echoed


def http_server() -> int:
    """A plain HTTP server on 127.0.0.1 (not Ray), alive for the test session; its port."""
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    server = ThreadingHTTPServer(("127.0.0.1", 0), SimpleHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return int(server.server_address[1])


Case = Callable[[Path], tuple[list[str], list[str], dict[str, str]]]
CASES: dict[str, Case] = {
    "broken YAML": lambda t: (task_dir(t, "task: t\ndoc_to_text: [unclosed\n"), ["t.yaml", "broken YAML", "line"], {}),
    "unknown key": lambda t: (task_dir(t, GOOD.format(name="t") + "doc_to_txet: x\n"), ["t.yaml", "doc_to_txet"], {}),
    "missing data file": lambda t: (task_dir(t, GOOD.format(name="t"), data=None), ["data.jsonl", "not found"], {}),
    "wrong column": lambda t: (task_dir(t, GOOD.format(name="t"), '{"question": "hi", "a": "x"}\n'),
                               ["t.yaml", "doc_to_text", "'q'"], {}),
    "empty dataset": lambda t: (task_dir(t, GOOD.format(name="t"), ""), ["t.yaml", "empty"], {}),
    "non-UTF-8 data": lambda t: (task_dir(t, GOOD.format(name="t"), b'{"q": "\xff\xfe", "a": "x"}\n'),
                                 ["data.jsonl", "not UTF-8"], {}),
    "non-UTF-8 YAML": lambda t: (task_dir(t, GOOD.format(name="t").encode() + b"# \xff\n"), ["t.yaml", "not UTF-8"], {}),
    "bad JSON line": lambda t: (task_dir(t, GOOD.format(name="t"), '{"q": "hi", "a": "x"}\n{"q": \n'),
                                ["data.jsonl", "line 2"], {}),
    "unknown scorer": lambda t: (task_dir(t, GOOD.format(name="t").replace("exact_match", "bleurt")),
                                 ["t.yaml", "'bleurt'"], {}),
    "bad output_type": lambda t: (task_dir(t, GOOD.format(name="t").replace("generate_until", "loglikelihood")),
                                  ["t.yaml", "output_type"], {}),
    "choices not a list": lambda t: (task_dir(t, MC.format(name="t", choices='"{{q}}"')),
                                     ["t.yaml", "doc_to_choice", "not a list"], {}),
    "target not a choice": lambda t: (task_dir(t, MC.format(name="t", choices='["yes", "no"]')),
                                      ["t.yaml", "'hello'", "not one of the choices"], {}),
    "include cycle": lambda t: (write(t / "tasks" / "_b_yaml", "include: t.yaml\n") and
                                task_dir(t, "include: _b_yaml\ntask: t\n"), ["include cycle"], {}),
    "include missing": lambda t: (task_dir(t, "include: _nope_yaml\ntask: t\n"), ["_nope_yaml", "not found"], {}),
    "unknown data source": lambda t: (task_dir(t, GOOD.format(name="t") + "metadata:\n  xeval:\n    source: nope\n"),
                                      ["t.yaml", "unknown data source 'nope'"], {}),
    "unknown task": lambda t: (["run", "--tasks", "no_such_task"], ["'no_such_task'"], {}),
    "empty --tasks": lambda t: (["run", "--tasks", ","], ["--tasks is empty"], {}),
    "bad --limit": lambda t: (["run", "--limit", "0"], ["--limit"], {}),
    "bad --shard": lambda t: (["run", "--shard", "3/2"], ["--shard", "between 1 and N"], {}),
    "unknown model backend": lambda t: (["run", "--model", "nosuch:model", "--tasks", "xeval_qa_en"], ["'nosuch'"], {}),
    "unknown model spec": lambda t: (["run", "--model", "gpt4", "--tasks", "xeval_qa_en"], ["model spec 'gpt4'"], {}),
    "empty model target": lambda t: (["run", "--model", "llamacpp:", "--tasks", "xeval_qa_en"], ["'llamacpp:'"], {}),
    "bad model args": lambda t: (["run", "--model-args", "n_ctx", "--tasks", "xeval_qa_en"], ["--model-args", "'n_ctx'"], {}),
    "unknown model arg": lambda t: (["run", "--model-args", "bogus=1", "--tasks", "xeval_qa_en", "--no-cache"],
                                    ["model argument", "bogus"], {}),
    "missing GGUF": lambda t: (["run", "--model", f"llamacpp:{t / 'no.gguf'}", "--tasks", "xeval_qa_en"],
                               ["no.gguf", "not found"], {}),
    "corrupt GGUF": lambda t: (["run", "--model", f"llamacpp:{write(t / 'bad.gguf', os.urandom(4096))}",
                                "--tasks", "xeval_qa_en", "--no-cache"], ["bad.gguf"], {}),
    "unreachable server": lambda t: (["run", "--model", f"openai:m@http://127.0.0.1:{free_port()}/v1",
                                      "--tasks", "xeval_qa_en"], ["cannot reach http://127.0.0.1:"], {}),
    "API key in model args": lambda t: (["run", "--model", "openai:m@http://127.0.0.1:9/v1", "--model-args",
                                         "api_key=sk-abc", "--tasks", "xeval_qa_en"], ["environment"], {}),
    "unknown judge rubric": lambda t: (task_dir(t, GOOD.format(name="t") + "metadata:\n  xeval:\n    scorers: ['judge:nope']\n")
                                       + ["--judge", "embedded"], ["unknown judge rubric 'nope'"], {}),
    "rubric with broken template": lambda t: (
        task_dir(t, GOOD.format(name="t") + "metadata:\n  xeval:\n    scorers: ['judge:broken']\n") + ["--judge", "embedded"],
        ["broken.yaml", "template"],
        {"XEVAL_JUDGES_DIR": str(write(t / "judges" / "broken.yaml", "name: broken\nkind: absolute\nscale: {min: 1, max: 3}\n"
                                       "aspects: [x]\noutput: json\ntemplate: 'Rate {{ answer '\n").parent)}),
    "missing baseline": lambda t: (["run", "--tasks", "xeval_qa_en", "--baseline", str(t / "nope"), "--judge", "embedded"],
                                   ["--baseline", "nope"], {}),
    "results dir not writable": lambda t: (["run", "--tasks", "xeval_qa_en", "--limit", "1", "--no-cache",
                                            "--output", str(write(t / "a-file", "x"))], ["cannot create results folder"], {}),
    "disk full": lambda t: (["run", "--tasks", "xeval_qa_en", "--no-cache", "--output", str(t / "out"),
                             "--run-id", "full"], ["samples.jsonl", "File too large"], {"MAX_FILE_BYTES": "9000"}),
    "local files without a loader": lambda t: (["run", "--tasks", "kobest_copa_ko_tpl-ko", "--data-dir", str(t)],
                                               ["kobest_copa", "no local-file loader"], {}),
    "hub dataset offline": lambda t: (["run", "--tasks", "klue_nli_ko_tpl-ko"], ["klue/klue", "--data-source sample"],
                                      {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}),
    "meta file missing column": lambda t: (["run", "--model", "none", "--tasks", f"file:{write(t / 'm.csv', 'prompt,output' + chr(10) + 'a,b' + chr(10))}"],
                                           ["m.csv", "missing column 'input'"], {}),
    "meta output not a choice (--strict)": lambda t: (["run", "--model", "none", "--strict", "--tasks",
                                            f"file:{write(t / 'm.jsonl', json.dumps({'input': 'q', 'output': 'c', 'choices': 'a|||b'}) + chr(10))}"],
                                           ["m.jsonl", "row 1", "not one of its choices"], {}),
    "resume a missing run": lambda t: (["run", "--resume", str(t / "nope")], ["--resume", "no run.json"], {}),
    "negative max tokens": lambda t: (["run", "--max-tokens", "-5", "--output", str(t)],
                                      ["--max-tokens must be at least 1, got -5"], {}),
    "zero concurrency": lambda t: (["run", "--concurrency", "0", "--output", str(t)],
                                   ["--concurrency must be at least 1, got 0"], {}),
    "untyped model argument": lambda t: (["run", "--model-args", "n_ctx=abc", "--limit", "1", "--output", str(t)],
                                         ["model argument n_ctx for embedded must be an integer, got 'abc'"], {}),
    "unknown gen kwarg": lambda t: (["run", "--gen_kwargs", "top_k=5", "--output", str(t)],
                                    ["--gen-kwargs: top_k not supported"], {}),
    "leaderboard over a broken summary": lambda t: (["leaderboard", "--results",
                                                     str(write(t / "res" / "r1" / "summary.json", "{").parent.parent)],
                                                    ["summary.json", "unreadable"], {}),
    "response file missing": lambda t: (["run", "--model", f"responses:{t / 'nope.jsonl'}", "--tasks", "ifeval",
                                          "--data-source", "sample"], ["response file", "nope.jsonl", "cannot read"], {}),
    "response file bad JSON": lambda t: (["run", "--model", f"responses:{write(t / 'r.jsonl', json.dumps({'prompt': 'a', 'response': 'b'}) + chr(10) + '{oops' + chr(10))}",
                                          "--tasks", "ifeval", "--data-source", "sample"], ["r.jsonl", "line 2", "bad JSON"], {}),
    "response file without responses": lambda t: (["run", "--model", f"responses:{write(t / 'r.jsonl', json.dumps({'prompt': 'a', 'answer': 'b'}) + chr(10))}",
                                                   "--tasks", "ifeval", "--data-source", "sample"], ["r.jsonl", "line 1", "'response'"], {}),
    "response file with two answers to a prompt": lambda t: (["run", "--model", f"responses:{write(t / 'r.jsonl', json.dumps({'prompt': 'a', 'response': 'b'}) + chr(10) + json.dumps({'prompt': 'a', 'response': 'c'}) + chr(10))}",
                                                              "--tasks", "ifeval", "--data-source", "sample"], ["r.jsonl", "line 2", "second, different response"], {}),
    "response file empty": lambda t: (["run", "--model", f"responses:{write(t / 'r.jsonl', '')}", "--tasks", "ifeval",
                                       "--data-source", "sample"], ["r.jsonl", "no responses"], {}),
    "IFEval row without kwargs list": lambda t: (["run", "--tasks", "ifeval", "--data-dir", str(t), "--model", "none"] if write(
        t / "ifeval" / "input_data.jsonl", json.dumps({"key": 1, "prompt": "p", "instruction_id_list": ["punctuation:no_comma"], "kwargs": {}}) + chr(10)) else [],
        ["input_data.jsonl", "row 1", "kwargs must be a list"], {}),
    "P-MMEval row without kwargs list": lambda t: (["run", "--tasks", "pmmeval_mifeval_ko", "--data-dir", str(t), "--model", "none"] if write(
        t / "P-MMEval" / "mifeval" / "test" / "ko.jsonl", json.dumps({"prompt": "p", "instruction_id_list": ["punctuation:no_comma"], "kwargs": {}}) + chr(10)) else [],
        ["ko.jsonl", "row 1", "kwargs must be a list"], {}),
    "P-MMEval bad JSON line": lambda t: (["run", "--tasks", "pmmeval_mifeval_th", "--data-dir", str(t), "--model", "none"] if write(
        t / "P-MMEval" / "mifeval" / "test" / "th.jsonl", '{"prompt": "p", "instruction_id_list": [], "kwargs": []}' + chr(10) + '{"prompt": ' + chr(10)) else [],
        ["th.jsonl", "line 2"], {}),
    "IFEval-Ko reference row without prompt": lambda t: (["run", "--tasks", "ifeval_ko_reference", "--data-dir", str(t), "--model", "none"] if write(
        t / "ifeval-ko" / "input_data.jsonl", json.dumps({"key": 1, "instruction_id_list": ["punctuation:no_comma"], "kwargs": [{}]}) + chr(10)) else [],
        ["input_data.jsonl", "row 1", "prompt"], {}),
    "IFEval ids not a list": lambda t: (["run", "--tasks", "mifeval_ja", "--data-dir", str(t), "--model", "none"] if write(
        t / "m-ifeval" / "ja_input_data.jsonl", json.dumps({"key": 1, "prompt": "p", "instruction_id_list": "ja:punctuation:no_comma", "kwargs": [{}]}) + chr(10)) else [],
        ["ja_input_data.jsonl", "row 1", "instruction_id_list must be a list"], {}),
    "doc_fields not a list": lambda t: (task_dir(t, GOOD.format(name="t") + "metadata:\n  xeval:\n    doc_fields: 7\n"),
                                        ["t.yaml", "doc_fields"], {}),
    "run id escaping the results folder": lambda t: (["run", "--run-id", "../../escape", "--output", str(t / "out")],
                                                     ["--run-id '../../escape'", "one plain folder name"], {}),
    "absolute run id": lambda t: (["run", "--run-id", str(t / "abs"), "--output", str(t / "out")],
                                  ["--run-id", "one plain folder name"], {}),
    "run id '.'": lambda t: (["run", "--run-id", ".", "--output", str(t / "out")], ["--run-id '.'"], {}),
    "negative seed": lambda t: (["run", "--seed", "-1", "--temperature", "1", "--output", str(t)],
                                ["--seed must be 0 or more, got -1"], {}),
    "temperature nan": lambda t: (["run", "--temperature", "nan", "--output", str(t)],
                                  ["--temperature must be a finite number", "nan"], {}),
    "compare with a bad alpha": lambda t: (["compare", str(t), "--baseline", str(t), "--alpha", "7"],
                                           ["--alpha must be between 0 and 1", "7"], {}),
    "compare with a negative tolerance": lambda t: (["compare", str(t), "--baseline", str(t), "--tolerance", "-1"],
                                                    ["--tolerance must be a finite number", "-1"], {}),
    "YAML max_gen_toks not a number": lambda t: (task_dir(t, GOOD.format(name="t") + "generation_kwargs:\n  max_gen_toks: lots\n"),
                                                 ["t.yaml", "max_gen_toks must be an integer, got 'lots'"], {}),
    "YAML negative repeats": lambda t: (task_dir(t, GOOD.format(name="t") + "repeats: -3\n"), ["t.yaml", "repeats"], {}),
    "YAML negative num_fewshot": lambda t: (task_dir(t, GOOD.format(name="t") + "num_fewshot: -2\n"),
                                            ["t.yaml", "num_fewshot"], {}),
    "conversation task without turn fields": lambda t: (task_dir(t, GOOD.format(name="t") + "metadata:\n  xeval:\n    conversation: true\n"),
                                                        ["t.yaml", "conversation turn needs conversation_id"], {}),
    "conversation turn of 0": lambda t: (task_dir(t, GOOD.format(name="t") + "metadata:\n  xeval:\n    conversation: true\n",
                                                  data='{"q": "hi", "a": "x", "conversation_id": "c", "turn": 0, "user_turns": ["hi"]}\n'),
                                         ["t.yaml", "conversation turn needs"], {}),
    "conversation turn without its earlier user turns": lambda t: (task_dir(t, GOOD.format(name="t") + "metadata:\n  xeval:\n    conversation: true\n",
                                                                     data='{"q": "hi", "a": "x", "conversation_id": "c", "turn": 3, "user_turns": ["hi"]}\n'),
                                                            ["t.yaml", "turn 3 needs 3 user message"], {}),
    "unknown --protocol": lambda t: (["run", "--protocol", "alpaca", "--tasks", "xeval_qa_en"],
                                     ["--protocol", "'alpaca'"], {}),
    "--protocol korani with --mc-mode loglik": lambda t: (["run", "--protocol", "korani", "--mc-mode", "loglik",
                                                           "--tasks", "xeval_qa_en"],
                                                          ["--protocol korani", "--mc-mode exact"], {}),
    "category_field naming no field": lambda t: (task_dir(t, GOOD.format(name="t") + "metadata:\n  xeval:\n    category_field: cat\n"),
                                                 ["t.yaml", "category_field 'cat' must hold a category name"], {}),
    "category_field holding a list": lambda t: (task_dir(t, GOOD.format(name="t") + "metadata:\n  xeval:\n    category_field: cat\n",
                                                         data='{"q": "hi", "a": "x", "cat": ["a", "b"]}\n'),
                                                ["t.yaml", "category_field 'cat'"], {}),
    "baseline prompt with an unknown key": lambda t: (task_dir(t, GOOD.format(name="t") + "metadata:\n  xeval:\n    baseline:\n"
                                                               "      doc_to_txt: x\n"),
                                                      ["t.yaml", "metadata.xeval", "baseline"], {}),
    "pairwise rubric with three aspects": lambda t: (
        task_dir(t, GOOD.format(name="t") + "metadata:\n  xeval:\n    scorers: ['pairwise:three']\n")
        + ["--judge", "embedded", "--baseline", str(write(t / "base" / "samples.jsonl", "").parent)],
        ["three.yaml", "field 'aspects'", "two"],
        {"XEVAL_JUDGES_DIR": str(write(t / "judges" / "three.yaml", "name: three\nkind: pairwise\nscale: {min: 0, max: 10}\n"
                                       "aspects: [a, b, c]\noutput: score_tags\ntemplate: x\n").parent)}),
    "instructions naming an unknown checker set": lambda t: (task_dir(t, GOOD.format(name="t") + (
        "metadata:\n  xeval:\n    instructions: {benchmark: mifevel}\n")), ["t.yaml", "mifevel"], {}),
    "instructions that are not a mapping": lambda t: (task_dir(t, GOOD.format(name="t") + (
        "metadata:\n  xeval:\n    instructions: 5\n")), ["t.yaml", "instructions"], {}),
    "instructions with an unknown key": lambda t: (task_dir(t, GOOD.format(name="t") + (
        "metadata:\n  xeval:\n    instructions: {benchmark: ifeval, colour: red}\n")), ["t.yaml", "colour"], {}),
    "instructions in a language that is no code": lambda t: (task_dir(t, GOOD.format(name="t") + (
        "metadata:\n  xeval:\n    instructions: {benchmark: ifeval, language: [en]}\n")),
        ["t.yaml", "instructions"], {}),
    "rubric with an unknown combine": lambda t: (
        task_dir(t, GOOD.format(name="t") + "metadata:\n  xeval:\n    scorers: ['pairwise:odd']\n")
        + ["--judge", "embedded", "--baseline", str(write(t / "base" / "samples.jsonl", "").parent)],
        ["odd.yaml", "field 'combine'"],
        {"XEVAL_JUDGES_DIR": str(write(t / "judges" / "odd.yaml", "name: odd\nkind: pairwise\nscale: {min: 0, max: 10}\n"
                                       "aspects: [a, b]\noutput: json\ncombine: average\ntemplate: x\n").parent)}),
    "resume of a run.json that is {}": lambda t: (["run", "--resume", str(write(t / "r" / "run.json", "{}").parent)],
                                                  ["run.json", "model.spec"], {}),
    "resume of a run.json that is a list": lambda t: (["run", "--resume", str(write(t / "r" / "run.json", "[1]").parent)],
                                                      ["run.json", "expected a JSON object"], {}),
    "resume of a run.json with limit abc": lambda t: (["run", "--resume", str(write(
        t / "r" / "run.json", '{"model": {"spec": "embedded"}, "settings": {"limit": "abc"}}').parent)],
        ["run.json", "settings.limit"], {}),
    "compare with a damaged samples.jsonl line": lambda t: (["compare", (run := damaged_run(t)), "--baseline", run],
                                                           ["samples.jsonl line 2", "damaged record"], {}),
    "report with a damaged samples.jsonl line": lambda t: (["report", damaged_run(t), "--out", str(t / "r.html")],
                                                          ["samples.jsonl line 2", "damaged record"], {}),
    "merge with a damaged samples.jsonl line": lambda t: (["merge", damaged_run(t), "--output", str(t / "m")],
                                                         ["samples.jsonl line 2", "damaged record"], {}),
    "file: rows with the same id": lambda t: (["run", "--model", "none", "--tasks", "file:" + str(write(
        t / "dup.csv", "id,input,output,prediction\n7,a?,b,b\n7,c?,d,d\n"))], ["dup.csv", "rows 1 and 2 share the id '7'"], {}),
    "file: CSV row with extra cells": lambda t: (["run", "--model", "none", "--tasks", "file:" + str(write(
        t / "extra.csv", "input,output\na?,b,c,d\n"))], ["extra.csv", "line 2", "2 cell(s) more than the header's 2"], {}),
    "file: CSV header without input": lambda t: (["run", "--model", "none", "--tasks", "file:" + str(write(
        t / "noinput.csv", "question,output\na?,b\n"))], ["noinput.csv", "missing column 'input'"], {}),
    "file: JSONL choices as an object": lambda t: (["run", "--model", "none", "--tasks", "file:" + str(write(
        t / "odd.jsonl", '{"input": "a?", "output": "b", "choices": {"x": 1}}\n'))],
        ["odd.jsonl", "row 1", "choices must be a list"], {}),
    "n_ctx beyond the trained context": lambda t: (["run", "--model-args", "n_ctx=99999999", "--tasks", "xeval_qa_en",
                                                    "--no-cache"], ["n_ctx=99999999", "trained with", "32768"], {}),
    "n_ctx of 0": lambda t: (["run", "--model-args", "n_ctx=0", "--tasks", "xeval_qa_en", "--no-cache"],
                             ["n_ctx must be a whole number of tokens"], {}),
    "openai timeout=-1": lambda t: (["run", "--model", "openai:m@http://127.0.0.1:9/v1", "--model-args", "timeout=-1",
                                     "--tasks", "xeval_qa_en", "--no-cache"], ["timeout=-1", "more than 0"], {}),
    "openai timeout=0": lambda t: (["run", "--model", "openai:m@http://127.0.0.1:9/v1", "--model-args", "timeout=0",
                                    "--tasks", "xeval_qa_en", "--no-cache"], ["timeout=0", "more than 0"], {}),
    "chat_doc_to_text naming a missing field": lambda t: (task_dir(t, GOOD.format(name="t") + "metadata:\n  xeval:\n"
                                                                   "    chat_doc_to_text: '{{nope}}'\n"),
                                                          ["t.yaml", "'nope' is undefined"], {}),
    "Vicuna release file without category": lambda t: (["run", "--tasks", "xinstruct_vicuna_sw", "--data-dir", str(write(
        t / "d" / "vicuna-bench" / "question.jsonl", '{"question_id": 1, "turns": ["Hi?"]}\n').parent.parent),
        "--judge", "embedded"], ["question.jsonl", "row 1", "'category'"], {}),
    # issue 34: MT-Bench / KoMT-Bench release files
    "MT-Bench question with one turn": lambda t: (
        mt_release(t, "mt_bench", {"question_id": 81, "category": "writing", "turns": ["Hi?"]}),
        ["question.jsonl", "row 1", "this question has 1 turn(s)"], {}),
    "KoMT-Bench question with three turns": lambda t: (
        mt_release(t, "komt_bench", {"question_id": 81, "category": "writing", "turns": ["a", "b", "c"]}),
        ["question_ko.jsonl", "this question has 3 turn(s)"], {}),
    "MT-Bench empty turn": lambda t: (
        mt_release(t, "mt_bench", {"question_id": 81, "category": "writing", "turns": ["Hi?", " "]}),
        ["question 81: a turn is empty"], {}),
    "MT-Bench question without category": lambda t: (
        mt_release(t, "mt_bench", {"question_id": 81, "turns": ["Hi?", "And?"]}),
        ["question.jsonl", "row 1", "'category'"], {}),
    "MT-Bench reference file lacking a question": lambda t: (
        mt_release(t, "mt_bench", {"question_id": 111, "category": "math", "turns": ["2+3?", "2x3?"]},
                   json.dumps({"question_id": 112, "choices": [{"turns": ["5", "6"]}]}) + chr(10)),
        ["question 111 (math)", "reference_answer_gpt-4.jsonl) has none"], {}),
    "MT-Bench reference row without question_id": lambda t: (
        mt_release(t, "mt_bench", {"question_id": 111, "category": "math", "turns": ["2+3?", "2x3?"]},
                   json.dumps({"choices": []}) + chr(10)),
        ["reference_answer_gpt-4.jsonl", "row 1", "no field 'question_id'"], {}),
    "MT-Bench reference answer without turns": lambda t: (
        mt_release(t, "mt_bench", {"question_id": 111, "category": "math", "turns": ["2+3?", "2x3?"]},
                   json.dumps({"question_id": 111, "choices": "x"}) + chr(10)),
        ["reference answer of question 111", "choices[0].turns"], {}),
    "MT-Bench reference file missing": lambda t: (
        mt_release(t, "mt_bench", {"question_id": 81, "category": "writing", "turns": ["Hi?", "And?"]}, None),
        ["reference_answer_gpt-4.jsonl not found"], {}),
    "a jury with the same judge twice": lambda t: (["run", "--judge", "embedded", "--judge", "embedded", "--output",
                                                    str(t)], ["--judge 'embedded' is in the jury twice"], {}),
    "a jury with an empty member": lambda t: (["run", "--judge", "embedded,", "--output", str(t)],
                                              ["an empty judge in the jury"], {}),
    "a jury with an unknown backend": lambda t: (["run", "--judge", "embedded,nope:x", "--tasks", "mchat_ko",
                                                  "--output", str(t)], ["nope"], {}),
    "temperature_by_category without category_field": lambda t: (task_dir(
        t, GOOD.format(name="t") + "metadata:\n  xeval:\n    temperature_by_category: {writing: 0.7}\n"),
        ["t.yaml", "temperature_by_category needs category_field"], {}),
    "temperature_by_category negative": lambda t: (task_dir(
        t, GOOD.format(name="t") + "metadata:\n  xeval:\n    category_field: q\n"
        "    temperature_by_category: {writing: -1}\n"), ["t.yaml", "temperature_by_category"], {}),
    "temperature_by_category not a mapping": lambda t: (task_dir(
        t, GOOD.format(name="t") + "metadata:\n  xeval:\n    category_field: q\n"
        "    temperature_by_category: [0.7]\n"), ["t.yaml", "temperature_by_category"], {}),
    "zero judge max tokens": lambda t: (["run", "--judge-max-tokens", "0", "--output", str(t)],
                                        ["--judge-max-tokens must be at least 1, got 0"], {}),
    "unknown executor": lambda t: (["run", "--executor", "slurm", "--tasks", "xeval_qa_en", "--no-cache"],
                                   ["--executor 'slurm'", "local, ray"], {}),
    "--workers 0": lambda t: (["run", "--executor", "ray", "--workers", "0", "--tasks", "xeval_qa_en", "--no-cache"],
                              ["--workers must be at least 1"], {}),
    "--workers without ray": lambda t: (["run", "--workers", "2", "--tasks", "xeval_qa_en", "--no-cache"],
                                        ["--workers", "--executor ray"], {}),
    "--worker-resources not NAME=NUMBER": lambda t: (["run", "--executor", "ray", "--worker-resources", "gpus",
                                                      "--tasks", "xeval_qa_en", "--no-cache"], ["NAME=NUMBER", "'gpus'"], {}),
    "--worker-resources nan": lambda t: (["run", "--executor", "ray", "--worker-resources", "num_gpus=nan",
                                          "--tasks", "xeval_qa_en", "--no-cache"], ["num_gpus", "finite"], {}),
    "--worker-resources negative": lambda t: (["run", "--executor", "ray", "--worker-resources", "num_cpus=-1",
                                               "--tasks", "xeval_qa_en", "--no-cache"], ["num_cpus", "0 or more"], {}),
    "--worker-resources twice": lambda t: (["run", "--executor", "ray", "--worker-resources", "num_cpus=1,num_cpus=2",
                                            "--tasks", "xeval_qa_en", "--no-cache"], ["num_cpus given twice"], {}),
    "--ray-address empty": lambda t: (["run", "--executor", "ray", "--ray-address", " ", "--tasks", "xeval_qa_en",
                                       "--no-cache"], ["--ray-address is empty"], {}),
    "--ray-address nonsense": lambda t: (["run", "--executor", "ray", "--ray-address", "no port here",
                                          "--tasks", "xeval_qa_en", "--no-cache"], ["HOST:PORT"], {}),
    "--ray-address nobody listens": lambda t: (["run", "--executor", "ray", "--ray-address", "127.0.0.1:9",
                                                "--tasks", "xeval_qa_en", "--limit", "1", "--no-cache", "--output",
                                                str(t / "out")], ["127.0.0.1:9", "nothing answers"], {}),
    "data_parallel_size nonsense": lambda t: (["run", "--model", "vllm:some/model", "--model-args",
                                               "data_parallel_size=two", "--tasks", "xeval_qa_en", "--no-cache"],
                                              ["data_parallel_size", "whole number"], {}),
    "merge of unrelated runs": lambda t: (["merge", str(write(t / "a" / "run.json", '{"model": {"spec": "x"}}').parent),
                                           str(write(t / "b" / "run.json", '{"model": {"spec": "y"}}').parent),
                                           "--output", str(t / "m")], ["not a shard of the same run"], {}),
    # issue 38 (instruction rows validated at planning, duplicate keys, the JSON Lines reader)
    "M-IFEval release file with a key twice": lambda t: (release(
        t, "mifeval_es", "m-ifeval/es_input_data.jsonl", '{"key": 7, "prompt": "Hola.", "instruction_id_list": '
        '["punctuation:no_comma"], "kwargs": [{}]}', '{"key": 7, "prompt": "Adios.", "instruction_id_list": '
        '["punctuation:no_comma"], "kwargs": [{}]}'), ["mifeval_es", "rows 1 and 2", "share the id '7'"], {}),
    "Vicuna release file with a question_id twice": lambda t: (release(
        t, "xinstruct_vicuna_sw", "vicuna-bench/question.jsonl", '{"question_id": 1, "category": "g", "turns": ["Hi?"]}',
        '{"question_id": 2, "category": "g", "turns": ["Yo?"]}', '{"question_id": 1, "category": "g", "turns": ["Ha?"]}'),
        ["xinstruct_vicuna_sw", "rows 1 and 3", "share the id '1'"], {}),
    "IFEval rows all naming unknown instruction ids": lambda t: (release(
        t, "ifeval", "ifeval/input_data.jsonl", instruction_row(1, "detectable_format:haiku", "{}"),
        instruction_row(2, "detectable_format:sonnet", "{}")),
        ["task 'ifeval'", "none of its 2 row(s) can be scored", "unknown instruction id"], {}),
    "IFEval postscript_marker that is no regular expression": lambda t: (release(
        t, "ifeval", "ifeval/input_data.jsonl", instruction_row(1, "detectable_content:postscript",
                                                                '{"postscript_marker": "P.S.("}')),
        ["detectable_content:postscript: kwarg postscript_marker: 'P.S.('", "not a valid regular expression"], {}),
    "IFEval-Ko forbidden word that is no regular expression": lambda t: (release(
        t, "ifeval_ko_reference", "ifeval-ko/input_data.jsonl", instruction_row(1, "keywords:forbidden_words",
                                                                                '{"forbidden_words": [":)"]}')),
        ["ifeval_ko_reference", "kwarg forbidden_words: ':)'", "not a valid regular expression"], {}),
    "P-MMEval postscript_marker that is no regular expression": lambda t: (release(
        t, "pmmeval_mifeval_en", "P-MMEval/mifeval/test/en.jsonl", instruction_row(1, "detectable_content:postscript",
                                                                                   '{"postscript_marker": "P.S.("}')),
        ["pmmeval_mifeval_en", "kwarg postscript_marker: 'P.S.('", "not a valid regular expression"], {}),
    "M-IFEval es keyword that is no regular expression": lambda t: (release(
        t, "mifeval_es", "m-ifeval/es_input_data.jsonl", instruction_row(
            1, "es:keywords:frequency", '{"keyword": "(", "frequency": 1, "relation": "al menos"}')),
        ["es:keywords:frequency: kwarg keyword: '('", "not a valid regular expression"], {}),
    "M-IFEval fr keyword that is no regular expression": lambda t: (release(
        t, "mifeval_fr", "m-ifeval/fr_input_data.jsonl", instruction_row(
            1, "fr:keywords:frequency", '{"keyword": "[a", "frequency": 1, "relation": "au moins"}')),
        ["fr:keywords:frequency: kwarg keyword: '[a'", "not a valid regular expression"], {}),
    "IFEval num_words true": lambda t: (release(t, "ifeval", "ifeval/input_data.jsonl", instruction_row(
        1, "length_constraints:number_words", '{"num_words": true, "relation": "at least"}')),
        ["kwarg num_words: Input should be a valid integer (given True)"], {}),
    "IFEval num_words as text": lambda t: (release(t, "ifeval", "ifeval/input_data.jsonl", instruction_row(
        1, "length_constraints:number_words", '{"num_words": "5", "relation": "at least"}')),
        ["kwarg num_words: Input should be a valid integer (given '5')"], {}),
    "IFEval num_words NaN": lambda t: (release(t, "ifeval", "ifeval/input_data.jsonl", instruction_row(
        1, "length_constraints:number_words", '{"num_words": NaN, "relation": "at least"}')),
        ["kwarg num_words: Input should be a valid integer (given nan)"], {}),
    "IFEval num_words -5": lambda t: (release(t, "ifeval", "ifeval/input_data.jsonl", instruction_row(
        1, "length_constraints:number_words", '{"num_words": -5, "relation": "at least"}')),
        ["kwarg num_words", "greater than or equal to 0"], {}),
    "IFEval relation word IFEval does not use": lambda t: (release(t, "ifeval", "ifeval/input_data.jsonl", instruction_row(
        1, "length_constraints:number_words", '{"num_words": 5, "relation": "al menos"}')),
        ["kwarg relation", "'less than' or 'at least'", "'al menos'"], {}),
    "IFEval empty instruction list": lambda t: (release(t, "ifeval", "ifeval/input_data.jsonl",
                                                        '{"key": 1, "prompt": "Hi.", "instruction_id_list": [], "kwargs": []}'),
                                                ["instruction_id_list must be a non-empty list"], {}),
    "IFEval num_words of 5000 digits": lambda t: (release(t, "ifeval", "ifeval/input_data.jsonl", instruction_row(
        1, "length_constraints:number_words", '{"num_words": ' + "9" * 5000 + ', "relation": "at least"}')),
        ["input_data.jsonl", "bad JSON on line 1", "4300 digits"], {}),
    # issue 38 (dead servers, credentials in arguments, Ray addresses and workers)
    "openai down_after=0": lambda t: (["run", "--model", "openai:m@http://127.0.0.1:9/v1", "--model-args", "down_after=0",
                                       "--tasks", "xeval_qa_en", "--no-cache"], ["down_after=0", "more than 0"], {}),
    "judge down_after=soon": lambda t: (["run", "--model", "none", "--tasks", "xeval_qa_en", "--no-cache", "--judge",
                                         "openai:m@http://127.0.0.1:9/v1", "--judge-args", "down_after=soon"],
                                        ["down_after", "'soon'"], {}),
    "openai_api_key in model args": lambda t: (["run", "--model", "openai:m@http://127.0.0.1:9/v1", "--model-args",
                                                f"openai_api_key={SECRET}", "--tasks", "xeval_qa_en", "--no-cache"],
                                               ["--model-args", "openai_api_key", "credential", "environment"], {}),
    "token in llama.cpp model args": lambda t: (["run", "--model", "embedded", "--model-args", f"hf_token={SECRET}",
                                                 "--tasks", "xeval_qa_en", "--no-cache"],
                                                ["--model-args", "hf_token", "environment"], {}),
    "password in judge args": lambda t: (["run", "--model", "none", "--tasks", "xeval_qa_en", "--no-cache", "--judge",
                                          "openai:m@http://127.0.0.1:9/v1", "--judge-args", f"password={SECRET}"],
                                         ["--judge-args", "password", "environment"], {}),
    "--ray-address at a plain HTTP server": lambda t: (["run", "--executor", "ray", "--ray-address",
                                                        f"127.0.0.1:{http_server()}", "--tasks", "xeval_qa_en",
                                                        "--limit", "1", "--no-cache", "--output", str(t / "out")],
                                                       ["--ray-address 127.0.0.1:", "not Ray"], {}),
    "RAY_ADDRESS at a plain HTTP server": lambda t: (["run", "--executor", "ray", "--tasks", "xeval_qa_en", "--limit",
                                                      "1", "--no-cache", "--output", str(t / "out")],
                                                     ["RAY_ADDRESS 127.0.0.1:", "not Ray"],
                                                     {"RAY_ADDRESS": f"127.0.0.1:{http_server()}"}),
    "--workers beyond a local cluster": lambda t: (["run", "--executor", "ray", "--workers", "100000", "--tasks",
                                                    "xeval_qa_en", "--limit", "1", "--no-cache", "--output",
                                                    str(t / "out")], ["--workers 100000", "local Ray cluster"],
                                                   {"RAY_ADDRESS": ""}),
    # issue 38 (published verdicts: a null response is a missing answer, any other non-text one is refused)
    "response file with a number for a response": lambda t: (["run", "--model", f"responses:{write(t / 'r.jsonl', json.dumps({'prompt': 'a', 'response': None}) + chr(10) + json.dumps({'prompt': 'b', 'response': 5}) + chr(10))}",
                                                              "--tasks", "ifeval", "--data-source", "sample"], ["r.jsonl", "line 2", "'response'", "null"], {}),
    # issue 35: xeval judge-check's pair sets
    "judge-check pair file without label": lambda t: (["judge-check", "--judge", "none", "--set", str(write(t / "p.csv", "input,output_1,output_2\nq,a,b\n"))],
                                                      ["p.csv", "row 1", "no field 'label'"], {}),
    "judge-check label not 1 or 2": lambda t: (["judge-check", "--judge", "none", "--set", "file:" + str(write(t / "p.jsonl", json.dumps({"input": "q", "output_1": "a", "output_2": "b", "label": 3}) + chr(10)))],
                                               ["p.jsonl", "row 1", "label must be 1 or 2", "got 3"], {}),
    "judge-check unknown --set": lambda t: (["judge-check", "--judge", "none", "--set", "mmlu"], ["unknown pair set 'mmlu'", "llmbar"], {}),
    "judge-check LLMBar release file missing": lambda t: (["judge-check", "--judge", "none", "--set", "llmbar", "--data-dir", str(t)],
                                                          [str(t / "llmbar" / "Natural" / "dataset.json"), "not found"], {}),
    "judge-check pair file missing": lambda t: (["judge-check", "--judge", "none", "--set", str(t / "nope.jsonl")], ["nope.jsonl not found"], {}),
    "response file with a null and a text answer to one prompt": lambda t: (["run", "--model", f"responses:{write(t / 'r.jsonl', json.dumps({'prompt': 'a', 'response': None}) + chr(10) + json.dumps({'prompt': 'a', 'response': 'c'}) + chr(10))}",
                                                                             "--tasks", "ifeval", "--data-source", "sample"], ["r.jsonl", "line 2", "second, different response"], {}),
}


def instruction_row(key: int, instruction_id: str, kwargs: str) -> str:
    return (f'{{"key": {key}, "prompt": "Answer {key}.", "instruction_id_list": ["{instruction_id}"], '
            f'"kwargs": [{kwargs}]}}')


def release(tmp: Path, task: str, path: str, *lines: str) -> list[str]:
    """``xeval run`` of a task on its release file under --data-dir, holding these lines."""
    write(tmp / "d" / path, "".join(line + "\n" for line in lines))
    return ["run", "--tasks", task, "--data-dir", str(tmp / "d"), "--output", str(tmp / "out"), "--no-cache"]


def mt_release(tmp: Path, task: str, question: dict[str, object], reference: str | None = "") -> list[str]:
    """``xeval run`` of MT-Bench or KoMT-Bench on a release folder with this question and this
    reference answer file (None: no reference file)."""
    folder, suffix = ("mt-bench", "") if task == "mt_bench" else ("komt-bench", "_ko")
    if reference is not None:
        write(tmp / "d" / folder / f"reference_answer{suffix}_gpt-4.jsonl", reference)
    return [*release(tmp, task, f"{folder}/question{suffix}.jsonl", json.dumps(question)), "--model", "none"]


def test_catalogue_is_big_enough() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input(name: str, tmp_path: Path) -> None:
    from xeval.models.embedded import embedded_model_path

    embedded_model_path()  # assembled beforehand: the disk-full case limits file sizes
    argv, needles, env = CASES[name](tmp_path)
    out = xeval(*argv, env=env)
    assert out.returncode == 2, (out.returncode, out.stdout[-500:], out.stderr[-2000:])
    assert "Traceback" not in out.stderr
    lines = [line for line in out.stderr.splitlines() if line.startswith("xeval: error:")]
    assert len(lines) == 1, out.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    assert SECRET not in out.stderr + out.stdout


def test_comparing_a_run_without_records_fails(tmp_path: Path) -> None:
    good = xeval("run", "--tasks", "xeval_qa_en", "--limit", "2", "--no-cache", "--output", str(tmp_path), "--run-id", "g")
    assert good.returncode == 0, good.stderr
    empty = tmp_path / "e"
    empty.mkdir()
    (empty / "run.json").write_text((tmp_path / "g" / "run.json").read_text(encoding="utf-8"), encoding="utf-8")
    (empty / "samples.jsonl").write_text("", encoding="utf-8")
    out = xeval("compare", str(empty), "--baseline", str(tmp_path / "g"))
    assert out.returncode == 2 and "no records to compare" in out.stderr, (out.returncode, out.stderr)
    assert "Traceback" not in out.stderr


def test_a_bad_generation_setting_creates_no_run_folder(tmp_path: Path) -> None:
    argv = task_dir(tmp_path, GOOD.format(name="t") + "generation_kwargs:\n  max_gen_toks: lots\n")
    out = xeval(*argv)
    assert out.returncode == 2 and "max_gen_toks" in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "out").exists()


def test_refused_run_ids_create_nothing(tmp_path: Path) -> None:
    for run_id in ("../../escape", ".", ".."):
        out = xeval("run", "--run-id", run_id, "--output", str(tmp_path / "out"), "--limit", "1")
        assert out.returncode == 2, out.stderr
    assert not (tmp_path / "out").exists() and not (tmp_path.parent / "escape").exists()


def test_a_refused_resume_loses_no_computed_sample(tmp_path: Path) -> None:
    first = xeval("run", "--tasks", "xeval_qa_en", "--limit", "2", "--no-cache", "--output", str(tmp_path),
                  "--run-id", "r")
    assert first.returncode == 0, first.stderr
    before = (tmp_path / "r" / "samples.jsonl").read_bytes()
    out = xeval("run", "--tasks", "xeval_qa_en", "--limit", "3", "--no-cache", "--output", str(tmp_path), "--run-id", "r")
    assert out.returncode == 2 and "cannot resume" in out.stderr and "Traceback" not in out.stderr
    assert "(first: settings > limit: 2 in the folder, 3 now)" in out.stderr  # says what differs
    assert (tmp_path / "r" / "samples.jsonl").read_bytes() == before
