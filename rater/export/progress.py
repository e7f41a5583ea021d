"""Progress reporting and cancellation for long exports.

The caller passes ``progress(fraction, message)`` and ``cancel() -> bool``;
:class:`Tracker` turns units of work into fractions, throttles the callback
(a GUI progress bar does not need a million updates) and raises
:class:`ExportCancelled` at the next check once ``cancel()`` returns True.

The reported fraction only ever rises: when the work left is re-estimated
(:meth:`Tracker.replan`), the bar continues from where it stands, and an
underestimate holds the bar just below 1 until :meth:`Tracker.finish`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from rater.export.atomic import ExportCancelled

log = logging.getLogger(__name__)

ProgressFn = Callable[[float, str], None]
CancelFn = Callable[[], bool]

_MIN_INTERVAL_S = 0.1
_BEFORE_FINISH = 0.999  # the highest fraction before the work is actually finished


class Tracker:
    """Counts done units against a total and reports at most every 0.1 s."""

    def __init__(self, total: float, progress: ProgressFn | None = None, cancel: CancelFn | None = None):
        self.total = max(float(total), 1.0)
        self.done = 0.0
        self._progress = progress
        self._cancel = cancel
        self._last = 0.0
        self._base_fraction = 0.0  # fraction reached when the plan last changed
        self._base_done = 0.0  # units done then
        self._reported = 0.0
        self.message = ""

    def check(self) -> None:
        """Raise :class:`ExportCancelled` if the user asked to stop."""
        if self._cancel is not None and self._cancel():
            log.info("export cancelled at %.0f%%", 100 * self.fraction)
            raise ExportCancelled("The export was cancelled; no file was written.")

    @property
    def fraction(self) -> float:
        """Share of the work done, never below what was already reported."""
        span = self.total - self._base_done
        part = (self.done - self._base_done) / span if span > 0 else 1.0
        value = self._base_fraction + (1.0 - self._base_fraction) * part
        return max(self._reported, min(value, _BEFORE_FINISH))

    def replan(self, remaining: float) -> None:
        """The work still to do is now estimated at ``remaining`` units; progress continues from here."""
        self._base_fraction = self.fraction
        self._base_done = self.done
        self.total = self.done + max(float(remaining), 1.0)

    def advance(self, units: float, message: str | None = None, force: bool = False) -> None:
        """Add ``units`` of finished work, check for cancellation and maybe report."""
        self.done += units
        if message is not None:
            self.message = message
        self.check()
        now = time.monotonic()
        if self._progress is not None and (force or now - self._last >= _MIN_INTERVAL_S):
            self._last = now
            self._reported = self.fraction
            self._progress(self._reported, self.message)

    def finish(self, message: str) -> None:
        self.done = self.total
        self.message = message
        self._reported = 1.0
        if self._progress is not None:
            self._progress(1.0, message)
