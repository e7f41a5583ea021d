"""Fixtures for the media tests: demo recordings, broken copies, libVLC availability."""

from __future__ import annotations

from pathlib import Path

import pytest
from media_files import VIDEO, vlc_reason


@pytest.fixture
def bad_files(tmp_path: Path) -> dict[str, Path]:
    """Broken recordings derived from the committed demo files (no ffmpeg needed)."""
    empty = tmp_path / "empty.mp4"
    empty.touch()
    # Truncating an mp4 whose index sits at the end leaves no playable track,
    # like a recording copied off a card that was pulled out too early.
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(VIDEO.read_bytes()[: VIDEO.stat().st_size // 3])
    # Right extension, wrong content: a text file renamed to .mp4.
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(b"this is not a recording\n" * 4000)
    # A plausible-looking mp3 name full of noise: libVLC finds an "mpga"
    # track here but no duration, which must still count as undecodable.
    noise = tmp_path / "noise.mp3"
    noise.write_bytes(bytes((i * 7919 + 13) % 251 for i in range(200_000)))
    return {
        "missing": tmp_path / "does-not-exist.mp4",
        "empty": empty,
        "truncated": truncated,
        "corrupt": corrupt,
        "noise": noise,
    }


@pytest.fixture(scope="session")
def require_vlc() -> None:
    """Skip, saying why, where libVLC truly cannot run."""
    reason = vlc_reason()
    if reason:
        pytest.skip(reason)
