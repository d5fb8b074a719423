"""Verifiable instructions (IFEval and its multilingual successors): a checker per instruction
id (:mod:`.registry`), IFEval's own (:mod:`.ifeval`), language-specific ones beside them, and
IFEval's four metrics as scorers (:mod:`.scorer`)."""

from xeval.scoring.instructions import es, fr, ifeval, ja, ko, multi_if, pmmeval  # noqa: F401 - register on import
from xeval.scoring.instructions.registry import (
    INSTRUCTIONS,
    CheckContext,
    InstructionDataError,
    lookup,
    loose_variants,
    verdicts,
)

__all__ = ["INSTRUCTIONS", "CheckContext", "InstructionDataError", "loose_variants", "lookup", "verdicts"]
