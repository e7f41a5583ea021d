"""Changing a study after it was created: what the coordinator's set-up screens read and write.

Every write is one transaction carrying its audit events, and every read
hands back plain dataclasses. Nothing that holds rating work is deleted: a
rater with scores or a submitted rating is deactivated instead of removed, a
session with ratings stays, a team keeps the instruments it has assignments
for. Sessions are assigned with :mod:`rater.study.assign`, recordings
imported with :mod:`rater.study.recordings`; the new-study path is
:func:`rater.study.studyfile.create_study`.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from rater.instruments import loader
from rater.storage import audit
from rater.storage import models as m
from rater.storage.database import Database
from rater.study import media_paths
from rater.study.errors import InvalidValue, NotFound, StudyError
from rater.study.instruments import register_data
from rater.study.workstation import hash_pin

log = logging.getLogger(__name__)

ACTOR = "coordinator"
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")  # the study file's rule for codes
MIN_PIN = 4
UNSET: Any = type("Unset", (), {"__repr__": lambda self: "UNSET"})()  # "leave as it is"


class RaterHasRatings(StudyError):
    """The rater has rating work, so they can only be deactivated; nothing was changed."""


# --- what the screens show --------------------------------------------------------------------
@dataclass(frozen=True)
class StudyInfo:
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
    def label(self) -> str:
        lo, hi = self.session_min, self.session_max
        where = "all sessions" if lo is None and hi is None else f"sessions {lo or 1}–{hi or '…'}"
        return f"{self.name or self.key} on {where}"


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


def studies(db: Database) -> list[StudyInfo]:
    """Every study in the database, by code."""
    with db.reading() as s:
        return [StudyInfo(x.id, x.code, x.name) for x in s.scalars(select(m.Study).order_by(m.Study.code))]


def instruments(db: Database) -> list[InstrumentInfo]:
    """Every instrument version stored in the database (a team can rate any of them)."""
    with db.reading() as s:
        rows = s.scalars(select(m.Instrument).order_by(m.Instrument.name, m.Instrument.version))
        return [InstrumentInfo(i.id, i.key, i.version, i.name) for i in rows]


def register_instrument_file(db: Database, path: str | os.PathLike[str]) -> InstrumentInfo:
    """Validate an instrument file and store it (raises ``InstrumentError`` listing its problems)."""
    _instrument, data = loader.load_file(path)
    with db.transaction() as s:
        before = s.scalar(select(func.count()).select_from(m.Instrument))
        row = register_data(s, data)
        if s.scalar(select(func.count()).select_from(m.Instrument)) != before:
            audit.record(s, actor=ACTOR, action="create", entity="instrument", entity_id=row.id, field="instrument",
                         new={"key": row.key, "version": row.version, "file": str(path)})
        return InstrumentInfo(row.id, row.key, row.version, row.name)


def study_overview(db: Database, study_id: str) -> StudyOverview:
    """The whole study as the coordinator sees it, hidden metadata included (never give this to raters)."""
    with db.reading() as s:
        study = _get(s, m.Study, study_id, "study")
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
        return StudyOverview(
            study.id, study.code, study.name, study.description,
            float(study.settings.get("min_played_fraction", 0.8)), tuple(study.settings.get("hidden_fields", [])),
            study.settings.get("media_root"), (desktop.value or None) if desktop else None,
            teams, raters, _patients(s, study, assigned))


def _teams(s: Session, study_id: str) -> tuple[TeamView, ...]:
    rates: dict[str, list[Rate]] = defaultdict(list)
    for ti, inst in s.execute(select(m.TeamInstrument, m.Instrument).join(m.Instrument)
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


def _assigned(s: Session, study_id: str) -> dict[str, list[AssignedInfo]]:
    rows = s.execute(
        select(m.Assignment, m.Rater, m.Team.name, m.Instrument, m.Rating.submitted_at)
        .join(m.Rater, m.Rater.id == m.Assignment.rater_id)
        .join(m.Instrument, m.Instrument.id == m.Assignment.instrument_id)
        .outerjoin(m.Team, m.Team.id == m.Assignment.team_id)
        .outerjoin(m.Rating, m.Rating.assignment_id == m.Assignment.id)
        .where(m.Assignment.study_id == study_id)
        .order_by(m.Team.name, m.Instrument.name, m.Rater.code))
    out: dict[str, list[AssignedInfo]] = defaultdict(list)
    for a, r, team, inst, submitted in rows:
        out[a.session_id].append(AssignedInfo(a.id, r.id, r.code, r.name, a.team_id, team or "", inst.key,
                                              inst.name, a.status, a.purpose, submitted))
    return out


def _patients(s: Session, study: m.Study, assigned: dict[str, list[AssignedInfo]]) -> tuple[PatientView, ...]:
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


# --- study settings -----------------------------------------------------------------------------
def update_study(db: Database, study_id: str, *, name: str = UNSET, description: str = UNSET,
                 min_played_fraction: float = UNSET, hidden_fields: Iterable[str] = UNSET,
                 media_root: str | os.PathLike[str] | None = UNSET) -> None:
    """Change the study's name, description or settings; only the given ones, each audited.

    ``media_root`` must be an existing folder (stored absolute) or None to clear it.
    """
    changes: dict[str, Any] = {}
    if name is not UNSET:
        changes["name"] = _text(name, "The study needs a name.")
    if description is not UNSET:
        changes["description"] = description.strip()
    if min_played_fraction is not UNSET:
        if not 0 <= float(min_played_fraction) <= 1:
            raise InvalidValue("The minimum share of the recording played must be between 0% and 100%.")
        changes["settings.min_played_fraction"] = float(min_played_fraction)
    if hidden_fields is not UNSET:
        changes["settings.hidden_fields"] = list(dict.fromkeys(f.strip() for f in hidden_fields if f.strip()))
    if media_root is not UNSET:
        changes["settings.media_root"] = None if media_root in (None, "") else _folder(media_root)
    with db.transaction() as s:
        study = _get(s, m.Study, study_id, "study")
        settings = dict(study.settings)
        for key, new in changes.items():
            target, _, field = key.partition(".")
            old = settings.get(field) if field else getattr(study, target)
            if old == new:
                continue
            if not field:
                setattr(study, target, new)
            elif new is None:
                del settings[field]
            else:
                settings[field] = new
            audit.record(s, actor=ACTOR, action="update", entity="study", entity_id=study_id, field=key,
                         old=old, new=new, study_id=study_id)
        study.settings = settings  # a new dict: SQLAlchemy does not see changes inside a JSON value


# --- raters ---------------------------------------------------------------------------------------
def add_rater(db: Database, study_id: str, code: str, name: str, team_id: str | None = None,
              pin: str | None = None) -> str:
    """Add a rater (optionally to a team, optionally with a PIN); returns the rater id."""
    code, name = _code(code, "rater"), _text(name, "The rater needs a name.")
    with db.transaction() as s:
        _get(s, m.Study, study_id, "study")
        if s.scalar(select(m.Rater.id).where(m.Rater.study_id == study_id, func.lower(m.Rater.code) == code.lower())):
            raise InvalidValue(f"There is already a rater with the code {code}.")
        rater = m.Rater(study_id=study_id, code=code, name=name, pin_hash=_pin_hash(pin) if pin else None)
        s.add(rater)
        s.flush()
        audit.record(s, actor=ACTOR, action="create", entity="rater", entity_id=rater.id, field="rater",
                     new={"code": code, "name": name, "pin": bool(pin)}, study_id=study_id)
        if team_id is not None:
            _join(s, rater, _team(s, team_id, study_id))
        return rater.id


def rename_rater(db: Database, rater_id: str, name: str) -> None:
    """Change the name raters pick from; the code (used in the audit trail) stays."""
    name = _text(name, "The rater needs a name.")
    with db.transaction() as s:
        rater = _get(s, m.Rater, rater_id, "rater")
        if rater.name != name:
            audit.record(s, actor=ACTOR, action="update", entity="rater", entity_id=rater_id, field="name",
                         old=rater.name, new=name, study_id=rater.study_id)
            rater.name = name


def set_rater_pin(db: Database, rater_id: str, pin: str | None) -> None:
    """Set the rater's PIN, or with None remove it (the PIN itself is never audited)."""
    pin_hash = _pin_hash(pin) if pin is not None else None
    with db.transaction() as s:
        rater = _get(s, m.Rater, rater_id, "rater")
        audit.record(s, actor=ACTOR, action="update", entity="rater", entity_id=rater_id, field="pin",
                     old="***" if rater.pin_hash else None, new="***" if pin_hash else None, study_id=rater.study_id)
        rater.pin_hash = pin_hash


def set_rater_active(db: Database, rater_id: str, active: bool) -> None:
    """Deactivate (hidden from the list of names, no new sessions, ratings kept) or reactivate a rater."""
    with db.transaction() as s:
        rater = _get(s, m.Rater, rater_id, "rater")
        if rater.active != active:
            audit.record(s, actor=ACTOR, action="update", entity="rater", entity_id=rater_id, field="active",
                         old=rater.active, new=active, study_id=rater.study_id)
            rater.active = active


def remove_rater(db: Database, rater_id: str) -> int:
    """Delete a rater with no rating work, with their untouched assignments; returns how many went.

    Raises :class:`RaterHasRatings` when any of their ratings has scores, notes, marks or was submitted.
    """
    with db.transaction() as s:
        rater = _get(s, m.Rater, rater_id, "rater")
        rows = list(s.scalars(select(m.Assignment).where(m.Assignment.rater_id == rater_id)))
        work = _work(s, rows)
        if work:
            raise RaterHasRatings(
                f"{rater.code} {rater.name} cannot be removed: {len(work)} rating(s) hold their work "
                f"({'; '.join(sorted(set(work.values())))}). Deactivate the rater instead: they leave the list "
                "of names and get no new sessions, and every rating is kept.")
        _delete_assignments(s, rows, rater.study_id, f"rater {rater.code} removed")
        for member in s.scalars(select(m.TeamMember).where(m.TeamMember.rater_id == rater_id)):
            s.delete(member)
        s.flush()  # memberships before the rater, or the database's cascade gets there first
        audit.record(s, actor=ACTOR, action="delete", entity="rater", entity_id=rater_id, field="rater",
                     old={"code": rater.code, "name": rater.name}, study_id=rater.study_id)
        s.delete(rater)
        return len(rows)


def move_rater(db: Database, rater_id: str, team_id: str) -> int:
    """Make the rater a member of ``team_id`` only; returns how many not-started assignments of their
    old team(s) were taken away. Refused when they have started any session of an old team."""
    with db.transaction() as s:
        rater = _get(s, m.Rater, rater_id, "rater")
        team = _team(s, team_id, rater.study_id)
        old = [mb for mb in s.scalars(select(m.TeamMember).where(m.TeamMember.rater_id == rater_id))
               if mb.team_id != team_id]
        rows = list(s.scalars(select(m.Assignment).where(
            m.Assignment.rater_id == rater_id, m.Assignment.team_id.in_([mb.team_id for mb in old]))))
        started = [a for a in rows if a.status != "not_started"]
        if started:
            raise StudyError(f"{rater.code} has started {len(started)} session(s) for their current team; "
                             "they cannot move. Deactivate them and add a new rater to the other team instead.")
        _delete_assignments(s, rows, rater.study_id, f"rater {rater.code} moved to {team.name}")
        for mb in old:
            audit.record(s, actor=ACTOR, action="delete", entity="team_member", entity_id=rater_id,
                         field=s.get(m.Team, mb.team_id).name, old=rater.code, study_id=rater.study_id)
            s.delete(mb)
        if s.get(m.TeamMember, (team_id, rater_id)) is None:
            _join(s, rater, team)
        return len(rows)


# --- patients and sessions ----------------------------------------------------------------------
def add_patient(db: Database, study_id: str, code: str, sessions: Iterable[int] = (),
                meta: dict[str, Any] | None = None) -> str:
    """Add a patient with the given session numbers (no dates yet); returns the patient id."""
    code = _code(code, "patient")
    numbers = sorted(set(_number(n) for n in sessions))
    with db.transaction() as s:
        _get(s, m.Study, study_id, "study")
        if s.scalar(select(m.Patient.id).where(m.Patient.study_id == study_id,
                                               func.lower(m.Patient.code) == code.lower())):
            raise InvalidValue(f"There is already a patient with the code {code}.")
        patient = m.Patient(study_id=study_id, code=code, meta=_meta(meta))
        s.add(patient)
        s.flush()
        for n in numbers:
            s.add(m.Session(patient_id=patient.id, number=n))
        audit.record(s, actor=ACTOR, action="create", entity="patient", entity_id=patient.id, field="patient",
                     new={"code": code, "sessions": numbers, "meta": patient.meta}, study_id=study_id)
        return patient.id


def update_patient(db: Database, patient_id: str, *, meta: dict[str, Any]) -> None:
    """Replace the patient's metadata (fields listed as hidden are never shown to raters)."""
    with db.transaction() as s:
        patient = _get(s, m.Patient, patient_id, "patient")
        new = _meta(meta)
        if new != patient.meta:
            audit.record(s, actor=ACTOR, action="update", entity="patient", entity_id=patient_id, field="meta",
                         old=patient.meta, new=new, study_id=patient.study_id)
            patient.meta = new


def add_session(db: Database, patient_id: str, number: int, date: dt.date | None = None,
                meta: dict[str, Any] | None = None) -> str:
    """Add session ``number`` to a patient; returns the session id."""
    number = _number(number)
    with db.transaction() as s:
        patient = _get(s, m.Patient, patient_id, "patient")
        if s.scalar(select(m.Session.id).where(m.Session.patient_id == patient_id, m.Session.number == number)):
            raise InvalidValue(f"{patient.code} already has a session {number}.")
        sess = m.Session(patient_id=patient_id, number=number, date=date, meta=_meta(meta))
        s.add(sess)
        s.flush()
        audit.record(s, actor=ACTOR, action="create", entity="session", entity_id=sess.id, field="session",
                     new={"patient": patient.code, "number": number, "date": date, "meta": sess.meta},
                     study_id=patient.study_id)
        return sess.id


def update_session(db: Database, session_id: str, *, date: dt.date | None = UNSET,
                   meta: dict[str, Any] = UNSET) -> None:
    """Change a session's date and/or its metadata (only the given ones)."""
    with db.transaction() as s:
        sess = _get(s, m.Session, session_id, "session")
        changes = {"date": date, "meta": meta if meta is UNSET else _meta(meta)}
        for field, new in changes.items():
            if new is UNSET or getattr(sess, field) == new:
                continue
            audit.record(s, actor=ACTOR, action="update", entity="session", entity_id=session_id, field=field,
                         old=getattr(sess, field), new=new, study_id=sess.patient.study_id)
            setattr(sess, field, new)


def remove_session(db: Database, session_id: str) -> None:
    """Delete a session nobody has started rating, with its recordings (files untouched),
    assignments and homework entries, each audited. Refused when it has any rating."""
    with db.transaction() as s:
        sess = _get(s, m.Session, session_id, "session")
        label, study_id = f"{sess.patient.code} session {sess.number}", sess.patient.study_id
        rows = list(s.scalars(select(m.Assignment).where(m.Assignment.session_id == session_id)))
        rated = s.scalar(select(func.count()).select_from(m.Rating)
                         .where(m.Rating.assignment_id.in_([a.id for a in rows]))) if rows else 0
        if rated:
            raise StudyError(f"{label} cannot be removed: {rated} rating(s) of it exist. Ratings are never deleted.")
        _delete_assignments(s, rows, study_id, f"{label} removed")
        for rec in sess.recordings:
            audit.record(s, actor=ACTOR, action="delete", entity="recording", entity_id=rec.id, field="recording",
                         old={"path": rec.path, "kind": rec.kind, "checksum": rec.checksum},
                         reason=f"{label} removed", study_id=study_id)
        for hw in s.scalars(select(m.HomeworkEntry).where(m.HomeworkEntry.session_id == session_id)):
            audit.record(s, actor=ACTOR, action="delete", entity="homework", entity_id=hw.id, field="entry",
                         old={"kind": hw.kind, "description": hw.description}, reason=f"{label} removed",
                         study_id=study_id)
            s.delete(hw)
        audit.record(s, actor=ACTOR, action="delete", entity="session", entity_id=session_id, field="session",
                     old={"patient": sess.patient.code, "number": sess.number, "date": sess.date},
                     study_id=study_id)
        s.delete(sess)


# --- teams ------------------------------------------------------------------------------------------
def add_team(db: Database, study_id: str, name: str, raters_per_session: int = 3, keeps_homework_log: bool = False,
             description: str = "", rates: Sequence[Rate] = ()) -> str:
    """Add a team and the instruments it rates; returns the team id."""
    with db.transaction() as s:
        _get(s, m.Study, study_id, "study")
        team = m.Team(study_id=study_id, name="", raters_per_session=1)
        s.add(team)
        _edit_team(s, team, name=name, description=description, raters_per_session=raters_per_session,
                   keeps_homework_log=keeps_homework_log, rates=rates, action="create")
        return team.id


def update_team(db: Database, team_id: str, *, name: str = UNSET, description: str = UNSET,
                raters_per_session: int = UNSET, keeps_homework_log: bool = UNSET,
                rates: Sequence[Rate] = UNSET) -> None:
    """Change a team; refused when new instruments or ranges would strand existing assignments."""
    with db.transaction() as s:
        _edit_team(s, _get(s, m.Team, team_id, "team"), name=name, description=description,
                   raters_per_session=raters_per_session, keeps_homework_log=keeps_homework_log, rates=rates,
                   action="update")


def _edit_team(s: Session, team: m.Team, *, action: str, rates: Sequence[Rate], **fields: Any) -> None:
    if fields["name"] is not UNSET:
        fields["name"] = _text(fields["name"], "The team needs a name.")
        clash = s.scalar(select(m.Team.id).where(m.Team.study_id == team.study_id, m.Team.name == fields["name"],
                                                 m.Team.id != team.id))
        if clash:
            raise InvalidValue(f"There is already a team called {fields['name']}.")
    if fields["raters_per_session"] is not UNSET and int(fields["raters_per_session"]) < 1:
        raise InvalidValue("A team needs at least one rater per session.")
    s.flush()
    for field, new in fields.items():
        if new is not UNSET and getattr(team, field) != new:
            audit.record(s, actor=ACTOR, action=action, entity="team", entity_id=team.id, field=field,
                         old=None if action == "create" else getattr(team, field), new=new, study_id=team.study_id)
            setattr(team, field, new)
    if rates is not UNSET:
        _set_rates(s, team, rates, action)


def _set_rates(s: Session, team: m.Team, rates: Sequence[Rate], action: str) -> None:
    wanted: dict[str, Rate] = {}
    for rate in rates:
        inst = _get(s, m.Instrument, rate.instrument_id, "instrument")
        lo, hi = rate.session_min, rate.session_max
        if (lo is not None and lo < 1) or (lo is not None and hi is not None and lo > hi):
            raise InvalidValue(f"{inst.name}: the session range {lo}–{hi} is not valid.")
        if rate.instrument_id in wanted:
            raise InvalidValue(f"{inst.name} is listed twice for {team.name}.")
        wanted[rate.instrument_id] = rate
    used = s.execute(select(m.Assignment.instrument_id, m.Session.number, func.count())
                     .join(m.Session, m.Session.id == m.Assignment.session_id)
                     .where(m.Assignment.team_id == team.id, m.Assignment.purpose == "study")
                     .group_by(m.Assignment.instrument_id, m.Session.number)).all()
    for instrument_id, number, count in used:
        rate = wanted.get(instrument_id)
        if rate is None or not (rate.session_min or 1) <= number <= (rate.session_max or number):
            name = s.get(m.Instrument, instrument_id).name
            raise StudyError(f"{team.name} has {count} assignment(s) for {name} on session {number}; "
                             "it must keep rating it there. Remove those assignments first.")
    old = {ti.instrument_id: ti for ti in team.instruments}
    before = [(ti.instrument_id, ti.session_min, ti.session_max) for ti in team.instruments]
    for instrument_id, ti in old.items():
        if instrument_id not in wanted:
            team.instruments.remove(ti)
    for instrument_id, rate in wanted.items():
        ti = old.get(instrument_id) or m.TeamInstrument(instrument_id=instrument_id)
        ti.session_min, ti.session_max = rate.session_min, rate.session_max
        if instrument_id not in old:
            team.instruments.append(ti)
    after = [(r.instrument_id, r.session_min, r.session_max) for r in wanted.values()]
    if sorted(before, key=str) != sorted(after, key=str):
        audit.record(s, actor=ACTOR, action=action, entity="team", entity_id=team.id, field="rates",
                     old=before or None, new=after, study_id=team.study_id)


# --- helpers ----------------------------------------------------------------------------------------
def _get(s: Session, model: type, key: str, what: str) -> Any:
    row = s.get(model, key)
    if row is None:
        raise NotFound(f"This {what} no longer exists.")
    return row


def _team(s: Session, team_id: str, study_id: str) -> m.Team:
    team = s.get(m.Team, team_id)
    if team is None or team.study_id != study_id:
        raise NotFound("This team is not part of the study.")
    return team


def _join(s: Session, rater: m.Rater, team: m.Team) -> None:
    s.add(m.TeamMember(team_id=team.id, rater_id=rater.id))
    audit.record(s, actor=ACTOR, action="create", entity="team_member", entity_id=rater.id, field=team.name,
                 new=rater.code, study_id=rater.study_id)


def _work(s: Session, rows: list[m.Assignment]) -> dict[str, str]:
    """Assignment id → what rating work it holds (submitted, scores, marks), for those that hold any."""
    ids = [a.id for a in rows]
    if not ids:
        return {}
    work = {a.id: "submitted" for a in rows if a.status == "submitted"}
    for assignment_id in s.scalars(select(m.RatingConflict.assignment_id)
                                   .where(m.RatingConflict.assignment_id.in_(ids))):
        work.setdefault(assignment_id, "a pooled version waiting in a conflict")
    ratings = dict(s.execute(select(m.Rating.id, m.Rating.assignment_id)
                             .where(m.Rating.assignment_id.in_(ids))).all())
    if not ratings:
        return work
    for rating_id in s.scalars(select(m.Rating.id).where(m.Rating.id.in_(ratings),
                                                         m.Rating.submitted_at.is_not(None))):
        work[ratings[rating_id]] = "submitted"
    scored = select(m.ItemScore.rating_id).where(
        m.ItemScore.rating_id.in_(ratings), or_(m.ItemScore.value.is_not(None), m.ItemScore.is_na.is_(True),
                                                m.ItemScore.note != ""))
    for rating_id in s.scalars(scored):
        work.setdefault(ratings[rating_id], "scores entered")
    for rating_id in s.scalars(select(m.Mark.rating_id).where(m.Mark.rating_id.in_(ratings))):
        work.setdefault(ratings[rating_id], "marks made")
    return work


def _delete_assignments(s: Session, rows: list[m.Assignment], study_id: str, reason: str) -> None:
    """Delete assignments that hold no rating work (callers check), with any opened-but-empty rating."""
    for a in rows:
        audit.record(s, actor=ACTOR, action="delete", entity="assignment", entity_id=a.id, field="assignment",
                     old={"patient": a.session.patient.code, "session": a.session.number, "rater": a.rater.code,
                          "instrument": a.instrument.key, "status": a.status}, reason=reason, study_id=study_id)
        rating = s.scalar(select(m.Rating).where(m.Rating.assignment_id == a.id))
        if rating is not None:
            s.delete(rating)
        s.delete(a)
    s.flush()


def _text(value: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidValue(message)
    return value


def _code(code: str, what: str) -> str:
    code = (code or "").strip()
    if not CODE.match(code):
        raise InvalidValue(f"A {what} code starts with a letter or digit and holds only letters, digits, "
                           f"'_', '.' and '-' (got {code!r}).")
    return code


def _number(n: int) -> int:
    if int(n) < 1:
        raise InvalidValue(f"Session numbers start at 1 (got {n}).")
    return int(n)


def _pin_hash(pin: str) -> str:
    if len(pin.strip()) < MIN_PIN:
        raise InvalidValue(f"A PIN needs at least {MIN_PIN} characters.")
    return hash_pin(pin.strip())


def _meta(meta: dict[str, Any] | None) -> dict[str, Any]:
    out = {}
    for key, value in (meta or {}).items():
        if str(key).strip():
            out[str(key).strip()] = value.strip() if isinstance(value, str) else value
    return out


def _folder(root: str | os.PathLike[str]) -> str:
    path = Path(os.path.abspath(Path(root).expanduser()))
    if not path.is_dir():
        raise InvalidValue(f"The media root {root} does not exist or is not a folder.")
    return str(path)
