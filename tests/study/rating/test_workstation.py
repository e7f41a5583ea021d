"""The rater's services: blinding, validation, audit trail, submit/lock/reopen, playback bookkeeping."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from rater.storage import models as m
from rater.study import backoff
from rater.study.errors import AccessDenied, IncompleteRating, InvalidValue, RatingLocked, StudyError
from rater.study.setup import coordination


def rater_named(ws, name):
    return next(r for r in ws.raters() if r.name.startswith(name))


def audit_rows(db, **where):
    with db.reading() as s:
        q = select(m.AuditEvent).order_by(m.AuditEvent.at)
        for key, value in where.items():
            q = q.where(getattr(m.AuditEvent, key) == value)
        return list(s.scalars(q))


def test_each_rater_sees_only_their_own_queue(demo):
    _, ws, _ = demo
    alex, sam = rater_named(ws, "Alex"), rater_named(ws, "Sam")
    alex_q, sam_q = ws.queue(alex.id), ws.queue(sam.id)
    assert [(e.patient_code, e.session_number) for e in alex_q] == [("D01", 1), ("D02", 2)]
    assert len(sam_q) == 3 and not {e.assignment_id for e in alex_q} & {e.assignment_id for e in sam_q}
    with pytest.raises(AccessDenied):
        ws.open(sam_q[0].assignment_id, alex.id)


def test_set_response_is_committed_and_audited(demo):
    db, ws, _ = demo
    alex = rater_named(ws, "Alex")
    aid = ws.queue(alex.id)[0].assignment_id
    view = ws.open(aid, alex.id)
    assert view.status == "in_progress"
    ws.set_response(aid, alex.id, "asg1", 3)
    ws.set_response(aid, alex.id, "asg1", 4)
    assert ws.open(aid, alex.id).responses["asg1"].value == 4
    events = audit_rows(db, field="item:asg1")
    assert [(e.old, e.new, e.actor) for e in events] == [(None, "3", "rater:R01"), ("3", "4", "rater:R01")]
    assert events[0].entity_id == view.rating_id and events[0].desktop


def test_values_are_checked_against_the_instrument(demo):
    _, ws, _ = demo
    alex = rater_named(ws, "Alex")
    aid = ws.queue(alex.id)[0].assignment_id  # session 1, HSTBS
    ws.open(aid, alex.id)
    with pytest.raises(InvalidValue, match="outside 0–4"):
        ws.set_response(aid, alex.id, "asg1", 5)
    with pytest.raises(InvalidValue, match="cannot be marked N/A"):
        ws.set_response(aid, alex.id, "asg1", None, is_na=True)
    with pytest.raises(InvalidValue, match="Review is not rated in session 1"):
        ws.set_response(aid, alex.id, "rev1", 2)
    with pytest.raises(InvalidValue, match="no item"):
        ws.set_response(aid, alex.id, "nope", 2)


def test_submit_needs_every_applicable_item_then_locks(demo):
    db, ws, _ = demo
    alex = rater_named(ws, "Alex")
    aid = ws.queue(alex.id)[0].assignment_id
    ws.open(aid, alex.id)
    items = [f"asg{i}" for i in range(1, 8)] + [f"obs{i}" for i in range(1, 6)]
    for item in items[:-1]:
        ws.set_response(aid, alex.id, item, 2)
    with pytest.raises(IncompleteRating) as info:
        ws.submit(aid, alex.id)
    assert info.value.missing == ["obs5"]
    ws.set_response(aid, alex.id, "obs5", 0)
    ws.submit(aid, alex.id)
    assert ws.queue(alex.id)[0].status == "submitted"
    with pytest.raises(RatingLocked):
        ws.set_response(aid, alex.id, "asg1", 4)
    with pytest.raises(RatingLocked):
        ws.add_mark(aid, alex.id, 1000, "late")
    assert ws.open(aid, alex.id).read_only
    assert audit_rows(db, action="submit")[0].new == "submitted"


def test_reopen_needs_a_reason_and_is_audited(demo):
    db, ws, _ = demo
    sam = rater_named(ws, "Sam")
    entry = next(e for e in ws.queue(sam.id) if "General" in e.instrument_name)
    ws.open(entry.assignment_id, sam.id)
    for item in ("time", "frequency", "effort"):
        ws.set_response(entry.assignment_id, sam.id, item, 1)
    ws.submit(entry.assignment_id, sam.id)
    with pytest.raises(StudyError, match="reason"):
        coordination.reopen_rating(db, entry.assignment_id, "  ")
    coordination.reopen_rating(db, entry.assignment_id, "Rater asked to correct the effort item")
    ws.set_response(entry.assignment_id, sam.id, "effort", 2)
    reopen = audit_rows(db, action="reopen")
    assert len(reopen) == 1 and reopen[0].reason == "Rater asked to correct the effort item"
    assert reopen[0].actor == "coordinator"


def test_notes_and_marks(demo):
    db, ws, _ = demo
    alex = rater_named(ws, "Alex")
    aid = ws.queue(alex.id)[0].assignment_id
    ws.open(aid, alex.id)
    ws.set_note(aid, alex.id, "asg5", "assigned two thought records")
    mark = ws.add_mark(aid, alex.id, 761_000, "therapist assigns thought record")
    ws.add_mark(aid, alex.id, 5_000, "agenda")
    ws.update_mark(aid, alex.id, mark.id, "assigns thought record (written)")
    view = ws.open(aid, alex.id)
    assert view.notes == {"asg5": "assigned two thought records"}
    assert [(mk.position_ms, mk.text) for mk in view.marks] == [
        (5_000, "agenda"), (761_000, "assigns thought record (written)")]
    ws.delete_mark(aid, alex.id, view.marks[0].id)
    assert len(ws.open(aid, alex.id).marks) == 1
    assert [e.action for e in audit_rows(db, entity="mark")] == ["create", "create", "update", "delete"]


def test_playback_position_time_and_played_stretches(demo):
    _, ws, _ = demo
    alex = rater_named(ws, "Alex")
    aid = ws.queue(alex.id)[0].assignment_id
    ws.open(aid, alex.id)
    ws.save_playback(aid, alex.id, 10_000, 10_000, [[0, 10_000]])
    ws.save_playback(aid, alex.id, 25_000, 5_000, [[8_000, 15_000], [20_000, 25_000]])
    view = ws.open(aid, alex.id)
    assert view.last_position_ms == 25_000 and view.time_spent_ms == 15_000
    assert view.played_intervals == [[0, 15_000], [20_000, 25_000]]


def test_previous_session_homework_and_hidden_fields(demo):
    _, ws, _ = demo
    sam = rater_named(ws, "Sam")
    entry = next(e for e in ws.queue(sam.id) if (e.patient_code, e.session_number) == ("D01", 2))
    view = ws.open(entry.assignment_id, sam.id)
    assert view.previous_session_number == 1
    assert [h.kind for h in view.previous_homework] == ["self_monitoring", "cognitive"]
    assert "condition" not in view.session_info  # the study hides treatment condition from raters
    alex = rater_named(ws, "Alex")
    first = ws.open(ws.queue(alex.id)[0].assignment_id, alex.id)
    assert first.previous_session_number is None and first.previous_homework == []


def test_demo_recordings_resolve_to_shipped_files(demo):
    _, ws, _ = demo
    alex = rater_named(ws, "Alex")
    view = ws.open(ws.queue(alex.id)[0].assignment_id, alex.id)
    assert view.recordings and all(r.exists for r in view.recordings)


def test_coordinator_password_is_hashed_and_slows_repeated_failures(db, monkeypatch):
    assert not coordination.has_coordinator_password(db)
    coordination.set_coordinator_password(db, "correct horse")
    with db.reading() as s:
        stored = s.get(m.Setting, coordination.PASSWORD_KEY).value
    assert stored.startswith("scrypt$") and "correct horse" not in stored
    waits = []
    monkeypatch.setattr(coordination.time, "sleep", waits.append)
    assert not coordination.check_coordinator_password(db, "wrong")
    assert not coordination.check_coordinator_password(db, "wrong")
    assert not coordination.check_coordinator_password(db, "wrong")
    assert len(waits) == 2 and waits[1] > waits[0] > 0
    assert coordination.check_coordinator_password(db, "correct horse")
    assert backoff.wait_seconds(db) == 0
