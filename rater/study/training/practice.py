"""Putting training recordings into raters' queues (worked examples, practice, drift checks).

A practice rating is a normal rating on an assignment with ``purpose`` other
than "study", so the same workstation, player, form and scoring serve it and
every study table leaves it out. A hidden drift check uses the purpose
``HIDDEN_CHECK``, which the rater's queue shows exactly like a study session.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session as DbSession

from rater.storage import audit
from rater.storage import models as m
from rater.storage import models_training as t
from rater.storage.database import Database
from rater.study.errors import InvalidValue, NotFound
from rater.study.training import gold_store
from rater.study.training.material import study_sessions_sharing_files

HIDDEN_CHECK = "check"


def shown_purpose(purpose: str) -> str:
    """What the rater's queue may know of an assignment's purpose: a hidden check looks like a study one."""
    return "study" if purpose == HIDDEN_CHECK else purpose


def add_training_assignment(s: DbSession, session_id: str, instrument_id: str, rater_id: str, kind: str,
                            actor: str, meeting_id: str | None = None,
                            position: int | None = None) -> m.Assignment:
    """One training assignment inside the caller's transaction (validated, audited)."""
    mat = s.get(t.TrainingMaterial, session_id)
    if mat is None:
        raise InvalidValue("Only training material can be given as practice.")
    # An expert rating is how gold is made in the app, so it is the one kind that needs no gold yet.
    if kind != "expert" and gold_store.gold_row(s, session_id, instrument_id) is None:
        raise InvalidValue("This training recording has no gold rating for that instrument yet; import or "
                           "promote gold first, so the rater gets feedback.")
    rater = s.get(m.Rater, rater_id)
    if rater is None or rater.study_id != mat.study_id:
        raise NotFound("This rater is not in the study.")
    exists = s.scalar(select(m.Assignment.id).where(m.Assignment.session_id == session_id,
                                                    m.Assignment.rater_id == rater_id,
                                                    m.Assignment.instrument_id == instrument_id))
    if exists:
        raise InvalidValue(f"{rater.name} already has this training recording on this instrument.")
    # A training copy of a study session (e.g. promoted from consensus) is not for raters who rated the original.
    if shared := study_sessions_sharing_files(s, s.get(m.Session, session_id), rater_id):
        raise InvalidValue(f"{rater.name} rates {shared[0]}, the study session this recording comes from; "
                           "it cannot be their practice.")
    if position is None:
        position = (s.scalar(select(func.max(m.Assignment.queue_position))
                             .where(m.Assignment.rater_id == rater_id)) or 0) + 1
    purpose = HIDDEN_CHECK if kind == "drift_hidden" else "practice"
    a = m.Assignment(study_id=mat.study_id, session_id=session_id, rater_id=rater_id, instrument_id=instrument_id,
                     team_id=None, queue_position=position, purpose=purpose)
    s.add(a)
    s.flush()
    s.add(t.TrainingAssignment(assignment_id=a.id, kind=kind, meeting_id=meeting_id))
    audit.record(s, actor=actor, action="create", entity="assignment", entity_id=a.id, field="training",
                 new={"kind": kind, "rater": rater.code, "session_id": session_id}, study_id=mat.study_id)
    return a


def assign_practice(db: Database, session_id: str, instrument_id: str, rater_ids: Iterable[str],
                    actor: str = "coordinator", expert: bool = False) -> list[str]:
    """Give a training recording to raters, as the phase of the material says; all or none.

    ``expert`` gives it instead as an expert rating (e.g. the PI's), to be promoted to gold.
    """
    with db.transaction() as s:
        mat = s.get(t.TrainingMaterial, session_id)
        if mat is None:
            raise InvalidValue("Only training material can be given as practice.")
        ids = [add_training_assignment(s, session_id, instrument_id, r, "expert" if expert else mat.phase, actor).id for r in rater_ids]
        if not ids:
            raise InvalidValue("Choose at least one rater.")
        return ids
