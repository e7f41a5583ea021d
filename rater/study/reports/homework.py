"""The homework log: what was assigned in each session, shown to raters of the next one.

Coordinators may always edit it; raters only when they belong to a team that
keeps the log (``Team.keeps_homework_log``) and are assigned to that session.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from rater.storage import audit
from rater.storage import models as m
from rater.storage.database import Database
from rater.study.errors import AccessDenied, InvalidValue, NotFound
from rater.study.rating.views import HOMEWORK_KINDS, HomeworkView

COORDINATOR = "coordinator"


def entries(db: Database, session_id: str) -> list[HomeworkView]:
    with db.reading() as s:
        rows = s.scalars(
            select(m.HomeworkEntry).where(m.HomeworkEntry.session_id == session_id).order_by(m.HomeworkEntry.created_at)
        )
        return [HomeworkView(h.id, h.kind, h.description, h.author, h.created_at) for h in rows]


def can_edit(db: Database, session_id: str, rater_id: str | None) -> bool:
    """Coordinators (``rater_id=None``) always; raters of a log-keeping team assigned to the session."""
    if rater_id is None:
        return True
    with db.reading() as s:
        return s.scalar(
            select(m.Assignment.id)
            .join(m.Team, m.Team.id == m.Assignment.team_id)
            .join(m.TeamMember, (m.TeamMember.team_id == m.Team.id) & (m.TeamMember.rater_id == rater_id))
            .where(m.Assignment.session_id == session_id, m.Assignment.rater_id == rater_id,
                   m.Team.keeps_homework_log.is_(True))
            .limit(1)
        ) is not None


@dataclass(frozen=True)
class RaterLog:
    """The log a rater may keep from their rating window: the session rated, if they may write it."""

    session_id: str
    session_number: int
    editable: bool
    entries: list[HomeworkView]


def rater_log(db: Database, assignment_id: str, rater_id: str) -> RaterLog:
    """The homework log of the session of ``assignment_id``, as its rater may see it.

    ``entries`` is empty unless the rater may write the log (their team keeps
    it): other raters see only the previous session's log, with their form.
    """
    with db.reading() as s:
        a = s.get(m.Assignment, assignment_id)
        if a is None:
            raise NotFound("This assignment no longer exists.")
        if a.rater_id != rater_id:
            raise AccessDenied("This assignment belongs to another rater.")
        session_id, number = a.session_id, a.session.number
    editable = can_edit(db, session_id, rater_id)
    return RaterLog(session_id, number, editable, entries(db, session_id) if editable else [])


def _actor(db: Database, rater_id: str | None) -> str:
    if rater_id is None:
        return COORDINATOR
    with db.reading() as s:
        rater = s.get(m.Rater, rater_id)
        return f"rater:{rater.code}" if rater else "rater:?"


def _study_of(s, row: m.HomeworkEntry) -> str:
    return s.get(m.Session, row.session_id).patient.study_id


def _check(db: Database, session_id: str, rater_id: str | None, kind: str, description: str) -> None:
    if kind not in HOMEWORK_KINDS:
        raise InvalidValue(f"Unknown homework type {kind!r}; choose one of: {', '.join(HOMEWORK_KINDS)}.")
    if not description.strip():
        raise InvalidValue("Describe the homework that was assigned.")
    if not can_edit(db, session_id, rater_id):
        raise AccessDenied("Only coordinators and raters of the team that keeps the homework log can edit it.")


def add_entry(db: Database, session_id: str, kind: str, description: str, rater_id: str | None = None) -> HomeworkView:
    _check(db, session_id, rater_id, kind, description)
    actor = _actor(db, rater_id)
    with db.transaction() as s:
        session = s.get(m.Session, session_id)
        if session is None:
            raise NotFound("This session no longer exists.")
        row = m.HomeworkEntry(session_id=session_id, kind=kind, description=description.strip(), author=actor)
        s.add(row)
        s.flush()
        study_id = session.patient.study_id
        audit.record(s, actor=actor, action="create", entity="homework", entity_id=row.id, field="entry",
                     new={"kind": kind, "description": row.description}, study_id=study_id)
        return HomeworkView(row.id, row.kind, row.description, row.author, row.created_at)


def update_entry(db: Database, entry_id: str, kind: str, description: str, rater_id: str | None = None) -> None:
    with db.reading() as s:
        row = s.get(m.HomeworkEntry, entry_id)
        if row is None:
            raise NotFound("This homework entry no longer exists.")
        session_id = row.session_id
    _check(db, session_id, rater_id, kind, description)
    actor = _actor(db, rater_id)
    with db.transaction() as s:
        row = s.get(m.HomeworkEntry, entry_id)
        audit.record(s, actor=actor, action="update", entity="homework", entity_id=row.id, field="entry",
                     old={"kind": row.kind, "description": row.description},
                     new={"kind": kind, "description": description.strip()}, study_id=_study_of(s, row))
        row.kind, row.description = kind, description.strip()


def delete_entry(db: Database, entry_id: str, rater_id: str | None = None) -> None:
    with db.reading() as s:
        row = s.get(m.HomeworkEntry, entry_id)
        if row is None:
            raise NotFound("This homework entry no longer exists.")
        session_id = row.session_id
    if not can_edit(db, session_id, rater_id):
        raise AccessDenied("Only coordinators and raters of the team that keeps the homework log can edit it.")
    actor = _actor(db, rater_id)
    with db.transaction() as s:
        row = s.get(m.HomeworkEntry, entry_id)
        audit.record(s, actor=actor, action="delete", entity="homework", entity_id=row.id, field="entry",
                     old={"kind": row.kind, "description": row.description}, study_id=_study_of(s, row))
        s.delete(row)
