"""Drift checks during the rating period: schedules, placing due checks, and the per-rater drift figures.

A schedule gives a rater one practice recording every N submitted study
sessions or every M days, *hidden* (in the study queue, looking like any
study session) or *open* (in the Training section). Due checks are placed
when the rater's queue is shown and by ``rater training drift place``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rater.storage import audit
from rater.storage import models as m
from rater.storage import models_training as t
from rater.storage.database import Database
from rater.study.errors import InvalidValue, NotFound
from rater.study.training import certification
from rater.study.training.practice import add_training_assignment
from rater.study.training.views import Criterion

log = logging.getLogger(__name__)
MODES = {"hidden": "drift_hidden", "open": "drift_open"}


@dataclass(frozen=True)
class DriftPoint:
    at: datetime
    label: str
    kind: str
    exact: float | None
    within1: float | None
    mad: float | None


@dataclass(frozen=True)
class RaterDrift:
    rater_id: str
    rater_code: str
    instrument_key: str
    points: list[DriftPoint]
    bias: dict[str, float]  # item → mean (rater − gold) over the checks
    flagged: bool
    reason: str


def schedule(db: Database, rater_id: str, instrument_id: str, mode: str, every_sessions: int | None = None,
             every_days: int | None = None, actor: str = "coordinator") -> str:
    """Schedule drift checks for one rater; refused for a rater who has no study assignments."""
    if mode not in MODES:
        raise InvalidValue(f"Unknown mode {mode!r}: choose hidden or open.")
    if (every_sessions is None) == (every_days is None):
        raise InvalidValue("Give either every N study sessions or every M days.")
    for name, n in (("N", every_sessions), ("M", every_days)):
        if n is not None and n < 1:
            raise InvalidValue(f"{name} must be at least 1 (got {n}).")
    with db.transaction() as s:
        rater = s.get(m.Rater, rater_id)
        if rater is None:
            raise NotFound("This rater no longer exists.")
        has_study = s.scalar(select(func.count()).select_from(m.Assignment).where(
            m.Assignment.rater_id == rater_id, m.Assignment.purpose == "study"))
        if not has_study:
            raise InvalidValue(f"{rater.name} has no study assignments; drift checks are for the rating period.")
        row = t.DriftSchedule(study_id=rater.study_id, rater_id=rater_id, instrument_id=instrument_id, mode=mode,
                              every_sessions=every_sessions, every_days=every_days)
        s.add(row)
        s.flush()
        every = f"every {every_sessions} study sessions" if every_sessions else f"every {every_days} days"
        audit.record(s, actor=actor, action="create", entity="drift_schedule", entity_id=row.id,
                     field=rater.code, new=f"{mode}, {every}", study_id=rater.study_id)
        return row.id


def _placed(s: Session, sch: t.DriftSchedule) -> list[m.Assignment]:
    return list(s.scalars(select(m.Assignment)
                          .join(t.TrainingAssignment, t.TrainingAssignment.assignment_id == m.Assignment.id)
                          .where(m.Assignment.rater_id == sch.rater_id, m.Assignment.instrument_id == sch.instrument_id,
                                 t.TrainingAssignment.kind == MODES[sch.mode],
                                 m.Assignment.created_at >= sch.created_at)
                          .order_by(m.Assignment.created_at)))


def _due(s: Session, sch: t.DriftSchedule, now: datetime) -> int:
    placed = _placed(s, sch)
    if sch.every_sessions:
        done = s.scalar(select(func.count()).select_from(m.Assignment).where(
            m.Assignment.rater_id == sch.rater_id, m.Assignment.purpose == "study",
            m.Assignment.status == "submitted"))
        return max(0, done // sch.every_sessions - len(placed))
    last = placed[-1].created_at if placed else sch.created_at
    return 1 if now - last >= timedelta(days=sch.every_days) else 0


def _next_material(s: Session, sch: t.DriftSchedule) -> str | None:
    """A practice recording with gold that the rater has not had yet (oldest first)."""
    had = select(m.Assignment.session_id).where(m.Assignment.rater_id == sch.rater_id)
    return s.scalar(select(t.TrainingMaterial.session_id)
                    .join(t.GoldRating, t.GoldRating.session_id == t.TrainingMaterial.session_id)
                    .where(t.TrainingMaterial.study_id == sch.study_id, t.TrainingMaterial.phase == "practice",
                           t.GoldRating.instrument_id == sch.instrument_id,
                           t.TrainingMaterial.session_id.not_in(had))
                    .order_by(t.TrainingMaterial.added_at, t.TrainingMaterial.session_id))


def place_due(db: Database, rater_id: str | None = None, study_id: str | None = None,
              now: datetime | None = None) -> list[str]:
    """Place every due check (of one rater or a whole study); returns the new assignment ids."""
    now = now or m.utcnow()
    made: list[str] = []
    with db.transaction() as s:
        q = select(t.DriftSchedule)
        if rater_id is not None:
            q = q.where(t.DriftSchedule.rater_id == rater_id)
        if study_id is not None:
            q = q.where(t.DriftSchedule.study_id == study_id)
        for sch in s.scalars(q).all():
            for _ in range(_due(s, sch, now)):
                session_id = _next_material(s, sch)
                if session_id is None:
                    log.warning("drift check due for rater %s but no unused practice recording is left", sch.rater_id)
                    break
                # A hidden check takes the place of the rater's next study session, so it is met in the same way.
                position = s.scalar(select(func.min(m.Assignment.queue_position)).where(
                    m.Assignment.rater_id == sch.rater_id, m.Assignment.purpose == "study",
                    m.Assignment.status != "submitted")) if sch.mode == "hidden" else None
                a = add_training_assignment(s, session_id, sch.instrument_id, sch.rater_id, MODES[sch.mode],
                                            "coordinator", position=position)
                made.append(a.id)
                s.flush()
    return made


def drift_view(db: Database, study_id: str, now: datetime | None = None) -> tuple[list[RaterDrift], dict[str, Criterion]]:
    """Per rater and instrument: agreement with gold over time, bias by item, and whether they are flagged."""
    now = now or m.utcnow()
    with db.reading() as s:
        crit = certification.criteria(s, study_id)
        raters = {r.id: r.code for r in s.scalars(select(m.Rater).where(m.Rater.study_id == study_id))}
        scored = certification.scored_ratings(s, study_id)
    by: dict[tuple[str, str], list[certification.Scored]] = {}
    for x in scored:
        by.setdefault((x.rater_id, x.instrument_key), []).append(x)
    out = []
    for (rater_id, key), rows in sorted(by.items(), key=lambda kv: (raters.get(kv[0][0], ""), kv[0][1])):
        sums: dict[str, list[int]] = {}
        for x in rows:
            for item, d in x.item_diffs.items():
                sums.setdefault(item, []).append(d)
        status = certification.status_from(rater_id, raters.get(rater_id, ""), key, crit.get(key), rows, now)
        flagged = status.state in ("not_certified", "expired")
        out.append(RaterDrift(rater_id, raters.get(rater_id, ""), key,
                              [DriftPoint(x.submitted_at, x.label, x.kind, x.agreement.exact, x.agreement.within1,
                                          x.agreement.mad) for x in rows],
                              {i: sum(v) / len(v) for i, v in sums.items()}, flagged, status.reason()))
    return out, crit
