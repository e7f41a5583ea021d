"""The study rules that have one home: a team's session range, the patient rule, the settings' defaults."""

from __future__ import annotations

import pytest

from rater.sort_keys import natural_key
from rater.study.assign.patient_rule import PatientRule
from rater.study.rating.pins import hash_pin, verify_secret
from rater.study.setup.session_range import SessionRange, any_covers
from rater.study.setup.settings import StudySettings


@pytest.mark.parametrize(("first", "last", "inside", "outside"), [
    (None, None, [1, 7, 500], []),
    (2, 5, [2, 3, 5], [1, 6]),
    (None, 3, [1, 3], [4]),
    (4, None, [4, 99, 1000], [1, 3]),
])
def test_a_range_covers_its_numbers_and_open_sides_have_no_limit(first, last, inside, outside):
    r = SessionRange(first, last)
    assert all(r.covers(n) for n in inside)
    assert not any(r.covers(n) for n in outside)


def test_range_labels_and_problems():
    assert SessionRange().label == "all sessions"
    assert SessionRange(3, 3).label == "session 3"
    assert SessionRange(2, 5).label == "sessions 2–5"
    assert SessionRange(None, 4).label == "sessions 1–4"
    assert SessionRange(2, None).label == "sessions 2–…"
    assert SessionRange(2, 5).problem is None and SessionRange(None, None).problem is None
    assert SessionRange(0, 3).problem == "the session range 0–3 is not valid"
    assert SessionRange(5, 2).problem == "the session range 5–2 is not valid"
    assert [SessionRange(2, 5).cell, SessionRange(None, 4).cell, SessionRange().cell] == ["2-5", "any-4", "any-any"]
    assert SessionRange(None, None).closed(99) == (1, 99) and SessionRange(2, 4).closed(99) == (2, 4)
    # Plain tuples, as the planner's callers pass them, are ranges too.
    assert any_covers([(1, 2), (5, None)], 7) and not any_covers([(1, 2), (5, 6)], 3)


def test_the_patient_rule_allows_one_session_per_patient_per_rater():
    rule = PatientRule([("P1", "r1", "s1")])
    assert rule.clash("P1", "r1", "s1") is None  # the session the rater already has
    assert rule.clash("P1", "r1", "s2") == "s1"
    assert rule.clash("P1", "r2", "s2") is None and rule.clash("P2", "r1", "s3") is None
    assert rule.free("P1", ["r1", "r2", "r3"]) == ["r2", "r3"]
    assert not rule.untouched("P1") and rule.untouched("P2")
    rule.take("P2", "r3", "s3")
    assert rule.free("P2", ["r1", "r2", "r3"]) == ["r1", "r2"]


def test_settings_take_their_defaults_once_and_read_stored_values():
    assert StudySettings.read(None) == StudySettings.read({}) == StudySettings()
    assert StudySettings().min_played_fraction == 0.8 and StudySettings().hold_until_certified is False
    stored = StudySettings.read({"media_root": "/rec", "min_played_fraction": 0.5,
                                 "hidden_fields": ["condition"], "hold_until_certified": True})
    assert stored == StudySettings("/rec", 0.5, ("condition",), True)
    assert StudySettings.read({"min_played_fraction": None}).min_played_fraction == 0.8


def test_natural_key_orders_numbers_numerically():
    assert sorted(["R10", "R2", "R1", "Q"], key=natural_key) == ["Q", "R1", "R2", "R10"]
    assert sorted(["P2", "P10", "P02x"], key=natural_key)[0] == "P2"


def test_pins_verify_only_their_own_secret():
    stored = hash_pin("1234")
    assert stored.startswith("scrypt$") and stored != hash_pin("1234")  # salted
    assert verify_secret("1234", stored) and not verify_secret("1235", stored)
    assert verify_secret("anything", None) and not verify_secret("1234", "garbled")
