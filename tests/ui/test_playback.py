"""Playback bookkeeping: stretches, time spent, resume at the last position."""

from __future__ import annotations

from sqlalchemy import select

from rater.storage import models as m
from rater.ui.rating.playback_tracker import PlaybackTracker


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_tracker_splits_stretches_at_jumps_and_counts_active_time():
    clock = Clock()
    tracker = PlaybackTracker(0, clock=clock)
    tracker.set_active(True)
    tracker.set_playing(True)
    for ms in (250, 500, 750, 1000):
        assert not tracker.update(ms)
    assert tracker.update(30_000)  # a skip
    tracker.update(30_500)
    clock.now += 4.0
    delta = tracker.take()
    assert delta.played == [[0, 1000], [30_000, 30_500]]
    assert delta.time_spent_ms == 4000
    assert delta.position_ms == 30_500

    tracker.update(31_000)
    tracker.set_playing(False)
    tracker.set_active(False)
    clock.now += 10.0  # inactive: not counted
    delta = tracker.take()
    assert delta.played == [[30_500, 31_000]]
    assert delta.time_spent_ms == 0


def test_tracker_gives_back_a_failed_save():
    tracker = PlaybackTracker(0, clock=Clock())
    tracker.set_playing(True)
    tracker.update(1000)
    first = tracker.take()
    tracker.give_back(first)
    tracker.update(2000)
    assert tracker.take().played == [[0, 1000], [1000, 2000]]


def test_played_stretches_and_position_are_saved_on_pause(ws, open_rating, players):
    page = open_rating("Alex Rivera", "D02", 2, "hstbs")
    player = players[-1]
    player.play()
    for ms in (0, 400, 800, 1200):
        player.tick(ms)
    player.tick(20_000)  # the rater skipped ahead
    player.tick(20_400)
    player.pause()
    view = ws.open(page.view.assignment_id, page.view.rater_id)
    assert view.played_intervals == [[0, 1200], [20_000, 20_400]]
    assert view.last_position_ms == 20_400


def test_periodic_save_while_playing(qtbot, ws, open_rating, players):
    page = open_rating("Alex Rivera", "D02", 2, "hstbs")
    page._playback_timer.setInterval(20)
    player = players[-1]
    player.play()
    player.tick(0)
    player.tick(900)
    qtbot.waitUntil(lambda: ws.open(page.view.assignment_id, page.view.rater_id).last_position_ms == 900)


def test_reopening_resumes_at_the_last_position(window, ws, open_rating, players):
    page = open_rating("Alex Rivera", "D02", 2, "hstbs")
    assignment = page.view.assignment_id
    first = players[-1]
    assert first.loads[0][2] == 0
    first.play()
    first.tick(0)
    first.tick(1000)
    first.tick(1500)
    window.back_to_queue()  # saves the position first
    assert first.shut_down

    window.open_assignment(assignment)
    path, kind, start_ms = players[-1].loads[0]
    assert start_ms == 1500
    assert kind == "video"


def test_a_missing_recording_leaves_the_form_usable(monkeypatch, ws, db, open_rating, players,
                                                     fake_player_class):
    with db.transaction() as s:
        for rec in s.scalars(select(m.Recording)):
            rec.path = "/nowhere/gone.mp4"
    monkeypatch.setattr(fake_player_class, "fail_with", "The recording file was not found")
    page = open_rating("Alex Rivera", "D02", 2, "hstbs")
    assert page.view.recordings[0].exists is False
    assert players[-1].loads[0][0] == "/nowhere/gone.mp4"  # the player widget shows the message
    assert not page.player_area.loaded
    page.begin_mark()
    assert page.marks_panel.add_label.text() == "Mark at 00:00:"
    page.session.set_response("asg1", 2)
    assert ws.open(page.view.assignment_id, page.view.rater_id).responses["asg1"].value == 2
    assert page.leave()  # a failed player does not overwrite the saved position with 0


def test_several_recordings_offer_a_choice_video_first(db, ws, open_rating, players):
    with db.transaction() as s:
        session = s.scalar(select(m.Session).join(m.Patient).where(m.Patient.code == "D02", m.Session.number == 2))
        video = session.recordings[0]
        session.recordings.append(m.Recording(path="demo_thought_record.mp3", kind="audio", size=1))
        video_id = video.id
    page = open_rating("Alex Rivera", "D02", 2, "hstbs")
    area = page.player_area
    assert area.combo.count() == 2
    assert area.current.id == video_id
    player = players[-1]
    player.tick(12_000)
    audio_id = next(r.id for r in page.view.recordings if r.kind == "audio")
    area.combo.setCurrentIndex(area.combo.findData(audio_id))
    area.combo.activated.emit(area.combo.currentIndex())
    assert player.loads[-1][1:] == ("audio", 12_000)
    assert page.session.recording_id == audio_id
