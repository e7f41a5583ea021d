"""The controller of one open rating: state, autosave, marks, playback bookkeeping, submit.

It holds no widgets. Every change goes to the in-memory state first (the form
follows it) and then straight to the Workstation through the Autosaver.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

from PySide6.QtCore import QObject, Signal

from rater.instruments.scoring import Response
from rater.storage.database import DatabaseError
from rater.study.errors import StudyError
from rater.study.rating.evidence import parse_evidence
from rater.study.rating.submit_checks import SubmitAnswer, SubmitCheck
from rater.study.rating.views import AssignmentView
from rater.study.rating.workstation import Workstation
from rater.study.rating.write_commands import (
    AddMark,
    DeleteMark,
    SetMarkEvidence,
    SetNoAnchor,
    SetNote,
    SetResponse,
    UpdateMark,
)
from rater.ui.form.state import Evidence, RatingState
from rater.ui.rating.autosave import Autosaver
from rater.ui.rating.marks_panel import MarkEntry
from rater.ui.rating.playback_tracker import PlaybackTracker

log = logging.getLogger(__name__)


class ChangesPending(Exception):
    """Submit refused: some changes have not reached the database yet."""


class RatingSession(QObject):
    marks_changed = Signal()
    submitted = Signal()

    def __init__(self, workstation: Workstation, view: AssignmentView, parent: QObject | None = None):
        super().__init__(parent)
        self.ws = workstation
        self.view = view
        self.state = RatingState(view.instrument, view.session_number, view.responses, view.notes,
                                 view.read_only, parent=self, no_anchor=view.no_anchor)
        self.saver = Autosaver(workstation.writes, parent=self)
        self.marks = [MarkEntry(mk.id, mk.position_ms, mk.text, db_id=mk.id, item_id=mk.item_id,
                                polarity=mk.polarity) for mk in view.marks]
        self.marks_changed.connect(self._show_evidence)
        self._show_evidence()
        self.tracker = PlaybackTracker(view.last_position_ms)
        self.recording_id: str | None = None

    @property
    def _ids(self) -> tuple[str, str]:
        return self.view.assignment_id, self.view.rater_id

    # --- responses and notes --------------------------------------------------
    def set_response(self, item_id: str, value: int | None, is_na: bool = False) -> None:
        response = Response(None if is_na else value, is_na)
        if self.state.read_only or not self.state.set_response(item_id, response):
            return
        self.saver.write(SetResponse(*self._ids, item_id, response.value, is_na))

    def set_note(self, item_id: str, text: str) -> None:
        if self.state.read_only or not self.state.set_note(item_id, text):
            return
        self.saver.write(SetNote(*self._ids, item_id, text))

    # --- marks ----------------------------------------------------------------
    def mark(self, key: str) -> MarkEntry:
        return next(mk for mk in self.marks if mk.key == key)

    def add_mark(self, position_ms: int, text: str) -> MarkEntry:
        """Add a mark; a trailing "+item" / "-item" in the text ties it to that item as evidence."""
        text, item_id, polarity = parse_evidence(text, [it.id for it in self.view.instrument.items])
        # The key doubles as the mark's id, so a replayed write adds the mark only once.
        entry = MarkEntry(str(uuid.uuid4()), max(0, int(position_ms)), text)
        self.marks.append(entry)
        self._write_mark_add(entry)
        if item_id is not None:
            self.set_mark_evidence(entry.key, item_id, polarity)
        self.marks_changed.emit()
        return entry

    def set_mark_evidence(self, key: str, item_id: str | None, polarity: str) -> None:
        """Tie a mark to an item as evidence for (+) or against (-); None unties it."""
        entry = self.mark(key)
        if (entry.item_id, entry.polarity) == (item_id, polarity):
            return
        entry.item_id, entry.polarity = item_id, polarity
        # Queued after the mark's own add (same key = same id), so it never reaches the database first.
        self.saver.write(SetMarkEvidence(*self._ids, entry.db_id or entry.key, item_id, polarity))
        self.marks_changed.emit()

    def _show_evidence(self) -> None:
        self.state.set_evidence([Evidence(mk.item_id, mk.position_ms, mk.polarity, mk.text)
                                 for mk in self.marks if mk.item_id])

    # --- no anchor fits -------------------------------------------------------
    def set_no_anchor(self, item_id: str, ticked: bool, note: str) -> None:
        if self.state.read_only or not self.state.set_no_anchor(item_id, ticked, note):
            return
        self.saver.write(SetNoAnchor(*self._ids, item_id, ticked, note.strip()))

    def _write_mark_add(self, entry: MarkEntry) -> None:
        def saved(mark_view) -> None:
            entry.db_id = mark_view.id
            self.marks_changed.emit()

        self.saver.write(AddMark(*self._ids, entry.key, entry.position_ms, entry.text), saved)

    def update_mark(self, key: str, text: str) -> None:
        entry = self.mark(key)
        if entry.text == text:
            return
        entry.text = text
        if entry.db_id is None:
            self._write_mark_add(entry)  # not in the database yet: the pending add carries the text
        else:
            self.saver.write(UpdateMark(*self._ids, entry.db_id, text))
        self.marks_changed.emit()

    def delete_mark(self, key: str) -> None:
        entry = self.mark(key)
        self.marks.remove(entry)
        self.saver.drop(UpdateMark.key_of(key))
        self.saver.drop(SetMarkEvidence.key_of(key))
        if not self.saver.drop(AddMark.key_of(key)) and entry.db_id is not None:
            self.saver.write(DeleteMark(*self._ids, entry.db_id))
        self.marks_changed.emit()

    # --- playback bookkeeping -------------------------------------------------------
    def save_playback(self, position_ms: int | None = None) -> bool:
        """Write position, time spent and played stretches; kept for next time on failure."""
        if position_ms is not None:
            self.tracker.position_ms = position_ms
        delta = self.tracker.take()
        try:
            self.ws.save_playback(*self._ids, delta.position_ms, delta.time_spent_ms, delta.played,
                                  self.recording_id)
        except (DatabaseError, StudyError) as exc:
            log.warning("playback position not saved: %s", exc)
            self.tracker.give_back(delta)
            return False
        return True

    def record_duration(self, duration_ms: int) -> None:
        """Keep the player's length of the recording (the import may not have known it)."""
        try:
            self.ws.record_play_duration(*self._ids, duration_ms)
        except (DatabaseError, StudyError) as exc:
            # Only the played-share notice depends on it; the next load tries again.
            log.warning("recording length not saved: %s", exc)

    # --- submitting ---------------------------------------------------------------
    def submit_check(self) -> SubmitCheck:
        """What the rater must be told before submitting (after saving the playback so far)."""
        self.save_playback()
        return self.ws.submit_check(*self._ids)

    def submit(self, answer: SubmitAnswer | None = None) -> None:
        """Submit the rating with the rater's ``answer`` to :meth:`submit_check`.

        Raises IncompleteRating, NeedsConfirmation, RatingLocked, DatabaseError or ChangesPending.
        """
        if not self.saver.flush():
            raise ChangesPending(self.saver.last_error or "The database is not reachable.")
        self.ws.submit(*self._ids, answer or SubmitAnswer())
        self.view.status = "submitted"
        self.view.submitted_at = datetime.now(UTC).replace(tzinfo=None)
        self.state.set_read_only(True)
        self.submitted.emit()

    def submitted_text(self) -> str:
        when = self.view.submitted_at
        shown = ""
        if when is not None:
            local = when.replace(tzinfo=UTC).astimezone()
            shown = f" on {local:%d %b %Y at %H:%M}"
        return f"Submitted{shown} — read-only. A coordinator can reopen it."
