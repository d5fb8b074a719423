"""Scorer throughput on 10,000 answers (Korean, English, mixed), samples/s, with reference
implementations measured in the same run: rouge-score for ROUGE-L (English, where its
tokenizer works) and bare py3langid for language ID.

    python bench/scorers.py [--n 10000]
"""

from __future__ import annotations

import argparse
import random
import time

from xeval.scoring import ScorerContext, make_scorer
from xeval.types import Prediction, Sample

KO = ["서울은 대한민국의 수도이며 가장 큰 도시입니다.", "김치는 배추를 소금에 절여 만든 전통 음식입니다.",
      "오늘은 비가 와서 집에서 책을 읽었어요.", "GPU 메모리가 부족하면 batch size를 줄이세요."]
EN = ["Seoul is the capital and largest city of South Korea.", "Kimchi is a traditional dish of salted cabbage.",
      "It rained today, so I stayed home and read a book.", "Reduce the batch size if the GPU runs out of memory."]


def data(n: int) -> tuple[list[Sample], list[Prediction]]:
    rng = random.Random(0)
    samples, predictions = [], []
    for i in range(n):
        pool, lang = (KO, "ko") if i % 2 == 0 else (EN, "en")
        reference = rng.choice(pool)
        answer = " ".join(rng.sample(reference.split(), k=max(1, len(reference.split()) - 2)))
        samples.append(Sample(id=str(i), task="bench", input_language=lang, template_language=lang,
                              answer_language=lang, output_type="generate_until", messages=(), references=[reference]))
        predictions.append(Prediction(text=answer))
    return samples, predictions


def rate(fn, n: int) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10000)
    args = parser.parse_args()
    samples, predictions = data(args.n)
    context = ScorerContext(languages=frozenset({"ko", "en"}))
    print(f"{args.n} answers, half Korean, half English")
    print("| scorer | samples/s | reference | reference samples/s | ratio |")
    print("|---|---|---|---|---|")
    english = [(s, p) for s, p in zip(samples, predictions, strict=True) if s.input_language == "en"]
    from rouge_score import rouge_scorer

    reference_rouge = rouge_scorer.RougeScorer(["rougeL"])
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    loader = getattr(LanguageIdentifier, "from_model_file", None) or LanguageIdentifier.from_pickled_model
    bare = loader(MODEL_FILE, norm_probs=True)
    bare.set_languages(["ko", "en"])
    references = {
        "rougeL": ("rouge-score (English half)", lambda: [reference_rouge.score(s.references[0], p.text)
                                                         for s, p in english], len(english)),
        "language": ("py3langid classify", lambda: [bare.classify(p.text) for p in predictions], args.n),
    }
    for name in ["language", "exact_match", "rougeL", "chrf"]:
        scorer = make_scorer(name, context)
        ours = rate(lambda: scorer.score(samples, predictions), args.n)  # noqa: B023
        if name in references:
            label, fn, n = references[name]
            theirs = rate(fn, n)
            print(f"| {name} | {ours:,.0f} | {label} | {theirs:,.0f} | {ours / theirs:.2f}x |")
        else:
            print(f"| {name} | {ours:,.0f} | | | |")


if __name__ == "__main__":
    main()
