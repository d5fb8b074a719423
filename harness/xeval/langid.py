"""Language identification: Unicode script shares first, a language-ID model for the rest.

Script decides wherever it is unambiguous (Hangul -> ko, kana -> ja, Thai -> th, ...).
Latin-script text, and scripts shared by several candidate languages, go to py3langid
restricted to the candidate languages (the run's languages plus English).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

UNDETERMINED = "und"

# (script, first code point, last code point)
_RANGES: list[tuple[str, int, int]] = [
    ("Latin", 0x41, 0x5A), ("Latin", 0x61, 0x7A), ("Latin", 0xC0, 0x24F),
    ("Latin", 0x1E00, 0x1EFF),
    ("Greek", 0x370, 0x3FF), ("Cyrillic", 0x400, 0x52F), ("Armenian", 0x530, 0x58F),
    ("Hebrew", 0x590, 0x5FF), ("Arabic", 0x600, 0x6FF), ("Arabic", 0x750, 0x77F),
    ("Devanagari", 0x900, 0x97F), ("Bengali", 0x980, 0x9FF), ("Tamil", 0xB80, 0xBFF),
    ("Telugu", 0xC00, 0xC7F), ("Thai", 0xE00, 0xE7F), ("Georgian", 0x10A0, 0x10FF),
    ("Hangul", 0x1100, 0x11FF), ("Hangul", 0x3130, 0x318F), ("Hangul", 0xAC00, 0xD7A3),
    ("Kana", 0x3040, 0x30FF), ("Kana", 0xFF66, 0xFF9D),
    ("Han", 0x3400, 0x4DBF), ("Han", 0x4E00, 0x9FFF), ("Han", 0xF900, 0xFAFF),
]
# One Hangul syllable or ideograph carries about as much as a few Latin letters.
_WEIGHT = {"Hangul": 2.5, "Han": 3.0, "Kana": 2.0}
# Scripts that name one language outright, and the default language of shared scripts.
SCRIPT_LANGUAGE = {
    "Hangul": "ko", "Kana": "ja", "Han": "zh", "Thai": "th", "Greek": "el",
    "Hebrew": "he", "Armenian": "hy", "Georgian": "ka", "Bengali": "bn", "Tamil": "ta",
    "Telugu": "te", "Cyrillic": "ru", "Arabic": "ar", "Devanagari": "hi", "Latin": "en",
}
SHARED_SCRIPT_LANGUAGES = {
    "Cyrillic": {"ru", "uk", "bg", "sr", "mk", "be", "kk", "mn", "ky"},
    "Arabic": {"ar", "fa", "ur", "ps", "ug"},
    "Devanagari": {"hi", "mr", "ne"},
}


def script_of(ch: str) -> str | None:
    code = ord(ch)
    if code < 0x41:
        return None
    for script, low, high in _RANGES:
        if low <= code <= high:
            return script
    return None


def script_counts(text: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for ch in text:
        script = script_of(ch)
        if script is not None:
            counts[script] += 1
    return counts


@dataclass(frozen=True)
class Detection:
    language: str
    script: str | None
    confidence: float


class LanguageIdentifier:
    """Detects the language of a text among ``candidates`` (ISO 639-1 codes)."""

    def __init__(self, candidates: Iterable[str] = ()) -> None:
        self.candidates = sorted({c for c in candidates if c} | {"en"})
        self._models: dict[tuple[str, ...], Any] = {}
        self._lock = threading.Lock()

    @property
    def _model(self) -> Any:
        """The first loaded language-ID model, or None while script alone has decided."""
        return next(iter(self._models.values()), None)

    def _langid(self, allowed: tuple[str, ...]) -> Any:
        """py3langid restricted to ``allowed`` (loaded once per set of languages)."""
        with self._lock:
            model = self._models.get(allowed)
            if model is None:
                from py3langid import langid

                loader = getattr(langid.LanguageIdentifier, "from_model_file", None) or \
                    langid.LanguageIdentifier.from_pickled_model
                model = loader(langid.MODEL_FILE, norm_probs=True)
                known = set(model.nb_classes)
                usable = [c for c in allowed if c in known]
                if usable:
                    model.set_languages(usable)
                self._models[allowed] = model
            return model

    def detect(self, text: str) -> Detection:
        counts = script_counts(text)
        if not counts:
            return Detection(UNDETERMINED, None, 0.0)
        weighted = {s: n * _WEIGHT.get(s, 1.0) for s, n in counts.items()}
        total = sum(weighted.values())
        # Japanese mixes kana with ideographs: any real share of kana means Japanese.
        if counts.get("Kana", 0) and weighted["Kana"] >= 0.1 * total and "Han" in counts:
            script = "Kana"
        else:
            script = max(weighted, key=lambda s: weighted[s])
        share = weighted[script] / total
        if script != "Latin" and script not in SHARED_SCRIPT_LANGUAGES:
            return Detection(SCRIPT_LANGUAGE[script], script, share)
        options = SHARED_SCRIPT_LANGUAGES.get(script)
        if options is None:  # Latin: every candidate not written in another script
            allowed = tuple(c for c in self.candidates if c not in _NON_LATIN)
        else:
            allowed = tuple(c for c in self.candidates if c in options)
        if not allowed:
            return Detection(SCRIPT_LANGUAGE[script], script, share)
        if len(allowed) == 1:
            return Detection(allowed[0], script, share)
        # Only the letters of the dominant script go to the model.
        letters = "".join(ch if script_of(ch) == script or not ch.isalpha() else " "
                          for ch in text)
        lang, prob = self._langid(allowed).classify(letters)
        return Detection(str(lang), script, float(prob) * share)

    def detect_lines(self, text: str, min_letters: int = 4) -> list[tuple[str, str]]:
        """(line, language) for each line with at least ``min_letters`` letters."""
        out = []
        for line in text.splitlines():
            if sum(script_counts(line).values()) >= min_letters:
                out.append((line, self.detect(line).language))
        return out


_NON_LATIN = {
    lang for script, lang in SCRIPT_LANGUAGE.items() if script != "Latin"
} | set().union(*SHARED_SCRIPT_LANGUAGES.values())
