"""One study's data for export, read once.

:func:`load_study` reads the small tables (study, instruments, teams, raters,
sessions) and, in the same pass, every included item score into numpy
columns (:mod:`rater.study.reports.scores_read`, 3 bytes per score). Scale
scores are computed for the ratings that have each scale by the one scoring engine
(:mod:`rater.export.scale_columns`) when the tables first need them. The
rating tables make their rows from these columns a block at a time (:mod:`rater.export.rating_rows`), in the
order the export shows them (patient, session number, rater code,
instrument), and :meth:`StudyData.reliability_data` hands the same columns
to the statistics.
By default only submitted ratings are included; practice ratings never are.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
from sqlalchemy import select

from rater.export.scale_columns import ScaleColumn, scale_columns
from rater.heap import map_large_blocks
from rater.sort_keys import natural_key
from rater.stats import StatsInputError
from rater.storage import models as m
from rater.storage.database import Database
from rater.study.reports.id_index import utf8
from rater.study.reports.reliability_data import (
    InstrumentCatalog,
    ReliabilityData,
    StudyInstrument,
    reliability_from_scores,
    study_catalog,
)
from rater.study.reports.scores_read import StudyScores, read_scores
from rater.study.reports.stats_ratings import SessionColumns

log = logging.getLogger(__name__)



@dataclass(frozen=True)
class ExportedStudy:
    id: str
    code: str
    name: str
    description: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SessionInfo:
    id: str
    patient: str
    number: int
    date: date | None


_SESSION_BLOCK = 1_024  # sessions read, and made into objects, at a time: fewer live objects, fewer heap arenas


class SessionList(Sequence[SessionInfo]):
    """The exported sessions in export order, held as columns: a large study has tens of
    thousands, and an object with its strings per session costs ten times the columns
    (and scatters them through the heap). A :class:`SessionInfo` is made when asked for."""

    def __init__(self, ids: np.ndarray, patient_codes: list[str], patient: np.ndarray, number: np.ndarray,
                 day: np.ndarray):
        self.ids = ids  # UTF-8 bytes
        self.patient_codes = patient_codes  # each patient's code once
        self.patient, self.number, self.day = patient, number, day  # day: datetime64[D], NaT for none

    def __len__(self) -> int:
        return int(self.number.size)

    def __getitem__(self, at):  # noqa: ANN001 (an index or a slice, as a list takes)
        if isinstance(at, slice):
            return [self[i] for i in range(*at.indices(len(self)))]
        return next(self._made(range(len(self))[at], range(len(self))[at] + 1))

    def __iter__(self) -> Iterator[SessionInfo]:
        for start in range(0, len(self), _SESSION_BLOCK):
            yield from self._made(start, min(start + _SESSION_BLOCK, len(self)))

    def _made(self, start: int, stop: int) -> Iterator[SessionInfo]:
        codes = self.patient_codes
        for sid, patient, number, day in zip(self.ids[start:stop].tolist(), self.patient[start:stop].tolist(),
                                             self.number[start:stop].tolist(),
                                             self.day[start:stop].astype(object).tolist(), strict=True):
            yield SessionInfo(sid.decode("utf-8"), codes[patient], number, day)

    def numbers(self) -> np.ndarray:
        """Every session's number (float64)."""
        return self.number.astype(np.float64)

    def columns(self) -> tuple[list[str], list[int], list[date | None]]:
        """Every session's patient code, number and date, as lists (no record per session)."""
        codes = self.patient_codes
        return ([codes[p] for p in self.patient.tolist()], self.number.tolist(),
                self.day.astype(object).tolist())


def _session_list(s, study_id: str) -> SessionList:
    """The study's sessions (not practice ones) in natural patient order, then session number,
    read a batch at a time so that no row object outlives its batch."""
    ids, patients, numbers, days = [], [], [], []
    statement = (select(m.Session.id, m.Patient.code, m.Session.number, m.Session.date)
                 .join(m.Patient, m.Patient.id == m.Session.patient_id)
                 .where(m.Patient.study_id == study_id, m.Session.is_practice.is_(False))
                 .execution_options(yield_per=_SESSION_BLOCK))
    for rows in s.execute(statement).partitions():
        sid, code, number, day = zip(*rows, strict=True)
        ids.append(utf8(sid))
        patients.append(utf8(code))  # bytes, so that no string of a batch outlives it
        numbers.append(np.array(number, dtype=np.int32))
        days.append(np.array(day, dtype="datetime64[D]"))  # None becomes NaT
    if not ids:
        return SessionList(np.zeros(0, "S36"), [], np.zeros(0, np.int32), np.zeros(0, np.int32),
                           np.zeros(0, "datetime64[D]"))
    distinct, patient = np.unique(np.concatenate(patients), return_inverse=True)
    patient = patient.astype(np.int32).ravel()
    codes = [bytes(code).decode("utf-8") for code in distinct]
    number = np.concatenate(numbers)
    # Codes alike in natural order ("P01", "P1") by their text, as the statistics order them.
    rank = np.empty(len(codes), dtype=np.int32)
    rank[sorted(range(len(codes)), key=lambda i: (natural_key(codes[i]), codes[i]))] = np.arange(len(codes))
    order = np.lexsort((number, rank[patient]))
    return SessionList(np.concatenate(ids)[order], codes, patient[order], number[order],
                       np.concatenate(days)[order])


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
    sessions: SessionList  # natural patient order, then session number
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
                self._scale_scores = scale_columns(self.catalog, self.scores, self.sessions.numbers())
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
        sessions = SessionColumns(self.sessions.patient_codes, self.sessions.patient, self.sessions.number)
        return reliability_from_scores(self.study.id, self.study.code, self.catalog, sessions,
                                       [r.code for r in self.raters.values()], self.scores)


def load_study(db: Database, study_id: str, include_in_progress: bool = False) -> StudyData:
    """Read the study's metadata; ratings are streamed later by :meth:`StudyData.ratings`."""
    map_large_blocks()  # the read's large temporaries go back to the system when freed
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
        sessions = _session_list(s, study_id)
        # The one read of the item scores; the tables and the statistics both use it.
        scores = read_scores(s, study_id, sessions.ids, [r.id for r in raters],
                             [v.row_id for v in catalog.versions],
                             {v.row_id: {it.id: i for i, it in enumerate(v.model.items)} for v in catalog.versions},
                             include_in_progress)
    log.info("study %s: %d instrument version(s), %d team(s), %d rater(s), %d session(s)", study.code,
             len(catalog.versions), len(teams), len(raters), len(sessions))
    log.info("study %s: %d ratings, %d item scores read", study.code, scores.n_ratings, scores.n_scores)
    return StudyData(db, study, catalog, teams, {r.id: r for r in raters}, sessions, include_in_progress, scores)
