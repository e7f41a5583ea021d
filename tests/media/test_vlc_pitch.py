"""Speed changes keep the pitch: libVLC's scaletempo, enabled by --audio-time-stretch."""

from __future__ import annotations

import array
import math
import time
import wave
from pathlib import Path

import pytest

pytestmark = [pytest.mark.media, pytest.mark.timeout(30), pytest.mark.usefixtures("require_vlc")]

RATE = 22050
TONE_HZ = 440


def write_tone(path: Path, seconds: float = 4.0) -> None:
    samples = array.array(
        "h", (int(12000 * math.sin(2 * math.pi * TONE_HZ * i / RATE)) for i in range(int(RATE * seconds)))
    )
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(samples.tobytes())


def played_frequency(tone: Path, out: Path, rate: float, extra: list[str]) -> float:
    """Play ``tone`` at ``rate`` into a WAV file and estimate its frequency."""
    import vlc

    from rater.media.vlc_instance import instance_args

    # The player's own arguments, with the dummy audio output swapped for a
    # file writer so the sound that would be heard can be inspected.
    args = [a for a in instance_args(headless=True) if not a.startswith("--aout")]
    args += ["--aout=afile", f"--audiofile-file={out}", "--audiofile-format=s16", "--audiofile-channels=1", *extra]
    instance = vlc.Instance(args)
    player = instance.media_player_new()
    player.set_media(instance.media_new_path(str(tone)))
    player.set_rate(rate)
    player.play()
    time.sleep(1.2)  # afile plays in real time
    player.stop()
    player.release()
    instance.release()
    with wave.open(str(out)) as w:
        rate_hz, channels = w.getframerate(), w.getnchannels()
        data = array.array("h", w.readframes(w.getnframes()))[::channels]
    data = data[len(data) // 10 :]  # skip the fade-in
    crossings = sum(1 for a, b in zip(data, data[1:], strict=False) if (a < 0) != (b < 0))
    return crossings / 2 / (len(data) / rate_hz)


def test_rate_change_keeps_pitch(tmp_path):
    tone = tmp_path / "tone.wav"
    write_tone(tone)
    normal = played_frequency(tone, tmp_path / "normal.wav", 1.0, [])
    faster = played_frequency(tone, tmp_path / "faster.wav", 1.5, [])
    assert abs(normal - TONE_HZ) < 10
    assert abs(faster - TONE_HZ) < 15, f"pitch moved to {faster:.0f} Hz at 1.5x"


def test_without_time_stretch_pitch_would_rise(tmp_path):
    """Proves the check above can fail: the option is what keeps the pitch."""
    tone = tmp_path / "tone.wav"
    write_tone(tone)
    chipmunk = played_frequency(tone, tmp_path / "raw.wav", 1.5, ["--no-audio-time-stretch"])
    assert chipmunk > TONE_HZ * 1.3
