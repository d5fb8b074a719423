"""How far the KORANI study's released Korean ROUGE (``rougeL_korani``) is from xeval's
``rougeL`` on the KORANI release files.

    python bench/korani/rouge_korani_vs_rougeL.py DIR   # DIR/sample_ko/dev.csv, DIR/sample_en/dev.csv

The answers are each row's own reference, perturbed as a model's answer would differ: every
third halved (its first half of words), every fifth with its first and last word swapped, the
rest kept. Prints, per file: rows with a reference, the mean of each metric, the mean absolute
gap, the share of Korean rows whose study ROUGE counts no token at all (only [a-z0-9] survive
its tokenizer), and the study's own corpus figure (rouge-score's BootstrapAggregator ``mid``,
unseeded in their code: shown for five seeds) next to the per-sample mean xeval reports.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path


def perturbed(reference: str, i: int) -> str:
    words = reference.split()
    if i % 3 == 0 and len(words) > 1:
        return " ".join(words[: len(words) // 2])
    if i % 5 == 0 and len(words) > 2:
        return " ".join([words[-1], *words[1:-1], words[0]])
    return reference


def main(folder: Path) -> None:
    import numpy as np
    from rouge_score import scoring
    from xeval.scoring.builtin import rouge_l_auto
    from xeval.scoring.korani import KoraniRougeL

    korani = KoraniRougeL()
    for name, korean in (("sample_ko/dev.csv", True), ("sample_en/dev.csv", False)):
        with (folder / name).open(encoding="utf-8", newline="") as handle:
            rows = [r for r in csv.DictReader(handle) if (r.get("output") or "").strip()]
        study, ours, empty = [], [], 0
        aggregator_scores = []
        for i, row in enumerate(rows):
            reference = row["output"]
            answer = perturbed(reference, i)
            value, pred_string, ref_string = korani.pair(answer, reference, korean)
            study.append(value)
            ours.append(rouge_l_auto(answer, reference))
            from rouge_score import tokenize

            empty += korean and not tokenize.tokenize(ref_string, None)
            aggregator_scores.append(korani._rouge.score(ref_string, pred_string))
        gap = sum(abs(a - b) for a, b in zip(study, ours, strict=True)) / len(rows)
        mids = []
        for seed in range(5):
            np.random.seed(seed)
            aggregator = scoring.BootstrapAggregator()
            for s in aggregator_scores:
                aggregator.add_scores(s)
            mids.append(aggregator.aggregate()["rougeL"].mid.fmeasure)
        print(f"{name}: {len(rows)} rows; rougeL_korani mean {sum(study) / len(rows):.4f}; "
              f"rougeL mean {sum(ours) / len(rows):.4f}; mean |gap| {gap:.4f}; "
              + (f"Korean references with no token counted by the study's ROUGE: {empty} "
                 f"({empty / len(rows):.1%}); " if korean else "")
              + f"study corpus figure (bootstrap mid, seeds 0-4): {', '.join(f'{m:.4f}' for m in mids)}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "."))
