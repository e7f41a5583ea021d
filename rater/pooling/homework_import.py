"""Pooling the homework log entries of a ratings package, inside the ratings' transaction.

Entries are matched by their UUIDs and decided by their histories, as ratings
are (see :mod:`homework_history`):

* history the same as, or contained in, the stored one's → kept as stored;
* history containing the stored one's (or none stored) → applied: the entry
  is added, changed or deleted and its new audit events are added;
* otherwise (changed here and on the desktop separately) → a *conflict*: the
  stored entry stays as it is and the import result reports it
  (:class:`HomeworkConflict`). ``rating_conflict`` cannot hold homework (it
  is keyed by assignment and holds rating versions), so the package's version
  is not stored anywhere: it stays in the package file, and each import of
  that package reports the conflict again.

An entry deleted both here and on the desktop is no conflict: its audit
events are added and it stays deleted. Packages written before homework
travelled (no ``homework`` key) import as packages without entries.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from rater.pooling import lineage
from rater.pooling.errors import PackageError
from rater.pooling.homework_export import KEY
from rater.pooling.homework_history import (
    ENTITY,
    Content,
    record_content,
    relation,
    row_content,
    stored_events,
)
from rater.pooling.records import AUDIT_FIELDS, insert_events, parse_when
from rater.storage import models as m
from rater.study.rating.views import HOMEWORK_KINDS

log = logging.getLogger(__name__)

RECORD_KEYS = ("id", "deleted", "session_id", "kind", "description", "author", "created_at", "events")
ROW_FIELDS = ("session_id", "kind", "description", "author", "created_at")


@dataclass(frozen=True)
class HomeworkConflict:
    """A homework entry changed both here and on the desktop: the stored version was kept."""

    entry_id: str
    where: str
    author: str
    stored: Content
    incoming: Content

    @property
    def message(self) -> str:
        return (f"homework entry {self.entry_id[:8]} ({self.where}, written by {self.author}) was changed both "
                f"here and on the desktop that made this package: kept the version here ({_show(self.stored)}); "
                f"the package's version ({_show(self.incoming)}) was not imported. Edit the entry in the "
                "homework log if the package's version should win.")


@dataclass
class HomeworkOutcome:
    """What pooling did with the homework entries of one package."""

    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    events_added: int = 0
    conflicts: list[HomeworkConflict] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether the database was changed (a conflict changes nothing)."""
        return bool(self.added or self.updated or self.deleted or self.events_added)

    def counts(self) -> dict[str, int]:
        return {"added": self.added, "updated": self.updated, "deleted": self.deleted,
                "conflicts": len(self.conflicts)}


def _show(content: Content) -> str:
    if content is None:
        return "deleted"
    text = content["description"]
    text = text if len(text) <= 60 else text[:57] + "..."
    return f"{HOMEWORK_KINDS.get(content['kind'], content['kind'])}: {text!r}"


def shape(payload: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """The package's homework entries, after checking the structure every later step relies on."""
    records = payload.get(KEY, [])
    problem = None
    if not isinstance(records, list):
        problem = "no list of homework entries"
    else:
        for record in records:
            problem = _problem(record)
            if problem:
                break
    if problem:
        raise PackageError(f"{name}: the package content is malformed ({problem}); nothing was imported.")
    ids = [r["id"] for r in records]
    if len(set(ids)) != len(ids):
        raise PackageError(f"{name}: the package lists a homework entry twice; nothing was imported.")
    return records


def _problem(record: Any) -> str | None:
    if not isinstance(record, dict) or any(k not in record for k in RECORD_KEYS):
        return "a homework entry with missing fields"
    if not isinstance(record["id"], str) or not isinstance(record["deleted"], bool):
        return "a homework entry with missing fields"
    events = record["events"]
    if not isinstance(events, list) or not events:
        return "a homework entry without its history"
    if any(not isinstance(e, dict) or any(k not in e for k in AUDIT_FIELDS) for e in events):
        return "an audit event with missing fields"
    if any(e["entity"] != ENTITY or e["entity_id"] != record["id"] for e in events):
        return "a homework entry with another entry's audit events"
    if not record["deleted"]:
        if not all(isinstance(record[k], str) for k in ROW_FIELDS):
            return "a homework entry with missing fields"
        if record["kind"] not in HOMEWORK_KINDS:
            return f"a homework entry of unknown type {record['kind']!r}"
    return None


def _where(s: DbSession, session_id: str | None) -> str:
    sess = s.get(m.Session, session_id) if session_id else None
    return f"{sess.patient.code} session {sess.number}" if sess is not None else "session unknown"


def check_references(s: DbSession, study: m.Study, records: list[dict[str, Any]], name: str) -> None:
    """Every entry's session checked before anything is written."""
    for record in records:
        if record["deleted"]:
            continue
        sess = s.get(m.Session, record["session_id"])
        if sess is None or sess.patient.study_id != study.id:
            raise PackageError(
                f"{name}: a homework entry by {record['author']} is for a session this database does not have "
                f"in study {study.code}; the desktop's set-up does not come from this study. Nothing was imported."
            )
        row = s.get(m.HomeworkEntry, record["id"])
        if row is not None and row.session_id != record["session_id"]:
            raise PackageError(f"{name}: homework entry {record['id']} belongs to another session here; "
                               "nothing was imported.")


def pool(s: DbSession, study: m.Study, records: list[dict[str, Any]], name: str, outcome: HomeworkOutcome) -> None:
    """Apply the package's entries that descend from the stored ones; report the conflicts."""
    histories = stored_events(s, (r["id"] for r in records))
    for record in records:
        row = s.get(m.HomeworkEntry, record["id"])
        if row is not None and record["deleted"] and _study_of(s, row) != study.id:
            # A deletion whose study the desktop could not tell; it is pooled with the entry's own study.
            log.info("%s: homework entry %s belongs to another study here; left to that study's packages",
                     name, record["id"])
            continue
        stored = histories.get(record["id"], [])
        found = relation(stored, row_content(row), record["events"])
        if found in (lineage.SAME, lineage.BEHIND):
            outcome.unchanged += 1
        elif found == lineage.AHEAD:
            _apply(s, row, record, outcome)
        elif row is None and record["deleted"]:
            outcome.events_added += insert_events(s, record["events"])  # deleted on both sides
            outcome.unchanged += 1
        else:
            note = HomeworkConflict(record["id"], _where(s, row.session_id if row else record["session_id"]),
                                    row.author if row is not None else record["author"] or "?",
                                    row_content(row), record_content(record))
            outcome.conflicts.append(note)
            log.warning("%s: %s", name, note.message)


def _study_of(s: DbSession, row: m.HomeworkEntry) -> str | None:
    return s.scalar(select(m.Patient.study_id).join(m.Session, m.Session.patient_id == m.Patient.id)
                    .where(m.Session.id == row.session_id))


def _apply(s: DbSession, row: m.HomeworkEntry | None, record: dict[str, Any], outcome: HomeworkOutcome) -> None:
    if record["deleted"]:
        if row is not None:
            s.delete(row)
            outcome.deleted += 1
    elif row is None:
        s.add(m.HomeworkEntry(id=record["id"], **_values(record)))
        outcome.added += 1
    else:
        values = _values(record)
        if values != {key: getattr(row, key) for key in ROW_FIELDS}:
            for key, value in values.items():
                setattr(row, key, value)
            outcome.updated += 1
        else:
            outcome.unchanged += 1
    outcome.events_added += insert_events(s, record["events"])


def _values(record: dict[str, Any]) -> dict[str, Any]:
    return {key: parse_when(record[key]) if key == "created_at" else record[key] for key in ROW_FIELDS}
