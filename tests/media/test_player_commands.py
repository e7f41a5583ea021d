"""Replay, A–B loop, frame steps and re-bound keys on PlayerWidget (fake backend)."""

from __future__ import annotations

import pytest
from media_fakes import FakePlayer
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QWidget

from rater.media.base import MediaInfo
from rater.ui.player import PlayerWidget
from rater.ui.player.shortcuts import DEFAULTS, conflicts, desktop_bindings, resolve, save_desktop_bindings

pytestmark = pytest.mark.timeout(30)
AUDIO = MediaInfo(duration_ms=120_000, has_video=False, has_audio=True)


@pytest.fixture
def rig(qtbot):
    fake = FakePlayer()
    page = QWidget()
    field = QWidget(page)
    field.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    player = PlayerWidget(page, shortcut_host=page, player_factory=lambda: fake)
    layout = QHBoxLayout(page)
    layout.addWidget(field)
    layout.addWidget(player)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)  # window shortcuts need the window active
    field.setFocus()
    qtbot.waitUntil(field.hasFocus)
    player.load("/data/session.mp4", "video")
    yield player, fake, field
    del page


def test_replay_goes_back_ten_seconds_and_plays(rig):
    player, fake, field = rig
    player.seek_ms(42_000)
    QTest.keyClick(field, Qt.Key.Key_J)
    assert fake.calls[-2:] == [("seek_ms", 32_000), ("play",)]
    player.pause()
    player.seek_ms(4_000)
    player.transport.replay_button.click()
    assert ("seek_ms", 0) in fake.calls[-2:]


def test_a_b_loop_jumps_back_to_a_when_playback_passes_b(rig, qtbot):
    player, fake, field = rig
    player.seek_ms(10_000)
    QTest.keyClick(field, Qt.Key.Key_BracketLeft)  # A
    player.seek_ms(14_000)
    QTest.keyClick(field, Qt.Key.Key_BracketRight)  # B: plays the loop from A
    assert player.loop() == (10_000, 14_000)
    assert fake.calls[-2:] == [("seek_ms", 10_000), ("play",)]
    assert "Looping 0:10" in player.transport.loop_label.text()
    fake.advance(4_100)  # playback passes B …
    qtbot.waitUntil(lambda: fake.calls[-1] == ("seek_ms", 10_000) and fake.position_ms() == 10_000)
    QTest.keyClick(field, Qt.Key.Key_Backslash)  # clear
    assert player.loop() == (None, None)
    calls = len(fake.calls)
    fake.advance(5_000)
    qtbot.wait(150)
    assert ("seek_ms", 10_000) not in fake.calls[calls:]


def test_b_without_a_loops_the_ten_seconds_before(rig):
    player, fake, field = rig
    player.seek_ms(30_000)
    player.transport.loop_b_button.click()
    assert player.loop() == (20_000, 30_000)


def test_frame_steps_pause_and_move_one_frame_on_video_only(rig):
    player, fake, field = rig
    player.play()
    player.seek_ms(5_000)
    QTest.keyClick(field, Qt.Key.Key_Period, Qt.KeyboardModifier.ControlModifier)
    assert fake.names()[-2:] == ["pause", "step_frame"] and fake.position_ms() == 5_040
    QTest.keyClick(field, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    assert fake.position_ms() == 5_000
    assert player.transport.frame_buttons[1].isVisibleTo(player)
    fake.info = AUDIO
    player.load("/data/session.m4a", "audio")
    assert not player.transport.frame_buttons[1].isVisibleTo(player)


def test_rebound_keys_act_and_show_in_tooltips_and_help(rig):
    player, fake, field = rig
    bindings = {**DEFAULTS, "replay_10": ("R",), "play_pause": ("P", "Ctrl+Space")}
    player.apply_bindings(bindings)
    player.seek_ms(20_000)
    QTest.keyClick(field, Qt.Key.Key_R)
    assert fake.calls[-2:] == [("seek_ms", 10_000), ("play",)]
    QTest.keyClick(field, Qt.Key.Key_J)  # the old key does nothing now
    assert fake.calls[-1] == ("play",)
    QTest.keyClick(field, Qt.Key.Key_P)
    assert fake.names()[-1] == "pause"
    listed = dict(player.shortcuts())
    assert listed["Replay the last 10 seconds"] == "R"
    assert listed["Play / pause"] == "P, Ctrl+Space"
    assert "(R)" in player.transport.replay_button.toolTip()
    assert "P, Ctrl+Space" in player.play_button.toolTip()
    # A plain-letter key never fires while a note is being typed.
    note = QLineEdit(player.parentWidget())
    note.show()
    note.setFocus()
    calls = len(fake.calls)
    QTest.keyClicks(note, "rp")
    assert note.text() == "rp" and len(fake.calls) == calls


def test_conflicts_are_refused_with_a_reason():
    assert conflicts(DEFAULTS) == []
    twice = conflicts({**DEFAULTS, "replay_10": ("K",)})
    assert twice == ["K is given to both “Play / pause” and “Replay the last 10 seconds”."]
    digit = conflicts({**DEFAULTS, "loop_a": ("5",)})
    assert digit == ["5 rates the focused item; choose another key for “Loop: set start (A)”."]
    assert conflicts({**DEFAULTS, "loop_b": ("Ctrl+M",)})[0].startswith("Ctrl+M adds a mark")


def test_rater_keys_win_over_the_desktop_and_the_desktop_over_defaults(tmp_path):
    save_desktop_bindings({"replay_10": ("R",), "loop_a": ("A",)}, tmp_path)
    desktop = desktop_bindings(tmp_path)
    assert desktop == {"replay_10": ["R"], "loop_a": ["A"]}
    resolved = resolve({"replay_10": ["ctrl+shift+r"]}, desktop)
    assert resolved["replay_10"] == ("Ctrl+Shift+R",)
    assert resolved["loop_a"] == ("A",)
    assert resolved["play_pause"] == DEFAULTS["play_pause"]
    save_desktop_bindings(None, tmp_path)
    assert desktop_bindings(tmp_path) == {}
    (tmp_path / "shortcuts.json").write_text("{not json")
    assert desktop_bindings(tmp_path) == {}


def test_dialog_refuses_a_conflict_then_saves_and_restores_defaults(qtbot, monkeypatch):
    from rater.ui import dialogs
    from rater.ui.player.shortcuts_dialog import ShortcutsDialog

    warnings = []
    monkeypatch.setattr(dialogs, "warn", lambda _p, title, text: warnings.append((title, text)))
    dialog = ShortcutsDialog(dict(DEFAULTS), "Alex Rivera")
    qtbot.addWidget(dialog)
    dialog.edits["replay_10"][0].setKeySequence(QKeySequence("K"))
    dialog.accept()
    assert dialog.result_bindings is None and "both" in warnings[-1][1]
    dialog.edits["replay_10"][0].setKeySequence(QKeySequence("R"))
    dialog.edits["replay_10"][1].clear()
    dialog.accept()
    assert dialog.result_bindings["replay_10"] == ("R",) and not dialog.restored
    dialog.restore_defaults()
    assert dialog.bindings() == DEFAULTS and dialog.restored


def test_segment_bounds_are_shown_and_playback_pauses_at_the_end(rig, qtbot):
    player, fake, field = rig
    player.set_segment((20_000, 40_000))
    assert player.transport.segment_label.text() == "Segment 0:20\u20130:40"
    assert player.waveform._segment == (20_000, 40_000) and player.seek_slider._segment == (20_000, 40_000)
    player.seek_ms(39_000)
    player.play()
    fake.advance(1_500)
    qtbot.waitUntil(lambda: not player.is_playing())
    assert fake.names()[-1] == "pause"
    player.play()  # the rater may go on past the end
    fake.advance(1_000)
    qtbot.wait(150)
    assert player.is_playing()
