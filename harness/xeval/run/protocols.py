"""Study presets: ``--protocol NAME`` sets a published study's decoding and adds its metrics
beside xeval's, so its numbers are computed the way the authors' code computed them.

``korani`` (CHLee0801/KORANI-Instruction-Tuning, ``run.py`` and ``third_party/trainers/utils.py``):
greedy decoding (num_beams 1, no sampling), up to 256 new tokens (``max_output_length``);
multiple choice answered by generation from the task's own prompt and right when the reply,
stripped, equals the gold choice (``--mc-mode exact``); ``rougeL_korani`` and
``accuracy_korani`` on every task scored against labels (ROUGE, exact match, multiple choice),
beside ``rougeL`` and ``acc``.
Flags given on the command line win over the preset; run.json records both.
"""

from __future__ import annotations

from dataclasses import dataclass

from xeval.errors import XevalError
from xeval.tasks.taskspec import TaskSpec


@dataclass(frozen=True)
class Protocol:
    name: str
    mc_mode: str
    temperature: float
    max_tokens: int
    about: str

    def scorers(self, spec: TaskSpec) -> list[str]:
        """The study's metrics this task gets beside its own."""
        if self.name == "korani":
            if spec.output_type == "generate_until":  # tasks scored against references (ROUGE, exact match)
                own = {name.split(",")[0] for name in spec.scorer_names}
                return ["rougeL_korani", "accuracy_korani"] if own & {"rougeL", "rouge_l", "exact_match", "em"} else []
            if spec.output_type == "multiple_choice":
                return ["accuracy_korani"]
        return []


PROTOCOLS = {
    "korani": Protocol("korani", mc_mode="exact", temperature=0.0, max_tokens=256,
                       about="KORANI study: greedy, 256 new tokens, multiple choice by generation and exact "
                             "match, rougeL_korani and accuracy_korani beside xeval's metrics"),
}


def resolve_protocol(name: str | None) -> Protocol | None:
    if name is None:
        return None
    protocol = PROTOCOLS.get(name)
    if protocol is None:
        raise XevalError(f"--protocol {name!r}: unknown (known: {', '.join(sorted(PROTOCOLS))})")
    return protocol
