"""The public face of the lm-evaluation-harness integration (``xeval.integrations.lmeval``):
``metric: !function xeval.lmeval.rouge_l`` in task YAMLs, the lm-eval model ``xeval``, and
``python -m xeval.lmeval`` (``lm_eval`` with that model registered)."""

from __future__ import annotations

import sys

from xeval.integrations.lmeval import XevalLM, language_correct, load_lm_eval_tasks, main, rouge_l

__all__ = ["XevalLM", "language_correct", "load_lm_eval_tasks", "main", "rouge_l"]

if __name__ == "__main__":
    sys.exit(main())
