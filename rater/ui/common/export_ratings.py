"""Session → Export my ratings…: the rater writes their own ratings package for the coordinator.

Only the chosen rater's ratings go into the package (a rater never exports,
or sees, anyone else's). The file is written in a worker thread — a USB
stick can take seconds to fsync — and read back before the rater is told it
is safe to hand over.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject, QStandardPaths, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from rater.pooling import PackageError, container, export_ratings
from rater.storage.database import Database
from rater.ui import dialogs
from rater.ui.common.tasks import Task

if TYPE_CHECKING:
    from rater.study.rating.views import RaterInfo
    from rater.study.rating.workstation import Workstation

log = logging.getLogger(__name__)


class MainWindow(Protocol):
    """What the export needs of the main window (a QWidget): its workstation and the open rating page.

    A protocol rather than the window's class, because the coordinator's screens use this module
    too and must not depend on the rater's screens, which the window holds.
    """

    ws: Workstation
    rating_page: Any  # rater.ui.rating.rating_page.RatingPage or None

PACKAGE_FILTER = "Session Rater packages (*.srpkg);;All files (*)"
SUFFIX = ".srpkg"


@dataclass(frozen=True)
class ExportSummary:
    """A ratings package that was written and read back: what it holds."""

    path: Path
    study_code: str
    rater_codes: tuple[str, ...]
    ratings: int
    submitted: int
    homework: int


def documents_folder() -> Path:
    """The user's Documents folder (their home if there is none)."""
    docs = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(docs) if docs and Path(docs).is_dir() else Path.home()


def package_name(*parts: str, when: datetime | None = None) -> str:
    """``<part>-<part>-<yyyymmdd-hhmm>.srpkg``, with characters file systems dislike replaced."""
    stamp = f"{when or datetime.now():%Y%m%d-%H%M}"
    return "-".join(re.sub(r"[^\w.-]+", "_", p).strip("._") or "x" for p in (*parts, stamp)) + SUFFIX


def choose_target(parent: QWidget, suggested: Path) -> str | None:
    """Where to save a ratings package (None if cancelled)."""
    chosen, _ = QFileDialog.getSaveFileName(parent, "Save the ratings package as", str(suggested), PACKAGE_FILTER)
    if not chosen:
        return None
    return chosen if Path(chosen).suffix else chosen + SUFFIX


def write_ratings(db: Database, path: str | Path, study_id: str, rater_code: str | None) -> ExportSummary:
    """Export, then read the file back: a package that cannot be read is never reported as written."""
    done = export_ratings(db, path, study_id, rater_code=rater_code)
    try:
        ratings = container.read_package(done.path, "ratings").payload["ratings"]
    except PackageError as exc:
        raise PackageError(f"The package was written but cannot be read back ({exc}). The disk or stick may be "
                           "faulty: export again, to another place.") from None
    submitted = sum(r.get("status") == "submitted" for r in ratings)
    return ExportSummary(done.path, done.study_code, done.rater_codes, len(ratings), submitted, done.homework)


def counted(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


class ExportMyRatings(QObject):
    """One "Export my ratings…" run for ``rater``: choose the file, write it off the GUI thread, confirm."""

    finished = Signal(object)  # ExportSummary
    failed = Signal(object)  # the exception

    def __init__(self, window: MainWindow, rater: RaterInfo):
        super().__init__(window)
        self.window, self.rater = window, rater
        self.task: Task | None = None
        self.summary: ExportSummary | None = None
        self.message: QMessageBox | None = None  # the confirmation (tests read it)

    @property
    def running(self) -> bool:
        return self.task is not None and self.task.running

    def start(self) -> bool:
        """Ask where, then write; False if nothing was started (cancelled, or refused with a message)."""
        db = self.window.ws.db
        study_id, study_code = self.rater.study_id, self.rater.study_code
        if not self._settle_open_rating():
            return False
        target = choose_target(self.window, documents_folder() / package_name(study_code, self.rater.code))
        if target is None:
            return False
        code = self.rater.code
        self.task = Task(lambda _progress, _cancelled: write_ratings(db, target, study_id, code))
        self.task.finished.connect(self._written)
        self.task.failed.connect(self._failed)
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        self.task.start()
        return True

    def _settle_open_rating(self) -> bool:
        """Save what is typed on an open rating first, so the package has it."""
        page = self.window.rating_page
        if page is None:
            return True
        if not page.session.state.read_only:
            page.form.commit_notes()
            page.marks_panel.commit_pending()
        page.save_playback()
        if page.session.saver.flush():
            return True
        return dialogs.confirm(
            self.window, "Changes not saved yet",
            f"{page.session.saver.pending} change(s) on this rating are not saved yet "
            f"({page.session.saver.last_error}), so the export would not contain them.\n\n"
            "Export anyway? You can export again once they are saved.", ok="Export anyway", default_ok=False)

    def _written(self, summary: ExportSummary) -> None:
        QGuiApplication.restoreOverrideCursor()
        self.summary = summary
        others = summary.ratings - summary.submitted
        status = f"{summary.submitted} submitted" + (f", {others} not yet submitted" if others else "")
        text = (f"Exported {counted(summary.ratings, 'rating')} ({status}) and "
                f"{counted(summary.homework, 'homework log entry', 'homework log entries')} of "
                f"{self.rater.name} ({self.rater.code}), study {summary.study_code}, to:\n\n{summary.path}\n\n")
        if summary.ratings or summary.homework:
            text += "Hand this file to your coordinator."
        else:
            text += "You have not started any rating yet, so there is nothing in it for your coordinator."
        log.info("rater %s exported %d rating(s) to %s", self.rater.code, summary.ratings, summary.path)
        self.message = QMessageBox(QMessageBox.Icon.Information, "Your ratings were exported", text,
                                   QMessageBox.StandardButton.Ok, self.window)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.message.open()
        self.finished.emit(summary)

    def _failed(self, exc: Exception) -> None:
        QGuiApplication.restoreOverrideCursor()
        log.warning("ratings export of %s failed: %s", self.rater.code, exc)
        dialogs.error(self.window, "Your ratings were not exported",
                      f"{reason(exc)}\n\nNo half-written package was left behind. Check the stick or folder "
                      "and try again.")
        self.failed.emit(exc)


def reason(exc: Exception) -> str:
    """An error as a sentence: an OSError without its errno prefix."""
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    return str(exc)


def start_export(window: MainWindow, rater: RaterInfo) -> ExportMyRatings | None:
    """Export ``rater``'s ratings from ``window`` unless an export is still being written; the run, if started."""
    for earlier in window.findChildren(ExportMyRatings):
        if earlier.running:
            return None
        earlier.deleteLater()
    run = ExportMyRatings(window, rater)
    return run if run.start() else None
