"""A rating as plain data (a *snapshot*), and writing a snapshot back into a database.

A snapshot holds everything a rater produced for one assignment: item
scores, N/A, notes, marks, status and times, playback bookkeeping (with the
recording's length the player reported), what the rater confirmed at submit, the
instrument it was rated with and the rating's full history of audit events.
The same structure travels in ratings packages, waits in ``rating_conflict``
and is compared field by field by the tests.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from rater.pooling import lineage
from rater.pooling.records import insert_events, parse_when, when
from rater.storage import models as m
from rater.study.rating.playback import covered_ms, merge_intervals

# Playback bookkeeping is written without audit events (every few seconds), so the
# history cannot order it; it is merged instead: see :func:`merged`.
BOOKKEEPING = ("last_position_ms", "time_spent_ms", "played_intervals", "played_ms", "recording_id")
SCORE_FIELDS = ("item_id", "value", "is_na", "note", "updated_at", "no_anchor", "no_anchor_note")
MARK_FIELDS = ("position_ms", "text", "created_at", "item_id", "polarity")
# Fields newer than some packages: a package without them means "not set".
DEFAULTS = {"no_anchor": False, "no_anchor_note": "", "item_id": None, "polarity": ""}
TIME_FIELDS = {"updated_at", "created_at"}


def instrument_record(row: m.InstrumentRecord) -> dict[str, str]:
    """What identifies the instrument a rating was made with: key, version and content hash."""
    return {"key": row.key, "version": row.version, "content_hash": row.content_hash}


def snapshot(s: Session, rating: m.Rating) -> dict[str, Any]:
    """The rating with its assignment's status, instrument and history of audit events."""
    a = s.get(m.Assignment, rating.assignment_id)
    return {
        "id": rating.id,
        "assignment_id": a.id,
        "rater_id": a.rater_id,
        "rater_code": a.rater.code,
        "session_id": a.session_id,
        "instrument": instrument_record(a.instrument),
        "status": a.status,
        "revision": rating.revision,
        "started_at": when(rating.started_at),
        "updated_at": when(rating.updated_at),
        "submitted_at": when(rating.submitted_at),
        "last_position_ms": rating.last_position_ms,
        "time_spent_ms": rating.time_spent_ms,
        "played_intervals": [list(x) for x in rating.played_intervals],
        "played_ms": rating.played_ms,
        "recording_id": rating.recording_id,
        "duration_ms": rating.duration_ms,
        "submit_notice": rating.submit_notice,
        "scores": sorted(({"id": sc.id, "item_id": sc.item_id, "value": sc.value, "is_na": sc.is_na,
                           "note": sc.note, "updated_at": when(sc.updated_at), "no_anchor": bool(sc.no_anchor),
                           "no_anchor_note": sc.no_anchor_note or ""} for sc in rating.scores),
                         key=lambda r: r["item_id"]),
        "marks": sorted(({"id": mk.id, "position_ms": mk.position_ms, "text": mk.text,
                          "created_at": when(mk.created_at), "item_id": mk.item_id,
                          "polarity": mk.polarity or ""} for mk in rating.marks),
                        key=lambda r: (r["position_ms"], r["id"])),
        "events": lineage.history(s, rating.id),
    }


def state(snap: dict[str, Any]) -> dict[str, Any]:
    """What a rating *is*: the snapshot without its history and display-only fields."""
    return {k: v for k, v in snap.items() if k not in ("events", "rater_code")}


def merged(descendant: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """``descendant``'s rating with the playback bookkeeping of both versions combined.

    The combination is commutative and idempotent (union of played stretches,
    the larger time spent and revision, the position of the version that was
    worked on longer), so pooling the same versions in any order ends equal.
    """
    out = dict(descendant)
    played = merge_intervals([list(x) for x in descendant["played_intervals"] + other["played_intervals"]])
    out["played_intervals"] = played
    out["played_ms"] = covered_ms(played)
    out["time_spent_ms"] = max(descendant["time_spent_ms"], other["time_spent_ms"])
    out["revision"] = max(descendant["revision"], other["revision"])
    out["updated_at"] = max(descendant["updated_at"], other["updated_at"])
    latest = max((descendant, other),
                 key=lambda v: (v["time_spent_ms"], v["last_position_ms"], v["recording_id"] or ""))
    out["last_position_ms"] = latest["last_position_ms"]
    out["recording_id"] = latest["recording_id"]
    # Packages written before these keys existed lack them.
    out["duration_ms"] = descendant.get("duration_ms") or other.get("duration_ms")
    out["submit_notice"] = descendant.get("submit_notice")
    return out


def apply(s: Session, assignment: m.Assignment, stored: m.Rating | None, snap: dict[str, Any]) -> m.Rating:
    """Make the assignment's rating exactly ``snap`` (replacing ``stored``) and add its audit events."""
    if stored is not None and stored.id != snap["id"]:
        s.delete(stored)
        s.flush()  # the assignment may hold one rating only: the old one goes first
        stored = None
    rating = stored
    if rating is None:
        rating = m.Rating(id=snap["id"], assignment_id=assignment.id)
        s.add(rating)
    rating.revision = snap["revision"]
    rating.started_at = parse_when(snap["started_at"])
    rating.updated_at = parse_when(snap["updated_at"])
    rating.submitted_at = parse_when(snap["submitted_at"])
    rating.last_position_ms = snap["last_position_ms"]
    rating.time_spent_ms = snap["time_spent_ms"]
    rating.played_intervals = [list(x) for x in snap["played_intervals"]]
    rating.played_ms = snap["played_ms"]
    recording = snap["recording_id"]
    # A recording unknown here (removed from the study since) must not block the rating itself.
    rating.recording_id = recording if recording and s.get(m.Recording, recording) is not None else None
    rating.duration_ms = snap.get("duration_ms")
    rating.submit_notice = snap.get("submit_notice")
    _sync(s, rating.scores, m.ItemScore, snap["scores"], SCORE_FIELDS)
    _sync(s, rating.marks, m.Mark, snap["marks"], MARK_FIELDS)
    assignment.status = snap["status"]
    insert_events(s, snap["events"])
    lineage.remember_marks(s, rating.id, {mk["id"] for mk in snap["marks"]} | lineage.mark_events(snap["events"]))
    return rating


def _sync(s: Session, rows: list[Any], model: type, records: list[dict[str, Any]], fields: tuple[str, ...]) -> None:
    wanted = {r["id"]: r for r in records}
    gone = [r for r in rows if r.id not in wanted]
    for row in gone:
        rows.remove(row)
    if gone:
        s.flush()  # deletions first: a replacement row may carry the same (rating, item) key
    have = {row.id: row for row in rows}
    for row_id, record in wanted.items():
        row = have.get(row_id)
        if row is None:
            row = model(id=row_id)
            rows.append(row)
        for name in fields:
            value = record[name] if name in record or name not in DEFAULTS else DEFAULTS[name]
            setattr(row, name, parse_when(value) if name in TIME_FIELDS else value)
