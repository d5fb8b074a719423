"""What xeval knows about languages, below tasks, scoring and results: scripts and language
identification (:mod:`.identify`, :mod:`.scripts`), codes and names (:mod:`.names`), word,
character and sentence counting per language and convention (:mod:`.counting`), normalisation
and word or morpheme tokens (:mod:`.tokens`). Nothing here knows tasks, models, scorers or runs."""

from xeval.language.counting import (
    WORD_CONVENTIONS,
    count_characters,
    count_sentences,
    count_words,
    korean_units,
    split_sentences,
    words,
)
from xeval.language.identify import UNDETERMINED, Detection, LanguageIdentifier, Verdict, language_material
from xeval.language.names import LANGUAGE_NAMES, language_name, native_name
from xeval.language.scripts import has_hangul, script_counts, script_of

__all__ = [
    "LANGUAGE_NAMES", "UNDETERMINED", "WORD_CONVENTIONS", "Detection", "LanguageIdentifier", "Verdict",
    "count_characters", "count_sentences", "count_words", "has_hangul", "korean_units", "language_material",
    "language_name", "native_name", "script_counts", "script_of", "split_sentences", "words",
]
