"""Probing, checksums, backend choice, and the cheap import of rater.media."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys

import pytest
from media_files import AUDIO_M4A, AUDIO_MP3, EXPECTED_MESSAGES, SHORT_VIDEO, VIDEO

from rater.media import MediaError, create_player
from rater.media import factory as factory_module
from rater.media import probe as probe_module
from rater.media.probe import file_checksum, probe, probe_with_ffprobe


def test_importing_rater_media_loads_neither_vlc_nor_qt():
    code = "import sys, rater.media; print(sorted(m for m in sys.modules if m.split('.')[0] in ('vlc', 'PySide6')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.usefixtures("require_vlc")
def test_probe_with_libvlc():
    video = probe(VIDEO)
    assert video.has_video and video.has_audio and 58_000 <= video.duration_ms <= 60_000
    audio = probe(AUDIO_M4A)
    assert not audio.has_video and audio.has_audio and 25_000 <= audio.duration_ms <= 27_000


@pytest.mark.usefixtures("require_vlc")
@pytest.mark.parametrize("kind", sorted(EXPECTED_MESSAGES))
def test_probe_rejects_bad_files(bad_files, kind):
    with pytest.raises(MediaError, match="^" + re.escape(EXPECTED_MESSAGES[kind])):
        probe(bad_files[kind])


@pytest.mark.skipif(shutil.which("ffprobe") is None, reason="ffprobe is not on PATH")
def test_probe_with_ffprobe_agrees_with_libvlc(bad_files):
    for path, has_video in ((VIDEO, True), (AUDIO_MP3, False), (SHORT_VIDEO, True)):
        info = probe_with_ffprobe(path)
        assert info.has_video is has_video and info.has_audio
    assert abs(probe_with_ffprobe(AUDIO_MP3).duration_ms - 57_600) < 200
    for kind in ("truncated", "corrupt", "empty", "missing"):
        with pytest.raises(MediaError):
            probe_with_ffprobe(bad_files[kind])


def test_probe_without_any_tool_says_so(monkeypatch):
    monkeypatch.setattr(probe_module, "_vlc_parser", lambda: None)
    monkeypatch.setattr(probe_module.shutil, "which", lambda _name: None)
    with pytest.raises(MediaError, match="neither libVLC nor ffprobe"):
        probe(VIDEO)


def test_file_checksum_streams_sha256(tmp_path):
    big = tmp_path / "big.bin"
    data = bytes(range(256)) * (5 * 4096 + 7)  # a little over 5 MiB: several chunks
    big.write_bytes(data)
    assert file_checksum(big) == hashlib.sha256(data).hexdigest()
    assert file_checksum(SHORT_VIDEO) == hashlib.sha256(SHORT_VIDEO.read_bytes()).hexdigest()


@pytest.mark.usefixtures("require_vlc")
def test_auto_prefers_libvlc(monkeypatch):
    monkeypatch.delenv(factory_module.ENV_VAR, raising=False)
    player = create_player(headless=True)
    try:
        assert player.backend_name.startswith("libVLC 3.")
    finally:
        player.close()


def test_auto_falls_back_to_qt_when_libvlc_is_missing(monkeypatch, qapp):
    def no_vlc(headless):
        raise MediaError("libVLC is not installed (test).")

    monkeypatch.delenv(factory_module.ENV_VAR, raising=False)
    monkeypatch.setattr(factory_module, "_make_vlc", no_vlc)
    player = create_player(headless=True)
    try:
        assert player.backend_name.startswith("QtMultimedia")
    finally:
        player.close()


def test_env_override_picks_qt(monkeypatch, qapp):
    monkeypatch.setenv(factory_module.ENV_VAR, "qt")
    player = create_player(headless=True)
    try:
        assert player.backend_name.startswith("QtMultimedia")
    finally:
        player.close()


def test_named_backend_does_not_fall_back(monkeypatch):
    def no_vlc(headless):
        raise MediaError("libVLC is not installed (test).")

    monkeypatch.setattr(factory_module, "_make_vlc", no_vlc)
    with pytest.raises(MediaError, match="libVLC is not installed"):
        create_player(prefer="vlc", headless=True)
    with pytest.raises(ValueError):
        create_player(prefer="gstreamer")
