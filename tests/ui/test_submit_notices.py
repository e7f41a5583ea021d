"""Submitting after playing too little, or nothing, through the rating window.

The fake player reports a length of two minutes; the demo study stores no
lengths at import, so every figure here comes from the player.
"""

from __future__ import annotations

import json

from sqlalchemy import select

from rater.storage import models as m
from rater.study.rating.submit_checks import SubmitCheck
from rater.ui.rating.submit_dialog import ReasonDialog
from tests.ui.test_submit import play

GENERAL = ("time", "frequency", "effort")


def rating(db, page):
    with db.reading() as s:
        return s.scalar(select(m.Rating).where(m.Rating.assignment_id == page.view.assignment_id))


def confirm_events(db):
    with db.reading() as s:
        return [json.loads(e.new) for e in s.scalars(select(m.AuditEvent).where(m.AuditEvent.action == "confirm"))]


def filled(open_rating):
    page = open_rating("Sam Chen", "D01", 2, "hes_general")
    for item in GENERAL:
        page.session.set_response(item, 2)
    return page


def test_the_players_length_is_stored_when_the_recording_opens(db, open_rating):
    page = filled(open_rating)
    assert rating(db, page).duration_ms == 120_000


def test_a_short_play_is_told_and_that_is_recorded(db, open_rating, players, answered_dialogs):
    page = filled(open_rating)
    play(players, 57_000)  # 0–57 s of 120 s: 48%
    answered_dialogs.confirm_answer = False
    page.form.submit_button.click()
    assert answered_dialogs.confirms == ["Played less than the study asks"]
    assert rating(db, page).submitted_at is None and confirm_events(db) == []

    answered_dialogs.confirm_answer = True
    page.form.submit_button.click()
    stored = rating(db, page)
    assert stored.submitted_at is not None and page.session.state.read_only
    assert stored.submit_notice == {"unplayed": False, "told_short": True, "played_fraction": 0.475,
                                    "min_played": 0.8, "duration_ms": 120_000}
    assert confirm_events(db) == [stored.submit_notice]


def test_a_full_play_is_asked_only_the_plain_question(db, open_rating, players, answered_dialogs):
    page = filled(open_rating)
    play(players)
    page.form.submit_button.click()
    assert answered_dialogs.confirms == ["Submit rating"]
    assert rating(db, page).submitted_at is not None and rating(db, page).submit_notice is None


def test_nothing_played_asks_for_a_reason_in_words(db, open_rating, answered_dialogs):
    page = filled(open_rating)
    page.form.submit_button.click()  # the rater cancels the reason box
    assert answered_dialogs.reasons_asked == ["None of this session's recording has been played."]
    assert answered_dialogs.confirms == [] and rating(db, page).submitted_at is None

    answered_dialogs.reason = "I listened on another computer because the sound here is broken."
    page.form.submit_button.click()
    assert rating(db, page).submit_notice == {"unplayed": True, "reason": answered_dialogs.reason,
                                              "duration_ms": 120_000}
    assert page.session.state.read_only


def test_a_recording_that_cannot_be_played_is_named_in_the_question(db, open_rating, fake_player_class,
                                                                    monkeypatch, answered_dialogs):
    monkeypatch.setattr(fake_player_class, "fail_with", "The recording could not be decoded — it may be corrupt")
    page = filled(open_rating)
    assert rating(db, page).duration_ms is None  # nothing loaded, no length
    answered_dialogs.reason = "ok"  # too few words: the core refuses it too
    page.form.submit_button.click()
    assert answered_dialogs.reasons_asked == [
        "None of this session's recording has been played. The recording could not be decoded — it may be corrupt"]
    assert rating(db, page).submitted_at is None
    assert answered_dialogs.messages[-1][0] == "Not submitted"
    assert "say in a sentence why" in answered_dialogs.messages[-1][1]


def test_the_reason_box_accepts_only_a_sentence(qtbot):
    dialog = ReasonDialog(SubmitCheck(0, None, 0.8), "The recording file was not found: /x.mp4")
    qtbot.addWidget(dialog)
    assert "The player said: The recording file was not found" in dialog.message.text()
    assert not dialog.submit_button.isEnabled()
    qtbot.keyClicks(dialog.reason, "file broken")
    assert not dialog.submit_button.isEnabled()
    qtbot.keyClicks(dialog.reason, ", rated from the transcript")
    assert dialog.submit_button.isEnabled()
    assert dialog.text() == "file broken, rated from the transcript"
