"""The rater's side of a study: queue, opening an assignment, and every rating write.

Each write is its own transaction and carries its audit event, so a crash
loses at most the change in flight. Every call names the rater; a rater can
only read or change their own assignments (blinding).
"""

from __future__ import annotations

import logging
from functools import cached_property
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession
from sqlalchemy.orm import joinedload

from rater.instruments.scoring import Response, missing_required
from rater.storage import audit
from rater.storage import models as m
from rater.storage.database import Database
from rater.study.errors import AccessDenied, IncompleteRating, NotFound, RatingLocked
from rater.study.instruments import instrument_of
from rater.study.rating import submit_checks
from rater.study.rating.evidence import EvidenceWrites
from rater.study.rating.pins import verify_secret
from rater.study.rating.playback import covered_ms, merge_intervals
from rater.study.rating.rating_writes import RatingWriter
from rater.study.rating.segments import segment_of
from rater.study.rating.views import (
    AssignmentView,
    HomeworkView,
    MarkView,
    QueueEntry,
    RaterInfo,
    RecordingView,
    SaveResult,
)
from rater.study.rating.write_queue import WriteQueue, journal_path
from rater.study.recordings import media_paths
from rater.study.setup.settings import StudySettings
from rater.study.training.certification import held_instruments
from rater.study.training.practice import shown_purpose

log = logging.getLogger(__name__)


class Workstation(EvidenceWrites):
    """Services for raters; one database transaction per call."""

    def __init__(self, db: Database):
        self.db = db
        self._writes = RatingWriter(db)

    @cached_property
    def writes(self) -> WriteQueue:
        """This desktop's queue of rating writes for this database (journalled while any wait)."""
        return WriteQueue(self, journal_path(self.db.url))

    # --- who is rating -------------------------------------------------------
    def raters(self) -> list[RaterInfo]:
        with self.db.reading() as s:
            rows = s.execute(
                select(m.Rater, m.Study.name, m.Study.code)
                .join(m.Study, m.Study.id == m.Rater.study_id)
                .where(m.Rater.active.is_(True))
                .order_by(m.Rater.name)
            ).all()
            teams: dict[str, list[str]] = {}
            for rater_id, team in s.execute(
                select(m.TeamMember.rater_id, m.Team.name).join(m.Team, m.Team.id == m.TeamMember.team_id)
            ):
                teams.setdefault(rater_id, []).append(team)
            return [
                RaterInfo(r.id, r.code, r.name, study, r.pin_hash is not None, tuple(teams.get(r.id, ())),
                          r.study_id, code)
                for r, study, code in rows
            ]

    def check_pin(self, rater_id: str, pin: str) -> bool:
        with self.db.reading() as s:
            rater = s.get(m.Rater, rater_id)
            if rater is None:
                raise NotFound("This rater no longer exists.")
            return verify_secret(pin, rater.pin_hash)

    # --- the queue -----------------------------------------------------------
    def queue(self, rater_id: str) -> list[QueueEntry]:
        with self.db.reading() as s:
            rows = s.execute(
                select(m.Assignment, m.Session, m.Patient, m.InstrumentRecord, m.Rating.updated_at)
                .join(m.Session, m.Session.id == m.Assignment.session_id)
                .join(m.Patient, m.Patient.id == m.Session.patient_id)
                .join(m.InstrumentRecord, m.InstrumentRecord.id == m.Assignment.instrument_id)
                .outerjoin(m.Rating, m.Rating.assignment_id == m.Assignment.id)
                .where(m.Assignment.rater_id == rater_id)
                .options(joinedload(m.Session.recordings))
                .order_by(m.Assignment.queue_position, m.Assignment.id)
            ).unique().all()
            held = held_instruments(s, rater_id)
            return [
                QueueEntry(
                    assignment_id=a.id,
                    position=a.queue_position,
                    patient_code=p.code,
                    session_number=sess.number,
                    session_date=sess.date,
                    instrument_name=inst.name,
                    status=a.status,
                    recording_kind=sess.recordings[0].kind if sess.recordings else None,
                    updated_at=updated,
                    purpose=shown_purpose(a.purpose),
                    held=held.get(inst.key, "") if a.purpose == "study" else "",
                )
                for a, sess, p, inst, updated in rows
            ]

    # --- opening -------------------------------------------------------------
    def open(self, assignment_id: str, rater_id: str) -> AssignmentView:
        """Load an assignment for rating; the first open starts the rating (audited)."""
        actor = None
        with self.db.transaction() as s:
            assignment = self._own_assignment(s, assignment_id, rater_id)
            rating = s.scalar(select(m.Rating).where(m.Rating.assignment_id == assignment_id))
            if assignment.purpose == "study" and (held := held_instruments(s, rater_id).get(
                    assignment.instrument.key)):
                raise AccessDenied(held)
            if rating is None:
                actor = f"rater:{assignment.rater.code}"
                rating = m.Rating(assignment_id=assignment_id)
                s.add(rating)
                assignment.status = "in_progress"
                s.flush()
                audit.record(s, actor=actor, action="create", entity="rating", entity_id=rating.id,
                             field="status", old="not_started", new="in_progress",
                             study_id=assignment.study_id)
            return self._view(s, assignment, rating)

    def _view(self, s: DbSession, a: m.Assignment, rating: m.Rating) -> AssignmentView:
        sess = a.session
        study = s.get(m.Study, a.study_id)
        instrument = instrument_of(a.instrument)
        scores = {sc.item_id: sc for sc in rating.scores}
        hidden = set(StudySettings.read(study.settings).hidden_fields)
        info = {k: str(v) for k, v in {**sess.patient.meta, **sess.meta}.items() if k not in hidden}
        prev_number = sess.number - 1 if sess.number > 1 else None
        return AssignmentView(
            assignment_id=a.id,
            rating_id=rating.id,
            rater_id=a.rater_id,
            rater_name=a.rater.name,
            study_name=study.name,
            patient_code=sess.patient.code,
            session_number=sess.number,
            session_date=sess.date,
            instrument=instrument,
            instrument_version=a.instrument.version,
            recordings=[self._recording_view(s, study, r) for r in sess.recordings],
            responses={k: Response(v.value, v.is_na) for k, v in scores.items()},
            notes={k: v.note for k, v in scores.items() if v.note},
            marks=[MarkView(mk.id, mk.position_ms, mk.text, mk.item_id, mk.polarity or "") for mk in rating.marks],
            last_position_ms=rating.last_position_ms,
            time_spent_ms=rating.time_spent_ms,
            played_intervals=[list(x) for x in rating.played_intervals],
            status=a.status,
            submitted_at=rating.submitted_at,
            previous_session_number=prev_number,
            previous_homework=self._homework(s, sess.patient_id, prev_number),
            session_info=info,
            revision=rating.revision,
            recording_id=rating.recording_id,
            no_anchor={k: v.no_anchor_note or "" for k, v in scores.items() if v.no_anchor},
            segment=segment_of(s, a),
        )

    @staticmethod
    def _recording_view(s: DbSession, study: m.Study, rec: m.Recording) -> RecordingView:
        path = media_paths.resolve(s, study, rec.path)
        return RecordingView(rec.id, str(path), rec.kind, rec.duration_ms, Path(path).is_file(), rec.checksum)

    @staticmethod
    def _homework(s: DbSession, patient_id: str, number: int | None) -> list[HomeworkView]:
        if number is None:
            return []
        rows = s.scalars(
            select(m.HomeworkEntry)
            .join(m.Session, m.Session.id == m.HomeworkEntry.session_id)
            .where(m.Session.patient_id == patient_id, m.Session.number == number)
            .order_by(m.HomeworkEntry.created_at)
        )
        return [HomeworkView(h.id, h.kind, h.description, h.author, h.created_at) for h in rows]

    # --- writes --------------------------------------------------------------
    # Ratings, notes and marks go through the Core write path (rating_writes): it is
    # the autosave hot path, kept to one SELECT, the write, its audit row and the bump.
    def set_response(
        self, assignment_id: str, rater_id: str, item_id: str, value: int | None, is_na: bool = False
    ) -> SaveResult:
        """Store one item's value (``None`` clears it) or N/A."""
        return self._writes.set_response(assignment_id, rater_id, item_id, value, is_na)

    def set_note(self, assignment_id: str, rater_id: str, item_id: str, text: str) -> SaveResult:
        return self._writes.set_note(assignment_id, rater_id, item_id, text)

    def add_mark(
        self, assignment_id: str, rater_id: str, position_ms: int, text: str, mark_id: str | None = None
    ) -> MarkView:
        """Add a mark; a caller-chosen ``mark_id`` makes a replayed call add it only once."""
        return self._writes.add_mark(assignment_id, rater_id, position_ms, text, mark_id)

    def update_mark(self, assignment_id: str, rater_id: str, mark_id: str, text: str) -> SaveResult:
        return self._writes.update_mark(assignment_id, rater_id, mark_id, text)

    def delete_mark(self, assignment_id: str, rater_id: str, mark_id: str) -> SaveResult:
        return self._writes.delete_mark(assignment_id, rater_id, mark_id)

    def save_playback(
        self,
        assignment_id: str,
        rater_id: str,
        position_ms: int,
        time_spent_delta_ms: int = 0,
        played: list[list[int]] | None = None,
        recording_id: str | None = None,
    ) -> None:
        """Remember where playback is, time spent and what was played.

        Not audited: it is bookkeeping, written every few seconds, not a rating.
        Allowed after submission too (a rater may replay a submitted session).
        """
        with self.db.transaction() as s:
            a = self._own_assignment(s, assignment_id, rater_id)
            rating = s.scalar(select(m.Rating).where(m.Rating.assignment_id == a.id))
            if rating is None:
                raise NotFound("Open the assignment before playing it.")
            rating.last_position_ms = max(0, int(position_ms))
            rating.time_spent_ms += max(0, int(time_spent_delta_ms))
            if played:
                merged = merge_intervals([list(x) for x in rating.played_intervals] + played)
                rating.played_intervals = merged
                rating.played_ms = covered_ms(merged)
            if recording_id:
                rating.recording_id = recording_id

    def record_play_duration(self, assignment_id: str, rater_id: str, duration_ms: int) -> None:
        """Keep the length the player reports, so the played share is known without an import probe."""
        if duration_ms <= 0:
            return
        with self.db.transaction() as s:
            a = self._own_assignment(s, assignment_id, rater_id)
            rating = s.scalar(select(m.Rating).where(m.Rating.assignment_id == a.id))
            if rating is not None and rating.duration_ms != duration_ms:
                rating.duration_ms = int(duration_ms)

    def submit_check(self, assignment_id: str, rater_id: str) -> submit_checks.SubmitCheck:
        """What the rater must be told before submitting (played share, nothing played)."""
        with self.db.reading() as s:
            a = self._own_assignment(s, assignment_id, rater_id)
            rating = s.scalar(select(m.Rating).where(m.Rating.assignment_id == a.id))
            if rating is None:
                raise NotFound("Open the assignment before submitting it.")
            return submit_checks.check_rating(s, a, rating)

    def submit(self, assignment_id: str, rater_id: str,
               answer: submit_checks.SubmitAnswer | None = None) -> SaveResult:
        """Submit a complete rating.

        The rating window passes the rater's ``answer`` to what :meth:`submit_check`
        told them; it is checked again here (NeedsConfirmation) and stored and
        audited with the rating. Callers without a rater at the screen pass none.
        """
        with self.db.transaction() as s:
            a, rating, instrument, actor = self._writable(s, assignment_id, rater_id)
            responses = {sc.item_id: Response(sc.value, sc.is_na) for sc in rating.scores}
            missing = missing_required(instrument, responses, a.session.number)
            if missing:
                raise IncompleteRating(missing)
            if answer is not None:
                notice = submit_checks.confirmed_notice(submit_checks.check_rating(s, a, rating), answer)
                # The notice of this submission: one from before a reopening no longer applies.
                rating.submit_notice = notice
                if notice is not None:
                    audit.record(s, actor=actor, action="confirm", entity="rating", entity_id=rating.id,
                                 field="submit_notice", new=notice, study_id=a.study_id)
            rating.submitted_at = m.utcnow()
            a.status = "submitted"
            audit.record(s, actor=actor, action="submit", entity="rating", entity_id=rating.id,
                         field="status", old="in_progress", new="submitted", study_id=a.study_id)
            return self._bump(rating)

    # --- helpers -------------------------------------------------------------
    @staticmethod
    def _own_assignment(s: DbSession, assignment_id: str, rater_id: str) -> m.Assignment:
        a = s.get(m.Assignment, assignment_id)
        if a is None:
            raise NotFound("This assignment no longer exists.")
        if a.rater_id != rater_id:
            raise AccessDenied("This assignment belongs to another rater.")
        return a

    def _writable(self, s: DbSession, assignment_id: str, rater_id: str):
        a = self._own_assignment(s, assignment_id, rater_id)
        rating = s.scalar(select(m.Rating).where(m.Rating.assignment_id == a.id))
        if rating is None:
            raise NotFound("Open the assignment before rating it.")
        if a.status == "submitted":
            raise RatingLocked("This rating has been submitted and is read-only. A coordinator can reopen it.")
        return a, rating, instrument_of(a.instrument), f"rater:{a.rater.code}"

    @staticmethod
    def _bump(rating: m.Rating) -> SaveResult:
        rating.revision += 1
        rating.updated_at = m.utcnow()
        return SaveResult(rating.revision, rating.updated_at)
