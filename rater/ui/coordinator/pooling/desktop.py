"""Setting up a lab desktop from the coordinator's study package, and exporting every rating made on it.

The study package is read once when chosen, so a foreign, tampered or
wrong-version file is refused before anything is asked; the import itself
(set-up in one transaction, then every recording checked under this
desktop's media root) runs in a worker behind the cancellable progress
dialog. Recordings that are missing or changed are listed, never ignored.
"""

from __future__ import annotations

import html
import logging
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from rater.pooling import PackageError, StudyImport, container, import_study
from rater.storage.audit import desktop_name
from rater.storage.database import DatabaseError
from rater.study.errors import StudyError
from rater.study.recordings.files import Cancelled
from rater.study.reports import overview
from rater.ui import dialogs
from rater.ui.common import export_ratings as rating_export
from rater.ui.common.tasks import Task
from rater.ui.coordinator.context import Context
from rater.ui.coordinator.progress_run import ProgressRun
from rater.ui.coordinator.report_dialog import ReportDialog, show_report
from rater.ui.coordinator.widgets import button, row
from rater.ui.style import ERROR

log = logging.getLogger(__name__)


def choose_study_package(parent: QWidget) -> str | None:
    """The study package to set this desktop up from (None if cancelled)."""
    chosen, _ = QFileDialog.getOpenFileName(parent, "Import study package", str(rating_export.documents_folder()),
                                            rating_export.PACKAGE_FILTER)
    return chosen or None


def choose_media_root(parent: QWidget, start: str) -> str | None:
    """The folder holding the study's recordings on this desktop (None if cancelled)."""
    return QFileDialog.getExistingDirectory(parent, "Where are the recordings on this desktop?", start) or None


def choose_ratings_target(parent: QWidget, suggested: Path) -> str | None:
    """Where to save the desktop's ratings package (None if cancelled)."""
    return rating_export.choose_target(parent, suggested)


SHOWN_PROBLEMS = 5  # on the panel; the report lists them all


def _counts(counts: dict[str, int]) -> list[str]:
    return [f"{what}: {n}" for what, n in sorted(counts.items())]


class SetupDialog(QDialog):
    """Which study the package holds, where its recordings are here, and how closely to check them."""

    def __init__(self, package: container.Package, media_root: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Set up this desktop")
        self.setMinimumWidth(620)
        manifest, study = package.manifest, package.payload["study"]
        summary = manifest.get("summary", {})
        made = str(manifest.get("created_at", ""))[:16].replace("T", " ")
        about = QLabel(
            f"<b>{html.escape(study['code'])} — {html.escape(study['name'])}</b><br>"
            f"{summary.get('raters', '?')} raters, {summary.get('sessions', '?')} sessions, "
            f"{summary.get('recordings', '?')} recordings, {summary.get('assignments', '?')} assignments. "
            f"Exported {made} on {manifest.get('desktop', 'an unknown computer')}.")
        about.setWordWrap(True)
        coordinator_root = package.payload.get("media_root") or "not set"
        self.root_edit = QLineEdit(media_root)
        self.root_edit.setPlaceholderText("the coordinator's folder")
        self.root_edit.setToolTip(f"On the coordinator's computer the recordings are in {coordinator_root}")
        self.browse_button = button("Browse…", self._browse, "Choose the folder holding the study's recordings here")
        self.verify_box = QCheckBox("Verify recordings (re-read every file and compare its checksum)")
        self.verify_box.setChecked(True)
        self.verify_box.setToolTip("Without it only presence and size are checked: quicker on a slow network "
                                   "share, but a same-size file with other content goes unnoticed")
        self.problem = QLabel()
        self.problem.setStyleSheet(f"color: {ERROR};")
        self.problem.setWordWrap(True)
        self.problem.hide()
        form = QFormLayout()
        form.addRow("Recordings folder:", row(self.root_edit, self.browse_button))
        form.addRow("", QLabel(f"The coordinator's folder: {coordinator_root}", objectName="help"))
        form.addRow("", self.verify_box)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = buttons.addButton("Import", QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setDefault(True)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(about)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)

    @property
    def media_root(self) -> str | None:
        """The folder typed or chosen; None leaves the coordinator's."""
        return self.root_edit.text().strip() or None

    def _browse(self) -> None:
        chosen = choose_media_root(self, self.root_edit.text().strip() or str(Path.home()))
        if chosen:
            self.root_edit.setText(chosen)

    def _accept(self) -> None:
        root = self.media_root
        if root is not None and not Path(root).expanduser().is_dir():
            self.problem.setText(f"There is no folder {root} on this desktop. Connect the drive or share that "
                                 "holds the recordings, or choose another folder.")
            self.problem.show()
            return
        self.accept()


class DesktopPanel(QGroupBox):
    """This desktop's side of pooling: set up from a study package, export every rating made here."""

    def __init__(self, ctx: Context, parent: QWidget | None = None):
        super().__init__("This desktop", parent)
        self.ctx = ctx
        self.run: ProgressRun | None = None
        self.export_task: Task | None = None
        self.setup_dialog: SetupDialog | None = None
        self.last_report: ReportDialog | None = None
        self.last_import: StudyImport | None = None
        self.import_button = button("Import study package…", self.import_study_package,
                                    "Set this desktop up from the study package the coordinator exported: "
                                    "raters, sessions, recordings and assignments, with the same ids")
        self.export_all_button = button("Export all ratings on this desktop…", self.export_all,
                                        "Every rater's ratings of this study made on this desktop, in one "
                                        "package for the coordinator")
        about = QLabel("A lab desktop is set up from the coordinator's study package; importing a newer package "
                       "brings it up to date and never touches ratings. Raters export their own ratings with "
                       "Session → Export my ratings… (Ctrl+Shift+E).", objectName="muted")
        about.setWordWrap(True)
        self.status = QLabel("", objectName="muted")
        self.status.setWordWrap(True)
        self.status.hide()
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addWidget(about)
        layout.addLayout(row(self.import_button, self.export_all_button, None))
        layout.addWidget(self.status)

    def reload(self) -> None:
        self.export_all_button.setVisible(self.ctx.study_id is not None)  # nothing to export before a set-up

    def _say(self, text: str, problem: bool = False) -> None:
        self.status.setText(text)
        self.status.setVisible(bool(text))
        self.status.setStyleSheet(f"color: {ERROR};" if problem else "")

    # --- the study package in -----------------------------------------------------------
    def import_study_package(self) -> None:
        if self.run is not None and self.run.running:
            return
        path = choose_study_package(self)
        if path is None:
            return
        try:
            package = container.read_package(path, "study")
        except PackageError as exc:
            self._refused(exc)
            return
        self.setup_dialog = SetupDialog(package, self._current_root(package), self)
        self.setup_dialog.accepted.connect(
            lambda: self._start_import(Path(path), package.study_id, self.setup_dialog))
        self.setup_dialog.open()

    def _current_root(self, package: container.Package) -> str:
        """This desktop's folder for the study if it was set up before, else the coordinator's."""
        study_id = package.study_id
        try:
            if any(s.id == study_id for s in overview.studies(self.ctx.db)):
                here = overview.study_overview(self.ctx.db, study_id)
                return here.desktop_media_root or here.media_root or ""
        except (StudyError, DatabaseError) as exc:
            log.info("no current media root for %s: %s", study_id, exc)
        return package.payload.get("media_root") or ""

    def _start_import(self, path: Path, study_id: str, dialog: SetupDialog) -> None:
        db, root, verify = self.ctx.db, dialog.media_root, dialog.verify_box.isChecked()
        dialog.deleteLater()
        self.setup_dialog = None
        log.info("setting up this desktop from %s (media root %s, verify %s)", path, root, verify)
        self.run = ProgressRun(
            self, "Setting up this desktop",
            f"Importing {path.name}, then {'verifying' if verify else 'looking for'} the recordings…",
            lambda progress, cancelled: import_study(db, path, media_root=root, verify=verify, progress=progress,
                                                     cancel=cancelled))
        # The set-up is committed before the recordings are checked, so a cancel only stops the check.
        self.run.dialog.canceled.connect(lambda: self.run.dialog.setLabelText(
            "Stopping the check of the recordings… the study set-up is kept."))
        self.run.finished.connect(self._imported)
        self.run.failed.connect(lambda exc: self._import_failed(exc, path, study_id))
        self.run.start()

    def _imported(self, done: StudyImport) -> None:
        self.last_import = done
        what = "created on this desktop" if done.created else "updated" if done.changed else "already up to date"
        checked = "verified (checksums compared)" if done.hashed else "looked for (sizes only, not hashed)"
        text = (f"Study {done.study_code} {what}. Recordings {checked} under "
                f"{done.media_root or 'their stored paths (no media root)'}: ")
        if done.problems:
            text += (f"{len(done.problems)} missing or changed. Raters cannot play those until the right files are "
                     "in place; then import the package again or use Check recordings… on the Recordings screen.")
        else:
            text += "all present."
        lines = [f"• {p}" for p in done.problems[:SHOWN_PROBLEMS]]
        if len(done.problems) > SHOWN_PROBLEMS:
            lines.append(f"… and {len(done.problems) - SHOWN_PROBLEMS} more (see the report)")
        self._say("\n".join([text, *lines]), problem=bool(done.problems))
        sections = [("Recordings missing or changed", [str(p) for p in done.problems])]
        if done.kept_local:
            sections.append(("Kept as edited on this desktop", done.kept_local))
        sections += [(title, _counts(counts)) for title, counts in (("Added", done.added),
                                                                     ("Updated", done.updated)) if counts]
        self.last_report = show_report(self, "Study package imported", text, sections)
        self._set_up_changed(done.study_id)

    def _import_failed(self, exc: Exception, path: Path, study_id: str) -> None:
        if isinstance(exc, Cancelled):
            self._say(f"{path.name}: the study set-up was imported, but checking its recordings was stopped. "
                      "Check them on the Recordings screen (Check recordings…).", problem=True)
            self._set_up_changed(study_id)
            return
        self._refused(exc)

    def _refused(self, exc: Exception) -> None:
        log.info("study package refused: %s", exc)
        self._say(f"Not imported: {exc}", problem=True)
        if isinstance(exc, (StudyError, DatabaseError)):
            dialogs.error(self, "Study package not imported", f"{exc}\n\nNothing on this desktop was changed.")
        else:
            dialogs.error(self, "Study package not imported", f"{rating_export.reason(exc)}")

    def _set_up_changed(self, study_id: str) -> None:
        """New raters, sessions and recordings: the study chooser, the screens and "Who is rating?" read afresh."""
        self.ctx.study_created.emit(study_id)
        self.ctx.data_changed.emit()
        self.ctx.raters_changed.emit()

    # --- every rating made here out -------------------------------------------------------
    def export_all(self) -> None:
        study_id = self.ctx.study_id
        if study_id is None or (self.export_task is not None and self.export_task.running):
            return
        code = next((s.code for s in overview.studies(self.ctx.db) if s.id == study_id), "study")
        suggested = rating_export.documents_folder() / rating_export.package_name(code, "all", desktop_name())
        target = choose_ratings_target(self, suggested)
        if target is None:
            return
        db = self.ctx.db
        self.export_task = Task(lambda _p, _c: rating_export.write_ratings(db, target, study_id, None))
        self.export_task.finished.connect(self._exported)
        self.export_task.failed.connect(self._export_failed)
        self.export_all_button.setEnabled(False)  # one export at a time
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        self.export_task.start()

    def _exported(self, done: rating_export.ExportSummary) -> None:
        QGuiApplication.restoreOverrideCursor()
        self.export_all_button.setEnabled(True)
        raters = ", ".join(done.rater_codes) or "no rater has ratings yet"
        text = (f"Wrote {done.path}: {rating_export.counted(done.ratings, 'rating')} ({done.submitted} submitted) "
                f"of study {done.study_code} ({raters}) and "
                f"{rating_export.counted(done.homework, 'homework log entry', 'homework log entries')}. "
                "Import it on the coordinator's computer: Pooling → Import ratings packages….")
        self._say(text)
        self.last_report = show_report(self, "Ratings exported", text, [])

    def _export_failed(self, exc: Exception) -> None:
        QGuiApplication.restoreOverrideCursor()
        self.export_all_button.setEnabled(True)
        log.warning("desktop ratings export failed: %s", exc)
        self._say(f"Ratings not exported: {rating_export.reason(exc)}", problem=True)
        dialogs.error(self, "Ratings not exported", f"{rating_export.reason(exc)}\n\nNo half-written package was "
                      "left behind.")
