"""Small helpers shared by the export tests."""

from __future__ import annotations

from itertools import zip_longest

from rater.storage import models as m

_KEEP = object()


def sheet_rows(ws) -> list[dict]:
    """A table sheet as dicts keyed by its header row.

    Rows are padded: streamed sheets carry no dimension, so openpyxl's
    read-only mode returns rows only as long as their last written cell.
    """
    rows = ws.iter_rows(values_only=True)
    header = next(rows)
    return [dict(zip_longest(header, row)) for row in rows]


def header(ws) -> list[str]:
    return [cell.value for cell in next(ws.iter_rows(max_row=1))]


def rate_second_version(s, rating, team_id=_KEEP) -> None:
    """Copy ``rating``'s scores (notes too) onto the same rater's rating of a new version of its
    instrument, in the same session (``team_id`` given: that team, else the rating's own)."""
    assignment = s.get(m.Assignment, rating.assignment_id)
    other = m.InstrumentRecord(key=assignment.instrument.key, version="9.9", name="copy",
                               content=assignment.instrument.content, content_hash="x" * 64)
    s.add(other)
    s.flush()
    twin = m.Assignment(study_id=assignment.study_id, session_id=assignment.session_id,
                        rater_id=assignment.rater_id, instrument_id=other.id,
                        team_id=assignment.team_id if team_id is _KEEP else team_id, status="submitted")
    s.add(twin)
    s.flush()
    copy = m.Rating(assignment_id=twin.id, submitted_at=rating.submitted_at)
    s.add(copy)
    s.flush()
    for score in rating.scores:
        s.add(m.ItemScore(rating_id=copy.id, item_id=score.item_id, value=score.value, is_na=score.is_na,
                          note=score.note))
