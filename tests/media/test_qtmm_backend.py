"""The QtMultimedia fallback plays, seeks and reports bad files like libVLC does."""

from __future__ import annotations

import time

import pytest

pytest.importorskip("PySide6.QtMultimedia", reason="PySide6-Addons (QtMultimedia) is not installed")

from media_files import AUDIO_M4A, EXPECTED_MESSAGES, SHORT_VIDEO, VIDEO  # noqa: E402

from rater.media.base import MediaError, PlayerCallbacks, PlayerState  # noqa: E402

pytestmark = [pytest.mark.media, pytest.mark.timeout(30)]


@pytest.fixture
def player(qapp):
    from rater.media.qtmm_backend import QtMultimediaPlayer

    p = QtMultimediaPlayer(headless=True)
    yield p
    p.close()


def test_loads_plays_and_advances(player, qtbot):
    info = player.load(str(VIDEO))
    assert info.has_video and info.has_audio and 58_000 <= info.duration_ms <= 60_000
    assert player.state() is PlayerState.PAUSED and player.position_ms() == 0
    assert player.backend_name.startswith("QtMultimedia 6.")
    player.play()
    assert player.state() is PlayerState.PLAYING
    qtbot.waitUntil(lambda: player.position_ms() > 500, timeout=5000)
    player.pause()
    frozen = player.position_ms()
    qtbot.wait(300)
    assert abs(player.position_ms() - frozen) < 60


def test_audio_only_file(player):
    info = player.load(str(AUDIO_M4A))
    assert (info.has_video, info.has_audio) == (False, True)


def test_seek_lands(player, qtbot):
    player.load(str(VIDEO))
    player.seek_ms(20_000)  # while paused
    qtbot.waitUntil(lambda: player.position_ms() == 20_000, timeout=2000)
    player.play()
    qtbot.waitUntil(lambda: player.position_ms() > 20_000, timeout=3000)
    seek_time = time.monotonic()
    player.seek_ms(40_000)  # while playing
    qtbot.waitUntil(lambda: player.position_ms() > 40_000, timeout=3000)
    resumed_from = player.position_ms() - (time.monotonic() - seek_time) * 1000
    assert abs(resumed_from - 40_000) <= 300


def test_rate_one_and_a_half_is_honoured(player, qtbot):
    player.load(str(VIDEO))
    player.set_rate(1.5)
    player.play()
    qtbot.waitUntil(lambda: player.position_ms() > 300, timeout=5000)
    t0, p0 = time.monotonic(), player.position_ms()
    qtbot.wait(2000)
    speed = (player.position_ms() - p0) / 1000 / (time.monotonic() - t0)
    assert 1.3 <= speed <= 1.6, speed


def test_end_reached_then_play_restarts(player, qtbot):
    ended = []
    player.set_callbacks(PlayerCallbacks(on_end=lambda: ended.append(True)))
    player.load(str(SHORT_VIDEO))
    player.play()
    qtbot.waitUntil(lambda: bool(ended), timeout=10_000)
    assert ended == [True]
    assert player.state() is PlayerState.ENDED
    assert player.position_ms() == player.duration_ms()
    player.play()
    qtbot.waitUntil(lambda: 0 < player.position_ms() < 2000, timeout=3000)
    qtbot.waitUntil(lambda: len(ended) == 2, timeout=10_000)
    player.seek_ms(1_000)  # after the end: paused at the target
    assert player.state() is PlayerState.PAUSED
    qtbot.waitUntil(lambda: player.position_ms() == 1_000, timeout=2000)


@pytest.mark.parametrize("kind", sorted(EXPECTED_MESSAGES))
def test_bad_files_raise_clear_errors(player, bad_files, kind):
    path = bad_files[kind]
    with pytest.raises(MediaError) as err:
        player.load(str(path))
    assert str(err.value) == EXPECTED_MESSAGES[kind] + str(path)
    assert player.state() is PlayerState.ERROR
    assert player.load(str(SHORT_VIDEO)).has_video  # recovers
