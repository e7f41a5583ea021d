"""Long work (checksums) in a worker thread behind a progress dialog that can cancel it."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from rater.ui.common.tasks import Task

log = logging.getLogger(__name__)

STEPS = 1000  # the bar counts per mille: byte totals do not fit Qt's int
REDRAW_S = 0.05

# work(progress(done, total, current name), cancelled() -> bool) -> result
ProgressWork = Callable[[Callable[[int, int, str], None], Callable[[], bool]], Any]


def _throttled(work: ProgressWork) -> Callable[..., Any]:
    """Forward at most one progress report per REDRAW_S (checksums report every MiB)."""

    def run(progress: Callable[..., None], cancelled: Callable[[], bool]) -> Any:
        last = 0.0

        def report(done: int, total: int, name: str) -> None:
            nonlocal last
            now = time.monotonic()
            if now - last >= REDRAW_S or not name:
                last = now
                progress(done, total, name)

        return work(report, cancelled)

    return run


class ProgressRun(QObject):
    """Runs ``work`` off the GUI thread; ``finished(result)`` or ``failed(exception)`` on the GUI thread."""

    finished = Signal(object)
    failed = Signal(object)

    def __init__(self, parent: QWidget, title: str, label: str, work: ProgressWork):
        super().__init__(parent)
        self.label = label
        self.dialog = QProgressDialog(label, "Cancel", 0, STEPS, parent)
        self.dialog.setWindowTitle(title)
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setMinimumDuration(0)
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.dialog.setMinimumWidth(460)
        self.task = Task(_throttled(work))
        self.dialog.canceled.connect(self._cancel)
        self.task.progress.connect(self._progress)
        self.task.finished.connect(lambda result: self._end(self.finished, result))
        self.task.failed.connect(lambda exc: self._end(self.failed, exc))

    def start(self) -> None:
        self.dialog.setValue(0)
        self.dialog.show()
        self.task.start()

    @property
    def running(self) -> bool:
        return self.task.running

    def _cancel(self) -> None:
        log.info("%s: cancel requested", self.label)
        self.dialog.setLabelText("Stopping… nothing will be changed.")
        self.dialog.setCancelButtonText("Stopping…")
        self.task.cancel()

    def _progress(self, args: tuple) -> None:
        done, total, name = args
        self.dialog.setValue(int(STEPS * done / total) if total else STEPS)
        if name and not self.task.cancel_requested:
            self.dialog.setLabelText(f"{self.label}\n{name[-70:]}")

    def _end(self, signal, value: Any) -> None:
        self.dialog.canceled.disconnect(self._cancel)  # closing the dialog would report a cancel
        self.dialog.close()
        self.dialog.deleteLater()
        signal.emit(value)
        self.deleteLater()
