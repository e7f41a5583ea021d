"""Real playback through libVLC with dummy audio/video outputs."""

from __future__ import annotations

import threading
import time

import pytest
from media_files import AUDIO_MP3, EXPECTED_MESSAGES, SHORT_VIDEO, VIDEO

from rater.media.base import MediaError, PlayerCallbacks, PlayerState

pytestmark = [pytest.mark.media, pytest.mark.timeout(30), pytest.mark.usefixtures("require_vlc")]


def wait_for(predicate, timeout: float = 5.0, step: float = 0.01) -> bool:
    """Poll a non-Qt condition (libVLC runs on its own threads)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


@pytest.fixture
def player():
    from rater.media.vlc_backend import VlcPlayer

    p = VlcPlayer(headless=True)
    yield p
    p.close()


def test_load_reports_duration_and_tracks(player):
    info = player.load(str(VIDEO))
    assert (info.has_video, info.has_audio) == (True, True)
    assert 58_000 <= info.duration_ms <= 60_000
    assert player.state() is PlayerState.PAUSED
    assert player.position_ms() == 0
    assert player.backend_name.startswith("libVLC 3.")
    audio = player.load(str(AUDIO_MP3))
    assert (audio.has_video, audio.has_audio) == (False, True)
    assert abs(audio.duration_ms - 57_600) < 500


def test_position_advances_smoothly_while_playing(player):
    player.load(str(VIDEO))
    player.play()
    assert wait_for(lambda: player.position_ms() > 0)
    samples = []
    start = time.monotonic()
    while time.monotonic() - start < 1.0:
        samples.append(player.position_ms())
        time.sleep(0.02)
    assert samples == sorted(samples), "the clock must never run backwards while playing"
    assert 700 <= samples[-1] - samples[0] <= 1300
    # libVLC's own clock changes ~2-4 times a second; the UI needs far more.
    assert len(set(samples)) > 20


def test_pause_freezes_position_and_play_resumes(player):
    player.load(str(VIDEO))
    player.play()
    assert wait_for(lambda: player.position_ms() > 300)
    player.pause()
    frozen = player.position_ms()
    time.sleep(0.4)
    assert player.position_ms() == frozen
    assert player.state() is PlayerState.PAUSED
    player.play()
    assert wait_for(lambda: player.position_ms() > frozen + 200)


@pytest.mark.parametrize("target", [30_000, 5_000])
def test_seek_while_playing_lands_on_target(player, target):
    player.load(str(VIDEO))
    player.play()
    assert wait_for(lambda: player.position_ms() > 200)
    seek_time = time.monotonic()
    player.seek_ms(target)
    assert player.position_ms() == target  # shown at once, before libVLC confirms
    assert wait_for(lambda: player.position_ms() > target)
    confirmed_after_ms = (time.monotonic() - seek_time) * 1000
    # libVLC confirms a seek only with its next clock update (~0.3-0.5 s);
    # playback resumed from where that value, minus the wait, points to.
    resumed_from = player.position_ms() - confirmed_after_ms
    assert abs(resumed_from - target) <= 300
    assert confirmed_after_ms < 1_000


def test_seek_before_first_play_and_while_paused(player):
    player.load(str(VIDEO))
    player.seek_ms(20_000)
    assert player.position_ms() == 20_000
    started = time.monotonic()
    player.play()
    assert wait_for(lambda: player.position_ms() > 20_000)
    assert player.position_ms() - 20_000 <= (time.monotonic() - started) * 1000 + 300
    player.pause()
    player.seek_ms(12_000)
    assert player.position_ms() == 12_000
    started = time.monotonic()
    player.play()
    assert wait_for(lambda: player.position_ms() > 12_000)
    assert player.position_ms() - 12_000 <= (time.monotonic() - started) * 1000 + 300


def test_seek_is_clamped(player):
    player.load(str(VIDEO))
    player.seek_ms(-5_000)
    assert player.position_ms() == 0
    player.seek_ms(10_000_000)
    assert player.position_ms() == player.duration_ms()


def test_rate_one_and_a_half_is_honoured(player):
    player.load(str(VIDEO))
    player.set_rate(1.5)
    assert player.rate() == 1.5
    player.play()
    assert wait_for(lambda: player.position_ms() > 500)
    t0, p0 = time.monotonic(), player.position_ms()
    time.sleep(2.0)
    t1, p1 = time.monotonic(), player.position_ms()
    speed = (p1 - p0) / 1000 / (t1 - t0)
    assert 1.3 <= speed <= 1.6, speed


def test_rate_and_volume_are_clamped(player):
    player.set_rate(5.0)
    assert player.rate() == 2.0
    player.set_rate(0.1)
    assert player.rate() == 0.5
    player.set_volume(150)
    assert player.volume() == 100
    player.set_volume(-3)
    assert player.volume() == 0


def test_end_is_reported_once_from_libvlc_thread_and_play_restarts(player):
    ended = threading.Event()
    end_threads = []
    states = []

    def on_end():
        end_threads.append(threading.current_thread())
        ended.set()

    player.set_callbacks(PlayerCallbacks(on_end=on_end, on_state=states.append))
    player.load(str(SHORT_VIDEO))
    player.play()
    assert ended.wait(10), "end of a 5 s clip was never reported"
    ended.clear()
    time.sleep(0.2)  # a duplicate report, if any, would arrive now
    assert len(end_threads) == 1 and not ended.is_set()
    assert end_threads[0] is not threading.main_thread()  # see the contract in base.py
    assert player.state() is PlayerState.ENDED
    assert player.position_ms() == player.duration_ms()
    assert states[-1] is PlayerState.ENDED
    player.play()
    assert player.state() is PlayerState.PLAYING
    assert wait_for(lambda: 0 < player.position_ms() < 2_000)
    assert ended.wait(10)
    player.seek_ms(1_000)  # after the end: paused at the target
    assert player.state() is PlayerState.PAUSED
    assert player.position_ms() == 1_000


def test_stop_returns_to_start(player):
    player.load(str(VIDEO))
    player.play()
    assert wait_for(lambda: player.position_ms() > 300)
    player.stop()
    assert player.state() is PlayerState.PAUSED
    assert player.position_ms() == 0


@pytest.mark.parametrize("kind", sorted(EXPECTED_MESSAGES))
def test_bad_files_raise_clear_errors(player, bad_files, kind):
    path = bad_files[kind]
    with pytest.raises(MediaError) as err:
        player.load(str(path))
    assert str(err.value) == EXPECTED_MESSAGES[kind] + str(path)
    assert player.state() is PlayerState.ERROR
    player.play()  # harmless after a failed load
    assert player.load(str(SHORT_VIDEO)).has_video  # and the player recovers
