"""Language correctness on messy real answers: accuracy per kind and per language.

Reads bench/data/langid_cases.jsonl (406 answers in 20 languages written for this check, see
bench/langid_cases.py) and scores each with xeval's ``language`` scorer, the run's languages
being all 20 (harder than a Korean-English run, which only weighs ko against en). Prints, per
kind and per language: correct, wrong, undecidable (too short to tell; counted, never right or
wrong), accuracy over decided answers; code-switching false positives on single-language
answers and recall on real switches; and, as the baseline measured in the same run, bare
py3langid restricted to the same languages.

    python bench/langid.py [--show-errors]
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path

from xeval.scoring import ScorerContext, make_scorer
from xeval.types import Message, Prediction, Sample

CASES = Path(__file__).parent / "data" / "langid_cases.jsonl"


def load() -> list[dict]:
    return [json.loads(line) for line in CASES.read_text(encoding="utf-8").splitlines() if line.strip()]


def sample(case: dict, index: int) -> Sample:
    return Sample(id=str(index), task="langid", input_language=case["language"], template_language="en",
                  answer_language=case["language"], output_type="generate_until",
                  messages=(Message(role="user", content="?"),), references=[])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--show-errors", action="store_true")
    args = parser.parse_args()
    cases = load()
    languages = frozenset(c["language"] for c in cases)
    scorer = make_scorer("language", ScorerContext(languages=languages))
    samples = [sample(c, i) for i, c in enumerate(cases)]
    started = time.perf_counter()
    scores = scorer.score(samples, [Prediction(text=c["text"]) for c in cases])
    elapsed = time.perf_counter() - started

    from py3langid import langid

    loader = getattr(langid.LanguageIdentifier, "from_model_file", None) or langid.LanguageIdentifier.from_pickled_model
    bare = loader(langid.MODEL_FILE, norm_probs=True)
    bare.set_languages(sorted(languages))
    baseline_started = time.perf_counter()
    baseline = [bare.classify(c["text"])[0] for c in cases]
    baseline_elapsed = time.perf_counter() - baseline_started

    by_kind: dict[str, list[str]] = defaultdict(list)
    by_language: dict[str, list[str]] = defaultdict(list)
    base_kind: dict[str, list[bool]] = defaultdict(list)
    fp = fn = n_single = n_switch = 0
    errors = []
    for case, score, guess in zip(cases, scores, baseline, strict=True):
        if case["switch"]:  # the language of a switched answer is not one language
            pass
        if score.value is None:
            outcome = "undecidable" if (score.error or "").startswith("undecidable") else "no_text"
        else:
            outcome = "correct" if score.value == 1.0 else "wrong"
        by_kind[case["kind"]].append(outcome)
        if not case["switch"]:
            by_language[case["language"]].append(outcome)
        base_kind[case["kind"]].append(guess == case["language"])
        switched = bool(score.extra.get("code_switching")) if score.value is not None else False
        if case["switch"]:
            n_switch += 1
            fn += not switched
        else:
            n_single += 1
            fp += switched
        if outcome != "correct" or switched != case["switch"]:
            errors.append((case["kind"], case["language"], outcome, switched, score.details.get("detected"),
                           score.error, case["text"][:70].replace("\n", " | ")))

    def row(name: str, outcomes: list[str], base: list[bool] | None = None) -> str:
        correct, wrong = outcomes.count("correct"), outcomes.count("wrong")
        undecidable, no_text = outcomes.count("undecidable"), outcomes.count("no_text")
        decided = correct + wrong
        acc = f"{correct / decided:.3f}" if decided else "-"
        base_acc = f"{sum(base) / len(base):.3f}" if base else ""
        return f"| {name} | {len(outcomes)} | {correct} | {wrong} | {undecidable} | {no_text} | {acc} | {base_acc} |"

    print(f"{len(cases)} answers, {len(languages)} languages; scorer {elapsed * 1000:.0f} ms "
          f"({len(cases) / elapsed:.0f}/s), bare py3langid {baseline_elapsed * 1000:.0f} ms\n")
    header = "| {} | n | correct | wrong | undecidable | no text | accuracy (decided) | bare py3langid |"
    print(header.format("kind"))
    print("|---|---|---|---|---|---|---|---|")
    for kind in sorted(by_kind):
        print(row(kind, by_kind[kind], base_kind[kind]))
    single = [k for k in by_kind if k != "code_switching"]  # switched answers have no one language
    everything = [o for k in single for o in by_kind[k]]
    print(row("**all single-language**", everything, [b for k in single for b in base_kind[k]]))
    print()
    print(header.format("language").replace(" bare py3langid |", ""))
    print("|---|---|---|---|---|---|---|")
    for language in sorted(by_language):
        print(row(language, by_language[language])[:-4])
    print(f"\ncode-switching: false positives {fp}/{n_single} single-language answers ({fp / n_single:.1%}); "
          f"real switches caught {n_switch - fn}/{n_switch}")
    # A typical run weighs one target language against English only: score each answer so.
    pair_outcomes: list[str] = []
    for i, case in enumerate(cases):
        if case["switch"]:
            continue
        pair = make_scorer("language", ScorerContext(languages=frozenset({case["language"], "en"})))
        score = pair.score([samples[i]], [Prediction(text=case["text"])])[0]
        pair_outcomes.append("undecidable" if (score.error or "").startswith("undecidable") else
                             "no_text" if score.value is None else "correct" if score.value == 1.0 else "wrong")
    print("\nrun languages = {answer language, en} (a typical cross-lingual run):")
    print(header.format("setting").replace(" bare py3langid |", ""))
    print("|---|---|---|---|---|---|---|")
    print(row("all single-language", pair_outcomes)[:-4])
    if args.show_errors:
        print("\nnot correct or switch mislabelled:")
        for error in errors:
            print("  ", error)


if __name__ == "__main__":
    main()
