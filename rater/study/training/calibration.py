"""Calibration meetings: a group rates one practice recording blind, then everyone's scores are compared.

Each attending rater gets a calibration assignment (their own rating, under
their own name). The side-by-side board with the gold is revealed when all
have submitted or the coordinator closes the meeting; until then it shows
only who has submitted. A rater's own feedback waits for the same moment.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from rater.storage import audit
from rater.storage import models as m
from rater.storage import models_training as t
from rater.storage.database import Database
from rater.study.errors import InvalidValue, NotFound
from rater.study.instruments import instrument_of
from rater.study.training import gold_store
from rater.study.training.practice import add_training_assignment

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BoardRow:
    item_id: str
    text: str
    gold: int | None
    scores: dict[str, int | None]  # rater code → value (None: N/A or blank)


@dataclass(frozen=True)
class Meeting:
    id: str
    title: str
    label: str
    instrument_name: str
    opened_at: datetime
    closed_at: datetime | None
    attendees: dict[str, bool]  # rater code → submitted
    revealed: bool
    rows: list[BoardRow]  # empty until revealed


def open_meeting(db: Database, session_id: str, instrument_id: str, rater_ids: Sequence[str], title: str = "",
                 actor: str = "coordinator") -> str:
    if len(rater_ids) < 2:
        raise InvalidValue("A calibration needs at least two raters.")
    with db.transaction() as s:
        mat = s.get(t.TrainingMaterial, session_id)
        if mat is None:
            raise InvalidValue("A calibration is held on a training recording.")
        meeting = t.CalibrationMeeting(study_id=mat.study_id, session_id=session_id, instrument_id=instrument_id,
                                       title=title)
        s.add(meeting)
        s.flush()
        for rater_id in rater_ids:
            add_training_assignment(s, session_id, instrument_id, rater_id, "calibration", actor, meeting_id=meeting.id)
        audit.record(s, actor=actor, action="create", entity="calibration_meeting", entity_id=meeting.id,
                     field="raters", new=len(rater_ids), study_id=mat.study_id)
        return meeting.id


def close_meeting(db: Database, meeting_id: str, actor: str = "coordinator") -> None:
    with db.transaction() as s:
        meeting = s.get(t.CalibrationMeeting, meeting_id)
        if meeting is None:
            raise NotFound("This calibration no longer exists.")
        if meeting.closed_at is None:
            meeting.closed_at = m.utcnow()
            audit.record(s, actor=actor, action="update", entity="calibration_meeting", entity_id=meeting_id,
                         field="closed_at", new=meeting.closed_at, study_id=meeting.study_id)


def _attendance(s: DbSession, meeting_id: str) -> list[tuple[m.Assignment, str]]:
    return list(s.execute(select(m.Assignment, m.Rater.code)
                          .join(t.TrainingAssignment, t.TrainingAssignment.assignment_id == m.Assignment.id)
                          .join(m.Rater, m.Rater.id == m.Assignment.rater_id)
                          .where(t.TrainingAssignment.meeting_id == meeting_id).order_by(m.Rater.code)).all())


def is_revealed(s: DbSession, meeting_id: str) -> bool:
    meeting = s.get(t.CalibrationMeeting, meeting_id)
    if meeting is None:
        return False
    rows = _attendance(s, meeting_id)
    return meeting.closed_at is not None or (bool(rows) and all(a.status == "submitted" for a, _ in rows))


def _meeting(s: DbSession, meeting: t.CalibrationMeeting) -> Meeting:
    rows = _attendance(s, meeting.id)
    revealed = is_revealed(s, meeting.id)
    inst = s.get(m.InstrumentRecord, meeting.instrument_id)
    sess = s.get(m.Session, meeting.session_id)
    board = []
    if revealed:
        gold_row = gold_store.gold_row(s, meeting.session_id, meeting.instrument_id)
        gold = gold_store.gold_items(gold_row) if gold_row else {}
        by_rater = {}
        for a, code in rows:
            rating = s.scalar(select(m.Rating).where(m.Rating.assignment_id == a.id))
            # An unsubmitted rating of a closed meeting is not shown: it was not finished.
            by_rater[code] = {} if rating is None or a.status != "submitted" else \
                {sc.item_id: None if sc.is_na else sc.value for sc in rating.scores}
        for item in instrument_of(inst).items:
            if instrument_of(inst).item_applies(item.id, sess.number):
                board.append(BoardRow(item.id, item.text, gold[item.id].value if item.id in gold else None,
                                      {code: scores.get(item.id) for code, scores in by_rater.items()}))
    return Meeting(meeting.id, meeting.title, f"{sess.patient.code} session {sess.number}", inst.name,
                   meeting.opened_at, meeting.closed_at, {code: a.status == "submitted" for a, code in rows},
                   revealed, board)


def meetings(db: Database, study_id: str) -> list[Meeting]:
    """Every calibration of the study, newest first, with its board where revealed."""
    with db.reading() as s:
        return [_meeting(s, x) for x in s.scalars(select(t.CalibrationMeeting)
                                                   .where(t.CalibrationMeeting.study_id == study_id)
                                                   .order_by(t.CalibrationMeeting.opened_at.desc()))]
