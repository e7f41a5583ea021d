"""The homework log entries a ratings package carries: those raters wrote on this desktop.

Raters of a team that keeps the homework log add, edit and delete entries on
their desktop while rating. A ratings package carries every entry of the
study that one of its raters changed here or is the author of, as it is now
(or marked deleted), with all of the entry's audit events, so the
coordinator can apply it with the same history rule as ratings.

Homework edits and deletions are audited without a study id, so an entry's
study is taken from its row (session → patient) or, for a deleted entry,
from any of its events that names one. A deleted entry whose events name no
study (it came from the study package and was deleted here) travels in the
package of every study on this desktop; the coordinator applies it only in
the study it belongs to.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from rater.pooling.homework_history import BATCH, ENTITY, stored_events
from rater.pooling.records import when
from rater.storage import models as m

KEY = "homework"  # the key of the ratings package's payload that holds the entries


def homework_records(s: DbSession, study_id: str, rater_codes: Iterable[str]) -> list[dict[str, Any]]:
    """The study's entries written here by these raters, with their histories, ordered by id."""
    actors = sorted({f"rater:{code}" for code in rater_codes})
    if not actors:
        return []
    ids = set(s.scalars(select(m.AuditEvent.entity_id).distinct()
                        .where(m.AuditEvent.entity == ENTITY, m.AuditEvent.actor.in_(actors))))
    ids |= set(s.scalars(select(m.HomeworkEntry.id)
                         .join(m.Session, m.Session.id == m.HomeworkEntry.session_id)
                         .join(m.Patient, m.Patient.id == m.Session.patient_id)
                         .where(m.Patient.study_id == study_id, m.HomeworkEntry.author.in_(actors))))
    wanted = sorted(ids)
    rows: dict[str, tuple[m.HomeworkEntry, str]] = {}
    for start in range(0, len(wanted), BATCH):
        found = s.execute(
            select(m.HomeworkEntry, m.Patient.study_id)
            .join(m.Session, m.Session.id == m.HomeworkEntry.session_id)
            .join(m.Patient, m.Patient.id == m.Session.patient_id)
            .where(m.HomeworkEntry.id.in_(wanted[start:start + BATCH])))
        rows.update({row.id: (row, owner) for row, owner in found})
    histories = stored_events(s, ids)
    records = []
    for entry_id in wanted:
        events = histories.get(entry_id)
        if not events:
            continue  # nothing was done to it here: the coordinator already has it as it is
        row, owner = rows.get(entry_id, (None, None))
        if row is None:
            named = {e["study_id"] for e in events if e["study_id"]}
            if named and study_id not in named:
                continue
        elif owner != study_id:
            continue
        records.append(_record(entry_id, row, events))
    return records


def _record(entry_id: str, row: m.HomeworkEntry | None, events: list[dict[str, Any]]) -> dict[str, Any]:
    if row is None:
        return {"id": entry_id, "deleted": True, "session_id": None, "kind": None, "description": None,
                "author": None, "created_at": None, "events": events}
    return {"id": row.id, "deleted": False, "session_id": row.session_id, "kind": row.kind,
            "description": row.description, "author": row.author, "created_at": when(row.created_at),
            "events": events}
