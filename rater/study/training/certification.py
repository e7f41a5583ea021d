"""Certification: a criterion per instrument, decisions recomputed from the practice ratings, holds.

Every submitted practice rating (practice, drift check, calibration; not a
worked example) is one decision: the criterion is applied to the last N
scored recordings up to and including it. The rater is certified while the
latest decision passed and has not expired; a drift check that drops the
window below the criterion takes the certification away until they pass again.
Decisions are derived from the ratings themselves, so they come out the same
on every desktop that holds the same ratings; changing a criterion is audited.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from rater.storage import audit
from rater.storage import models as m
from rater.storage import models_training as t
from rater.storage.database import Database
from rater.study.errors import InvalidValue, NotFound
from rater.study.instruments import instrument_of
from rater.study.setup.settings import HOLD_UNTIL_CERTIFIED, StudySettings
from rater.study.training.agreement import NO_AGREEMENT, Agreement, agreement_of, differences
from rater.study.training.views import SCORED_KINDS, CertStatus, Criterion, Decision

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Scored:
    """One submitted, scored training rating and its agreement with gold."""

    assignment_id: str
    rater_id: str
    instrument_key: str
    submitted_at: datetime
    label: str
    kind: str
    agreement: Agreement
    item_diffs: dict[str, int]


def parse_share(text: str | float) -> float:
    """"80%", "80" or "0.8" → 0.8; refused outside 0–100%."""
    raw = str(text).strip()
    try:
        value = float(raw.rstrip("%"))
    except ValueError:
        raise InvalidValue(f"{raw!r} is not a percentage.") from None
    if raw.endswith("%") or value > 1:
        value /= 100
    if not 0 <= value <= 1:
        raise InvalidValue(f"{raw} is outside 0–100%.")
    return value


def validate(c: Criterion) -> None:
    problems = []
    if not 0 <= c.min_within1 <= 1:
        problems.append(f"the share within ±1 must be 0–100% (got {100 * c.min_within1:g}%)")
    if c.max_mad < 0:
        problems.append(f"the mean absolute difference cannot be negative (got {c.max_mad:g})")
    if c.last_n < 1:
        problems.append(f"N (practice recordings counted) must be at least 1 (got {c.last_n})")
    if c.validity_days is not None and c.validity_days < 1:
        problems.append(f"the validity period must be at least 1 day (got {c.validity_days})")
    if problems:
        raise InvalidValue("Criterion not saved: " + "; ".join(problems) + ".")


def set_criterion(db: Database, study_id: str, criterion: Criterion, actor: str = "coordinator") -> None:
    validate(criterion)
    with db.transaction() as s:
        keys = {row.key for row in s.scalars(select(m.InstrumentRecord))}
        if criterion.instrument_key not in keys:
            raise NotFound(f"No instrument {criterion.instrument_key!r} in this database.")
        row = s.scalar(select(t.CertificationCriterion).where(
            t.CertificationCriterion.study_id == study_id,
            t.CertificationCriterion.instrument_key == criterion.instrument_key))
        old = None if row is None else _criterion(row).describe()
        if row is None:
            row = t.CertificationCriterion(study_id=study_id, instrument_key=criterion.instrument_key)
            s.add(row)
        row.min_within1, row.max_mad = criterion.min_within1, criterion.max_mad
        row.last_n, row.validity_days = criterion.last_n, criterion.validity_days
        s.flush()
        audit.record(s, actor=actor, action="update" if old else "create", entity="certification_criterion",
                     entity_id=row.id, field=criterion.instrument_key, old=old, new=criterion.describe(),
                     study_id=study_id)


def set_hold(db: Database, study_id: str, hold: bool, actor: str = "coordinator") -> None:
    """Hold study assignments until the rater is certified on the instruments their team rates."""
    with db.transaction() as s:
        study = s.get(m.Study, study_id)
        old = StudySettings.read(study.settings).hold_until_certified
        if old != hold:
            study.settings = {**study.settings, HOLD_UNTIL_CERTIFIED: hold}
            audit.record(s, actor=actor, action="update", entity="study", entity_id=study_id,
                         field=HOLD_UNTIL_CERTIFIED, old=old, new=hold, study_id=study_id)


def _criterion(row: t.CertificationCriterion) -> Criterion:
    return Criterion(row.instrument_key, row.min_within1, row.max_mad, row.last_n, row.validity_days)


def criteria(s: DbSession, study_id: str) -> dict[str, Criterion]:
    rows = s.scalars(select(t.CertificationCriterion).where(t.CertificationCriterion.study_id == study_id))
    return {r.instrument_key: _criterion(r) for r in rows}


def scored_ratings(s: DbSession, study_id: str, rater_ids: Iterable[str] | None = None) -> list[Scored]:
    """Every submitted scored training rating of the study (or of some raters), oldest first.

    Plain column queries, no ORM objects: the drift view reads every practice
    rating of a whole study at once.
    """
    where = [m.Assignment.study_id == study_id, m.Assignment.status == "submitted",
             t.TrainingAssignment.kind.in_(SCORED_KINDS)]
    if rater_ids is not None:
        where.append(m.Assignment.rater_id.in_(list(rater_ids)))
    rows = s.execute(
        select(m.Assignment.id, m.Assignment.rater_id, m.Assignment.session_id, m.Assignment.instrument_id,
               t.TrainingAssignment.kind, m.Rating.id, m.Rating.submitted_at, m.Rating.updated_at,
               m.Session.number, m.Patient.code)
        .join(t.TrainingAssignment, t.TrainingAssignment.assignment_id == m.Assignment.id)
        .join(m.Rating, m.Rating.assignment_id == m.Assignment.id)
        .join(m.Session, m.Session.id == m.Assignment.session_id)
        .join(m.Patient, m.Patient.id == m.Session.patient_id)
        .where(*where).order_by(m.Rating.submitted_at, m.Assignment.id)).all()
    if not rows:
        return []
    responses: dict[str, dict[str, tuple[int | None, bool]]] = {}
    for rating_id, item_id, value, is_na in s.execute(
            select(m.ItemScore.rating_id, m.ItemScore.item_id, m.ItemScore.value, m.ItemScore.is_na)
            .join(m.Rating, m.Rating.id == m.ItemScore.rating_id)
            .join(m.Assignment, m.Assignment.id == m.Rating.assignment_id)
            .join(t.TrainingAssignment, t.TrainingAssignment.assignment_id == m.Assignment.id)
            .where(*where)):
        responses.setdefault(rating_id, {})[item_id] = (value, is_na)
    gold: dict[tuple[str, str], dict[str, tuple[int | None, bool]]] = {}
    for session_id, instrument_id, item_id, value, is_na in s.execute(
            select(t.GoldRating.session_id, t.GoldRating.instrument_id, t.GoldScore.item_id, t.GoldScore.value,
                   t.GoldScore.is_na)
            .join(t.GoldScore, t.GoldScore.gold_rating_id == t.GoldRating.id)
            .join(t.TrainingMaterial, t.TrainingMaterial.session_id == t.GoldRating.session_id)
            .where(t.TrainingMaterial.study_id == study_id)):
        gold.setdefault((session_id, instrument_id), {})[item_id] = (value, is_na)
    instruments = {iid: (row.key, instrument_of(row)) for iid in {r[3] for r in rows}
                   if (row := s.get(m.InstrumentRecord, iid)) is not None}
    applicable: dict[tuple[str, int], list[str]] = {}
    out = []
    for a_id, rater_id, session_id, inst_id, kind, rating_id, submitted, updated, number, code in rows:
        g = gold.get((session_id, inst_id))
        if g is None:
            continue  # gold removed after the rating: nothing to compare with
        key, inst = instruments[inst_id]
        items = applicable.get((inst_id, number))
        if items is None:
            items = applicable[(inst_id, number)] = [i.id for i in inst.items if inst.item_applies(i.id, number)]
        diffs = differences(items, responses.get(rating_id, {}), g)
        out.append(Scored(a_id, rater_id, key, submitted or updated, f"{code}:{number}", kind,
                          agreement_of(diffs.values()), diffs))
    return out


def decisions(scored: list[Scored], c: Criterion) -> list[Decision]:
    """One decision per scored rating (oldest first) under criterion ``c``."""
    out = []
    for i, r in enumerate(scored):
        window = scored[max(0, i - c.last_n + 1): i + 1]
        agg = sum((w.agreement for w in window), NO_AGREEMENT)
        passed = (len(window) >= c.last_n and agg.n > 0 and agg.within1 >= c.min_within1 - 1e-9
                  and agg.mad <= c.max_mad + 1e-9)
        expires = r.submitted_at + timedelta(days=c.validity_days) if passed and c.validity_days else None
        out.append(Decision(r.submitted_at, r.assignment_id, r.label, r.kind, len(window), agg, passed, expires))
    return out


def status_from(rater_id: str, rater_code: str, key: str, c: Criterion | None, scored: list[Scored],
                now: datetime) -> CertStatus:
    if c is None:
        return CertStatus(rater_id, rater_code, key, "no_criterion", None, None, None)
    history = decisions(scored, c)
    latest = history[-1] if history else None
    if latest is None or not latest.passed:
        return CertStatus(rater_id, rater_code, key, "not_certified", None, None, latest, history, c)
    since = latest.at
    for d in reversed(history):
        if not d.passed:
            break
        since = d.at
    state = "expired" if latest.expires_at is not None and now > latest.expires_at else "certified"
    return CertStatus(rater_id, rater_code, key, state, since, latest.expires_at, latest, history, c)


def statuses(s: DbSession, study_id: str, now: datetime, rater_ids: Iterable[str] | None = None) -> list[CertStatus]:
    """Status per rater and instrument with a criterion (raters of the study, by code)."""
    crit = criteria(s, study_id)
    q = select(m.Rater).where(m.Rater.study_id == study_id).order_by(m.Rater.code)
    if rater_ids is not None:
        q = q.where(m.Rater.id.in_(list(rater_ids)))
    raters = list(s.scalars(q))
    scored = scored_ratings(s, study_id, [r.id for r in raters])
    by: dict[tuple[str, str], list[Scored]] = {}
    for x in scored:
        by.setdefault((x.rater_id, x.instrument_key), []).append(x)
    return [status_from(r.id, r.code, key, c, by.get((r.id, key), []), now)
            for r in raters for key, c in sorted(crit.items())]


def rater_statuses(db: Database, study_id: str, now: datetime | None = None) -> list[CertStatus]:
    with db.reading() as s:
        return statuses(s, study_id, now or m.utcnow())


def held_instruments(s: DbSession, rater_id: str, now: datetime | None = None) -> dict[str, str]:
    """Instrument key → why this rater's study assignments on it are held (empty when nothing is held)."""
    rater = s.get(m.Rater, rater_id)
    if rater is None:
        return {}
    study = s.get(m.Study, rater.study_id)
    if not StudySettings.read(study.settings).hold_until_certified:
        return {}
    keys = set(s.scalars(select(m.InstrumentRecord.key)
                         .join(m.TeamInstrument, m.TeamInstrument.instrument_id == m.InstrumentRecord.id)
                         .join(m.TeamMember, m.TeamMember.team_id == m.TeamInstrument.team_id)
                         .where(m.TeamMember.rater_id == rater_id)))
    out = {}
    for st in statuses(s, study.id, now or m.utcnow(), [rater_id]):
        if st.instrument_key in keys and st.state not in ("certified", "no_criterion"):
            out[st.instrument_key] = "Held until you are certified. " + st.reason()
    return out


def read_criteria(db: Database, study_id: str) -> tuple[dict[str, Criterion], bool]:
    """The study's criteria by instrument key, and whether study assignments are held until certified."""
    with db.reading() as s:
        return criteria(s, study_id), StudySettings.read(s.get(m.Study, study_id).settings).hold_until_certified
