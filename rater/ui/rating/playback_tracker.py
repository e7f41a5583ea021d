"""What the rater played and for how long, between two saves (no Qt needed).

Position updates that advance contiguously while playing form a stretch; a
jump (seek, skip, recording change) closes it and starts a new one. Time spent
counts only while the rating page is shown in the active window.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

# Largest forward step still counted as continuous playback: position updates
# arrive every few hundred ms, at up to 2x speed, sometimes late.
JUMP_TOLERANCE_MS = 2500


@dataclass
class PlaybackDelta:
    position_ms: int
    time_spent_ms: int
    played: list[list[int]] = field(default_factory=list)


class PlaybackTracker:
    def __init__(self, position_ms: int = 0, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self.position_ms = position_ms
        self.playing = False
        self._open: list[int] | None = None
        self._closed: list[list[int]] = []
        self._spent_ms = 0
        self._active_since: float | None = None

    # --- position -------------------------------------------------------------
    def update(self, position_ms: int) -> bool:
        """Record a position; returns True if it was a jump (worth saving now)."""
        jumped = not 0 <= position_ms - self.position_ms <= JUMP_TOLERANCE_MS
        self.position_ms = position_ms
        if not self.playing:
            return jumped
        if self._open is None:
            self._open = [position_ms, position_ms]
        elif jumped:
            self._close()
            self._open = [position_ms, position_ms]
        else:
            self._open[1] = position_ms
        return jumped

    def set_playing(self, playing: bool) -> None:
        if playing == self.playing:
            return
        self.playing = playing
        if playing:
            self._open = [self.position_ms, self.position_ms]
        else:
            self._close()

    def jumped_to(self, position_ms: int) -> None:
        """A seek we asked for: the stretch so far ends here."""
        self._close()
        self.position_ms = position_ms
        if self.playing:
            self._open = [position_ms, position_ms]

    def _close(self) -> None:
        if self._open is not None and self._open[1] > self._open[0]:
            self._closed.append(self._open)
        self._open = None

    # --- time spent -----------------------------------------------------------
    def set_active(self, active: bool) -> None:
        now = self._clock()
        if active and self._active_since is None:
            self._active_since = now
        elif not active and self._active_since is not None:
            self._spent_ms += int((now - self._active_since) * 1000)
            self._active_since = None

    # --- saving ---------------------------------------------------------------
    def take(self) -> PlaybackDelta:
        """Everything since the last take; the tracker starts a new delta."""
        if self._active_since is not None:
            now = self._clock()
            self._spent_ms += int((now - self._active_since) * 1000)
            self._active_since = now
        played = list(self._closed)
        if self._open is not None and self._open[1] > self._open[0]:
            played.append(list(self._open))
            self._open = [self._open[1], self._open[1]]
        delta = PlaybackDelta(self.position_ms, self._spent_ms, played)
        self._closed = []
        self._spent_ms = 0
        return delta

    def give_back(self, delta: PlaybackDelta) -> None:
        """A save failed: keep its time and stretches for the next one."""
        self._spent_ms += delta.time_spent_ms
        self._closed = delta.played + self._closed
