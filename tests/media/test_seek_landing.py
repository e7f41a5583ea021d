"""Seeks land within 100 ms of the target, in every container raters bring; frames step.

Real libVLC, headless, on files generated with ffmpeg (see generated.py and
landing.py for how the landing point is read off the picture or the sound).
"""

from __future__ import annotations

import pytest
from generated import FRAME_MS, ffmpeg_reason, make_clicks, make_video
from landing import ClickListener, FrameListener, audio_landing_errors, video_landing_errors

pytestmark = [pytest.mark.media, pytest.mark.timeout(120), pytest.mark.usefixtures("require_vlc")]

TOLERANCE_MS = 100
SECONDS = 40
VIDEO_TARGETS = [3_000, 31_480, 12_345, 27_010, 5_555]  # forwards and backwards, across keyframes
AUDIO_TARGETS = [2_300, 31_450, 12_700, 25_150]


@pytest.fixture(scope="module")
def media_dir(tmp_path_factory):
    reason = ffmpeg_reason()
    if reason:
        pytest.skip(reason)
    return tmp_path_factory.mktemp("generated")


@pytest.fixture
def player():
    from rater.media.vlc_backend import VlcPlayer

    p = VlcPlayer(headless=True)
    yield p
    p.close()


@pytest.mark.parametrize("playing", [True, False], ids=["playing", "paused"])
@pytest.mark.parametrize("container", ["mp4", "mkv", "webm"])
def test_video_seek_lands_within_100_ms(media_dir, player, container, playing):
    path = media_dir / f"coded.{container}"
    if not path.exists():
        make_video(path, SECONDS)
    frames = FrameListener(player)
    player.load(str(path))
    results = video_landing_errors(player, frames, VIDEO_TARGETS, playing)
    errors = {target: landed - target for target, landed, _latency in results}
    assert all(abs(e) <= TOLERANCE_MS for e in errors.values()), errors


@pytest.mark.parametrize("container", ["wav", "mp3", "m4a"])
def test_audio_seek_lands_within_100_ms(media_dir, player, container):
    path = media_dir / f"clicks.{container}"
    make_clicks(path, SECONDS)
    listener = ClickListener(player)
    results = audio_landing_errors(player, listener, str(path), AUDIO_TARGETS)
    errors = {target: round(landed - target) for target, landed, _latency in results}
    assert all(abs(e) <= TOLERANCE_MS for e in errors.values()), errors


def test_frame_step_forward_and_back_while_paused(media_dir, player):
    path = make_video(media_dir / "step.mp4", 10)
    frames = FrameListener(player)
    player.load(str(path))
    player.seek_ms(4_000)
    for _ in range(5):
        player.step_frame(1)
    assert player.position_ms() == 4_000 + 5 * FRAME_MS
    for _ in range(3):
        player.step_frame(-1)
    assert player.position_ms() == 4_000 + 2 * FRAME_MS
    # Play starts exactly on the stepped frame.
    since = frames.count()
    player.play()
    _when, landed = frames.playback_start(since)
    player.pause()
    assert abs(landed - (4_000 + 2 * FRAME_MS)) < FRAME_MS
