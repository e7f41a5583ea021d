"""One study's data for export, read once.

:func:`load_study` reads the small tables (study, instruments, teams, raters,
sessions) and, in the same pass, every included item score into numpy
columns (:mod:`rater.study.reports.scores_read`, 13 bytes per score). Scale
scores are computed for all ratings by the one scoring engine
(:mod:`rater.export.scale_columns`) when the tables first need them. The
rating tables make their rows from these columns a block at a time (:mod:`rater.export.rating_rows`), in the
order the export shows them (patient, session number, rater code,
instrument), and :meth:`StudyData.reliability_data` hands the same columns
to the statistics.
By default only submitted ratings are included; practice ratings never are.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
from sqlalchemy import select

from rater.export.scale_columns import ScaleColumn, scale_columns
from rater.sort_keys import natural_key
from rater.stats import StatsInputError
from rater.storage import models as m
from rater.storage.database import Database
from rater.study.reports.reliability_data import (
    InstrumentCatalog,
    ReliabilityData,
    StudyInstrument,
    reliability_from_scores,
    study_catalog,
)
from rater.study.reports.scores_read import StudyScores, read_scores

log = logging.getLogger(__name__)



@dataclass(frozen=True)
class ExportedStudy:
    id: str
    code: str
    name: str
    description: str
    created_at: datetime


@dataclass(frozen=True, slots=True)  # one per session: a large study has tens of thousands
class SessionInfo:
    id: str
    patient: str
    number: int
    date: date | None


@dataclass(frozen=True)
class ExportedRater:
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


@dataclass(frozen=True)
class ExportCounts:
    """Sizes used for progress estimates."""

    item_scores: int
    ratings: int
    rater_sessions: int
    sessions: int


@dataclass
class StudyData:
    """The study's metadata and its item scores, read once (:mod:`rater.study.reports.scores_read`)."""

    db: Database
    study: ExportedStudy
    catalog: InstrumentCatalog
    teams: list[TeamInfo]
    raters: dict[str, ExportedRater]  # id -> rater, in natural code order
    sessions: list[SessionInfo]  # natural patient order, then session number
    include_in_progress: bool = False
    scores: StudyScores | None = None
    _scale_scores: dict[tuple[str, str], ScaleColumn] | None = field(default=None, repr=False)

    @property
    def scale_scores(self) -> dict[tuple[str, str], ScaleColumn]:
        """(key, scale id) -> every rating's score on that scale, by the one scoring engine.

        Made when the tables first need them, after the statistics: the two never hold
        their working memory at the same time.
        """
        if self._scale_scores is None:
            if self.scores is None:
                self._scale_scores = {}
            else:
                numbers = np.array([x.number for x in self.sessions], dtype=np.float64)
                self._scale_scores = scale_columns(self.catalog, self.scores, numbers)
        return self._scale_scores

    @property
    def instruments(self) -> dict[str, StudyInstrument]:
        return self.catalog.by_row_id()

    def counts(self) -> ExportCounts:
        """Item scores, ratings, (session, rater) pairs and sessions that will be exported."""
        sc = self.scores
        if sc is None or sc.n_ratings == 0:
            return ExportCounts(0, 0, 0, 0)
        pairs = np.unique(sc.session.astype(np.int64) * max(len(self.raters), 1) + sc.rater).size
        return ExportCounts(sc.n_scores, sc.n_ratings, pairs, np.unique(sc.session).size)

    def reliability_data(self) -> ReliabilityData:
        """The same ratings as a :class:`~rater.stats.RatingTable` for :func:`rater.stats.analyse`."""
        if self.scores is None or self.scores.n_ratings == 0:
            which = "ratings" if self.include_in_progress else "submitted ratings"
            raise StatsInputError([f"study {self.study.code} has no {which} yet"])
        return reliability_from_scores(
            self.study.id, self.study.code, self.catalog,
            [(x.patient, x.number) for x in self.sessions], [r.code for r in self.raters.values()], self.scores)


def load_study(db: Database, study_id: str, include_in_progress: bool = False) -> StudyData:
    """Read the study's metadata; ratings are streamed later by :meth:`StudyData.ratings`."""
    with db.reading() as s:
        row = s.get(m.Study, study_id)
        if row is None:
            raise LookupError(f"no study with id {study_id}")
        study = ExportedStudy(row.id, row.code, row.name, row.description, row.created_at)
        catalog = study_catalog(s, study_id)
        versions = catalog.by_row_id()
        memberships = s.execute(
            select(m.TeamMember.rater_id, m.Team.name).join(m.Team, m.Team.id == m.TeamMember.team_id)
            .where(m.Team.study_id == study_id).order_by(m.Team.name)).all()
        teams_of: dict[str, list[str]] = {}
        for rater_id, team in memberships:
            teams_of.setdefault(rater_id, []).append(team)
        raters = [ExportedRater(r.id, r.code, r.name, r.active, tuple(teams_of.get(r.id, ())))
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
        patient_codes: dict[str, str] = {}  # one string per patient, not one per session
        sessions = [SessionInfo(sid, patient_codes.setdefault(code, code), number, day)
                    for sid, code, number, day in s.execute(
            select(m.Session.id, m.Patient.code, m.Session.number, m.Session.date)
            .join(m.Patient, m.Patient.id == m.Session.patient_id)
            .where(m.Patient.study_id == study_id, m.Session.is_practice.is_(False)))]
        patient_keys = {code: natural_key(code) for code in patient_codes}  # once per patient
        sessions.sort(key=lambda x: (patient_keys[x.patient], x.number))
        # The one read of the item scores; the tables and the statistics both use it.
        scores = read_scores(s, study_id, [x.id for x in sessions], [r.id for r in raters],
                             [v.row_id for v in catalog.versions],
                             {v.row_id: {it.id: i for i, it in enumerate(v.model.items)} for v in catalog.versions},
                             include_in_progress)
    log.info("study %s: %d instrument version(s), %d team(s), %d rater(s), %d session(s)", study.code,
             len(catalog.versions), len(teams), len(raters), len(sessions))
    log.info("study %s: %d ratings, %d item scores read", study.code, scores.n_ratings, scores.n_scores)
    return StudyData(db, study, catalog, teams, {r.id: r for r in raters}, sessions, include_in_progress, scores)
