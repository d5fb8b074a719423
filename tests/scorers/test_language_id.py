"""Language correctness on a labelled set of short texts in 14 languages."""

from __future__ import annotations

import json
from pathlib import Path

from xeval.langid import LanguageIdentifier

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
