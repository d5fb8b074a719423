"""The public face of the lm-evaluation-harness integration (``xeval.integrations.lmeval``):
``metric: !function xeval.lmeval.rouge_l`` and ``process_results: !function
xeval.lmeval.ifeval_results_ko`` in task YAMLs, the lm-eval model ``xeval``, and
``python -m xeval.lmeval`` (``lm_eval`` with that model registered)."""

from __future__ import annotations

import sys

from xeval.integrations.lmeval import (
    XevalLM,
    agg_inst_level_acc,
    ifeval_results_ar,
    ifeval_results_ca,
    ifeval_results_en,
    ifeval_results_es,
    ifeval_results_fr,
    ifeval_results_hi,
    ifeval_results_it,
    ifeval_results_ja,
    ifeval_results_ko,
    ifeval_results_pt,
    ifeval_results_ru,
    ifeval_results_th,
    ifeval_results_vi,
    ifeval_results_zh,
    language_correct,
    load_lm_eval_tasks,
    main,
    rouge_l,
)

__all__ = ["XevalLM", "agg_inst_level_acc", "ifeval_results_ar", "ifeval_results_ca", "ifeval_results_en",
           "ifeval_results_es", "ifeval_results_fr", "ifeval_results_hi", "ifeval_results_it", "ifeval_results_ja",
           "ifeval_results_ko", "ifeval_results_pt", "ifeval_results_ru", "ifeval_results_th", "ifeval_results_vi",
           "ifeval_results_zh", "language_correct", "load_lm_eval_tasks", "main", "rouge_l"]

if __name__ == "__main__":
    sys.exit(main())
