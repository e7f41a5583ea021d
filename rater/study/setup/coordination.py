"""Coordinator-only actions on ratings, and the coordinator password."""

from __future__ import annotations

import time

from sqlalchemy import select

from rater.storage import audit
from rater.storage import models as m
from rater.storage.database import Database
from rater.study import backoff
from rater.study.errors import AccessDenied, NotFound, StudyError
from rater.study.rating.pins import hash_pin, verify_secret

PASSWORD_KEY = "coordinator_password"


def has_coordinator_password(db: Database) -> bool:
    with db.reading() as s:
        return s.get(m.Setting, PASSWORD_KEY) is not None


def set_coordinator_password(db: Database, new: str, current: str | None = None) -> None:
    """Set the password (first use) or change it (the current one is required)."""
    if len(new) < 6:
        raise StudyError("The coordinator password needs at least 6 characters.")
    with db.transaction() as s:
        row = s.get(m.Setting, PASSWORD_KEY)
        if row is not None:
            if current is None or not verify_secret(current, row.value):
                raise AccessDenied("The current coordinator password is wrong.")
            row.value = hash_pin(new)
        else:
            s.add(m.Setting(key=PASSWORD_KEY, value=hash_pin(new)))
        audit.record(s, actor="coordinator", action="update", entity="setting", entity_id=PASSWORD_KEY,
                     field="password", old="***" if row else None, new="***")


def check_coordinator_password(db: Database, password: str) -> bool:
    """True when right; repeated failures are slowed down (1 s, 2 s, 4 s … up to 30 s), across processes."""
    wait = backoff.wait_seconds(db)
    if wait > 0:
        time.sleep(wait)
    with db.reading() as s:
        row = s.get(m.Setting, PASSWORD_KEY)
    ok = row is not None and verify_secret(password, row.value)
    if ok:
        backoff.reset(db)
    else:
        backoff.record_failure(db)
    return ok


def reopen_rating(db: Database, assignment_id: str, reason: str, actor: str = "coordinator") -> None:
    """Make a submitted rating editable again; the reason is required and audited."""
    if not reason.strip():
        raise StudyError("Give a reason for reopening this rating; it is kept in the audit trail.")
    with db.transaction() as s:
        a = s.get(m.Assignment, assignment_id)
        if a is None:
            raise NotFound("This assignment no longer exists.")
        if a.status != "submitted":
            raise StudyError("Only a submitted rating can be reopened.")
        rating = s.scalar(select(m.Rating).where(m.Rating.assignment_id == assignment_id))
        a.status = "in_progress"
        rating.submitted_at = None
        rating.revision += 1
        rating.updated_at = m.utcnow()
        audit.record(s, actor=actor, action="reopen", entity="rating", entity_id=rating.id, field="status",
                     old="submitted", new="in_progress", reason=reason.strip(), study_id=a.study_id)
