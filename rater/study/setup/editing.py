"""Changing a study after it was created: what the coordinator's set-up screens write.

Every write is one transaction carrying its audit events; the screens read the
study back with :func:`rater.study.reports.overview.study_overview`. Nothing that holds
rating work is deleted: a rater with scores or a submitted rating is
deactivated instead of removed, a team keeps the instruments it has
assignments for. This module changes the study's settings, instruments, raters
and teams; patients and sessions are changed with
:mod:`rater.study.setup.editing_sessions`. Sessions are assigned with
:mod:`rater.study.assign`, recordings imported with
:mod:`rater.study.recordings`; the new-study path is
:func:`rater.study.setup.studyfile.create_study`.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session as DbSession

from rater.instruments import loader
from rater.storage import audit
from rater.storage import models as m
from rater.storage.database import Database
from rater.study.errors import InvalidValue, NotFound, StudyError
from rater.study.instruments import register_data
from rater.study.rating.pins import hash_pin
from rater.study.reports.overview import InstrumentInfo, Rate

log = logging.getLogger(__name__)

ACTOR = "coordinator"
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")  # the study file's rule for codes
MIN_PIN = 4
UNSET: Any = type("Unset", (), {"__repr__": lambda self: "UNSET"})()  # "leave as it is"


class RaterHasRatings(StudyError):
    """The rater has rating work, so they can only be deactivated; nothing was changed."""


# --- instruments ------------------------------------------------------------------------------
def register_instrument_file(db: Database, path: str | os.PathLike[str]) -> InstrumentInfo:
    """Validate an instrument file and store it (raises ``InstrumentError`` listing its problems)."""
    _instrument, data = loader.load_file(path)
    with db.transaction() as s:
        before = s.scalar(select(func.count()).select_from(m.InstrumentRecord))
        row = register_data(s, data)
        if s.scalar(select(func.count()).select_from(m.InstrumentRecord)) != before:
            audit.record(s, actor=ACTOR, action="create", entity="instrument", entity_id=row.id, field="instrument",
                         new={"key": row.key, "version": row.version, "file": str(path)})
        return InstrumentInfo(row.id, row.key, row.version, row.name)


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


def _edit_team(s: DbSession, team: m.Team, *, action: str, rates: Sequence[Rate], **fields: Any) -> None:
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


def _set_rates(s: DbSession, team: m.Team, rates: Sequence[Rate], action: str) -> None:
    wanted: dict[str, Rate] = {}
    for rate in rates:
        inst = _get(s, m.InstrumentRecord, rate.instrument_id, "instrument")
        if rate.sessions.problem:
            raise InvalidValue(f"{inst.name}: {rate.sessions.problem}.")
        if rate.instrument_id in wanted:
            raise InvalidValue(f"{inst.name} is listed twice for {team.name}.")
        wanted[rate.instrument_id] = rate
    used = s.execute(select(m.Assignment.instrument_id, m.Session.number, func.count())
                     .join(m.Session, m.Session.id == m.Assignment.session_id)
                     .where(m.Assignment.team_id == team.id, m.Assignment.purpose == "study")
                     .group_by(m.Assignment.instrument_id, m.Session.number)).all()
    for instrument_id, number, count in used:
        rate = wanted.get(instrument_id)
        if rate is None or not rate.sessions.covers(number):
            name = s.get(m.InstrumentRecord, instrument_id).name
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
def _get(s: DbSession, model: type, key: str, what: str) -> Any:
    row = s.get(model, key)
    if row is None:
        raise NotFound(f"This {what} no longer exists.")
    return row


def _team(s: DbSession, team_id: str, study_id: str) -> m.Team:
    team = s.get(m.Team, team_id)
    if team is None or team.study_id != study_id:
        raise NotFound("This team is not part of the study.")
    return team


def _join(s: DbSession, rater: m.Rater, team: m.Team) -> None:
    s.add(m.TeamMember(team_id=team.id, rater_id=rater.id))
    audit.record(s, actor=ACTOR, action="create", entity="team_member", entity_id=rater.id, field=team.name,
                 new=rater.code, study_id=rater.study_id)


def _work(s: DbSession, rows: list[m.Assignment]) -> dict[str, str]:
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


def _delete_assignments(s: DbSession, rows: list[m.Assignment], study_id: str, reason: str) -> None:
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
