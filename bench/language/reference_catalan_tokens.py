"""Reference tokens for xeval's port of spaCy's Catalan tokenizer (``xeval.language.catalan``), from spaCy.

lm-eval 0.4.13's ``ifeval_ca`` counts words with ``ca_core_news_sm`` (``ca_instructions_util``:
``count_words`` / ``tokenize_words`` = the tokens that are not ``is_punct``). That pipeline's tokenizer is
spaCy's rule-based Catalan one (its ``config.cfg`` names ``spacy.Tokenizer.v1``, built from
``spacy/lang/ca``), and ``is_punct`` is a lexical attribute, so ``spacy.blank("ca")`` gives the same
tokens and flags. This runs ``spacy.blank("ca")`` (spaCy 3.7.5) on

- the responses and prompts of the Catalan instruction cases
  (``tests/scoring/instructions/cases/ifeval_ca.jsonl``, when present);
- hand-written texts aimed at the rules (elisions, contractions, enclitics, the middle dot, numbers,
  units, URLs, e-mail addresses, emoji and emoticons, quotes, ellipses, abbreviations, white space);
- texts put together, with a fixed seed, from those rules' pieces and separators,

and writes ``tests/language/cases/catalan_tokens.jsonl``: a header line, then one line a text with
spaCy's ``tokens`` and their ``is_punct`` flags. ``tests/language/test_catalan.py`` asserts that xeval's
port gives exactly those. Run it in a scratch virtual environment (never xeval's)::

    python3.11 -m venv /work/refvenv-esca
    /work/refvenv-esca/bin/pip install spacy==3.7.5
    /work/refvenv-esca/bin/python bench/language/reference_catalan_tokens.py \\
        --cases tests/scoring/instructions/cases/ifeval_ca.jsonl --out tests/language/cases/catalan_tokens.jsonl
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "instructions"))
from casefile import package_versions, read_case_file, write_case_file  # noqa: E402  (bench/instructions)

SEED = 20261207
COMPOSED = 250

HAND_WRITTEN = [
    # elisions (an apostrophe infix: the elided article or preposition keeps its apostrophe)
    "L'home i l'ONU", "d'acord, s'ha fet", "N'hi ha prou.", "m'agrada l'estiu", "t'estimo", "L’home d’ahir",
    "l'1 de maig", "d'11 a 12", "L'«Ateneu»", "qu'ho facis", "l'", "d'", "L'Hospitalet de Llobregat",
    "D'ACORD", "l''home", "aquest'any", "'l", "'ls", "'m", "'n", "'ns", "'s", "'t", "’l", "’n", "'home'",
    # contractions (exceptions split in two)
    "del", "Del", "DEL", "dels", "al", "als", "pel", "pels", "Al matí anem al mercat pel camí dels horts.",
    "La casa del poble.", "als nens i a les nenes", "del 2020", "(del)", "al.", "pel,", "«dels»",
    # enclitics and elided pronouns
    "dir-ho", "fes-ho!", "porta'l", "porta’l", "menja-te-la", "vés-te'n", "anar-hi", "Perquè va anar-hi?",
    "explicar-t'ho", "parlar-te'n", "dona-m'ho", "digues-li", "compra-les", "agafa-los", "aixeca't",
    "dóna'ns", "fer-ne", "posar-s'hi", "mirar-se-la", "canta-la-la", "Vull parlar-te'n demà al matí",
    "Vull explicar-t'ho demà al matí", "emportar-se'n", "dir-hoa", "dir-ho2", "porta'ls", "DIR-HO",
    # the middle dot
    "col·legi", "il·lusió", "Col·lecció", "paral·lel", "l·l", "·", "col.legi", "col•legi", "cel·la.",
    # hyphens and dashes
    "-Hola- va dir", "— Sí", "–No–", "nord-americà", "anti-", "-ho", "mig-dia-", "1-2", "3--4", "x-y-z",
    "La majoria dels clients -tret d’alguna excepció- són turistes.",
    # numbers, units, currency, times
    "10km", "3,5 kg", "10,000", "999.0", "1/2", "25€", "€25", "US$10", "-5", "+34", "3+4", "2^3", "5*6",
    "100%", "50 %", "20°C.", "20 °C", "3pm", "12m.", "10a.m.", "7 p.m.", "11am", "1.234,56", "3a", "2n",
    "1r", "4t", "segle XXI", "núm. 5", "núm 5", "Van córrer aprox. 10km",
    # URLs, e-mail, handles
    "Visita https://www.gencat.cat/ca/inici?x=1.", "www.exemple.cat", "info@exemple.cat", "exemple.cat/pàgina",
    "http://192.168.1.1/", "ftp://a.b.cc", "@usuari", "#etiqueta", "C++ i C#",
    # emoji and emoticons
    "Bon dia 😀!", "👍👍", "🇨🇦 bandera", ":)", ":-)", "xD", "<3", "^_^", "¯\\(ツ)/¯", ":’(", "(╯°□°）╯︵┻━┻",
    # quotes and brackets
    "«Bon dia», va dir.", "“Ah no?”", "\"Anem\", va contestar", "‘cometes’", "(entre parèntesis)", "[1]",
    "{clau}", "<<Títol>>", "`codi`", "Sí! \"Anem\", va contestar el Joan Carles",
    # ellipses and punctuation runs
    "Llavors perqué...", "i...", "…", "Què?!", "Ah!!!", "Fi.", "Fi..", "a.b", "A.B.", "p. ex.", "etc.",
    "i així successivament, etc.", "¿Què?", "¡Visca!", "punt;i coma", "dos:punts", "a,b", "1,2",
    # abbreviations
    "EE. UU.", "EE.UU.", "el Sr. Puig", "la Sra. Vila", "la Srta. Pons", "el Dr. Roca", "la Dra. Mas",
    "St. Jordi", "Sta. Eulàlia", "pl. Catalunya", "pàg. 12", "p.ex. això", "gen. feb. abr. jul. set. oct.",
    "nov. dec.", "aprox.", "à. è. é. í. ò. ó. ú.", "holahola", "Holahola", "a. b. c.", "Av. Diagonal",
    "U.S.A.", "ONU.", "ABC.", "aB.", "Núm.", "Sr.Puig",
    # white space
    "Un  dos", "Un   tres", "Un\ndos", "Un\n\ndos", "Un\tdos", " inici", "final ", "  ", "\n", "\u00a0",
    "a\u00a0b", "Un \n dos", "Línia 1.\nLínia 2.",
    # lists and markdown
    "* primer\n* segon", "- u\n- dos", "1. Primer\n2. Segon", "**negreta** i *cursiva*", "### Títol",
    "SECCIÓ 1\nText", "P.D. Adeu", "P.S. i prou",
    # case
    "L'ONU I LA UNESCO", "TOT EN MAJÚSCULES, OI?", "tot en minúscules", "Barcelona És Gran",
    # Spanish words (the Catalan rules still apply)
    "¿Qué tal? Muy bien, gracias.", "pal", "El Sr.García vive en EE. UU. desde 2010, etc. :)",
    "a las 3 p.m. (aprox.)",
    # longer text
    "Una taula amb grans gerres de begudes i palles de coloraines com a reclam. Una carta cridanera amb "
    "ofertes de tapes, paelles i sangria. Però és la una del migdia d’un dimecres de tardor i no hi ha ningú "
    "assegut a la terrassa del local.",
    "L'Ajuntament de Barcelona ha anunciat que, a partir del 15 de gener, els veïns podran sol·licitar "
    "l'ajut (fins a 1.500 €) a través de www.bcn.cat/ajuts; per a més informació: info@bcn.cat.",
]

# pieces for the composed texts: words, affixes and marks the rules act on
PIECES = [
    "l'", "L'", "d'", "D'", "s'", "n'", "m'", "t'", "qu'", "l’", "d’", "home", "ONU", "aigua", "Europa", "11",
    "del", "dels", "al", "als", "pel", "pels", "de", "el", "la", "les", "a", "i", "o", "per", "que",
    "dir", "fer", "porta", "menja", "anar", "-ho", "-la", "-se", "-hi", "-ne", "-li", "-los", "-te", "-me",
    "-nos", "-vos", "-les", "-lo", "'n", "'l", "'ls", "'m", "'t", "'ns", "-l'", "-m'", "-t'", "-n'",
    "col·legi", "il·lusió", "·", "l·l", "Sr.", "Sra.", "Dr.", "St.", "pàg.", "p.ex.", "aprox.", "núm",
    "etc.", "EE.", "UU.", "10", "3,5", "1.000", "25", "€", "%", "km", "kg", "3pm", "12m.", "°C.", "+", "-",
    "—", "–", "…", "...", ".", ",", ";", ":", "!", "?", "¿", "¡", "«", "»", "\"", "“", "”", "'", "’", "(",
    ")", "[", "]", "*", "#", "@", "/", "😀", "👍", ":)", "<3", "xD", "https://www.gencat.cat/ca", "info@x.cat",
    "És", "ÀLIES", "Còrsega", "Lleida", "Girona", "ny", "ç", "Ç", "ü", "ï", "à", "è", "ò",
]
SEPARATORS = [" ", " ", " ", " ", "", "", "  ", "\n", "\n\n", "\t", " \n"]


def composed(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(1, 14)):
        parts.append(rng.choice(PIECES))
        parts.append(rng.choice(SEPARATORS))
    return "".join(parts[:-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=Path, help="the Catalan instruction case file (responses and prompts)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    import spacy

    texts: list[str] = []
    if args.cases is not None:
        for case in read_case_file(args.cases)[1]:
            texts.extend(t for t in (case.get("response"), case.get("prompt")) if isinstance(t, str))
    texts.extend(HAND_WRITTEN)
    rng = random.Random(SEED)
    texts.extend(composed(rng) for _ in range(COMPOSED))
    unique = list(dict.fromkeys(texts))

    nlp = spacy.blank("ca")
    lines: list[dict] = [{"source": (
        f"spaCy's Catalan tokenizer, spacy.blank('ca') ({package_versions(('spacy',))}), run by "
        "bench/language/reference_catalan_tokens.py: the tokens ca_core_news_sm gives (its config.cfg names "
        "spacy.Tokenizer.v1 over spacy/lang/ca's rules) and each token's is_punct; texts: the Catalan instruction "
        f"cases' responses and prompts, hand-written texts, and {COMPOSED} texts composed with seed {SEED}")}]
    for text in unique:
        doc = nlp(text)
        lines.append({"text": text, "tokens": [t.text for t in doc], "is_punct": [t.is_punct for t in doc]})
    write_case_file(args.out, lines)
    print(f"{len(unique)} texts, {sum(len(line['tokens']) for line in lines[1:])} tokens -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
