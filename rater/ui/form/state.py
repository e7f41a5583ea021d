"""The in-memory rating being edited: the one source of truth the form widgets follow."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from rater.instruments.model import Instrument
from rater.instruments.scoring import Response, ScaleScore, missing_required, score_all


@dataclass(frozen=True)
class Evidence:
    """A mark tied to an item: where, for (+) or against (-), and what the rater noted."""

    item_id: str
    position_ms: int
    polarity: str
    text: str


class RatingState(QObject):
    """Responses and notes of one rating; emits a signal per changed item."""

    response_changed = Signal(str)  # item id
    note_changed = Signal(str)  # item id
    no_anchor_changed = Signal(str)  # item id
    evidence_changed = Signal()
    read_only_changed = Signal(bool)

    def __init__(
        self,
        instrument: Instrument,
        session_number: int | None,
        responses: dict[str, Response] | None = None,
        notes: dict[str, str] | None = None,
        read_only: bool = False,
        parent: QObject | None = None,
        no_anchor: dict[str, str] | None = None,
    ):
        super().__init__(parent)
        self.instrument = instrument
        self.session_number = session_number
        self._responses = dict(responses or {})
        self._notes = dict(notes or {})
        self._read_only = read_only
        self._no_anchor = dict(no_anchor or {})  # item id → note, where no anchor fits
        self._evidence: dict[str, list[Evidence]] = {}

    # --- reading -------------------------------------------------------------
    def response(self, item_id: str) -> Response:
        return self._responses.get(item_id, Response())

    def note(self, item_id: str) -> str:
        return self._notes.get(item_id, "")

    def no_anchor(self, item_id: str) -> str | None:
        """The note of a ticked "no anchor fits" (possibly ""), None when not ticked."""
        return self._no_anchor.get(item_id)

    def evidence(self, item_id: str) -> list[Evidence]:
        """The marks tied to this item, in time order."""
        return list(self._evidence.get(item_id, ()))

    @property
    def responses(self) -> dict[str, Response]:
        return dict(self._responses)

    @property
    def read_only(self) -> bool:
        return self._read_only

    def applies(self, item_id: str) -> bool:
        return self.instrument.item_applies(item_id, self.session_number)

    def scores(self) -> list[ScaleScore]:
        return score_all(self.instrument, self._responses, self.session_number)

    def missing(self) -> list[str]:
        return missing_required(self.instrument, self._responses, self.session_number)

    # --- changing ------------------------------------------------------------
    def set_response(self, item_id: str, response: Response) -> bool:
        """Store a response; returns False (and emits nothing) if nothing changed."""
        if self.response(item_id) == response:
            return False
        if response.answered:
            self._responses[item_id] = response
        else:
            self._responses.pop(item_id, None)
        self.response_changed.emit(item_id)
        return True

    def set_note(self, item_id: str, text: str) -> bool:
        if self.note(item_id) == text:
            return False
        self._notes[item_id] = text
        self.note_changed.emit(item_id)
        return True

    def set_no_anchor(self, item_id: str, ticked: bool, note: str = "") -> bool:
        """Tick or untick "no anchor fits"; False if nothing changed."""
        new = note.strip() if ticked else None
        if self._no_anchor.get(item_id) == new:
            return False
        if new is None:
            self._no_anchor.pop(item_id, None)
        else:
            self._no_anchor[item_id] = new
        self.no_anchor_changed.emit(item_id)
        return True

    def set_evidence(self, marks: list[Evidence]) -> None:
        """Replace the evidence marks shown on the items."""
        by_item: dict[str, list[Evidence]] = {}
        for mark in sorted(marks, key=lambda e: e.position_ms):
            by_item.setdefault(mark.item_id, []).append(mark)
        if by_item != self._evidence:
            self._evidence = by_item
            self.evidence_changed.emit()

    def set_read_only(self, read_only: bool) -> None:
        if read_only != self._read_only:
            self._read_only = read_only
            self.read_only_changed.emit(read_only)
