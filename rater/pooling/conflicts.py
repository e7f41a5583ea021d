"""Conflicts between versions of a rating: listing them and resolving one by keeping a side.

Resolving never loses a version: keeping the stored rating leaves the
incoming version in its conflict row; keeping the incoming one stores the
replaced version there (``replaced``). The resolution is audited against the
conflict, not the rating, so the rating's history (which decides what
descends from what) is exactly the kept version's.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rater.pooling.snapshot import apply, instrument_record, snapshot
from rater.storage import audit
from rater.storage import models as m
from rater.storage.database import Database
from rater.study.errors import NotFound, StudyError

log = logging.getLogger(__name__)

KEEP = ("stored", "incoming")


@dataclass(frozen=True)
class ConflictView:
    """One conflict as shown to the coordinator."""

    id: str
    assignment_id: str
    rater_code: str
    patient_code: str
    session_number: int
    instrument: str
    stored_revision: int | None
    incoming_revision: int
    package_file: str
    detected_at: datetime
    resolution: str | None
    resolved_at: datetime | None
    reason: str
    differences: tuple[str, ...]


def differences(stored: dict[str, Any] | None, incoming: dict[str, Any]) -> list[str]:
    """What a coordinator must choose between, in words ("item asg1: 3 here, 4 in the package")."""
    if stored is None:
        return ["no rating is stored here any more"]
    out = []
    if stored["id"] != incoming["id"]:
        out.append("the rating was started separately on two desktops")
    if stored["status"] != incoming["status"]:
        out.append(f"status: {stored['status']} here, {incoming['status']} in the package")
    ours = {sc["item_id"]: sc for sc in stored["scores"]}
    theirs = {sc["item_id"]: sc for sc in incoming["scores"]}
    for item in sorted(set(ours) | set(theirs)):
        a, b = ours.get(item), theirs.get(item)
        if _value(a) != _value(b):
            out.append(f"item {item}: {_value(a)} here, {_value(b)} in the package")
        if (a or {}).get("note", "") != (b or {}).get("note", ""):
            out.append(f"note on {item} differs")
    marks_here = {(mk["position_ms"], mk["text"]) for mk in stored["marks"]}
    marks_there = {(mk["position_ms"], mk["text"]) for mk in incoming["marks"]}
    if marks_here != marks_there:
        out.append(f"marks: {len(marks_here)} here, {len(marks_there)} in the package "
                   f"({len(marks_here ^ marks_there)} differ)")
    return out or ["the same answers reached by different edits"]


def _value(score: dict[str, Any] | None) -> str:
    if score is None or (score["value"] is None and not score["is_na"]):
        return "empty"
    return "N/A" if score["is_na"] else str(score["value"])


def list_conflicts(db: Database, study_id: str | None = None, include_resolved: bool = False) -> list[ConflictView]:
    """Conflicts, oldest first; unresolved ones only unless ``include_resolved``."""
    with db.reading() as s:
        query = select(m.RatingConflict).order_by(m.RatingConflict.detected_at, m.RatingConflict.id)
        if study_id is not None:
            query = query.where(m.RatingConflict.study_id == study_id)
        if not include_resolved:
            query = query.where(m.RatingConflict.resolution.is_(None))
        views = []
        for row in s.scalars(query):
            stored = _stored(s, row.assignment_id)
            current = snapshot(s, stored) if stored is not None else None
            views.append(_view(s, row, current))
        return views


def _stored(s: Session, assignment_id: str) -> m.Rating | None:
    return s.scalar(select(m.Rating).where(m.Rating.assignment_id == assignment_id))


def _view(s: Session, row: m.RatingConflict, current: dict[str, Any] | None) -> ConflictView:
    a = s.get(m.Assignment, row.assignment_id)
    diffs = differences(current, row.incoming) if row.resolution is None else ()
    return ConflictView(
        id=row.id, assignment_id=a.id, rater_code=a.rater.code, patient_code=a.session.patient.code,
        session_number=a.session.number, instrument=f"{a.instrument.key} {a.instrument.version}",
        stored_revision=current["revision"] if current else None, incoming_revision=row.incoming["revision"],
        package_file=row.package_file, detected_at=row.detected_at, resolution=row.resolution,
        resolved_at=row.resolved_at, reason=row.reason, differences=tuple(diffs),
    )


def find_conflict(db: Database, text: str) -> str:
    """The id of the conflict whose id is or starts with ``text`` (at least 4 characters)."""
    text = text.strip().lower()
    with db.reading() as s:
        if s.get(m.RatingConflict, text) is not None:
            return text
        if len(text) < 4:
            raise NotFound(f"Give at least 4 characters of the conflict id (got {text!r}).")
        ids = list(s.scalars(select(m.RatingConflict.id).where(m.RatingConflict.id.startswith(text))))
    if not ids:
        raise NotFound(f"No conflict with id {text!r} (list them with: rater package conflicts).")
    if len(ids) > 1:
        raise NotFound(f"{len(ids)} conflicts start with {text!r}; give more of the id.")
    return ids[0]


def resolve_conflict(db: Database, conflict_id: str, keep: str, reason: str,
                     actor: str = "coordinator") -> ConflictView:
    """Keep the ``stored`` or the ``incoming`` version of the rating; the reason is required and audited."""
    if keep not in KEEP:
        raise StudyError(f"Choose which version to keep: {' or '.join(KEEP)} (got {keep!r}).")
    if not reason.strip():
        raise StudyError("Give a reason for this choice; it is kept in the audit trail.")
    with db.transaction() as s:
        row = s.get(m.RatingConflict, conflict_id)
        if row is None:
            raise NotFound(f"No conflict with id {conflict_id!r}.")
        if row.resolution is not None:
            raise StudyError(f"This conflict was already resolved on {row.resolved_at:%Y-%m-%d %H:%M} "
                             f"(kept the {row.resolution} version).")
        a = s.get(m.Assignment, row.assignment_id)
        stored = _stored(s, a.id)
        current = snapshot(s, stored) if stored is not None else None
        view_before = _view(s, row, current)
        if keep == "incoming":
            if instrument_record(a.instrument) != row.incoming["instrument"]:
                raise StudyError("The study's instrument for this assignment has changed since the conflict was "
                                 "found; the incoming version cannot be kept.")
            row.replaced = current
            apply(s, a, stored, row.incoming)
        row.resolution, row.resolved_at = keep, m.utcnow()
        row.resolved_by, row.reason = actor, reason.strip()
        audit.record(s, actor=actor, action="resolve", entity="rating_conflict", entity_id=row.id, field="keep",
                     old=current["id"] if current else None, new=f"{keep}:{row.incoming['id']}",
                     reason=row.reason, study_id=a.study_id)
        log.info("conflict %s resolved: kept the %s version (%s)", row.id, keep, row.reason)
        return replace(view_before, resolution=row.resolution, resolved_at=row.resolved_at, reason=row.reason)
