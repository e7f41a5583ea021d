"""The real widget with the real default backend; under Xvfb, video drawn in the frame."""

from __future__ import annotations

import pytest
from media_files import AUDIO_MP3, VIDEO
from PySide6.QtGui import QColor, QGuiApplication

from rater.ui.player import PlayerWidget

pytestmark = [pytest.mark.media, pytest.mark.timeout(30), pytest.mark.usefixtures("require_vlc")]

SLATE = QColor(0x1E, 0x26, 0x30)  # the demo video's background colour


@pytest.fixture
def widget(qtbot):
    w = PlayerWidget()
    w.resize(640, 480)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.shutdown()


def test_plays_a_real_recording(widget, qtbot):
    assert widget.load(str(VIDEO), "video")
    assert widget.backend_name.startswith("libVLC 3.")
    with qtbot.waitSignal(widget.playing_changed):
        widget.play()
    qtbot.waitUntil(lambda: widget.current_position_ms() > 700, timeout=5000)
    assert widget.seek_slider.value() > 0
    widget.seek_ms(30_000)
    qtbot.waitUntil(lambda: widget.current_position_ms() > 30_000, timeout=3000)
    assert widget.time_label.text().startswith("0:30 / 0:59")


def test_audio_recording_shows_the_audio_panel(widget, qtbot):
    assert widget.load(str(AUDIO_MP3), "audio")
    assert widget.stack.currentWidget() is widget.audio_panel
    widget.play()
    qtbot.waitUntil(lambda: widget.audio_panel.progress.fraction() > 0, timeout=5000)


def test_video_is_drawn_into_the_embedded_frame(widget, qtbot):
    if QGuiApplication.platformName() != "xcb":
        pytest.skip(f"embedding needs an X display; Qt platform is {QGuiApplication.platformName()!r}")
    assert widget.load(str(VIDEO), "video")
    widget.play()
    qtbot.waitUntil(lambda: widget.current_position_ms() > 1_500, timeout=8000)
    surface = widget.surface
    origin = surface.mapToGlobal(surface.rect().topLeft())
    # QWidget.grab() shows a native child as dark; the screen has what libVLC drew.
    shot = (
        QGuiApplication.primaryScreen()
        .grabWindow(0, origin.x(), origin.y(), surface.width(), surface.height())
        .toImage()
    )
    step = 8
    pixels = [shot.pixelColor(x, y) for x in range(0, shot.width(), step) for y in range(0, shot.height(), step)]
    slate = sum(
        1
        for c in pixels
        if abs(c.red() - SLATE.red()) + abs(c.green() - SLATE.green()) + abs(c.blue() - SLATE.blue()) < 30
    )
    bright = sum(1 for c in pixels if c.lightness() > 180)
    assert slate > len(pixels) * 0.3, "the demo video's background is not on screen"
    assert bright > 0, "no caption text visible"


def _surface_pixels(widget):
    surface = widget.surface
    origin = surface.mapToGlobal(surface.rect().topLeft())
    shot = (QGuiApplication.primaryScreen()
            .grabWindow(0, origin.x(), origin.y(), surface.width(), surface.height()).toImage())
    return [shot.pixelColor(x, y) for x in range(0, shot.width(), 8) for y in range(0, shot.height(), 8)]


@pytest.mark.parametrize("start_ms", [0, 30_000], ids=["open", "resume"])
def test_a_video_shows_its_picture_before_play(widget, qtbot, start_ms):
    if QGuiApplication.platformName() != "xcb":
        pytest.skip(f"embedding needs an X display; Qt platform is {QGuiApplication.platformName()!r}")
    assert widget.load(str(VIDEO), "video", start_ms=start_ms)
    assert not widget.is_playing()

    def picture_shown() -> bool:
        # Not just "not uniform black": the demo video's slate background and its caption.
        pixels = _surface_pixels(widget)
        slate = sum(1 for c in pixels if abs(c.red() - SLATE.red()) + abs(c.green() - SLATE.green())
                    + abs(c.blue() - SLATE.blue()) < 30)
        return slate > len(pixels) * 0.3 and any(c.lightness() > 180 for c in pixels)

    qtbot.waitUntil(picture_shown, timeout=5000)
    assert not widget.is_playing() and widget.current_position_ms() == start_ms
    assert widget.time_label.text().startswith("0:30" if start_ms else "0:00")
