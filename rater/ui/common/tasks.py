"""Running slow work (password checks, checksums) off the GUI thread.

A :class:`Task` runs ``work(progress, cancelled)`` on Qt's thread pool. The
work never touches widgets: it reports through signals of a relay object,
and because the task itself lives on the GUI thread those signals arrive
there queued, so whatever is connected to :attr:`Task.finished` may update
widgets freely. Database work inside ``work`` opens its own transactions
(``Database.transaction()`` is per call), so nothing is shared with the GUI.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

Progress = Callable[..., None]
Work = Callable[[Progress, Callable[[], bool]], Any]

# Tasks stay referenced until they finish, even if the widget that started them is gone.
_running: set[Task] = set()


class _Relay(QObject):
    progress = Signal(object)
    finished = Signal(object)
    failed = Signal(object)


class _Runner(QRunnable):
    def __init__(self, work: Work, relay: _Relay, cancelled: Callable[[], bool]):
        super().__init__()
        self.work, self.relay, self.cancelled = work, relay, cancelled

    def run(self) -> None:
        try:
            result = self.work(lambda *args: self.relay.progress.emit(args), self.cancelled)
        except Exception as exc:  # noqa: BLE001 - handed to the GUI thread, which shows it
            log.info("background task failed: %s", exc, exc_info=not _expected(exc))
            self.relay.failed.emit(exc)
        else:
            self.relay.finished.emit(result)


def _expected(exc: Exception) -> bool:
    from rater.storage.database import DatabaseError
    from rater.study.errors import StudyError

    return isinstance(exc, (StudyError, DatabaseError))


class Task(QObject):
    """One background job; ``progress(args tuple)``, ``finished(result)``, ``failed(exception)``."""

    progress = Signal(object)
    finished = Signal(object)
    failed = Signal(object)

    def __init__(self, work: Work):
        super().__init__()
        self._work = work
        self._cancel = threading.Event()
        self._relay = _Relay()
        self.running = False
        # Connected to this object's slots: the task lives on the GUI thread, so these are queued.
        self._relay.progress.connect(self._on_progress)
        self._relay.finished.connect(self._on_finished)
        self._relay.failed.connect(self._on_failed)

    def start(self) -> None:
        self.running = True
        _running.add(self)
        QThreadPool.globalInstance().start(_Runner(self._work, self._relay, self._cancel.is_set))

    def cancel(self) -> None:
        """Ask the work to stop at its next check; ``finished`` or ``failed`` still follows."""
        self._cancel.set()

    @property
    def cancel_requested(self) -> bool:
        return self._cancel.is_set()

    @Slot(object)
    def _on_progress(self, args: tuple) -> None:
        self.progress.emit(args)

    @Slot(object)
    def _on_finished(self, result: Any) -> None:
        self._end()
        self.finished.emit(result)

    @Slot(object)
    def _on_failed(self, exc: Exception) -> None:
        self._end()
        self.failed.emit(exc)

    def _end(self) -> None:
        self.running = False
        _running.discard(self)
