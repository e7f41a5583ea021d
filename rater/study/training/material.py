"""Coordinator services for training material: mark sessions as training, phases, practice assignments.

A training session is never a study session: it has no study assignments, it
is flagged ``is_practice`` (so assignment, progress, reliability and the
export's study sheets leave it out) and it has a ``training_material`` row.
"""

from __future__ import annotations

import logging

from sqlalchemy import func, select
from sqlalchemy.orm import Session as DbSession

from rater.storage import audit
from rater.storage import models as m
from rater.storage import models_training as t
from rater.storage.database import Database
from rater.study.errors import InvalidValue, NotFound
from rater.study.training.views import PHASES, MaterialView

log = logging.getLogger(__name__)


def _session(s: DbSession, session_id: str) -> m.Session:
    row = s.get(m.Session, session_id)
    if row is None:
        raise NotFound("This session no longer exists.")
    return row


def _material(s: DbSession, session_id: str) -> t.TrainingMaterial:
    row = s.get(t.TrainingMaterial, session_id)
    if row is None:
        raise InvalidValue("This session is not training material.")
    return row


def _check_phase(phase: str) -> None:
    if phase not in PHASES:
        raise InvalidValue(f"Unknown phase {phase!r}: choose {' or '.join(PHASES)}.")


def mark_training(db: Database, session_id: str, phase: str = "practice", actor: str = "coordinator") -> None:
    """Make a session training material; refused when it is already rated as a study session."""
    _check_phase(phase)
    with db.transaction() as s:
        sess = _session(s, session_id)
        study_id = sess.patient.study_id
        if s.get(t.TrainingMaterial, session_id) is not None:
            raise InvalidValue(f"{sess.patient.code} session {sess.number} is already training material.")
        used = s.scalar(select(func.count()).select_from(m.Assignment).where(
            m.Assignment.session_id == session_id, m.Assignment.purpose == "study"))
        if used:
            raise InvalidValue(f"{sess.patient.code} session {sess.number} is a study session with {used} study "
                               "assignment(s); a recording cannot be both training material and study data. "
                               "Remove its study assignments first, or import the recording as a separate "
                               "training session.")
        shared = study_sessions_sharing_files(s, sess)
        if shared:
            raise InvalidValue(f"The recording of {sess.patient.code} session {sess.number} is also the recording of "
                               f"study session {shared[0]}; a recording cannot be both training material and "
                               "study data.")
        sess.is_practice = True
        s.add(t.TrainingMaterial(session_id=session_id, study_id=study_id, phase=phase))
        audit.record(s, actor=actor, action="create", entity="training_material", entity_id=session_id,
                     field="phase", new=phase, study_id=study_id)


def study_sessions_sharing_files(s: DbSession, sess: m.Session, rater_id: str | None = None) -> list[str]:
    """Study sessions (with study assignments, of ``rater_id`` if given) whose recording file is this session's."""
    paths = {r.path for r in sess.recordings}
    checksums = {r.checksum for r in sess.recordings if r.checksum}
    if not paths:
        return []
    q = (select(m.Patient.code, m.Session.number)
         .join(m.Session, m.Session.patient_id == m.Patient.id)
         .join(m.Recording, m.Recording.session_id == m.Session.id)
         .join(m.Assignment, m.Assignment.session_id == m.Session.id)
         .where(m.Session.id != sess.id, m.Assignment.purpose == "study",
                m.Recording.path.in_(paths) | m.Recording.checksum.in_(checksums or {""})))
    if rater_id is not None:
        q = q.where(m.Assignment.rater_id == rater_id)
    return sorted({f"{code} session {n}" for code, n in s.execute(q)})


def set_phase(db: Database, session_id: str, phase: str, actor: str = "coordinator") -> None:
    """Worked example (gold visible while playing) or practice (rated blind)."""
    _check_phase(phase)
    with db.transaction() as s:
        row = _material(s, session_id)
        if row.phase == phase:
            return
        audit.record(s, actor=actor, action="update", entity="training_material", entity_id=session_id,
                     field="phase", old=row.phase, new=phase, study_id=row.study_id)
        row.phase = phase


def delete_training_session(db: Database, session_id: str, actor: str = "coordinator") -> None:
    """Delete a training session and its gold; refused once anyone has rated it (nothing rated is lost)."""
    with db.transaction() as s:
        row = _material(s, session_id)
        sess = _session(s, session_id)
        rated = s.scalar(select(func.count()).select_from(m.Rating)
                         .join(m.Assignment, m.Assignment.id == m.Rating.assignment_id)
                         .where(m.Assignment.session_id == session_id))
        if rated:
            raise InvalidValue(f"{sess.patient.code} session {sess.number} has {rated} rating(s) and cannot be "
                               "deleted; ratings are never thrown away.")
        audit.record(s, actor=actor, action="delete", entity="training_material", entity_id=session_id,
                     field="session", old=f"{sess.patient.code} session {sess.number}", study_id=row.study_id)
        s.delete(sess)


def list_material(db: Database, study_id: str) -> list[MaterialView]:
    with db.reading() as s:
        rows = s.execute(select(t.TrainingMaterial, m.Session, m.Patient)
                         .join(m.Session, m.Session.id == t.TrainingMaterial.session_id)
                         .join(m.Patient, m.Patient.id == m.Session.patient_id)
                         .where(t.TrainingMaterial.study_id == study_id)
                         .order_by(m.Patient.code, m.Session.number)).all()
        gold: dict[str, list[str]] = {}
        for session_id, name in s.execute(select(t.GoldRating.session_id, m.InstrumentRecord.name)
                                          .join(m.InstrumentRecord, m.InstrumentRecord.id == t.GoldRating.instrument_id)):
            gold.setdefault(session_id, []).append(name)
        counts: dict[str, list[int]] = {}
        for session_id, status in s.execute(select(m.Assignment.session_id, m.Assignment.status)
                                            .where(m.Assignment.study_id == study_id,
                                                   m.Assignment.purpose != "study")):
            c = counts.setdefault(session_id, [0, 0])
            c[0] += 1
            c[1] += status == "submitted"
        out = []
        for mat, sess, patient in rows:
            rec = sess.recordings[0].path if sess.recordings else ""
            a, sub = counts.get(sess.id, [0, 0])
            out.append(MaterialView(sess.id, patient.code, sess.number, mat.phase, rec,
                                    tuple(sorted(gold.get(sess.id, []))), a, sub))
        return out


def find_session(db: Database, study_id: str, label: str) -> str:
    """The id of the session named ``PATIENT:NUMBER`` (or ``PATIENT_SNN``) in the study."""
    code, sep, number = label.replace("_S", ":").rpartition(":")
    if not sep or not number.isdigit():
        raise InvalidValue(f"{label!r} does not name a session: write PATIENT:NUMBER, e.g. T01:1.")
    with db.reading() as s:
        session_id = s.scalar(select(m.Session.id).join(m.Patient, m.Patient.id == m.Session.patient_id)
                              .where(m.Patient.study_id == study_id, m.Patient.code == code,
                                     m.Session.number == int(number)))
    if session_id is None:
        raise NotFound(f"No session {label} in this study.")
    return session_id


def candidate_sessions(db: Database, study_id: str) -> list[tuple[str, str, int]]:
    """(session id, label, study assignments) of sessions that are not training material yet."""
    with db.reading() as s:
        counts = dict(s.execute(select(m.Assignment.session_id, func.count())
                                .where(m.Assignment.study_id == study_id, m.Assignment.purpose == "study")
                                .group_by(m.Assignment.session_id)).all())
        rows = s.execute(select(m.Session.id, m.Patient.code, m.Session.number)
                         .join(m.Patient, m.Patient.id == m.Session.patient_id)
                         .where(m.Patient.study_id == study_id, m.Session.is_practice.is_(False))
                         .order_by(m.Patient.code, m.Session.number)).all()
        return [(sid, f"{code} session {n}", counts.get(sid, 0)) for sid, code, n in rows]


def study_instruments(db: Database, study_id: str) -> list[tuple[str, str, str]]:
    """(instrument id, key, name) of the instruments the study's teams rate."""
    with db.reading() as s:
        used = (select(m.TeamInstrument.instrument_id).join(m.Team, m.Team.id == m.TeamInstrument.team_id)
                .where(m.Team.study_id == study_id))
        return [(i.id, i.key, i.name) for i in s.scalars(select(m.InstrumentRecord).where(m.InstrumentRecord.id.in_(used))
                                                         .order_by(m.InstrumentRecord.key))]


def study_raters(db: Database, study_id: str) -> list[tuple[str, str, str]]:
    """(rater id, code, name) of the study's active raters."""
    with db.reading() as s:
        return [(r.id, r.code, r.name) for r in s.scalars(select(m.Rater).where(
            m.Rater.study_id == study_id, m.Rater.active.is_(True)).order_by(m.Rater.code))]
