"""Segments per study, session and assignment: precedence, the player's start, the played share."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from rater.cli import main as cli
from rater.storage import models as m
from rater.study.errors import InvalidValue
from rater.study.rating.playback import segment_share
from rater.study.rating.segments import format_segment, parse_segment, set_segment
from rater.study.reports.progress import quality_flags


@pytest.mark.parametrize(("text", "segment"), [
    ("10:00-30:00", (600_000, 1_800_000)), ("10-30", (600_000, 1_800_000)), ("10-", (600_000, None)),
    ("1:00:00-1:20:00", (3_600_000, 4_800_000)), ("all", None), ("0:30\u20131:30", (30_000, 90_000)),
])
def test_segments_are_written_the_way_coordinators_write_them(text, segment):
    assert parse_segment(text) == segment


@pytest.mark.parametrize("text", ["30-10", "10", "abc-20", "10:75-20:00"])
def test_bad_segments_are_refused_with_a_reason(text):
    with pytest.raises(InvalidValue):
        parse_segment(text)


def test_the_most_specific_segment_applies_and_is_audited(demo):
    db, ws, study_id = demo
    rater = next(r for r in ws.raters() if r.name == "Alex Rivera")
    entry = ws.queue(rater.id)[0]
    assert ws.open(entry.assignment_id, rater.id).segment is None
    set_segment(db, study_id=study_id, segment=(60_000, None))
    assert ws.open(entry.assignment_id, rater.id).segment == (60_000, None)
    with db.reading() as s:
        a = s.get(m.Assignment, entry.assignment_id)
        session_id = a.session_id
    set_segment(db, session_id=session_id, segment=(10_000, 40_000))
    assert ws.open(entry.assignment_id, rater.id).segment == (10_000, 40_000)
    set_segment(db, assignment_id=entry.assignment_id, segment=(20_000, 30_000))
    assert ws.open(entry.assignment_id, rater.id).segment == (20_000, 30_000)
    set_segment(db, assignment_id=entry.assignment_id, segment=None)
    assert ws.open(entry.assignment_id, rater.id).segment == (10_000, 40_000)
    with db.reading() as s:
        events = s.scalars(select(m.AuditEvent).where(m.AuditEvent.field == "segment")).all()
    assert [e.entity for e in events] == ["study", "session", "assignment", "assignment"]


def test_played_share_counts_only_the_segment():
    played = [[0, 10_000], [20_000, 35_000]]
    assert segment_share(played, 60_000) == (25_000, 60_000)
    assert segment_share(played, 60_000, (20_000, 40_000)) == (15_000, 20_000)
    assert segment_share(played, 60_000, (20_000, None)) == (15_000, 40_000)
    assert segment_share([[0, 19_000]], 60_000, (20_000, 40_000)) == (0, 20_000)
    # Without a known length the played part is still counted; what is to be played is known only with an end.
    assert segment_share(played, None, (20_000, 40_000)) == (15_000, 20_000)
    assert segment_share(played, None, (20_000, None)) == (15_000, None)


def test_quality_flags_judge_the_segment_not_the_recording():
    rating = m.Rating(played_intervals=[[600_000, 1_800_000]], time_spent_ms=1_300_000)
    rating.submitted_at = m.utcnow()
    hour = 3_600_000
    assert len(quality_flags(rating, hour, 0.8)) == 2  # a third of the hour, in 22 minutes
    assert quality_flags(rating, hour, 0.8, (600_000, 1_800_000)) == []


def test_the_command_line_sets_a_session_segment(sqlite_demo, capsys):
    db, ws, _study = sqlite_demo
    url = db.url
    assert cli(["segment", "--db", url, "--session", "D02:2", "10:00-30:00"]) == 0
    assert "segment for session D02:2: 10:00\u201330:00" in capsys.readouterr().out
    assert cli(["segment", "--db", url, "--session", "D99:1", "10-20"]) == 2
    assert cli(["segment", "--db", url, "30-10"]) == 2
    assert "must end after it starts" in capsys.readouterr().out
    assert format_segment((600_000, None)) == "10:00\u2013end"
