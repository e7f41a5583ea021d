"""One study's data for export, as plain rows read with Core selects.

:func:`load_study` reads the small tables (study, instruments, teams, raters,
sessions) once. :meth:`StudyData.ratings` then streams the ratings session
batch by session batch, each rating with its item scores, in the order the
export shows them: patient, session number, rater code, instrument. Item
scores are read as columns (no ORM object per row), so a study of a million
item scores is exported in bounded memory and on SQLite or PostgreSQL alike.
By default only submitted ratings are included; practice ratings never are.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from rater.storage import models as m
from rater.storage.database import Database
from rater.study.reliability_data import InstrumentCatalog, StudyInstrument, study_catalog

log = logging.getLogger(__name__)

SESSION_BATCH = 400  # sessions per query: well under SQLite's bound-parameter limit
_DIGITS = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple:
    """Sort key ordering embedded numbers numerically ("P2" before "P10")."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in _DIGITS.split(text) if part)


@dataclass(frozen=True)
class StudyInfo:
    id: str
    code: str
    name: str
    description: str
    created_at: datetime


@dataclass(frozen=True)
class SessionInfo:
    id: str
    patient: str
    number: int
    date: date | None


@dataclass(frozen=True)
class RaterInfo:
    id: str
    code: str
    name: str
    active: bool
    teams: tuple[str, ...]


@dataclass(frozen=True)
class TeamRate:
    instrument_key: str
    instrument_version: str
    session_min: int | None
    session_max: int | None


@dataclass(frozen=True)
class TeamInfo:
    id: str
    name: str
    description: str
    raters_per_session: int
    keeps_homework_log: bool
    rates: tuple[TeamRate, ...]
    members: tuple[str, ...]  # rater codes


# One stored item score: (item id, value, is_na, note); value is None when
# unanswered or N/A. A plain tuple, because a million of them are made per pass.
ItemValue = tuple[str, int | None, bool, str]


@dataclass(slots=True)
class RatingRecord:
    """One rater's rating of one session on one instrument, with its item scores."""

    session: SessionInfo
    rater: RaterInfo
    team: str
    instrument: StudyInstrument
    status: str
    submitted_at: datetime | None
    scores: list[ItemValue]


@dataclass(frozen=True)
class Counts:
    """Sizes used for progress estimates."""

    item_scores: int
    ratings: int
    rater_sessions: int
    sessions: int


@dataclass
class StudyData:
    """The study's metadata plus streaming access to its ratings."""

    db: Database
    study: StudyInfo
    catalog: InstrumentCatalog
    teams: list[TeamInfo]
    raters: dict[str, RaterInfo]  # id -> rater, in natural code order
    sessions: list[SessionInfo]  # natural patient order, then session number
    include_in_progress: bool = False

    @property
    def instruments(self) -> dict[str, StudyInstrument]:
        return self.catalog.by_row_id()

    def _included(self, query):
        query = query.where(m.Assignment.study_id == self.study.id, m.Assignment.purpose == "study")
        if not self.include_in_progress:
            query = query.where(m.Rating.submitted_at.is_not(None))
        return query

    def counts(self) -> Counts:
        """Item scores, ratings, (session, rater) pairs and sessions that will be exported."""
        base = self._included(select(m.ItemScore.id).join(m.Rating, m.Rating.id == m.ItemScore.rating_id)
                              .join(m.Assignment, m.Assignment.id == m.Rating.assignment_id)).subquery()
        ratings = self._included(select(m.Assignment.session_id, m.Assignment.rater_id)
                                 .join(m.Rating, m.Rating.assignment_id == m.Assignment.id)).subquery()
        with self.db.reading() as s:
            n_scores = s.scalar(select(func.count()).select_from(base)) or 0
            n_ratings = s.scalar(select(func.count()).select_from(ratings)) or 0
            pairs = select(ratings.c.session_id, ratings.c.rater_id).distinct().subquery()
            n_pairs = s.scalar(select(func.count()).select_from(pairs)) or 0
            n_sessions = s.scalar(select(func.count(ratings.c.session_id.distinct()))) or 0
        return Counts(n_scores, n_ratings, n_pairs, n_sessions)

    def ratings(self) -> Iterator[RatingRecord]:
        """Every included rating with its item scores, in export order."""
        instruments = self.instruments
        team_names = {t.id: t.name for t in self.teams}
        rater_rank = {rid: i for i, rid in enumerate(self.raters)}
        inst_rank = {row_id: i for i, row_id in enumerate(instruments)}
        item_rank = {v.row_id: {it.id: i for i, it in enumerate(v.model.items)} for v in instruments.values()}
        for start in range(0, len(self.sessions), SESSION_BATCH):
            batch = self.sessions[start:start + SESSION_BATCH]
            by_id = {sess.id: (i, sess) for i, sess in enumerate(batch)}
            records: dict[str, RatingRecord] = {}
            with self.db.reading() as s:
                # Core execution on the session's connection skips the ORM's per-row work;
                # ratings and their scores are read apart so a rating's columns (a parsed
                # submission time among them) are handled once, not once per item.
                conn = s.connection()
                for rid, sid, rater_id, inst_id, team_id, status, submitted in conn.execute(
                        self._batch_ratings(list(by_id))):
                    records[rid] = RatingRecord(by_id[sid][1], self.raters[rater_id], team_names.get(team_id, ""),
                                                instruments[inst_id], status, submitted, [])
                for rid, item, value, na, note in conn.execute(self._batch_scores(list(by_id))).all():
                    records[rid].scores.append((item, value, na, note or ""))
            ordered = sorted((r for r in records.values() if r.scores),
                             key=lambda r: (by_id[r.session.id][0], rater_rank[r.rater.id],
                                            inst_rank[r.instrument.row_id]))
            for record in ordered:
                rank = item_rank[record.instrument.row_id]
                record.scores.sort(key=lambda v: rank.get(v[0], len(rank)))
                yield record

    def _batch_ratings(self, session_ids: list[str]):
        return self._included(
            select(m.Rating.id, m.Assignment.session_id, m.Assignment.rater_id, m.Assignment.instrument_id,
                   m.Assignment.team_id, m.Assignment.status, m.Rating.submitted_at)
            .join(m.Rating, m.Rating.assignment_id == m.Assignment.id)
            .where(m.Assignment.session_id.in_(session_ids)))

    def _batch_scores(self, session_ids: list[str]):
        return self._included(
            select(m.ItemScore.rating_id, m.ItemScore.item_id, m.ItemScore.value, m.ItemScore.is_na,
                   m.ItemScore.note)
            .join(m.Rating, m.Rating.id == m.ItemScore.rating_id)
            .join(m.Assignment, m.Assignment.id == m.Rating.assignment_id)
            .where(m.Assignment.session_id.in_(session_ids)))


def load_study(db: Database, study_id: str, include_in_progress: bool = False) -> StudyData:
    """Read the study's metadata; ratings are streamed later by :meth:`StudyData.ratings`."""
    with db.reading() as s:
        row = s.get(m.Study, study_id)
        if row is None:
            raise LookupError(f"no study with id {study_id}")
        study = StudyInfo(row.id, row.code, row.name, row.description, row.created_at)
        catalog = study_catalog(s, study_id)
        versions = catalog.by_row_id()
        memberships = s.execute(
            select(m.TeamMember.rater_id, m.Team.name).join(m.Team, m.Team.id == m.TeamMember.team_id)
            .where(m.Team.study_id == study_id).order_by(m.Team.name)).all()
        teams_of: dict[str, list[str]] = {}
        for rater_id, team in memberships:
            teams_of.setdefault(rater_id, []).append(team)
        raters = [RaterInfo(r.id, r.code, r.name, r.active, tuple(teams_of.get(r.id, ())))
                  for r in s.scalars(select(m.Rater).where(m.Rater.study_id == study_id))]
        raters.sort(key=lambda r: natural_key(r.code))
        codes = {r.id: r.code for r in raters}
        teams = []
        for team in s.scalars(select(m.Team).where(m.Team.study_id == study_id).order_by(m.Team.name)):
            rates = tuple(TeamRate(versions[ti.instrument_id].key, versions[ti.instrument_id].version,
                                   ti.session_min, ti.session_max)
                          for ti in sorted(team.instruments, key=lambda ti: list(versions).index(ti.instrument_id)))
            members = sorted((codes[rid] for rid, name in memberships if name == team.name and rid in codes),
                             key=natural_key)
            teams.append(TeamInfo(team.id, team.name, team.description, team.raters_per_session,
                                  team.keeps_homework_log, rates, tuple(members)))
        sessions = [SessionInfo(sid, code, number, day) for sid, code, number, day in s.execute(
            select(m.Session.id, m.Patient.code, m.Session.number, m.Session.date)
            .join(m.Patient, m.Patient.id == m.Session.patient_id)
            .where(m.Patient.study_id == study_id, m.Session.is_practice.is_(False)))]
    sessions.sort(key=lambda x: (natural_key(x.patient), x.number))
    log.info("study %s: %d instrument version(s), %d team(s), %d rater(s), %d session(s)", study.code,
             len(catalog.versions), len(teams), len(raters), len(sessions))
    return StudyData(db, study, catalog, teams, {r.id: r for r in raters}, sessions, include_in_progress)
