"""Catalan tokens as spaCy's ``ca_core_news_sm`` gives them, which lm-eval's ``ifeval_ca`` counts
words with (``ca_instructions_util.count_words`` / ``tokenize_words``: the tokens that are not
``is_punct``).

The pipeline tokenizes with spaCy's rule-based tokenizer over ``spacy/lang/ca``'s rules (its
``config.cfg`` names ``spacy.Tokenizer.v1``); this is that tokenizer (:mod:`.spacy_tokenizer`) with
those rules: the affixes of ``spacy/lang/ca/punctuation.py`` and the exceptions of
``spacy/lang/ca/tokenizer_exceptions.py`` (spaCy 3.7.5, MIT licence, explosion/spaCy). Where Catalan
differs from Spanish (:mod:`.spanish`):

- an elided article, preposition or pronoun is split from its word by an empty infix after the
  apostrophe (``L'home`` -> ``L'`` ``home``; ``L'`` is a word, and all upper case);
- enclitic and elided pronouns are infixes (``dir-ho`` -> ``dir`` ``-ho``, ``porta'l`` -> ``porta`` ``'l``);
- the contractions are exceptions split in two (``del`` -> ``d`` ``el``, ``als`` -> ``a`` ``ls``, ``pels``
  -> ``p`` ``els``);
- a hyphen is a prefix, a suffix and an infix between digits; the middle dot of ``col·legi`` splits
  nothing;
- the abbreviations are Catalan ones (``Sr.``, ``pàg.``, ``p.ex.``...): Spanish ``EE. UU.`` and ``etc.``
  are no exceptions here (``EE`` ``.`` ``UU`` ``.``).

The tokens and ``is_punct`` flags equal ``spacy.blank("ca")``'s on every text of
``tests/language/cases/catalan_tokens.jsonl`` (``bench/language/reference_catalan_tokens.py``).
"""

from __future__ import annotations

import functools

from xeval.language.spacy_tokenizer import (
    ALPHA,
    ALPHA_LOWER,
    ALPHA_UPPER,
    CONCAT_QUOTES,
    CURRENCY,
    LIST_CURRENCY,
    LIST_ELLIPSES,
    LIST_ICONS,
    LIST_PUNCT,
    LIST_QUOTES,
    PUNCT,
    UNITS_BUT_PERCENT,
    URL_PATTERN,
    SpacyTokenizer,
    base_exceptions,
    clock_exceptions,
    is_punct,  # noqa: F401  (spaCy's Token.is_punct, with this language's tokens)
)

# spacy/lang/ca/punctuation.py
ELISION = "'’"
PREFIXES = ["§", "%", "=", "—", "–", "-", r"\+(?![0-9])", *LIST_PUNCT, *LIST_ELLIPSES, *LIST_QUOTES,
            *LIST_CURRENCY, *LIST_ICONS]
INFIXES = [*LIST_ELLIPSES, *LIST_ICONS,
           r"(?<=[0-9])[+\-\*^](?=[0-9-])",
           rf"(?<=[{ALPHA_LOWER}{CONCAT_QUOTES}])\.(?=[{ALPHA_UPPER}{CONCAT_QUOTES}])",
           rf"(?<=[{ALPHA}]),(?=[{ALPHA}])",
           rf"(?<=[{ALPHA}0-9])[:<>=/](?=[{ALPHA}])",
           rf"(?<=[{ALPHA}][{ELISION}])(?=[{ALPHA}0-9])",
           r"('ls|'l|'ns|'t|'m|'n|-les|-la|-lo|-li|-los|-me|-nos|-te|-vos|-se|-hi|-ne|-ho)(?![A-Za-z])"
           r"|(-l'|-m'|-t'|-n')"]
SUFFIXES = [*LIST_PUNCT, *LIST_ELLIPSES, *LIST_QUOTES, *LIST_ICONS, "-", "—", "–",
            r"(?<=[0-9])\+",
            r"(?<=°[FfCcKk])\.",
            rf"(?<=[0-9])(?:{CURRENCY})",
            rf"(?<=[0-9])(?:{UNITS_BUT_PERCENT})",
            r"(?<=[0-9{al}{e}{p}(?:{q})])\.".format(al=ALPHA_LOWER, e=r"%²\-\+", q=CONCAT_QUOTES, p=PUNCT),
            rf"(?<=[{ALPHA_UPPER}][{ALPHA_UPPER}])\."]

# spacy/lang/ca/tokenizer_exceptions.py: the exceptions that stay one token (each with an apostrophe
# also with a typographic one, as spaCy's update_exc adds it), and the contractions split in two
_CATALAN_SINGLE_TOKENS = (
    "aprox.", "pàg.", "p.ex.", "gen.", "feb.", "abr.", "jul.", "set.", "oct.", "nov.", "dec.", "Dr.", "Dra.", "Sr.",
    "Sra.", "Srta.", "núm", "St.", "Sta.", "pl.", "à.", "è.", "é.", "í.", "ò.", "ó.", "ú.",
    "'l", "'ls", "'m", "'n", "'ns", "'s", "'t", "’l", "’ls", "’m", "’n", "’ns", "’s", "’t",
    "holahola",  # sic: spaCy lists it
)
_CONTRACTIONS = {"del": ("d", "el"), "dels": ("d", "els"), "al": ("a", "l"), "als": ("a", "ls"),
                 "pel": ("p", "el"), "pels": ("p", "els")}


def _exceptions() -> dict[str, tuple[str, ...]]:
    """spaCy's Catalan tokenizer exceptions: a string tokenized as given."""
    rules = base_exceptions()
    rules.update((s, (s,)) for s in _CATALAN_SINGLE_TOKENS)
    rules.update(_CONTRACTIONS)
    rules.update(clock_exceptions())
    return rules


@functools.cache
def catalan_tokenizer() -> SpacyTokenizer:
    return SpacyTokenizer(PREFIXES, SUFFIXES, INFIXES, URL_PATTERN, _exceptions())


def spacy_tokens(text: str) -> list[str]:
    """The token texts ``spacy.load("ca_core_news_sm")(text)`` gives (white-space tokens included)."""
    return catalan_tokenizer()(text)


def tokenize_words(text: str) -> list[str]:
    """``ca_instructions_util.tokenize_words``: the tokens that are not all punctuation (white-space
    tokens included)."""
    return catalan_tokenizer().words(text)


def count_words(text: str) -> int:
    """``ca_instructions_util.count_words``."""
    return len(tokenize_words(text))
