"""The in-memory rating being edited: the one source of truth the form widgets follow."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from rater.instruments.model import Instrument
from rater.instruments.scoring import Response, ScaleScore, missing_required, score_all


class RatingState(QObject):
    """Responses and notes of one rating; emits a signal per changed item."""

    response_changed = Signal(str)  # item id
    note_changed = Signal(str)  # item id
    read_only_changed = Signal(bool)

    def __init__(
        self,
        instrument: Instrument,
        session_number: int | None,
        responses: dict[str, Response] | None = None,
        notes: dict[str, str] | None = None,
        read_only: bool = False,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self.instrument = instrument
        self.session_number = session_number
        self._responses = dict(responses or {})
        self._notes = dict(notes or {})
        self._read_only = read_only

    # --- reading -------------------------------------------------------------
    def response(self, item_id: str) -> Response:
        return self._responses.get(item_id, Response())

    def note(self, item_id: str) -> str:
        return self._notes.get(item_id, "")

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

    def set_read_only(self, read_only: bool) -> None:
        if read_only != self._read_only:
            self._read_only = read_only
            self.read_only_changed.emit(read_only)
