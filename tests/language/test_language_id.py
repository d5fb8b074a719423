"""Language correctness on a labelled set of short texts in 14 languages."""

from __future__ import annotations

import json
from pathlib import Path

from xeval.language.identify import LanguageIdentifier

LABELLED = Path(__file__).parent / "cases" / "langid_labelled.jsonl"


def test_language_id_accuracy_at_least_95_percent() -> None:
    rows = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines()]
    languages = {r["language"] for r in rows}
    assert len(rows) >= 150 and len(languages) >= 10
    identifier = LanguageIdentifier(languages)
    wrong = [(r["language"], identifier.detect(r["text"]).language, r["text"]) for r in rows
             if identifier.detect(r["text"]).language != r["language"]]
    accuracy = 1 - len(wrong) / len(rows)
    print(f"language ID accuracy {accuracy:.3f} on {len(rows)} texts; errors: {wrong}")
    assert accuracy >= 0.95, wrong


def test_hangul_share_decides_korean_without_the_model() -> None:
    identifier = LanguageIdentifier({"ko", "en"})
    detection = identifier.detect("LLM 평가 harness를 만들었습니다")
    assert detection.language == "ko" and detection.script == "Hangul"
    assert identifier._model is None  # script alone decided: no model was loaded


# ---------------------------------------------------------------------------------------
# Messy real answers (bench/data/langid_cases.jsonl: 406 answers in 20 languages, the hard
# kinds over-represented; bench/langid.py prints the per-kind figures)
# ---------------------------------------------------------------------------------------

HARD = Path(__file__).resolve().parents[2] / "bench" / "data" / "langid_cases.jsonl"


def _score_all(candidates: frozenset[str] | None = None):  # type: ignore[no-untyped-def]
    from xeval.scoring import ScorerContext, make_scorer
    from xeval.types import Message, Prediction, Sample

    rows = [json.loads(line) for line in HARD.read_text(encoding="utf-8").splitlines()]
    languages = candidates or frozenset(r["language"] for r in rows)
    scorer = make_scorer("language", ScorerContext(languages=languages))
    samples = [Sample(id=str(i), task="t", input_language=r["language"], template_language="en",
                      answer_language=r["language"], output_type="generate_until",
                      messages=(Message(role="user", content="?"),)) for i, r in enumerate(rows)]
    return rows, scorer.score(samples, [Prediction(text=r["text"]) for r in rows])


def test_language_correctness_on_messy_answers() -> None:
    rows, scores = _score_all()
    assert len(rows) >= 400 and len({r["language"] for r in rows}) >= 15
    single = [(r, s) for r, s in zip(rows, scores, strict=True) if not r["switch"]]
    decided = [(r, s) for r, s in single if s.value is not None]
    undecidable = [(r, s) for r, s in single if (s.error or "").startswith("undecidable: ")]
    correct = sum(s.value == 1.0 for _, s in decided)
    accuracy = correct / len(decided)
    print(f"\ndecided {len(decided)}/{len(single)}, accuracy {accuracy:.3f}, undecidable {len(undecidable)}")
    assert accuracy >= 0.97
    assert len(undecidable) <= 0.10 * len(single)  # 'too short to tell' stays the exception
    assert all(s.details["outcome"] == "undecidable" and "too short or ambiguous" in (s.error or "")
               for _, s in undecidable if s.details["detected"] != "und")
    false_switches = [r["text"] for r, s in decided if s.extra.get("code_switching")]
    assert len(false_switches) <= 0.01 * len(single), false_switches
    switches = [(r, s) for r, s in zip(rows, scores, strict=True) if r["switch"]]
    caught = [r for r, s in switches if s.extra.get("code_switching")]
    assert len(caught) == len(switches), [r["text"] for r, s in switches if not s.extra.get("code_switching")]


def test_hard_kinds_one_by_one() -> None:
    identifier = LanguageIdentifier({"ko", "en", "ja", "zh", "de", "es", "fr", "it", "pt"})
    assert identifier.verdict("大韓民國 헌법 제1조", "ko").outcome == "correct"  # Hanja beside Hangul
    assert identifier.verdict("厚生労働省", "ja").outcome == "correct"  # 働 and 労 are Japanese forms
    assert identifier.verdict("国家发展和改革委员会", "zh").outcome == "correct"  # simplified forms
    assert identifier.verdict("京都府京都市左京区", "ja").outcome == "undecidable"  # written alike in zh
    assert identifier.verdict("京都府京都市左京区", "en").outcome == "wrong"  # not English, whichever it is
    assert identifier.verdict("No.", "en").outcome == "undecidable"  # en, es, it all say 'No.'
    assert LanguageIdentifier({"ko", "en"}).verdict("No.", "en").outcome == "correct"  # only en is Latin here
    assert identifier.verdict("```python\nprint('hi')\n```", "ko").outcome == "und"  # code is no language
    assert identifier.verdict("https://www.naver.com", "ko").outcome == "und"
    assert identifier.verdict("GPU", "ko").outcome == "undecidable"  # a term used in any language
    assert identifier.verdict("Seoul is the capital of Korea.", "ko").outcome == "wrong"
    code = "다음 코드를 실행하세요:\n```python\nfor item in items:\n    print(item.name)\n```\n잘 동작합니다."
    assert identifier.verdict(code, "ko").outcome == "correct"
    assert identifier.switched_languages(code, "ko") == []
    assert identifier.switched_languages("- apples\n- bananas\n- cherries", "en") == []
    switched = "서울은 한국의 수도입니다. The population is about nine million."
    assert identifier.switched_languages(switched, "ko") == ["en"]
    assert identifier.switched_languages("이 식물은 물을 자주 주면 안 됩니다. ありがとうございます。", "ko") == ["ja"]


def test_scripts_that_name_one_language() -> None:
    """Indic and South-East Asian scripts decide their language outright (M-IFEval asks for
    Kannada, Gujarati and Punjabi answers; before, these scripts were not known at all)."""
    identifier = LanguageIdentifier()
    cases = {"ಹೌದು, ಹ್ಯಾಂಬರ್ಗರ್ ಸ್ಯಾಂಡ್ವಿಚ್": "kn", "ਸਾਫਟਵੇਅਰ ਇੰਜੀਨੀਅਰ ਦੀ": "pa", "તમારા પરિવારની પરંપરાઓ": "gu",
             "മലയാളം ഒരു ഭാഷയാണ്": "ml", "සිංහල භාෂාව": "si", "ພາສາລາວ": "lo", "ភាសាខ្មែរ": "km",
             "မြန်မာဘာသာ": "my", "ଓଡ଼ିଆ ଭାଷା": "or", "አማርኛ ቋንቋ": "am"}
    assert {text: identifier.detect(text).language for text in cases} == cases
