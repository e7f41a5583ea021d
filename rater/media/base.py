"""The player interface every media backend implements.

Contract
--------
* ``load(path, start_ms=0)`` opens a file and leaves the player paused at ``start_ms``. It raises
  :class:`MediaError` with a human-readable message when the file is missing,
  empty, or cannot be decoded (no audio/video track, zero duration); the
  player is then in state ``ERROR`` until a later ``load`` succeeds.
* ``play()`` / ``pause()`` change state; ``pause()`` on a paused player is a no-op.
* ``seek_ms(ms)`` is clamped to ``[0, duration_ms()]``; it works while paused,
  and after the end it leaves the player paused at ``ms``.  Playback after a
  seek starts within 100 ms of ``ms`` (tests/media/test_seek_landing.py).
* A loaded video shows its picture at the current position while paused
  (not a black surface until ``play()``).
* ``position_ms()`` is the current time; backends whose native clock moves in
  coarse steps interpolate so the UI sees a smooth clock.
* When playback reaches the end the player stops at the end (state ``ENDED``)
  and reports it once through the ``on_end`` callback; ``play()`` afterwards
  restarts from 0.
* ``stop()`` pauses and returns to 0; ``close()`` releases native resources, after
  which the player must not be used.
* ``set_window(win_id)`` is called once, before the first ``play()``.
* Callbacks given to :meth:`Player.set_callbacks` may be invoked on a backend's
  own thread: receivers must only hand the event over to their own thread
  (the Qt wrapper emits a queued signal).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


class MediaError(Exception):
    """A recording cannot be played; ``str(err)`` is shown to the user."""


class PlayerState(enum.Enum):
    EMPTY = "empty"
    PAUSED = "paused"
    PLAYING = "playing"
    ENDED = "ended"
    ERROR = "error"


@dataclass(frozen=True)
class MediaInfo:
    duration_ms: int
    has_video: bool
    has_audio: bool


@dataclass
class PlayerCallbacks:
    on_end: Callable[[], None] | None = None
    on_error: Callable[[str], None] | None = None
    on_state: Callable[[PlayerState], None] | None = None


class Player(Protocol):
    """A media player bound to one output surface."""

    backend_name: str

    def set_callbacks(self, callbacks: PlayerCallbacks) -> None: ...

    def set_window(self, win_id: int) -> None:
        """Draw video into the native window ``win_id`` (0 = no video output)."""

    def load(self, path: str, start_ms: int = 0) -> MediaInfo:
        """Open ``path`` paused at ``start_ms`` (clamped)."""

    def play(self) -> None: ...

    def pause(self) -> None: ...

    def stop(self) -> None: ...

    def seek_ms(self, ms: int) -> None: ...

    def step_frame(self, direction: int) -> None:
        """One video frame forward (``direction`` > 0) or back; only while paused on a video."""

    def position_ms(self) -> int: ...

    def duration_ms(self) -> int: ...

    def state(self) -> PlayerState: ...

    def set_rate(self, rate: float) -> None:
        """Playback speed, 0.5–2.0, pitch preserved."""

    def rate(self) -> float: ...

    def set_volume(self, volume: int) -> None:
        """Volume 0–100."""

    def volume(self) -> int: ...

    def close(self) -> None: ...
