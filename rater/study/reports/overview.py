"""The study as the coordinator's set-up screens show it: plain dataclasses, read in one go.

:func:`study_overview` includes hidden metadata, so it is for the coordinator
only, never for raters. The writes that change these views are in
:mod:`rater.study.setup.editing` and :mod:`rater.study.setup.editing_sessions`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session as DbSession

from rater.storage import models as m
from rater.storage.database import Database
from rater.study.errors import NotFound
from rater.study.recordings import media_paths
from rater.study.setup.session_range import SessionRange
from rater.study.setup.settings import StudySettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StudyListing:
    """A study in the database's list of studies."""

    id: str
    code: str
    name: str


@dataclass(frozen=True)
class InstrumentInfo:
    """An instrument version stored in the database."""

    id: str
    key: str
    version: str
    name: str


@dataclass(frozen=True)
class Rate:
    """A team rates ``instrument_id`` on session numbers ``session_min``–``session_max`` (None: open)."""

    instrument_id: str
    session_min: int | None = None
    session_max: int | None = None
    key: str = ""
    name: str = ""

    @property
    def sessions(self) -> SessionRange:
        return SessionRange(self.session_min, self.session_max)

    @property
    def label(self) -> str:
        return f"{self.name or self.key} on {self.sessions.label}"


@dataclass(frozen=True)
class TeamView:
    """A team with the instruments it rates and its members (rater ids, by code)."""

    id: str
    name: str
    description: str
    raters_per_session: int
    keeps_homework_log: bool
    rates: tuple[Rate, ...]
    rater_ids: tuple[str, ...]


@dataclass(frozen=True)
class RaterView:
    """A rater with their teams and their study assignments by status."""

    id: str
    code: str
    name: str
    active: bool
    has_pin: bool
    team_ids: tuple[str, ...]
    team_names: tuple[str, ...]
    assigned: int = 0
    in_progress: int = 0
    submitted: int = 0


@dataclass(frozen=True)
class RecordingInfo:
    """A recording of a session and whether its file is where the media root says."""

    id: str
    path: str  # as stored
    resolved: str
    kind: str
    priority: int
    size: int | None
    duration_ms: int | None
    exists: bool


@dataclass(frozen=True)
class AssignedInfo:
    """Who rates a session on which instrument, and how far they are."""

    assignment_id: str
    rater_id: str
    rater_code: str
    rater_name: str
    team_id: str | None
    team_name: str
    instrument_key: str
    instrument_name: str
    status: str
    purpose: str
    submitted_at: dt.datetime | None


@dataclass(frozen=True)
class SessionView:
    """A session with its recordings, raters and homework entries; ``meta`` includes hidden fields."""

    id: str
    patient_id: str
    patient_code: str
    number: int
    date: dt.date | None
    is_practice: bool
    meta: dict[str, Any]
    recordings: tuple[RecordingInfo, ...]
    assigned: tuple[AssignedInfo, ...]
    homework_entries: int

    @property
    def status_label(self) -> str:
        study = [a for a in self.assigned if a.purpose == "study"]
        if not study:
            return "not assigned"
        done = sum(a.status == "submitted" for a in study)
        return f"{done} of {len(study)} submitted"


@dataclass(frozen=True)
class PatientView:
    """A patient with their sessions; ``meta`` includes hidden fields."""

    id: str
    code: str
    meta: dict[str, Any]
    sessions: tuple[SessionView, ...]


@dataclass(frozen=True)
class StudyOverview:
    """The whole study for the coordinator's screens (never for raters: it holds hidden metadata)."""

    id: str
    code: str
    name: str
    description: str
    min_played_fraction: float
    hidden_fields: tuple[str, ...]
    media_root: str | None
    desktop_media_root: str | None
    teams: tuple[TeamView, ...]
    raters: tuple[RaterView, ...]
    patients: tuple[PatientView, ...]

    @property
    def sessions(self) -> list[SessionView]:
        return [sess for p in self.patients for sess in p.sessions]

    def team(self, team_id: str) -> TeamView:
        return next(t for t in self.teams if t.id == team_id)


def studies(db: Database) -> list[StudyListing]:
    """Every study in the database, by code."""
    with db.reading() as s:
        return [StudyListing(x.id, x.code, x.name) for x in s.scalars(select(m.Study).order_by(m.Study.code))]


def instruments(db: Database) -> list[InstrumentInfo]:
    """Every instrument version stored in the database (a team can rate any of them)."""
    with db.reading() as s:
        rows = s.scalars(select(m.InstrumentRecord).order_by(m.InstrumentRecord.name, m.InstrumentRecord.version))
        return [InstrumentInfo(i.id, i.key, i.version, i.name) for i in rows]

def study_overview(db: Database, study_id: str) -> StudyOverview:
    """The whole study as the coordinator sees it, hidden metadata included (never give this to raters)."""
    with db.reading() as s:
        study = s.get(m.Study, study_id)
        if study is None:
            raise NotFound("This study no longer exists.")
        teams = _teams(s, study_id)
        members: dict[str, list[str]] = defaultdict(list)
        for team in teams:
            for rid in team.rater_ids:
                members[rid].append(team.id)
        team_name = {t.id: t.name for t in teams}
        assigned = _assigned(s, study_id)
        study_rows = [a for rows in assigned.values() for a in rows if a.purpose == "study"]
        load = Counter((a.rater_id, a.status) for a in study_rows)
        total = Counter(a.rater_id for a in study_rows)
        raters = tuple(
            RaterView(r.id, r.code, r.name, r.active, r.pin_hash is not None, tuple(members[r.id]),
                      tuple(team_name[t] for t in members[r.id]),
                      total[r.id], load[(r.id, "in_progress")],
                      load[(r.id, "submitted")])
            for r in s.scalars(select(m.Rater).where(m.Rater.study_id == study_id).order_by(m.Rater.code)))
        desktop = s.get(m.Setting, media_paths.setting_key(study_id))
        settings = StudySettings.read(study.settings)
        return StudyOverview(
            study.id, study.code, study.name, study.description,
            settings.min_played_fraction, settings.hidden_fields,
            settings.media_root, (desktop.value or None) if desktop else None,
            teams, raters, _patients(s, study, assigned))


def _teams(s: DbSession, study_id: str) -> tuple[TeamView, ...]:
    rates: dict[str, list[Rate]] = defaultdict(list)
    for ti, inst in s.execute(select(m.TeamInstrument, m.InstrumentRecord).join(m.InstrumentRecord)
                              .join(m.Team, m.Team.id == m.TeamInstrument.team_id)
                              .where(m.Team.study_id == study_id)):
        rates[ti.team_id].append(Rate(inst.id, ti.session_min, ti.session_max, inst.key, inst.name))
    members: dict[str, list[str]] = defaultdict(list)
    for team_id, rater_id in s.execute(select(m.TeamMember.team_id, m.TeamMember.rater_id)
                                       .join(m.Rater).order_by(m.Rater.code)):
        members[team_id].append(rater_id)
    return tuple(
        TeamView(t.id, t.name, t.description, t.raters_per_session, t.keeps_homework_log,
                 tuple(sorted(rates[t.id], key=lambda r: (r.session_min or 0, r.name))), tuple(members[t.id]))
        for t in s.scalars(select(m.Team).where(m.Team.study_id == study_id).order_by(m.Team.name)))


def _assigned(s: DbSession, study_id: str) -> dict[str, list[AssignedInfo]]:
    rows = s.execute(
        select(m.Assignment, m.Rater, m.Team.name, m.InstrumentRecord, m.Rating.submitted_at)
        .join(m.Rater, m.Rater.id == m.Assignment.rater_id)
        .join(m.InstrumentRecord, m.InstrumentRecord.id == m.Assignment.instrument_id)
        .outerjoin(m.Team, m.Team.id == m.Assignment.team_id)
        .outerjoin(m.Rating, m.Rating.assignment_id == m.Assignment.id)
        .where(m.Assignment.study_id == study_id)
        .order_by(m.Team.name, m.InstrumentRecord.name, m.Rater.code))
    out: dict[str, list[AssignedInfo]] = defaultdict(list)
    for a, r, team, inst, submitted in rows:
        out[a.session_id].append(AssignedInfo(a.id, r.id, r.code, r.name, a.team_id, team or "", inst.key,
                                              inst.name, a.status, a.purpose, submitted))
    return out


def _patients(s: DbSession, study: m.Study, assigned: dict[str, list[AssignedInfo]]) -> tuple[PatientView, ...]:
    root = media_paths.media_root(s, study)
    recordings: dict[str, list[RecordingInfo]] = defaultdict(list)
    homework = dict(s.execute(select(m.HomeworkEntry.session_id, func.count()).join(m.Session).join(m.Patient)
                              .where(m.Patient.study_id == study.id).group_by(m.HomeworkEntry.session_id)).all())
    sessions: dict[str, list[m.Session]] = defaultdict(list)
    for sess in s.scalars(select(m.Session).join(m.Patient).where(m.Patient.study_id == study.id)
                          .order_by(m.Session.number)):
        sessions[sess.patient_id].append(sess)
    for rec in s.scalars(select(m.Recording).join(m.Session).join(m.Patient)
                         .where(m.Patient.study_id == study.id).order_by(m.Recording.priority)):
        path = Path(rec.path)
        resolved = path if path.is_absolute() else (root / path if root else path.resolve())
        recordings[rec.session_id].append(RecordingInfo(rec.id, rec.path, str(resolved), rec.kind, rec.priority,
                                                        rec.size, rec.duration_ms, resolved.is_file()))
    return tuple(
        PatientView(p.id, p.code, dict(p.meta), tuple(
            SessionView(x.id, p.id, p.code, x.number, x.date, x.is_practice, dict(x.meta),
                        tuple(recordings[x.id]), tuple(assigned.get(x.id, ())), homework.get(x.id, 0))
            for x in sessions[p.id]))
        for p in s.scalars(select(m.Patient).where(m.Patient.study_id == study.id).order_by(m.Patient.code)))
