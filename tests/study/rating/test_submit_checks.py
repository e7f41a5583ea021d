"""Before submitting, a rater is told when they played too little, and must say why when they played nothing.

The demo study's recordings are stored without a length (as after an import
without probing): the length the player reports while rating is what makes
the played share known. What the rater was told and answered is stored with
the rating, audited, and shown in progress.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from rater.storage import models as m
from rater.study.errors import IncompleteRating
from rater.study.rating.submit_checks import NeedsConfirmation, SubmitAnswer
from rater.study.reports.progress import format_progress, study_progress

GENERAL = ("time", "frequency", "effort")


def sam_general(ws, patient="D01", number=2):
    sam = next(r for r in ws.raters() if r.name.startswith("Sam"))
    entry = next(e for e in ws.queue(sam.id) if "General" in e.instrument_name
                 and (e.patient_code, e.session_number) == (patient, number))
    ws.open(entry.assignment_id, sam.id)
    for item in GENERAL:
        ws.set_response(entry.assignment_id, sam.id, item, 2)
    return entry.assignment_id, sam.id


def rating_of(db, assignment_id):
    with db.reading() as s:
        return s.scalar(select(m.Rating).where(m.Rating.assignment_id == assignment_id))


def notice_events(db):
    with db.reading() as s:
        return [(e.actor, e.action, e.field, json.loads(e.new)) for e in s.scalars(
            select(m.AuditEvent).where(m.AuditEvent.field == "submit_notice"))]


def flags(db, study_id):
    return [f.message for f in study_progress(db, study_id).flags]


def test_lengths_unknown_at_import_come_from_the_player(demo):
    db, ws, study_id = demo
    with db.reading() as s:
        assert set(s.scalars(select(m.Recording.duration_ms))) == {None}  # as the demo stores them
    a, r = sam_general(ws)
    ws.record_play_duration(a, r, 100_000)
    ws.save_playback(a, r, 48_000, 200_000, [[0, 48_000]])
    check = ws.submit_check(a, r)
    assert (check.duration_ms, check.played_ms, check.min_played) == (100_000, 48_000, 0.8)
    assert check.short and not check.unplayed
    assert check.message() == ("You have played 48% of the recording; this study asks raters to play at least "
                               "80% before submitting.")


def test_a_short_play_is_refused_until_the_rater_was_told_then_recorded(demo):
    db, ws, study_id = demo
    a, r = sam_general(ws)
    ws.record_play_duration(a, r, 100_000)
    ws.save_playback(a, r, 48_000, 200_000, [[0, 48_000]])
    with pytest.raises(NeedsConfirmation, match="You have played 48% of the recording"):
        ws.submit(a, r, SubmitAnswer())
    assert rating_of(db, a).submitted_at is None and notice_events(db) == []

    ws.submit(a, r, SubmitAnswer(told_short=True))
    notice = {"unplayed": False, "told_short": True, "played_fraction": 0.48, "min_played": 0.8,
              "duration_ms": 100_000}
    assert rating_of(db, a).submit_notice == notice
    assert notice_events(db) == [("rater:R02", "confirm", "submit_notice", notice)]
    assert flags(db, study_id) == ["submitted after playing 48% of the recording (study minimum 80%); "
                                   "the rater was told and submitted anyway"]


def test_a_flag_fires_for_a_short_play_although_the_import_knew_no_length(demo):
    db, ws, study_id = demo
    a, r = sam_general(ws)
    ws.record_play_duration(a, r, 100_000)
    ws.save_playback(a, r, 48_000, 200_000, [[0, 48_000]])
    ws.submit(a, r)  # a caller without a rater at the screen: no answer, still flagged
    assert flags(db, study_id) == ["submitted after playing 48% of the recording (study minimum 80%)"]
    assert "Quality flags (1)" in format_progress(study_progress(db, study_id))


def test_the_imported_length_is_preferred_to_the_players(demo):
    db, ws, study_id = demo
    a, r = sam_general(ws)
    with db.transaction() as s:
        for rec in s.get(m.Assignment, a).session.recordings:
            rec.duration_ms = 50_000
    ws.record_play_duration(a, r, 100_000)
    ws.save_playback(a, r, 48_000, 200_000, [[0, 48_000]])
    assert ws.submit_check(a, r).played_fraction == pytest.approx(0.96)


def test_nothing_played_needs_a_reason_in_words(demo):
    db, ws, study_id = demo
    a, r = sam_general(ws)
    check = ws.submit_check(a, r)
    assert check.unplayed and check.message() == "None of this session's recording has been played."
    for weak in ("", "   ", "ok", "fine ok", "1 2 3 4 5", "?!?! ..."):
        with pytest.raises(NeedsConfirmation, match="say in a sentence why"):
            ws.submit(a, r, SubmitAnswer(reason=weak, told_short=True))
    assert rating_of(db, a).submitted_at is None and notice_events(db) == []

    reason = "The file would not open; I rated from the session transcript."
    ws.submit(a, r, SubmitAnswer(reason=f"  {reason} "))
    assert rating_of(db, a).submit_notice == {"unplayed": True, "reason": reason, "duration_ms": None}
    assert notice_events(db)[0][:3] == ("rater:R02", "confirm", "submit_notice")
    assert flags(db, study_id) == [f'submitted without any of the recording played; the rater wrote: "{reason}"']


def test_a_rating_submitted_unplayed_is_flagged_in_progress(demo):
    db, ws, study_id = demo
    a, r = sam_general(ws)
    ws.submit(a, r)
    assert flags(db, study_id) == ["submitted without any of the recording played"]


def test_an_incomplete_rating_is_refused_before_any_notice(demo):
    db, ws, _ = demo
    sam = next(r for r in ws.raters() if r.name.startswith("Sam"))
    entry = next(e for e in ws.queue(sam.id) if "General" in e.instrument_name)
    ws.open(entry.assignment_id, sam.id)
    with pytest.raises(IncompleteRating):
        ws.submit(entry.assignment_id, sam.id, SubmitAnswer(reason="The file is broken, sorry."))
    assert notice_events(db) == []


def test_the_quality_columns_migrate_down_and_up_keeping_ratings(demo):
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import inspect

    from rater.storage import migrate

    db, ws, _ = demo
    a, r = sam_general(ws)
    ws.record_play_duration(a, r, 100_000)

    def columns() -> set[str]:
        with db.engine.connect() as conn:
            return {c["name"] for c in inspect(conn).get_columns("rating")}

    cfg = Config()
    cfg.set_main_option("script_location", str(migrate.MIGRATIONS))
    with db.engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0003_safety")
        conn.commit()
    assert {"duration_ms", "submit_notice"}.isdisjoint(columns())
    migrate.upgrade(db)
    assert {"duration_ms", "submit_notice"} <= columns()
    with db.reading() as s:
        rating = s.scalar(select(m.Rating).where(m.Rating.assignment_id == a))
        assert rating.duration_ms is None and [sc.value for sc in rating.scores] == [2, 2, 2]


def test_a_resubmission_after_reopening_replaces_the_notice(demo):
    from rater.study.setup.coordination import reopen_rating

    db, ws, study_id = demo
    a, r = sam_general(ws)
    ws.record_play_duration(a, r, 100_000)
    ws.save_playback(a, r, 48_000, 200_000, [[0, 48_000]])
    ws.submit(a, r, SubmitAnswer(told_short=True))
    reopen_rating(db, a, "Please listen to the whole session.")
    ws.save_playback(a, r, 100_000, 60_000, [[48_000, 100_000]])
    ws.submit(a, r, SubmitAnswer())
    assert rating_of(db, a).submit_notice is None
    assert flags(db, study_id) == []
    assert len(notice_events(db)) == 1  # the first notice stays in the audit trail
