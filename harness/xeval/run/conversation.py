"""Multi-turn conversations in the request path: turn t is sent after the model's own replies to
turns 1..t-1 of the same conversation.

Each turn is a sample of its own (key ``task::CONVERSATION-tN::template``), so each turn is
recorded, cached and resumed on its own: the runner answers every conversation's turn 1, then
turn 2 with those replies in the history, and so on; a resumed run reads the replies of the turns
already recorded back from ``samples.jsonl``. A turn whose earlier turn failed fails too, with the
reason. Scorers see the turn they score (its own document: the instructions of that turn).

A recorded reply is the model's text as sent back to it, except where the redaction changed the
record (a URL with credentials in a reply): that line is not what the model said, so a resumed run
asks the conversation's recorded turns again (:func:`turns_to_ask_again`) rather than send the
redacted text as history; a resumed conversation equals an uninterrupted one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from xeval.results.files import REDACTED_FIELD
from xeval.types import Message, Sample

EARLIER_TURN_FAILED = "earlier_turn_failed"  # Sample.metadata: why this turn cannot be asked


class ConversationState:
    """The replies given so far, by (task, conversation id, turn): text, or the failure."""

    def __init__(self) -> None:
        self._replies: dict[tuple[str, str, int], tuple[str | None, str | None]] = {}

    def remember(self, sample: Sample, text: str, error: str | None) -> None:
        assert sample.conversation is not None
        self._replies[(sample.task, sample.conversation.id, sample.conversation.turn)] = (text, error)

    def load_records(self, records: Iterable[dict[str, Any]]) -> None:
        """Replies of turns recorded before (a resumed run)."""
        for record in records:
            place = record.get("conversation")
            if isinstance(place, dict) and isinstance(place.get("id"), str) and isinstance(place.get("turn"), int):
                prediction = record.get("prediction") or {}
                self._replies[(record["task"], place["id"], place["turn"])] = (
                    str(prediction.get("text") or ""), record.get("error"))

    def with_history(self, sample: Sample) -> Sample:
        """The sample with the conversation so far in its messages; a turn whose earlier turn is
        missing or failed is marked, and answered with that reason instead of the model."""
        place = sample.conversation
        if place is None or place.turn == 1:
            return sample
        system = [m for m in sample.messages if m.role == "system"]
        history: list[Message] = []
        for turn in range(1, place.turn):
            reply = self._replies.get((sample.task, place.id, turn))
            if reply is None or reply[1] is not None:
                why = "was not answered" if reply is None else f"failed: {reply[1]}"
                return sample.model_copy(update={"metadata": {**sample.metadata,
                                                              EARLIER_TURN_FAILED: f"turn {turn} {why}"}})
            history += [Message(role="user", content=place.user_turns[turn - 1]),
                        Message(role="assistant", content=reply[0] or "")]
        current = [m for m in sample.messages if m.role != "system"]
        return sample.model_copy(update={"messages": tuple(system + history + current)})


def turn_order(samples: list[Sample]) -> list[list[Sample]]:
    """Samples grouped so that every conversation's earlier turns come in an earlier group: all
    turn-1 samples (and single-turn ones), then all turn-2 samples, ... (order kept inside)."""
    if not any(s.conversation for s in samples):
        return [samples]
    groups: dict[int, list[Sample]] = {}
    for sample in samples:
        groups.setdefault(sample.conversation.turn if sample.conversation else 1, []).append(sample)
    return [groups[turn] for turn in sorted(groups)]


def _place(record: dict[str, Any]) -> tuple[str, str] | None:
    place = record.get("conversation")
    if isinstance(place, dict) and isinstance(place.get("id"), str):
        return (str(record.get("task")), place["id"])
    return None


def turns_to_ask_again(records: Iterable[dict[str, Any]], pending: Iterable[Sample]) -> set[str]:
    """Keys of the recorded turns of every conversation that goes on in this run (a turn still to
    ask) and has a turn whose record the redaction changed: its history must be the model's own
    words, which the record no longer holds."""
    waiting = {(s.task, s.conversation.id) for s in pending if s.conversation is not None}
    if not waiting:
        return set()
    records = list(records)
    redo = {place for r in records if r.get(REDACTED_FIELD) and (place := _place(r)) in waiting}
    return {str(r["key"]) for r in records if _place(r) in redo}
