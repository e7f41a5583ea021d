"""Segments: the stretch of a recording an assignment covers (MITI codes 20-minute segments).

A coordinator sets a segment for the whole study (``study.settings
["segment"]``), for a session, or for one assignment; the most specific one
applies.  An end of None means "to the end of the recording".  The player
starts at the segment and the played-share flag counts only the segment.
"""

from __future__ import annotations

import logging
import re

from sqlalchemy.orm import Session

from rater.storage import audit
from rater.storage import models as m
from rater.storage.database import Database
from rater.study.errors import InvalidValue, NotFound

log = logging.getLogger(__name__)

Segment = tuple[int, int | None]  # start ms, end ms (None: to the end)
_CLOCK = re.compile(r"^\s*(?:(\d+):)?(\d{1,2}):(\d{2})\s*$|^\s*(\d+)\s*$")


def parse_clock(text: str) -> int:
    """``"1:05:00"``, ``"20:00"`` or ``"90"`` (minutes) → ms."""
    match = _CLOCK.match(text)
    if match is None:
        raise InvalidValue(f"“{text}” is not a time; write minutes (20) or m:ss / h:mm:ss (20:00).")
    if match.group(4) is not None:
        return int(match.group(4)) * 60_000
    hours, minutes, seconds = int(match.group(1) or 0), int(match.group(2)), int(match.group(3))
    if seconds >= 60 or (match.group(1) and minutes >= 60):
        raise InvalidValue(f"“{text}” is not a time.")
    return ((hours * 60 + minutes) * 60 + seconds) * 1000


def parse_segment(text: str) -> Segment | None:
    """``"10:00-30:00"`` / ``"10-30"`` / ``"10-"`` → (start, end); ``""`` or ``"all"`` → None."""
    text = text.strip().replace("\u2013", "-")
    if text.lower() in ("", "all", "none"):
        return None
    if "-" not in text:
        raise InvalidValue(f"“{text}” is not a segment; write start-end, e.g. 10:00-30:00 (or 10-).")
    start_text, end_text = text.split("-", 1)
    return check_segment(parse_clock(start_text) if start_text.strip() else 0,
                         parse_clock(end_text) if end_text.strip() else None)


def check_segment(start_ms: int, end_ms: int | None) -> Segment:
    """A valid (start, end) or InvalidValue saying why not."""
    if start_ms < 0 or (end_ms is not None and end_ms <= start_ms):
        raise InvalidValue("A segment must end after it starts.")
    return int(start_ms), None if end_ms is None else int(end_ms)


def format_segment(segment: Segment | None) -> str:
    """``"10:00–30:00"``, ``"10:00–end"`` or ``"whole recording"``."""
    if segment is None:
        return "whole recording"

    def clock(ms: int) -> str:
        s = ms // 1000
        return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"

    return f"{clock(segment[0])}\u2013{'end' if segment[1] is None else clock(segment[1])}"


def _own(start: int | None, end: int | None) -> Segment | None:
    return None if start is None and end is None else (start or 0, end)


def segment_of(s: Session, assignment: m.Assignment) -> Segment | None:
    """The segment that applies to ``assignment``: its own, else its session's, else the study's."""
    own = _own(assignment.segment_start_ms, assignment.segment_end_ms)
    if own is not None:
        return own
    sess = assignment.session if assignment.session is not None else s.get(m.Session, assignment.session_id)
    own = _own(sess.segment_start_ms, sess.segment_end_ms)
    if own is not None:
        return own
    study = s.get(m.Study, assignment.study_id)
    value = (study.settings or {}).get("segment")
    return (int(value[0]), None if value[1] is None else int(value[1])) if value else None


def set_segment(db: Database, *, study_id: str | None = None, session_id: str | None = None,
                assignment_id: str | None = None, segment: Segment | None) -> None:
    """Set (or with None clear) the segment of a study, a session or an assignment; audited."""
    if sum(x is not None for x in (study_id, session_id, assignment_id)) != 1:
        raise ValueError("name exactly one of study_id, session_id, assignment_id")
    if segment is not None:
        segment = check_segment(*segment)
    with db.transaction() as s:
        if study_id is not None:
            row = s.get(m.Study, study_id)
            if row is None:
                raise NotFound("This study no longer exists.")
            old = row.settings.get("segment")
            settings = dict(row.settings)
            if segment is None:
                settings.pop("segment", None)
            else:
                settings["segment"] = list(segment)
            row.settings = settings
            entity, entity_id, sid = "study", row.id, row.id
        else:
            model = m.Session if session_id is not None else m.Assignment
            row = s.get(model, session_id or assignment_id)
            if row is None:
                raise NotFound(f"This {model.__tablename__} no longer exists.")
            old = list(_own(row.segment_start_ms, row.segment_end_ms) or ()) or None
            row.segment_start_ms, row.segment_end_ms = (None, None) if segment is None else segment
            entity, entity_id = model.__tablename__, row.id
            sid = row.study_id if model is m.Assignment else s.get(m.Patient, row.patient_id).study_id
        audit.record(s, actor="coordinator", action="update", entity=entity, entity_id=entity_id,
                     field="segment", old=old, new=None if segment is None else list(segment), study_id=sid)
