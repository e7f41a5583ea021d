"""Evidence marks and "no anchor fits" on the rating page; a rater's player settings kept."""

from __future__ import annotations

from PySide6.QtCore import Qt

from rater.study.rating.preferences import rater_preferences, update_rater_preferences


def _view(ws, page):
    return ws.open(page.view.assignment_id, page.view.rater_id)


def test_a_typed_tag_makes_a_mark_evidence_shown_on_its_item(qtbot, ws, open_rating, players):
    page = open_rating("Alex Rivera", "D02", 2, "hstbs")
    players[-1].tick(761_000)
    page.mark_action.trigger()
    qtbot.keyClicks(page.marks_panel.add_edit, "assigns thought record, + asg1")
    qtbot.keyClick(page.marks_panel.add_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not page.session.saver.pending)
    [mark] = _view(ws, page).marks
    assert (mark.position_ms, mark.text, mark.item_id, mark.polarity) == (
        761_000, "assigns thought record", "asg1", "+")
    tree_item = page.marks_panel.tree.topLevelItem(0)
    assert (tree_item.text(1), tree_item.text(2), tree_item.text(3)) == ("assigns thought record", "asg1", "+")
    evidence = page.form.rows["asg1"].evidence
    assert evidence.isVisibleTo(page) and "12:41" in evidence.evidence_label.text()
    assert "assigns thought record" in evidence.evidence_label.text()
    assert not page.form.rows["asg2"].evidence.isVisibleTo(page)
    # Clicking the time on the item seeks the player there.
    players[-1].tick(0)
    evidence.evidence_label.linkActivated.emit("761000")
    assert players[-1].seeks[-1] == 761_000


def test_evidence_can_be_retagged_from_the_marks_list(qtbot, ws, open_rating, players):
    page = open_rating("Alex Rivera", "D02", 2, "hstbs")
    players[-1].tick(5_000)
    page.session.add_mark(5_000, "praises the log")
    key = page.session.marks[0].key
    page.marks_panel.evidence_requested.emit(key, "rev1", "-")
    qtbot.waitUntil(lambda: not page.session.saver.pending)
    [mark] = _view(ws, page).marks
    assert (mark.item_id, mark.polarity) == ("rev1", "-")
    assert "\u2212" in page.form.rows["rev1"].evidence.evidence_label.text()
    page.marks_panel.evidence_requested.emit(key, None, "")
    qtbot.waitUntil(lambda: not page.session.saver.pending)
    assert _view(ws, page).marks[0].item_id is None
    assert not page.form.rows["rev1"].evidence.isVisibleTo(page)


def test_no_anchor_fits_is_ticked_with_a_note_and_survives_reopening(qtbot, ws, open_rating, window):
    page = open_rating("Alex Rivera", "D02", 2, "hstbs")
    row = page.form.rows["asg2"]
    row.evidence.toggle.click()
    assert row.evidence.note_box.isVisibleTo(page) and row.evidence.note_edit.hasFocus()
    row.evidence._timer.setInterval(10)
    qtbot.keyClicks(row.evidence.note_edit, "homework set by the patient")
    qtbot.waitUntil(lambda: _view(ws, page).no_anchor == {"asg2": "homework set by the patient"})
    window.back_to_queue()
    page = open_rating("Alex Rivera", "D02", 2, "hstbs")
    row = page.form.rows["asg2"]
    assert row.evidence.toggle.isChecked() and row.evidence.note_edit.text() == "homework set by the patient"
    row.evidence.toggle.click()  # untick
    qtbot.waitUntil(lambda: _view(ws, page).no_anchor == {})


def test_speed_volume_and_own_keys_are_kept_per_rater(qtbot, db, ws, open_rating, players, window):
    alex = next(r for r in ws.raters() if r.name == "Alex Rivera")
    update_rater_preferences(db, alex.id, rate=1.25, volume=40, shortcuts={"replay_10": ["R"]})
    page = open_rating("Alex Rivera", "D02", 2, "hstbs")
    assert players[-1].preferences == (1.25, 40)
    assert players[-1].applied_bindings["replay_10"] == ("R",)
    assert players[-1].applied_bindings["play_pause"] == ("Ctrl+Space", "F5", "K")
    players[-1].preferences_changed.emit(1.5, 70)
    window.back_to_queue()  # leaving writes what is pending
    assert rater_preferences(db, alex.id)["rate"] == 1.5 and rater_preferences(db, alex.id)["volume"] == 70
    # Keys kept "for this desktop" replace the rater's own.
    page = open_rating("Alex Rivera", "D02", 2, "hstbs")
    page.player_prefs.keep_shortcuts({**players[-1].bindings(), "replay_10": ("Ctrl+J",)}, True, False)
    assert players[-1].applied_bindings["replay_10"] == ("Ctrl+J",)
    assert "shortcuts" not in rater_preferences(db, alex.id)
    page.player_prefs.keep_shortcuts({}, False, True)  # restore defaults for me: the desktop's stay
    assert players[-1].applied_bindings["replay_10"] == ("Ctrl+J",)
    page.player_prefs.keep_shortcuts({}, True, True)  # and for the desktop
    assert players[-1].applied_bindings["replay_10"] == ("J", "Ctrl+R")


def test_the_player_starts_at_the_segment_and_knows_its_bounds(db, ws, open_rating, players, window):
    from sqlalchemy import select

    from rater.storage import models as m
    from rater.study.rating.segments import set_segment

    page = open_rating("Alex Rivera", "D02", 2, "hstbs")
    with db.reading() as s:
        session_id = s.scalar(select(m.Assignment.session_id).where(m.Assignment.id == page.view.assignment_id))
    window.back_to_queue()
    set_segment(db, session_id=session_id, segment=(20_000, 40_000))
    page = open_rating("Alex Rivera", "D02", 2, "hstbs")
    assert players[-1].loads[-1][2] == 20_000  # stored position 0 lies before the segment
    assert players[-1].segment == (20_000, 40_000)
    page.seek_to(25_000)
    window.back_to_queue()
    page = open_rating("Alex Rivera", "D02", 2, "hstbs")
    assert players[-1].loads[-1][2] == 25_000  # inside the segment: resumed where it stopped
