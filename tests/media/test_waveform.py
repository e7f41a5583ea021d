"""Waveforms: peaks from ffmpeg, cached beside the database by checksum, drawn and clickable."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from generated import ffmpeg_reason, make_clicks, make_video
from media_fakes import FakePlayer

from rater.media import waveform as wf

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def media_dir(tmp_path_factory):
    reason = ffmpeg_reason()
    if reason:
        pytest.skip(reason)
    return tmp_path_factory.mktemp("wave")


@pytest.fixture(scope="module")
def clicks(media_dir):
    return make_clicks(media_dir / "clicks.wav", 12)


def test_peaks_follow_the_sound_every_100_ms(clicks):
    peaks = wf.compute_peaks(clicks, 12_000)
    assert len(peaks) == 120
    # A click opens every whole second; the 100 ms buckets in between are silent.
    loud = [i for i, v in enumerate(peaks) if v > 128]
    assert loud == list(range(0, 120, 10))
    assert max(v for i, v in enumerate(peaks) if i % 10) < 40  # resampling leaves a trace (√-scaled)


def test_the_audio_track_of_a_video_has_a_waveform(media_dir):
    video = make_video(media_dir / "tone.mkv", 3)
    peaks = wf.compute_peaks(video, 3_000)
    assert len(peaks) in (30, 31) and peaks.min() > 200  # a steady tone (AAC pads the end)


def test_cache_is_keyed_by_checksum(clicks, tmp_path, monkeypatch):
    progress = []
    first = wf.waveform_for(clicks, "a" * 64, 12_000, tmp_path, progress.append)
    assert (tmp_path / f"{'a' * 64}.wave").is_file() and progress[-1] == 1.0
    computed = []
    monkeypatch.setattr(wf, "compute_peaks", lambda *a, **k: computed.append(a) or np.zeros(3, np.uint8))
    again = wf.waveform_for(clicks, "a" * 64, 12_000, tmp_path)
    assert np.array_equal(first, again) and computed == []  # read from the cache
    other = wf.waveform_for(clicks, "b" * 64, 12_000, tmp_path)  # another checksum: computed anew
    assert len(computed) == 1 and len(other) == 3
    (tmp_path / f"{'c' * 64}.wave").write_bytes(b"garbage")  # not a cache file: ignored, recomputed
    wf.waveform_for(clicks, "c" * 64, 12_000, tmp_path)
    assert len(computed) == 2


def test_no_sound_and_cancel_are_reported(media_dir, clicks, tmp_path):
    text = tmp_path / "notes.mp3"
    text.write_text("not a recording\n" * 100)
    with pytest.raises(wf.WaveformError, match="could not be decoded|no sound"):
        wf.compute_peaks(text, 1_000)
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(wf.Cancelled):
        wf.compute_peaks(clicks, 12_000, cancel=cancel)


def test_the_strip_shows_progress_then_peaks_and_seeks_on_click(qtbot, clicks, tmp_path):
    from PySide6.QtCore import QPoint, Qt

    from rater.media.base import MediaInfo
    from rater.ui.player import PlayerWidget

    fake = FakePlayer(MediaInfo(12_000, False, True))
    player = PlayerWidget(player_factory=lambda: fake)
    qtbot.addWidget(player)
    player.resize(600, 300)
    player.show()
    player.load(str(clicks), "audio")
    player.show_waveform(str(clicks), None, tmp_path)  # no checksum yet: computed from the file
    assert player.waveform.isVisible()
    qtbot.waitUntil(player.waveform.has_peaks, timeout=20_000)
    assert len(list(tmp_path.glob("*.wave"))) == 1
    player.set_marks([3_000, 6_000])
    strip = player.waveform
    qtbot.mouseClick(strip, Qt.MouseButton.LeftButton, pos=QPoint(strip.width() // 2, strip.height() // 2))
    assert abs(fake.position_ms() - 6_000) <= 12_000 / strip.width() + 1
    image = strip.grab().toImage()
    colours = {image.pixelColor(x, strip.height() // 2).name() for x in range(strip.width())}
    assert "#4f8df5" in colours and "#9aa5b1" in colours  # played and unplayed peaks drawn
