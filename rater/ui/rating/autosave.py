"""The rating window's side of saving: a retry timer and signals around the core write queue.

Queueing, ordering, replacing, journalling and replaying live in
:mod:`rater.study.rating.write_queue` (Qt-free, tested without Qt). This object only
retries every few seconds while something is pending and tells the window
what happened.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from rater.study.rating.write_commands import Command
from rater.study.rating.write_queue import Flushed, WriteQueue

log = logging.getLogger(__name__)

RETRY_MS = 3000


class Autosaver(QObject):
    """Runs writes now through the queue; retries the ones the database refused."""

    saved = Signal(datetime)  # local time of the last successful write
    failed = Signal(str)  # message for the user; writes are pending
    rejected = Signal(str)  # a write was refused for good

    def __init__(self, queue: WriteQueue, parent: QObject | None = None, retry_ms: int | None = None):
        super().__init__(parent)
        self.queue = queue
        self._timer = QTimer(self, interval=retry_ms or RETRY_MS)
        self._timer.timeout.connect(self.flush)

    @property
    def pending(self) -> int:
        return self.queue.pending

    @property
    def last_error(self) -> str | None:
        return self.queue.last_error

    def is_pending(self, key: Hashable) -> bool:
        return self.queue.is_pending(key)

    def write(self, command: Command, on_done: Callable[[Any], None] | None = None) -> bool:
        """Queue ``command`` and try to save; True if everything is saved."""
        return self._report(self.queue.put(command, on_done))

    def drop(self, key: Hashable) -> bool:
        """Forget a pending write (e.g. a mark deleted before it was ever saved)."""
        was_failing = self.queue.last_error is not None
        removed = self.queue.drop(key)
        if removed and was_failing and not self.queue.pending:
            self._timer.stop()
            self.saved.emit(datetime.now())
        return removed

    def flush(self) -> bool:
        """Write pending changes in order; True when nothing is left."""
        return self._report(self.queue.flush())

    def _report(self, result: Flushed) -> bool:
        for reason in result.rejected:
            self.rejected.emit(reason)
        if not result.saved:
            self.failed.emit(result.error or "")
            if not self._timer.isActive():
                self._timer.start()
            return False
        self._timer.stop()
        self.saved.emit(datetime.now())
        return True
