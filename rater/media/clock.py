"""A smooth playback clock built on a coarse native one.

libVLC's ``get_time()`` moves in steps of 250–500 ms, and right after a seek or
a start it reports the target before playback has really moved.  The UI wants
a clock that advances every frame, never runs backwards while playing, and
does not claim progress that has not happened.  :class:`SmoothClock` anchors
on each fresh native value and extrapolates from it with a monotonic clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

# Native updates arrive every ~0.5 s at most; extrapolating much further than
# that would mean playback has stalled (buffering, a slow disk), so stop there.
MAX_EXTRAPOLATION_S = 1.0
# After a seek the first native values may still describe the old position;
# only values this close to the target are trusted.
RESYNC_WINDOW_MS = 1500
# If the native clock never confirms a seek (e.g. seeking to the very end),
# trust it again after this long rather than freezing the display for good.
SETTLE_TIMEOUT_S = 2.0


class SmoothClock:
    """Interpolated, monotonic media time in milliseconds.

    Feed it native readings through :meth:`sample`; tell it about jumps
    (:meth:`hold`), and about running (:meth:`run`) or not (:meth:`halt`).
    Not thread-safe: use it from one thread.
    """

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self._rate = 1.0
        self.reset(0)

    def reset(self, ms: int) -> None:
        """Stand still at ``ms`` with nothing to wait for (e.g. after load)."""
        self._running = False
        self._anchor_ms = float(ms)
        self._anchor_t = self._now()
        self._last_native: int | None = None
        self._ignore: frozenset[int] = frozenset()
        self._waiting_since: float | None = None
        self._last_out = int(ms)

    def hold(self, ms: int, ignore: Iterable[int] = ()) -> None:
        """Jump to ``ms`` and stay there until the native clock confirms it.

        ``ignore`` lists native values known to be stale (the pre-seek time,
        and the target itself, which libVLC echoes before it has moved).
        """
        self._anchor_ms = float(ms)
        self._anchor_t = self._now()
        self._ignore = frozenset(ignore) | {int(ms)}
        self._waiting_since = self._anchor_t
        self._last_out = int(ms)

    def run(self, native: int) -> None:
        """Start advancing (playback started or resumed)."""
        self._anchor_t = self._now()
        self._last_native = native
        self._running = True

    def halt(self) -> int:
        """Stop advancing at the current time (paused); return that time."""
        self._anchor_ms = float(self._estimate(self._now()))
        self._anchor_t = self._now()
        self._running = False
        return round(self._anchor_ms)

    def set_rate(self, rate: float) -> None:
        """Change the extrapolation speed without a jump."""
        now = self._now()
        self._anchor_ms = float(self._estimate(now))
        self._anchor_t = now
        self._rate = rate

    def sample(self, native: int) -> int:
        """Combine a native reading (``-1`` = unknown) into the smooth time."""
        now = self._now()
        if self._waiting_since is not None:
            if self._confirms_jump(native, now):
                self._waiting_since = None
                self._anchor(native, now)
                self._last_out = native  # the confirmed value may lie before the target
        elif self._running and native >= 0 and native != self._last_native:
            self._anchor(native, now)
        out = round(self._estimate(now))
        if self._running:
            # Re-anchoring on a native value slightly behind the estimate must
            # not make the displayed time tick backwards.
            out = max(out, self._last_out)
        self._last_out = out
        return out

    def _confirms_jump(self, native: int, now: float) -> bool:
        if native < 0:
            return False
        if now - self._waiting_since >= SETTLE_TIMEOUT_S:
            return True
        fresh = native > 0 and native not in self._ignore
        return fresh and abs(native - self._anchor_ms) <= RESYNC_WINDOW_MS

    def _anchor(self, native: int, now: float) -> None:
        self._anchor_ms = float(native)
        self._anchor_t = now
        self._last_native = native

    def _estimate(self, now: float) -> float:
        if not self._running or self._waiting_since is not None:
            return self._anchor_ms
        elapsed = min(now - self._anchor_t, MAX_EXTRAPOLATION_S)
        return self._anchor_ms + elapsed * 1000.0 * self._rate
