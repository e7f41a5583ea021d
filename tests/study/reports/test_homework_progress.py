"""Homework log permissions and audit; study progress with quality flags; rater status."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from rater.storage import models as m
from rater.study.errors import AccessDenied, InvalidValue
from rater.study.reports import homework
from rater.study.reports.progress import format_progress, study_progress


def session_of(db, patient, number):
    with db.reading() as s:
        return s.scalar(select(m.Session.id).join(m.Patient).where(m.Patient.code == patient, m.Session.number == number))


def test_homework_log_edit_rights_and_next_session_view(demo):
    db, ws, _ = demo
    alex = next(r for r in ws.raters() if r.name.startswith("Alex"))  # team 1: does not keep the log
    sam = next(r for r in ws.raters() if r.name.startswith("Sam"))  # team 2: keeps the log
    s2 = session_of(db, "D01", 2)
    with pytest.raises(AccessDenied):
        homework.add_entry(db, s2, "cognitive", "Thought record", rater_id=alex.id)
    with pytest.raises(InvalidValue):
        homework.add_entry(db, s2, "dance", "x")
    entry = homework.add_entry(db, s2, "behavioural", "Call a friend twice", rater_id=sam.id)
    assert entry.author == "rater:R02"
    homework.update_entry(db, entry.id, "behavioural", "Call a friend three times")
    # Sam rates D02 session 3, Alex D02 session 2: the session-2 log must show for session 3.
    s3_entry = next(e for e in ws.queue(sam.id) if (e.patient_code, e.session_number) == ("D01", 2))
    assert ws.open(s3_entry.assignment_id, sam.id).previous_session_number == 1
    d01_s3 = session_of(db, "D01", 3)
    assert d01_s3
    texts = [h.description for h in homework.entries(db, s2)]
    assert texts[-1] == "Call a friend three times"
    homework.delete_entry(db, entry.id)
    with db.reading() as s:
        actions = [e.action for e in s.scalars(select(m.AuditEvent).where(m.AuditEvent.entity == "homework"))]
    assert actions == ["create", "update", "delete"]


def test_progress_counts_and_quality_flags(demo):
    db, ws, study_id = demo
    sam = next(r for r in ws.raters() if r.name.startswith("Sam"))
    entry = next(e for e in ws.queue(sam.id) if "General" in e.instrument_name)
    ws.open(entry.assignment_id, sam.id)
    with db.transaction() as s:  # give the recording a known length
        a = s.get(m.Assignment, entry.assignment_id)
        for rec in a.session.recordings:
            rec.duration_ms = 600_000
    ws.save_playback(entry.assignment_id, sam.id, 60_000, 90_000, [[0, 60_000]])
    for item in ("time", "frequency", "effort"):
        ws.set_response(entry.assignment_id, sam.id, item, 2)
    ws.submit(entry.assignment_id, sam.id)
    p = study_progress(db, study_id)
    team2 = next(t for t in p.teams if t.name.startswith("Team 2"))
    assert (team2.assigned, team2.submitted, team2.not_started) == (3, 1, 2)
    assert [f.message.split(";")[0] for f in p.flags] == [
        "submitted after playing 10% of the recording (study minimum 80%)", "rated in 1.5 min"]
    text = format_progress(p)
    assert "Quality flags (2)" in text and "R02 D01 session 2" in text


def test_status_command(demo, capsys):
    from rater.cli import main

    db, _, _ = demo
    assert main(["status", "--db", db.url]) == 0
    out = capsys.readouterr().out
    assert "Team 1 (therapist behaviour)" in out and "R01 Alex Rivera" in out and "Quality flags (0)" in out
