"""Manual changes to who rates a session: add, remove, swap — each checked and audited.

Every edit re-checks the rules the generator keeps: the rater belongs to the
team and is active, the team rates that session, and a rater rates at most
one session per patient. A rating that has begun (scores, marks or
submitted) is never taken away from its rater. A session left with fewer
raters than the team needs is allowed but reported as a warning.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session as DbSession

from rater.storage import models as m
from rater.storage.database import Database
from rater.study.assign.db import TeamSetup, assignment_row, audit_row, describe, insert_rows, load_team, next_positions
from rater.study.assign.patient_rule import RULE, PatientRule
from rater.study.errors import NotFound, StudyError

log = logging.getLogger(__name__)


class AssignmentConflict(StudyError):
    """A manual edit that would break a rule or lose rating work; nothing was changed."""


@dataclass(frozen=True)
class EditResult:
    """The assignments touched and any warnings (e.g. a session short of raters)."""

    assignment_ids: tuple[str, ...]
    warnings: tuple[str, ...] = ()


@dataclass
class _Context:
    setup: TeamSetup
    session: m.Session
    patient: str
    label: str  # "P012 session 2"


def _context(s: DbSession, session_id: str, team_id: str) -> _Context:
    setup = load_team(s, team_id)
    session = s.get(m.Session, session_id)
    if session is None or session.patient.study_id != setup.study_id:
        raise NotFound("This session is not part of the team's study.")
    label = f"{session.patient.code} session {session.number}"
    if session.is_practice:
        raise AssignmentConflict(f"{label} is a practice session; it is not rated by teams")
    if not setup.instruments_for(session.number):
        raise AssignmentConflict(f"{setup.name} does not rate {label} (it rates {setup.rates_label})")
    return _Context(setup, session, session.patient.code, label)


def _member(s: DbSession, ctx: _Context, rater_id: str) -> m.Rater:
    rater = s.get(m.Rater, rater_id)
    if rater is None or rater.study_id != ctx.setup.study_id:
        raise NotFound("This rater is not part of the study.")
    if s.get(m.TeamMember, (ctx.setup.id, rater_id)) is None:
        raise AssignmentConflict(f"{rater.code} is not a member of {ctx.setup.name}; nothing was changed")
    if not rater.active:
        raise AssignmentConflict(f"{rater.code} is inactive; nothing was changed")
    return rater


def _team_rows(s: DbSession, ctx: _Context, rater_id: str, session_id: str) -> list[m.Assignment]:
    return list(s.scalars(
        select(m.Assignment).where(m.Assignment.team_id == ctx.setup.id, m.Assignment.session_id == session_id,
                                   m.Assignment.rater_id == rater_id, m.Assignment.purpose == "study")
    ))


def _check_patient_rule(s: DbSession, ctx: _Context, rater: m.Rater) -> None:
    """Refuse when the rater already rates another session of this patient for the team."""
    # The facts: the sessions of this patient the rater rates for the team; the rule decides.
    rated = dict(s.execute(
        select(m.Session.id, m.Session.number)
        .join(m.Assignment, m.Assignment.session_id == m.Session.id)
        .where(m.Session.patient_id == ctx.session.patient_id,
               m.Assignment.rater_id == rater.id, m.Assignment.team_id == ctx.setup.id,
               m.Assignment.purpose == "study")
    ).all())
    other = PatientRule((ctx.patient, rater.id, sid) for sid in rated).clash(ctx.patient, rater.id, ctx.session.id)
    if other is not None:
        raise AssignmentConflict(f"{rater.code} already rates {ctx.patient} session {rated[other]} — {RULE}; "
                                 "nothing was changed")


def _check_not_started(s: DbSession, rater: m.Rater, rows: list[m.Assignment], done: str) -> list[m.Rating]:
    """Refuse when any of the rows has rating work; return the empty ratings (opened, nothing entered)."""
    names = {a.id: a.instrument.name for a in rows}
    ratings = list(s.scalars(select(m.Rating).where(m.Rating.assignment_id.in_(names))))
    for rating in ratings:
        scores = s.scalar(select(func.count()).select_from(m.ItemScore).where(
            m.ItemScore.rating_id == rating.id,
            or_(m.ItemScore.value.is_not(None), m.ItemScore.is_na.is_(True), m.ItemScore.note != "")))
        marks = s.scalar(select(func.count()).select_from(m.Mark).where(m.Mark.rating_id == rating.id))
        what = ("submitted" if rating.submitted_at is not None else
                f"{scores} score(s)" if scores else f"{marks} mark(s)" if marks else "")
        if what:
            raise AssignmentConflict(f"{rater.code} has already started rating this session "
                                     f"({names[rating.assignment_id]}: {what}); reopen/delete is not allowed "
                                     f"— nothing was {done}")
    for a in rows:
        if a.status == "submitted":
            raise AssignmentConflict(f"{rater.code} has already started rating this session "
                                     f"({a.instrument.name}: submitted); reopen/delete is not allowed "
                                     f"— nothing was {done}")
    return ratings


def _coverage_warnings(s: DbSession, ctx: _Context) -> tuple[str, ...]:
    counts = dict(s.execute(
        select(m.Assignment.instrument_id, func.count())
        .where(m.Assignment.team_id == ctx.setup.id, m.Assignment.session_id == ctx.session.id,
               m.Assignment.purpose == "study")
        .group_by(m.Assignment.instrument_id)
    ).all())
    k = ctx.setup.k
    out = []
    for inst in ctx.setup.instruments_for(ctx.session.number):
        n = counts.get(inst.instrument_id, 0)
        if n < k:
            out.append(f"{ctx.label} now has {n} of {k} raters for {inst.name} ({ctx.setup.name} needs {k})")
        elif n > k:
            out.append(f"{ctx.label} now has {n} raters for {inst.name} ({ctx.setup.name} needs {k})")
    return tuple(out)


def add_rater_to_session(db: Database, session_id: str, rater_id: str, team_id: str,
                         actor: str = "coordinator") -> EditResult:
    """Give a team member every instrument the team rates on this session (the missing ones)."""
    with db.transaction() as s:
        ctx = _context(s, session_id, team_id)
        rater = _member(s, ctx, rater_id)
        present = {a.instrument_id for a in _team_rows(s, ctx, rater_id, session_id)}
        missing = [i for i in ctx.setup.instruments_for(ctx.session.number) if i.instrument_id not in present]
        if not missing:
            raise AssignmentConflict(f"{rater.code} already rates {ctx.label} for {ctx.setup.name}; "
                                     "nothing was added")
        if not present:
            _check_patient_rule(s, ctx, rater)
        position = next_positions(s, [rater_id])[rater_id]
        rows, events = [], []
        for offset, inst in enumerate(missing):
            row = assignment_row(study_id=ctx.setup.study_id, session_id=session_id, rater_id=rater_id,
                                 instrument_id=inst.instrument_id, team_id=ctx.setup.id, position=position + offset)
            rows.append(row)
            events.append(audit_row(actor=actor, study_id=ctx.setup.study_id, action="create", entity="assignment",
                                    entity_id=row["id"], field="assignment", reason="added by hand",
                                    new=describe(ctx.patient, ctx.session.number, rater.code, inst.key,
                                                 position + offset)))
        insert_rows(s, rows, events)
        log.info("added %s to %s (%s)", rater.code, ctx.label, ctx.setup.name)
        return EditResult(tuple(r["id"] for r in rows), _coverage_warnings(s, ctx))


def remove_rater_from_session(db: Database, session_id: str, rater_id: str, team_id: str,
                              actor: str = "coordinator") -> EditResult:
    """Take a session (all its instruments) from a rater who has not started rating it."""
    with db.transaction() as s:
        ctx = _context(s, session_id, team_id)
        rater, rows = _assigned(s, ctx, rater_id, session_id, "removed")
        empty = _check_not_started(s, rater, rows, "removed")
        opened = {r.assignment_id for r in empty}
        events = [
            audit_row(actor=actor, study_id=ctx.setup.study_id, action="delete", entity="assignment",
                      entity_id=a.id, field="assignment",
                      old=describe(ctx.patient, ctx.session.number, rater.code, a.instrument.key, a.queue_position),
                      reason="removed by hand" + (" (it had been opened; nothing was rated)" if a.id in opened else ""))
            for a in rows
        ]
        for obj in [*empty, *rows]:
            s.delete(obj)
        s.flush()
        insert_rows(s, [], events)
        log.info("removed %s from %s (%s)", rater.code, ctx.label, ctx.setup.name)
        return EditResult(tuple(a.id for a in rows), _coverage_warnings(s, ctx))


def swap_rater(db: Database, session_id: str, old_rater_id: str, new_rater_id: str, team_id: str,
               actor: str = "coordinator") -> EditResult:
    """Hand a not-yet-started session from one rater to another team member (same assignments, new rater)."""
    with db.transaction() as s:
        ctx = _context(s, session_id, team_id)
        old, rows = _assigned(s, ctx, old_rater_id, session_id, "swapped")
        new = _member(s, ctx, new_rater_id)
        if _team_rows(s, ctx, new_rater_id, session_id):
            raise AssignmentConflict(f"{new.code} already rates {ctx.label}; nothing was swapped")
        _check_patient_rule(s, ctx, new)
        for rating in _check_not_started(s, old, rows, "swapped"):
            s.delete(rating)  # opened but empty: the old rater's playback position means nothing to the new one
        position = next_positions(s, [new_rater_id])[new_rater_id]
        events = []
        for offset, a in enumerate(sorted(rows, key=lambda a: a.queue_position)):
            events.append(audit_row(actor=actor, study_id=ctx.setup.study_id, action="update", entity="assignment",
                                    entity_id=a.id, field="rater", old=old.code, new=new.code,
                                    reason=f"swapped on {ctx.label} ({a.instrument.key})"))
            a.rater_id, a.queue_position, a.status = new_rater_id, position + offset, "not_started"
        s.flush()
        insert_rows(s, [], events)
        log.info("swapped %s → %s on %s (%s)", old.code, new.code, ctx.label, ctx.setup.name)
        return EditResult(tuple(a.id for a in rows), _coverage_warnings(s, ctx))


def _assigned(s: DbSession, ctx: _Context, rater_id: str, session_id: str, verb: str
              ) -> tuple[m.Rater, list[m.Assignment]]:
    """The rater and their assignments of this session in the team; NotFound when there are none."""
    rater = s.get(m.Rater, rater_id)
    rows = _team_rows(s, ctx, rater_id, session_id) if rater is not None else []
    if not rows:
        code = rater.code if rater is not None else "This rater"
        raise NotFound(f"{code} is not assigned to {ctx.label} for {ctx.setup.name} — nothing was {verb}")
    return rater, rows
