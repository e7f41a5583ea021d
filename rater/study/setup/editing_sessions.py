"""Changing a study's patients and sessions after it was created.

The writes of the coordinator's patients screen, with the same rules as
:mod:`rater.study.setup.editing`: each is one audited transaction, and a session
that has any rating is never removed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select

from rater.storage import audit
from rater.storage import models as m
from rater.storage.database import Database
from rater.study.errors import InvalidValue, StudyError
from rater.study.setup.editing import ACTOR, UNSET, _code, _delete_assignments, _get, _meta, _number

log = logging.getLogger(__name__)


def add_patient(db: Database, study_id: str, code: str, sessions: Iterable[int] = (),
                meta: dict[str, Any] | None = None) -> str:
    """Add a patient with the given session numbers (no dates yet); returns the patient id."""
    code = _code(code, "patient")
    numbers = sorted(set(_number(n) for n in sessions))
    with db.transaction() as s:
        _get(s, m.Study, study_id, "study")
        if s.scalar(select(m.Patient.id).where(m.Patient.study_id == study_id,
                                               func.lower(m.Patient.code) == code.lower())):
            raise InvalidValue(f"There is already a patient with the code {code}.")
        patient = m.Patient(study_id=study_id, code=code, meta=_meta(meta))
        s.add(patient)
        s.flush()
        for n in numbers:
            s.add(m.Session(patient_id=patient.id, number=n))
        audit.record(s, actor=ACTOR, action="create", entity="patient", entity_id=patient.id, field="patient",
                     new={"code": code, "sessions": numbers, "meta": patient.meta}, study_id=study_id)
        return patient.id


def update_patient(db: Database, patient_id: str, *, meta: dict[str, Any]) -> None:
    """Replace the patient's metadata (fields listed as hidden are never shown to raters)."""
    with db.transaction() as s:
        patient = _get(s, m.Patient, patient_id, "patient")
        new = _meta(meta)
        if new != patient.meta:
            audit.record(s, actor=ACTOR, action="update", entity="patient", entity_id=patient_id, field="meta",
                         old=patient.meta, new=new, study_id=patient.study_id)
            patient.meta = new


def add_session(db: Database, patient_id: str, number: int, date: dt.date | None = None,
                meta: dict[str, Any] | None = None) -> str:
    """Add session ``number`` to a patient; returns the session id."""
    number = _number(number)
    with db.transaction() as s:
        patient = _get(s, m.Patient, patient_id, "patient")
        if s.scalar(select(m.Session.id).where(m.Session.patient_id == patient_id, m.Session.number == number)):
            raise InvalidValue(f"{patient.code} already has a session {number}.")
        sess = m.Session(patient_id=patient_id, number=number, date=date, meta=_meta(meta))
        s.add(sess)
        s.flush()
        audit.record(s, actor=ACTOR, action="create", entity="session", entity_id=sess.id, field="session",
                     new={"patient": patient.code, "number": number, "date": date, "meta": sess.meta},
                     study_id=patient.study_id)
        return sess.id


def update_session(db: Database, session_id: str, *, date: dt.date | None = UNSET,
                   meta: dict[str, Any] = UNSET) -> None:
    """Change a session's date and/or its metadata (only the given ones)."""
    with db.transaction() as s:
        sess = _get(s, m.Session, session_id, "session")
        changes = {"date": date, "meta": meta if meta is UNSET else _meta(meta)}
        for field, new in changes.items():
            if new is UNSET or getattr(sess, field) == new:
                continue
            audit.record(s, actor=ACTOR, action="update", entity="session", entity_id=session_id, field=field,
                         old=getattr(sess, field), new=new, study_id=sess.patient.study_id)
            setattr(sess, field, new)


def remove_session(db: Database, session_id: str) -> None:
    """Delete a session nobody has started rating, with its recordings (files untouched),
    assignments and homework entries, each audited. Refused when it has any rating."""
    with db.transaction() as s:
        sess = _get(s, m.Session, session_id, "session")
        label, study_id = f"{sess.patient.code} session {sess.number}", sess.patient.study_id
        rows = list(s.scalars(select(m.Assignment).where(m.Assignment.session_id == session_id)))
        rated = s.scalar(select(func.count()).select_from(m.Rating)
                         .where(m.Rating.assignment_id.in_([a.id for a in rows]))) if rows else 0
        if rated:
            raise StudyError(f"{label} cannot be removed: {rated} rating(s) of it exist. Ratings are never deleted.")
        _delete_assignments(s, rows, study_id, f"{label} removed")
        for rec in sess.recordings:
            audit.record(s, actor=ACTOR, action="delete", entity="recording", entity_id=rec.id, field="recording",
                         old={"path": rec.path, "kind": rec.kind, "checksum": rec.checksum},
                         reason=f"{label} removed", study_id=study_id)
        for hw in s.scalars(select(m.HomeworkEntry).where(m.HomeworkEntry.session_id == session_id)):
            audit.record(s, actor=ACTOR, action="delete", entity="homework", entity_id=hw.id, field="entry",
                         old={"kind": hw.kind, "description": hw.description}, reason=f"{label} removed",
                         study_id=study_id)
            s.delete(hw)
        audit.record(s, actor=ACTOR, action="delete", entity="session", entity_id=session_id, field="session",
                     old={"patient": sess.patient.code, "number": sess.number, "date": sess.date},
                     study_id=study_id)
        s.delete(sess)
