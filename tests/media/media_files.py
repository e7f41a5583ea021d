"""Demo recordings and expectations shared by the media tests (a helper, not a test)."""

from __future__ import annotations

from pathlib import Path

DEMO = Path(__file__).resolve().parents[2] / "rater" / "resources" / "demo"
VIDEO = DEMO / "demo_homework_review.mp4"  # 59 s, H.264 + AAC, index (moov) at the end
AUDIO_MP3 = DEMO / "demo_thought_record.mp3"  # 57.6 s
AUDIO_M4A = DEMO / "demo_mood_check.m4a"  # 26 s
SHORT_VIDEO = DEMO / "demo_closing_clip.mp4"  # 4.8 s


EXPECTED_MESSAGES = {
    "missing": "The recording file was not found: ",
    "empty": "The recording file is empty (0 bytes): ",
    "truncated": "The recording could not be decoded — it may be corrupt or truncated: ",
    "corrupt": "The recording could not be decoded — it may be corrupt or truncated: ",
    "noise": "The recording could not be decoded — it may be corrupt or truncated: ",
}


def vlc_reason() -> str | None:
    """Why real libVLC tests cannot run here, or None if they can."""
    try:
        import vlc
    except (ImportError, OSError, NotImplementedError) as exc:
        return f"libVLC is not installed (import vlc failed: {exc}); apt-get install libvlc5 vlc-plugin-base"
    instance = vlc.Instance(["--quiet"])
    if instance is None:
        return "libVLC is installed but its plugins are missing; apt-get install vlc-plugin-base"
    instance.release()
    return None
