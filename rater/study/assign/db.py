"""Database helpers shared by assignment generation and manual edits."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from rater.storage import audit
from rater.storage import models as m
from rater.study.assign.plan import Range
from rater.study.errors import NotFound
from rater.study.setup.session_range import SessionRange


@dataclass(frozen=True)
class TeamInstrumentInfo:
    instrument_id: str
    key: str
    name: str
    session_min: int | None
    session_max: int | None

    @property
    def sessions(self) -> SessionRange:
        return SessionRange(self.session_min, self.session_max)

    def applies(self, number: int) -> bool:
        return self.sessions.covers(number)

    @property
    def sessions_label(self) -> str:
        return self.sessions.label


@dataclass(frozen=True)
class TeamSetup:
    id: str
    study_id: str
    name: str
    k: int
    instruments: tuple[TeamInstrumentInfo, ...]

    @property
    def ranges(self) -> list[Range]:
        return [(i.session_min, i.session_max) for i in self.instruments]

    def instruments_for(self, number: int) -> list[TeamInstrumentInfo]:
        return [i for i in self.instruments if i.applies(number)]

    @property
    def rates_label(self) -> str:
        return "; ".join(f"{i.name} on {i.sessions_label}" for i in self.instruments) or "no instrument"


def load_team(s: Session, team_id: str) -> TeamSetup:
    """The team with the instruments it rates (ordered by first session, then name).

    The team row is locked (FOR UPDATE; SQLite's BEGIN IMMEDIATE already
    serialises writers) so two coordinators cannot assign the same team at once.
    """
    team = s.get(m.Team, team_id, with_for_update=True)
    if team is None:
        raise NotFound("This team no longer exists.")
    rows = s.execute(
        select(m.TeamInstrument, m.InstrumentRecord)
        .join(m.InstrumentRecord, m.InstrumentRecord.id == m.TeamInstrument.instrument_id)
        .where(m.TeamInstrument.team_id == team_id)
    ).all()
    infos = sorted(
        (TeamInstrumentInfo(i.id, i.key, i.name, ti.session_min, ti.session_max) for ti, i in rows),
        key=lambda x: (x.session_min if x.session_min is not None else 0, x.name),
    )
    return TeamSetup(team.id, team.study_id, team.name, team.raters_per_session, tuple(infos))


def active_members(s: Session, team_id: str) -> dict[str, str]:
    """Rater id → code of the team's active raters."""
    rows = s.execute(
        select(m.Rater.id, m.Rater.code)
        .join(m.TeamMember, m.TeamMember.rater_id == m.Rater.id)
        .where(m.TeamMember.team_id == team_id, m.Rater.active.is_(True))
    )
    return dict(rows.all())


def next_positions(s: Session, rater_ids: Iterable[str]) -> dict[str, int]:
    """The first free queue position of each rater (after all their assignments, any team)."""
    ids = list(rater_ids)
    found = dict(
        s.execute(
            select(m.Assignment.rater_id, func.max(m.Assignment.queue_position))
            .where(m.Assignment.rater_id.in_(ids))
            .group_by(m.Assignment.rater_id)
        ).all()
    ) if ids else {}
    return {r: (found[r] + 1 if found.get(r) is not None else 0) for r in ids}


def audit_row(*, actor: str, study_id: str, action: str, entity: str, entity_id: str, field: str = "",
              old: Any = None, new: Any = None, reason: str = "") -> dict[str, Any]:
    """One audit event as a plain row, for bulk inserts of many events in the caller's transaction."""

    def text(value: Any) -> str | None:
        return value if value is None or isinstance(value, str) else json.dumps(value, ensure_ascii=False)

    return {
        "id": m.new_id(), "at": m.utcnow(), "actor": actor, "desktop": audit.desktop_name(),
        "study_id": study_id, "action": action, "entity": entity, "entity_id": entity_id, "field": field,
        "old": text(old), "new": text(new), "reason": reason,
    }


def insert_rows(s: Session, assignments: list[dict[str, Any]], events: list[dict[str, Any]]) -> None:
    """Bulk-insert assignments and their audit events (one statement each, executemany)."""
    if assignments:
        s.execute(insert(m.Assignment), assignments)
    if events:
        s.execute(insert(m.AuditEvent), events)


def assignment_row(*, study_id: str, session_id: str, rater_id: str, instrument_id: str, team_id: str,
                   position: int, purpose: str = "study") -> dict[str, Any]:
    """A new, not-started assignment as a plain row for :func:`insert_rows`."""
    return {
        "id": m.new_id(), "study_id": study_id, "session_id": session_id, "rater_id": rater_id,
        "instrument_id": instrument_id, "team_id": team_id, "queue_position": position,
        "status": "not_started", "purpose": purpose, "created_at": m.utcnow(),
    }


def describe(patient: str, number: int, rater_code: str, instrument_key: str, position: int) -> dict[str, Any]:
    """What an assignment audit event records: readable codes rather than ids alone."""
    return {"patient": patient, "session": number, "rater": rater_code, "instrument": instrument_key,
            "queue_position": position}
