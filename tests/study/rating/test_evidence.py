"""Evidence marks (item + polarity), "no anchor fits" ticks and rater preferences."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from rater.storage import models as m
from rater.study.errors import InvalidValue, NotFound, RatingLocked
from rater.study.rating.preferences import rater_preferences, update_rater_preferences


def _first_assignment(ws, name="Alex Rivera"):
    rater = next(r for r in ws.raters() if r.name == name)
    entry = ws.queue(rater.id)[0]
    view = ws.open(entry.assignment_id, rater.id)
    return rater.id, view


def test_mark_evidence_round_trips_through_the_view_and_is_audited(demo):
    db, ws, _ = demo
    rater_id, view = _first_assignment(ws)
    item = view.instrument.items[0].id
    mark = ws.add_mark(view.assignment_id, rater_id, 761_000, "assigns thought record")
    ws.set_mark_evidence(view.assignment_id, rater_id, mark.id, item, "\u2212")
    again = ws.open(view.assignment_id, rater_id)
    assert [(mk.item_id, mk.polarity, mk.text) for mk in again.marks] == [(item, "-", "assigns thought record")]
    with db.reading() as s:
        events = s.scalars(select(m.AuditEvent).where(m.AuditEvent.entity_id == mark.id,
                                                      m.AuditEvent.field == "evidence")).all()
    assert len(events) == 1 and '"-"' in events[0].new
    revision = again.revision
    # The same tag again changes nothing and writes no event.
    assert ws.set_mark_evidence(view.assignment_id, rater_id, mark.id, item, "-").revision == revision


def test_mark_evidence_refuses_unknown_items_and_polarities(demo):
    _db, ws, _ = demo
    rater_id, view = _first_assignment(ws)
    mark = ws.add_mark(view.assignment_id, rater_id, 1000, "x")
    with pytest.raises(InvalidValue, match="no item"):
        ws.set_mark_evidence(view.assignment_id, rater_id, mark.id, "nope", "+")
    with pytest.raises(InvalidValue, match="tagged"):
        ws.set_mark_evidence(view.assignment_id, rater_id, mark.id, view.instrument.items[0].id, "++")
    with pytest.raises(NotFound):
        ws.set_mark_evidence(view.assignment_id, rater_id, "missing-mark", None, "")


def test_no_anchor_tick_with_note_round_trips_and_untick_clears_the_note(demo):
    db, ws, _ = demo
    rater_id, view = _first_assignment(ws)
    item = view.instrument.items[1].id
    ws.set_no_anchor(view.assignment_id, rater_id, item, True, "  between 2 and 3  ")
    assert ws.open(view.assignment_id, rater_id).no_anchor == {item: "between 2 and 3"}
    ws.set_no_anchor(view.assignment_id, rater_id, item, False, "ignored")
    assert ws.open(view.assignment_id, rater_id).no_anchor == {}
    with db.reading() as s:
        fields = s.scalars(select(m.AuditEvent.field).where(m.AuditEvent.field == f"no_anchor:{item}")).all()
    assert len(fields) == 2
    with pytest.raises(InvalidValue, match="at most"):
        ws.set_no_anchor(view.assignment_id, rater_id, item, True, "x" * 2001)


def test_evidence_is_locked_after_submission(demo):
    _db, ws, _ = demo
    rater_id, view = _first_assignment(ws)
    for item in view.instrument.items:
        if view.instrument.item_applies(item.id, view.session_number):
            ws.set_response(view.assignment_id, rater_id, item.id, item.min)
    ws.submit(view.assignment_id, rater_id)
    with pytest.raises(RatingLocked):
        ws.set_no_anchor(view.assignment_id, rater_id, view.instrument.items[0].id, True, "late")


def test_rater_preferences_merge_and_remove(demo):
    db, ws, _ = demo
    rater_id, _view = _first_assignment(ws)
    assert rater_preferences(db, rater_id) == {}
    update_rater_preferences(db, rater_id, rate=1.25, volume=60)
    update_rater_preferences(db, rater_id, volume=None, shortcuts={"replay_10": ["R"]})
    assert rater_preferences(db, rater_id) == {"rate": 1.25, "shortcuts": {"replay_10": ["R"]}}
    with pytest.raises(NotFound):
        update_rater_preferences(db, "no-such-rater", rate=1.0)


@pytest.mark.parametrize(("typed", "expected"), [
    ("assigns thought record, + asg5", ("assigns thought record", "asg5", "+")),
    ("no review of homework -REV1", ("no review of homework", "rev1", "-")),
    ("homework \u2212asg2", ("homework", "asg2", "-")),
    ("a + b is not an item", ("a + b is not an item", None, "")),
    ("ends with +nothing", ("ends with +nothing", None, "")),
    ("plain note", ("plain note", None, "")),
])
def test_a_typed_trailing_tag_ties_the_mark_to_an_item(typed, expected):
    from rater.study.rating.evidence import parse_evidence

    assert parse_evidence(typed, ["asg2", "asg5", "rev1"]) == expected
