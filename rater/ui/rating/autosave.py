"""Immediate saving with a retry queue, so a database hiccup never loses a change.

Every change is written at once. If the database refuses (disk full, locked,
unreachable), the write is kept in order, in memory and in the desktop's
journal file (fsynced, see :mod:`rater.study.outbox`), and retried every few
seconds until it lands; a newer change to the same thing replaces the pending
one. A crash while writes are pending loses nothing: the journal is replayed
when the app next opens the database. Refusals that retrying cannot fix (a
submitted rating, an invalid value) are dropped and reported.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from rater.study.errors import StudyError
from rater.study.outbox import Outbox

log = logging.getLogger(__name__)

RETRY_MS = 3000


@dataclass
class PendingWrite:
    method: str  # a Workstation method
    kwargs: dict[str, Any]
    on_done: Callable[[Any], None] | None = None


class Autosaver(QObject):
    """Runs writes now; keeps and retries the ones the database refused."""

    saved = Signal(datetime)  # local time of the last successful write
    failed = Signal(str)  # message for the user; writes are pending
    rejected = Signal(str)  # a write was refused for good

    def __init__(self, workstation, journal: Outbox | None = None, parent: QObject | None = None,
                 retry_ms: int | None = None):
        super().__init__(parent)
        self.ws = workstation
        self.journal = journal
        self._pending: OrderedDict[Hashable, PendingWrite] = OrderedDict()
        self._timer = QTimer(self, interval=retry_ms or RETRY_MS)
        self._timer.timeout.connect(self.flush)
        self.last_error: str | None = None

    @property
    def pending(self) -> int:
        return len(self._pending)

    def is_pending(self, key: Hashable) -> bool:
        return key in self._pending

    def write(self, key: Hashable, method: str, kwargs: dict[str, Any],
              on_done: Callable[[Any], None] | None = None) -> bool:
        """Queue ``workstation.method(**kwargs)`` under ``key`` (replacing a pending one) and try to
        save; True if all saved."""
        self._pending[key] = PendingWrite(method, kwargs, on_done)  # a replaced write keeps its place
        return self.flush()

    def drop(self, key: Hashable) -> bool:
        """Forget a pending write (e.g. a mark deleted before it was ever saved)."""
        removed = self._pending.pop(key, None) is not None
        if removed:
            self._journal()
        if removed and not self._pending and self.last_error is not None:
            self._timer.stop()
            self.last_error = None
            self.saved.emit(datetime.now())
        return removed

    def flush(self) -> bool:
        """Write pending changes in order; stop at the first the database refuses."""
        while self._pending:
            key, write = next(iter(self._pending.items()))
            try:
                result = getattr(self.ws, write.method)(**write.kwargs)
            except StudyError as exc:
                log.warning("write %r refused: %s", key, exc)
                self._pending.pop(key, None)
                self.rejected.emit(str(exc))
                self._journal()
                continue
            except Exception as exc:  # noqa: BLE001 - keep the change whatever went wrong
                log.warning("write %r not saved, will retry: %s", key, exc)
                self.last_error = str(exc)
                self._journal()
                self.failed.emit(str(exc))
                if not self._timer.isActive():
                    self._timer.start()
                return False
            if self._pending.get(key) is write:
                del self._pending[key]
            if write.on_done is not None:
                write.on_done(result)
        self._timer.stop()
        if self.last_error is not None:
            self._journal()
        self.last_error = None
        self.saved.emit(datetime.now())
        return True

    def _journal(self) -> None:
        """Mirror the pending writes into the journal file (only while something failed)."""
        if self.journal is not None:
            self.journal.save([{"method": w.method, "kwargs": w.kwargs} for w in self._pending.values()])
