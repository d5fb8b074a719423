"""IFEval-Ko: the checker set ``ifeval_ko`` (task ``ifeval_ko_reference``) gives the verdicts of
IFEval-Ko's own checker code; the default ``ifeval_ko`` task keeps xeval's Korean counting.

``cases/ifeval_ko.jsonl`` holds Korean, English and mixed responses with the strict and loose
verdicts that IFEval-Ko's ``utils.test_instruction_following_strict``/``_loose`` gave them
(written by ``bench/instructions/reference_ifeval_ko.py reference``; its first line names the
code and commit). xeval's verdicts are ``ifeval_ko_reference``'s (langdetect, seeded, in the
language check, as the reference). A case's ``differs`` maps an instruction id to the reason xeval
deliberately differs there; ``xeval_langid_differs`` where xeval's own language ID (the
``*_xeval_langid`` metrics) decides otherwise than langdetect: there the verdicts must differ.
"""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from xeval.scoring.instructions import ko
from xeval.scoring.instructions.conventions import conventions
from xeval.scoring.instructions.registry import INSTRUCTIONS, CheckContext, lookup, verdicts

ROOT = Path(__file__).resolve().parents[3]
CASES_FILE = Path(__file__).parent / "cases" / "ifeval_ko.jsonl"
_LINES = [json.loads(line) for line in CASES_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
HEADER, CASES = _LINES[0], _LINES[1:]

REFERENCE = CheckContext(language="ko", benchmark=ko.BENCHMARK)
DEFAULT = CheckContext(language="ko")  # the ifeval_ko task: xeval's IFEval checkers counting in Korean


def _verdict(context: CheckContext, instruction_id: str, kwargs: dict[str, Any], response: str) -> tuple[bool, bool]:
    [found] = verdicts([instruction_id], [kwargs], response, context)
    return found["strict"], found["loose"]


def test_header_names_the_reference() -> None:
    assert "allganize/IFEval-Ko 54199e3801116897697babf341865741dcd06fc8" in HEADER["source"]
    assert "0d6154b593ad256cab00807cbbab7ec08c8c5068" in HEADER["source"]
    assert "langdetect seeded 0" in HEADER["source"]


def test_cases_cover_every_instruction_passing_and_failing() -> None:
    seen: dict[str, set[tuple[bool, bool]]] = {}
    for case in CASES:
        for index, instruction_id in enumerate(case["instruction_id_list"]):
            outcome = (case["reference"]["strict"][index], case["reference"]["loose"][index])
            seen.setdefault(instruction_id, set()).add(outcome)
    assert set(seen) == set(ko.IFEVAL_KO_IDS) and len(ko.IFEVAL_KO_IDS) == 21
    for instruction_id, outcomes in seen.items():
        assert {(True, True), (False, False)} <= outcomes, instruction_id
    # passing only loosely needs a line or an asterisk that hides a pass: bracketed and highlighted
    # spans can only be lost by removing them
    loose_only = {i for i, outcomes in seen.items() if (False, True) in outcomes}
    assert set(ko.IFEVAL_KO_IDS) - loose_only == {"detectable_content:number_placeholders",
                                                  "detectable_format:number_highlighted_sections"}


def test_every_id_resolves_to_ifeval_kos_checker() -> None:
    """IFEval-Ko's checkers are IFEval's, reading IFEval-Ko's conventions: NFC on the response (but
    for the language check), eojeol words, its Korean sentence splitter, \\bword\\b forbidden words."""
    reference, default = conventions(ko.BENCHMARK, "ko"), conventions("xeval", "ko")
    for instruction_id in ko.IFEVAL_KO_IDS:
        found = lookup(instruction_id, ko.BENCHMARK)
        assert found is INSTRUCTIONS[instruction_id], instruction_id
        assert found.normalized == (instruction_id not in ko.FALLBACK_IDS), instruction_id
    assert reference.normalized("\u1100\u1161") == "\uac00" and default.normalized("\u1100\u1161") == "\u1100\u1161"
    assert (reference.forbidden, default.forbidden) == ("word", "substring")
    assert reference.words("AI-기반 서비스는 3.5% 성장했다") == 4 != default.words("AI-기반 서비스는 3.5% 성장했다")
    imperative = "따지지 마. 선율이 흐른다. 춤을 춰."  # " 마. " reads as a list marker in IFEval-Ko's splitter
    assert reference.sentences(imperative) == 2 != default.sentences(imperative)
    # ids outside IFEval-Ko's data are xeval's IFEval checkers
    assert lookup("change_case:english_capital", ko.BENCHMARK) is INSTRUCTIONS["change_case:english_capital"]


# --- IFEval-Ko's counting, by hand -----------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("하늘이 맑다. 바람이 분다. 새가 난다.", 3),
    ("하늘이 맑다. 바람이 분다", 2),  # the unterminated tail is a sentence
    ("따지지 마. 선율이 흐른다. 춤을 춰.", 2),  # " 마. " reads as a list marker (가.-사.): no end
    ("가. 첫째입니다. 나. 둘째입니다.", 2),  # list markers
    ("아. 그렇군요.", 2),  # 아 is no list marker
    ("1. 첫날.\n2. 둘째 날.", 4),  # "1." ends a sentence (a line break is a space)
    ("가격은 3.5달러입니다. 끝.", 2),  # decimal point
    ("목록은 가.나.다. 순서입니다.", 1),  # two or three Hangul syllables each with a period
    ("J. 김 교수가 왔다.", 1),  # an initial
    ("음... 그래요.", 2),  # an ellipsis ends one sentence
    ("Dr. Kim은 example.com에 있다.", 1),
    ("정말? 그래! 좋아.", 3),
    ("", 0),
])
def test_ifeval_ko_sentences(text: str, expected: int) -> None:
    assert ko.count_sentences(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("나는 오늘 학교에 갔다.", 4),  # eojeol: the particle stays on its noun
    ("사과 — 배 - 감", 5),  # a dash between spaces is a token
    ("AI-기반 서비스는 3.5% 성장했다", 4),
    ("하나\t둘\n셋\u3000넷", 4),  # any white space separates
    ("   ", 0),
])
def test_ifeval_ko_words_are_eojeol(text: str, expected: int) -> None:
    assert ko.count_words(text) == expected


# --- where the default ifeval_ko (xeval's Korean counting) differs, by hand -------------------------

def test_forbidden_noun_with_particle() -> None:
    # IFEval-Ko: \b사과\b, and 를 is a word character, so 사과를 does not hold the word;
    # xeval's Korean counting: substring, 사과를 holds 사과
    response = "나는 아침마다 사과를 먹는다."
    assert _verdict(REFERENCE, "keywords:forbidden_words", {"forbidden_words": ["사과"]}, response) == (True, True)
    assert _verdict(DEFAULT, "keywords:forbidden_words", {"forbidden_words": ["사과"]}, response) == (False, False)
    # a bare noun is found by both
    bare = "나는 사과 한 개를 먹는다."
    assert _verdict(REFERENCE, "keywords:forbidden_words", {"forbidden_words": ["사과"]}, bare) == (False, False)
    assert _verdict(DEFAULT, "keywords:forbidden_words", {"forbidden_words": ["사과"]}, bare) == (False, False)


def test_word_count_eojeol_against_word_runs() -> None:
    # 28 eojeol and two dashes: 30 white-space tokens (IFEval-Ko), 28 \w+ runs (xeval)
    response = "사과 — 배 - " + " ".join(["감"] * 26)
    kwargs = {"num_words": 30, "relation": "at least"}
    assert _verdict(REFERENCE, "length_constraints:number_words", kwargs, response) == (True, True)
    assert _verdict(DEFAULT, "length_constraints:number_words", kwargs, response) == (False, False)
    # 3.5% and AI-기반 are one eojeol each but two \w+ runs each
    mixed = "AI-기반 서비스는 3.5% 성장했다"
    assert _verdict(REFERENCE, "length_constraints:number_words", {"num_words": 5, "relation": "at least"},
                    mixed) == (False, False)
    assert _verdict(DEFAULT, "length_constraints:number_words", {"num_words": 5, "relation": "at least"},
                    mixed) == (True, True)


def test_imperative_ending_read_as_list_marker() -> None:
    response = "사랑의 비율은 따지지 마. 선율이 창문을 두드린다. 오늘 밤도 춤을 춰."
    kwargs = {"num_sentences": 3, "relation": "at least"}
    assert _verdict(REFERENCE, "length_constraints:number_sentences", kwargs, response) == (False, False)  # 2
    assert _verdict(DEFAULT, "length_constraints:number_sentences", kwargs, response) == (True, True)  # 3


def test_decomposed_hangul_is_normalised() -> None:
    # IFEval-Ko normalises the response (and the keywords) to NFC; xeval's IFEval checkers do not
    response = unicodedata.normalize("NFD", "모두가 평화를 원한다.")
    assert _verdict(REFERENCE, "keywords:existence", {"keywords": ["평화"]}, response) == (True, True)
    assert _verdict(DEFAULT, "keywords:existence", {"keywords": ["평화"]}, response) == (False, False)


def test_process_docs_marks_every_document() -> None:
    docs = [{"key": "1", "prompt": "p"}, {"key": "2", "prompt": "q"}]
    assert ko.process_docs(docs) == [{**d, "benchmark": "ifeval_ko"} for d in docs]
    assert "benchmark" not in docs[0]
    datasets = pytest.importorskip("datasets")  # lm-eval passes a datasets.Dataset
    marked = ko.process_docs(datasets.Dataset.from_list(docs))
    assert list(marked["benchmark"]) == ["ifeval_ko", "ifeval_ko"] and list(marked["key"]) == ["1", "2"]


def test_the_reference_task_selects_ifeval_kos_checkers(tmp_path: Path) -> None:
    """ifeval_ko and ifeval_ko_reference on the project's sample prompts, one response file: the
    30-word prompt passes under IFEval-Ko's eojeol count only."""
    rows = [json.loads(line) for line in (ROOT / "tasks" / "ifeval" / "samples" / "ifeval_ko.jsonl")
            .read_text(encoding="utf-8").splitlines()]
    answers = {"1": "바다는 넓고 푸르다. 파도가 친다.",
               "2": "사과 — 배 - " + " ".join(["감"] * 26),  # 30 tokens, 28 \w+ runs
               "3": "* 운동\n* 수면\n* 물",
               "4": "<<서울>>\n서울은 큰 도시입니다.",
               "5": "A rainbow is an arc of colours in the sky."}
    responses = tmp_path / "responses.jsonl"
    responses.write_text("".join(json.dumps({"prompt": r["prompt"], "response": answers[r["key"]]}, ensure_ascii=False)
                                 + "\n" for r in rows), encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "xeval", "run", "--model", f"responses:{responses}", "--tasks",
                          "ifeval_ko,ifeval_ko_reference", "--data-source", "sample", "--output", str(tmp_path / "out"),
                          "--run-id", "r", "--no-cache"], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    records = [json.loads(line) for line in (tmp_path / "out" / "r" / "samples.jsonl").read_text(encoding="utf-8")
               .splitlines()]
    strict = {(r["task"], r["id"]): r["scores"]["prompt_level_strict_acc"]["value"] for r in records}
    assert {k: v for k, v in strict.items() if k[0] == "ifeval_ko"} == {
        ("ifeval_ko", "1"): 1.0, ("ifeval_ko", "2"): 0.0, ("ifeval_ko", "3"): 1.0, ("ifeval_ko", "4"): 1.0,
        ("ifeval_ko", "5"): 1.0}
    assert {k: v for k, v in strict.items() if k[0] == "ifeval_ko_reference"} == {
        ("ifeval_ko_reference", str(i)): 1.0 for i in range(1, 6)}
