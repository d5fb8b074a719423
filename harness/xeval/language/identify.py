"""Language identification: Unicode script shares first, a language-ID model for the rest.

Only language material counts: code blocks, inline code, URLs, e-mail addresses, HTML tags,
markdown markup and numbers with their units are removed first (:func:`language_material`).
Script decides wherever it is unambiguous (Hangul -> ko, kana -> ja, Thai -> th, ...); Hangul
beside ideographs is Korean with Hanja, kana beside them Japanese. Ideograph-only text is told
apart by the character forms only one of Chinese and Japanese uses; Latin-script text, and
scripts shared by several candidate languages, go to py3langid restricted to the candidate
languages (the run's languages plus English).

A text too short or too ambiguous to decide among the candidates (``OK``, ``Ja.``, a
kanji-only place name that both Chinese and Japanese write alike) is *undecidable*:
:meth:`LanguageIdentifier.verdict` says so instead of guessing, and the scorer counts it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from xeval.language.scripts import (
    HAN_LANGUAGES,
    JAPANESE_ONLY_HAN,
    NON_LATIN,
    SCRIPT_LANGUAGE,
    SCRIPT_WEIGHT,
    SHARED_SCRIPT_LANGUAGES,
    SIMPLIFIED_ONLY_HAN,
    TRADITIONAL_ONLY_HAN,
    script_counts,
    script_of,
)

UNDETERMINED = "und"

_FENCE = re.compile(r"```.*?(?:```|$)|~~~.*?(?:~~~|$)", re.S)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_URL = re.compile(r"\b(?:https?://|ftp://|www\.)\S+", re.I)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_HTML = re.compile(r"</?[A-Za-z][^>]*>")
_UNITS = (r"km/h|mph|km|cm|mm|nm|m|kg|mg|g|lb|lbs|oz|ml|l|L|GB|MB|KB|TB|Go|Mo|GiB|MiB|GHz|MHz|Hz|kW|kWh|W|V|mAh|"
          r"°C|°F|ms|min|h|s|px|pt|M|Mio|k|K|USD|EUR|KRW|JPY|%")
_NUMBER = re.compile(rf"[$€£¥₩]?\s?\d[\d.,:/-]*\s?(?:{_UNITS})?(?![A-Za-z])")
_VERSION = re.compile(r"\bv?\d+(?:\.\d+){1,3}\b")
_FILE = re.compile(r"\b[\w-]+\.(?:py|js|ts|json|yaml|yml|toml|txt|csv|md|html|sh|cfg|ini|gguf|ipynb)\b")
_MARKUP = re.compile(r"^\s{0,3}(?:#{1,6}\s|>\s?|[-*+]\s|\d+[.)]\s)|\*\*|__|(?<!\w)[*_~]|\|", re.M)
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$", re.M)
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+|(?<=[。！？])")


def language_material(text: str) -> str:
    """``text`` without what is no evidence of a language: code blocks and inline code, URLs,
    e-mail addresses, HTML tags, file names, versions, numbers with their units, markdown markup."""
    for pattern in (_FENCE, _INLINE_CODE, _URL, _EMAIL, _HTML, _FILE, _VERSION, _TABLE_RULE, _NUMBER):
        text = pattern.sub(" ", text)
    return _MARKUP.sub(" ", text)


@dataclass(frozen=True)
class Detection:
    language: str
    script: str | None
    confidence: float
    # False: too short or ambiguous to tell among ``plausible`` (then ``language`` is a best guess)
    decidable: bool = True
    plausible: tuple[str, ...] = ()


@dataclass(frozen=True)
class Verdict:
    """Is a text in the expected language? ``outcome`` is correct, wrong, undecidable (too short
    or ambiguous: counted, never right or wrong) or und (no language material at all)."""

    outcome: str
    detected: str
    confidence: float
    reason: str = ""


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
        """The language of ``text``'s language material (see :func:`language_material`)."""
        return self._detect_material(language_material(text))

    def _detect_material(self, text: str) -> Detection:
        counts = script_counts(text)
        if not counts:
            return Detection(UNDETERMINED, None, 0.0, decidable=False)
        weighted = {s: n * SCRIPT_WEIGHT.get(s, 1.0) for s, n in counts.items()}
        if "Han" in weighted and counts.get("Hangul", 0) >= 1:  # Korean written with Hanja
            weighted["Hangul"] += weighted.pop("Han")
        elif "Han" in weighted and counts.get("Kana", 0) >= 1:  # Japanese: kana beside kanji
            weighted["Kana"] += weighted.pop("Han")
        total = sum(weighted.values())
        script = max(weighted, key=lambda s: weighted[s])
        share = weighted[script] / total
        if script == "Han":
            return self._detect_han(text, share)
        if script != "Latin" and script not in SHARED_SCRIPT_LANGUAGES:
            return Detection(SCRIPT_LANGUAGE[script], script, share)
        options = SHARED_SCRIPT_LANGUAGES.get(script)
        if options is None:  # Latin: every candidate not written in another script
            allowed = tuple(c for c in self.candidates if c not in NON_LATIN)
        else:
            allowed = tuple(c for c in self.candidates if c in options)
        if not allowed:
            return Detection(SCRIPT_LANGUAGE[script], script, share)
        if len(allowed) == 1:
            return Detection(allowed[0], script, share)
        # Only the letters of the dominant script go to the model.
        letters = "".join(ch if script_of(ch) == script or not ch.isalpha() else " " for ch in text)
        ranking = self._langid(allowed).rank(letters)
        top, prob = str(ranking[0][0]), float(ranking[0][1])
        words = re.findall(r"[^\W\d_]+", letters)
        short = len(words) <= 3 or sum(len(w) for w in words) < 16
        if short and prob < 0.995:  # 'OK', 'Ja.', 'No.': a guess, not a decision
            plausible = tuple(str(lang) for lang, p in ranking if float(p) >= 0.02 * prob)
            return Detection(top, script, prob * share, decidable=False, plausible=plausible)
        return Detection(top, script, prob * share)

    def _detect_han(self, text: str, share: float) -> Detection:
        """Ideographs without kana or Hangul: Chinese, Japanese or Korean Hanja, told apart by
        the character forms only one of them uses; undecidable where none appears."""
        chars = {ch for ch in text if script_of(ch) == "Han"}
        candidates = tuple(c for c in HAN_LANGUAGES if c in self.candidates) or ("zh",)
        japanese, simplified = bool(chars & JAPANESE_ONLY_HAN), bool(chars & SIMPLIFIED_ONLY_HAN)
        if japanese and not simplified and "ja" in candidates:
            return Detection("ja", "Han", share)
        if simplified and not japanese and "zh" in candidates:
            return Detection("zh", "Han", share)
        plausible = candidates
        if chars & TRADITIONAL_ONLY_HAN and not (japanese or simplified):
            plausible = tuple(c for c in candidates if c in ("zh", "ko")) or candidates
        if len(plausible) == 1:
            return Detection(plausible[0], "Han", share)
        return Detection(plausible[0], "Han", share, decidable=False, plausible=plausible)

    def verdict(self, text: str, expected: str) -> Verdict:
        """Whether ``text`` is in ``expected``, or why that cannot be decided."""
        material = language_material(text)
        detection = self._detect_material(material)
        if detection.language == UNDETERMINED:
            return Verdict(UNDETERMINED, UNDETERMINED, 0.0, "no language material (letters outside code, URLs, "
                                                            "markup and numbers)")
        if detection.decidable:
            outcome = "correct" if detection.language == expected else "wrong"
            return Verdict(outcome, detection.language, detection.confidence)
        if detection.language == expected:
            return Verdict("correct", detection.language, detection.confidence)
        if expected in detection.plausible:
            shown = ", ".join(detection.plausible[:6])
            return Verdict("undecidable", detection.language, detection.confidence,
                           f"{material.strip()[:40]!r} is too short or ambiguous to tell apart {shown}")
        if detection.script == "Latin" and expected in NON_LATIN and _looks_like_a_name(material):
            return Verdict("undecidable", detection.language, detection.confidence,
                           f"{material.strip()[:40]!r} looks like a name or term, used in any language")
        return Verdict("wrong", detection.language, detection.confidence)

    def segments(self, text: str) -> list[tuple[str, Detection]]:
        """Sentences of the language material (lines split at sentence ends) long enough to
        count, with their detection: what a code-switch is looked for in."""
        out = []
        for line in language_material(text).splitlines():
            for segment in _SENTENCE_END.split(line):
                counts = script_counts(segment)
                latin = counts.get("Latin", 0)
                other = sum(n for s, n in counts.items() if s != "Latin")
                words = len(re.findall(r"[A-Za-z\u00C0-\u024F]{2,}", segment))
                if other >= 4 or (latin >= 15 and words >= 3):
                    out.append((segment.strip(), self._detect_material(segment)))
        return out

    def detect_lines(self, text: str, min_letters: int = 4) -> list[tuple[str, str]]:
        """(sentence, language) for the decidable sentences of ``text``'s language material."""
        return [(segment, d.language) for segment, d in self.segments(text) if d.decidable]

    def switched_languages(self, text: str, expected: str) -> list[str]:
        """Languages other than ``expected`` that whole sentences of ``text`` are in: decided ones,
        and undecided ones that cannot be ``expected`` (a Chinese-or-Japanese sentence in an
        English answer is a switch whichever of the two it is)."""
        found = set()
        for _, d in self.segments(text):
            if d.decidable and d.language != expected:
                found.add(d.language)
            elif not d.decidable and expected not in d.plausible:
                found.add("/".join(d.plausible))
        return sorted(found)


def _looks_like_a_name(text: str) -> bool:
    """One or two words that are capitalised, upper case or carry digits: 'GPU', 'PyTorch'."""
    words = text.split()
    return 0 < len(words) <= 2 and all(w[:1].isupper() or any(c.isdigit() for c in w) for w in words)

