"""Hub sources as they are today: converters on rows shaped like each dataset's, one-line errors,
and `xeval data check` / `xeval run` against a local mirror laid out like the hub repositories."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from xeval.errors import ConfigError
from xeval.tasks.sources import PARQUET_REVISION, SOURCES, convert_rows

# One row per hub dataset, shaped as the dataset's own rows (field names and value types).
HUB_ROWS: dict[str, dict[str, Any]] = {
    "klue_nli": {"guid": "klue-nli-v1_dev_00000", "source": "airbnb", "premise": "흡연자분들은 발코니가 있는 방이면 발코니에서 흡연이 가능합니다.",
                 "hypothesis": "어떤 방에서도 흡연은 금지됩니다.", "label": 2},
    "kornli": {"premise": "그리고 그가 말했다, \"엄마, 저 왔어요.\"", "hypothesis": "그는 학교 버스가 그를 내려주자마자 엄마에게 전화를 걸었다.",
               "label": 1},
    "kobest_copa": {"premise": "물을 오래 끓였다.", "question": "결과", "alternative_1": "물의 양이 줄어들었다.",
                    "alternative_2": "가스가 많이 닳았다.", "label": 0},
    "kobest_hellaswag": {"context": "모자를 쓴 투수가 타자에게 온 힘을 다해 공을 던진다.", "ending_1": "공을 받은 타자가 공을 힘껏 쳐낸다.",
                         "ending_2": "투수가 공을 던지고 마운드를 내려온다.", "ending_3": "타자가 공을 받아 관중석으로 던진다.",
                         "ending_4": "타자가 공을 던진다.", "label": 0},
    "kobest_wic": {"ID": "1", "word": "배", "context_1": "배가 아프다.", "context_2": "배를 타고 섬에 갔다.", "label": 0},
    "ko_winogrande": {"sentence": "철수는 영희에게 책을 빌려주었는데, _ 가 그것을 잃어버렸다.", "option1": "철수",
                      "option2": "영희", "answer": "2"},
    "beep": {"comments": "재밌네요 ㅋㅋ", "contain_gender_bias": 0, "bias": 2, "hate": 2, "hate_name": "none"},
    "apeach": {"text": "이건 좀 아닌 것 같다", "class": "Spoiled"},
    "pawsx_ko": {"id": 1, "sentence1": "그는 1949년에 태어났다.", "sentence2": "그는 1949년생이다.", "label": 1},
    "nsmc": {"id": "6270596", "document": "굳 ㅋ", "label": 1},
    "news_summary_ko": {"date": "2022-07-03", "category": "economy", "press": "x", "title": "t",
                        "document": "기사 본문입니다.", "link": "l", "summary": "요약입니다."},
    "rte": {"premise": "A man is sleeping.", "hypothesis": "A man sleeps.", "idx": 0, "label": 0},
    "cb": {"premise": "It was raining.", "hypothesis": "It was wet.", "idx": 0, "label": 1},
    "anli_r1": {"uid": "u", "premise": "P", "hypothesis": "H", "label": 2, "reason": ""},
    "copa": {"premise": "The man broke his toe.", "question": "cause", "choice1": "He dropped a hammer on his foot.",
             "choice2": "He got a hole in his sock.", "idx": 0, "label": 0},
    "hellaswag": {"ind": 24, "activity_label": "Roof shingle removal", "ctx_a": "A man is sitting on a roof.",
                  "ctx_b": "he", "ctx": "A man is sitting on a roof. he",
                  "endings": ["is using wrap to wrap a pair of skis.", "is ripping level tiles off.",
                              "is holding a rubik's cube.", "starts pulling up roofing on a roof."],
                  "source_id": "x", "split": "val", "split_type": "indomain", "label": "3"},
    "wic": {"word": "place", "sentence1": "Do you want to come over to my place later?",
            "sentence2": "A political system with no place for the less prominent groups.",
            "start1": 0, "start2": 0, "end1": 1, "end2": 1, "idx": 0, "label": 0},
    "winogrande": {"sentence": "Sarah was a much better surgeon than Maria so _ always got the harder cases.",
                   "option1": "Sarah", "option2": "Maria", "answer": "1"},
}
# google/IFEval: every kwarg key on every row, null where unused
HUB_ROWS["ifeval"] = {"key": 1000, "prompt": "Write a 300+ word summary. Do not use any commas.",
                      "instruction_id_list": ["punctuation:no_comma", "length_constraints:number_words"],
                      "kwargs": [{"num_words": None, "relation": None, "num_highlights": None},
                                 {"num_words": 300, "relation": "at least", "num_highlights": None}]}
HUB_ROWS["ifeval_ko"] = {"key": 1001, "prompt": "위키백과 페이지를 300단어 이상으로 요약하세요. 쉼표를 사용하지 마세요.",
                         "instruction_id_list": ["punctuation:no_comma", "length_constraints:number_words"],
                         "kwargs": [{"num_words": None, "relation": None},
                                    {"num_words": 300, "relation": "at least"}]}
# BSC-LT/IFEval_es and projecte-aina/IFEval_ca (lm-eval's ifeval_es / ifeval_ca): IFEval's rows translated,
# es:/ca: ids, every kwarg key on every row, null where unused
HUB_ROWS["ifeval_es"] = {"key": 1000, "prompt": "Escribe un resumen de más de 300 palabras. No uses comas.",
                         "instruction_id_list": ["es:punctuation:no_comma", "es:length_constraints:number_words"],
                         "kwargs": [{"num_words": None, "relation": None, "language": None},
                                    {"num_words": 300, "relation": "at least", "language": None}]}
HUB_ROWS["ifeval_ca"] = {"key": 1000, "prompt": "Escriu un resum de més de 300 paraules. No facis servir comes.",
                         "instruction_id_list": ["ca:punctuation:no_comma", "ca:length_constraints:number_words"],
                         "kwargs": [{"num_words": None, "relation": None, "language": None},
                                    {"num_words": 300, "relation": "at least", "language": None}]}
# facebook/Multi-IF: messages and lists as JSON text (lm-eval's multi_if process_docs reads them so)
MULTI_IF_ROW = {"key": "1001", "language": "English",
                "turn_1_prompt": '{"role": "user", "content": "Write a poem. No commas."}',
                "turn_1_instruction_id_list": '["punctuation:no_comma"]', "turn_1_kwargs": '["{}"]',
                "turn_2_prompt": '{"role": "user", "content": "Now in at least 50 words."}',
                "turn_2_instruction_id_list": '["punctuation:no_comma", "length_constraints:number_words"]',
                "turn_2_kwargs": '["{}", "{\\"num_words\\": 50, \\"relation\\": \\"at least\\"}"]',
                "turn_3_prompt": "", "turn_3_instruction_id_list": "[]", "turn_3_kwargs": "[]"}
for _language in ("en", "zh", "hi", "ru", "fr", "es", "it", "pt"):
    HUB_ROWS[f"multi_if_{_language}"] = MULTI_IF_ROW
# Qwen/P-MMEval mifeval/test/{lang}.jsonl: prompt, instruction ids, kwargs objects (OpenCompass's reader columns)
for _language in ("en", "zh", "ar", "es", "fr", "ja", "ko", "pt", "th", "vi"):
    HUB_ROWS[f"pmmeval_mifeval_{_language}"] = {
        "prompt": "Answer in at least 20 words without commas.",
        "instruction_id_list": ["length_constraints:number_words", "punctuation:no_comma"],
        "kwargs": [{"relation": "at least", "num_words": 20}, {"relation": None, "num_words": None}]}
# X-Instruction's sets, as their repositories' JSONL files hold them
for _name in ("mt_bench", "komt_bench"):
    HUB_ROWS[_name] = {"question_id": 111, "category": "math", "turns": ["What is 2 + 3?", "And 2 x 3?"]}
HUB_ROWS["xinstruct_vicuna"] = {"question_id": 1, "category": "generic",
                                "turns": ["How can I improve my time management skills?"]}
HUB_ROWS["xinstruct_wizardlm"] = {"idx": 1, "Skill": "Math", "Difficulty": 1,
                                  "Instruction": "If a car travels 120 miles in 2 hours, what is its average speed?"}
EXPECTED_KEYS = {
    "klue_nli": {"premise", "hypothesis", "label"}, "kornli": {"premise", "hypothesis", "label"},
    "kobest_copa": {"premise", "question", "choice1", "choice2", "label"},
    "kobest_hellaswag": {"context", "endings", "label"},
    "kobest_wic": {"word", "sentence1", "sentence2", "label"},
    "ko_winogrande": {"sentence", "option1", "option2", "label"}, "beep": {"text", "label"},
    "apeach": {"text", "label"}, "pawsx_ko": {"sentence1", "sentence2", "label"}, "nsmc": {"text", "label"},
    "news_summary_ko": {"text", "summary"}, "rte": {"premise", "hypothesis", "label"},
    "cb": {"premise", "hypothesis", "label"}, "anli_r1": {"premise", "hypothesis", "label"},
    "copa": {"premise", "question", "choice1", "choice2", "label"}, "hellaswag": {"context", "endings", "label"},
    "wic": {"word", "sentence1", "sentence2", "label"}, "winogrande": {"sentence", "option1", "option2", "label"},
    "ifeval": {"key", "prompt", "instruction_id_list", "kwargs", "answer_language", "benchmark"},
    "ifeval_ko": {"key", "prompt", "instruction_id_list", "kwargs", "answer_language"},
    **{f"ifeval_{lang}": {"key", "prompt", "instruction_id_list", "kwargs", "answer_language", "benchmark"}
       for lang in ("es", "ca")},
    **{f"multi_if_{lang}": {"key", "language", "turns"} for lang in ("en", "zh", "hi", "ru", "fr", "es", "it", "pt")},
    **{f"pmmeval_mifeval_{lang}": {"key", "prompt", "instruction_id_list", "kwargs", "answer_language", "benchmark"}
       for lang in ("en", "zh", "ar", "es", "fr", "ja", "ko", "pt", "th", "vi")},
    "xinstruct_vicuna": {"id", "instruction", "category"},
    **{name: {"question_id", "category", "turns", "reference", "reference_file"} for name in ("mt_bench", "komt_bench")},
    "xinstruct_wizardlm": {"id", "instruction", "category", "difficulty"},
}


def test_multi_if_row_becomes_its_turns() -> None:
    source = SOURCES["multi_if_en"]
    (conversation,) = convert_rows(source, [MULTI_IF_ROW], "multi_if_en")
    assert source.explode is not None
    turns = source.explode(conversation)
    assert [(t["key"], t["turn"], t["user_turns"], t["instruction_id_list"]) for t in turns] == [
        ("1001-t1", 1, ["Write a poem. No commas."], ["punctuation:no_comma"]),
        ("1001-t2", 2, ["Write a poem. No commas.", "Now in at least 50 words."],
         ["punctuation:no_comma", "length_constraints:number_words"])]
    assert turns[1]["kwargs"] == [{}, {"num_words": 50, "relation": "at least"}]
    assert SOURCES["multi_if_zh"].explode(conversation) == []  # another language's task takes none


def test_every_hub_source_has_a_fixture_and_declares_its_fields() -> None:
    hub = {name for name, s in SOURCES.items() if s.hub_path is not None}
    assert hub == set(HUB_ROWS)
    for name in hub:
        source = SOURCES[name]
        assert source.hub_fields, name
        assert set(source.hub_fields) <= set(HUB_ROWS[name]), name
        assert "/" in str(source.hub_path), f"{name}: hub ids need a namespace (huggingface_hub >= 1.0)"
        assert source.licence and source.evidence, name


@pytest.mark.parametrize("name", sorted(HUB_ROWS))
def test_converter_on_a_hub_shaped_row(name: str) -> None:
    rows = convert_rows(SOURCES[name], [HUB_ROWS[name]], name)
    assert len(rows) == 1 and set(rows[0]) == EXPECTED_KEYS[name]


def test_converted_values() -> None:
    def one(name: str) -> dict[str, Any]:
        return convert_rows(SOURCES[name], [HUB_ROWS[name]], name)[0]

    assert one("kobest_copa")["question"] == "effect"  # 결과 -> effect
    assert one("cb")["label"] == 2  # super_glue cb 1 (contradiction) -> xeval 2
    assert one("beep")["label"] == 0 and one("apeach")["label"] == 1
    assert one("winogrande")["label"] == 0 and one("ko_winogrande")["label"] == 1
    assert one("hellaswag")["context"].startswith("Roof shingle removal: A man is sitting on a roof. He")


def test_moved_and_script_repositories_are_pinned() -> None:
    assert SOURCES["kornli"].hub_path == "kakaobrain/kor_nli" and SOURCES["kornli"].hub_name == "xnli"
    for name in ("nsmc", "beep"):  # loading scripts on main: the hub's parquet conversion
        assert SOURCES[name].hub_revision == PARQUET_REVISION and SOURCES[name].hub_data_dir == "default"


def test_converter_errors_are_one_line() -> None:
    renamed = {k: v for k, v in HUB_ROWS["kornli"].items() if k != "premise"} | {"sentence1": "x"}
    with pytest.raises(ConfigError) as info:
        convert_rows(SOURCES["kornli"], [HUB_ROWS["kornli"], renamed], "data source 'kornli' (kakaobrain/kor_nli)")
    message = str(info.value)
    assert "row 2: no field 'premise'" in message and "--data-dir" in message and "\n" not in message
    unlabelled = HUB_ROWS["ko_winogrande"] | {"answer": ""}
    with pytest.raises(ConfigError, match=r"row 1: bad value: answer '' is not 1 or 2 \(an unlabelled test split\?\)"):
        convert_rows(SOURCES["ko_winogrande"], [unlabelled], "ko_winogrande")
    with pytest.raises(ConfigError, match="hate label 0 is not one of none, offensive, hate"):
        convert_rows(SOURCES["beep"], [{"comments": "x", "hate": 0}], "beep")


# ---------------------------------------------------------------------------------------
# A local mirror laid out like the hub repositories
# ---------------------------------------------------------------------------------------

def _parquet(path: Path, rows: list[dict[str, Any]], features: Any = None) -> None:
    import datasets

    path.parent.mkdir(parents=True, exist_ok=True)
    datasets.Dataset.from_list(rows, features=features).to_parquet(str(path))


def _configs_readme(repo: Path, config: str, split: str) -> None:
    """A parquet repository's README: its configs and their data files, as the hub keeps them."""
    (repo / "README.md").write_text(
        f"---\nconfigs:\n- config_name: {config}\n  data_files:\n  - split: {split}\n"
        f"    path: {config}/{split}-*\n---\n", encoding="utf-8")


@pytest.fixture(scope="module")
def hub_mirror(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import datasets

    root = tmp_path_factory.mktemp("hub-mirror")
    kornli = root / "kakaobrain" / "kor_nli"
    _parquet(kornli / "xnli" / "test-00000-of-00001.parquet", [HUB_ROWS["kornli"]] * 3)
    _configs_readme(kornli, "xnli", "test")
    # script repositories: their refs/convert/parquet layout, <config>/<split>/NNNN.parquet
    _parquet(root / "e9t" / "nsmc" / "default" / "test" / "0000.parquet",
             [HUB_ROWS["nsmc"], {"id": "2", "document": "별로", "label": 0}])
    features = datasets.Features({"comments": datasets.Value("string"),
                                  "contain_gender_bias": datasets.ClassLabel(names=["False", "True"]),
                                  "bias": datasets.ClassLabel(names=["gender", "others", "none"]),
                                  "hate": datasets.ClassLabel(names=["hate", "offensive", "none"])})
    _parquet(root / "inmoonlight" / "kor_hate" / "default" / "test" / "0000.parquet",
             [{"comments": "재밌네요", "contain_gender_bias": 0, "bias": 2, "hate": 2}], features)
    # an upstream move: klue's nli fields renamed
    klue = root / "klue" / "klue"
    moved = {"sentence1": "a", "sentence2": "b", "label": 0}
    _parquet(klue / "nli" / "validation-00000-of-00001.parquet", [moved])
    _configs_readme(klue, "nli", "validation")
    # repository release files (X-Instruction's sets): DIR/<owner>/<name>/<path in the repository>
    vicuna = root / "lm-sys" / "FastChat" / "fastchat" / "llm_judge" / "data" / "vicuna_bench" / "question.jsonl"
    vicuna.parent.mkdir(parents=True)
    vicuna.write_bytes((Path(__file__).resolve().parents[2].parent / "shared" / "data" / "vicuna-bench" /
                        "question.jsonl").read_bytes())
    shared = Path(__file__).resolve().parents[2].parent / "shared" / "data"
    for repo, folder, files in (
            ("lm-sys/FastChat", "fastchat/llm_judge/data/mt_bench", {
                "question.jsonl": "mt-bench/question.jsonl",
                "reference_answer/gpt-4.jsonl": "mt-bench/reference_answer_gpt-4.jsonl"}),
            ("LG-AI-EXAONE/KoMT-Bench", "FastChat/fastchat/llm_judge/data/mt_bench", {
                "question_ko.jsonl": "komt-bench/question_ko.jsonl",
                "reference_answer_ko/gpt-4.jsonl": "komt-bench/reference_answer_ko_gpt-4.jsonl"})):
        for there, here in files.items():
            target = root / repo / folder / there
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes((shared / here).read_bytes())
    wizardlm = root / "nlpxucan" / "WizardLM" / "data" / "WizardLM_testset.jsonl"
    wizardlm.parent.mkdir(parents=True)
    wizardlm.write_text(json.dumps(HUB_ROWS["xinstruct_wizardlm"]) + "\n", encoding="utf-8")
    return root


def _xeval(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xeval", *args], capture_output=True, text=True, timeout=600,
                          env={**os.environ, **(env or {})})


def test_data_check_against_a_mirror(hub_mirror: Path) -> None:
    proc = _xeval("data", "check", "kornli_ko_tpl-ko,nsmc_ko_tpl-ko,beep_ko_tpl-ko,klue_nli_ko_tpl-ko",
                  "--mirror", str(hub_mirror))
    lines = proc.stdout.splitlines()
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "[ok] kornli: kakaobrain/kor_nli (xnli, test): fields premise, hypothesis, label" in lines
    assert f"[ok] nsmc: e9t/nsmc@{PARQUET_REVISION} (default, test): fields document, label" in lines
    assert any(line.startswith("[ok] beep: inmoonlight/kor_hate") for line in lines)
    failed = [line for line in lines if line.startswith("[FAIL] klue_nli")]
    assert len(failed) == 1 and "missing field(s) premise, hypothesis" in failed[0]
    assert lines[-1] == "4 source(s): 3 ok, 1 failed, 0 local only"


def test_data_check_and_run_read_repository_files(hub_mirror: Path, tmp_path: Path) -> None:
    """X-Instruction's sets are files in GitHub repositories at a commit, read with datasets' JSON
    loader (raw.githubusercontent.com for a networked user; the mirror's copy here)."""
    proc = _xeval("data", "check", "xinstruct_vicuna_sw,xinstruct_wizardlm_sw", "--mirror", str(hub_mirror))
    lines = proc.stdout.splitlines()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert ("[ok] xinstruct_vicuna: github lm-sys/FastChat@589532dcfa83 "
            "fastchat/llm_judge/data/vicuna_bench/question.jsonl: fields question_id, category, turns") in lines
    assert any(line.startswith("[ok] xinstruct_wizardlm: github nlpxucan/WizardLM@6526cfae2497") for line in lines)
    source = SOURCES["xinstruct_vicuna"]
    assert source.repo_file_url() == ("https://raw.githubusercontent.com/lm-sys/FastChat/589532dcfa83700f950b9aa3983416c"
                                      "543afabc0/fastchat/llm_judge/data/vicuna_bench/question.jsonl")
    from xeval.run.runner import RunConfig, plan_tasks

    os.environ["XEVAL_HUB_MIRROR"] = str(hub_mirror)
    try:
        plan = plan_tasks(RunConfig(tasks="xinstruct_vicuna_hi", data_source="hub"), quiet_judges=True)[0]
    finally:
        del os.environ["XEVAL_HUB_MIRROR"]
    assert len(plan.samples) == 80 and plan.samples[79].category == "writing"


def test_mt_bench_reads_its_questions_and_reference_answers_from_the_repositories(hub_mirror: Path) -> None:
    """MT-Bench and KoMT-Bench: two files at one commit each, the reference answers joined by
    question id onto the questions judged against one (math, reasoning, coding)."""
    from xeval.run.runner import RunConfig, plan_tasks

    assert SOURCES["komt_bench"].repo_file_url().startswith(
        "https://raw.githubusercontent.com/LG-AI-EXAONE/KoMT-Bench/56d4f3af437543dce39f08aecfb818abed81210d/")
    os.environ["XEVAL_HUB_MIRROR"] = str(hub_mirror)
    try:
        plans = plan_tasks(RunConfig(tasks="mt-bench", data_source="hub"), quiet_judges=True)
    finally:
        del os.environ["XEVAL_HUB_MIRROR"]
    for plan in plans:
        assert len(plan.samples) == 160, plan.spec.task
        with_reference = {s.category for s in plan.samples if s.metadata["doc"]["reference"]}
        assert with_reference == {"math", "reasoning", "coding"}, plan.spec.task
        first = next(s for s in plan.samples if s.id == "111-t2")
        assert first.conversation is not None and len(first.conversation.user_turns) == 2
        assert first.metadata["temperature"] == 0.0  # math: greedy, as FastChat's temperature_config


def test_data_check_names_an_unreachable_source(tmp_path: Path) -> None:
    proc = _xeval("data", "check", "nsmc_ko_tpl-ko", "--mirror", str(tmp_path / "empty"))
    assert proc.returncode == 1
    line = proc.stdout.splitlines()[0]
    assert line.startswith(f"[FAIL] nsmc: cannot load e9t/nsmc@{PARQUET_REVISION} (default, test) from local mirror")
    assert "--data-source sample" in line


@pytest.mark.slow
def test_run_loads_a_script_dataset_through_its_parquet_conversion(hub_mirror: Path, tmp_path: Path) -> None:
    """The real loader and the embedded model: NSMC from its refs/convert/parquet layout."""
    proc = _xeval("run", "--tasks", "nsmc_ko_tpl-ko", "--output", str(tmp_path), "--run-id", "r",
                  env={"XEVAL_HUB_MIRROR": str(hub_mirror)})
    assert proc.returncode == 0, proc.stderr
    import json

    records = [json.loads(line) for line in (tmp_path / "r" / "samples.jsonl").read_text().splitlines()]
    assert [r["id"] for r in records] == ["0", "1"] or len(records) == 2
    assert all(r["error"] is None and r["scores"]["acc"]["value"] in (0.0, 1.0) for r in records)


def test_a_multi_if_row_with_two_turns_ends_at_its_none_prompt() -> None:
    """Multi-IF's metrics.py skips a turn whose prompt is empty or the text "None" (rows with two turns)."""
    import json

    from xeval.tasks.sources import _multi_if

    turn = {"turn_1_prompt": json.dumps({"role": "user", "content": "Write a poem."}),
            "turn_1_instruction_id_list": json.dumps(["punctuation:no_comma"]), "turn_1_kwargs": json.dumps(["{}"]),
            "turn_2_prompt": json.dumps({"role": "user", "content": "Now shorter."}),
            "turn_2_instruction_id_list": json.dumps(["punctuation:no_comma"]), "turn_2_kwargs": json.dumps(["{}"]),
            "turn_3_prompt": "None", "turn_3_instruction_id_list": "None", "turn_3_kwargs": "None"}
    row = _multi_if({"key": "7:1:en", "language": "English", **turn})
    assert [t["prompt"] for t in row["turns"]] == ["Write a poem.", "Now shorter."]
