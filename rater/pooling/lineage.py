"""Whether one version of a rating descends from another, decided from the audit trail.

Every change to a rating writes an audit event with a UUID, and packages carry
those events with their ids, so the events of a rating form its history on
every desktop. A version whose history contains all of the stored version's
events has seen every stored change: it *descends* from it (in time order
the stored history is a prefix of the incoming one). The reverse means the
incoming version is older; anything else is two different edits of the same
rating, a conflict. Containment rather than a literal prefix test keeps a
desktop whose clock runs a little behind from turning a plain continuation
into a false conflict.

A rating's history is its own events (entity ``rating``) plus those of its
marks. Mark events name only the mark, so the rating a mark belongs to is
remembered in ``mark_link`` whenever pooling sees it; otherwise a deleted
mark's events would drop out of the history.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from rater.pooling.records import event_record, history_key
from rater.storage import models as m

SAME, AHEAD, BEHIND, DIVERGED = "same", "ahead", "behind", "diverged"


def mark_ids(s: Session, rating_id: str) -> set[str]:
    """Marks of the rating now, plus every mark ever seen with it (deleted ones too)."""
    current = s.scalars(select(m.Mark.id).where(m.Mark.rating_id == rating_id))
    linked = s.scalars(select(m.MarkLink.mark_id).where(m.MarkLink.rating_id == rating_id))
    return set(current) | set(linked)


def remember_marks(s: Session, rating_id: str, ids: Iterable[str]) -> None:
    """Record that the marks ``ids`` belong to ``rating_id`` (once)."""
    wanted = set(ids)
    if not wanted:
        return
    known = set(s.scalars(select(m.MarkLink.mark_id).where(m.MarkLink.mark_id.in_(wanted))))
    for mark_id in sorted(wanted - known):
        s.add(m.MarkLink(mark_id=mark_id, rating_id=rating_id))


def excluded(s: Session, rating_id: str) -> set[str]:
    """Events of a branch a coordinator set aside by keeping the other version of this rating.

    Those events stay in the audit trail (it is never edited) but are no
    longer part of the rating's history.
    """
    out: set[str] = set()
    rows = s.scalars(select(m.RatingConflict).where(
        m.RatingConflict.resolution == "incoming",
        m.RatingConflict.incoming_rating_id == rating_id,
        m.RatingConflict.stored_rating_id == rating_id,
    ))
    for row in rows:
        if row.replaced:
            kept = {e["id"] for e in row.incoming["events"]}
            out |= {e["id"] for e in row.replaced["events"]} - kept
    return out


def history(s: Session, rating_id: str) -> list[dict[str, Any]]:
    """The rating's audit events as plain records, oldest first."""
    marks = mark_ids(s, rating_id)
    conditions = [and_(m.AuditEvent.entity == "rating", m.AuditEvent.entity_id == rating_id)]
    if marks:
        conditions.append(and_(m.AuditEvent.entity == "mark", m.AuditEvent.entity_id.in_(marks)))
    rows = s.scalars(select(m.AuditEvent).where(or_(*conditions)))
    skip = excluded(s, rating_id)
    return sorted((event_record(e) for e in rows if e.id not in skip), key=history_key)


def relation(stored: Iterable[str], incoming: Iterable[str]) -> str:
    """How the incoming history relates to the stored one: same, ahead, behind or diverged."""
    old, new = set(stored), set(incoming)
    if old == new:
        return SAME
    if old < new:
        return AHEAD
    if new < old:
        return BEHIND
    return DIVERGED


def mark_events(events: Iterable[dict[str, Any]]) -> set[str]:
    """Ids of the marks that the events of a history talk about."""
    return {e["entity_id"] for e in events if e["entity"] == "mark"}
