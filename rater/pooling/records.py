"""Rows ↔ plain JSON values, shared by the study and ratings packages.

Times travel as ISO text with microseconds so a value read back compares
equal to the one written, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rater.pooling.errors import PackageError
from rater.storage import models as m

AUDIT_FIELDS = ("id", "at", "actor", "desktop", "study_id", "action", "entity", "entity_id", "field", "old", "new",
                "reason")


def when(value: datetime | None) -> str | None:
    """A stored time as package text."""
    return None if value is None else value.isoformat(timespec="microseconds")


def parse_when(value: str | None) -> datetime | None:
    """Package text back to a naive UTC time."""
    return None if value is None else datetime.fromisoformat(value)


def day(value: date | None) -> str | None:
    """A date as package text."""
    return None if value is None else value.isoformat()


def parse_day(value: str | None) -> date | None:
    """Package text back to a date."""
    return None if value is None else date.fromisoformat(value)


def event_record(event: m.AuditEvent) -> dict[str, Any]:
    """An audit event as a plain dict (every column, the id included)."""
    record = {key: getattr(event, key) for key in AUDIT_FIELDS}
    record["at"] = when(event.at)
    return record


def history_key(event: dict[str, Any] | m.AuditEvent) -> tuple[str, str]:
    """The order of a rating's history: time, then id so equal times sort the same everywhere."""
    if isinstance(event, dict):
        return (event["at"], event["id"])
    return (when(event.at), event.id)


def insert_events(s: Session, events: list[dict[str, Any]]) -> int:
    """Add the events not stored yet, keeping their ids; returns how many were new.

    An id already stored with a different subject means the package does not
    describe the same history as this database: refused rather than mixed.
    """
    stored: dict[str, tuple[str, str, str]] = {}
    ids = [e["id"] for e in events]
    for start in range(0, len(ids), 500):  # stays under every backend's limit on bound parameters
        rows = s.execute(select(m.AuditEvent.id, m.AuditEvent.entity, m.AuditEvent.entity_id, m.AuditEvent.field)
                         .where(m.AuditEvent.id.in_(ids[start:start + 500])))
        stored.update({row.id: (row.entity, row.entity_id, row.field) for row in rows})
    added = 0
    for record in events:
        known = stored.get(record["id"])
        if known is not None:
            if known != (record["entity"], record["entity_id"], record["field"]):
                raise PackageError(
                    f"Audit event {record['id']} in the package differs from the one stored here; "
                    "the package or this database was changed outside Session Rater."
                )
            continue
        values = {key: record[key] for key in AUDIT_FIELDS}
        values["at"] = parse_when(record["at"])
        s.add(m.AuditEvent(**values))
        stored[record["id"]] = (record["entity"], record["entity_id"], record["field"])
        added += 1
    return added
