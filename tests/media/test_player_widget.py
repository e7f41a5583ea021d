"""PlayerWidget with a fake backend: controls, shortcuts, clock, errors, panels."""

from __future__ import annotations

import threading

import pytest
from media_fakes import FakePlayer
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QWidget

from rater.media.base import MediaError, MediaInfo
from rater.ui.player import PlayerWidget, format_clock, format_elapsed, shortcut_help

pytestmark = pytest.mark.timeout(30)


class ItemRow(QWidget):
    """Stands in for a rating form row: keeps focus, digits rate it."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.rated: list[str] = []

    def keyPressEvent(self, event):  # noqa: N802 (Qt naming)
        if event.text().isdigit():
            self.rated.append(event.text())
        else:
            super().keyPressEvent(event)


@pytest.fixture
def rig(qtbot):
    """A rating page: a focusable item row standing in for the form, and the player."""
    fake = FakePlayer()
    page = QWidget()
    rating_field = ItemRow(page)
    player = PlayerWidget(page, shortcut_host=page, player_factory=lambda: fake)
    layout = QHBoxLayout(page)
    layout.addWidget(rating_field)
    layout.addWidget(player)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    rating_field.setFocus()
    yield player, fake, rating_field
    del page  # held until here: qtbot.addWidget keeps only a weak reference


def test_controls_are_disabled_until_a_recording_loads(rig):
    player, fake, _ = rig
    assert not player.play_button.isEnabled()
    assert not player.actions_by_name["play_pause"].isEnabled()
    assert player.stack.currentWidget() is player.message
    assert player.load("/data/session.mp4", "video")
    assert player.play_button.isEnabled()
    assert fake.calls[0] == ("load", "/data/session.mp4")


def test_video_is_embedded_in_the_surface(rig):
    player, fake, _ = rig
    player.load("/data/session.mp4", "video")
    assert player.stack.currentWidget() is player.surface
    assert fake.window == int(player.surface.winId()) != 0
    assert player.transport.backend_label.text() == "Player: Fake 1.0"
    assert player.backend_name == "Fake 1.0"
    assert player.time_label.text() == "0:00 / 2:00"


def test_audio_kind_shows_the_audio_panel(rig):
    player, _, _ = rig
    player.load("/data/session-07.m4a", "audio")
    assert player.stack.currentWidget() is player.audio_panel
    assert player.audio_panel.title.text() == "Audio recording"
    assert player.audio_panel.file_label.text() == "session-07.m4a"


def test_video_kind_without_a_picture_falls_back_to_the_audio_panel(qtbot):
    fake = FakePlayer(MediaInfo(60_000, has_video=False, has_audio=True))
    player = PlayerWidget(player_factory=lambda: fake)
    qtbot.addWidget(player)
    player.load("/data/voice-only.mp4", "video")
    assert player.stack.currentWidget() is player.audio_panel


def test_play_button_toggles_and_reports_playing(rig, qtbot):
    player, fake, _ = rig
    player.load("/data/session.mp4", "video")
    with qtbot.waitSignal(player.playing_changed) as sig:
        qtbot.mouseClick(player.play_button, Qt.MouseButton.LeftButton)
    assert sig.args == [True]
    assert fake.names()[-1] == "play"
    assert player.play_button.text() == "Pause"
    with qtbot.waitSignal(player.playing_changed) as sig:
        qtbot.mouseClick(player.play_button, Qt.MouseButton.LeftButton)
    assert sig.args == [False]
    assert fake.names()[-1] == "pause"


def test_skip_buttons_seek_relative(rig, qtbot):
    player, fake, _ = rig
    player.load("/data/session.mp4", "video")
    player.seek_ms(60_000)
    for delta, expected in ((30_000, 90_000), (-5_000, 85_000), (5_000, 90_000), (-30_000, 60_000)):
        qtbot.mouseClick(player.skip_buttons[delta], Qt.MouseButton.LeftButton)
        assert fake.calls[-1] == ("seek_ms", expected)
    assert player.current_position_ms() == 60_000
    assert player.time_label.text() == "1:00 / 2:00"


def test_clicking_controls_leaves_focus_on_the_form(rig, qtbot):
    player, _, rating_field = rig
    player.load("/data/session.mp4", "video")
    qtbot.mouseClick(player.skip_buttons[5_000], Qt.MouseButton.LeftButton)
    assert rating_field.hasFocus()


def test_shortcuts_work_while_the_form_has_focus(rig, qtbot):
    player, fake, rating_field = rig
    player.load("/data/session.mp4", "video")
    qtbot.waitUntil(rating_field.hasFocus)
    ctrl, shift = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
    QTest.keyClick(rating_field, Qt.Key.Key_Space, ctrl)
    assert fake.names()[-1] == "play"
    QTest.keyClick(rating_field, Qt.Key.Key_F5)
    assert fake.names()[-1] == "pause"
    QTest.keyClick(rating_field, Qt.Key.Key_Right, ctrl)
    assert fake.calls[-1] == ("seek_ms", 5_000)
    QTest.keyClick(rating_field, Qt.Key.Key_Right, ctrl | shift)
    assert fake.calls[-1] == ("seek_ms", 35_000)
    QTest.keyClick(rating_field, Qt.Key.Key_Left, ctrl)
    assert fake.calls[-1] == ("seek_ms", 30_000)
    QTest.keyClick(rating_field, Qt.Key.Key_Left, ctrl | shift)
    assert fake.calls[-1] == ("seek_ms", 0)
    QTest.keyClick(rating_field, Qt.Key.Key_BracketRight, ctrl)
    assert fake.calls[-1] == ("set_rate", 1.25)
    QTest.keyClick(rating_field, Qt.Key.Key_BracketLeft, ctrl)
    QTest.keyClick(rating_field, Qt.Key.Key_BracketLeft, ctrl)
    assert fake.calls[-1] == ("set_rate", 0.75)
    QTest.keyClick(rating_field, Qt.Key.Key_Down, ctrl)
    assert fake.calls[-1] == ("set_volume", 90)
    QTest.keyClick(rating_field, Qt.Key.Key_Up, ctrl)
    assert fake.calls[-1] == ("set_volume", 100)
    # Digits still rate: they reach the focused row, not the player.
    calls = len(fake.calls)
    QTest.keyClicks(rating_field, "30")
    assert rating_field.rated == ["3", "0"] and len(fake.calls) == calls


def test_text_fields_keep_word_movement_but_play_pause_still_works(rig, qtbot):
    player, fake, _ = rig
    player.load("/data/session.mp4", "video")
    note = QLineEdit("a rater's note", player.parentWidget())
    note.show()
    note.setFocus()
    qtbot.waitUntil(note.hasFocus)
    note.setCursorPosition(0)
    calls = len(fake.calls)
    QTest.keyClick(note, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
    assert note.cursorPosition() > 0 and len(fake.calls) == calls  # the editor's key wins
    QTest.keyClick(note, Qt.Key.Key_Space, Qt.KeyboardModifier.ControlModifier)
    assert fake.names()[-1] == "play"


def test_shortcuts_are_listed_and_shown_in_tooltips(rig):
    player, _, _ = rig
    listed = dict(player.shortcuts())
    assert listed["Play / pause"] == "Ctrl+Space, F5, K"
    assert listed["Forward 30 seconds"] == "Ctrl+Shift+Right"
    assert dict(shortcut_help()) == listed
    assert "Ctrl+Space" in player.play_button.toolTip()
    assert "Ctrl+Left" in player.skip_buttons[-5_000].toolTip()
    assert "Ctrl+]" in player.speed_combo.toolTip()
    for keys in listed.values():
        assert not any(k.isdigit() for k in keys.replace("F5", "").replace("10", "")), keys


@pytest.mark.parametrize(
    ("ms", "hours", "text"),
    [
        (0, False, "0:00"),
        (761_000, False, "12:41"),
        (3_002_000, False, "50:02"),
        (3_600_000, False, "1:00:00"),
        (761_999, True, "0:12:41"),
        (-5, False, "0:00"),
    ],
)
def test_format_clock(ms, hours, text):
    assert format_clock(ms, hours) == text


def test_format_elapsed_uses_hours_for_long_recordings():
    assert format_elapsed(761_000, 3_002_000) == "12:41 / 50:02"
    assert format_elapsed(761_000, 5_400_000) == "0:12:41 / 1:30:00"


def test_slider_follows_position_without_seeking(rig, qtbot):
    player, fake, _ = rig
    player.load("/data/session.mp4", "video")
    player.play()
    fake.advance(42_000)
    qtbot.waitUntil(lambda: player.seek_slider.value() == 42_000)
    assert player.time_label.text() == "0:42 / 2:00"
    assert "seek_ms" not in fake.names()  # updating the slider must not feed back


def test_dragging_the_slider_seeks(rig, qtbot):
    player, fake, _ = rig
    player.load("/data/session.mp4", "video")
    slider = player.seek_slider
    slider.setSliderDown(True)
    slider.setSliderPosition(30_000)
    assert player.time_label.text() == "0:30 / 2:00"  # previews while dragging
    qtbot.waitUntil(lambda: ("seek_ms", 30_000) in fake.calls)
    slider.setSliderPosition(75_000)
    slider.setSliderDown(False)
    assert fake.calls[-1] == ("seek_ms", 75_000)
    slider.triggerAction(slider.SliderAction.SliderPageStepAdd)
    assert fake.calls[-1] == ("seek_ms", 105_000)


def test_speed_and_volume_controls(rig):
    player, fake, _ = rig
    player.load("/data/session.mp4", "video")
    player.speed_combo.setCurrentIndex(player.speed_combo.findData(1.75))
    assert fake.calls[-1] == ("set_rate", 1.75)
    assert [player.speed_combo.itemData(i) for i in range(player.speed_combo.count())] == [
        0.5,
        0.75,
        1.0,
        1.25,
        1.5,
        1.75,
        2.0,
    ]
    player.volume_slider.setValue(35)
    assert fake.calls[-1] == ("set_volume", 35)


def test_load_at_a_saved_position(rig):
    player, fake, _ = rig
    player.load("/data/session.mp4", "video", start_ms=65_000)
    # Opened at the position (a video's first picture is the right one), not opened and then sought.
    assert [c for c in fake.calls if c[0] in ("load", "seek_ms")] == [("load", "/data/session.mp4")]
    assert player.current_position_ms() == 65_000


def test_load_error_replaces_the_video_with_a_message(rig, qtbot):
    player, fake, _ = rig
    fake.fail_with = MediaError("The recording file was not found: /data/gone.mp4")
    with qtbot.waitSignal(player.media_error) as sig:
        assert not player.load("/data/gone.mp4", "video")
    assert sig.args == ["The recording file was not found: /data/gone.mp4"]
    assert player.stack.currentWidget() is player.message
    assert player.message.text() == (
        "This recording cannot be played: The recording file was not found: "
        "/data/gone.mp4\n\nThe rating form remains available."
    )
    assert not player.play_button.isEnabled()
    fake.fail_with = None
    assert player.load("/data/session.mp4", "video")  # a later good file plays again
    assert player.stack.currentWidget() is player.surface


def test_backend_that_cannot_start_shows_a_message(qtbot):
    def broken():
        raise MediaError("No media player is available. libVLC is not installed.")

    player = PlayerWidget(player_factory=broken)
    qtbot.addWidget(player)
    assert not player.load("/data/session.mp4", "video")
    assert "No media player is available" in player.message.text()


def test_events_from_a_backend_thread_arrive_on_the_gui_thread(rig, qtbot):
    player, fake, _ = rig
    player.load("/data/session.mp4", "video")
    player.play()
    assert player.is_playing()
    with qtbot.waitSignal(player.playing_changed) as sig:
        fake.finish_from_thread().join()
    assert sig.args == [False]
    assert player.time_label.text() == "2:00 / 2:00"
    with qtbot.waitSignal(player.media_error) as sig:
        t = threading.Thread(target=lambda: fake.callbacks.on_error("Playback failed — decoder crashed."))
        t.start()
        t.join()
    assert "decoder crashed" in player.message.text()


def test_shutdown_releases_the_backend(rig):
    player, fake, _ = rig
    player.load("/data/session.mp4", "video")
    player.shutdown()
    assert fake.names()[-1] == "close"
    assert not player.play_button.isEnabled()
