"""On a machine without sound, libVLC gets the silent output and one log line, not ALSA's flood."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap

import pytest

from rater.media import vlc_instance

pytestmark = pytest.mark.usefixtures("require_vlc")


def test_no_card_and_no_server_means_the_silent_output(monkeypatch, tmp_path, caplog):
    monkeypatch.delenv("PULSE_SERVER", raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    real_open = open

    def fake_open(path, *args, **kwargs):
        if path == "/proc/asound/cards":
            return real_open(tmp_path / "cards", *args, **kwargs)
        return real_open(path, *args, **kwargs)

    (tmp_path / "cards").write_text("--- no soundcards ---\n")
    monkeypatch.setattr("builtins.open", fake_open)
    with caplog.at_level(logging.WARNING, logger="rater.media.vlc_instance"):
        args = vlc_instance.instance_args(headless=False)
    assert "--aout=dummy" in args
    assert [r.getMessage() for r in caplog.records] == [
        "no sound card or sound server found: recordings play without sound"]
    # A sound server is enough, card or not.
    (tmp_path / "pulse").mkdir()
    (tmp_path / "pulse" / "native").touch()
    assert "--aout=dummy" not in vlc_instance.instance_args(headless=False)


def test_playing_on_this_machine_writes_no_alsa_lines(tmp_path):
    """A real process plays a demo file with the windowed (non-headless) instance."""
    script = textwrap.dedent("""
        import time
        from media_files import AUDIO_M4A
        from rater.media.vlc_backend import VlcPlayer
        p = VlcPlayer(headless=False)
        p.load(str(AUDIO_M4A)); p.play(); time.sleep(1.5); p.close()
    """)
    tests_media = __file__.rsplit("/", 1)[0]
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                         cwd=tests_media, env={**__import__("os").environ, "PYTHONPATH": ":".join(sys.path)})
    assert out.returncode == 0, out.stderr
    assert "ALSA lib" not in out.stderr, out.stderr[:2000]
